/* SPDX-License-Identifier: ISC */
/*
 * test_report.c -- output formats (compiler/report.c, schema/junit.c) and
 * the check policy (compiler/checks.c).
 *
 *   test_report              run the cmocka tests
 *   test_report --emit DIR   write sample outputs into DIR for
 *                            tests/report/suite.sh (sample.{txt,json,sarif,
 *                            xml}, garbage.{txt,json,sarif,xml}); the
 *                            sample's source files are created under DIR,
 *                            and paths are relative to DIR (run it there)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "checks.h"
#include "diag.h"
#include "report.h"

/*
 * Helpers.
 */

/* Run report_write into memory; returns a new string (free it). */
static char *
render(const struct diag *d, const struct report_opts *o, int *rcp)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	rc = report_write(d, o, fp, fp);
	assert_int_equal(fclose(fp), 0);
	if (rcp != NULL)
		*rcp = rc;
	else
		assert_int_equal(rc, 0);
	assert_non_null(buf);
	return buf;
}

static char *
render_fmt(const struct diag *d, enum report_format f, int caret)
{
	static const char *const inputs[] = { "main.conf" };
	struct report_opts o = {
		.format = f,
		.caret = caret,
		.tool_version = "9.9.9",
		.inputs = inputs,
		.ninputs = 1,
		.fail_level = DIAG_ERROR,
	};

	return render(d, &o, NULL);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/*
 * A strict JSON checker (RFC 8259, UTF-8 only), so the unit tests do not
 * need jq: returns 1 when s[0..n) is exactly one valid JSON text.
 */
struct jp {
	const unsigned char	*s;
	size_t			 n, i;
	int			 depth;
};

static int jp_value(struct jp *);

static void
jp_ws(struct jp *p)
{
	while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]) != NULL &&
	    p->s[p->i] != '\0')
		p->i++;
}

static int
jp_lit(struct jp *p, const char *w)
{
	size_t l = strlen(w);

	if (p->n - p->i < l || memcmp(p->s + p->i, w, l) != 0)
		return 0;
	p->i += l;
	return 1;
}

static int
jp_utf8(struct jp *p)
{
	unsigned char c = p->s[p->i], lo = 0x80, hi = 0xbf;
	size_t len, k;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else
		return 0;
	if (p->n - p->i < len)
		return 0;
	for (k = 1; k < len; k++) {
		if (p->s[p->i + k] < lo || p->s[p->i + k] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	p->i += len;
	return 1;
}

static int
jp_string(struct jp *p)
{
	unsigned char c;
	int k;

	if (p->i >= p->n || p->s[p->i] != '"')
		return 0;
	p->i++;
	while (p->i < p->n) {
		c = p->s[p->i];
		if (c == '"') {
			p->i++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			if (++p->i >= p->n)
				return 0;
			c = p->s[p->i++];
			if (c == 'u') {
				for (k = 0; k < 4; k++, p->i++)
					if (p->i >= p->n || strchr(
					    "0123456789abcdefABCDEF",
					    p->s[p->i]) == NULL ||
					    p->s[p->i] == '\0')
						return 0;
			} else if (strchr("\"\\/bfnrt", c) == NULL || c == 0)
				return 0;
		} else if (c >= 0x80) {
			if (!jp_utf8(p))
				return 0;
		} else
			p->i++;
	}
	return 0;
}

static int
jp_digits(struct jp *p)
{
	size_t start = p->i;

	while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
		p->i++;
	return p->i > start;
}

static int
jp_number(struct jp *p)
{
	if (p->i < p->n && p->s[p->i] == '-')
		p->i++;
	if (p->i < p->n && p->s[p->i] == '0')
		p->i++;
	else if (!jp_digits(p))
		return 0;
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		if (!jp_digits(p))
			return 0;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!jp_digits(p))
			return 0;
	}
	return 1;
}

static int
jp_seq(struct jp *p, char close, int object)
{
	p->i++;
	jp_ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		return 1;
	}
	for (;;) {
		jp_ws(p);
		if (object) {
			if (!jp_string(p))
				return 0;
			jp_ws(p);
			if (p->i >= p->n || p->s[p->i++] != ':')
				return 0;
		}
		if (!jp_value(p))
			return 0;
		jp_ws(p);
		if (p->i >= p->n)
			return 0;
		if (p->s[p->i] == close) {
			p->i++;
			return 1;
		}
		if (p->s[p->i++] != ',')
			return 0;
	}
}

static int
jp_value(struct jp *p)
{
	int ok;

	jp_ws(p);
	if (p->i >= p->n || ++p->depth > 64)
		return 0;
	switch (p->s[p->i]) {
	case '{':
		ok = jp_seq(p, '}', 1);
		break;
	case '[':
		ok = jp_seq(p, ']', 0);
		break;
	case '"':
		ok = jp_string(p);
		break;
	case 't':
		ok = jp_lit(p, "true");
		break;
	case 'f':
		ok = jp_lit(p, "false");
		break;
	case 'n':
		ok = jp_lit(p, "null");
		break;
	default:
		ok = jp_number(p);
	}
	p->depth--;
	return ok;
}

static int
json_valid(const char *s)
{
	struct jp p = { .s = (const unsigned char *)s, .n = strlen(s) };

	if (!jp_value(&p))
		return 0;
	jp_ws(&p);
	return p.i == p.n;
}

/* Count XPath matches in an XML document; -1 when it is not well-formed. */
static int
xml_count(const char *xml, const char *xpath)
{
	xmlDocPtr doc;
	xmlXPathContextPtr ctx;
	xmlXPathObjectPtr res;
	int n;

	doc = xmlReadMemory(xml, (int)strlen(xml), "junit.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return -1;
	ctx = xmlXPathNewContext(doc);
	res = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
	n = res != NULL && res->nodesetval != NULL ?
	    res->nodesetval->nodeNr : 0;
	xmlXPathFreeObject(res);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return n;
}

/*
 * Fixtures.
 */

static const struct loc_file f_main = { .path = "main.conf" };
static const struct loc_file f_tls = {
	.path = "conf.d/tls.conf",
	.parent = &f_main,
	.parent_line = 12,
	.parent_col = 1,
};
static const struct loc_file f_deep = {
	.path = "conf.d/deep.conf",
	.parent = &f_tls,
	.parent_line = 4,
	.parent_col = 3,
};

/* Four findings: located+note, include chain, no location, warning. */
static void
sample(struct diag *d)
{
	struct loc l1 = { .file = &f_main, .line = 4, .col = 3, .len = 8 };
	struct loc l2 = { .file = &f_deep, .line = 7, .col = 18, .len = 7 };
	struct loc n1 = { .file = &f_main, .line = 5, .col = 3 };
	struct diag_item *it;

	diag_init(d, 0);
	it = diag_add(d, DIAG_ERROR, "syntax", &l1, "expected \"=\" after %s",
	    "\"tls\"");
	assert_non_null(it);
	assert_int_equal(diag_note(d, it, &n1, "scope opened here"), 0);
	assert_int_equal(diag_note(d, it, NULL, "unlocated hint"), 0);
	it = diag_add(d, DIAG_ERROR, "include", &l2, "cannot read \"x\"");
	assert_non_null(it);
	it = diag_add(d, DIAG_FATAL, NULL, NULL, "out of file descriptors");
	assert_non_null(it);
	it = diag_add(d, DIAG_WARNING, "no-such-check-yet", &l1,
	    "a warning from a check not registered yet");
	assert_non_null(it);
}

/*
 * Text.
 */

static void
test_text_exact(void **state)
{
	struct diag d;
	char *out;

	sample(&d);
	out = render_fmt(&d, REPORT_TEXT, 0);
	assert_string_equal(out,
	    "main.conf:4:3: error: expected \"=\" after \"tls\" [syntax]\n"
	    "main.conf:5:3: note: scope opened here\n"
	    "ectls: note: unlocated hint\n"
	    "conf.d/deep.conf:7:18: error: cannot read \"x\" [include]\n"
	    "conf.d/tls.conf:4:3: note: included from here\n"
	    "main.conf:12:1: note: included from here\n"
	    "ectls: fatal error: out of file descriptors\n"
	    "main.conf:4:3: warning: a warning from a check not registered "
	    "yet [no-such-check-yet]\n");
	free(out);
	diag_fini(&d);
}

static void
test_text_partial_loc(void **state)
{
	static const struct loc_file f = { .path = "x.conf" };
	struct loc nocol = { .file = &f, .line = 9 };
	struct loc noline = { .file = &f };
	struct diag d;
	char *out;

	diag_init(&d, 0);
	diag_add(&d, DIAG_NOTE, NULL, &nocol, "line only");
	diag_add(&d, DIAG_WARNING, "syntax", &noline, "file only");
	out = render_fmt(&d, REPORT_TEXT, 0);
	assert_string_equal(out, "x.conf:9: note: line only\n"
	    "x.conf: warning: file only [syntax]\n");
	free(out);
	diag_fini(&d);
}

static void
test_text_escapes(void **state)
{
	static const struct loc_file f = { .path = "we\nird\\.conf" };
	struct loc l = { .file = &f, .line = 1, .col = 1 };
	struct diag d;
	char *out;

	diag_init(&d, 0);
	diag_add(&d, DIAG_ERROR, "syntax", &l, "a\"b\\c\nd\te\x1b[31m\r\x7f"
	    "\xff\xfe end");
	out = render_fmt(&d, REPORT_TEXT, 0);
	/* Controls escaped, quotes/backslashes/other bytes as they are. */
	assert_string_equal(out, "we\\nird\\.conf:1:1: error: "
	    "a\"b\\c\\nd\\te\\x1b[31m\\r\\x7f\xff\xfe end [syntax]\n");
	free(out);
	diag_fini(&d);
}

/* A directory with a source file, removed by the teardown. */
static char tmpdir[64];

static int
setup_tmp(void **state)
{
	strcpy(tmpdir, "/tmp/test_report.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown_tmp(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_text_caret(void **state)
{
	struct loc_file f = { .path = NULL };
	struct loc_file gone = { .path = "/nonexistent/dir/x.conf" };
	char path[128];
	struct diag d;
	struct diag_item *it;
	char *out;

	snprintf(path, sizeof(path), "%s/c.conf", tmpdir);
	/* Line 2: a tab, a two-byte character, then the token FOO. */
	write_file(path, "tls = yes\r\n\tTLS_Ciphers = \"caf\xc3\xa9:FOO\"\n"
	    "x = \"FOOBARBAZ\"");
	f.path = path;
	diag_init(&d, 0);
	/* GNU columns: tab to 9, bytes after: F is column 30. */
	it = diag_add(&d, DIAG_ERROR, "tls-ciphers", &(struct loc){ .file = &f,
	    .line = 2, .col = 30, .len = 3 }, "unknown cipher \"FOO\"");
	diag_note(&d, it, &(struct loc){ .file = &f, .line = 1, .col = 7 },
	    "set here");
	/* A span longer than the line is cut at its end; CR is dropped. */
	diag_add(&d, DIAG_WARNING, NULL, &(struct loc){ .file = &f,
	    .line = 3, .col = 5, .len = 99 }, "long span");
	/* A column past the end gets the caret just after the line. */
	diag_add(&d, DIAG_NOTE, NULL, &(struct loc){ .file = &f, .line = 1,
	    .col = 40, .len = 1 }, "at end of line");
	/* No such line, and an unreadable file: no caret, no failure. */
	diag_add(&d, DIAG_NOTE, NULL, &(struct loc){ .file = &f, .line = 9,
	    .col = 1, .len = 1 }, "no line 9");
	diag_add(&d, DIAG_NOTE, NULL, &(struct loc){ .file = &gone,
	    .line = 1, .col = 1, .len = 1 }, "gone");
	out = render_fmt(&d, REPORT_TEXT, 1);
	{
		char want[1024];

		snprintf(want, sizeof(want),
		    "%1$s:2:30: error: unknown cipher \"FOO\" [tls-ciphers]\n"
		    "\tTLS_Ciphers = \"caf\xc3\xa9:FOO\"\n"
		    "\t                    ^~~\n"
		    "%1$s:1:7: note: set here\n"
		    "tls = yes\n"
		    "      ^\n"
		    "%1$s:3:5: warning: long span\n"
		    "x = \"FOOBARBAZ\"\n"
		    "    ^~~~~~~~~~~\n"
		    "%1$s:1:40: note: at end of line\n"
		    "tls = yes\n"
		    "         ^\n"
		    "%1$s:9:1: note: no line 9\n"
		    "/nonexistent/dir/x.conf:1:1: note: gone\n", path);
		assert_string_equal(out, want);
	}
	free(out);
	/* Without caret: just the GNU lines. */
	out = render_fmt(&d, REPORT_TEXT, 0);
	assert_null(strstr(out, "^"));
	free(out);
	diag_fini(&d);
}

/*
 * JSON.
 */

static void
test_json_shape(void **state)
{
	struct diag d;
	char *out;

	sample(&d);
	out = render_fmt(&d, REPORT_JSON, 0);
	assert_true(json_valid(out));
	assert_non_null(strstr(out, "{\"severity\":\"error\",\"id\":\"syntax\","
	    "\"file\":\"main.conf\",\"line\":4,\"column\":3,\"message\":"
	    "\"expected \\\"=\\\" after \\\"tls\\\"\",\"notes\":[{\"file\":"
	    "\"main.conf\",\"line\":5,\"column\":3,\"message\":\"scope opened "
	    "here\"},{\"file\":null,\"line\":null,\"column\":null,\"message\":"
	    "\"unlocated hint\"}]}"));
	assert_non_null(strstr(out, "{\"file\":\"conf.d/tls.conf\",\"line\":4,"
	    "\"column\":3,\"message\":\"included from here\"},{\"file\":"
	    "\"main.conf\",\"line\":12,\"column\":1,\"message\":\"included from"
	    " here\"}]"));
	assert_non_null(strstr(out, "{\"severity\":\"fatal\",\"id\":null,"
	    "\"file\":null,\"line\":null,\"column\":null,\"message\":\"out of "
	    "file descriptors\",\"notes\":[]}"));
	assert_non_null(strstr(out, "\"summary\":{\"errors\":3,\"warnings\":1,"
	    "\"notes\":0,\"files\":[\"main.conf\"]}}\n"));
	free(out);
	diag_fini(&d);
}

static void
test_json_empty(void **state)
{
	struct diag d;
	char *out;

	diag_init(&d, 0);
	out = render_fmt(&d, REPORT_JSON, 0);
	assert_string_equal(out, "{\"diagnostics\":[],\n\"summary\":{\"errors\""
	    ":0,\"warnings\":0,\"notes\":0,\"files\":[\"main.conf\"]}}\n");
	assert_true(json_valid(out));
	free(out);
	diag_fini(&d);
}

static void
test_json_escapes(void **state)
{
	static const struct loc_file f = { .path = "b\xc3\x28\"d\\\n.conf" };
	struct loc l = { .file = &f, .line = 1, .col = 2 };
	struct diag d;
	char *out;

	diag_init(&d, 0);
	diag_add(&d, DIAG_ERROR, "x\"y", &l, "q\"b\\s\n\r\t\b\f\x01\x1f\x7f"
	    "|\xc3\xa9|\xe2\x82\xac|\xf0\x9f\x98\x80|\xff|\xc0\xaf|"
	    "\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82");
	out = render_fmt(&d, REPORT_JSON, 0);
	assert_true(json_valid(out));
	assert_non_null(strstr(out, "\"id\":\"x\\\"y\""));
	assert_non_null(strstr(out, "\"file\":\"b\\ufffd(\\\"d\\\\\\n.conf\""));
	/*
	 * Valid multibyte characters pass through; each byte of an invalid
	 * sequence (overlong, surrogate, beyond U+10FFFF, truncated) becomes
	 * U+FFFD.
	 */
	assert_non_null(strstr(out, "\"message\":\"q\\\"b\\\\s\\n\\r\\t\\b\\f"
	    "\\u0001\\u001f\\u007f|\xc3\xa9|\xe2\x82\xac|\xf0\x9f\x98\x80|"
	    "\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|"
	    "\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\""));
	free(out);
	diag_fini(&d);
}

/* Random bytes in every string: the JSON must stay valid. */
static void
test_json_garbage(void **state)
{
	struct loc_file f = { .path = NULL };
	char path[40], msg[200], id[20], note[60];
	struct diag d;
	struct diag_item *it;
	unsigned seed = 12345;
	size_t i, round;
	char *out;

	for (round = 0; round < 200; round++) {
		for (i = 0; i + 1 < sizeof(path); i++)
			path[i] = (char)((seed = seed * 1103515245 + 12345) >>
			    16 | 1);
		path[sizeof(path) - 1] = '\0';
		for (i = 0; i + 1 < sizeof(msg); i++)
			msg[i] = (char)((seed = seed * 1103515245 + 12345) >>
			    16 | 1);
		msg[sizeof(msg) - 1] = '\0';
		for (i = 0; i + 1 < sizeof(id); i++)
			id[i] = (char)((seed = seed * 1103515245 + 12345) >>
			    16 | 1);
		id[sizeof(id) - 1] = '\0';
		for (i = 0; i + 1 < sizeof(note); i++)
			note[i] = (char)((seed = seed * 1103515245 + 12345) >>
			    16 | 1);
		note[sizeof(note) - 1] = '\0';
		f.path = path;
		diag_init(&d, 0);
		it = diag_add(&d, (enum diag_sev)(round % 4), id,
		    &(struct loc){ .file = &f, .line = 1, .col = 1, .len = 3 },
		    "%s", msg);
		diag_note(&d, it, &(struct loc){ .file = &f, .line = 2,
		    .col = 1 }, "%s", note);
		out = render_fmt(&d, REPORT_JSON, 0);
		assert_true(json_valid(out));
		free(out);
		out = render_fmt(&d, REPORT_SARIF, 0);
		assert_true(json_valid(out));
		free(out);
		out = render_fmt(&d, REPORT_JUNIT, 0);
		assert_int_equal(xml_count(out, "//testcase") > 0, 1);
		free(out);
		diag_fini(&d);
	}
}

static void
test_json_checker(void **state)
{
	/* The checker itself must reject what is not JSON. */
	assert_true(json_valid("{\"a\":[1,-2.5e3,true,null,\"\\u00e9\"]}"));
	assert_false(json_valid("{\"a\":1,}"));
	assert_false(json_valid("{\"a\":\"\x01\"}"));
	assert_false(json_valid("\"\xff\""));
	assert_false(json_valid("[01]"));
	assert_false(json_valid("{} {}"));
	assert_false(json_valid("\"\\x41\""));
}

/*
 * SARIF.
 */

static void
test_sarif_shape(void **state)
{
	struct loc_file f = { .path = "rel dir/x:y.conf" };
	struct loc_file abs = { .path = "/etc/ecelerity/eccfg.conf" };
	const struct check *syn = check_find("syntax");
	struct diag d;
	struct diag_item *it;
	char *out, want[128];

	assert_non_null(syn);
	diag_init(&d, 0);
	it = diag_add(&d, DIAG_WARNING, "syntax", &(struct loc){ .file = &f,
	    .line = 3, .col = 5, .len = 4 }, "msg one");
	diag_note(&d, it, &(struct loc){ .file = &abs, .line = 1, .col = 2 },
	    "abs note");
	diag_note(&d, it, NULL, "free note");
	diag_note(&d, it, NULL, "free note");
	diag_add(&d, DIAG_NOTE, "not-registered", NULL, "no location");
	diag_add(&d, DIAG_FATAL, NULL, NULL, "fatal");
	out = render_fmt(&d, REPORT_SARIF, 0);
	assert_true(json_valid(out));
	assert_non_null(strstr(out, "\"version\":\"2.1.0\""));
	assert_non_null(strstr(out, "\"driver\":{\"name\":\"ectls\","
	    "\"version\":\"9.9.9\",\"rules\":["));
	assert_non_null(strstr(out, "{\"id\":\"syntax\",\"shortDescription\":"
	    "{\"text\":\"the text does not follow ecelerity.conf syntax\"},"
	    "\"defaultConfiguration\":{\"level\":\"error\"}}"));
	snprintf(want, sizeof(want), "{\"ruleId\":\"syntax\",\"ruleIndex\":%zu,"
	    "\"level\":\"warning\",\"message\":{\"text\":\"msg one\"}",
	    (size_t)(syn - checks));
	assert_non_null(strstr(out, want));
	/* The file cannot be read: columns are the loc's. */
	assert_non_null(strstr(out, "\"locations\":[{\"physicalLocation\":{"
	    "\"artifactLocation\":{\"uri\":\"rel%20dir/x%3Ay.conf\","
	    "\"uriBaseId\":\"%SRCROOT%\"},\"region\":{\"startLine\":3,"
	    "\"startColumn\":5,\"endColumn\":9}}}]"));
	assert_non_null(strstr(out, "\"relatedLocations\":[{\"id\":0,"
	    "\"physicalLocation\":{\"artifactLocation\":{\"uri\":"
	    "\"file:///etc/ecelerity/eccfg.conf\"},\"region\":{\"startLine\":1,"
	    "\"startColumn\":2}},\"message\":{\"text\":\"abs note\"}},"
	    "{\"id\":1,\"message\":{\"text\":\"free note\"}},"
	    "{\"id\":2,\"message\":{\"text\":\"free note\"}}]"));
	/* Unknown id: ruleId without ruleIndex; no id: no ruleId. */
	assert_non_null(strstr(out, "{\"ruleId\":\"not-registered\","
	    "\"level\":\"note\",\"message\":{\"text\":\"no location\"}}"));
	assert_non_null(strstr(out, "{\"level\":\"error\",\"message\":{"
	    "\"text\":\"fatal\"}}"));
	/* No informationUri unless given; a fatal finding: not successful. */
	assert_null(strstr(out, "informationUri"));
	assert_non_null(strstr(out, "\"invocations\":[{"
	    "\"executionSuccessful\":false}]"));
	free(out);
	diag_fini(&d);
}

static void
test_sarif_columns(void **state)
{
	struct loc_file f = { .path = NULL };
	char path[128];
	struct diag d;
	char *out;

	snprintf(path, sizeof(path), "%s/s.conf", tmpdir);
	write_file(path, "x\n\tTLS_Ciphers = \"caf\xc3\xa9:FOO\"\n");
	f.path = path;
	diag_init(&d, 0);
	diag_add(&d, DIAG_ERROR, "syntax", &(struct loc){ .file = &f,
	    .line = 2, .col = 30, .len = 3 }, "m");
	out = render_fmt(&d, REPORT_SARIF, 0);
	/* Code points: tab 1, "TLS_Ciphers = \"caf" 18, é 1, ':' 1. */
	assert_non_null(strstr(out, "\"region\":{\"startLine\":2,"
	    "\"startColumn\":22,\"endColumn\":25}"));
	assert_non_null(strstr(out, "\"columnKind\":\"unicodeCodePoints\""));
	free(out);
	diag_fini(&d);
}

static void
test_sarif_policy(void **state)
{
	static const char *const inputs[] = { "a.conf" };
	struct check_policy p;
	struct report_opts o = {
		.format = REPORT_SARIF,
		.tool_version = "1",
		.inputs = inputs,
		.ninputs = 1,
		.fail_level = DIAG_ERROR,
		.information_uri = "https://example.org/ectls",
		.policy = &p,
	};
	struct diag d;
	char *out, want[256];
	const struct check *c = check_find("legacy-syntax");

	assert_non_null(c);
	check_policy_init(&p);
	assert_int_equal(check_policy_set(&p, "legacy-syntax", 0), 0);
	diag_init(&d, 0);
	out = render(&d, &o, NULL);
	assert_true(json_valid(out));
	assert_non_null(strstr(out,
	    "\"informationUri\":\"https://example.org/ectls\""));
	snprintf(want, sizeof(want), "\"invocations\":[{\"executionSuccessful\""
	    ":true,\"ruleConfigurationOverrides\":[{"
	    "\"descriptor\":{\"id\":\"legacy-syntax\",\"index\":%zu},"
	    "\"configuration\":{\"enabled\":false}}]}]", (size_t)(c - checks));
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "\"results\":[\n]"));
	free(out);
	diag_fini(&d);
}

/*
 * JUnit.
 */

static void
test_junit(void **state)
{
	struct diag d;
	char *out, xp[160];
	int n;

	sample(&d);
	out = render_fmt(&d, REPORT_JUNIT, 0);
	/* One testcase per registered id, + the unregistered, + no-id. */
	n = xml_count(out, "/testsuites/testsuite[@name='ectls lint']"
	    "/testcase[@classname='main.conf']");
	assert_int_equal(n, (int)nchecks + 2);
	assert_int_equal(xml_count(out, "//testcase[@name='syntax']/failure"
	    "[@type='syntax'][@message='1 error, 0 warnings, 0 notes']"), 1);
	assert_int_equal(xml_count(out, "//testcase[@name='include']/failure"),
	    1);
	assert_int_equal(xml_count(out, "//testcase[@name='unclassified']"
	    "/failure"), 1);
	/* A warning below the fail level: listed, but passing. */
	assert_int_equal(xml_count(out, "//testcase[@name='no-such-check-yet']"
	    "/failure"), 0);
	assert_int_equal(xml_count(out, "//testcase[@name='no-such-check-yet']"
	    "/system-out"), 1);
	assert_int_equal(xml_count(out, "//testsuite[@failures='3']"), 1);
	snprintf(xp, sizeof(xp), "//testsuite[@tests='%zu']", nchecks + 2);
	assert_int_equal(xml_count(out, xp), 1);
	/* The failure text is the GNU form. */
	assert_non_null(strstr(out, "main.conf:4:3: error: expected "
	    "&quot;=&quot; after &quot;tls&quot; [syntax]\n"
	    "main.conf:5:3: note: scope opened here\n"));
	free(out);
	diag_fini(&d);
}

static void
test_junit_fail_warning_and_skip(void **state)
{
	static const char *const inputs[] = { "main.conf", "other.conf" };
	struct check_policy p;
	struct report_opts o = {
		.format = REPORT_JUNIT,
		.inputs = inputs,
		.ninputs = 2,
		.fail_level = DIAG_WARNING,
		.policy = &p,
	};
	struct diag d;
	char *out;

	check_policy_init(&p);
	assert_int_equal(check_policy_set(&p, "encoding", 0), 0);
	sample(&d);
	diag_add(&d, DIAG_ERROR, "syntax", &(struct loc){ .file = &(struct
	    loc_file){ .path = "other.conf" }, .line = 1, .col = 1 },
	    "bad \x01\xff <&>");
	out = render(&d, &o, NULL);
	assert_int_equal(xml_count(out, "//testcase[@classname='other.conf']"
	    "[@name='syntax']/failure"), 1);
	assert_int_equal(xml_count(out, "//testcase[@classname='main.conf']"
	    "[@name='syntax']/failure"), 1);
	/* The include finding's chain ends at main.conf. */
	assert_int_equal(xml_count(out, "//testcase[@classname='main.conf']"
	    "[@name='include']/failure"), 1);
	assert_int_equal(xml_count(out, "//testcase[@classname='other.conf']"
	    "[@name='include']/failure"), 0);
	assert_int_equal(xml_count(out, "//testcase[@classname='main.conf']"
	    "[@name='no-such-check-yet']/failure[@message='0 errors, "
	    "1 warning, 0 notes']"), 1);
	assert_int_equal(xml_count(out, "//testcase[@name='encoding']"
	    "/skipped"), 2);
	assert_non_null(strstr(out, "bad \\x01\xef\xbf\xbd &lt;&amp;&gt;"));
	free(out);
	diag_fini(&d);
}

/*
 * Errors and formats.
 */

static void
test_write_error(void **state)
{
	struct report_opts o = { .format = REPORT_JSON };
	struct diag d;
	FILE *fp;

	sample(&d);
	fp = fopen("/dev/full", "w");
	if (fp == NULL)
		skip();
	assert_int_equal(report_write(&d, &o, fp, fp), -1);
	fclose(fp);
	o.format = REPORT_JUNIT;
	fp = fopen("/dev/full", "w");
	assert_non_null(fp);
	assert_int_equal(report_write(&d, &o, fp, fp), -1);
	fclose(fp);
	diag_fini(&d);
}

static void
test_format_parse(void **state)
{
	enum report_format f = REPORT_TEXT;
	enum diag_sev s = DIAG_NOTE;

	assert_int_equal(report_format_parse("sarif", &f), 0);
	assert_int_equal(f, REPORT_SARIF);
	assert_int_equal(report_format_parse("junit", &f), 0);
	assert_int_equal(f, REPORT_JUNIT);
	assert_int_equal(report_format_parse("json", &f), 0);
	assert_int_equal(f, REPORT_JSON);
	assert_int_equal(report_format_parse("text", &f), 0);
	assert_int_equal(f, REPORT_TEXT);
	assert_int_equal(report_format_parse("xml", &f), -1);
	assert_int_equal(report_format_parse("JSON", &f), -1);
	assert_int_equal(check_fail_level_parse("warning", &s), 0);
	assert_int_equal(s, DIAG_WARNING);
	assert_int_equal(check_fail_level_parse("error", &s), 0);
	assert_int_equal(s, DIAG_ERROR);
	assert_int_equal(check_fail_level_parse("note", &s), -1);
}

/*
 * Checks and policy.
 */

static void
test_registry(void **state)
{
	static const struct check local[] = {
		CHECK_INITIALIZER("a", DIAG_WARNING | CHECK_DEFAULT_OFF, "x"),
		CHECK_INITIALIZER("b", DIAG_ERROR, "y"),
	};
	struct check_policy p;
	size_t i, j;

	assert_int_equal(local[0].sev, DIAG_WARNING);
	assert_int_equal(local[0].off, 1);
	assert_int_equal(local[1].sev, DIAG_ERROR);
	assert_int_equal(local[1].off, 0);
	assert_true(nchecks > 0);
	check_policy_init(&p);
	assert_int_equal(p.fail_level, DIAG_ERROR);
	for (i = 0; i < nchecks; i++) {
		assert_ptr_equal(check_find(checks[i].id), &checks[i]);
		assert_int_equal(check_policy_enabled(&p, &checks[i]),
		    !checks[i].off);
		assert_true(checks[i].sev <= DIAG_FATAL);
		assert_true(checks[i].desc[0] != '\0');
		for (j = 0; j < i; j++)
			assert_string_not_equal(checks[i].id, checks[j].id);
	}
	assert_null(check_find("no-such-id"));
	assert_null(check_find(NULL));
}

static void
test_suggest(void **state)
{
	const struct check *c;

	c = check_suggest("syntx");
	assert_non_null(c);
	assert_string_equal(c->id, "syntax");
	c = check_suggest("INCLUDE");
	assert_non_null(c);
	assert_string_equal(c->id, "include");
	c = check_suggest("legacy_syntax");
	assert_non_null(c);
	assert_string_equal(c->id, "legacy-syntax");
	assert_null(check_suggest("completely-unrelated-words"));
	assert_null(check_suggest(""));
}

static void
test_list(void **state)
{
	char *buf = NULL, line[256];
	size_t len = 0, i;
	FILE *fp;

	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(checks_list(fp), 0);
	fclose(fp);
	for (i = 0; i < nchecks; i++) {
		snprintf(line, sizeof(line), "%s  ", checks[i].id);
		assert_non_null(strstr(buf, line));
		assert_non_null(strstr(buf, checks[i].desc));
	}
	assert_non_null(strstr(buf, "syntax "));
	assert_non_null(strstr(buf, "  error  "));
	free(buf);
	fp = fopen("/dev/full", "w");
	if (fp != NULL) {
		assert_int_equal(checks_list(fp), -1);
		fclose(fp);
	}
}

static void
test_policy(void **state)
{
	struct check_policy p;
	struct diag d;

	check_policy_init(&p);
	assert_int_equal(check_policy_set(&p, "nope", 0), -1);
	assert_int_equal(check_policy_set(&p, "syntax", 0), 0);
	assert_int_equal(check_policy_set(&p, "include", 0), 0);
	/* The last call for an id wins. */
	assert_int_equal(check_policy_set(&p, "include", 1), 0);
	sample(&d);
	/* 2 errors, 1 fatal, 1 warning; syntax disabled. */
	assert_int_equal(check_policy_failed(&p, &d), 1);
	assert_int_equal(check_policy_apply(&p, &d), 1);
	assert_int_equal(d.nitems, 3);
	assert_string_equal(d.items[0].id, "include");
	assert_null(d.items[1].id);
	assert_string_equal(d.items[2].id, "no-such-check-yet");
	assert_int_equal(d.count[DIAG_ERROR], 1);
	assert_int_equal(d.count[DIAG_FATAL], 1);
	assert_int_equal(d.count[DIAG_WARNING], 1);
	assert_int_equal(d.count[DIAG_NOTE], 0);
	assert_int_equal(check_policy_failed(&p, &d), 1);
	diag_fini(&d);

	/* A warning of an unregistered id fails only with --fail-on warning. */
	diag_init(&d, 0);
	diag_add(&d, DIAG_WARNING, "unregistered", NULL, "w");
	diag_add(&d, DIAG_NOTE, "syntax", NULL, "n");
	assert_int_equal(check_policy_failed(&p, &d), 0);
	p.fail_level = DIAG_WARNING;
	assert_int_equal(check_policy_failed(&p, &d), 1);
	assert_int_equal(check_policy_apply(&p, &d), 1);	/* syntax off */
	assert_int_equal(d.nitems, 1);
	assert_int_equal(d.count[DIAG_WARNING], 1);
	assert_int_equal(check_policy_set(&p, "syntax", 1), 0);
	diag_fini(&d);

	/* A disabled check's finding does not fail the run, even unapplied. */
	diag_init(&d, 0);
	check_policy_set(&p, "encoding", 0);
	diag_add(&d, DIAG_ERROR, "encoding", NULL, "e");
	assert_int_equal(check_policy_failed(&p, &d), 0);
	/* ...but a fatal one does, and is kept. */
	diag_add(&d, DIAG_FATAL, "encoding", NULL, "f");
	assert_int_equal(check_policy_failed(&p, &d), 1);
	assert_int_equal(check_policy_apply(&p, &d), 1);
	assert_int_equal(d.nitems, 1);
	assert_int_equal(d.items[0].sev, DIAG_FATAL);
	diag_fini(&d);
}

/*
 * --emit DIR: sample files for tests/report/suite.sh.
 */

static int
emit_one(const struct diag *d, const char *name, enum report_format f,
    int caret)
{
	static const char *const inputs[] = { "main.conf" };
	struct report_opts o = {
		.format = f,
		.caret = caret,
		.tool_version = "0.1.0",
		.inputs = inputs,
		.ninputs = 1,
		.fail_level = DIAG_ERROR,
		.information_uri = "https://example.org/ectls",
	};
	FILE *fp;
	int rc;

	if ((fp = fopen(name, "w")) == NULL)
		return -1;
	rc = report_write(d, &o, fp, fp);
	if (fclose(fp) == EOF)
		rc = -1;
	return rc;
}

static int
emit(const char *dir)
{
	static const struct loc_file main_f = { .path = "main.conf" };
	static const struct loc_file inc_f = {
		.path = "conf.d/tls.conf",
		.parent = &main_f,
		.parent_line = 3,
		.parent_col = 1,
	};
	static const struct loc_file abs_f = {
		.path = "/nonexistent/abs.conf",
	};
	static const struct loc_file junk_f = {
		.path = "j\xff\x01nk \"dir\"/#?%\\.conf",
	};
	struct diag d, g;
	struct diag_item *it;
	FILE *fp;
	int rc = 0;

	if (chdir(dir) == -1 || mkdir("conf.d", 0777) == -1)
		return -1;
	if ((fp = fopen("main.conf", "w")) == NULL)
		return -1;
	fputs("# sample\ntls = required\ninclude \"conf.d/tls.conf\"\n"
	    "Scope \"x\" {\n\ttls_protocols = \"+ALL\"\n}\n", fp);
	fclose(fp);
	if ((fp = fopen("conf.d/tls.conf", "w")) == NULL)
		return -1;
	fputs("tls_ciphers = \"caf\xc3\xa9:FOO\"\n", fp);
	fclose(fp);

	diag_init(&d, 0);
	it = diag_add(&d, DIAG_ERROR, "syntax", &(struct loc){
	    .file = &main_f, .line = 5, .col = 25, .len = 6 },
	    "tls_protocols \"+ALL\" enables SSLv3");
	diag_note(&d, it, &(struct loc){ .file = &main_f, .line = 4,
	    .col = 1 }, "in scope \"x\" opened here");
	diag_note(&d, it, NULL, "see RFC 7568");
	it = diag_add(&d, DIAG_ERROR, "include", &(struct loc){
	    .file = &inc_f, .line = 1, .col = 22, .len = 3 },
	    "unknown cipher \"FOO\"");
	diag_add(&d, DIAG_WARNING, "unregistered-id", &(struct loc){
	    .file = &abs_f, .line = 2, .col = 1, .len = 1 },
	    "absolute path");
	diag_add(&d, DIAG_NOTE, NULL, NULL, "a finding without location");
	diag_add(&d, DIAG_FATAL, NULL, NULL, "fatal without id");

	diag_init(&g, 0);
	it = diag_add(&g, DIAG_ERROR, "id \"with\" <xml> & \xfe", &(struct loc){
	    .file = &junk_f, .line = 1, .col = 1, .len = 2 },
	    "ctl \x01\x02\x1b\x7f nl\n cr\r tab\t bad \xc0\xaf\xed\xa0\x80\xff "
	    "quote\" bs\\ lt< amp& ]]> end");
	diag_note(&g, it, &(struct loc){ .file = &junk_f, .line = 0 },
	    "note \xf8\x88\x80\x80\x80 ]]>");
	diag_add(&g, DIAG_WARNING, "", NULL, "%s", "");

	rc |= emit_one(&d, "sample.txt", REPORT_TEXT, 1);
	rc |= emit_one(&d, "sample.json", REPORT_JSON, 0);
	rc |= emit_one(&d, "sample.sarif", REPORT_SARIF, 0);
	rc |= emit_one(&d, "sample.xml", REPORT_JUNIT, 0);
	rc |= emit_one(&g, "garbage.txt", REPORT_TEXT, 1);
	rc |= emit_one(&g, "garbage.json", REPORT_JSON, 0);
	rc |= emit_one(&g, "garbage.sarif", REPORT_SARIF, 0);
	rc |= emit_one(&g, "garbage.xml", REPORT_JUNIT, 0);
	diag_fini(&d);
	diag_fini(&g);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_exact),
		cmocka_unit_test(test_text_partial_loc),
		cmocka_unit_test(test_text_escapes),
		cmocka_unit_test_setup_teardown(test_text_caret, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_json_empty),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_garbage),
		cmocka_unit_test(test_json_checker),
		cmocka_unit_test(test_sarif_shape),
		cmocka_unit_test_setup_teardown(test_sarif_columns, setup_tmp,
		    teardown_tmp),
		cmocka_unit_test(test_sarif_policy),
		cmocka_unit_test(test_junit),
		cmocka_unit_test(test_junit_fail_warning_and_skip),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_policy),
	};

	if (argc == 3 && strcmp(argv[1], "--emit") == 0)
		return emit(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: test_report [--emit DIR]\n");
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
