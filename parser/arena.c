/* SPDX-License-Identifier: ISC */
/* arena.c -- bump allocator for the parse session. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_BLOCK	(256 * 1024)

struct arena_block {
	struct arena_block	*next;
	size_t			 used;
	size_t			 size;
	max_align_t		 data[];
};

void
arena_init(struct arena *a)
{
	a->head = NULL;
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

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (n == 0)
		n = 8;
	if (n > ARENA_BLOCK / 4) {
		/* Large: a dedicated block; the current one stays open. */
		if (n > SIZE_MAX - sizeof(*b) ||
		    (b = malloc(sizeof(*b) + n)) == NULL)
			return NULL;
		b->used = b->size = n;
		b->next = a->big;
		a->big = b;
		a->total += sizeof(*b) + n;
		return b->data;
	}
	if (b == NULL || b->size - b->used < n) {
		if ((b = malloc(sizeof(*b) + ARENA_BLOCK)) == NULL)
			return NULL;
		b->used = 0;
		b->size = ARENA_BLOCK;
		b->next = a->head;
		a->head = b;
		a->total += sizeof(*b) + ARENA_BLOCK;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

struct arena_mark
arena_mark(const struct arena *a)
{
	return (struct arena_mark){
		.head = a->head,
		.used = a->head != NULL ? a->head->used : 0,
		.big = a->big,
	};
}

void
arena_release(struct arena *a, const struct arena_mark *m)
{
	free_until(a->head, m->head, &a->total);
	a->head = m->head;
	if (a->head != NULL)
		a->head->used = m->used;
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
