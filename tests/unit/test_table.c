/* SPDX-License-Identifier: ISC */
/*
 * test_table.c -- the policy table: writer (compiler/tblw.c) and reader
 * (runtime/tblr.c) round trips, fallbacks, dedup, determinism, and
 * corruption (every byte flipped, every truncation) handled cleanly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "crc32c.h"
#include "diag.h"
#include "ectls.h"
#include "sha256.h"
#include "tbl_format.h"
#include "tblw.h"

static uint64_t rng_state;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static const char *const certs[] = { "/etc/a.pem", "/etc/b.pem", NULL };
static const char *const routes[] = { "mx1.example.net", "mx2.example.net" };

/* Policy number k: deterministic values that differ between k. */
static void
make_policy(struct tblw_policy *p, uint32_t k)
{
	tblw_policy_init(p);
	p->f[ECTLS_F_TLS].num = k % 3;
	p->f[ECTLS_F_TLS].level = ECTLS_LVL_BD;
	p->f[ECTLS_F_TLS].file = "a.conf";
	p->f[ECTLS_F_TLS].line = k + 1;
	p->f[ECTLS_F_TLS_VERIFY].num = (k / 3) % 4;
	p->f[ECTLS_F_TLS_VERIFY].level = ECTLS_LVL_G;
	p->f[ECTLS_F_TLS_VERIFY].file = "g.conf";
	p->f[ECTLS_F_TLS_VERIFY].line = 7;
	p->f[ECTLS_F_TLS_CERTIFICATE].str = certs[k % 3];
	if (certs[k % 3] != NULL) {
		p->f[ECTLS_F_TLS_CERTIFICATE].level = ECTLS_LVL_B;
		p->f[ECTLS_F_TLS_CERTIFICATE].file = "b.conf";
		p->f[ECTLS_F_TLS_CERTIFICATE].line = 3;
	}
	p->f[ECTLS_F_ROUTES].list = routes;
	p->f[ECTLS_F_ROUTES].nlist = k % 3;
	p->f[ECTLS_F_REMOTE_SMTP_PORT].num = 2500 + k;
	p->protocols = k & ECTLS_PROTO_ALL;
}

static void
check_policy(const struct ectls_policy *p, uint32_t k)
{
	struct ectls_prov pv;

	assert_non_null(p);
	assert_int_equal(ectls_get_tls(p), k % 3);
	assert_int_equal(ectls_get_tls_verify(p), (k / 3) % 4);
	if (certs[k % 3] == NULL) {
		assert_null(ectls_get_tls_certificate(p));
		assert_false(ectls_policy_is_set(p, ECTLS_F_TLS_CERTIFICATE));
	} else
		assert_string_equal(ectls_get_tls_certificate(p), certs[k % 3]);
	assert_int_equal(ectls_get_routes(p), k % 3);
	if (k % 3 == 2)
		assert_string_equal(ectls_policy_list_item(p, ECTLS_F_ROUTES,
		    1), "mx2.example.net");
	assert_int_equal(ectls_get_remote_smtp_port(p), 2500 + k);
	assert_int_equal(ectls_policy_protocols(p), k & ECTLS_PROTO_ALL);
	ectls_policy_prov(p, ECTLS_F_TLS, &pv);
	assert_string_equal(pv.file, "a.conf");
	assert_int_equal(pv.line, k + 1);
	assert_int_equal(pv.level, ECTLS_LVL_BD);
	ectls_policy_prov(p, ECTLS_F_CONNECT_TIMEOUT, &pv);
	assert_null(pv.file);
	assert_int_equal(pv.level, ECTLS_LVL_DEFAULT);
	assert_int_equal(ectls_get_connect_timeout(p), 300);
}

#define NBIND	7
#define NDOM	700
#define NPOL	40

/* Which policy (binding b, domain d) gets; NPOL + b for binding records. */
static uint32_t
pol_of(uint32_t b, uint32_t d)
{
	return (b * 31 + d * 7) % NPOL;
}

static void
binding_name(char *buf, size_t n, uint32_t b)
{
	if (b == 0)
		snprintf(buf, n, "default");
	else
		snprintf(buf, n, "mta-%u", b);
}

/*
 * Build the big test table.  order: 0 natural, 1 reversed, 2 shuffled (the
 * output must not depend on it).
 */
static uint8_t *
build_big(int order, size_t *len)
{
	struct tblw_policy p;
	struct tblw *w;
	struct diag d;
	uint32_t *perm, n = NBIND * NDOM, i, j, x, b, dd;
	char bn[32], dn[64];
	uint8_t *buf = NULL;

	diag_init(&d, 0);
	assert_non_null(w = tblw_new("unit-1", &d));
	assert_non_null(perm = malloc(n * sizeof(*perm)));
	for (i = 0; i < n; i++)
		perm[i] = order == 1 ? n - 1 - i : i;
	rng_state = 0x1234567;
	if (order == 2)
		for (i = n - 1; i > 0; i--) {
			j = rnd() % (i + 1);
			x = perm[i];
			perm[i] = perm[j];
			perm[j] = x;
		}
	for (b = 0; b < NBIND; b++) {
		binding_name(bn, sizeof(bn), b);
		make_policy(&p, NPOL + b);
		assert_int_equal(tblw_add_policy(w, bn, NULL, 0, 0, &p), 0);
		/* Regexes: the order within a binding is kept. */
		make_policy(&p, NPOL + 10 + b);
		assert_int_equal(tblw_add_policy(w, bn, "^mx[0-9]+\\.rx\\.test$",
		    1, ECTLS_LVL_BD, &p), 0);
		make_policy(&p, NPOL + 20 + b);
		assert_int_equal(tblw_add_policy(w, bn, "rx\\.test$", 1,
		    ECTLS_LVL_D, &p), 0);
	}
	for (i = 0; i < n; i++) {
		b = perm[i] / NDOM;
		dd = perm[i] % NDOM;
		binding_name(bn, sizeof(bn), b);
		snprintf(dn, sizeof(dn), "Mail%u.Example-%u.com.", dd, dd % 13);
		make_policy(&p, pol_of(b, dd));
		assert_int_equal(tblw_add_policy(w, bn, dn, 0, 0, &p), 0);
	}
	assert_int_equal(tblw_add_file(w, "/etc/b.pem",
	    (const uint8_t *)"0123456789abcdef0123456789abcdef"), 0);
	assert_int_equal(tblw_add_file(w, "/etc/a.pem",
	    (const uint8_t *)"abcdef0123456789abcdef0123456789"), 0);
	assert_int_equal(tblw_add_logformat(w, "delivery_format", "%t@%i"), 0);
	assert_int_equal(tblw_write_mem(w, &buf, len), 0);
	assert_int_equal(d.nitems, 0);
	tblw_free(w);
	diag_fini(&d);
	free(perm);
	return buf;
}

static void
test_round_trip(void **state)
{
	struct ectls_table *t;
	struct ectls_match m;
	struct ectls_iter it;
	struct ectls_entry e;
	const struct ectls_policy *p;
	char bn[32], dn[64];
	uint32_t b, dd, nent = 0;
	uint8_t *buf;
	size_t len;
	int err = -1, rc;

	buf = build_big(0, &len);
	assert_non_null(t = ectls_open_mem(buf, len, &err));
	assert_int_equal(err, 0);
	assert_int_equal(ectls_check(t), 0);
	assert_string_equal(ectls_schema(t), "unit-1");
	assert_int_equal(ectls_nkeys(t), NBIND * NDOM + NBIND);
	assert_int_equal(ectls_nbindings(t), NBIND);
	assert_int_equal(ectls_nregex(t), 2 * NBIND);
	/* Identical records stored once: NPOL + 3 per binding. */
	assert_int_equal(ectls_npolicies(t), NPOL + 3 * NBIND);
	for (b = 0; b < NBIND; b++) {
		binding_name(bn, sizeof(bn), b);
		for (dd = 0; dd < NDOM; dd++) {
			/* Stored mixed-case with a dot; query canonical. */
			snprintf(dn, sizeof(dn), "mail%u.example-%u.com", dd,
			    dd % 13);
			p = ectls_lookup_ex(t, bn, dn, &m, &err);
			assert_int_equal(m.how, ECTLS_HOW_EXACT);
			check_policy(p, pol_of(b, dd));
		}
		/* Domain miss: regexes in order, then the binding record. */
		p = ectls_lookup_ex(t, bn, "MX17.rx.test.", &m, &err);
		assert_int_equal(m.how, ECTLS_HOW_REGEX);
		assert_int_equal(m.regex_pos, 0);
		check_policy(p, NPOL + 10 + b);
		p = ectls_lookup_ex(t, bn, "www.rx.test", &m, &err);
		assert_int_equal(m.how, ECTLS_HOW_REGEX);
		assert_int_equal(m.regex_pos, 1);
		assert_int_equal(m.regex_level, ECTLS_LVL_D);
		check_policy(p, NPOL + 20 + b);
		p = ectls_lookup_ex(t, bn, "unknown.example", &m, &err);
		assert_int_equal(m.how, ECTLS_HOW_BINDING);
		assert_int_equal(m.via_default, 0);
		check_policy(p, NPOL + b);
		/* No domain at all: the binding record. */
		check_policy(ectls_lookup(t, bn, NULL), NPOL + b);
		check_policy(ectls_lookup(t, bn, "."), NPOL + b);
	}
	/* Unknown binding: "default" with its domains and regexes. */
	p = ectls_lookup_ex(t, "mta-99", "mail5.example-5.com", &m, &err);
	assert_int_equal(m.via_default, 1);
	assert_int_equal(m.how, ECTLS_HOW_EXACT);
	check_policy(p, pol_of(0, 5));
	p = ectls_lookup_ex(t, "mta-99", "nope.example", &m, &err);
	assert_int_equal(m.via_default, 1);
	check_policy(p, NPOL);
	/* Binding names are case-sensitive. */
	p = ectls_lookup_ex(t, "MTA-1", "mail5.example-5.com", &m, &err);
	assert_int_equal(m.via_default, 1);
	/* Too long a domain or binding: fallbacks, never a crash. */
	{
		char big[600];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		p = ectls_lookup_ex(t, "mta-1", big, &m, &err);
		assert_int_equal(m.how, ECTLS_HOW_BINDING);
		check_policy(p, NPOL + 1);
		p = ectls_lookup_ex(t, big, "x.example", &m, &err);
		assert_int_equal(m.via_default, 1);
		p = ectls_lookup_ex(t, "", "x.example", &m, &err);
		assert_int_equal(m.via_default, 1);
		assert_non_null(ectls_lookup(t, NULL, NULL));
	}
	/* Iteration sees everything, sorted by binding. */
	ectls_iter_init(&it);
	while ((rc = ectls_iter_next(t, &it, &e)) == 1) {
		if (e.kind == ECTLS_ENTRY_EXACT)
			assert_ptr_equal(e.policy,
			    ectls_lookup(t, e.binding, e.domain));
		nent++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(nent, NBIND * NDOM + 3 * NBIND);
	{
		const char *path;
		const uint8_t *sha;

		assert_int_equal(ectls_nfiles(t), 2);
		assert_int_equal(ectls_file(t, 0, &path, &sha), 0);
		assert_string_equal(path, "/etc/a.pem");
		assert_memory_equal(sha, "abcdef0123456789abcdef0123456789",
		    32);
		assert_int_equal(ectls_file(t, 2, &path, &sha), -1);
	}
	assert_string_equal(ectls_logformat_get(t, "delivery_format"),
	    "%t@%i");
	ectls_close(t);
	free(buf);
}

/* Keys longer than a record's key area (KEYX), sharing long prefixes. */
static void
test_long_keys(void **state)
{
	struct tblw_policy p;
	struct ectls_table *t;
	struct ectls_match m;
	struct ectls_iter it;
	struct ectls_entry e;
	struct tblw *w;
	struct diag d;
	char bind[256], dom[256], q[300];
	uint8_t *buf = NULL;
	size_t len, i;
	int err, n = 0, rc;

	memset(bind, 'b', 255);
	bind[255] = '\0';
	diag_init(&d, 0);
	assert_non_null(w = tblw_new("long", &d));
	make_policy(&p, 1);
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), 0);
	make_policy(&p, 2);
	assert_int_equal(tblw_add_policy(w, bind, NULL, 0, 0, &p), 0);
	assert_int_equal(tblw_add_policy(w, bind, "x[0-9]\\.test$", 1,
	    ECTLS_LVL_BD, &p), 0);
	for (i = 0; i < 40; i++) {
		/* Same first 250 bytes, then a number. */
		memset(dom, 'd', 250);
		snprintf(dom + 250, 6, "%05zu", i);
		make_policy(&p, 3 + i);
		assert_int_equal(tblw_add_policy(w, bind, dom, 0, 0, &p), 0);
		assert_int_equal(tblw_add_policy(w, "default", dom, 0, 0, &p),
		    0);
	}
	assert_int_equal(tblw_write_mem(w, &buf, &len), 0);
	tblw_free(w);
	assert_non_null(t = ectls_open_mem(buf, len, &err));
	assert_int_equal(ectls_check(t), 0);
	for (i = 0; i < 40; i++) {
		memset(q, 'D', 250);
		snprintf(q + 250, 7, "%05zu.", i);
		check_policy(ectls_lookup_ex(t, bind, q, &m, &err), 3 + i);
		assert_int_equal(m.how, ECTLS_HOW_EXACT);
		check_policy(ectls_lookup(t, "default", q), 3 + i);
	}
	memset(q, 'd', 250);
	snprintf(q + 250, 6, "%05d", 99);
	check_policy(ectls_lookup_ex(t, bind, q, &m, &err), 2);
	assert_int_equal(m.how, ECTLS_HOW_BINDING);
	check_policy(ectls_lookup_ex(t, bind, "x7.test", &m, &err), 2);
	assert_int_equal(m.how, ECTLS_HOW_REGEX);
	bind[254] = 'c';
	(void)ectls_lookup_ex(t, bind, "x7.test", &m, &err);
	assert_int_equal(m.via_default, 1);
	ectls_iter_init(&it);
	while ((rc = ectls_iter_next(t, &it, &e)) == 1) {
		assert_true(strlen(e.binding) == 255 ||
		    strcmp(e.binding, "default") == 0);
		if (e.kind == ECTLS_ENTRY_EXACT)
			assert_int_equal(strlen(e.domain), 255);
		n++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 2 + 1 + 80);
	ectls_close(t);
	free(buf);
	diag_fini(&d);
}

static void
test_determinism(void **state)
{
	uint8_t *a, *b, *c;
	size_t la, lb, lc;

	a = build_big(0, &la);
	b = build_big(1, &lb);
	c = build_big(2, &lc);
	assert_int_equal(la, lb);
	assert_int_equal(la, lc);
	assert_memory_equal(a, b, la);
	assert_memory_equal(a, c, la);
	free(a);
	free(b);
	free(c);
}

/* A table of n keys; distinct: each key its own policy, else all one. */
static uint8_t *
build_n(uint32_t n, int distinct, size_t *len)
{
	struct tblw_policy p;
	struct tblw *w;
	struct diag d;
	char dn[64];
	uint8_t *buf = NULL;
	uint32_t i;

	diag_init(&d, 0);
	assert_non_null(w = tblw_new("x", &d));
	make_policy(&p, 0);
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), 0);
	for (i = 0; i < n; i++) {
		snprintf(dn, sizeof(dn), "d%u.example", i);
		make_policy(&p, distinct ? i : 1);
		assert_int_equal(tblw_add_policy(w, "default", dn, 0, 0, &p),
		    0);
	}
	assert_int_equal(tblw_write_mem(w, &buf, len), 0);
	tblw_free(w);
	diag_fini(&d);
	return buf;
}

static void
test_dedup(void **state)
{
	struct ectls_table *t;
	uint8_t *a, *b;
	size_t la, lb;

	a = build_n(1000, 0, &la);
	b = build_n(1000, 1, &lb);
	assert_non_null(t = ectls_open_mem(a, la, NULL));
	assert_int_equal(ectls_npolicies(t), 2);
	ectls_close(t);
	assert_non_null(t = ectls_open_mem(b, lb, NULL));
	assert_int_equal(ectls_npolicies(t), 1000);
	assert_int_equal(ectls_check(t), 0);
	ectls_close(t);
	/* 998 more policy records of 128 bytes (+ their provenance). */
	assert_true(lb >= la + 998 * TBL_POLICY_SIZE);
	free(a);
	free(b);
}

/*
 * The writer remembers string ids, the last binding and the last
 * provenance by address; a caller that reuses one buffer for different
 * text (binding, value, file name) must still get what it wrote.
 */
static void
test_reused_buffers(void **state)
{
	struct tblw_policy p;
	struct ectls_table *t;
	struct ectls_prov pv;
	struct tblw *w;
	struct diag d;
	char bind[16], val[32], file[16];
	uint8_t *buf = NULL;
	size_t len;
	int k, err;

	(void)state;
	diag_init(&d, 0);
	assert_non_null(w = tblw_new("reuse", &d));
	tblw_policy_init(&p);
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), 0);
	for (k = 0; k < 3; k++) {
		snprintf(bind, sizeof(bind), "b%d", k);
		snprintf(val, sizeof(val), "/etc/ca-%d.pem", k);
		snprintf(file, sizeof(file), "f%d.conf", k);
		tblw_policy_init(&p);
		p.f[ECTLS_F_TLS_CA].str = val;
		p.f[ECTLS_F_TLS_CA].level = ECTLS_LVL_B;
		p.f[ECTLS_F_TLS_CA].file = file;
		p.f[ECTLS_F_TLS_CA].line = 5;
		assert_int_equal(tblw_add_policy(w, bind, NULL, 0, 0, &p), 0);
		assert_int_equal(tblw_add_policy(w, bind, "example.com", 0, 0,
		    &p), 0);
	}
	assert_int_equal(tblw_write_mem(w, &buf, &len), 0);
	tblw_free(w);
	assert_non_null(t = ectls_open_mem(buf, len, &err));
	assert_int_equal(ectls_check(t), 0);
	for (k = 0; k < 3; k++) {
		const struct ectls_policy *x;

		snprintf(bind, sizeof(bind), "b%d", k);
		snprintf(val, sizeof(val), "/etc/ca-%d.pem", k);
		snprintf(file, sizeof(file), "f%d.conf", k);
		x = ectls_lookup(t, bind, "example.com");
		assert_string_equal(ectls_get_tls_ca(x), val);
		ectls_policy_prov(x, ECTLS_F_TLS_CA, &pv);
		assert_string_equal(pv.file, file);
		x = ectls_lookup(t, bind, "other.test");
		assert_string_equal(ectls_get_tls_ca(x), val);
	}
	ectls_close(t);
	free(buf);
	diag_fini(&d);
}

/* Recompute every checksum after a deliberate change (crafted input). */
static void
fix_crcs(uint8_t *f, size_t len)
{
	uint64_t g = tbl_le64(f + TBL_H_DIR + 16 * TBL_S_G);
	uint64_t bc = tbl_le64(f + TBL_H_DIR + 16 * TBL_S_BLOCKCRC);
	uint32_t shift = tbl_le32(f + TBL_H_BSHIFT);
	uint64_t blk, s, i;

	if (g > len || bc > len || shift < 10 || shift > 24)
		return;
	blk = (uint64_t)1 << shift;
	for (i = 0; (s = g + i * blk) < len && bc + 4 * i + 4 <= g; i++)
		tbl_put32(f + bc + 4 * i, crc32c(0, f + s,
		    (size_t)(len - s < blk ? len - s : blk)));
	tbl_put32(f + TBL_H_CRC, 0);
	tbl_put32(f + TBL_H_CRC, crc32c(0, f, (size_t)g));
}

static void
poke(const struct ectls_table *t)
{
	struct ectls_iter it;
	struct ectls_entry e;
	const struct ectls_policy *p;
	size_t i;

	(void)ectls_lookup(t, "mta1", "example.com");
	(void)ectls_lookup(t, "mta1", "mx7.corp.example");
	(void)ectls_lookup(t, "default", "example.org");
	(void)ectls_lookup(t, "x", "y");
	ectls_iter_init(&it);
	for (i = 0; i < 100 && ectls_iter_next(t, &it, &e) == 1; i++) {
		p = ectls_lookup(t, e.binding, e.domain);
		(void)ectls_policy_str(e.policy, ECTLS_F_TLS_CA);
		(void)ectls_policy_list_item(e.policy, ECTLS_F_ROUTES, 0);
		if (p != NULL)
			(void)ectls_get_tls(p);
	}
}

static uint8_t *
build_small(size_t *len)
{
	struct tblw_policy p;
	struct tblw *w;
	struct diag d;
	uint8_t *buf = NULL;

	diag_init(&d, 0);
	assert_non_null(w = tblw_new("small", &d));
	make_policy(&p, 0);
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), 0);
	make_policy(&p, 2);
	assert_int_equal(tblw_add_policy(w, "mta1", NULL, 0, 0, &p), 0);
	assert_int_equal(tblw_add_policy(w, "mta1", "example.com", 0, 0, &p),
	    0);
	make_policy(&p, 5);
	assert_int_equal(tblw_add_policy(w, "default", "example.org", 0, 0,
	    &p), 0);
	assert_int_equal(tblw_add_policy(w, "mta1", "^mx[0-9]+\\.corp", 1,
	    ECTLS_LVL_GD, &p), 0);
	/* A key too long for its record: stored in KEYX. */
	assert_int_equal(tblw_add_policy(w, "mta1",
	    "a-rather-long-sub-domain.of-a-long-domain.example", 0, 0, &p), 0);
	assert_int_equal(tblw_add_file(w, "/etc/a.pem",
	    (const uint8_t *)"abcdef0123456789abcdef0123456789"), 0);
	assert_int_equal(tblw_add_logformat(w, "delivery_format", "%t"), 0);
	assert_int_equal(tblw_write_mem(w, &buf, len), 0);
	tblw_free(w);
	diag_fini(&d);
	return buf;
}

static void
test_corrupt_every_byte(void **state)
{
	struct ectls_table *t;
	uint8_t *buf, *cp;
	size_t len, i;
	int err, k;
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };

	buf = build_small(&len);
	assert_non_null(t = ectls_open_mem(buf, len, NULL));
	assert_int_equal(ectls_check(t), 0);
	poke(t);
	ectls_close(t);
	assert_non_null(cp = malloc(len));
	for (k = 0; k < 3; k++)
		for (i = 0; i < len; i++) {
			memcpy(cp, buf, len);
			cp[i] ^= masks[k];
			t = ectls_open_mem(cp, len, &err);
			if (t == NULL) {
				assert_true(err > 0 && err < ECTLS_ERR__COUNT);
				assert_non_null(ectls_strerror(err));
				continue;
			}
			/* Open may pass (index blocks are checked lazily);
			 * lookups stay in bounds, the full check fails. */
			poke(t);
			if (ectls_check(t) == 0)
				fail_msg("flip of byte %zu (mask 0x%02x) not "
				    "detected", i, masks[k]);
			ectls_close(t);
		}
	/* Every truncation is an error. */
	for (i = 0; i < len; i++) {
		t = ectls_open_mem(buf, i, &err);
		assert_null(t);
		assert_true(err == ECTLS_ERR_TRUNCATED || err == ECTLS_ERR_MAGIC ||
		    (i == 0 && err == ECTLS_ERR_TRUNCATED));
	}
	/* Appended bytes are an error too. */
	assert_non_null(cp = realloc(cp, len + 1));
	memcpy(cp, buf, len);
	cp[len] = 0;
	assert_null(ectls_open_mem(cp, len + 1, &err));
	assert_int_equal(err, ECTLS_ERR_HEADER);
	free(cp);
	free(buf);
}

/*
 * Crafted files: flip each byte and recompute every checksum, so only the
 * structural checks stand between the bytes and the reader.  Must never
 * crash (this runs under the sanitizers in `make check-asan`).
 */
static void
test_crafted(void **state)
{
	struct ectls_table *t;
	uint8_t *buf, *cp;
	size_t len, i;
	int k;
	static const uint8_t masks[] = { 0x01, 0x10, 0xff };

	buf = build_small(&len);
	assert_non_null(cp = malloc(len));
	for (k = 0; k < 3; k++)
		for (i = 0; i < len; i++) {
			if (i >= TBL_H_CRC && i < TBL_H_CRC + 4)
				continue;
			memcpy(cp, buf, len);
			cp[i] ^= masks[k];
			fix_crcs(cp, len);
			if ((t = ectls_open_mem(cp, len, NULL)) == NULL)
				continue;
			poke(t);
			(void)ectls_check(t);
			poke(t);
			ectls_close(t);
		}
	free(cp);
	free(buf);
}

static int
has_error(const struct diag *d, const char *needle)
{
	size_t i;

	for (i = 0; i < d->nitems; i++)
		if (strcmp(d->items[i].id, "table-write") == 0 &&
		    strstr(d->items[i].msg, needle) != NULL)
			return 1;
	return 0;
}

static void
test_writer_errors(void **state)
{
	struct tblw_policy p;
	struct tblw *w;
	struct diag d;
	uint8_t *buf = NULL;
	size_t len = 0;
	char big[300];

	diag_init(&d, 0);
	tblw_policy_init(&p);
	w = tblw_new("x", &d);
	/* No "default" binding. */
	assert_int_equal(tblw_add_policy(w, "mta1", NULL, 0, 0, &p), 0);
	assert_int_equal(tblw_write_mem(w, &buf, &len), -1);
	assert_null(buf);
	assert_true(has_error(&d, "\"default\""));
	/* A binding with domains but no record of its own. */
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), 0);
	assert_int_equal(tblw_add_policy(w, "mta2", "a.example", 0, 0, &p), 0);
	assert_int_equal(tblw_write_mem(w, &buf, &len), -1);
	assert_true(has_error(&d, "\"mta2\" has no record"));
	assert_int_equal(tblw_add_policy(w, "mta2", NULL, 0, 0, &p), 0);
	/* Duplicate after canonicalisation. */
	assert_int_equal(tblw_add_policy(w, "mta2", "A.example.", 0, 0, &p), 0);
	assert_int_equal(tblw_write_mem(w, &buf, &len), -1);
	assert_true(has_error(&d, "added twice"));
	tblw_free(w);

	w = tblw_new("x", &d);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(tblw_add_policy(w, "default", big, 0, 0, &p), -1);
	assert_int_equal(tblw_add_policy(w, big, NULL, 0, 0, &p), -1);
	assert_int_equal(tblw_add_policy(w, "", NULL, 0, 0, &p), -1);
	assert_int_equal(tblw_add_policy(w, "default", "", 0, 0, &p), -1);
	assert_int_equal(tblw_add_policy(w, "default", "a(b", 1,
	    ECTLS_LVL_BD, &p), -1);
	assert_true(has_error(&d, "regex \"a(b\""));
	assert_int_equal(tblw_add_policy(w, "default", "ab", 1,
	    ECTLS_LVL_B, &p), -1);
	p.f[ECTLS_F_TLS].num = 3;
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), -1);
	assert_true(has_error(&d, "field tls: invalid value 3"));
	tblw_policy_init(&p);
	p.f[ECTLS_F_TLS].level = 99;
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), -1);
	tblw_policy_init(&p);
	assert_int_equal(tblw_add_file(w, "/x", (const uint8_t *)
	    "0123456789abcdef0123456789abcdef"), 0);
	assert_int_equal(tblw_add_file(w, "/x", (const uint8_t *)
	    "0123456789abcdef0123456789abcdef"), 0);
	assert_int_equal(tblw_add_file(w, "/x", (const uint8_t *)
	    "X123456789abcdef0123456789abcdef"), -1);
	assert_int_equal(tblw_add_logformat(w, "f", "a"), 0);
	assert_int_equal(tblw_add_logformat(w, "f", "b"), -1);
	/* Nothing written on error. */
	assert_int_equal(tblw_write_atomic(w, "/nonexistent-dir/t.ectp"), -1);
	assert_int_equal(access("/nonexistent-dir/t.ectp", F_OK), -1);
	tblw_free(w);
	diag_fini(&d);
}

static void
test_write_atomic(void **state)
{
	char dir[] = "/tmp/ectls-tblw.XXXXXX", path[64];
	struct tblw_policy p;
	struct ectls_table *t;
	struct tblw *w;
	struct diag d;
	int err;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.ectp", dir);
	diag_init(&d, 0);
	tblw_policy_init(&p);
	w = tblw_new("x", &d);
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), 0);
	assert_int_equal(tblw_write_atomic(w, path), 0);
	/* Failing write: the old file stays as it was. */
	assert_int_equal(tblw_add_policy(w, "orphan", "x.example", 0, 0, &p),
	    0);
	assert_int_equal(tblw_write_atomic(w, path), -1);
	tblw_free(w);
	assert_non_null(t = ectls_open(path, &err));
	assert_int_equal(ectls_check(t), 0);
	assert_int_equal(ectls_nkeys(t), 1);
	ectls_close(t);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);	/* no temporary file left */
	diag_fini(&d);
}

static void
test_crc_sha(void **state)
{
	static const struct {
		const char *in;
		const char *hex;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	uint8_t d[32];
	char hex[65], *mil;
	struct sha256 s;
	size_t i;

	assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283);
	assert_int_equal(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xe3069283);
	assert_int_equal(crc32c(0, "", 0), 0);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sha256(v[i].in, strlen(v[i].in), d);
		sha256_hex(d, hex);
		assert_string_equal(hex, v[i].hex);
	}
	/* One million 'a', fed in odd pieces. */
	assert_non_null(mil = malloc(1000000));
	memset(mil, 'a', 1000000);
	sha256_init(&s);
	for (i = 0; i < 1000000; i += 997)
		sha256_update(&s, mil + i, 1000000 - i < 997 ? 1000000 - i : 997);
	sha256_final(&s, d);
	sha256_hex(d, hex);
	assert_string_equal(hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(mil);
	assert_int_equal(sha256_file("/nonexistent/file", d), -1);
}

static void
test_protocols(void **state)
{
	uint32_t m;

	assert_int_equal(tblw_protocols_eval("+ALL", &m), 0);
	assert_int_equal(m, ECTLS_PROTO_ALL);
	assert_int_equal(tblw_protocols_eval("+ALL:-SSLv2:-SSLv3", &m), 0);
	assert_int_equal(m, ECTLS_PROTO_ALL & ~(ECTLS_PROTO_SSLV2 |
	    ECTLS_PROTO_SSLV3));
	assert_int_equal(tblw_protocols_eval(":ALL", &m), -1);
	assert_int_equal(tblw_protocols_eval(":+TLSv1.2:+TLSv1.3", &m), 0);
	assert_int_equal(m, ECTLS_PROTO_TLSV1_2 | ECTLS_PROTO_TLSV1_3);
	assert_int_equal(tblw_protocols_eval("+TLSv1.4", &m), -1);
	assert_int_equal(tblw_protocols_eval("+ALL:-TLSv1", &m), 0);
	assert_int_equal(m & ECTLS_PROTO_TLSV1_0, 0);
}

static void
test_catalogue(void **state)
{
	uint32_t v;
	int f;

	for (f = 0; f < ECTLS_NFIELDS; f++) {
		assert_non_null(ectls_field_name(f));
		assert_int_equal(ectls_field_by_name(ectls_field_name(f)), f);
	}
	assert_null(ectls_field_name(ECTLS_NFIELDS));
	assert_int_equal(ectls_field_by_name("nope"), -1);
	assert_int_equal(ectls_value_parse(ECTLS_F_TLS_VERIFY, "optional", &v),
	    0);
	assert_int_equal(v, ECTLS_VERIFY_OPTIONAL);
	assert_string_equal(ectls_value_name(ECTLS_F_TLS_ENGINE, 1), "gnutls");
	assert_null(ectls_value_name(ECTLS_F_TLS, 3));
	assert_string_equal(ectls_level_name(ECTLS_LVL_GD), "G::D");
	assert_string_equal(ectls_strerror(-ECTLS_ERR_INDEX),
	    ectls_strerror(ECTLS_ERR_INDEX));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_long_keys),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_dedup),
		cmocka_unit_test(test_reused_buffers),
		cmocka_unit_test(test_corrupt_every_byte),
		cmocka_unit_test(test_crafted),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_write_atomic),
		cmocka_unit_test(test_crc_sha),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_catalogue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
