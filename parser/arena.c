/* SPDX-License-Identifier: ISC */
/* arena.c -- bump allocator for the parse session. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

struct arena_block {
	struct arena_block	*next;
	size_t			 size;
	max_align_t		 data[];
};

void
arena_init(struct arena *a)
{
	a->head = NULL;
	a->cur = NULL;
	a->left = 0;
	a->big = NULL;
	a->total = 0;
}

static void
free_until(struct arena_block *b, const struct arena_block *stop,
    size_t *total)
{
	struct arena_block *nb;

	for (; b != NULL && b != stop; b = nb) {
		nb = b->next;
		*total -= sizeof(*b) + b->size;
		free(b);
	}
}

void
arena_fini(struct arena *a)
{
	free_until(a->head, NULL, &a->total);
	free_until(a->big, NULL, &a->total);
	arena_init(a);
}

/* arena_alloc() when the head block has no room (or n is 0 or large). */
void *
arena_alloc_slow(struct arena *a, size_t n)
{
	struct arena_block *b;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (n == 0)
		n = 8;
	if (n > ARENA_BLOCK / 4) {
		/* Large: a dedicated block; the current one stays open. */
		if (n > SIZE_MAX - sizeof(*b) ||
		    (b = malloc(sizeof(*b) + n)) == NULL)
			return NULL;
		b->size = n;
		b->next = a->big;
		a->big = b;
		a->total += sizeof(*b) + n;
		return b->data;
	}
	if (a->left < n) {
		if ((b = malloc(sizeof(*b) + ARENA_BLOCK)) == NULL)
			return NULL;
		b->size = ARENA_BLOCK;
		b->next = a->head;
		a->head = b;
		a->cur = (char *)b->data;
		a->left = ARENA_BLOCK;
		a->total += sizeof(*b) + ARENA_BLOCK;
	}
	p = a->cur;
	a->cur += n;
	a->left -= n;
	return p;
}

struct arena_mark
arena_mark(const struct arena *a)
{
	return (struct arena_mark){
		.head = a->head,
		.cur = a->cur,
		.big = a->big,
	};
}

void
arena_release(struct arena *a, const struct arena_mark *m)
{
	free_until(a->head, m->head, &a->total);
	a->head = m->head;
	a->cur = m->cur;
	a->left = a->head != NULL ? (size_t)((char *)a->head->data +
	    a->head->size - m->cur) : 0;
	free_until(a->big, m->big, &a->total);
	a->big = m->big;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX || (p = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
