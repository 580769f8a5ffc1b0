/* SPDX-License-Identifier: ISC */
/*
 * tls.h -- the neutral TLS layer: checks of TLS material (certificate, key
 * and CA files, DH parameters) and TLS settings (protocols, ciphers, TLS 1.3
 * suites, GnuTLS priority strings, curve lists), under the OpenSSL or the
 * GnuTLS backend.  Callers never see a library type or a library error code;
 * backends live behind tls_int.h.
 *
 * Reporting.  Every check files its findings into a caller's struct diag,
 * each with a stable id (compiler/checks.def lists them with their default
 * severity), a location and note: lines (a backend's own reason is a note
 * prefixed with the backend's name, "openssl: ..." or "gnutls: ...").
 * Findings go through the checker's dedupe set: a finding with the same
 * (id, location, message) as one filed earlier by the same checker is
 * dropped, so a file used by many policies is reported once per source
 * location.  The new findings of a call are d->items[n0 .. d->nitems) where
 * n0 is d->nitems before the call; the caller may attach notes to them
 * (e.g. the (binding, domain) pair that exposed the problem).
 *
 * Locations.  `vloc` is the location of an option's value; vloc->col is the
 * column of the first byte of the value's content (after an opening quote).
 * A problem inside a string (a protocol token, a cipher element, a GnuTLS
 * error position) is reported at vloc->col + its byte offset in the value;
 * file-level findings use vloc as is.  vloc may be NULL (no location).
 *
 * Time.  Validators never read the clock: `now` is a parameter.
 *
 * Paths are used as given; the caller resolves relative paths and the value
 * "none" of tls_certificate (pass NULL for "not set").
 *
 * Ownership (STYLE 2.5): strings and locs passed in are borrowed for the
 * duration of the call; the checker copies what it keeps (paths).  Findings
 * are owned by the caller's diag.  Nothing here prints or exits.
 */
#ifndef ECTLS_TLS_H
#define ECTLS_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "diag.h"

enum tls_engine {
	TLS_ENGINE_OPENSSL = 0,
	TLS_ENGINE_GNUTLS,
	TLS_ENGINE_COUNT
};

/* The tls_verify option. */
enum tls_verify {
	TLS_VERIFY_NO = 0,
	TLS_VERIFY_CA,
	TLS_VERIFY_HOST,
	TLS_VERIFY_OPTIONAL
};

/* Protocol bits (the evaluated tls_protocols set, stored in the table). */
#define TLS_PROTO_SSLV2		0x01u
#define TLS_PROTO_SSLV3		0x02u
#define TLS_PROTO_TLSV1_0	0x04u
#define TLS_PROTO_TLSV1_1	0x08u
#define TLS_PROTO_TLSV1_2	0x10u
#define TLS_PROTO_TLSV1_3	0x20u
#define TLS_PROTO_ALL		0x3fu

/* Default for the expiry warning ("expires within N days"). */
#define TLS_WARN_DAYS_DEFAULT	30

/* Engine by name ("openssl", "gnutls"); -1 if unknown or not built. */
int	tls_engine_from_name(const char *);
/* "openssl" or "gnutls"; borrowed, static. */
const char *tls_engine_name(enum tls_engine);
/* 1 if the backend for the engine was built in, else 0. */
int	tls_engine_available(enum tls_engine);

/*
 * The per-run checker: a cache of every file read (bytes, mode, SHA-256 and
 * each backend's parse of it, keyed by path, engine and passphrase) so a
 * file is read and parsed once however many policies use it, plus the
 * dedupe set of findings already filed.
 *
 * tls_checker_new: returns a new checker; free with tls_checker_free().
 * NULL on ENOMEM.  tls_checker_free(NULL) is a no-op.
 */
struct tls_checker;
struct tls_checker *tls_checker_new(void);
void	tls_checker_free(struct tls_checker *);

/*
 * The effective TLS policy of one (binding, domain) pair, as the caller
 * resolved it.  A NULL string means "not set"; each *_loc is the location
 * of that value (may be NULL).  policy_loc is where findings about unset
 * values go (e.g. the binding or domain stanza).  All borrowed.
 */
struct tls_policy {
	enum tls_engine		 engine;
	const char		*cert;		/* tls_certificate */
	const struct loc	*cert_loc;
	const char		*key;		/* tls_key */
	const struct loc	*key_loc;
	const char		*ca;		/* tls_ca */
	const struct loc	*ca_loc;
	enum tls_verify		 verify;	/* tls_verify */
	const struct loc	*verify_loc;
	const char		*protocols;	/* tls_protocols */
	const struct loc	*protocols_loc;
	const char		*ciphers;	/* tls_ciphers */
	const struct loc	*ciphers_loc;
	const char		*tls13_suites;	/* tlsv13_... */
	const struct loc	*tls13_loc;
	const struct loc	*policy_loc;
	const char		*passphrase;	/* NULL: none */
	time_t			 now;
	int			 warn_days;	/* < 0: TLS_WARN_DAYS_DEFAULT */
};

/*
 * Run every material and settings check for one effective policy: the
 * certificate file, the key (tls_key, or a key inside the certificate
 * file) and its match with the certificate, the CA file, tls_verify without
 * tls_ca, the protocols (OpenSSL engine) or the priority string (GnuTLS
 * engine; POODLE either way), the cipher list and the TLS 1.3 suites.
 * *protos (may be NULL) receives the evaluated protocol set (OpenSSL
 * dialect; TLS_PROTO_ALL when unset, 0 after a syntax error).
 * Returns the number of new findings filed, or -1 on ENOMEM / engine not
 * built (then a finding says so when possible).
 */
int	tls_check_policy(struct tls_checker *, const struct tls_policy *,
	    struct diag *, unsigned int *protos);

/*
 * The individual checks.  Each returns the number of new findings filed
 * (>= 0), or -1 on ENOMEM or an engine that was not built.
 */

/* tls_certificate: readable, PEM, dates at `now`, expiry within warn_days,
 * key strength, signature hash, chain order, clientAuth EKU. */
int	tls_check_cert_file(struct tls_checker *, enum tls_engine,
	    const char *path, const struct loc *vloc, time_t now, int warn_days,
	    struct diag *);

/*
 * The private key for a certificate.  key_path NULL: the key must be inside
 * cert_path (then findings go to cert_loc).  Checks: readable, parseable,
 * encrypted without passphrase, group/other-readable file, and an explicit
 * comparison of the key's public key with the certificate's
 * SubjectPublicKeyInfo (only when the certificate parses).
 */
int	tls_check_key_file(struct tls_checker *, enum tls_engine,
	    const char *key_path, const struct loc *key_loc,
	    const char *cert_path, const struct loc *cert_loc,
	    const char *passphrase, struct diag *);

/* tls_ca: readable, holds certificates, each CA:TRUE, expired ones. */
int	tls_check_ca_file(struct tls_checker *, enum tls_engine,
	    const char *path, const struct loc *vloc, time_t now, struct diag *);

/*
 * tls_protocols (OpenSSL dialect): tokens ALL SSLv2 SSLv3 TLSv1 TLSv1.0
 * TLSv1.1 TLSv1.2 TLSv1.3, case-insensitive, each with a "+" or "-" prefix
 * (none means "+"), separated by ":" (a leading ":" is tolerated), applied
 * left to right to the default set +ALL.  value NULL means unset (= +ALL).
 * *protos (may be NULL) receives the evaluated set (0 after an error in a
 * token).  Needs no library.
 */
int	tls_check_protocols(struct tls_checker *, const char *value,
	    const struct loc *vloc, struct diag *, unsigned int *protos);

/*
 * tls_ciphers in the engine's dialect: an OpenSSL cipher list (each element
 * checked on its own, then the expansion for weak suites) or a GnuTLS
 * priority string (syntax via the library, SSL 3.0 reachability both by the
 * library's evaluation and by a static rule).  value NULL: unset (only
 * matters under GnuTLS: not proven POODLE-safe).
 */
int	tls_check_ciphers(struct tls_checker *, enum tls_engine,
	    const char *value, const struct loc *vloc, struct diag *);

/* tlsv13_ciphersuites: every ":"-separated name a TLS 1.3 suite OpenSSL
 * knows.  Under GnuTLS the option has no meaning (a warning says so). */
int	tls_check_tls13_suites(struct tls_checker *, enum tls_engine,
	    const char *value, const struct loc *vloc, struct diag *);

/* tls_dhparams_file: readable, parseable, at least 2048 bits. */
int	tls_check_dhparams_file(struct tls_checker *, enum tls_engine,
	    const char *path, const struct loc *vloc, struct diag *);

/* tls_ec_curve_names (OpenSSL only, whatever the engine): format rules of
 * the option and every name a curve or group OpenSSL knows. */
int	tls_check_curves(struct tls_checker *, const char *value,
	    const struct loc *vloc, struct diag *);

/*
 * Whether the engine's library accepts the material the way Momentum would
 * load it: a certificate (chain) file with its key (key_path NULL: the key
 * is in cert_path), or a CA file.  Returns 0 if accepted, -1 if not; on -1
 * `why` (may be NULL) receives a NUL-terminated reason prefixed with the
 * backend's name, truncated to whylen.  For `--engines both` reports.
 */
int	tls_probe_pair(enum tls_engine, const char *cert_path,
	    const char *key_path, const char *passphrase, char *why,
	    size_t whylen);
int	tls_probe_ca(enum tls_engine, const char *ca_path, char *why,
	    size_t whylen);

/*
 * SHA-256 of a file's bytes, as 64 lower-case hex digits plus NUL in hex,
 * computed by the engine's library on the bytes the checker cached.
 * Returns 0, or -1 with errno set (the file could not be read).
 */
int	tls_file_sha256(struct tls_checker *, enum tls_engine,
	    const char *path, char hex[65]);

/* Release the backends' global state (optional, at exit). */
void	tls_global_fini(void);

/*
 * Connections (the delivery runtime).  A client context holds what every
 * connection of one policy shares (certificate and key, trust anchors,
 * protocol and cipher settings in the engine's dialect); a connection runs
 * TLS over a connected, non-blocking socket the caller owns.  Calls never
 * block: they return TLS_WANT_READ or TLS_WANT_WRITE and the caller polls
 * the socket and calls again with the same arguments.
 *
 * Verification is decided here, not by the library: the handshake never
 * fails because of the peer's certificate; tls_conn_info() reports whether
 * the chain verifies against the context's CA file (tls_ca) and
 * tls_conn_match_name() checks the peer's names, so every tls_verify mode
 * (including `optional`, which only logs) is the caller's decision and both
 * engines apply the same name rules.
 */
enum tls_result {
	TLS_OK = 0,
	TLS_WANT_READ,
	TLS_WANT_WRITE,
	TLS_EOF,		/* the peer closed the connection */
	TLS_ERROR		/* tls_conn_error() says why */
};

struct tls_client_config {
	enum tls_engine	 engine;
	const char	*cert;		/* client certificate chain (PEM; may
					   hold the key), NULL: none */
	const char	*key;		/* NULL: the key is in cert */
	const char	*ca;		/* trust anchors (tls_ca), NULL: none */
	unsigned int	 protocols;	/* TLS_PROTO_* set; OpenSSL only (the
					   GnuTLS priority string carries the
					   versions); 0: the library default */
	const char	*ciphers;	/* OpenSSL cipher list or GnuTLS
					   priority string; NULL: default */
	const char	*tls13_suites;	/* OpenSSL only; NULL: default */
};

struct tls_ctx;
struct tls_conn;

/*
 * A client context.  Returns a new context; free with tls_ctx_free().
 * NULL on failure with a reason prefixed by the backend's name in why
 * ("openssl: cannot load certificate ...").  Borrows nothing after return.
 */
struct tls_ctx *tls_client_new(const struct tls_client_config *,
	    char *why, size_t whylen);
void	tls_ctx_free(struct tls_ctx *);
/* The engine of a context. */
enum tls_engine tls_ctx_engine(const struct tls_ctx *);

/*
 * A connection on socket fd (borrowed: the caller closes it after
 * tls_conn_free()).  sni (may be NULL; an IP literal is not sent) is the
 * server name indication.  Returns a new connection; free with
 * tls_conn_free(); NULL with why set on failure.  The context must outlive
 * the connection.
 */
struct tls_conn *tls_conn_new(struct tls_ctx *, int fd, const char *sni,
	    char *why, size_t whylen);
void	tls_conn_free(struct tls_conn *);

enum tls_result tls_handshake(struct tls_conn *);
/* *n receives the bytes read or written on TLS_OK. */
enum tls_result tls_read(struct tls_conn *, void *, size_t, size_t *n);
enum tls_result tls_write(struct tls_conn *, const void *, size_t,
	    size_t *n);
/* Send close_notify (once; the peer's answer is not awaited). */
enum tls_result tls_close(struct tls_conn *);
/* The reason of the last TLS_ERROR ("gnutls: ..."); borrowed, never NULL. */
const char *tls_conn_error(const struct tls_conn *);

/* What a completed handshake established (the tls_macros values). */
struct tls_conn_info {
	char		 protocol[32];	/* "TLSv1.3" (OpenSSL), "TLS1.3" (GnuTLS) */
	char		 cipher[128];	/* the library's suite name */
	int		 algbits;
	int		 usebits;
	int		 peer_cert;	/* the peer sent a certificate */
	int		 chain_ok;	/* it chains to the context's CA file
					   and is valid now */
	char		 chain_why[256]; /* when !chain_ok: why */
	char		 subject[256];	/* peer certificate: CN, else the DN */
	char		 issuer[256];	/* its issuer: CN, else the DN */
	int		 resumed;	/* the handshake resumed a cached
					   session (tls_conn_use_cache) */
};

/* Fill *info after a successful handshake.  0, or -1 (no handshake). */
int	tls_conn_info(struct tls_conn *, struct tls_conn_info *);

/*
 * Does the peer certificate name `host`?  RFC 6125: the subjectAltName
 * dNSName entries when there is at least one, else the most specific
 * subject CN; case-insensitive; a trailing dot ignored; a wildcard only as
 * the whole left-most label ("*.example.com"), matching exactly one
 * non-empty label, never in a public-suffix-like position of fewer than
 * three labels ("*.com").  Returns 1 if matched, 0 if not (no certificate
 * included).
 */
int	tls_conn_match_name(struct tls_conn *, const char *host);

/* The RFC 6125 rule above on one presented identifier. */
int	tls_name_match(const char *pattern, const char *host);

/*
 * The name OpenSSL (and so Postfix's log) gives the cipher suite whose
 * name an engine reported: GnuTLS reports the standard (IANA) name of a
 * TLS 1.2 suite, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", which OpenSSL
 * calls "ECDHE-RSA-AES256-GCM-SHA384".  A name OpenSSL already uses, a
 * TLS 1.3 suite (one name in both), or a suite OpenSSL does not know is
 * returned as it is.  The result is static or `name` itself.
 */
const char *tls_cipher_openssl_name(const char *name);

/*
 * Session resumption.  A client-side cache of TLS sessions, each stored
 * as the engine's own serialization (opaque bytes, so a cache can be
 * copied into a forked worker and sessions passed back over a pipe), under
 * a key that names the destination and everything that decides what a
 * session proves: the engine, the context's identity (every setting of
 * struct tls_client_config and the SHA-256 of the bytes of the
 * certificate, key and CA files when the context was made), the SNI, and
 * the caller's `dest` (host:port and the parts of the policy the context
 * does not hold, e.g. tls_verify).  So a session is never offered under a
 * different client certificate, trust anchors, protocol or cipher setting
 * or verification mode.  Bounded: at most `max` entries, the least
 * recently used goes first; an entry lives `ttl` seconds at most (less
 * when the server's ticket lifetime is shorter).
 *
 * What a resumed session proves.  tls_conn_info() of a resumed connection
 * reports the peer certificate of the original full handshake (both
 * engines keep it in the session).  chain_ok: OpenSSL reports the
 * verification result of the original handshake, stored in the session
 * (made against the same tls_ca: the key includes its bytes); GnuTLS
 * verifies the stored chain again against the context's trust list, at
 * the time of the resumption.  Names are always checked again by the
 * caller (tls_conn_match_name) on that certificate.  A session is stored
 * only once the caller has read application data on the connection, i.e.
 * after it has looked at the handshake; tls_conn_forget_session() (a
 * verification the policy rejects) drops the key's entry and stores
 * nothing more from the connection.
 *
 * tls_session_cache_new: returns a new cache; free with
 * tls_session_cache_free() (NULL is a no-op).  NULL on ENOMEM or max 0.
 */
struct tls_session_cache;
struct tls_session_cache *tls_session_cache_new(size_t max, unsigned int ttl);
void	tls_session_cache_free(struct tls_session_cache *);
/* Entries that have not expired. */
size_t	tls_session_cache_count(const struct tls_session_cache *);

/*
 * Store a serialized session under a full key (as passed to the callback
 * below), copying both, expiring at `expires` (Unix seconds).  For moving
 * sessions between processes.  0, or -1 on ENOMEM / bad arguments.
 */
int	tls_session_cache_put(struct tls_session_cache *, const char *key,
	    const void *data, size_t len, int64_t expires);

/*
 * Called for every session a connection stores in the cache (not for
 * tls_session_cache_put()): key, data and len are borrowed for the call.
 * A forked worker uses it to hand its new sessions to the runner.
 */
typedef void (*tls_session_cb)(void *arg, const char *key,
	    const void *data, size_t len, int64_t expires);
void	tls_session_cache_on_store(struct tls_session_cache *,
	    tls_session_cb, void *arg);

/*
 * Use cache for connection c, before its handshake: offer the session
 * stored under the key for (c's context, c's SNI, dest) if there is a
 * live one, and store under it the sessions the server issues.  The cache
 * must outlive the connection.  0, or -1 on ENOMEM (no resumption then).
 */
int	tls_conn_use_cache(struct tls_conn *, struct tls_session_cache *,
	    const char *dest);

/* Drop c's cache entry and store nothing more from c. */
void	tls_conn_forget_session(struct tls_conn *);

#endif /* ECTLS_TLS_H */
