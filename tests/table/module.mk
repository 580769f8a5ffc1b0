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

# tests/module.mk names $(FRONT_OBJS) $(LIBECTLS) in its unit-test rule
# before the top-level Makefile defines them (they expand empty there), so
# name what test_table links explicitly.  Harmless once that is fixed.
$(BUILD)/tests/unit/test_table: $(call obj,compiler/tblw.c) \
    $(BUILD)/libectls.a

