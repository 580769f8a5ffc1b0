/* SPDX-License-Identifier: ISC */
/*
 * fuzz_smtp_reply.c -- libFuzzer target for the SMTP reply parser
 * (runtime/smtp/reply.c): any bytes, parsed as a stream of replies, must
 * give complete replies or a clean error, never a crash or an overflow.
 * Invariants checked: the assembled text stays NUL-terminated within its
 * buffer, every complete reply has a code in 200..599 and at least one
 * line, the parser always consumes input or stops, and the one-line and
 * extension views stay in bounds.  Seeds: fuzz/corpus/smtp_reply/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smtp_reply r;
	const char *buf = (const char *)data, *why;
	char one[512], kw[32];
	size_t off = 0, used, pos;
	enum smtp_reply_status st;

	while (off < size) {
		st = smtp_reply_parse(&r, buf + off, size - off, &used, &why);
		if (used > size - off)
			abort();
		if (r.len >= sizeof(r.text) || r.text[r.len] != '\0' ||
		    strlen(r.text) != r.len)
			abort();
		if (st == SMTP_REPLY_ERROR) {
			if (why == NULL)
				abort();
			break;
		}
		if (st == SMTP_REPLY_MORE)
			break;
		if (r.code < 200 || r.code > 599 || r.nlines == 0 ||
		    r.nlines > SMTP_REPLY_LINES_MAX)
			abort();
		smtp_reply_oneline(&r, one, sizeof(one));
		if (strlen(one) >= sizeof(one))
			abort();
		pos = 0;
		while (smtp_reply_ext_next(&r, &pos, kw, sizeof(kw)))
			if (strlen(kw) >= sizeof(kw) || pos > r.len + 1)
				abort();
		if (used == 0)
			abort();
		off += used;
	}
	return 0;
}
