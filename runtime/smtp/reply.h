/* SPDX-License-Identifier: ISC */
/*
 * reply.h -- SMTP reply parser (RFC 5321 4.2): assembles multi-line
 * replies from lines and rejects malformed ones.  Pure code over bounded
 * buffers: no I/O, no allocation; the fuzz target fuzz_smtp_reply drives
 * it.  Nothing here prints or exits.
 */
#ifndef ECTLS_SMTP_REPLY_H
#define ECTLS_SMTP_REPLY_H

#include <stddef.h>

#define SMTP_LINE_MAX		1000	/* bytes of one reply line, CRLF excluded
					   (RFC 5321 4.5.3.1.5 says 512 with
					   CRLF; real servers exceed it) */
#define SMTP_REPLY_LINES_MAX	100	/* lines of one reply */
#define SMTP_REPLY_TEXT_MAX	4096	/* assembled text, NUL included */

/* A reply.  text holds the text of every line, lines separated by "\n". */
struct smtp_reply {
	int		 code;		/* 200..599 */
	size_t		 nlines;
	size_t		 len;		/* strlen(text) */
	int		 truncated;	/* text was cut at SMTP_REPLY_TEXT_MAX */
	int		 done;		/* the last line was seen */
	char		 text[SMTP_REPLY_TEXT_MAX];
};

enum smtp_reply_status {
	SMTP_REPLY_MORE = 0,	/* a "NNN-" line: more lines follow */
	SMTP_REPLY_DONE,	/* the reply is complete */
	SMTP_REPLY_ERROR	/* malformed; *why says how (static string) */
};

/* Start a new reply. */
void	smtp_reply_init(struct smtp_reply *);

/*
 * Feed one line, without its CRLF (len bytes; it may contain any byte).
 * A line is "NNN" or "NNN-text" or "NNN text": three digits, the first
 * 2..5 and the second 0..5, the same code on every line; the text may not
 * hold NUL, CR, LF or other control bytes except TAB; a line longer than
 * SMTP_LINE_MAX and a reply of more than SMTP_REPLY_LINES_MAX lines are
 * errors.  After SMTP_REPLY_DONE or SMTP_REPLY_ERROR, init again.
 */
enum smtp_reply_status smtp_reply_feed(struct smtp_reply *, const char *line,
	    size_t len, const char **why);

/*
 * Parse one reply from a buffer of CRLF-terminated lines (a bare LF is
 * accepted as a line end).  *used receives the bytes consumed.  Returns
 * SMTP_REPLY_DONE, SMTP_REPLY_MORE when the buffer ends before the reply
 * does (a line without its end counts as absent), or SMTP_REPLY_ERROR.
 */
enum smtp_reply_status smtp_reply_parse(struct smtp_reply *, const char *buf,
	    size_t len, size_t *used, const char **why);

/* The reply on one line ("250 2.0.0 Ok" / "550 a / b"), into buf. */
void	smtp_reply_oneline(const struct smtp_reply *, char *buf, size_t len);

/*
 * Iterate over the lines of an EHLO reply after the first (the
 * extensions): returns 1 with *kw (upper-cased keyword, cap bytes) set, 0
 * at the end.  *pos starts at 0.
 */
int	smtp_reply_ext_next(const struct smtp_reply *, size_t *pos, char *kw,
	    size_t cap);

#endif /* ECTLS_SMTP_REPLY_H */
