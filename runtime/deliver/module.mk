# runtime/deliver/: the ectls-deliver command.  It links libectls.a and the
# TLS and PCRE2 libraries only: no parser objects, no libxml2 (the delivery
# suite checks the binary with nm and ldd).
DELIVER_SRCS := runtime/deliver/main.c
DELIVER_LIBS := $(shell pkg-config --libs openssl gnutls libpcre2-8 2>/dev/null)
PROGRAMS += $(BUILD)/ectls-deliver

$(BUILD)/ectls-deliver: $(call obj,$(DELIVER_SRCS)) $(BUILD)/libectls.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(DELIVER_LIBS)
RUNTIME_SRCS += runtime/deliver/logfmt.c
