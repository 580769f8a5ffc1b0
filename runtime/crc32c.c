/* SPDX-License-Identifier: ISC */
/*
 * crc32c.c -- CRC-32C: slicing-by-8 tables built once, and the SSE4.2
 * crc32 instruction on x86-64 when the CPU has it (same result).
 */
#include <stdint.h>
#include <string.h>

#include "crc32c.h"

#define POLY	0x82f63b78u	/* 0x1EDC6F41 bit-reversed */

static uint32_t tab[8][256];
static int tab_ready;

/*
 * The tables depend only on constants; two threads racing to fill them
 * write identical values, so a plain flag is enough.
 */
static void
tab_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		tab[0][i] = c;
	}
	for (i = 0; i < 256; i++) {
		c = tab[0][i];
		for (k = 1; k < 8; k++) {
			c = tab[0][c & 0xff] ^ (c >> 8);
			tab[k][i] = c;
		}
	}
	__atomic_store_n(&tab_ready, 1, __ATOMIC_RELEASE);
}

static uint32_t
crc_sw(uint32_t c, const uint8_t *p, size_t len)
{
	uint64_t w;

	if (!__atomic_load_n(&tab_ready, __ATOMIC_ACQUIRE))
		tab_init();
	while (len >= 8) {
		w = (uint64_t)p[0] | (uint64_t)p[1] << 8 |
		    (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
		    (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
		    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
		w ^= c;
		c = tab[7][w & 0xff] ^ tab[6][(w >> 8) & 0xff] ^
		    tab[5][(w >> 16) & 0xff] ^ tab[4][(w >> 24) & 0xff] ^
		    tab[3][(w >> 32) & 0xff] ^ tab[2][(w >> 40) & 0xff] ^
		    tab[1][(w >> 48) & 0xff] ^ tab[0][w >> 56];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		c = tab[0][(c ^ *p++) & 0xff] ^ (c >> 8);
	return c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("sse4.2")))
static uint32_t
crc_hw(uint32_t c, const uint8_t *p, size_t len)
{
	uint64_t c64 = c, w;

	while (len >= 8) {
		memcpy(&w, p, 8);	/* x86 is little-endian */
		c64 = __builtin_ia32_crc32di(c64, w);
		p += 8;
		len -= 8;
	}
	c = (uint32_t)c64;
	while (len-- > 0)
		c = __builtin_ia32_crc32qi(c, *p++);
	return c;
}

static int
have_hw(void)
{
	static int v = -1;
	int h = __atomic_load_n(&v, __ATOMIC_RELAXED);

	if (h < 0) {
		__builtin_cpu_init();
		h = __builtin_cpu_supports("sse4.2") ? 1 : 0;
		__atomic_store_n(&v, h, __ATOMIC_RELAXED);
	}
	return h;
}
#endif

uint32_t
crc32c(uint32_t crc, const void *buf, size_t len)
{
	uint32_t c = ~crc;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (have_hw())
		return ~crc_hw(c, buf, len);
#endif
	return ~crc_sw(c, buf, len);
}
