/* SPDX-License-Identifier: ISC */
/*
 * tls_int.h -- what each TLS backend implements (a trimmed curl vtls).
 * Included only by tls.c and tls_*.c.  Backends parse material into the
 * neutral facts below and validate strings of their own dialect; the checks
 * on the facts are written once, in tls.c.  Nothing here names a library
 * type.
 */
#ifndef ECTLS_TLS_INT_H
#define ECTLS_TLS_INT_H

#include <stddef.h>
#include <time.h>

#include "diag.h"
#include "tls.h"

enum tls_keytype {
	TLS_KT_UNKNOWN = 0,
	TLS_KT_RSA,
	TLS_KT_DSA,
	TLS_KT_EC,
	TLS_KT_ED25519,
	TLS_KT_ED448
};

enum tls_sighash {
	TLS_SH_OTHER = 0,
	TLS_SH_MD5,
	TLS_SH_SHA1
};

/* The facts about one certificate; every pointer malloc'ed. */
struct tls_certinfo {
	time_t		 not_before;
	time_t		 not_after;
	char		*subject;	/* one line, RFC 4514 style */
	unsigned char	*subject_der;	/* raw Name DER */
	size_t		 subject_len;
	unsigned char	*issuer_der;
	size_t		 issuer_len;
	unsigned char	*spki;		/* SubjectPublicKeyInfo DER */
	size_t		 spki_len;
	enum tls_keytype key_type;
	unsigned int	 key_bits;
	enum tls_sighash sig_hash;
	char		*sig_name;	/* e.g. "sha1WithRSAEncryption" */
	int		 bc_present;	/* basicConstraints present */
	int		 is_ca;		/* ... with CA:TRUE */
	int		 eku_present;	/* extendedKeyUsage present */
	int		 eku_client;	/* ... lists clientAuth or anyEKU */
};

/* Every certificate of a PEM file, in file order. */
struct tls_certlist {
	struct tls_certinfo *v;
	size_t		 n;
	char		*why;		/* when n == 0: the backend's reason */
};

enum tls_keystatus {
	TLS_KEY_OK = 0,
	TLS_KEY_NONE,		/* no private key in the file */
	TLS_KEY_ENCRYPTED,	/* encrypted, no passphrase given */
	TLS_KEY_INVALID		/* unparseable, or wrong passphrase */
};

struct tls_keyinfo {
	enum tls_keystatus status;
	enum tls_keytype key_type;
	unsigned int	 key_bits;
	unsigned char	*spki;		/* public half, SPKI DER */
	size_t		 spki_len;
	char		*why;		/* the backend's reason, or NULL */
};

/* A borrowed view of a value string for the string validators. */
struct tls_str {
	const char		*s;
	const struct loc	*vloc;
};

/* The names a peer certificate presents (tls_conn_match_name). */
struct tls_names {
	char		**dns;		/* subjectAltName dNSName entries */
	size_t		 ndns;
	char		*cn;		/* the most specific subject CN, or NULL */
};
void	tls_names_fini(struct tls_names *);
/* Append a dNSName (copied); -1 on ENOMEM. */
int	tls_names_add(struct tls_names *, const char *, size_t);

/* Capability bits (`supports`). */
#define TLS_SUPP_OPENSSL_CIPHERS	0x01u	/* tls_ciphers as OpenSSL list */
#define TLS_SUPP_PRIORITY		0x02u	/* tls_ciphers as GnuTLS priority */
#define TLS_SUPP_TLS13_SUITES		0x04u	/* tlsv13_ciphersuites */
#define TLS_SUPP_CURVES			0x08u	/* tls_ec_curve_names */

/*
 * The finding sink the string validators use: it files through the
 * checker's dedupe set.  Returns the item (notes may be added with
 * diag_note) or NULL when dropped (duplicate, ENOMEM, max_errors).
 */
struct tls_sink;
struct diag_item *tls_emit(struct tls_sink *, enum diag_sev, const char *id,
	    const struct loc *, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
struct diag *tls_sink_diag(struct tls_sink *);

/* vloc moved to byte offset `off` of the value, spanning len bytes. */
struct loc tls_loc_at(const struct loc *vloc, size_t off, size_t len);

/*
 * A backend.  Material slots parse bytes (the checker read the file) and
 * fill neutral facts; string slots validate a value and file findings
 * through the sink.  Optional slots are NULL and announced by `supports`.
 * The runtime issue adds the connection slots (ctx_init, handshake, read,
 * write, close, conn_info, with conn_size bytes of private state per
 * connection) after the material slots; designated initializers keep the
 * backends' tables valid as slots are added.
 */
struct tls_backend {
	const char	*name;
	unsigned int	 supports;
	size_t		 conn_size;
	int		(*global_init)(void);
	void		(*global_fini)(void);
	/* Every certificate in a PEM buffer.  -1 only on ENOMEM. */
	int		(*load_certs)(const unsigned char *, size_t,
			    struct tls_certlist *);
	/* The first private key in a PEM buffer.  -1 only on ENOMEM. */
	int		(*load_key)(const unsigned char *, size_t,
			    const char *passphrase, struct tls_keyinfo *);
	/* DH parameters: *bits = size of the prime; -1 + why if invalid. */
	int		(*dh_bits)(const unsigned char *, size_t,
			    unsigned int *bits, char *why, size_t whylen);
	int		(*sha256)(const unsigned char *, size_t,
			    unsigned char out[32]);
	/* Load as the MTA would; 0 accepted, -1 with why. */
	int		(*probe_pair)(const char *cert, const char *key,
			    const char *passphrase, char *why, size_t whylen);
	int		(*probe_ca)(const char *ca, char *why, size_t whylen);
	/* tls_ciphers in this backend's dialect (NULL value: unset). */
	int		(*check_ciphers)(struct tls_sink *, const struct tls_str *);
	int		(*check_tls13_suites)(struct tls_sink *,
			    const struct tls_str *);
	/* One curve or group name known?  1 yes, 0 no. */
	int		(*curve_known)(const char *);

	/*
	 * Connections (tls.h).  ctx_new returns the backend's context (NULL
	 * with why on failure); conn_init sets up conn_size zeroed bytes of
	 * private state; the other slots get that state.  Reasons go into
	 * why (whylen bytes), prefixed with the backend's name.  peer fills
	 * the facts of a completed handshake and the peer's names (every
	 * string of *names malloc'ed); -1 only on ENOMEM or no handshake.
	 */
	void		*(*ctx_new)(const struct tls_client_config *,
			    char *why, size_t whylen);
	void		(*ctx_free)(void *);
	int		(*conn_init)(void *conn, void *ctx, int fd,
			    const char *sni, char *why, size_t whylen);
	void		(*conn_fini)(void *conn);
	enum tls_result	(*handshake)(void *conn, char *why, size_t whylen);
	enum tls_result	(*read)(void *conn, void *, size_t, size_t *,
			    char *why, size_t whylen);
	enum tls_result	(*write)(void *conn, const void *, size_t, size_t *,
			    char *why, size_t whylen);
	enum tls_result	(*close)(void *conn);
	int		(*peer)(void *conn, void *ctx, struct tls_conn_info *,
			    struct tls_names *names);

	/*
	 * Session resumption (tls.h; optional, NULL: never resumes).
	 * session_set offers a serialization made by session_take, before the
	 * handshake; -1 when the bytes are unusable (the handshake is then a
	 * full one).  session_take hands over a session the server issued
	 * since the last call: 1 with *data (malloc'ed), *len and *lifetime
	 * (seconds the server grants, 0 unknown); 0 when there is none (yet);
	 * -1 on ENOMEM.  It must never block or wait for the peer.  resumed:
	 * 1 when the completed handshake resumed the offered session.
	 */
	int		(*session_set)(void *conn, const unsigned char *,
			    size_t);
	int		(*session_take)(void *conn, unsigned char **data,
			    size_t *len, long *lifetime);
	int		(*resumed)(void *conn);
};

#ifndef ECTLS_NO_OPENSSL
extern const struct tls_backend tls_backend_openssl;
#endif
#ifndef ECTLS_NO_GNUTLS
extern const struct tls_backend tls_backend_gnutls;
#endif

/*
 * The static POODLE rule for a GnuTLS priority string, independent of the
 * library version (old GnuTLS enabled SSL 3.0 under NORMAL and within
 * VERS-TLS-ALL): safe only if SSL 3.0 is removed after the last level
 * keyword and not added back, or the string starts from NONE and never
 * adds it.  Returns 1 if safe, 0 if not; *why (may be NULL) gets a static
 * explanation and *off the byte offset of the element that decides it.
 */
int	tls_priority_ssl3_safe(const char *, const char **why, size_t *off);

/*
 * Find the first "-----BEGIN ... PRIVATE KEY-----" block in a PEM buffer:
 * returns its byte offset, or -1 if there is none.  *encrypted (may be
 * NULL) is set when the block is encrypted (PKCS#8 "ENCRYPTED PRIVATE KEY"
 * or a traditional "Proc-Type: 4,ENCRYPTED" header).
 */
long	tls_pem_key_block(const unsigned char *, size_t, int *encrypted);

/* Helpers for backends (tls.c). */
void	tls_certlist_fini(struct tls_certlist *);
void	tls_keyinfo_fini(struct tls_keyinfo *);
char	*tls_strdup(const char *);
/* Copy of a byte range, or NULL on ENOMEM. */
unsigned char *tls_memdup(const void *, size_t);

#endif /* ECTLS_TLS_INT_H */
