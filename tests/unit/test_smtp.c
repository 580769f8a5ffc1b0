/* SPDX-License-Identifier: ISC */
/*
 * test_smtp.c -- the pure parts of the delivery runtime: the SMTP reply
 * parser, the DATA encoding (dot-stuffing, CR LF), gateway/route parsing
 * and the RFC 6125 name rule of the TLS layer.  Network behaviour is
 * tested end to end by tests/deliver/suite.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smtp/reply.h"
#include "smtp/route.h"
#include "smtp/smtpc.h"
#include "tls/tls.h"

static enum smtp_reply_status
parse(struct smtp_reply *r, const char *s, size_t *used, const char **why)
{
	return smtp_reply_parse(r, s, strlen(s), used, why);
}

static void
test_reply_multiline(void **state)
{
	static struct smtp_reply r;
	const char *in = "250-mx.example.test\r\n250-PIPELINING\r\n"
	    "250-size 1000\r\n250 STARTTLS\r\n220 next\r\n";
	const char *why;
	char kw[32], one[128];
	size_t used, pos = 0;

	(void)state;
	assert_int_equal(parse(&r, in, &used, &why), SMTP_REPLY_DONE);
	assert_int_equal(r.code, 250);
	assert_int_equal(r.nlines, 4);
	assert_int_equal(used, strlen(in) - strlen("220 next\r\n"));
	assert_string_equal(r.text, "mx.example.test\nPIPELINING\nsize 1000\n"
	    "STARTTLS");
	assert_true(smtp_reply_ext_next(&r, &pos, kw, sizeof(kw)));
	assert_string_equal(kw, "PIPELINING");
	assert_true(smtp_reply_ext_next(&r, &pos, kw, sizeof(kw)));
	assert_string_equal(kw, "SIZE");
	assert_true(smtp_reply_ext_next(&r, &pos, kw, sizeof(kw)));
	assert_string_equal(kw, "STARTTLS");
	assert_false(smtp_reply_ext_next(&r, &pos, kw, sizeof(kw)));
	smtp_reply_oneline(&r, one, sizeof(one));
	assert_string_equal(one, "250 mx.example.test / PIPELINING / "
	    "size 1000 / STARTTLS");
}

static void
test_reply_malformed(void **state)
{
	static struct smtp_reply r;
	static const char *const bad[] = {
		"250-a\r\n251 b\r\n",	/* code changes */
		"25\r\n",		/* short */
		"2x0 a\r\n",		/* not digits */
		"650 a\r\n",		/* first digit out of range */
		"260 a\r\n",		/* second digit out of range */
		"250_a\r\n",		/* bad separator */
		"250 a\x01" "b\r\n",	/* control character */
		"hello\r\n",
	};
	const char *why;
	char longline[SMTP_LINE_MAX + 16];
	size_t i, used;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&r, bad[i], &used, &why),
		    SMTP_REPLY_ERROR);
		assert_non_null(why);
	}
	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "250 ", 4);
	longline[SMTP_LINE_MAX + 4] = '\n';
	longline[SMTP_LINE_MAX + 5] = '\0';
	assert_int_equal(parse(&r, longline, &used, &why), SMTP_REPLY_ERROR);
	/* Incomplete input is not an error. */
	assert_int_equal(parse(&r, "250-a\r\n250 b", &used, &why),
	    SMTP_REPLY_MORE);
	assert_int_equal(parse(&r, "421\r\n", &used, &why), SMTP_REPLY_DONE);
	assert_int_equal(r.code, 421);
	assert_int_equal(parse(&r, "550 x\n", &used, &why), SMTP_REPLY_DONE);
}

static void
test_body(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "", "" },
		{ "a", "a\r\n" },
		{ "a\nb\n", "a\r\nb\r\n" },
		{ "a\r\nb\rc", "a\r\nb\r\nc\r\n" },
		{ ".\n..x\nmid.dle\n.", "..\r\n...x\r\nmid.dle\r\n..\r\n" },
		{ "\n.\n", "\r\n..\r\n" },
	};
	char *out;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(smtpc_body(cases[i].in, strlen(cases[i].in),
		    &out, &len), 0);
		assert_int_equal(len, strlen(cases[i].out));
		assert_memory_equal(out, cases[i].out, len);
		free(out);
	}
}

static void
test_hostport(void **state)
{
	struct route_host h;

	(void)state;
	assert_int_equal(route_parse_hostport("mx.example.test", 25, &h), 0);
	assert_string_equal(h.name, "mx.example.test");
	assert_int_equal(h.port, 25);
	assert_int_equal(route_parse_hostport("mx:2525", 25, &h), 0);
	assert_string_equal(h.name, "mx");
	assert_int_equal(h.port, 2525);
	assert_int_equal(route_parse_hostport("[fe80::a00]:1", 25, &h), 0);
	assert_string_equal(h.name, "fe80::a00");
	assert_int_equal(h.port, 1);
	assert_int_equal(route_parse_hostport("::1", 25, &h), 0);
	assert_string_equal(h.name, "::1");
	assert_int_equal(route_parse_hostport("mx:0", 25, &h), -1);
	assert_int_equal(route_parse_hostport("mx:70000", 25, &h), -1);
	assert_int_equal(route_parse_hostport("mx:", 25, &h), -1);
	assert_int_equal(route_parse_hostport("[::1]x", 25, &h), -1);
	assert_int_equal(route_parse_hostport("", 25, &h), -1);
}

static void
test_name_match(void **state)
{
	(void)state;
	assert_true(tls_name_match("mx.example.test", "MX.Example.Test"));
	assert_true(tls_name_match("mx.example.test.", "mx.example.test"));
	assert_true(tls_name_match("*.example.test", "mx.example.test"));
	assert_false(tls_name_match("*.example.test", "a.mx.example.test"));
	assert_false(tls_name_match("*.example.test", "example.test"));
	assert_false(tls_name_match("*.example.test", ".example.test"));
	assert_false(tls_name_match("*.test", "example.test"));
	assert_false(tls_name_match("m*.example.test", "mx.example.test"));
	assert_false(tls_name_match("*x.example.test", "mx.example.test"));
	assert_false(tls_name_match("mx.*.test", "mx.example.test"));
	assert_false(tls_name_match("**.example.test", "mx.example.test"));
	assert_false(tls_name_match("mx.example.test", "mx.example.tes"));
	assert_false(tls_name_match("", "mx.example.test"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_multiline),
		cmocka_unit_test(test_reply_malformed),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_hostport),
		cmocka_unit_test(test_name_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
