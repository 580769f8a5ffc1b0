/* SPDX-License-Identifier: ISC */
/*
 * test_sema_paths.c -- scope paths of the semantic pass and the domain
 * model of scope resolution where the lint goldens do not reach: options
 * a repeated stanza brings in through an include (sema.c replays the first
 * stanza of a path when a second one comes), repeated and folded domain
 * stanzas merged by resolve.c (sorted, then merged in declaration order),
 * the lookup of a domain by name, regex stanzas, and a binding's entries
 * with and without a top-level domain stanza (flatten()'s two paths);
 * sema_is_lower(), domain stanzas already in order, and the memo of values
 * that passed their checks.
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

#include "cfg.h"
#include "diag.h"
#include "resolve.h"
#include "schema.h"
#include "sema.h"

#define TMPDIR_NAME "test-sema-paths"
#include "tmpdir.h"

static void
write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static struct cfg *
parse(const char *name, struct diag *d)
{
	struct cfg_opts o;
	char path[512];
	struct cfg *c;

	memset(&o, 0, sizeof(o));
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(c = cfg_parse_file(path, &o, d));
	assert_int_equal(diag_count_at_least(d, DIAG_ERROR), 0);
	return c;
}

/* The duplicate-option findings of d, counted; the i-th one's index in *at. */
static size_t
dups(const struct diag *d, size_t i, size_t *at)
{
	size_t k, n = 0;

	for (k = 0; k < d->nitems; k++) {
		if (d->items[k].id == NULL ||
		    strcmp(d->items[k].id, "duplicate-option") != 0)
			continue;
		if (n++ == i && at != NULL)
			*at = k;
	}
	return n;
}

static int
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && strcmp(s + n - m, tail) == 0;
}

/*
 * The first stanza of a path sets its options through an include; a second
 * stanza (another spelling of the name) sets one again: the note names the
 * included line.  The same file included twice in one stanza is a
 * duplicate too, at the second include.
 */
static void
test_replay_through_include(void **state)
{
	struct schema *s;
	struct diag d;
	struct cfg *c;
	const struct diag_item *it;
	size_t at = 0;

	(void)state;
	write_file("inc.conf", "tls = ifavailable\nretry_interval = 600\n");
	write_file("main.conf",
	    "tls_protocols = \"+ALL:-SSLv2:-SSLv3:-TLSv1.0:-TLSv1.1\"\n"
	    "binding \"b\" {\n"
	    "  domain \"d.example\" {\n"
	    "    include \"inc.conf\"\n"
	    "  }\n"
	    "  domain \"D.Example.\" {\n"
	    "    retry_interval = 660\n"
	    "  }\n"
	    "}\n");
	diag_init(&d, 0);
	assert_non_null(s = schema_load_default(&d));
	c = parse("main.conf", &d);
	assert_int_equal(sema_check(cfg_root(c), s, &d), 0);
	assert_int_equal(dups(&d, 0, &at), 1);
	it = &d.items[at];
	assert_true(ends_with(it->path, "/main.conf"));
	assert_int_equal(it->line, 7);
	assert_int_equal(it->nnotes - it->nchain, 1);
	assert_true(ends_with(it->notes[0].path, "/inc.conf"));
	assert_int_equal(it->notes[0].line, 2);
	cfg_free(c);
	diag_fini(&d);

	write_file("twice.conf",
	    "domain \"e.example\" {\n"
	    "  include \"inc.conf\"\n"
	    "  include \"inc.conf\"\n"
	    "}\n");
	diag_init(&d, 0);
	c = parse("twice.conf", &d);
	sema_check(cfg_root(c), s, &d);
	assert_int_equal(dups(&d, 0, NULL), 2);
	cfg_free(c);
	diag_fini(&d);
	schema_free(s);
}

/* The domains of binding 0, joined with spaces. */
static void
domains(const struct resolve *r, size_t b, char *buf, size_t size)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < resolve_ndomains(r, b) && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? " " : "",
		    resolve_domain(r, b, i));
}

static void
test_resolve_domains(void **state)
{
	struct tblw_policy p;
	struct resolve_src src;
	struct resolve *r;
	struct diag d;
	struct cfg *c;
	char buf[256];
	int level;

	(void)state;
	write_file("res.conf",
	    "retry_interval = 100\n"
	    "binding \"b\" {\n"
	    "  ehlo_hostname = \"mx.example\"\n"
	    "  domain \"z.example\" { tls = required }\n"
	    "  domain \"A.example.\" { tls = ifavailable  retry_interval = 7 }\n"
	    "  domain \"m.example\" { tls = no }\n"
	    "  domain \"a.example\" { retry_interval = 8 }\n"
	    "  domain \"/^r[0-9]+[.]example$/\" { retry_interval = 9 }\n"
	    "  domain \"\" { tls = required }\n"
	    "}\n"
	    "domain \"m.example\" { connect_timeout = 11 }\n"
	    "domain \"top.example\" { connect_timeout = 12 }\n");
	diag_init(&d, 0);
	c = parse("res.conf", &d);
	r = resolve_new(cfg_root(c));
	assert_string_equal(resolve_binding(r, 0), "b");
	domains(r, 0, buf, sizeof(buf));
	/* Sorted, folded, merged; "" matches nothing; the top level's too. */
	assert_string_equal(buf, "a.example m.example top.example z.example");

	/* a.example: both stanzas, the later one's retry_interval. */
	resolve_entry(r, 0, RESOLVE_DOMAIN, 0, &p, &src);
	assert_int_equal(p.f[ECTLS_F_TLS].num, ECTLS_TLS_IFAVAILABLE);
	assert_int_equal(p.f[ECTLS_F_RETRY_INTERVAL].num, 8);
	assert_int_equal(src.level[ECTLS_F_RETRY_INTERVAL], ECTLS_LVL_BD);
	assert_string_equal(p.f[ECTLS_F_EHLO_HOSTNAME].str, "mx.example");
	assert_int_equal(src.level[ECTLS_F_EHLO_HOSTNAME], ECTLS_LVL_B);
	assert_int_equal(p.f[ECTLS_F_CONNECT_TIMEOUT].num, 300);
	assert_null(src.node[ECTLS_F_CONNECT_TIMEOUT]);

	/* m.example has a top-level stanza too (D, below B). */
	resolve_entry(r, 0, RESOLVE_DOMAIN, 1, &p, &src);
	assert_int_equal(p.f[ECTLS_F_TLS].num, ECTLS_TLS_NO);
	assert_int_equal(p.f[ECTLS_F_CONNECT_TIMEOUT].num, 11);
	assert_int_equal(src.level[ECTLS_F_CONNECT_TIMEOUT], ECTLS_LVL_D);
	assert_int_equal(p.f[ECTLS_F_RETRY_INTERVAL].num, 100);
	assert_int_equal(src.level[ECTLS_F_RETRY_INTERVAL], ECTLS_LVL_GLOBAL);

	/* Only some fields: the others are left as they were. */
	p.f[ECTLS_F_TLS].num = 99;
	resolve_entry_fields(r, 0, RESOLVE_DOMAIN, 3,
	    UINT64_C(1) << ECTLS_F_RETRY_INTERVAL, &p, NULL);
	assert_int_equal(p.f[ECTLS_F_TLS].num, 99);
	assert_int_equal(p.f[ECTLS_F_RETRY_INTERVAL].num, 100);

	/* By name: folded, an unknown one takes the binding's record. */
	resolve_policy(r, "b", "A.EXAMPLE", -1, &p, &src);
	assert_int_equal(p.f[ECTLS_F_RETRY_INTERVAL].num, 8);
	resolve_policy(r, "b", "zz.example", -1, &p, &src);
	assert_int_equal(p.f[ECTLS_F_TLS].num, ECTLS_TLS_NO);
	assert_int_equal(p.f[ECTLS_F_RETRY_INTERVAL].num, 100);
	resolve_policy(r, "b", "r42.example", -1, &p, &src);
	assert_int_equal(p.f[ECTLS_F_RETRY_INTERVAL].num, 9);
	assert_int_equal(src.level[ECTLS_F_RETRY_INTERVAL], ECTLS_LVL_BD);

	assert_int_equal(resolve_nregex(r, 0), 1);
	assert_non_null(resolve_regex(r, 0, 0, &level));
	assert_int_equal(level, ECTLS_LVL_BD);
	resolve_entry(r, 0, RESOLVE_REGEX, 0, &p, NULL);
	assert_int_equal(p.f[ECTLS_F_RETRY_INTERVAL].num, 9);

	resolve_free(r);
	cfg_free(c);
	diag_fini(&d);
}

/* sema_is_lower() byte by byte. */
static int
is_lower_ref(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\0' || (s[i] >= 'A' && s[i] <= 'Z'))
			return 0;
	return 1;
}

/*
 * sema_is_lower() checks eight bytes at a time: every byte value at every
 * position of names of 0 to 20 bytes (the last word overlaps the one
 * before; bytes >= 0x80 whose low seven bits are a letter are not upper
 * case).
 */
static void
test_is_lower(void **state)
{
	const char base[] = "abcdefghijklmnopqrst";
	char buf[32];
	size_t n, i;
	int c;

	(void)state;
	for (n = 0; n <= 20; n++) {
		memcpy(buf, base, n);
		buf[n] = '\0';
		assert_int_equal(sema_is_lower(buf, n), 1);
		for (i = 0; i < n; i++)
			for (c = 0; c < 256; c++) {
				memcpy(buf, base, n);
				buf[i] = (char)c;
				assert_int_equal(sema_is_lower(buf, n),
				    is_lower_ref(buf, n));
			}
	}
}

/*
 * Domain stanzas already in order (resolve.c skips the sort), in order
 * with a repeated name (not strictly increasing: sorted and merged), and
 * names whose capital letters sit past the first eight bytes (folded by
 * sema's paths and by resolve).
 */
static void
test_sorted_stanzas(void **state)
{
	struct tblw_policy p;
	struct resolve_src src;
	struct schema *s;
	struct resolve *r;
	struct diag d;
	struct cfg *c;
	char buf[256];

	(void)state;
	write_file("sorted.conf",
	    "binding \"in-order\" {\n"
	    "  domain \"a.example\" { tls = no }\n"
	    "  domain \"b.example\" { tls = required }\n"
	    "  domain \"c.example\" { retry_interval = 3 }\n"
	    "}\n"
	    "binding \"repeated\" {\n"
	    "  domain \"a.example\" { tls = no }\n"
	    "  domain \"b.example\" { tls = required }\n"
	    "  domain \"b.example\" { retry_interval = 5 }\n"
	    "  domain \"c.example\" { retry_interval = 6 }\n"
	    "}\n"
	    "binding \"tail\" {\n"
	    "  domain \"longname.example\" { tls = no }\n"
	    "  domain \"longname.exAmple.\" { tls = required }\n"
	    "}\n");
	diag_init(&d, 0);
	assert_non_null(s = schema_load_default(&d));
	c = parse("sorted.conf", &d);
	sema_check(cfg_root(c), s, &d);
	/* Only the folded long name repeats an option of its path. */
	assert_int_equal(dups(&d, 0, NULL), 1);
	r = resolve_new(cfg_root(c));

	assert_string_equal(resolve_binding(r, 0), "in-order");
	domains(r, 0, buf, sizeof(buf));
	assert_string_equal(buf, "a.example b.example c.example");
	resolve_entry(r, 0, RESOLVE_DOMAIN, 1, &p, &src);
	assert_int_equal(p.f[ECTLS_F_TLS].num, ECTLS_TLS_REQUIRED);
	assert_int_equal(src.level[ECTLS_F_TLS], ECTLS_LVL_BD);
	resolve_entry(r, 0, RESOLVE_DOMAIN, 2, &p, &src);
	assert_int_equal(p.f[ECTLS_F_RETRY_INTERVAL].num, 3);

	assert_string_equal(resolve_binding(r, 1), "repeated");
	domains(r, 1, buf, sizeof(buf));
	assert_string_equal(buf, "a.example b.example c.example");
	resolve_entry(r, 1, RESOLVE_DOMAIN, 1, &p, &src);
	assert_int_equal(p.f[ECTLS_F_TLS].num, ECTLS_TLS_REQUIRED);
	assert_int_equal(p.f[ECTLS_F_RETRY_INTERVAL].num, 5);
	resolve_entry(r, 1, RESOLVE_DOMAIN, 2, &p, &src);
	assert_int_equal(p.f[ECTLS_F_RETRY_INTERVAL].num, 6);
	assert_null(src.node[ECTLS_F_TLS]);	/* the default */

	assert_string_equal(resolve_binding(r, 2), "tail");
	domains(r, 2, buf, sizeof(buf));
	assert_string_equal(buf, "longname.example");
	resolve_entry(r, 2, RESOLVE_DOMAIN, 0, &p, &src);
	assert_int_equal(p.f[ECTLS_F_TLS].num, ECTLS_TLS_REQUIRED);

	resolve_free(r);
	cfg_free(c);
	diag_fini(&d);
	schema_free(s);
}

/*
 * A value that passed the checks is not checked again: the first eight
 * distinct values of an option are remembered as written, the others in a
 * map.  Invalid values are reported every time, before and after.
 */
static void
test_clean_values(void **state)
{
	struct schema *s;
	struct diag d;
	struct cfg *c;
	char text[4096];
	size_t o = 0, k, i, bad;
	int round;

	(void)state;
	for (round = 0; round < 2; round++)
		for (i = 0; i < 12; i++)
			o += (size_t)snprintf(text + o, sizeof(text) - o,
			    "domain \"d%zu-%d.example\" { retry_interval = %zu "
			    "connect_timeout = %s }\n", i, round, 100 + i,
			    i % 5 == 0 ? "soon" : "30");
	write_file("clean.conf", text);
	diag_init(&d, 0);
	assert_non_null(s = schema_load_default(&d));
	c = parse("clean.conf", &d);
	sema_check(cfg_root(c), s, &d);
	for (bad = 0, k = 0; k < d.nitems; k++) {
		assert_non_null(d.items[k].id);
		assert_string_equal(d.items[k].id, "bad-value");
		bad++;
	}
	/* "soon" at i = 0, 5, 10 in both rounds. */
	assert_int_equal(bad, 6);
	cfg_free(c);
	diag_fini(&d);
	schema_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_through_include),
		cmocka_unit_test(test_resolve_domains),
		cmocka_unit_test(test_is_lower),
		cmocka_unit_test(test_sorted_stanzas),
		cmocka_unit_test(test_clean_values),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
