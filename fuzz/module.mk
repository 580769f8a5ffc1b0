# fuzz/: libFuzzer targets.  Each fuzz/fuzz_NAME.c (defining
# LLVMFuzzerTestOneInput) becomes $(BUILD)/fuzz/fuzz_NAME, built with clang,
# -fsanitize=fuzzer,address,undefined, from the project sources compiled
# again with clang into $(BUILD)/fuzz/obj.  Seeds: fuzz/corpus/NAME/.
#   make fuzz FUZZ_SECONDS=N     run every target for N seconds (default 60)
#   make fuzz-smoke              run each briefly (make check uses it)
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SRCS    := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_TARGETS += $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
		-fno-sanitize-recover=all -std=c11 $(PKG_CFLAGS) $(CPPFLAGS) \
		-DECTLS_FUZZING
# Objects only (a link with -MMD would list headers as its inputs).
FUZZ_DEPFLAGS := -MMD -MP
FUZZ_LIB_SRCS = $(RUNTIME_SRCS) $(PARSER_SRCS) $(SCHEMA_SRCS) $(COMPILER_SRCS)
FUZZ_LIB_OBJS = $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_LIB_SRCS)) \
		$(patsubst $(BUILD)/%.c,$(BUILD)/fuzz/obj/gen/%.o,$(PARSER_GEN))

# fuzz/ is read before parser/, runtime/ and schema/ fill their lists, so
# the prerequisites that name those lists are expanded a second time.
.SECONDEXPANSION:
$(BUILD)/fuzz/obj/gen/%.o: $(BUILD)/%.c | $$(PARSER_GEN)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_DEPFLAGS) -Wno-unused-function -c -o $@ $<
$(BUILD)/fuzz/obj/%.o: %.c | $$(PARSER_GEN)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_DEPFLAGS) -c -o $@ $<
$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $$(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

fuzz: $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
		n=$${t##*/fuzz_}; mkdir -p $(BUILD)/fuzz/work/$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		    $(BUILD)/fuzz/work/$$n fuzz/corpus/$$n || exit 1; \
	done

# make fuzz-coverage: line coverage each target reaches on its corpus (the
# seeds plus what `make fuzz` found in $(BUILD)/fuzz/work, or FUZZ_WORK),
# measured on a copy built with clang's source-based coverage
# (-fprofile-instr-generate -fcoverage-mapping) and replayed once
# (-runs=0), reported per target for the files it is there to test
# (fuzz/coverage.sh).  Not part of make check.
FUZZ_COV_FLAGS := -g -O0 -fprofile-instr-generate -fcoverage-mapping \
		-std=c11 $(PKG_CFLAGS) $(CPPFLAGS) -DECTLS_FUZZING
FUZZ_COV_OBJS = $(patsubst %.c,$(BUILD)/fuzzcov/obj/%.o,$(FUZZ_LIB_SRCS)) \
		$(patsubst $(BUILD)/%.c,$(BUILD)/fuzzcov/obj/gen/%.o,$(PARSER_GEN))
FUZZ_COV_TARGETS = $(patsubst fuzz/%.c,$(BUILD)/fuzzcov/%,$(FUZZ_SRCS))
FUZZ_WORK ?= $(BUILD)/fuzz/work

$(BUILD)/fuzzcov/obj/gen/%.o: $(BUILD)/%.c | $$(PARSER_GEN)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_COV_FLAGS) $(FUZZ_DEPFLAGS) -Wno-unused-function -c -o $@ $<
$(BUILD)/fuzzcov/obj/%.o: %.c | $$(PARSER_GEN)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_COV_FLAGS) $(FUZZ_DEPFLAGS) -c -o $@ $<
$(BUILD)/fuzzcov/fuzz_%: fuzz/fuzz_%.c $$(FUZZ_COV_OBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZCOV $@")
	$(Q)$(FUZZ_CC) $(FUZZ_COV_FLAGS) -fsanitize=fuzzer,leak -o $@ $^ $(PKG_LIBS)

# (The objects are named here too, so make does not take them for
# intermediate files of a chain it may refuse to build.)
fuzz-coverage: $$(FUZZ_COV_OBJS) $(FUZZ_COV_TARGETS)
	$(Q)sh fuzz/coverage.sh $(BUILD)/fuzzcov $(FUZZ_WORK) $(BUILD)

.PHONY: fuzz-coverage
