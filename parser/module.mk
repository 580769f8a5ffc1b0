# parser/: flex + bison front end -> AST.  Generated files live in
# $(BUILD)/parser and are never committed.
PARSER_SRCS += parser/arena.c
PARSER_SRCS += parser/ast.c
PARSER_SRCS += parser/cfg.c
PARSER_GEN  += $(BUILD)/parser/parser.c $(BUILD)/parser/lexer.c

# One run of bison makes both files (a grouped target: as two plain targets,
# make may run it twice and leave parser.h newer than the objects built
# between the runs, so a later `make` relinks them).
$(BUILD)/parser/parser.c $(BUILD)/parser/parser.h &: parser/parser.y | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  BISON   $<")
	$(Q)$(BISON) -Wall -Werror -o $(BUILD)/parser/parser.c \
	    --header=$(BUILD)/parser/parser.h $<

$(BUILD)/parser/lexer.c: parser/lexer.l | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FLEX    $<")
	$(Q)$(FLEX) -o $@ $<

$(BUILD)/parser/%.o: $(BUILD)/parser/%.c $(BUILD)/parser/parser.h
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(GEN_CFLAGS) -c -o $@ $<

# Every object of the front end may include the generated header.
$(call obj,$(PARSER_SRCS)): $(BUILD)/parser/parser.h
