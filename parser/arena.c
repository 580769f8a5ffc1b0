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
	a->total = 0;
}

void
arena_fini(struct arena *a)
{
	struct arena_block *b, *nb;

	for (b = a->head; b != NULL; b = nb) {
		nb = b->next;
		free(b);
	}
	a->head = NULL;
	a->total = 0;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	size_t size;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (n == 0)
		n = 8;
	if (b == NULL || b->size - b->used < n) {
		size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
		if (size > SIZE_MAX - sizeof(*b))
			return NULL;
		if ((b = malloc(sizeof(*b) + size)) == NULL)
			return NULL;
		b->used = 0;
		b->size = size;
		if (n > ARENA_BLOCK / 4 && a->head != NULL) {
			/* Large, dedicated block: keep the current one open. */
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
		a->total += sizeof(*b) + size;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	return p;
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
