# tests/: cmocka unit tests.  A file tests/unit/test_NAME.c becomes
# $(BUILD)/tests/unit/test_NAME, linked with every front-end object (but not
# compiler/main.c), libectls.a, the libraries and cmocka.  run.sh runs them all.
UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_TESTS += $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))

# Second expansion: FRONT_OBJS and LIBECTLS are final only after every
# module.mk has been read.
.SECONDEXPANSION:
$(BUILD)/tests/unit/test_%: $(BUILD)/tests/unit/test_%.o $$(FRONT_OBJS) $$(LIBECTLS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(LIBECTLS) $(PKG_LIBS) -lcmocka
