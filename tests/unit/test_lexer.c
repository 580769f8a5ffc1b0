/* SPDX-License-Identifier: ISC */
/*
 * test_lexer.c -- the lexer's edge cases and location tracking, through
 * cfg_parse_mem() and the AST: tab stops of 8, CRLF, byte offsets and
 * spans, columns that count bytes (UTF-8), escapes, a token at the end of
 * the input without a newline, the limits, and where errors are reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ast.h"
#include "cfg.h"
#include "diag.h"

/*
 * Helpers.
 */

#define MAXNODES	64

struct parsed {
	struct diag		 d;
	struct cfg		*cfg;
	const struct ast_node	*n[MAXNODES];	/* statements, document order */
	unsigned		 depth[MAXNODES];
	size_t			 count;
};

static int
collect(const struct ast_node *n, unsigned depth, void *arg)
{
	struct parsed *p = arg;

	if (p->count < MAXNODES) {
		p->depth[p->count] = depth;
		p->n[p->count++] = n;
	}
	return 0;
}

static struct parsed *
parse_opts(const char *text, size_t len, const struct cfg_opts *o)
{
	struct parsed *p;

	p = calloc(1, sizeof(*p));
	assert_non_null(p);
	diag_init(&p->d, 0);
	p->cfg = cfg_parse_mem("t.conf", text, len, o, &p->d);
	if (p->cfg != NULL)
		ast_walk(cfg_root(p->cfg), collect, p);
	return p;
}

static struct parsed *
parse(const char *text)
{
	struct cfg_opts o = { .no_includes = 1 };

	return parse_opts(text, strlen(text), &o);
}

static void
done(struct parsed *p)
{
	cfg_free(p->cfg);
	diag_fini(&p->d);
	free(p);
}

/* A clean parse: a tree and no finding at all. */
static struct parsed *
parse_clean(const char *text)
{
	struct parsed *p = parse(text);
	size_t i;

	assert_non_null(p->cfg);
	for (i = 0; i < p->d.nitems; i++)
		print_error("unexpected finding %u:%u: %s\n", p->d.items[i].line,
		    p->d.items[i].col, p->d.items[i].msg);
	assert_int_equal(p->d.nitems, 0);
	assert_int_equal(cfg_errors(p->cfg), 0);
	return p;
}

static void
assert_loc(const struct loc *l, uint32_t line, uint32_t col, uint32_t off,
    uint32_t len)
{
	assert_non_null(l->file);
	assert_string_equal(l->file->path, "t.conf");
	assert_int_equal(l->line, line);
	assert_int_equal(l->col, col);
	assert_int_equal(l->off, off);
	assert_int_equal(l->len, len);
}

/* The first finding whose message starts with `prefix`. */
static const struct diag_item *
finding(const struct parsed *p, const char *prefix)
{
	size_t i;

	for (i = 0; i < p->d.nitems; i++)
		if (strncmp(p->d.items[i].msg, prefix, strlen(prefix)) == 0)
			return &p->d.items[i];
	print_error("no finding \"%s...\" among %zu\n", prefix, p->d.nitems);
	for (i = 0; i < p->d.nitems; i++)
		print_error("  %u:%u: %s\n", p->d.items[i].line,
		    p->d.items[i].col, p->d.items[i].msg);
	fail();
	return NULL;
}

/*
 * Tests.
 */

static void
test_spans(void **state)
{
	static const char text[] = "name = value\nother = \"quoted\"\n";
	struct parsed *p = parse_clean(text);

	(void)state;
	assert_int_equal(p->count, 2);
	assert_int_equal(p->n[0]->kind, AST_OPTION);
	assert_string_equal(p->n[0]->name, "name");
	assert_loc(&p->n[0]->loc, 1, 1, 0, 4);
	assert_int_equal(p->n[0]->value->kind, AST_V_WORD);
	assert_string_equal(p->n[0]->value->u.str, "value");
	assert_loc(&p->n[0]->value->loc, 1, 8, 7, 5);
	assert_loc(&p->n[1]->loc, 2, 1, 13, 5);
	/* A string's span includes its quotes; its text does not. */
	assert_int_equal(p->n[1]->value->kind, AST_V_STRING);
	assert_string_equal(p->n[1]->value->u.str, "quoted");
	assert_int_equal(p->n[1]->value->len, 6);
	assert_loc(&p->n[1]->value->loc, 2, 9, 21, 8);
	assert_memory_equal(text + 21, "\"quoted\"", 8);
	done(p);
}

static void
test_tab_stops(void **state)
{
	static const char text[] = "\tA = 1\nB =\tx\nL = (\n1234567\tz\n"
	    "12345678\tw\n \t \tv )\n";
	struct parsed *p = parse_clean(text);
	const struct ast_value *z, *w, *v;

	(void)state;
	assert_int_equal(p->count, 3);
	assert_loc(&p->n[0]->loc, 1, 9, 1, 1);
	assert_loc(&p->n[1]->value->loc, 2, 9, (uint32_t)(strchr(text, 'x') -
	    text), 1);
	/* The list is ( 1234567 z 12345678 w v ). */
	z = p->n[2]->value->u.items->next;
	w = z->next->next;
	v = w->next;
	assert_loc(&z->loc, 4, 9, (uint32_t)(strchr(text, 'z') - text), 1);
	assert_loc(&w->loc, 5, 17, (uint32_t)(strchr(text, 'w') - text), 1);
	assert_loc(&v->loc, 6, 17, (uint32_t)(strchr(text, 'v') - text), 1);
	done(p);
}

static void
test_crlf(void **state)
{
	struct parsed *p = parse_clean("a = b\r\nscope {\r\n\tc = d\r\n}\r\n");

	(void)state;
	assert_int_equal(p->count, 3);
	assert_loc(&p->n[0]->value->loc, 1, 5, 4, 1);
	assert_int_equal(p->n[1]->kind, AST_SCOPE);
	assert_loc(&p->n[1]->loc, 2, 1, 7, 5);
	assert_loc(&p->n[2]->loc, 3, 9, 17, 1);
	assert_int_equal(p->depth[2], 1);
	/* The closing brace: line 4, after "\tc = d\r\n". */
	assert_loc(ast_scope_end(p->n[1]), 4, 1, 24, 1);
	/* "\r" is white space: the value has no trailing CR. */
	assert_string_equal(p->n[2]->value->u.str, "d");
	done(p);
}

static void
test_utf8_columns(void **state)
{
	/* "é" is 2 bytes, "€" 3, "📬" 4: columns count bytes. */
	static const char text[] = "# é € 📬\nx = \"é\" y = 1\n"
	    "z = ( \"€\" 📬 w )\n";
	struct parsed *p = parse_clean(text);
	uint32_t l2 = (uint32_t)(strchr(text, 'x') - text);
	uint32_t l3 = (uint32_t)(strchr(text, 'z') - text);

	(void)state;
	assert_int_equal(l2, 14);
	assert_int_equal(p->count, 3);
	assert_loc(&p->n[0]->loc, 2, 1, l2, 1);
	assert_loc(&p->n[0]->value->loc, 2, 5, l2 + 4, 4);
	assert_int_equal(p->n[0]->value->len, 2);
	assert_string_equal(p->n[0]->value->u.str, "é");
	assert_loc(&p->n[1]->loc, 2, 10, l2 + 9, 1);
	/* z = ( "€" 📬 w ): the list spans from "(" to ")". */
	assert_int_equal(p->n[2]->value->kind, AST_V_LIST);
	assert_int_equal(p->n[2]->value->len, 3);
	assert_loc(&p->n[2]->value->loc, 3, 5, l3 + 4, 16);
	assert_loc(&p->n[2]->value->u.items->next->loc, 3, 13, l3 + 12, 4);
	assert_loc(&p->n[2]->value->u.items->next->next->loc, 3, 18, l3 + 17,
	    1);
	done(p);
}

static void
test_escapes(void **state)
{
	struct parsed *p = parse_clean(
	    "s = \"q\\\" b\\\\ n\\n r\\r t\\t dot\\. end\"\nnext = 1\n");

	(void)state;
	assert_string_equal(p->n[0]->value->u.str,
	    "q\" b\\ n\n r\r t\t dot\\. end");
	assert_int_equal(p->n[0]->value->len, 24);
	/* The span is the source text: 31 bytes with the quotes. */
	assert_loc(&p->n[0]->value->loc, 1, 5, 4, 31);
	assert_loc(&p->n[1]->loc, 2, 1, 36, 4);
	done(p);
	/* A string over two lines moves the next token's line. */
	p = parse_clean("s = \"a\nb\" t = 2\n");
	assert_string_equal(p->n[0]->value->u.str, "a\nb");
	assert_loc(&p->n[0]->value->loc, 1, 5, 4, 5);
	assert_loc(&p->n[1]->loc, 2, 4, 10, 1);
	done(p);
}

static void
test_eof_without_newline(void **state)
{
	struct parsed *p = parse_clean("a = 1\nlast = word");

	(void)state;
	assert_int_equal(p->count, 2);
	assert_loc(&p->n[1]->value->loc, 2, 8, 13, 4);
	assert_string_equal(p->n[1]->value->u.str, "word");
	done(p);
	p = parse_clean("s { x = \"q\" }");
	assert_loc(ast_scope_end(p->n[0]), 1, 13, 12, 1);
	done(p);
	/* Empty input, and only a comment without newline. */
	p = parse_clean("");
	assert_int_equal(p->count, 0);
	assert_non_null(cfg_root(p->cfg));
	assert_int_equal(cfg_root(p->cfg)->kind, AST_FILE);
	done(p);
	p = parse_clean("# just a comment");
	assert_int_equal(p->count, 0);
	done(p);
}

static void
test_comments_and_words(void **state)
{
	struct parsed *p = parse_clean(
	    "a = \"x # y\" # comment\n"
	    "/* c1 */ b = 127.0.0.0/8 /* c2\n c3 */ c = *:4802\n"
	    "d = x#tail\n"
	    "e = a/b\n"
	    "hook:delay_dsn_send_notification [ k = v ]\n");

	(void)state;
	assert_int_equal(p->count, 6);
	assert_string_equal(p->n[0]->value->u.str, "x # y");
	assert_string_equal(p->n[1]->value->u.str, "127.0.0.0/8");
	assert_loc(&p->n[1]->loc, 2, 10, 31, 1);
	assert_loc(&p->n[2]->loc, 3, 8, 60, 1);
	assert_string_equal(p->n[2]->value->u.str, "*:4802");
	assert_string_equal(p->n[3]->value->u.str, "x");
	assert_string_equal(p->n[4]->value->u.str, "a/b");
	assert_string_equal(p->n[5]->name, "hook:delay_dsn_send_notification");
	assert_int_equal(p->n[5]->value->kind, AST_V_DICT);
	assert_string_equal(ast_value_key(p->n[5]->value->u.items)->u.str, "k");
	done(p);
}

static void
test_scopes(void **state)
{
	struct parsed *p = parse_clean(
	    "ESMTP_Listener{\n"
	    "  Listen \":25\"\n"
	    "  {\n"
	    "  }\n"
	    "}\n"
	    "domain example.com = { tls = required }\n");

	(void)state;
	assert_int_equal(p->count, 4);
	assert_int_equal(p->n[0]->kind, AST_SCOPE);
	assert_null(p->n[0]->value);
	assert_int_equal(p->n[1]->kind, AST_SCOPE);
	assert_int_equal(p->n[1]->value->kind, AST_V_STRING);
	assert_string_equal(p->n[1]->value->u.str, ":25");
	assert_loc(&p->n[1]->value->loc, 2, 10, 25, 5);
	assert_int_equal(p->depth[1], 1);
	assert_loc(ast_scope_end(p->n[1]), 4, 3, 37, 1);
	assert_ptr_equal(p->n[0]->children, p->n[1]);
	assert_int_equal(p->n[2]->value->kind, AST_V_WORD);
	assert_string_equal(p->n[2]->value->u.str, "example.com");
	assert_string_equal(p->n[3]->name, "tls");
	assert_ptr_equal(p->n[2]->children, p->n[3]);
	done(p);
}

static void
test_keywords(void **state)
{
	struct parsed *p = parse_clean("INCLUDE \"a.conf\"\n"
	    "s { ReadOnly_Include dir }\nv = include\n");

	(void)state;
	assert_int_equal(p->count, 4);
	assert_int_equal(p->n[0]->kind, AST_INCLUDE);
	assert_int_equal(p->n[0]->flags & AST_F_READONLY, 0);
	/* no_includes: unresolved, no children. */
	assert_int_equal(p->n[0]->flags & AST_F_RESOLVED, 0);
	assert_null(p->n[0]->children);
	assert_string_equal(p->n[0]->value->u.str, "a.conf");
	assert_int_equal(p->n[2]->kind, AST_INCLUDE);
	assert_int_not_equal(p->n[2]->flags & AST_F_READONLY, 0);
	assert_int_equal(p->n[3]->kind, AST_OPTION);
	assert_string_equal(p->n[3]->value->u.str, "include");
	done(p);
}

static void
test_error_locations(void **state)
{
	const struct diag_item *it;
	struct parsed *p;

	(void)state;
	/* Unterminated string: where it starts. */
	p = parse("a = 1\nb = \"open\nc = 2\n");
	it = finding(p, "unterminated string");
	assert_int_equal(it->line, 2);
	assert_int_equal(it->col, 5);
	assert_int_equal(it->off, 10);
	assert_int_equal(cfg_errors(p->cfg), 1);
	done(p);
	/* Unterminated comment: where it starts. */
	p = parse("a = 1\n\t/* open\n\n");
	it = finding(p, "unterminated comment");
	assert_int_equal(it->line, 2);
	assert_int_equal(it->col, 9);
	done(p);
	/* Missing "}": at end of file, with a note where the scope opened. */
	p = parse("a {\n  b {\n  }\n");
	it = finding(p, "expected \"}\" at end of file");
	assert_int_equal(it->line, 4);
	assert_int_equal(it->col, 1);
	assert_int_equal(it->nnotes, 1);
	assert_int_equal(it->notes[0].line, 1);
	assert_int_equal(it->notes[0].col, 3);
	done(p);
	/* NUL: its own column, one error for the word. */
	p = parse_opts("ab\0c = 1\n", 9, &(struct cfg_opts){ .no_includes = 1 });
	it = finding(p, "NUL byte in input");
	assert_int_equal(it->line, 1);
	assert_int_equal(it->col, 3);
	assert_int_equal(cfg_errors(p->cfg), 1);
	done(p);
	/* Invalid UTF-8: the byte's column. */
	p = parse("k = \"ok \xc3\xa9 bad \xe9\"\n");
	it = finding(p, "invalid UTF-8 byte 0xe9");
	assert_int_equal(it->col, 16);
	done(p);
	/* A syntax error names what was expected and what came. */
	p = parse("a = b\nc d e f = g\nok = 1\n");
	it = finding(p, "expected \"{\" after \"e\", got \"f\"");
	assert_int_equal(it->line, 2);
	assert_int_equal(it->col, 7);
	/* Recovery: the next line is parsed. */
	assert_int_equal(p->count, 2);
	assert_string_equal(p->n[1]->name, "ok");
	done(p);
}

static void
test_recovery_skips_block(void **state)
{
	/* The bad line opens a block: its "}" must not close "outer". */
	struct parsed *p = parse("outer {\n"
	    "  bad x y z {\n"
	    "    inner = 1\n"
	    "  }\n"
	    "  kept = 2\n"
	    "}\n"
	    "after = 3\n");

	(void)state;
	assert_int_equal(cfg_errors(p->cfg), 1);
	assert_int_equal(p->count, 3);
	assert_string_equal(p->n[1]->name, "kept");
	assert_int_equal(p->depth[1], 1);
	assert_string_equal(p->n[2]->name, "after");
	assert_int_equal(p->depth[2], 0);
	done(p);
}

static void
test_legacy_module(void **state)
{
	struct parsed *p = parse("Logger logging/ec_logger ec1 { a = b }\n");
	const struct ast_scope *sc;
	const struct diag_item *it;

	(void)state;
	it = finding(p, "\"Logger logging/ec_logger ec1\" is Momentum 2.x "
	    "module syntax; Momentum 4 declares the module as \"ec_logger");
	assert_int_equal(it->col, 1);
	assert_int_equal(p->count, 2);
	assert_int_not_equal(p->n[0]->flags & AST_F_LEGACY, 0);
	sc = (const struct ast_scope *)(const void *)p->n[0];
	assert_non_null(sc->legacy_name);
	assert_string_equal(sc->legacy_name->u.str, "logging/ec_logger");
	assert_string_equal(p->n[0]->value->u.str, "ec1");
	assert_int_equal(p->n[0]->name_len, 6);
	assert_string_equal(p->n[1]->name, "a");
	done(p);
}

static void
test_limits(void **state)
{
	struct cfg_opts o = { .no_includes = 1, .max_token = 8,
	    .max_depth = 3, .max_input = 64 };
	const struct diag_item *it;
	struct parsed *p;
	char big[65];

	(void)state;
	p = parse_opts("a = 123456789\n", 14, &o);
	it = finding(p, "token too long (9 bytes; the limit is 8)");
	assert_int_equal(it->col, 5);
	done(p);
	p = parse_opts("a = \"12345678\"\n", 15, &o);
	assert_int_equal(cfg_errors(p->cfg), 0);
	done(p);
	p = parse_opts("a { b { c = ( d ) } }\n", 22, &o);
	assert_int_equal(cfg_errors(p->cfg), 0);
	done(p);
	p = parse_opts("a { b { c { d = ( e ) } } }\n", 28, &o);
	it = finding(p, "nesting too deep (more than 3 levels");
	assert_int_equal(it->col, 17);
	done(p);
	memset(big, 'x', sizeof(big));
	p = parse_opts(big, sizeof(big), &o);
	assert_null(p->cfg);
	it = finding(p, "cannot parse \"t.conf\": larger than the input limit "
	    "of 64 bytes");
	assert_int_equal(it->sev, DIAG_FATAL);
	done(p);
}

static void
test_elision(void **state)
{
	struct parsed *p = parse("a {\n\tb = 1\n\t...\n\tc = 2\n}\n");
	const struct diag_item *it;

	(void)state;
	it = finding(p, "documentation elision \"...\" skipped");
	assert_int_equal(it->sev, DIAG_WARNING);
	assert_int_equal(it->line, 3);
	assert_int_equal(it->col, 9);
	assert_int_equal(cfg_errors(p->cfg), 0);
	assert_int_equal(p->count, 3);
	done(p);
}

static int
emit(void *arg, const char *s, size_t n)
{
	FILE *fp = arg;

	return fwrite(s, 1, n, fp) == n ? 0 : -1;
}

static void
test_print(void **state)
{
	struct parsed *p = parse_clean("a=\"x y\"  b = ( 1,2 ) c [ k = \"v\" ]\n"
	    "s \"n\"\n{ w = \"t\\tab\" }\n");
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(ast_print(cfg_root(p->cfg), 0, emit, fp), 0);
	assert_int_equal(fclose(fp), 0);
	assert_string_equal(buf, "a = \"x y\"\nb = ( 1 2 )\nc = [ k = \"v\" ]\n"
	    "s \"n\" {\n\tw = \"t\\tab\"\n}\n");
	free(buf);
	done(p);
	assert_true(ast_is_bare_word("127.0.0.0/8", 11));
	assert_false(ast_is_bare_word("/*x", 3));
	assert_false(ast_is_bare_word("a b", 3));
	assert_false(ast_is_bare_word("", 0));
	assert_false(ast_is_bare_word("a#b", 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_tab_stops),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_utf8_columns),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_eof_without_newline),
		cmocka_unit_test(test_comments_and_words),
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_error_locations),
		cmocka_unit_test(test_recovery_skips_block),
		cmocka_unit_test(test_legacy_module),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_elision),
		cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests_name("lexer", tests, NULL, NULL);
}
