/* SPDX-License-Identifier: ISC */
/*
 * cfg.h -- parse an ecelerity.conf file (and what it includes) into an AST.
 *
 * Reentrant: no global state; several sessions may run at once.  Findings
 * (syntax errors, include problems) go into the caller's struct diag.
 */
#ifndef ECTLS_CFG_H
#define ECTLS_CFG_H

#include <stddef.h>

#include "ast.h"
#include "diag.h"

struct cfg_opts {
	int		no_includes;	/* keep include statements unresolved */
	unsigned	max_depth;	/* nesting of { ( [; 0: default 256 */
	unsigned	max_include_depth; /* 0: default 64 */
	size_t		max_token;	/* bytes; 0: default 65536 */
	size_t		max_input;	/* bytes per file; 0 (and the most):
					   1 GiB */
	/*
	 * A syntax check only: each top-level statement is dropped once it
	 * is parsed (and its includes with it), so memory follows the
	 * largest statement, not the file.  cfg_root() then has no
	 * children; diagnostics are the same.
	 */
	int		discard_tree;
};

struct cfg;

/*
 * Parse the file at `path`.  Returns a new session; free with cfg_free().
 * Syntax and include errors are filed in `d` (the tree is then partial).
 * Returns NULL, with a finding in `d`, when the top-level file cannot be
 * read at all (missing, unreadable, a directory or a device rather than a
 * regular file or a pipe, over opts->max_input, out of memory): the caller
 * should exit 2.
 */
struct cfg *cfg_parse_file(const char *, const struct cfg_opts *,
	    struct diag *);

/*
 * Parse a buffer named `name`; includes are resolved relative to the
 * directory of `name` unless opts->no_includes.  Returns NULL (with a
 * finding in `d`) only when out of memory or when `len` is over the input
 * limit.
 */
struct cfg *cfg_parse_mem(const char *, const void *, size_t,
	    const struct cfg_opts *, struct diag *);

/* Release the session and its whole tree.  cfg_free(NULL) is a no-op. */
void	cfg_free(struct cfg *);

/* The AST_FILE node of the top-level file; borrowed, valid until cfg_free. */
const struct ast_node *cfg_root(const struct cfg *);

/* Number of syntax/include errors found (0: the tree is complete). */
size_t	cfg_errors(const struct cfg *);

/* Bytes of input read and bytes of memory held by the tree (for bench). */
size_t	cfg_input_bytes(const struct cfg *);
size_t	cfg_memory_bytes(const struct cfg *);

#endif
