/* SPDX-License-Identifier: ISC */
/*
 * tls.c -- dispatch to the TLS backends, the per-run file cache and dedupe
 * set, and every check that needs no library: the backends turn files into
 * neutral facts (tls_int.h) and the checks on those facts are written once,
 * here, so both engines report the same findings.  Includes no TLS library.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "tls.h"
#include "tls_int.h"

#if defined(ECTLS_NO_OPENSSL) && defined(ECTLS_NO_GNUTLS)
#error "no TLS backend: build with OpenSSL, GnuTLS or both"
#endif

/* Largest file the checker reads: PEM bundles are far smaller. */
#define TLS_FILE_MAX	(16u * 1024 * 1024)

static const struct tls_backend *const tls_backends[TLS_ENGINE_COUNT] = {
#ifndef ECTLS_NO_OPENSSL
	[TLS_ENGINE_OPENSSL] = &tls_backend_openssl,
#endif
#ifndef ECTLS_NO_GNUTLS
	[TLS_ENGINE_GNUTLS] = &tls_backend_gnutls,
#endif
};

static const char *const tls_engine_names[TLS_ENGINE_COUNT] = {
	[TLS_ENGINE_OPENSSL] = "openssl",
	[TLS_ENGINE_GNUTLS] = "gnutls",
};

static int tls_inited[TLS_ENGINE_COUNT];

/* The backend for an engine, initialised once; NULL if not built. */
static const struct tls_backend *
backend_get(enum tls_engine e)
{
	const struct tls_backend *be;

	if ((unsigned int)e >= TLS_ENGINE_COUNT || tls_backends[e] == NULL)
		return NULL;
	be = tls_backends[e];
	if (!tls_inited[e]) {
		if (be->global_init != NULL && be->global_init() != 0)
			return NULL;
		tls_inited[e] = 1;
	}
	return be;
}

int
tls_engine_from_name(const char *name)
{
	int e;

	for (e = 0; e < TLS_ENGINE_COUNT; e++)
		if (name != NULL && strcasecmp(name, tls_engine_names[e]) == 0)
			return tls_backends[e] != NULL ? e : -1;
	return -1;
}

const char *
tls_engine_name(enum tls_engine e)
{
	if ((unsigned int)e >= TLS_ENGINE_COUNT)
		return "unknown";
	return tls_engine_names[e];
}

int
tls_engine_available(enum tls_engine e)
{
	return (unsigned int)e < TLS_ENGINE_COUNT && tls_backends[e] != NULL;
}

void
tls_global_fini(void)
{
	int e;

	for (e = 0; e < TLS_ENGINE_COUNT; e++) {
		if (tls_inited[e] && tls_backends[e]->global_fini != NULL)
			tls_backends[e]->global_fini();
		tls_inited[e] = 0;
	}
}

/* Small helpers shared with the backends. */

char *
tls_strdup(const char *s)
{
	return s == NULL ? NULL : (char *)tls_memdup(s, strlen(s) + 1);
}

unsigned char *
tls_memdup(const void *p, size_t n)
{
	unsigned char *q;

	if ((q = malloc(n ? n : 1)) != NULL && n > 0)
		memcpy(q, p, n);
	return q;
}

void
tls_certlist_fini(struct tls_certlist *cl)
{
	size_t i;

	for (i = 0; i < cl->n; i++) {
		free(cl->v[i].subject);
		free(cl->v[i].subject_der);
		free(cl->v[i].issuer_der);
		free(cl->v[i].spki);
		free(cl->v[i].sig_name);
	}
	free(cl->v);
	free(cl->why);
	memset(cl, 0, sizeof(*cl));
}

void
tls_keyinfo_fini(struct tls_keyinfo *ki)
{
	free(ki->spki);
	free(ki->why);
	memset(ki, 0, sizeof(*ki));
}

static const unsigned char *
memfind(const unsigned char *h, size_t hlen, const char *n)
{
	size_t nlen = strlen(n), i;

	for (i = 0; nlen <= hlen && i <= hlen - nlen; i++)
		if (h[i] == (unsigned char)n[0] && memcmp(h + i, n, nlen) == 0)
			return h + i;
	return NULL;
}

long
tls_pem_key_block(const unsigned char *data, size_t len, int *encrypted)
{
	const unsigned char *p, *eol, *end = data + len, *stop;
	size_t left;

	if (encrypted != NULL)
		*encrypted = 0;
	for (p = data; p < end; p += 11) {
		if ((p = memfind(p, (size_t)(end - p), "-----BEGIN ")) == NULL)
			return -1;
		left = (size_t)(end - p);
		eol = memchr(p, '\n', left);
		if (eol == NULL)
			eol = end;
		if (!memfind(p, (size_t)(eol - p), "PRIVATE KEY-----"))
			continue;
		if (encrypted != NULL) {
			stop = memfind(eol, (size_t)(end - eol), "-----END ");
			if (stop == NULL)
				stop = end;
			if (memfind(p, (size_t)(eol - p), "ENCRYPTED") != NULL ||
			    memfind(eol, (size_t)(stop - eol),
			    "Proc-Type: 4,ENCRYPTED") != NULL)
				*encrypted = 1;
		}
		return (long)(p - data);
	}
	return -1;
}

struct loc
tls_loc_at(const struct loc *vloc, size_t off, size_t len)
{
	struct loc l;

	if (vloc == NULL) {
		memset(&l, 0, sizeof(l));
		return l;
	}
	l = *vloc;
	l.col += (uint32_t)off;
	l.off += (uint32_t)off;
	l.len = (uint32_t)len;
	return l;
}

/*
 * The checker: a cache of files and parses, and the dedupe set.
 */

struct tls_keycache {
	struct tls_keycache	*next;
	enum tls_engine		 engine;
	char			*passphrase;	/* NULL: none */
	struct tls_keyinfo	 ki;
};

struct tls_file {
	struct tls_file		*next;
	char			*path;
	int			 err;		/* read errno, 0: ok */
	unsigned char		*data;
	size_t			 len;
	mode_t			 mode;
	int			 have_sha[TLS_ENGINE_COUNT];
	unsigned char		 sha[TLS_ENGINE_COUNT][32];
	int			 have_certs[TLS_ENGINE_COUNT];
	struct tls_certlist	 certs[TLS_ENGINE_COUNT];
	struct tls_keycache	*keys;
};

struct tls_checker {
	struct tls_file	*files;
	struct tls_file	**fidx;		/* hash set of files by path */
	size_t		 nfiles;
	size_t		 capfiles;
	char		**seen;		/* hash set, NULL: empty slot */
	size_t		 nseen;
	size_t		 capseen;
};

struct tls_sink {
	struct tls_checker	*tc;
	struct diag		*d;
	size_t			 nfiled;
	int			 oom;
};

struct tls_checker *
tls_checker_new(void)
{
	return calloc(1, sizeof(struct tls_checker));
}

static void
file_free(struct tls_file *f)
{
	struct tls_keycache *k, *kn;
	int e;

	for (e = 0; e < TLS_ENGINE_COUNT; e++)
		tls_certlist_fini(&f->certs[e]);
	for (k = f->keys; k != NULL; k = kn) {
		kn = k->next;
		if (k->passphrase != NULL) {
			explicit_bzero(k->passphrase, strlen(k->passphrase));
			free(k->passphrase);
		}
		tls_keyinfo_fini(&k->ki);
		free(k);
	}
	if (f->data != NULL) {
		/* The bytes may be a private key (STYLE 2.5.8). */
		explicit_bzero(f->data, f->len);
		free(f->data);
	}
	free(f->path);
	free(f);
}

void
tls_checker_free(struct tls_checker *tc)
{
	struct tls_file *f, *fn;
	size_t i;

	if (tc == NULL)
		return;
	for (f = tc->files; f != NULL; f = fn) {
		fn = f->next;
		file_free(f);
	}
	free(tc->fidx);
	for (i = 0; i < tc->capseen; i++)
		free(tc->seen[i]);
	free(tc->seen);
	free(tc);
}

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * Insert key into the dedupe set (takes ownership of key).  Returns 1 if it
 * was new, 0 if already there (key freed), -1 on ENOMEM (key freed).
 */
static int
seen_insert(struct tls_checker *tc, char *key)
{
	char **ns;
	size_t i, ncap;

	if (tc->nseen * 2 >= tc->capseen) {
		ncap = tc->capseen ? tc->capseen * 2 : 64;
		if ((ns = calloc(ncap, sizeof(*ns))) == NULL) {
			free(key);
			return -1;
		}
		for (i = 0; i < tc->capseen; i++) {
			size_t j;

			if (tc->seen[i] == NULL)
				continue;
			j = fnv1a(tc->seen[i]) & (ncap - 1);
			while (ns[j] != NULL)
				j = (j + 1) & (ncap - 1);
			ns[j] = tc->seen[i];
		}
		free(tc->seen);
		tc->seen = ns;
		tc->capseen = ncap;
	}
	i = fnv1a(key) & (tc->capseen - 1);
	while (tc->seen[i] != NULL) {
		if (strcmp(tc->seen[i], key) == 0) {
			free(key);
			return 0;
		}
		i = (i + 1) & (tc->capseen - 1);
	}
	tc->seen[i] = key;
	tc->nseen++;
	return 1;
}

struct diag *
tls_sink_diag(struct tls_sink *sk)
{
	return sk->d;
}

struct diag_item *
tls_emit(struct tls_sink *sk, enum diag_sev sev, const char *id,
    const struct loc *loc, const char *fmt, ...)
{
	struct diag_item *it;
	va_list ap;
	char *msg, *key;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (msg = malloc((size_t)n + 1)) == NULL) {
		sk->oom = 1;
		return NULL;
	}
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);

	/* The dedupe key: (id, file, line, column, message). */
	n = snprintf(NULL, 0, "%s\n%s\n%u:%u\n%s", id,
	    loc != NULL && loc->file != NULL ? loc->file->path : "",
	    loc != NULL ? loc->line : 0, loc != NULL ? loc->col : 0, msg);
	if (n < 0 || (key = malloc((size_t)n + 1)) == NULL) {
		free(msg);
		sk->oom = 1;
		return NULL;
	}
	snprintf(key, (size_t)n + 1, "%s\n%s\n%u:%u\n%s", id,
	    loc != NULL && loc->file != NULL ? loc->file->path : "",
	    loc != NULL ? loc->line : 0, loc != NULL ? loc->col : 0, msg);
	if ((r = seen_insert(sk->tc, key)) != 1) {
		if (r == -1)
			sk->oom = 1;
		free(msg);
		return NULL;
	}
	it = diag_add(sk->d, sev, id, loc, "%s", msg);
	free(msg);
	if (it != NULL)
		sk->nfiled++;
	return it;
}

static void
sink_init(struct tls_sink *sk, struct tls_checker *tc, struct diag *d)
{
	sk->tc = tc;
	sk->d = d;
	sk->nfiled = 0;
	sk->oom = 0;
}

static int
sink_result(const struct tls_sink *sk)
{
	if (sk->oom) {
		sk->d->oom = 1;
		return -1;
	}
	return (int)sk->nfiled;
}

/*
 * Room in the file index for one more file (load factor 1/2); -1 on
 * ENOMEM.  Every (binding, domain) pair looks its files up here, so the
 * lookup must not grow with the number of files.
 */
static int
file_index_grow(struct tls_checker *tc)
{
	struct tls_file **ni, *f;
	size_t i, ncap;

	if ((tc->nfiles + 1) * 2 <= tc->capfiles)
		return 0;
	ncap = tc->capfiles ? tc->capfiles * 2 : 64;
	if ((ni = calloc(ncap, sizeof(*ni))) == NULL)
		return -1;
	for (f = tc->files; f != NULL; f = f->next) {
		i = fnv1a(f->path) & (ncap - 1);
		while (ni[i] != NULL)
			i = (i + 1) & (ncap - 1);
		ni[i] = f;
	}
	free(tc->fidx);
	tc->fidx = ni;
	tc->capfiles = ncap;
	return 0;
}

/* Read a whole file once into the cache; f->err says how it went. */
static struct tls_file *
file_get(struct tls_checker *tc, const char *path)
{
	struct tls_file *f;
	struct stat st;
	ssize_t r;
	size_t got, i;
	int fd;

	if (tc->capfiles != 0)
		for (i = fnv1a(path) & (tc->capfiles - 1);
		    (f = tc->fidx[i]) != NULL; i = (i + 1) & (tc->capfiles - 1))
			if (strcmp(f->path, path) == 0)
				return f;
	if (file_index_grow(tc) == -1)
		return NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if ((f->path = tls_strdup(path)) == NULL) {
		free(f);
		return NULL;
	}
	f->next = tc->files;
	tc->files = f;
	for (i = fnv1a(path) & (tc->capfiles - 1); tc->fidx[i] != NULL;
	    i = (i + 1) & (tc->capfiles - 1))
		;
	tc->fidx[i] = f;
	tc->nfiles++;
	/* O_NONBLOCK: a FIFO without a writer must not block the open (only
	 * regular files are read; it does not change reads of those). */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		f->err = errno;
		return f;
	}
	if (fstat(fd, &st) == -1) {
		f->err = errno;
		goto out;
	}
	f->mode = st.st_mode;
	if (S_ISDIR(st.st_mode)) {
		f->err = EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		f->err = EINVAL;
		goto out;
	}
	if ((uintmax_t)st.st_size > TLS_FILE_MAX) {
		f->err = EFBIG;
		goto out;
	}
	if ((f->data = malloc((size_t)st.st_size + 1)) == NULL) {
		f->err = ENOMEM;
		goto out;
	}
	for (got = 0; got < (size_t)st.st_size; got += (size_t)r) {
		r = read(fd, f->data + got, (size_t)st.st_size - got);
		if (r == -1 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r == -1) {
			f->err = errno;
			goto out;
		}
		if (r == 0)
			break;
	}
	f->len = got;
	f->data[got] = '\0';
out:
	close(fd);
	return f;
}

/* The engine's parse of the certificates in f; NULL on ENOMEM. */
static const struct tls_certlist *
file_certs(struct tls_file *f, const struct tls_backend *be,
    enum tls_engine e)
{
	if (!f->have_certs[e]) {
		if (be->load_certs(f->data, f->len, &f->certs[e]) == -1) {
			tls_certlist_fini(&f->certs[e]);
			return NULL;
		}
		f->have_certs[e] = 1;
	}
	return &f->certs[e];
}

static int
pass_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The engine's parse of the private key in f; NULL on ENOMEM. */
static const struct tls_keyinfo *
file_key(struct tls_file *f, const struct tls_backend *be,
    enum tls_engine e, const char *passphrase)
{
	struct tls_keycache *k;

	for (k = f->keys; k != NULL; k = k->next)
		if (k->engine == e && pass_eq(k->passphrase, passphrase))
			return &k->ki;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	if (passphrase != NULL &&
	    (k->passphrase = tls_strdup(passphrase)) == NULL) {
		free(k);
		return NULL;
	}
	k->engine = e;
	if (be->load_key(f->data, f->len, passphrase, &k->ki) == -1) {
		tls_keyinfo_fini(&k->ki);
		free(k->passphrase);
		free(k);
		return NULL;
	}
	k->next = f->keys;
	f->keys = k;
	return &k->ki;
}

static void
fmt_time(time_t t, char buf[32])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "@%lld", (long long)t);
}

static const char *
keytype_name(enum tls_keytype kt)
{
	switch (kt) {
	case TLS_KT_RSA:
		return "RSA";
	case TLS_KT_DSA:
		return "DSA";
	case TLS_KT_EC:
		return "EC";
	case TLS_KT_ED25519:
		return "Ed25519";
	case TLS_KT_ED448:
		return "Ed448";
	default:
		return "unknown";
	}
}

/* "certificate "P"" or "certificate N of "P"" for messages. */
static void
cert_name(char *buf, size_t len, const char *path, size_t i, size_t n)
{
	if (n <= 1)
		snprintf(buf, len, "certificate \"%s\"", path);
	else
		snprintf(buf, len, "certificate %zu of \"%s\"", i + 1, path);
}

static int
same_der(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen)
{
	return alen == blen && alen > 0 && memcmp(a, b, alen) == 0;
}

static int
self_issued(const struct tls_certinfo *c)
{
	return same_der(c->subject_der, c->subject_len, c->issuer_der,
	    c->issuer_len);
}

static void
note_reason(struct tls_sink *sk, struct diag_item *it,
    const struct tls_backend *be, const char *why)
{
	if (why != NULL && *why != '\0')
		diag_note(sk->d, it, NULL, "%s: %s", be->name, why);
}

/*
 * Certificate files.
 */

static void
cert_dates(struct tls_sink *sk, const struct tls_certinfo *c,
    const char *name, const struct loc *vloc, time_t now, int warn_days,
    int is_ca_file)
{
	struct diag_item *it;
	char t0[32], t1[32];
	long long left;

	fmt_time(c->not_before, t0);
	fmt_time(c->not_after, t1);
	if (now > c->not_after) {
		if (is_ca_file)
			return;		/* the CA check counts them */
		it = tls_emit(sk, DIAG_ERROR, "tls-cert-expired", vloc,
		    "%s expired on %s", name, t1);
		diag_note(sk->d, it, NULL, "subject \"%s\", valid from %s",
		    c->subject, t0);
	} else if (now < c->not_before) {
		it = tls_emit(sk, DIAG_ERROR, "tls-cert-not-yet-valid", vloc,
		    "%s is not valid before %s", name, t0);
		diag_note(sk->d, it, NULL, "subject \"%s\", valid until %s",
		    c->subject, t1);
	} else if (!is_ca_file) {
		left = ((long long)c->not_after - (long long)now) / 86400;
		if (left < warn_days) {
			it = tls_emit(sk, DIAG_WARNING, "tls-cert-expiring",
			    vloc, "%s expires on %s, in %lld day%s", name, t1,
			    left, left == 1 ? "" : "s");
			diag_note(sk->d, it, NULL, "subject \"%s\"",
			    c->subject);
		}
	}
}

static void
cert_strength(struct tls_sink *sk, const struct tls_backend *be,
    const struct tls_certinfo *c, const char *name, const struct loc *vloc)
{
	struct diag_item *it;
	unsigned int min = 0;

	switch (c->key_type) {
	case TLS_KT_RSA:
	case TLS_KT_DSA:
		min = 2048;
		break;
	case TLS_KT_EC:
		min = 256;
		break;
	default:
		break;
	}
	if (min != 0 && c->key_bits < min) {
		it = tls_emit(sk, DIAG_WARNING, "tls-cert-weak-key", vloc,
		    "%s has a %u-bit %s key (minimum %u)", name, c->key_bits,
		    keytype_name(c->key_type), min);
		diag_note(sk->d, it, NULL, "subject \"%s\"", c->subject);
	}
	/* A self-signed root's own signature is never checked by peers. */
	if (c->sig_hash != TLS_SH_OTHER && !self_issued(c)) {
		it = tls_emit(sk, DIAG_WARNING, "tls-cert-weak-signature",
		    vloc, "%s is signed with %s", name,
		    c->sig_hash == TLS_SH_MD5 ? "MD5" : "SHA-1");
		diag_note(sk->d, it, NULL, "subject \"%s\"", c->subject);
		if (c->sig_name != NULL)
			diag_note(sk->d, it, NULL, "%s: signature algorithm %s",
			    be->name, c->sig_name);
	}
}

int
tls_check_cert_file(struct tls_checker *tc, enum tls_engine e,
    const char *path, const struct loc *vloc, time_t now, int warn_days,
    struct diag *d)
{
	const struct tls_backend *be;
	const struct tls_certlist *cl;
	const struct tls_certinfo *c;
	struct tls_sink sk;
	struct tls_file *f;
	struct diag_item *it;
	char name[PATH_MAX + 64];
	size_t i;

	sink_init(&sk, tc, d);
	if ((be = backend_get(e)) == NULL) {
		tls_emit(&sk, DIAG_ERROR, "tls-engine-unavailable", vloc,
		    "TLS engine \"%s\" is not built into this ectls",
		    tls_engine_name(e));
		sink_result(&sk);
		return -1;
	}
	if (warn_days < 0)
		warn_days = TLS_WARN_DAYS_DEFAULT;
	if ((f = file_get(tc, path)) == NULL)
		goto oom;
	if (f->err != 0) {
		tls_emit(&sk, DIAG_ERROR, "tls-cert-unreadable", vloc,
		    "cannot read certificate file \"%s\": %s", path,
		    strerror(f->err));
		return sink_result(&sk);
	}
	if ((cl = file_certs(f, be, e)) == NULL)
		goto oom;
	if (cl->n == 0) {
		if (f->len == 0)
			it = tls_emit(&sk, DIAG_ERROR, "tls-cert-invalid",
			    vloc, "certificate file \"%s\" is empty", path);
		else
			it = tls_emit(&sk, DIAG_ERROR, "tls-cert-invalid",
			    vloc, "no PEM certificate in \"%s\"", path);
		note_reason(&sk, it, be, cl->why);
		return sink_result(&sk);
	}
	for (i = 0; i < cl->n; i++) {
		c = &cl->v[i];
		cert_name(name, sizeof(name), path, i, cl->n);
		cert_dates(&sk, c, name, vloc, now, warn_days, 0);
		cert_strength(&sk, be, c, name, vloc);
	}

	/*
	 * Chain order: the leaf first, then each issuer (RFC 8446 4.4.2;
	 * Postfix TLS_README).  Report the first break only.
	 */
	for (i = 1; i < cl->n; i++) {
		if (same_der(cl->v[i].subject_der, cl->v[i].subject_len,
		    cl->v[i - 1].issuer_der, cl->v[i - 1].issuer_len))
			continue;
		it = tls_emit(&sk, DIAG_WARNING, "tls-cert-chain-order", vloc,
		    "certificate chain in \"%s\" is out of order: "
		    "certificate %zu (\"%s\") is not the issuer of "
		    "certificate %zu (\"%s\")", path, i + 1,
		    cl->v[i].subject, i, cl->v[i - 1].subject);
		diag_note(sk.d, it, NULL, "the leaf certificate comes first, "
		    "then each certificate's issuer");
		break;
	}

	/* Outbound, the certificate is a TLS client certificate. */
	c = &cl->v[0];
	if (c->eku_present && !c->eku_client) {
		cert_name(name, sizeof(name), path, 0, cl->n);
		it = tls_emit(&sk, DIAG_WARNING, "tls-cert-no-client-auth", vloc,
		    "%s has an extended key usage without clientAuth; for "
		    "delivery it is a TLS client certificate", name);
		diag_note(sk.d, it, NULL, "subject \"%s\"", c->subject);
	}
	return sink_result(&sk);
oom:
	d->oom = 1;
	return -1;
}

/*
 * Keys.
 */

int
tls_check_key_file(struct tls_checker *tc, enum tls_engine e,
    const char *key_path, const struct loc *key_loc, const char *cert_path,
    const struct loc *cert_loc, const char *passphrase, struct diag *d)
{
	const struct tls_backend *be;
	const struct tls_certlist *cl = NULL;
	const struct tls_keyinfo *ki;
	const struct loc *kloc;
	struct tls_file *kf, *cf = NULL;
	struct tls_sink sk;
	struct diag_item *it;
	const char *kpath;
	size_t i;

	sink_init(&sk, tc, d);
	if ((be = backend_get(e)) == NULL) {
		tls_emit(&sk, DIAG_ERROR, "tls-engine-unavailable", key_loc,
		    "TLS engine \"%s\" is not built into this ectls",
		    tls_engine_name(e));
		sink_result(&sk);
		return -1;
	}
	if (cert_path != NULL) {
		if ((cf = file_get(tc, cert_path)) == NULL)
			goto oom;
		if (cf->err == 0 && (cl = file_certs(cf, be, e)) == NULL)
			goto oom;
	}
	if (key_path != NULL) {
		kpath = key_path;
		kloc = key_loc;
		if ((kf = file_get(tc, key_path)) == NULL)
			goto oom;
		if (kf->err != 0) {
			tls_emit(&sk, DIAG_ERROR, "tls-key-unreadable", kloc,
			    "cannot read private key file \"%s\": %s",
			    key_path, strerror(kf->err));
			return sink_result(&sk);
		}
	} else {
		/* The key must be in the certificate file. */
		if (cf == NULL || cf->err != 0)
			return sink_result(&sk);	/* cert check reports */
		kpath = cert_path;
		kloc = cert_loc;
		kf = cf;
	}
	if ((ki = file_key(kf, be, e, passphrase)) == NULL)
		goto oom;
	switch (ki->status) {
	case TLS_KEY_NONE:
		if (key_path == NULL) {
			tls_emit(&sk, DIAG_ERROR, "tls-key-missing", kloc,
			    "certificate file \"%s\" holds no private key and "
			    "tls_key is not set", kpath);
		} else {
			it = tls_emit(&sk, DIAG_ERROR, "tls-key-invalid", kloc,
			    kf->len == 0 ? "private key file \"%s\" is empty" :
			    "no PEM private key in \"%s\"", kpath);
			note_reason(&sk, it, be, ki->why);
		}
		return sink_result(&sk);
	case TLS_KEY_ENCRYPTED:
		it = tls_emit(&sk, DIAG_ERROR, "tls-key-encrypted", kloc,
		    "private key \"%s\" is encrypted and no passphrase is "
		    "available", kpath);
		diag_note(sk.d, it, NULL, "the MTA cannot prompt for a "
		    "passphrase; store the key unencrypted with mode 0600");
		break;
	case TLS_KEY_INVALID:
		it = tls_emit(&sk, DIAG_ERROR, "tls-key-invalid", kloc,
		    "cannot load private key \"%s\"", kpath);
		note_reason(&sk, it, be, ki->why);
		break;
	case TLS_KEY_OK:
		break;
	}
	/* OpenSMTPD's check_file_secrecy(): a key is for the MTA only. */
	if (kf->mode & (S_IRGRP | S_IROTH)) {
		it = tls_emit(&sk, DIAG_WARNING, "tls-key-permissions", kloc,
		    "private key file \"%s\" is readable by %s (mode %04o)",
		    kpath, (kf->mode & S_IRGRP) && (kf->mode & S_IROTH) ?
		    "group and others" : (kf->mode & S_IRGRP) ? "group" :
		    "others", (unsigned int)(kf->mode & 07777));
		diag_note(sk.d, it, NULL, "chmod 600 \"%s\"", kpath);
	}
	if (ki->status != TLS_KEY_OK || cl == NULL || cl->n == 0)
		return sink_result(&sk);

	/*
	 * An explicit comparison of public keys: load calls do not always
	 * notice a mismatch (openssl/openssl#1549).
	 */
	if (same_der(ki->spki, ki->spki_len, cl->v[0].spki,
	    cl->v[0].spki_len))
		return sink_result(&sk);
	if (key_path != NULL)
		it = tls_emit(&sk, DIAG_ERROR, "tls-key-mismatch", kloc,
		    "private key \"%s\" does not match certificate \"%s\"",
		    kpath, cert_path);
	else
		it = tls_emit(&sk, DIAG_ERROR, "tls-key-mismatch", kloc,
		    "private key in \"%s\" does not match its certificate",
		    kpath);
	if (key_path != NULL)
		diag_note(sk.d, it, cert_loc, "certificate \"%s\" set here",
		    cert_path);
	diag_note(sk.d, it, NULL, "the key is %s %u bits; the certificate's "
	    "public key is %s %u bits (subject \"%s\")",
	    keytype_name(ki->key_type), ki->key_bits,
	    keytype_name(cl->v[0].key_type), cl->v[0].key_bits,
	    cl->v[0].subject);
	for (i = 1; i < cl->n; i++)
		if (same_der(ki->spki, ki->spki_len, cl->v[i].spki,
		    cl->v[i].spki_len)) {
			diag_note(sk.d, it, NULL, "the key matches certificate "
			    "%zu in the file: the leaf must come first", i + 1);
			break;
		}
	return sink_result(&sk);
oom:
	d->oom = 1;
	return -1;
}

/*
 * CA files.
 */

int
tls_check_ca_file(struct tls_checker *tc, enum tls_engine e,
    const char *path, const struct loc *vloc, time_t now, struct diag *d)
{
	const struct tls_backend *be;
	const struct tls_certlist *cl;
	const struct tls_certinfo *c;
	struct tls_sink sk;
	struct tls_file *f;
	struct diag_item *it;
	char name[PATH_MAX + 64], t1[32];
	size_t i, nexp = 0;

	sink_init(&sk, tc, d);
	if ((be = backend_get(e)) == NULL) {
		tls_emit(&sk, DIAG_ERROR, "tls-engine-unavailable", vloc,
		    "TLS engine \"%s\" is not built into this ectls",
		    tls_engine_name(e));
		sink_result(&sk);
		return -1;
	}
	if ((f = file_get(tc, path)) == NULL)
		goto oom;
	if (f->err != 0) {
		tls_emit(&sk, DIAG_ERROR, "tls-ca-unreadable", vloc,
		    "cannot read CA file \"%s\": %s", path, strerror(f->err));
		return sink_result(&sk);
	}
	if ((cl = file_certs(f, be, e)) == NULL)
		goto oom;
	if (cl->n == 0) {
		it = tls_emit(&sk, DIAG_ERROR, "tls-ca-invalid", vloc,
		    f->len == 0 ? "CA file \"%s\" is empty" :
		    "no PEM certificate in CA file \"%s\"", path);
		note_reason(&sk, it, be, cl->why);
		return sink_result(&sk);
	}
	for (i = 0; i < cl->n; i++) {
		c = &cl->v[i];
		snprintf(name, sizeof(name), "CA certificate %zu of \"%s\"",
		    i + 1, path);
		if (!c->is_ca) {
			it = tls_emit(&sk, DIAG_WARNING, "tls-ca-not-ca", vloc,
			    "%s is not a CA certificate (%s)", name,
			    c->bc_present ? "basicConstraints CA:FALSE" :
			    "no basicConstraints CA:TRUE");
			diag_note(sk.d, it, NULL, "subject \"%s\"", c->subject);
		}
		if (now > c->not_after)
			nexp++;
		cert_dates(&sk, c, name, vloc, now, 0, 1);
	}
	if (nexp == cl->n) {
		it = tls_emit(&sk, DIAG_ERROR, "tls-ca-all-expired", vloc,
		    "every certificate in CA file \"%s\" has expired", path);
		for (i = 0; i < cl->n; i++) {
			fmt_time(cl->v[i].not_after, t1);
			diag_note(sk.d, it, NULL, "\"%s\" expired on %s",
			    cl->v[i].subject, t1);
		}
	} else {
		for (i = 0; i < cl->n; i++) {
			c = &cl->v[i];
			if (now <= c->not_after)
				continue;
			fmt_time(c->not_after, t1);
			it = tls_emit(&sk, DIAG_WARNING, "tls-ca-expired", vloc,
			    "CA certificate %zu of \"%s\" expired on %s", i + 1,
			    path, t1);
			diag_note(sk.d, it, NULL, "subject \"%s\"", c->subject);
		}
	}
	return sink_result(&sk);
oom:
	d->oom = 1;
	return -1;
}

/*
 * tls_protocols, OpenSSL dialect.
 */

static const struct {
	const char	*name;
	unsigned int	 bits;
} proto_tokens[] = {
	{ .name = "ALL", .bits = TLS_PROTO_ALL },
	{ .name = "SSLv2", .bits = TLS_PROTO_SSLV2 },
	{ .name = "SSLv3", .bits = TLS_PROTO_SSLV3 },
	{ .name = "TLSv1", .bits = TLS_PROTO_TLSV1_0 },
	{ .name = "TLSv1.0", .bits = TLS_PROTO_TLSV1_0 },
	{ .name = "TLSv1.1", .bits = TLS_PROTO_TLSV1_1 },
	{ .name = "TLSv1.2", .bits = TLS_PROTO_TLSV1_2 },
	{ .name = "TLSv1.3", .bits = TLS_PROTO_TLSV1_3 },
};

static void
proto_list(unsigned int set, char *buf, size_t len)
{
	static const char *const names[] = {
		"SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"
	};
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < 6; i++)
		if (set & (1u << i))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0,
			    "%s%s", n ? ", " : "", names[i]);
}

/* Why a protocol is still on: re-enabled, or never disabled. */
static void
proto_note(struct tls_sink *sk, struct diag_item *it, unsigned int bit,
    unsigned int readded, size_t nminus, int any_all)
{
	if (readded & bit)
		diag_note(sk->d, it, NULL, "tokens apply left to right: a "
		    "later \"+\" re-enables what an earlier \"-\" removed");
	else if (nminus == 0 && !any_all)
		diag_note(sk->d, it, NULL, "tls_protocols starts from the "
		    "default \"+ALL\": \"+\" tokens alone disable nothing");
}

int
tls_check_protocols(struct tls_checker *tc, const char *value,
    const struct loc *vloc, struct diag *d, unsigned int *protos)
{
	struct tls_sink sk;
	struct diag_item *it;
	struct loc tl;
	unsigned int set = TLS_PROTO_ALL, bits, removed = 0, readded = 0;
	size_t pos, start, end, i, nminus = 0;
	int bad = 0, sign, any_all = 0;
	char list[96];

	sink_init(&sk, tc, d);
	if (value == NULL) {
		/* Unset: the documented default "+ALL" (spec 3.2, 4). */
		it = tls_emit(&sk, DIAG_ERROR, "tls-poodle", vloc,
		    "tls_protocols is not set and the default \"+ALL\" enables "
		    "SSLv3 (POODLE, CVE-2014-3566) and SSLv2; set "
		    "tls_protocols = \"+ALL:-SSLv2:-SSLv3\"");
		diag_note(sk.d, it, NULL, "the Security Considerations page "
		    "gives \"+ALL:-SSLv3\", which leaves SSLv2 to builds that "
		    "still have it; \"+ALL:-SSLv2:-SSLv3:-TLSv1.0:-TLSv1.1\" "
		    "leaves only TLS 1.2 and 1.3 (RFC 8996)");
		if (protos != NULL)
			*protos = TLS_PROTO_ALL;
		return sink_result(&sk);
	}

	pos = 0;
	if (value[0] == ':')
		pos = 1;	/* the M3 page's ":ALL:-SSLv3" */
	for (;;) {
		start = pos;
		end = start + strcspn(value + start, ":");
		tl = tls_loc_at(vloc, start, end - start);
		if (end == start) {
			tls_emit(&sk, DIAG_ERROR, "tls-protocol-unknown", &tl,
			    "empty protocol token in tls_protocols");
			bad = 1;
			goto next;
		}
		sign = '+';
		if (value[start] == '+' || value[start] == '-')
			sign = value[start++];
		bits = 0;
		for (i = 0; i < sizeof(proto_tokens) / sizeof(proto_tokens[0]);
		    i++)
			if (strlen(proto_tokens[i].name) == end - start &&
			    strncasecmp(value + start, proto_tokens[i].name,
			    end - start) == 0) {
				bits = proto_tokens[i].bits;
				break;
			}
		if (bits == 0) {
			it = tls_emit(&sk, DIAG_ERROR, "tls-protocol-unknown",
			    &tl, "unknown protocol \"%.*s\" in tls_protocols",
			    (int)(end - start), value + start);
			if (strpbrk(value + start, " \t,") != NULL &&
			    (size_t)(strpbrk(value + start, " \t,") - value) <
			    end)
				diag_note(sk.d, it, NULL, "tokens are separated "
				    "by \":\", as in \"+ALL:-SSLv3\"");
			else
				diag_note(sk.d, it, NULL, "expected ALL, SSLv2, "
				    "SSLv3, TLSv1.0, TLSv1.1, TLSv1.2 or "
				    "TLSv1.3, with a \"+\" or \"-\" prefix");
			bad = 1;
			goto next;
		}
		if (bits == TLS_PROTO_ALL)
			any_all = 1;
		if (sign == '+') {
			set |= bits;
			readded |= bits & removed;
		} else {
			set &= ~bits;
			removed |= bits;
			nminus++;
		}
next:
		if (value[end] == '\0')
			break;
		pos = end + 1;
	}
	if (bad) {
		if (protos != NULL)
			*protos = 0;
		return sink_result(&sk);
	}
	if (protos != NULL)
		*protos = set;
	if (set == 0) {
		it = tls_emit(&sk, DIAG_ERROR, "tls-protocol-none", vloc,
		    "tls_protocols \"%s\" leaves no protocol enabled", value);
		diag_note(sk.d, it, NULL, "for TLS 1.2 and 1.3 only, use "
		    "\"+ALL:-SSLv2:-SSLv3:-TLSv1.0:-TLSv1.1\"");
		return sink_result(&sk);
	}
	if (set & TLS_PROTO_SSLV3) {
		it = tls_emit(&sk, DIAG_ERROR, "tls-poodle", vloc,
		    "tls_protocols \"%s\" enables SSLv3 (POODLE, CVE-2014-3566); "
		    "add \":-SSLv3\"", value);
		proto_note(&sk, it, TLS_PROTO_SSLV3, readded, nminus, any_all);
	}
	if (set & TLS_PROTO_SSLV2) {
		it = tls_emit(&sk, DIAG_ERROR, "tls-poodle", vloc,
		    "tls_protocols \"%s\" enables SSLv2 (prohibited by RFC "
		    "6176); add \":-SSLv2\"", value);
		proto_note(&sk, it, TLS_PROTO_SSLV2, readded, nminus, any_all);
	}
	if (set & (TLS_PROTO_TLSV1_0 | TLS_PROTO_TLSV1_1)) {
		proto_list(set & (TLS_PROTO_TLSV1_0 | TLS_PROTO_TLSV1_1), list,
		    sizeof(list));
		it = tls_emit(&sk, DIAG_WARNING, "tls-protocol-deprecated",
		    vloc, "tls_protocols \"%s\" enables %s, deprecated by "
		    "RFC 8996", value, list);
		diag_note(sk.d, it, NULL, "\"+ALL:-SSLv2:-SSLv3:-TLSv1.0:"
		    "-TLSv1.1\" leaves TLS 1.2 and 1.3");
	}
	return sink_result(&sk);
}

/*
 * Strings in a backend's dialect.
 */

static int
ignored(struct tls_sink *sk, const char *opt, enum tls_engine e,
    const struct loc *vloc, const char *why)
{
	struct diag_item *it;

	it = tls_emit(sk, DIAG_WARNING, "tls-option-ignored", vloc,
	    "%s has no meaning under tls_engine = %s", opt,
	    tls_engine_name(e));
	if (why != NULL)
		diag_note(sk->d, it, NULL, "%s", why);
	return sink_result(sk);
}

int
tls_check_ciphers(struct tls_checker *tc, enum tls_engine e,
    const char *value, const struct loc *vloc, struct diag *d)
{
	const struct tls_backend *be;
	struct tls_sink sk;
	struct tls_str s = { .s = value, .vloc = vloc };

	sink_init(&sk, tc, d);
	if ((be = backend_get(e)) == NULL || be->check_ciphers == NULL) {
		tls_emit(&sk, DIAG_ERROR, "tls-engine-unavailable", vloc,
		    "TLS engine \"%s\" is not built into this ectls",
		    tls_engine_name(e));
		sink_result(&sk);
		return -1;
	}
	if (be->check_ciphers(&sk, &s) == -1)
		sk.oom = 1;
	return sink_result(&sk);
}

int
tls_check_tls13_suites(struct tls_checker *tc, enum tls_engine e,
    const char *value, const struct loc *vloc, struct diag *d)
{
	const struct tls_backend *be;
	struct tls_sink sk;
	struct tls_str s = { .s = value, .vloc = vloc };

	sink_init(&sk, tc, d);
	if (value == NULL)
		return 0;
	if ((be = backend_get(e)) == NULL) {
		tls_emit(&sk, DIAG_ERROR, "tls-engine-unavailable", vloc,
		    "TLS engine \"%s\" is not built into this ectls",
		    tls_engine_name(e));
		sink_result(&sk);
		return -1;
	}
	if (!(be->supports & TLS_SUPP_TLS13_SUITES) ||
	    be->check_tls13_suites == NULL)
		return ignored(&sk, "tlsv13_ciphersuites", e, vloc,
		    "TLS 1.3 suites are an OpenSSL setting; Momentum does not "
		    "use it for GnuTLS deliveries");
	if (be->check_tls13_suites(&sk, &s) == -1)
		sk.oom = 1;
	return sink_result(&sk);
}

int
tls_check_dhparams_file(struct tls_checker *tc, enum tls_engine e,
    const char *path, const struct loc *vloc, struct diag *d)
{
	const struct tls_backend *be;
	struct tls_sink sk;
	struct tls_file *f;
	struct diag_item *it;
	unsigned int bits = 0;
	char why[256];

	sink_init(&sk, tc, d);
	if ((be = backend_get(e)) == NULL) {
		tls_emit(&sk, DIAG_ERROR, "tls-engine-unavailable", vloc,
		    "TLS engine \"%s\" is not built into this ectls",
		    tls_engine_name(e));
		sink_result(&sk);
		return -1;
	}
	if ((f = file_get(tc, path)) == NULL) {
		d->oom = 1;
		return -1;
	}
	if (f->err != 0) {
		tls_emit(&sk, DIAG_ERROR, "tls-dhparams-unreadable", vloc,
		    "cannot read DH parameters file \"%s\": %s", path,
		    strerror(f->err));
		return sink_result(&sk);
	}
	why[0] = '\0';
	if (be->dh_bits(f->data, f->len, &bits, why, sizeof(why)) == -1) {
		it = tls_emit(&sk, DIAG_ERROR, "tls-dhparams-unreadable", vloc,
		    "no valid DH parameters in \"%s\"", path);
		note_reason(&sk, it, be, why);
		return sink_result(&sk);
	}
	if (bits < 2048) {
		it = tls_emit(&sk, DIAG_WARNING, "tls-dhparams-weak", vloc,
		    "DH parameters in \"%s\" are %u bits (minimum 2048)", path,
		    bits);
		diag_note(sk.d, it, NULL, "use RFC 7919 ffdhe2048 or larger: "
		    "openssl genpkey -genparam -algorithm DH -pkeyopt "
		    "group:ffdhe2048");
	}
	return sink_result(&sk);
}

/*
 * tls_ec_curve_names: the option page's rules (spec 3.2): no leading or
 * trailing whitespace, no spaces around ":", no empty segment, every name
 * known to OpenSSL; the one message Momentum documents verbatim.
 */
int
tls_check_curves(struct tls_checker *tc, const char *value,
    const struct loc *vloc, struct diag *d)
{
	const struct tls_backend *be = NULL;
	struct tls_sink sk;
	struct diag_item *it;
	struct loc tl;
	size_t start, end, len;
	char name[128];

	sink_init(&sk, tc, d);
	if (value == NULL)
		return 0;
#ifndef ECTLS_NO_OPENSSL
	be = backend_get(TLS_ENGINE_OPENSSL);
#endif
	if (be == NULL || be->curve_known == NULL) {
		tls_emit(&sk, DIAG_ERROR, "tls-engine-unavailable", vloc,
		    "tls_ec_curve_names needs the openssl engine, which is not "
		    "built into this ectls");
		sink_result(&sk);
		return -1;
	}
	len = strlen(value);
	if (len == 0) {
		it = tls_emit(&sk, DIAG_ERROR, "tls-curve-invalid", vloc,
		    "invalid curve or group list");
		diag_note(sk.d, it, NULL, "the value is empty");
		return sink_result(&sk);
	}
	for (start = 0;; start = end + 1) {
		end = start + strcspn(value + start, ":");
		tl = tls_loc_at(vloc, start, end - start);
		if (end == start) {
			it = tls_emit(&sk, DIAG_ERROR, "tls-curve-invalid", &tl,
			    "invalid curve or group list");
			diag_note(sk.d, it, NULL, "empty name at byte %zu",
			    start + 1);
		} else if (isspace((unsigned char)value[start]) ||
		    isspace((unsigned char)value[end - 1])) {
			it = tls_emit(&sk, DIAG_ERROR, "tls-curve-invalid", &tl,
			    "invalid curve or group list");
			diag_note(sk.d, it, NULL,
			    (start == 0 && isspace((unsigned char)value[0])) ||
			    (end == len && isspace((unsigned char)value[len -
			    1])) ? "no whitespace allowed at the start or end" :
			    "no spaces allowed around \":\"");
		} else if (end - start >= sizeof(name) ||
		    (memcpy(name, value + start, end - start),
		    name[end - start] = '\0', !be->curve_known(name))) {
			it = tls_emit(&sk, DIAG_ERROR, "tls-curve-invalid", &tl,
			    "invalid curve or group list");
			diag_note(sk.d, it, NULL, "openssl: unknown curve or "
			    "group \"%.*s\"", (int)(end - start),
			    value + start);
		}
		if (value[end] == '\0')
			break;
	}
	return sink_result(&sk);
}

/*
 * The static POODLE rule for GnuTLS priority strings (spec 4).  Level
 * keywords reset the protocol set to a library-defined one, so only what
 * follows the last of them counts.  VERS-TLS-ALL and VERS-ALL included SSL
 * 3.0 in old GnuTLS (3.3's stream_protocol_priority): adding them counts as
 * adding SSL 3.0, removing them as removing it.
 */
static int
prio_is_level(const char *t, size_t n)
{
	static const char *const levels[] = {
		"PERFORMANCE", "NORMAL", "LEGACY", "PFS", "SECURE128",
		"SECURE192", "SECURE256", "SUITEB128", "SUITEB192", "NONE",
		"SECURE", "EXPORT", "SYSTEM"
	};
	size_t i;

	if (n > 0 && t[0] == '@')
		return 1;	/* @SYSTEM, @KEYWORD: system-defined */
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strlen(levels[i]) == n && strncasecmp(t, levels[i], n) == 0)
			return 1;
	return 0;
}

static int
prio_names_ssl3(const char *t, size_t n)
{
	return (n == 11 && strncasecmp(t, "VERS-SSL3.0", 11) == 0) ||
	    (n == 12 && strncasecmp(t, "VERS-TLS-ALL", 12) == 0) ||
	    (n == 8 && strncasecmp(t, "VERS-ALL", 8) == 0);
}

int
tls_priority_ssl3_safe(const char *s, const char **why, size_t *off)
{
	size_t pos, end, n, last_level = 0, first_end;
	int from_none, removed = 0, added = 0, seen_level = 0, all = 0;
	const char *t;

	first_end = strcspn(s, ":");
	from_none = first_end == 4 && strncasecmp(s, "NONE", 4) == 0;
	if (off != NULL)
		*off = 0;
	for (pos = 0;; pos = end + 1) {
		end = pos + strcspn(s + pos, ":");
		t = s + pos;
		n = end - pos;
		if (n > 0 && prio_is_level(t, n)) {
			/* A later level keyword may bring SSL 3.0 back. */
			if (!(pos == 0 && from_none))
				seen_level = 1;
			removed = added = 0;
			last_level = pos;
		} else if (n > 1 && (t[0] == '-' || t[0] == '!') &&
		    prio_names_ssl3(t + 1, n - 1)) {
			removed = 1;
			added = 0;
		} else if (n > 1 && t[0] == '+' &&
		    prio_names_ssl3(t + 1, n - 1)) {
			added = 1;
			all = strncasecmp(t + 1, "VERS-SSL3.0", n - 1) != 0;
			if (off != NULL)
				*off = pos;
		}
		if (s[end] == '\0')
			break;
	}
	if (from_none && !seen_level && !added)
		return 1;
	if (!from_none || seen_level) {
		if (removed && !added)
			return 1;
	}
	if (off != NULL && !added)
		*off = last_level;
	if (why != NULL) {
		if (added && all)
			*why = "this element includes SSL 3.0 in older GnuTLS "
			    "(VERS-TLS-ALL and VERS-ALL did)";
		else if (added)
			*why = "this element enables SSL 3.0";
		else
			*why = "no \"-VERS-SSL3.0\" follows the last level "
			    "keyword, and older GnuTLS enables SSL 3.0 under it";
	}
	return 0;
}

/*
 * Engine probes and digests.
 */

static int
probe_unavailable(enum tls_engine e, char *why, size_t whylen)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "TLS engine \"%s\" is not built in",
		    tls_engine_name(e));
	return -1;
}

int
tls_probe_pair(enum tls_engine e, const char *cert_path,
    const char *key_path, const char *passphrase, char *why, size_t whylen)
{
	const struct tls_backend *be;
	char tmp[8];

	if ((be = backend_get(e)) == NULL)
		return probe_unavailable(e, why, whylen);
	if (why == NULL || whylen == 0) {
		why = tmp;
		whylen = sizeof(tmp);
	}
	why[0] = '\0';
	return be->probe_pair(cert_path, key_path, passphrase, why, whylen);
}

int
tls_probe_ca(enum tls_engine e, const char *ca_path, char *why,
    size_t whylen)
{
	const struct tls_backend *be;
	char tmp[8];

	if ((be = backend_get(e)) == NULL)
		return probe_unavailable(e, why, whylen);
	if (why == NULL || whylen == 0) {
		why = tmp;
		whylen = sizeof(tmp);
	}
	why[0] = '\0';
	return be->probe_ca(ca_path, why, whylen);
}

int
tls_file_sha256(struct tls_checker *tc, enum tls_engine e, const char *path,
    char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	const struct tls_backend *be;
	struct tls_file *f;
	size_t i;

	if ((be = backend_get(e)) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if ((f = file_get(tc, path)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (f->err != 0) {
		errno = f->err;
		return -1;
	}
	if (!f->have_sha[e]) {
		if (be->sha256(f->data, f->len, f->sha[e]) == -1) {
			errno = EIO;
			return -1;
		}
		f->have_sha[e] = 1;
	}
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[f->sha[e][i] >> 4];
		hex[2 * i + 1] = digits[f->sha[e][i] & 15];
	}
	hex[64] = '\0';
	return 0;
}

/*
 * One effective policy.
 */

static int
add_result(int *total, int r)
{
	if (r < 0)
		return -1;
	*total += r;
	return 0;
}

int
tls_check_policy(struct tls_checker *tc, const struct tls_policy *p,
    struct diag *d, unsigned int *protos)
{
	struct tls_sink sk;
	struct diag_item *it;
	const struct loc *l;
	int total = 0, rc = 0;

	if (protos != NULL)
		*protos = TLS_PROTO_ALL;
	if (!tls_engine_available(p->engine)) {
		sink_init(&sk, tc, d);
		tls_emit(&sk, DIAG_ERROR, "tls-engine-unavailable",
		    p->policy_loc, "TLS engine \"%s\" is not built into this "
		    "ectls", tls_engine_name(p->engine));
		sink_result(&sk);
		return -1;
	}
	if (p->cert != NULL) {
		rc |= add_result(&total, tls_check_cert_file(tc, p->engine,
		    p->cert, p->cert_loc, p->now, p->warn_days, d));
		rc |= add_result(&total, tls_check_key_file(tc, p->engine,
		    p->key, p->key_loc, p->cert, p->cert_loc, p->passphrase,
		    d));
	} else if (p->key != NULL) {
		/* A key alone: still check it, and say it is unused. */
		rc |= add_result(&total, tls_check_key_file(tc, p->engine,
		    p->key, p->key_loc, NULL, NULL, p->passphrase, d));
		sink_init(&sk, tc, d);
		tls_emit(&sk, DIAG_WARNING, "tls-key-without-cert", p->key_loc,
		    "tls_key \"%s\" is set but no tls_certificate: no client "
		    "certificate is presented", p->key);
		rc |= add_result(&total, sink_result(&sk));
	}
	if (p->ca != NULL)
		rc |= add_result(&total, tls_check_ca_file(tc, p->engine,
		    p->ca, p->ca_loc, p->now, d));
	if (p->verify != TLS_VERIFY_NO && p->ca == NULL) {
		sink_init(&sk, tc, d);
		l = p->verify_loc != NULL ? p->verify_loc : p->policy_loc;
		it = tls_emit(&sk, DIAG_WARNING, "tls-verify-no-ca", l,
		    "tls_verify = %s without tls_ca: no CA can vouch for the "
		    "peer", p->verify == TLS_VERIFY_CA ? "ca" :
		    p->verify == TLS_VERIFY_HOST ? "host" : "optional");
		diag_note(sk.d, it, NULL, "set tls_ca to a PEM CA bundle");
		rc |= add_result(&total, sink_result(&sk));
	}

	if (p->engine == TLS_ENGINE_GNUTLS) {
		/*
		 * Under GnuTLS tls_ciphers is a priority string and carries
		 * the protocol set; tls_protocols does not count (spec 4).
		 */
		if (p->protocols != NULL) {
			sink_init(&sk, tc, d);
			rc |= add_result(&total, ignored(&sk, "tls_protocols",
			    p->engine, p->protocols_loc, "under GnuTLS the "
			    "tls_ciphers priority string sets the protocols, "
			    "e.g. \"NORMAL:-VERS-SSL3.0\""));
		}
		rc |= add_result(&total, tls_check_ciphers(tc, p->engine,
		    p->ciphers, p->ciphers != NULL ? p->ciphers_loc :
		    p->policy_loc, d));
	} else {
		rc |= add_result(&total, tls_check_protocols(tc, p->protocols,
		    p->protocols != NULL ? p->protocols_loc : p->policy_loc, d,
		    protos));
		if (p->ciphers != NULL)
			rc |= add_result(&total, tls_check_ciphers(tc,
			    p->engine, p->ciphers, p->ciphers_loc, d));
	}
	if (p->tls13_suites != NULL)
		rc |= add_result(&total, tls_check_tls13_suites(tc, p->engine,
		    p->tls13_suites, p->tls13_loc, d));
	return rc ? -1 : total;
}

/*
 * Connections: the neutral wrapper over each backend's connection slots.
 * Verification policy is not here either: tls_conn_info() reports the
 * facts, the caller decides (tls.h).
 */
struct tls_ctx {
	const struct tls_backend *be;
	enum tls_engine		 engine;
	void			*priv;
	char			 id[2 * SHA256_LEN + 1]; /* tls_ctx_ident() */
};

struct tls_conn {
	struct tls_ctx		*ctx;
	void			*priv;		/* be->conn_size bytes */
	int			 done;		/* handshake completed */
	int			 have_names;
	struct tls_names	 names;
	char			*sni;		/* as given; NULL: none */
	/* Session resumption (tls_conn_use_cache). */
	struct tls_session_cache *cache;	/* NULL: none */
	char			*key;		/* the cache key */
	int			 resumed;
	int			 nostore;	/* tls_conn_forget_session() */
	char			 why[512];
};

/* One cached session: the engine's serialization. */
struct tls_sess {
	char			*key;
	unsigned char		*data;
	size_t			 len;
	int64_t			 expires;	/* Unix seconds */
	uint64_t		 used;		/* LRU clock */
};

struct tls_session_cache {
	struct tls_sess		*v;
	size_t			 n;
	size_t			 max;
	unsigned int		 ttl;
	uint64_t		 clock;
	tls_session_cb		 cb;
	void			*cb_arg;
};

/* Hash one optional field, length-prefixed so fields cannot run together. */
static void
ident_field(struct sha256 *h, const void *p, size_t len)
{
	uint8_t hdr[9];
	size_t i;

	hdr[0] = p != NULL;
	for (i = 0; i < 8; i++)
		hdr[1 + i] = (uint8_t)((uint64_t)len >> (8 * i));
	sha256_update(h, hdr, sizeof(hdr));
	if (p != NULL)
		sha256_update(h, p, len);
}

static void
ident_str(struct sha256 *h, const char *s)
{
	ident_field(h, s, s != NULL ? strlen(s) : 0);
}

/* A file's digest (or a marker that it could not be read). */
static void
ident_file(struct sha256 *h, const char *path)
{
	uint8_t d[SHA256_LEN];

	ident_str(h, path);
	if (path == NULL)
		return;
	if (sha256_file(path, d) == 0)
		ident_field(h, d, sizeof(d));
	else
		ident_field(h, NULL, 0);
}

/*
 * The identity of a client context for the session cache: every setting
 * and the bytes of the files it loaded (a certificate replaced under the
 * same name is another identity).
 */
static void
tls_ctx_ident(const struct tls_client_config *cf, char hex[65])
{
	struct sha256 h;
	uint8_t d[SHA256_LEN], proto[4];

	sha256_init(&h);
	ident_str(&h, tls_engine_name(cf->engine));
	ident_file(&h, cf->cert);
	ident_file(&h, cf->key);
	ident_file(&h, cf->ca);
	proto[0] = (uint8_t)cf->protocols;
	proto[1] = (uint8_t)(cf->protocols >> 8);
	proto[2] = (uint8_t)(cf->protocols >> 16);
	proto[3] = (uint8_t)(cf->protocols >> 24);
	ident_field(&h, proto, sizeof(proto));
	ident_str(&h, cf->ciphers);
	ident_str(&h, cf->tls13_suites);
	sha256_final(&h, d);
	sha256_hex(d, hex);
}

void
tls_names_fini(struct tls_names *nm)
{
	size_t i;

	for (i = 0; i < nm->ndns; i++)
		free(nm->dns[i]);
	free(nm->dns);
	free(nm->cn);
	memset(nm, 0, sizeof(*nm));
}

int
tls_names_add(struct tls_names *nm, const char *s, size_t len)
{
	char **v, *c;

	if ((c = malloc(len + 1)) == NULL)
		return -1;
	memcpy(c, s, len);
	c[len] = '\0';
	if ((v = realloc(nm->dns, (nm->ndns + 1) * sizeof(*v))) == NULL) {
		free(c);
		return -1;
	}
	nm->dns = v;
	nm->dns[nm->ndns++] = c;
	return 0;
}

struct tls_ctx *
tls_client_new(const struct tls_client_config *cf, char *why, size_t whylen)
{
	const struct tls_backend *be;
	struct tls_ctx *ctx;

	if ((be = backend_get(cf->engine)) == NULL || be->ctx_new == NULL) {
		snprintf(why, whylen, "TLS engine \"%s\" is not available",
		    tls_engine_name(cf->engine));
		return NULL;
	}
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	ctx->be = be;
	ctx->engine = cf->engine;
	if ((ctx->priv = be->ctx_new(cf, why, whylen)) == NULL) {
		free(ctx);
		return NULL;
	}
	tls_ctx_ident(cf, ctx->id);
	return ctx;
}

void
tls_ctx_free(struct tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	ctx->be->ctx_free(ctx->priv);
	free(ctx);
}

enum tls_engine
tls_ctx_engine(const struct tls_ctx *ctx)
{
	return ctx->engine;
}

struct tls_conn *
tls_conn_new(struct tls_ctx *ctx, int fd, const char *sni, char *why,
    size_t whylen)
{
	struct tls_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->priv = calloc(1, ctx->be->conn_size)) == NULL) {
		free(c);
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	c->ctx = ctx;
	if ((sni != NULL && (c->sni = strdup(sni)) == NULL) ||
	    ctx->be->conn_init(c->priv, ctx->priv, fd, sni, why,
	    whylen) == -1) {
		if (c->sni == NULL && sni != NULL)
			snprintf(why, whylen, "out of memory");
		ctx->be->conn_fini(c->priv);
		free(c->priv);
		free(c->sni);
		free(c);
		return NULL;
	}
	return c;
}

void
tls_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	c->ctx->be->conn_fini(c->priv);
	free(c->priv);
	tls_names_fini(&c->names);
	free(c->key);
	free(c->sni);
	free(c);
}

enum tls_result
tls_handshake(struct tls_conn *c)
{
	enum tls_result r;

	r = c->ctx->be->handshake(c->priv, c->why, sizeof(c->why));
	if (r == TLS_OK) {
		c->done = 1;
		c->resumed = c->cache != NULL && c->ctx->be->resumed != NULL &&
		    c->ctx->be->resumed(c->priv);
	}
	return r;
}

static void sess_store(struct tls_conn *);

enum tls_result
tls_read(struct tls_conn *c, void *buf, size_t len, size_t *n)
{
	enum tls_result r;

	*n = 0;
	r = c->ctx->be->read(c->priv, buf, len, n, c->why, sizeof(c->why));
	/*
	 * Sessions are stored from the first read on: the caller has looked
	 * at the handshake by then (and may have called
	 * tls_conn_forget_session()); TLS 1.3 tickets arrive after it.
	 */
	if (r == TLS_OK && c->cache != NULL && !c->nostore)
		sess_store(c);
	return r;
}

enum tls_result
tls_write(struct tls_conn *c, const void *buf, size_t len, size_t *n)
{
	*n = 0;
	return c->ctx->be->write(c->priv, buf, len, n, c->why,
	    sizeof(c->why));
}

enum tls_result
tls_close(struct tls_conn *c)
{
	return c->ctx->be->close(c->priv);
}

const char *
tls_conn_error(const struct tls_conn *c)
{
	return c->why[0] != '\0' ? c->why : "unknown TLS error";
}

int
tls_conn_info(struct tls_conn *c, struct tls_conn_info *info)
{
	memset(info, 0, sizeof(*info));
	if (!c->done)
		return -1;
	tls_names_fini(&c->names);
	if (c->ctx->be->peer(c->priv, c->ctx->priv, info, &c->names) == -1)
		return -1;
	c->have_names = 1;
	info->resumed = c->resumed;
	return 0;
}

/* Length of s without one trailing dot. */
static size_t
name_len(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

int
tls_name_match(const char *pattern, const char *host)
{
	size_t pl = name_len(pattern), hl = name_len(host), i, dots;
	const char *hdot;

	if (pl == 0 || hl == 0)
		return 0;
	if (pl >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		/* The rest must have at least two labels ("*.com" never). */
		for (i = 2, dots = 0; i < pl; i++)
			if (pattern[i] == '.')
				dots++;
		if (dots == 0 || memchr(pattern + 1, '*', pl - 1) != NULL)
			return 0;
		/* The wildcard stands for exactly one non-empty label. */
		if ((hdot = memchr(host, '.', hl)) == NULL || hdot == host)
			return 0;
		return (size_t)(host + hl - hdot) == pl - 1 &&
		    strncasecmp(hdot, pattern + 1, pl - 1) == 0;
	}
	/* No other wildcard form is honoured (RFC 6125 6.4.3). */
	if (memchr(pattern, '*', pl) != NULL)
		return 0;
	return pl == hl && strncasecmp(pattern, host, pl) == 0;
}

int
tls_conn_match_name(struct tls_conn *c, const char *host)
{
	struct tls_conn_info info;
	size_t i;

	if (!c->have_names && tls_conn_info(c, &info) == -1)
		return 0;
	if (host == NULL || *host == '\0')
		return 0;
	if (c->names.ndns > 0) {
		for (i = 0; i < c->names.ndns; i++)
			if (tls_name_match(c->names.dns[i], host))
				return 1;
		return 0;
	}
	return c->names.cn != NULL && tls_name_match(c->names.cn, host);
}

/* ---- session cache ---------------------------------------------------- */

struct tls_session_cache *
tls_session_cache_new(size_t max, unsigned int ttl)
{
	struct tls_session_cache *sc;

	if (max == 0 || (sc = calloc(1, sizeof(*sc))) == NULL)
		return NULL;
	if ((sc->v = calloc(max, sizeof(*sc->v))) == NULL) {
		free(sc);
		return NULL;
	}
	sc->max = max;
	sc->ttl = ttl;
	return sc;
}

static void
sess_fini(struct tls_sess *e)
{
	free(e->key);
	if (e->data != NULL)
		explicit_bzero(e->data, e->len);
	free(e->data);
	memset(e, 0, sizeof(*e));
}

void
tls_session_cache_free(struct tls_session_cache *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->n; i++)
		sess_fini(&sc->v[i]);
	free(sc->v);
	free(sc);
}

static int64_t
sess_now(void)
{
	return (int64_t)time(NULL);
}

size_t
tls_session_cache_count(const struct tls_session_cache *sc)
{
	int64_t now = sess_now();
	size_t i, n = 0;

	for (i = 0; i < sc->n; i++)
		n += sc->v[i].expires > now;
	return n;
}

void
tls_session_cache_on_store(struct tls_session_cache *sc, tls_session_cb cb,
    void *arg)
{
	sc->cb = cb;
	sc->cb_arg = arg;
}

static struct tls_sess *
sess_find(struct tls_session_cache *sc, const char *key)
{
	size_t i;

	for (i = 0; i < sc->n; i++)
		if (strcmp(sc->v[i].key, key) == 0)
			return &sc->v[i];
	return NULL;
}

static void
sess_remove(struct tls_session_cache *sc, struct tls_sess *e)
{
	sess_fini(e);
	*e = sc->v[--sc->n];
	memset(&sc->v[sc->n], 0, sizeof(sc->v[sc->n]));
}

/* A session to sc under key; takes ownership of data. */
static int
sess_put(struct tls_session_cache *sc, const char *key, unsigned char *data,
    size_t len, int64_t expires)
{
	struct tls_sess *e, *victim;
	char *k;
	size_t i;
	int64_t now = sess_now();

	if ((e = sess_find(sc, key)) != NULL) {
		if (e->data != NULL)
			explicit_bzero(e->data, e->len);
		free(e->data);
	} else {
		if ((k = strdup(key)) == NULL) {
			explicit_bzero(data, len);
			free(data);
			return -1;
		}
		if (sc->n == sc->max) {
			/* An expired entry, else the least recently used. */
			victim = &sc->v[0];
			for (i = 0; i < sc->n; i++) {
				if (sc->v[i].expires <= now) {
					victim = &sc->v[i];
					break;
				}
				if (sc->v[i].used < victim->used)
					victim = &sc->v[i];
			}
			sess_remove(sc, victim);
		}
		e = &sc->v[sc->n++];
		e->key = k;
	}
	e->data = data;
	e->len = len;
	e->expires = expires;
	e->used = ++sc->clock;
	return 0;
}

int
tls_session_cache_put(struct tls_session_cache *sc, const char *key,
    const void *data, size_t len, int64_t expires)
{
	unsigned char *d;

	if (sc == NULL || key == NULL || len == 0)
		return -1;
	if ((d = tls_memdup(data, len)) == NULL)
		return -1;
	return sess_put(sc, key, d, len, expires);
}

int
tls_conn_use_cache(struct tls_conn *c, struct tls_session_cache *sc,
    const char *dest)
{
	const struct tls_backend *be = c->ctx->be;
	struct tls_sess *e;
	size_t len;
	int64_t now = sess_now();

	if (be->session_set == NULL || be->session_take == NULL)
		return 0;
	free(c->key);
	len = strlen(c->ctx->id) + strlen(dest != NULL ? dest : "") + 64 +
	    (c->sni != NULL ? strlen(c->sni) : 0);
	if ((c->key = malloc(len)) == NULL)
		return -1;
	snprintf(c->key, len, "%s|%s|sni=%s|%s", be->name, c->ctx->id,
	    c->sni != NULL ? c->sni : "", dest != NULL ? dest : "");
	c->cache = sc;
	if ((e = sess_find(sc, c->key)) == NULL)
		return 0;
	if (e->expires <= now) {
		sess_remove(sc, e);
		return 0;
	}
	e->used = ++sc->clock;
	/* Bytes the library refuses are dropped: a full handshake. */
	if (be->session_set(c->priv, e->data, e->len) == -1)
		sess_remove(sc, e);
	return 0;
}

/* Store what the server issued since the last call. */
static void
sess_store(struct tls_conn *c)
{
	struct tls_session_cache *sc = c->cache;
	struct tls_sess *e;
	unsigned char *data = NULL;
	size_t len = 0;
	long life = 0;
	int64_t expires;

	while (c->ctx->be->session_take(c->priv, &data, &len, &life) == 1) {
		expires = sess_now() + (life > 0 && (unsigned long)life <
		    sc->ttl ? life : (long)sc->ttl);
		if (sess_put(sc, c->key, data, len, expires) == -1)
			return;
		if (sc->cb != NULL && (e = sess_find(sc, c->key)) != NULL)
			sc->cb(sc->cb_arg, c->key, e->data, e->len, expires);
		data = NULL;
	}
}

void
tls_conn_forget_session(struct tls_conn *c)
{
	struct tls_sess *e;

	c->nostore = 1;
	if (c->cache != NULL && c->key != NULL &&
	    (e = sess_find(c->cache, c->key)) != NULL)
		sess_remove(c->cache, e);
}

#ifdef ECTLS_NO_OPENSSL
/* Without OpenSSL there is no other name to give (tls.h). */
const char *
tls_cipher_openssl_name(const char *name)
{
	return name;
}
#endif
