/* SPDX-License-Identifier: ISC */
/*
 * test_tblw_policy.c -- the writer's policy encoding (compiler/tblw.c,
 * policy_id()): a bad policy gets the message of its first bad field in
 * field order, whatever fails after it; the string memo gives the bytes
 * of the call, a reused buffer included; tblw_strings_stable() changes
 * nothing in the output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "ectls.h"
#include "tblw.h"

/* The message of the last item filed, or "". */
static const char *
last_msg(const struct diag *d)
{
	return d->nitems > 0 ? d->items[d->nitems - 1].msg : "";
}

static void
test_first_bad_field(void **state)
{
	static const char *const bad_list[] = { "mx.example", NULL };
	struct tblw_policy p;
	struct tblw *w;
	struct diag d;

	(void)state;
	diag_init(&d, 0);
	assert_non_null(w = tblw_new("x", &d));

	/* tls (field 0) value, tls_verify (field 2) level: tls first. */
	tblw_policy_init(&p);
	p.f[ECTLS_F_TLS].num = 7;
	p.f[ECTLS_F_TLS_VERIFY].level = 99;
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), -1);
	assert_string_equal(last_msg(&d),
	    "policy table: field tls: invalid value 7");

	/* tls level, then tls_verify value: the level of tls. */
	tblw_policy_init(&p);
	p.f[ECTLS_F_TLS].level = -1;
	p.f[ECTLS_F_TLS_VERIFY].num = 40;
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), -1);
	assert_string_equal(last_msg(&d),
	    "policy table: field tls: invalid level -1");

	/* A bad level and a bad value on one field: the level. */
	tblw_policy_init(&p);
	p.f[ECTLS_F_TLS_ENGINE].num = 9;
	p.f[ECTLS_F_TLS_ENGINE].level = ECTLS_LVL__COUNT;
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), -1);
	assert_string_equal(last_msg(&d),
	    "policy table: field tls_engine: invalid level 7");

	/* tls_engine (9) value before a NULL routes (15) item. */
	tblw_policy_init(&p);
	p.f[ECTLS_F_ROUTES].list = bad_list;
	p.f[ECTLS_F_ROUTES].nlist = 2;
	p.f[ECTLS_F_TLS_ENGINE].num = 5;
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), -1);
	assert_string_equal(last_msg(&d),
	    "policy table: field tls_engine: invalid value 5");
	p.f[ECTLS_F_TLS_ENGINE].num = 0;
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), -1);
	assert_string_equal(last_msg(&d),
	    "policy table: field routes: NULL list item");

	/* A NULL item after a bad level of a later field: the item. */
	p.f[ECTLS_F_EHLO_HOSTNAME].level = 12;
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), -1);
	assert_string_equal(last_msg(&d),
	    "policy table: field routes: NULL list item");

	/* A UINT takes any 32-bit value. */
	tblw_policy_init(&p);
	p.f[ECTLS_F_RETRY_INTERVAL].num = UINT32_MAX;
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), 0);
	tblw_free(w);
	diag_fini(&d);
}

/*
 * Two domains whose ehlo_hostname comes from one buffer rewritten in
 * between (the writer must not take the second for the first by its
 * address), with and without tblw_strings_stable() where the strings
 * differ by address: the same bytes.
 */
static uint8_t *
build(int stable, int reuse, size_t *len)
{
	static const char *const names[] = { "mta-a.example", "mta-b.example" };
	char buf[2][32];
	struct tblw_policy p;
	struct tblw *w;
	struct diag d;
	uint8_t *out = NULL;
	int i;

	diag_init(&d, 0);
	assert_non_null(w = tblw_new("x", &d));
	if (stable)
		tblw_strings_stable(w);
	tblw_policy_init(&p);
	assert_int_equal(tblw_add_policy(w, "default", NULL, 0, 0, &p), 0);
	for (i = 0; i < 2; i++) {
		strcpy(buf[reuse ? 0 : i], names[i]);
		tblw_policy_init(&p);
		p.f[ECTLS_F_EHLO_HOSTNAME].str = buf[reuse ? 0 : i];
		p.f[ECTLS_F_EHLO_HOSTNAME].level = ECTLS_LVL_BD;
		p.f[ECTLS_F_EHLO_HOSTNAME].file = "t.conf";
		p.f[ECTLS_F_EHLO_HOSTNAME].line = (uint32_t)(3 + i);
		assert_int_equal(tblw_add_policy(w, "default", i ? "b.example" :
		    "a.example", 0, 0, &p), 0);
	}
	assert_int_equal(tblw_write_mem(w, &out, len), 0);
	tblw_free(w);
	diag_fini(&d);
	return out;
}

static void
test_string_memo(void **state)
{
	struct ectls_table *t;
	const struct ectls_policy *p;
	uint8_t *a, *b;
	size_t alen, blen;
	int err;

	(void)state;
	a = build(0, 1, &alen);
	b = build(1, 0, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	assert_non_null(t = ectls_open_mem(a, alen, &err));
	assert_non_null(p = ectls_lookup(t, "default", "a.example"));
	assert_string_equal(ectls_policy_str(p, ECTLS_F_EHLO_HOSTNAME),
	    "mta-a.example");
	assert_non_null(p = ectls_lookup(t, "default", "b.example"));
	assert_string_equal(ectls_policy_str(p, ECTLS_F_EHLO_HOSTNAME),
	    "mta-b.example");
	ectls_close(t);
	free(a);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_bad_field),
		cmocka_unit_test(test_string_memo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
