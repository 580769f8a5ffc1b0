/* SPDX-License-Identifier: ISC */
/*
 * main.c -- ectls-deliver, the delivery runtime: one-shot sending of a
 * message under the policies of a compiled ectls table.  Links libectls.a
 * (table reader, TLS layer, SMTP client) and the TLS libraries only: no
 * parser, no libxml2.
 *
 * Recipients are grouped by domain; each group is delivered under the
 * effective policy of (binding, domain): route (gateway, routes, MX, A),
 * then one SMTP session per attempt (smtpc.h enforces tls/tls_verify).
 * Each attempt logs, per recipient, one line (text, Postfix-like, or one
 * JSON object with the tls_macros values); a TLS session adds Postfix's
 * "... TLS connection established to ..." line in text form.  When the
 * table carries the custom_logger formats of the configuration
 * (compiler/logfmt.h), a text line is instead the expansion of
 * delivery_format, transient_failure_format or permanent_failure_format
 * for the recipient's outcome (deliver/logfmt.h), when that one is set.
 *
 * Exit: 0 all delivered, 75 some deferred and none failed, 69 some failed
 * permanently, 2 usage or an unreadable table or message.
 */
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "deliver/logfmt.h"
#include "ectls.h"
#include "smtp/io.h"
#include "smtp/route.h"
#include "smtp/smtpc.h"
#include "sha256.h"
#include "spool/spool.h"
#include "tls.h"

#define EX_OK_		0
#define EX_USAGE_	2
#define EX_UNAVAIL_	69
#define EX_TEMPFAIL_	75

#define MESSAGE_MAX	(64u * 1024 * 1024)
#define MAX_RCPTS	1000
#define MAX_RESOLVE	64

static const char *progname = "ectls-deliver";

enum log_format {
	LOG_TEXT = 0,
	LOG_JSON
};

struct opts {
	const char		*table;
	const char		*binding;
	const char		*from;
	const char		*to[MAX_RCPTS];
	size_t			 nto;
	struct route_override	 resolve[MAX_RESOLVE];
	char			*resolve_buf[MAX_RESOLVE];
	size_t			 nresolve;
	const char		*logfile;
	enum log_format		 logfmt;
	const char		*message;
};

/* What one attempt was, for the log. */
struct attempt {
	const char		*binding;
	const char		*domain;
	const char		*host;
	const char		*ip;
	unsigned int		 port;
	enum ectls_tls		 tls_type;
	const struct smtpc_result *res;	/* NULL: no session (no connection) */
	const char		*qid;	/* spool mode: the queue ID */
	int			 tls_logged; /* the TLS line went already */
	/* For the table's custom_logger formats (deliver/logfmt.h). */
	const char		*from;
	const char		*msg;	/* DATA form */
	size_t			 msglen;
	unsigned int		 tries;
	int64_t			 since;	/* queued at (send: started) */
	const char		*gateway;
	char			 local_ip[64];
};

static FILE *logfp;
static enum log_format logfmt;
static const struct ectls_table *logtbl; /* its custom_logger formats */
static char send_id[64];		/* %i of send without a Message-ID */
static int64_t send_start;		/* send: when it started (%T) */

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: %s send --table TABLE [--binding B] --from ADDR --to ADDR "
	    "[--to ADDR ...]\n"
	    "           [--resolve HOST:IP] [--log FILE] "
	    "[--log-format text|json] [MESSAGE_FILE|-]\n"
	    "       %s submit --spool DIR [--binding B] --from ADDR --to ADDR "
	    "[--to ADDR ...]\n"
	    "           [MESSAGE_FILE|-]\n"
	    "       %s run --spool DIR --table TABLE [--concurrency N] [--once]"
	    "\n"
	    "           [--resolve HOST:IP] [--log FILE] "
	    "[--log-format text|json]\n"
	    "           [--tls-session-cache N]\n"
	    "       %s queue --spool DIR [--json]\n"
	    "       %s --help\n"
	    "send: deliver one message over SMTP under the policies of a "
	    "compiled ectls\n"
	    "table (exit 0 delivered, 75 deferred, 69 failed permanently, 2 "
	    "usage or I/O).\n"
	    "submit: validate and queue a message (one queue ID per recipient "
	    "domain\n"
	    "printed; exit 2 on invalid input, nothing queued).\n"
	    "run: deliver the spool (SIGHUP or a replaced TABLE reloads it; "
	    "SIGTERM stops);\n"
	    "TLS sessions are resumed across connections to the same "
	    "destination and policy\n"
	    "(--tls-session-cache N sessions, default 1000; 0: off).\n"
	    "queue: list queued, deferred and failed messages.\n",
	    progname, progname, progname, progname, progname);
}

static void fatal_usage(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
fatal_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EX_USAGE_);
}

/* A mailbox we are willing to put in MAIL FROM / RCPT TO. */
static int
addr_ok(const char *a, int allow_empty)
{
	const char *at;
	size_t i;

	if (*a == '\0')
		return allow_empty;
	if (strlen(a) > 256 || (at = strrchr(a, '@')) == NULL || at == a ||
	    at[1] == '\0')
		return 0;
	for (i = 0; a[i] != '\0'; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c <= ' ' || c == 0x7f || c == '<' || c == '>')
			return 0;
	}
	return 1;
}

/* ---- logging ---------------------------------------------------------- */

static void
log_stamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A JSON string; bytes outside printable ASCII are \u00XX escapes. */
static void
json_str(FILE *fp, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	for (; *u != '\0'; u++) {
		if (*u == '"' || *u == '\\')
			fprintf(fp, "\\%c", *u);
		else if (*u < 0x20 || *u >= 0x7f)
			fprintf(fp, "\\u%04x", *u);
		else
			fputc(*u, fp);
	}
	fputc('"', fp);
}

static void
json_kv(FILE *fp, const char *k, const char *v, int comma)
{
	json_str(fp, k);
	fputc(':', fp);
	json_str(fp, v);
	if (comma)
		fputc(',', fp);
}

static const char *
tls_type_name(enum ectls_tls t)
{
	return t == ECTLS_TLS_REQUIRED ? "required" :
	    t == ECTLS_TLS_IFAVAILABLE ? "ifavailable" : "no";
}

/* Postfix's word for a status in its delivery lines. */
static const char *
status_postfix(enum smtpc_status st)
{
	return st == SMTPC_DELIVERED ? "sent" : st == SMTPC_FAILED ?
	    "bounced" : "deferred";
}

/*
 * The line of one recipient in the table's custom_logger format for its
 * status (delivery_format, transient_failure_format,
 * permanent_failure_format); -1 when the table has no such format.
 */
static int
log_custom(const struct attempt *a, const char *rcpt,
    const struct smtpc_rcpt *rr, int dry)
{
	const struct smtpc_result *r = a->res;
	const struct tls_conn_info *ti = r != NULL && r->tls ? &r->info : NULL;
	struct logfmt_vars v;
	const char *fmt;
	char line[4096], *big = NULL;
	size_t len;

	if (logtbl == NULL || (fmt = ectls_logformat_get(logtbl,
	    rr->status == SMTPC_DELIVERED ? "delivery_format" :
	    rr->status == SMTPC_FAILED ? "permanent_failure_format" :
	    "transient_failure_format")) == NULL)
		return -1;
	if (dry)
		return 0;
	memset(&v, 0, sizeof(v));
	clock_gettime(CLOCK_REALTIME, &v.now);
	v.id = a->qid != NULL ? a->qid : send_id;
	v.rcpt = rcpt;
	v.from = a->from;
	v.routing_domain = a->gateway != NULL && *a->gateway != '\0' ?
	    a->gateway : a->domain;
	v.binding = a->binding;
	v.ip = strcmp(a->ip, "none") != 0 ? a->ip : NULL;
	v.reply = rr->reply;
	v.message = a->msg;
	v.message_len = a->msglen;
	v.size = a->msglen;
	v.tries = a->tries;
	v.queued = (double)v.now.tv_sec - (double)a->since +
	    (double)v.now.tv_nsec / 1e9;
	v.tls_macros = ectls_logformat_get(logtbl, "tls_macros") != NULL &&
	    logfmt_namespace_has(ectls_logformat_get(logtbl, "namespace"),
	    "outbound_tls");
	v.session = r != NULL;
	v.tls = ti != NULL;
	v.tls_type = tls_type_name(a->tls_type);
	if (ti != NULL) {
		v.protocol = ti->protocol;
		v.cipher = ti->cipher;
		v.algbits = ti->algbits;
		v.usebits = ti->usebits;
		v.issuer = ti->peer_cert ? ti->issuer : NULL;
		v.subject = ti->peer_cert ? ti->subject : NULL;
	}
	v.verified = r != NULL && r->verified;
	v.local_ip = r != NULL && a->local_ip[0] != '\0' ? a->local_ip :
	    NULL;
	len = logfmt_expand(line, sizeof(line), fmt, &v);
	if (len >= sizeof(line) && (big = malloc(len + 1)) != NULL)
		logfmt_expand(big, len + 1, fmt, &v);
	fprintf(logfp, "%s\n", big != NULL ? big : line);
	free(big);
	return 0;
}

/*
 * Postfix's spelling of a protocol, whatever the engine: "TLSv1.2"
 * (OpenSSL's name, which Postfix logs); GnuTLS says "TLS1.2".  Cipher
 * names likewise (tls_cipher_openssl_name()).
 */
static const char *
postfix_protocol(const char *p, char *buf, size_t len)
{
	if (strncmp(p, "TLS1.", 5) == 0) {
		snprintf(buf, len, "TLSv%s", p + 3);
		return buf;
	}
	return p;
}

static void
log_attempt(const struct attempt *a, const char *const *rcpts,
    const struct smtpc_rcpt *rr, size_t n)
{
	const struct smtpc_result *r = a->res;
	const struct tls_conn_info *ti = r != NULL && r->tls ? &r->info : NULL;
	char ts[32], proto[32];
	size_t i;
	int builtin = 0;

	/* Postfix's TLS line only along built-in lines. */
	for (i = 0; i < n && logfmt == LOG_TEXT; i++)
		if (log_custom(a, rcpts[i], &rr[i], 1) == -1)
			builtin = 1;
	log_stamp(ts, sizeof(ts));
	if (logfmt == LOG_TEXT && ti != NULL && !a->tls_logged && builtin)
		fprintf(logfp, "%s %s[%ld]: %s TLS connection established to "
		    "%s[%s]:%u: %s with cipher %s (%d/%d bits)\n", ts,
		    progname, (long)getpid(), smtpc_trust_name(r->trust),
		    a->host, a->ip, a->port,
		    postfix_protocol(ti->protocol, proto, sizeof(proto)),
		    tls_cipher_openssl_name(ti->cipher), ti->usebits,
		    ti->algbits);
	for (i = 0; i < n; i++) {
		if (logfmt == LOG_TEXT && log_custom(a, rcpts[i], &rr[i], 0) ==
		    0)
			continue;
		if (logfmt == LOG_TEXT) {
			fprintf(logfp, "%s %s[%ld]: %s%sto=<%s>, relay=%s[%s]:%u, "
			    "binding=%s, domain=%s, tls=%s/%s%s, "
			    "verified=%s, status=%s (%s)\n", ts, progname,
			    (long)getpid(), a->qid != NULL ? a->qid : "",
			    a->qid != NULL ? ": " : "", rcpts[i], a->host, a->ip,
			    a->port, a->binding, a->domain,
			    ti != NULL ? "TLS" : "SMTP",
			    tls_type_name(a->tls_type),
			    ti == NULL ? "" : ti->resumed ?
			    ", tls_resumed=yes" : ", tls_resumed=no",
			    r != NULL && r->verified ? "verified" :
			    "unverified", status_postfix(rr[i].status),
			    rr[i].reply);
			continue;
		}
		fputc('{', logfp);
		json_kv(logfp, "time", ts, 1);
		if (a->qid != NULL)
			json_kv(logfp, "queue_id", a->qid, 1);
		json_kv(logfp, "status", smtpc_status_name(rr[i].status), 1);
		json_kv(logfp, "binding", a->binding, 1);
		json_kv(logfp, "domain", a->domain, 1);
		json_kv(logfp, "rcpt", rcpts[i], 1);
		json_kv(logfp, "host", a->host, 1);
		json_kv(logfp, "ip", a->ip, 1);
		fprintf(logfp, "\"port\":%u,", a->port);
		json_kv(logfp, "reply", rr[i].reply, 1);
		json_kv(logfp, "outbound_tls", ti != NULL ? "TLS" : "SMTP", 1);
		json_kv(logfp, "outbound_tls_type",
		    tls_type_name(a->tls_type), 1);
		json_kv(logfp, "outbound_tls_protocol",
		    ti != NULL ? ti->protocol : NULL, 1);
		json_kv(logfp, "outbound_tls_cipher",
		    ti != NULL ? ti->cipher : NULL, 1);
		if (ti != NULL)
			fprintf(logfp, "\"outbound_tls_cipher_algbits\":%d,"
			    "\"outbound_tls_cipher_usebits\":%d,",
			    ti->algbits, ti->usebits);
		else
			fputs("\"outbound_tls_cipher_algbits\":null,"
			    "\"outbound_tls_cipher_usebits\":null,", logfp);
		json_kv(logfp, "outbound_tls_verified",
		    r != NULL && r->verified ? "verified" : "unverified", 1);
		json_kv(logfp, "outbound_tls_issuer",
		    ti != NULL && ti->peer_cert ? ti->issuer : NULL, 1);
		json_kv(logfp, "outbound_tls_subject",
		    ti != NULL && ti->peer_cert ? ti->subject : NULL, 1);
		json_kv(logfp, "tls_trust", ti != NULL ?
		    smtpc_trust_name(r->trust) : NULL, 1);
		json_kv(logfp, "tls_resumed", ti == NULL ? NULL :
		    ti->resumed ? "yes" : "no", 0);
		fputs("}\n", logfp);
	}
	fflush(logfp);
}

/* ---- delivery --------------------------------------------------------- */

static unsigned int
tmo(uint32_t v)
{
	return v == 0 ? 1 : v;
}

/* The EHLO name: the policy's, or this host's name. */
static void
helo_name(const struct ectls_policy *pol, char *buf, size_t len)
{
	const char *h = ectls_get_ehlo_hostname(pol);

	if (h != NULL && *h != '\0' && strcmp(h, "__hostname__") != 0 &&
	    strcmp(h, "__message__") != 0) {
		snprintf(buf, len, "%s", h);
		return;
	}
	if (gethostname(buf, len) != 0 || buf[0] == '\0')
		snprintf(buf, len, "localhost");
	buf[len - 1] = '\0';
}

/* The client TLS context of a policy; NULL with why. */
static struct tls_ctx *
policy_tls_ctx(const struct ectls_policy *pol, char *why, size_t whylen)
{
	struct tls_client_config cf = { .engine = TLS_ENGINE_OPENSSL };
	const char *cert = ectls_get_tls_certificate(pol);

	cf.engine = ectls_get_tls_engine(pol) == ECTLS_ENGINE_GNUTLS ?
	    TLS_ENGINE_GNUTLS : TLS_ENGINE_OPENSSL;
	if (cert != NULL && strcasecmp(cert, "none") != 0) {
		cf.cert = cert;
		cf.key = ectls_get_tls_key(pol);
	}
	cf.ca = ectls_get_tls_ca(pol);
	if (ectls_policy_is_set(pol, ECTLS_F_TLS_PROTOCOLS))
		cf.protocols = ectls_policy_protocols(pol);
	cf.ciphers = ectls_get_tls_ciphers(pol);
	cf.tls13_suites = ectls_get_tlsv13_ciphersuites(pol);
	return tls_client_new(&cf, why, whylen);
}

/*
 * TLS session resumption: the cache of this process (send: its own; run:
 * the runner's, which every worker inherits at fork and feeds back over a
 * pipe).  NULL: no resumption.
 */
static struct tls_session_cache *tls_sessions;

#define TLS_SESSIONS_DEFAULT	1000	/* run --tls-session-cache */
#define TLS_SESSIONS_SEND	64
#define TLS_SESSION_TTL		3600	/* seconds, at most (Postfix's
					   smtp_tls_session_cache_timeout) */

/*
 * The destination part of a session's cache key (tls.h adds the engine,
 * the context's settings and files, and the SNI): host:port and what
 * the context does not hold, the tls and tls_verify settings.
 */
static void
tls_dest(char *buf, size_t len, const char *host, unsigned int port,
    const struct smtpc_params *sp)
{
	static const char *const vn[] = {
		[TLS_VERIFY_NO] = "no", [TLS_VERIFY_CA] = "ca",
		[TLS_VERIFY_HOST] = "host", [TLS_VERIFY_OPTIONAL] = "optional",
	};

	snprintf(buf, len, "%s:%u tls=%s verify=%s", host, port,
	    sp->tls == SMTPC_TLS_REQUIRED ? "required" : "ifavailable",
	    (unsigned int)sp->verify < sizeof(vn) / sizeof(vn[0]) ?
	    vn[sp->verify] : "unknown");
}

/* Settle every recipient of a group without a session and log it. */
static void
settle_all(struct smtpc_rcpt *rr, size_t n, enum smtpc_status st,
    const char *why)
{
	size_t i;

	for (i = 0; i < n; i++) {
		rr[i].status = st;
		snprintf(rr[i].reply, sizeof(rr[i].reply), "%s", why);
	}
}

/* Did the attempt end in a way another host might do better? */
static int
try_next_host(const struct smtpc_result *r, const struct smtpc_rcpt *rr,
    size_t n)
{
	size_t i;

	if (r != NULL && r->mail_sent)
		return 0;
	for (i = 0; i < n; i++)
		if (rr[i].status != SMTPC_DEFERRED)
			return 0;
	return 1;
}

/*
 * Deliver one domain's recipients; rr (n entries) receives the outcome.
 */
static void
deliver_group(const struct opts *o, const struct ectls_table *t,
    const char *domain, const char *const *rcpts, size_t n,
    const char *body, size_t bodylen, struct smtpc_rcpt *rr)
{
	const struct ectls_policy *pol;
	struct tls_ctx *ctx = NULL;
	struct route_list rl = { NULL, 0 };
	struct route_addr *addrs = NULL;
	struct smtpc_result res;
	struct smtpc_params sp;
	struct attempt at;
	struct io io;
	const char **routes = NULL;
	char why[512], helo[256], dest[512];
	enum route_err re;
	enum ectls_tls tls;
	size_t nroutes, nr, h, a, naddrs = 0, i;
	int err = 0, done = 0, fallback_used = 0;

	memset(&at, 0, sizeof(at));
	at.binding = o->binding;
	at.domain = domain;
	at.from = o->from;
	at.msg = body;
	at.msglen = bodylen;
	at.tries = 1;
	at.since = send_start;
	at.host = "none";
	at.ip = "none";
	if ((pol = ectls_lookup_ex(t, o->binding, domain, NULL, &err)) ==
	    NULL) {
		snprintf(why, sizeof(why), "policy lookup failed: %s",
		    ectls_strerror(err));
		settle_all(rr, n, SMTPC_DEFERRED, why);
		log_attempt(&at, rcpts, rr, n);
		return;
	}
	tls = (enum ectls_tls)ectls_get_tls(pol);
	at.tls_type = tls;
	at.gateway = ectls_get_gateway(pol);
	helo_name(pol, helo, sizeof(helo));

	memset(&sp, 0, sizeof(sp));
	sp.helo = helo;
	sp.verify = (enum tls_verify)ectls_get_tls_verify(pol);
	sp.tls = tls == ECTLS_TLS_REQUIRED ? SMTPC_TLS_REQUIRED :
	    tls == ECTLS_TLS_IFAVAILABLE ? SMTPC_TLS_OPPORTUNISTIC :
	    SMTPC_TLS_NONE;
	sp.domain = domain;
	sp.to.greeting = tmo(ectls_get_ehlo_timeout(pol));
	sp.to.mail = tmo(ectls_get_mailfrom_timeout(pol));
	sp.to.rcpt = tmo(ectls_get_rcptto_timeout(pol));
	sp.to.data = tmo(ectls_get_data_timeout(pol));
	sp.to.body = tmo(ectls_get_body_timeout(pol));
	sp.to.quit = tmo(ectls_get_rset_timeout(pol));
	sp.from = o->from;
	sp.rcpts = rcpts;
	sp.nrcpts = n;
	sp.body = body;
	sp.bodylen = bodylen;

	if (sp.tls != SMTPC_TLS_NONE &&
	    (ctx = policy_tls_ctx(pol, why, sizeof(why))) == NULL) {
		/* Without a context there is no TLS at all. */
		if (sp.tls == SMTPC_TLS_REQUIRED ||
		    !ectls_get_tls_ifavailable_fallback(pol)) {
			char msg[SMTPC_REPLY_MAX];

			snprintf(msg, sizeof(msg), "TLS unavailable: %.480s",
			    why);
			settle_all(rr, n, SMTPC_DEFERRED, msg);
			log_attempt(&at, rcpts, rr, n);
			return;
		}
		sp.tls = SMTPC_TLS_NONE;
	}
	sp.tls_ctx = ctx;

	nroutes = ectls_policy_list_len(pol, ECTLS_F_ROUTES);
	if (nroutes > 0 && (routes = calloc(nroutes, sizeof(*routes))) ==
	    NULL) {
		settle_all(rr, n, SMTPC_DEFERRED, "out of memory");
		log_attempt(&at, rcpts, rr, n);
		goto out;
	}
	for (nr = 0; nr < nroutes; nr++)
		routes[nr] = ectls_policy_list_item(pol, ECTLS_F_ROUTES, nr);
	re = route_plan(domain, ectls_get_gateway(pol), routes, nroutes,
	    ectls_get_remote_smtp_port(pol), &rl, why, sizeof(why));
	if (re != ROUTE_OK) {
		settle_all(rr, n, re == ROUTE_PERM ? SMTPC_FAILED :
		    SMTPC_DEFERRED, why);
		log_attempt(&at, rcpts, rr, n);
		goto out;
	}

	settle_all(rr, n, SMTPC_DEFERRED, "no host answered");
	for (h = 0; h < rl.n && !done; h++) {
		at.host = rl.v[h].name;
		at.port = rl.v[h].port;
		at.ip = "none";
		sp.servername = rl.v[h].name;
		tls_dest(dest, sizeof(dest), rl.v[h].name, rl.v[h].port, &sp);
		sp.tls_dest = dest;
		sp.tls_sessions = tls_sessions;
		free(addrs);
		addrs = NULL;
		re = route_addrs(&rl.v[h], o->resolve, o->nresolve, &addrs,
		    &naddrs, why, sizeof(why));
		if (re != ROUTE_OK) {
			settle_all(rr, n, SMTPC_DEFERRED, why);
			at.res = NULL;
			log_attempt(&at, rcpts, rr, n);
			continue;
		}
		for (a = 0; a < naddrs && !done; a++) {
			at.ip = addrs[a].ip;
			io_init(&io);
			if (io_connect(&io, (struct sockaddr *)&addrs[a].ss,
			    addrs[a].len, ectls_get_bind_address(pol),
			    tmo(ectls_get_connect_timeout(pol))) == -1) {
				snprintf(why, sizeof(why), "connect to %s[%s]:"
				    "%u failed: %s", at.host, at.ip, at.port,
				    io_error(&io));
				settle_all(rr, n, SMTPC_DEFERRED, why);
				at.res = NULL;
				log_attempt(&at, rcpts, rr, n);
				continue;
			}
			logfmt_local_ip(io.fd, at.local_ip,
			    sizeof(at.local_ip));
			res.rcpt = rr;
			smtpc_session(&io, &sp, &res);
			at.res = &res;
			log_attempt(&at, rcpts, rr, n);
			/*
			 * tls_ifavailable_fallback: a failed negotiation is
			 * retried at once in plain text, on a new connection.
			 */
			if (res.tls_failed && !fallback_used &&
			    sp.tls == SMTPC_TLS_OPPORTUNISTIC &&
			    ectls_get_tls_ifavailable_fallback(pol)) {
				fallback_used = 1;
				sp.tls = SMTPC_TLS_NONE;
				a--;
				continue;
			}
			if (!try_next_host(&res, rr, n))
				done = 1;
		}
	}
	for (i = 0; i < n; i++)
		if (rr[i].status == SMTPC_PENDING)
			rr[i].status = SMTPC_DEFERRED;
out:
	free(addrs);
	free(routes);
	route_list_fini(&rl);
	tls_ctx_free(ctx);
}

/* ---- the send command ------------------------------------------------- */

static char *
read_message(const char *path, size_t *len)
{
	FILE *fp;
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, r;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			if (cap >= MESSAGE_MAX) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap + 1)) == NULL)
				goto fail;
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, fp);
		n += r;
		if (r == 0) {
			if (ferror(fp)) {
				errno = EIO;
				goto fail;
			}
			break;
		}
	}
	if (fp != stdin)
		fclose(fp);
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return NULL;
	*len = n;
	return buf;
fail:
	if (fp != stdin)
		fclose(fp);
	free(buf);
	return NULL;
}

/* One --resolve HOST:IP (HOST:[IPv6] too) into o. */
static void
add_resolve(struct opts *o, const char *arg)
{
	char *c, *s;

	if (o->nresolve == MAX_RESOLVE)
		fatal_usage("more than %d --resolve options", MAX_RESOLVE);
	if ((s = strdup(arg)) == NULL)
		fatal_usage("out of memory");
	if ((c = strchr(s, ':')) == NULL || c == s || c[1] == '\0')
		fatal_usage("--resolve wants HOST:IP, got \"%s\"", arg);
	*c++ = '\0';
	if (*c == '[' && c[strlen(c) - 1] == ']') {
		c[strlen(c) - 1] = '\0';
		c++;
	}
	o->resolve_buf[o->nresolve] = s;
	o->resolve[o->nresolve].host = s;
	o->resolve[o->nresolve++].ip = c;
}

/*
 * The options send and run share: --table (t), --resolve (R), --log (l),
 * --log-format (F), --help (h); anything else is a usage error.
 */
static void
opt_shared(int ch, struct opts *o)
{
	switch (ch) {
	case 't':
		o->table = optarg;
		break;
	case 'R':
		add_resolve(o, optarg);
		break;
	case 'l':
		o->logfile = optarg;
		break;
	case 'F':
		if (strcmp(optarg, "text") == 0)
			o->logfmt = LOG_TEXT;
		else if (strcmp(optarg, "json") == 0)
			o->logfmt = LOG_JSON;
		else
			fatal_usage("--log-format must be text or json, got "
			    "\"%s\"", optarg);
		break;
	case 'h':
		usage(stdout);
		exit(EX_OK_);
	default:
		usage(stderr);
		exit(EX_USAGE_);
	}
}

static void
parse_send(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "table", required_argument, NULL, 't' },
		{ "binding", required_argument, NULL, 'b' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 'r' },
		{ "resolve", required_argument, NULL, 'R' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	o->binding = "default";
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (ch) {
		case 'b':
			o->binding = optarg;
			break;
		case 'f':
			o->from = optarg;
			break;
		case 'r':
			if (o->nto == MAX_RCPTS)
				fatal_usage("more than %d recipients",
				    MAX_RCPTS);
			if (!addr_ok(optarg, 0))
				fatal_usage("invalid recipient address \"%s\"",
				    optarg);
			o->to[o->nto++] = optarg;
			break;
		default:
			opt_shared(ch, o);
		}
	}
	if (optind < argc)
		o->message = argv[optind++];
	if (optind < argc)
		fatal_usage("unexpected argument \"%s\"", argv[optind]);
	if (o->table == NULL)
		fatal_usage("--table is required");
	if (o->from == NULL)
		fatal_usage("--from is required (\"\" for the null sender)");
	if (!addr_ok(o->from, 1))
		fatal_usage("invalid sender address \"%s\"", o->from);
	if (o->nto == 0)
		fatal_usage("at least one --to is required");
	if (strlen(o->binding) == 0 || strlen(o->binding) > ECTLS_BINDING_MAX)
		fatal_usage("invalid binding name");
	if (o->message == NULL)
		o->message = "-";
}

static int
cmd_send(int argc, char **argv)
{
	struct opts o;
	struct ectls_table *t;
	struct smtpc_rcpt *rr;
	const char **grp;
	char (*dom)[ECTLS_DOMAIN_MAX + 1];
	char *msg, *body = NULL;
	size_t msglen = 0, bodylen = 0, i, j, k, ng;
	int err = 0, ndeferred = 0, nfailed = 0;
	unsigned char *seen;

	memset(&o, 0, sizeof(o));
	parse_send(argc, argv, &o);
	if ((t = ectls_open(o.table, &err)) == NULL) {
		fprintf(stderr, "%s: error: cannot open table \"%s\": %s\n",
		    progname, o.table, err == ECTLS_ERR_SYS ?
		    strerror(errno) : ectls_strerror(err));
		return EX_USAGE_;
	}
	if ((msg = read_message(o.message, &msglen)) == NULL) {
		fprintf(stderr, "%s: error: cannot read message \"%s\": %s\n",
		    progname, o.message, strerror(errno));
		ectls_close(t);
		return EX_USAGE_;
	}
	if (o.logfile != NULL) {
		if ((logfp = fopen(o.logfile, "a")) == NULL) {
			fprintf(stderr, "%s: error: cannot open log \"%s\": "
			    "%s\n", progname, o.logfile, strerror(errno));
			free(msg);
			ectls_close(t);
			return EX_USAGE_;
		}
	} else {
		logfp = stderr;
	}
	logfmt = o.logfmt;
	logtbl = t;
	/* Without memory, no resumption: not an error. */
	tls_sessions = tls_session_cache_new(TLS_SESSIONS_SEND,
	    TLS_SESSION_TTL);
	send_start = (int64_t)time(NULL);
	snprintf(send_id, sizeof(send_id), "%08" PRIX64 "-%05ld",
	    (uint64_t)send_start, (long)getpid());

	rr = calloc(o.nto, sizeof(*rr));
	grp = calloc(o.nto, sizeof(*grp));
	dom = calloc(o.nto, sizeof(*dom));
	seen = calloc(o.nto, 1);
	if (rr == NULL || grp == NULL || dom == NULL || seen == NULL ||
	    smtpc_body(msg, msglen, &body, &bodylen) == -1) {
		fprintf(stderr, "%s: error: out of memory\n", progname);
		exit(EX_TEMPFAIL_);
	}
	for (i = 0; i < o.nto; i++)
		if (ectls_canon_domain(strrchr(o.to[i], '@') + 1, dom[i],
		    sizeof(dom[i])) < 0)
			fatal_usage("invalid domain in \"%s\"", o.to[i]);

	/* One group per domain, in the order the domains first appear. */
	for (i = 0; i < o.nto; i++) {
		if (seen[i])
			continue;
		for (ng = 0, j = i; j < o.nto; j++)
			if (!seen[j] && strcmp(dom[i], dom[j]) == 0) {
				seen[j] = 1;
				grp[ng++] = o.to[j];
			}
		deliver_group(&o, t, dom[i], grp, ng, body, bodylen, rr);
		for (k = 0; k < ng; k++) {
			if (rr[k].status == SMTPC_FAILED)
				nfailed++;
			else if (rr[k].status != SMTPC_DELIVERED)
				ndeferred++;
		}
	}

	if (logfp != stderr)
		fclose(logfp);
	for (i = 0; i < o.nresolve; i++)
		free(o.resolve_buf[i]);
	free(seen);
	free(dom);
	free(grp);
	free(rr);
	free(body);
	free(msg);
	ectls_close(t);
	tls_session_cache_free(tls_sessions);
	tls_sessions = NULL;
	tls_global_fini();
	if (nfailed > 0)
		return EX_UNAVAIL_;
	return ndeferred > 0 ? EX_TEMPFAIL_ : EX_OK_;
}

/* ==== the spool modes: submit, run, queue ================================ */

/*
 * Decisions (documented in --help and tests/spool/suite.sh):
 *  - submit splits the recipients by domain: one queue entry (and one
 *    printed queue ID) per domain, so that every entry has one policy and
 *    one destination.  Invalid input exits 2 with nothing queued.
 *  - run forks one worker process per batch of messages to the same
 *    (binding, domain); a worker opens one connection at a time and sends
 *    the batch over it, several transactions per connection, up to
 *    max_deliveries_per_connection successful deliveries (0: no limit, as
 *    Momentum documents; a batch holds at most BATCH_MAX messages, so a
 *    connection carries at most that many).  Workers inherit the table
 *    mapped when they were forked: a reload affects later batches only.
 *  - Backoff: retry_interval * 2^(attempts-1), at most MAX_RETRY_INTERVAL
 *    (Momentum's max_retry_interval default, 43200 s; the option is not in
 *    the table), never past created + message_expiration; an attempt at
 *    or after that instant turns the message into a failure record.
 *    message_expiration = 0 means no expiry; retry_interval 0 means 1 s.
 */
#define BATCH_MAX		1000
#define MAX_RETRY_INTERVAL	43200
#define NONE_IDX		((size_t)-1)

/* Binding names as the table and the state file take them. */
static int
binding_ok(const char *b)
{
	size_t i, n = strlen(b);

	if (n == 0 || n > ECTLS_BINDING_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)b[i] <= ' ' || b[i] == 0x7f)
			return 0;
	return 1;
}

static void
iso_time(int64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A spool event (not a delivery attempt) in the log. */
static void log_event(const char *qid, const char *event, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
log_event(const char *qid, const char *event, const char *fmt, ...)
{
	char ts[32], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_stamp(ts, sizeof(ts));
	if (logfmt == LOG_TEXT) {
		fprintf(logfp, "%s %s[%ld]: %s%s%s\n", ts, progname,
		    (long)getpid(), qid != NULL ? qid : "",
		    qid != NULL ? ": " : "", msg);
	} else {
		fputc('{', logfp);
		json_kv(logfp, "time", ts, 1);
		json_kv(logfp, "event", event, 1);
		if (qid != NULL)
			json_kv(logfp, "queue_id", qid, 1);
		json_kv(logfp, "message", msg, 0);
		fputs("}\n", logfp);
	}
	fflush(logfp);
}

/* ---- submit --------------------------------------------------------- */

/*
 * The message must be sendable as it is: not empty, no NUL byte, no line
 * over 998 octets without its end (RFC 5322 2.1.1).  Line ends are CR LF,
 * LF or CR, as smtpc_body() reads them.  Errors are located: NAME:LINE
 * (and :COLUMN for a NUL).
 */
static int
check_message(const char *name, const char *msg, size_t len)
{
	size_t i, line = 1, col = 0;

	if (len == 0) {
		fprintf(stderr, "%s: error: %s: empty message\n", progname,
		    name);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (msg[i] == '\r' || msg[i] == '\n') {
			if (msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n')
				i++;
			line++;
			col = 0;
			continue;
		}
		col++;
		if (msg[i] == '\0') {
			fprintf(stderr, "%s: error: %s:%zu:%zu: NUL byte in "
			    "the message (not allowed in SMTP DATA)\n",
			    progname, name, line, col);
			return -1;
		}
		if (col == 999) {
			fprintf(stderr, "%s: error: %s:%zu: line longer than "
			    "998 octets (RFC 5322 2.1.1)\n", progname, name,
			    line);
			return -1;
		}
	}
	return 0;
}

static int
cmd_submit(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "binding", required_argument, NULL, 'b' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *spooldir = NULL, *binding = "default", *from = NULL;
	const char *message = "-", *name;
	const char **to, **grp;
	char (*dom)[ECTLS_DOMAIN_MAX + 1];
	char why[512], id[SPOOL_ID_MAX], *msg, *body = NULL;
	unsigned char *seen;
	size_t nto = 0, msglen = 0, bodylen = 0, i, j, ng;
	struct spool *sp;
	int ch, rc = EX_OK_;

	if ((to = calloc(MAX_RCPTS, sizeof(*to))) == NULL)
		fatal_usage("out of memory");
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			spooldir = optarg;
			break;
		case 'b':
			binding = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 'r':
			if (nto == MAX_RCPTS)
				fatal_usage("more than %d recipients",
				    MAX_RCPTS);
			if (!addr_ok(optarg, 0))
				fatal_usage("invalid recipient address \"%s\"",
				    optarg);
			to[nto++] = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(EX_OK_);
		default:
			usage(stderr);
			exit(EX_USAGE_);
		}
	}
	if (optind < argc)
		message = argv[optind++];
	if (optind < argc)
		fatal_usage("unexpected argument \"%s\"", argv[optind]);
	if (spooldir == NULL)
		fatal_usage("--spool is required");
	if (from == NULL)
		fatal_usage("--from is required (\"\" for the null sender)");
	if (!addr_ok(from, 1))
		fatal_usage("invalid sender address \"%s\"", from);
	if (nto == 0)
		fatal_usage("at least one --to is required");
	if (!binding_ok(binding))
		fatal_usage("invalid binding name \"%s\"", binding);
	name = strcmp(message, "-") == 0 ? "<stdin>" : message;
	if ((dom = calloc(nto, sizeof(*dom))) == NULL ||
	    (grp = calloc(nto, sizeof(*grp))) == NULL ||
	    (seen = calloc(nto, 1)) == NULL)
		fatal_usage("out of memory");
	for (i = 0; i < nto; i++)
		if (ectls_canon_domain(strrchr(to[i], '@') + 1, dom[i],
		    sizeof(dom[i])) < 0)
			fatal_usage("invalid domain in \"%s\"", to[i]);
	if ((msg = read_message(message, &msglen)) == NULL)
		fatal_usage("cannot read message \"%s\": %s", name,
		    strerror(errno));
	if (check_message(name, msg, msglen) == -1)
		exit(EX_USAGE_);
	if (smtpc_body(msg, msglen, &body, &bodylen) == -1)
		fatal_usage("out of memory");
	if ((sp = spool_open(spooldir, 1, why, sizeof(why))) == NULL)
		fatal_usage("%s", why);

	/* One queue entry per domain, in the order the domains appear. */
	for (i = 0; i < nto && rc == EX_OK_; i++) {
		if (seen[i])
			continue;
		for (ng = 0, j = i; j < nto; j++)
			if (!seen[j] && strcmp(dom[i], dom[j]) == 0) {
				seen[j] = 1;
				grp[ng++] = to[j];
			}
		if (spool_submit(sp, binding, dom[i], from, grp, ng, body,
		    bodylen, (int64_t)time(NULL), id, why, sizeof(why)) ==
		    -1) {
			fprintf(stderr, "%s: error: cannot queue the message "
			    "for %s: %s\n", progname, dom[i], why);
			rc = EX_TEMPFAIL_;
			break;
		}
		printf("%s\n", id);
	}
	if (fflush(stdout) != 0)
		rc = EX_TEMPFAIL_;
	spool_close(sp);
	free(seen);
	free(grp);
	free(dom);
	free(body);
	free(msg);
	free(to);
	return rc;
}

/* ---- queue ---------------------------------------------------------- */

struct idlist {
	char	(*v)[SPOOL_ID_MAX];
	size_t	 n;
	size_t	 cap;
};

static int
idlist_add(void *arg, const char *id)
{
	struct idlist *l = arg;
	void *nv;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		if ((nv = realloc(l->v, l->cap * sizeof(*l->v))) == NULL)
			return -1;
		l->v = nv;
	}
	snprintf(l->v[l->n++], SPOOL_ID_MAX, "%s", id);
	return 0;
}

static int
idcmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static const char *
rcpt_status_name(int st)
{
	return st == SPOOL_RCPT_DELIVERED ? "delivered" :
	    st == SPOOL_RCPT_FAILED ? "failed" : "pending";
}

static void
queue_print_text(const struct spool_msg *m, int64_t now)
{
	const struct spool_attempt *a = &m->last;
	char created[32], next[32];
	size_t i;

	iso_time(m->created, created, sizeof(created));
	if (m->loc == SPOOL_FAILED)
		snprintf(next, sizeof(next), "-");
	else if (m->next <= now)
		snprintf(next, sizeof(next), "now");
	else
		iso_time(m->next, next, sizeof(next));
	printf("%s  %-8s  created %s  attempts %" PRIu32 "  next %s\n",
	    m->id, spool_loc_name(m->loc), created, m->attempts, next);
	printf("    binding %s  domain %s  from <%s>\n", m->binding, m->domain,
	    m->from);
	for (i = 0; i < m->nrcpt; i++)
		printf("    to <%s>  %s%s%s\n", m->rcpt[i].addr,
		    rcpt_status_name(m->rcpt[i].status),
		    m->rcpt[i].reply[0] ? "  " : "", m->rcpt[i].reply);
	if (a->time != 0)
		printf("    last attempt: %s[%s]:%u  %s%s%s%s  %s\n",
		    a->host, a->ip, a->port, a->tls,
		    a->protocol[0] ? " " : "", a->protocol,
		    a->cipher[0] ? " " : "", a->reply);
}

static void
queue_print_json(const struct spool_msg *m)
{
	const struct spool_attempt *a = &m->last;
	size_t i;

	fputc('{', stdout);
	json_kv(stdout, "id", m->id, 1);
	json_kv(stdout, "status", spool_loc_name(m->loc), 1);
	json_kv(stdout, "binding", m->binding, 1);
	json_kv(stdout, "domain", m->domain, 1);
	json_kv(stdout, "from", m->from, 1);
	printf("\"created\":%" PRId64 ",\"attempts\":%" PRIu32 ",",
	    m->created, m->attempts);
	if (m->loc == SPOOL_FAILED)
		fputs("\"next_attempt\":null,", stdout);
	else
		printf("\"next_attempt\":%" PRId64 ",", m->next);
	fputs("\"recipients\":[", stdout);
	for (i = 0; i < m->nrcpt; i++) {
		fputs(i ? ",{" : "{", stdout);
		json_kv(stdout, "rcpt", m->rcpt[i].addr, 1);
		json_kv(stdout, "status", rcpt_status_name(m->rcpt[i].status),
		    1);
		json_kv(stdout, "reply", m->rcpt[i].reply, 0);
		fputc('}', stdout);
	}
	fputs("],", stdout);
	json_kv(stdout, "last_reply", a->time != 0 ? a->reply : NULL, 1);
	json_kv(stdout, "last_host", a->time != 0 ? a->host : NULL, 1);
	json_kv(stdout, "outbound_tls", a->time != 0 ? a->tls : NULL, 1);
	json_kv(stdout, "outbound_tls_protocol",
	    a->protocol[0] ? a->protocol : NULL, 1);
	json_kv(stdout, "outbound_tls_cipher",
	    a->cipher[0] ? a->cipher : NULL, 0);
	fputs("}\n", stdout);
}

static int
cmd_queue(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const enum spool_loc locs[] = {
		SPOOL_QUEUE, SPOOL_DEFER, SPOOL_FAILED
	};
	struct idlist l = { NULL, 0, 0 };
	struct spool_msg m;
	struct spool *sp;
	const char *spooldir = NULL;
	char why[512];
	size_t i, count[4] = { 0, 0, 0, 0 };
	int64_t now = (int64_t)time(NULL);
	int ch, json = 0, rc = EX_OK_;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			spooldir = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			exit(EX_OK_);
		default:
			usage(stderr);
			exit(EX_USAGE_);
		}
	}
	if (optind < argc)
		fatal_usage("unexpected argument \"%s\"", argv[optind]);
	if (spooldir == NULL)
		fatal_usage("--spool is required");
	if ((sp = spool_open(spooldir, 0, why, sizeof(why))) == NULL)
		fatal_usage("%s", why);
	for (i = 0; i < 3; i++)
		if (spool_scan(sp, locs[i], idlist_add, &l, why,
		    sizeof(why)) != 0)
			fatal_usage("%s", why[0] ? why : "out of memory");
	if (l.n > 0)
		qsort(l.v, l.n, sizeof(*l.v), idcmp);
	for (i = 0; i < l.n; i++) {
		if (i > 0 && strcmp(l.v[i], l.v[i - 1]) == 0)
			continue;	/* moved between two directory reads */
		switch (spool_load(sp, l.v[i], 1, &m, why, sizeof(why))) {
		case 0:
			continue;	/* delivered meanwhile */
		case -1:
			/* why names the file: DIR/queue/ID, DIR/defer/ID... */
			fprintf(stderr, "%s: error: %s\n", progname, why);
			rc = 1;
			continue;
		default:
			break;
		}
		if (m.loc != SPOOL_FAILED &&
		    spool_check_body(sp, m.id, why, sizeof(why)) == -1) {
			/* An entry run leaves alone: it can never go. */
			fprintf(stderr, "%s: error: %s\n", progname, why);
			rc = 1;
			spool_msg_fini(&m);
			continue;
		}
		count[m.loc]++;
		if (json)
			queue_print_json(&m);
		else
			queue_print_text(&m, now);
		spool_msg_fini(&m);
	}
	if (!json)
		printf("-- %zu queued, %zu deferred, %zu failed\n",
		    count[SPOOL_QUEUE], count[SPOOL_DEFER], count[SPOOL_FAILED]);
	free(l.v);
	spool_close(sp);
	return rc;
}

/* ---- run: the worker (one child process per batch) -------------------- */

static volatile sig_atomic_t child_stop;

/* One message of a batch. */
struct jmsg {
	char		 id[SPOOL_ID_MAX];
	int		 fd;		/* the lock; -1 when not held */
	int		 ready;		/* still to be attempted */
	struct spool_msg m;
	/* While in a transaction: its pending recipients. */
	const char	**rcpts;
	size_t		*ridx;		/* rcpts[i] is m.rcpt[ridx[i]] */
	struct smtpc_rcpt *rr;
	size_t		 nr;
};

struct job {
	const struct ectls_policy *pol;
	const char	*binding;
	const char	*domain;
	const struct opts *o;
	struct spool	*sp;
	struct jmsg	*v;
	size_t		 n;
	size_t		 cur;		/* in the transaction; NONE_IDX */
	char		*body;
	size_t		 bodylen;
	uint32_t	 limit;		/* max_deliveries_per_connection */
	size_t		 delivered;	/* in this session */
	size_t		 progress;	/* transactions in this session */
	struct smtpc_params sp_;
	struct smtpc_result res;
	struct smtpc_result last_res;	/* of the last failed session */
	int		 have_last_res;
	struct attempt	 at;
	char		 tls_dest[512];	/* sp_.tls_dest */
	char		 why[SMTPC_REPLY_MAX];
};

static void
on_child_term(int sig)
{
	(void)sig;
	child_stop = 1;
}

static int64_t
backoff(uint32_t retry, uint32_t attempts)
{
	int64_t d = retry == 0 ? 1 : retry;
	uint32_t i;

	for (i = 1; i < attempts && d < MAX_RETRY_INTERVAL; i++)
		d *= 2;
	return d > MAX_RETRY_INTERVAL ? MAX_RETRY_INTERVAL : d;
}

static void
jmsg_unstart(struct jmsg *jm)
{
	free(jm->rcpts);
	free(jm->ridx);
	free(jm->rr);
	jm->rcpts = NULL;
	jm->ridx = NULL;
	jm->rr = NULL;
	jm->nr = 0;
}

/* Fill the attempt record of m from the current attempt. */
static void
fill_attempt(struct spool_attempt *a, const struct attempt *at,
    const struct smtpc_result *res, const char *reply, int64_t now)
{
	const struct tls_conn_info *ti = res != NULL && res->tls ?
	    &res->info : NULL;

	memset(a, 0, sizeof(*a));
	a->time = now;
	snprintf(a->host, sizeof(a->host), "%s", at->host);
	snprintf(a->ip, sizeof(a->ip), "%s", at->ip);
	a->port = at->port;
	snprintf(a->tls, sizeof(a->tls), "%s", ti != NULL ? "TLS" : "SMTP");
	snprintf(a->tls_type, sizeof(a->tls_type), "%s",
	    tls_type_name(at->tls_type));
	snprintf(a->verified, sizeof(a->verified), "%s",
	    res != NULL && res->verified ? "verified" : "unverified");
	if (ti != NULL) {
		snprintf(a->protocol, sizeof(a->protocol), "%s",
		    ti->protocol);
		snprintf(a->cipher, sizeof(a->cipher), "%s", ti->cipher);
		a->algbits = ti->algbits;
		a->usebits = ti->usebits;
		snprintf(a->trust, sizeof(a->trust), "%s",
		    smtpc_trust_name(res->trust));
		if (ti->peer_cert) {
			snprintf(a->issuer, sizeof(a->issuer), "%s",
			    ti->issuer);
			snprintf(a->subject, sizeof(a->subject), "%s",
			    ti->subject);
		}
	}
	snprintf(a->reply, sizeof(a->reply), "%s", reply);
}

/*
 * The outcome of an attempt on jm (jm->rr holds the result of each of its
 * jm->nr recipients): record it in the state file, log it, release the
 * message.
 */
static void
job_settle(struct job *j, struct jmsg *jm, const struct smtpc_result *res)
{
	struct spool_msg *m = &jm->m;
	struct spool_rcpt *r;
	const char *reply = "";
	char why[512], when[32];
	uint32_t exp = ectls_get_message_expiration(j->pol);
	int64_t now = (int64_t)time(NULL), deadline;
	size_t i;
	int rc;

	for (i = 0; i < jm->nr; i++) {
		r = &m->rcpt[jm->ridx[i]];
		r->status = jm->rr[i].status == SMTPC_DELIVERED ?
		    SPOOL_RCPT_DELIVERED : jm->rr[i].status == SMTPC_FAILED ?
		    SPOOL_RCPT_FAILED : SPOOL_RCPT_PENDING;
		snprintf(r->reply, sizeof(r->reply), "%s", jm->rr[i].reply);
		if (*reply == '\0' || jm->rr[i].status != SMTPC_DELIVERED)
			reply = jm->rr[i].reply;
	}
	m->attempts++;
	fill_attempt(&m->last, &j->at, res, reply, now);
	j->at.qid = jm->id;
	j->at.res = res;
	j->at.from = m->from;
	/* The body read is this message's only while in its transaction. */
	j->at.msg = j->cur != NONE_IDX && &j->v[j->cur] == jm ? j->body :
	    NULL;
	j->at.msglen = j->at.msg != NULL ? j->bodylen : 0;
	j->at.tries = m->attempts;
	j->at.since = m->created;
	log_attempt(&j->at, jm->rcpts, jm->rr, jm->nr);
	j->at.qid = NULL;
	if (res != NULL && res->tls)
		j->at.tls_logged = 1;

	if (spool_msg_pending(m) > 0) {
		deadline = m->created + (int64_t)exp;
		if (exp > 0 && now >= deadline) {
			for (i = 0; i < m->nrcpt; i++) {
				r = &m->rcpt[i];
				if (r->status != SPOOL_RCPT_PENDING)
					continue;
				r->status = SPOOL_RCPT_FAILED;
				snprintf(why, sizeof(why), "message expired "
				    "after %" PRIu32 " attempts; last reply: "
				    "%.400s", m->attempts, r->reply);
				snprintf(r->reply, sizeof(r->reply), "%.500s",
				    why);
			}
		} else {
			m->next = now + backoff(
			    ectls_get_retry_interval(j->pol), m->attempts);
			if (exp > 0 && m->next > deadline)
				m->next = deadline > now ? deadline : now + 1;
		}
	}
	rc = spool_settle(j->sp, m, why, sizeof(why));
	switch (rc) {
	case SPOOL_NONE:
		log_event(jm->id, "delivered", "removed (delivered after %"
		    PRIu32 " attempt%s)", m->attempts,
		    m->attempts == 1 ? "" : "s");
		break;
	case SPOOL_DEFER:
		iso_time(m->next, when, sizeof(when));
		log_event(jm->id, "deferred", "deferred: next attempt %s "
		    "(attempt %" PRIu32 ")", when, m->attempts);
		break;
	case SPOOL_FAILED:
		log_event(jm->id, "failed", "failed: %s; failure record "
		    "%s/failed/%s.json", m->last.reply, spool_dir(j->sp),
		    jm->id);
		break;
	default:
		log_event(jm->id, "error", "cannot record the outcome, the "
		    "message stays queued: %s", why);
		break;
	}
	jmsg_unstart(jm);
	close(jm->fd);
	jm->fd = -1;
	jm->ready = 0;
}

/* Make jm the message of the next transaction (params, body, results). */
static int
job_start(struct job *j, size_t k)
{
	struct jmsg *jm = &j->v[k];
	size_t i, np = spool_msg_pending(&jm->m);

	free(j->body);
	j->body = NULL;
	jm->rcpts = calloc(np, sizeof(*jm->rcpts));
	jm->ridx = calloc(np, sizeof(*jm->ridx));
	jm->rr = calloc(np, sizeof(*jm->rr));
	if (jm->rcpts == NULL || jm->ridx == NULL || jm->rr == NULL ||
	    spool_read_body(jm->fd, &j->body, &j->bodylen) == -1) {
		snprintf(j->why, sizeof(j->why), "cannot read the message: %s",
		    strerror(errno));
		jmsg_unstart(jm);
		return -1;
	}
	for (i = 0, jm->nr = 0; i < jm->m.nrcpt; i++)
		if (jm->m.rcpt[i].status == SPOOL_RCPT_PENDING) {
			jm->rcpts[jm->nr] = jm->m.rcpt[i].addr;
			jm->ridx[jm->nr++] = i;
		}
	j->sp_.from = jm->m.from;
	j->sp_.rcpts = jm->rcpts;
	j->sp_.nrcpts = jm->nr;
	j->sp_.body = j->body;
	j->sp_.bodylen = j->bodylen;
	j->res.rcpt = jm->rr;
	j->cur = k;
	return 0;
}

/* Start the next ready message; -1 when none is left. */
static int
job_start_next(struct job *j)
{
	size_t k;

	for (k = 0; k < j->n; k++) {
		if (!j->v[k].ready)
			continue;
		if (job_start(j, k) == 0)
			return 0;
		/* Unreadable message: leave it for a later attempt. */
		j->v[k].ready = 0;
		close(j->v[k].fd);
		j->v[k].fd = -1;
		log_event(j->v[k].id, "error", "%s", j->why);
	}
	return -1;
}

static int
job_next(void *arg)
{
	struct job *j = arg;
	struct jmsg *jm = &j->v[j->cur];
	size_t i;

	for (i = 0; i < jm->nr; i++)
		if (jm->rr[i].status == SMTPC_DELIVERED) {
			j->delivered++;
			break;
		}
	job_settle(j, jm, &j->res);
	j->cur = NONE_IDX;
	j->progress++;
	/*
	 * job_settle freed this message's recipients and results, which the
	 * session still points at: until another message starts, it has
	 * none (smtpc settles what is pending when the session ends).
	 */
	j->sp_.rcpts = NULL;
	j->sp_.nrcpts = 0;
	j->res.rcpt = NULL;
	if (child_stop || (j->limit > 0 && j->delivered >= j->limit))
		return 0;
	return job_start_next(j) == 0;
}

/* One session on a connected io; 1 when it got through a transaction. */
static int
job_session(struct job *j, struct io *io)
{
	struct jmsg *jm;

	if (job_start_next(j) == -1) {
		io_close(io);
		return 0;
	}
	j->delivered = 0;
	j->progress = 0;
	j->at.tls_logged = 0;
	smtpc_session(io, &j->sp_, &j->res);
	if (j->cur != NONE_IDX) {
		jm = &j->v[j->cur];
		if (j->res.mail_sent) {
			job_settle(j, jm, &j->res);
			j->progress++;
		} else {
			/* Not attempted: the session failed before it. */
			snprintf(j->why, sizeof(j->why), "%s", jm->nr > 0 ?
			    jm->rr[0].reply : j->res.reason);
			j->last_res = j->res;
			j->last_res.rcpt = NULL;
			j->have_last_res = 1;
			jmsg_unstart(jm);
		}
		j->cur = NONE_IDX;
	}
	return j->progress > 0;
}

static size_t
job_nready(const struct job *j)
{
	size_t k, n = 0;

	for (k = 0; k < j->n; k++)
		n += j->v[k].ready != 0;
	return n;
}

/* Every message still ready: an attempt that could not be made. */
static void
job_settle_rest(struct job *j, enum smtpc_status st)
{
	struct jmsg *jm;
	size_t k, i;

	for (k = 0; k < j->n; k++) {
		jm = &j->v[k];
		if (!jm->ready)
			continue;
		if (child_stop) {
			/* SIGTERM: not attempted, stays as it is. */
			close(jm->fd);
			jm->fd = -1;
			jm->ready = 0;
			continue;
		}
		jm->nr = 0;
		jm->rcpts = calloc(jm->m.nrcpt, sizeof(*jm->rcpts));
		jm->ridx = calloc(jm->m.nrcpt, sizeof(*jm->ridx));
		jm->rr = calloc(jm->m.nrcpt, sizeof(*jm->rr));
		if (jm->rcpts == NULL || jm->ridx == NULL || jm->rr == NULL) {
			jmsg_unstart(jm);
			close(jm->fd);
			jm->fd = -1;
			jm->ready = 0;
			continue;
		}
		for (i = 0; i < jm->m.nrcpt; i++) {
			if (jm->m.rcpt[i].status != SPOOL_RCPT_PENDING)
				continue;
			jm->rcpts[jm->nr] = jm->m.rcpt[i].addr;
			jm->ridx[jm->nr] = i;
			jm->rr[jm->nr].status = st;
			snprintf(jm->rr[jm->nr].reply,
			    sizeof(jm->rr[jm->nr].reply), "%s", j->why);
			jm->nr++;
		}
		job_settle(j, jm, j->have_last_res ? &j->last_res : NULL);
	}
}

/* Lock and load the batch; settle what needs no connection. */
static void
job_prepare(struct job *j, int64_t now)
{
	struct jmsg *jm;
	char why[512];
	uint32_t exp = ectls_get_message_expiration(j->pol);
	size_t k, i;
	int rc;

	for (k = 0; k < j->n; k++) {
		jm = &j->v[k];
		jm->ready = 0;
		if ((jm->fd = spool_lock(j->sp, jm->id)) == -1)
			continue;	/* another process has it, or gone */
		rc = spool_load(j->sp, jm->id, 0, &jm->m, why, sizeof(why));
		if (rc != 1) {
			if (rc == -1)
				log_event(jm->id, "error", "%s", why);
			close(jm->fd);
			jm->fd = -1;
			continue;
		}
		if (spool_msg_pending(&jm->m) == 0) {
			/* A decided message whose clean-up was cut short. */
			if (spool_settle(j->sp, &jm->m, why, sizeof(why)) ==
			    -1)
				log_event(jm->id, "error", "%s", why);
			close(jm->fd);
			jm->fd = -1;
			continue;
		}
		if (jm->m.next > now) {
			close(jm->fd);	/* deferred meanwhile by another */
			jm->fd = -1;
			continue;
		}
		if (exp > 0 && now >= jm->m.created + (int64_t)exp) {
			/* Expired while waiting (a runner was down). */
			snprintf(j->why, sizeof(j->why), "message expired "
			    "after %" PRIu32 " attempts; last reply: %.400s",
			    jm->m.attempts, jm->m.last.time != 0 ?
			    jm->m.last.reply : "none");
			for (i = 0; i < jm->m.nrcpt; i++)
				if (jm->m.rcpt[i].status ==
				    SPOOL_RCPT_PENDING) {
					jm->m.rcpt[i].status =
					    SPOOL_RCPT_FAILED;
					snprintf(jm->m.rcpt[i].reply,
					    sizeof(jm->m.rcpt[i].reply), "%s",
					    j->why);
				}
			snprintf(jm->m.last.reply, sizeof(jm->m.last.reply),
			    "%s", j->why);
			rc = spool_settle(j->sp, &jm->m, why, sizeof(why));
			log_event(jm->id, rc == SPOOL_FAILED ? "failed" :
			    "error", "%s", rc == SPOOL_FAILED ? j->why : why);
			close(jm->fd);
			jm->fd = -1;
			continue;
		}
		jm->ready = 1;
	}
}

/* Deliver a batch (same binding and domain) under policy pol. */
static void
job_run(struct job *j)
{
	const struct ectls_policy *pol = j->pol;
	struct route_list rl = { NULL, 0 };
	struct route_addr *addrs = NULL;
	struct tls_ctx *ctx = NULL;
	const char **routes = NULL;
	char why[512], helo[256];
	enum route_err re;
	enum ectls_tls tls;
	struct io io;
	size_t nroutes, nr, h, a, naddrs = 0;
	int fallback_used = 0, progress, one = 1;

	memset(&j->at, 0, sizeof(j->at));
	j->at.binding = j->binding;
	j->at.domain = j->domain;
	j->at.host = "none";
	j->at.ip = "none";
	j->cur = NONE_IDX;
	job_prepare(j, (int64_t)time(NULL));
	if (job_nready(j) == 0)
		return;

	tls = (enum ectls_tls)ectls_get_tls(pol);
	j->at.tls_type = tls;
	j->at.gateway = ectls_get_gateway(pol);
	j->limit = ectls_get_max_deliveries_per_connection(pol);
	helo_name(pol, helo, sizeof(helo));
	memset(&j->sp_, 0, sizeof(j->sp_));
	j->sp_.helo = helo;
	j->sp_.verify = (enum tls_verify)ectls_get_tls_verify(pol);
	j->sp_.tls = tls == ECTLS_TLS_REQUIRED ? SMTPC_TLS_REQUIRED :
	    tls == ECTLS_TLS_IFAVAILABLE ? SMTPC_TLS_OPPORTUNISTIC :
	    SMTPC_TLS_NONE;
	j->sp_.domain = j->domain;
	j->sp_.to.greeting = tmo(ectls_get_ehlo_timeout(pol));
	j->sp_.to.mail = tmo(ectls_get_mailfrom_timeout(pol));
	j->sp_.to.rcpt = tmo(ectls_get_rcptto_timeout(pol));
	j->sp_.to.data = tmo(ectls_get_data_timeout(pol));
	j->sp_.to.body = tmo(ectls_get_body_timeout(pol));
	j->sp_.to.quit = tmo(ectls_get_rset_timeout(pol));
	j->sp_.next = job_next;
	j->sp_.next_arg = j;

	if (j->sp_.tls != SMTPC_TLS_NONE &&
	    (ctx = policy_tls_ctx(pol, why, sizeof(why))) == NULL) {
		if (j->sp_.tls == SMTPC_TLS_REQUIRED ||
		    !ectls_get_tls_ifavailable_fallback(pol)) {
			snprintf(j->why, sizeof(j->why), "TLS unavailable: "
			    "%.480s", why);
			job_settle_rest(j, SMTPC_DEFERRED);
			return;
		}
		j->sp_.tls = SMTPC_TLS_NONE;
	}
	j->sp_.tls_ctx = ctx;

	nroutes = ectls_policy_list_len(pol, ECTLS_F_ROUTES);
	if (nroutes > 0 && (routes = calloc(nroutes, sizeof(*routes))) ==
	    NULL) {
		snprintf(j->why, sizeof(j->why), "out of memory");
		job_settle_rest(j, SMTPC_DEFERRED);
		goto out;
	}
	for (nr = 0; nr < nroutes; nr++)
		routes[nr] = ectls_policy_list_item(pol, ECTLS_F_ROUTES, nr);
	re = route_plan(j->domain, ectls_get_gateway(pol), routes, nroutes,
	    ectls_get_remote_smtp_port(pol), &rl, why, sizeof(why));
	if (re != ROUTE_OK) {
		snprintf(j->why, sizeof(j->why), "%s", why);
		job_settle_rest(j, re == ROUTE_PERM ? SMTPC_FAILED :
		    SMTPC_DEFERRED);
		goto out;
	}
	snprintf(j->why, sizeof(j->why), "no host answered");
	for (h = 0; h < rl.n && job_nready(j) > 0 && !child_stop; h++) {
		j->at.host = rl.v[h].name;
		j->at.port = rl.v[h].port;
		j->at.ip = "none";
		j->sp_.servername = rl.v[h].name;
		tls_dest(j->tls_dest, sizeof(j->tls_dest), rl.v[h].name,
		    rl.v[h].port, &j->sp_);
		j->sp_.tls_dest = j->tls_dest;
		j->sp_.tls_sessions = tls_sessions;
		free(addrs);
		addrs = NULL;
		re = route_addrs(&rl.v[h], j->o->resolve, j->o->nresolve,
		    &addrs, &naddrs, why, sizeof(why));
		if (re != ROUTE_OK) {
			snprintf(j->why, sizeof(j->why), "%s", why);
			continue;
		}
		for (a = 0; a < naddrs && job_nready(j) > 0 && !child_stop;
		    a++) {
			j->at.ip = addrs[a].ip;
			io_init(&io);
			if (io_connect(&io, (struct sockaddr *)&addrs[a].ss,
			    addrs[a].len, ectls_get_bind_address(pol),
			    tmo(ectls_get_connect_timeout(pol))) == -1) {
				snprintf(j->why, sizeof(j->why), "connect to "
				    "%s[%s]:%u failed: %s", j->at.host,
				    j->at.ip, j->at.port, io_error(&io));
				j->have_last_res = 0;
				continue;
			}
			logfmt_local_ip(io.fd, j->at.local_ip,
			    sizeof(j->at.local_ip));
			/*
			 * The body and the final "." are two writes with no
			 * read between: without TCP_NODELAY, Nagle holds the
			 * second until the peer's delayed ACK (40 ms).
			 */
			(void)setsockopt(io.fd, IPPROTO_TCP, TCP_NODELAY,
			    &one, sizeof(one));
			progress = job_session(j, &io);
			/*
			 * tls_ifavailable_fallback: a failed negotiation is
			 * retried at once in plain text, on a new connection.
			 */
			if (j->res.tls_failed && !fallback_used &&
			    j->sp_.tls == SMTPC_TLS_OPPORTUNISTIC &&
			    ectls_get_tls_ifavailable_fallback(pol)) {
				fallback_used = 1;
				j->sp_.tls = SMTPC_TLS_NONE;
				a--;
				continue;
			}
			/* Some went through: the same address again. */
			if (progress)
				a--;
		}
	}
	job_settle_rest(j, SMTPC_DEFERRED);
out:
	free(addrs);
	free(routes);
	route_list_fini(&rl);
	tls_ctx_free(ctx);
	free(j->body);
	j->body = NULL;
}

/* ---- run: the master ------------------------------------------------- */

/* What the master knows of one queued message. */
struct qent {
	char		 id[SPOOL_ID_MAX];
	char		*binding;
	char		*domain;
	int64_t		 next;
	int64_t		 not_before;	/* skipped by a worker: wait a bit */
	unsigned int	 busy:1;	/* in a running worker's batch */
	unsigned int	 bad:1;		/* unreadable state file */
	unsigned int	 seen:1;	/* found by the last scan */
	unsigned int	 dead:1;	/* gone */
};

struct child {
	pid_t		 pid;
	size_t		 n;
	char		(*ids)[SPOOL_ID_MAX];
	int		 sfd;		/* its TLS sessions; -1: none */
	unsigned char	*sbuf;		/* bytes read, not yet a record */
	size_t		 slen;
	size_t		 scap;
};

/*
 * TLS sessions from a worker to the runner: one record per session, on a
 * pipe of its own, native byte order (same host):
 *	u32 key length, u32 data length, i64 expiry (Unix seconds),
 *	key bytes, data bytes
 * A worker sends a destination's session when it first gets one and again
 * only once it is SESS_RESEND seconds old, so the pipe never fills.
 */
#define SESS_HDR	16
#define SESS_KEY_MAX	4096
#define SESS_DATA_MAX	(256u * 1024)
#define SESS_RESEND	60
#define SESS_SENT_MAX	16

static int sess_pipe = -1;		/* worker: the write end */
static struct {
	uint8_t		 key[SHA256_LEN];
	int64_t		 when;
} sess_sent[SESS_SENT_MAX];		/* worker: what went to the runner */
static size_t sess_nsent;

struct runner {
	const struct opts *o;
	struct spool	*sp;
	const char	*table_path;
	struct ectls_table *table;
	struct stat	 table_st;
	struct stat	 refused_st;
	int		 have_refused;
	unsigned int	 concurrency;
	int		 once;
	struct qent	*q;		/* sorted by id */
	size_t		 nq;
	size_t		 capq;
	struct idlist	 fresh;		/* IDs found by a scan, not in q */
	struct child	*ch;
	size_t		 nch;
};

static volatile sig_atomic_t sig_term, sig_hup, sig_chld;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		sig_hup = 1;
	else if (sig == SIGCHLD)
		sig_chld = 1;
	else
		sig_term = 1;
}

static int
qent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct qent *)a)->id,
	    ((const struct qent *)b)->id);
}

static struct qent *
q_find(struct runner *R, const char *id)
{
	struct qent key;

	if (R->nq == 0)
		return NULL;
	snprintf(key.id, sizeof(key.id), "%s", id);
	return bsearch(&key, R->q, R->nq, sizeof(*R->q), qent_cmp);
}

static int
scan_cb(void *arg, const char *id)
{
	struct runner *R = arg;
	struct qent *e;

	if ((e = q_find(R, id)) != NULL) {
		e->seen = 1;
		return 0;
	}
	return idlist_add(&R->fresh, id);
}

/* Refresh e from its state file: 0 gone, 1 there. */
static int
q_refresh(struct runner *R, struct qent *e)
{
	struct spool_msg m;
	char why[512];
	int rc;

	rc = spool_load(R->sp, e->id, 0, &m, why, sizeof(why));
	if (rc == 0) {
		e->dead = 1;
		return 0;
	}
	/*
	 * A state file without its message can never be delivered (a
	 * worker finds nothing to lock and the entry would stay due for
	 * ever): an entry left alone, as one that does not parse.
	 */
	if (rc == 1 && spool_check_body(R->sp, e->id, why, sizeof(why)) ==
	    -1) {
		spool_msg_fini(&m);
		rc = -1;
	}
	if (rc == -1) {
		if (!e->bad)
			log_event(e->id, "error", "unreadable, left alone: %s",
			    why);
		e->bad = 1;
		return 1;
	}
	e->bad = 0;
	e->next = m.next;
	if (e->binding == NULL || strcmp(e->binding, m.binding) != 0) {
		free(e->binding);
		e->binding = strdup(m.binding);
	}
	if (e->domain == NULL || strcmp(e->domain, m.domain) != 0) {
		free(e->domain);
		e->domain = strdup(m.domain);
	}
	if (e->binding == NULL || e->domain == NULL)
		e->bad = 1;
	spool_msg_fini(&m);
	return 1;
}

/* Read queue/ and defer/: learn new messages, forget vanished ones. */
static void
runner_scan(struct runner *R)
{
	static const enum spool_loc locs[] = { SPOOL_QUEUE, SPOOL_DEFER };
	struct qent *e;
	char why[512];
	size_t i, w;
	int failed = 0;
	void *nq;

	for (i = 0; i < R->nq; i++)
		R->q[i].seen = 0;
	R->fresh.n = 0;
	for (i = 0; i < 2; i++)
		if (spool_scan(R->sp, locs[i], scan_cb, R, why,
		    sizeof(why)) != 0) {
			log_event(NULL, "error", "cannot scan the spool: %s",
			    why);
			failed = 1;
		}
	/* Compact: drop what is gone (unless a worker has it). */
	for (i = w = 0; i < R->nq; i++) {
		e = &R->q[i];
		if (!e->busy && (e->dead || (!e->seen && !failed))) {
			free(e->binding);
			free(e->domain);
			continue;
		}
		if (w != i)
			R->q[w] = *e;
		w++;
	}
	R->nq = w;
	if (R->fresh.n > 0)
		qsort(R->fresh.v, R->fresh.n, sizeof(*R->fresh.v), idcmp);
	for (i = 0; i < R->fresh.n; i++) {
		if (i > 0 && strcmp(R->fresh.v[i], R->fresh.v[i - 1]) == 0)
			continue;
		if (R->nq == R->capq) {
			R->capq = R->capq ? R->capq * 2 : 1024;
			if ((nq = realloc(R->q, R->capq * sizeof(*R->q))) ==
			    NULL) {
				R->capq /= 2;
				break;	/* the next scan tries again */
			}
			R->q = nq;
		}
		e = &R->q[R->nq];
		memset(e, 0, sizeof(*e));
		snprintf(e->id, sizeof(e->id), "%s", R->fresh.v[i]);
		if (q_refresh(R, e) == 0 && !e->bad) {
			free(e->binding);
			free(e->domain);
			continue;
		}
		e->seen = 1;
		R->nq++;
	}
	if (R->nq > 0)		/* R->q is NULL until something is queued */
		qsort(R->q, R->nq, sizeof(*R->q), qent_cmp);
}

/* Due and free to go (not counting not_before). */
static int
q_due(const struct qent *e, int64_t now)
{
	return !e->busy && !e->bad && !e->dead && e->next <= now;
}

static int
qp_dest_cmp(const void *a, const void *b)
{
	const struct qent *x = *(const struct qent *const *)a;
	const struct qent *y = *(const struct qent *const *)b;
	int c;

	if ((c = strcmp(x->binding, y->binding)) != 0)
		return c;
	if ((c = strcmp(x->domain, y->domain)) != 0)
		return c;
	return strcmp(x->id, y->id);
}

/* Worker: hand a new session to the runner (tls_session_cb). */
static void
sess_forward(void *arg, const char *key, const void *data, size_t len,
    int64_t expires)
{
	unsigned char *rec;
	uint8_t d[SHA256_LEN];
	uint32_t kl = (uint32_t)strlen(key), dl = (uint32_t)len;
	int64_t now = (int64_t)time(NULL);
	size_t i, off, total;
	ssize_t w;

	(void)arg;
	if (sess_pipe == -1 || kl > SESS_KEY_MAX || len > SESS_DATA_MAX)
		return;
	sha256(key, kl, d);
	for (i = 0; i < sess_nsent; i++)
		if (memcmp(sess_sent[i].key, d, sizeof(d)) == 0)
			break;
	if (i < sess_nsent && now - sess_sent[i].when < SESS_RESEND)
		return;
	if (i == sess_nsent) {
		if (sess_nsent < SESS_SENT_MAX)
			sess_nsent++;
		else
			i = 0;		/* forget the first one */
		memcpy(sess_sent[i].key, d, sizeof(d));
	}
	total = SESS_HDR + kl + len;
	if ((rec = malloc(total)) == NULL)
		return;
	sess_sent[i].when = now;
	memcpy(rec, &kl, 4);
	memcpy(rec + 4, &dl, 4);
	memcpy(rec + 8, &expires, 8);
	memcpy(rec + SESS_HDR, key, kl);
	memcpy(rec + SESS_HDR + kl, data, len);
	/* Blocking writes, all of it (the runner drains every pass). */
	for (off = 0; off < total; off += (size_t)w) {
		w = write(sess_pipe, rec + off, total - off);
		if (w == -1 && errno == EINTR) {
			w = 0;
			continue;
		}
		if (w <= 0) {
			close(sess_pipe);	/* the runner is gone */
			sess_pipe = -1;
			break;
		}
	}
	explicit_bzero(rec, total);
	free(rec);
}

/* Runner: read a worker's sessions into the cache; at EOF close it. */
static void
sess_drain(struct child *c)
{
	uint32_t kl, dl;
	int64_t exp;
	size_t used;
	ssize_t r;
	void *nb;
	char *key;

	while (c->sfd != -1) {
		if (c->scap - c->slen < 4096) {
			if (c->scap >= SESS_HDR + SESS_KEY_MAX + SESS_DATA_MAX +
			    8192)
				goto bad;
			if ((nb = realloc(c->sbuf, c->scap + 16384)) == NULL)
				goto bad;
			c->sbuf = nb;
			c->scap += 16384;
		}
		r = read(c->sfd, c->sbuf + c->slen, c->scap - c->slen);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == 0 || (r == -1 && errno != EAGAIN))
			goto done;
		if (r == -1)
			return;		/* nothing more for now */
		c->slen += (size_t)r;
		for (used = 0; c->slen - used >= SESS_HDR; used += SESS_HDR +
		    kl + dl) {
			memcpy(&kl, c->sbuf + used, 4);
			memcpy(&dl, c->sbuf + used + 4, 4);
			memcpy(&exp, c->sbuf + used + 8, 8);
			if (kl == 0 || kl > SESS_KEY_MAX || dl == 0 ||
			    dl > SESS_DATA_MAX)
				goto bad;
			if (c->slen - used < SESS_HDR + (size_t)kl + dl)
				break;
			if ((key = strndup((char *)c->sbuf + used + SESS_HDR,
			    kl)) != NULL && strlen(key) == kl)
				(void)tls_session_cache_put(tls_sessions, key,
				    c->sbuf + used + SESS_HDR + kl, dl, exp);
			free(key);
		}
		memmove(c->sbuf, c->sbuf + used, c->slen - used);
		c->slen -= used;
	}
	return;
bad:
	log_event(NULL, "error", "worker %ld: bad TLS session record; its "
	    "sessions are ignored", (long)c->pid);
done:
	close(c->sfd);
	c->sfd = -1;
	if (c->sbuf != NULL)
		explicit_bzero(c->sbuf, c->scap);
	free(c->sbuf);
	c->sbuf = NULL;
	c->slen = c->scap = 0;
}

/* Fork a worker for batch[0..n). */
static void
runner_fork(struct runner *R, struct qent **batch, size_t n)
{
	struct job j;
	struct child *c = &R->ch[R->nch];
	struct sigaction sa;
	sigset_t none;
	size_t i;
	pid_t pid;
	int sp[2] = { -1, -1 };

	if ((c->ids = calloc(n, sizeof(*c->ids))) == NULL)
		return;
	/* No pipe, no sessions back from this worker: not an error. */
	if (tls_sessions != NULL && pipe(sp) == 0) {
		(void)fcntl(sp[0], F_SETFD, FD_CLOEXEC);
		(void)fcntl(sp[1], F_SETFD, FD_CLOEXEC);
		(void)fcntl(sp[0], F_SETFL, O_NONBLOCK);
	}
	fflush(logfp);
	fflush(stdout);
	if ((pid = fork()) == -1) {
		log_event(NULL, "error", "fork: %s", strerror(errno));
		free(c->ids);
		c->ids = NULL;
		if (sp[0] != -1) {
			close(sp[0]);
			close(sp[1]);
		}
		return;
	}
	if (pid == 0) {
		for (i = 0; i < R->nch; i++)
			if (R->ch[i].sfd != -1)
				close(R->ch[i].sfd);
		if (sp[0] != -1) {
			close(sp[0]);
			sess_pipe = sp[1];
			tls_session_cache_on_store(tls_sessions, sess_forward,
			    NULL);
		}
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_child_term;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		signal(SIGHUP, SIG_IGN);
		signal(SIGCHLD, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		memset(&j, 0, sizeof(j));
		j.o = R->o;
		j.sp = R->sp;
		j.binding = batch[0]->binding;
		j.domain = batch[0]->domain;
		j.pol = ectls_lookup_ex(R->table, j.binding, j.domain, NULL,
		    NULL);
		if (j.pol != NULL && (j.v = calloc(n, sizeof(*j.v))) != NULL) {
			for (i = 0; i < n; i++) {
				snprintf(j.v[i].id, sizeof(j.v[i].id), "%s",
				    batch[i]->id);
				j.v[i].fd = -1;
			}
			j.n = n;
			job_run(&j);
		} else if (j.pol == NULL) {
			log_event(NULL, "error", "policy lookup failed for "
			    "%s/%s; batch left queued", j.binding, j.domain);
		}
		fflush(logfp);
		_exit(0);
	}
	c->pid = pid;
	c->n = n;
	c->sfd = sp[0];
	c->sbuf = NULL;
	c->slen = c->scap = 0;
	if (sp[1] != -1)
		close(sp[1]);
	for (i = 0; i < n; i++) {
		snprintf(c->ids[i], sizeof(c->ids[i]), "%s", batch[i]->id);
		batch[i]->busy = 1;
	}
	R->nch++;
}

/* Start workers for what is due, as far as the concurrency allows. */
static void
runner_dispatch(struct runner *R, int64_t now)
{
	const struct ectls_policy *pol;
	struct qent **due;
	size_t i, ndue = 0, g, end, per, take, limit, freeslots;

	if (R->nch >= R->concurrency)
		return;
	if ((due = calloc(R->nq + 1, sizeof(*due))) == NULL)
		return;
	for (i = 0; i < R->nq; i++)
		if (q_due(&R->q[i], now) && R->q[i].not_before <= now)
			due[ndue++] = &R->q[i];
	if (ndue == 0) {
		free(due);
		return;
	}
	qsort(due, ndue, sizeof(*due), qp_dest_cmp);
	freeslots = R->concurrency - R->nch;
	/* Spread the work over the free slots. */
	per = (ndue + freeslots - 1) / freeslots;
	for (g = 0; g < ndue && R->nch < R->concurrency; g = end) {
		for (end = g + 1; end < ndue &&
		    strcmp(due[end]->binding, due[g]->binding) == 0 &&
		    strcmp(due[end]->domain, due[g]->domain) == 0; end++)
			;
		pol = ectls_lookup(R->table, due[g]->binding, due[g]->domain);
		limit = BATCH_MAX;
		if (pol != NULL &&
		    ectls_get_max_deliveries_per_connection(pol) > 0 &&
		    ectls_get_max_deliveries_per_connection(pol) < limit)
			limit = ectls_get_max_deliveries_per_connection(pol);
		for (i = g; i < end && R->nch < R->concurrency; i += take) {
			take = end - i;
			if (take > per)
				take = per;
			if (take > limit)
				take = limit;
			runner_fork(R, due + i, take);
		}
	}
	free(due);
}

/* Collect finished workers and refresh what they had. */
static void
runner_reap(struct runner *R, int64_t now)
{
	struct child *c;
	struct qent *e;
	size_t i, k;
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (k = 0; k < R->nch && R->ch[k].pid != pid; k++)
			;
		if (k == R->nch)
			continue;
		c = &R->ch[k];
		sess_drain(c);		/* the rest, up to EOF */
		if (c->sfd != -1) {
			/* A grandchild holds the pipe: stop listening. */
			close(c->sfd);
			c->sfd = -1;
			free(c->sbuf);
			c->sbuf = NULL;
		}
		if (WIFSIGNALED(st))
			log_event(NULL, "error", "worker %ld killed by signal "
			    "%d; its messages stay queued", (long)pid,
			    WTERMSIG(st));
		for (i = 0; i < c->n; i++) {
			if ((e = q_find(R, c->ids[i])) == NULL)
				continue;
			e->busy = 0;
			if (q_refresh(R, e) == 1 && e->next <= now)
				e->not_before = now + 1;
		}
		free(c->ids);
		R->ch[k] = R->ch[--R->nch];
	}
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/*
 * Reload the table when the file changed (a new inode, as `ectls compile`
 * renames it into place, or a new mtime/size) or when forced (SIGHUP).  A
 * table that does not open is refused and the old one kept.
 */
static void
runner_reload(struct runner *R, int force)
{
	struct ectls_table *t;
	struct stat stb;
	int err = 0;

	if (stat(R->table_path, &stb) == -1) {
		if (force)
			log_event(NULL, "reload", "table reload refused: "
			    "cannot stat \"%s\": %s; keeping the old table",
			    R->table_path, strerror(errno));
		return;
	}
	if (!force && (same_file(&stb, &R->table_st) ||
	    (R->have_refused && same_file(&stb, &R->refused_st))))
		return;
	if ((t = ectls_open(R->table_path, &err)) == NULL ||
	    (err = ectls_check(t)) != 0) {
		log_event(NULL, "reload", "table reload refused: \"%s\": %s; "
		    "keeping the old table", R->table_path,
		    err == ECTLS_ERR_SYS ? strerror(errno) :
		    ectls_strerror(err));
		ectls_close(t);
		R->refused_st = stb;
		R->have_refused = 1;
		return;
	}
	ectls_close(R->table);	/* workers keep their own mapping */
	R->table = t;
	logtbl = t;
	R->table_st = stb;
	R->have_refused = 0;
	log_event(NULL, "reload", "table reloaded: \"%s\" (%zu bindings, "
	    "%zu policies)", R->table_path, ectls_nbindings(t),
	    ectls_npolicies(t));
}

static int
runner_any_due(const struct runner *R, int64_t now)
{
	size_t i;

	for (i = 0; i < R->nq; i++)
		if (q_due(&R->q[i], now))
			return 1;
	return 0;
}

static int
cmd_run(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "table", required_argument, NULL, 't' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, '1' },
		{ "resolve", required_argument, NULL, 'R' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, 'F' },
		{ "tls-session-cache", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o;
	struct runner R;
	unsigned long nsess = TLS_SESSIONS_DEFAULT;
	struct sigaction sa;
	struct timespec ts, tnow;
	sigset_t block, none;
	const char *spooldir = NULL;
	char why[512], *end;
	int64_t now, last_scan_ms = -1000000, now_ms, last_sweep;
	unsigned long n;
	int ch, err = 0, stopping = 0;
	size_t i;

	memset(&o, 0, sizeof(o));
	memset(&R, 0, sizeof(R));
	R.concurrency = 4;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			spooldir = optarg;
			break;
		case 'c':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || n < 1 || n > 1000 ||
			    *optarg == '-')
				fatal_usage("--concurrency wants 1..1000, got "
				    "\"%s\"", optarg);
			R.concurrency = (unsigned int)n;
			break;
		case '1':
			R.once = 1;
			break;
		case 'S':
			errno = 0;
			nsess = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || nsess > 1000000 ||
			    *optarg == '-' || *optarg == '\0')
				fatal_usage("--tls-session-cache wants 0..1000000,"
				    " got \"%s\"", optarg);
			break;
		default:
			opt_shared(ch, &o);
		}
	}
	if (optind < argc)
		fatal_usage("unexpected argument \"%s\"", argv[optind]);
	if (spooldir == NULL)
		fatal_usage("--spool is required");
	if (o.table == NULL)
		fatal_usage("--table is required");
	R.o = &o;
	R.table_path = o.table;
	if (stat(o.table, &R.table_st) == -1 ||
	    (R.table = ectls_open(o.table, &err)) == NULL ||
	    (err = ectls_check(R.table)) != 0) {
		fprintf(stderr, "%s: error: cannot open table \"%s\": %s\n",
		    progname, o.table, err == ECTLS_ERR_SYS || err == 0 ?
		    strerror(errno) : ectls_strerror(err));
		return EX_USAGE_;
	}
	logtbl = R.table;
	if ((R.sp = spool_open(spooldir, 1, why, sizeof(why))) == NULL) {
		fprintf(stderr, "%s: error: %s\n", progname, why);
		return EX_USAGE_;
	}
	if (o.logfile != NULL) {
		if ((logfp = fopen(o.logfile, "a")) == NULL) {
			fprintf(stderr, "%s: error: cannot open log \"%s\": "
			    "%s\n", progname, o.logfile, strerror(errno));
			return EX_USAGE_;
		}
	} else {
		logfp = stderr;
	}
	/* Whole lines in one write(2): workers share the descriptor. */
	setvbuf(logfp, NULL, _IOFBF, 1 << 16);
	logfmt = o.logfmt;
	if ((R.ch = calloc(R.concurrency, sizeof(*R.ch))) == NULL)
		fatal_usage("out of memory");
	/* 0 turns resumption off; without memory it is off as well. */
	if (nsess > 0)
		tls_sessions = tls_session_cache_new(nsess, TLS_SESSION_TTL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&none);

	now = (int64_t)time(NULL);
	last_sweep = now;
	i = spool_sweep(R.sp, now, SPOOL_STALE_AGE);
	log_event(NULL, "start", "started: spool \"%s\", table \"%s\", "
	    "concurrency %u%s%s", spooldir, o.table, R.concurrency,
	    R.once ? ", once" : "", i > 0 ? ", stale files swept" : "");
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &tnow);
		now_ms = (int64_t)tnow.tv_sec * 1000 + tnow.tv_nsec / 1000000;
		now = (int64_t)time(NULL);
		sig_chld = 0;
		for (i = 0; i < R.nch; i++)
			sess_drain(&R.ch[i]);
		runner_reap(&R, now);
		if (sig_hup) {
			sig_hup = 0;
			runner_reload(&R, 1);
		} else {
			runner_reload(&R, 0);
		}
		if (sig_term && !stopping) {
			stopping = 1;
			log_event(NULL, "stop", "SIGTERM: no new deliveries; "
			    "waiting for %zu worker%s", R.nch,
			    R.nch == 1 ? "" : "s");
			for (i = 0; i < R.nch; i++)
				kill(R.ch[i].pid, SIGTERM);
		}
		if (stopping) {
			if (R.nch == 0)
				break;
		} else {
			if (now_ms - last_scan_ms >= 500 || R.nch == 0) {
				runner_scan(&R);
				last_scan_ms = now_ms;
			}
			if (now - last_sweep >= SPOOL_STALE_AGE) {
				spool_sweep(R.sp, now, SPOOL_STALE_AGE);
				last_sweep = now;
			}
			runner_dispatch(&R, now);
			if (R.once && R.nch == 0 && !runner_any_due(&R, now))
				break;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = 250 * 1000000L;
		if (!sig_chld && !sig_hup && !(sig_term && !stopping))
			pselect(0, NULL, NULL, NULL, &ts, &none);
	}
	log_event(NULL, "stop", "stopped");
	for (i = 0; i < R.nq; i++) {
		free(R.q[i].binding);
		free(R.q[i].domain);
	}
	free(R.q);
	free(R.fresh.v);
	free(R.ch);
	tls_session_cache_free(tls_sessions);
	tls_sessions = NULL;
	for (i = 0; i < o.nresolve; i++)
		free(o.resolve_buf[i]);
	spool_close(R.sp);
	ectls_close(R.table);
	if (logfp != stderr)
		fclose(logfp);
	tls_global_fini();
	return EX_OK_;
}

int
main(int argc, char **argv)
{
	/* A peer that closes under a TLS write must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return EX_OK_;
	}
	if (argc >= 2 && strcmp(argv[1], "send") == 0)
		return cmd_send(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "submit") == 0)
		return cmd_submit(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "queue") == 0)
		return cmd_queue(argc - 1, argv + 1);
	usage(stderr);
	return EX_USAGE_;
}
