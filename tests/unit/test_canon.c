/* SPDX-License-Identifier: ISC */
/*
 * test_canon.c -- ectls_canon_domain() (runtime/tblr.c), which lower-cases
 * eight bytes at a time, against the plain byte-by-byte definition below:
 * every byte value at every position of a word, lengths around the word
 * size and at the capacity, trailing dots, empty and oversized names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ectls.h"

/* The definition: the function as it was before the word-wise copy. */
static int
canon_ref(const char *d, char *buf, size_t cap)
{
	size_t n, i;
	unsigned char c;

	if (d == NULL || cap < 2)
		return -1;
	n = strnlen(d, cap + 1);
	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0 || n > cap - 1)
		return -1;
	for (i = 0; i < n; i++) {
		c = (unsigned char)d[i];
		buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	buf[n] = '\0';
	return (int)n;
}

/*
 * Both on d with capacity cap: same result, same bytes written (the
 * buffers start filled with a marker, so a byte written by one only shows).
 */
static void
same(const char *d, size_t cap)
{
	char got[600], want[600];
	int g, w;

	assert_true(cap <= sizeof(got));
	memset(got, 0x5a, sizeof(got));
	memset(want, 0x5a, sizeof(want));
	g = ectls_canon_domain(d, got, cap);
	w = canon_ref(d, want, cap);
	assert_int_equal(g, w);
	assert_memory_equal(got, want, sizeof(got));
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state >> 24);
}

/* Every byte value 1..255 at every position of names of 1..40 bytes. */
static void
test_every_byte(void **state)
{
	char d[64];
	size_t len, pos;
	unsigned c;

	(void)state;
	for (len = 1; len <= 40; len++)
		for (pos = 0; pos < len; pos++)
			for (c = 1; c < 256; c++) {
				memset(d, 'M', len);
				d[pos] = (char)c;
				d[len] = '\0';
				same(d, 256);
				same(d, len + 1);
				same(d, len);
			}
}

/* The boundaries of the class: '@' 'A' 'Z' '[' and the same | 0x80. */
static void
test_edges(void **state)
{
	static const unsigned char edge[] = {
		'@', 'A', 'Z', '[', '`', 'a', 'z', '{', 0x7f, 0x80,
		0xc0, 0xc1, 0xda, 0xdb, 0xe1, 0xfa, 0xff, '.', '-', '0',
	};
	char d[40];
	size_t i, j, n = sizeof(edge);

	(void)state;
	/* Every pair of edge bytes, at each offset of a 24-byte name. */
	for (i = 0; i < n * n; i++)
		for (j = 0; j < 23; j++) {
			memset(d, 'Q', 24);
			d[j] = (char)edge[i / n];
			d[j + 1] = (char)edge[i % n];
			d[24] = '\0';
			same(d, 64);
		}
}

/* Trailing dots, empty names, NULL, small and exact capacities. */
static void
test_dots_and_sizes(void **state)
{
	static const char *const names[] = {
		"", ".", "..", "a.", "A..", "Example.COM.", ".Example.COM",
		"MX1.EXAMPLE.NET", "ABCDEFG.", "ABCDEFGH.", "ABCDEFGHI.",
		"ABCDEFGHIJKLMNO.", "ABCDEFGHIJKLMNOP", "ABCDEFGHIJKLMNOPQ.",
	};
	size_t i, cap;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (cap = 0; cap <= 24; cap++)
			same(names[i], cap);
	assert_int_equal(ectls_canon_domain(NULL, (char[4]){ 0 }, 4), -1);
}

/* Long names: at, below and over 255 bytes and the capacity. */
static void
test_long(void **state)
{
	char d[600];
	size_t len, cap, i;

	(void)state;
	for (len = 240; len <= 520; len++) {
		for (i = 0; i < len; i++)
			d[i] = (char)(rnd() % 255 + 1);
		d[len] = '\0';
		for (cap = len - 2; cap <= len + 2 && cap <= 600; cap++)
			same(d, cap);
		same(d, 256);
		d[len - 1] = '.';
		same(d, len);
		same(d, len - 1);
		same(d, 256);
	}
}

/* Random names of random bytes (mostly letters, dots and high bytes). */
static void
test_random(void **state)
{
	static const char pick[] = "aZzA.-09@[`{\x80\xc1\xdb\xfa\xff";
	char d[80];
	size_t len, i, k;

	(void)state;
	for (k = 0; k < 200000; k++) {
		len = rnd() % 70;
		for (i = 0; i < len; i++)
			d[i] = rnd() % 4 == 0 ? (char)(rnd() % 255 + 1) :
			    pick[rnd() % (sizeof(pick) - 1)];
		d[len] = '\0';
		same(d, 2 + rnd() % 78);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_dots_and_sizes),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
