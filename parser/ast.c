/* SPDX-License-Identifier: ISC */
/*
 * ast.c -- walking the tree and printing it back in canonical form.
 *
 * Canonical form: one statement per line, a tab per nesting level, a space
 * around "=", option names and scope keywords as spelled, bare words bare,
 * quoted strings quoted (escapes \" \\ \n \r \t), lists "( a b )", dicts
 * "[ k = v ]", no "=" before "{", no comments.  Printing that output and
 * parsing it again yields the same text (tests/parser round-trip).
 */
#include <stdio.h>
#include <string.h>

#include "ast.h"

const char *
ast_vkind_name(enum ast_vkind k)
{
	switch (k) {
	case AST_V_WORD:
		return "word";
	case AST_V_STRING:
		return "string";
	case AST_V_LIST:
		return "list";
	case AST_V_DICT:
		return "dictionary";
	}
	return "value";
}

static int
walk(const struct ast_node *n, unsigned depth, ast_walk_fn fn, void *arg)
{
	const struct ast_node *c;
	int r;

	for (c = n; c != NULL; c = c->next) {
		if (c->kind == AST_FILE) {
			if (walk(c->children, depth, fn, arg) == -1)
				return -1;
			continue;
		}
		if ((r = fn(c, depth, arg)) == -1)
			return -1;
		if (r == 1)
			continue;
		if (c->kind == AST_SCOPE &&
		    walk(c->children, depth + 1, fn, arg) == -1)
			return -1;
		if (c->kind == AST_INCLUDE &&
		    walk(c->children, depth, fn, arg) == -1)
			return -1;
	}
	return 0;
}

int
ast_walk(const struct ast_node *n, ast_walk_fn fn, void *arg)
{
	if (n == NULL)
		return 0;
	if (n->kind == AST_FILE || n->kind == AST_INCLUDE)
		return walk(n->children, 0, fn, arg);
	return walk(n->children, 0, fn, arg);
}

const struct ast_value *
ast_value_key(const struct ast_value *v)
{
	if (v == NULL || !(v->flags & AST_VF_ENTRY))
		return NULL;
	return ((const struct ast_entry *)(const void *)v)->key;
}

const struct loc *
ast_scope_end(const struct ast_node *n)
{
	if (n == NULL || n->kind != AST_SCOPE)
		return NULL;
	return &((const struct ast_scope *)(const void *)n)->end;
}

int
ast_is_bare_word(const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	if (n == 0)
		return 0;
	if (n >= 2 && s[0] == '/' && s[1] == '*')
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f || strchr("#\"={}[](),", c) != NULL)
			return 0;
	}
	return 1;
}

struct out {
	ast_emit_fn	 emit;
	void		*arg;
	int		 err;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (!o->err && n > 0 && o->emit(o->arg, s, n) == -1)
		o->err = 1;
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void
indent(struct out *o, unsigned depth)
{
	static const char tabs[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";

	while (depth > 16) {
		put(o, tabs, 16);
		depth -= 16;
	}
	put(o, tabs, depth);
}

static void
print_string(struct out *o, const char *s, size_t n)
{
	size_t i, run = 0;
	const char *esc;

	put(o, "\"", 1);
	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			run++;
			continue;
		}
		put(o, s + i - run, run);
		run = 0;
		puts_(o, esc);
	}
	put(o, s + n - run, run);
	put(o, "\"", 1);
}

static void
print_scalar(struct out *o, const struct ast_value *v)
{
	if (v->kind == AST_V_WORD && ast_is_bare_word(v->u.str, v->len))
		put(o, v->u.str, v->len);
	else
		print_string(o, v->u.str, v->len);
}

static void
print_value(struct out *o, const struct ast_value *v)
{
	const struct ast_value *i;

	switch (v->kind) {
	case AST_V_WORD:
	case AST_V_STRING:
		print_scalar(o, v);
		break;
	case AST_V_LIST:
		puts_(o, "(");
		for (i = v->u.items; i != NULL; i = i->next) {
			puts_(o, " ");
			print_value(o, i);
		}
		puts_(o, v->u.items != NULL ? " )" : ")");
		break;
	case AST_V_DICT:
		puts_(o, "[");
		for (i = v->u.items; i != NULL; i = i->next) {
			puts_(o, " ");
			if (ast_value_key(i) != NULL)
				print_scalar(o, ast_value_key(i));
			puts_(o, " = ");
			print_value(o, i);
		}
		puts_(o, v->u.items != NULL ? " ]" : "]");
		break;
	}
}

static void print_list(struct out *, const struct ast_node *, unsigned, int);

static void
print_node(struct out *o, const struct ast_node *n, unsigned depth, int expand)
{
	if (n->kind == AST_FILE) {
		print_list(o, n->children, depth, expand);
		return;
	}
	if (n->kind == AST_INCLUDE && expand && (n->flags & AST_F_RESOLVED)) {
		print_list(o, n->children, depth, expand);
		return;
	}
	indent(o, depth);
	puts_(o, n->name);
	switch (n->kind) {
	case AST_OPTION:
		puts_(o, " = ");
		if (n->value != NULL)
			print_value(o, n->value);
		puts_(o, "\n");
		break;
	case AST_INCLUDE:
		puts_(o, " ");
		if (n->value != NULL)
			print_scalar(o, n->value);
		puts_(o, "\n");
		break;
	case AST_SCOPE:
		if (n->value != NULL) {
			puts_(o, " ");
			print_scalar(o, n->value);
		}
		puts_(o, " {\n");
		print_list(o, n->children, depth + 1, expand);
		indent(o, depth);
		puts_(o, "}\n");
		break;
	default:
		break;
	}
}

static void
print_list(struct out *o, const struct ast_node *n, unsigned depth, int expand)
{
	for (; n != NULL && !o->err; n = n->next)
		print_node(o, n, depth, expand);
}

int
ast_print(const struct ast_node *n, int expand, ast_emit_fn emit, void *arg)
{
	struct out o = { .emit = emit, .arg = arg, .err = 0 };

	if (n != NULL)
		print_node(&o, n, 0, expand);
	return o.err ? -1 : 0;
}

