/* SPDX-License-Identifier: ISC */
/*
 * tbl_format.h -- the ectls policy table format, version 1, byte by byte.
 * Shared by the writer (compiler/tblw.c) and the reader (runtime/tblr.c);
 * ectls-table(5) is written from this comment.
 *
 * All integers are little-endian and unaligned (read with tbl_le32() etc.,
 * never by casting a struct onto the bytes).  "stroff" is a byte offset
 * into the STRINGS section; 0 means "none".
 *
 * FILE LAYOUT
 *
 *   [0, 320)            header
 *   STRINGS  PROV  POLICIES  REGEX  FILES  LOGFMT  LISTS  BLOCKCRC
 *                       metadata: covered by header_crc
 *   G  RECORDS  KEYX    the index region, starting at the G offset
 *                       (a multiple of 64); covered by BLOCKCRC
 *
 * Sections appear in the order of enum tbl_sec, each starting at a multiple
 * of 8 (G and RECORDS: of 64) and not before the end of the previous one;
 * the gaps are zero bytes.  KEYX ends at the end of the file.
 *
 * HEADER (320 bytes)
 *   0   8  magic "ECTLSTB\0"
 *   8   4  format version (TBL_VERSION = 1)
 *   12  4  header size (320)
 *   16  8  file size in bytes
 *   24  4  header_crc: CRC32C (Castagnoli, reflected, init and final xor
 *          0xffffffff) of bytes [0, G offset) with these 4 bytes taken as 0
 *   28  4  block_shift: index blocks are 1 << block_shift bytes (10..24)
 *   32  4  seed of the key hash
 *   36  4  r: vertices per partition of the hypergraph (3r vertices)
 *   40  4  nkeys: key records (exact keys and binding records)
 *   44  4  nbindings: binding records among them
 *   48  4  npolicies
 *   52  4  nprov
 *   56  4  nregex
 *   60  4  nfiles
 *   64  4  nlogfmt
 *   68  4  nfields (ECTLS_NFIELDS = 30)
 *   72  4  stroff of the schema version string given by the compiler
 *   76  4  index of the key record of binding "default"'s own record
 *   80  16 description, NUL padded ("ectls policy")
 *   96  32 zero
 *   128 11 x 16: section directory, one (u64 offset, u64 size) per section
 *          in enum tbl_sec order
 *   304 16 zero
 *
 * STRINGS: NUL-terminated strings back to back.  Byte 0 is NUL (stroff 0 is
 *   the empty string / "none") and the last byte is NUL, so any stroff below
 *   the size names a terminated string.  Every string is stored once.
 *
 * LISTS: u32 words; word 0 is 0.  A list at word index w is
 *   count = word[w], then count stroffs.  List fields store w (0: empty).
 *
 * POLICIES: npolicies records of 128 bytes (identical records stored once):
 *   0    30 x u32  value of each field in enum ectls_field order:
 *                  BOOL/ENUM/UINT the value, STR a stroff (0 unset),
 *                  LIST a LISTS word index (0 empty)
 *   120  u32       evaluated tls_protocols set (ECTLS_PROTO_* bits)
 *   124  u32       index of the provenance record in PROV
 *
 * PROV: nprov records of 272 bytes (stored once each):
 *   0    30 x (u32 stroff of the file, u32 line)   per field
 *   240  30 x u8 level (enum ectls_level)           per field
 *   270  2 zero
 *   A field whose level is ECTLS_LVL_DEFAULT is "not set" (file, line 0).
 *
 * REGEX: nregex entries of 12 bytes; each binding's regexes form one run
 *   (named by its binding record, see RECORDS) in declaration order:
 *   0 u32 stroff of the pattern (PCRE2, without the slashes)
 *   4 u32 policy index   8 u32 level (enum ectls_level of the stanza)
 *
 * FILES: nfiles entries of 40 bytes, sorted by path (bytes):
 *   0 u32 stroff of the path   4 u32 zero   8 32 bytes SHA-256 of the file
 *
 * LOGFMT: nlogfmt entries of 8 bytes, sorted by name:
 *   0 u32 stroff of the name   4 u32 stroff of the value
 *
 * BLOCKCRC: one u32 CRC32C per block of the index region [G offset, file
 *   size); the last block may be short.
 *
 * G: ceil(3r / 44) lines of 64 bytes.  Line l holds vertices 44l ..
 *   44l + 43 (vertex 44l + i at position i):
 *   0   11 bytes: the two-bit values g[v], four per byte, position i in
 *       bits 2*(i%4)..2*(i%4)+1 of byte i/4; g[v] = 3 marks a vertex that
 *       holds no key (also every vertex >= 3r)
 *   11  u8: key-holding vertices (g != 3) among positions 0..31
 *   12  u32 rank base: key-holding vertices in the lines before l
 *   16  44 bytes: the fingerprint of the key at each position (0 if none)
 *   60  4 zero
 *
 * RECORDS: nkeys key records of 48 bytes; the key of vertex v is record
 *   rank(v) = rank base of v's line + key-holding vertices before v in it.
 *   0  u32 policy index
 *   4  u8  blen: binding length (1..255)
 *   5  u8  dlen: canonical domain length (0: the binding's own record)
 *   6  u8  flags: bit 0 the record names a regex run (binding records
 *          only), bit 1 the key is in KEYX
 *   7  u8  zero
 *   8  the key area: 40 bytes for exact keys, 32 for binding records,
 *      which then have at 40 u32 first regex, 44 u32 number of regexes
 *      (both 0 without bit 0).  The key is the klen = blen + 1 + dlen bytes
 *      "binding\0domain"; if klen + 1 fits the key area it is stored
 *      there followed by NUL bytes, else (bit 1) the key area holds the
 *      key's first (area - 8) bytes, then u32 offset in KEYX of the whole
 *      key and its NUL, then u32 zero.
 *
 * KEYX: long keys, each klen + 1 bytes, in record order.
 *
 * LOOKUP (exact).  (h0, h1) = tbl_hash(key, seed) (a wyhash-style 64-bit
 *   multiply-mix, see below);
 *   v0 = lo32(h0) * r >> 32,  v1 = r + (hi32(h0) * r >> 32),
 *   v2 = 2r + (lo32(h1) * r >> 32);
 *   fp = h1 >> 56;  i = (g[v0] + g[v1] + g[v2]) mod 3; v = v_i.  g[v] = 3
 *   or a fingerprint other than fp is a miss; otherwise the key of record
 *   rank(v) is compared with the query byte for byte.  The three G lines
 *   (read in parallel) give g, the fingerprint and the rank: a hit costs
 *   one more dependent memory access (the record), a miss usually none.  The writer builds g by peeling the 3-hypergraph
 *   (BDZ, as NetBSD cdbw), trying seeds 0, 1, 2... in turn (growing r every
 *   16 failures), so output is reproducible.
 *
 * DOMAINS are stored canonical: ASCII lower case, no trailing dot.
 */
#ifndef ECTLS_TBL_FORMAT_H
#define ECTLS_TBL_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TBL_MAGIC		"ECTLSTB\0"
#define TBL_MAGIC_LEN		8
#define TBL_VERSION		1u
#define TBL_HEADER_SIZE		320u
#define TBL_DESCRIPTION		"ectls policy"
#define TBL_BLOCK_SHIFT		16u
#define TBL_POLICY_SIZE		128u
#define TBL_PROV_SIZE		272u
#define TBL_REGEX_SIZE		12u
#define TBL_FILE_SIZE		40u
#define TBL_LOGFMT_SIZE		8u
#define TBL_G_LINE		64u
#define TBL_G_PER_LINE		44u
#define TBL_G_COUNT32		11u
#define TBL_G_RANK		12u
#define TBL_G_FP		16u
#define TBL_REC_SIZE		48u
#define TBL_REC_KEY		8u
#define TBL_AREA_EXACT		40u
#define TBL_AREA_BINDING	32u
#define TBL_REC_RXFIRST		40u
#define TBL_REC_RXCOUNT		44u
#define TBL_KF_REGEX		0x01u
#define TBL_KF_LONG		0x02u

/* Header offsets. */
#define TBL_H_MAGIC		0
#define TBL_H_VERSION		8
#define TBL_H_HSIZE		12
#define TBL_H_FSIZE		16
#define TBL_H_CRC		24
#define TBL_H_BSHIFT		28
#define TBL_H_SEED		32
#define TBL_H_R			36
#define TBL_H_NKEYS		40
#define TBL_H_NBIND		44
#define TBL_H_NPOL		48
#define TBL_H_NPROV		52
#define TBL_H_NREGEX		56
#define TBL_H_NFILES		60
#define TBL_H_NLOGFMT		64
#define TBL_H_NFIELDS		68
#define TBL_H_SCHEMA		72
#define TBL_H_DEFKEY		76
#define TBL_H_DESC		80
#define TBL_H_DIR		128

enum tbl_sec {
	TBL_S_STRINGS = 0,
	TBL_S_PROV,
	TBL_S_POLICIES,
	TBL_S_REGEX,
	TBL_S_FILES,
	TBL_S_LOGFMT,
	TBL_S_LISTS,
	TBL_S_BLOCKCRC,
	TBL_S_G,
	TBL_S_RECORDS,
	TBL_S_KEYX,
	TBL_NSEC
};

/* Policy record offsets. */
#define TBL_P_PROTO		(4u * 30u)
#define TBL_P_PROV		(4u * 31u)
/* Provenance record offsets. */
#define TBL_V_LEVELS		(8u * 30u)

static inline uint32_t
tbl_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline uint64_t
tbl_le64(const uint8_t *p)
{
	return (uint64_t)tbl_le32(p) | (uint64_t)tbl_le32(p + 4) << 32;
}

static inline void
tbl_put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static inline void
tbl_put64(uint8_t *p, uint64_t v)
{
	tbl_put32(p, (uint32_t)v);
	tbl_put32(p + 4, (uint32_t)(v >> 32));
}

#define TBL_K0	0xa0761d6478bd642full
#define TBL_K1	0xe7037ed1a0b428dbull
#define TBL_K2	0x8ebc6af09c88c6e3ull
#define TBL_K3	0x589965cc75374cc3ull

/* 64 x 64 -> 128 multiply, folded (wyhash's "mum"). */
static inline uint64_t
tbl_mum(uint64_t a, uint64_t b)
{
	__extension__ unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * The key hash: two 64-bit words from bytes and a seed, after wyhash
 * (final v4): 16 bytes per multiply, the last 1..16 bytes read as two
 * overlapping words.  Bytes are read little-endian so the result does not
 * depend on the host.
 */
static inline void
tbl_hash(const void *key, size_t len, uint32_t seed, uint64_t out[2])
{
	const uint8_t *p = key;
	uint64_t s = TBL_K0 ^ tbl_mum((uint64_t)seed ^ TBL_K0, TBL_K1), a, b;
	size_t i = len, q;
	__extension__ unsigned __int128 r;

	if (i <= 16) {
		if (i >= 4) {
			q = (i >> 3) << 2;
			a = (uint64_t)tbl_le32(p) << 32 | tbl_le32(p + q);
			b = (uint64_t)tbl_le32(p + i - 4) << 32 |
			    tbl_le32(p + i - 4 - q);
		} else if (i > 0) {
			a = (uint64_t)p[0] << 16 | (uint64_t)p[i >> 1] << 8 |
			    p[i - 1];
			b = 0;
		} else
			a = b = 0;
	} else {
		while (i > 16) {
			s = tbl_mum(tbl_le64(p) ^ TBL_K1, tbl_le64(p + 8) ^ s);
			p += 16;
			i -= 16;
		}
		a = tbl_le64(p + i - 16);
		b = tbl_le64(p + i - 8);
	}
	a ^= TBL_K1;
	b ^= s;
	r = (unsigned __int128)a * b;
	a = (uint64_t)r;
	b = (uint64_t)(r >> 64);
	out[0] = tbl_mum(a ^ TBL_K0 ^ len, b ^ TBL_K1);
	out[1] = tbl_mum(out[0] ^ TBL_K2, TBL_K3 ^ seed);
}

/* The three vertices and the fingerprint of a key hash (see LOOKUP). */
static inline void
tbl_vertices(const uint64_t h[2], uint32_t r, uint32_t v[3], uint8_t *fp)
{
	v[0] = (uint32_t)(((uint64_t)(uint32_t)h[0] * r) >> 32);
	v[1] = r + (uint32_t)(((h[0] >> 32) * r) >> 32);
	v[2] = 2 * r + (uint32_t)(((uint64_t)(uint32_t)h[1] * r) >> 32);
	*fp = (uint8_t)(h[1] >> 56);
}

/* Number of set bits (no popcnt instruction assumed). */
static inline unsigned
tbl_popcount(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/* Key-holding vertices (g != 3) among the first n (<= 32) of a word. */
static inline uint32_t
tbl_word_used(uint64_t x, uint32_t n)
{
	if (n < 32)
		x &= (1ull << (2 * n)) - 1;
	return n - tbl_popcount(x & (x >> 1) & 0x5555555555555555ull);
}

/* Key-holding vertices among the first n (<= 44) positions of a G line. */
static inline uint32_t
tbl_line_used(const uint8_t *line, uint32_t n)
{
	uint64_t w1 = (uint64_t)line[8] | (uint64_t)line[9] << 8 |
	    (uint64_t)line[10] << 16;

	if (n <= 32)
		return tbl_word_used(tbl_le64(line), n);
	return tbl_word_used(tbl_le64(line), 32) + tbl_word_used(w1, n - 32);
}

/* Rank within the line of position n, using the stored count. */
static inline uint32_t
tbl_line_rank(const uint8_t *line, uint32_t n)
{
	uint64_t w1 = (uint64_t)line[8] | (uint64_t)line[9] << 8 |
	    (uint64_t)line[10] << 16;

	if (n < 32)
		return tbl_word_used(tbl_le64(line), n);
	return line[TBL_G_COUNT32] + tbl_word_used(w1, n - 32);
}

#endif /* ECTLS_TBL_FORMAT_H */
