/* SPDX-License-Identifier: ISC */
/*
 * tls_gnutls.c -- the GnuTLS backend.  All GnuTLS-specific code of the TLS
 * layer is here, and this is the only file that includes <gnutls/...>: no
 * code but tls.c should call these functions, through tls_backend_gnutls.
 * Statics are gtls_*.  Every call is checked; reasons come from
 * gnutls_strerror().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tls_int.h"

/* s2n's GUARD: a GnuTLS call that must not return a negative code. */
#define TLS_GUARD_GNUTLS(x, label)	do {				\
	if ((gret = (x)) < 0)						\
		goto label;						\
} while (0)

static int
gtls_global_init(void)
{
	return gnutls_global_init() < 0 ? -1 : 0;
}

static void
gtls_global_fini(void)
{
	gnutls_global_deinit();
}

static enum tls_keytype
gtls_keytype(int pk)
{
	switch (pk) {
	case GNUTLS_PK_RSA:
	case GNUTLS_PK_RSA_PSS:
		return TLS_KT_RSA;
	case GNUTLS_PK_DSA:
		return TLS_KT_DSA;
	case GNUTLS_PK_ECDSA:
		return TLS_KT_EC;
	case GNUTLS_PK_EDDSA_ED25519:
		return TLS_KT_ED25519;
	case GNUTLS_PK_EDDSA_ED448:
		return TLS_KT_ED448;
	default:
		return TLS_KT_UNKNOWN;
	}
}

/* Move a gnutls-allocated datum into a malloc'ed copy. */
static int
gtls_take(gnutls_datum_t *d, unsigned char **out, size_t *len)
{
	*out = tls_memdup(d->data, d->size);
	*len = d->size;
	gnutls_free(d->data);
	d->data = NULL;
	return *out != NULL ? 0 : -1;
}

static int
gtls_pubkey_spki(gnutls_pubkey_t pub, unsigned char **out, size_t *len)
{
	gnutls_datum_t d = { NULL, 0 };

	if (gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &d) < 0)
		return -1;
	return gtls_take(&d, out, len);
}

static int
gtls_certinfo(gnutls_x509_crt_t crt, struct tls_certinfo *c)
{
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t d = { NULL, 0 };
	unsigned int bits = 0, crit = 0, ca = 0, i;
	char oid[128];
	size_t olen;
	int sign, dig, pk, r, gret, rc = -1;

	c->not_before = gnutls_x509_crt_get_activation_time(crt);
	c->not_after = gnutls_x509_crt_get_expiration_time(crt);
	TLS_GUARD_GNUTLS(gnutls_x509_crt_get_dn3(crt, &d, 0), out);
	c->subject = tls_strdup(d.data != NULL ? (char *)d.data : "");
	gnutls_free(d.data);
	d.data = NULL;
	if (c->subject == NULL)
		goto out;
	TLS_GUARD_GNUTLS(gnutls_x509_crt_get_raw_dn(crt, &d), out);
	if (gtls_take(&d, &c->subject_der, &c->subject_len) == -1)
		goto out;
	TLS_GUARD_GNUTLS(gnutls_x509_crt_get_raw_issuer_dn(crt, &d), out);
	if (gtls_take(&d, &c->issuer_der, &c->issuer_len) == -1)
		goto out;
	TLS_GUARD_GNUTLS(gnutls_pubkey_init(&pub), out);
	TLS_GUARD_GNUTLS(gnutls_pubkey_import_x509(pub, crt, 0), out);
	if (gtls_pubkey_spki(pub, &c->spki, &c->spki_len) == -1)
		goto out;
	pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
	c->key_type = gtls_keytype(pk);
	c->key_bits = bits;
	sign = gnutls_x509_crt_get_signature_algorithm(crt);
	dig = sign > 0 ? (int)gnutls_sign_get_hash_algorithm(sign) : 0;
	if (dig == GNUTLS_DIG_MD5)
		c->sig_hash = TLS_SH_MD5;
	else if (dig == GNUTLS_DIG_SHA1)
		c->sig_hash = TLS_SH_SHA1;
	c->sig_name = tls_strdup(sign > 0 && gnutls_sign_get_name(sign) ?
	    gnutls_sign_get_name(sign) : "unknown");
	if (c->sig_name == NULL)
		goto out;
	r = gnutls_x509_crt_get_basic_constraints(crt, &crit, &ca, NULL);
	c->bc_present = r >= 0;
	c->is_ca = r >= 0 && ca != 0;
	for (i = 0;; i++) {
		olen = sizeof(oid);
		r = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &olen,
		    &crit);
		if (r < 0)
			break;
		c->eku_present = 1;
		if (strcmp(oid, GNUTLS_KP_TLS_WWW_CLIENT) == 0 ||
		    strcmp(oid, GNUTLS_KP_ANY) == 0)
			c->eku_client = 1;
	}
	rc = 0;
out:
	(void)gret;
	gnutls_pubkey_deinit(pub);
	return rc;
}

static int
gtls_load_certs(const unsigned char *data, size_t len,
    struct tls_certlist *cl)
{
	gnutls_x509_crt_t *crts = NULL;
	gnutls_datum_t in;
	unsigned int n = 0, i;
	char buf[256];
	int r, rc = -1;

	memset(cl, 0, sizeof(*cl));
	in.data = (unsigned char *)data;
	in.size = (unsigned int)len;
	r = len == 0 ? GNUTLS_E_NO_CERTIFICATE_FOUND :
	    gnutls_x509_crt_list_import2(&crts, &n, &in, GNUTLS_X509_FMT_PEM,
	    0);
	if (r < 0) {
		snprintf(buf, sizeof(buf), "%s", gnutls_strerror(r));
		return (cl->why = tls_strdup(buf)) != NULL ? 0 : -1;
	}
	if (n > 0 && (cl->v = calloc(n, sizeof(*cl->v))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		cl->n++;
		if (gtls_certinfo(crts[i], &cl->v[i]) == -1)
			goto out;
	}
	if (n == 0 && (cl->why = tls_strdup("no certificate found")) == NULL)
		goto out;
	rc = 0;
out:
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	gnutls_free(crts);
	return rc;
}

static int
gtls_load_key(const unsigned char *data, size_t len, const char *passphrase,
    struct tls_keyinfo *ki)
{
	gnutls_x509_privkey_t xk = NULL;
	gnutls_privkey_t pk = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t in;
	unsigned int bits = 0;
	long off;
	int encrypted, r, alg, gret, rc = -1;

	memset(ki, 0, sizeof(*ki));
	if ((off = tls_pem_key_block(data, len, &encrypted)) < 0) {
		ki->status = TLS_KEY_NONE;
		return 0;
	}
	if (encrypted && passphrase == NULL) {
		ki->status = TLS_KEY_ENCRYPTED;
		return 0;
	}
	in.data = (unsigned char *)data + off;
	in.size = (unsigned int)(len - (size_t)off);
	TLS_GUARD_GNUTLS(gnutls_x509_privkey_init(&xk), out);
	r = gnutls_x509_privkey_import2(xk, &in, GNUTLS_X509_FMT_PEM,
	    passphrase, 0);
	if (r < 0) {
		ki->status = TLS_KEY_INVALID;
		ki->why = tls_strdup(gnutls_strerror(r));
		rc = ki->why != NULL ? 0 : -1;
		goto out;
	}
	alg = gnutls_x509_privkey_get_pk_algorithm2(xk, &bits);
	ki->key_type = gtls_keytype(alg);
	ki->key_bits = bits;
	TLS_GUARD_GNUTLS(gnutls_privkey_init(&pk), out);
	TLS_GUARD_GNUTLS(gnutls_privkey_import_x509(pk, xk,
	    GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE), out);
	xk = NULL;	/* owned by pk now */
	TLS_GUARD_GNUTLS(gnutls_pubkey_init(&pub), out);
	TLS_GUARD_GNUTLS(gnutls_pubkey_import_privkey(pub, pk, 0, 0), out);
	if (gtls_pubkey_spki(pub, &ki->spki, &ki->spki_len) == -1)
		goto out;
	ki->status = TLS_KEY_OK;
	rc = 0;
out:
	(void)gret;
	gnutls_pubkey_deinit(pub);
	gnutls_privkey_deinit(pk);
	gnutls_x509_privkey_deinit(xk);
	return rc;
}

static int
gtls_dh_bits(const unsigned char *data, size_t len, unsigned int *bits,
    char *why, size_t whylen)
{
	gnutls_dh_params_t dh = NULL;
	gnutls_datum_t in, p = { NULL, 0 }, g = { NULL, 0 };
	unsigned int i, nb;
	int r, rc = -1;

	if ((r = gnutls_dh_params_init(&dh)) < 0)
		goto fail;
	in.data = (unsigned char *)data;
	in.size = (unsigned int)len;
	if ((r = gnutls_dh_params_import_pkcs3(dh, &in,
	    GNUTLS_X509_FMT_PEM)) < 0)
		goto fail;
	if ((r = gnutls_dh_params_export_raw(dh, &p, &g, NULL)) < 0)
		goto fail;
	/* The size of the prime, leading zero bytes skipped. */
	for (i = 0; i < p.size && p.data[i] == 0; i++)
		;
	nb = 0;
	if (i < p.size) {
		nb = (p.size - i) * 8;
		for (r = 7; r >= 0 && !(p.data[i] & (1u << r)); r--)
			nb--;
	}
	*bits = nb;
	rc = 0;
	goto out;
fail:
	snprintf(why, whylen, "%s", gnutls_strerror(r));
out:
	gnutls_free(p.data);
	gnutls_free(g.data);
	if (dh != NULL)
		gnutls_dh_params_deinit(dh);
	return rc;
}

static int
gtls_sha256(const unsigned char *data, size_t len, unsigned char out[32])
{
	if (gnutls_hash_get_len(GNUTLS_DIG_SHA256) != 32 ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, out) < 0)
		return -1;
	return 0;
}

static int
gtls_probe_pair(const char *cert, const char *key, const char *passphrase,
    char *why, size_t whylen)
{
	gnutls_certificate_credentials_t cred = NULL;
	int r;

	if ((r = gnutls_certificate_allocate_credentials(&cred)) < 0) {
		snprintf(why, whylen, "gnutls: %s", gnutls_strerror(r));
		return -1;
	}
	r = gnutls_certificate_set_x509_key_file2(cred, cert,
	    key != NULL ? key : cert, GNUTLS_X509_FMT_PEM, passphrase, 0);
	gnutls_certificate_free_credentials(cred);
	if (r < 0) {
		snprintf(why, whylen, "gnutls: "
		    "gnutls_certificate_set_x509_key_file2() failed: %s",
		    gnutls_strerror(r));
		return -1;
	}
	return 0;
}

static int
gtls_probe_ca(const char *ca, char *why, size_t whylen)
{
	gnutls_certificate_credentials_t cred = NULL;
	int r;

	if ((r = gnutls_certificate_allocate_credentials(&cred)) < 0) {
		snprintf(why, whylen, "gnutls: %s", gnutls_strerror(r));
		return -1;
	}
	r = gnutls_certificate_set_x509_trust_file(cred, ca,
	    GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (r <= 0) {
		snprintf(why, whylen, "gnutls: "
		    "gnutls_certificate_set_x509_trust_file() %s",
		    r == 0 ? "found no certificate" : gnutls_strerror(r));
		return -1;
	}
	return 0;
}

/*
 * tls_ciphers as a GnuTLS priority string.  Syntax through the library
 * (err_pos -> exact column), then SSL 3.0 reachability: the library's own
 * protocol list AND the static rule of tls.c (an old GnuTLS enabled SSL 3.0
 * where this one may not), spec 4.
 */
static int
gtls_check_ciphers(struct tls_sink *sk, const struct tls_str *s)
{
	gnutls_priority_t prio = NULL;
	struct diag_item *it;
	struct loc l;
	const char *err_pos = NULL, *why = NULL;
	const unsigned int *list = NULL;
	size_t off = 0, n;
	int r, i, lib_ssl3 = 0, static_safe;

	if (s->s == NULL) {
		it = tls_emit(sk, DIAG_ERROR, "tls-poodle", s->vloc,
		    "tls_ciphers is not set under tls_engine = gnutls: the "
		    "library's default priority is not proven to disable SSL "
		    "3.0 (POODLE, CVE-2014-3566); set tls_ciphers = "
		    "\"NORMAL:-VERS-SSL3.0\"");
		diag_note(tls_sink_diag(sk), it, NULL, "tls_protocols has no "
		    "meaning under GnuTLS and does not count");
		return 0;
	}
	r = gnutls_priority_init(&prio, s->s, &err_pos);
	if (r < 0) {
		off = err_pos != NULL && err_pos >= s->s &&
		    err_pos <= s->s + strlen(s->s) ? (size_t)(err_pos - s->s) :
		    0;
		n = strcspn(s->s + off, ":");
		l = tls_loc_at(s->vloc, off, n);
		if (n > 0)
			it = tls_emit(sk, DIAG_ERROR, "tls-priority-invalid", &l,
			    "invalid GnuTLS priority string element \"%.*s\" "
			    "in tls_ciphers", (int)n, s->s + off);
		else
			it = tls_emit(sk, DIAG_ERROR, "tls-priority-invalid", &l,
			    "invalid GnuTLS priority string in tls_ciphers");
		diag_note(tls_sink_diag(sk), it, NULL, "gnutls: %s",
		    gnutls_strerror(r));
		return 0;
	}
	r = gnutls_priority_protocol_list(prio, &list);
	for (i = 0; i < r && list != NULL; i++)
		if (list[i] == GNUTLS_SSL3)
			lib_ssl3 = 1;
	gnutls_priority_deinit(prio);

	static_safe = tls_priority_ssl3_safe(s->s, &why, &off);
	if (!lib_ssl3 && static_safe)
		return 0;
	it = tls_emit(sk, DIAG_ERROR, "tls-poodle", s->vloc,
	    "tls_ciphers \"%s\" may enable SSL 3.0 (POODLE, CVE-2014-3566); "
	    "add \":-VERS-SSL3.0\"", s->s);
	if (lib_ssl3)
		diag_note(tls_sink_diag(sk), it, NULL, "gnutls: this priority "
		    "string enables SSL 3.0 in GnuTLS %s",
		    gnutls_check_version(NULL));
	if (!static_safe) {
		l = tls_loc_at(s->vloc, off, strcspn(s->s + off, ":"));
		diag_note(tls_sink_diag(sk), it, &l, "%s", why);
	}
	return 0;
}

/*
 * Connections.  The handshake does not verify the peer (no verify
 * function is installed); gtls_peer runs the chain check against the
 * context's trust list and tls.c / the caller apply tls_verify.  The
 * priority string is tls_ciphers as given (it carries the protocol
 * versions; tls_protocols and tlsv13_ciphersuites mean nothing here, as in
 * Momentum), else the library's default.
 */
struct gtls_ctx {
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;		/* NULL: gnutls_set_default_priority */
	int		 have_ca;
};

struct gtls_conn {
	gnutls_session_t s;
	int		 inited;
	int		 taken;		/* session data handed over */
};

static void
gtls_ctx_free(void *p)
{
	struct gtls_ctx *gc = p;

	if (gc == NULL)
		return;
	if (gc->prio != NULL)
		gnutls_priority_deinit(gc->prio);
	if (gc->cred != NULL)
		gnutls_certificate_free_credentials(gc->cred);
	free(gc);
}

static void *
gtls_ctx_new(const struct tls_client_config *cf, char *why, size_t whylen)
{
	struct gtls_ctx *gc;
	const char *err_pos = NULL;
	int r;

	if ((gc = calloc(1, sizeof(*gc))) == NULL) {
		snprintf(why, whylen, "gnutls: out of memory");
		return NULL;
	}
	if ((r = gnutls_certificate_allocate_credentials(&gc->cred)) < 0) {
		snprintf(why, whylen, "gnutls: %s", gnutls_strerror(r));
		goto fail;
	}
	if (cf->ciphers != NULL && (r = gnutls_priority_init(&gc->prio,
	    cf->ciphers, &err_pos)) < 0) {
		gc->prio = NULL;
		snprintf(why, whylen, "gnutls: invalid priority string in "
		    "tls_ciphers at \"%s\": %s", err_pos != NULL ? err_pos :
		    "", gnutls_strerror(r));
		goto fail;
	}
	if (cf->cert != NULL && (r = gnutls_certificate_set_x509_key_file2(
	    gc->cred, cf->cert, cf->key != NULL ? cf->key : cf->cert,
	    GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		snprintf(why, whylen, "gnutls: cannot load tls_certificate "
		    "and tls_key: %s", gnutls_strerror(r));
		goto fail;
	}
	if (cf->ca != NULL) {
		r = gnutls_certificate_set_x509_trust_file(gc->cred, cf->ca,
		    GNUTLS_X509_FMT_PEM);
		if (r <= 0) {
			snprintf(why, whylen, "gnutls: cannot load tls_ca: %s",
			    r == 0 ? "no certificate found" :
			    gnutls_strerror(r));
			goto fail;
		}
		gc->have_ca = 1;
	}
	return gc;
fail:
	gtls_ctx_free(gc);
	return NULL;
}

/* Is s an IP literal (no SNI for those, RFC 6066 3)? */
static int
gtls_is_ip(const char *s)
{
	return strspn(s, "0123456789.") == strlen(s) ||
	    strchr(s, ':') != NULL;
}

static int
gtls_conn_init(void *p, void *ctxp, int fd, const char *sni, char *why,
    size_t whylen)
{
	struct gtls_conn *c = p;
	struct gtls_ctx *gc = ctxp;
	int r;

	if ((r = gnutls_init(&c->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK)) < 0) {
		snprintf(why, whylen, "gnutls: gnutls_init() failed: %s",
		    gnutls_strerror(r));
		return -1;
	}
	c->inited = 1;
	r = gc->prio != NULL ? gnutls_priority_set(c->s, gc->prio) :
	    gnutls_set_default_priority(c->s);
	if (r < 0 || (r = gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE,
	    gc->cred)) < 0) {
		snprintf(why, whylen, "gnutls: %s", gnutls_strerror(r));
		return -1;
	}
	if (sni != NULL && *sni != '\0' && !gtls_is_ip(sni) &&
	    (r = gnutls_server_name_set(c->s, GNUTLS_NAME_DNS, sni,
	    strlen(sni))) < 0) {
		snprintf(why, whylen, "gnutls: cannot set the server name: %s",
		    gnutls_strerror(r));
		return -1;
	}
	gnutls_transport_set_int(c->s, fd);
	gnutls_handshake_set_timeout(c->s, 0);
	return 0;
}

static void
gtls_conn_fini(void *p)
{
	struct gtls_conn *c = p;

	if (c->inited)
		gnutls_deinit(c->s);
	c->inited = 0;
}

/* Map a negative GnuTLS code. */
static enum tls_result
gtls_result(struct gtls_conn *c, int r, const char *what, char *why,
    size_t whylen)
{
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
		return gnutls_record_get_direction(c->s) ? TLS_WANT_WRITE :
		    TLS_WANT_READ;
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED ||
	    r == GNUTLS_E_WARNING_ALERT_RECEIVED)
		snprintf(why, whylen, "gnutls: %s: %s (%s)", what,
		    gnutls_strerror(r), gnutls_alert_get_name(
		    gnutls_alert_get(c->s)));
	else
		snprintf(why, whylen, "gnutls: %s: %s", what,
		    gnutls_strerror(r));
	return TLS_ERROR;
}

static enum tls_result
gtls_handshake(void *p, char *why, size_t whylen)
{
	struct gtls_conn *c = p;
	int r;

	for (;;) {
		if ((r = gnutls_handshake(c->s)) == 0)
			return TLS_OK;
		/* A warning alert is not fatal: go on. */
		if (r == GNUTLS_E_WARNING_ALERT_RECEIVED ||
		    (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED &&
		    !gnutls_error_is_fatal(r)))
			continue;
		return gtls_result(c, r, "handshake failed", why, whylen);
	}
}

static enum tls_result
gtls_read(void *p, void *buf, size_t len, size_t *n, char *why,
    size_t whylen)
{
	struct gtls_conn *c = p;
	ssize_t r;

	for (;;) {
		r = gnutls_record_recv(c->s, buf, len);
		if (r > 0) {
			*n = (size_t)r;
			return TLS_OK;
		}
		if (r == 0)
			return TLS_EOF;
		if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED &&
		    !gnutls_error_is_fatal((int)r))
			continue;
		return gtls_result(c, (int)r, "read failed", why, whylen);
	}
}

static enum tls_result
gtls_write(void *p, const void *buf, size_t len, size_t *n, char *why,
    size_t whylen)
{
	struct gtls_conn *c = p;
	ssize_t r;

	r = gnutls_record_send(c->s, buf, len);
	if (r >= 0) {
		*n = (size_t)r;
		return TLS_OK;
	}
	return gtls_result(c, (int)r, "write failed", why, whylen);
}

static enum tls_result
gtls_close(void *p)
{
	struct gtls_conn *c = p;

	return gnutls_bye(c->s, GNUTLS_SHUT_WR) < 0 ? TLS_ERROR : TLS_OK;
}

/* The last CN of a certificate's subject or issuer, else its DN. */
static void
gtls_name_short(gnutls_x509_crt_t crt, int issuer, char *buf, size_t len)
{
	char tmp[256];
	size_t tl;
	int i, r;
	gnutls_datum_t d = { NULL, 0 };

	buf[0] = '\0';
	for (i = 0;; i++) {
		tl = sizeof(tmp);
		r = issuer ? gnutls_x509_crt_get_issuer_dn_by_oid(crt,
		    GNUTLS_OID_X520_COMMON_NAME, (unsigned)i, 0, tmp, &tl) :
		    gnutls_x509_crt_get_dn_by_oid(crt,
		    GNUTLS_OID_X520_COMMON_NAME, (unsigned)i, 0, tmp, &tl);
		if (r < 0)
			break;
		snprintf(buf, len, "%.*s", (int)tl, tmp);
	}
	if (buf[0] != '\0')
		return;
	r = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &d, 0) :
	    gnutls_x509_crt_get_dn3(crt, &d, 0);
	if (r >= 0 && d.data != NULL)
		snprintf(buf, len, "%s", (char *)d.data);
	gnutls_free(d.data);
}

static int
gtls_peer(void *p, void *ctxp, struct tls_conn_info *info,
    struct tls_names *names)
{
	struct gtls_conn *c = p;
	struct gtls_ctx *gc = ctxp;
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t out = { NULL, 0 };
	gnutls_cipher_algorithm_t ca;
	unsigned int ncerts = 0, status = 0, i;
	const char *v;
	char san[512], cn[256];
	size_t sl;
	int r, rc = -1;

	v = gnutls_protocol_get_name(gnutls_protocol_get_version(c->s));
	snprintf(info->protocol, sizeof(info->protocol), "%s",
	    v != NULL ? v : "unknown");
	v = gnutls_ciphersuite_get(c->s);
	snprintf(info->cipher, sizeof(info->cipher), "%s",
	    v != NULL ? v : "unknown");
	ca = gnutls_cipher_get(c->s);
	info->algbits = info->usebits =
	    (int)gnutls_cipher_get_key_size(ca) * 8;

	certs = gnutls_certificate_get_peers(c->s, &ncerts);
	if (certs == NULL || ncerts == 0) {
		snprintf(info->chain_why, sizeof(info->chain_why),
		    "no peer certificate");
		return 0;
	}
	info->peer_cert = 1;
	if (gnutls_x509_crt_init(&crt) < 0)
		return -1;
	if ((r = gnutls_x509_crt_import(crt, &certs[0],
	    GNUTLS_X509_FMT_DER)) < 0) {
		info->peer_cert = 0;
		snprintf(info->chain_why, sizeof(info->chain_why),
		    "gnutls: cannot parse the peer certificate: %s",
		    gnutls_strerror(r));
		rc = 0;
		goto out;
	}
	gtls_name_short(crt, 0, info->subject, sizeof(info->subject));
	gtls_name_short(crt, 1, info->issuer, sizeof(info->issuer));
	if (!gc->have_ca) {
		snprintf(info->chain_why, sizeof(info->chain_why),
		    "no tls_ca to verify against");
	} else if ((r = gnutls_certificate_verify_peers2(c->s,
	    &status)) < 0) {
		snprintf(info->chain_why, sizeof(info->chain_why),
		    "gnutls: %s", gnutls_strerror(r));
	} else if (status != 0) {
		if (gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &out, 0) >= 0 && out.data != NULL)
			snprintf(info->chain_why, sizeof(info->chain_why),
			    "gnutls: %s", (char *)out.data);
		else
			snprintf(info->chain_why, sizeof(info->chain_why),
			    "gnutls: certificate not trusted");
		gnutls_free(out.data);
	} else {
		info->chain_ok = 1;
	}

	for (i = 0;; i++) {
		sl = sizeof(san) - 1;
		r = gnutls_x509_crt_get_subject_alt_name(crt, i, san, &sl,
		    NULL);
		if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (r == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue;
		if (r < 0)
			break;
		/* A name with an embedded NUL is never a match. */
		if (r != GNUTLS_SAN_DNSNAME || memchr(san, '\0', sl) != NULL)
			continue;
		if (tls_names_add(names, san, sl) == -1)
			goto out;
	}
	for (i = 0;; i++) {
		sl = sizeof(cn);
		if (gnutls_x509_crt_get_dn_by_oid(crt,
		    GNUTLS_OID_X520_COMMON_NAME, i, 0, cn, &sl) < 0)
			break;
		if (memchr(cn, '\0', sl) != NULL)
			continue;
		free(names->cn);
		if ((names->cn = tls_strdup(cn)) == NULL)
			goto out;
	}
	rc = 0;
out:
	gnutls_x509_crt_deinit(crt);
	return rc;
}

/* Offer session data (gnutls_session_get_data2) for resumption. */
static int
gtls_session_set(void *p, const unsigned char *data, size_t len)
{
	struct gtls_conn *c = p;

	return gnutls_session_set_data(c->s, data, len) < 0 ? -1 : 0;
}

/*
 * The resumption data, once per connection.  TLS 1.3: only once a ticket
 * has arrived (GNUTLS_SFLAGS_SESSION_TICKET; without it
 * gnutls_session_get_data2 would wait a round trip for one, and a
 * non-blocking caller must not); it comes with the first records after
 * the handshake, so tls.c asks after each read.  TLS 1.2: right after the
 * handshake (session ID or ticket).
 */
static int
gtls_session_take(void *p, unsigned char **data, size_t *len,
    long *lifetime)
{
	struct gtls_conn *c = p;
	gnutls_datum_t d = { NULL, 0 };
	unsigned char *buf;

	if (c->taken)
		return 0;
	if (gnutls_protocol_get_version(c->s) == GNUTLS_TLS1_3 &&
	    !(gnutls_session_get_flags(c->s) & GNUTLS_SFLAGS_SESSION_TICKET))
		return 0;
	c->taken = 1;
	if (gnutls_session_get_data2(c->s, &d) < 0 || d.size == 0) {
		gnutls_free(d.data);
		return 0;
	}
	if ((buf = malloc(d.size)) == NULL) {
		gnutls_free(d.data);
		return -1;
	}
	memcpy(buf, d.data, d.size);
	gnutls_memset(d.data, 0, d.size);
	gnutls_free(d.data);
	*data = buf;
	*len = d.size;
	*lifetime = 0;		/* not exposed: the cache's own limit */
	return 1;
}

static int
gtls_resumed(void *p)
{
	struct gtls_conn *c = p;

	return gnutls_session_is_resumed(c->s) != 0;
}

const struct tls_backend tls_backend_gnutls = {
	.name = "gnutls",
	.supports = TLS_SUPP_PRIORITY,
	.conn_size = sizeof(struct gtls_conn),
	.global_init = gtls_global_init,
	.global_fini = gtls_global_fini,
	.load_certs = gtls_load_certs,
	.load_key = gtls_load_key,
	.dh_bits = gtls_dh_bits,
	.sha256 = gtls_sha256,
	.probe_pair = gtls_probe_pair,
	.probe_ca = gtls_probe_ca,
	.check_ciphers = gtls_check_ciphers,
	.check_tls13_suites = NULL,
	.curve_known = NULL,
	.ctx_new = gtls_ctx_new,
	.ctx_free = gtls_ctx_free,
	.conn_init = gtls_conn_init,
	.conn_fini = gtls_conn_fini,
	.handshake = gtls_handshake,
	.read = gtls_read,
	.write = gtls_write,
	.close = gtls_close,
	.peer = gtls_peer,
	.session_set = gtls_session_set,
	.session_take = gtls_session_take,
	.resumed = gtls_resumed,
};
