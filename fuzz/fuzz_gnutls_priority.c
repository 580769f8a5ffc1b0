/* SPDX-License-Identifier: ISC */
/*
 * fuzz_gnutls_priority.c -- libFuzzer target for tls_ciphers under
 * tls_engine = gnutls: tls_check_ciphers() with engine gnutls checks the
 * value as a GnuTLS priority string (syntax through gnutls_priority_init,
 * its err_pos turned into a column) and for SSL 3.0 reachability (the
 * library's protocol list and the static rule of tls.c).
 *
 * Invariants besides tls_fuzz.h's:
 *  - tls-priority-invalid is filed exactly when gnutls_priority_init()
 *    refuses the string, once;
 *  - a string whose evaluated protocol list holds SSL 3.0 gets tls-poodle;
 *  - the fix the message proposes works: a valid string with
 *    ":-VERS-SSL3.0" appended gets no tls-poodle.
 * The fuzz target may include GnuTLS (make lint-includes exempts fuzz/).
 * Seeds: fuzz/corpus/gnutls_priority/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "tls_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FIX	":-VERS-SSL3.0"

/* -1: the library refuses s; else 1 if its protocol list has SSL 3.0. */
static int
lib_eval(const char *s)
{
	gnutls_priority_t prio;
	const unsigned int *list = NULL;
	const char *err_pos = NULL;
	int i, n, ssl3 = 0;

	if (gnutls_priority_init(&prio, s, &err_pos) < 0)
		return -1;
	n = gnutls_priority_protocol_list(prio, &list);
	for (i = 0; i < n && list != NULL; i++)
		if (list[i] == GNUTLS_SSL3)
			ssl3 = 1;
	gnutls_priority_deinit(prio);
	return ssl3;
}

/* Check s (of len bytes); returns the number of tls-poodle findings. */
static size_t
check_one(const char *s, size_t len)
{
	struct tls_checker *tc;
	struct diag d;
	struct loc vl = fz_vloc(len);
	size_t npoodle = 0;
	int rc, lib;

	if ((tc = tls_checker_new()) == NULL)
		return 0;
	diag_init(&d, 0);
	rc = tls_check_ciphers(tc, TLS_ENGINE_GNUTLS, s, &vl, &d);
	fz_check_findings(&d, 0, rc, &vl, len);
	if (!d.oom) {
		lib = lib_eval(s);
		if ((lib == -1) !=
		    (fz_count_id(&d, 0, "tls-priority-invalid") == 1))
			abort();
		npoodle = fz_count_id(&d, 0, "tls-poodle");
		if (lib == 1 && npoodle == 0)
			abort();	/* the library enables SSL 3.0 */
		if (lib == -1 && d.nitems != 1)
			abort();	/* one problem, one error */
	}
	diag_fini(&d);
	tls_checker_free(tc);
	return npoodle;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v, *fixed;

	if ((v = fz_cstr(data, size, 2048)) == NULL)
		return 0;
	check_one(v, size);
	if (size > 0 && lib_eval(v) >= 0 &&
	    (fixed = malloc(size + sizeof(FIX))) != NULL) {
		memcpy(fixed, v, size);
		memcpy(fixed + size, FIX, sizeof(FIX));
		if (lib_eval(fixed) >= 0 &&
		    check_one(fixed, size + sizeof(FIX) - 1) != 0)
			abort();	/* the proposed fix does not work */
		free(fixed);
	}
	free(v);
	return 0;
}
