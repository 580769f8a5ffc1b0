/* SPDX-License-Identifier: ISC */
/*
 * pipeline.c -- parse, schema checks, resolution and the TLS checks of
 * every effective policy (DESIGN: checks run on the effective policy of
 * every (binding, domain) pair, reported once per source location with the
 * first pair that exposed the problem as a note).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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
	const char	*binding;
	const char	*domain;	/* NULL: binding record */
	const char	*regex;		/* regex entry: its pattern */
	char		 desc[512];	/* regex entry: its stanzas */
};

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
	char k[64];
	size_t i;

	for (i = 0; i < sizeof(tlsf) / sizeof(tlsf[0]); i++) {
		/* Only options as specific as the tls = no that voids them. */
		if ((n = src->node[tlsf[i]]) == NULL ||
		    src->node[ECTLS_F_TLS] == NULL ||
		    src->level[tlsf[i]] > src->level[ECTLS_F_TLS])
			continue;
		snprintf(k, sizeof(k), "unused%p", (const void *)n);
		if (strmap_add(&pl->seen, k, (void *)1) != NULL)
			continue;
		it = diag_add(d, DIAG_NOTE, "tls-unused", &n->loc,
		    "\"%s\" has no effect where tls = no", n->name);
		if (src->node[ECTLS_F_TLS] != NULL)
			diag_note(d, it, &src->node[ECTLS_F_TLS]->loc,
			    "tls = no set here");
	}
}

/* Checks of one effective policy. */
static void
check_policy(struct pipeline *pl, const struct pipeline_opts *o,
    struct diag *d, const struct pair *pr)
{
	struct tblw_policy p;
	struct resolve_src src;
	struct tls_policy tp;
	struct loc lcert, lkey, lca, lproto, lciph, l13, lpol, lver;
	struct diag_item *it;
	size_t n0 = d->nitems;
	unsigned int protos;
	int rx = -1;
	size_t b, i;

	if (pr->regex != NULL) {
		for (b = 0; b < resolve_nbindings(pl->res); b++)
			if (strcmp(resolve_binding(pl->res, b), pr->binding) ==
			    0)
				break;
		for (i = 0; i < resolve_nregex(pl->res, b); i++)
			if (resolve_regex(pl->res, b, i, NULL) == pr->regex)
				rx = (int)i;
	}
	resolve_policy(pl->res, pr->binding, pr->domain, rx, &p, &src);
	if (p.f[ECTLS_F_TLS].num == ECTLS_TLS_NO) {
		check_unused(pl, d, &src);
		note_pair(d, n0, pr);
		return;
	}
	lcert = value_loc(src.node[ECTLS_F_TLS_CERTIFICATE]);
	lkey = value_loc(src.node[ECTLS_F_TLS_KEY]);
	lca = value_loc(src.node[ECTLS_F_TLS_CA]);
	lproto = value_loc(src.node[ECTLS_F_TLS_PROTOCOLS]);
	lciph = value_loc(src.node[ECTLS_F_TLS_CIPHERS]);
	l13 = value_loc(src.node[ECTLS_F_TLSV13_CIPHERSUITES]);
	lver = value_loc(src.node[ECTLS_F_TLS_VERIFY]);
	lpol = src.node[ECTLS_F_TLS] != NULL ? src.node[ECTLS_F_TLS]->loc :
	    (struct loc){ 0 };
	memset(&tp, 0, sizeof(tp));
	tp.engine = p.f[ECTLS_F_TLS_ENGINE].num == ECTLS_ENGINE_GNUTLS ?
	    TLS_ENGINE_GNUTLS : TLS_ENGINE_OPENSSL;
	tp.cert = p.f[ECTLS_F_TLS_CERTIFICATE].str;
	tp.cert_loc = &lcert;
	tp.key = p.f[ECTLS_F_TLS_KEY].str;
	tp.key_loc = &lkey;
	tp.ca = p.f[ECTLS_F_TLS_CA].str;
	tp.ca_loc = &lca;
	switch (p.f[ECTLS_F_TLS_VERIFY].num) {
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
	tp.protocols = p.f[ECTLS_F_TLS_PROTOCOLS].str;
	tp.protocols_loc = &lproto;
	tp.ciphers = p.f[ECTLS_F_TLS_CIPHERS].str;
	tp.ciphers_loc = &lciph;
	tp.tls13_suites = p.f[ECTLS_F_TLSV13_CIPHERSUITES].str;
	tp.tls13_loc = &l13;
	tp.policy_loc = &lpol;
	tp.now = o->now;
	tp.warn_days = o->warn_days;
	tls_check_policy(pl->tls, &tp, d, &protos);
	if (o->engines_both)
		check_engines(pl, d, tp.cert, tp.key, &lcert, tp.ca, &lca);
	/* Policy-level findings, once per source location. */
	if (p.f[ECTLS_F_TLS].num == ECTLS_TLS_REQUIRED &&
	    p.f[ECTLS_F_TLS_VERIFY].num == ECTLS_VERIFY_NO &&
	    src.node[ECTLS_F_TLS] != NULL) {
		char key[64];

		snprintf(key, sizeof(key), "%p", (const void *)
		    src.node[ECTLS_F_TLS]);
		if (strmap_add(&pl->seen, key, (void *)1) == NULL) {
			it = diag_add(d, DIAG_WARNING, "tls-unverified", &lpol,
			    "tls = required without tls_verify: mail is "
			    "encrypted but the server is not authenticated, "
			    "so an active attacker can intercept it");
			if (src.node[ECTLS_F_TLS_VERIFY] != NULL)
				diag_note(d, it,
				    &src.node[ECTLS_F_TLS_VERIFY]->loc,
				    "tls_verify = no set here");
		}
	}
	if (p.f[ECTLS_F_TLS_VERIFY].num == ECTLS_VERIFY_NO &&
	    src.node[ECTLS_F_TLS_CA] != NULL) {
		char key[64];

		snprintf(key, sizeof(key), "ca%p", (const void *)
		    src.node[ECTLS_F_TLS_CA]);
		if (strmap_add(&pl->seen, key, (void *)1) == NULL) {
			it = diag_add(d, DIAG_WARNING, "tls-ca-ignored", &lca,
			    "tls_ca has no effect: tls_verify is \"no\"");
			if (src.node[ECTLS_F_TLS_VERIFY] != NULL)
				diag_note(d, it,
				    &src.node[ECTLS_F_TLS_VERIFY]->loc,
				    "tls_verify = no set here");
		}
	}
	note_pair(d, n0, pr);
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
		pr.binding = resolve_binding(pl->res, b);
		pr.domain = NULL;
		pr.regex = NULL;
		check_policy(pl, o, d, &pr);
		for (i = 0; i < resolve_ndomains(pl->res, b); i++) {
			pr.domain = resolve_domain(pl->res, b, i);
			check_policy(pl, o, d, &pr);
		}
		pr.domain = NULL;
		for (i = 0; i < resolve_nregex(pl->res, b); i++) {
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
