/* SPDX-License-Identifier: ISC */
/*
 * schema_sha256.h -- a small portable SHA-256 (FIPS 180-4) for the schema's
 * identity hash, so schema/ needs no crypto library.  Not for secrets.
 */
#ifndef ECTLS_SCHEMA_SHA256_H
#define ECTLS_SCHEMA_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct schema_sha256 {
	uint32_t	h[8];
	uint64_t	total;		/* bytes hashed so far */
	uint8_t		buf[64];
	size_t		nbuf;
};

void	schema_sha256_init(struct schema_sha256 *);
void	schema_sha256_update(struct schema_sha256 *, const void *, size_t);
void	schema_sha256_final(struct schema_sha256 *, uint8_t out[32]);
/* One-shot digest of buf. */
void	schema_sha256(const void *buf, size_t len, uint8_t out[32]);

#endif
