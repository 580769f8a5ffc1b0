/* SPDX-License-Identifier: ISC */
/*
 * fuzz_tls_protocols.c -- libFuzzer target for the tls_protocols check
 * (runtime/tls/tls.c tls_check_protocols, OpenSSL dialect).  The input is
 * the option's value.  Besides the findings' invariants (tls_fuzz.h), the
 * evaluated protocol set is compared with an independent evaluator written
 * from the contract in tls.h: tokens ALL SSLv2 SSLv3 TLSv1 TLSv1.0 TLSv1.1
 * TLSv1.2 TLSv1.3, case-insensitive, optional "+"/"-", ":"-separated (one
 * leading ":" tolerated), applied left to right to +ALL; any bad token
 * gives the set 0 and a tls-protocol-unknown error.  The findings must
 * follow the set: none left -> tls-protocol-none, SSLv2/SSLv3 ->
 * tls-poodle, TLS 1.0/1.1 -> tls-protocol-deprecated.
 * Seeds: fuzz/corpus/tls_protocols/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tls_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct {
	const char	*name;
	unsigned int	 bits;
} ref_tokens[] = {
	{ .name = "all", .bits = TLS_PROTO_ALL },
	{ .name = "sslv2", .bits = TLS_PROTO_SSLV2 },
	{ .name = "sslv3", .bits = TLS_PROTO_SSLV3 },
	{ .name = "tlsv1", .bits = TLS_PROTO_TLSV1_0 },
	{ .name = "tlsv1.0", .bits = TLS_PROTO_TLSV1_0 },
	{ .name = "tlsv1.1", .bits = TLS_PROTO_TLSV1_1 },
	{ .name = "tlsv1.2", .bits = TLS_PROTO_TLSV1_2 },
	{ .name = "tlsv1.3", .bits = TLS_PROTO_TLSV1_3 },
};

/* The reference: returns the number of bad tokens; *set the result. */
static size_t
ref_eval(const char *v, unsigned int *set)
{
	const char *p = v, *e;
	size_t n, i, bad = 0;
	unsigned int bits;
	int sign;

	*set = TLS_PROTO_ALL;
	if (*p == ':')
		p++;
	for (;;) {
		e = strchr(p, ':');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		sign = '+';
		if (n > 0 && (*p == '+' || *p == '-')) {
			sign = *p;
			p++;
			n--;
		}
		bits = 0;
		for (i = 0; i < sizeof(ref_tokens) / sizeof(ref_tokens[0]); i++)
			if (strlen(ref_tokens[i].name) == n &&
			    strncasecmp(p, ref_tokens[i].name, n) == 0)
				bits = ref_tokens[i].bits;
		if (bits == 0)
			bad++;
		else if (sign == '+')
			*set |= bits;
		else
			*set &= ~bits;
		if (e == NULL)
			break;
		p = e + 1;
	}
	if (bad)
		*set = 0;
	return bad;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_checker *tc;
	struct diag d;
	struct loc vl;
	unsigned int got = 0xdead, want;
	size_t bad, nunknown;
	char *v;
	int rc;

	if ((v = fz_cstr(data, size, 4096)) == NULL)
		return 0;
	if ((tc = tls_checker_new()) == NULL) {
		free(v);
		return 0;
	}
	diag_init(&d, 0);
	vl = fz_vloc(size);
	rc = tls_check_protocols(tc, v, &vl, &d, &got);
	fz_check_findings(&d, 0, rc, &vl, size);
	if (!d.oom) {
		bad = ref_eval(v, &want);
		nunknown = fz_count_id(&d, 0, "tls-protocol-unknown");
		if (got != want || (got & ~TLS_PROTO_ALL) != 0)
			abort();
		if (nunknown != bad)
			abort();	/* one error per bad token */
		if (bad == 0) {
			if ((want == 0) !=
			    (fz_count_id(&d, 0, "tls-protocol-none") == 1))
				abort();
			if (fz_count_id(&d, 0, "tls-poodle") !=
			    !!(want & TLS_PROTO_SSLV3) +
			    !!(want & TLS_PROTO_SSLV2))
				abort();
			if ((fz_count_id(&d, 0, "tls-protocol-deprecated") ==
			    1) != !!(want & (TLS_PROTO_TLSV1_0 |
			    TLS_PROTO_TLSV1_1)))
				abort();
		} else if (d.nitems != bad) {
			abort();	/* nothing but the bad tokens */
		}
	}

	/* The same value again through the same checker: all deduplicated. */
	diag_fini(&d);
	diag_init(&d, 0);
	rc = tls_check_protocols(tc, v, &vl, &d, NULL);
	if (!d.oom && (rc != 0 || d.nitems != 0))
		abort();

	/* Without a location: nothing may invent one. */
	diag_fini(&d);
	diag_init(&d, 0);
	tls_checker_free(tc);
	if ((tc = tls_checker_new()) != NULL) {
		rc = tls_check_protocols(tc, v, NULL, &d, NULL);
		if (!d.oom) {
			size_t i;

			if (rc < 0)
				abort();
			for (i = 0; i < d.nitems; i++)
				if (d.items[i].path != NULL)
					abort();
		}
	}
	tls_checker_free(tc);
	diag_fini(&d);
	free(v);
	return 0;
}
