/* SPDX-License-Identifier: ISC */
/*
 * smtpc.c -- the SMTP client state machine (smtpc.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "smtpc.h"

static const char *const smtpc_state_names[] = {
	[SMTPC_ST_BANNER] = "banner",
	[SMTPC_ST_EHLO] = "EHLO",
	[SMTPC_ST_HELO] = "HELO",
	[SMTPC_ST_STARTTLS] = "STARTTLS",
	[SMTPC_ST_TLS] = "TLS handshake",
	[SMTPC_ST_TLS_EHLO] = "EHLO after STARTTLS",
	[SMTPC_ST_MAIL] = "MAIL FROM",
	[SMTPC_ST_RCPT] = "RCPT TO",
	[SMTPC_ST_DATA] = "DATA",
	[SMTPC_ST_BODY] = "end of DATA",
	[SMTPC_ST_RSET] = "RSET",
	[SMTPC_ST_QUIT] = "QUIT",
	[SMTPC_ST_DONE] = "done",
};
_Static_assert(sizeof(smtpc_state_names) / sizeof(smtpc_state_names[0]) ==
    SMTPC_ST__COUNT, "smtpc_state_names must name every state");

/* What the client was doing in a state, for "... while %s". */
static const char *const smtpc_state_doing[] = {
	[SMTPC_ST_BANNER] = "receiving the initial server greeting",
	[SMTPC_ST_EHLO] = "performing the EHLO handshake",
	[SMTPC_ST_HELO] = "performing the HELO handshake",
	[SMTPC_ST_STARTTLS] = "sending STARTTLS",
	[SMTPC_ST_TLS] = "performing the TLS handshake",
	[SMTPC_ST_TLS_EHLO] = "performing the EHLO handshake after STARTTLS",
	[SMTPC_ST_MAIL] = "sending MAIL FROM",
	[SMTPC_ST_RCPT] = "sending RCPT TO",
	[SMTPC_ST_DATA] = "sending DATA",
	[SMTPC_ST_BODY] = "sending the message body",
	[SMTPC_ST_RSET] = "sending RSET",
	[SMTPC_ST_QUIT] = "sending QUIT",
	[SMTPC_ST_DONE] = "closing",
};
_Static_assert(sizeof(smtpc_state_doing) / sizeof(smtpc_state_doing[0]) ==
    SMTPC_ST__COUNT, "smtpc_state_doing must describe every state");

static const char *const smtpc_status_names[] = {
	[SMTPC_PENDING] = "pending",
	[SMTPC_DELIVERED] = "delivered",
	[SMTPC_DEFERRED] = "deferred",
	[SMTPC_FAILED] = "failed",
};

static const char *const smtpc_trust_names[] = {
	[SMTPC_TRUST_ANONYMOUS] = "Anonymous",
	[SMTPC_TRUST_UNTRUSTED] = "Untrusted",
	[SMTPC_TRUST_TRUSTED] = "Trusted",
	[SMTPC_TRUST_VERIFIED] = "Verified",
};

const char *
smtpc_state_name(enum smtpc_state st)
{
	return (unsigned int)st < SMTPC_ST__COUNT ? smtpc_state_names[st] :
	    "unknown";
}

const char *
smtpc_status_name(enum smtpc_status s)
{
	return (unsigned int)s <= SMTPC_FAILED ? smtpc_status_names[s] :
	    "unknown";
}

const char *
smtpc_trust_name(enum smtpc_trust t)
{
	return (unsigned int)t <= SMTPC_TRUST_VERIFIED ?
	    smtpc_trust_names[t] : "unknown";
}

/* One session. */
struct smtpc {
	struct io		*io;
	const struct smtpc_params *p;
	struct smtpc_result	*r;
	enum smtpc_state	 st;
	size_t			 rcpt_i;	/* the RCPT whose reply is next */
	int			 ext_starttls;
	int			 ext_pipelining;
	int			 mail_ok;	/* MAIL FROM got 2xx */
	int			 null_body;	/* 354 with nothing to send */
	struct smtp_reply	 reply;
	char			 line[SMTP_LINE_MAX + 1];
};

/* Final status of every recipient not yet final. */
static void
smtpc_settle(struct smtpc *s, enum smtpc_status st, const char *why)
{
	size_t i;

	for (i = 0; i < s->p->nrcpts; i++) {
		if (s->r->rcpt[i].status != SMTPC_PENDING)
			continue;
		s->r->rcpt[i].status = st;
		snprintf(s->r->rcpt[i].reply, sizeof(s->r->rcpt[i].reply),
		    "%s", why);
	}
	if (s->r->reason[0] == '\0')
		snprintf(s->r->reason, sizeof(s->r->reason), "%s", why);
}

/* The status a reply code gives: 4xx deferred, 5xx failed. */
static enum smtpc_status
smtpc_code_status(int code)
{
	return code >= 500 ? SMTPC_FAILED : code >= 200 && code < 300 ?
	    SMTPC_DELIVERED : SMTPC_DEFERRED;
}

/* Settle every pending recipient with the current reply. */
static void
smtpc_settle_reply(struct smtpc *s)
{
	char buf[SMTPC_REPLY_MAX];

	smtp_reply_oneline(&s->reply, buf, sizeof(buf));
	smtpc_settle(s, smtpc_code_status(s->reply.code) == SMTPC_FAILED ?
	    SMTPC_FAILED : SMTPC_DEFERRED, buf);
}

static unsigned int
smtpc_timeout(const struct smtpc *s, enum smtpc_state st)
{
	const struct smtpc_timeouts *to = &s->p->to;

	switch (st) {
	case SMTPC_ST_MAIL:
		return to->mail;
	case SMTPC_ST_RCPT:
		return to->rcpt;
	case SMTPC_ST_DATA:
		return to->data;
	case SMTPC_ST_BODY:
		return to->body;
	case SMTPC_ST_RSET:
	case SMTPC_ST_QUIT:
		return to->quit;
	default:
		return to->greeting;
	}
}

/*
 * An I/O failure (status st) in the current state: defer what is pending.
 * A timeout names the seconds waited: the policy's value for the phase.
 */
static void
smtpc_io_failed(struct smtpc *s, const char *what, enum io_status st)
{
	char buf[SMTPC_REPLY_MAX];

	if (st == IO_TIMEOUT)
		snprintf(buf, sizeof(buf), "%s%stimed out after %u s while %s",
		    what, what[0] ? ": " : "", smtpc_timeout(s, s->st),
		    smtpc_state_doing[s->st]);
	else
		snprintf(buf, sizeof(buf), "%s%s%s while %s", what,
		    what[0] ? ": " : "", io_error(s->io),
		    smtpc_state_doing[s->st]);
	smtpc_settle(s, SMTPC_DEFERRED, buf);
}

static int
smtpc_send(struct smtpc *s, const char *buf, size_t len)
{
	enum io_status st;

	if ((st = io_write(s->io, buf, len, smtpc_timeout(s, s->st))) !=
	    IO_OK) {
		smtpc_io_failed(s, "", st);
		return -1;
	}
	return 0;
}

/* Send pre + arg + post + CRLF. */
static int
smtpc_sendf(struct smtpc *s, const char *pre, const char *arg,
    const char *post)
{
	char buf[1024];
	int n;

	n = snprintf(buf, sizeof(buf), "%s%s%s\r\n", pre, arg, post);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		smtpc_settle(s, SMTPC_FAILED, "command too long");
		return -1;
	}
	return smtpc_send(s, buf, (size_t)n);
}

/* Read one complete reply into s->reply; -1 after settling on failure. */
static int
smtpc_read_reply(struct smtpc *s)
{
	enum smtp_reply_status rs;
	enum io_status st;
	const char *why;
	char buf[SMTPC_REPLY_MAX];
	size_t len;

	smtp_reply_init(&s->reply);
	for (;;) {
		st = io_read_line(s->io, s->line, sizeof(s->line),
		    SMTP_LINE_MAX, &len, smtpc_timeout(s, s->st));
		if (st != IO_OK) {
			smtpc_io_failed(s, st == IO_TOOLONG ?
			    "malformed reply" : "", st);
			return -1;
		}
		rs = smtp_reply_feed(&s->reply, s->line, len, &why);
		if (rs == SMTP_REPLY_DONE)
			return 0;
		if (rs == SMTP_REPLY_ERROR) {
			snprintf(buf, sizeof(buf), "malformed reply while %s: "
			    "%s", smtpc_state_doing[s->st], why);
			smtpc_settle(s, SMTPC_DEFERRED, buf);
			return -1;
		}
	}
}

/* Does the policy allow a message transaction on this session? */
static int
smtpc_tls_ok(const struct smtpc *s)
{
	const struct smtpc_params *p = s->p;
	int need_verify = p->verify == TLS_VERIFY_CA ||
	    p->verify == TLS_VERIFY_HOST;

	if (p->tls == SMTPC_TLS_REQUIRED && !s->r->tls)
		return 0;
	if (s->r->tls && need_verify && !s->r->verified)
		return 0;
	return 1;
}

/* The handshake and the verification; returns the next state. */
static enum smtpc_state
smtpc_starttls(struct smtpc *s)
{
	const struct smtpc_params *p = s->p;
	struct smtpc_result *r = s->r;
	struct tls_conn *conn;
	enum io_status hs;
	char why[SMTPC_REPLY_MAX], err[256];
	int chain;

	if ((conn = tls_conn_new(p->tls_ctx, s->io->fd, p->servername, err,
	    sizeof(err))) == NULL) {
		r->tls_failed = 1;
		snprintf(why, sizeof(why), "cannot start TLS: %s", err);
		smtpc_settle(s, SMTPC_DEFERRED, why);
		return SMTPC_ST_DONE;
	}
	/* A session not offered (ENOMEM) means a full handshake. */
	if (p->tls_sessions != NULL)
		(void)tls_conn_use_cache(conn, p->tls_sessions,
		    p->tls_dest != NULL ? p->tls_dest : p->servername);
	if ((hs = io_starttls(s->io, conn, p->to.greeting)) != IO_OK) {
		tls_conn_forget_session(conn);	/* (the io owns conn) */
		r->tls_failed = 1;
		r->discarded = s->io->discarded;
		if (hs == IO_TIMEOUT)
			snprintf(why, sizeof(why), "TLS handshake failed: "
			    "timed out after %u s", p->to.greeting);
		else
			snprintf(why, sizeof(why), "TLS handshake failed: %s",
			    io_error(s->io));
		smtpc_settle(s, SMTPC_DEFERRED, why);
		return SMTPC_ST_DONE;
	}
	r->discarded = s->io->discarded;
	r->tls = 1;
	if (tls_conn_info(conn, &r->info) == -1) {
		smtpc_settle(s, SMTPC_DEFERRED, "out of memory");
		return SMTPC_ST_QUIT;
	}
	r->name_ok = r->info.peer_cert &&
	    (tls_conn_match_name(conn, p->servername) ||
	    tls_conn_match_name(conn, p->domain));
	chain = r->info.chain_ok;
	/*
	 * Postfix's words: "Verified" only where the policy checks the name
	 * (host; optional, which checks and logs) and it matched; a trusted
	 * chain whose name was not checked (ca, no) or did not match is
	 * "Trusted".
	 */
	r->trust = !r->info.peer_cert ? SMTPC_TRUST_ANONYMOUS :
	    !chain ? SMTPC_TRUST_UNTRUSTED : r->name_ok &&
	    (p->verify == TLS_VERIFY_HOST || p->verify == TLS_VERIFY_OPTIONAL) ?
	    SMTPC_TRUST_VERIFIED : SMTPC_TRUST_TRUSTED;
	switch (p->verify) {
	case TLS_VERIFY_CA:
		r->verified = chain;
		break;
	case TLS_VERIFY_HOST:
	case TLS_VERIFY_OPTIONAL:
		r->verified = chain && r->name_ok;
		break;
	default:
		r->verified = 0;
		break;
	}
	/* The extensions learnt in clear are forgotten (RFC 3207 4.2). */
	s->ext_starttls = s->ext_pipelining = 0;
	if (!smtpc_tls_ok(s)) {
		/* Never resume a session the policy refused. */
		tls_conn_forget_session(conn);
		if (!chain)
			snprintf(why, sizeof(why), "server certificate not "
			    "verified: %s", r->info.chain_why);
		else
			snprintf(why, sizeof(why), "server certificate not "
			    "verified: subject \"%s\" does not name \"%s\"%s%s",
			    r->info.subject, p->servername,
			    p->domain != NULL ? " or " : "",
			    p->domain != NULL ? p->domain : "");
		smtpc_settle(s, SMTPC_DEFERRED, why);
		return SMTPC_ST_QUIT;
	}
	return SMTPC_ST_TLS_EHLO;
}

/*
 * Send what state s->st sends.  Returns 0 to read a reply, 1 when the
 * state was left without a reply (s->st is the next one), -1 to stop.
 */
static int
smtpc_enter(struct smtpc *s)
{
	const struct smtpc_params *p = s->p;
	char *buf;
	size_t i, len, cap;
	int rc;

	switch (s->st) {
	case SMTPC_ST_BANNER:
		return 0;
	case SMTPC_ST_EHLO:
	case SMTPC_ST_TLS_EHLO:
		return smtpc_sendf(s, "EHLO ", p->helo, "");
	case SMTPC_ST_HELO:
		return smtpc_sendf(s, "HELO ", p->helo, "");
	case SMTPC_ST_STARTTLS:
		return smtpc_send(s, "STARTTLS\r\n", 10);
	case SMTPC_ST_TLS:
		s->st = smtpc_starttls(s);
		return 1;
	case SMTPC_ST_MAIL:
		/* The one gate every message byte passes. */
		if (!smtpc_tls_ok(s)) {
			smtpc_settle(s, SMTPC_DEFERRED, "TLS policy not "
			    "satisfied");
			s->st = SMTPC_ST_QUIT;
			return 1;
		}
		s->r->mail_sent = 1;
		if (!(s->r->tls && s->ext_pipelining))
			return smtpc_sendf(s, "MAIL FROM:<", p->from, ">");
		/* PIPELINING (RFC 2920): MAIL, every RCPT and DATA. */
		s->r->pipelined = 1;
		cap = strlen(p->from) + 32;
		for (i = 0; i < p->nrcpts; i++)
			cap += strlen(p->rcpts[i]) + 16;
		if ((buf = malloc(cap)) == NULL) {
			smtpc_settle(s, SMTPC_DEFERRED, "out of memory");
			return -1;
		}
		len = (size_t)snprintf(buf, cap, "MAIL FROM:<%s>\r\n",
		    p->from);
		for (i = 0; i < p->nrcpts; i++)
			len += (size_t)snprintf(buf + len, cap - len,
			    "RCPT TO:<%s>\r\n", p->rcpts[i]);
		len += (size_t)snprintf(buf + len, cap - len, "DATA\r\n");
		rc = smtpc_send(s, buf, len);
		free(buf);
		return rc;
	case SMTPC_ST_RCPT:
		if (s->r->pipelined)
			return 0;
		return smtpc_sendf(s, "RCPT TO:<", p->rcpts[s->rcpt_i], ">");
	case SMTPC_ST_DATA:
		if (s->r->pipelined)
			return 0;
		return smtpc_send(s, "DATA\r\n", 6);
	case SMTPC_ST_BODY:
		if (!s->null_body && p->bodylen > 0 &&
		    smtpc_send(s, p->body, p->bodylen) == -1)
			return -1;
		return smtpc_send(s, ".\r\n", 3);
	case SMTPC_ST_RSET:
		return smtpc_send(s, "RSET\r\n", 6);
	case SMTPC_ST_QUIT:
		return smtpc_send(s, "QUIT\r\n", 6);
	default:
		return -1;
	}
}

static int
smtpc_any_accepted(const struct smtpc *s)
{
	size_t i;

	for (i = 0; i < s->p->nrcpts; i++)
		if (s->r->rcpt[i].accepted &&
		    s->r->rcpt[i].status == SMTPC_PENDING)
			return 1;
	return 0;
}

/* After the last RCPT reply: DATA, or QUIT with nothing to send. */
static enum smtpc_state
smtpc_after_rcpts(struct smtpc *s)
{
	if (s->r->pipelined)
		return SMTPC_ST_DATA;	/* its reply is on the way */
	if (!smtpc_any_accepted(s))
		return SMTPC_ST_QUIT;
	return SMTPC_ST_DATA;
}

/* The next state after s->reply, the reply to state s->st. */
static enum smtpc_state
smtpc_response(struct smtpc *s)
{
	const struct smtpc_params *p = s->p;
	struct smtpc_rcpt *rc;
	char kw[32], buf[SMTPC_REPLY_MAX];
	size_t pos = 0, i;
	int code = s->reply.code, ok = code >= 200 && code < 300;

	switch (s->st) {
	case SMTPC_ST_BANNER:
		if (ok)
			return SMTPC_ST_EHLO;
		/* A refusing server is a temporary problem of that host. */
		smtp_reply_oneline(&s->reply, buf, sizeof(buf));
		smtpc_settle(s, SMTPC_DEFERRED, buf);
		return code == 421 ? SMTPC_ST_DONE : SMTPC_ST_QUIT;
	case SMTPC_ST_EHLO:
	case SMTPC_ST_TLS_EHLO:
	case SMTPC_ST_HELO:
		if (!ok) {
			if (s->st == SMTPC_ST_EHLO && code >= 500)
				return SMTPC_ST_HELO;
			smtpc_settle_reply(s);
			return code == 421 ? SMTPC_ST_DONE : SMTPC_ST_QUIT;
		}
		s->ext_starttls = s->ext_pipelining = 0;
		while (s->st != SMTPC_ST_HELO &&
		    smtp_reply_ext_next(&s->reply, &pos, kw, sizeof(kw))) {
			if (strcmp(kw, "STARTTLS") == 0)
				s->ext_starttls = 1;
			else if (strcmp(kw, "PIPELINING") == 0)
				s->ext_pipelining = 1;
		}
		if (s->r->tls || p->tls == SMTPC_TLS_NONE)
			return SMTPC_ST_MAIL;
		s->r->starttls_offered = s->ext_starttls;
		if (s->ext_starttls)
			return SMTPC_ST_STARTTLS;
		if (p->tls == SMTPC_TLS_REQUIRED) {
			smtpc_settle(s, SMTPC_DEFERRED, "TLS is required, but "
			    "was not offered by the host");
			return SMTPC_ST_QUIT;
		}
		return SMTPC_ST_MAIL;
	case SMTPC_ST_STARTTLS:
		if (code == 220)
			return SMTPC_ST_TLS;
		s->r->tls_failed = 1;
		smtp_reply_oneline(&s->reply, buf, sizeof(buf));
		snprintf(s->r->reason, sizeof(s->r->reason), "STARTTLS "
		    "failed: %.480s", buf);
		smtpc_settle(s, SMTPC_DEFERRED, s->r->reason);
		return code == 421 ? SMTPC_ST_DONE : SMTPC_ST_QUIT;
	case SMTPC_ST_MAIL:
		s->mail_ok = ok;
		if (!ok)
			smtpc_settle_reply(s);
		if (s->r->pipelined) {
			s->rcpt_i = 0;
			return p->nrcpts > 0 ? SMTPC_ST_RCPT : SMTPC_ST_DATA;
		}
		if (!ok || p->nrcpts == 0)
			return SMTPC_ST_QUIT;
		s->rcpt_i = 0;
		return SMTPC_ST_RCPT;
	case SMTPC_ST_RCPT:
		rc = &s->r->rcpt[s->rcpt_i];
		if (s->mail_ok && rc->status == SMTPC_PENDING) {
			if (ok) {
				rc->accepted = 1;
			} else {
				rc->status = smtpc_code_status(code);
				smtp_reply_oneline(&s->reply, rc->reply,
				    sizeof(rc->reply));
			}
		}
		if (++s->rcpt_i < p->nrcpts)
			return SMTPC_ST_RCPT;
		return smtpc_after_rcpts(s);
	case SMTPC_ST_DATA:
		if (code == 354) {
			s->null_body = !smtpc_any_accepted(s);
			return SMTPC_ST_BODY;
		}
		if (smtpc_any_accepted(s))
			smtpc_settle_reply(s);
		return SMTPC_ST_QUIT;
	case SMTPC_ST_BODY:
		if (s->null_body)
			return SMTPC_ST_QUIT;
		smtp_reply_oneline(&s->reply, buf, sizeof(buf));
		for (i = 0; i < p->nrcpts; i++) {
			rc = &s->r->rcpt[i];
			if (!rc->accepted || rc->status != SMTPC_PENDING)
				continue;
			rc->status = ok ? SMTPC_DELIVERED :
			    smtpc_code_status(code);
			snprintf(rc->reply, sizeof(rc->reply), "%s", buf);
		}
		return SMTPC_ST_QUIT;
	case SMTPC_ST_RSET:
		if (ok)
			return SMTPC_ST_MAIL;
		smtpc_settle_reply(s);
		return code == 421 ? SMTPC_ST_DONE : SMTPC_ST_QUIT;
	case SMTPC_ST_QUIT:
	default:
		return SMTPC_ST_DONE;
	}
}

/*
 * A transaction ended in state prev and the machine chose QUIT: offer the
 * session to the caller's next message (params.next).  Returns the state
 * to go on in.
 */
static enum smtpc_state
smtpc_next_transaction(struct smtpc *s, enum smtpc_state prev)
{
	const struct smtpc_params *p = s->p;
	size_t i;

	switch (prev) {
	case SMTPC_ST_MAIL:
	case SMTPC_ST_RCPT:
	case SMTPC_ST_DATA:
	case SMTPC_ST_BODY:
		break;
	default:
		return SMTPC_ST_QUIT;	/* not a transaction: no session */
	}
	/* A server that said 421 is closing the connection (RFC 5321 3.8). */
	if (p->next == NULL || s->reply.code == 421)
		return SMTPC_ST_QUIT;
	smtpc_settle(s, SMTPC_DEFERRED, "transaction ended without a reply");
	if (!p->next(p->next_arg))
		return SMTPC_ST_QUIT;
	for (i = 0; i < p->nrcpts; i++)
		memset(&s->r->rcpt[i], 0, sizeof(s->r->rcpt[i]));
	s->r->mail_sent = 0;
	s->r->pipelined = 0;
	s->r->reason[0] = '\0';
	s->rcpt_i = 0;
	s->mail_ok = 0;
	s->null_body = 0;
	/* After the final "." the transaction is over; elsewhere, reset it. */
	return prev == SMTPC_ST_BODY ? SMTPC_ST_MAIL : SMTPC_ST_RSET;
}

int
smtpc_session(struct io *io, const struct smtpc_params *p,
    struct smtpc_result *r)
{
	struct smtpc *s;
	struct smtpc_rcpt *rcpt = r->rcpt;
	enum smtpc_state prev;
	size_t i;
	int e;

	memset(r, 0, sizeof(*r));
	r->rcpt = rcpt;
	for (i = 0; i < p->nrcpts; i++)
		memset(&rcpt[i], 0, sizeof(rcpt[i]));
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		for (i = 0; i < p->nrcpts; i++) {
			rcpt[i].status = SMTPC_DEFERRED;
			snprintf(rcpt[i].reply, sizeof(rcpt[i].reply),
			    "out of memory");
		}
		io_close(io);
		return -1;
	}
	s->io = io;
	s->p = p;
	s->r = r;
	s->st = SMTPC_ST_BANNER;
	while (s->st != SMTPC_ST_DONE) {
		r->last = s->st;
		if ((e = smtpc_enter(s)) == -1)
			break;
		if (e == 1)
			continue;
		if (smtpc_read_reply(s) == -1)
			break;
		prev = s->st;
		s->st = smtpc_response(s);
		if (s->st == SMTPC_ST_QUIT)
			s->st = smtpc_next_transaction(s, prev);
	}
	/* Whatever is still pending did not get an answer. */
	smtpc_settle(s, SMTPC_DEFERRED, "session ended without a reply");
	io_close(io);
	free(s);
	return 0;
}

int
smtpc_body(const char *msg, size_t len, char **out, size_t *outlen)
{
	char *b;
	size_t i, n = 0, cap;
	int bol = 1;

	/* Worst case: every byte a "." at the start of a line. */
	if (len > ((size_t)-1 - 3) / 3)
		return -1;
	cap = len * 3 + 3;
	if ((b = malloc(cap)) == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		if (msg[i] == '\r' || msg[i] == '\n') {
			if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
				i++;
			b[n++] = '\r';
			b[n++] = '\n';
			bol = 1;
			continue;
		}
		if (bol && msg[i] == '.')
			b[n++] = '.';
		b[n++] = msg[i];
		bol = 0;
	}
	if (!bol) {
		b[n++] = '\r';
		b[n++] = '\n';
	}
	*out = b;
	*outlen = n;
	return 0;
}
