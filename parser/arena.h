/* SPDX-License-Identifier: ISC */
/*
 * arena.h -- a bump allocator.  The parse session owns one; every AST node,
 * token text and file record comes from it and is released at once by
 * arena_fini() (STYLE 2.5: grammar actions never free).
 */
#ifndef ECTLS_ARENA_H
#define ECTLS_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block	*head;
	size_t			 total;		/* bytes obtained from malloc */
};

void	 arena_init(struct arena *);
void	 arena_fini(struct arena *);
/*
 * Returns n bytes aligned to 8, not initialised (the parser fills every
 * field; clearing millions of nodes twice costs); NULL when out of memory.
 */
void	*arena_alloc(struct arena *, size_t);
/* Returns a NUL-terminated copy of s[0..n); NULL when out of memory. */
char	*arena_strndup(struct arena *, const char *, size_t);

#endif
