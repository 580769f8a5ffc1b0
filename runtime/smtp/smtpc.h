/* SPDX-License-Identifier: ISC */
/*
 * smtpc.h -- the SMTP client state machine (RFC 5321, STARTTLS per RFC
 * 3207), modelled on OpenSMTPD's smtp_client.c: an enum of states with a
 * parallel table of names, smtpc_enter() sends what a state sends and
 * smtpc_response() decides the next state from the server's reply.  One
 * call, smtpc_session(), runs one SMTP session over a connected io and
 * reports, per recipient, what happened.  Nothing here prints or exits.
 *
 * Policy enforcement lives here and only here:
 *  - SMTPC_TLS_REQUIRED: MAIL FROM (and so any byte of the message) is
 *    never sent unless TLS is established and, when tls_verify is ca or
 *    host, the peer verified.  A missing STARTTLS, a refused STARTTLS, a
 *    failed handshake or a failed verification defers every recipient.
 *  - SMTPC_TLS_OPPORTUNISTIC: STARTTLS when offered; a refused STARTTLS or
 *    failed handshake ends the session with tls_failed set (the caller
 *    applies tls_ifavailable_fallback: a new plain-text connection, or a
 *    deferral).  A failed verification under ca/host defers (the
 *    documented "delivery fails"); under optional it is only reported.
 *  - SMTPC_TLS_NONE: STARTTLS is never sent.
 *  - After the handshake every extension learnt is forgotten and EHLO is
 *    sent again; bytes received before the handshake are discarded (io.h).
 *  - PIPELINING is used only inside TLS, when offered after the handshake.
 */
#ifndef ECTLS_SMTP_SMTPC_H
#define ECTLS_SMTP_SMTPC_H

#include <stddef.h>

#include "io.h"
#include "tls.h"

enum smtpc_tls {
	SMTPC_TLS_NONE = 0,
	SMTPC_TLS_OPPORTUNISTIC,
	SMTPC_TLS_REQUIRED
};

enum smtpc_state {
	SMTPC_ST_BANNER = 0,
	SMTPC_ST_EHLO,
	SMTPC_ST_HELO,
	SMTPC_ST_STARTTLS,
	SMTPC_ST_TLS,		/* the handshake: no command, no reply */
	SMTPC_ST_TLS_EHLO,	/* EHLO again inside TLS */
	SMTPC_ST_MAIL,
	SMTPC_ST_RCPT,
	SMTPC_ST_DATA,
	SMTPC_ST_BODY,
	SMTPC_ST_RSET,		/* between two transactions (params.next) */
	SMTPC_ST_QUIT,
	SMTPC_ST_DONE,
	SMTPC_ST__COUNT
};

/* "banner", "EHLO", ...; static. */
const char *smtpc_state_name(enum smtpc_state);

/* Per-phase timeouts, seconds. */
struct smtpc_timeouts {
	unsigned int	 greeting;	/* banner, EHLO/HELO, STARTTLS, TLS */
	unsigned int	 mail;
	unsigned int	 rcpt;
	unsigned int	 data;		/* the DATA command */
	unsigned int	 body;		/* message and final "." */
	unsigned int	 quit;
};

/* Everything borrowed for the duration of smtpc_session(). */
struct smtpc_params {
	const char		*helo;
	enum smtpc_tls		 tls;
	enum tls_verify		 verify;
	struct tls_ctx		*tls_ctx;	/* needed unless tls is NONE */
	/*
	 * TLS session resumption (tls.h): NULL, no resumption.  tls_dest
	 * names the destination for the cache key (host:port and the policy
	 * settings tls_ctx does not hold: tls, tls_verify); NULL: servername.
	 * A session whose verification the policy rejects is forgotten.
	 */
	struct tls_session_cache *tls_sessions;
	const char		*tls_dest;
	const char		*servername;	/* SNI; name of the host */
	const char		*domain;	/* the recipient domain */
	struct smtpc_timeouts	 to;
	const char		*from;		/* "" for the null sender */
	const char *const	*rcpts;
	size_t			 nrcpts;
	const char		*body;		/* smtpc_body() output */
	size_t			 bodylen;
	/*
	 * More transactions on the same session (NULL: one).  Called when a
	 * transaction has ended with the connection still usable, every
	 * recipient of it final in result->rcpt.  Returning 1 means the
	 * caller has put the next message into the params (from, rcpts,
	 * nrcpts, body, bodylen: the params are the caller's object, only
	 * borrowed const here) and pointed result->rcpt at its nrcpts
	 * entries; the session goes on with MAIL FROM (after RSET when the
	 * transaction did not end with the reply to the final ".").
	 * Returning 0 ends the session with QUIT.  result->mail_sent,
	 * pipelined and reason describe the current transaction only.
	 */
	int			(*next)(void *arg);
	void			*next_arg;
};

enum smtpc_status {
	SMTPC_PENDING = 0,
	SMTPC_DELIVERED,
	SMTPC_DEFERRED,
	SMTPC_FAILED
};

/* "delivered", "deferred", "failed" ("pending"); static. */
const char *smtpc_status_name(enum smtpc_status);

#define SMTPC_REPLY_MAX	512

struct smtpc_rcpt {
	enum smtpc_status status;
	int		 accepted;	/* RCPT TO got 2xx */
	char		 reply[SMTPC_REPLY_MAX];
};

/* TLS trust, as Postfix names it in its summary line. */
enum smtpc_trust {
	SMTPC_TRUST_ANONYMOUS = 0,	/* no peer certificate */
	SMTPC_TRUST_UNTRUSTED,		/* chain not verified */
	SMTPC_TRUST_TRUSTED,		/* chain verified; name not checked
					   (ca, no) or not matched */
	SMTPC_TRUST_VERIFIED		/* chain and name verified */
};
const char *smtpc_trust_name(enum smtpc_trust);	/* "Trusted" ... */

struct smtpc_result {
	enum smtpc_state  last;		/* the state the session ended in */
	int		 tls;		/* TLS established */
	int		 tls_failed;	/* STARTTLS refused or handshake failed */
	int		 starttls_offered;
	int		 mail_sent;	/* MAIL FROM was written */
	int		 pipelined;
	int		 verified;	/* what tls_verify asks for passed */
	int		 name_ok;	/* the certificate names the host */
	enum smtpc_trust trust;
	struct tls_conn_info info;	/* when tls */
	size_t		 discarded;	/* bytes dropped before the handshake */
	char		 reason[SMTPC_REPLY_MAX]; /* why it ended early */
	struct smtpc_rcpt *rcpt;	/* caller's array, nrcpts entries */
};

/*
 * Run one session on io (connected; the session closes it).  result->rcpt
 * must point at params->nrcpts entries; each ends DELIVERED, DEFERRED or
 * FAILED.  Returns 0, or -1 on ENOMEM (every recipient deferred).
 */
int	smtpc_session(struct io *, const struct smtpc_params *,
	    struct smtpc_result *);

/*
 * The DATA form of a message: every line end (CR LF, lone LF, lone CR)
 * becomes CR LF, a line starting with "." gets another, and a last line
 * without its end gets one.  *out is a new buffer (free with free()); the
 * final ".\r\n" is not included.  0, or -1 on ENOMEM.
 */
int	smtpc_body(const char *msg, size_t len, char **out, size_t *outlen);

#endif /* ECTLS_SMTP_SMTPC_H */
