/* SPDX-License-Identifier: ISC */
/*
 * sha256.h -- SHA-256 (FIPS 180-4), portable, no external library: the
 * table records the digest of every referenced certificate, key and CA
 * file, and libectls must not depend on OpenSSL.
 */
#ifndef ECTLS_SHA256_H
#define ECTLS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32

struct sha256 {
	uint32_t	h[8];
	uint64_t	nbytes;
	uint8_t		buf[64];
	size_t		nbuf;
};

void	sha256_init(struct sha256 *);
void	sha256_update(struct sha256 *, const void *, size_t);
/* Write the digest; the context must be initialised again before reuse. */
void	sha256_final(struct sha256 *, uint8_t out[SHA256_LEN]);
/* One call: digest of len bytes. */
void	sha256(const void *, size_t, uint8_t out[SHA256_LEN]);
/* Digest of a file's contents: 0, or -1 with errno set. */
int	sha256_file(const char *path, uint8_t out[SHA256_LEN]);
/* Lower-case hex of a digest into hex[65]. */
void	sha256_hex(const uint8_t d[SHA256_LEN], char hex[2 * SHA256_LEN + 1]);

#endif
