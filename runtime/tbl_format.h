/* SPDX-License-Identifier: ISC */
/*
 * tbl_format.h -- the ectls policy table format, version 3, byte by byte.
 * Shared by the writer (compiler/tblw.c) and the reader (runtime/tblr.c);
 * ectls-table(5) is written from this comment.
 *
 * All integers are little-endian and unaligned (read with tbl_le32() etc.,
 * never by casting a struct onto the bytes).  "stroff" is a byte offset
 * into the STRINGS section; 0 means "none".
 *
 * FILE LAYOUT
 *
 *   [0, 384)            header
 *   STRINGS LISTS PROV POLICIES BINDINGS REGEX FILES LOGFMT BLOCKCRC
 *                       metadata: covered by header_crc
 *   G  FILTER  RECORDS  KEYX
 *                       the index region, starting at the G offset
 *                       (a multiple of 64); covered by BLOCKCRC
 *
 * Sections appear in the order of enum tbl_sec, each starting at a multiple
 * of 8 (G, FILTER and RECORDS: of 64) and not before the end of the
 * previous one; the gaps are zero bytes.  KEYX ends at the end of the
 * file.  Metadata grows with the number of distinct policies and bindings,
 * not with the number of keys; open reads all of it and none of the index
 * region.
 *
 * HEADER (384 bytes)
 *   0   8  magic "ECTLSTB\0"
 *   8   4  format version (TBL_VERSION = 3)
 *   12  4  header size (384)
 *   16  8  file size in bytes
 *   24  4  header_crc: CRC32C (Castagnoli, reflected, init and final xor
 *          0xffffffff) of bytes [0, G offset) with these 4 bytes taken as 0
 *   28  4  block_shift: index blocks are 1 << block_shift bytes (10..24)
 *   32  4  seed of the key hash
 *   36  4  r: vertices per partition of the hypergraph (3r vertices)
 *   40  4  nkeys: exact (binding, domain) key records
 *   44  4  nbindings: binding entries (1..65535)
 *   48  4  npolicies
 *   52  4  nprov
 *   56  4  nregex
 *   60  4  nfiles
 *   64  4  nlogfmt
 *   68  4  nfields (ECTLS_NFIELDS = 30)
 *   72  4  stroff of the schema version string given by the compiler
 *   76  4  index of binding "default" in BINDINGS
 *   80  16 description, NUL padded ("ectls policy")
 *   96  4  bhcap: slots of the binding hash (a power of two > nbindings)
 *   100 4  fwords: 64-bit words of FILTER (1 .. 2^28)
 *   104 24 zero
 *   128 13 x 16: section directory, one (u64 offset, u64 size) per section
 *          in enum tbl_sec order
 *   336 48 zero
 *
 * STRINGS: NUL-terminated strings back to back.  Byte 0 is NUL (stroff 0 is
 *   the empty string / "none") and the last byte is NUL, so any stroff below
 *   the size names a terminated string.  Every string is stored once.
 *
 * LISTS: u32 words; word 0 is 0.  A list at word index w is
 *   count = word[w], then count stroffs.  List fields store w (0: empty).
 *
 * PROV: nprov records of 272 bytes (stored once each):
 *   0    30 x (u32 stroff of the file, u32 line)   per field
 *   240  30 x u8 level (enum ectls_level) | TBL_V_REL   per field
 *   270  2 zero
 *   A field whose level is ECTLS_LVL_DEFAULT is "not set" (file, line 0,
 *   no TBL_V_REL).  With TBL_V_REL (0x80) the stored line is relative: the
 *   field's line is the line base of the policy reference (below) plus
 *   the stored line.  The writer makes the fields of a policy's most
 *   specific level relative to the smallest line among them, so policies
 *   that differ only by where their stanza sits share one record.
 *
 * POLICIES: npolicies records of 144 bytes (identical records stored once):
 *   0    30 x u32  value of each field in enum ectls_field order:
 *                  BOOL/ENUM/UINT the value, STR a stroff (0 unset),
 *                  LIST a LISTS word index (0 empty)
 *   120  u32       evaluated tls_protocols set (ECTLS_PROTO_* bits)
 *   124  u32       index of the provenance record in PROV
 *   128  u32       distance in bytes back from this record to STRINGS
 *   132  u32       ... to LISTS
 *   136  u32       ... to PROV
 *   140  u32       ... to POLICIES (144 x the record's index)
 *   The distances make a policy reference self-sufficient: the reader
 *   needs no table pointer to decode one, and checks each on open.
 *
 * POLICY REFERENCE (8 bytes, inside binding, regex and key records):
 *   0 u32 distance back from the reference to its policy record, in units
 *     of 4 bytes (the record must start exactly on a POLICIES record)
 *   4 u32 line base for the TBL_V_REL fields of the policy's provenance
 *   The reader's `const struct ectls_policy *` points at a reference.
 *
 * BINDINGS: nbindings entries of 24 bytes sorted by name (bytes), then
 *   bhcap u32 slots of the binding hash:
 *   0  u32 stroff of the name   4 u32 its length (1..255, no NUL inside)
 *   8  policy reference: the binding's own record
 *   16 u32 first regex of the binding's run   20 u32 regexes in the run
 *   Slot s holds 0 (empty) or, for binding name n with
 *   h0 = tbl_hash_name(n, len(n), seed): the binding index + 1 in bits
 *   0..15 and the tag h0 >> 48 in bits 16..31.  n is in the run of slots
 *   from h0 mod bhcap (linear probing), which ends at an empty slot;
 *   the writer makes bhcap at least 4 x nbindings.
 *
 * REGEX: nregex entries of 16 bytes; each binding's regexes form one run
 *   (named by its binding entry) in declaration order:
 *   0 u32 stroff of the pattern (PCRE2, without the slashes)
 *   4 u32 level (enum ectls_level of the stanza)   8 policy reference
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
 * G: ceil(3r / 32) lines of 64 bytes (a power of two per line: the
 *   position is a shift, not a division).  Line l holds vertices 32l ..
 *   32l + 31 (vertex 32l + i at position i):
 *   0   8 bytes: the two-bit values g[v], four per byte, position i in
 *       bits 2*(i%4)..2*(i%4)+1 of byte i/4; g[v] = 3 marks a vertex that
 *       holds no key (also every vertex >= 3r)
 *   8   32 bytes: the fingerprint of the key at each position (0 if none)
 *   40  24 zero
 *
 * FILTER: fwords u64 words, a Bloom filter of the exact keys blocked by
 *   word: each key sets TBL_FILTER_K bits (possibly coinciding) of one
 *   word (see LOOKUP); the writer sizes it at TBL_FILTER_BITS bits per key,
 *   rounded up to whole 64-byte lines (at least one).  A key not in the
 *   table usually finds a bit clear and is decided by this one word, a
 *   single cache line of a section about 1/30 the size of G and RECORDS.
 *
 * RECORDS: 3r slots of 32 bytes, one per vertex: the key record of the key
 *   that vertex v holds is slot v (so a lookup can fetch the three
 *   candidate slots at the same time as the G lines); a vertex that holds
 *   no key has an all-zero slot.  nkeys slots are used.  A key record:
 *   0  policy reference (8 bytes)
 *   8  u16 binding index   10 u8 dlen: canonical domain length (1..255)
 *   11 u8 flags: bit 0 (TBL_KF_LONG) the domain is in KEYX
 *   12 the key area, 20 bytes: if dlen < 20 the domain followed by NUL
 *      bytes; else (TBL_KF_LONG) the domain's first 16 bytes, then the u32
 *      offset in KEYX of the whole domain and its NUL.
 *
 * KEYX: long domains, each dlen + 1 bytes, in slot order.
 *
 * LOOKUP.  For the exact key (binding name n, domain):
 *   (h0, h1) = tbl_hash_key(tbl_hash_name(n, len(n), seed), domain, dlen):
 *   the key hash (a wyhash-style 64-bit multiply-mix, see below) of the
 *   domain bytes with bit 0x20 set in each as they are read (so the query
 *   needs no case-folded copy), seeded with the binding name's hash; a
 *   trailing dot is simply not part of dlen.  First the filter: word
 *   w = hi32(h1) * fwords >> 32 must have every bit 1 << ((lo32(h0) >>
 *   6j) & 63), j = 0..TBL_FILTER_K-1, set, else the key is absent (a
 *   miss).  Then the hypergraph; a hit compares the slot's domain and
 *   the name of its binding entry with the query, so a hit
 *   never probes the binding hash; a miss does, for the binding's entry
 *   (an unknown binding is "default", then looked up the same way).
 *   v0 = lo32(h0) * r >> 32,  v1 = r + (hi32(h0) * r >> 32),
 *   v2 = 2r + (lo32(h1) * r >> 32);
 *   fp = h1 >> 56;  i = (g[v0] + g[v1] + g[v2]) mod 3; v = v_i.  g[v] = 3
 *   or a fingerprint other than fp is a miss; otherwise the binding name
 *   and domain of slot v are compared with the query's.  The three G
 *   lines and the three candidate slots are fetched together, so a hit
 *   waits for about one memory access after the filter word (the branch
 *   on the filter is predicted, so the CPU fetches them meanwhile), and
 *   most misses touch only the filter word.  A miss tries the binding's
 *   regex run, then returns the binding's own record.  The writer builds
 *   g by peeling the
 *   3-hypergraph (BDZ, as NetBSD cdbw), trying seeds 0, 1, 2... in turn
 *   (growing r every 16 failures), so output is reproducible.
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
#define TBL_VERSION		3u
#define TBL_HEADER_SIZE		384u
#define TBL_DESCRIPTION		"ectls policy"
#define TBL_BLOCK_SHIFT		16u
#define TBL_POLICY_SIZE		144u
#define TBL_PROV_SIZE		272u
#define TBL_BIND_SIZE		24u
#define TBL_REGEX_SIZE		16u
#define TBL_FILE_SIZE		40u
#define TBL_LOGFMT_SIZE		8u
#define TBL_G_LINE		64u
#define TBL_G_PER_LINE		32u
#define TBL_G_FP		8u
#define TBL_G_END		40u
#define TBL_REC_SIZE		32u
#define TBL_REC_BIND		8u
#define TBL_REC_DLEN		10u
#define TBL_REC_FLAGS		11u
#define TBL_REC_KEY		12u
#define TBL_AREA		20u
#define TBL_PREFIX		16u
#define TBL_KF_LONG		0x01u
#define TBL_MAX_BINDINGS	65535u
#define TBL_BIND_SEED		0x62696e64u	/* "bind" */
#define TBL_V_REL		0x80u
#define TBL_BH_TAG(h0)		((uint32_t)((h0) >> 48) << 16)
#define TBL_FILTER_BITS		10u	/* filter bits per key */
#define TBL_FILTER_K		3u	/* bits set per key */
#define TBL_FILTER_MAXW		(1u << 28)

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
#define TBL_H_DEFBIND		76
#define TBL_H_DESC		80
#define TBL_H_BHCAP		96
#define TBL_H_FWORDS		100
#define TBL_H_DIR		128

enum tbl_sec {
	TBL_S_STRINGS = 0,
	TBL_S_LISTS,
	TBL_S_PROV,
	TBL_S_POLICIES,
	TBL_S_BINDINGS,
	TBL_S_REGEX,
	TBL_S_FILES,
	TBL_S_LOGFMT,
	TBL_S_BLOCKCRC,
	TBL_S_G,
	TBL_S_FILTER,
	TBL_S_RECORDS,
	TBL_S_KEYX,
	TBL_NSEC
};

_Static_assert(TBL_H_DIR + 16 * TBL_NSEC <= TBL_HEADER_SIZE,
    "the section directory fits in the header");

/* Policy record offsets. */
#define TBL_P_PROTO		(4u * 30u)
#define TBL_P_PROV		(4u * 31u)
#define TBL_P_TO_STRINGS	128u
#define TBL_P_TO_LISTS		132u
#define TBL_P_TO_PROV		136u
#define TBL_P_TO_POLICIES	140u
/* Provenance record offsets. */
#define TBL_V_LEVELS		(8u * 30u)
/* Binding entry offsets. */
#define TBL_B_NAME		0u
#define TBL_B_LEN		4u
#define TBL_B_REF		8u
#define TBL_B_RXFIRST		16u
#define TBL_B_RXCOUNT		20u
/* Regex entry offsets. */
#define TBL_X_PATTERN		0u
#define TBL_X_LEVEL		4u
#define TBL_X_REF		8u

static inline uint32_t
tbl_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return v;
#else
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
#endif
}

static inline uint64_t
tbl_le64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
#else
	return (uint64_t)tbl_le32(p) | (uint64_t)tbl_le32(p + 4) << 32;
#endif
}

static inline uint32_t
tbl_le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
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
#define TBL_CASE64	0x2020202020202020ull

/* 64 x 64 -> 128 multiply, folded (wyhash's "mum"). */
static inline uint64_t
tbl_mum(uint64_t a, uint64_t b)
{
	__extension__ unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * ASCII upper case to lower case in every byte of a word: the bytes that
 * are 'A'..'Z' get 0x20 added, by carries that cannot cross bytes.
 */
static inline uint64_t
tbl_fold64(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t high = 0x8080808080808080ull;
	uint64_t heptets = w & ~high;
	uint64_t ge_a = heptets + (0x80 - 'A') * ones;
	uint64_t gt_z = heptets + (0x7f - 'Z') * ones;

	return w | (((ge_a ^ gt_z) & ~w & high) >> 2);
}

static inline uint32_t
tbl_fold32(uint32_t w)
{
	return (uint32_t)tbl_fold64(w);
}

static inline uint8_t
tbl_fold8(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/*
 * The key hash: two 64-bit words from bytes and a mixed 64-bit seed s
 * (tbl_hash() mixes a plain seed first; tbl_hash_key() passes the binding
 * name's hash, already a multiply output), after wyhash (final v4): 16
 * bytes per multiply, the last 1..16 bytes read as two overlapping words.
 * Keys of 8 to 32 bytes (most domain names) are read as four overlapping
 * words, at 0, q, len - 8 - q and len - 8 with q = 8 if len >= 16 else 0,
 * and mixed by two independent multiplies: no loop and no branch on the
 * length.  The two output words are two independent multiplies of the
 * final state.  Bytes are read little-endian so the result does not depend
 * on the host.  With fold, every byte is hashed with bit 0x20 set, so
 * ASCII upper and lower case hash alike without a copy (other bytes may
 * then collide, which only costs a compare: the stored key is always
 * compared exactly).  Never reads outside [key, key + len).
 */
static inline __attribute__((always_inline)) void
tbl_hash_ex(const void *key, size_t len, uint64_t s, int fold,
    uint64_t out[2])
{
	const uint8_t *p = key;
	uint64_t a, b, c, d;
	uint64_t cs = fold ? TBL_CASE64 : 0;
	size_t i = len, q;
	__extension__ unsigned __int128 r;

	if (len - 8 <= 24) {
		q = (size_t)(len >= 16) << 3;
		a = tbl_le64(p) | cs;
		b = tbl_le64(p + q) | cs;
		c = tbl_le64(p + len - 8 - q) | cs;
		d = tbl_le64(p + len - 8) | cs;
		a = tbl_mum(a ^ TBL_K1, b ^ s);
		b = tbl_mum(c ^ TBL_K2, d ^ s);
		out[0] = tbl_mum(a ^ TBL_K0 ^ len, b ^ TBL_K1);
		out[1] = tbl_mum(a ^ TBL_K3, b ^ TBL_K2 ^ len);
		return;
	}
	if (i <= 16) {
		if (i >= 4) {
			q = (i >> 3) << 2;
			a = (uint64_t)tbl_le32(p) << 32 | tbl_le32(p + q);
			b = (uint64_t)tbl_le32(p + i - 4) << 32 |
			    tbl_le32(p + i - 4 - q);
			if (fold) {
				a |= TBL_CASE64;
				b |= TBL_CASE64;
			}
		} else if (i > 0) {
			a = (uint64_t)p[0] << 16 | (uint64_t)p[i >> 1] << 8 |
			    p[i - 1];
			if (fold)
				a |= 0x202020u;
			b = 0;
		} else
			a = b = 0;
	} else {
		while (i > 16) {
			a = tbl_le64(p);
			b = tbl_le64(p + 8);
			if (fold) {
				a |= TBL_CASE64;
				b |= TBL_CASE64;
			}
			s = tbl_mum(a ^ TBL_K1, b ^ s);
			p += 16;
			i -= 16;
		}
		a = tbl_le64(p + i - 16);
		b = tbl_le64(p + i - 8);
		if (fold) {
			a |= TBL_CASE64;
			b |= TBL_CASE64;
		}
	}
	a ^= TBL_K1;
	b ^= s;
	r = (unsigned __int128)a * b;
	a = (uint64_t)r;
	b = (uint64_t)(r >> 64);
	out[0] = tbl_mum(a ^ TBL_K0 ^ len, b ^ TBL_K1);
	out[1] = tbl_mum(a ^ TBL_K3, b ^ TBL_K2 ^ len);
}

/* The hash of bytes (the binding hash in BINDINGS). */
static inline __attribute__((always_inline)) void
tbl_hash(const void *key, size_t len, uint64_t seed, uint64_t out[2])
{
	tbl_hash_ex(key, len, TBL_K0 ^ tbl_mum(seed ^ TBL_K0, TBL_K1), 0, out);
}

/*
 * The hash of a binding name under the table's seed: for up to 16 bytes
 * one multiply over two words (8 to 16 bytes: the 64-bit words at 0 and
 * len - 8; 4 to 7: the 32-bit words at 0 and len - 4; fewer: three
 * bytes), else
 * tbl_hash()'s first word.
 */
static inline __attribute__((always_inline)) uint64_t
tbl_hash_name(const void *name, size_t len, uint32_t seed)
{
	const uint8_t *p = name;
	uint64_t a, b, h[2];

	if (len > 16) {
		tbl_hash(name, len, (uint64_t)TBL_BIND_SEED << 32 | seed, h);
		return h[0];
	}
	if (len >= 8) {
		a = tbl_le64(p);
		b = tbl_le64(p + len - 8);
	} else if (len >= 4) {
		a = tbl_le32(p);
		b = tbl_le32(p + len - 4);
	} else if (len > 0) {
		a = (uint64_t)p[0] << 16 | (uint64_t)p[len >> 1] << 8 |
		    p[len - 1];
		b = 0;
	} else
		a = b = 0;
	return tbl_mum(a ^ TBL_K1 ^ len,
	    b ^ TBL_K0 ^ ((uint64_t)TBL_BIND_SEED << 32 | seed));
}

/*
 * The key hash of (binding, domain), case folded (see LOOKUP); hname is
 * tbl_hash_name() of the binding under the table's seed, itself the
 * output of a multiply-mix, so it is used as the mixed seed directly.
 * The two output words come from two independent multiplies of the same
 * state, so a lookup waits for three multiplies after the binding's.
 */
static inline __attribute__((always_inline)) void
tbl_hash_key(uint64_t hname, const void *dom, size_t dlen, uint64_t out[2])
{
	tbl_hash_ex(dom, dlen, hname, 1, out);
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

/*
 * The filter word of a key hash (its index, below fwords) and the bits the
 * key sets in it (see LOOKUP).
 */
static inline uint64_t
tbl_filter(const uint64_t h[2], uint32_t fwords, uint32_t *w)
{
	uint32_t x = (uint32_t)h[0];
	uint64_t m;

	*w = (uint32_t)(((h[1] >> 32) * fwords) >> 32);
	m = (uint64_t)1 << (x & 63);
	m |= (uint64_t)1 << ((x >> 6) & 63);
	m |= (uint64_t)1 << ((x >> 12) & 63);
	return m;
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

/* g[v] of the vertex at position pos of a G line. */
static inline unsigned
tbl_g(const uint8_t *line, uint32_t pos)
{
	return (unsigned)(line[pos >> 2] >> ((pos & 3) * 2)) & 3;
}

#endif /* ECTLS_TBL_FORMAT_H */
