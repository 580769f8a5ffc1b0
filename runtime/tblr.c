/* SPDX-License-Identifier: ISC */
/*
 * tblr.c -- the table reader behind ectls.h (libectls).
 *
 * Open checks the header, the metadata checksum and every section bound,
 * and validates every policy, provenance, binding, regex, file and
 * log-format record (their number depends on the configuration's distinct
 * policies and bindings, not on the number of keys).  The index region
 * (G, FILTER, RECORDS, KEYX) is checksummed per block and each block is
 * verified the first time anything reads from it; a failure is sticky:
 * every later lookup on the table fails with the same error.  Every offset
 * read from the file is checked against its section before it is used, so
 * a file that passes its checksums but was crafted still cannot make the
 * reader touch memory outside the mapping.
 *
 * A `const struct ectls_policy *` is a pointer to an 8-byte policy
 * reference inside the mapping (tbl_format.h): the accessors find the
 * policy record, the strings and the provenance from it alone, through
 * distances that open (or the lookup that returned the reference) checked.
 *
 * Library code: never prints, never exits.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "crc32c.h"
#include "ectls.h"
#include "tbl_format.h"

_Static_assert(ECTLS_NFIELDS == 30, "tbl_format.h assumes 30 fields");

/* State that lookups on a shared (const) table update, with atomics. */
struct tblr_mut {
	int		 err;		/* sticky corruption error, 0 if none */
	int		 all_ok;	/* every block verified */
	uint64_t	 nok;		/* blocks verified so far */
	uint8_t		*blk_ok;	/* per index block: verified */
	pcre2_code	**rx;		/* per regex: compiled, or NULL */
};

struct ectls_table {
	const uint8_t		*base;
	size_t			 size;
	int			 mapped;
	const uint8_t		*sec[TBL_NSEC];
	uint64_t		 secoff[TBL_NSEC];
	uint64_t		 secsz[TBL_NSEC];
	uint64_t		 idx_start;
	uint64_t		 nblocks;
	uint32_t		 shift, seed, r, nkeys, nbind, npol, nprov;
	uint32_t		 nregex, nfiles, nlogfmt, nwords, bhcap;
	uint32_t		 fwords;	/* FILTER words */
	uint32_t		 defbind;	/* index of "default" */
	uint64_t		 defhash;	/* its tbl_hash_name() */
	uint32_t		 nlines;	/* G lines */
	const uint8_t		*g;		/* G section */
	const uint8_t		*filt;		/* FILTER section */
	const uint8_t		*recs;		/* RECORDS section */
	const char		*schema;
	struct tblr_mut		*mut;
};

/* A decoded key record. */
struct kent {
	uint32_t	 idx;		/* record index */
	uint32_t	 bind, dlen, flags;
	const uint8_t	*rec;		/* the record (its policy reference) */
	const uint8_t	*dom;		/* the domain and its NUL */
};

/* ---- field catalogue ------------------------------------------------ */

static const struct {
	const char	*name;
	int		 type;
} fields[ECTLS_NFIELDS] = {
#define X(up, low, ty)	[ECTLS_F_##up] = { #low, ECTLS_T_##ty },
	ECTLS_FIELDS(X)
#undef X
};

static const char *const tls_names[] = { "no", "ifavailable", "required" };
static const char *const verify_names[] = { "no", "ca", "host", "optional" };
static const char *const engine_names[] = { "openssl", "gnutls" };
static const char *const bool_names[] = { "false", "true" };
static const char *const level_names[ECTLS_LVL__COUNT] = {
	[ECTLS_LVL_DEFAULT] = "default",
	[ECTLS_LVL_BD] = "B::D",
	[ECTLS_LVL_GD] = "G::D",
	[ECTLS_LVL_B] = "B",
	[ECTLS_LVL_G] = "G",
	[ECTLS_LVL_D] = "D",
	[ECTLS_LVL_GLOBAL] = "global",
};

static const char *const errmsg[ECTLS_ERR__COUNT] = {
	[ECTLS_OK] = "no error",
	[ECTLS_ERR_SYS] = "cannot read table",
	[ECTLS_ERR_NOMEM] = "out of memory",
	[ECTLS_ERR_TRUNCATED] = "table is truncated",
	[ECTLS_ERR_MAGIC] = "not an ectls table (bad magic)",
	[ECTLS_ERR_VERSION] = "unsupported table format version",
	[ECTLS_ERR_HEADER] = "table header is inconsistent",
	[ECTLS_ERR_HEADER_CRC] = "table header/metadata checksum mismatch",
	[ECTLS_ERR_BODY_CRC] = "table index checksum mismatch",
	[ECTLS_ERR_LAYOUT] = "table section out of bounds or misplaced",
	[ECTLS_ERR_RECORD] = "table policy record is invalid",
	[ECTLS_ERR_INDEX] = "table index entry is invalid",
	[ECTLS_ERR_NO_DEFAULT] = "table has no \"default\" binding",
	[ECTLS_ERR_REGEX] = "stored regex domain cannot be compiled or matched",
	[ECTLS_ERR_ARG] = "invalid argument",
};

const char *
ectls_strerror(int e)
{
	if (e < 0)
		e = -e;
	if (e >= ECTLS_ERR__COUNT)
		return "unknown error";
	return errmsg[e];
}

const char *
ectls_field_name(int f)
{
	if (f < 0 || f >= ECTLS_NFIELDS)
		return NULL;
	return fields[f].name;
}

int
ectls_field_type(int f)
{
	if (f < 0 || f >= ECTLS_NFIELDS)
		return -1;
	return fields[f].type;
}

int
ectls_field_by_name(const char *name)
{
	int f;

	if (name == NULL)
		return -1;
	for (f = 0; f < ECTLS_NFIELDS; f++)
		if (strcmp(fields[f].name, name) == 0)
			return f;
	return -1;
}

static const char *const *
value_names(int f, uint32_t *n)
{
	if (f < 0 || f >= ECTLS_NFIELDS)
		return NULL;
	switch (f) {
	case ECTLS_F_TLS:
		*n = 3;
		return tls_names;
	case ECTLS_F_TLS_VERIFY:
		*n = 4;
		return verify_names;
	case ECTLS_F_TLS_ENGINE:
		*n = 2;
		return engine_names;
	default:
		break;
	}
	if (fields[f].type == ECTLS_T_BOOL) {
		*n = 2;
		return bool_names;
	}
	return NULL;
}

uint32_t
ectls_value_count(int f)
{
	uint32_t n = 0;

	if (value_names(f, &n) == NULL)
		return 0;
	return n;
}

const char *
ectls_value_name(int f, uint32_t v)
{
	const char *const *names;
	uint32_t n = 0;

	if ((names = value_names(f, &n)) == NULL || v >= n)
		return NULL;
	return names[v];
}

int
ectls_value_parse(int f, const char *s, uint32_t *v)
{
	const char *const *names;
	uint32_t i, n = 0;

	if (s == NULL || (names = value_names(f, &n)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0) {
			*v = i;
			return 0;
		}
	return -1;
}

const char *
ectls_level_name(int l)
{
	if (l < 0 || l >= ECTLS_LVL__COUNT)
		return NULL;
	return level_names[l];
}

/*
 * ASCII upper case to lower case in the 8 bytes of x at once.  Per byte,
 * the top bit of ge_a says its low 7 bits are >= 'A', that of gt_z > 'Z'
 * (the sums stay below 0x100: no carry into the next byte); a byte below
 * 0x80 with one but not the other is 'A'..'Z' and gets 0x20.
 */
static inline uint64_t
lower8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
	uint64_t low7 = x & ~high;
	uint64_t ge_a = low7 + ones * (0x80 - 'A');
	uint64_t gt_z = low7 + ones * (0x7f - 'Z');

	return x | ((ge_a ^ gt_z) & ~x & high) >> 2;
}

int
ectls_canon_domain(const char *d, char *buf, size_t cap)
{
	size_t n, i;
	unsigned char c;
	uint64_t x;

	if (d == NULL || cap < 2)
		return -1;
	n = strnlen(d, cap + 1);
	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0 || n > cap - 1)
		return -1;
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&x, d + i, 8);
		x = lower8(x);
		memcpy(buf + i, &x, 8);
	}
	for (; i < n; i++) {
		c = (unsigned char)d[i];
		buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	buf[n] = '\0';
	return (int)n;
}

/* ---- open and validate ---------------------------------------------- */

static int
sticky(const struct ectls_table *t, int e)
{
	int zero = 0;

	__atomic_compare_exchange_n(&t->mut->err, &zero, e, 0,
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	return e;
}

static int	rec_ok(const struct ectls_table *, uint64_t);

static int __attribute__((noinline))
verify_block(const struct ectls_table *t, uint64_t b)
{
	uint64_t start = t->idx_start + (b << t->shift);
	uint64_t end = start + ((uint64_t)1 << t->shift);
	uint64_t r0 = t->secoff[TBL_S_RECORDS], r1 = r0 + t->secsz[TBL_S_RECORDS];
	uint64_t o;
	uint8_t zero = 0;
	uint32_t want;

	if (end > t->size)
		end = t->size;
	want = tbl_le32(t->sec[TBL_S_BLOCKCRC] + 4 * b);
	if (crc32c(0, t->base + start, (size_t)(end - start)) != want)
		return sticky(t, ECTLS_ERR_BODY_CRC);
	/*
	 * The key records in the block, checked once here so lookups need
	 * not (a record never straddles blocks: RECORDS starts at a multiple
	 * of 64 from the index start and records are 32 bytes).
	 */
	for (o = start > r0 ? start : r0; o < end && o < r1; o += TBL_REC_SIZE)
		if (!rec_ok(t, o))
			return sticky(t, ECTLS_ERR_INDEX);
	/* Count each block once, whichever thread verified it first. */
	if (__atomic_compare_exchange_n(&t->mut->blk_ok[b], &zero, 1, 0,
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) &&
	    __atomic_add_fetch(&t->mut->nok, 1, __ATOMIC_ACQ_REL) ==
	    t->nblocks)
		__atomic_store_n(&t->mut->all_ok, 1, __ATOMIC_RELEASE);
	return 0;
}

static int __attribute__((noinline))
need_slow(const struct ectls_table *t, uint64_t off, uint64_t len)
{
	uint64_t b, e;
	int rc;

	b = (off - t->idx_start) >> t->shift;
	e = (off + len - 1 - t->idx_start) >> t->shift;
	for (; b <= e; b++)
		if (!__atomic_load_n(&t->mut->blk_ok[b], __ATOMIC_ACQUIRE) &&
		    (rc = verify_block(t, b)) != 0)
			return rc;
	return 0;
}

/*
 * Make sure [off, off+len) of the file, inside the index region and already
 * bounds-checked by the caller, lies in verified blocks.
 */
static inline int
need(const struct ectls_table *t, uint64_t off, uint64_t len)
{
	uint64_t b;

	if (__builtin_expect(__atomic_load_n(&t->mut->all_ok,
	    __ATOMIC_ACQUIRE), 1))
		return 0;
	b = (off - t->idx_start) >> t->shift;
	if (b == (off + len - 1 - t->idx_start) >> t->shift &&
	    __atomic_load_n(&t->mut->blk_ok[b], __ATOMIC_ACQUIRE))
		return 0;
	return need_slow(t, off, len);
}

/*
 * Is the policy reference at file offset off sound: its distance lands
 * exactly on a record of POLICIES?
 */
static inline int
ref_ok(const struct ectls_table *t, uint64_t off)
{
	uint64_t d = (uint64_t)tbl_le32(t->base + off) * 4, p;

	if (d > off || (p = off - d) < t->secoff[TBL_S_POLICIES])
		return 0;
	p -= t->secoff[TBL_S_POLICIES];
	return p < t->secsz[TBL_S_POLICIES] && p % TBL_POLICY_SIZE == 0;
}

static inline const uint8_t *
bind_ent(const struct ectls_table *t, uint32_t b)
{
	return t->sec[TBL_S_BINDINGS] + (uint64_t)b * TBL_BIND_SIZE;
}

static inline const char *
bind_name(const struct ectls_table *t, uint32_t b)
{
	return (const char *)t->sec[TBL_S_STRINGS] +
	    tbl_le32(bind_ent(t, b) + TBL_B_NAME);
}

/*
 * Is the key record at file offset off sound: binding index in range,
 * domain length and flags consistent, a NUL after a short domain, a long
 * domain inside KEYX, the policy reference landing on a policy record?
 * (The NUL after a long domain is checked where KEYX is read.)
 */
static int
rec_ok(const struct ectls_table *t, uint64_t off)
{
	const uint8_t *p = t->base + off;
	uint32_t dlen = p[TBL_REC_DLEN], i;
	uint64_t xoff;

	if (dlen == 0) {
		/* An empty slot (its vertex holds no key): all zero. */
		for (i = 0; i < TBL_REC_SIZE; i++)
			if (p[i] != 0)
				return 0;
		return 1;
	}
	if (tbl_le16(p + TBL_REC_BIND) >= t->nbind ||
	    p[TBL_REC_FLAGS] != (dlen < TBL_AREA ? 0 : TBL_KF_LONG))
		return 0;
	if (dlen < TBL_AREA) {
		if (p[TBL_REC_KEY + dlen] != 0)
			return 0;
	} else {
		xoff = tbl_le32(p + TBL_REC_KEY + TBL_PREFIX);
		if (xoff > t->secsz[TBL_S_KEYX] ||
		    t->secsz[TBL_S_KEYX] - xoff < dlen + 1)
			return 0;
	}
	return ref_ok(t, off);
}

/* The long domain of the key record at p (validated by rec_ok), or NULL. */
static inline const uint8_t *
keyx_dom(const struct ectls_table *t, const uint8_t *p, uint32_t dlen,
    int lazy, int *rc)
{
	uint64_t xoff = tbl_le32(p + TBL_REC_KEY + TBL_PREFIX);
	const uint8_t *x = t->sec[TBL_S_KEYX] + xoff;

	if (lazy && (*rc = need(t, t->secoff[TBL_S_KEYX] + xoff,
	    dlen + 1)) != 0)
		return NULL;
	if (x[dlen] != 0) {
		*rc = sticky(t, ECTLS_ERR_INDEX);
		return NULL;
	}
	return x;
}

/*
 * Decode key record idx with every field and the domain's location
 * validated.
 */
static int
kent_read(const struct ectls_table *t, uint32_t idx, struct kent *k)
{
	const uint8_t *p;
	uint64_t foff;
	int rc = 0;

	if (idx >= 3 * t->r)
		return sticky(t, ECTLS_ERR_INDEX);
	foff = t->secoff[TBL_S_RECORDS] + (uint64_t)idx * TBL_REC_SIZE;
	if ((rc = need(t, foff, TBL_REC_SIZE)) != 0)
		return rc;
	p = t->base + foff;
	k->idx = idx;
	k->rec = p;
	k->bind = tbl_le16(p + TBL_REC_BIND);
	k->dlen = p[TBL_REC_DLEN];
	k->flags = p[TBL_REC_FLAGS];
	/* need() ran rec_ok on the record's block. */
	if (k->dlen == 0)
		k->dom = NULL;		/* an empty slot */
	else if (k->flags & TBL_KF_LONG) {
		if ((k->dom = keyx_dom(t, p, k->dlen, 1, &rc)) == NULL)
			return rc;
	} else
		k->dom = p + TBL_REC_KEY;
	return 0;
}

/* n bytes equal (n <= 255); never reads outside either [p, p + n). */
static inline __attribute__((always_inline)) int
bytes_eq(const uint8_t *s, const uint8_t *q, uint32_t n)
{
	uint64_t x = 0;
	uint32_t i;

	if (n - 8 <= 8)
		x = (tbl_le64(q) ^ tbl_le64(s)) |
		    (tbl_le64(q + n - 8) ^ tbl_le64(s + n - 8));
	else if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8)
			x |= tbl_le64(q + i) ^ tbl_le64(s + i);
		x |= tbl_le64(q + n - 8) ^ tbl_le64(s + n - 8);
	} else if (n >= 4)
		x = (tbl_le32(q) ^ tbl_le32(s)) |
		    (tbl_le32(q + n - 4) ^ tbl_le32(s + n - 4));
	else
		for (i = 0; i < n; i++)
			x |= (uint64_t)(q[i] ^ s[i]);
	return x == 0;
}

/*
 * Compare n bytes of a query (ASCII case folded as it is read) with stored
 * canonical bytes; never reads outside either [p, p + n).
 */
static inline __attribute__((always_inline)) int
dom_eq(const uint8_t *s, const uint8_t *q, uint32_t n)
{
	uint64_t x = 0;
	uint32_t i, o;

	if (n - 8 <= 24) {
		/*
		 * Four overlapping words, as the key hash reads them; compared
		 * as they are first (queries are mostly lower case already),
		 * and folded only if that fails.
		 */
		o = (uint32_t)(n >= 16) << 3;
		x = (tbl_le64(q) ^ tbl_le64(s)) |
		    (tbl_le64(q + o) ^ tbl_le64(s + o)) |
		    (tbl_le64(q + n - 8 - o) ^ tbl_le64(s + n - 8 - o)) |
		    (tbl_le64(q + n - 8) ^ tbl_le64(s + n - 8));
		if (__builtin_expect(x == 0, 1))
			return 1;
		x = (tbl_fold64(tbl_le64(q)) ^ tbl_le64(s)) |
		    (tbl_fold64(tbl_le64(q + o)) ^ tbl_le64(s + o)) |
		    (tbl_fold64(tbl_le64(q + n - 8 - o)) ^
		    tbl_le64(s + n - 8 - o)) |
		    (tbl_fold64(tbl_le64(q + n - 8)) ^ tbl_le64(s + n - 8));
	} else if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8)
			x |= tbl_fold64(tbl_le64(q + i)) ^ tbl_le64(s + i);
		x |= tbl_fold64(tbl_le64(q + n - 8)) ^ tbl_le64(s + n - 8);
	} else if (n >= 4) {
		x = (tbl_fold32(tbl_le32(q)) ^ tbl_le32(s)) |
		    (tbl_fold32(tbl_le32(q + n - 4)) ^ tbl_le32(s + n - 4));
	} else
		for (i = 0; i < n; i++)
			x |= (uint64_t)(tbl_fold8(q[i]) ^ s[i]);
	return x == 0;
}

/*
 * Exact lookup of (binding index, domain) with the domain as the caller
 * gave it (dlen bytes: case is folded here).  Returns 1 with *ref (the
 * record) and *slot, 0 when not found, or an ectls_err code on corruption
 * (never ECTLS_ERR_SYS, which is 1).  lazy: some block may still need its
 * checksum (and record checks) before use; once every block is verified
 * the lookup runs without those tests.
 */
static inline __attribute__((always_inline)) int
find_impl(const struct ectls_table *t, uint64_t hname, const uint8_t *bname,
    uint32_t blen, const uint8_t *dom, uint32_t dlen, const uint8_t **ref,
    uint32_t *slotp, int lazy)
{
	const uint8_t *line[3], *p, *be;
	uint64_t h[2], loff, foff, fm, xoff, lmask;
	uint32_t v[3], slot, fw;
	unsigned g[3], sel;
	uint8_t fp;
	int rc = 0, i;

	tbl_hash_key(hname, dom, dlen, h);
	/*
	 * The filter word first: most absent keys stop here, having read
	 * one line of a small section (the G lines and slots, asked for only
	 * past this test, are then never touched).
	 */
	fm = tbl_filter(h, t->fwords, &fw);
	if (lazy && (rc = need(t, t->secoff[TBL_S_FILTER] + 8 * (uint64_t)fw,
	    8)) != 0)
		return rc;
	if ((tbl_le64(t->filt + 8 * (uint64_t)fw) & fm) != fm)
		return 0;
	tbl_vertices(h, t->r, v, &fp);
	/* Unrolled by hand: three G lines, each g[v] a shift of one word. */
	for (i = 0; lazy && i < 3; i++) {
		loff = (uint64_t)(v[i] >> 5) << 6;
		if ((rc = need(t, t->secoff[TBL_S_G] + loff, TBL_G_LINE)) != 0)
			return rc;
	}
	line[0] = t->g + ((uint64_t)(v[0] >> 5) << 6);
	line[1] = t->g + ((uint64_t)(v[1] >> 5) << 6);
	line[2] = t->g + ((uint64_t)(v[2] >> 5) << 6);
	g[0] = (unsigned)(tbl_le64(line[0]) >> 2 * (v[0] & 31)) & 3;
	g[1] = (unsigned)(tbl_le64(line[1]) >> 2 * (v[1] & 31)) & 3;
	g[2] = (unsigned)(tbl_le64(line[2]) >> 2 * (v[2] & 31)) & 3;
	/*
	 * The candidate slots load while the G lines are read (asked for
	 * after the G lines, so a miss, decided by G alone, is not kept
	 * waiting behind them).
	 */
	__builtin_prefetch(t->recs + (uint64_t)v[0] * TBL_REC_SIZE);
	__builtin_prefetch(t->recs + (uint64_t)v[1] * TBL_REC_SIZE);
	__builtin_prefetch(t->recs + (uint64_t)v[2] * TBL_REC_SIZE);
	/* (g0 + g1 + g2) mod 3 from a table of 2-bit entries for 0..9. */
	sel = (0x24924u >> 2 * (g[0] + g[1] + g[2])) & 3;
	if (g[sel] == 3 || line[sel][TBL_G_FP + (v[sel] & 31)] != fp)
		return 0;
	slot = v[sel];
	foff = (uint64_t)slot * TBL_REC_SIZE;
	if (lazy && (rc = need(t, t->secoff[TBL_S_RECORDS] + foff,
	    TBL_REC_SIZE)) != 0)
		return rc;
	p = t->recs + foff;
	/* rec_ok checked the flags and the binding index. */
	if (p[TBL_REC_DLEN] != dlen)
		return 0;
	be = bind_ent(t, tbl_le16(p + TBL_REC_BIND));
	if (tbl_le32(be + TBL_B_LEN) != blen ||
	    !bytes_eq(t->sec[TBL_S_STRINGS] + tbl_le32(be + TBL_B_NAME), bname,
	    blen))
		return 0;
	/*
	 * The stored domain: inline, or (TBL_KF_LONG, as rec_ok checked
	 * against dlen) the whole of it in KEYX.  Chosen by a mask rather
	 * than a branch: whether a domain is long is as random as the
	 * queries, and one compare covers both.
	 */
	xoff = t->secoff[TBL_S_KEYX] + tbl_le32(p + TBL_REC_KEY + TBL_PREFIX);
	if (lazy && dlen >= TBL_AREA && (rc = need(t, xoff, dlen)) != 0)
		return rc;
	lmask = (uint64_t)0 - (dlen >= TBL_AREA);
	xoff = (xoff & lmask) |
	    ((t->secoff[TBL_S_RECORDS] + foff + TBL_REC_KEY) & ~lmask);
	if (!dom_eq(t->base + xoff, dom, dlen))
		return 0;
	*ref = p;
	*slotp = slot;
	return 1;
}

static int __attribute__((noinline))
find_lazy(const struct ectls_table *t, uint64_t hname, const uint8_t *bname,
    uint32_t blen, const uint8_t *dom, uint32_t dlen, const uint8_t **ref,
    uint32_t *slotp)
{
	return find_impl(t, hname, bname, blen, dom, dlen, ref, slotp, 1);
}

/*
 * Exact lookup of (binding name bname of blen bytes, whose
 * tbl_hash_name() is hname, domain).
 */
static inline __attribute__((always_inline)) int
find(const struct ectls_table *t, uint64_t hname, const uint8_t *bname,
    uint32_t blen, const uint8_t *dom, uint32_t dlen, const uint8_t **ref,
    uint32_t *slotp)
{
	if (__builtin_expect(__atomic_load_n(&t->mut->all_ok,
	    __ATOMIC_ACQUIRE), 1))
		return find_impl(t, hname, bname, blen, dom, dlen, ref, slotp,
		    0);
	return find_lazy(t, hname, bname, blen, dom, dlen, ref, slotp);
}

/* Index of the binding named name (n bytes, tbl_hash_name() h), or -1. */
static int
find_binding(const struct ectls_table *t, const char *name, size_t n,
    uint64_t h)
{
	const uint8_t *slots = t->sec[TBL_S_BINDINGS] +
	    (uint64_t)t->nbind * TBL_BIND_SIZE, *e;
	uint32_t mask = t->bhcap - 1, s, k, i, tag;

	tag = TBL_BH_TAG(h);
	for (s = (uint32_t)h & mask, i = 0; i < t->bhcap;
	    s = (s + 1) & mask, i++) {
		if ((k = tbl_le32(slots + 4 * (uint64_t)s)) == 0)
			return -1;
		if ((k & 0xffff0000u) != tag)
			continue;
		k &= 0xffff;
		e = bind_ent(t, k - 1);
		if (tbl_le32(e + TBL_B_LEN) == n &&
		    bytes_eq(t->sec[TBL_S_STRINGS] + tbl_le32(e + TBL_B_NAME),
		    (const uint8_t *)name, (uint32_t)n))
			return (int)(k - 1);
	}
	return -1;
}

static int
check_header(const uint8_t *b, size_t size)
{
	size_t i;

	if (size >= TBL_MAGIC_LEN && memcmp(b, TBL_MAGIC, TBL_MAGIC_LEN) != 0)
		return ECTLS_ERR_MAGIC;
	if (size < TBL_HEADER_SIZE)
		return ECTLS_ERR_TRUNCATED;
	if (tbl_le32(b + TBL_H_VERSION) != TBL_VERSION)
		return ECTLS_ERR_VERSION;
	if (tbl_le32(b + TBL_H_HSIZE) != TBL_HEADER_SIZE)
		return ECTLS_ERR_HEADER;
	if (tbl_le64(b + TBL_H_FSIZE) > size)
		return ECTLS_ERR_TRUNCATED;
	if (tbl_le64(b + TBL_H_FSIZE) != size)
		return ECTLS_ERR_HEADER;
	for (i = TBL_H_FWORDS + 4; i < TBL_H_DIR; i++)
		if (b[i] != 0)
			return ECTLS_ERR_HEADER;
	for (i = TBL_H_DIR + 16 * TBL_NSEC; i < TBL_HEADER_SIZE; i++)
		if (b[i] != 0)
			return ECTLS_ERR_HEADER;
	return 0;
}

static int
check_layout(struct ectls_table *t)
{
	const uint8_t *b = t->base;
	uint64_t prev = TBL_HEADER_SIZE, off, sz, crc_end;
	uint8_t zero[4] = { 0, 0, 0, 0 };
	uint32_t crc;
	int i;

	for (i = 0; i < TBL_NSEC; i++) {
		off = tbl_le64(b + TBL_H_DIR + 16 * i);
		sz = tbl_le64(b + TBL_H_DIR + 16 * i + 8);
		if (off % 8 != 0 || off < prev || off > t->size ||
		    sz > t->size - off)
			return ECTLS_ERR_LAYOUT;
		t->secoff[i] = off;
		t->secsz[i] = sz;
		t->sec[i] = b + off;
		prev = off + sz;
	}
	if (prev != t->size || t->secoff[TBL_S_G] % 64 != 0 ||
	    t->secoff[TBL_S_FILTER] % 64 != 0 ||
	    t->secoff[TBL_S_RECORDS] % 64 != 0)
		return ECTLS_ERR_LAYOUT;
	/* The header and metadata checksum, before trusting any count. */
	crc_end = t->secoff[TBL_S_G];
	crc = crc32c(0, b, TBL_H_CRC);
	crc = crc32c(crc, zero, 4);
	crc = crc32c(crc, b + TBL_H_CRC + 4, (size_t)(crc_end - TBL_H_CRC - 4));
	if (crc != tbl_le32(b + TBL_H_CRC))
		return ECTLS_ERR_HEADER_CRC;
	t->idx_start = crc_end;
	t->g = t->sec[TBL_S_G];
	t->filt = t->sec[TBL_S_FILTER];
	t->recs = t->sec[TBL_S_RECORDS];
	return 0;
}

static int
check_counts(struct ectls_table *t)
{
	const uint8_t *b = t->base;
	uint64_t vtx, nb;

	t->shift = tbl_le32(b + TBL_H_BSHIFT);
	t->seed = tbl_le32(b + TBL_H_SEED);
	t->r = tbl_le32(b + TBL_H_R);
	t->nkeys = tbl_le32(b + TBL_H_NKEYS);
	t->nbind = tbl_le32(b + TBL_H_NBIND);
	t->npol = tbl_le32(b + TBL_H_NPOL);
	t->nprov = tbl_le32(b + TBL_H_NPROV);
	t->nregex = tbl_le32(b + TBL_H_NREGEX);
	t->nfiles = tbl_le32(b + TBL_H_NFILES);
	t->nlogfmt = tbl_le32(b + TBL_H_NLOGFMT);
	t->defbind = tbl_le32(b + TBL_H_DEFBIND);
	t->bhcap = tbl_le32(b + TBL_H_BHCAP);
	t->fwords = tbl_le32(b + TBL_H_FWORDS);
	if (tbl_le32(b + TBL_H_NFIELDS) != ECTLS_NFIELDS ||
	    t->shift < 10 || t->shift > 24 || t->r == 0 ||
	    t->r > UINT32_MAX / 3 || t->nkeys > 3 * (uint64_t)t->r ||
	    t->nbind == 0 || t->nbind > TBL_MAX_BINDINGS ||
	    t->defbind >= t->nbind || t->bhcap <= t->nbind ||
	    (t->bhcap & (t->bhcap - 1)) != 0 || t->npol == 0 ||
	    t->fwords == 0 || t->fwords > TBL_FILTER_MAXW ||
	    t->nprov == 0)
		return ECTLS_ERR_HEADER;
	vtx = 3 * (uint64_t)t->r;
	nb = ((t->size - t->idx_start) + ((uint64_t)1 << t->shift) - 1) >>
	    t->shift;
	t->nblocks = nb;
	if (t->secsz[TBL_S_STRINGS] < 1 ||
	    t->secsz[TBL_S_STRINGS] > UINT32_MAX ||
	    t->secsz[TBL_S_PROV] != (uint64_t)t->nprov * TBL_PROV_SIZE ||
	    t->secsz[TBL_S_POLICIES] != (uint64_t)t->npol * TBL_POLICY_SIZE ||
	    t->secsz[TBL_S_BINDINGS] != (uint64_t)t->nbind * TBL_BIND_SIZE +
	    4 * (uint64_t)t->bhcap ||
	    t->secsz[TBL_S_REGEX] != (uint64_t)t->nregex * TBL_REGEX_SIZE ||
	    t->secsz[TBL_S_FILES] != (uint64_t)t->nfiles * TBL_FILE_SIZE ||
	    t->secsz[TBL_S_LOGFMT] != (uint64_t)t->nlogfmt * TBL_LOGFMT_SIZE ||
	    t->secsz[TBL_S_LISTS] < 4 || t->secsz[TBL_S_LISTS] % 4 != 0 ||
	    t->secsz[TBL_S_LISTS] / 4 > UINT32_MAX ||
	    t->secsz[TBL_S_BLOCKCRC] != nb * 4 ||
	    t->secsz[TBL_S_G] != (vtx + TBL_G_PER_LINE - 1) /
	    TBL_G_PER_LINE * TBL_G_LINE ||
	    t->secsz[TBL_S_FILTER] != (uint64_t)t->fwords * 8 ||
	    t->secsz[TBL_S_RECORDS] != vtx * TBL_REC_SIZE ||
	    t->secsz[TBL_S_KEYX] > UINT32_MAX)
		return ECTLS_ERR_LAYOUT;
	t->nlines = (uint32_t)(t->secsz[TBL_S_G] / TBL_G_LINE);
	t->nwords = (uint32_t)(t->secsz[TBL_S_LISTS] / 4);
	return 0;
}

static int
stroff_ok(const struct ectls_table *t, uint32_t off)
{
	return off < t->secsz[TBL_S_STRINGS];
}

static int
check_list(const struct ectls_table *t, uint32_t w)
{
	const uint8_t *lw = t->sec[TBL_S_LISTS];
	uint32_t n, i;

	if (w == 0)
		return 0;
	if (w >= t->nwords)
		return -1;
	n = tbl_le32(lw + 4 * (uint64_t)w);
	if (n == 0 || n > t->nwords - w - 1)
		return -1;
	for (i = 1; i <= n; i++) {
		uint32_t s = tbl_le32(lw + 4 * ((uint64_t)w + i));

		if (s == 0 || !stroff_ok(t, s))
			return -1;
	}
	return 0;
}

/* A policy record's distances back to the sections it uses. */
static int
check_dist(const struct ectls_table *t, uint64_t at, const uint8_t *p)
{
	return tbl_le32(p + TBL_P_TO_STRINGS) == at - t->secoff[TBL_S_STRINGS] &&
	    tbl_le32(p + TBL_P_TO_LISTS) == at - t->secoff[TBL_S_LISTS] &&
	    tbl_le32(p + TBL_P_TO_PROV) == at - t->secoff[TBL_S_PROV] &&
	    tbl_le32(p + TBL_P_TO_POLICIES) == at - t->secoff[TBL_S_POLICIES];
}

static int
check_records(struct ectls_table *t)
{
	const uint8_t *s = t->sec[TBL_S_STRINGS], *p, *slots;
	uint64_t ssz = t->secsz[TBL_S_STRINGS], at;
	uint32_t i, f, v, lvl, n, used, prev = 0;
	const char *name, *pname = NULL;

	if (s[0] != 0 || s[ssz - 1] != 0 || tbl_le32(t->sec[TBL_S_LISTS]) != 0)
		return ECTLS_ERR_RECORD;
	if (!stroff_ok(t, tbl_le32(t->base + TBL_H_SCHEMA)))
		return ECTLS_ERR_RECORD;
	t->schema = (const char *)s + tbl_le32(t->base + TBL_H_SCHEMA);
	for (i = 0; i < t->nprov; i++) {
		p = t->sec[TBL_S_PROV] + (uint64_t)i * TBL_PROV_SIZE;
		for (f = 0; f < ECTLS_NFIELDS; f++) {
			v = tbl_le32(p + 8 * f);
			lvl = p[TBL_V_LEVELS + f];
			if (!stroff_ok(t, v) ||
			    (lvl & ~TBL_V_REL) >= ECTLS_LVL__COUNT ||
			    (lvl == ECTLS_LVL_DEFAULT &&
			    (v != 0 || tbl_le32(p + 8 * f + 4) != 0)) ||
			    lvl == (ECTLS_LVL_DEFAULT | TBL_V_REL))
				return ECTLS_ERR_RECORD;
		}
		if (p[TBL_PROV_SIZE - 2] != 0 || p[TBL_PROV_SIZE - 1] != 0)
			return ECTLS_ERR_RECORD;
	}
	for (i = 0; i < t->npol; i++) {
		at = t->secoff[TBL_S_POLICIES] + (uint64_t)i * TBL_POLICY_SIZE;
		p = t->base + at;
		for (f = 0; f < ECTLS_NFIELDS; f++) {
			v = tbl_le32(p + 4 * f);
			switch (fields[f].type) {
			case ECTLS_T_BOOL:
			case ECTLS_T_ENUM:
				if (v >= ectls_value_count((int)f))
					return ECTLS_ERR_RECORD;
				break;
			case ECTLS_T_STR:
				if (!stroff_ok(t, v))
					return ECTLS_ERR_RECORD;
				break;
			case ECTLS_T_LIST:
				if (check_list(t, v) != 0)
					return ECTLS_ERR_RECORD;
				break;
			default:
				break;
			}
		}
		if ((tbl_le32(p + TBL_P_PROTO) & ~ECTLS_PROTO_ALL) != 0 ||
		    tbl_le32(p + TBL_P_PROV) >= t->nprov || !check_dist(t, at, p))
			return ECTLS_ERR_RECORD;
	}
	for (i = 0; i < t->nbind; i++) {
		p = bind_ent(t, i);
		v = tbl_le32(p + TBL_B_NAME);
		n = tbl_le32(p + TBL_B_LEN);
		if (v == 0 || !stroff_ok(t, v) || n == 0 ||
		    n > ECTLS_BINDING_MAX || n > ssz - 1 - v)
			return ECTLS_ERR_RECORD;
		name = (const char *)s + v;
		/* Sorted by name, so each name once. */
		if (strlen(name) != n || (pname != NULL &&
		    (memcmp(pname, name, prev < n ? prev : n) > 0 ||
		    (memcmp(pname, name, prev < n ? prev : n) == 0 &&
		    prev >= n))))
			return ECTLS_ERR_RECORD;
		pname = name;
		prev = n;
		if (!ref_ok(t, t->secoff[TBL_S_BINDINGS] +
		    (uint64_t)i * TBL_BIND_SIZE + TBL_B_REF) ||
		    tbl_le32(p + TBL_B_RXFIRST) > t->nregex ||
		    tbl_le32(p + TBL_B_RXCOUNT) > t->nregex -
		    tbl_le32(p + TBL_B_RXFIRST))
			return ECTLS_ERR_RECORD;
	}
	name = bind_name(t, t->defbind);
	if (strcmp(name, "default") != 0)
		return ECTLS_ERR_NO_DEFAULT;
	t->defhash = tbl_hash_name("default", 7, t->seed);
	/* The binding hash: every binding once, so empty slots remain. */
	slots = t->sec[TBL_S_BINDINGS] + (uint64_t)t->nbind * TBL_BIND_SIZE;
	for (i = 0, used = 0; i < t->bhcap; i++) {
		v = tbl_le32(slots + 4 * (uint64_t)i);
		if ((v & 0xffff) > t->nbind || (v != 0 && (v & 0xffff) == 0))
			return ECTLS_ERR_RECORD;
		used += v != 0;
	}
	if (used != t->nbind)
		return ECTLS_ERR_RECORD;
	for (i = 0; i < t->nregex; i++) {
		at = t->secoff[TBL_S_REGEX] + (uint64_t)i * TBL_REGEX_SIZE;
		p = t->base + at;
		v = tbl_le32(p + TBL_X_PATTERN);
		if (v == 0 || !stroff_ok(t, v) || s[v] == 0 ||
		    tbl_le32(p + TBL_X_LEVEL) >= ECTLS_LVL__COUNT ||
		    !ref_ok(t, at + TBL_X_REF))
			return ECTLS_ERR_RECORD;
	}
	for (i = 0; i < t->nfiles; i++) {
		p = t->sec[TBL_S_FILES] + (uint64_t)i * TBL_FILE_SIZE;
		v = tbl_le32(p);
		if (v == 0 || !stroff_ok(t, v) || tbl_le32(p + 4) != 0)
			return ECTLS_ERR_RECORD;
	}
	for (i = 0; i < t->nlogfmt; i++) {
		p = t->sec[TBL_S_LOGFMT] + (uint64_t)i * TBL_LOGFMT_SIZE;
		v = tbl_le32(p);
		if (v == 0 || !stroff_ok(t, v) || !stroff_ok(t, tbl_le32(p + 4)))
			return ECTLS_ERR_RECORD;
	}
	return 0;
}

static void
table_free(struct ectls_table *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	if (t->mut != NULL) {
		if (t->mut->rx != NULL) {
			for (i = 0; i < t->nregex; i++)
				pcre2_code_free(t->mut->rx[i]);
			free(t->mut->rx);
		}
		free(t->mut->blk_ok);
		free(t->mut);
	}
	if (t->mapped && t->base != NULL)
		munmap((void *)(uintptr_t)t->base, t->size);
	free(t);
}

static struct ectls_table *
open_common(const uint8_t *base, size_t size, int mapped, int *err)
{
	struct ectls_table *t;
	int rc;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		if (mapped)
			munmap((void *)(uintptr_t)base, size);
		rc = ECTLS_ERR_NOMEM;
		goto fail;
	}
	t->base = base;
	t->size = size;
	t->mapped = mapped;
	if ((rc = check_header(base, size)) != 0 ||
	    (rc = check_layout(t)) != 0 || (rc = check_counts(t)) != 0 ||
	    (rc = check_records(t)) != 0)
		goto fail;
	rc = ECTLS_ERR_NOMEM;
	if ((t->mut = calloc(1, sizeof(*t->mut))) == NULL ||
	    (t->mut->blk_ok = calloc(t->nblocks, 1)) == NULL ||
	    (t->nregex > 0 &&
	    (t->mut->rx = calloc(t->nregex, sizeof(*t->mut->rx))) == NULL))
		goto fail;
	if (err != NULL)
		*err = 0;
	return t;
fail:
	table_free(t);
	if (err != NULL)
		*err = rc;
	return NULL;
}

struct ectls_table *
ectls_open_mem(const void *buf, size_t len, int *err)
{
	if (buf == NULL && len > 0) {
		if (err != NULL)
			*err = ECTLS_ERR_ARG;
		return NULL;
	}
	return open_common(buf != NULL ? buf : (const void *)"", len, 0, err);
}

struct ectls_table *
ectls_open(const char *path, int *err)
{
	struct stat st;
	void *p;
	int fd, saved;

	if (path == NULL) {
		if (err != NULL)
			*err = ECTLS_ERR_ARG;
		return NULL;
	}
	/* O_NONBLOCK: a FIFO without a writer must not block the open; a
	 * table is a regular file (it is mapped), so nothing else reads. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		goto sys;
	if (fstat(fd, &st) == -1)
		goto sysclose;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto sysclose;
	}
	if (st.st_size < (off_t)TBL_HEADER_SIZE) {
		/* Too short to map usefully: report what the bytes are. */
		uint8_t small[TBL_HEADER_SIZE];
		ssize_t n = read(fd, small, sizeof(small));

		close(fd);
		if (n < 0)
			goto sys;
		/* Always fails (shorter than a header), with the right code. */
		return open_common(small, (size_t)n, 0, err);
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto sysclose;
	close(fd);
	return open_common(p, (size_t)st.st_size, 1, err);
sysclose:
	saved = errno;
	close(fd);
	errno = saved;
sys:
	if (err != NULL)
		*err = ECTLS_ERR_SYS;
	return NULL;
}

void
ectls_close(struct ectls_table *t)
{
	table_free(t);
}

/* ---- regexes ---------------------------------------------------------- */

static pcre2_code *
rx_get(const struct ectls_table *t, uint32_t i, int *rc)
{
	pcre2_code *code, *prev = NULL;
	const uint8_t *p = t->sec[TBL_S_REGEX] + (uint64_t)i * TBL_REGEX_SIZE;
	PCRE2_SPTR pat = (PCRE2_SPTR)t->sec[TBL_S_STRINGS] + tbl_le32(p);
	PCRE2_SIZE eoff;
	int ecode;

	if ((code = __atomic_load_n(&t->mut->rx[i], __ATOMIC_ACQUIRE)) != NULL)
		return code;
	code = pcre2_compile(pat, PCRE2_ZERO_TERMINATED, PCRE2_CASELESS,
	    &ecode, &eoff, NULL);
	if (code == NULL) {
		*rc = ECTLS_ERR_REGEX;
		return NULL;
	}
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	if (!__atomic_compare_exchange_n(&t->mut->rx[i], &prev, code, 0,
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		pcre2_code_free(code);	/* another thread was first */
		code = prev;
	}
	return code;
}

/*
 * PCRE2 needs match data; lookups allocate nothing, so it comes from an
 * arena on the stack.  The interpreter (no JIT) keeps its backtracking
 * frames there too, bounded by the heap limit below.
 */
#define RX_ARENA	(48 * 1024)

struct arena {
	uint8_t	*buf;
	size_t	 cap, used;
};

static void *
ar_malloc(PCRE2_SIZE n, void *cookie)
{
	struct arena *a = cookie;
	size_t at = (a->used + 15) & ~(size_t)15;
	void *p;

	if (at > a->cap || n > a->cap - at)
		return NULL;
	p = a->buf + at;
	a->used = at + n;
	return p;
}

static void
ar_free(void *p, void *cookie)
{
}

/* 1 match, 0 no match, or an ectls_err code (> 1). */
static int __attribute__((noinline))
rx_match(const struct ectls_table *t, uint32_t i, const char *dom,
    size_t dlen)
{
	_Alignas(16) uint8_t mem[RX_ARENA];
	struct arena a = { .buf = mem, .cap = sizeof(mem), .used = 0 };
	pcre2_general_context *g;
	pcre2_match_context *mc;
	pcre2_match_data *md;
	pcre2_code *code;
	int rc = 0;

	if ((code = rx_get(t, i, &rc)) == NULL)
		return rc;
	if ((g = pcre2_general_context_create(ar_malloc, ar_free, &a)) == NULL ||
	    (mc = pcre2_match_context_create(g)) == NULL ||
	    (md = pcre2_match_data_create(1, g)) == NULL)
		return ECTLS_ERR_NOMEM;
	pcre2_set_heap_limit(mc, (RX_ARENA - 4096) / 1024);
	pcre2_set_match_limit(mc, 1000000);
	rc = pcre2_match(code, (PCRE2_SPTR)dom, dlen, 0, 0, md, mc);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return ECTLS_ERR_REGEX;
}

/* ---- lookup ----------------------------------------------------------- */

static const struct ectls_policy *
lookup_fail(int *err, int rc)
{
	if (err != NULL)
		*err = rc;
	return NULL;
}

/*
 * Canonical length of a domain of n bytes (trailing dot dropped), or -1 to
 * skip domains.
 */
static inline int
canon_len(const char *d, size_t n)
{
	if (d == NULL)
		return -1;
	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0 || n > ECTLS_DOMAIN_MAX)
		return -1;
	return (int)n;
}

static inline const struct ectls_policy *
as_policy(const uint8_t *ref)
{
	return (const struct ectls_policy *)(const void *)ref;
}

static inline void
match_init(struct ectls_match *m, int how)
{
	m->how = how;
	m->via_default = 0;
	m->regex_pos = 0;
	m->pattern = NULL;
	m->regex_level = 0;
}

/*
 * The rest of a lookup once the exact key missed (or could not be asked):
 * the binding's entry (hb its tbl_hash_name(), b_ok whether binding is
 * usable), "default" for an unknown binding, the regexes, the binding's
 * record.  Out of line, so the exact hit path stays small.
 */
static const struct ectls_policy * __attribute__((noinline))
lookup_rest(const struct ectls_table *t, const char *binding, size_t blen,
    uint64_t hb, int b_ok, const char *domain, int dlen,
    struct ectls_match *m, int *err)
{
	const uint8_t *ref, *be, *p;
	struct ectls_match mm;
	uint32_t i, slot, first, count;
	int rc, b = -1;

	if (m == NULL)
		m = &mm;
	match_init(m, ECTLS_HOW_BINDING);
	if (b_ok)
		b = find_binding(t, binding, blen, hb);
	if (b < 0) {
		m->via_default = 1;
		b = (int)t->defbind;
		if (dlen > 0) {
			rc = find(t, t->defhash, (const uint8_t *)"default", 7,
			    (const uint8_t *)domain, (uint32_t)dlen, &ref,
			    &slot);
			if (rc == 1) {
				m->how = ECTLS_HOW_EXACT;
				return as_policy(ref);
			}
			if (rc != 0)
				return lookup_fail(err, rc);
		}
	}
	be = bind_ent(t, (uint32_t)b);
	if (dlen > 0) {
		/* Regexes are caseless: the domain needs no folding. */
		first = tbl_le32(be + TBL_B_RXFIRST);
		count = tbl_le32(be + TBL_B_RXCOUNT);
		/* A NUL (ectls_lookupn) would let a regex see past it. */
		if (count > 0 && memchr(domain, 0, (size_t)dlen) != NULL)
			count = 0;
		for (i = 0; i < count; i++) {
			p = t->sec[TBL_S_REGEX] +
			    (uint64_t)(first + i) * TBL_REGEX_SIZE;
			rc = rx_match(t, first + i, domain, (size_t)dlen);
			if (rc == 0)
				continue;
			if (rc != 1)
				return lookup_fail(err, rc);
			m->how = ECTLS_HOW_REGEX;
			m->regex_pos = i;
			m->pattern = (const char *)t->sec[TBL_S_STRINGS] +
			    tbl_le32(p + TBL_X_PATTERN);
			m->regex_level = (int)tbl_le32(p + TBL_X_LEVEL);
			return as_policy(p + TBL_X_REF);
		}
	}
	return as_policy(be + TBL_B_REF);
}

/*
 * The lookup, with the lengths of binding (bn) and domain (dn) known;
 * inlined into every entry point, so the plain lookup carries no match
 * bookkeeping.
 */
static inline __attribute__((always_inline)) const struct ectls_policy *
lookup(const struct ectls_table *t, const char *binding, size_t bn,
    const char *domain, size_t dn, struct ectls_match *m, int *err)
{
	const uint8_t *ref;
	uint32_t slot;
	uint64_t hb = 0;
	size_t blen = 0;
	int dlen, rc, b_ok = 0;

	if (t == NULL)
		return lookup_fail(err, ECTLS_ERR_ARG);
	if ((rc = __atomic_load_n(&t->mut->err, __ATOMIC_ACQUIRE)) != 0)
		return lookup_fail(err, rc);
	dlen = canon_len(domain, dn);
	if (binding != NULL && bn > 0 && bn <= ECTLS_BINDING_MAX) {
		/* The exact key first: a hit needs no binding entry. */
		b_ok = 1;
		blen = bn;
		hb = tbl_hash_name(binding, blen, t->seed);
		if (dlen > 0) {
			rc = find(t, hb, (const uint8_t *)binding,
			    (uint32_t)blen, (const uint8_t *)domain,
			    (uint32_t)dlen, &ref, &slot);
			if (rc == 1) {
				if (m != NULL)
					match_init(m, ECTLS_HOW_EXACT);
				return as_policy(ref);
			}
			if (rc != 0)
				return lookup_fail(err, rc);
		}
	}
	return lookup_rest(t, binding, blen, hb, b_ok, domain, dlen, m, err);
}

/* Lengths of NUL-terminated arguments, bounded just past what can match. */
static inline size_t
blen_of(const char *binding)
{
	return binding != NULL ? strnlen(binding, ECTLS_BINDING_MAX + 1) : 0;
}

static inline size_t
dlen_of(const char *domain)
{
	return domain != NULL ? strnlen(domain, ECTLS_DOMAIN_MAX + 2) : 0;
}

const struct ectls_policy *
ectls_lookup_ex(const struct ectls_table *t, const char *binding,
    const char *domain, struct ectls_match *m, int *err)
{
	return lookup(t, binding, blen_of(binding), domain, dlen_of(domain),
	    m, err);
}

const struct ectls_policy *
ectls_lookup(const struct ectls_table *t, const char *binding,
    const char *domain)
{
	return lookup(t, binding, blen_of(binding), domain, dlen_of(domain),
	    NULL, NULL);
}

const struct ectls_policy *
ectls_lookupn(const struct ectls_table *t, const char *binding,
    size_t blen, const char *domain, size_t dlen)
{
	return lookup(t, binding, blen, domain, dlen, NULL, NULL);
}

/* ---- policy accessors --------------------------------------------------- */

/* The policy record a reference names (checked when it was handed out). */
static inline const uint8_t *
prec(const struct ectls_policy *p)
{
	const uint8_t *r = (const uint8_t *)(const void *)p;

	return r - 4 * (uint64_t)tbl_le32(r);
}

static inline uint32_t
pval(const struct ectls_policy *p, int f)
{
	return tbl_le32(prec(p) + 4 * (unsigned)f);
}

static inline int
ftype(int f)
{
	return f >= 0 && f < ECTLS_NFIELDS ? fields[f].type : -1;
}

/* The fields ectls_policy_num() reads: BOOL, ENUM and UINT, one bit each. */
#define X(up, low, ty)	| (ECTLS_T_##ty == ECTLS_T_BOOL ||		\
	ECTLS_T_##ty == ECTLS_T_ENUM || ECTLS_T_##ty == ECTLS_T_UINT ?	\
	(uint32_t)1 << ECTLS_F_##up : 0)
static const uint32_t num_fields = 0 ECTLS_FIELDS(X);
#undef X

uint32_t
ectls_policy_num(const struct ectls_policy *p, int f)
{
	if (p == NULL || (unsigned)f >= ECTLS_NFIELDS ||
	    !((num_fields >> f) & 1))
		return 0;
	return pval(p, f);
}

const char *
ectls_policy_str(const struct ectls_policy *p, int f)
{
	const uint8_t *r;
	uint32_t off;

	if (p == NULL || ftype(f) != ECTLS_T_STR || (off = pval(p, f)) == 0)
		return NULL;
	r = prec(p);
	return (const char *)r - tbl_le32(r + TBL_P_TO_STRINGS) + off;
}

static const uint8_t *
plist(const struct ectls_policy *p, int f, uint32_t *n)
{
	const uint8_t *r, *w;
	uint32_t at;

	*n = 0;
	if (p == NULL || ftype(f) != ECTLS_T_LIST || (at = pval(p, f)) == 0)
		return NULL;
	r = prec(p);
	w = r - tbl_le32(r + TBL_P_TO_LISTS) + 4 * (uint64_t)at;
	*n = tbl_le32(w);
	return w + 4;
}

size_t
ectls_policy_list_len(const struct ectls_policy *p, int f)
{
	uint32_t n;

	(void)plist(p, f, &n);
	return n;
}

const char *
ectls_policy_list_item(const struct ectls_policy *p, int f, size_t i)
{
	const uint8_t *w, *r;
	uint32_t n;

	if ((w = plist(p, f, &n)) == NULL || i >= n)
		return NULL;
	r = prec(p);
	return (const char *)r - tbl_le32(r + TBL_P_TO_STRINGS) +
	    tbl_le32(w + 4 * i);
}

uint32_t
ectls_policy_protocols(const struct ectls_policy *p)
{
	return p == NULL ? 0 : tbl_le32(prec(p) + TBL_P_PROTO);
}

void
ectls_policy_prov(const struct ectls_policy *p, int f, struct ectls_prov *pv)
{
	const uint8_t *r, *v;
	uint32_t off, lvl;

	memset(pv, 0, sizeof(*pv));
	if (p == NULL || f < 0 || f >= ECTLS_NFIELDS)
		return;
	r = prec(p);
	v = r - tbl_le32(r + TBL_P_TO_PROV) +
	    (uint64_t)tbl_le32(r + TBL_P_PROV) * TBL_PROV_SIZE;
	off = tbl_le32(v + 8 * f);
	pv->file = off == 0 ? NULL :
	    (const char *)r - tbl_le32(r + TBL_P_TO_STRINGS) + off;
	pv->line = tbl_le32(v + 8 * f + 4);
	lvl = v[TBL_V_LEVELS + f];
	if (lvl & TBL_V_REL)
		pv->line += tbl_le32((const uint8_t *)(const void *)p + 4);
	pv->level = (int)(lvl & ~TBL_V_REL);
}

int
ectls_policy_is_set(const struct ectls_policy *p, int f)
{
	struct ectls_prov pv;

	ectls_policy_prov(p, f, &pv);
	return pv.level != ECTLS_LVL_DEFAULT;
}

uint32_t
ectls_policy_index(const struct ectls_policy *p)
{
	return p == NULL ? 0 :
	    tbl_le32(prec(p) + TBL_P_TO_POLICIES) / TBL_POLICY_SIZE;
}

/* ---- iteration and table data ------------------------------------------ */

void
ectls_iter_init(struct ectls_iter *it)
{
	memset(it, 0, sizeof(*it));
}

int
ectls_iter_next(const struct ectls_table *t, struct ectls_iter *it,
    struct ectls_entry *e)
{
	struct kent k;
	const uint8_t *p, *be;
	int rc;

	if (t == NULL)
		return -ECTLS_ERR_ARG;
	if ((rc = __atomic_load_n(&t->mut->err, __ATOMIC_ACQUIRE)) != 0)
		return -rc;
	memset(e, 0, sizeof(*e));
	if (it->rx_next < it->rx_end) {
		/* bind_pos < nbind and the run were checked on open. */
		be = bind_ent(t, (uint32_t)it->bind_pos);
		p = t->sec[TBL_S_REGEX] + (uint64_t)it->rx_next * TBL_REGEX_SIZE;
		e->kind = ECTLS_ENTRY_REGEX;
		e->binding = bind_name(t, (uint32_t)it->bind_pos);
		e->domain = (const char *)t->sec[TBL_S_STRINGS] +
		    tbl_le32(p + TBL_X_PATTERN);
		e->regex_pos = it->rx_next - tbl_le32(be + TBL_B_RXFIRST);
		e->regex_level = (int)tbl_le32(p + TBL_X_LEVEL);
		e->policy = as_policy(p + TBL_X_REF);
		it->rx_next++;
		return 1;
	}
	if (it->pos < t->nbind) {
		be = bind_ent(t, (uint32_t)it->pos);
		e->kind = ECTLS_ENTRY_BINDING;
		e->binding = bind_name(t, (uint32_t)it->pos);
		e->policy = as_policy(be + TBL_B_REF);
		it->bind_pos = it->pos;
		it->rx_next = tbl_le32(be + TBL_B_RXFIRST);
		it->rx_end = it->rx_next + tbl_le32(be + TBL_B_RXCOUNT);
		it->pos++;
		return 1;
	}
	/* The key slots, skipping empty ones. */
	for (;;) {
		if (it->pos >= (uint64_t)t->nbind + 3 * (uint64_t)t->r)
			return 0;
		if ((rc = kent_read(t, (uint32_t)(it->pos - t->nbind),
		    &k)) != 0)
			return -rc;
		if (k.dlen != 0)
			break;
		it->pos++;
	}
	e->kind = ECTLS_ENTRY_EXACT;
	e->binding = bind_name(t, k.bind);
	e->domain = (const char *)k.dom;
	e->policy = as_policy(k.rec);
	it->pos++;
	return 1;
}

int
ectls_check(const struct ectls_table *t)
{
	struct kent k;
	const uint8_t *ref, *line, *p;
	uint64_t b;
	uint32_t i, j, used = 0, n, first, cnt, slot, blen;
	uint8_t *seen = NULL;
	const char *name;
	int rc;

	if (t == NULL)
		return ECTLS_ERR_ARG;
	if ((rc = __atomic_load_n(&t->mut->err, __ATOMIC_ACQUIRE)) != 0)
		return rc;
	for (b = 0; b < t->nblocks; b++)
		if ((rc = verify_block(t, b)) != 0)
			return rc;
	/* Reserved bytes, and no key on a vertex past 3r. */
	for (i = 0; i < t->nlines; i++) {
		line = t->sec[TBL_S_G] + (uint64_t)i * TBL_G_LINE;
		for (j = TBL_G_END; j < TBL_G_LINE; j++)
			if (line[j] != 0)
				return sticky(t, ECTLS_ERR_INDEX);
		n = i + 1 < t->nlines ? TBL_G_PER_LINE :
		    3 * t->r - i * TBL_G_PER_LINE;
		for (j = 0; j < TBL_G_PER_LINE; j++) {
			unsigned gv = tbl_g(line, j);

			/* No key past 3r; no fingerprint without a key. */
			if ((j >= n && gv != 3) ||
			    (gv == 3 && line[TBL_G_FP + j] != 0))
				return sticky(t, ECTLS_ERR_INDEX);
			used += gv != 3;
		}
	}
	if (used != t->nkeys)
		return sticky(t, ECTLS_ERR_INDEX);
	for (i = 0; i < 3 * t->r; i++) {
		if ((rc = kent_read(t, i, &k)) != 0)
			return rc;
		/* A slot is used exactly when its vertex holds a key. */
		line = t->sec[TBL_S_G] + (uint64_t)(i / TBL_G_PER_LINE) *
		    TBL_G_LINE;
		if ((k.dlen == 0) != (tbl_g(line, i % TBL_G_PER_LINE) == 3))
			return sticky(t, ECTLS_ERR_INDEX);
		if (k.dlen == 0)
			continue;
		/*
		 * Canonical (no trailing dot, no NUL inside; upper case would
		 * not be found below), found in its own slot.
		 */
		if (memchr(k.dom, 0, k.dlen) != NULL ||
		    k.dom[k.dlen - 1] == '.')
			return sticky(t, ECTLS_ERR_INDEX);
		name = bind_name(t, k.bind);
		blen = (uint32_t)strlen(name);
		rc = find(t, tbl_hash_name(name, blen, t->seed),
		    (const uint8_t *)name, blen, k.dom, k.dlen, &ref, &slot);
		if (rc > 1)
			return rc;
		if (rc != 1 || slot != i)
			return sticky(t, ECTLS_ERR_INDEX);
		/* The unused bytes of the key area are zero. */
		p = k.rec + TBL_REC_KEY;
		if (!(k.flags & TBL_KF_LONG)) {
			for (j = k.dlen; j < TBL_AREA; j++)
				if (p[j] != 0)
					return sticky(t, ECTLS_ERR_INDEX);
		} else if (memcmp(p, k.dom, TBL_PREFIX) != 0)
			return sticky(t, ECTLS_ERR_INDEX);
	}
	/* Every binding found by name; regex runs disjoint and complete. */
	if (t->nregex > 0 && (seen = calloc(t->nregex, 1)) == NULL)
		return ECTLS_ERR_NOMEM;
	for (i = 0, n = 0; i < t->nbind; i++) {
		name = bind_name(t, i);
		if (find_binding(t, name, strlen(name), tbl_hash_name(name,
		    strlen(name), t->seed)) != (int)i) {
			rc = ECTLS_ERR_RECORD;
			goto out;
		}
		p = bind_ent(t, i);
		first = tbl_le32(p + TBL_B_RXFIRST);
		cnt = tbl_le32(p + TBL_B_RXCOUNT);
		for (j = 0; j < cnt; j++, n++)
			if (seen[first + j]++ != 0) {
				rc = ECTLS_ERR_RECORD;
				goto out;
			}
		if (cnt == 0 && first != 0) {
			rc = ECTLS_ERR_RECORD;
			goto out;
		}
	}
	if (n != t->nregex) {
		rc = ECTLS_ERR_RECORD;
		goto out;
	}
	for (i = 0; i < t->nregex; i++)
		if (rx_get(t, i, &rc) == NULL)
			goto out;
	rc = 0;
out:
	free(seen);
	return rc;
}


const char *
ectls_schema(const struct ectls_table *t)
{
	return t->schema;
}

uint32_t
ectls_format_version(const struct ectls_table *t)
{
	return tbl_le32(t->base + TBL_H_VERSION);
}

size_t
ectls_nkeys(const struct ectls_table *t)
{
	return (size_t)t->nkeys + t->nbind;
}

size_t
ectls_nbindings(const struct ectls_table *t)
{
	return t->nbind;
}

size_t
ectls_npolicies(const struct ectls_table *t)
{
	return t->npol;
}

size_t
ectls_nregex(const struct ectls_table *t)
{
	return t->nregex;
}

size_t
ectls_nfiles(const struct ectls_table *t)
{
	return t->nfiles;
}

int
ectls_file(const struct ectls_table *t, size_t i, const char **path,
    const uint8_t **sha)
{
	const uint8_t *p;

	if (i >= t->nfiles)
		return -1;
	p = t->sec[TBL_S_FILES] + (uint64_t)i * TBL_FILE_SIZE;
	*path = (const char *)t->sec[TBL_S_STRINGS] + tbl_le32(p);
	*sha = p + 8;
	return 0;
}

size_t
ectls_nlogformats(const struct ectls_table *t)
{
	return t->nlogfmt;
}

int
ectls_logformat(const struct ectls_table *t, size_t i, const char **name,
    const char **value)
{
	const uint8_t *p;

	if (i >= t->nlogfmt)
		return -1;
	p = t->sec[TBL_S_LOGFMT] + (uint64_t)i * TBL_LOGFMT_SIZE;
	*name = (const char *)t->sec[TBL_S_STRINGS] + tbl_le32(p);
	*value = (const char *)t->sec[TBL_S_STRINGS] + tbl_le32(p + 4);
	return 0;
}

const char *
ectls_logformat_get(const struct ectls_table *t, const char *name)
{
	const char *n, *v;
	size_t i;

	for (i = 0; i < t->nlogfmt; i++)
		if (ectls_logformat(t, i, &n, &v) == 0 && strcmp(n, name) == 0)
			return v;
	return NULL;
}
