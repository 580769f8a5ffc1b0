/* SPDX-License-Identifier: ISC */
/*
 * pipeline.c -- parse, schema checks, resolution and the TLS checks of
 * every effective policy (DESIGN: checks run on the effective policy of
 * every (binding, domain) pair, reported once per source location with the
 * first pair that exposed the problem as a note).
 *
 * Most pairs share their effective TLS settings (set once per binding or at
 * the top level), so the material and settings checks run once per
 * distinct combination of the option lines they depend on: a repeat could
 * only file findings the checker has already filed (its dedupe set is keyed
 * by id, location and message, all functions of those lines).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "checks.h"
#include "logfmt.h"
#include "pipeline.h"
#include "sema.h"
#include "strmap.h"
#include "tls.h"

/* Location of the content of an option's value (after the quote). */
static struct loc
value_loc(const struct ast_node *n)
{
	struct loc l = { 0 };

	if (n == NULL || n->value == NULL)
		return l;
	l = n->value->loc;
	if (n->value->kind == AST_V_STRING) {
		l.col++;
		l.off++;
		if (l.len >= 2)
			l.len -= 2;
	}
	return l;
}

struct pair {
	size_t		 b;		/* binding number */
	enum resolve_kind kind;
	size_t		 i;		/* domain or regex entry number */
	const char	*binding;
	const char	*domain;	/* NULL: binding record */
	const char	*regex;		/* regex entry: its pattern */
	char		 desc[512];	/* regex entry: its stanzas */
};

/* Keys of pl->nodes: which per-line finding a node has had. */
enum {
	SEEN_UNUSED = 1,
	SEEN_UNVERIFIED,
	SEEN_CA_IGNORED
};

/*
 * The option lines the TLS checks of a policy depend on (tls_check_policy
 * and --engines both): engine, certificate, key, CA, verify, protocols,
 * ciphers, TLS 1.3 suites and, only where the checks fall back to it, the
 * tls line.
 */
#define MEMO_WORDS	9

struct pipeline_memo {
	uintptr_t	*keys;		/* cap * MEMO_WORDS */
	unsigned char	*used;
	size_t		 cap, n;
	uintptr_t	 last[MEMO_WORDS];	/* the last key asked about */
	int		 has_last;
};

static uint64_t
memo_hash(const uintptr_t *k)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < MEMO_WORDS; i++) {
		h = (h ^ (uint64_t)k[i]) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return h;
}

static size_t
memo_find(const struct pipeline_memo *m, const uintptr_t *k)
{
	size_t i;

	for (i = memo_hash(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
		if (!m->used[i] || memcmp(&m->keys[i * MEMO_WORDS], k,
		    MEMO_WORDS * sizeof(*k)) == 0)
			return i;
}

/* Double the table. */
static void
memo_grow(struct pipeline_memo *m)
{
	uintptr_t *okeys = m->keys;
	unsigned char *oused = m->used;
	size_t ocap = m->cap, i, j;

	m->cap = ocap ? ocap * 2 : 64;
	m->keys = xcalloc(m->cap, MEMO_WORDS * sizeof(*m->keys));
	m->used = xcalloc(m->cap, 1);
	for (i = 0; i < ocap; i++) {
		if (!oused[i])
			continue;
		j = memo_find(m, &okeys[i * MEMO_WORDS]);
		memcpy(&m->keys[j * MEMO_WORDS], &okeys[i * MEMO_WORDS],
		    MEMO_WORDS * sizeof(*m->keys));
		m->used[j] = 1;
	}
	free(okeys);
	free(oused);
}

/*
 * Remember k; 1 if it is new, 0 if it was there.  The last key asked
 * about is in the table after the call, so a repeat of it (neighbouring
 * entries mostly share their TLS lines) is answered without a lookup.
 */
static int
memo_add(struct pipeline_memo *m, const uintptr_t *k)
{
	size_t i;

	if (m->has_last && memcmp(m->last, k, sizeof(m->last)) == 0)
		return 0;
	memcpy(m->last, k, sizeof(m->last));
	m->has_last = 1;
	if ((m->n + 1) * 2 > m->cap)
		memo_grow(m);
	i = memo_find(m, k);
	if (m->used[i])
		return 0;
	memcpy(&m->keys[i * MEMO_WORDS], k, MEMO_WORDS * sizeof(*k));
	m->used[i] = 1;
	m->n++;
	return 1;
}

/* Whether a finding of this id and severity can survive --disable. */
static int
wanted(const struct pipeline_opts *o, const char *id, enum diag_sev sev)
{
	const struct check *c;

	/* Errors count towards --max-errors even when disabled. */
	if (o->checks == NULL || sev >= DIAG_ERROR ||
	    (c = check_find(id)) == NULL)
		return 1;
	return check_policy_enabled(o->checks, c);
}

/* Whether a node has had finding `what` already; marks it. */
static int
node_seen(struct pipeline *pl, int what, const struct ast_node *n)
{
	return ptrmap_add(&pl->nodes, (uintptr_t)what, (uintptr_t)n,
	    (void *)1) != NULL;
}

static void
note_pair(struct diag *d, size_t n0, const struct pair *pr)
{
	size_t i;

	for (i = n0; i < d->nitems; i++) {
		if (pr->regex != NULL)
			diag_note(d, &d->items[i], NULL,
			    "in the effective policy of binding \"%s\" for "
			    "domains matching %s", pr->binding, pr->desc);
		else if (pr->domain != NULL)
			diag_note(d, &d->items[i], NULL,
			    "in the effective policy of binding \"%s\" for "
			    "domain \"%s\"", pr->binding, pr->domain);
		else
			diag_note(d, &d->items[i], NULL,
			    "in the effective policy of binding \"%s\"",
			    pr->binding);
	}
}

/*
 * --engines both: load the material with each library the way Momentum
 * would and report where they disagree (one accepts, the other rejects),
 * once per file combination.
 */
static void
check_engines(struct pipeline *pl, struct diag *d, const char *cert,
    const char *key, const struct loc *cloc, const char *ca,
    const struct loc *caloc)
{
	char why[2][512], k[1024];
	struct diag_item *it;
	int rc[2], e;

	if (cert != NULL) {
		snprintf(k, sizeof(k), "pair\x1f%s\x1f%s", cert, key ? key : "");
		if (strmap_add(&pl->seen, k, (void *)1) == NULL) {
			for (e = 0; e < 2; e++)
				rc[e] = tls_probe_pair(e == 0 ?
				    TLS_ENGINE_OPENSSL : TLS_ENGINE_GNUTLS,
				    cert, key, NULL, why[e], sizeof(why[e]));
			if (rc[0] != rc[1]) {
				it = diag_add(d, DIAG_WARNING,
				    "tls-engine-disagree", cloc,
				    "%s accepts certificate \"%s\"%s%s%s but %s "
				    "rejects it", rc[0] == 0 ? "OpenSSL" :
				    "GnuTLS", cert, key ? " with key \"" : "",
				    key ? key : "", key ? "\"" : "",
				    rc[0] == 0 ? "GnuTLS" : "OpenSSL");
				diag_note(d, it, NULL, "%s",
				    why[rc[0] == 0 ? 1 : 0]);
			}
		}
	}
	if (ca != NULL) {
		snprintf(k, sizeof(k), "ca\x1f%s", ca);
		if (strmap_add(&pl->seen, k, (void *)1) == NULL) {
			for (e = 0; e < 2; e++)
				rc[e] = tls_probe_ca(e == 0 ?
				    TLS_ENGINE_OPENSSL : TLS_ENGINE_GNUTLS, ca,
				    why[e], sizeof(why[e]));
			if (rc[0] != rc[1]) {
				it = diag_add(d, DIAG_WARNING,
				    "tls-engine-disagree", caloc,
				    "%s accepts CA file \"%s\" but %s rejects it",
				    rc[0] == 0 ? "OpenSSL" : "GnuTLS", ca,
				    rc[0] == 0 ? "GnuTLS" : "OpenSSL");
				diag_note(d, it, NULL, "%s",
				    why[rc[0] == 0 ? 1 : 0]);
			}
		}
	}
}

/*
 * TLS options that tls = no leaves unused: a note (off by default), once
 * per option line.
 */
static void
check_unused(struct pipeline *pl, struct diag *d,
    const struct resolve_src *src)
{
	static const int tlsf[] = { ECTLS_F_TLS_CA, ECTLS_F_TLS_CERTIFICATE,
	    ECTLS_F_TLS_KEY, ECTLS_F_TLS_CIPHERS, ECTLS_F_TLS_PROTOCOLS,
	    ECTLS_F_TLSV13_CIPHERSUITES, ECTLS_F_TLS_VERIFY };
	const struct ast_node *n;
	struct diag_item *it;
	size_t i;

	if (!pl->want_unused)
		return;
	for (i = 0; i < sizeof(tlsf) / sizeof(tlsf[0]); i++) {
		/* Only options as specific as the tls = no that voids them. */
		if ((n = src->node[tlsf[i]]) == NULL ||
		    src->node[ECTLS_F_TLS] == NULL ||
		    src->level[tlsf[i]] > src->level[ECTLS_F_TLS])
			continue;
		if (node_seen(pl, SEEN_UNUSED, n))
			continue;
		it = diag_add(d, DIAG_NOTE, "tls-unused", &n->loc,
		    "\"%s\" has no effect where tls = no", n->name);
		if (src->node[ECTLS_F_TLS] != NULL)
			diag_note(d, it, &src->node[ECTLS_F_TLS]->loc,
			    "tls = no set here");
	}
}

/* The material and settings checks of one effective policy. */
static void
check_tls(struct pipeline *pl, const struct pipeline_opts *o, struct diag *d,
    const struct tblw_policy *p, const struct resolve_src *src)
{
	struct tls_policy tp;
	struct loc lcert, lkey, lca, lproto, lciph, l13, lpol, lver;
	unsigned int protos;

	lcert = value_loc(src->node[ECTLS_F_TLS_CERTIFICATE]);
	lkey = value_loc(src->node[ECTLS_F_TLS_KEY]);
	lca = value_loc(src->node[ECTLS_F_TLS_CA]);
	lproto = value_loc(src->node[ECTLS_F_TLS_PROTOCOLS]);
	lciph = value_loc(src->node[ECTLS_F_TLS_CIPHERS]);
	l13 = value_loc(src->node[ECTLS_F_TLSV13_CIPHERSUITES]);
	lver = value_loc(src->node[ECTLS_F_TLS_VERIFY]);
	lpol = src->node[ECTLS_F_TLS] != NULL ? src->node[ECTLS_F_TLS]->loc :
	    (struct loc){ 0 };
	memset(&tp, 0, sizeof(tp));
	tp.engine = p->f[ECTLS_F_TLS_ENGINE].num == ECTLS_ENGINE_GNUTLS ?
	    TLS_ENGINE_GNUTLS : TLS_ENGINE_OPENSSL;
	tp.cert = p->f[ECTLS_F_TLS_CERTIFICATE].str;
	tp.cert_loc = &lcert;
	tp.key = p->f[ECTLS_F_TLS_KEY].str;
	tp.key_loc = &lkey;
	tp.ca = p->f[ECTLS_F_TLS_CA].str;
	tp.ca_loc = &lca;
	switch (p->f[ECTLS_F_TLS_VERIFY].num) {
	case ECTLS_VERIFY_CA:
		tp.verify = TLS_VERIFY_CA;
		break;
	case ECTLS_VERIFY_HOST:
		tp.verify = TLS_VERIFY_HOST;
		break;
	case ECTLS_VERIFY_OPTIONAL:
		tp.verify = TLS_VERIFY_OPTIONAL;
		break;
	default:
		tp.verify = TLS_VERIFY_NO;
		break;
	}
	tp.verify_loc = &lver;
	tp.protocols = p->f[ECTLS_F_TLS_PROTOCOLS].str;
	tp.protocols_loc = &lproto;
	tp.ciphers = p->f[ECTLS_F_TLS_CIPHERS].str;
	tp.ciphers_loc = &lciph;
	tp.tls13_suites = p->f[ECTLS_F_TLSV13_CIPHERSUITES].str;
	tp.tls13_loc = &l13;
	tp.policy_loc = &lpol;
	tp.now = o->now;
	tp.warn_days = o->warn_days;
	tls_check_policy(pl->tls, &tp, d, &protos);
	if (o->engines_both)
		check_engines(pl, d, tp.cert, tp.key, &lcert, tp.ca, &lca);
}

/*
 * Whether the TLS checks of this policy are new: the first policy with
 * these option lines.  The tls line counts only where tls_check_policy
 * reports at it (policy_loc): an engine that is not built, unset
 * tls_protocols under OpenSSL, unset tls_ciphers under GnuTLS.
 */
static int
tls_is_new(struct pipeline *pl, const struct tblw_policy *p,
    const struct resolve_src *src)
{
	uintptr_t k[MEMO_WORDS];
	int gnutls = p->f[ECTLS_F_TLS_ENGINE].num == ECTLS_ENGINE_GNUTLS;

	k[0] = (uintptr_t)src->node[ECTLS_F_TLS_ENGINE];
	k[1] = (uintptr_t)src->node[ECTLS_F_TLS_CERTIFICATE];
	k[2] = (uintptr_t)src->node[ECTLS_F_TLS_KEY];
	k[3] = (uintptr_t)src->node[ECTLS_F_TLS_CA];
	k[4] = (uintptr_t)src->node[ECTLS_F_TLS_VERIFY];
	k[5] = (uintptr_t)src->node[ECTLS_F_TLS_PROTOCOLS];
	k[6] = (uintptr_t)src->node[ECTLS_F_TLS_CIPHERS];
	k[7] = (uintptr_t)src->node[ECTLS_F_TLSV13_CIPHERSUITES];
	k[8] = 0;
	if (!tls_engine_available(gnutls ? TLS_ENGINE_GNUTLS :
	    TLS_ENGINE_OPENSSL) || (gnutls ? k[6] == 0 : k[5] == 0))
		k[8] = (uintptr_t)src->node[ECTLS_F_TLS];
	return memo_add(pl->memo, k);
}

/* The fields the checks of a policy read. */
#define F(x)		(UINT64_C(1) << ECTLS_F_##x)
#define CHECK_FIELDS	(F(TLS) | F(TLS_VERIFY) | F(TLS_CA) | \
			 F(TLS_CERTIFICATE) | F(TLS_KEY) | F(TLS_CIPHERS) | \
			 F(TLS_PROTOCOLS) | F(TLSV13_CIPHERSUITES) | \
			 F(TLS_ENGINE))

/* The checks of a policy where tls is not "no". */
static void
check_tls_on(struct pipeline *pl, const struct pipeline_opts *o,
    struct diag *d, const struct tblw_policy *p,
    const struct resolve_src *src)
{
	struct loc lca, lpol;
	struct diag_item *it;

	if (tls_is_new(pl, p, src))
		check_tls(pl, o, d, p, src);
	/* Policy-level findings, once per source location. */
	if (pl->want_unverified &&
	    p->f[ECTLS_F_TLS].num == ECTLS_TLS_REQUIRED &&
	    p->f[ECTLS_F_TLS_VERIFY].num == ECTLS_VERIFY_NO &&
	    src->node[ECTLS_F_TLS] != NULL &&
	    !node_seen(pl, SEEN_UNVERIFIED, src->node[ECTLS_F_TLS])) {
		lpol = src->node[ECTLS_F_TLS]->loc;
		it = diag_add(d, DIAG_WARNING, "tls-unverified", &lpol,
		    "tls = required without tls_verify: mail is "
		    "encrypted but the server is not authenticated, "
		    "so an active attacker can intercept it");
		if (src->node[ECTLS_F_TLS_VERIFY] != NULL)
			diag_note(d, it, &src->node[ECTLS_F_TLS_VERIFY]->loc,
			    "tls_verify = no set here");
	}
	if (pl->want_ca_ignored &&
	    p->f[ECTLS_F_TLS_VERIFY].num == ECTLS_VERIFY_NO &&
	    src->node[ECTLS_F_TLS_CA] != NULL &&
	    !node_seen(pl, SEEN_CA_IGNORED, src->node[ECTLS_F_TLS_CA])) {
		lca = value_loc(src->node[ECTLS_F_TLS_CA]);
		it = diag_add(d, DIAG_WARNING, "tls-ca-ignored", &lca,
		    "tls_ca has no effect: tls_verify is \"no\"");
		if (src->node[ECTLS_F_TLS_VERIFY] != NULL)
			diag_note(d, it, &src->node[ECTLS_F_TLS_VERIFY]->loc,
			    "tls_verify = no set here");
	}
}

/*
 * Checks of one effective policy, then (o->entry) the hand-over of the
 * whole policy.
 */
static void
check_policy(struct pipeline *pl, const struct pipeline_opts *o,
    struct diag *d, const struct pair *pr)
{
	struct tblw_policy p;
	struct resolve_src src;
	size_t n0 = d->nitems;

	/* Without o->entry only CHECK_FIELDS of p and src are defined. */
	if (o->entry != NULL)
		resolve_entry(pl->res, pr->b, pr->kind, pr->i, &p, &src);
	else
		resolve_entry_fields(pl->res, pr->b, pr->kind, pr->i,
		    CHECK_FIELDS, &p, &src);
	if (p.f[ECTLS_F_TLS].num == ECTLS_TLS_NO)
		check_unused(pl, d, &src);
	else
		check_tls_on(pl, o, d, &p, &src);
	note_pair(d, n0, pr);
	if (o->entry != NULL)
		o->entry(pl, pr->b, pr->kind, pr->i, &p, o->entry_arg);
}

/* Global options checked once: DH parameters and the curve list. */
static void
check_globals(struct pipeline *pl, const struct ast_node *n, struct diag *d)
{
	struct loc l;
	char kw[64];

	for (; n != NULL; n = n->next) {
		if (n->kind == AST_FILE || n->kind == AST_INCLUDE) {
			check_globals(pl, n->children, d);
			continue;
		}
		if (n->kind != AST_OPTION || n->value == NULL ||
		    (n->value->kind != AST_V_WORD &&
		    n->value->kind != AST_V_STRING))
			continue;
		sema_lower(kw, sizeof(kw), n->name);
		l = value_loc(n);
		if (strcmp(kw, "tls_dhparams_file") == 0)
			tls_check_dhparams_file(pl->tls, TLS_ENGINE_OPENSSL,
			    n->value->u.str, &l, d);
		else if (strcmp(kw, "tls_ec_curve_names") == 0)
			tls_check_curves(pl->tls, n->value->u.str, &l, d);
	}
}

int
pipeline_run(const char *file, const struct pipeline_opts *o, struct diag *d,
    struct pipeline *pl)
{
	struct pair pr;
	size_t b, i, nb;

	memset(pl, 0, sizeof(*pl));
	strmap_init(&pl->seen);
	ptrmap_init(&pl->nodes);
	pl->memo = xcalloc(1, sizeof(*pl->memo));
	pl->want_unused = wanted(o, "tls-unused", DIAG_NOTE);
	pl->want_unverified = wanted(o, "tls-unverified", DIAG_WARNING);
	pl->want_ca_ignored = wanted(o, "tls-ca-ignored", DIAG_WARNING);
	if (!o->syntax_only) {
		/* A schema that does not load is a failure to run. */
		if ((pl->schema = schema_load_default(d)) == NULL)
			return 2;
		for (i = 0; i < o->nextra; i++)
			if (schema_add_file(pl->schema, o->extra_schema[i], d) ==
			    -1)
				return 2;
	}
	if ((pl->cfg = cfg_parse_file(file, &o->cfg, d)) == NULL)
		return 2;
	if (o->syntax_only || d->truncated)
		return d->oom ? 2 : 0;
	sema_check(cfg_root(pl->cfg), pl->schema, d);
	logfmt_check(cfg_root(pl->cfg), d);
	if (d->truncated)
		return 0;
	pl->res = resolve_new(cfg_root(pl->cfg));
	if ((pl->tls = tls_checker_new()) == NULL)
		return 2;
	check_globals(pl, cfg_root(pl->cfg), d);
	nb = resolve_nbindings(pl->res);
	for (b = 0; b < nb && !d->truncated; b++) {
		if (o->progress != NULL && (b & 15) == 0)
			o->progress(b, nb, o->progress_arg);
		pr.b = b;
		pr.binding = resolve_binding(pl->res, b);
		pr.kind = RESOLVE_OWN;
		pr.i = 0;
		pr.domain = NULL;
		pr.regex = NULL;
		check_policy(pl, o, d, &pr);
		pr.kind = RESOLVE_DOMAIN;
		for (i = 0; i < resolve_ndomains(pl->res, b); i++) {
			pr.i = i;
			pr.domain = resolve_domain(pl->res, b, i);
			check_policy(pl, o, d, &pr);
		}
		pr.kind = RESOLVE_REGEX;
		pr.domain = NULL;
		for (i = 0; i < resolve_nregex(pl->res, b); i++) {
			pr.i = i;
			pr.regex = resolve_regex(pl->res, b, i, NULL);
			resolve_regex_desc(pl->res, b, i, pr.desc,
			    sizeof(pr.desc));
			check_policy(pl, o, d, &pr);
		}
	}
	if (o->progress != NULL)
		o->progress(nb, nb, o->progress_arg);
	return d->oom ? 2 : 0;
}

void
pipeline_fini(struct pipeline *pl)
{
	tls_checker_free(pl->tls);
	resolve_free(pl->res);
	cfg_free(pl->cfg);
	schema_free(pl->schema);
	strmap_fini(&pl->seen);
	ptrmap_fini(&pl->nodes);
	if (pl->memo != NULL) {
		free(pl->memo->keys);
		free(pl->memo->used);
		free(pl->memo);
	}
	memset(pl, 0, sizeof(*pl));
}

int
pipeline_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, se = 0, n = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		if (sscanf(s + 1, "%2d:%2d:%2d%n", &h, &mi, &se, &n) != 3 ||
		    n != 8)
			return -1;
		s += 1 + n;
	}
	if (*s == 'Z')
		s++;
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || se > 60 || y < 1970)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = timegm(&tm);
	return 0;
}

unsigned int
pipeline_protocols(const struct tblw_policy *p)
{
	struct tls_checker *c;
	struct diag scratch;
	unsigned int protos = TLS_PROTO_ALL;

	if (p->f[ECTLS_F_TLS_PROTOCOLS].str == NULL)
		return TLS_PROTO_ALL;
	diag_init(&scratch, 0);
	if ((c = tls_checker_new()) != NULL) {
		tls_check_protocols(c, p->f[ECTLS_F_TLS_PROTOCOLS].str, NULL,
		    &scratch, &protos);
		tls_checker_free(c);
	}
	diag_fini(&scratch);
	return protos;
}
