/* SPDX-License-Identifier: ISC */
/*
 * cmd_table.c -- the commands that read compiled tables (no parser needed):
 *
 *   ectls lookup [--json] TABLE BINDING DOMAIN
 *   ectls dump [--format text|json|xml] TABLE
 *   ectls diff OLD NEW
 *   ectls verify TABLE
 *
 * Exit status: 0 fine / no difference, 1 differences (diff) or changed or
 * missing files (verify), 2 usage errors and unreadable or corrupt tables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "tblfmt.h"
#include "ectls.h"
#include "sha256.h"
#include "xmlw.h"

/* ---- output helpers ------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned c = s[0];
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * A JSON string, or null.  Bytes that are not valid UTF-8 are written as
 * \u00XX (read as Latin-1), so the output is always valid JSON.
 */
void
json_str(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, k;

	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	n = strlen(s);
	fputc('"', fp);
	while (n > 0) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", fp);
		else if (*p == '\t')
			fputs("\\t", fp);
		else if (*p == '\r')
			fputs("\\r", fp);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\u%04x", *p);
		else if ((k = utf8_len(p, n)) > 1) {
			fwrite(p, 1, k, fp);
			p += k;
			n -= k;
			continue;
		} else if (k == 0)
			fprintf(fp, "\\u%04x", *p);
		else
			fputc(*p, fp);
		p++;
		n--;
	}
	fputc('"', fp);
}

/* A string for text output: quoted, with the same escapes as C. */
static void
text_str(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', fp);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\x%02x", *p);
		else
			fputc(*p, fp);
	}
	fputc('"', fp);
}

/* The value of one field, as JSON or as text. */
void
field_value(FILE *fp, const struct ectls_policy *p, int f, int json)
{
	size_t i, n;

	switch (ectls_field_type(f)) {
	case ECTLS_T_BOOL:
		fputs(ectls_policy_num(p, f) ? "true" : "false", fp);
		break;
	case ECTLS_T_ENUM:
		if (json)
			json_str(fp, ectls_value_name(f, ectls_policy_num(p, f)));
		else
			fputs(ectls_value_name(f, ectls_policy_num(p, f)), fp);
		break;
	case ECTLS_T_UINT:
		fprintf(fp, "%u", ectls_policy_num(p, f));
		break;
	case ECTLS_T_STR:
		if (json)
			json_str(fp, ectls_policy_str(p, f));
		else if (ectls_policy_str(p, f) == NULL)
			fputs("(unset)", fp);
		else
			text_str(fp, ectls_policy_str(p, f));
		break;
	case ECTLS_T_LIST:
		n = ectls_policy_list_len(p, f);
		fputs(json ? "[" : "(", fp);
		for (i = 0; i < n; i++) {
			if (i > 0)
				fputs(json ? "," : " ", fp);
			if (json)
				json_str(fp, ectls_policy_list_item(p, f, i));
			else
				text_str(fp, ectls_policy_list_item(p, f, i));
		}
		fputs(json ? "]" : ")", fp);
		break;
	default:
		break;
	}
}

static void
text_policy(FILE *fp, const struct ectls_policy *p, const char *indent)
{
	struct ectls_prov pv;
	int f;

	for (f = 0; f < ECTLS_NFIELDS; f++) {
		fprintf(fp, "%s%s = ", indent, ectls_field_name(f));
		field_value(fp, p, f, 0);
		ectls_policy_prov(p, f, &pv);
		if (pv.level == ECTLS_LVL_DEFAULT)
			fputs("  # default\n", fp);
		else
			fprintf(fp, "  # %s:%u (%s)\n",
			    pv.file ? pv.file : "-", pv.line,
			    ectls_level_name(pv.level));
	}
}

/* The fields of a policy as JSON members (no braces). */
static void
json_fields(FILE *fp, const struct ectls_policy *p)
{
	int f;

	for (f = 0; f < ECTLS_NFIELDS; f++) {
		fprintf(fp, "%s\"%s\":", f ? "," : "", ectls_field_name(f));
		field_value(fp, p, f, 1);
	}
}

static void
json_prov(FILE *fp, const struct ectls_policy *p)
{
	struct ectls_prov pv;
	int f, first = 1;

	fputc('{', fp);
	for (f = 0; f < ECTLS_NFIELDS; f++) {
		ectls_policy_prov(p, f, &pv);
		if (pv.level == ECTLS_LVL_DEFAULT)
			continue;
		fprintf(fp, "%s\"%s\":{\"file\":", first ? "" : ",",
		    ectls_field_name(f));
		json_str(fp, pv.file);
		fprintf(fp, ",\"line\":%u,\"level\":", pv.line);
		json_str(fp, ectls_level_name(pv.level));
		fputc('}', fp);
		first = 0;
	}
	fputc('}', fp);
}

/*
 * Open a table; with full, verify all of it first (dump, diff and verify
 * must not print half a report).  lookup relies on the reader's lazy
 * checks instead: every block it reads is verified before use, so it stays
 * fast on large tables and still never answers from corrupt bytes.
 */
static struct ectls_table *
open_table(const char *path, int full)
{
	struct ectls_table *t;
	int err = 0, rc;

	if ((t = ectls_open(path, &err)) == NULL) {
		if (err == ECTLS_ERR_SYS)
			cli_error("cannot open table \"%s\": %s", path,
			    strerror(errno));
		else
			cli_error("table \"%s\": %s", path,
			    ectls_strerror(err));
		return NULL;
	}
	if (full && (rc = ectls_check(t)) != 0) {
		cli_error("table \"%s\": %s", path, ectls_strerror(rc));
		ectls_close(t);
		return NULL;
	}
	return t;
}

/* ---- lookup ------------------------------------------------------------- */

int
cmd_lookup(int argc, char **argv)
{
	const struct ectls_policy *p;
	struct ectls_table *t;
	struct ectls_match m;
	int json = 0, i = 1, err = 0;

	if (argc > 1 && strcmp(argv[1], "--json") == 0) {
		json = 1;
		i++;
	}
	if (argc - i != 3) {
		cli_error("usage: ectls lookup [--json] TABLE BINDING DOMAIN");
		return 2;
	}
	if ((t = open_table(argv[i], 0)) == NULL)
		return 2;
	if ((p = ectls_lookup_ex(t, argv[i + 1], argv[i + 2], &m,
	    &err)) == NULL) {
		cli_error("table \"%s\": %s", argv[i], ectls_strerror(err));
		ectls_close(t);
		return 2;
	}
	if (json) {
		fputs("{\"binding\":", stdout);
		json_str(stdout, argv[i + 1]);
		fputs(",\"domain\":", stdout);
		json_str(stdout, argv[i + 2]);
		fputc(',', stdout);
		json_fields(stdout, p);
		fputs("}\n", stdout);
	} else {
		printf("binding = ");
		text_str(stdout, argv[i + 1]);
		printf("\ndomain = ");
		text_str(stdout, argv[i + 2]);
		printf("\n# matched: ");
		if (m.how == ECTLS_HOW_EXACT)
			printf("exact domain");
		else if (m.how == ECTLS_HOW_REGEX)
			printf("regex domain \"/%s/\" (#%u, %s)", m.pattern,
			    m.regex_pos + 1, ectls_level_name(m.regex_level));
		else
			printf("binding record (no domain entry)");
		printf("%s\n", m.via_default ?
		    " of binding \"default\" (binding not in table)" : "");
		text_policy(stdout, p, "");
	}
	ectls_close(t);
	return ferror(stdout) ? 2 : 0;
}

/* ---- entries, sorted ------------------------------------------------ */

struct dent {
	const char	*binding;
	const char	*domain;	/* NULL: binding record */
	int		 kind;
	uint32_t	 pos;
	int		 level;
	const struct ectls_policy *pol;
};

/* Diff order: regexes matched by pattern. */
static int
dent_cmp(const void *a, const void *b)
{
	const struct dent *x = a, *y = b;
	int c;

	if ((c = strcmp(x->binding, y->binding)) != 0)
		return c;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->domain == NULL || y->domain == NULL)
		return (x->domain != NULL) - (y->domain != NULL);
	return strcmp(x->domain, y->domain);
}

/* All entries of t, sorted by cmp; NULL (message printed) on error. */
static struct dent *
collect(struct ectls_table *t, const char *path, size_t *np,
    int (*cmp)(const void *, const void *))
{
	struct ectls_iter it;
	struct ectls_entry e;
	struct dent *v = NULL, *nv;
	size_t n = 0, cap = 0;
	int rc;

	ectls_iter_init(&it);
	while ((rc = ectls_iter_next(t, &it, &e)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				cli_error("out of memory");
				return NULL;
			}
			v = nv;
		}
		v[n++] = (struct dent){ .binding = e.binding,
		    .domain = e.domain, .kind = e.kind, .pos = e.regex_pos,
		    .level = e.regex_level, .pol = e.policy };
	}
	if (rc < 0) {
		free(v);
		cli_error("table \"%s\": %s", path, ectls_strerror(rc));
		return NULL;
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp);
	*np = n;
	return v != NULL ? v : calloc(1, sizeof(*v));
}

/* Display order: regexes in declaration order. */
static int
dump_cmp(const void *a, const void *b)
{
	const struct dent *x = a, *y = b;
	int c;

	if ((c = strcmp(x->binding, y->binding)) != 0)
		return c;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->kind == ECTLS_ENTRY_REGEX)
		return x->pos < y->pos ? -1 : x->pos > y->pos;
	if (x->domain == NULL || y->domain == NULL)
		return (x->domain != NULL) - (y->domain != NULL);
	return strcmp(x->domain, y->domain);
}

/* ---- dump ----------------------------------------------------------------- */

#define DUMP_USAGE	"usage: ectls dump [--format text|json|xml] TABLE"

static const char *const kind_names[] = { "binding", "regex", "exact" };

static const char *const type_names[] = {
	[ECTLS_T_BOOL] = "bool",
	[ECTLS_T_ENUM] = "enum",
	[ECTLS_T_UINT] = "uint",
	[ECTLS_T_STR] = "str",
	[ECTLS_T_LIST] = "list",
};

/*
 * One <field> of an XML dump: the JSON dump's "policy" member and its
 * "provenance" member together.  type says how to read the value; set is
 * false for a built-in default (the JSON dump has no provenance for it);
 * an unset string (JSON null) has null="true" and no text; a list has one
 * <item> per element.
 */
static void
xml_field(struct xmlw *x, const struct ectls_policy *p, int f)
{
	struct ectls_prov pv;
	const char *s;
	char num[16];
	size_t i, n;
	int ty = ectls_field_type(f);

	ectls_policy_prov(p, f, &pv);
	xmlw_start(x, "field");
	xmlw_attr(x, "name", ectls_field_name(f));
	xmlw_attr(x, "type", ty >= 0 && ty <= ECTLS_T_LIST ? type_names[ty] :
	    "unknown");
	xmlw_attr(x, "set", pv.level == ECTLS_LVL_DEFAULT ? "false" : "true");
	if (pv.level != ECTLS_LVL_DEFAULT) {
		xmlw_attr(x, "file", pv.file);
		xmlw_attr_u64(x, "line", pv.line);
		xmlw_attr(x, "level", ectls_level_name(pv.level));
	}
	switch (ty) {
	case ECTLS_T_BOOL:
		xmlw_text(x, ectls_policy_num(p, f) ? "true" : "false");
		break;
	case ECTLS_T_UINT:
		snprintf(num, sizeof(num), "%u", ectls_policy_num(p, f));
		xmlw_text(x, num);
		break;
	case ECTLS_T_ENUM:
	case ECTLS_T_STR:
		/* An enum has a name once ectls_check() passed; JSON: null. */
		s = ty == ECTLS_T_ENUM ?
		    ectls_value_name(f, ectls_policy_num(p, f)) :
		    ectls_policy_str(p, f);
		if (s == NULL)
			xmlw_attr(x, "null", "true");
		else
			xmlw_text(x, s);
		break;
	case ECTLS_T_LIST:
		n = ectls_policy_list_len(p, f);
		for (i = 0; i < n; i++) {
			xmlw_start(x, "item");
			xmlw_text(x, ectls_policy_list_item(p, f, i));
			xmlw_end(x);
		}
		break;
	default:
		break;
	}
	xmlw_end(x);
}

/*
 * The XML dump: the JSON dump's content, element and attribute names
 * being its keys with "-" for "_" (format-version, regex-position, ...).
 * Built in memory and written at the end, so a failure prints nothing.
 * Returns 0, or 2 after a message.
 */
static int
dump_xml(const struct ectls_table *t, const struct dent *v, size_t nv)
{
	struct xmlw *x;
	const struct dent *e;
	const char *name, *val, *path;
	const uint8_t *sha;
	char hex[65];
	size_t i, k;
	int f;

	if ((x = xmlw_new(1)) == NULL) {
		cli_error("out of memory");
		return 2;
	}
	xmlw_start(x, "ectls-table");
	xmlw_attr_u64(x, "format-version", ectls_format_version(t));
	xmlw_attr(x, "schema", ectls_schema(t));
	xmlw_start(x, "entries");
	for (k = 0; k < nv; k++) {
		e = &v[k];
		xmlw_start(x, "entry");
		xmlw_attr(x, "binding", e->binding);
		xmlw_attr(x, "kind", kind_names[e->kind]);
		xmlw_attr(x, "domain", e->domain);
		if (e->kind == ECTLS_ENTRY_REGEX) {
			xmlw_attr_u64(x, "regex-position",
			    (uint64_t)e->pos + 1);
			xmlw_attr(x, "regex-level", ectls_level_name(e->level));
		}
		xmlw_attr_u64(x, "policy-index", ectls_policy_index(e->pol));
		for (f = 0; f < ECTLS_NFIELDS; f++)
			xml_field(x, e->pol, f);
		xmlw_end(x);
	}
	xmlw_end(x);
	xmlw_start(x, "files");
	for (i = 0; ectls_file(t, i, &path, &sha) == 0; i++) {
		sha256_hex(sha, hex);
		xmlw_start(x, "file");
		xmlw_attr(x, "path", path);
		xmlw_attr(x, "sha256", hex);
		xmlw_end(x);
	}
	xmlw_end(x);
	xmlw_start(x, "log-formats");
	for (i = 0; ectls_logformat(t, i, &name, &val) == 0; i++) {
		xmlw_start(x, "log-format");
		xmlw_attr(x, "name", name);
		xmlw_text(x, val);
		xmlw_end(x);
	}
	xmlw_end(x);
	if (xmlw_write(x, stdout) == -1) {
		if (ferror(stdout))
			cli_error("cannot write the XML dump: %s",
			    strerror(errno));
		else
			cli_error("cannot build the XML dump: out of memory");
		xmlw_free(x);
		return 2;
	}
	xmlw_free(x);
	return 0;
}

int
cmd_dump(int argc, char **argv)
{
	struct ectls_table *t;
	struct dent *v, *e;
	const char *name, *val, *path;
	const uint8_t *sha;
	char hex[65];
	size_t i, k, nv = 0;
	int json = 0, xml = 0, a = 1, rc;

	if (argc > 2 && strcmp(argv[1], "--format") == 0) {
		if (strcmp(argv[2], "json") == 0)
			json = 1;
		else if (strcmp(argv[2], "xml") == 0)
			xml = 1;
		else if (strcmp(argv[2], "text") != 0) {
			cli_error("unknown format \"%s\" (expected text, json "
			    "or xml)", argv[2]);
			fputs(DUMP_USAGE "\n", stderr);
			return 2;
		}
		a = 3;
	}
	if (argc - a != 1) {
		cli_error(DUMP_USAGE);
		return 2;
	}
	if ((t = open_table(argv[a], 1)) == NULL)
		return 2;
	if (xml) {
		if ((v = collect(t, argv[a], &nv, dump_cmp)) == NULL) {
			ectls_close(t);
			return 2;
		}
		rc = dump_xml(t, v, nv);
		free(v);
		ectls_close(t);
		return rc;
	}
	if (json) {
		printf("{\"schema\":");
		json_str(stdout, ectls_schema(t));
		printf(",\"format_version\":%u,\"entries\":[",
		    ectls_format_version(t));
	} else
		printf("# ectls table, format %u, schema \"%s\": %zu keys, "
		    "%zu bindings, %zu regexes, %zu distinct policies\n",
		    ectls_format_version(t), ectls_schema(t), ectls_nkeys(t),
		    ectls_nbindings(t), ectls_nregex(t), ectls_npolicies(t));
	if ((v = collect(t, argv[a], &nv, dump_cmp)) == NULL) {
		ectls_close(t);
		return 2;
	}
	for (k = 0; k < nv; k++) {
		e = &v[k];
		if (json) {
			printf("%s{\"binding\":", k ? "," : "");
			json_str(stdout, e->binding);
			printf(",\"kind\":\"%s\",\"domain\":",
			    kind_names[e->kind]);
			json_str(stdout, e->domain);
			if (e->kind == ECTLS_ENTRY_REGEX) {
				printf(",\"regex_position\":%u,"
				    "\"regex_level\":", e->pos + 1);
				json_str(stdout, ectls_level_name(e->level));
			}
			printf(",\"policy_index\":%u,\"policy\":{",
			    ectls_policy_index(e->pol));
			json_fields(stdout, e->pol);
			printf("},\"provenance\":");
			json_prov(stdout, e->pol);
			putchar('}');
		} else {
			printf("\n[binding ");
			text_str(stdout, e->binding);
			if (e->kind == ECTLS_ENTRY_BINDING)
				printf("]  # binding record");
			else if (e->kind == ECTLS_ENTRY_REGEX)
				printf(" domain \"/%s/\"]  # regex #%u (%s)",
				    e->domain, e->pos + 1,
				    ectls_level_name(e->level));
			else {
				printf(" domain ");
				text_str(stdout, e->domain);
				printf("]");
			}
			printf("  policy #%u\n", ectls_policy_index(e->pol));
			text_policy(stdout, e->pol, "  ");
		}
	}
	free(v);
	if (json)
		printf("],\"files\":[");
	else if (ectls_nfiles(t) > 0)
		printf("\n# referenced files (sha256)\n");
	for (i = 0; ectls_file(t, i, &path, &sha) == 0; i++) {
		sha256_hex(sha, hex);
		if (json) {
			printf("%s{\"path\":", i ? "," : "");
			json_str(stdout, path);
			printf(",\"sha256\":\"%s\"}", hex);
		} else
			printf("file %s %s\n", hex, path);
	}
	if (json)
		printf("],\"log_formats\":{");
	else if (ectls_nlogformats(t) > 0)
		printf("\n# log formats\n");
	for (i = 0; ectls_logformat(t, i, &name, &val) == 0; i++) {
		if (json) {
			printf("%s", i ? "," : "");
			json_str(stdout, name);
			putchar(':');
			json_str(stdout, val);
		} else {
			printf("%s = ", name);
			text_str(stdout, val);
			putchar('\n');
		}
	}
	if (json)
		printf("}}\n");
	ectls_close(t);
	return ferror(stdout) ? 2 : 0;
}

/* ---- diff ----------------------------------------------------------------- */

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
field_eq(const struct ectls_policy *a, const struct ectls_policy *b, int f)
{
	size_t i, n;

	switch (ectls_field_type(f)) {
	case ECTLS_T_STR:
		return str_eq(ectls_policy_str(a, f), ectls_policy_str(b, f));
	case ECTLS_T_LIST:
		n = ectls_policy_list_len(a, f);
		if (n != ectls_policy_list_len(b, f))
			return 0;
		for (i = 0; i < n; i++)
			if (!str_eq(ectls_policy_list_item(a, f, i),
			    ectls_policy_list_item(b, f, i)))
				return 0;
		return 1;
	default:
		return ectls_policy_num(a, f) == ectls_policy_num(b, f);
	}
}

/* Print the fields that differ (after head, if any); returns how many. */
static int
diff_policy(const char *head, const struct ectls_policy *a,
    const struct ectls_policy *b)
{
	int f, n = 0;

	for (f = 0; f < ECTLS_NFIELDS; f++) {
		if (field_eq(a, b, f))
			continue;
		if (n++ == 0 && head != NULL)
			printf("%s\n", head);
		printf("    %s: ", ectls_field_name(f));
		field_value(stdout, a, f, 0);
		printf(" -> ");
		field_value(stdout, b, f, 0);
		putchar('\n');
	}
	return n;
}

static void
entry_head(char *buf, size_t cap, char mark, const struct dent *d)
{
	if (d->kind == ECTLS_ENTRY_BINDING)
		snprintf(buf, cap, "%c binding \"%s\" (binding record)", mark,
		    d->binding);
	else if (d->kind == ECTLS_ENTRY_REGEX)
		snprintf(buf, cap, "%c binding \"%s\" domain \"/%s/\" "
		    "(regex #%u)", mark, d->binding, d->domain, d->pos + 1);
	else
		snprintf(buf, cap, "%c binding \"%s\" domain \"%s\"", mark,
		    d->binding, d->domain);
}

/*
 * The effective policy for an exact entry or binding record of the other
 * table (lookups fall back as the runtime would).
 */
static const struct ectls_policy *
effective(struct ectls_table *t, const struct dent *d)
{
	return ectls_lookup(t, d->binding, d->domain);
}

int
cmd_diff(int argc, char **argv)
{
	struct ectls_table *ta = NULL, *tb = NULL;
	const struct ectls_policy *pa, *pb;
	struct dent *va = NULL, *vb = NULL;
	size_t na = 0, nb = 0, i = 0, j = 0;
	const char *name, *val, *oval;
	char head[1024];
	int rc = 2, changes = 0, c;

	if (argc != 3) {
		cli_error("usage: ectls diff OLD_TABLE NEW_TABLE");
		return 2;
	}
	if ((ta = open_table(argv[1], 1)) == NULL ||
	    (tb = open_table(argv[2], 1)) == NULL ||
	    (va = collect(ta, argv[1], &na, dent_cmp)) == NULL ||
	    (vb = collect(tb, argv[2], &nb, dent_cmp)) == NULL)
		goto out;
	while (i < na || j < nb) {
		if (i == na)
			c = 1;
		else if (j == nb)
			c = -1;
		else
			c = dent_cmp(&va[i], &vb[j]);
		if (c == 0) {
			int shown = 0;

			entry_head(head, sizeof(head), '~', &va[i]);
			if (va[i].kind == ECTLS_ENTRY_REGEX) {
				pa = va[i].pol;
				pb = vb[j].pol;
				if (va[i].pos != vb[j].pos) {
					printf("%s\n    regex position: %u -> "
					    "%u\n", head, va[i].pos + 1,
					    vb[j].pos + 1);
					changes++;
					shown = 1;
				}
			} else {
				pa = effective(ta, &va[i]);
				pb = effective(tb, &vb[j]);
			}
			if (pa != NULL && pb != NULL)
				changes += diff_policy(shown ? NULL : head,
				    pa, pb);
			i++;
			j++;
		} else if (c < 0) {
			/* Only in OLD: NEW now falls back. */
			entry_head(head, sizeof(head), '-', &va[i]);
			if (va[i].kind == ECTLS_ENTRY_REGEX) {
				printf("%s\n", head);
				changes++;
			} else if ((pb = effective(tb, &va[i])) != NULL)
				changes += diff_policy(head, va[i].pol, pb);
			i++;
		} else {
			entry_head(head, sizeof(head), '+', &vb[j]);
			if (vb[j].kind == ECTLS_ENTRY_REGEX) {
				printf("%s\n", head);
				changes++;
			} else if ((pa = effective(ta, &vb[j])) != NULL)
				changes += diff_policy(head, pa, vb[j].pol);
			j++;
		}
	}
	/* Log formats are part of what the runtime reads. */
	for (i = 0; ectls_logformat(ta, i, &name, &oval) == 0; i++) {
		val = ectls_logformat_get(tb, name);
		if (!str_eq(val, oval)) {
			printf("~ log format %s: ", name);
			text_str(stdout, oval);
			printf(" -> ");
			if (val != NULL)
				text_str(stdout, val);
			else
				printf("(removed)");
			putchar('\n');
			changes++;
		}
	}
	for (i = 0; ectls_logformat(tb, i, &name, &val) == 0; i++)
		if (ectls_logformat_get(ta, name) == NULL) {
			printf("~ log format %s: (added) -> ", name);
			text_str(stdout, val);
			putchar('\n');
			changes++;
		}
	rc = changes > 0 ? 1 : 0;
	if (rc == 0)
		printf("no policy changes\n");
out:
	free(va);
	free(vb);
	ectls_close(ta);
	ectls_close(tb);
	if (ferror(stdout))
		rc = 2;
	return rc;
}

/* ---- verify ------------------------------------------------------------- */

int
cmd_verify(int argc, char **argv)
{
	struct ectls_table *t;
	const uint8_t *sha;
	const char *path;
	uint8_t now[SHA256_LEN];
	char h1[65], h2[65];
	size_t i, bad = 0;

	if (argc != 2) {
		cli_error("usage: ectls verify TABLE");
		return 2;
	}
	if ((t = open_table(argv[1], 1)) == NULL)
		return 2;
	for (i = 0; ectls_file(t, i, &path, &sha) == 0; i++) {
		if (sha256_file(path, now) != 0) {
			printf("%s: missing: %s: %s\n", argv[1], path,
			    strerror(errno));
			bad++;
			continue;
		}
		if (memcmp(now, sha, SHA256_LEN) != 0) {
			sha256_hex(sha, h1);
			sha256_hex(now, h2);
			printf("%s: changed: %s (sha256 %s at compile time, "
			    "now %s)\n", argv[1], path, h1, h2);
			bad++;
		}
	}
	printf("%s: %zu referenced file%s, %zu changed or missing\n",
	    argv[1], i, i == 1 ? "" : "s", bad);
	ectls_close(t);
	if (ferror(stdout))
		return 2;
	return bad > 0 ? 1 : 0;
}
