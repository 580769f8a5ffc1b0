/* SPDX-License-Identifier: ISC */
/*
 * strmap.h -- a string-keyed hash map (open addressing) for the front end.
 * Keys are copied; values are borrowed pointers.  Out of memory exits via
 * xmalloc (front-end only).
 */
#ifndef ECTLS_STRMAP_H
#define ECTLS_STRMAP_H

#include <stddef.h>

struct strmap {
	struct strmap_slot {
		char	*key;
		void	*val;
	}		*slots;
	size_t		 cap, n;
};

void	 strmap_init(struct strmap *);
void	 strmap_fini(struct strmap *);
/* The value stored under key, or NULL. */
void	*strmap_get(const struct strmap *, const char *);
/*
 * Store val under key unless the key is present; returns the value that
 * was already there (and stores nothing), or NULL after storing.
 */
void	*strmap_add(struct strmap *, const char *, void *);

/* Allocation that never fails: prints "ectls: out of memory" and exits 2. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
char	*xstrdup(const char *);

#endif
