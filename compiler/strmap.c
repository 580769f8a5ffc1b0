/* SPDX-License-Identifier: ISC */
/* strmap.c -- string-keyed open-addressing hash map (FNV-1a). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n ? n : 1)) == NULL) {
		fputs("ectls: fatal error: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

void *
xcalloc(size_t n, size_t m)
{
	void *p;

	if ((p = calloc(n ? n : 1, m ? m : 1)) == NULL) {
		fputs("ectls: fatal error: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

static uint64_t
hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void
strmap_init(struct strmap *m)
{
	m->slots = NULL;
	m->cap = m->n = 0;
}

void
strmap_fini(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	strmap_init(m);
}

static struct strmap_slot *
find(const struct strmap *m, const char *key)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i].key == NULL || strcmp(m->slots[i].key, key) == 0)
			return &m->slots[i];
	}
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_slot *s = find(m, key);

	return s != NULL && s->key != NULL ? s->val : NULL;
}

static void
grow(struct strmap *m)
{
	struct strmap old = *m;
	struct strmap_slot *s;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (i = 0; i < old.cap; i++) {
		if (old.slots[i].key == NULL)
			continue;
		s = find(m, old.slots[i].key);
		*s = old.slots[i];
	}
	free(old.slots);
}

void *
strmap_add(struct strmap *m, const char *key, void *val)
{
	struct strmap_slot *s;

	if ((m->n + 1) * 4 > m->cap * 3)
		grow(m);
	s = find(m, key);
	if (s->key != NULL)
		return s->val;
	s->key = xstrdup(key);
	s->val = val;
	m->n++;
	return NULL;
}
