/* SPDX-License-Identifier: ISC */
/*
 * fuzz_tls_ciphers.c -- libFuzzer target for the OpenSSL cipher settings:
 * tls_check_ciphers() with engine openssl (the tls_ciphers list, checked
 * element by element, then expanded) and tls_check_tls13_suites() (the
 * tlsv13_ciphersuites names), both on the input as the value.
 *
 * Invariants besides tls_fuzz.h's:
 *  - a list the check passes without an error is one OpenSSL accepts
 *    (SSL_CTX_set_cipher_list() == 1), and a list OpenSSL refuses gets an
 *    error (tls-cipher-unknown or tls-cipher-empty): the check must never be
 *    more lenient than the library;
 *  - TLS 1.3 suites: a ":"-separated name that is exactly one of the five
 *    suites OpenSSL 3.0 implements is never flagged, and a name that is not
 *    one (after the blanks OpenSSL's list parser trims) always is;
 *  - under GnuTLS the TLS 1.3 option is reported as ignored, once.
 * The fuzz target may include OpenSSL (make lint-includes exempts fuzz/).
 * Seeds: fuzz/corpus/tls_ciphers/.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const tls13_names[] = {
	"TLS_AES_128_GCM_SHA256",
	"TLS_AES_256_GCM_SHA384",
	"TLS_CHACHA20_POLY1305_SHA256",
	"TLS_AES_128_CCM_SHA256",
	"TLS_AES_128_CCM_8_SHA256",
};

/* 1 if v[start..end) is a TLS 1.3 suite name; exact: 1 without trimming. */
static int
tls13_known(const char *v, size_t start, size_t end, int exact)
{
	size_t i;

	if (!exact) {
		while (start < end && isspace((unsigned char)v[start]))
			start++;
		while (end > start && isspace((unsigned char)v[end - 1]))
			end--;
	}
	for (i = 0; i < sizeof(tls13_names) / sizeof(tls13_names[0]); i++)
		if (strlen(tls13_names[i]) == end - start &&
		    strncmp(v + start, tls13_names[i], end - start) == 0)
			return 1;
	return 0;
}

/* 1 if a tls-ciphersuite-unknown finding starts at column col. */
static int
flagged_at(const struct diag *d, size_t n0, uint32_t col)
{
	size_t i;

	for (i = n0; i < d->nitems; i++)
		if (d->items[i].col == col && strcmp(d->items[i].id,
		    "tls-ciphersuite-unknown") == 0)
			return 1;
	return 0;
}

static void
check_list(const char *v, size_t size)
{
	struct tls_checker *tc;
	struct diag d;
	struct loc vl = fz_vloc(size);
	SSL_CTX *ctx;
	size_t nerr;
	int rc, lib_ok;

	if ((tc = tls_checker_new()) == NULL)
		return;
	diag_init(&d, 0);
	rc = tls_check_ciphers(tc, TLS_ENGINE_OPENSSL, v, &vl, &d);
	fz_check_findings(&d, 0, rc, &vl, size);
	if (!d.oom && (ctx = SSL_CTX_new(TLS_method())) != NULL) {
		lib_ok = SSL_CTX_set_cipher_list(ctx, v) == 1;
		ERR_clear_error();
		SSL_CTX_free(ctx);
		nerr = fz_count_id(&d, 0, "tls-cipher-unknown") +
		    fz_count_id(&d, 0, "tls-cipher-empty");
		if (!lib_ok && nerr == 0)
			abort();	/* OpenSSL refuses what we passed */
		if (diag_count_at_least(&d, DIAG_ERROR) != nerr)
			abort();	/* only these two ids are errors */
	}
	diag_fini(&d);
	tls_checker_free(tc);
}

static void
check_tls13(const char *v, size_t size)
{
	struct tls_checker *tc;
	struct diag d;
	struct loc vl = fz_vloc(size);
	size_t start, end;
	int rc;

	if ((tc = tls_checker_new()) == NULL)
		return;
	diag_init(&d, 0);
	rc = tls_check_tls13_suites(tc, TLS_ENGINE_OPENSSL, v, &vl, &d);
	fz_check_findings(&d, 0, rc, &vl, size);
	if (!d.oom && v[0] != '\0') {
		for (start = 0;; start = end + 1) {
			end = start + strcspn(v + start, ":");
			if (tls13_known(v, start, end, 1) &&
			    flagged_at(&d, 0, vl.col + (uint32_t)start))
				abort();	/* a real suite flagged */
			if (!tls13_known(v, start, end, 0) &&
			    !flagged_at(&d, 0, vl.col + (uint32_t)start))
				abort();	/* a bad name let through */
			if (v[end] == '\0')
				break;
		}
	}
	diag_fini(&d);

	/* Under GnuTLS the option means nothing: one warning, no error. */
	diag_init(&d, 0);
	tls_checker_free(tc);
	if ((tc = tls_checker_new()) != NULL) {
		rc = tls_check_tls13_suites(tc, TLS_ENGINE_GNUTLS, v, &vl, &d);
		fz_check_findings(&d, 0, rc, &vl, size);
		if (!d.oom && (d.nitems != 1 ||
		    strcmp(d.items[0].id, "tls-option-ignored") != 0))
			abort();
	}
	diag_fini(&d);
	tls_checker_free(tc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v;

	if ((v = fz_cstr(data, size, 2048)) == NULL)
		return 0;
	check_list(v, size);
	check_tls13(v, size);
	free(v);
	return 0;
}
