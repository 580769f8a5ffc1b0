/* SPDX-License-Identifier: ISC */
/*
 * cmd_compile.c -- `ectls compile`: lint, then flatten the effective policy
 * of every (binding, domain) into the binary table (compiler/tblw.c),
 * written atomically and only when the configuration has no error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "compile.h"
#include "lint.h"
#include "logfmt.h"
#include "tbl_format.h"
#include "tblfmt.h"
#include "tls.h"

/* Record a referenced file with the SHA-256 of its contents. */
static int
add_file(struct pipeline *pl, struct tblw *w, const char *path,
    struct diag *d)
{
	char hex[65];
	uint8_t sha[32];
	unsigned v;
	size_t i;

	if (tls_file_sha256(pl->tls, TLS_ENGINE_OPENSSL, path, hex) == -1) {
		/* Unused material (tls = no) need not exist; say so. */
		diag_add(d, DIAG_WARNING, "table-file", NULL,
		    "cannot hash \"%s\" for the table: %s", path,
		    strerror(errno));
		return 0;
	}
	for (i = 0; i < 32; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		sha[i] = (uint8_t)v;
	}
	return tblw_add_file(w, path, sha);
}

/*
 * What the entries of one run share: the files recorded so far and the
 * evaluated protocol set of each tls_protocols value seen.  Values are
 * strings of the tree, so the same pointer is the same value; the last
 * one is remembered apart (it is nearly always the one asked for).
 *
 * Built during the pipeline's pass (`ectls compile`, in_pass set), the
 * table must come out with the findings compile_table() would file after
 * the checks, in the same order: the writer files into a scratch sink
 * (its errors are rare, e.g. a name too long for a table: then the pass's
 * writer is dropped and compile_table() runs after the checks, as
 * before), and the referenced files are hashed at the end, in the order
 * the entries first name them.
 */
struct compile_ctx {
	struct pipeline	*pl;
	struct tblw	*w;
	struct diag	*d;
	struct strmap	 files;		/* paths named so far */
	const char	*last_file[3];
	struct ptrmap	 protos;	/* value -> protocol set + 1 */
	const char	*last_proto;
	uint32_t	 last_set;
	int		 in_pass;
	int		 failed;	/* the pass's writer failed */
	struct diag	 scratch;	/* the pass's writer files here */
	const char	**paths;	/* in_pass: files to hash, in order */
	size_t		 npaths, pathcap;
};

static void
ctx_init(struct compile_ctx *c, struct pipeline *pl, struct diag *d)
{
	memset(c, 0, sizeof(*c));
	c->pl = pl;
	c->d = d;
	strmap_init(&c->files);
	ptrmap_init(&c->protos);
	diag_init(&c->scratch, 0);
}

static void
ctx_fini(struct compile_ctx *c)
{
	strmap_fini(&c->files);
	ptrmap_fini(&c->protos);
	diag_fini(&c->scratch);
	free(c->paths);
	tblw_free(c->w);
	c->w = NULL;
}

static uint32_t
protocols_of(struct compile_ctx *c, const struct tblw_policy *p)
{
	const char *s = p->f[ECTLS_F_TLS_PROTOCOLS].str;
	uintptr_t v;

	if (s == NULL)
		return pipeline_protocols(p);
	if (s == c->last_proto)
		return c->last_set;
	if ((v = (uintptr_t)ptrmap_get(&c->protos, (uintptr_t)s, 0)) == 0) {
		v = (uintptr_t)pipeline_protocols(p) + 1;
		ptrmap_add(&c->protos, (uintptr_t)s, 0, (void *)v);
	}
	c->last_proto = s;
	c->last_set = (uint32_t)(v - 1);
	return c->last_set;
}

/* Add the resolved policy p of an entry (protocols not yet evaluated). */
static int
add_policy(struct compile_ctx *c, size_t b, enum resolve_kind kind, size_t i,
    struct tblw_policy *p)
{
	static const int ff[3] = { ECTLS_F_TLS_CERTIFICATE, ECTLS_F_TLS_KEY,
	    ECTLS_F_TLS_CA };
	const char *binding = resolve_binding(c->pl->res, b), *path, *pat;
	int k, level;

	p->protocols = protocols_of(c, p);
	for (k = 0; k < 3; k++) {
		path = p->f[ff[k]].str;
		if (path == NULL || path == c->last_file[k])
			continue;
		c->last_file[k] = path;
		if (strmap_add(&c->files, path, (void *)1) != NULL)
			continue;
		if (c->in_pass) {
			if (c->npaths == c->pathcap) {
				c->pathcap = c->pathcap ? 2 * c->pathcap : 16;
				c->paths = xrealloc(c->paths, c->pathcap *
				    sizeof(*c->paths));
			}
			c->paths[c->npaths++] = path;
		} else if (add_file(c->pl, c->w, path, c->d) != 0)
			return -1;
	}
	if (kind == RESOLVE_REGEX) {
		pat = resolve_regex(c->pl->res, b, i, &level);
		return tblw_add_policy(c->w, binding, pat, 1, level, p);
	}
	return tblw_add_policy(c->w, binding, kind == RESOLVE_DOMAIN ?
	    resolve_domain(c->pl->res, b, i) : NULL, 0, 0, p);
}

static int
add_entry(struct compile_ctx *c, size_t b, enum resolve_kind kind, size_t i)
{
	struct tblw_policy p;

	resolve_entry(c->pl->res, b, kind, i, &p, NULL);
	return add_policy(c, b, kind, i, &p);
}

/* The part of compile_table() after the entries: log formats. */
static struct tblw *
compile_end(struct compile_ctx *c, int rc)
{
	struct tblw *w;

	if (rc == 0)
		rc = logfmt_compile(cfg_root(c->pl->cfg), c->w);
	w = NULL;
	if (rc == 0) {
		w = c->w;
		c->w = NULL;
	}
	ctx_fini(c);
	return w;
}

struct tblw *
compile_table(struct pipeline *pl, struct diag *d)
{
	struct compile_ctx c;
	size_t i, j;
	int rc = 0;

	ctx_init(&c, pl, d);
	if ((c.w = tblw_new(schema_version(pl->schema), d)) == NULL) {
		ctx_fini(&c);
		return NULL;
	}
	/* Every string comes from the tree or the model, alive until then. */
	tblw_strings_stable(c.w);
	for (i = 0; i < resolve_nbindings(pl->res) && rc == 0; i++) {
		rc = add_entry(&c, i, RESOLVE_OWN, 0);
		for (j = 0; j < resolve_ndomains(pl->res, i) && rc == 0; j++)
			rc = add_entry(&c, i, RESOLVE_DOMAIN, j);
		for (j = 0; j < resolve_nregex(pl->res, i) && rc == 0; j++)
			rc = add_entry(&c, i, RESOLVE_REGEX, j);
	}
	return compile_end(&c, rc);
}

/* pipeline_opts.entry of `ectls compile`: add each entry as it is checked. */
static void
pass_entry(struct pipeline *pl, size_t b, enum resolve_kind kind, size_t i,
    struct tblw_policy *p, void *arg)
{
	struct compile_ctx *c = arg;

	if (c->failed)
		return;
	c->pl = pl;
	if (c->w == NULL) {
		if ((c->w = tblw_new(schema_version(pl->schema),
		    &c->scratch)) == NULL) {
			c->failed = 1;
			return;
		}
		/* As in compile_table(). */
		tblw_strings_stable(c->w);
	}
	if (add_policy(c, b, kind, i, p) != 0)
		c->failed = 1;
}

/*
 * After the pipeline and the check policy: the table the pass built, as
 * compile_table() would return it, with the same findings.
 */
static struct tblw *
pass_finish(struct compile_ctx *c, struct pipeline *pl)
{
	size_t i;
	int rc = 0;

	if (c->failed || c->w == NULL) {
		ctx_fini(c);
		return compile_table(pl, c->d);
	}
	c->pl = pl;
	tblw_set_diag(c->w, c->d);
	for (i = 0; i < c->npaths && rc == 0; i++)
		rc = add_file(pl, c->w, c->paths[i], c->d);
	return compile_end(c, rc);
}

int
cmd_compile(int argc, char **argv)
{
	struct compile_ctx pass;
	struct lint_args a;
	struct pipeline pl;
	struct tblw *w = NULL;
	struct diag d;
	int rc;

	if ((rc = lint_getopt(argc, argv, 1, &a)) != -1)
		return rc;
	lint_progress(&a);
	if (a.po.syntax_only) {
		cli_error("compile needs the whole check, not --syntax-only");
		return 2;
	}
	diag_init(&d, a.max_errors);
	/* The table is built while the entries are checked. */
	ctx_init(&pass, NULL, &d);
	pass.in_pass = 1;
	a.po.entry = pass_entry;
	a.po.entry_arg = &pass;
	rc = pipeline_run(a.file, &a.po, &d, &pl);
	check_policy_apply(&a.pol, &d);
	/* Nothing is written when the configuration has errors. */
	if (rc == 0 && !check_policy_failed(&a.pol, &d) &&
	    diag_count_at_least(&d, DIAG_ERROR) == 0) {
		if ((w = pass_finish(&pass, &pl)) == NULL ||
		    tblw_write_atomic(w, a.output) == -1)
			rc = 2;
	} else
		ctx_fini(&pass);
	if (rc == 2) {
		report_write(&d, &a.ro, stdout, stderr);
		if (w != NULL || diag_count_at_least(&d, DIAG_ERROR) == 0)
			cli_error("\"%s\" not written", a.output);
	} else {
		rc = lint_report(&d, &a.ro, &a.pol, a.max_errors);
		if (rc != 0)
			fprintf(stderr, "%s: \"%s\" not written: the "
			    "configuration has errors\n", ectls_progname,
			    a.output);
	}
	tblw_free(w);
	pipeline_fini(&pl);
	diag_fini(&d);
	return rc;
}

/* The field's name, from the table's field list. */
static const char *const field_names[] = {
#define X(up, low, ty) #low,
	ECTLS_FIELDS(X)
#undef X
};

static void
explain_print(FILE *fp, const struct ectls_policy *p, const char *binding,
    const char *domain, const struct ectls_match *m, int json)
{
	struct ectls_prov pv;
	const char *how;
	int f;

	how = m->how == ECTLS_HOW_EXACT ? "exact" : m->how == ECTLS_HOW_REGEX ?
	    "regex" : "binding";
	if (json) {
		fputs("{\"binding\":", fp);
		json_str(fp, binding);
		fputs(",\"domain\":", fp);
		json_str(fp, domain);
		fprintf(fp, ",\"match\":\"%s\",\"via_default\":%s", how,
		    m->via_default ? "true" : "false");
		if (m->how == ECTLS_HOW_REGEX) {
			fputs(",\"regex\":", fp);
			json_str(fp, m->pattern);
		}
		fputs(",\"fields\":{", fp);
	} else {
		fprintf(fp, "binding \"%s\", domain \"%s\": ", binding, domain);
		if (m->how == ECTLS_HOW_EXACT)
			fputs("an exact entry", fp);
		else if (m->how == ECTLS_HOW_REGEX)
			fprintf(fp, "regex domain /%s/ (%s)", m->pattern,
			    resolve_level_name(m->regex_level));
		else
			fputs("the binding's own record (no domain stanza)", fp);
		fprintf(fp, "%s\n", m->via_default ?
		    "; unknown binding, \"default\" used" : "");
	}
	for (f = 0; f < ECTLS_NFIELDS; f++) {
		ectls_policy_prov(p, f, &pv);
		if (json) {
			fprintf(fp, "%s\"%s\":{\"value\":", f ? "," : "",
			    field_names[f]);
			field_value(fp, p, f, 1);
			fputs(",\"file\":", fp);
			json_str(fp, pv.file);
			if (pv.file != NULL)
				fprintf(fp, ",\"line\":%u", pv.line);
			else
				fputs(",\"line\":null", fp);
			fprintf(fp, ",\"level\":\"%s\"}",
			    resolve_level_name(pv.level));
			continue;
		}
		fprintf(fp, "  %-30s ", field_names[f]);
		field_value(fp, p, f, 0);
		if (pv.file != NULL)
			fprintf(fp, "  <- %s:%u (%s)\n", pv.file, pv.line,
			    resolve_level_name(pv.level));
		else
			fputs("  <- default\n", fp);
	}
	if (json)
		fputs("}}\n", fp);
}

/* Whether the file starts like a table (then it is one, damaged or not). */
static int
has_table_magic(const char *path)
{
	char buf[TBL_MAGIC_LEN];
	FILE *fp;
	int r = 0;

	if ((fp = fopen(path, "rb")) != NULL) {
		r = fread(buf, 1, sizeof(buf), fp) == sizeof(buf) &&
		    memcmp(buf, TBL_MAGIC, TBL_MAGIC_LEN) == 0;
		fclose(fp);
	}
	return r;
}

int
cmd_explain(int argc, char **argv)
{
	struct pipeline_opts po;
	struct pipeline pl;
	struct ectls_table *t = NULL;
	const struct ectls_policy *p;
	struct ectls_match m;
	struct tblw *w = NULL;
	struct diag d;
	uint8_t *buf = NULL;
	size_t len;
	int json = 0, err = 0, rc = 2, i = 1;

	if (argc > 1 && strcmp(argv[1], "--json") == 0) {
		json = 1;
		i++;
	}
	if (argc - i != 3) {
		cli_error("usage: ectls explain [--json] FILE|TABLE BINDING "
		    "DOMAIN");
		return 2;
	}
	memset(&po, 0, sizeof(po));
	memset(&pl, 0, sizeof(pl));
	diag_init(&d, 0);
	if ((t = ectls_open(argv[i], &err)) == NULL && !(err ==
	    ECTLS_ERR_MAGIC || (err == ECTLS_ERR_TRUNCATED &&
	    !has_table_magic(argv[i])))) {
		cli_error("table \"%s\": %s", argv[i], err == ECTLS_ERR_SYS ?
		    strerror(errno) : ectls_strerror(err));
		goto out;
	}
	if (t == NULL) {
		/* A configuration: resolve it into a table in memory. */
		po.now = time(NULL);
		po.warn_days = -1;
		if (pipeline_run(argv[i], &po, &d, &pl) != 0 ||
		    (w = compile_table(&pl, &d)) == NULL ||
		    tblw_write_mem(w, &buf, &len) == -1 ||
		    (t = ectls_open_mem(buf, len, &err)) == NULL) {
			report_write(&d, &(struct report_opts){
			    .format = REPORT_TEXT }, stdout, stderr);
			cli_error("cannot resolve \"%s\"", argv[i]);
			goto out;
		}
		if (diag_count_at_least(&d, DIAG_ERROR) > 0)
			fprintf(stderr, "%s: warning: \"%s\" has %zu errors "
			    "(see ectls lint); explaining it anyway\n",
			    ectls_progname, argv[i],
			    diag_count_at_least(&d, DIAG_ERROR));
	}
	if ((p = ectls_lookup_ex(t, argv[i + 1], argv[i + 2], &m, &err)) ==
	    NULL) {
		cli_error("lookup failed: %s", ectls_strerror(err));
		goto out;
	}
	explain_print(stdout, p, argv[i + 1], argv[i + 2], &m, json);
	rc = fflush(stdout) == EOF ? 2 : 0;
out:
	ectls_close(t);
	free(buf);
	tblw_free(w);
	pipeline_fini(&pl);
	diag_fini(&d);
	return rc;
}
