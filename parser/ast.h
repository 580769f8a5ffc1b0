/* SPDX-License-Identifier: ISC */
/*
 * ast.h -- the syntax tree of an ecelerity.conf file.  Syntax only: whether
 * an option exists or where it may appear is decided later (compiler/sema.c).
 *
 * Every node and value carries a struct loc (file, line, column, byte span).
 * All memory belongs to the parse session (struct cfg) and is released by
 * cfg_free(); pointers into the tree are borrowed.
 */
#ifndef ECTLS_AST_H
#define ECTLS_AST_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

enum ast_vkind {
	AST_V_WORD,		/* bare word */
	AST_V_STRING,		/* double-quoted string (escapes decoded) */
	AST_V_LIST,		/* ( a b c ) */
	AST_V_DICT		/* [ k = v ... ] */
};

#define AST_VF_ENTRY	0x01	/* a dictionary entry: see ast_value_key() */

/*
 * A value.  The text of a WORD or STRING is NUL-terminated; it may point
 * into the input buffer the session keeps (no copy is made).
 */
struct ast_value {
	struct ast_value	*next;		/* next list item or dict entry */
	struct loc		 loc;		/* the whole value, quotes included */
	uint8_t			 kind;		/* enum ast_vkind */
	uint8_t			 flags;		/* AST_VF_* */
	uint32_t		 len;		/* WORD/STRING: length of str;
						   LIST/DICT: number of items */
	union {
		const char	*str;		/* WORD/STRING: NUL-terminated */
		struct ast_value *items;	/* LIST/DICT: first element */
	} u;
};

/* A dictionary entry is allocated as this (AST_VF_ENTRY). */
struct ast_entry {
	struct ast_value	 value;
	struct ast_value	*key;		/* WORD or STRING */
};

enum ast_kind {
	AST_FILE,		/* a parsed file: children are its statements */
	AST_OPTION,		/* name = value */
	AST_SCOPE,		/* keyword [name] { children } */
	AST_INCLUDE		/* include / readonly_include "path" */
};

#define AST_F_READONLY	0x01	/* readonly_include */
#define AST_F_LEGACY	0x02	/* 2.x module declaration (rejected) */
#define AST_F_RESOLVED	0x04	/* include: children hold the included files */

/*
 * A statement (or a file).  Kept small: a configuration has millions of
 * them.  What only scopes need is in struct ast_scope.
 */
struct ast_node {
	struct ast_node		*next;		/* next statement in the scope */
	struct loc		 loc;		/* option name / keyword */
	const char		*name;		/* as spelled, NUL-terminated;
						   NULL for AST_FILE */
	/*
	 * OPTION: the value.  SCOPE: the instance name (WORD or STRING) or
	 * NULL.  INCLUDE: the path argument.  FILE: NULL.
	 */
	struct ast_value	*value;
	/*
	 * SCOPE: the body.  INCLUDE: one AST_FILE per included file (none
	 * with --no-includes or when the include failed).  FILE: statements.
	 */
	struct ast_node		*children;
	uint8_t			 kind;		/* enum ast_kind */
	uint8_t			 flags;		/* AST_F_* */
	uint32_t		 name_len;	/* strlen(name) */
};

/* An AST_SCOPE node is allocated as this. */
struct ast_scope {
	struct ast_node		 node;
	struct loc		 end;		/* the closing brace */
	struct ast_value	*legacy_name;	/* AST_F_LEGACY: the 2nd name */
};

/* The key of a dictionary entry; NULL if v is not one.  Borrowed. */
const struct ast_value *ast_value_key(const struct ast_value *);

/* The closing brace of an AST_SCOPE node; NULL for other kinds. */
const struct loc *ast_scope_end(const struct ast_node *);

/* "word", "string", "list", "dictionary". */
const char *ast_vkind_name(enum ast_vkind);

/*
 * Walk callback for ast_walk(): called for every OPTION, SCOPE and INCLUDE
 * node in document order, descending into scopes and (resolved) includes.
 * Return 0 to continue, 1 to skip the node's children, -1 to stop.
 */
typedef int (*ast_walk_fn)(const struct ast_node *, unsigned depth, void *);

/* Walk the statements below `n`; returns -1 if the callback stopped it. */
int	ast_walk(const struct ast_node *, ast_walk_fn, void *);

/*
 * Canonical re-print.  Output goes through `emit` (which returns 0, or -1
 * to stop).  With `expand`, resolved includes are replaced by the text of
 * the files they included.  Returns 0, or -1 if emit failed.
 */
typedef int (*ast_emit_fn)(void *, const char *, size_t);
int	ast_print(const struct ast_node *, int expand, ast_emit_fn, void *);

/* Whether s[0..len) can be printed as a bare word and read back as one. */
int	ast_is_bare_word(const char *, size_t);

#endif
