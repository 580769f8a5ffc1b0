/* SPDX-License-Identifier: ISC */
/*
 * crc32c.h -- CRC-32C (Castagnoli, polynomial 0x1EDC6F41 reflected), as in
 * iSCSI and ext4.  Used for the table checksums; no external library.
 */
#ifndef ECTLS_CRC32C_H
#define ECTLS_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Extend `crc` (0 to start) with len bytes; returns the new value.  The
 * usual pre and post inversion is done inside, so crc32c(crc32c(0, a), b)
 * equals the CRC of a followed by b.  crc32c(0, "123456789", 9) is
 * 0xe3069283.  Uses the SSE4.2 instruction when the CPU has it.
 */
uint32_t	crc32c(uint32_t crc, const void *buf, size_t len);

#endif
