/* SPDX-License-Identifier: ISC */
/*
 * test_tblw_big.c -- a table of 300,000 keys: large enough that the
 * writer's perfect-hash scratch and file image take its big-block path
 * (2 MB aligned, huge-page hint; compiler/tblw.c big_alloc()) and that
 * the peel's prefetching stack is deep.  The table must be the same
 * whatever the insertion order, pass ectls_check(), and give every key
 * its own policy, an absent domain the binding's record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "ectls.h"
#include "tblw.h"

#define NBIND	3
#define NDOM	100000
#define NPORT	97

static void
names(uint32_t b, uint32_t d, char *bn, char *dn)
{
	snprintf(bn, 32, b == 0 ? "default" : "mta-%u", b);
	snprintf(dn, 64, "Host%u.Zone%u.example.", d, d % 11);
}

/* The port of (binding b, domain d); binding records get 30000 + b. */
static uint32_t
port_of(uint32_t b, uint32_t d)
{
	return 2000 + (b * 7 + d) % NPORT;
}

static uint8_t *
build(int reverse, size_t *len)
{
	struct tblw_policy p;
	struct tblw *w;
	struct diag dg;
	uint32_t b, d, i;
	char bn[32], dn[64];
	uint8_t *buf = NULL;

	diag_init(&dg, 0);
	assert_non_null(w = tblw_new("unit-big", &dg));
	for (b = 0; b < NBIND; b++) {
		snprintf(bn, sizeof(bn), b == 0 ? "default" : "mta-%u", b);
		tblw_policy_init(&p);
		p.f[ECTLS_F_REMOTE_SMTP_PORT].num = 30000 + b;
		p.f[ECTLS_F_REMOTE_SMTP_PORT].level = ECTLS_LVL_B;
		p.f[ECTLS_F_REMOTE_SMTP_PORT].file = "big.conf";
		p.f[ECTLS_F_REMOTE_SMTP_PORT].line = 1 + b;
		assert_int_equal(tblw_add_policy(w, bn, NULL, 0, 0, &p), 0);
	}
	for (i = 0; i < NBIND * NDOM; i++) {
		b = (reverse ? NBIND * NDOM - 1 - i : i) / NDOM;
		d = (reverse ? NBIND * NDOM - 1 - i : i) % NDOM;
		names(b, d, bn, dn);
		tblw_policy_init(&p);
		p.f[ECTLS_F_REMOTE_SMTP_PORT].num = port_of(b, d);
		p.f[ECTLS_F_REMOTE_SMTP_PORT].level = ECTLS_LVL_BD;
		p.f[ECTLS_F_REMOTE_SMTP_PORT].file = "big.conf";
		p.f[ECTLS_F_REMOTE_SMTP_PORT].line = 10 + d;
		assert_int_equal(tblw_add_policy(w, bn, dn, 0, 0, &p), 0);
	}
	assert_int_equal(tblw_write_mem(w, &buf, len), 0);
	assert_int_equal(dg.nitems, 0);
	tblw_free(w);
	diag_fini(&dg);
	return buf;
}

static void
test_big(void **state)
{
	const struct ectls_policy *pol;
	struct ectls_table *t;
	struct ectls_prov pv;
	uint8_t *a, *z;
	size_t alen, zlen;
	uint32_t b, d;
	char bn[32], dn[64];
	int err = 0;

	(void)state;
	a = build(0, &alen);
	z = build(1, &zlen);
	assert_true(alen > ((size_t)8 << 20));
	assert_int_equal(alen, zlen);
	assert_memory_equal(a, z, alen);
	free(z);
	assert_non_null(t = ectls_open_mem(a, alen, &err));
	assert_int_equal(ectls_check(t), 0);
	for (b = 0; b < NBIND; b++)
		for (d = 0; d < NDOM; d++) {
			names(b, d, bn, dn);
			assert_non_null(pol = ectls_lookup(t, bn, dn));
			assert_int_equal(ectls_get_remote_smtp_port(pol),
			    port_of(b, d));
			if (d % 1000 == 0) {
				ectls_policy_prov(pol,
				    ECTLS_F_REMOTE_SMTP_PORT, &pv);
				assert_int_equal(pv.line, 10 + d);
			}
		}
	for (b = 0; b < NBIND; b++) {
		names(b, NDOM + b, bn, dn);
		assert_non_null(pol = ectls_lookup(t, bn, dn));
		assert_int_equal(ectls_get_remote_smtp_port(pol), 30000 + b);
	}
	ectls_close(t);
	free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_big),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
