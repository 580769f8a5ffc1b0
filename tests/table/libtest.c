/* SPDX-License-Identifier: ISC */
/*
 * libtest.c -- proves libectls stands alone: includes only ectls.h, links
 * only libectls.a (plus libc and pcre2).  Run on the table built from
 * tests/table/basic.desc; prints one line per failed check, exits 1 if any.
 */
#include <stdio.h>
#include <string.h>

#include "ectls.h"

static int failed;

#define CHECK(c) do {							\
	if (!(c)) {							\
		printf("libtest: %s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #c);					\
		failed = 1;						\
	}								\
} while (0)

static int
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

int
main(int argc, char **argv)
{
	const struct ectls_policy *p;
	struct ectls_table *t;
	struct ectls_match m;
	struct ectls_prov pv;
	struct ectls_iter it;
	struct ectls_entry e;
	const char *name, *val;
	int err = 0, rc, n;

	if (argc != 2) {
		fprintf(stderr, "usage: libtest TABLE\n");
		return 2;
	}
	if ((t = ectls_open(argv[1], &err)) == NULL) {
		printf("libtest: %s: %s\n", argv[1], ectls_strerror(err));
		return 1;
	}
	CHECK(ectls_check(t) == 0);
	CHECK(streq(ectls_schema(t), "test-schema-1"));

	/* Exact, case-insensitive, trailing dot ignored. */
	p = ectls_lookup_ex(t, "mta1", "EXAMPLE.com.", &m, &err);
	CHECK(p != NULL && m.how == ECTLS_HOW_EXACT && !m.via_default);
	CHECK(ectls_get_tls(p) == ECTLS_TLS_REQUIRED);
	CHECK(ectls_get_tls_verify(p) == ECTLS_VERIFY_CA);
	CHECK(streq(ectls_get_tls_ca(p), "/etc/ssl/ca.pem"));
	CHECK(streq(ectls_get_gateway(p), "smarthost.example.net:2525"));
	CHECK(ectls_get_remote_smtp_port(p) == 2525);
	CHECK(ectls_get_routes(p) == 2);
	CHECK(streq(ectls_policy_list_item(p, ECTLS_F_ROUTES, 1),
	    "mx2.example.net"));
	CHECK(ectls_policy_list_item(p, ECTLS_F_ROUTES, 2) == NULL);
	CHECK(ectls_policy_protocols(p) == (ECTLS_PROTO_TLSV1_0 |
	    ECTLS_PROTO_TLSV1_1 | ECTLS_PROTO_TLSV1_2 | ECTLS_PROTO_TLSV1_3));
	ectls_policy_prov(p, ECTLS_F_TLS_VERIFY, &pv);
	CHECK(streq(pv.file, "ecelerity.conf") && pv.line == 30 &&
	    pv.level == ECTLS_LVL_BD);
	ectls_policy_prov(p, ECTLS_F_TLS, &pv);
	CHECK(pv.line == 20 && pv.level == ECTLS_LVL_B);
	CHECK(!ectls_policy_is_set(p, ECTLS_F_TLS_KEY));
	CHECK(ectls_get_tls_key(p) == NULL);
	CHECK(ectls_get_tls_ifavailable_fallback(p) == 1);
	CHECK(ectls_get_connect_timeout(p) == 300);

	/* Regexes in declaration order, after the exact miss. */
	p = ectls_lookup_ex(t, "mta1", "MX12.corp.example", &m, &err);
	CHECK(p != NULL && m.how == ECTLS_HOW_REGEX && m.regex_pos == 0);
	CHECK(ectls_get_tls(p) == ECTLS_TLS_NO);
	p = ectls_lookup_ex(t, "mta1", "www.corp.example", &m, &err);
	CHECK(p != NULL && m.how == ECTLS_HOW_REGEX && m.regex_pos == 1 &&
	    m.regex_level == ECTLS_LVL_D);
	CHECK(ectls_get_max_deliveries_per_connection(p) == 7);

	/* Domain fallback to the binding's own record. */
	p = ectls_lookup_ex(t, "mta1", "nowhere.test", &m, &err);
	CHECK(p != NULL && m.how == ECTLS_HOW_BINDING);
	CHECK(ectls_get_tls_verify(p) == ECTLS_VERIFY_HOST);

	/* Unknown binding: "default". */
	p = ectls_lookup_ex(t, "no-such-binding", "nowhere.test", &m, &err);
	CHECK(p != NULL && m.via_default && m.how == ECTLS_HOW_BINDING);
	CHECK(ectls_get_tls(p) == ECTLS_TLS_IFAVAILABLE);
	p = ectls_lookup_ex(t, "no-such-binding", "example.com", &m, &err);
	CHECK(p != NULL && m.via_default && m.how == ECTLS_HOW_EXACT);
	CHECK(streq(ectls_get_tls_certificate(p), "/etc/ssl/client.pem"));
	/* Binding names are case-sensitive. */
	p = ectls_lookup_ex(t, "MTA1", "example.com", &m, &err);
	CHECK(p != NULL && m.via_default);

	/*
	 * ectls_lookupn: the same answers from counted bytes, which need no
	 * NUL; a NUL inside the domain matches no key and no regex.
	 */
	CHECK(ectls_lookupn(t, "mta1xx", 4, "EXAMPLE.com.ZZZ", 12) ==
	    ectls_lookup(t, "mta1", "example.com"));
	CHECK(ectls_lookupn(t, "mta1", 4, "www.corp.example!", 16) ==
	    ectls_lookup(t, "mta1", "www.corp.example"));
	CHECK(ectls_lookupn(t, "mta1", 4, "nowhere.test", 12) ==
	    ectls_lookup(t, "mta1", "nowhere.test"));
	CHECK(ectls_lookupn(t, "mta1", 4, "www.corp.example", 0) ==
	    ectls_lookup(t, "mta1", ""));
	CHECK(ectls_lookupn(t, "mta1", 0, "example.com", 11) ==
	    ectls_lookup(t, "default", "example.com"));
	CHECK(ectls_lookupn(t, NULL, 4, "example.com", 11) ==
	    ectls_lookup(t, NULL, "example.com"));
	CHECK(ectls_lookupn(t, "mta1", 4, NULL, 11) ==
	    ectls_lookup(t, "mta1", NULL));
	CHECK(ectls_lookupn(t, "mta1", 4, "x\0www.corp.example", 18) ==
	    ectls_lookup(t, "mta1", "nowhere.test"));
	CHECK(ectls_lookupn(t, "mta1", 4, "example.com\0", 12) ==
	    ectls_lookup(t, "mta1", "nowhere.test"));

	/* Identical records are stored once (one index, one record). */
	CHECK(ectls_policy_index(ectls_lookup(t, "mta1", "example.org")) ==
	    ectls_policy_index(ectls_lookup(t, "default", "example.org")));
	CHECK(ectls_policy_index(ectls_lookup(t, "mta1", "example.org")) !=
	    ectls_policy_index(ectls_lookup(t, "mta1", "example.com")));
	CHECK(ectls_npolicies(t) == 5);

	/* Iteration: 2 binding records, 2 regexes, 4 exact keys. */
	ectls_iter_init(&it);
	n = 0;
	while ((rc = ectls_iter_next(t, &it, &e)) == 1)
		n++;
	CHECK(rc == 0 && n == 8);

	CHECK(ectls_nlogformats(t) == 2);
	CHECK(ectls_logformat(t, 0, &name, &val) == 0 &&
	    streq(name, "delivery_format") && streq(val, "%t@%i@%BI@%CI"));
	CHECK(streq(ectls_logformat_get(t, "transient_failure_format"),
	    "%t@%i@T"));
	CHECK(ectls_nfiles(t) == 1);
	ectls_close(t);

	/* Errors are codes with messages, never crashes. */
	CHECK(ectls_open("/nonexistent/table", &err) == NULL &&
	    err == ECTLS_ERR_SYS);
	CHECK(ectls_open_mem("garbage!", 8, &err) == NULL &&
	    err == ECTLS_ERR_MAGIC);
	CHECK(strlen(ectls_strerror(ECTLS_ERR_BODY_CRC)) > 0);
	return failed;
}
