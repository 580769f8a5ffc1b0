# tests/table/: the policy table suite's helper programs.
#   mktable  test-only table generator (tblw) from a text description
#   libtest  links ONLY libectls.a (+ libc, pcre2) and includes only ectls.h
PROGRAMS += $(BUILD)/tests/table/mktable $(BUILD)/tests/table/libtest

$(BUILD)/tests/table/mktable: $(BUILD)/tests/table/mktable.o \
    $(call obj,compiler/tblw.c) $(BUILD)/libectls.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell pkg-config --libs libpcre2-8)

$(BUILD)/tests/table/libtest: $(BUILD)/tests/table/libtest.o $(BUILD)/libectls.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell pkg-config --libs libpcre2-8)

