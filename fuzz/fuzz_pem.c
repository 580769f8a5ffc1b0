/* SPDX-License-Identifier: ISC */
/*
 * fuzz_pem.c -- libFuzzer target for PEM (and other) file contents given
 * to the TLS material checks, under both engines: tls_check_cert_file,
 * tls_check_key_file (the key in its own file, or in the certificate
 * file), tls_check_ca_file, tls_check_dhparams_file, tls_file_sha256 and
 * the load probes (tls_probe_pair, tls_probe_ca).
 *
 * Input: the certificate file's bytes, optionally followed by the line
 * "#%KEY" and the key file's bytes.  Each part is written to a memfd (no
 * disk I/O) and passed by its /proc/self/fd path.  The key checks run
 * without a passphrase and with "secret" (the seeds' encrypted key).
 *
 * Invariants besides tls_fuzz.h's (findings go to the given locations
 * only): every check returns >= 0, the SHA-256 is that of the bytes
 * (runtime/sha256.c as the reference), a refused probe gives a
 * NUL-terminated reason naming the engine.
 * Seeds: fuzz/corpus/pem/ (made by tests/tls/gen-pki.sh).
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sanitizer/lsan_interface.h>

#include "sha256.h"
#include "tls_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * GnuTLS 3.7.9 leaks the certificates it parsed when a PEM block of the
 * file fails to parse (gnutls_certificate_set_x509_key_file2; reproduced
 * with the library alone, input fuzz/corpus/pem/regress-gnutls-leak).  Not
 * ours to fix, and LeakSanitizer's fast unwinder loses the frame a
 * suppression would name, so the GnuTLS load probe runs with leak
 * detection off (the probe's own code only allocates and frees `cred`).
 */
#define SPLIT	"\n#%KEY\n"
/* 2026-06-01T00:00:00Z, the date tests/tls uses. */
#define NOW	((time_t)1780272000)

/* A memfd holding data; -1 on failure.  *path receives its name. */
static int
memfile(const char *name, const uint8_t *data, size_t len, char *path,
    size_t pathlen)
{
	size_t off;
	ssize_t w;
	int fd;

	if ((fd = memfd_create(name, MFD_CLOEXEC)) == -1)
		return -1;
	for (off = 0; off < len; off += (size_t)w)
		if ((w = write(fd, data + off, len - off)) <= 0) {
			close(fd);
			return -1;
		}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

static void
check_sha(struct tls_checker *tc, enum tls_engine e, const char *path,
    const uint8_t *data, size_t len)
{
	uint8_t md[SHA256_LEN];
	char want[2 * SHA256_LEN + 1], got[65];

	sha256(data, len, md);
	sha256_hex(md, want);
	if (tls_file_sha256(tc, e, path, got) != 0 || strcmp(got, want) != 0)
		abort();
}

static void
check_probe(int rc, enum tls_engine e, const char *why)
{
	const char *name = tls_engine_name(e);

	if (rc != 0 && rc != -1)
		abort();
	if (rc == -1 && (memchr(why, '\0', 512) == NULL ||
	    strncmp(why, name, strlen(name)) != 0))
		abort();
}

static void
run_engine(enum tls_engine e, const char *cert, const uint8_t *cdata,
    size_t clen, const char *key)
{
	static const char *const pass[] = { NULL, "secret" };
	struct tls_checker *tc;
	struct diag d;
	struct loc vl = fz_vloc(0);
	char why[512];
	size_t n0, i;
	int rc;

	if ((tc = tls_checker_new()) == NULL)
		return;
	diag_init(&d, 0);

	n0 = d.nitems;
	rc = tls_check_cert_file(tc, e, cert, &vl, NOW, -1, &d);
	fz_check_findings(&d, n0, rc, &vl, 0);
	for (i = 0; i < 2; i++) {
		n0 = d.nitems;
		rc = tls_check_key_file(tc, e, key, &vl, cert, &vl, pass[i],
		    &d);
		fz_check_findings(&d, n0, rc, &vl, 0);
	}
	n0 = d.nitems;
	rc = tls_check_ca_file(tc, e, cert, &vl, NOW, &d);
	fz_check_findings(&d, n0, rc, &vl, 0);
	n0 = d.nitems;
	rc = tls_check_dhparams_file(tc, e, cert, &vl, &d);
	fz_check_findings(&d, n0, rc, &vl, 0);

	/* Checked again: every finding is a duplicate now. */
	n0 = d.nitems;
	rc = tls_check_cert_file(tc, e, cert, &vl, NOW, -1, &d);
	if (!d.oom && (rc != 0 || d.nitems != n0))
		abort();

	if (!d.oom)
		check_sha(tc, e, cert, cdata, clen);

	memset(why, 'x', sizeof(why));
	if (e == TLS_ENGINE_GNUTLS)
		__lsan_disable();
	rc = tls_probe_pair(e, cert, key, "secret", why, sizeof(why));
	if (e == TLS_ENGINE_GNUTLS)
		__lsan_enable();
	check_probe(rc, e, why);
	memset(why, 'x', sizeof(why));
	check_probe(tls_probe_ca(e, cert, why, sizeof(why)), e, why);

	diag_fini(&d);
	tls_checker_free(tc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sp;
	char cert[64], key[64];
	size_t clen;
	int cfd, kfd = -1;

	if (size > 64 * 1024)
		return 0;
	sp = memmem(data, size, SPLIT, sizeof(SPLIT) - 1);
	clen = sp != NULL ? (size_t)(sp - data) : size;
	if ((cfd = memfile("cert", data, clen, cert, sizeof(cert))) == -1)
		return 0;
	if (sp != NULL) {
		sp += sizeof(SPLIT) - 1;
		kfd = memfile("key", sp, size - (size_t)(sp - data), key,
		    sizeof(key));
		if (kfd == -1) {
			close(cfd);
			return 0;
		}
	}
	run_engine(TLS_ENGINE_OPENSSL, cert, data, clen,
	    kfd != -1 ? key : NULL);
	run_engine(TLS_ENGINE_GNUTLS, cert, data, clen,
	    kfd != -1 ? key : NULL);
	if (kfd != -1)
		close(kfd);
	close(cfd);
	return 0;
}
