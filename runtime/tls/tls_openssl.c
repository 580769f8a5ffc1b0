/* SPDX-License-Identifier: ISC */
/*
 * tls_openssl.c -- the OpenSSL backend.  All OpenSSL-specific code of the TLS
 * layer is here, and this is the only file that includes <openssl/...>: no
 * code but tls.c should call these functions, through tls_backend_openssl.
 * Statics are ossl_*.  Every libcrypto/libssl call is checked, and the error
 * queue is drained into the reason strings the checks turn into notes.
 */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls_int.h"

/* s2n's GUARD_OSSL: a libcrypto call that must return 1. */
#define TLS_GUARD_OSSL(x, label)	do { if ((x) != 1) goto label; } while (0)

/* Drain the error queue into buf ("reason; reason"); empty if none. */
static void
ossl_errors(char *buf, size_t len)
{
	unsigned long e;
	size_t n = 0;
	const char *r;
	char tmp[256];

	if (len == 0)
		return;
	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		if ((r = ERR_reason_error_string(e)) == NULL) {
			ERR_error_string_n(e, tmp, sizeof(tmp));
			r = tmp;
		}
		/* The same reason twice says nothing new. */
		if (strstr(buf, r) != NULL)
			continue;
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    n ? "; " : "", r);
	}
}

static char *
ossl_errdup(const char *fallback)
{
	char buf[512];

	ossl_errors(buf, sizeof(buf));
	return tls_strdup(buf[0] != '\0' ? buf : fallback);
}

/* Never prompt on a terminal: a key's passphrase comes from the caller. */
struct ossl_pass {
	const char	*pass;
	int		 asked;
};

static int
ossl_pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct ossl_pass *pp = u;
	size_t n;

	if (pp == NULL)
		return -1;
	pp->asked = 1;
	if (pp->pass == NULL)
		return -1;
	n = strlen(pp->pass);
	if (size <= 0 || n > (size_t)size)
		return -1;
	memcpy(buf, pp->pass, n);
	return (int)n;
}

static int
ossl_global_init(void)
{
	if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS |
	    OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL) != 1)
		return -1;
	return 0;
}

/*
 * Decoder contexts kept across loads.  OpenSSL 3.0 builds a chain of
 * decoders for every private key it reads and for the public key of every
 * certificate it parses (3.1 caches them): on 3.0 that was two thirds of a
 * lint (bench/lint.sh).  The loaders keep what 3.1 would cache:
 *  - one decoder context for unencrypted PEM private keys, with the
 *    arguments PEM_read_bio_PrivateKey() uses, reused for every key
 *    (OSSL_DECODER_from_bio() keeps a run's state on its stack and clears
 *    the passphrase cache after each run; the construct data holds the
 *    output pointer, `key`, and the type name each run sets);
 *  - one decoder context per public key algorithm for a certificate's
 *    SubjectPublicKeyInfo, with the arguments d2i_X509() uses;
 *  - a library context with no algorithms (the "null" provider) in which
 *    certificates are parsed: d2i_X509()'s opportunistic key decode fails
 *    there at once, and the key facts come from the kept SPKI decoders.
 * The certificate itself (names, dates, extension flags) is OpenSSL's own
 * X509.  Whatever the fast paths do not accept goes through the plain
 * calls, so every reason string stays the library's own.  One lock: the
 * contexts are not reentrant.
 */
#define OSSL_LD_NSPKI	8

static struct {
	pthread_mutex_t	 lock;
	int		 tried;		/* setup attempted */
	OSSL_LIB_CTX	*bare;		/* no algorithms; NULL: not usable */
	OSSL_PROVIDER	*nullprov;
	OSSL_DECODER_CTX *keyctx;	/* PEM private keys; NULL: none */
	EVP_PKEY	*key;		/* keyctx's output */
	struct {
		char		 alg[80];	/* algorithm OID, as text */
		OSSL_DECODER_CTX *dctx;
	}		 spki[OSSL_LD_NSPKI];
	size_t		 nspki;
	EVP_PKEY	*pub;		/* the spki contexts' output */
} ossl_ld = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Call with the lock held. */
static void
ossl_ld_setup(void)
{
	if (ossl_ld.tried)
		return;
	ossl_ld.tried = 1;
	if ((ossl_ld.bare = OSSL_LIB_CTX_new()) != NULL &&
	    (ossl_ld.nullprov = OSSL_PROVIDER_load(ossl_ld.bare, "null")) ==
	    NULL) {
		OSSL_LIB_CTX_free(ossl_ld.bare);
		ossl_ld.bare = NULL;
	}
	ossl_ld.keyctx = OSSL_DECODER_CTX_new_for_pkey(&ossl_ld.key, "PEM",
	    NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
	/* Never prompt: ossl_pass_cb() without a passphrase refuses. */
	if (ossl_ld.keyctx != NULL &&
	    OSSL_DECODER_CTX_set_pem_password_cb(ossl_ld.keyctx, ossl_pass_cb,
	    NULL) != 1) {
		OSSL_DECODER_CTX_free(ossl_ld.keyctx);
		ossl_ld.keyctx = NULL;
	}
	ERR_clear_error();
}

static void
ossl_global_fini(void)
{
	size_t i;

	pthread_mutex_lock(&ossl_ld.lock);
	OSSL_DECODER_CTX_free(ossl_ld.keyctx);
	for (i = 0; i < ossl_ld.nspki; i++)
		OSSL_DECODER_CTX_free(ossl_ld.spki[i].dctx);
	if (ossl_ld.nullprov != NULL)
		OSSL_PROVIDER_unload(ossl_ld.nullprov);
	OSSL_LIB_CTX_free(ossl_ld.bare);
	ossl_ld.keyctx = NULL;
	ossl_ld.nspki = 0;
	ossl_ld.nullprov = NULL;
	ossl_ld.bare = NULL;
	ossl_ld.tried = 0;
	pthread_mutex_unlock(&ossl_ld.lock);
}

/*
 * An unencrypted PEM private key through the kept context; NULL when it
 * does not decode (the caller then takes the plain path).
 */
static EVP_PKEY *
ossl_ld_key(const unsigned char *data, size_t len)
{
	EVP_PKEY *pk = NULL;

	pthread_mutex_lock(&ossl_ld.lock);
	ossl_ld_setup();
	if (ossl_ld.keyctx != NULL) {
		ossl_ld.key = NULL;
		if (OSSL_DECODER_from_data(ossl_ld.keyctx, &data, &len) == 1)
			pk = ossl_ld.key;
		else
			EVP_PKEY_free(ossl_ld.key);
		ossl_ld.key = NULL;
	}
	pthread_mutex_unlock(&ossl_ld.lock);
	ERR_clear_error();
	return pk;
}

/*
 * PEM_read_bio_X509() (PEM_ASN1_read_bio() with d2i_X509()), parsing in
 * the bare library context when there is one; *bare says which.
 */
static X509 *
ossl_ld_x509(BIO *b, struct ossl_pass *pp, int *bare)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	long len;
	X509 *x;

	pthread_mutex_lock(&ossl_ld.lock);
	ossl_ld_setup();
	*bare = ossl_ld.bare != NULL;
	pthread_mutex_unlock(&ossl_ld.lock);
	if (!*bare)
		return PEM_read_bio_X509(b, NULL, ossl_pass_cb, pp);
	if (PEM_bytes_read_bio(&der, &len, NULL, PEM_STRING_X509, b,
	    ossl_pass_cb, pp) != 1)
		return NULL;
	p = der;
	x = (X509 *)ASN1_item_d2i_ex(NULL, &p, len, ASN1_ITEM_rptr(X509),
	    ossl_ld.bare, NULL);
	if (x == NULL)
		ERR_raise(ERR_LIB_PEM, ERR_R_ASN1_LIB);
	OPENSSL_free(der);
	return x;
}

/*
 * The public key of a certificate parsed in the bare context, from its
 * SubjectPublicKeyInfo as i2d_X509_PUBKEY() writes it (the certificate's
 * own bytes when it is DER, as X.509 requires); NULL if it does not decode,
 * as X509_get0_pubkey() would then be NULL.  The caller frees it.
 */
static EVP_PKEY *
ossl_ld_pubkey(X509 *x, const unsigned char *spki, size_t len)
{
	OSSL_DECODER_CTX *dctx = NULL, *tmp = NULL;
	ASN1_OBJECT *alg = NULL;
	EVP_PKEY *pk = NULL;
	char name[80];
	size_t i;

	if (X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL,
	    X509_get_X509_PUBKEY(x)) != 1 || alg == NULL ||
	    OBJ_obj2txt(name, sizeof(name), alg, 0) <= 0) {
		ERR_clear_error();
		return NULL;
	}
	pthread_mutex_lock(&ossl_ld.lock);
	for (i = 0; i < ossl_ld.nspki; i++)
		if (strcmp(ossl_ld.spki[i].alg, name) == 0) {
			dctx = ossl_ld.spki[i].dctx;
			break;
		}
	if (dctx == NULL) {
		dctx = OSSL_DECODER_CTX_new_for_pkey(&ossl_ld.pub, "DER",
		    "SubjectPublicKeyInfo", name, EVP_PKEY_PUBLIC_KEY, NULL,
		    NULL);
		if (dctx != NULL && ossl_ld.nspki < OSSL_LD_NSPKI) {
			snprintf(ossl_ld.spki[ossl_ld.nspki].alg,
			    sizeof(ossl_ld.spki[0].alg), "%s", name);
			ossl_ld.spki[ossl_ld.nspki++].dctx = dctx;
		} else {
			tmp = dctx;
		}
	}
	if (dctx != NULL) {
		ossl_ld.pub = NULL;
		if (OSSL_DECODER_from_data(dctx, &spki, &len) == 1)
			pk = ossl_ld.pub;
		else
			EVP_PKEY_free(ossl_ld.pub);
		ossl_ld.pub = NULL;
	}
	OSSL_DECODER_CTX_free(tmp);
	pthread_mutex_unlock(&ossl_ld.lock);
	ERR_clear_error();
	return pk;
}

static int
ossl_time(const ASN1_TIME *at, time_t *out)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (at == NULL || ASN1_TIME_to_tm(at, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

static enum tls_keytype
ossl_keytype(const EVP_PKEY *pk)
{
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		return TLS_KT_RSA;
	case EVP_PKEY_DSA:
		return TLS_KT_DSA;
	case EVP_PKEY_EC:
		return TLS_KT_EC;
	case EVP_PKEY_ED25519:
		return TLS_KT_ED25519;
	case EVP_PKEY_ED448:
		return TLS_KT_ED448;
	default:
		return TLS_KT_UNKNOWN;
	}
}

/* DER of an object through an i2d function, into a malloc'ed copy. */
#define OSSL_I2D(fn, obj, outp, lenp) do {				\
	unsigned char *der_ = NULL;					\
	int n_ = fn(obj, &der_);					\
	if (n_ <= 0)							\
		goto fail;						\
	*(outp) = tls_memdup(der_, (size_t)n_);				\
	*(lenp) = (size_t)n_;						\
	OPENSSL_free(der_);						\
	if (*(outp) == NULL)						\
		goto fail;						\
} while (0)

static int
ossl_name_str(const X509_NAME *nm, char **out)
{
	BIO *b;
	char *p;
	long n;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) < 0) {
		BIO_free(b);
		return -1;
	}
	n = BIO_get_mem_data(b, &p);
	*out = malloc((size_t)n + 1);
	if (*out != NULL) {
		memcpy(*out, p, (size_t)n);
		(*out)[n] = '\0';
	}
	BIO_free(b);
	return *out != NULL ? 0 : -1;
}

/*
 * Facts of one certificate; -1 on ENOMEM or an unusable certificate.
 * bare: x was parsed in the bare context (ossl_ld_x509()).
 */
/*
 * Compare EC public keys in one encoding: the point uncompressed.  A key
 * written compressed in the key file and uncompressed in the certificate
 * (or the other way round) is still the same key.  Returns 1 when pk is an
 * EC key whose output form this changed.
 */
static int
ossl_ec_uncompress(EVP_PKEY *pk)
{
	char form[32];

	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC ||
	    EVP_PKEY_get_utf8_string_param(pk,
	    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, form, sizeof(form),
	    NULL) != 1 ||
	    strcmp(form, OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) == 0)
		return 0;
	return EVP_PKEY_set_utf8_string_param(pk,
	    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
	    OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) == 1;
}

/* c->spki again, from pk (after ossl_ec_uncompress()). */
static int
ossl_reencode_spki(EVP_PKEY *pk, struct tls_certinfo *c)
{
	free(c->spki);
	c->spki = NULL;
	OSSL_I2D(i2d_PUBKEY, pk, &c->spki, &c->spki_len);
	return 0;
fail:
	return -1;
}

static int
ossl_certinfo(X509 *x, int bare, struct tls_certinfo *c)
{
	const X509_NAME *nm;
	EVP_PKEY *pk, *own = NULL;
	uint32_t fl;
	int signid, mdnid = NID_undef, pknid = NID_undef, bits;

	if (ossl_time(X509_get0_notBefore(x), &c->not_before) == -1 ||
	    ossl_time(X509_get0_notAfter(x), &c->not_after) == -1)
		goto fail;
	nm = X509_get_subject_name(x);
	if (ossl_name_str(nm, &c->subject) == -1)
		goto fail;
	OSSL_I2D(i2d_X509_NAME, (X509_NAME *)nm, &c->subject_der,
	    &c->subject_len);
	OSSL_I2D(i2d_X509_NAME, X509_get_issuer_name(x), &c->issuer_der,
	    &c->issuer_len);
	OSSL_I2D(i2d_X509_PUBKEY, X509_get_X509_PUBKEY(x), &c->spki,
	    &c->spki_len);
	pk = bare ? (own = ossl_ld_pubkey(x, c->spki, c->spki_len)) :
	    X509_get0_pubkey(x);
	if (pk != NULL) {
		c->key_type = ossl_keytype(pk);
		bits = EVP_PKEY_get_bits(pk);
		c->key_bits = bits > 0 ? (unsigned int)bits : 0;
		if (ossl_ec_uncompress(pk) && ossl_reencode_spki(pk, c) == -1) {
			EVP_PKEY_free(own);
			goto fail;
		}
	}
	EVP_PKEY_free(own);
	signid = X509_get_signature_nid(x);
	if (OBJ_find_sigid_algs(signid, &mdnid, &pknid) == 1) {
		if (mdnid == NID_md5)
			c->sig_hash = TLS_SH_MD5;
		else if (mdnid == NID_sha1)
			c->sig_hash = TLS_SH_SHA1;
	}
	if ((c->sig_name = tls_strdup(signid != NID_undef ?
	    OBJ_nid2ln(signid) : "unknown")) == NULL)
		goto fail;
	fl = X509_get_extension_flags(x);
	c->bc_present = (fl & EXFLAG_BCONS) != 0;
	c->is_ca = c->bc_present && (fl & EXFLAG_CA) != 0;
	c->eku_present = (fl & EXFLAG_XKUSAGE) != 0;
	c->eku_client = c->eku_present &&
	    (X509_get_extended_key_usage(x) & (XKU_SSL_CLIENT | XKU_ANYEKU));
	return 0;
fail:
	return -1;
}

static int
ossl_load_certs(const unsigned char *data, size_t len,
    struct tls_certlist *cl)
{
	struct ossl_pass pp = { .pass = NULL, .asked = 0 };
	struct tls_certinfo *nv;
	unsigned long e;
	BIO *b;
	X509 *x;
	int bare, rc = -1;

	memset(cl, 0, sizeof(*cl));
	ERR_clear_error();
	if ((b = BIO_new_mem_buf(data, (int)len)) == NULL)
		return -1;
	while ((x = ossl_ld_x509(b, &pp, &bare)) != NULL) {
		nv = realloc(cl->v, (cl->n + 1) * sizeof(*nv));
		if (nv == NULL) {
			X509_free(x);
			goto out;
		}
		cl->v = nv;
		memset(&cl->v[cl->n], 0, sizeof(cl->v[0]));
		cl->n++;
		if (ossl_certinfo(x, bare, &cl->v[cl->n - 1]) == -1) {
			X509_free(x);
			goto out;
		}
		X509_free(x);
	}
	/* The loop ends at "no start line" after the last certificate. */
	e = ERR_peek_last_error();
	if (cl->n == 0) {
		if (ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
			ERR_clear_error();
			cl->why = tls_strdup("no \"-----BEGIN CERTIFICATE-----\" "
			    "block");
		} else {
			cl->why = ossl_errdup("cannot parse certificate");
		}
		if (cl->why == NULL)
			goto out;
	}
	ERR_clear_error();
	rc = 0;
out:
	BIO_free(b);
	return rc;
}

/*
 * The SubjectPublicKeyInfo of an RSA key or a named-curve EC key with an
 * uncompressed point, built from the key's parameters into *der
 * (OPENSSL_malloc'ed), byte for byte what i2d_PUBKEY() writes; 0 if the
 * key is of another kind.  i2d_PUBKEY() builds an encoder chain per call
 * on OpenSSL 3.0.  -1 on error.
 */
static int
ossl_spki_build(EVP_PKEY *pk, unsigned char **der, int *derlen)
{
	X509_PUBKEY *xp = NULL;
	BIGNUM *n = NULL, *e = NULL;
	ASN1_INTEGER *an = NULL, *ae = NULL;
	ASN1_OBJECT *curve;
	unsigned char *enc = NULL, *p;
	char str[80];
	size_t plen;
	int ln, le, len = 0, ptype, rc = -1;
	void *pval;

	*der = NULL;
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		/* RSAPublicKey ::= SEQUENCE { modulus, publicExponent } */
		if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
		    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
		    (an = BN_to_ASN1_INTEGER(n, NULL)) == NULL ||
		    (ae = BN_to_ASN1_INTEGER(e, NULL)) == NULL ||
		    (ln = i2d_ASN1_INTEGER(an, NULL)) <= 0 ||
		    (le = i2d_ASN1_INTEGER(ae, NULL)) <= 0 ||
		    (len = ASN1_object_size(1, ln + le, V_ASN1_SEQUENCE)) <= 0 ||
		    (enc = OPENSSL_malloc((size_t)len)) == NULL)
			goto out;
		p = enc;
		ASN1_put_object(&p, 1, ln + le, V_ASN1_SEQUENCE,
		    V_ASN1_UNIVERSAL);
		if (i2d_ASN1_INTEGER(an, &p) != ln ||
		    i2d_ASN1_INTEGER(ae, &p) != le)
			goto out;
		ptype = V_ASN1_NULL;
		pval = NULL;
		break;
	case EVP_PKEY_EC:
		/*
		 * OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY is always uncompressed on
		 * 3.0, the SPKI encoder uses the key's form: other forms (and
		 * explicit curves) go to i2d_PUBKEY().
		 */
		if (EVP_PKEY_get_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, str, sizeof(str),
		    NULL) != 1 ||
		    strcmp(str, OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) !=
		    0) {
			rc = 0;
			goto out;
		}
		if (EVP_PKEY_get_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_EC_ENCODING, str, sizeof(str), NULL) != 1 ||
		    strcmp(str, OSSL_PKEY_EC_ENCODING_GROUP) != 0 ||
		    EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
		    str, sizeof(str), NULL) != 1 ||
		    (curve = OBJ_nid2obj(OBJ_sn2nid(str))) == NULL ||
		    OBJ_obj2nid(curve) == NID_undef ||
		    EVP_PKEY_get_octet_string_param(pk,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0, &plen) != 1 ||
		    plen == 0 || plen > INT_MAX ||
		    (enc = OPENSSL_malloc(plen)) == NULL ||
		    EVP_PKEY_get_octet_string_param(pk,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, enc, plen, &plen) != 1)
			goto out;
		len = (int)plen;
		ptype = V_ASN1_OBJECT;
		pval = curve;
		break;
	default:
		rc = 0;
		goto out;
	}
	if ((xp = X509_PUBKEY_new()) == NULL ||
	    X509_PUBKEY_set0_param(xp, OBJ_nid2obj(EVP_PKEY_get_base_id(pk) ==
	    EVP_PKEY_RSA ? NID_rsaEncryption : NID_X9_62_id_ecPublicKey),
	    ptype, pval, enc, len) != 1)
		goto out;
	enc = NULL;	/* xp owns it */
	if ((*derlen = i2d_X509_PUBKEY(xp, der)) > 0)
		rc = 1;
out:
	OPENSSL_free(enc);
	X509_PUBKEY_free(xp);
	ASN1_INTEGER_free(an);
	ASN1_INTEGER_free(ae);
	BN_free(n);
	BN_free(e);
	if (rc != 1) {
		OPENSSL_free(*der);
		*der = NULL;
	}
	ERR_clear_error();
	return rc;
}

/* The SPKI DER of a private key's public half, malloc'ed; -1 on error. */
static int
ossl_key_spki(EVP_PKEY *pk, unsigned char **out, size_t *outlen)
{
	unsigned char *der = NULL;
	int n = 0;

	(void)ossl_ec_uncompress(pk);
	if (ossl_spki_build(pk, &der, &n) != 1 &&
	    (n = i2d_PUBKEY(pk, &der)) <= 0)
		return -1;
	*out = tls_memdup(der, (size_t)n);
	*outlen = (size_t)n;
	OPENSSL_free(der);
	return *out != NULL ? 0 : -1;
}

static int
ossl_load_key(const unsigned char *data, size_t len, const char *passphrase,
    struct tls_keyinfo *ki)
{
	struct ossl_pass pp = { .pass = passphrase, .asked = 0 };
	EVP_PKEY *pk = NULL;
	BIO *b = NULL;
	long off;
	int encrypted, bits, rc = -1;

	memset(ki, 0, sizeof(*ki));
	ERR_clear_error();
	if ((off = tls_pem_key_block(data, len, &encrypted)) < 0) {
		ki->status = TLS_KEY_NONE;
		return 0;
	}
	if (encrypted && passphrase == NULL) {
		ki->status = TLS_KEY_ENCRYPTED;
		return 0;
	}
	/* Unencrypted: the kept decoder; the plain call for the rest. */
	if (!encrypted)
		pk = ossl_ld_key(data + off, len - (size_t)off);
	if (pk == NULL) {
		if ((b = BIO_new_mem_buf(data + off,
		    (int)(len - (size_t)off))) == NULL)
			return -1;
		pk = PEM_read_bio_PrivateKey(b, NULL, ossl_pass_cb, &pp);
	}
	if (pk == NULL) {
		if (pp.asked && passphrase == NULL) {
			ERR_clear_error();
			ki->status = TLS_KEY_ENCRYPTED;
		} else {
			ki->status = TLS_KEY_INVALID;
			if ((ki->why = ossl_errdup(pp.asked ?
			    "wrong passphrase" : "cannot parse private key")) ==
			    NULL)
				goto out;
		}
		rc = 0;
		goto out;
	}
	ki->status = TLS_KEY_OK;
	ki->key_type = ossl_keytype(pk);
	bits = EVP_PKEY_get_bits(pk);
	ki->key_bits = bits > 0 ? (unsigned int)bits : 0;
	if (ossl_key_spki(pk, &ki->spki, &ki->spki_len) == -1)
		goto fail;
	rc = 0;
	goto out;
fail:
	rc = -1;
out:
	EVP_PKEY_free(pk);
	BIO_free(b);
	ERR_clear_error();
	return rc;
}

static int
ossl_dh_bits(const unsigned char *data, size_t len, unsigned int *bits,
    char *why, size_t whylen)
{
	EVP_PKEY *pk = NULL;
	BIO *b;
	int id, rc = -1;

	ERR_clear_error();
	if ((b = BIO_new_mem_buf(data, (int)len)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if ((pk = PEM_read_bio_Parameters(b, NULL)) == NULL) {
		ossl_errors(why, whylen);
		if (why[0] == '\0')
			snprintf(why, whylen, "no PEM parameters");
		goto out;
	}
	id = EVP_PKEY_get_base_id(pk);
	if (id != EVP_PKEY_DH && id != EVP_PKEY_DHX) {
		snprintf(why, whylen, "the file holds %s parameters, not DH",
		    OBJ_nid2sn(id));
		goto out;
	}
	*bits = (unsigned int)EVP_PKEY_get_bits(pk);
	rc = 0;
out:
	EVP_PKEY_free(pk);
	BIO_free(b);
	ERR_clear_error();
	return rc;
}

static int
ossl_sha256(const unsigned char *data, size_t len, unsigned char out[32])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != 32) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

/*
 * SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM), which reads
 * the key with PEM_read_bio_PrivateKey_ex() and a fresh decoder chain.
 * When the file's first PEM block is an unencrypted private key, the kept
 * decoder reads it (the same decoders with the same arguments) and
 * SSL_CTX_use_PrivateKey() takes it, as the _file call would; anything
 * else, the _file call itself.
 */
#define OSSL_KEYFILE_MAX	(64u * 1024)

static int
ossl_use_key_file(SSL_CTX *ctx, const char *path)
{
	static const char begin[] = "-----BEGIN";
	unsigned char *buf;
	EVP_PKEY *pk = NULL;
	FILE *fp;
	size_t i, n = 0;
	long off = -1;
	int enc = 1, rc;

	if ((buf = malloc(OSSL_KEYFILE_MAX)) != NULL &&
	    (fp = fopen(path, "rb")) != NULL) {
		n = fread(buf, 1, OSSL_KEYFILE_MAX, fp);
		/* Whole and readable, or the _file call says what is wrong. */
		if (ferror(fp) || n == OSSL_KEYFILE_MAX)
			n = 0;
		fclose(fp);
	}
	if (n > 0)
		off = tls_pem_key_block(buf, n, &enc);
	/* Only when the key is the first PEM block (the _file call stops at
	 * a public key or parameters before it). */
	for (i = 0; off > 0 && i + sizeof(begin) - 1 <= (size_t)off; i++)
		if (memcmp(buf + i, begin, sizeof(begin) - 1) == 0) {
			off = -1;
			break;
		}
	if (off >= 0 && !enc)
		pk = ossl_ld_key(buf + off, n - (size_t)off);
	if (buf != NULL) {
		explicit_bzero(buf, n);
		free(buf);
	}
	if (pk == NULL)
		return SSL_CTX_use_PrivateKey_file(ctx, path,
		    SSL_FILETYPE_PEM);
	rc = SSL_CTX_use_PrivateKey(ctx, pk);
	EVP_PKEY_free(pk);
	return rc;
}

/* Load as Momentum builds a client context; reason on failure. */
static int
ossl_probe_pair(const char *cert, const char *key, const char *passphrase,
    char *why, size_t whylen)
{
	struct ossl_pass pp = { .pass = passphrase, .asked = 0 };
	SSL_CTX *ctx;
	const char *step = "SSL_CTX_new";
	char buf[512];
	int rc = -1;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto out;
	SSL_CTX_set_default_passwd_cb(ctx, ossl_pass_cb);
	SSL_CTX_set_default_passwd_cb_userdata(ctx, &pp);
	step = "SSL_CTX_use_certificate_chain_file";
	TLS_GUARD_OSSL(SSL_CTX_use_certificate_chain_file(ctx, cert), out);
	step = "SSL_CTX_use_PrivateKey_file";
	TLS_GUARD_OSSL(ossl_use_key_file(ctx, key != NULL ? key : cert), out);
	step = "SSL_CTX_check_private_key";
	TLS_GUARD_OSSL(SSL_CTX_check_private_key(ctx), out);
	rc = 0;
out:
	if (rc == -1) {
		ossl_errors(buf, sizeof(buf));
		snprintf(why, whylen, "openssl: %s() failed%s%s", step,
		    buf[0] ? ": " : "", buf);
	}
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

static int
ossl_probe_ca(const char *ca, char *why, size_t whylen)
{
	X509_STORE *st;
	char buf[512];
	int rc = -1;

	/*
	 * SSL_CTX_load_verify_file() is X509_STORE_load_file_ex() on the
	 * context's fresh store with the default library context; the store
	 * alone spares an SSL_CTX_new() per CA file (a third of the probe).
	 */
	ERR_clear_error();
	if ((st = X509_STORE_new()) == NULL)
		goto out;
	TLS_GUARD_OSSL(X509_STORE_load_file_ex(st, ca, NULL, NULL), out);
	rc = 0;
out:
	if (rc == -1) {
		ossl_errors(buf, sizeof(buf));
		snprintf(why, whylen, "openssl: SSL_CTX_load_verify_file() "
		    "failed%s%s", buf[0] ? ": " : "", buf);
	}
	X509_STORE_free(st);
	ERR_clear_error();
	return rc;
}

/*
 * Cipher lists.  SSL_CTX_set_cipher_list() silently drops names it does not
 * know and fails only when nothing is left (SSL_CTX_set_cipher_list(3)), so
 * each element is checked on its own.  A keyword that exists but selects
 * nothing in this build (RC4, and everything the legacy provider holds) is
 * not an error; the keywords below are the documented ones (ciphers(1),
 * OpenSSL 1.0.2 to 3.x), including those later versions dropped.
 */
static const char *const ossl_cipher_keywords[] = {
	"DEFAULT", "COMPLEMENTOFDEFAULT", "ALL", "COMPLEMENTOFALL", "HIGH",
	"MEDIUM", "LOW", "eNULL", "NULL", "aNULL", "kRSA", "aRSA", "RSA",
	"kDHr", "kDHd", "kDH", "kDHE", "kEDH", "DH", "DHE", "EDH", "ADH",
	"kEECDH", "kECDHE", "ECDH", "ECDHE", "EECDH", "AECDH", "aDSS", "DSS",
	"aDH", "aECDH", "aECDSA", "ECDSA", "kECDHr", "kECDHe", "TLSv1.2",
	"TLSv1.0", "TLSv1", "SSLv3", "SSLv2", "AES128", "AES256", "AES",
	"AESGCM", "AESCCM", "AESCCM8", "ARIA128", "ARIA256", "ARIA",
	"ARIAGCM", "CAMELLIA128", "CAMELLIA256", "CAMELLIA", "CHACHA20",
	"3DES", "DES", "RC4", "RC2", "IDEA", "SEED", "MD5", "SHA1", "SHA",
	"SHA256", "SHA384", "aGOST", "aGOST01", "aGOST12", "kGOST", "kGOST18",
	"GOST94", "GOST89MAC", "GOST12", "GOST89", "KUZNYECHIK", "MAGMA",
	"PSK", "kPSK", "kECDHEPSK", "kDHEPSK", "kRSAPSK", "aPSK", "SRP",
	"kSRP", "aSRP", "SUITEB128", "SUITEB128ONLY", "SUITEB128C2",
	"SUITEB192", "CBC", "EXP", "EXPORT", "EXPORT40", "EXPORT56", "KRB5",
	"kKRB5", "aKRB5", "FZA", "kFZA", "aFZA", "eFZA", "ECCPSK", "DHEPSK",
	"RSAPSK", "ECDHEPSK",
};

static int
ossl_is_keyword(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(ossl_cipher_keywords) /
	    sizeof(ossl_cipher_keywords[0]); i++)
		if (strlen(ossl_cipher_keywords[i]) == n &&
		    strncmp(ossl_cipher_keywords[i], s, n) == 0)
			return 1;
	return 0;
}

static int
ossl_sep(char c)
{
	/* ssl_ciph.c ITEM_SEP() */
	return c == ':' || c == ' ' || c == ';' || c == ',';
}

/* Is one name (no prefix, no "+") known?  Uses the scratch context. */
static int
ossl_cipher_name_ok(SSL_CTX *ctx, const char *s, size_t n)
{
	char name[128];
	int ok;

	if (ossl_is_keyword(s, n))
		return 1;
	if (n == 0 || n >= sizeof(name))
		return 0;
	memcpy(name, s, n);
	name[n] = '\0';
	ok = SSL_CTX_set_cipher_list(ctx, name) == 1;
	ERR_clear_error();
	return ok;
}

/* Weak classes of a cipher suite, for the expansion check. */
enum { OW_NULL, OW_EXPORT, OW_ANON, OW_RC4, OW_DES, OW_3DES, OW_N };

static const char *const ossl_weak_names[OW_N] = {
	[OW_NULL] = "NULL encryption",
	[OW_EXPORT] = "EXPORT",
	[OW_ANON] = "anonymous (aNULL)",
	[OW_RC4] = "RC4",
	[OW_DES] = "DES",
	[OW_3DES] = "3DES",
};

static int
ossl_weak_class(const SSL_CIPHER *c)
{
	int nid, bits = 0;

	if (SSL_CIPHER_get_kx_nid(c) == NID_kx_any)	/* TLS 1.3 */
		return -1;
	nid = SSL_CIPHER_get_cipher_nid(c);
	if (nid == NID_undef)
		return OW_NULL;
	if (SSL_CIPHER_get_auth_nid(c) == NID_auth_null)
		return OW_ANON;
	if (nid == NID_rc4 || nid == NID_rc4_40 || nid == NID_rc4_hmac_md5)
		return OW_RC4;
	if (nid == NID_des_cbc || nid == NID_des_cfb64 || nid == NID_des_ecb)
		return OW_DES;
	if (nid == NID_des_ede3_cbc)
		return OW_3DES;
	if (SSL_CIPHER_get_bits(c, &bits) < 64)
		return OW_EXPORT;
	return -1;
}

/* Returns 1 if the element had an error. */
static int
ossl_check_element(struct tls_sink *sk, SSL_CTX *ctx, const char *v,
    size_t start, size_t end, const struct loc *vloc)
{
	struct diag_item *it;
	struct loc l;
	size_t p, q;
	int bad;
	const char *e = v + start;
	size_t n = end - start;

	if (n == 0)
		return 0;	/* OpenSSL skips empty elements */
	if (e[0] == '@') {
		if ((n == 9 && strncmp(e, "@STRENGTH", 9) == 0) ||
		    (n == 11 && strncmp(e, "@SECLEVEL=", 10) == 0 &&
		    e[10] >= '0' && e[10] <= '5'))
			return 0;
		l = tls_loc_at(vloc, start, n);
		it = tls_emit(sk, DIAG_ERROR, "tls-cipher-unknown", &l,
		    "unknown cipher list command \"%.*s\" in tls_ciphers",
		    (int)n, e);
		diag_note(tls_sink_diag(sk), it, NULL, "expected @STRENGTH or "
		    "@SECLEVEL=0..5");
		return 1;
	}
	p = (e[0] == '!' || e[0] == '-' || e[0] == '+') ? 1 : 0;
	if (p == n) {
		l = tls_loc_at(vloc, start, n);
		tls_emit(sk, DIAG_ERROR, "tls-cipher-unknown", &l,
		    "\"%c\" without a cipher name in tls_ciphers", e[0]);
		return 1;
	}
	if (n - p == 7 && strncmp(e + p, "DEFAULT", 7) == 0 && start != 0) {
		/* ssl_create_cipher_list() expands DEFAULT only up front. */
		l = tls_loc_at(vloc, start + p, 7);
		it = tls_emit(sk, DIAG_ERROR, "tls-cipher-unknown", &l,
		    "\"DEFAULT\" is only recognised at the start of tls_ciphers");
		diag_note(tls_sink_diag(sk), it, NULL, "openssl: elsewhere it "
		    "is silently ignored");
		return 1;
	}
	/* "A+B" selects what both A and B select; check each part. */
	for (bad = 0; p < n; p = q + 1) {
		for (q = p; q < n && e[q] != '+'; q++)
			;
		if (!ossl_cipher_name_ok(ctx, e + p, q - p)) {
			bad = 1;
			l = tls_loc_at(vloc, start + p, q - p);
			it = tls_emit(sk, DIAG_ERROR, "tls-cipher-unknown", &l,
			    q == p ? "empty cipher name in \"%.*s\" in "
			    "tls_ciphers" : "unknown cipher \"%.*s\" in "
			    "tls_ciphers", q == p ? (int)n : (int)(q - p),
			    q == p ? e : e + p);
			diag_note(tls_sink_diag(sk), it, NULL, "openssl: %s "
			    "has no cipher suite or keyword of this name, or "
			    "does not provide it, and ignores such names "
			    "silently", OpenSSL_version(OPENSSL_VERSION));
		}
	}
	return bad;
}

static int
ossl_check_ciphers(struct tls_sink *sk, const struct tls_str *s)
{
	STACK_OF(SSL_CIPHER) *sc;
	struct diag_item *it;
	const SSL_CIPHER *c;
	SSL_CTX *ctx;
	const char *v = s->s;
	size_t start, end, count[OW_N], i, n;
	char buf[1024];
	int k, cls, bad = 0, rc = -1;

	if (v == NULL)
		return 0;	/* unset: OpenSSL's DEFAULT */
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_method())) == NULL)
		return -1;
	for (start = 0;; start = end + 1) {
		for (end = start; v[end] != '\0' && !ossl_sep(v[end]); end++)
			;
		bad |= ossl_check_element(sk, ctx, v, start, end, s->vloc);
		if (v[end] == '\0')
			break;
	}

	/* The whole expansion, as the MTA would get it. */
	if (SSL_CTX_set_cipher_list(ctx, v) != 1) {
		ossl_errors(buf, sizeof(buf));
		/* One problem, one error: a bad element already said it. */
		if (bad) {
			rc = 0;
			goto out;
		}
		it = tls_emit(sk, DIAG_ERROR, "tls-cipher-empty", s->vloc,
		    "tls_ciphers \"%s\" selects no cipher suite", v);
		if (buf[0] != '\0')
			diag_note(tls_sink_diag(sk), it, NULL, "openssl: %s",
			    buf);
		rc = 0;
		goto out;
	}
	sc = SSL_CTX_get_ciphers(ctx);
	memset(count, 0, sizeof(count));
	for (k = 0; sc != NULL && k < sk_SSL_CIPHER_num(sc); k++) {
		c = sk_SSL_CIPHER_value(sc, k);
		if ((cls = ossl_weak_class(c)) >= 0)
			count[cls]++;
	}
	for (cls = 0, n = 0, buf[0] = '\0'; cls < OW_N; cls++)
		if (count[cls] > 0)
			n += (size_t)snprintf(buf + n, n < sizeof(buf) ?
			    sizeof(buf) - n : 0, "%s%s (%zu)", n ? ", " : "",
			    ossl_weak_names[cls], count[cls]);
	if (n > 0) {
		it = tls_emit(sk, DIAG_WARNING, "tls-cipher-weak", s->vloc,
		    "tls_ciphers \"%s\" enables weak cipher suites: %s", v,
		    buf);
		for (cls = 0; cls < OW_N; cls++) {
			if (count[cls] == 0)
				continue;
			n = 0;
			buf[0] = '\0';
			for (k = 0, i = 0; k < sk_SSL_CIPHER_num(sc); k++) {
				c = sk_SSL_CIPHER_value(sc, k);
				if (ossl_weak_class(c) != cls)
					continue;
				if (i++ < 6)
					n += (size_t)snprintf(buf + n, n <
					    sizeof(buf) ? sizeof(buf) - n : 0,
					    "%s%s", n ? " " : "",
					    SSL_CIPHER_get_name(c));
			}
			diag_note(tls_sink_diag(sk), it, NULL,
			    "openssl: %s: %s%s", ossl_weak_names[cls], buf,
			    i > 6 ? " ..." : "");
		}
		diag_note(tls_sink_diag(sk), it, NULL, "exclude them with "
		    "\"!aNULL:!eNULL:!EXPORT:!RC4:!DES:!3DES\"");
	}
	rc = 0;
out:
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return rc;
}

/*
 * Is name (one element of tlsv13_ciphersuites) a TLS 1.3 suite OpenSSL
 * knows?  SSL_CTX_set_ciphersuites() alone does not say: OpenSSL 3 skips
 * unknown names and takes any suite's standard name, a TLS 1.2 one
 * ("TLS_ECDHE_ECDSA_WITH_AES_128_CCM") too.  So look at what it took: a
 * suite of that name (without the blanks its list parser trims) whose key
 * exchange is TLS 1.3's "any".
 */
static int
ossl_tls13_suite_known(SSL_CTX *ctx, const char *name)
{
	STACK_OF(SSL_CIPHER) *sc;
	const SSL_CIPHER *c;
	const char *std;
	size_t a, b;
	int k, ok = 0;

	if (SSL_CTX_set_ciphersuites(ctx, name) != 1)
		goto out;
	for (a = 0; name[a] == ' ' || name[a] == '\t' || name[a] == '\n' ||
	    name[a] == '\r' || name[a] == '\f' || name[a] == '\v'; a++)
		;
	for (b = strlen(name); b > a && (name[b - 1] == ' ' ||
	    name[b - 1] == '\t' || name[b - 1] == '\n' ||
	    name[b - 1] == '\r' || name[b - 1] == '\f' ||
	    name[b - 1] == '\v'); b--)
		;
	sc = SSL_CTX_get_ciphers(ctx);
	for (k = 0; sc != NULL && k < sk_SSL_CIPHER_num(sc); k++) {
		c = sk_SSL_CIPHER_value(sc, k);
		std = SSL_CIPHER_standard_name(c);
		if (SSL_CIPHER_get_kx_nid(c) == NID_kx_any && std != NULL &&
		    strlen(std) == b - a && strncmp(std, name + a, b - a) == 0) {
			ok = 1;
			break;
		}
	}
out:
	ERR_clear_error();
	return ok;
}

static int
ossl_check_tls13_suites(struct tls_sink *sk, const struct tls_str *s)
{
	struct diag_item *it;
	struct loc l;
	SSL_CTX *ctx;
	const char *v = s->s;
	size_t start, end;
	char name[128];
	int ok;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_method())) == NULL)
		return -1;
	for (start = 0;; start = end + 1) {
		end = start + strcspn(v + start, ":");
		l = tls_loc_at(s->vloc, start, end - start);
		if (end == start) {
			if (v[0] != '\0')
				tls_emit(sk, DIAG_ERROR,
				    "tls-ciphersuite-unknown", &l,
				    "empty name in tlsv13_ciphersuites");
		} else {
			ok = 0;
			if (end - start < sizeof(name)) {
				memcpy(name, v + start, end - start);
				name[end - start] = '\0';
				ok = ossl_tls13_suite_known(ctx, name);
			}
			if (!ok) {
				it = tls_emit(sk, DIAG_ERROR,
				    "tls-ciphersuite-unknown", &l,
				    "unknown TLS 1.3 cipher suite \"%.*s\" in "
				    "tlsv13_ciphersuites", (int)(end - start),
				    v + start);
				diag_note(tls_sink_diag(sk), it, NULL, "openssl: "
				    "expected e.g. TLS_AES_256_GCM_SHA384, "
				    "TLS_CHACHA20_POLY1305_SHA256, "
				    "TLS_AES_128_GCM_SHA256");
			}
		}
		if (v[end] == '\0')
			break;
	}
	SSL_CTX_free(ctx);
	return 0;
}

static int
ossl_curve_known(const char *name)
{
	SSL_CTX *ctx;
	int ok = 0;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_method())) == NULL)
		return 0;
	ok = SSL_CTX_set1_groups_list(ctx, name) == 1;
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/*
 * Connections.  Verification never fails the handshake (SSL_VERIFY_NONE):
 * OpenSSL still verifies the chain and keeps the result, which ossl_peer
 * reports; tls.c and the caller apply tls_verify.
 */
struct ossl_ctx {
	SSL_CTX		*ctx;
	int		 have_ca;
};

struct ossl_conn {
	SSL		*ssl;
	SSL_SESSION	*fresh;		/* issued, not yet taken; owned */
};

/* Reason for a failed call: the error queue, else a fallback. */
static void
ossl_why(char *why, size_t whylen, const char *what)
{
	char buf[384];

	ossl_errors(buf, sizeof(buf));
	snprintf(why, whylen, "openssl: %s%s%s", what, buf[0] ? ": " : "",
	    buf);
}

/* The evaluated tls_protocols set as SSL_OP_NO_* options. */
static int
ossl_set_protocols(SSL_CTX *ctx, unsigned int p)
{
	static const struct {
		unsigned int	 bit;
		uint64_t	 op;
	} map[] = {
		{ TLS_PROTO_SSLV3, SSL_OP_NO_SSLv3 },
		{ TLS_PROTO_TLSV1_0, SSL_OP_NO_TLSv1 },
		{ TLS_PROTO_TLSV1_1, SSL_OP_NO_TLSv1_1 },
		{ TLS_PROTO_TLSV1_2, SSL_OP_NO_TLSv1_2 },
		{ TLS_PROTO_TLSV1_3, SSL_OP_NO_TLSv1_3 },
	};
	uint64_t ops = 0;
	size_t i;

	if (p == 0)
		return 0;
	if ((p & (TLS_PROTO_ALL & ~TLS_PROTO_SSLV2)) == 0)
		return -1;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!(p & map[i].bit))
			ops |= map[i].op;
	SSL_CTX_set_options(ctx, ops);
	return 0;
}

/*
 * A session the server issued (SSL_SESS_CACHE_CLIENT): during the
 * handshake for TLS 1.2, with a NewSessionTicket after it for TLS 1.3
 * (inside SSL_read).  Kept until ossl_session_take; the newest wins.
 */
static int
ossl_new_session(SSL *ssl, SSL_SESSION *sess)
{
	struct ossl_conn *c = SSL_get_app_data(ssl);

	if (c == NULL || !SSL_SESSION_is_resumable(sess))
		return 0;
	SSL_SESSION_free(c->fresh);
	c->fresh = sess;
	return 1;	/* the reference is ours */
}

static void
ossl_ctx_free(void *p)
{
	struct ossl_ctx *oc = p;

	if (oc == NULL)
		return;
	SSL_CTX_free(oc->ctx);
	free(oc);
}

static void *
ossl_ctx_new(const struct tls_client_config *cf, char *why, size_t whylen)
{
	struct ossl_ctx *oc;
	struct ossl_pass pp = { .pass = NULL };
	const char *key;

	ERR_clear_error();
	if ((oc = calloc(1, sizeof(*oc))) == NULL) {
		snprintf(why, whylen, "openssl: out of memory");
		return NULL;
	}
	if ((oc->ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		ossl_why(why, whylen, "SSL_CTX_new() failed");
		goto fail;
	}
	SSL_CTX_set_options(oc->ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_verify(oc->ctx, SSL_VERIFY_NONE, NULL);
	/* Sessions go to tls.c's cache, never to OpenSSL's own. */
	SSL_CTX_set_session_cache_mode(oc->ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(oc->ctx, ossl_new_session);
	/* A key is never decrypted through a terminal prompt. */
	SSL_CTX_set_default_passwd_cb(oc->ctx, ossl_pass_cb);
	SSL_CTX_set_default_passwd_cb_userdata(oc->ctx, &pp);
	if (ossl_set_protocols(oc->ctx, cf->protocols) == -1) {
		snprintf(why, whylen, "openssl: tls_protocols enables no "
		    "protocol this library supports");
		goto fail;
	}
	if (cf->ciphers != NULL &&
	    SSL_CTX_set_cipher_list(oc->ctx, cf->ciphers) != 1) {
		ossl_why(why, whylen, "tls_ciphers selects no cipher");
		goto fail;
	}
	if (cf->tls13_suites != NULL &&
	    SSL_CTX_set_ciphersuites(oc->ctx, cf->tls13_suites) != 1) {
		ossl_why(why, whylen, "invalid tlsv13_ciphersuites");
		goto fail;
	}
	if (cf->cert != NULL) {
		key = cf->key != NULL ? cf->key : cf->cert;
		if (SSL_CTX_use_certificate_chain_file(oc->ctx,
		    cf->cert) != 1) {
			ossl_why(why, whylen, "cannot load tls_certificate");
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(oc->ctx, key,
		    SSL_FILETYPE_PEM) != 1) {
			ossl_why(why, whylen, "cannot load tls_key");
			goto fail;
		}
		if (SSL_CTX_check_private_key(oc->ctx) != 1) {
			ossl_why(why, whylen, "tls_key does not match "
			    "tls_certificate");
			goto fail;
		}
	}
	SSL_CTX_set_default_passwd_cb_userdata(oc->ctx, NULL);
	if (cf->ca != NULL) {
		if (SSL_CTX_load_verify_locations(oc->ctx, cf->ca,
		    NULL) != 1) {
			ossl_why(why, whylen, "cannot load tls_ca");
			goto fail;
		}
		oc->have_ca = 1;
	}
	return oc;
fail:
	ossl_ctx_free(oc);
	return NULL;
}

/* Is s an IPv4 or IPv6 literal (no SNI for those, RFC 6066 3)? */
static int
ossl_is_ip(const char *s)
{
	ASN1_OCTET_STRING *a;

	if ((a = a2i_IPADDRESS(s)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	ASN1_OCTET_STRING_free(a);
	return 1;
}

static int
ossl_conn_init(void *p, void *ctxp, int fd, const char *sni, char *why,
    size_t whylen)
{
	struct ossl_conn *c = p;
	struct ossl_ctx *oc = ctxp;

	ERR_clear_error();
	if ((c->ssl = SSL_new(oc->ctx)) == NULL) {
		ossl_why(why, whylen, "SSL_new() failed");
		return -1;
	}
	if (SSL_set_fd(c->ssl, fd) != 1) {
		ossl_why(why, whylen, "SSL_set_fd() failed");
		return -1;
	}
	SSL_set_app_data(c->ssl, c);
	if (sni != NULL && *sni != '\0' && !ossl_is_ip(sni) &&
	    SSL_set_tlsext_host_name(c->ssl, sni) != 1) {
		ossl_why(why, whylen, "cannot set the server name");
		return -1;
	}
	SSL_set_connect_state(c->ssl);
	return 0;
}

static void
ossl_conn_fini(void *p)
{
	struct ossl_conn *c = p;

	SSL_SESSION_free(c->fresh);
	c->fresh = NULL;
	SSL_free(c->ssl);
	c->ssl = NULL;
}

/* Map the result of an SSL call that returned r <= 0. */
static enum tls_result
ossl_result(SSL *ssl, int r, const char *what, char *why, size_t whylen)
{
	int e = SSL_get_error(ssl, r);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_EOF;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			snprintf(why, whylen, "openssl: %s: connection "
			    "closed by the peer", what);
			return TLS_ERROR;
		}
		break;
	default:
		break;
	}
	ossl_why(why, whylen, what);
	return TLS_ERROR;
}

static enum tls_result
ossl_handshake(void *p, char *why, size_t whylen)
{
	struct ossl_conn *c = p;
	int r;

	ERR_clear_error();
	if ((r = SSL_connect(c->ssl)) == 1)
		return TLS_OK;
	return ossl_result(c->ssl, r, "handshake failed", why, whylen);
}

static enum tls_result
ossl_read(void *p, void *buf, size_t len, size_t *n, char *why,
    size_t whylen)
{
	struct ossl_conn *c = p;
	int r;

	ERR_clear_error();
	if ((r = SSL_read_ex(c->ssl, buf, len, n)) == 1)
		return TLS_OK;
	return ossl_result(c->ssl, r, "read failed", why, whylen);
}

static enum tls_result
ossl_write(void *p, const void *buf, size_t len, size_t *n, char *why,
    size_t whylen)
{
	struct ossl_conn *c = p;
	int r;

	ERR_clear_error();
	if ((r = SSL_write_ex(c->ssl, buf, len, n)) == 1)
		return TLS_OK;
	return ossl_result(c->ssl, r, "write failed", why, whylen);
}

static enum tls_result
ossl_close(void *p)
{
	struct ossl_conn *c = p;

	ERR_clear_error();
	if (SSL_shutdown(c->ssl) < 0) {
		ERR_clear_error();
		return TLS_ERROR;
	}
	return TLS_OK;
}

/* The CN of a name, else its one-line form; "" when absent. */
static void
ossl_name_short(const X509_NAME *nm, char *buf, size_t len)
{
	char *s = NULL;
	int i;
	X509_NAME_ENTRY *e;
	const ASN1_STRING *d;

	buf[0] = '\0';
	if (nm == NULL)
		return;
	i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
	if (i >= 0) {
		int j;
		while ((j = X509_NAME_get_index_by_NID(nm, NID_commonName,
		    i)) >= 0)
			i = j;
		e = X509_NAME_get_entry(nm, i);
		d = X509_NAME_ENTRY_get_data(e);
		snprintf(buf, len, "%.*s", ASN1_STRING_length(d),
		    (const char *)ASN1_STRING_get0_data(d));
		return;
	}
	if (ossl_name_str(nm, &s) == 0 && s != NULL)
		snprintf(buf, len, "%s", s);
	free(s);
}

static int
ossl_peer(void *p, void *ctxp, struct tls_conn_info *info,
    struct tls_names *names)
{
	struct ossl_conn *c = p;
	struct ossl_ctx *oc = ctxp;
	const SSL_CIPHER *ci;
	X509 *x;
	GENERAL_NAMES *gens;
	const GENERAL_NAME *g;
	const unsigned char *d;
	long vr;
	int i, n, alg = 0, rc = -1;

	snprintf(info->protocol, sizeof(info->protocol), "%s",
	    SSL_get_version(c->ssl));
	if ((ci = SSL_get_current_cipher(c->ssl)) != NULL) {
		snprintf(info->cipher, sizeof(info->cipher), "%s",
		    SSL_CIPHER_get_name(ci));
		info->usebits = SSL_CIPHER_get_bits(ci, &alg);
		info->algbits = alg;
	}
	if ((x = SSL_get1_peer_certificate(c->ssl)) == NULL) {
		snprintf(info->chain_why, sizeof(info->chain_why),
		    "no peer certificate");
		return 0;
	}
	info->peer_cert = 1;
	ossl_name_short(X509_get_subject_name(x), info->subject,
	    sizeof(info->subject));
	ossl_name_short(X509_get_issuer_name(x), info->issuer,
	    sizeof(info->issuer));
	vr = SSL_get_verify_result(c->ssl);
	if (!oc->have_ca)
		snprintf(info->chain_why, sizeof(info->chain_why),
		    "no tls_ca to verify against");
	else if (vr != X509_V_OK)
		snprintf(info->chain_why, sizeof(info->chain_why),
		    "openssl: %s", X509_verify_cert_error_string(vr));
	else
		info->chain_ok = 1;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	n = gens != NULL ? sk_GENERAL_NAME_num(gens) : 0;
	for (i = 0; i < n; i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS)
			continue;
		d = ASN1_STRING_get0_data(g->d.dNSName);
		/* A name with an embedded NUL is never a match. */
		if (memchr(d, '\0', (size_t)ASN1_STRING_length(
		    g->d.dNSName)) != NULL)
			continue;
		if (tls_names_add(names, (const char *)d,
		    (size_t)ASN1_STRING_length(g->d.dNSName)) == -1)
			goto out;
	}
	i = X509_NAME_get_index_by_NID(X509_get_subject_name(x),
	    NID_commonName, -1);
	if (i >= 0) {
		const ASN1_STRING *cn;
		int j;

		while ((j = X509_NAME_get_index_by_NID(
		    X509_get_subject_name(x), NID_commonName, i)) >= 0)
			i = j;
		cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(
		    X509_get_subject_name(x), i));
		d = ASN1_STRING_get0_data(cn);
		if (memchr(d, '\0', (size_t)ASN1_STRING_length(cn)) == NULL &&
		    (names->cn = malloc((size_t)ASN1_STRING_length(cn) +
		    1)) != NULL) {
			memcpy(names->cn, d, (size_t)ASN1_STRING_length(cn));
			names->cn[ASN1_STRING_length(cn)] = '\0';
		}
	}
	rc = 0;
out:
	GENERAL_NAMES_free(gens);
	X509_free(x);
	return rc;
}

/* Offer a session (DER, i2d_SSL_SESSION) for resumption. */
static int
ossl_session_set(void *p, const unsigned char *data, size_t len)
{
	struct ossl_conn *c = p;
	const unsigned char *d = data;
	SSL_SESSION *sess;
	int rc = -1;

	ERR_clear_error();
	if (len > 1024 * 1024 ||
	    (sess = d2i_SSL_SESSION(NULL, &d, (long)len)) == NULL) {
		ERR_clear_error();
		return -1;
	}
	if (SSL_SESSION_is_resumable(sess) && SSL_set_session(c->ssl,
	    sess) == 1)
		rc = 0;
	SSL_SESSION_free(sess);
	ERR_clear_error();
	return rc;
}

static int
ossl_session_take(void *p, unsigned char **data, size_t *len,
    long *lifetime)
{
	struct ossl_conn *c = p;
	unsigned char *buf, *w;
	int n;

	if (c->fresh == NULL)
		return 0;
	if ((n = i2d_SSL_SESSION(c->fresh, NULL)) <= 0) {
		SSL_SESSION_free(c->fresh);
		c->fresh = NULL;
		ERR_clear_error();
		return 0;
	}
	if ((buf = malloc((size_t)n)) == NULL)
		return -1;
	w = buf;
	if (i2d_SSL_SESSION(c->fresh, &w) != n) {
		free(buf);
		SSL_SESSION_free(c->fresh);
		c->fresh = NULL;
		ERR_clear_error();
		return 0;
	}
	*data = buf;
	*len = (size_t)n;
	/* TLS 1.3: the ticket's lifetime; else the session's timeout. */
	*lifetime = SSL_SESSION_get_protocol_version(c->fresh) >=
	    TLS1_3_VERSION ?
	    (long)SSL_SESSION_get_ticket_lifetime_hint(c->fresh) :
	    SSL_SESSION_get_timeout(c->fresh);
	SSL_SESSION_free(c->fresh);
	c->fresh = NULL;
	return 1;
}

static int
ossl_resumed(void *p)
{
	struct ossl_conn *c = p;

	return SSL_session_reused(c->ssl) == 1;
}

const struct tls_backend tls_backend_openssl = {
	.name = "openssl",
	.supports = TLS_SUPP_OPENSSL_CIPHERS | TLS_SUPP_TLS13_SUITES |
	    TLS_SUPP_CURVES,
	.conn_size = sizeof(struct ossl_conn),
	.global_init = ossl_global_init,
	.global_fini = ossl_global_fini,
	.load_certs = ossl_load_certs,
	.load_key = ossl_load_key,
	.dh_bits = ossl_dh_bits,
	.sha256 = ossl_sha256,
	.probe_pair = ossl_probe_pair,
	.probe_ca = ossl_probe_ca,
	.check_ciphers = ossl_check_ciphers,
	.check_tls13_suites = ossl_check_tls13_suites,
	.curve_known = ossl_curve_known,
	.ctx_new = ossl_ctx_new,
	.ctx_free = ossl_ctx_free,
	.conn_init = ossl_conn_init,
	.conn_fini = ossl_conn_fini,
	.handshake = ossl_handshake,
	.read = ossl_read,
	.write = ossl_write,
	.close = ossl_close,
	.peer = ossl_peer,
	.session_set = ossl_session_set,
	.session_take = ossl_session_take,
	.resumed = ossl_resumed,
};

const char *
tls_cipher_openssl_name(const char *name)
{
	const char *o;

	if (name == NULL || strncmp(name, "TLS_", 4) != 0)
		return name;
	o = OPENSSL_cipher_name(name);
	return o != NULL && strcmp(o, "(NONE)") != 0 ? o : name;
}
