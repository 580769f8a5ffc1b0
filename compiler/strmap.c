/* SPDX-License-Identifier: ISC */
/*
 * strmap.c -- the front end's hash maps: open addressing with linear
 * probing, the full hash kept in each slot (probes compare it before the
 * key; growing never rehashes a string), string keys copied into an arena
 * owned by the map (one allocation per chunk, not per key).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

static void
oom(void)
{
	fputs("ectls: fatal error: out of memory\n", stderr);
	exit(2);
}

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n ? n : 1)) == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t m)
{
	void *p;

	if ((p = calloc(n ? n : 1, m ? m : 1)) == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

/* ---- strmap ---- */

struct strmap_chunk {
	struct strmap_chunk	*next;
	size_t			 size;
	char			 data[];
};

#define CHUNK_MIN	1024
#define CHUNK_MAX	(1024 * 1024)

static uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* A hash of n bytes, eight at a time. */
static uint64_t
hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;
	uint32_t w4;
	uint16_t w2;
	unsigned shift = 0;

	while (n >= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	/* The last n < 8 bytes, as memcpy(&w, s, n) on little endian. */
	w = 0;
	if (n >= 4) {
		memcpy(&w4, s, 4);
		w = w4;
		s += 4;
		n -= 4;
		shift = 32;
	}
	if (n >= 2) {
		memcpy(&w2, s, 2);
		w |= (uint64_t)w2 << shift;
		s += 2;
		n -= 2;
		shift += 16;
	}
	if (n != 0)
		w |= (uint64_t)(unsigned char)*s << shift;
	return mix(h ^ w);
}

void
strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void
strmap_fini(struct strmap *m)
{
	struct strmap_chunk *c, *next;

	for (c = m->arena; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(m->slots);
	strmap_init(m);
}

/* The slot holding key, or the empty slot where it would go. */
static inline struct strmap_slot *
find(const struct strmap *m, const char *key, size_t len, uint64_t h)
{
	struct strmap_slot *s;
	size_t i;

	for (i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		s = &m->slots[i];
		if (s->key == NULL || (s->hash == h &&
		    memcmp(s->key, key, len + 1) == 0))
			return s;
	}
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_slot *s;
	size_t len;

	if (m->n == 0)
		return NULL;
	len = strlen(key);
	s = find(m, key, len, hash_bytes(key, len));
	return s->key != NULL ? s->val : NULL;
}

/* Rehash into ncap slots (a power of two that holds every key). */
static void
resize(struct strmap *m, size_t ncap)
{
	struct strmap_slot *old = m->slots, *s;
	size_t i, ocap = m->cap;

	m->cap = ncap;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (i = 0; i < ocap; i++) {
		if (old[i].key == NULL)
			continue;
		for (s = &m->slots[old[i].hash & (m->cap - 1)]; s->key != NULL;
		    s = s == &m->slots[m->cap - 1] ? m->slots : s + 1)
			;
		*s = old[i];
	}
	free(old);
}

static void
grow(struct strmap *m)
{
	resize(m, m->cap ? m->cap * 2 : 64);
}

/* A copy of n bytes (and a NUL) in the map's arena. */
static char *
arena_copy(struct strmap *m, const char *key, size_t n)
{
	struct strmap_chunk *c = m->arena;
	size_t size;
	char *p;

	if (c == NULL || c->size - m->arena_used < n + 1) {
		size = c == NULL ? CHUNK_MIN : c->size < CHUNK_MAX ?
		    c->size * 2 : CHUNK_MAX;
		if (size < n + 1)
			size = n + 1;
		c = xmalloc(sizeof(*c) + size);
		c->size = size;
		c->next = m->arena;
		m->arena = c;
		m->arena_used = 0;
	}
	p = c->data + m->arena_used;
	memcpy(p, key, n);
	p[n] = '\0';
	m->arena_used += n + 1;
	return p;
}

/* The slot of key, added (with the value NULL) when missing. */
static struct strmap_slot *
lookup_add(struct strmap *m, const char *key)
{
	struct strmap_slot *s;
	size_t len = strlen(key);
	uint64_t h = hash_bytes(key, len);

	if ((m->n + 1) * 4 > m->cap * 3)
		grow(m);
	s = find(m, key, len, h);
	if (s->key == NULL) {
		s->key = m->borrow_keys ? (char *)key : arena_copy(m, key, len);
		s->hash = h;
		s->val = NULL;
		m->n++;
	}
	return s;
}

void **
strmap_slot(struct strmap *m, const char *key)
{
	return &lookup_add(m, key)->val;
}

const char *
strmap_intern(struct strmap *m, const char *key)
{
	return lookup_add(m, key)->key;
}

void *
strmap_add(struct strmap *m, const char *key, void *val)
{
	size_t n = m->n;
	void **slot = strmap_slot(m, key);

	if (m->n == n)
		return *slot;
	*slot = val;
	return NULL;
}

/* ---- ptrmap ---- */

static uint64_t
hash_pair(uintptr_t a, uintptr_t b)
{
	return mix((uint64_t)a * 0x9e3779b97f4a7c15ULL ^ (uint64_t)b);
}

void
ptrmap_init(struct ptrmap *m)
{
	memset(m, 0, sizeof(*m));
}

void
ptrmap_fini(struct ptrmap *m)
{
	free(m->slots);
	ptrmap_init(m);
}

static struct ptrmap_slot *
pfind(const struct ptrmap *m, uintptr_t a, uintptr_t b)
{
	struct ptrmap_slot *s;
	size_t i;

	for (i = hash_pair(a, b) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		s = &m->slots[i];
		if (s->val == NULL || (s->a == a && s->b == b))
			return s;
	}
}

void *
ptrmap_get(const struct ptrmap *m, uintptr_t a, uintptr_t b)
{
	if (m->n == 0)
		return NULL;
	return pfind(m, a, b)->val;
}

void *
ptrmap_add(struct ptrmap *m, uintptr_t a, uintptr_t b, void *val)
{
	struct ptrmap_slot *old = m->slots, *s;
	size_t i, ocap = m->cap;

	if ((m->n + 1) * 4 > m->cap * 3) {
		m->cap = ocap ? ocap * 2 : 64;
		m->slots = xcalloc(m->cap, sizeof(*m->slots));
		for (i = 0; i < ocap; i++)
			if (old[i].val != NULL)
				*pfind(m, old[i].a, old[i].b) = old[i];
		free(old);
	}
	s = pfind(m, a, b);
	if (s->val != NULL)
		return s->val;
	s->a = a;
	s->b = b;
	s->val = val;
	m->n++;
	return NULL;
}
