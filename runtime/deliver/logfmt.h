/* SPDX-License-Identifier: ISC */
/*
 * logfmt.h -- Momentum custom_logger format strings (delivery_format,
 * transient_failure_format, permanent_failure_format) expanded for one
 * delivery attempt of one recipient, with the tls_macros values.
 *
 * Syntax (Momentum 4 custom_logger "Log Format Specifiers" and the
 * tls_macros page):
 *  - "%%" is a literal "%".  A "%" not followed by a letter is literal.
 *  - "%NAME": NAME is the longest run of letters, where a single "_"
 *    between two letters belongs to the name ("%outbound_tls_cipher",
 *    "%local_ip"); so a digit, ":", "@", space, "%", a second "_" or a
 *    trailing "_" ends it ("%r_%R" is %r, "_", %R).  Letters never end a
 *    name: "%rX" is the unknown macro "rX", as Momentum warns.
 *  - "%NAME{ARG}" for the macros that take one (t, T, us, h, vctx_conn,
 *    vctx_mess); ARG runs to the first "}".  Without the "}" the text is
 *    not a macro and is written as is.
 *
 * Macros with a value here:
 *	%t		current time, Unix seconds
 *	%t{FMT}		current time through strftime(FMT), local time (TZ)
 *	%us{N}		current time, Unix seconds with N decimals (1..6)
 *	%i		message id: the Message-ID header without its angle
 *			brackets, else logfmt_vars.id (generated, or the
 *			queue ID in spool mode)
 *	%r, %R		local part and domain of the recipient (RCPT TO)
 *	%m, %M		local part and domain of MAIL FROM (empty: null sender)
 *	%d		routing domain: the gateway host (without ":port" or
 *			brackets) when the policy sets one, else the
 *			recipient domain
 *	%b		binding name
 *	%B		size of the message in bytes
 *	%H		IP address of the remote host (empty: no connection)
 *	%h{X}		value of the first header X (unfolded), empty if none
 *	%n		the reply text of the remote server (or the local
 *			reason when no reply was received)
 *	%N		number of times the message has been tried
 *	%T, %T{N}	seconds the message has been enqueued, 2 or N (0..9)
 *			decimals
 * tls_macros (only with logfmt_vars.tls_macros set; otherwise these are
 * unknown names and are written as is):
 *	%outbound_tls			TLS, SMTP, or unknown (no session)
 *	%outbound_tls_type		no, ifavailable, required
 *	%outbound_tls_protocol		e.g. TLSv1.3 (OpenSSL), TLS1.3 (GnuTLS)
 *	%outbound_tls_cipher		the library's suite name
 *	%outbound_tls_cipher_algbits	bits of the algorithm
 *	%outbound_tls_cipher_usebits	secret bits used
 *	%outbound_tls_verified		verified or unverified
 *	%outbound_tls_issuer		issuer of the peer certificate
 *	%outbound_tls_subject		subject of the peer certificate
 *	%local_ip			the local address of the connection
 *	(protocol, cipher, bits, issuer and subject are empty without TLS)
 * Momentum macros that have no value in this runtime expand empty, as
 * Momentum expands a macro without data: %A %BI %c %C %CI %g %OC %p %P
 * %PG %s %S %U %vctx_conn{K} %vctx_mess{K}.  Any other name is written
 * as is, "%" included.
 *
 * Expanded values (not the literal text of the format) have every control
 * character (below 0x20, and 0x7f) replaced by a space, so a value cannot
 * split the log line.
 */
#ifndef ECTLS_DELIVER_LOGFMT_H
#define ECTLS_DELIVER_LOGFMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct logfmt_vars {
	struct timespec	 now;		/* %t, %us */
	const char	*id;		/* %i without a Message-ID header */
	const char	*rcpt;		/* "local@domain" */
	const char	*from;		/* "" or NULL: null sender */
	const char	*routing_domain;
	const char	*binding;
	const char	*ip;		/* remote IP; NULL: no connection */
	const char	*reply;
	const char	*message;	/* the message (headers read), or NULL */
	size_t		 message_len;
	uint64_t	 size;		/* %B */
	unsigned int	 tries;		/* %N */
	double		 queued;	/* %T, seconds */
	/* tls_macros */
	int		 tls_macros;	/* the module is loaded (and named in
					   the logger's namespace) */
	int		 session;	/* a session took place */
	int		 tls;		/* TLS was established */
	const char	*tls_type;	/* no, ifavailable, required */
	const char	*protocol;
	const char	*cipher;
	int		 algbits;
	int		 usebits;
	int		 verified;
	const char	*issuer;	/* NULL: no peer certificate */
	const char	*subject;
	const char	*local_ip;	/* NULL: unknown */
};

/*
 * Expand fmt into buf (size bytes, NUL-terminated when size > 0).
 * Returns the length of the whole expansion (like snprintf): when it is
 * >= size, the output was truncated.  Never fails.
 */
size_t	logfmt_expand(char *buf, size_t size, const char *fmt,
	    const struct logfmt_vars *);

/*
 * The first macro of fmt that belongs to the outbound_tls namespace of
 * tls_macros (%outbound_tls..., %local_ip): its name is copied into name
 * (namelen bytes) and 1 returned; 0 if fmt uses none.
 */
int	logfmt_tls_macro(const char *fmt, char *name, size_t namelen);

/*
 * Whether the comma-separated namespace list ns (custom_logger's
 * `namespace`, spaces around items ignored, case-insensitive) names item.
 * ns NULL is the documented default "custom_logger,sieve".
 */
int	logfmt_namespace_has(const char *ns, const char *item);

/*
 * The local address of the connected socket fd into buf ("" when it cannot
 * be had): %local_ip.
 */
void	logfmt_local_ip(int fd, char *buf, size_t len);

#endif /* ECTLS_DELIVER_LOGFMT_H */
