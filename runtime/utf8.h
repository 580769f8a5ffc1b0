/* SPDX-License-Identifier: ISC */
/* utf8.h -- strict UTF-8 decoding, shared by every writer of text. */
#ifndef ECTLS_UTF8_H
#define ECTLS_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode one UTF-8 sequence at s (n > 0 bytes left).  Returns its length
 * and stores the code point, or returns 0 for an invalid or truncated
 * sequence (overlong forms, surrogates and values above U+10FFFF included).
 */
size_t	utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

#endif
