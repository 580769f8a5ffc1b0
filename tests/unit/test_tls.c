/* SPDX-License-Identifier: ISC */
/*
 * test_tls.c -- the TLS checks (runtime/tls) under both engines, against a
 * PKI generated at test time by tests/tls/gen-pki.sh (fixed certificate
 * dates; `now` is fixed at 2026-06-01T00:00:00Z).  $ECTLS_TLS_PKI names an
 * existing PKI directory; otherwise the group setup generates one into a
 * temporary directory and FAILS (never skips) if it cannot.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks.h"
#include "diag.h"
#include "tls/tls.h"
#include "tls/tls_int.h"

static char pki[4096];
static char tmpdir[64];
static time_t now;

static const enum tls_engine eng_ossl = TLS_ENGINE_OPENSSL;
static const enum tls_engine eng_gtls = TLS_ENGINE_GNUTLS;

static const struct loc_file conf = { .path = "ecelerity.conf" };
static const struct loc_file conf2 = { .path = "conf.d/tls.conf" };
/* A value at line 10, column 20 (the first byte of its content). */
static const struct loc vloc = { .file = &conf, .line = 10, .col = 20,
    .off = 300, .len = 0 };
static const struct loc vloc2 = { .file = &conf2, .line = 4, .col = 11,
    .off = 80, .len = 0 };

static const char *
P(const char *name)
{
	static char buf[8][4200];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", pki, name);
	return buf[i];
}

static int
group_setup(void **state)
{
	const char *env = getenv("ECTLS_TLS_PKI");
	char cmd[4300];
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 5;
	tm.tm_mday = 1;
	now = timegm(&tm);

	if (env != NULL && *env != '\0') {
		snprintf(pki, sizeof(pki), "%s", env);
	} else {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/ectls-pki.XXXXXX");
		if (mkdtemp(tmpdir) == NULL)
			return -1;
		snprintf(pki, sizeof(pki), "%s/pki", tmpdir);
		snprintf(cmd, sizeof(cmd), "sh tests/tls/gen-pki.sh '%s' "
		    ">/dev/null 2>&1", pki);
		if (system(cmd) != 0) {
			fprintf(stderr, "# tests/tls/gen-pki.sh failed (cwd "
			    "must be the repository root)\n");
			return -1;
		}
	}
	/* A PKI that lacks its files must fail the run, not pass it. */
	if (access(P("client.crt"), R_OK) != 0 ||
	    access(P("dh2048.pem"), R_OK) != 0)
		return -1;
	/* Key modes the permission tests rely on. */
	if (chmod(P("client.key"), 0600) != 0 ||
	    chmod(P("client-0644.key"), 0644) != 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[200];

	if (tmpdir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			return -1;
	}
	tls_global_fini();
	return 0;
}

/* Every finding's id is registered with the severity it was filed at. */
static void
assert_registered(const struct diag *d)
{
	const struct check *c;
	size_t i;

	for (i = 0; i < d->nitems; i++) {
		assert_non_null(d->items[i].id);
		c = check_find(d->items[i].id);
		if (c == NULL)
			fail_msg("id \"%s\" is not in checks.def",
			    d->items[i].id);
		if (c->sev != d->items[i].sev)
			fail_msg("id \"%s\" filed as %s, registered as %s",
			    d->items[i].id, diag_sev_name(d->items[i].sev),
			    diag_sev_name(c->sev));
	}
}

static size_t
count(const struct diag *d, const char *id)
{
	size_t i, n = 0;

	for (i = 0; i < d->nitems; i++)
		if (d->items[i].id != NULL && strcmp(d->items[i].id, id) == 0)
			n++;
	return n;
}

static const struct diag_item *
find(const struct diag *d, const char *id)
{
	size_t i;

	for (i = 0; i < d->nitems; i++)
		if (d->items[i].id != NULL && strcmp(d->items[i].id, id) == 0)
			return &d->items[i];
	fail_msg("no finding \"%s\" (have %zu findings)", id, d->nitems);
	return NULL;
}

static int
has_note(const struct diag_item *it, const char *sub)
{
	size_t i;

	for (i = 0; i < it->nnotes; i++)
		if (strstr(it->notes[i].msg, sub) != NULL)
			return 1;
	return 0;
}

static void
dump(const struct diag *d)
{
	size_t i, j;

	for (i = 0; i < d->nitems; i++) {
		fprintf(stderr, "#   %s:%u:%u: %s: %s [%s]\n",
		    d->items[i].path ? d->items[i].path : "-",
		    d->items[i].line, d->items[i].col,
		    diag_sev_name(d->items[i].sev), d->items[i].msg,
		    d->items[i].id ? d->items[i].id : "");
		for (j = 0; j < d->items[i].nnotes; j++)
			fprintf(stderr, "#     note: %s\n",
			    d->items[i].notes[j].msg);
	}
}

/* Run a check in a fresh checker and sink; the caller finishes d. */
struct run {
	struct tls_checker	*tc;
	struct diag		 d;
};

static void
run_init(struct run *r)
{
	r->tc = tls_checker_new();
	assert_non_null(r->tc);
	diag_init(&r->d, 0);
}

static void
run_fini(struct run *r)
{
	assert_registered(&r->d);
	if (getenv("TEST_TLS_VERBOSE") != NULL)
		dump(&r->d);
	assert_int_equal(r->d.oom, 0);
	diag_fini(&r->d);
	tls_checker_free(r->tc);
}

static enum tls_engine
E(void **state)
{
	return *(const enum tls_engine *)*state;
}

static void
cert(struct run *r, enum tls_engine e, const char *name, int warn_days)
{
	run_init(r);
	assert_true(tls_check_cert_file(r->tc, e, P(name), &vloc, now,
	    warn_days, &r->d) >= 0);
}

/*
 * Certificate files.
 */

static void
test_cert_good(void **state)
{
	struct run r;

	cert(&r, E(state), "client.crt", -1);
	if (r.d.nitems != 0)
		dump(&r.d);
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	cert(&r, E(state), "chain.pem", -1);
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	cert(&r, E(state), "ec256.crt", -1);
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	cert(&r, E(state), "combo.pem", -1);
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
}

static void
test_cert_unreadable(void **state)
{
	const struct diag_item *it;
	struct run r;

	cert(&r, E(state), "no-such.crt", -1);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-cert-unreadable");
	assert_int_equal(it->sev, DIAG_ERROR);
	assert_non_null(strstr(it->msg, "No such file or directory"));
	assert_string_equal(it->path, "ecelerity.conf");
	assert_int_equal(it->line, 10);
	assert_int_equal(it->col, 20);
	run_fini(&r);
	/* A directory is not a certificate file. */
	run_init(&r);
	assert_true(tls_check_cert_file(r.tc, E(state), pki, &vloc, now, -1,
	    &r.d) >= 0);
	assert_int_equal(count(&r.d, "tls-cert-unreadable"), 1);
	run_fini(&r);
}

static void
test_cert_not_pem(void **state)
{
	const struct diag_item *it;
	struct run r;
	const char *be = tls_engine_name(E(state));

	cert(&r, E(state), "empty.pem", -1);
	it = find(&r.d, "tls-cert-invalid");
	assert_non_null(strstr(it->msg, "is empty"));
	run_fini(&r);
	cert(&r, E(state), "junk.pem", -1);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-cert-invalid");
	assert_non_null(strstr(it->msg, "no PEM certificate"));
	assert_true(it->nnotes >= 1);
	assert_memory_equal(it->notes[0].msg, be, strlen(be));
	assert_int_equal(it->notes[0].msg[strlen(be)], ':');
	run_fini(&r);
	/* A key alone is not a certificate either. */
	cert(&r, E(state), "client.key", -1);
	assert_int_equal(count(&r.d, "tls-cert-invalid"), 1);
	run_fini(&r);
}

static void
test_cert_dates(void **state)
{
	const struct diag_item *it;
	struct run r;

	cert(&r, E(state), "expired.crt", -1);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-cert-expired");
	assert_int_equal(it->sev, DIAG_ERROR);
	assert_non_null(strstr(it->msg, "expired on 2021-01-01T00:00:00Z"));
	assert_true(has_note(it, "CN=expired"));
	run_fini(&r);

	cert(&r, E(state), "notyet.crt", -1);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-cert-not-yet-valid");
	assert_non_null(strstr(it->msg, "not valid before "
	    "2040-01-01T00:00:00Z"));
	run_fini(&r);

	/* 14 days left at `now`. */
	cert(&r, E(state), "expiring.crt", -1);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-cert-expiring");
	assert_int_equal(it->sev, DIAG_WARNING);
	assert_non_null(strstr(it->msg, "2026-06-15T00:00:00Z, in 14 days"));
	run_fini(&r);
	cert(&r, E(state), "expiring.crt", 10);
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);

	/* The same file, another `now`: the dates are fixed, not today's. */
	run_init(&r);
	assert_true(tls_check_cert_file(r.tc, E(state), P("expired.crt"),
	    &vloc, now - (time_t)86400 * 365 * 6, -1, &r.d) >= 0);
	assert_int_equal(count(&r.d, "tls-cert-expired"), 0);
	run_fini(&r);
}

static void
test_cert_strength(void **state)
{
	const struct diag_item *it;
	struct run r;

	cert(&r, E(state), "weak1024.crt", -1);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-cert-weak-key");
	assert_non_null(strstr(it->msg, "1024-bit RSA key (minimum 2048)"));
	run_fini(&r);
	cert(&r, E(state), "ec224.crt", -1);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-cert-weak-key");
	assert_non_null(strstr(it->msg, "-bit EC key (minimum 256)"));
	run_fini(&r);

	cert(&r, E(state), "sha1.crt", -1);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-cert-weak-signature");
	assert_non_null(strstr(it->msg, "is signed with SHA-1"));
	assert_true(has_note(it, E(state) == TLS_ENGINE_OPENSSL ?
	    "openssl: signature algorithm sha1WithRSAEncryption" :
	    "gnutls: signature algorithm RSA-SHA1"));
	run_fini(&r);
	/* A self-signed root's own signature does not count. */
	cert(&r, E(state), "root.crt", -1);
	assert_int_equal(count(&r.d, "tls-cert-weak-signature"), 0);
	run_fini(&r);
}

static void
test_cert_chain_order(void **state)
{
	const struct diag_item *it;
	struct run r;

	cert(&r, E(state), "chain-bad.pem", -1);
	it = find(&r.d, "tls-cert-chain-order");
	assert_int_equal(it->sev, DIAG_WARNING);
	assert_non_null(strstr(it->msg, "certificate 2 (\""));
	assert_non_null(strstr(it->msg, "CN=client"));
	assert_non_null(strstr(it->msg, "is not the issuer of certificate 1"));
	run_fini(&r);
	cert(&r, E(state), "chain.pem", -1);
	assert_int_equal(count(&r.d, "tls-cert-chain-order"), 0);
	run_fini(&r);
}

static void
test_cert_eku(void **state)
{
	const struct diag_item *it;
	struct run r;

	cert(&r, E(state), "server.crt", -1);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-cert-no-client-auth");
	assert_non_null(strstr(it->msg, "without clientAuth"));
	run_fini(&r);
	/* No EKU at all: any use is allowed. */
	cert(&r, E(state), "noeku.crt", -1);
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
}

/*
 * Keys.
 */

static void
key(struct run *r, enum tls_engine e, const char *k, const char *c,
    const char *pass)
{
	run_init(r);
	assert_true(tls_check_key_file(r->tc, e, k != NULL ? P(k) : NULL,
	    &vloc, c != NULL ? P(c) : NULL, &vloc2, pass, &r->d) >= 0);
}

static void
test_key_match(void **state)
{
	const struct diag_item *it;
	struct run r;

	key(&r, E(state), "client.key", "client.crt", NULL);
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	key(&r, E(state), "ec256.key", "ec256.crt", NULL);
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);

	/* The official example: customer1.key with customer2.cert. */
	key(&r, E(state), "customer1.key", "customer2.crt", NULL);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-key-mismatch");
	assert_int_equal(it->sev, DIAG_ERROR);
	assert_int_equal(it->line, 10);
	assert_int_equal(it->col, 20);
	assert_true(it->nnotes >= 1);
	assert_string_equal(it->notes[0].path, "conf.d/tls.conf");
	assert_int_equal(it->notes[0].line, 4);
	assert_int_equal(it->notes[0].col, 11);
	assert_non_null(strstr(it->notes[0].msg, "customer2.crt"));
	run_fini(&r);

	/* Different key types never match either. */
	key(&r, E(state), "ec256.key", "client.crt", NULL);
	assert_int_equal(count(&r.d, "tls-key-mismatch"), 1);
	run_fini(&r);

	/* Intermediate first: the key matches the second certificate. */
	key(&r, E(state), "client.key", "chain-bad.pem", NULL);
	it = find(&r.d, "tls-key-mismatch");
	assert_true(has_note(it, "matches certificate 2"));
	run_fini(&r);
}

static void
test_key_in_cert_file(void **state)
{
	const struct diag_item *it;
	struct run r;

	key(&r, E(state), NULL, "combo.pem", NULL);
	/* combo.pem is mode 0644 and holds a key. */
	assert_int_equal(count(&r.d, "tls-key-mismatch"), 0);
	assert_int_equal(count(&r.d, "tls-key-permissions"), 1);
	run_fini(&r);
	key(&r, E(state), NULL, "client.crt", NULL);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-key-missing");
	assert_int_equal(it->line, 4);	/* at the certificate's location */
	run_fini(&r);
}

static void
test_key_unreadable(void **state)
{
	const struct diag_item *it;
	struct run r;

	key(&r, E(state), "no-such.key", "client.crt", NULL);
	assert_int_equal(r.d.nitems, 1);
	find(&r.d, "tls-key-unreadable");
	run_fini(&r);
	key(&r, E(state), "junk.pem", "client.crt", NULL);
	assert_int_equal(count(&r.d, "tls-key-invalid"), 1);
	run_fini(&r);
	key(&r, E(state), "empty.pem", "client.crt", NULL);
	it = find(&r.d, "tls-key-invalid");
	assert_non_null(strstr(it->msg, "is empty"));
	run_fini(&r);
	/* A certificate is not a key. */
	key(&r, E(state), "client.crt", "client.crt", NULL);
	assert_int_equal(count(&r.d, "tls-key-invalid"), 1);
	run_fini(&r);
}

static void
test_key_encrypted(void **state)
{
	const struct diag_item *it;
	struct run r;
	const char *be = tls_engine_name(E(state));

	key(&r, E(state), "enc.key", "enc.crt", NULL);
	assert_int_equal(r.d.nitems, 1);
	find(&r.d, "tls-key-encrypted");
	run_fini(&r);
	key(&r, E(state), "enc.key", "enc.crt", "secret");
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	key(&r, E(state), "enc.key", "enc.crt", "wrong");
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-key-invalid");
	assert_true(it->nnotes >= 1);
	assert_memory_equal(it->notes[0].msg, be, strlen(be));
	run_fini(&r);
	/* The passphrase is part of the cache key. */
	run_init(&r);
	assert_true(tls_check_key_file(r.tc, E(state), P("enc.key"), &vloc,
	    P("enc.crt"), &vloc2, NULL, &r.d) >= 0);
	assert_true(tls_check_key_file(r.tc, E(state), P("enc.key"), &vloc,
	    P("enc.crt"), &vloc2, "secret", &r.d) >= 0);
	assert_int_equal(r.d.nitems, 1);
	run_fini(&r);
}

static void
test_key_permissions(void **state)
{
	const struct diag_item *it;
	struct run r;

	key(&r, E(state), "client-0644.key", "client.crt", NULL);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-key-permissions");
	assert_int_equal(it->sev, DIAG_WARNING);
	assert_non_null(strstr(it->msg, "group and others (mode 0644)"));
	run_fini(&r);
	key(&r, E(state), "client.key", "client.crt", NULL);
	assert_int_equal(count(&r.d, "tls-key-permissions"), 0);
	run_fini(&r);
}

/*
 * CA files.
 */

static void
ca(struct run *r, enum tls_engine e, const char *name)
{
	run_init(r);
	assert_true(tls_check_ca_file(r->tc, e, P(name), &vloc, now,
	    &r->d) >= 0);
}

static void
test_ca(void **state)
{
	const struct diag_item *it;
	struct run r;

	ca(&r, E(state), "ca-bundle.pem");
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	ca(&r, E(state), "no-such-ca.pem");
	assert_int_equal(r.d.nitems, 1);
	find(&r.d, "tls-ca-unreadable");
	run_fini(&r);
	ca(&r, E(state), "empty.pem");
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-ca-invalid");
	assert_non_null(strstr(it->msg, "is empty"));
	run_fini(&r);
	ca(&r, E(state), "junk.pem");
	assert_int_equal(count(&r.d, "tls-ca-invalid"), 1);
	run_fini(&r);
}

static void
test_ca_not_ca(void **state)
{
	const struct diag_item *it;
	struct run r;

	ca(&r, E(state), "leaf-as-ca.pem");
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-ca-not-ca");
	assert_non_null(strstr(it->msg, "CA:FALSE"));
	run_fini(&r);
}

static void
test_ca_expired(void **state)
{
	const struct diag_item *it;
	struct run r;

	ca(&r, E(state), "ca-mixed.pem");
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-ca-expired");
	assert_int_equal(it->sev, DIAG_WARNING);
	assert_non_null(strstr(it->msg, "CA certificate 2 of"));
	assert_non_null(strstr(it->msg, "2015-01-01T00:00:00Z"));
	run_fini(&r);
	ca(&r, E(state), "ca-old.crt");
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-ca-all-expired");
	assert_int_equal(it->sev, DIAG_ERROR);
	run_fini(&r);
}

/*
 * tls_protocols (no library involved).
 */

static unsigned int
proto(struct run *r, const char *v)
{
	unsigned int set = 0xdead;

	run_init(r);
	assert_true(tls_check_protocols(r->tc, v, &vloc, &r->d, &set) >= 0);
	return set;
}

static void
test_protocols_good(void **state)
{
	struct run r;

	assert_int_equal(proto(&r, "+ALL:-SSLv2:-SSLv3:-TLSv1.0:-TLSv1.1"),
	    TLS_PROTO_TLSV1_2 | TLS_PROTO_TLSV1_3);
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	/* Case-insensitive; "TLSv1" is TLS 1.0; a leading ":" (M3 page). */
	assert_int_equal(proto(&r, ":all:-sslv2:-SSLV3:-tlsv1:-TLSv1.1"),
	    TLS_PROTO_TLSV1_2 | TLS_PROTO_TLSV1_3);
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	assert_int_equal(proto(&r, "-ALL:+TLSv1.3"), TLS_PROTO_TLSV1_3);
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
}

static void
test_protocols_poodle(void **state)
{
	const struct diag_item *it;
	struct run r;

	assert_int_equal(proto(&r, "+ALL"), TLS_PROTO_ALL);
	it = find(&r.d, "tls-poodle");
	/* DESIGN.md's example, verbatim; SSLv2 is a second error. */
	assert_string_equal(it->msg, "tls_protocols \"+ALL\" enables SSLv3 "
	    "(POODLE, CVE-2014-3566); add \":-SSLv3\"");
	assert_int_equal(it->col, 20);
	assert_int_equal(it->nnotes, 0);
	assert_int_equal(count(&r.d, "tls-poodle"), 2);
	assert_int_equal(count(&r.d, "tls-protocol-deprecated"), 1);
	run_fini(&r);

	/* The spec 4 fix itself, and SSLv2 alone. */
	proto(&r, "+ALL:-SSLv3");
	assert_int_equal(count(&r.d, "tls-poodle"), 1);
	it = find(&r.d, "tls-poodle");
	assert_string_equal(it->msg, "tls_protocols \"+ALL:-SSLv3\" enables "
	    "SSLv2 (prohibited by RFC 6176); add \":-SSLv2\"");
	run_fini(&r);
	proto(&r, "+ALL:-SSLv2:-SSLv3");
	assert_int_equal(count(&r.d, "tls-poodle"), 0);
	run_fini(&r);
	proto(&r, "+ALL:-SSLv2");
	it = find(&r.d, "tls-poodle");
	assert_string_equal(it->msg, "tls_protocols \"+ALL:-SSLv2\" enables "
	    "SSLv3 (POODLE, CVE-2014-3566); add \":-SSLv3\"");
	run_fini(&r);

	/* Left to right: a later "+ALL" re-enables SSLv3. */
	proto(&r, "-SSLv2:-SSLv3:+ALL");
	it = find(&r.d, "tls-poodle");
	assert_true(has_note(it, "left to right"));
	run_fini(&r);
	/* From the default +ALL, "+" tokens alone disable nothing. */
	proto(&r, "+TLSv1.2:+TLSv1.3");
	it = find(&r.d, "tls-poodle");
	assert_true(has_note(it, "starts from the default"));
	run_fini(&r);

	/* Unset: the default enables SSLv3; the exact spec 4 value. */
	assert_int_equal(proto(&r, NULL), TLS_PROTO_ALL);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-poodle");
	assert_non_null(strstr(it->msg, "the default \"+ALL\" enables SSLv3"));
	assert_non_null(strstr(it->msg, "set tls_protocols = "
	    "\"+ALL:-SSLv2:-SSLv3\""));
	assert_true(has_note(it, "\"+ALL:-SSLv3\""));
	run_fini(&r);
}

static void
test_protocols_deprecated(void **state)
{
	const struct diag_item *it;
	struct run r;

	proto(&r, "+ALL:-SSLv2:-SSLv3:-TLSv1.0");
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-protocol-deprecated");
	assert_non_null(strstr(it->msg, "TLSv1.1, deprecated by RFC 8996"));
	run_fini(&r);
	proto(&r, "+ALL:-SSLv2:-SSLv3:-TLSv1.1:-TLSv1.0");
	assert_int_equal(count(&r.d, "tls-protocol-deprecated"), 0);
	run_fini(&r);
}

static void
test_protocols_errors(void **state)
{
	const struct diag_item *it;
	struct run r;

	/* "+ALL:-SSLv3:+TLSv1.4": the bad token's column, prefix included. */
	assert_int_equal(proto(&r, "+ALL:-SSLv3:+TLSv1.4"), 0);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-protocol-unknown");
	assert_string_equal(it->msg, "unknown protocol \"TLSv1.4\" in "
	    "tls_protocols");
	assert_int_equal(it->col, 20 + 12);
	assert_int_equal(it->off, 300 + 12);
	run_fini(&r);
	proto(&r, "+ALL -SSLv3");
	it = find(&r.d, "tls-protocol-unknown");
	assert_true(has_note(it, "separated by \":\""));
	run_fini(&r);
	proto(&r, "+ALL::-SSLv3");
	it = find(&r.d, "tls-protocol-unknown");
	assert_int_equal(it->col, 20 + 5);
	run_fini(&r);
	assert_int_equal(proto(&r, "-ALL"), 0);
	assert_int_equal(r.d.nitems, 1);
	find(&r.d, "tls-protocol-none");
	run_fini(&r);
}

/*
 * Cipher lists, OpenSSL dialect.
 */

static void
ciphers(struct run *r, enum tls_engine e, const char *v)
{
	run_init(r);
	assert_true(tls_check_ciphers(r->tc, e, v, &vloc, &r->d) >= 0);
}

static void
test_ossl_ciphers_good(void **state)
{
	struct run r;

	ciphers(&r, eng_ossl, "HIGH:!aNULL:!MD5");
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	/* The documented Momentum example: EXP is obsolete, not a typo. */
	ciphers(&r, eng_ossl, "DEFAULT:!LOW:!EXP");
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	ciphers(&r, eng_ossl, "ECDHE+AESGCM:ECDHE+CHACHA20 !aNULL,@STRENGTH:"
	    "@SECLEVEL=2");
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	ciphers(&r, eng_ossl, "ECDHE-RSA-AES256-GCM-SHA384:"
	    "ECDHE-ECDSA-AES128-GCM-SHA256");
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	/* Unset: OpenSSL's DEFAULT. */
	ciphers(&r, eng_ossl, NULL);
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
}

static void
test_ossl_ciphers_unknown(void **state)
{
	const struct diag_item *it;
	struct run r;

	ciphers(&r, eng_ossl, "HIGH:!aNULL:FOOBAR");
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-cipher-unknown");
	assert_string_equal(it->msg, "unknown cipher \"FOOBAR\" in tls_ciphers");
	assert_int_equal(it->col, 20 + 12);
	assert_int_equal(it->len, 6);
	assert_true(has_note(it, "openssl: "));
	run_fini(&r);
	/* A typo in an exclusion is as bad: nothing gets excluded. */
	ciphers(&r, eng_ossl, "HIGH:!aNUL");
	it = find(&r.d, "tls-cipher-unknown");
	assert_int_equal(it->col, 20 + 6);
	run_fini(&r);
	/* Inside a combination, at the part's column. */
	ciphers(&r, eng_ossl, "ECDHE+AESGXM");
	it = find(&r.d, "tls-cipher-unknown");
	assert_int_equal(it->col, 20 + 6);
	/* One problem, one error: not also "selects no cipher suite". */
	assert_int_equal(r.d.nitems, 1);
	run_fini(&r);
	ciphers(&r, eng_ossl, "HIGH:@SECLEVEL=9");
	it = find(&r.d, "tls-cipher-unknown");
	assert_int_equal(it->col, 20 + 5);
	run_fini(&r);
	/* DEFAULT is expanded only at the start; elsewhere it is dropped. */
	ciphers(&r, eng_ossl, "HIGH:DEFAULT");
	it = find(&r.d, "tls-cipher-unknown");
	assert_int_equal(it->col, 20 + 5);
	run_fini(&r);
	/* Case matters to OpenSSL. */
	ciphers(&r, eng_ossl, "high");
	assert_int_equal(count(&r.d, "tls-cipher-unknown"), 1);
	run_fini(&r);
}

static void
test_ossl_ciphers_weak(void **state)
{
	const struct diag_item *it;
	struct run r;

	ciphers(&r, eng_ossl, "ALL:eNULL");
	it = find(&r.d, "tls-cipher-weak");
	assert_non_null(strstr(it->msg, "NULL encryption"));
	assert_non_null(strstr(it->msg, "anonymous (aNULL)"));
	assert_true(has_note(it, "openssl: NULL encryption: "));
	assert_int_equal(count(&r.d, "tls-cipher-unknown"), 0);
	run_fini(&r);
	ciphers(&r, eng_ossl, "ALL:!aNULL:!eNULL");
	assert_int_equal(count(&r.d, "tls-cipher-weak"), 0);
	run_fini(&r);
	ciphers(&r, eng_ossl, "eNULL:!eNULL");
	assert_int_equal(r.d.nitems, 1);
	find(&r.d, "tls-cipher-empty");
	run_fini(&r);
}

static void
test_ossl_tls13_suites(void **state)
{
	const struct diag_item *it;
	struct run r;

	run_init(&r);
	assert_true(tls_check_tls13_suites(r.tc, eng_ossl,
	    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
	    "TLS_AES_128_GCM_SHA256", &vloc, &r.d) >= 0);
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	run_init(&r);
	assert_true(tls_check_tls13_suites(r.tc, eng_ossl,
	    "TLS_AES_256_GCM_SHA384:TLS_AES_256_GCM_SHA512", &vloc, &r.d) >=
	    0);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-ciphersuite-unknown");
	assert_int_equal(it->col, 20 + 23);
	run_fini(&r);
	/* A TLS 1.2 name is not a TLS 1.3 suite. */
	run_init(&r);
	assert_true(tls_check_tls13_suites(r.tc, eng_ossl,
	    "ECDHE-RSA-AES256-GCM-SHA384", &vloc, &r.d) >= 0);
	assert_int_equal(count(&r.d, "tls-ciphersuite-unknown"), 1);
	run_fini(&r);
	/* Under GnuTLS the option means nothing. */
	run_init(&r);
	assert_true(tls_check_tls13_suites(r.tc, eng_gtls,
	    "TLS_AES_256_GCM_SHA384", &vloc, &r.d) >= 0);
	assert_int_equal(r.d.nitems, 1);
	find(&r.d, "tls-option-ignored");
	run_fini(&r);
}

/*
 * GnuTLS priority strings.
 */

static void
test_gtls_priority_good(void **state)
{
	struct run r;

	/* The spec 4 fix, exactly. */
	ciphers(&r, eng_gtls, "NORMAL:-VERS-SSL3.0");
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	ciphers(&r, eng_gtls, "SECURE256:!VERS-SSL3.0:%COMPAT");
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	ciphers(&r, eng_gtls, "NONE:+VERS-TLS1.2:+AES-128-GCM:+AEAD:"
	    "+ECDHE-RSA:+SIGN-ALL:+COMP-NULL:+GROUP-ALL:+CTYPE-X509");
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
}

static void
test_gtls_priority_invalid(void **state)
{
	const struct diag_item *it;
	struct run r;

	ciphers(&r, eng_gtls, "NORMAL:-VERS-SSL3.0:+FOO-BAR");
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-priority-invalid");
	assert_int_equal(it->col, 20 + 20);
	assert_non_null(strstr(it->msg, "\"+FOO-BAR\""));
	assert_true(has_note(it, "gnutls: "));
	run_fini(&r);
}

static void
test_gtls_priority_poodle(void **state)
{
	const struct diag_item *it;
	struct run r;

	/* NORMAL enabled SSL 3.0 in old GnuTLS: the static rule says no. */
	ciphers(&r, eng_gtls, "NORMAL");
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-poodle");
	assert_non_null(strstr(it->msg, "add \":-VERS-SSL3.0\""));
	run_fini(&r);
	/* Removed, then a level keyword resets the set. */
	ciphers(&r, eng_gtls, "NORMAL:-VERS-SSL3.0:SECURE128");
	assert_int_equal(count(&r.d, "tls-poodle"), 1);
	run_fini(&r);
	/* Added back through VERS-TLS-ALL. */
	ciphers(&r, eng_gtls, "NORMAL:-VERS-SSL3.0:+VERS-TLS-ALL");
	assert_int_equal(count(&r.d, "tls-poodle"), 1);
	run_fini(&r);
	/* Enabled on purpose: the note points at the element. */
	ciphers(&r, eng_gtls, "NORMAL:+VERS-SSL3.0");
	it = find(&r.d, "tls-poodle");
	assert_true(it->nnotes >= 1);
	assert_int_equal(it->notes[it->nnotes - 1].col, 20 + 7);
	run_fini(&r);
	/* Unset under GnuTLS: not proven safe. */
	ciphers(&r, eng_gtls, NULL);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-poodle");
	assert_non_null(strstr(it->msg, "\"NORMAL:-VERS-SSL3.0\""));
	run_fini(&r);
}

static void
test_priority_static_rule(void **state)
{
	const char *why = NULL;
	size_t off = 99;

	assert_int_equal(tls_priority_ssl3_safe("NORMAL:-VERS-SSL3.0", &why,
	    &off), 1);
	assert_int_equal(tls_priority_ssl3_safe("NORMAL:!VERS-SSL3.0", NULL,
	    NULL), 1);
	assert_int_equal(tls_priority_ssl3_safe("NORMAL:-VERS-ALL:"
	    "+VERS-TLS1.2", NULL, NULL), 1);
	assert_int_equal(tls_priority_ssl3_safe("NONE:+VERS-TLS1.2:+AES-128-GCM",
	    NULL, NULL), 1);
	assert_int_equal(tls_priority_ssl3_safe("NORMAL", &why, &off), 0);
	assert_int_equal(off, 0);
	assert_non_null(why);
	assert_int_equal(tls_priority_ssl3_safe("-VERS-SSL3.0:NORMAL", NULL,
	    &off), 0);
	assert_int_equal(off, 13);
	assert_int_equal(tls_priority_ssl3_safe("NONE:+VERS-SSL3.0:+VERS-TLS1.2",
	    NULL, &off), 0);
	assert_int_equal(off, 5);
	assert_int_equal(tls_priority_ssl3_safe("NONE:+VERS-TLS-ALL", &why,
	    NULL), 0);
	assert_non_null(strstr(why, "older GnuTLS"));
	assert_int_equal(tls_priority_ssl3_safe("NORMAL:+VERS-SSL3.0", &why,
	    &off), 0);
	assert_string_equal(why, "this element enables SSL 3.0");
	assert_int_equal(off, 7);
	assert_int_equal(tls_priority_ssl3_safe("@SYSTEM", NULL, NULL), 0);
	assert_int_equal(tls_priority_ssl3_safe("NONE:NORMAL", NULL, NULL), 0);
}

/*
 * Globals.
 */

static void
test_dhparams(void **state)
{
	const struct diag_item *it;
	struct run r;

	run_init(&r);
	assert_true(tls_check_dhparams_file(r.tc, E(state), P("dh2048.pem"),
	    &vloc, &r.d) >= 0);
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	run_init(&r);
	assert_true(tls_check_dhparams_file(r.tc, E(state), P("dh1024.pem"),
	    &vloc, &r.d) >= 0);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-dhparams-weak");
	assert_non_null(strstr(it->msg, "are 1024 bits (minimum 2048)"));
	run_fini(&r);
	run_init(&r);
	assert_true(tls_check_dhparams_file(r.tc, E(state), P("junk.pem"),
	    &vloc, &r.d) >= 0);
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-dhparams-unreadable");
	assert_true(has_note(it, tls_engine_name(E(state))));
	run_fini(&r);
	run_init(&r);
	assert_true(tls_check_dhparams_file(r.tc, E(state), P("nope.pem"),
	    &vloc, &r.d) >= 0);
	assert_int_equal(count(&r.d, "tls-dhparams-unreadable"), 1);
	run_fini(&r);
}

static void
curves(struct run *r, const char *v)
{
	run_init(r);
	assert_true(tls_check_curves(r->tc, v, &vloc, &r->d) >= 0);
}

static void
test_curves(void **state)
{
	const struct diag_item *it;
	struct run r;

	curves(&r, "prime256v1");
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	curves(&r, "secp384r1:prime256v1");
	assert_int_equal(r.d.nitems, 0);
	run_fini(&r);
	curves(&r, "secp384r1:prime256v2");
	assert_int_equal(r.d.nitems, 1);
	it = find(&r.d, "tls-curve-invalid");
	assert_string_equal(it->msg, "invalid curve or group list");
	assert_int_equal(it->col, 20 + 10);
	assert_true(has_note(it, "openssl: unknown curve or group "
	    "\"prime256v2\""));
	run_fini(&r);
	curves(&r, "secp384r1::prime256v1");
	it = find(&r.d, "tls-curve-invalid");
	assert_int_equal(it->col, 20 + 10);
	run_fini(&r);
	curves(&r, ":prime256v1");
	it = find(&r.d, "tls-curve-invalid");
	assert_int_equal(it->col, 20);
	run_fini(&r);
	curves(&r, "secp384r1 : prime256v1");
	assert_int_equal(count(&r.d, "tls-curve-invalid"), 2);
	assert_true(has_note(find(&r.d, "tls-curve-invalid"),
	    "no spaces allowed around"));
	run_fini(&r);
	curves(&r, " prime256v1");
	assert_int_equal(count(&r.d, "tls-curve-invalid"), 1);
	run_fini(&r);
	curves(&r, "");
	assert_int_equal(count(&r.d, "tls-curve-invalid"), 1);
	run_fini(&r);
}

/*
 * Engine probes, digests, the cache and the dedupe set.
 */

static void
test_probe(void **state)
{
	enum tls_engine e = E(state);
	const char *be = tls_engine_name(e);
	char why[512];

	assert_int_equal(tls_probe_pair(e, P("client.crt"), P("client.key"),
	    NULL, why, sizeof(why)), 0);
	assert_int_equal(tls_probe_pair(e, P("combo.pem"), NULL, NULL, why,
	    sizeof(why)), 0);
	assert_int_equal(tls_probe_pair(e, P("enc.crt"), P("enc.key"),
	    "secret", why, sizeof(why)), 0);
	assert_int_equal(tls_probe_pair(e, P("customer2.crt"),
	    P("customer1.key"), NULL, why, sizeof(why)), -1);
	assert_memory_equal(why, be, strlen(be));
	assert_int_equal(tls_probe_pair(e, P("junk.pem"), P("client.key"),
	    NULL, why, sizeof(why)), -1);
	assert_int_equal(tls_probe_pair(e, P("enc.crt"), P("enc.key"),
	    NULL, why, sizeof(why)), -1);
	assert_int_equal(tls_probe_ca(e, P("ca-bundle.pem"), why,
	    sizeof(why)), 0);
	assert_int_equal(tls_probe_ca(e, P("empty.pem"), why, sizeof(why)),
	    -1);
	assert_memory_equal(why, be, strlen(be));
	assert_int_equal(tls_probe_ca(e, P("no-such.pem"), NULL, 0), -1);
}

static void
test_sha256(void **state)
{
	struct tls_checker *tc;
	char hex[65], cmd[4400], want[65];
	FILE *fp;

	tc = tls_checker_new();
	assert_non_null(tc);
	assert_int_equal(tls_file_sha256(tc, E(state), P("client.crt"), hex),
	    0);
	snprintf(cmd, sizeof(cmd), "sha256sum '%s'", P("client.crt"));
	fp = popen(cmd, "r");
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%64s", want), 1);
	pclose(fp);
	assert_string_equal(hex, want);
	/* Empty file: the well-known digest of nothing. */
	assert_int_equal(tls_file_sha256(tc, E(state), P("empty.pem"), hex),
	    0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	assert_int_equal(tls_file_sha256(tc, E(state), P("nope"), hex), -1);
	tls_checker_free(tc);
}

static void
test_policy(void **state)
{
	enum tls_engine e = E(state);
	struct tls_policy p;
	const struct diag_item *it;
	struct loc kl = vloc, cl = vloc2, pl = vloc, vl = vloc;
	struct run r;
	unsigned int protos = 0;
	int n;

	kl.line = 3;	/* tls_key in the binding */
	cl.line = 4;	/* tls_certificate in the domain */
	pl.line = 1;	/* the binding stanza */
	vl.line = 6;
	memset(&p, 0, sizeof(p));
	p.engine = e;
	p.key = P("customer1.key");
	p.key_loc = &kl;
	p.cert = P("customer2.crt");
	p.cert_loc = &cl;
	p.verify = TLS_VERIFY_HOST;
	p.verify_loc = &vl;
	p.policy_loc = &pl;
	p.now = now;
	p.warn_days = -1;
	run_init(&r);
	n = tls_check_policy(r.tc, &p, &r.d, &protos);
	assert_true(n > 0);
	assert_int_equal((size_t)n, r.d.nitems);
	it = find(&r.d, "tls-key-mismatch");
	assert_int_equal(it->line, 3);
	it = find(&r.d, "tls-verify-no-ca");
	assert_int_equal(it->line, 6);
	it = find(&r.d, "tls-poodle");
	assert_int_equal(it->line, 1);	/* unset: at the policy */
	assert_int_equal(count(&r.d, "tls-poodle"), 1);
	if (e == TLS_ENGINE_OPENSSL) {
		assert_non_null(strstr(it->msg, "tls_protocols"));
		assert_int_equal(protos, TLS_PROTO_ALL);
	} else {
		assert_non_null(strstr(it->msg, "tls_ciphers"));
	}

	/* The same policy again (another pair): nothing new is filed. */
	assert_int_equal(tls_check_policy(r.tc, &p, &r.d, NULL), 0);
	/* The same files from another location are reported there. */
	kl.line = 30;
	n = tls_check_policy(r.tc, &p, &r.d, NULL);
	assert_int_equal(n, 1);
	assert_int_equal(r.d.items[r.d.nitems - 1].line, 30);
	run_fini(&r);

	/* A clean policy, safe under the engine. */
	memset(&p, 0, sizeof(p));
	p.engine = e;
	p.cert = P("combo.pem");
	p.cert_loc = &cl;
	p.ca = P("ca-bundle.pem");
	p.ca_loc = &vl;
	p.verify = TLS_VERIFY_CA;
	p.policy_loc = &pl;
	p.now = now;
	p.warn_days = -1;
	if (e == TLS_ENGINE_OPENSSL) {
		p.protocols = "+ALL:-SSLv2:-SSLv3:-TLSv1.0:-TLSv1.1";
		p.protocols_loc = &vl;
		p.ciphers = "HIGH:!aNULL";
		p.ciphers_loc = &vl;
		p.tls13_suites = "TLS_AES_256_GCM_SHA384";
		p.tls13_loc = &vl;
	} else {
		p.ciphers = "NORMAL:-VERS-SSL3.0";
		p.ciphers_loc = &vl;
	}
	/* combo.pem is mode 0644 and holds the key. */
	assert_int_equal(chmod(P("combo.pem"), 0600), 0);
	run_init(&r);
	n = tls_check_policy(r.tc, &p, &r.d, &protos);
	if (n != 0)
		dump(&r.d);
	assert_int_equal(n, 0);
	if (e == TLS_ENGINE_OPENSSL)
		assert_int_equal(protos, TLS_PROTO_TLSV1_2 | TLS_PROTO_TLSV1_3);
	run_fini(&r);
	assert_int_equal(chmod(P("combo.pem"), 0644), 0);

	/* Under GnuTLS, tls_protocols does not count and says so. */
	if (e == TLS_ENGINE_GNUTLS) {
		p.protocols = "+ALL:-SSLv3";
		p.protocols_loc = &vl;
		p.ciphers = NULL;
		run_init(&r);
		assert_true(tls_check_policy(r.tc, &p, &r.d, NULL) > 0);
		assert_int_equal(count(&r.d, "tls-option-ignored"), 1);
		assert_int_equal(count(&r.d, "tls-poodle"), 1);
		run_fini(&r);
	}
}

/* A key without a certificate is checked, and flagged as unused. */
static void
test_policy_key_only(void **state)
{
	struct tls_policy p;
	struct run r;

	memset(&p, 0, sizeof(p));
	p.engine = E(state);
	p.key = P("client.key");
	p.key_loc = &vloc;
	p.protocols = "+ALL:-SSLv2:-SSLv3:-TLSv1.0:-TLSv1.1";
	p.protocols_loc = &vloc;
	p.ciphers = "NORMAL:-VERS-SSL3.0";
	p.ciphers_loc = &vloc;
	if (p.engine == TLS_ENGINE_OPENSSL)
		p.ciphers = "HIGH:!aNULL";
	else
		p.protocols = NULL;
	p.policy_loc = &vloc2;
	p.now = now;
	p.warn_days = -1;
	run_init(&r);
	assert_int_equal(tls_check_policy(r.tc, &p, &r.d, NULL), 1);
	find(&r.d, "tls-key-without-cert");
	run_fini(&r);
	p.key = P("junk.pem");
	run_init(&r);
	assert_int_equal(tls_check_policy(r.tc, &p, &r.d, NULL), 2);
	find(&r.d, "tls-key-invalid");
	run_fini(&r);
}

/*
 * Conformance: for every material fixture, both engines file the same
 * findings (id, location, message); only notes name the backend.
 */
static void
test_engines_agree(void **state)
{
	static const char *const certs[] = {
		"client.crt", "chain.pem", "chain-bad.pem", "combo.pem",
		"server.crt", "noeku.crt", "weak1024.crt", "sha1.crt",
		"ec256.crt", "ec224.crt", "expired.crt", "notyet.crt",
		"expiring.crt", "empty.pem", "junk.pem", "no-such.crt",
		"enc.crt", "leaf-as-ca.pem", "ca-mixed.pem", "ca-old.crt",
		"ca-bundle.pem",
	};
	static const char *const keys[] = {
		NULL, "client.key", "customer1.key", "enc.key", "ec256.key",
		"client-0644.key", "junk.pem", "empty.pem",
	};
	struct run r[2];
	size_t i, j, k;
	int e;

	for (e = 0; e < 2; e++) {
		run_init(&r[e]);
		for (i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
			assert_true(tls_check_cert_file(r[e].tc, e, P(certs[i]),
			    &vloc, now, -1, &r[e].d) >= 0);
			assert_true(tls_check_ca_file(r[e].tc, e, P(certs[i]),
			    &vloc, now, &r[e].d) >= 0);
			for (j = 0; j < sizeof(keys) / sizeof(keys[0]); j++)
				assert_true(tls_check_key_file(r[e].tc, e,
				    keys[j] ? P(keys[j]) : NULL, &vloc,
				    P(certs[i]), &vloc2, NULL, &r[e].d) >= 0);
		}
		assert_true(tls_check_dhparams_file(r[e].tc, e,
		    P("dh1024.pem"), &vloc, &r[e].d) >= 0);
	}
	assert_true(r[0].d.nitems > 50);
	for (k = 0; k < r[0].d.nitems && k < r[1].d.nitems; k++) {
		const struct diag_item *a = &r[0].d.items[k];
		const struct diag_item *b = &r[1].d.items[k];

		if (strcmp(a->id, b->id) != 0 || strcmp(a->msg, b->msg) != 0 ||
		    a->line != b->line || a->col != b->col)
			fail_msg("finding %zu differs:\n  openssl: %s [%s]\n"
			    "  gnutls:  %s [%s]", k, a->msg, a->id, b->msg,
			    b->id);
	}
	assert_int_equal(r[0].d.nitems, r[1].d.nitems);
	run_fini(&r[0]);
	run_fini(&r[1]);
}

static void
test_engine_unavailable(void **state)
{
	struct run r;

	run_init(&r);
	assert_int_equal(tls_check_cert_file(r.tc, TLS_ENGINE_COUNT,
	    P("client.crt"), &vloc, now, -1, &r.d), -1);
	assert_int_equal(count(&r.d, "tls-engine-unavailable"), 1);
	r.d.oom = 0;
	run_fini(&r);
	assert_int_equal(tls_probe_ca(TLS_ENGINE_COUNT, P("ca-bundle.pem"),
	    NULL, 0), -1);
}

static void
test_engine_names(void **state)
{
	assert_int_equal(tls_engine_from_name("openssl"), TLS_ENGINE_OPENSSL);
	assert_int_equal(tls_engine_from_name("GnuTLS"), TLS_ENGINE_GNUTLS);
	assert_int_equal(tls_engine_from_name("wolfssl"), -1);
	assert_int_equal(tls_engine_from_name(NULL), -1);
	assert_true(tls_engine_available(TLS_ENGINE_OPENSSL));
	assert_true(tls_engine_available(TLS_ENGINE_GNUTLS));
	assert_false(tls_engine_available(TLS_ENGINE_COUNT));
	assert_string_equal(tls_engine_name(TLS_ENGINE_GNUTLS), "gnutls");
}

static void
test_pem_key_block(void **state)
{
	static const char a[] = "junk\n-----BEGIN CERTIFICATE-----\nx\n"
	    "-----END CERTIFICATE-----\n-----BEGIN RSA PRIVATE KEY-----\n"
	    "Proc-Type: 4,ENCRYPTED\nx\n-----END RSA PRIVATE KEY-----\n";
	static const char b[] = "-----BEGIN PRIVATE KEY-----\nx\n";
	static const char c[] = "-----BEGIN PRIVATE KEY";
	int enc = -1;

	assert_int_equal(tls_pem_key_block((const unsigned char *)a,
	    sizeof(a) - 1, &enc), 61);
	assert_int_equal(enc, 1);
	assert_int_equal(tls_pem_key_block((const unsigned char *)b,
	    sizeof(b) - 1, &enc), 0);
	assert_int_equal(enc, 0);
	assert_int_equal(tls_pem_key_block((const unsigned char *)c,
	    sizeof(c) - 1, &enc), -1);
	assert_int_equal(tls_pem_key_block((const unsigned char *)"", 0,
	    NULL), -1);
}

#define BOTH(f)								\
	cmocka_unit_test_prestate(f, (void *)&eng_ossl),		\
	cmocka_unit_test_prestate(f, (void *)&eng_gtls)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_cert_good),
		BOTH(test_cert_unreadable),
		BOTH(test_cert_not_pem),
		BOTH(test_cert_dates),
		BOTH(test_cert_strength),
		BOTH(test_cert_chain_order),
		BOTH(test_cert_eku),
		BOTH(test_key_match),
		BOTH(test_key_in_cert_file),
		BOTH(test_key_unreadable),
		BOTH(test_key_encrypted),
		BOTH(test_key_permissions),
		BOTH(test_ca),
		BOTH(test_ca_not_ca),
		BOTH(test_ca_expired),
		cmocka_unit_test(test_protocols_good),
		cmocka_unit_test(test_protocols_poodle),
		cmocka_unit_test(test_protocols_deprecated),
		cmocka_unit_test(test_protocols_errors),
		cmocka_unit_test(test_ossl_ciphers_good),
		cmocka_unit_test(test_ossl_ciphers_unknown),
		cmocka_unit_test(test_ossl_ciphers_weak),
		cmocka_unit_test(test_ossl_tls13_suites),
		cmocka_unit_test(test_gtls_priority_good),
		cmocka_unit_test(test_gtls_priority_invalid),
		cmocka_unit_test(test_gtls_priority_poodle),
		cmocka_unit_test(test_priority_static_rule),
		BOTH(test_dhparams),
		cmocka_unit_test(test_curves),
		BOTH(test_probe),
		BOTH(test_sha256),
		BOTH(test_policy),
		BOTH(test_policy_key_only),
		cmocka_unit_test(test_engines_agree),
		cmocka_unit_test(test_engine_unavailable),
		cmocka_unit_test(test_engine_names),
		cmocka_unit_test(test_pem_key_block),
	};

	return cmocka_run_group_tests_name("tls", tests, group_setup,
	    group_teardown);
}
