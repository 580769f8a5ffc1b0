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
 * "... TLS connection established to ..." line in text form.
 *
 * Exit: 0 all delivered, 75 some deferred and none failed, 69 some failed
 * permanently, 2 usage or an unreadable table or message.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ectls.h"
#include "smtp/io.h"
#include "smtp/route.h"
#include "smtp/smtpc.h"
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
};

static FILE *logfp;
static enum log_format logfmt;

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
	    "SIGTERM stops).\n"
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

static void
log_attempt(const struct attempt *a, const char *const *rcpts,
    const struct smtpc_rcpt *rr, size_t n)
{
	const struct smtpc_result *r = a->res;
	const struct tls_conn_info *ti = r != NULL && r->tls ? &r->info : NULL;
	char ts[32];
	size_t i;

	log_stamp(ts, sizeof(ts));
	if (logfmt == LOG_TEXT && ti != NULL && !a->tls_logged)
		fprintf(logfp, "%s %s[%ld]: %s TLS connection established to "
		    "%s[%s]:%u: %s with cipher %s (%d/%d bits)\n", ts,
		    progname, (long)getpid(), smtpc_trust_name(r->trust),
		    a->host, a->ip, a->port, ti->protocol, ti->cipher,
		    ti->usebits, ti->algbits);
	for (i = 0; i < n; i++) {
		if (logfmt == LOG_TEXT) {
			fprintf(logfp, "%s %s[%ld]: %s%sto=<%s>, relay=%s[%s]:%u, "
			    "binding=%s, domain=%s, tls=%s/%s, "
			    "verified=%s, status=%s (%s)\n", ts, progname,
			    (long)getpid(), a->qid != NULL ? a->qid : "",
			    a->qid != NULL ? ": " : "", rcpts[i], a->host, a->ip,
			    a->port, a->binding, a->domain,
			    ti != NULL ? "TLS" : "SMTP",
			    tls_type_name(a->tls_type),
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
		    smtpc_trust_name(r->trust) : NULL, 0);
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
	char why[512], helo[256];
	enum route_err re;
	enum ectls_tls tls;
	size_t nroutes, nr, h, a, naddrs = 0, i;
	int err = 0, done = 0, fallback_used = 0;

	memset(&at, 0, sizeof(at));
	at.binding = o->binding;
	at.domain = domain;
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
		case 't':
			o->table = optarg;
			break;
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
				fatal_usage("--log-format must be text or "
				    "json, got \"%s\"", optarg);
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
	tls_global_fini();
	if (nfailed > 0)
		return EX_UNAVAIL_;
	return ndeferred > 0 ? EX_TEMPFAIL_ : EX_OK_;
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
