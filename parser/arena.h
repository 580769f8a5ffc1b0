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

/* Bytes of a bump block; larger requests than a quarter get their own. */
#define ARENA_BLOCK	(256 * 1024)

struct arena {
	struct arena_block	*head;		/* bump blocks, newest first */
	char			*cur;		/* the free bytes of head */
	size_t			 left;
	struct arena_block	*big;		/* dedicated large blocks */
	size_t			 total;		/* bytes obtained from malloc */
};

/* A position in an arena, for arena_release(). */
struct arena_mark {
	struct arena_block	*head;
	char			*cur;
	struct arena_block	*big;
};

void	 arena_init(struct arena *);
void	 arena_fini(struct arena *);
void	*arena_alloc_slow(struct arena *, size_t);

/*
 * Returns n bytes aligned to 8, not initialised (the parser fills every
 * field; clearing millions of nodes twice costs); NULL when out of memory.
 * Inline: the parser allocates a node or a value per token or two.
 */
static inline void *
arena_alloc(struct arena *a, size_t n)
{
	char *p = a->cur;

	n = (n + 7) & ~(size_t)7;
	if (n != 0 && n <= ARENA_BLOCK / 4 && n <= a->left) {
		a->cur += n;
		a->left -= n;
		return p;
	}
	return arena_alloc_slow(a, n);
}
/* Returns a NUL-terminated copy of s[0..n); NULL when out of memory. */
char	*arena_strndup(struct arena *, const char *, size_t);
/*
 * Everything allocated after the mark is released (memory of whole blocks
 * goes back to malloc); what was allocated before stays valid.
 */
struct arena_mark arena_mark(const struct arena *);
void	 arena_release(struct arena *, const struct arena_mark *);

#endif
