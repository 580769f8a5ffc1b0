/* SPDX-License-Identifier: ISC */
/*
 * cmd_schema.c -- `ectls schema`: show the option schema.
 *
 *   ectls schema [--schema FILE]...              options: name type scopes
 *	(scopes comma-separated; "@module" stands for every module stanza)
 *   ectls schema [--schema FILE]... --scopes     scopes: name instance kind
 *   ectls schema [--schema FILE]... NAME         an option's / scope's details
 *   ectls schema [--schema FILE]... --hash       SHA-256 of the schema in use
 *   ectls schema [--schema FILE]... --canonical  the bytes --hash hashes
 *   ectls schema [--schema FILE]... --check      check values read from
 *	stdin, one "SCOPE<TAB>OPTION<TAB>VALUE" per line (for scripts); prints
 *	"LINE: OPTION = "VALUE": reason" for each bad one, exit 1 if any
 *
 * Exit status: 0 shown; 1 NAME is neither an option nor a scope (with a
 * "did you mean" note when one is close) or --check found a bad value; 2
 * usage error or a schema file that does not load ("FILE:LINE: error:").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"
#include "schema.h"

static void
schema_usage(FILE *fp)
{
	fprintf(fp, "usage: ectls schema [--schema FILE]... "
	    "[--scopes | --hash | --canonical | --check | NAME]\n");
}

/* Print the sink in GNU form: FILE:LINE[:COL]: SEV: MSG, then notes. */
static void
print_diags(const struct diag *d)
{
	const struct diag_item *it;
	const struct diag_note *n;
	size_t i, j;

	for (i = 0; i < d->nitems; i++) {
		it = &d->items[i];
		if (it->path == NULL)
			fprintf(stderr, "%s: ", ectls_progname);
		else if (it->col > 0)
			fprintf(stderr, "%s:%u:%u: ", it->path,
			    (unsigned)it->line, (unsigned)it->col);
		else
			fprintf(stderr, "%s:%u: ", it->path,
			    (unsigned)it->line);
		fprintf(stderr, "%s: %s\n", diag_sev_name(it->sev), it->msg);
		for (j = 0; j < it->nnotes; j++) {
			n = &it->notes[j];
			if (n->path != NULL)
				fprintf(stderr, "%s:%u: ", n->path,
				    (unsigned)n->line);
			else
				fprintf(stderr, "%s: ", ectls_progname);
			fprintf(stderr, "note: %s\n", n->msg);
		}
	}
}

static void
print_strv(const char *const *v, size_t n, const char *sep)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%s%s", i ? sep : "", v[i]);
}

static void
list_options(const struct schema *s)
{
	const struct opt_spec *o;
	size_t i, j;

	for (i = 0; i < schema_noptions(s); i++) {
		o = schema_option_at(s, i);
		printf("%-44s %-9s ", o->name, opt_type_name(o->type));
		if (o->flags & OPT_F_ANY_MODULE) {
			/* Name the non-module scopes, then "@module". */
			for (j = 0; j < o->nscopes; j++) {
				const struct scope_spec *sc =
				    schema_scope(s, o->scopes[j]);

				if (sc == NULL || !sc->module)
					printf("%s,", o->scopes[j]);
			}
			printf("@module\n");
			continue;
		}
		print_strv(o->scopes, o->nscopes, ",");
		printf("\n");
	}
}

static void
list_scopes(const struct schema *s)
{
	const struct scope_spec *c;
	size_t i;

	for (i = 0; i < schema_nscopes(s); i++) {
		c = schema_scope_at(s, i);
		printf("%-28s %-8s %-6s ", c->name,
		    scope_instance_name(c->instance), c->module ? "module" :
		    "core");
		if (c->nparents == 0)
			printf("-");
		print_strv(c->parents, c->nparents, ",");
		printf("\n");
	}
}

static void
print_bound(const struct opt_spec *o, int64_t v)
{
	if (o->type == OPT_T_OCTAL)
		printf("0%llo", (unsigned long long)v);
	else
		printf("%lld", (long long)v);
}

/* --check: SCOPE TAB OPTION TAB VALUE lines on stdin; 0 all valid, 1 not. */
static int
check_values(const struct schema *s)
{
	const struct opt_spec *o;
	char *line = NULL, *opt, *val, why[256];
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int bad = 0;

	while ((n = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if ((opt = strchr(line, '\t')) == NULL ||
		    (val = strchr(opt + 1, '\t')) == NULL) {
			printf("%zu: expected SCOPE<TAB>OPTION<TAB>VALUE\n",
			    lineno);
			bad = 1;
			continue;
		}
		*opt++ = '\0';
		*val++ = '\0';
		if ((o = schema_option_in(s, opt, line)) == NULL) {
			if (schema_option(s, opt) != NULL)
				printf("%zu: option \"%s\" not allowed in "
				    "scope \"%s\"\n", lineno, opt, line);
			else
				printf("%zu: unknown option \"%s\"\n", lineno,
				    opt);
			bad = 1;
		} else if (opt_check_scalar(o, val, why, sizeof(why)) != 0) {
			printf("%zu: %s = \"%s\": %s\n", lineno, opt,
			    (o->flags & OPT_F_SECRET) ? "(secret)" : val, why);
			bad = 1;
		}
	}
	free(line);
	return bad;
}

static const char *
values_label(enum opt_type t)
{
	switch (t) {
	case OPT_T_ENUM:
		return "values";
	case OPT_T_LIST:
		return "items";
	case OPT_T_DICT:
		return "keys";
	case OPT_T_TOKENS:
		return "tokens";
	default:
		return "keywords";
	}
}

static void
show_option(const struct opt_spec *o)
{
	printf("option %s\n", o->name);
	printf("  type:        %s\n", opt_type_name(o->type));
	if (o->nvalues > 0) {
		printf("  %s:%*s", values_label(o->type),
		    (int)(12 - strlen(values_label(o->type))), "");
		print_strv(o->values, o->nvalues, ", ");
		printf("\n");
	}
	if (o->flags & (OPT_F_HAS_MIN | OPT_F_HAS_MAX)) {
		printf("  range:       ");
		if (o->type == OPT_T_FLOAT) {
			if (o->flags & OPT_F_HAS_MIN)
				printf("%g", o->fmin);
			printf("..");
			if (o->flags & OPT_F_HAS_MAX)
				printf("%g", o->fmax);
		} else {
			if (o->flags & OPT_F_HAS_MIN)
				print_bound(o, o->imin);
			printf("..");
			if (o->flags & OPT_F_HAS_MAX)
				print_bound(o, o->imax);
		}
		printf("\n");
	}
	printf("  default:     %s\n", o->def == NULL ? "(none documented)" :
	    o->def[0] == '\0' ? "\"\"" : o->def);
	printf("  scopes:      ");
	print_strv(o->scopes, o->nscopes, ", ");
	if (o->flags & OPT_F_ANY_MODULE)
		printf(" (every module stanza)");
	printf("\n");
	printf("  since:       %s\n", o->since ? o->since : "(not documented)");
	printf("  dynamic:     %s\n", o->dynamic == OPT_DYN_YES ? "yes" :
	    o->dynamic == OPT_DYN_NO ? "no (restart needed)" :
	    "(not documented)");
	if (o->engine != OPT_ENGINE_NONE)
		printf("  engine:      %s\n", opt_engine_name(o->engine));
	if (o->module != NULL)
		printf("  module:      %s\n", o->module);
	if (o->flags & (OPT_F_DEPRECATED | OPT_F_REPEATABLE | OPT_F_SECRET)) {
		printf("  flags:      ");
		if (o->flags & OPT_F_DEPRECATED)
			printf(" deprecated");
		if (o->flags & OPT_F_REPEATABLE)
			printf(" repeatable");
		if (o->flags & OPT_F_SECRET)
			printf(" secret");
		printf("\n");
	}
	if (o->replacement != NULL)
		printf("  use instead: %s\n", o->replacement);
	printf("  description: %s\n", o->desc);
	if (o->doc != NULL)
		printf("  doc:         %s\n", o->doc);
	printf("  defined at:  %s:%u\n", o->file, (unsigned)o->line);
}

static void
show_scope(const struct schema *s, const struct scope_spec *c)
{
	size_t i, n = 0;

	printf("scope %s\n", c->name);
	printf("  instance:    %s\n", scope_instance_name(c->instance));
	printf("  kind:        %s\n", c->module ? "module stanza (contents "
	    "checked only where described)" : "core");
	printf("  parents:     ");
	if (c->nparents == 0)
		printf("(top level)");
	print_strv(c->parents, c->nparents, ", ");
	printf("\n");
	for (i = 0; i < schema_noptions(s); i++)
		if (opt_allowed_in(schema_option_at(s, i), c->name))
			n++;
	printf("  options:     %zu\n", n);
	if (c->since != NULL)
		printf("  since:       %s\n", c->since);
	printf("  description: %s\n", c->desc);
	if (c->doc != NULL)
		printf("  doc:         %s\n", c->doc);
	printf("  defined at:  %s:%u\n", c->file, (unsigned)c->line);
}

int
cmd_schema(int argc, char **argv)
{
	struct diag d;
	struct schema *s = NULL;
	const struct opt_spec *o;
	const struct scope_spec *c;
	const char *name = NULL, *mode = NULL, *sug;
	char **extra = NULL;
	size_t nextra = 0, i, n;
	char *canon;
	size_t clen;
	int rc = 2;

	diag_init(&d, 0);
	if ((extra = calloc((size_t)argc + 1, sizeof(*extra))) == NULL) {
		cli_error("out of memory");
		return 2;
	}
	for (i = 1; i < (size_t)argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--schema") == 0) {
			if (i + 1 >= (size_t)argc) {
				cli_error("--schema needs a file name");
				goto out;
			}
			extra[nextra++] = argv[++i];
		} else if (strncmp(a, "--schema=", 9) == 0) {
			extra[nextra++] = argv[i] + 9;
		} else if (strcmp(a, "--scopes") == 0 ||
		    strcmp(a, "--hash") == 0 || strcmp(a, "--canonical") == 0 ||
		    strcmp(a, "--check") == 0) {
			if (mode != NULL) {
				cli_error("%s and %s cannot be combined", mode,
				    a);
				goto out;
			}
			mode = a;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			schema_usage(stdout);
			rc = 0;
			goto out;
		} else if (a[0] == '-' && a[1] != '\0') {
			cli_error("unknown option \"%s\" for \"ectls schema\"",
			    a);
			schema_usage(stderr);
			goto out;
		} else if (name != NULL) {
			cli_error("only one NAME may be given (got \"%s\" and "
			    "\"%s\")", name, a);
			goto out;
		} else
			name = a;
	}
	if (mode != NULL && name != NULL) {
		cli_error("%s takes no NAME", mode);
		goto out;
	}
	if ((s = schema_load_default(&d)) == NULL)
		goto out;
	for (i = 0; i < nextra; i++)
		if (schema_add_file(s, extra[i], &d) == -1)
			goto out;

	if (mode != NULL && strcmp(mode, "--scopes") == 0)
		list_scopes(s);
	else if (mode != NULL && strcmp(mode, "--hash") == 0)
		printf("%s\n", schema_version(s));
	else if (mode != NULL && strcmp(mode, "--check") == 0) {
		if (check_values(s) != 0)
			rc = 1;
	}
	else if (mode != NULL) {
		if (schema_canonical(s, &canon, &clen) == -1) {
			cli_error("out of memory");
			goto out;
		}
		fwrite(canon, 1, clen, stdout);
		free(canon);
	} else if (name == NULL)
		list_options(s);
	else {
		o = schema_option_variants(s, name, &n);
		c = schema_scope(s, name);
		if (o == NULL && c == NULL) {
			cli_error("unknown option or scope \"%s\"", name);
			if ((sug = schema_suggest_option(s, name)) != NULL ||
			    (sug = schema_suggest_scope(s, name)) != NULL)
				fprintf(stderr,
				    "%s: note: did you mean \"%s\"?\n",
				    ectls_progname, sug);
			rc = 1;
			goto out;
		}
		if (o != NULL) {
			size_t k;

			/* Variants are adjacent in the sorted order. */
			for (k = 0; k < schema_noptions(s); k++)
				if (schema_option_at(s, k) == o)
					break;
			for (i = 0; i < n; i++) {
				if (i > 0)
					printf("\n");
				show_option(schema_option_at(s, k + i));
			}
		}
		if (c != NULL) {
			if (o != NULL)
				printf("\n");
			show_scope(s, c);
		}
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_error("cannot write the output");
		rc = 2;
		goto out;
	}
	if (rc == 2)
		rc = 0;
out:
	print_diags(&d);
	diag_fini(&d);
	schema_free(s);
	free(extra);
	return rc;
}
