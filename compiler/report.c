/* SPDX-License-Identifier: ISC */
/*
 * report.c -- write a diag sink as GNU text, JSON, SARIF 2.1.0 or JUnit XML
 * (the XML itself is written by schema/junit.c, the only place that may use
 * libxml2).  Called by the `ectls` commands; writes only to the streams it is
 * given.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "junit.h"
#include "report.h"
#include "utf8.h"

#define PROGNAME	"ectls"
#define SARIF_SCHEMA	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/" \
			"errata01/os/schemas/sarif-schema-2.1.0.json"
/* Source files larger than this get no caret line. */
#define SRC_MAX		(64u << 20)

int
report_format_parse(const char *s, enum report_format *f)
{
	static const struct {
		const char		*name;
		enum report_format	 fmt;
	} names[] = {
		{ .name = "text", .fmt = REPORT_TEXT },
		{ .name = "json", .fmt = REPORT_JSON },
		{ .name = "sarif", .fmt = REPORT_SARIF },
		{ .name = "junit", .fmt = REPORT_JUNIT },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*f = names[i].fmt;
			return 0;
		}
	return -1;
}

/*
 * UTF-8.
 */

/*
 * Source lines for the caret and for SARIF columns: each file is read once
 * per report_write() and kept until it returns.
 */
struct src {
	char		*path;
	char		*text;		/* NULL: could not be read */
	size_t		 len;
	size_t		*lines;		/* byte offset of each line start */
	size_t		 nlines;
};

struct srccache {
	struct src	*v;
	size_t		 n;
};

static void
src_load(struct src *s)
{
	FILE *fp;
	char *t = NULL, *nt;
	size_t cap = 0, len = 0, n, i, nl;

	if ((fp = fopen(s->path, "rb")) == NULL)
		return;
	for (;;) {
		if (len == cap) {
			if (cap >= SRC_MAX)
				goto fail;
			cap = cap ? cap * 2 : 8192;
			if ((nt = realloc(t, cap)) == NULL)
				goto fail;
			t = nt;
		}
		n = fread(t + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp))
		goto fail;
	fclose(fp);
	for (nl = 1, i = 0; i < len; i++)
		nl += t[i] == '\n';
	if ((s->lines = malloc(nl * sizeof(*s->lines))) == NULL) {
		free(t);
		return;
	}
	s->lines[0] = 0;
	for (nl = 1, i = 0; i < len; i++)
		if (t[i] == '\n')
			s->lines[nl++] = i + 1;
	s->nlines = nl;
	s->text = t;
	s->len = len;
	return;
fail:
	free(t);
	fclose(fp);
}

/* The source file at path, loaded on first use; NULL on ENOMEM. */
static struct src *
src_get(struct srccache *c, const char *path)
{
	struct src *nv;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->v[i].path, path) == 0)
			return &c->v[i];
	if ((nv = realloc(c->v, (c->n + 1) * sizeof(*nv))) == NULL)
		return NULL;
	c->v = nv;
	memset(&nv[c->n], 0, sizeof(nv[c->n]));
	if ((nv[c->n].path = strdup(path)) == NULL)
		return NULL;
	src_load(&nv[c->n]);
	return &c->v[c->n++];
}

static void
srccache_fini(struct srccache *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].text);
		free(c->v[i].lines);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/*
 * Line `line` (from 1) of path, without its newline (and without a CR
 * before it).  Returns 0 and sets *text and *len, or -1 when the file cannot be
 * read or has no such line.
 */
static int
src_line(struct srccache *c, const char *path, uint32_t line,
    const char **text, size_t *len)
{
	struct src *s;
	size_t b, e;

	if (path == NULL || line == 0 || (s = src_get(c, path)) == NULL ||
	    s->text == NULL || line > s->nlines)
		return -1;
	b = s->lines[line - 1];
	e = line < s->nlines ? s->lines[line] - 1 : s->len;
	if (b > e || (b == e && line == s->nlines && line > 1))
		return -1;	/* past the end of a file ending in newline */
	if (e > b && s->text[e - 1] == '\r')
		e--;
	*text = s->text + b;
	*len = e - b;
	return 0;
}

/*
 * The byte index in a source line of display column col (tab stops every
 * 8, as struct loc counts).  A column inside a tab maps to the tab; a column
 * past the end maps to the end.
 */
static size_t
col_to_byte(const char *t, size_t len, uint32_t col)
{
	size_t i;
	uint32_t c = 1;

	for (i = 0; i < len; i++) {
		if (t[i] == '\t')
			c = ((c - 1) / 8 + 1) * 8 + 1;
		else
			c++;
		if (c > col)
			return i;
	}
	return len;
}

/*
 * Text.
 */

/* Write s, with control characters escaped so it stays on one line. */
static void
put_text_str(FILE *fp, const char *s)
{
	const unsigned char *p;

	if (s == NULL)
		return;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\n')
			fputs("\\n", fp);
		else if (*p == '\t')
			fputs("\\t", fp);
		else if (*p == '\r')
			fputs("\\r", fp);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\x%02x", *p);
		else
			putc(*p, fp);
	}
}

static void
put_text_loc(FILE *fp, const char *path, uint32_t line, uint32_t col)
{
	if (path == NULL) {
		fputs(PROGNAME ":", fp);
		return;
	}
	put_text_str(fp, path);
	if (line != 0) {
		fprintf(fp, ":%lu", (unsigned long)line);
		if (col != 0)
			fprintf(fp, ":%lu", (unsigned long)col);
	}
	putc(':', fp);
}

/*
 * The caret line, GCC style: the source line as it is, then spaces (tabs
 * where the source has tabs, so the caret lines up whatever the tab width)
 * up to the column, '^' and one '~' per further character of the span.
 */
static void
put_caret(FILE *fp, struct srccache *c, const char *path, uint32_t line,
    uint32_t col, uint32_t len)
{
	const unsigned char *t;
	const char *text;
	size_t n, start, end, i, k;
	uint32_t cp;
	int first = 1;

	if (col == 0 || src_line(c, path, line, &text, &n) == -1)
		return;
	t = (const unsigned char *)text;
	start = col_to_byte(text, n, col);
	end = start + (len ? len : 1);
	if (end > n)
		end = n;
	fwrite(text, 1, n, fp);
	putc('\n', fp);
	for (i = 0; i < start; i += k) {
		if ((k = utf8_decode(t + i, n - i, &cp)) == 0)
			k = 1;
		putc(t[i] == '\t' ? '\t' : ' ', fp);
	}
	putc('^', fp);
	for (i = start; i < end; i += k) {
		if ((k = utf8_decode(t + i, n - i, &cp)) == 0)
			k = 1;
		if (first) {
			first = 0;
			continue;
		}
		putc('~', fp);
	}
	putc('\n', fp);
}

/* One finding and its notes, GNU form; caret lines when c != NULL. */
static void
put_text_item(FILE *fp, const struct diag_item *it, struct srccache *c)
{
	const struct diag_note *nt;
	size_t i;

	put_text_loc(fp, it->path, it->line, it->col);
	fprintf(fp, " %s: ", diag_sev_name(it->sev));
	put_text_str(fp, it->msg);
	if (it->id != NULL && it->id[0] != '\0') {
		fputs(" [", fp);
		put_text_str(fp, it->id);
		putc(']', fp);
	}
	putc('\n', fp);
	if (c != NULL && it->path != NULL)
		put_caret(fp, c, it->path, it->line, it->col, it->len);
	for (i = 0; i < it->nnotes; i++) {
		nt = &it->notes[i];
		put_text_loc(fp, nt->path, nt->line, nt->col);
		fputs(" note: ", fp);
		put_text_str(fp, nt->msg);
		putc('\n', fp);
		/* No caret under the include chain: it is not the point. */
		if (c != NULL && nt->path != NULL &&
		    i < it->nnotes - it->nchain)
			put_caret(fp, c, nt->path, nt->line, nt->col, 0);
	}
}

static void
write_text(const struct diag *d, FILE *fp, struct srccache *c)
{
	size_t i;

	for (i = 0; i < d->nitems; i++)
		put_text_item(fp, &d->items[i], c);
}

/*
 * JSON (RFC 8259).
 */

/* A JSON string: escapes, and U+FFFD for invalid UTF-8; NULL is null. */
static void
put_json_str(FILE *fp, const char *s)
{
	const unsigned char *p;
	size_t n, i, k;
	uint32_t cp;

	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	p = (const unsigned char *)s;
	n = strlen(s);
	putc('"', fp);
	for (i = 0; i < n; i += k) {
		if ((k = utf8_decode(p + i, n - i, &cp)) == 0) {
			fputs("\\ufffd", fp);
			k = 1;
			continue;
		}
		switch (cp) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		case '\b':
			fputs("\\b", fp);
			break;
		case '\f':
			fputs("\\f", fp);
			break;
		default:
			if (cp < 0x20 || cp == 0x7f)
				fprintf(fp, "\\u%04x", (unsigned)cp);
			else
				fwrite(p + i, 1, k, fp);
		}
	}
	putc('"', fp);
}

static void
put_json_num(FILE *fp, uint32_t v)
{
	if (v == 0)
		fputs("null", fp);
	else
		fprintf(fp, "%lu", (unsigned long)v);
}

static const char *
json_sev(enum diag_sev sev)
{
	return sev == DIAG_FATAL ? "fatal" : diag_sev_name(sev);
}

static void
put_json_loc(FILE *fp, const char *path, uint32_t line, uint32_t col)
{
	fputs("\"file\":", fp);
	put_json_str(fp, path);
	fputs(",\"line\":", fp);
	put_json_num(fp, path ? line : 0);
	fputs(",\"column\":", fp);
	put_json_num(fp, path && line ? col : 0);
}

static void
write_json(const struct diag *d, const struct report_opts *o, FILE *fp)
{
	const struct diag_item *it;
	size_t i, j, nerr = 0, nwarn = 0, nnote = 0;

	fputs("{\"diagnostics\":[", fp);
	for (i = 0; i < d->nitems; i++) {
		it = &d->items[i];
		if (it->sev >= DIAG_ERROR)
			nerr++;
		else if (it->sev == DIAG_WARNING)
			nwarn++;
		else
			nnote++;
		fputs(i ? ",\n" : "\n", fp);
		fprintf(fp, "{\"severity\":\"%s\",\"id\":", json_sev(it->sev));
		put_json_str(fp, it->id);
		putc(',', fp);
		put_json_loc(fp, it->path, it->line, it->col);
		fputs(",\"message\":", fp);
		put_json_str(fp, it->msg);
		fputs(",\"notes\":[", fp);
		for (j = 0; j < it->nnotes; j++) {
			fputs(j ? ",{" : "{", fp);
			put_json_loc(fp, it->notes[j].path, it->notes[j].line,
			    it->notes[j].col);
			fputs(",\"message\":", fp);
			put_json_str(fp, it->notes[j].msg);
			putc('}', fp);
		}
		fputs("]}", fp);
	}
	fprintf(fp, "%s],\n\"summary\":{\"errors\":%zu,\"warnings\":%zu,"
	    "\"notes\":%zu,\"files\":[", d->nitems ? "\n" : "", nerr, nwarn,
	    nnote);
	for (i = 0; i < o->ninputs; i++) {
		if (i)
			putc(',', fp);
		put_json_str(fp, o->inputs[i]);
	}
	fputs("]}}\n", fp);
}

/*
 * SARIF 2.1.0 (OASIS).
 */

static const char *
sarif_level(enum diag_sev sev)
{
	switch (sev) {
	case DIAG_NOTE:
		return "note";
	case DIAG_WARNING:
		return "warning";
	case DIAG_ERROR:
	case DIAG_FATAL:
		break;
	}
	return "error";
}

/*
 * artifactLocation: relative paths percent-encoded as a relative reference
 * against %SRCROOT%, absolute ones as file:// URIs (RFC 3986, RFC 8089).
 * ':' is encoded too, so a relative first segment never reads as a scheme.
 */
static void
put_sarif_artifact(FILE *fp, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	int rel = path[0] != '/';

	fputs("\"artifactLocation\":{\"uri\":\"", fp);
	if (!rel)
		fputs("file://", fp);
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL)
			putc(*p, fp);
		else {
			putc('%', fp);
			putc(hex[*p >> 4], fp);
			putc(hex[*p & 15], fp);
		}
	}
	putc('"', fp);
	if (rel)
		fputs(",\"uriBaseId\":\"%SRCROOT%\"", fp);
	putc('}', fp);
}

/* Number of code points in t[0..n) (an invalid byte counts as one). */
static size_t
count_chars(const char *t, size_t n)
{
	const unsigned char *u = (const unsigned char *)t;
	size_t i, k, c = 0;
	uint32_t cp;

	for (i = 0; i < n; i += k, c++)
		if ((k = utf8_decode(u + i, n - i, &cp)) == 0)
			k = 1;
	return c;
}

/*
 * physicalLocation.  Columns are Unicode code points from 1 (the run says
 * columnKind "unicodeCodePoints"); they are computed from the source line
 * when it can be read, else the loc's columns are used as they are.
 */
static void
put_sarif_phys(FILE *fp, struct srccache *c, const char *path, uint32_t line,
    uint32_t col, uint32_t len)
{
	const char *text;
	size_t n, b, e;
	unsigned long sc, ec;

	fputs("\"physicalLocation\":{", fp);
	put_sarif_artifact(fp, path);
	if (line != 0) {
		fprintf(fp, ",\"region\":{\"startLine\":%lu",
		    (unsigned long)line);
		if (col != 0) {
			if (src_line(c, path, line, &text, &n) == 0) {
				b = col_to_byte(text, n, col);
				e = b + len;
				if (e > n)
					e = n;
				sc = count_chars(text, b) + 1;
				ec = sc + count_chars(text + b, e - b);
			} else {
				sc = col;
				ec = (unsigned long)col + len;
			}
			fprintf(fp, ",\"startColumn\":%lu", sc);
			if (len != 0 && ec > sc)
				fprintf(fp, ",\"endColumn\":%lu", ec);
		}
		putc('}', fp);
	}
	putc('}', fp);
}

static void
write_sarif(const struct diag *d, const struct report_opts *o, FILE *fp,
    struct srccache *c)
{
	const struct diag_item *it;
	const struct diag_note *nt;
	const struct check *ck;
	size_t i, j;

	fputs("{\"$schema\":\"" SARIF_SCHEMA "\",\"version\":\"2.1.0\","
	    "\"runs\":[{\n\"tool\":{\"driver\":{\"name\":\"" PROGNAME "\"", fp);
	if (o->tool_version != NULL) {
		fputs(",\"version\":", fp);
		put_json_str(fp, o->tool_version);
	}
	if (o->information_uri != NULL) {
		fputs(",\"informationUri\":", fp);
		put_json_str(fp, o->information_uri);
	}
	fputs(",\"rules\":[", fp);
	for (i = 0; i < nchecks; i++) {
		fputs(i ? ",\n" : "\n", fp);
		fputs("{\"id\":", fp);
		put_json_str(fp, checks[i].id);
		fputs(",\"shortDescription\":{\"text\":", fp);
		put_json_str(fp, checks[i].desc);
		fprintf(fp, "},\"defaultConfiguration\":{\"level\":\"%s\"",
		    sarif_level(checks[i].sev));
		if (checks[i].off)
			fputs(",\"enabled\":false", fp);
		fputs("}}", fp);
	}
	fputs("]}},\n\"columnKind\":\"unicodeCodePoints\",", fp);
	/* A fatal finding means the run could not complete. */
	for (i = 0; i < d->nitems; i++)
		if (d->items[i].sev == DIAG_FATAL)
			break;
	fprintf(fp, "\"invocations\":[{\"executionSuccessful\":%s",
	    i < d->nitems ? "false" : "true");
	/* Run-time overrides of the defaults (--enable, --disable). */
	if (o->policy != NULL) {
		fputs(",\"ruleConfigurationOverrides\":[", fp);
		for (i = j = 0; i < nchecks; i++) {
			if (check_policy_enabled(o->policy, &checks[i]) ==
			    !checks[i].off)
				continue;
			fprintf(fp, "%s{\"descriptor\":{\"id\":",
			    j++ ? "," : "");
			put_json_str(fp, checks[i].id);
			fprintf(fp, ",\"index\":%zu},\"configuration\":"
			    "{\"enabled\":%s}}", i,
			    checks[i].off ? "true" : "false");
		}
		putc(']', fp);
	}
	fputs("}],", fp);
	fputs("\n\"results\":[", fp);
	for (i = 0; i < d->nitems; i++) {
		it = &d->items[i];
		fputs(i ? ",\n{" : "\n{", fp);
		if (it->id != NULL) {
			fputs("\"ruleId\":", fp);
			put_json_str(fp, it->id);
			if ((ck = check_find(it->id)) != NULL)
				fprintf(fp, ",\"ruleIndex\":%zu",
				    (size_t)(ck - checks));
			putc(',', fp);
		}
		fprintf(fp, "\"level\":\"%s\",\"message\":{\"text\":",
		    sarif_level(it->sev));
		put_json_str(fp, it->msg);
		putc('}', fp);
		if (it->path != NULL) {
			fputs(",\"locations\":[{", fp);
			put_sarif_phys(fp, c, it->path, it->line, it->col,
			    it->len);
			fputs("}]", fp);
		}
		if (it->nnotes != 0) {
			fputs(",\"relatedLocations\":[", fp);
			for (j = 0; j < it->nnotes; j++) {
				nt = &it->notes[j];
				fprintf(fp, "%s{\"id\":%zu,", j ? "," : "", j);
				if (nt->path != NULL) {
					put_sarif_phys(fp, c, nt->path,
					    nt->line, nt->col, 0);
					putc(',', fp);
				}
				fputs("\"message\":{\"text\":", fp);
				put_json_str(fp, nt->msg);
				fputs("}}", fp);
			}
			putc(']', fp);
		}
		putc('}', fp);
	}
	fputs("\n]}]}\n", fp);
}

/*
 * JUnit: one testcase per (input, check id), via schema/junit.c.
 */

/* The top-level file of an item: the end of its include chain. */
static const char *
item_root(const struct diag_item *it)
{
	if (it->nchain != 0 && it->nnotes >= it->nchain &&
	    it->notes[it->nnotes - 1].path != NULL)
		return it->notes[it->nnotes - 1].path;
	return it->path;
}

/* Index of the input an item belongs to (the first when none matches). */
static size_t
item_input(const struct diag_item *it, const struct report_opts *o)
{
	const char *root = item_root(it);
	size_t i;

	if (root != NULL)
		for (i = 0; i < o->ninputs; i++)
			if (strcmp(root, o->inputs[i]) == 0)
				return i;
	return 0;
}

/* An in-memory stream for failure texts. */
struct membuf {
	char	*data;
	size_t	 len;
	FILE	*fp;
};

static int
membuf_open(struct membuf *m)
{
	m->data = NULL;
	m->len = 0;
	return (m->fp = open_memstream(&m->data, &m->len)) == NULL ? -1 : 0;
}

/* Close the stream; m->data stays (free it).  -1 on error. */
static int
membuf_close(struct membuf *m)
{
	int bad;

	if (m->fp == NULL)
		return 0;
	bad = ferror(m->fp);
	bad |= fclose(m->fp) == EOF;
	m->fp = NULL;
	return bad || m->data == NULL ? -1 : 0;
}

/* Name of the testcase for findings without an id. */
#define JUNIT_NO_ID	"unclassified"

/*
 * Fill case *jc for findings with the given id (NULL: findings without an
 * id; any: all findings of a registry-less run) in input `in`.  Strings are
 * allocated into the case's owned slots: *fail_text, *out_text, *msg.
 */
static int
junit_fill(const struct diag *d, const struct report_opts *o, size_t in,
    const char *id, struct junit_case *jc, char **msg, char **fail_text,
    char **out_text)
{
	struct membuf fb, ob;
	const struct diag_item *it;
	size_t i, nfail = 0, nerr = 0, nwarn = 0, nnote = 0;
	int rc = -1;

	fb.fp = ob.fp = NULL;
	fb.data = ob.data = NULL;
	if (membuf_open(&fb) == -1 || membuf_open(&ob) == -1)
		goto out;
	for (i = 0; i < d->nitems; i++) {
		it = &d->items[i];
		if (o->ninputs > 1 && item_input(it, o) != in)
			continue;
		if (id == NULL ? it->id != NULL :
		    it->id == NULL || strcmp(it->id, id) != 0)
			continue;
		if (it->sev >= o->fail_level) {
			nfail++;
			if (it->sev >= DIAG_ERROR)
				nerr++;
			else if (it->sev == DIAG_WARNING)
				nwarn++;
			else
				nnote++;
			put_text_item(fb.fp, it, NULL);
		} else
			put_text_item(ob.fp, it, NULL);
	}
	if (membuf_close(&fb) == -1 || membuf_close(&ob) == -1)
		goto out;
	if (nfail != 0) {
		if ((*msg = malloc(96)) == NULL)
			goto out;
		snprintf(*msg, 96, "%zu error%s, %zu warning%s, %zu note%s",
		    nerr, nerr == 1 ? "" : "s", nwarn, nwarn == 1 ? "" : "s",
		    nnote, nnote == 1 ? "" : "s");
		jc->failure_type = jc->name;
		jc->failure_message = *msg;
		jc->failure_text = fb.data;
		*fail_text = fb.data;
		fb.data = NULL;
	}
	if (ob.len != 0) {
		jc->system_out = ob.data;
		*out_text = ob.data;
		ob.data = NULL;
	}
	rc = 0;
out:
	membuf_close(&fb);
	membuf_close(&ob);
	free(fb.data);
	free(ob.data);
	return rc;
}

/* Whether some finding of the run has this id (NULL: has no id). */
static int
has_id(const struct diag *d, const char *id)
{
	size_t i;

	for (i = 0; i < d->nitems; i++)
		if (id == NULL ? d->items[i].id == NULL :
		    d->items[i].id != NULL && strcmp(d->items[i].id, id) == 0)
			return 1;
	return 0;
}

static int
write_junit(const struct diag *d, const struct report_opts *o, FILE *fp)
{
	struct junit_case *jc = NULL;
	const char **names = NULL;
	char **owned = NULL;
	const char *no_input = PROGNAME;
	size_t ninputs = o->ninputs ? o->ninputs : 1, nnames = 0, ncases = 0;
	size_t i, j, k, nowned = 0;
	int rc = -1;

	/*
	 * Test names: every registered id, then ids seen in the run that are
	 * not registered (yet), then "unclassified" for findings without one.
	 */
	if ((names = calloc(nchecks + d->nitems + 1, sizeof(*names))) == NULL)
		goto out;
	for (i = 0; i < nchecks; i++)
		names[nnames++] = checks[i].id;
	for (i = 0; i < d->nitems; i++) {
		if (d->items[i].id == NULL || check_find(d->items[i].id))
			continue;
		for (j = nchecks; j < nnames; j++)
			if (strcmp(names[j], d->items[i].id) == 0)
				break;
		if (j == nnames)
			names[nnames++] = d->items[i].id;
	}
	if ((jc = calloc(ninputs * (nnames + 1), sizeof(*jc))) == NULL ||
	    (owned = calloc(ninputs * (nnames + 1) * 3, sizeof(*owned))) ==
	    NULL)
		goto out;
	for (i = 0; i < ninputs; i++) {
		for (j = 0; j <= nnames; j++) {
			if (j == nnames && !has_id(d, NULL))
				continue;
			k = ncases++;
			jc[k].classname = o->ninputs ? o->inputs[i] : no_input;
			jc[k].name = j < nnames ? names[j] : JUNIT_NO_ID;
			if (j < nchecks && o->policy != NULL)
				jc[k].skipped = !check_policy_enabled(o->policy,
				    &checks[j]);
			else if (j < nchecks)
				jc[k].skipped = checks[j].off;
			if (junit_fill(d, o, i, j < nnames ? names[j] : NULL,
			    &jc[k], &owned[nowned], &owned[nowned + 1],
			    &owned[nowned + 2]) == -1)
				goto out;
			nowned += 3;
		}
	}
	rc = junit_write(fp, PROGNAME " lint", jc, ncases);
out:
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(jc);
	free(names);
	return rc;
}

int
report_write(const struct diag *d, const struct report_opts *o, FILE *out,
    FILE *err)
{
	struct srccache cache = { .v = NULL, .n = 0 };
	FILE *fp = o->format == REPORT_TEXT ? err : out;
	int rc = 0;

	switch (o->format) {
	case REPORT_TEXT:
		write_text(d, fp, o->caret ? &cache : NULL);
		break;
	case REPORT_JSON:
		write_json(d, o, fp);
		break;
	case REPORT_SARIF:
		write_sarif(d, o, fp, &cache);
		break;
	case REPORT_JUNIT:
		rc = write_junit(d, o, fp);
		break;
	}
	srccache_fini(&cache);
	if (fflush(fp) == EOF || ferror(fp))
		rc = -1;
	return rc;
}
