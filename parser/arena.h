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
	struct arena_block	*head;		/* bump blocks, newest first */
	struct arena_block	*big;		/* dedicated large blocks */
	size_t			 total;		/* bytes obtained from malloc */
};

/* A position in an arena, for arena_release(). */
struct arena_mark {
	struct arena_block	*head;
	size_t			 used;
	struct arena_block	*big;
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
/*
 * Everything allocated after the mark is released (memory of whole blocks
 * goes back to malloc); what was allocated before stays valid.
 */
struct arena_mark arena_mark(const struct arena *);
void	 arena_release(struct arena *, const struct arena_mark *);

#endif
