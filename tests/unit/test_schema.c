/* SPDX-License-Identifier: ISC */
/*
 * test_schema.c -- the option schema loader (schema/schema.c): the embedded
 * default, case-insensitive lookups, scopes, variants, value checks,
 * suggestions, extra files (overrides and every consistency error, with
 * their lines), hostile XML (external entities), the hash, and that
 * libxml2 neither prints nor keeps our error handlers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "diag.h"
#include "schema.h"
#include "sha256.h"

#define TMPDIR_NAME "test-schema"
#include "tmpdir.h"

/* Write text to tmpdir/name; returns the path (static buffer). */
static const char *
write_tmp(const char *name, const char *text)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static struct schema *
load(void)
{
	struct diag d;
	struct schema *s;

	diag_init(&d, 0);
	s = schema_load_default(&d);
	if (s == NULL) {
		size_t i;

		for (i = 0; i < d.nitems; i++)
			print_error("%s:%u: %s\n", d.items[i].path ?
			    d.items[i].path : "-", (unsigned)d.items[i].line,
			    d.items[i].msg);
	}
	assert_non_null(s);
	assert_int_equal(diag_count_at_least(&d, DIAG_WARNING), 0);
	diag_fini(&d);
	return s;
}

/* The first error item whose message contains needle, or NULL. */
static const struct diag_item *
find_msg(const struct diag *d, const char *needle)
{
	size_t i;

	for (i = 0; i < d->nitems; i++)
		if (strstr(d->items[i].msg, needle) != NULL)
			return &d->items[i];
	return NULL;
}

static void
test_default_loads(void **state)
{
	struct schema *s = load();
	const char *v = schema_version(s);
	size_t i;

	(void)state;
	assert_true(schema_noptions(s) > 400);
	assert_true(schema_nscopes(s) > 100);
	assert_int_equal(strlen(v), 64);
	for (i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", v[i]));
	/* Sorted by name. */
	for (i = 1; i < schema_noptions(s); i++)
		assert_true(strcmp(schema_option_at(s, i - 1)->name,
		    schema_option_at(s, i)->name) <= 0);
	for (i = 1; i < schema_nscopes(s); i++)
		assert_true(strcmp(schema_scope_at(s, i - 1)->name,
		    schema_scope_at(s, i)->name) < 0);
	assert_null(schema_option_at(s, schema_noptions(s)));
	schema_free(s);
	schema_free(NULL);
}

static void
test_tls_options(void **state)
{
	static const char *const tls[] = {
		"tls", "tls_ifavailable_fallback", "tls_verify", "tls_ca",
		"tls_certificate", "tls_key", "tls_ciphers",
		"tlsv13_ciphersuites", "tls_protocols", "tls_engine",
		"tls_allow_renegotiation", "tls_client_ca", "tls_verify_mode",
		"tls_verified_peer_can_relay", "use_ssl",
		"starttls_injection_policy", "tls_dhparams_file",
		"tls_enable_dhe_ciphers", "tls_ec_curve_names", "crypto_engine",
		"use_dane", "enable_dane", "use_mta_sts", "enable_mta_sts",
	};
	struct schema *s = load();
	const struct opt_spec *o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tls) / sizeof(tls[0]); i++) {
		o = schema_option(s, tls[i]);
		assert_non_null(o);
		assert_int_not_equal(o->engine, OPT_ENGINE_NONE);
	}
	o = schema_option(s, "tls");
	assert_int_equal(o->type, OPT_T_ENUM);
	assert_int_equal(o->nvalues, 3);
	assert_string_equal(o->def, "no");
	o = schema_option(s, "tls_verify");
	assert_int_equal(o->nvalues, 4);
	assert_string_equal(o->values[3], "optional");
	o = schema_option(s, "tls_protocols");
	assert_int_equal(o->type, OPT_T_TOKENS);
	assert_int_equal(o->engine, OPT_ENGINE_OPENSSL);
	assert_string_equal(o->def, "+ALL");
	o = schema_option(s, "tls_engine");
	assert_int_equal(o->dynamic, OPT_DYN_NO);
	assert_int_equal(o->nscopes, 1);
	assert_string_equal(o->scopes[0], "global");
	schema_free(s);
}

static void
test_lookup_case_insensitive(void **state)
{
	struct schema *s = load();
	const struct opt_spec *a, *b;
	const struct scope_spec *c;

	(void)state;
	a = schema_option(s, "tls_verify");
	b = schema_option(s, "TLS_Verify");
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_ptr_equal(schema_option(s, "MAX_OUTBOUND_CONNECTIONS"),
	    schema_option(s, "max_outbound_connections"));
	c = schema_scope(s, "ESMTP_Listener");
	assert_non_null(c);
	assert_string_equal(c->name, "esmtp_listener");
	assert_int_equal(c->instance, SCOPE_INST_NONE);
	assert_false(c->module);
	assert_null(schema_option(s, "no_such_option"));
	assert_null(schema_option(s, ""));
	assert_null(schema_scope(s, "no_such_scope"));
	/* Longer than any name can be. */
	assert_null(schema_option(s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	schema_free(s);
}

static void
test_allowed_scopes(void **state)
{
	struct schema *s = load();
	const struct opt_spec *o;
	const struct scope_spec *c;

	(void)state;
	o = schema_option(s, "tls");
	assert_true(opt_allowed_in(o, "global"));
	assert_true(opt_allowed_in(o, "Binding"));
	assert_true(opt_allowed_in(o, "binding_group"));
	assert_true(opt_allowed_in(o, "DOMAIN"));
	assert_false(opt_allowed_in(o, "host"));
	assert_false(opt_allowed_in(o, "esmtp_listener"));
	/* tls_key: the wider documented set (spec/momentum.md 9.1). */
	o = schema_option(s, "tls_key");
	assert_true(opt_allowed_in(o, "binding"));
	assert_true(opt_allowed_in(o, "listen"));
	assert_true(opt_allowed_in(o, "peer"));
	o = schema_option(s, "max_outbound_connections");
	assert_true(opt_allowed_in(o, "host"));
	o = schema_option(s, "routes");
	assert_true(opt_allowed_in(o, "domain"));
	assert_false(opt_allowed_in(o, "binding"));
	/* @module: every module stanza, no core scope. */
	o = schema_option(s, "enabled");
	assert_true(o->flags & OPT_F_ANY_MODULE);
	assert_true(opt_allowed_in(o, "ec_logger"));
	assert_true(opt_allowed_in(o, "cluster"));
	assert_false(opt_allowed_in(o, "binding"));
	assert_false(opt_allowed_in(NULL, "binding"));

	c = schema_scope(s, "listen");
	assert_int_equal(c->instance, SCOPE_INST_REQUIRED);
	assert_true(scope_allowed_in(c, "ESMTP_Listener"));
	assert_false(scope_allowed_in(c, "global"));
	c = schema_scope(s, "binding");
	assert_true(scope_allowed_in(c, "global"));
	assert_true(scope_allowed_in(c, "binding_group"));
	assert_false(scope_allowed_in(c, "domain"));
	c = schema_scope(s, "ec_logger");
	assert_true(c->module);
	c = schema_scope(s, "global");
	assert_int_equal(c->nparents, 0);
	schema_free(s);
}

static void
test_variants(void **state)
{
	struct schema *s = load();
	const struct opt_spec *o, *l, *g;
	size_t n;

	(void)state;
	o = schema_option_variants(s, "File_Mode", &n);
	assert_non_null(o);
	assert_int_equal(n, 2);
	l = schema_option_in(s, "file_mode", "logs");
	g = schema_option_in(s, "file_mode", "listen");
	assert_non_null(l);
	assert_non_null(g);
	assert_ptr_not_equal(l, g);
	assert_int_equal(l->type, OPT_T_OCTAL);
	assert_null(schema_option_in(s, "file_mode", "binding"));
	assert_null(schema_option_variants(s, "nope", &n));
	assert_int_equal(n, 0);
	/* Same keyword as an option and as a scope. */
	assert_non_null(schema_option(s, "pathway"));
	assert_non_null(schema_scope(s, "pathway"));
	schema_free(s);
}

static void
expect_bad(const struct opt_spec *o, const char *v, const char *why)
{
	char buf[256];

	if (opt_check_scalar(o, v, buf, sizeof(buf)) != -1)
		fail_msg("%s = \"%s\" accepted", o->name, v);
	if (why != NULL && strcmp(buf, why) != 0)
		fail_msg("%s = \"%s\": got \"%s\", want \"%s\"", o->name, v,
		    buf, why);
}

static void
expect_ok(const struct opt_spec *o, const char *v)
{
	char buf[256];

	if (opt_check_scalar(o, v, buf, sizeof(buf)) != 0)
		fail_msg("%s = \"%s\" rejected: %s", o->name, v, buf);
}

static void
test_check_scalar(void **state)
{
	struct schema *s = load();
	const struct opt_spec *o;
	static const char *const bools[] = {
		"true", "FALSE", "Yes", "no", "on", "OFF", "enabled",
		"Disabled", "1", "0"
	};
	size_t i;

	(void)state;
	o = schema_option(s, "tls_ifavailable_fallback");
	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		expect_ok(o, bools[i]);
	expect_bad(o, "maybe", "expected a boolean (true/false, yes/no, "
	    "on/off, enabled/disabled, 1/0), got \"maybe\"");
	expect_bad(o, "", NULL);
	expect_bad(o, "2", NULL);

	o = schema_option(s, "remote_smtp_port");
	expect_ok(o, "25");
	expect_ok(o, "65535");
	expect_bad(o, "70000", "integer 70000 out of range 1..65535");
	expect_bad(o, "0", "integer 0 out of range 1..65535");
	expect_bad(o, "25x", "expected an integer, got \"25x\"");
	expect_bad(o, " 25", NULL);
	expect_bad(o, "99999999999999999999999", NULL);

	o = schema_option(s, "tls");
	expect_ok(o, "required");
	expect_ok(o, "IfAvailable");
	expect_bad(o, "sometimes",
	    "unknown value \"sometimes\" (expected no, ifavailable, required)");

	o = schema_option(s, "spool_mode");
	expect_ok(o, "0640");
	expect_ok(o, "0");
	expect_bad(o, "640", NULL);
	expect_bad(o, "0849", NULL);
	expect_bad(o, "077777", "mode 077777 out of range 00..07777");

	o = schema_option(s, "message_expiration");
	expect_ok(o, "86400");
	expect_bad(o, "-5", "duration -5 below the minimum 0");
	expect_bad(o, "1d", "expected a number of seconds, got \"1d\"");

	o = schema_option(s, "max_retries");	/* int or auto/none */
	expect_ok(o, "auto");
	expect_ok(o, "NONE");
	expect_ok(o, "7");
	expect_bad(o, "never", NULL);

	o = schema_option(s, "gateway");
	expect_ok(o, "10.0.0.1");
	expect_ok(o, "[fe80::a00]:1");
	expect_ok(o, "my.local.smart.host");
	expect_ok(o, "mx.example.com:2525");
	expect_ok(o, "#spe_relay");
	expect_ok(o, "fe80::a00:1");
	expect_bad(o, "host:99999",
	    "invalid port \"99999\" in \"host:99999\" (expected 1..65535)");
	expect_bad(o, "[fe80::a00", NULL);
	expect_bad(o, "ho st", NULL);
	expect_bad(o, ":25", "missing host in \":25\"");
	expect_bad(o, "#", NULL);
	expect_bad(o, "host:", NULL);

	o = schema_option(s, "outbound_throttle_messages");
	expect_ok(o, "1/60");
	expect_ok(o, "60/3");
	expect_ok(o, "100");
	expect_bad(o, "1/0", NULL);
	expect_bad(o, "fast", NULL);
	expect_bad(o, "1/", NULL);
	expect_bad(o, "-1/5", NULL);

	o = schema_option(s, "tls_protocols");
	expect_ok(o, "+ALL:-SSLv3");
	expect_ok(o, "+ALL:-SSLv2:-SSLv3:-TLSv1.0:-tlsv1.1");
	expect_ok(o, ":ALL:-SSLv3");
	expect_bad(o, "+ALL:-TLSv1.4", "unknown token \"TLSv1.4\" (expected "
	    "ALL, SSLv2, SSLv3, TLSv1, TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3)");
	expect_bad(o, "+ALL::-SSLv3", NULL);
	expect_bad(o, "", NULL);

	o = schema_option(s, "tls_certificate");
	expect_ok(o, "/etc/cert.pem");
	expect_ok(o, "none");
	expect_bad(o, "", "empty path");

	o = schema_option(s, "high_threshold");
	expect_ok(o, "1.5");
	expect_bad(o, "lots", NULL);

	o = schema_option(s, "authloginparameters");
	expect_bad(o, "x", NULL);

	o = schema_option(s, "debug");	/* list with allowed items */
	expect_ok(o, "SSL");
	expect_bad(o, "BOGUS", NULL);
	schema_free(s);
}

static void
test_suggest(void **state)
{
	struct schema *s = load();
	const char *g;

	(void)state;
	g = schema_suggest_option(s, "tls_verfy");
	assert_non_null(g);
	assert_string_equal(g, "tls_verify");
	g = schema_suggest_option(s, "Idel_Time");
	assert_non_null(g);
	assert_string_equal(g, "idle_time");
	g = schema_suggest_option(s, "tsl");
	assert_non_null(g);
	assert_string_equal(g, "tls");
	assert_null(schema_suggest_option(s, "qqqqqqqqqqqqqqqq"));
	assert_null(schema_suggest_option(s, ""));
	g = schema_suggest_scope(s, "esmtp_listner");
	assert_non_null(g);
	assert_string_equal(g, "esmtp_listener");
	schema_free(s);
}

static const char extra_ok[] =
    "<?xml version=\"1.0\"?>\n"
    "<schema version=\"1\">\n"
    "  <scopes>\n"
    "    <scope name=\"mymod\" instance=\"optional\" parents=\"global\" module=\"true\">\n"
    "      <description>a custom module</description>\n"
    "    </scope>\n"
    "  </scopes>\n"
    "  <options>\n"
    "    <option name=\"mymod_level\" type=\"int\" scopes=\"mymod\" min=\"1\" max=\"10\" default=\"5\">\n"
    "      <description>custom level</description>\n"
    "    </option>\n"
    "    <option name=\"tls\" type=\"enum\" scopes=\"global binding domain binding_group\" default=\"no\">\n"
    "      <value>no</value><value>ifavailable</value><value>required</value><value>dane</value>\n"
    "      <description>overridden</description>\n"
    "    </option>\n"
    "  </options>\n"
    "</schema>\n";

static void
test_extra_file(void **state)
{
	struct schema *s = load();
	struct diag d;
	const struct opt_spec *o;
	char v0[65];
	size_t n, nopts;
	const char *path;

	(void)state;
	diag_init(&d, 0);
	snprintf(v0, sizeof(v0), "%s", schema_version(s));
	nopts = schema_noptions(s);
	path = write_tmp("extra.xml", extra_ok);
	assert_int_equal(schema_add_file(s, path, &d), 0);
	assert_int_equal(d.nitems, 0);
	assert_int_equal(schema_noptions(s), nopts + 1);
	o = schema_option(s, "MyMod_Level");
	assert_non_null(o);
	assert_true(opt_allowed_in(o, "mymod"));
	assert_string_equal(o->file, path);
	assert_int_equal(o->line, 9);
	assert_true(schema_scope(s, "mymod")->module);
	/* @module options now include the new module. */
	assert_true(opt_allowed_in(schema_option(s, "enabled"), "mymod"));
	o = schema_option_variants(s, "tls", &n);
	assert_int_equal(n, 1);
	assert_int_equal(o->nvalues, 4);
	assert_string_equal(o->desc, "overridden");
	assert_string_not_equal(schema_version(s), v0);
	diag_fini(&d);
	schema_free(s);
}

struct bad_case {
	const char	*name;
	const char	*body;		/* inside <options> */
	unsigned	 line;
	const char	*msg;
};

#define HEAD "<?xml version=\"1.0\"?>\n<schema version=\"1\">\n<options>\n"
#define TAIL "</options>\n</schema>\n"

static const struct bad_case bad_cases[] = {
	{ "minmax",
	  "<option name=\"x1\" type=\"int\" scopes=\"global\" min=\"10\" max=\"1\">"
	  "<description>d</description></option>\n", 4,
	  "option \"x1\": min 10 greater than max 1" },
	{ "enumdefault",
	  "<option name=\"x2\" type=\"enum\" scopes=\"global\" default=\"maybe\">"
	  "<value>yes</value><value>no</value>"
	  "<description>d</description></option>\n", 4,
	  "option \"x2\": default \"maybe\" is not a valid enum: unknown value "
	  "\"maybe\" (expected yes, no)" },
	{ "typedefault",
	  "\n<option name=\"x3\" type=\"int\" scopes=\"global\" default=\"ten\">"
	  "<description>d</description></option>\n", 5,
	  "option \"x3\": default \"ten\" is not a valid int" },
	{ "duplicate",
	  "<option name=\"x4\" type=\"bool\" scopes=\"global binding\">"
	  "<description>d</description></option>\n"
	  "<option name=\"x4\" type=\"int\" scopes=\"domain binding\">"
	  "<description>d</description></option>\n", 5,
	  "duplicate option \"x4\" in scope \"binding\" (first defined at line 4)" },
	{ "unknownscope",
	  "<option name=\"x5\" type=\"bool\" scopes=\"global bindnig\">"
	  "<description>d</description></option>\n", 4,
	  "option \"x5\": unknown scope \"bindnig\"" },
	{ "enumnovalues",
	  "<option name=\"x6\" type=\"enum\" scopes=\"global\">"
	  "<description>d</description></option>\n", 4,
	  "option \"x6\": type enum needs at least one <value>" },
	{ "minonstring",
	  "<option name=\"x7\" type=\"string\" scopes=\"global\" min=\"1\">"
	  "<description>d</description></option>\n", 4,
	  "option \"x7\": min is not allowed for type string" },
	{ "replacement",
	  "<option name=\"x8\" type=\"bool\" scopes=\"global\" deprecated=\"true\" "
	  "replacement=\"no_such_thing\"><description>d</description></option>\n", 4,
	  "option \"x8\": replacement \"no_such_thing\" is not a known option" },
	{ "xsdtype",
	  "<option name=\"x9\" type=\"integer\" scopes=\"global\">"
	  "<description>d</description></option>\n", 4,
	  "integer" },
	{ "notwellformed",
	  "<option name=\"x10\" type=\"int\" scopes=\"global\">\n"
	  "<description>d</descr></option>\n", 5,
	  "descr" },
};

static void
test_inconsistent_files(void **state)
{
	struct schema *s = load();
	char v0[65], name[64], *text;
	const struct diag_item *it;
	struct diag d;
	size_t i, nopts, len;
	const char *path;

	(void)state;
	snprintf(v0, sizeof(v0), "%s", schema_version(s));
	nopts = schema_noptions(s);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];

		len = strlen(HEAD) + strlen(bc->body) + strlen(TAIL) + 1;
		text = malloc(len);
		assert_non_null(text);
		snprintf(text, len, "%s%s%s", HEAD, bc->body, TAIL);
		snprintf(name, sizeof(name), "bad-%s.xml", bc->name);
		path = write_tmp(name, text);
		free(text);
		diag_init(&d, 0);
		assert_int_equal(schema_add_file(s, path, &d), -1);
		it = find_msg(&d, bc->msg);
		if (it == NULL) {
			fail_msg("%s: no error containing \"%s\" (first: %s)",
			    bc->name, bc->msg, d.nitems ? d.items[0].msg : "-");
			return;
		}
		assert_int_equal(it->sev, DIAG_ERROR);
		assert_non_null(it->path);
		assert_string_equal(it->path, path);
		if (it->line != bc->line)
			fail_msg("%s: line %u, want %u", bc->name,
			    (unsigned)it->line, bc->line);
		assert_string_equal(it->id, "schema");
		diag_fini(&d);
		/* A failed add leaves the schema unchanged. */
		assert_int_equal(schema_noptions(s), nopts);
		assert_string_equal(schema_version(s), v0);
	}
	diag_init(&d, 0);
	assert_int_equal(schema_add_file(s, "/nonexistent/x.xml", &d), -1);
	assert_non_null(find_msg(&d, "cannot open"));
	diag_fini(&d);
	schema_free(s);
}

static int marker_handler_called;

static void
marker_handler(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
	marker_handler_called++;
}

static void
test_xxe_and_quiet(void **state)
{
	struct schema *s = load();
	char body[1024], buf[4096], secret[512];
	const struct diag_item *it;
	const char *marker = "XXE-MARKER-6f1d2c";
	struct diag d;
	size_t i;
	const char *path;
	FILE *fp;
	int saved, fd;
	ssize_t n;

	(void)state;
	path = write_tmp("secret.txt", marker);
	snprintf(secret, sizeof(secret), "%s", path);
	/* In an attribute: not well-formed (never read either). */
	snprintf(body, sizeof(body),
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE schema [ <!ENTITY xxe SYSTEM \"file://%s\"> ]>\n"
	    "<schema version=\"1\"><options>\n"
	    "<option name=\"leak\" type=\"string\" scopes=\"global\" default=\"&xxe;\">"
	    "<description>&xxe;</description></option>\n"
	    "</options></schema>\n", secret);
	path = write_tmp("xxe-attr.xml", body);
	diag_init(&d, 0);
	assert_int_equal(schema_add_file(s, path, &d), -1);
	assert_true(d.nitems > 0);
	for (i = 0; i < d.nitems; i++)
		assert_null(strstr(d.items[i].msg, marker));
	assert_non_null(find_msg(&d, "xxe"));
	diag_fini(&d);

	/* In content: well-formed, refused for its DOCTYPE (line 2). */
	snprintf(body, sizeof(body),
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE schema [ <!ENTITY xxe SYSTEM \"file://%s\"> ]>\n"
	    "<schema version=\"1\"><options>\n"
	    "<option name=\"leak\" type=\"string\" scopes=\"global\">"
	    "<description>&xxe;</description></option>\n"
	    "</options></schema>\n", secret);
	path = write_tmp("xxe.xml", body);

	/* Our handler must be back in place afterwards. */
	xmlSetStructuredErrorFunc(NULL, marker_handler);
	fflush(stderr);
	saved = dup(2);
	fp = tmpfile();
	assert_non_null(fp);
	fd = fileno(fp);
	dup2(fd, 2);
	diag_init(&d, 0);
	assert_int_equal(schema_add_file(s, path, &d), -1);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(fp);
	n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	assert_int_equal(n, 0);		/* libxml2 printed nothing */
	assert_ptr_equal(xmlStructuredError, marker_handler);
	xmlSetStructuredErrorFunc(NULL, NULL);
	assert_int_equal(marker_handler_called, 0);

	assert_true(d.nitems > 0);
	for (i = 0; i < d.nitems; i++)
		assert_null(strstr(d.items[i].msg, marker));
	it = find_msg(&d, "DOCTYPE");
	assert_non_null(it);
	if (it != NULL)
		assert_int_equal(it->line, 2);
	assert_null(schema_option(s, "leak"));
	diag_fini(&d);
	schema_free(s);
}

static void
test_hash(void **state)
{
	static const char *const abc =
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	static const char *const empty =
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	struct schema *s = load(), *t = load();
	uint8_t dg[32], dg2[32];
	char hex[65], *canon;
	size_t len, i;

	(void)state;
	sha256("abc", 3, dg);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", dg[i]);
	assert_string_equal(hex, abc);
	sha256("", 0, dg);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", dg[i]);
	assert_string_equal(hex, empty);

	/* The version is the SHA-256 of the canonical form, and stable. */
	assert_int_equal(schema_canonical(s, &canon, &len), 0);
	sha256(canon, len, dg);
	free(canon);
	schema_digest(s, dg2);
	assert_memory_equal(dg, dg2, 32);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", dg[i]);
	assert_string_equal(hex, schema_version(s));
	assert_string_equal(schema_version(s), schema_version(t));
	schema_free(s);
	schema_free(t);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(opt_type_name(OPT_T_BOOL), "bool");
	assert_string_equal(opt_type_name(OPT_T_HOSTPORT), "hostport");
	assert_string_equal(opt_type_name(OPT_T_ANY), "any");
	assert_string_equal(opt_type_name((enum opt_type)99), "?");
	assert_string_equal(opt_engine_name(OPT_ENGINE_OPENSSL), "openssl");
	assert_string_equal(opt_engine_name(OPT_ENGINE_NONE), "");
	assert_string_equal(scope_instance_name(SCOPE_INST_REQUIRED),
	    "required");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_loads),
		cmocka_unit_test(test_tls_options),
		cmocka_unit_test(test_lookup_case_insensitive),
		cmocka_unit_test(test_allowed_scopes),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_check_scalar),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_extra_file),
		cmocka_unit_test(test_inconsistent_files),
		cmocka_unit_test(test_xxe_and_quiet),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
