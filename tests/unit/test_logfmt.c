/* SPDX-License-Identifier: ISC */
/*
 * test_logfmt.c -- the custom_logger format expander of ectls-deliver
 * (runtime/deliver/logfmt.c): macro syntax, every macro with a value, the
 * tls_macros values, unknown and empty macros, truncation, and the helpers
 * the log-tls-macros check uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "deliver/logfmt.h"

static const char msg[] =
    "Received: from x\r\n"
    "subject: Hello\r\n"
    "  folded\tworld  \r\n"
    "Message-ID:   <abc.123@example.test>\r\n"
    "X-Ctl: a\x01" "b\r\n"
    "\r\n"
    "X-Body: not a header\r\n";

static struct logfmt_vars
vars(void)
{
	struct logfmt_vars v;

	memset(&v, 0, sizeof(v));
	v.now.tv_sec = 1700000000;	/* 2023-11-14T22:13:20Z */
	v.now.tv_nsec = 123456789;
	v.id = "GEN-ID";
	v.rcpt = "User.Name@Example.TEST";
	v.from = "sender@client.example.test";
	v.routing_domain = "example.test";
	v.binding = "b1";
	v.ip = "192.0.2.7";
	v.reply = "250 2.0.0 Ok";
	v.message = msg;
	v.message_len = sizeof(msg) - 1;
	v.size = 4242;
	v.tries = 3;
	v.queued = 12.3456;
	v.tls_macros = 1;
	v.session = 1;
	v.tls = 1;
	v.tls_type = "required";
	v.protocol = "TLSv1.3";
	v.cipher = "TLS_AES_256_GCM_SHA384";
	v.algbits = 256;
	v.usebits = 255;
	v.verified = 1;
	v.issuer = "ca.example.test";
	v.subject = "mx.example.test";
	v.local_ip = "198.51.100.1";
	return v;
}

static void
expect(const char *fmt, const struct logfmt_vars *v, const char *want)
{
	char buf[1024];
	size_t n;

	n = logfmt_expand(buf, sizeof(buf), fmt, v);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void
test_literals(void **state)
{
	struct logfmt_vars v = vars();

	(void)state;
	expect("", &v, "");
	expect("plain text", &v, "plain text");
	expect("100%%", &v, "100%");
	expect("a % b", &v, "a % b");
	expect("end%", &v, "end%");
	expect("%5 %@ %{outbound_tls}", &v, "%5 %@ %{outbound_tls}");
}

static void
test_core(void **state)
{
	struct logfmt_vars v = vars();

	(void)state;
	expect("%r@%R", &v, "User.Name@Example.TEST");
	expect("%m|%M", &v, "sender|client.example.test");
	expect("%b %d %B %N %H %n", &v,
	    "b1 example.test 4242 3 192.0.2.7 250 2.0.0 Ok");
	expect("%T|%T{0}|%T{4}", &v, "12.35|12|12.3456");
	expect("%t", &v, "1700000000");
	expect("%us{3}|%us{6}", &v, "1700000000.123|1700000000.123456");
	v.from = "";
	expect("[%m][%M]", &v, "[][]");
	v.from = NULL;
	v.ip = NULL;
	v.reply = NULL;
	expect("[%m][%H][%n]", &v, "[][][]");
	v.rcpt = "nodomain";
	expect("%r|%R", &v, "nodomain|");
}

static void
test_time_format(void **state)
{
	struct logfmt_vars v = vars();

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	expect("%t{%m:%d:%H:%M:%S}@x", &v, "11:14:22:13:20@x");
	expect("%t{%Y-%m-%d}", &v, "2023-11-14");
	/* No closing brace: %t, then the text. */
	expect("%t{%Y", &v, "1700000000{%Y");
}

static void
test_headers(void **state)
{
	struct logfmt_vars v = vars();

	(void)state;
	expect("%h{Subject}", &v, "Hello  folded world");
	expect("[%h{X-None}]", &v, "[]");
	expect("[%h{X-Body}]", &v, "[]");
	expect("%h{X-Ctl}", &v, "a b");
	expect("%i", &v, "abc.123@example.test");
	v.message = "Subject: x\n\nbody";
	v.message_len = strlen(v.message);
	expect("%i", &v, "GEN-ID");
	expect("%h{subject}", &v, "x");
	v.message = NULL;
	expect("%i|%h{Subject}|", &v, "GEN-ID||");
}

static void
test_names(void **state)
{
	struct logfmt_vars v = vars();

	(void)state;
	/* Letters never end a name; a single "_" between letters does not. */
	expect("%rX", &v, "%rX");
	expect("%r_%R", &v, "User.Name_Example.TEST");
	expect("%r__x", &v, "User.Name__x");
	expect("%r_", &v, "User.Name_");
	expect("%R%local_ip", &v, "Example.TEST198.51.100.1");
	expect("%r:%R", &v, "User.Name:Example.TEST");
	/* Unknown names are written as is. */
	expect("%zz %mydate %outbound_tls_foo", &v,
	    "%zz %mydate %outbound_tls_foo");
	/* Known, no value here: empty. */
	expect("[%g][%BI][%CI][%OC][%A][%U][%s][%S][%c][%C][%p][%P][%PG]", &v,
	    "[][][][][][][][][][][][][]");
	expect("[%vctx_mess{customerid}][%vctx_conn{k}]", &v, "[][]");
	/* Macros that need {ARG}: without it, as is. */
	expect("%vctx_mess %h %us", &v, "%vctx_mess %h %us");
	/* Bad {N}: as is. */
	expect("%T{x} %us{0} %us{7}", &v, "%T{x} %us{0} %us{7}");
	/* A macro without {ARG} leaves a "{" after it alone. */
	expect("%r{x}", &v, "User.Name{x}");
}

static void
test_tls(void **state)
{
	struct logfmt_vars v = vars();
	const char *f = "%outbound_tls|%outbound_tls_type|"
	    "%outbound_tls_protocol|%outbound_tls_cipher|"
	    "%outbound_tls_cipher_algbits|%outbound_tls_cipher_usebits|"
	    "%outbound_tls_verified|%outbound_tls_issuer|"
	    "%outbound_tls_subject|%local_ip";

	(void)state;
	expect(f, &v, "TLS|required|TLSv1.3|TLS_AES_256_GCM_SHA384|256|255|"
	    "verified|ca.example.test|mx.example.test|198.51.100.1");
	v.tls = 0;
	v.verified = 0;
	v.tls_type = "no";
	expect(f, &v, "SMTP|no|||||unverified|||198.51.100.1");
	v.session = 0;
	v.local_ip = NULL;
	v.tls_type = "ifavailable";
	expect(f, &v, "unknown|ifavailable|||||unverified|||");
	/* Not loaded (or not in the namespace): not macros at all. */
	v = vars();
	v.tls_macros = 0;
	expect("%outbound_tls_protocol %local_ip %r", &v,
	    "%outbound_tls_protocol %local_ip User.Name");
}

static void
test_routing_domain(void **state)
{
	struct logfmt_vars v = vars();

	(void)state;
	v.routing_domain = "mx.example.test:2525";
	expect("%d", &v, "mx.example.test");
	v.routing_domain = "[192.0.2.1]:25";
	expect("%d", &v, "192.0.2.1");
	v.routing_domain = "2001:db8::1";
	expect("%d", &v, "2001:db8::1");
}

static void
test_sanitize(void **state)
{
	struct logfmt_vars v = vars();

	(void)state;
	v.reply = "451 first line\r\n451 second\x7f";
	expect("[%n]", &v, "[451 first line  451 second ]");
	/* The format's own text is not changed. */
	expect("a\tb", &v, "a\tb");
}

static void
test_truncation(void **state)
{
	struct logfmt_vars v = vars();
	char buf[8];
	size_t n;

	(void)state;
	n = logfmt_expand(buf, sizeof(buf), "%r@%R", &v);
	assert_int_equal(n, strlen("User.Name@Example.TEST"));
	assert_string_equal(buf, "User.Na");
	n = logfmt_expand(buf, 1, "%r", &v);
	assert_int_equal(n, 9);
	assert_string_equal(buf, "");
	assert_int_equal(logfmt_expand(NULL, 0, "%b-%b", &v), 5);
}

/* The documented tls_macros example (one line, without the "»" marks). */
static void
test_doc_example(void **state)
{
	struct logfmt_vars v = vars();

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	expect("%t{%m:%d:%H:%M:%S}@%i@%BI@%CI@D@%d@%B@%g@%b@%N@%T@%H"
	    "@%r@%R%local_ip@%outbound_tls@%outbound_tls_type"
	    "@%outbound_tls_cipher@%outbound_tls_cipher_algbits"
	    "@%outbound_tls_cipher_usebits@%outbound_tls_protocol"
	    "@%outbound_tls_verified@%outbound_tls_issuer"
	    "@%outbound_tls_subject", &v,
	    "11:14:22:13:20@abc.123@example.test@@@D@example.test@4242@@b1@3"
	    "@12.35@192.0.2.7@User.Name@Example.TEST198.51.100.1@TLS@required"
	    "@TLS_AES_256_GCM_SHA384@256@255@TLSv1.3@verified"
	    "@ca.example.test@mx.example.test");
}

static void
test_tls_macro_scan(void **state)
{
	char name[64];

	(void)state;
	assert_int_equal(logfmt_tls_macro("%t %r@%R", name, sizeof(name)), 0);
	assert_int_equal(logfmt_tls_macro("%%outbound_tls %r", name,
	    sizeof(name)), 0);
	assert_int_equal(logfmt_tls_macro("%outbound_tlsx", name,
	    sizeof(name)), 0);
	assert_int_equal(logfmt_tls_macro("%t{%H}@%outbound_tls_cipher_usebits"
	    "@%outbound_tls", name, sizeof(name)), 1);
	assert_string_equal(name, "%outbound_tls_cipher_usebits");
	assert_int_equal(logfmt_tls_macro("%R%local_ip", name, sizeof(name)),
	    1);
	assert_string_equal(name, "%local_ip");
}

static void
test_namespace(void **state)
{
	(void)state;
	assert_int_equal(logfmt_namespace_has(NULL, "outbound_tls"), 0);
	assert_int_equal(logfmt_namespace_has(NULL, "sieve"), 1);
	assert_int_equal(logfmt_namespace_has("custom_logger,sieve,"
	    "outbound_tls", "outbound_tls"), 1);
	assert_int_equal(logfmt_namespace_has(" custom_logger , OUTBOUND_TLS ",
	    "outbound_tls"), 1);
	assert_int_equal(logfmt_namespace_has("custom_logger,outbound_tlsx",
	    "outbound_tls"), 0);
	assert_int_equal(logfmt_namespace_has("custom_logger outbound_tls",
	    "outbound_tls"), 0);
	assert_int_equal(logfmt_namespace_has("", "outbound_tls"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_core),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_routing_domain),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_doc_example),
		cmocka_unit_test(test_tls_macro_scan),
		cmocka_unit_test(test_namespace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
