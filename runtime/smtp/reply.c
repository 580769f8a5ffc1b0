/* SPDX-License-Identifier: ISC */
/*
 * reply.c -- SMTP reply parser (reply.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "reply.h"

void
smtp_reply_init(struct smtp_reply *r)
{
	r->code = 0;
	r->nlines = 0;
	r->len = 0;
	r->truncated = 0;
	r->done = 0;
	r->text[0] = '\0';
}

/* Append n bytes of text, cutting at the capacity. */
static void
reply_append(struct smtp_reply *r, const char *s, size_t n)
{
	size_t room = sizeof(r->text) - 1 - r->len;

	if (n > room) {
		n = room;
		r->truncated = 1;
	}
	memcpy(r->text + r->len, s, n);
	r->len += n;
	r->text[r->len] = '\0';
}

enum smtp_reply_status
smtp_reply_feed(struct smtp_reply *r, const char *line, size_t len,
    const char **why)
{
	const unsigned char *u = (const unsigned char *)line;
	size_t i;
	int code, last;

	*why = NULL;
	if (r->done) {
		*why = "reply already complete";
		return SMTP_REPLY_ERROR;
	}
	if (len > SMTP_LINE_MAX) {
		*why = "reply line too long";
		return SMTP_REPLY_ERROR;
	}
	if (len < 3 || !isdigit(u[0]) || !isdigit(u[1]) || !isdigit(u[2])) {
		*why = "reply line does not start with a three-digit code";
		return SMTP_REPLY_ERROR;
	}
	if (u[0] < '2' || u[0] > '5' || u[1] > '5') {
		*why = "reply code out of range";
		return SMTP_REPLY_ERROR;
	}
	if (len > 3 && u[3] != ' ' && u[3] != '-') {
		*why = "reply code not followed by a space or a hyphen";
		return SMTP_REPLY_ERROR;
	}
	for (i = 4; i < len; i++)
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f) {
			*why = "control character in reply text";
			return SMTP_REPLY_ERROR;
		}
	code = (u[0] - '0') * 100 + (u[1] - '0') * 10 + (u[2] - '0');
	if (r->nlines > 0 && code != r->code) {
		*why = "reply code changes within a multi-line reply";
		return SMTP_REPLY_ERROR;
	}
	if (r->nlines >= SMTP_REPLY_LINES_MAX) {
		*why = "too many lines in reply";
		return SMTP_REPLY_ERROR;
	}
	r->code = code;
	if (r->nlines > 0)
		reply_append(r, "\n", 1);
	if (len > 4)
		reply_append(r, line + 4, len - 4);
	r->nlines++;
	last = len == 3 || u[3] == ' ';
	if (last)
		r->done = 1;
	return last ? SMTP_REPLY_DONE : SMTP_REPLY_MORE;
}

enum smtp_reply_status
smtp_reply_parse(struct smtp_reply *r, const char *buf, size_t len,
    size_t *used, const char **why)
{
	const char *nl;
	size_t off = 0, ll;
	enum smtp_reply_status st;

	*used = 0;
	*why = NULL;
	smtp_reply_init(r);
	while (off < len) {
		nl = memchr(buf + off, '\n', len - off);
		if (nl == NULL) {
			if (len - off > SMTP_LINE_MAX + 1) {
				*why = "reply line too long";
				return SMTP_REPLY_ERROR;
			}
			break;
		}
		ll = (size_t)(nl - (buf + off));
		if (ll > 0 && buf[off + ll - 1] == '\r')
			ll--;
		st = smtp_reply_feed(r, buf + off, ll, why);
		off = (size_t)(nl - buf) + 1;
		if (st != SMTP_REPLY_MORE) {
			*used = off;
			return st;
		}
	}
	*used = off;
	return SMTP_REPLY_MORE;
}

void
smtp_reply_oneline(const struct smtp_reply *r, char *buf, size_t len)
{
	size_t i, n = 0;
	int w;

	if (len == 0)
		return;
	w = snprintf(buf, len, "%03d", r->code);
	n = w > 0 ? (size_t)w : 0;
	if (r->len > 0 && n + 1 < len)
		buf[n++] = ' ';
	for (i = 0; i < r->len && n + 1 < len; i++) {
		if (r->text[i] == '\n') {
			if (n + 3 >= len)
				break;
			memcpy(buf + n, " / ", 3);
			n += 3;
		} else {
			buf[n++] = r->text[i];
		}
	}
	buf[n < len ? n : len - 1] = '\0';
}

int
smtp_reply_ext_next(const struct smtp_reply *r, size_t *pos, char *kw,
    size_t cap)
{
	const char *s, *e;
	size_t n, i;

	if (cap == 0)
		return 0;
	for (;;) {
		if (*pos == 0) {
			/* Skip the first line (the greeting). */
			if ((s = memchr(r->text, '\n', r->len)) == NULL) {
				*pos = r->len;
				return 0;
			}
			*pos = (size_t)(s - r->text) + 1;
		}
		if (*pos >= r->len)
			return 0;
		s = r->text + *pos;
		if ((e = memchr(s, '\n', r->len - *pos)) == NULL)
			e = r->text + r->len;
		*pos = (size_t)(e - r->text) + 1;
		n = strcspn(s, " =\t\n");
		if (n > (size_t)(e - s))
			n = (size_t)(e - s);
		if (n == 0)
			continue;
		if (n >= cap)
			n = cap - 1;
		for (i = 0; i < n; i++)
			kw[i] = (char)toupper((unsigned char)s[i]);
		kw[n] = '\0';
		return 1;
	}
}
