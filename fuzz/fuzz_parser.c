/* SPDX-License-Identifier: ISC */
/*
 * fuzz_parser.c -- libFuzzer target for the ecelerity.conf parser.  Any
 * bytes are parsed with cfg_parse_mem (includes not followed), every
 * location is checked against the input, the tree is printed; when the
 * first parse found no error, the printed text is parsed again and must
 * parse cleanly and print identically (the round-trip contract of
 * `ectls print`).  Seeds: fuzz/corpus/parser/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "cfg.h"
#include "diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* See fuzz_table.c: the front-end objects reference these. */
__attribute__((weak)) const char *ectls_progname = "ectls";
__attribute__((weak)) void cli_error(const char *, ...);
__attribute__((weak)) void
cli_error(const char *fmt, ...)
{
	(void)fmt;
}

struct sink {
	char	*buf;
	size_t	 len, cap;
};

static int
sink_emit(void *arg, const char *s, size_t n)
{
	struct sink *k = arg;
	char *nb;
	size_t ncap;

	if (k->cap - k->len < n) {
		ncap = k->cap ? k->cap : 256;
		while (ncap - k->len < n)
			ncap *= 2;
		if ((nb = realloc(k->buf, ncap)) == NULL)
			return -1;
		k->buf = nb;
		k->cap = ncap;
	}
	memcpy(k->buf + k->len, s, n);
	k->len += n;
	return 0;
}

struct walk_ctx {
	size_t	size;
	size_t	nodes;
	int	clean;		/* the parse found no error */
};

static void
check_loc(const struct loc *l, size_t size)
{
	if (l->file == NULL || l->line == 0 || l->col == 0)
		abort();
	if ((size_t)l->off > size || (size_t)l->len > size - l->off)
		abort();
}

/* A value, its key and its items (recursively). */
static void
check_value(const struct ast_value *v, const struct walk_ctx *w)
{
	const struct ast_value *i;

	check_loc(&v->loc, w->size);
	if (ast_value_key(v) != NULL)
		check_value(ast_value_key(v), w);
	if (v->kind == AST_V_WORD || v->kind == AST_V_STRING) {
		if (v->u.str == NULL)
			abort();
		/* NUL bytes are errors, so a clean tree holds none. */
		if (w->clean && (memchr(v->u.str, '\0', v->len) != NULL ||
		    v->u.str[v->len] != '\0'))
			abort();
	} else
		for (i = v->u.items; i != NULL; i = i->next)
			check_value(i, w);
}

static int
visit(const struct ast_node *n, unsigned depth, void *arg)
{
	struct walk_ctx *w = arg;

	(void)depth;
	w->nodes++;
	check_loc(&n->loc, w->size);
	/* After an error a name may hold a NUL (reported), so be empty. */
	if (n->name == NULL || (w->clean && n->name[0] == '\0'))
		abort();
	if (n->value != NULL)
		check_value(n->value, w);
	if (n->kind == AST_SCOPE)
		check_loc(ast_scope_end(n), w->size);
	if (w->clean && strlen(n->name) != n->name_len)
		abort();
	return 0;
}

/* Parse, check, print; returns the printed text (or NULL) and the errors. */
static char *
parse_print(const uint8_t *data, size_t size, size_t *outlen, size_t *errors)
{
	struct cfg_opts o = { .no_includes = 1 };
	struct walk_ctx w = { .size = size };
	struct sink k = { 0 };
	struct diag d;
	struct cfg *c;

	diag_init(&d, 50);
	c = cfg_parse_mem("fuzz.conf", data, size, &o, &d);
	*errors = diag_count_at_least(&d, DIAG_ERROR);
	if (c == NULL) {
		diag_fini(&d);
		return NULL;
	}
	if (cfg_errors(c) > *errors)
		*errors = cfg_errors(c);
	w.clean = *errors == 0;
	ast_walk(cfg_root(c), visit, &w);
	if (ast_print(cfg_root(c), 0, sink_emit, &k) == -1) {
		free(k.buf);
		k.buf = NULL;
	}
	*outlen = k.len;
	cfg_free(c);
	diag_fini(&d);
	return k.buf != NULL ? k.buf : calloc(1, 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p1, *p2;
	size_t n1 = 0, n2 = 0, e1, e2;

	p1 = parse_print(data, size, &n1, &e1);
	if (p1 == NULL)
		return 0;
	if (e1 == 0) {
		p2 = parse_print((const uint8_t *)p1, n1, &n2, &e2);
		if (p2 == NULL)
			abort();
		if (e2 != 0) {
			fprintf(stderr, "printed text does not parse:\n%.*s\n",
			    (int)n1, p1);
			abort();
		}
		if (n1 != n2 || memcmp(p1, p2, n1) != 0) {
			fprintf(stderr, "print is not stable:\n--- 1\n%.*s\n"
			    "--- 2\n%.*s\n", (int)n1, p1, (int)n2, p2);
			abort();
		}
		free(p2);
	}
	free(p1);
	return 0;
}
