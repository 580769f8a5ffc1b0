# schema/: the option schema and its loader; the only code that includes
# libxml2.  options.xml and options.xsd are embedded into the binary: the
# build writes their bytes into $(BUILD)/schema/embedded.c (schema/embed.sh,
# od + awk), so `ectls` needs no install path.  schema/embedded.c is listed
# in SCHEMA_SRCS only to name its object; the explicit rules below build that
# object from the generated file.
SCHEMA_SRCS += schema/schema.c
SCHEMA_SRCS += schema/embedded.c
# `ectls schema` (the command lives with the other commands in compiler/).
COMPILER_SRCS += compiler/cmd_schema.c

SCHEMA_EMBED_IN := schema/options.xml schema/options.xsd schema/embed.sh

$(BUILD)/schema/embedded.c: $(SCHEMA_EMBED_IN)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)sh schema/embed.sh schema/options.xml schema_embedded_xml \
	    schema/options.xsd schema_embedded_xsd >$@.tmp && mv $@.tmp $@

$(BUILD)/schema/embedded.o: $(BUILD)/schema/embedded.c | $(DEPS_STAMP)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/obj/schema/embedded.o: $(BUILD)/schema/embedded.c
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

$(BUILD)/fuzzcov/obj/schema/embedded.o: $(BUILD)/schema/embedded.c
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_COV_FLAGS) -c -o $@ $<
