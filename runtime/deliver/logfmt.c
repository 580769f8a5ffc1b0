/* SPDX-License-Identifier: ISC */
/*
 * logfmt.c -- expansion of Momentum custom_logger format strings for the
 * delivery log of ectls-deliver.  The syntax and the list of macros are in
 * logfmt.h.  No I/O and no allocation, but for getsockname() in
 * logfmt_local_ip().
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "deliver/logfmt.h"

#define ARG_MAX_	256	/* longest {ARG} taken */
#define HDR_MAX		4096	/* longest header value written by %h{X} */

enum mac {
	M_NONE = 0,
	M_T, M_US, M_I, M_RL, M_RD, M_ML, M_MD, M_D, M_B, M_SIZE, M_IP,
	M_HDR, M_N, M_TRIES, M_QT,
	M_EMPTY,		/* documented, no value in this runtime */
	/* tls_macros (outbound_tls namespace) */
	M_TLS, M_TLS_TYPE, M_TLS_PROTO, M_TLS_CIPHER, M_TLS_ALGBITS,
	M_TLS_USEBITS, M_TLS_VERIFIED, M_TLS_ISSUER, M_TLS_SUBJECT,
	M_LOCAL_IP
};

enum arg {
	A_NO = 0,		/* takes no {ARG}: a "{" after it is text */
	A_OPT,			/* %t or %t{FMT} */
	A_REQ			/* only with {ARG} */
};

static const struct {
	const char	*name;
	enum mac	 mac;
	enum arg	 arg;
} macros[] = {
	{ "t", M_T, A_OPT },
	{ "us", M_US, A_REQ },
	{ "i", M_I, A_NO },
	{ "r", M_RL, A_NO },
	{ "R", M_RD, A_NO },
	{ "m", M_ML, A_NO },
	{ "M", M_MD, A_NO },
	{ "d", M_D, A_NO },
	{ "b", M_B, A_NO },
	{ "B", M_SIZE, A_NO },
	{ "H", M_IP, A_NO },
	{ "h", M_HDR, A_REQ },
	{ "n", M_N, A_NO },
	{ "N", M_TRIES, A_NO },
	{ "T", M_QT, A_OPT },
	{ "A", M_EMPTY, A_NO },
	{ "BI", M_EMPTY, A_NO },
	{ "c", M_EMPTY, A_NO },
	{ "C", M_EMPTY, A_NO },
	{ "CI", M_EMPTY, A_NO },
	{ "g", M_EMPTY, A_NO },
	{ "OC", M_EMPTY, A_NO },
	{ "p", M_EMPTY, A_NO },
	{ "P", M_EMPTY, A_NO },
	{ "PG", M_EMPTY, A_NO },
	{ "s", M_EMPTY, A_NO },
	{ "S", M_EMPTY, A_NO },
	{ "U", M_EMPTY, A_NO },
	{ "vctx_conn", M_EMPTY, A_REQ },
	{ "vctx_mess", M_EMPTY, A_REQ },
	{ "outbound_tls", M_TLS, A_NO },
	{ "outbound_tls_type", M_TLS_TYPE, A_NO },
	{ "outbound_tls_protocol", M_TLS_PROTO, A_NO },
	{ "outbound_tls_cipher", M_TLS_CIPHER, A_NO },
	{ "outbound_tls_cipher_algbits", M_TLS_ALGBITS, A_NO },
	{ "outbound_tls_cipher_usebits", M_TLS_USEBITS, A_NO },
	{ "outbound_tls_verified", M_TLS_VERIFIED, A_NO },
	{ "outbound_tls_issuer", M_TLS_ISSUER, A_NO },
	{ "outbound_tls_subject", M_TLS_SUBJECT, A_NO },
	{ "local_ip", M_LOCAL_IP, A_NO },
};

/* One "%..." of a format, p at the character after the "%". */
struct tok {
	const char	*name;
	size_t		 namelen;
	const char	*arg;		/* NULL: no {ARG} */
	size_t		 arglen;
	size_t		 used;		/* bytes after the "%" */
	enum mac	 mac;		/* M_NONE: unknown, write as is */
};

struct out {
	char		*buf;
	size_t		 size;
	size_t		 len;		/* of the whole expansion */
};

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_tls(enum mac m)
{
	return m >= M_TLS;
}

/* Scan a macro at p (after "%"); 0 if p does not start one. */
static int
scan(const char *p, struct tok *t)
{
	const char *e;
	size_t i = 0, k;

	memset(t, 0, sizeof(*t));
	if (!is_alpha(p[0]))
		return 0;
	while (is_alpha(p[i]))
		i++;
	while (p[i] == '_' && is_alpha(p[i + 1])) {
		i++;
		while (is_alpha(p[i]))
			i++;
	}
	t->name = p;
	t->namelen = i;
	t->used = i;
	t->mac = M_NONE;
	for (k = 0; k < sizeof(macros) / sizeof(macros[0]); k++) {
		if (strlen(macros[k].name) != i ||
		    memcmp(macros[k].name, p, i) != 0)
			continue;
		if (macros[k].arg != A_NO && p[i] == '{' &&
		    (e = strchr(p + i + 1, '}')) != NULL) {
			t->arg = p + i + 1;
			t->arglen = (size_t)(e - t->arg);
			t->used = (size_t)(e + 1 - p);
		}
		if (macros[k].arg == A_REQ && t->arg == NULL)
			break;		/* unknown: written as is */
		t->mac = macros[k].mac;
		break;
	}
	return 1;
}

static void
put(struct out *o, const char *s, size_t n)
{
	size_t room;

	if (o->len < o->size) {
		room = o->size - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

/* A value: control characters become spaces. */
static void
put_val(struct out *o, const char *s, size_t n)
{
	size_t i, j;

	if (s == NULL)
		return;
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && (unsigned char)s[j] >= 0x20 &&
		    s[j] != 0x7f; j++)
			;
		put(o, s + i, j - i);
		if (j < n) {
			put(o, " ", 1);
			j++;
		}
	}
}

static void
put_str(struct out *o, const char *s)
{
	if (s != NULL)
		put_val(o, s, strlen(s));
}

/*
 * The value of the first header `name` of msg, unfolded and trimmed, into
 * buf; its length (0: no such header).
 */
static size_t
header(const char *msg, size_t len, const char *name, size_t namelen,
    char *buf, size_t size)
{
	size_t i = 0, e, n = 0, s;
	int in = 0;

	if (msg == NULL || size == 0)
		return 0;
	while (i < len) {
		for (e = i; e < len && msg[e] != '\n'; e++)
			;
		s = e;
		if (s > i && msg[s - 1] == '\r')
			s--;
		if (s == i)
			break;			/* end of the header block */
		if (in && (msg[i] == ' ' || msg[i] == '\t')) {
			for (; i < s && n < size - 1; i++)
				buf[n++] = msg[i];
		} else if (in) {
			break;
		} else if (s - i > namelen && msg[i + namelen] == ':' &&
		    strncasecmp(msg + i, name, namelen) == 0) {
			in = 1;
			for (i += namelen + 1; i < s && n < size - 1; i++)
				buf[n++] = msg[i];
		}
		i = e + 1;
	}
	buf[n] = '\0';
	/* Trim. */
	for (s = 0; s < n && (buf[s] == ' ' || buf[s] == '\t'); s++)
		;
	while (n > s && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	memmove(buf, buf + s, n - s);
	buf[n - s] = '\0';
	return n - s;
}

/* The local part (which 0) or the domain (1) of an address. */
static void
put_addr(struct out *o, const char *a, int which)
{
	const char *at;

	if (a == NULL)
		return;
	if ((at = strrchr(a, '@')) == NULL) {
		if (which == 0)
			put_str(o, a);
		return;
	}
	if (which == 0)
		put_val(o, a, (size_t)(at - a));
	else
		put_str(o, at + 1);
}

/* A gateway "host", "host:port" or "[ip]:port" without the port. */
static void
put_host(struct out *o, const char *h)
{
	const char *c;

	if (h == NULL)
		return;
	if (h[0] == '[' && (c = strchr(h, ']')) != NULL) {
		put_val(o, h + 1, (size_t)(c - h - 1));
		return;
	}
	if ((c = strchr(h, ':')) != NULL && strchr(c + 1, ':') == NULL)
		put_val(o, h, (size_t)(c - h));
	else
		put_str(o, h);
}

/* N of {N}: 0..max, or -1. */
static int
digit_arg(const struct tok *t, int dflt, int min, int max)
{
	if (t->arg == NULL)
		return dflt;
	if (t->arglen != 1 || t->arg[0] < '0' || t->arg[0] > '9' ||
	    t->arg[0] - '0' < min || t->arg[0] - '0' > max)
		return -1;
	return t->arg[0] - '0';
}

/* Expand one known macro; -1 to have it written as is. */
static int
expand(struct out *o, const struct tok *t, const struct logfmt_vars *v)
{
	char buf[HDR_MAX], fmt[ARG_MAX_ + 1];
	struct tm tm;
	size_t n;
	int d;

	switch (t->mac) {
	case M_T:
		if (t->arg == NULL) {
			n = (size_t)snprintf(buf, sizeof(buf), "%lld",
			    (long long)v->now.tv_sec);
			put(o, buf, n);
			break;
		}
		if (t->arglen > ARG_MAX_)
			return -1;
		memcpy(fmt, t->arg, t->arglen);
		fmt[t->arglen] = '\0';
		localtime_r(&v->now.tv_sec, &tm);
		/* The operator's strftime format, from the table. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		n = strftime(buf, sizeof(buf), fmt, &tm);
#pragma GCC diagnostic pop
		put_val(o, buf, n);
		break;
	case M_US:
		if ((d = digit_arg(t, -1, 1, 6)) < 0)
			return -1;
		n = (size_t)snprintf(buf, sizeof(buf), "%lld.%09ld",
		    (long long)v->now.tv_sec, v->now.tv_nsec);
		/* Truncate the nanoseconds to d decimals. */
		put(o, buf, (size_t)(strchr(buf, '.') + 1 + d - buf));
		break;
	case M_I:
		n = header(v->message, v->message_len, "Message-ID", 10, buf,
		    sizeof(buf));
		if (n >= 2 && buf[0] == '<' && buf[n - 1] == '>')
			put_val(o, buf + 1, n - 2);
		else if (n > 0)
			put_val(o, buf, n);
		else
			put_str(o, v->id);
		break;
	case M_RL:
	case M_RD:
		put_addr(o, v->rcpt, t->mac == M_RD);
		break;
	case M_ML:
	case M_MD:
		put_addr(o, v->from, t->mac == M_MD);
		break;
	case M_D:
		put_host(o, v->routing_domain);
		break;
	case M_B:
		put_str(o, v->binding);
		break;
	case M_SIZE:
		n = (size_t)snprintf(buf, sizeof(buf), "%" PRIu64, v->size);
		put(o, buf, n);
		break;
	case M_IP:
		put_str(o, v->ip);
		break;
	case M_HDR:
		if (t->arglen == 0 || t->arglen > ARG_MAX_)
			return -1;
		n = header(v->message, v->message_len, t->arg, t->arglen, buf,
		    sizeof(buf));
		put_val(o, buf, n);
		break;
	case M_N:
		put_str(o, v->reply);
		break;
	case M_TRIES:
		n = (size_t)snprintf(buf, sizeof(buf), "%u", v->tries);
		put(o, buf, n);
		break;
	case M_QT:
		if ((d = digit_arg(t, 2, 0, 9)) < 0)
			return -1;
		n = (size_t)snprintf(buf, sizeof(buf), "%.*f", d,
		    v->queued < 0 ? 0.0 : v->queued);
		put(o, buf, n);
		break;
	case M_EMPTY:
		break;
	case M_TLS:
		put_str(o, !v->session ? "unknown" : v->tls ? "TLS" : "SMTP");
		break;
	case M_TLS_TYPE:
		put_str(o, v->tls_type);
		break;
	case M_TLS_PROTO:
		if (v->tls)
			put_str(o, v->protocol);
		break;
	case M_TLS_CIPHER:
		if (v->tls)
			put_str(o, v->cipher);
		break;
	case M_TLS_ALGBITS:
	case M_TLS_USEBITS:
		if (v->tls) {
			n = (size_t)snprintf(buf, sizeof(buf), "%d",
			    t->mac == M_TLS_ALGBITS ? v->algbits :
			    v->usebits);
			put(o, buf, n);
		}
		break;
	case M_TLS_VERIFIED:
		put_str(o, v->verified ? "verified" : "unverified");
		break;
	case M_TLS_ISSUER:
		if (v->tls)
			put_str(o, v->issuer);
		break;
	case M_TLS_SUBJECT:
		if (v->tls)
			put_str(o, v->subject);
		break;
	case M_LOCAL_IP:
		put_str(o, v->local_ip);
		break;
	case M_NONE:
		return -1;
	}
	return 0;
}

size_t
logfmt_expand(char *buf, size_t size, const char *fmt,
    const struct logfmt_vars *v)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };
	struct tok t;
	const char *p = fmt, *q;
	size_t mark;

	while (*p != '\0') {
		if ((q = strchr(p, '%')) == NULL)
			q = p + strlen(p);
		put(&o, p, (size_t)(q - p));
		if (*q == '\0')
			break;
		p = q + 1;
		if (*p == '%') {
			put(&o, "%", 1);
			p++;
			continue;
		}
		if (!scan(p, &t)) {
			put(&o, "%", 1);	/* "%" then text */
			continue;
		}
		mark = o.len;
		if ((is_tls(t.mac) && !v->tls_macros) ||
		    expand(&o, &t, v) == -1) {
			/* Unknown: written as is, "%" and name. */
			o.len = mark;
			put(&o, "%", 1);
			put(&o, t.name, t.namelen);
			p += t.namelen;
			continue;
		}
		p += t.used;
	}
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

int
logfmt_tls_macro(const char *fmt, char *name, size_t namelen)
{
	const char *p = fmt;
	struct tok t;

	while ((p = strchr(p, '%')) != NULL) {
		p++;
		if (*p == '%') {
			p++;
			continue;
		}
		if (!scan(p, &t))
			continue;
		if (is_tls(t.mac)) {
			if (namelen > 0)
				snprintf(name, namelen, "%%%.*s",
				    (int)t.namelen, t.name);
			return 1;
		}
		p += t.mac == M_NONE ? t.namelen : t.used;
	}
	return 0;
}

int
logfmt_namespace_has(const char *ns, const char *item)
{
	const char *p, *e, *f;
	size_t n = strlen(item);

	if (ns == NULL)
		ns = "custom_logger,sieve";
	for (p = ns; ; p = e + 1) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		for (f = e; f > p && (f[-1] == ' ' || f[-1] == '\t'); f--)
			;
		if ((size_t)(f - p) == n && strncasecmp(p, item, n) == 0)
			return 1;
		if (*e == '\0')
			return 0;
	}
}

void
logfmt_local_ip(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const void *a = NULL;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return;
	if (ss.ss_family == AF_INET)
		a = &((const struct sockaddr_in *)&ss)->sin_addr;
	else if (ss.ss_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)&ss)->sin6_addr;
	if (a == NULL || inet_ntop(ss.ss_family, a, buf, (socklen_t)len) ==
	    NULL)
		buf[0] = '\0';
}
