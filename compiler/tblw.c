/* SPDX-License-Identifier: ISC */
/*
 * tblw.c -- the policy table writer (format: runtime/tbl_format.h).
 *
 * Entries are collected with writer-local ids (strings, lists, provenance
 * vectors and policy records are interned as they arrive), then tblw_write
 * sorts the keys, numbers records and strings in the order a walk of the
 * sorted keys first meets them (so the output does not depend on insertion
 * order), builds the BDZ perfect hash with the stable seed sequence 0, 1,
 * 2, ... and lays the file out.  No timestamps, no pointer order.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "crc32c.h"
#include "diag.h"
#include "ectls.h"
#include "tbl_format.h"
#include "tblw.h"

#define ID_NONE		UINT32_MAX


/*
 * A large block (free() it, not zeroed) for the perfect hash's scratch and
 * the file image, which are written at random places: from 2 MB on,
 * aligned to 2 MB and marked for transparent huge pages where the system
 * has them, so that a million keys cost tens of page faults and TLB
 * entries, not tens of thousands.  Only a hint: without it this is
 * malloc().
 */
#define BIG_ALIGN	((size_t)2 << 20)

static void *
big_alloc(size_t n)
{
	void *p;

	if (n < BIG_ALIGN)
		return malloc(n);
	if (posix_memalign(&p, BIG_ALIGN, n) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, n / BIG_ALIGN * BIG_ALIGN, MADV_HUGEPAGE);
#endif
	return p;
}

/* ---- growable byte buffer ---------------------------------------------- */

struct wbuf {
	uint8_t		*p;
	size_t		 len, cap;
};

static int
wb_grow(struct wbuf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (n <= b->cap - b->len)
		return 0;
	if (n > SIZE_MAX / 2 - b->len)
		return -1;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int
wb_add(struct wbuf *b, const void *d, size_t n)
{
	if (wb_grow(b, n) != 0)
		return -1;
	if (n > 0)
		memcpy(b->p + b->len, d, n);
	b->len += n;
	return 0;
}

static int
wb_u32(struct wbuf *b, uint32_t v)
{
	uint8_t x[4];

	tbl_put32(x, v);
	return wb_add(b, x, 4);
}

/* ---- interner: byte strings to dense ids -------------------------------- */

struct intern {
	struct wbuf	 data;
	uint64_t	*off;		/* n + 1 offsets into data */
	uint32_t	 n, ncap;
	uint32_t	*ht;		/* id + 1, open addressing */
	uint32_t	 htcap;		/* power of two */
};

static uint64_t
ihash(const void *p, size_t n)
{
	uint64_t h[2];

	tbl_hash(p, n, 0x5eed, h);
	return h[0];
}

static int
in_rehash(struct intern *in)
{
	uint32_t cap = in->htcap ? in->htcap * 2 : 64, i, j;
	uint32_t *ht;

	if ((ht = calloc(cap, sizeof(*ht))) == NULL)
		return -1;
	for (i = 0; i < in->n; i++) {
		j = (uint32_t)ihash(in->data.p + in->off[i],
		    (size_t)(in->off[i + 1] - in->off[i])) & (cap - 1);
		while (ht[j] != 0)
			j = (j + 1) & (cap - 1);
		ht[j] = i + 1;
	}
	free(in->ht);
	in->ht = ht;
	in->htcap = cap;
	return 0;
}

static int
intern(struct intern *in, const void *p, size_t n, uint32_t *id)
{
	uint32_t j, k;
	uint64_t *off;

	if (in->off == NULL) {
		if ((in->off = malloc(16 * sizeof(*in->off))) == NULL)
			return -1;
		in->ncap = 15;
		in->off[0] = 0;
	}
	if (in->htcap == 0 || (uint64_t)(in->n + 1) * 2 > in->htcap)
		if (in_rehash(in) != 0)
			return -1;
	j = (uint32_t)ihash(p, n) & (in->htcap - 1);
	while ((k = in->ht[j]) != 0) {
		k--;
		if (in->off[k + 1] - in->off[k] == n &&
		    memcmp(in->data.p + in->off[k], p, n) == 0) {
			*id = k;
			return 0;
		}
		j = (j + 1) & (in->htcap - 1);
	}
	if (in->n == UINT32_MAX - 1)
		return -1;
	if (in->n == in->ncap) {
		if ((off = realloc(in->off, (2 * (size_t)in->ncap + 1) *
		    sizeof(*off))) == NULL)
			return -1;
		in->off = off;
		in->ncap *= 2;
	}
	if (wb_add(&in->data, p, n) != 0)
		return -1;
	in->off[in->n + 1] = in->data.len;
	in->ht[j] = in->n + 1;
	*id = in->n++;
	return 0;
}

/* 0 and *id if the bytes were interned, else -1. */
static int
in_find(const struct intern *in, const void *p, size_t n, uint32_t *id)
{
	uint32_t j, k;

	if (in->htcap == 0)
		return -1;
	j = (uint32_t)ihash(p, n) & (in->htcap - 1);
	while ((k = in->ht[j]) != 0) {
		k--;
		if (in->off[k + 1] - in->off[k] == n &&
		    memcmp(in->data.p + in->off[k], p, n) == 0) {
			*id = k;
			return 0;
		}
		j = (j + 1) & (in->htcap - 1);
	}
	return -1;
}

static const uint8_t *
in_get(const struct intern *in, uint32_t id, size_t *n)
{
	*n = (size_t)(in->off[id + 1] - in->off[id]);
	return in->data.p + in->off[id];
}

static void
in_free(struct intern *in)
{
	free(in->data.p);
	free(in->off);
	free(in->ht);
}

/* ---- the writer ---------------------------------------------------------- */

/* An exact key or a binding's own record (dlen 0). */
struct went {
	uint64_t	 prefix;	/* first 8 domain bytes, big-endian */
	uint64_t	 dom;		/* offset in w->doms */
	uint32_t	 bind;		/* binding id, then its rank */
	uint32_t	 pol;
	uint32_t	 base;		/* line base of relative provenance */
	uint8_t		 dlen;
};

struct wrx {
	uint32_t	 bind, pat, pol, level, base;
};

struct wfile {
	uint32_t	 path;
	uint8_t		 sha[32];
};

struct wlog {
	uint32_t	 name, value;
};

struct tblw {
	struct diag	*d;
	uint32_t	 schema;	/* string id */
	struct intern	 strs;		/* value strings, files, patterns */
	struct intern	 binds;		/* binding names */
	struct intern	 lists;		/* u32 string ids */
	struct intern	 provs;		/* serialised provenance */
	struct intern	 pols;		/* serialised policy records */
	struct wbuf	 doms;		/* domain bytes */
	struct went	*ents;
	size_t		 nents, cap;
	struct wrx	*rx;
	size_t		 nrx, rxcap;
	struct wfile	*files;
	size_t		 nfiles, fcap;
	struct wlog	*logs;
	size_t		 nlogs, lcap;
	/*
	 * Memos for the many calls that repeat the previous answer, each
	 * checked against the bytes it stands for (a caller may reuse a
	 * buffer): string ids by address, the last binding, the last
	 * provenance; field types and value counts looked up once.
	 */
	struct {
		const char	*s;
		uint32_t	 id, len;
	}		 smemo[64];
	int		 stable;	/* tblw_strings_stable() */
	const char	*last_bind;
	uint32_t	 last_bid, last_blen;
	int		 last_prov_ok;
	uint32_t	 last_prov_id;
	uint8_t		 ftype[ECTLS_NFIELDS];
	uint32_t	 fcount[ECTLS_NFIELDS];
};

/* Writer-local serialised policy: 30 values, protocols, prov id. */
#define WPOL_WORDS	(ECTLS_NFIELDS + 2)
/* Writer-local provenance: per field file id + 1, line, level. */
#define WPROV_WORDS	(3 * ECTLS_NFIELDS)

static int
werr(struct tblw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
werr(struct tblw *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)diag_vadd(w->d, DIAG_ERROR, "table-write", NULL, fmt, ap);
	va_end(ap);
	return -1;
}

static int
nomem(struct tblw *w)
{
	return werr(w, "policy table: out of memory");
}

static int
grow(void *pp, size_t *cap, size_t n, size_t sz)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	if (c > SIZE_MAX / sz)
		return -1;
	if ((p = realloc(*(void **)pp, c * sz)) == NULL)
		return -1;
	*(void **)pp = p;
	*cap = c;
	return 0;
}

/*
 * The id of string s.  The memo is keyed by address, and a hit still
 * compares the interned bytes and the NUL after them with s, so it is only
 * a faster way to the same answer; unless the caller has promised that its
 * strings do not change (tblw_strings_stable()).  That hit is the common
 * case of every policy's strings, hence inline; the rest is apart.
 */
static int	str_id_memo(struct tblw *, const char *, unsigned, uint32_t *);

static inline int
str_id(struct tblw *w, const char *s, uint32_t *id)
{
	unsigned k = (unsigned)((uintptr_t)s >> 3 ^ (uintptr_t)s >> 9) & 63;

	if (w->smemo[k].s == s && w->stable) {
		*id = w->smemo[k].id;
		return 0;
	}
	return str_id_memo(w, s, k, id);
}

static int
str_id_memo(struct tblw *w, const char *s, unsigned k, uint32_t *id)
{
	const uint8_t *q;
	size_t n;

	if (w->smemo[k].s == s) {
		q = in_get(&w->strs, w->smemo[k].id, &n);
		if (memcmp(q, s, n) == 0 && s[n] == '\0') {
			*id = w->smemo[k].id;
			return 0;
		}
	}
	n = strlen(s);
	if (intern(&w->strs, s, n, id) != 0)
		return -1;
	w->smemo[k].s = s;
	w->smemo[k].id = *id;
	return 0;
}

void
tblw_policy_init(struct tblw_policy *p)
{
	static const uint32_t def[ECTLS_NFIELDS] = {
		[ECTLS_F_TLS] = ECTLS_TLS_NO,
		[ECTLS_F_TLS_IFAVAILABLE_FALLBACK] = 1,
		[ECTLS_F_TLS_VERIFY] = ECTLS_VERIFY_NO,
		[ECTLS_F_TLS_ENGINE] = ECTLS_ENGINE_OPENSSL,
		[ECTLS_F_USE_DANE] = 0,
		[ECTLS_F_ENABLE_DANE] = 1,
		[ECTLS_F_USE_MTA_STS] = 0,
		[ECTLS_F_ENABLE_MTA_STS] = 1,
		[ECTLS_F_REMOTE_SMTP_PORT] = 25,
		[ECTLS_F_CONNECT_TIMEOUT] = 300,
		[ECTLS_F_EHLO_TIMEOUT] = 300,
		[ECTLS_F_MAILFROM_TIMEOUT] = 300,
		[ECTLS_F_RCPTTO_TIMEOUT] = 300,
		[ECTLS_F_DATA_TIMEOUT] = 120,
		[ECTLS_F_BODY_TIMEOUT] = 600,
		[ECTLS_F_RSET_TIMEOUT] = 30,
		[ECTLS_F_IDLE_TIMEOUT] = 5,
		[ECTLS_F_MESSAGE_EXPIRATION] = 86400,
		[ECTLS_F_RETRY_INTERVAL] = 1200,
		[ECTLS_F_MAX_DELIVERIES_PER_CONNECTION] = 0,
	};
	int f;

	memset(p, 0, sizeof(*p));
	for (f = 0; f < ECTLS_NFIELDS; f++) {
		p->f[f].num = def[f];
		p->f[f].level = ECTLS_LVL_DEFAULT;
	}
	p->protocols = ECTLS_PROTO_ALL;
}

int
tblw_protocols_eval(const char *s, uint32_t *mask)
{
	static const struct {
		const char	*name;
		uint32_t	 bits;
	} tok[] = {
		{ "ALL", ECTLS_PROTO_ALL },
		{ "SSLv2", ECTLS_PROTO_SSLV2 },
		{ "SSLv3", ECTLS_PROTO_SSLV3 },
		{ "TLSv1", ECTLS_PROTO_TLSV1_0 },
		{ "TLSv1.0", ECTLS_PROTO_TLSV1_0 },
		{ "TLSv1.1", ECTLS_PROTO_TLSV1_1 },
		{ "TLSv1.2", ECTLS_PROTO_TLSV1_2 },
		{ "TLSv1.3", ECTLS_PROTO_TLSV1_3 },
	};
	uint32_t m = 0;
	size_t n, i;
	int sign;

	if (s == NULL)
		return -1;
	while (*s != '\0') {
		if (*s == ':') {	/* ":ALL:-SSLv3" is tolerated */
			s++;
			continue;
		}
		if (*s != '+' && *s != '-')
			return -1;
		sign = *s++;
		n = strcspn(s, ":");
		for (i = 0; i < sizeof(tok) / sizeof(tok[0]); i++)
			if (strlen(tok[i].name) == n &&
			    strncmp(tok[i].name, s, n) == 0)
				break;
		if (i == sizeof(tok) / sizeof(tok[0]))
			return -1;
		if (sign == '+')
			m |= tok[i].bits;
		else
			m &= ~tok[i].bits;
		s += n;
	}
	*mask = m;
	return 0;
}

struct tblw *
tblw_new(const char *schema, struct diag *d)
{
	struct tblw *w;
	int f;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		(void)diag_add(d, DIAG_ERROR, "table-write", NULL,
		    "policy table: out of memory");
		return NULL;
	}
	w->d = d;
	for (f = 0; f < ECTLS_NFIELDS; f++) {
		w->ftype[f] = (uint8_t)ectls_field_type(f);
		w->fcount[f] = ectls_value_count(f);
	}
	if (str_id(w, schema != NULL ? schema : "", &w->schema) != 0) {
		nomem(w);
		tblw_free(w);
		return NULL;
	}
	return w;
}

void
tblw_set_diag(struct tblw *w, struct diag *d)
{
	w->d = d;
}

void
tblw_strings_stable(struct tblw *w)
{
	w->stable = 1;
}

void
tblw_free(struct tblw *w)
{
	if (w == NULL)
		return;
	in_free(&w->strs);
	in_free(&w->binds);
	in_free(&w->lists);
	in_free(&w->provs);
	in_free(&w->pols);
	free(w->doms.p);
	free(w->ents);
	free(w->rx);
	free(w->files);
	free(w->logs);
	free(w);
}

/*
 * File the first reason, in field order, why p cannot be stored: a level
 * out of range, a BOOL or ENUM value out of range, a NULL list item.
 * Returns -1, or 0 if p has none of these.
 */
static int
policy_invalid(struct tblw *w, const struct tblw_policy *p)
{
	const struct tblw_field *fl;
	size_t i;
	int f;

	for (f = 0; f < ECTLS_NFIELDS; f++) {
		fl = &p->f[f];
		if (fl->level < 0 || fl->level >= ECTLS_LVL__COUNT)
			return werr(w, "policy table: field %s: invalid "
			    "level %d", ectls_field_name(f), fl->level);
		switch (w->ftype[f]) {
		case ECTLS_T_BOOL:
		case ECTLS_T_ENUM:
			if (fl->num >= w->fcount[f])
				return werr(w, "policy table: field %s: "
				    "invalid value %u", ectls_field_name(f),
				    fl->num);
			break;
		case ECTLS_T_LIST:
			for (i = 0; i < fl->nlist; i++)
				if (fl->list[i] == NULL)
					return werr(w, "policy table: field "
					    "%s: NULL list item",
					    ectls_field_name(f));
			break;
		default:
			break;
		}
	}
	return 0;
}

/* The id of a list of strings (its items' string ids, interned). */
static int
list_id(struct tblw *w, const char *const *list, size_t n, uint32_t *id)
{
	uint32_t *items;
	size_t i;

	if (n > UINT32_MAX / 8 || (items = calloc(n, sizeof(*items))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (str_id(w, list[i], &items[i]) != 0) {
			free(items);
			return -1;
		}
	if (intern(&w->lists, items, n * 4, id) != 0) {
		free(items);
		return -1;
	}
	free(items);
	return 0;
}

/*
 * The value word of field f in rec, one function per type (policy_id()
 * calls them through ECTLS_FIELDS, so each call is made for a known field
 * and type).  They return 0, ENC_BAD for a value that cannot be stored
 * (policy_invalid() says why) or ENC_NOMEM.
 */
#define ENC_BAD		1
#define ENC_NOMEM	2

static inline int
enc_UINT(struct tblw *w, const struct tblw_policy *p, int f, uint32_t *rec)
{
	(void)w;
	rec[f] = p->f[f].num;
	return 0;
}

static inline int
enc_ENUM(struct tblw *w, const struct tblw_policy *p, int f, uint32_t *rec)
{
	rec[f] = p->f[f].num;
	return p->f[f].num >= w->fcount[f] ? ENC_BAD : 0;
}

static inline int
enc_BOOL(struct tblw *w, const struct tblw_policy *p, int f, uint32_t *rec)
{
	return enc_ENUM(w, p, f, rec);
}

static inline int
enc_STR(struct tblw *w, const struct tblw_policy *p, int f, uint32_t *rec)
{
	uint32_t sid;

	if (p->f[f].str == NULL)
		return 0;
	if (str_id(w, p->f[f].str, &sid) != 0)
		return ENC_NOMEM;
	rec[f] = sid + 1;
	return 0;
}

static inline int
enc_LIST(struct tblw *w, const struct tblw_policy *p, int f, uint32_t *rec)
{
	const struct tblw_field *fl = &p->f[f];
	uint32_t sid;
	size_t i;

	if (fl->nlist == 0)
		return 0;
	for (i = 0; i < fl->nlist; i++)
		if (fl->list[i] == NULL)
			return ENC_BAD;
	if (list_id(w, fl->list, fl->nlist, &sid) != 0)
		return ENC_NOMEM;
	rec[f] = sid + 1;
	return 0;
}

/* What policy_id() gathers on the fields set somewhere. */
struct provacc {
	const char	*file;		/* the last file seen, and its id */
	uint32_t	 fsid;
	unsigned	 top;		/* the most specific level */
	uint32_t	 lbase;		/* its smallest line */
	int		 set[ECTLS_NFIELDS], nset;
};

/*
 * The provenance words of field f in prov (called like the enc_ ones):
 * nothing for a field at the default.
 */
static inline int
prov_add(struct tblw *w, const struct tblw_policy *p, int f, uint32_t *prov,
    struct provacc *pa)
{
	const struct tblw_field *fl = &p->f[f];
	unsigned lv = (unsigned)fl->level;

	if (lv == ECTLS_LVL_DEFAULT)
		return 0;
	if (lv >= ECTLS_LVL__COUNT)
		return ENC_BAD;
	/* The fields of a policy mostly come from one file. */
	if (fl->file != NULL) {
		if (fl->file != pa->file) {
			if (str_id(w, fl->file, &pa->fsid) != 0)
				return ENC_NOMEM;
			pa->file = fl->file;
		}
		prov[3 * f] = pa->fsid + 1;
	}
	prov[3 * f + 1] = fl->line;
	prov[3 * f + 2] = lv;
	pa->set[pa->nset++] = f;
	if (lv < pa->top || (lv == pa->top && fl->line < pa->lbase)) {
		pa->top = lv;
		pa->lbase = fl->line;
	}
	return 0;
}

/*
 * Serialise and intern a policy with writer-local ids.  The provenance of
 * the fields at the policy's most specific level is stored relative to
 * *base, the smallest line among them (tbl_format.h, PROV), so policies
 * whose stanzas differ only in where they sit share one record.
 *
 * Every entry of a table passes through here, so the fields are taken
 * one by one through ECTLS_FIELDS (each call for a known field and type:
 * no loop, no type dispatch), the checks only raise a flag, and a policy
 * that fails them is walked again for the message of its first bad field
 * (policy_invalid()).
 */
static int
policy_id(struct tblw *w, const struct tblw_policy *p, uint32_t *id,
    uint32_t *base)
{
	uint32_t rec[WPOL_WORDS], prov[WPROV_WORDS], sid;
	struct provacc pa = { .top = ECTLS_LVL__COUNT, .lbase = UINT32_MAX };
	int k, r = 0;
	size_t i;

	memset(rec, 0, sizeof(rec));
	memset(prov, 0, sizeof(prov));
	if ((p->protocols & ~ECTLS_PROTO_ALL) != 0)
		return werr(w, "policy table: invalid protocol set 0x%x",
		    p->protocols);
#define X(up, low, ty)	r |= enc_##ty(w, p, ECTLS_F_##up, rec);
	ECTLS_FIELDS(X)
#undef X
#define X(up, low, ty)	r |= prov_add(w, p, ECTLS_F_##up, prov, &pa);
	ECTLS_FIELDS(X)
#undef X
	if (r & ENC_BAD)
		return policy_invalid(w, p) != 0 ? -1 :
		    werr(w, "policy table: invalid policy");
	if (r & ENC_NOMEM)
		return nomem(w);
	/* Lines of the most specific level are kept relative to its first. */
	if (pa.top == ECTLS_LVL__COUNT)
		pa.lbase = 0;
	*base = pa.lbase;
	for (k = 0; k < pa.nset; k++)
		if (prov[3 * pa.set[k] + 2] == pa.top) {
			prov[3 * pa.set[k] + 1] -= pa.lbase;
			prov[3 * pa.set[k] + 2] |= TBL_V_REL;
		}
	/* Neighbouring keys mostly share their provenance. */
	if (w->last_prov_ok && memcmp(in_get(&w->provs, w->last_prov_id,
	    &i), prov, sizeof(prov)) == 0)
		sid = w->last_prov_id;
	else {
		if (intern(&w->provs, prov, sizeof(prov), &sid) != 0)
			return nomem(w);
		w->last_prov_ok = 1;
		w->last_prov_id = sid;
	}
	rec[ECTLS_NFIELDS] = p->protocols;
	rec[ECTLS_NFIELDS + 1] = sid;
	if (intern(&w->pols, rec, sizeof(rec), id) != 0)
		return nomem(w);
	return 0;
}

/* The first 8 bytes of a key (zero-padded), big-endian: sorts as memcmp. */
static uint64_t
key_prefix(const char *d, size_t n)
{
	uint8_t b[8] = { 0 };

	memcpy(b, d, n < 8 ? n : 8);
	return (uint64_t)b[0] << 56 | (uint64_t)b[1] << 48 |
	    (uint64_t)b[2] << 40 | (uint64_t)b[3] << 32 |
	    (uint64_t)b[4] << 24 | (uint64_t)b[5] << 16 |
	    (uint64_t)b[6] << 8 | b[7];
}

int
tblw_add_policy(struct tblw *w, const char *binding, const char *domain,
    int is_regex, int regex_level, const struct tblw_policy *p)
{
	char dom[ECTLS_DOMAIN_MAX + 1];
	pcre2_code *code;
	PCRE2_SIZE eoff;
	struct went *e;
	size_t blen, i;
	uint32_t bid, pid, sid, base = 0;
	int dlen = 0, ecode;

	if (binding == NULL || (blen = strlen(binding)) == 0 ||
	    blen > ECTLS_BINDING_MAX)
		return werr(w, "policy table: binding name \"%.64s\" must be "
		    "1 to %d bytes", binding ? binding : "", ECTLS_BINDING_MAX);
	if (is_regex) {
		if (domain == NULL || *domain == '\0')
			return werr(w, "policy table: binding \"%s\": empty "
			    "regex domain", binding);
		if (regex_level != ECTLS_LVL_BD && regex_level != ECTLS_LVL_GD &&
		    regex_level != ECTLS_LVL_D)
			return werr(w, "policy table: regex \"%s\": level "
			    "must be B::D, G::D or D", domain);
		code = pcre2_compile((PCRE2_SPTR)domain, PCRE2_ZERO_TERMINATED,
		    PCRE2_CASELESS, &ecode, &eoff, NULL);
		if (code == NULL) {
			PCRE2_UCHAR msg[256];

			pcre2_get_error_message(ecode, msg, sizeof(msg));
			return werr(w, "policy table: regex \"%s\" at offset "
			    "%zu: %s", domain, (size_t)eoff, (char *)msg);
		}
		pcre2_code_free(code);
	} else if (domain != NULL) {
		dlen = ectls_canon_domain(domain, dom, sizeof(dom));
		if (dlen < 0)
			return werr(w, "policy table: domain \"%.64s\" must "
			    "be 1 to %d bytes", domain, ECTLS_DOMAIN_MAX);
	}
	if (policy_id(w, p, &pid, &base) != 0)
		return -1;
	if (binding == w->last_bind && blen == w->last_blen && (w->stable ||
	    memcmp(in_get(&w->binds, w->last_bid, &i), binding, blen) == 0))
		bid = w->last_bid;
	else {
		if (intern(&w->binds, binding, blen, &bid) != 0)
			return nomem(w);
		w->last_bind = binding;
		w->last_bid = bid;
		w->last_blen = (uint32_t)blen;
	}
	if (is_regex) {
		/* Repeating a pattern for a binding: the first one wins. */
		if (str_id(w, domain, &sid) != 0)
			return nomem(w);
		for (i = 0; i < w->nrx; i++)
			if (w->rx[i].bind == bid && w->rx[i].pat == sid)
				return werr(w, "policy table: binding \"%s\": "
				    "regex \"%s\" added twice", binding,
				    domain);
		if (grow(&w->rx, &w->rxcap, w->nrx, sizeof(*w->rx)) != 0)
			return nomem(w);
		w->rx[w->nrx++] = (struct wrx){ .bind = bid, .pat = sid,
		    .pol = pid, .level = (uint32_t)regex_level, .base = base };
		return 0;
	}
	if (grow(&w->ents, &w->cap, w->nents, sizeof(*w->ents)) != 0)
		return nomem(w);
	e = &w->ents[w->nents];
	memset(e, 0, sizeof(*e));
	e->dom = w->doms.len;
	e->dlen = (uint8_t)dlen;
	e->bind = bid;
	e->pol = pid;
	e->base = base;
	e->prefix = key_prefix(dom, (size_t)dlen);
	if (wb_add(&w->doms, dom, (size_t)dlen) != 0)
		return nomem(w);
	w->nents++;
	return 0;
}

int
tblw_add_file(struct tblw *w, const char *path, const uint8_t sha[32])
{
	uint32_t sid;
	size_t i;

	if (path == NULL || *path == '\0')
		return werr(w, "policy table: empty file path");
	if (str_id(w, path, &sid) != 0)
		return nomem(w);
	for (i = 0; i < w->nfiles; i++)
		if (w->files[i].path == sid) {
			if (memcmp(w->files[i].sha, sha, 32) == 0)
				return 0;
			return werr(w, "policy table: file \"%s\" added "
			    "with two different digests", path);
		}
	if (grow(&w->files, &w->fcap, w->nfiles, sizeof(*w->files)) != 0)
		return nomem(w);
	w->files[w->nfiles].path = sid;
	memcpy(w->files[w->nfiles].sha, sha, 32);
	w->nfiles++;
	return 0;
}

int
tblw_add_logformat(struct tblw *w, const char *name, const char *value)
{
	uint32_t n, v;
	size_t i;

	if (name == NULL || *name == '\0' || value == NULL)
		return werr(w, "policy table: log format needs a name and "
		    "a value");
	if (str_id(w, name, &n) != 0 || str_id(w, value, &v) != 0)
		return nomem(w);
	for (i = 0; i < w->nlogs; i++)
		if (w->logs[i].name == n)
			return werr(w, "policy table: log format \"%s\" "
			    "added twice", name);
	if (grow(&w->logs, &w->lcap, w->nlogs, sizeof(*w->logs)) != 0)
		return nomem(w);
	w->logs[w->nlogs++] = (struct wlog){ .name = n, .value = v };
	return 0;
}

/* ---- sorting (merge sort with a context; qsort has none) --------------- */

struct sortctx {
	const struct tblw	*w;
};

static int
went_cmp(const struct sortctx *c, const struct went *a, const struct went *b)
{
	size_t n;
	int r;

	if (a->bind != b->bind)
		return a->bind < b->bind ? -1 : 1;
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	n = a->dlen < b->dlen ? a->dlen : b->dlen;
	if (n > 8 && (r = memcmp(c->w->doms.p + a->dom + 8,
	    c->w->doms.p + b->dom + 8, n - 8)) != 0)
		return r;
	return (int)a->dlen - (int)b->dlen;
}

static void
msort(const struct sortctx *c, struct went *a, struct went *tmp, size_t n)
{
	size_t h, i, j, k;

	if (n < 16) {
		for (i = 1; i < n; i++) {
			struct went x = a[i];

			for (j = i; j > 0 && went_cmp(c, &a[j - 1], &x) > 0; j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
		return;
	}
	h = n / 2;
	msort(c, a, tmp, h);
	msort(c, a + h, tmp, n - h);
	if (went_cmp(c, &a[h - 1], &a[h]) <= 0)
		return;
	memcpy(tmp, a, h * sizeof(*a));
	for (i = 0, j = h, k = 0; i < h && j < n; k++)
		a[k] = went_cmp(c, &a[j], &tmp[i]) < 0 ? a[j++] : tmp[i++];
	while (i < h)
		a[k++] = tmp[i++];
}

/* ---- the perfect hash ---------------------------------------------------- */

/* One exact key as the perfect hash and the records see it. */
struct wkey {
	uint64_t	 off;		/* the domain in w->doms */
	uint32_t	 pol;		/* final policy index */
	uint32_t	 base;		/* line base */
	uint16_t	 bind;		/* binding index (rank) */
	uint8_t		 dlen;
};

struct phash {
	uint32_t	 r, seed;
	uint8_t		*g;		/* per vertex: 0..2, or 3 = no key */
	uint32_t	*vert;		/* per key: the vertex holding it */
	uint8_t		*fp;		/* per key: its fingerprint */
};

/* The bindings by rank, for the key hash (tbl_hash_name of each). */
struct wnames {
	const uint8_t	**p;
	size_t		*len;
	uint64_t	*hash;		/* under the seed being tried */
	uint32_t	 n;
};

/*
 * A vertex of the hypergraph while peeling.  The parts are [0, r), [r, 2r)
 * and [2r, 3r), one vertex of each key in each.  For the keys on vertex
 * v of part j, key is the xor of their numbers, o1 that of their vertices
 * in part j + 1 and o2 in part j + 2 (mod 3): at degree 1 the three name
 * the one key left and its other vertices, so the peel never looks a key
 * up (one random access less per key).
 */
struct vtx {
	uint32_t	 deg, key, o1, o2;
};

/* Scratch of the peeling, kept across attempts (sized for the largest). */
struct peelbuf {
	struct vtx	*vx;
	uint32_t	*order;		/* the vertices in peeling order */
	uint32_t	*stack;
	uint32_t	 nv;		/* vertices vx and stack hold */
};

static void
pb_free(struct peelbuf *pb)
{
	free(pb->vx);
	free(pb->order);
	free(pb->stack);
	memset(pb, 0, sizeof(*pb));
}

/*
 * The peel's loops read vx at random places (20 MB for a million keys);
 * each prefetches what it will use PEEL_AHEAD steps later.
 */
#define PEEL_AHEAD	16

/* The part (0..2) of vertex v. */
static inline unsigned
vpart(uint32_t v, uint32_t r)
{
	return (v >= r) + (v >= 2 * r);
}

/* Add key e with vertices vv (one per part, in part order) to vx. */
static inline void
vx_xor(struct vtx *vx, const uint32_t vv[3], uint32_t e)
{
	unsigned j;

	for (j = 0; j < 3; j++) {
		vx[vv[j]].key ^= e;
		vx[vv[j]].o1 ^= vv[(j + 1) % 3];
		vx[vv[j]].o2 ^= vv[(j + 2) % 3];
	}
}

/*
 * Before popping the stack (sp entries): prefetch for the vertices below
 * its top, which stay there unless others are pushed above them, first
 * the vertex, then the other vertices of its key.  Only hints: a vertex
 * whose degree is not 1 yet may still be skipped; o1 and o2 name vertices
 * only at degree 1.
 */
static inline void
peel_prefetch(const struct peelbuf *pb, uint32_t sp)
{
	const struct vtx *x;

	if (sp > PEEL_AHEAD)
		__builtin_prefetch(&pb->vx[pb->stack[sp - PEEL_AHEAD]]);
	if (sp > PEEL_AHEAD / 2) {
		x = &pb->vx[pb->stack[sp - PEEL_AHEAD / 2]];
		if (x->deg == 1 && x->o1 < pb->nv && x->o2 < pb->nv) {
			__builtin_prefetch(&pb->vx[x->o1], 1);
			__builtin_prefetch(&pb->vx[x->o2], 1);
		}
	}
}

/*
 * One attempt at peeling the 3-hypergraph of the n keys for (seed, r).
 * Returns 1 on success (ph filled), 0 if the graph has a 2-core, -1 on
 * ENOMEM.
 */
static int
peel(const uint8_t *kbuf, const struct wkey *keys, uint32_t n, uint32_t seed,
    uint32_t r, struct phash *ph, struct peelbuf *pb, struct wnames *nm)
{
	uint32_t nv = 3 * r, i, j, e, v, sp = 0, k = 0;
	uint32_t ring[PEEL_AHEAD][3], *vv, pv[5];
	uint8_t *fps = NULL;
	uint64_t h[2];
	const struct vtx *x;
	struct vtx *y;
	unsigned s, a, b;

	if (pb->order == NULL &&
	    (pb->order = big_alloc((size_t)n * sizeof(*pb->order) + 1)) ==
	    NULL)
		return -1;
	if (pb->nv < nv) {
		free(pb->vx);
		if ((pb->vx = big_alloc((size_t)nv * sizeof(*pb->vx))) ==
		    NULL)
			return -1;
		free(pb->stack);
		if ((pb->stack = big_alloc((size_t)nv * sizeof(*pb->stack))) ==
		    NULL)
			return -1;
		pb->nv = nv;
	}
	if ((fps = malloc((size_t)n + 1)) == NULL)
		return -1;
	memset(pb->vx, 0, (size_t)nv * sizeof(*pb->vx));
	for (i = 0; i < nm->n; i++)
		nm->hash[i] = tbl_hash_name(nm->p[i], nm->len[i], seed);
	/*
	 * Degrees and xors.  A key's vertices are added PEEL_AHEAD keys
	 * after they are hashed and prefetched (the ring holds them between);
	 * the sums do not depend on the order of the additions.
	 */
	for (e = 0; e < n + PEEL_AHEAD; e++) {
		vv = ring[e % PEEL_AHEAD];
		if (e >= PEEL_AHEAD) {
			for (j = 0; j < 3; j++)
				pb->vx[vv[j]].deg++;
			vx_xor(pb->vx, vv, e - PEEL_AHEAD);
		}
		if (e >= n)
			continue;
		tbl_hash_key(nm->hash[keys[e].bind], kbuf + keys[e].off,
		    keys[e].dlen, h);
		tbl_vertices(h, r, vv, &fps[e]);
		for (j = 0; j < 3; j++)
			__builtin_prefetch(&pb->vx[vv[j]], 1);
	}
	/*
	 * Peel: a vertex of degree 1 gives its key; the key's removal may
	 * leave its other vertices at degree 1.  The peeled vertex keeps key,
	 * o1 and o2 (only its degree goes to 0) for the assignment below.
	 */
	for (v = 0; v < nv; v++)
		if (pb->vx[v].deg == 1)
			pb->stack[sp++] = v;
	while (sp > 0) {
		peel_prefetch(pb, sp);
		v = pb->stack[--sp];
		x = &pb->vx[v];
		if (x->deg != 1)
			continue;
		pb->order[k++] = v;
		e = x->key;
		/*
		 * pv: the key's vertices by part, then parts 0 and 1 again,
		 * so that pv[i + 1] and pv[i + 2] follow part i (mod 3).
		 */
		j = vpart(v, r);
		pv[j] = v;
		pv[j == 2 ? 0 : j + 1] = x->o1;
		pv[j == 0 ? 2 : j - 1] = x->o2;
		pv[3] = pv[0];
		pv[4] = pv[1];
		pb->vx[v].deg = 0;
		/*
		 * In part order, as the peel always went: the order of the
		 * pushes decides which vertex holds which key (the table).
		 */
		for (j = 0; j < 3; j++) {
			if (pv[j] == v)
				continue;
			y = &pb->vx[pv[j]];
			y->deg--;
			y->key ^= e;
			y->o1 ^= pv[j + 1];
			y->o2 ^= pv[j + 2];
			if (y->deg == 1) {
				/* Popped next (the stack is LIFO). */
				__builtin_prefetch(&pb->vx[y->o1], 1);
				__builtin_prefetch(&pb->vx[y->o2], 1);
				pb->stack[sp++] = pv[j];
			}
		}
	}
	if (k < n) {
		free(fps);
		return 0;
	}
	if ((ph->g = malloc(nv)) == NULL ||
	    (ph->vert = big_alloc((size_t)n * sizeof(uint32_t) + 1)) ==
	    NULL) {
		free(fps);
		return -1;
	}
	memset(ph->g, 3, nv);
	/*
	 * Assign in reverse peeling order: a key's other two vertices are
	 * final by then (3, "no key", counts as 0 mod 3).
	 */
	for (i = n; i-- > 0;) {
		if (i >= PEEL_AHEAD)
			__builtin_prefetch(&pb->vx[pb->order[i - PEEL_AHEAD]]);
		v = pb->order[i];
		x = &pb->vx[v];
		a = ph->g[x->o1];
		b = ph->g[x->o2];
		s = (a == 3 ? 0 : a) + (b == 3 ? 0 : b);
		ph->g[v] = (uint8_t)((vpart(v, r) + 6 - s) % 3);
		ph->vert[x->key] = v;
	}
	ph->fp = fps;
	ph->r = r;
	ph->seed = seed;
	return 1;
}

static void
ph_free(struct phash *ph)
{
	free(ph->g);
	free(ph->vert);
	free(ph->fp);
	memset(ph, 0, sizeof(*ph));
}

static int
build_phash(struct tblw *w, const uint8_t *kbuf, const struct wkey *keys,
    uint32_t n, struct phash *ph, struct wnames *nm)
{
	uint64_t r = ((uint64_t)n * 124 + 299) / 300;
	uint32_t seed = 0, tries = 0;
	struct peelbuf pb;
	int rc;

	memset(&pb, 0, sizeof(pb));
	if (r < 2)
		r = 2;
	for (;;) {
		if (r > UINT32_MAX / 3) {
			pb_free(&pb);
			return werr(w, "policy table: too many keys (%u)", n);
		}
		rc = peel(kbuf, keys, n, seed, (uint32_t)r, ph, &pb, nm);
		if (rc < 0) {
			ph_free(ph);
			pb_free(&pb);
			return nomem(w);
		}
		if (rc == 1) {
			pb_free(&pb);
			return 0;
		}
		ph_free(ph);
		seed++;
		if (++tries % 16 == 0)
			r += r / 8 + 1;
		if (tries >= 4096) {
			pb_free(&pb);
			return werr(w, "policy table: cannot build the perfect "
			    "hash (%u keys)", n);
		}
	}
}

/* ---- final layout -------------------------------------------------------- */

struct build {
	struct wbuf	 strings, lists, prov, pols, binds, regex, files;
	struct wbuf	 logfmt;
	uint32_t	*fin_str;	/* string id -> stroff (0: not yet) */
	uint32_t	*fin_list;	/* list id -> word index + 1 */
	uint32_t	*fin_prov;	/* prov id -> index + 1 */
	uint32_t	*fin_pol;	/* policy id -> index + 1 */
	uint32_t	*pol_order;	/* final index -> policy id */
	uint32_t	 npol, nprov;
};

static void
build_free(struct build *b)
{
	free(b->strings.p);
	free(b->lists.p);
	free(b->prov.p);
	free(b->pols.p);
	free(b->binds.p);
	free(b->regex.p);
	free(b->files.p);
	free(b->logfmt.p);
	free(b->fin_str);
	free(b->fin_list);
	free(b->fin_prov);
	free(b->fin_pol);
	free(b->pol_order);
}

static int
fin_string(const struct tblw *w, struct build *b, uint32_t sid, uint32_t *off)
{
	const uint8_t *p;
	size_t n;

	if (b->fin_str[sid] == 0) {
		p = in_get(&w->strs, sid, &n);
		if (b->strings.len + n + 1 > UINT32_MAX)
			return -1;
		b->fin_str[sid] = (uint32_t)b->strings.len;
		if (wb_add(&b->strings, p, n) != 0 ||
		    wb_add(&b->strings, "", 1) != 0)
			return -1;
	}
	*off = b->fin_str[sid];
	return 0;
}

static int
fin_policy(struct build *b, uint32_t pid, uint32_t *idx)
{
	if (b->fin_pol[pid] == 0) {
		b->pol_order[b->npol] = pid;
		b->fin_pol[pid] = ++b->npol;
	}
	*idx = b->fin_pol[pid] - 1;
	return 0;
}

/*
 * Emit policy records, lists, provenance and strings in final order.  The
 * distances of each policy record to the sections are filled in by
 * assemble(), once the offsets are known.
 */
static int
emit_policies(const struct tblw *w, struct build *b)
{
	uint32_t i, f, pid, words[WPOL_WORDS], pv[WPROV_WORDS], off, lid;
	uint32_t items[1], sid, pidx;
	uint8_t rec[TBL_POLICY_SIZE], prec[TBL_PROV_SIZE];
	const uint8_t *raw;
	size_t n, k;

	for (i = 0; i < b->npol; i++) {
		pid = b->pol_order[i];
		raw = in_get(&w->pols, pid, &n);
		memcpy(words, raw, sizeof(words));
		memset(rec, 0, sizeof(rec));
		for (f = 0; f < ECTLS_NFIELDS; f++) {
			off = words[f];
			switch (ectls_field_type((int)f)) {
			case ECTLS_T_STR:
				if (off != 0 && fin_string(w, b, off - 1, &off))
					return -1;
				break;
			case ECTLS_T_LIST:
				if (off == 0)
					break;
				lid = off - 1;
				if (b->fin_list[lid] == 0) {
					const uint8_t *lp;

					lp = in_get(&w->lists, lid, &n);
					b->fin_list[lid] =
					    (uint32_t)(b->lists.len / 4) + 1;
					if (wb_u32(&b->lists,
					    (uint32_t)(n / 4)) != 0)
						return -1;
					for (k = 0; k < n / 4; k++) {
						memcpy(items, lp + 4 * k, 4);
						if (fin_string(w, b, items[0],
						    &sid) != 0 ||
						    wb_u32(&b->lists, sid) != 0)
							return -1;
					}
				}
				off = b->fin_list[lid] - 1;
				break;
			default:
				break;
			}
			tbl_put32(rec + 4 * f, off);
		}
		tbl_put32(rec + TBL_P_PROTO, words[ECTLS_NFIELDS]);
		pidx = words[ECTLS_NFIELDS + 1];
		if (b->fin_prov[pidx] == 0) {
			raw = in_get(&w->provs, pidx, &n);
			memcpy(pv, raw, sizeof(pv));
			memset(prec, 0, sizeof(prec));
			for (f = 0; f < ECTLS_NFIELDS; f++) {
				off = 0;
				if (pv[3 * f] != 0 &&
				    fin_string(w, b, pv[3 * f] - 1, &off) != 0)
					return -1;
				tbl_put32(prec + 8 * f, off);
				tbl_put32(prec + 8 * f + 4, pv[3 * f + 1]);
				prec[TBL_V_LEVELS + f] = (uint8_t)pv[3 * f + 2];
			}
			if (wb_add(&b->prov, prec, sizeof(prec)) != 0)
				return -1;
			b->fin_prov[pidx] = ++b->nprov;
		}
		tbl_put32(rec + TBL_P_PROV, b->fin_prov[pidx] - 1);
		if (wb_add(&b->pols, rec, sizeof(rec)) != 0)
			return -1;
	}
	return 0;
}

static int
cmp_rank(const void *a, const void *b, const struct tblw *w)
{
	const uint8_t *pa, *pb;
	size_t na, nb;
	int r;

	pa = in_get(&w->binds, *(const uint32_t *)a, &na);
	pb = in_get(&w->binds, *(const uint32_t *)b, &nb);
	r = memcmp(pa, pb, na < nb ? na : nb);
	if (r != 0)
		return r;
	return na < nb ? -1 : na > nb;
}

/* Sort binding ids by name (insertion sort of runs, merged: few). */
static void
sort_bindings(const struct tblw *w, uint32_t *ids, uint32_t n)
{
	uint32_t i, j, x;

	for (i = 1; i < n; i++) {
		x = ids[i];
		for (j = i; j > 0 && cmp_rank(&ids[j - 1], &x, w) > 0; j--)
			ids[j] = ids[j - 1];
		ids[j] = x;
	}
}

static int
cmp_file(const struct tblw *w, uint32_t a, uint32_t b)
{
	const uint8_t *pa, *pb;
	size_t na, nb;
	int r;

	pa = in_get(&w->strs, a, &na);
	pb = in_get(&w->strs, b, &nb);
	r = memcmp(pa, pb, na < nb ? na : nb);
	if (r != 0)
		return r;
	return na < nb ? -1 : na > nb;
}

static uint64_t
align(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/*
 * Fill the G lines, the key records and KEYX (their places in the zeroed
 * file) from the perfect hash.  Each record's policy reference holds the
 * final policy index for now; assemble() turns it into the distance.
 *
 * The records are written key by key, so that the keys and their bytes
 * are read in sequence (the slots are where the misses go); only KEYX,
 * whose order is that of the slots, is filled in a pass over them (the
 * slots of the key PEEL_AHEAD on are prefetched).  Until that pass the
 * KEYX offset of a long key's record holds the key's number.
 */
static void
fill_index(const uint8_t *kbuf, const struct wkey *keys, uint32_t n,
    const struct phash *ph, uint8_t *g, uint8_t *recs, uint8_t *keyx)
{
	uint64_t nv = 3 * (uint64_t)ph->r, v, pos;
	uint64_t nlines = (nv + TBL_G_PER_LINE - 1) / TBL_G_PER_LINE;
	uint32_t e, nlong = 0, xoff = 0;
	const struct wkey *k;
	uint8_t *line, *rec;
	unsigned gv;

	for (v = 0; v < nlines * TBL_G_PER_LINE; v++) {
		gv = v < nv ? ph->g[v] : 3;
		pos = v % TBL_G_PER_LINE;
		line = g + v / TBL_G_PER_LINE * TBL_G_LINE;
		line[pos >> 2] |= (uint8_t)(gv << ((pos & 3) * 2));
	}
	/* The key of vertex v goes to slot v. */
	for (e = 0; e < n; e++) {
		if (e + PEEL_AHEAD < n) {
			v = ph->vert[e + PEEL_AHEAD];
			__builtin_prefetch(recs + v * TBL_REC_SIZE, 1);
			__builtin_prefetch(g + v / TBL_G_PER_LINE * TBL_G_LINE,
			    1);
			__builtin_prefetch(kbuf + keys[e + PEEL_AHEAD].off);
		}
		v = ph->vert[e];
		k = &keys[e];
		g[v / TBL_G_PER_LINE * TBL_G_LINE + TBL_G_FP +
		    v % TBL_G_PER_LINE] = ph->fp[e];
		rec = recs + v * TBL_REC_SIZE;
		tbl_put32(rec, k->pol);
		tbl_put32(rec + 4, k->base);
		rec[TBL_REC_BIND] = (uint8_t)k->bind;
		rec[TBL_REC_BIND + 1] = (uint8_t)(k->bind >> 8);
		rec[TBL_REC_DLEN] = k->dlen;
		if (k->dlen < TBL_AREA)
			memcpy(rec + TBL_REC_KEY, kbuf + k->off, k->dlen);
		else {
			rec[TBL_REC_FLAGS] = TBL_KF_LONG;
			memcpy(rec + TBL_REC_KEY, kbuf + k->off, TBL_PREFIX);
			tbl_put32(rec + TBL_REC_KEY + TBL_PREFIX, e);
			nlong++;
		}
	}
	for (v = 0; v < nv && nlong > 0; v++) {
		rec = recs + v * TBL_REC_SIZE;
		if (!(rec[TBL_REC_FLAGS] & TBL_KF_LONG))
			continue;
		k = &keys[tbl_le32(rec + TBL_REC_KEY + TBL_PREFIX)];
		tbl_put32(rec + TBL_REC_KEY + TBL_PREFIX, xoff);
		memcpy(keyx + xoff, kbuf + k->off, k->dlen);
		xoff += (uint32_t)k->dlen + 1;	/* and its NUL */
		nlong--;
	}
}

/*
 * The filter (tbl_format.h, FILTER): TBL_FILTER_BITS bits per key in
 * whole 64-byte lines, each key's bits set in its word.  nm holds the
 * binding hashes under ph->seed (the last, successful, peel).  filt is
 * its place in the zeroed file, nw words (filter_words()).
 */
static void
fill_filter(const uint8_t *kbuf, const struct wkey *keys, uint32_t n,
    const struct wnames *nm, uint8_t *filt, uint32_t nw)
{
	uint64_t h[2], m, cur;
	uint32_t e, at;

	for (e = 0; e < n; e++) {
		tbl_hash_key(nm->hash[keys[e].bind], kbuf + keys[e].off,
		    keys[e].dlen, h);
		m = tbl_filter(h, nw, &at);
		cur = tbl_le64(filt + (size_t)at * 8);
		tbl_put64(filt + (size_t)at * 8, cur | m);
	}
}

/* The filter's size in 64-bit words for n keys, or 0 if too large. */
static uint32_t
filter_words(uint32_t n)
{
	uint64_t nw = ((uint64_t)n * TBL_FILTER_BITS + 511) / 512 * 8;

	if (nw == 0)
		nw = 8;
	return nw > TBL_FILTER_MAXW ? 0 : (uint32_t)nw;
}

/*
 * The policy reference at file offset at: turn the policy index stored
 * there into the distance back to the record, in 4-byte units.
 */
static int
put_ref(uint8_t *f, uint64_t at, uint64_t poloff)
{
	uint64_t p = poloff + (uint64_t)tbl_le32(f + at) * TBL_POLICY_SIZE;

	if (at < p || (at - p) / 4 > UINT32_MAX)
		return -1;
	tbl_put32(f + at, (uint32_t)((at - p) / 4));
	return 0;
}

/*
 * Lay the file out and fill it: header, the sections built so far, then
 * the G lines, filter, key records and KEYX straight into their places
 * (the file is allocated zeroed once, and nothing of its size is built
 * apart and copied).
 */
static int
assemble(struct tblw *w, struct build *b, const struct phash *ph,
    const uint8_t *kbuf, const struct wkey *keys, const struct wnames *nm,
    uint32_t nkeys, uint32_t nbind, uint32_t bhcap, uint32_t defbind,
    uint8_t **out, size_t *outlen)
{
	const struct wbuf *meta[] = {
		[TBL_S_STRINGS] = &b->strings, [TBL_S_LISTS] = &b->lists,
		[TBL_S_PROV] = &b->prov, [TBL_S_POLICIES] = &b->pols,
		[TBL_S_BINDINGS] = &b->binds, [TBL_S_REGEX] = &b->regex,
		[TBL_S_FILES] = &b->files, [TBL_S_LOGFMT] = &b->logfmt,
	};
	uint64_t off[TBL_NSEC], sz[TBL_NSEC], pos = TBL_HEADER_SIZE, nb, i;
	uint64_t blk = (uint64_t)1 << TBL_BLOCK_SHIFT, end, s, at;
	uint64_t nv = 3 * (uint64_t)ph->r, keyx = 0;
	uint32_t schema_off, nregex, fwords;
	uint8_t *f;
	int k;

	/* Sizes first, in the order the old build checked them. */
	for (i = 0; i < nkeys; i++)
		if (keys[i].dlen >= TBL_AREA &&
		    (keyx += (uint64_t)keys[i].dlen + 1) > UINT32_MAX)
			return werr(w, "policy table: long keys exceed 4 GiB");
	if ((fwords = filter_words(nkeys)) == 0)
		return werr(w, "policy table: too many keys for the filter");
	sz[TBL_S_G] = (nv + TBL_G_PER_LINE - 1) / TBL_G_PER_LINE * TBL_G_LINE;
	sz[TBL_S_FILTER] = (uint64_t)fwords * 8;
	sz[TBL_S_RECORDS] = nv * TBL_REC_SIZE;
	sz[TBL_S_KEYX] = keyx;
	if (fin_string(w, b, w->schema, &schema_off) != 0)
		return nomem(w);
	for (k = 0; k < TBL_S_BLOCKCRC; k++) {
		pos = align(pos, 8);
		off[k] = pos;
		sz[k] = meta[k]->len;
		pos += sz[k];
	}
	/* BLOCKCRC's size depends on where G starts: settle it first. */
	pos = align(pos, 8);
	off[TBL_S_BLOCKCRC] = pos;
	for (nb = 0;; nb++) {
		uint64_t g0 = align(pos + 4 * nb, 64);
		uint64_t fsz = align(align(align(g0 + sz[TBL_S_G], 64) +
		    sz[TBL_S_FILTER], 64) + sz[TBL_S_RECORDS], 8) +
		    sz[TBL_S_KEYX];

		if ((fsz - g0 + blk - 1) / blk == nb)
			break;
	}
	sz[TBL_S_BLOCKCRC] = 4 * nb;
	off[TBL_S_G] = align(pos + 4 * nb, 64);
	off[TBL_S_FILTER] = align(off[TBL_S_G] + sz[TBL_S_G], 64);
	off[TBL_S_RECORDS] = align(off[TBL_S_FILTER] + sz[TBL_S_FILTER], 64);
	off[TBL_S_KEYX] = align(off[TBL_S_RECORDS] + sz[TBL_S_RECORDS], 8);
	end = off[TBL_S_KEYX] + sz[TBL_S_KEYX];
	if (end > SIZE_MAX || off[TBL_S_G] > UINT32_MAX)
		return werr(w, "policy table: too large");
	if ((f = big_alloc((size_t)end)) == NULL)
		return nomem(w);
	memset(f, 0, (size_t)end);
	nregex = (uint32_t)(b->regex.len / TBL_REGEX_SIZE);
	memcpy(f + TBL_H_MAGIC, TBL_MAGIC, TBL_MAGIC_LEN);
	tbl_put32(f + TBL_H_VERSION, TBL_VERSION);
	tbl_put32(f + TBL_H_HSIZE, TBL_HEADER_SIZE);
	tbl_put64(f + TBL_H_FSIZE, end);
	tbl_put32(f + TBL_H_BSHIFT, TBL_BLOCK_SHIFT);
	tbl_put32(f + TBL_H_SEED, ph->seed);
	tbl_put32(f + TBL_H_R, ph->r);
	tbl_put32(f + TBL_H_NKEYS, nkeys);
	tbl_put32(f + TBL_H_NBIND, nbind);
	tbl_put32(f + TBL_H_NPOL, b->npol);
	tbl_put32(f + TBL_H_NPROV, b->nprov);
	tbl_put32(f + TBL_H_NREGEX, nregex);
	tbl_put32(f + TBL_H_NFILES, (uint32_t)(b->files.len / TBL_FILE_SIZE));
	tbl_put32(f + TBL_H_NLOGFMT,
	    (uint32_t)(b->logfmt.len / TBL_LOGFMT_SIZE));
	tbl_put32(f + TBL_H_NFIELDS, ECTLS_NFIELDS);
	tbl_put32(f + TBL_H_SCHEMA, schema_off);
	tbl_put32(f + TBL_H_DEFBIND, defbind);
	memcpy(f + TBL_H_DESC, TBL_DESCRIPTION, sizeof(TBL_DESCRIPTION) - 1);
	tbl_put32(f + TBL_H_BHCAP, bhcap);
	tbl_put32(f + TBL_H_FWORDS, fwords);
	for (k = 0; k < TBL_NSEC; k++) {
		tbl_put64(f + TBL_H_DIR + 16 * k, off[k]);
		tbl_put64(f + TBL_H_DIR + 16 * k + 8, sz[k]);
		/* STRINGS may have grown by the schema string: copy now. */
		if (k < TBL_S_BLOCKCRC && meta[k]->len > 0)
			memcpy(f + off[k], meta[k]->p, meta[k]->len);
	}
	fill_index(kbuf, keys, nkeys, ph, f + off[TBL_S_G],
	    f + off[TBL_S_RECORDS], f + off[TBL_S_KEYX]);
	fill_filter(kbuf, keys, nkeys, nm, f + off[TBL_S_FILTER], fwords);
	/* Distances: policy records to their sections, references back. */
	for (i = 0; i < b->npol; i++) {
		at = off[TBL_S_POLICIES] + i * TBL_POLICY_SIZE;
		tbl_put32(f + at + TBL_P_TO_STRINGS,
		    (uint32_t)(at - off[TBL_S_STRINGS]));
		tbl_put32(f + at + TBL_P_TO_LISTS,
		    (uint32_t)(at - off[TBL_S_LISTS]));
		tbl_put32(f + at + TBL_P_TO_PROV,
		    (uint32_t)(at - off[TBL_S_PROV]));
		tbl_put32(f + at + TBL_P_TO_POLICIES,
		    (uint32_t)(at - off[TBL_S_POLICIES]));
	}
	for (i = 0; i < nbind; i++)
		if (put_ref(f, off[TBL_S_BINDINGS] + i * TBL_BIND_SIZE +
		    TBL_B_REF, off[TBL_S_POLICIES]) != 0)
			goto big;
	for (i = 0; i < nregex; i++)
		if (put_ref(f, off[TBL_S_REGEX] + i * TBL_REGEX_SIZE +
		    TBL_X_REF, off[TBL_S_POLICIES]) != 0)
			goto big;
	for (i = 0; i < nv; i++)
		if (f[off[TBL_S_RECORDS] + i * TBL_REC_SIZE + TBL_REC_DLEN] != 0 &&
		    put_ref(f, off[TBL_S_RECORDS] + i * TBL_REC_SIZE,
		    off[TBL_S_POLICIES]) != 0)
			goto big;
	for (i = 0; i < nb; i++) {
		s = off[TBL_S_G] + i * blk;
		tbl_put32(f + off[TBL_S_BLOCKCRC] + 4 * i,
		    crc32c(0, f + s, (size_t)(end - s < blk ? end - s : blk)));
	}
	tbl_put32(f + TBL_H_CRC, crc32c(0, f, (size_t)off[TBL_S_G]));
	*out = f;
	*outlen = (size_t)end;
	return 0;
big:
	free(f);
	return werr(w, "policy table: too large (a policy reference spans "
	    "more than 16 GiB)");
}

int
tblw_write_mem(struct tblw *w, uint8_t **out, size_t *outlen)
{
	struct build b;
	struct sortctx sc;
	struct phash ph;
	struct went *tmp = NULL, *e;
	struct wkey *keys = NULL;
	uint32_t *ids = NULL, *rank = NULL, *rxcnt = NULL, *rxstart = NULL;
	uint32_t *rxord = NULL, *hasdef = NULL, *slots = NULL, *bstr = NULL;
	struct wnames nm;
	uint32_t nb = w->binds.n, i, j, pidx, sid, defbind = 0, nkeys = 0;
	uint32_t bhcap, s;
	uint8_t ent[TBL_BIND_SIZE];
	const uint8_t *bname;
	uint64_t hh;
	size_t bl;
	int rc = -1;

	memset(&b, 0, sizeof(b));
	memset(&ph, 0, sizeof(ph));
	memset(&nm, 0, sizeof(nm));
	*out = NULL;
	*outlen = 0;
	if (w->nents > UINT32_MAX / 4)
		return werr(w, "policy table: too many keys");
	if (nb > TBL_MAX_BINDINGS)
		return werr(w, "policy table: %u bindings (at most %u)", nb,
		    TBL_MAX_BINDINGS);
	for (bhcap = 4; bhcap < 4 * nb; bhcap *= 2)
		;
	if ((ids = calloc(nb + 1, sizeof(*ids))) == NULL ||
	    (rank = calloc(nb + 1, sizeof(*rank))) == NULL ||
	    (hasdef = calloc(nb + 1, sizeof(*hasdef))) == NULL ||
	    (rxcnt = calloc(nb + 1, sizeof(*rxcnt))) == NULL ||
	    (rxstart = calloc(nb + 2, sizeof(*rxstart))) == NULL ||
	    (slots = calloc(bhcap, sizeof(*slots))) == NULL ||
	    (bstr = calloc(nb + 1, sizeof(*bstr))) == NULL ||
	    (nm.p = calloc(nb + 1, sizeof(*nm.p))) == NULL ||
	    (nm.len = calloc(nb + 1, sizeof(*nm.len))) == NULL ||
	    (nm.hash = calloc(nb + 1, sizeof(*nm.hash))) == NULL ||
	    (rxord = calloc(w->nrx + 1, sizeof(*rxord))) == NULL ||
	    (keys = calloc(w->nents + 1, sizeof(*keys))) == NULL ||
	    (tmp = calloc(w->nents / 2 + 1, sizeof(*tmp))) == NULL ||
	    (b.fin_list = calloc(w->lists.n + 1, sizeof(uint32_t))) == NULL ||
	    (b.fin_prov = calloc(w->provs.n + 1, sizeof(uint32_t))) == NULL ||
	    (b.fin_pol = calloc(w->pols.n + 1, sizeof(uint32_t))) == NULL ||
	    (b.pol_order = calloc(w->pols.n + 1, sizeof(uint32_t))) == NULL) {
		nomem(w);
		goto out;
	}
	/* Binding ranks by name; each needs its own record. */
	for (i = 0; i < nb; i++)
		ids[i] = i;
	sort_bindings(w, ids, nb);
	for (i = 0; i < nb; i++) {
		rank[ids[i]] = i;
		nm.p[i] = in_get(&w->binds, ids[i], &nm.len[i]);
	}
	nm.n = nb;
	for (i = 0; i < w->nents; i++)
		if (w->ents[i].dlen == 0)
			hasdef[w->ents[i].bind] = 1;
	for (i = 0; i < nb; i++)
		if (!hasdef[ids[i]]) {
			bname = in_get(&w->binds, ids[i], &bl);
			werr(w, "policy table: binding \"%.*s\" has no record "
			    "of its own (add it with domain NULL)", (int)bl,
			    (const char *)bname);
			goto out;
		}
	if (in_find(&w->binds, "default", 7, &sid) != 0) {
		werr(w, "policy table: no record for binding \"default\"");
		goto out;
	}
	defbind = rank[sid];
	/* Binding names become strings (ids stay valid: strs only grows). */
	for (i = 0; i < nb; i++) {
		bname = in_get(&w->binds, ids[i], &bl);
		if (intern(&w->strs, bname, bl, &bstr[i]) != 0) {
			nomem(w);
			goto out;
		}
	}
	if ((b.fin_str = calloc(w->strs.n + 1, sizeof(uint32_t))) == NULL) {
		nomem(w);
		goto out;
	}
	/* Regex entries grouped by binding rank, declaration order kept. */
	for (i = 0; i < w->nrx; i++)
		rxcnt[rank[w->rx[i].bind]]++;
	for (i = 0; i < nb; i++)
		rxstart[i + 1] = rxstart[i] + rxcnt[i];
	memcpy(rxcnt, rxstart, nb * sizeof(*rxcnt));
	for (i = 0; i < w->nrx; i++)
		rxord[rxcnt[rank[w->rx[i].bind]]++] = i;
	/* Sort the keys; duplicates are an error. */
	for (i = 0; i < w->nents; i++)
		w->ents[i].bind = rank[w->ents[i].bind];
	sc.w = w;
	msort(&sc, w->ents, tmp, w->nents);
	for (i = 1; i < w->nents; i++)
		if (went_cmp(&sc, &w->ents[i - 1], &w->ents[i]) == 0) {
			e = &w->ents[i];
			bname = in_get(&w->binds, ids[e->bind], &bl);
			werr(w, "policy table: binding \"%.*s\", domain "
			    "\"%.*s\" added twice", (int)bl,
			    (const char *)bname, (int)e->dlen,
			    e->dlen ? (const char *)w->doms.p + e->dom :
			    "(none)");
			goto restore;
		}
	/*
	 * Walk the sorted keys: binding entries, key bytes, final policy
	 * numbers (first met, so independent of insertion order), each
	 * binding's regexes right after its own record.
	 */
	if (wb_add(&b.strings, "", 1) != 0 || wb_u32(&b.lists, 0) != 0)
		goto oom;
	for (i = 0; i < w->nents; i++) {
		e = &w->ents[i];
		if (e->dlen == 0) {
			/* The binding's own record: its entry (rank order). */
			memset(ent, 0, sizeof(ent));
			bname = in_get(&w->binds, ids[e->bind], &bl);
			if (fin_string(w, &b, bstr[e->bind], &sid) != 0)
				goto oom;
			fin_policy(&b, e->pol, &pidx);
			tbl_put32(ent + TBL_B_NAME, sid);
			tbl_put32(ent + TBL_B_LEN, (uint32_t)bl);
			tbl_put32(ent + TBL_B_REF, pidx);
			tbl_put32(ent + TBL_B_REF + 4, e->base);
			if (rxstart[e->bind + 1] > rxstart[e->bind]) {
				tbl_put32(ent + TBL_B_RXFIRST,
				    rxstart[e->bind]);
				tbl_put32(ent + TBL_B_RXCOUNT,
				    rxstart[e->bind + 1] - rxstart[e->bind]);
			}
			for (j = rxstart[e->bind]; j < rxstart[e->bind + 1];
			    j++)
				fin_policy(&b, w->rx[rxord[j]].pol, &pidx);
			if (wb_add(&b.binds, ent, sizeof(ent)) != 0)
				goto oom;
			continue;
		}
		keys[nkeys].off = e->dom;
		keys[nkeys].dlen = e->dlen;
		keys[nkeys].bind = (uint16_t)e->bind;
		keys[nkeys].base = e->base;
		fin_policy(&b, e->pol, &keys[nkeys].pol);
		nkeys++;
	}
	if (emit_policies(w, &b) != 0)
		goto oom;
	for (j = 0; j < w->nrx; j++) {
		const struct wrx *x = &w->rx[rxord[j]];
		uint8_t r[TBL_REGEX_SIZE];

		if (fin_string(w, &b, x->pat, &sid) != 0)
			goto oom;
		tbl_put32(r + TBL_X_PATTERN, sid);
		tbl_put32(r + TBL_X_LEVEL, x->level);
		tbl_put32(r + TBL_X_REF, b.fin_pol[x->pol] - 1);
		tbl_put32(r + TBL_X_REF + 4, x->base);
		if (wb_add(&b.regex, r, sizeof(r)) != 0)
			goto oom;
	}
	/* Files by path, log formats by name (insertion sort: few). */
	for (i = 1; i < w->nfiles; i++)
		for (j = i; j > 0 && cmp_file(w, w->files[j - 1].path,
		    w->files[j].path) > 0; j--) {
			struct wfile t = w->files[j];

			w->files[j] = w->files[j - 1];
			w->files[j - 1] = t;
		}
	for (i = 0; i < w->nfiles; i++) {
		uint8_t r[TBL_FILE_SIZE];

		memset(r, 0, sizeof(r));
		if (fin_string(w, &b, w->files[i].path, &sid) != 0)
			goto oom;
		tbl_put32(r, sid);
		memcpy(r + 8, w->files[i].sha, 32);
		if (wb_add(&b.files, r, sizeof(r)) != 0)
			goto oom;
	}
	for (i = 1; i < w->nlogs; i++)
		for (j = i; j > 0 && cmp_file(w, w->logs[j - 1].name,
		    w->logs[j].name) > 0; j--) {
			struct wlog t = w->logs[j];

			w->logs[j] = w->logs[j - 1];
			w->logs[j - 1] = t;
		}
	for (i = 0; i < w->nlogs; i++) {
		uint8_t r[TBL_LOGFMT_SIZE];
		uint32_t vo;

		if (fin_string(w, &b, w->logs[i].name, &sid) != 0 ||
		    fin_string(w, &b, w->logs[i].value, &vo) != 0)
			goto oom;
		tbl_put32(r, sid);
		tbl_put32(r + 4, vo);
		if (wb_add(&b.logfmt, r, sizeof(r)) != 0)
			goto oom;
	}
	if (build_phash(w, w->doms.p, keys, nkeys, &ph, &nm) != 0)
		goto restore;
	/* The binding hash, under the seed found, filled in rank order. */
	for (i = 0; i < nb; i++) {
		hh = tbl_hash_name(nm.p[i], nm.len[i], ph.seed);
		for (s = (uint32_t)hh & (bhcap - 1); slots[s] != 0;
		    s = (s + 1) & (bhcap - 1))
			;
		slots[s] = (i + 1) | TBL_BH_TAG(hh);
	}
	for (s = 0; s < bhcap; s++)
		if (wb_u32(&b.binds, slots[s]) != 0)
			goto oom;
	if (assemble(w, &b, &ph, w->doms.p, keys, &nm, nkeys, nb, bhcap, defbind,
	    out, outlen) != 0)
		goto restore;
	rc = 0;
	goto restore;
oom:
	nomem(w);
restore:
	/* Entries hold ranks now; turn them back into binding ids. */
	for (i = 0; i < w->nents; i++)
		w->ents[i].bind = ids[w->ents[i].bind];
out:
	ph_free(&ph);
	build_free(&b);
	free(ids);
	free(rank);
	free(hasdef);
	free(rxcnt);
	free(rxstart);
	free(rxord);
	free(slots);
	free(bstr);
	free(nm.p);
	free(nm.len);
	free(nm.hash);
	free(keys);
	free(tmp);
	return rc;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = write(fd, p, n > (1u << 30) ? (1u << 30) : n);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int
tblw_write_atomic(struct tblw *w, const char *path)
{
	uint8_t *buf = NULL;
	size_t len, dl;
	char *tmp = NULL, *dir = NULL;
	const char *slash;
	int fd = -1, dfd, rc = -1, e;

	if (tblw_write_mem(w, &buf, &len) != 0)
		return -1;
	slash = strrchr(path, '/');
	dl = slash == NULL ? 1 : (slash == path ? 1 : (size_t)(slash - path));
	if ((dir = malloc(dl + 1)) == NULL ||
	    (tmp = malloc(strlen(path) + 16)) == NULL) {
		nomem(w);
		goto out;
	}
	if (slash == NULL)
		memcpy(dir, ".", 2);
	else {
		memcpy(dir, slash == path ? "/" : path, dl);
		dir[dl] = '\0';
	}
	if (slash == NULL)
		snprintf(tmp, strlen(path) + 16, ".%s.XXXXXX", path);
	else
		snprintf(tmp, strlen(path) + 16, "%.*s/.%s.XXXXXX",
		    (int)(slash - path), path, slash + 1);
	if ((fd = mkstemp(tmp)) == -1) {
		werr(w, "cannot create a temporary file for \"%s\": %s", path,
		    strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0644) == -1 || write_all(fd, buf, len) != 0 ||
	    fsync(fd) == -1) {
		werr(w, "cannot write \"%s\": %s", tmp, strerror(errno));
		goto unlink;
	}
	if (close(fd) == -1) {
		fd = -1;
		werr(w, "cannot write \"%s\": %s", tmp, strerror(errno));
		goto unlink;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		werr(w, "cannot rename \"%s\" to \"%s\": %s", tmp, path,
		    strerror(errno));
		goto unlink;
	}
	/* Make the rename itself durable. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		if (fsync(dfd) == -1 && errno != EINVAL) {
			e = errno;
			close(dfd);
			werr(w, "cannot sync directory \"%s\": %s", dir,
			    strerror(e));
			goto out;
		}
		close(dfd);
	}
	rc = 0;
	goto out;
unlink:
	e = errno;
	if (fd != -1)
		close(fd);
	fd = -1;
	unlink(tmp);
	errno = e;
out:
	if (fd != -1)
		close(fd);
	free(buf);
	free(tmp);
	free(dir);
	return rc;
}
