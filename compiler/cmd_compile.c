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

#include "cmd.h"
#include "compile.h"
#include "lint.h"
#include "tls.h"

/* Record a referenced file with its SHA-256 (once per path). */
static int
add_file(struct pipeline *pl, struct tblw *w, struct strmap *done,
    const char *path, struct diag *d)
{
	char hex[65];
	uint8_t sha[32];
	unsigned v;
	size_t i;

	if (path == NULL || strmap_add(done, path, (void *)1) != NULL)
		return 0;
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

static int
add_entry(struct pipeline *pl, struct tblw *w, struct strmap *files,
    const char *binding, const char *domain, int regex, int level,
    const char *pattern, struct diag *d)
{
	struct tblw_policy p;

	resolve_policy(pl->res, binding, domain, regex, &p, NULL);
	p.protocols = pipeline_protocols(&p);
	if (add_file(pl, w, files, p.f[ECTLS_F_TLS_CERTIFICATE].str, d) ||
	    add_file(pl, w, files, p.f[ECTLS_F_TLS_KEY].str, d) ||
	    add_file(pl, w, files, p.f[ECTLS_F_TLS_CA].str, d))
		return -1;
	if (regex >= 0)
		return tblw_add_policy(w, binding, pattern, 1, level, &p);
	return tblw_add_policy(w, binding, domain, 0, 0, &p);
}

struct tblw *
compile_table(struct pipeline *pl, struct diag *d)
{
	struct strmap files;
	struct tblw *w;
	const char *b, *pat;
	size_t i, j;
	int level, rc = 0;

	if ((w = tblw_new(schema_version(pl->schema), d)) == NULL)
		return NULL;
	strmap_init(&files);
	for (i = 0; i < resolve_nbindings(pl->res) && rc == 0; i++) {
		b = resolve_binding(pl->res, i);
		rc = add_entry(pl, w, &files, b, NULL, -1, 0, NULL, d);
		for (j = 0; j < resolve_ndomains(pl->res, i) && rc == 0; j++)
			rc = add_entry(pl, w, &files, b,
			    resolve_domain(pl->res, i, j), -1, 0, NULL, d);
		for (j = 0; j < resolve_nregex(pl->res, i) && rc == 0; j++) {
			pat = resolve_regex(pl->res, i, j, &level);
			rc = add_entry(pl, w, &files, b, NULL, (int)j, level,
			    pat, d);
		}
	}
	strmap_fini(&files);
	if (rc != 0) {
		tblw_free(w);
		return NULL;
	}
	return w;
}

int
cmd_compile(int argc, char **argv)
{
	struct lint_args a;
	struct pipeline pl;
	struct tblw *w = NULL;
	struct diag d;
	int rc;

	if ((rc = lint_getopt(argc, argv, 1, &a)) != -1)
		return rc;
	if (a.po.syntax_only) {
		cli_error("compile needs the whole check, not --syntax-only");
		return 2;
	}
	diag_init(&d, a.max_errors);
	rc = pipeline_run(a.file, &a.po, &d, &pl);
	check_policy_apply(&a.pol, &d);
	/* Nothing is written when the configuration has errors. */
	if (rc == 0 && !check_policy_failed(&a.pol, &d) &&
	    diag_count_at_least(&d, DIAG_ERROR) == 0) {
		if ((w = compile_table(&pl, &d)) == NULL ||
		    tblw_write_atomic(w, a.output) == -1)
			rc = 2;
	}
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
