/* SPDX-License-Identifier: ISC */
/*
 * policy.c -- built by tests/install/suite.sh against the INSTALLED
 * ectls.h and ectls.pc only (never the source tree), like the example in
 * libectls(3):
 *
 *   policy TABLE BINDING DOMAIN
 *
 * prints one line "tls=... tls_verify=... port=N ehlo=... how=... level=..."
 * for the pair, or an error and exit 2.
 */
#include <stdio.h>

#include <ectls.h>

int
main(int argc, char **argv)
{
	struct ectls_table *t;
	const struct ectls_policy *p;
	struct ectls_match m;
	struct ectls_prov pv;
	const char *ehlo, *how;
	int err = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: policy TABLE BINDING DOMAIN\n");
		return 2;
	}
	if ((t = ectls_open(argv[1], &err)) == NULL) {
		fprintf(stderr, "%s: %s\n", argv[1], ectls_strerror(err));
		return 2;
	}
	if ((p = ectls_lookup_ex(t, argv[2], argv[3], &m, &err)) == NULL) {
		fprintf(stderr, "%s: %s\n", argv[1], ectls_strerror(err));
		ectls_close(t);
		return 2;
	}
	ehlo = ectls_get_ehlo_hostname(p);
	how = m.how == ECTLS_HOW_EXACT ? "exact" :
	    m.how == ECTLS_HOW_REGEX ? "regex" : "binding";
	ectls_policy_prov(p, ECTLS_F_TLS, &pv);
	printf("tls=%s tls_verify=%s port=%u ehlo=%s how=%s%s level=%s\n",
	    ectls_value_name(ECTLS_F_TLS, ectls_get_tls(p)),
	    ectls_value_name(ECTLS_F_TLS_VERIFY, ectls_get_tls_verify(p)),
	    (unsigned)ectls_get_remote_smtp_port(p),
	    ehlo != NULL ? ehlo : "(unset)", how,
	    m.via_default ? "(default)" : "", ectls_level_name(pv.level));
	ectls_close(t);
	return 0;
}
