/* SPDX-License-Identifier: ISC */
/*
 * strmap.h -- hash maps for the front end (open addressing, linear
 * probing): struct strmap, string keys (copied into the map's own arena)
 * to borrowed pointers; struct ptrmap, keys of two machine words (pointers
 * or small integers) to borrowed pointers.  Out of memory exits via xmalloc
 * (front-end only).
 */
#ifndef ECTLS_STRMAP_H
#define ECTLS_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_chunk;

struct strmap {
	struct strmap_slot {
		char		*key;	/* NULL: empty slot */
		void		*val;
		uint64_t	 hash;
	}			*slots;
	size_t			 cap, n;
	struct strmap_chunk	*arena;	/* where the keys live */
	size_t			 arena_used;
	/*
	 * Set after strmap_init() when every key added outlives the map:
	 * keys are then kept as given, not copied.
	 */
	int			 borrow_keys;
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
/*
 * The value slot for key, added with the value NULL when the key is not
 * there yet (one hash and probe sequence for a lookup-or-insert).  Valid
 * until the next call that adds a key.
 */
void	**strmap_slot(struct strmap *, const char *);
/*
 * The map's own copy of key (the key as given in a map that borrows its
 * keys), added with the value NULL when missing: a string that lives as
 * long as the map.
 */
const char *strmap_intern(struct strmap *, const char *);

/* A map from (a, b) to a borrowed pointer; val NULL is not stored. */
struct ptrmap {
	struct ptrmap_slot {
		uintptr_t	 a, b;
		void		*val;	/* NULL: empty slot */
	}			*slots;
	size_t			 cap, n;
};

void	 ptrmap_init(struct ptrmap *);
void	 ptrmap_fini(struct ptrmap *);
/* The value stored under (a, b), or NULL. */
void	*ptrmap_get(const struct ptrmap *, uintptr_t a, uintptr_t b);
/*
 * Store val (not NULL) under (a, b) unless the key is present; returns the
 * value already there (and stores nothing), or NULL after storing.
 */
void	*ptrmap_add(struct ptrmap *, uintptr_t a, uintptr_t b, void *val);

/* Allocation that never fails: prints "ectls: out of memory" and exits 2. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);

#endif
