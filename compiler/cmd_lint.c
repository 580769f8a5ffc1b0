/* SPDX-License-Identifier: ISC */
/*
 * cmd_lint.c -- `ectls lint` and `ectls print`: parse a configuration (and
 * its includes), report every finding in the chosen format.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "checks.h"
#include "cmd.h"
#include "diag.h"
#include "report.h"
#include "schema.h"
#include "sema.h"

/* Parse a decimal count in [min, max]; -1 if malformed or out of range. */
long
cli_number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return -1;
	return v;
}

enum {
	OPT_SYNTAX_ONLY = 256,
	OPT_NO_INCLUDES,
	OPT_FORMAT,
	OPT_CARET,
	OPT_MAX_ERRORS,
	OPT_DISABLE,
	OPT_ENABLE,
	OPT_FAIL_ON,
	OPT_LIST_CHECKS,
	OPT_EXPAND,
	OPT_SCHEMA,
	OPT_HELP
};

static const struct option lint_longopts[] = {
	{ "syntax-only",	no_argument,		NULL, OPT_SYNTAX_ONLY },
	{ "no-includes",	no_argument,		NULL, OPT_NO_INCLUDES },
	{ "format",		required_argument,	NULL, OPT_FORMAT },
	{ "caret",		no_argument,		NULL, OPT_CARET },
	{ "max-errors",		required_argument,	NULL, OPT_MAX_ERRORS },
	{ "disable",		required_argument,	NULL, OPT_DISABLE },
	{ "enable",		required_argument,	NULL, OPT_ENABLE },
	{ "fail-on",		required_argument,	NULL, OPT_FAIL_ON },
	{ "list-checks",	no_argument,		NULL, OPT_LIST_CHECKS },
	{ "schema",		required_argument,	NULL, OPT_SCHEMA },
	{ "help",		no_argument,		NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

static void
lint_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: ectls lint [--syntax-only] [--no-includes] "
	    "[--format text|json|sarif|junit]\n"
	    "                  [--caret] [--max-errors N] [--disable ID] "
	    "[--enable ID]\n"
	    "                  [--fail-on error|warning] [--schema EXTRA.xml] FILE\n"
	    "       ectls lint --list-checks\n");
}

/*
 * Report the findings of a run: sorted into file order, the chosen format,
 * and a closing "too many errors" line when the budget ran out.
 */
static int
lint_report(struct diag *d, const struct report_opts *ro,
    const struct check_policy *pol, size_t max_errors)
{
	int rc;

	rc = report_write(d, ro, stdout, stderr);
	if (d->truncated)
		fprintf(stderr, "%s: fatal error: too many errors emitted, "
		    "stopping now [--max-errors=%zu]\n", ectls_progname,
		    max_errors);
	if (fflush(stdout) == EOF || rc == -1) {
		cli_error("cannot write the report: %s", strerror(errno));
		return 2;
	}
	/* Could not run at all (unreadable input, out of memory). */
	if (d->count[DIAG_FATAL] > 0 || d->oom)
		return 2;
	return check_policy_failed(pol, d) ? 1 : 0;
}

int
cmd_lint(int argc, char **argv)
{
	struct cfg_opts co = { 0 };
	struct report_opts ro = { 0 };
	struct check_policy pol;
	const struct check *sug;
	const char *file;
	struct diag d;
	struct cfg *cfg;
	long max_errors = 50, v;
	int c, syntax_only = 0, rc;
	const char *extra[16];
	size_t nextra = 0, i;
	struct schema *sch = NULL;

	check_policy_init(&pol);
	ro.format = REPORT_TEXT;
	ro.caret = isatty(STDERR_FILENO);
	ro.tool_version = ECTLS_VERSION_STRING;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lint_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SYNTAX_ONLY:
			syntax_only = 1;
			break;
		case OPT_NO_INCLUDES:
			co.no_includes = 1;
			break;
		case OPT_FORMAT:
			if (report_format_parse(optarg, &ro.format) == -1) {
				cli_error("unknown format \"%s\" (expected text, "
				    "json, sarif or junit)", optarg);
				return 2;
			}
			break;
		case OPT_CARET:
			ro.caret = 1;
			break;
		case OPT_MAX_ERRORS:
			if ((v = cli_number(optarg, 0, INT_MAX)) == -1) {
				cli_error("--max-errors wants a number, got \"%s\"",
				    optarg);
				return 2;
			}
			max_errors = v;
			break;
		case OPT_DISABLE:
		case OPT_ENABLE:
			if (check_policy_set(&pol, optarg, c == OPT_ENABLE) ==
			    -1) {
				sug = check_suggest(optarg);
				if (sug != NULL)
					cli_error("unknown check \"%s\"; did you "
					    "mean \"%s\"?", optarg, sug->id);
				else
					cli_error("unknown check \"%s\" (see "
					    "\"ectls lint --list-checks\")",
					    optarg);
				return 2;
			}
			break;
		case OPT_FAIL_ON:
			if (check_fail_level_parse(optarg, &pol.fail_level) ==
			    -1) {
				cli_error("--fail-on wants \"error\" or "
				    "\"warning\", got \"%s\"", optarg);
				return 2;
			}
			break;
		case OPT_SCHEMA:
			if (nextra == sizeof(extra) / sizeof(extra[0])) {
				cli_error("too many --schema files");
				return 2;
			}
			extra[nextra++] = optarg;
			break;
		case OPT_LIST_CHECKS:
			if (checks_list(stdout) == -1 || fflush(stdout) == EOF)
				return 2;
			return 0;
		case OPT_HELP:
		case 'h':
			lint_usage(stdout);
			return 0;
		default:
			cli_error("unknown option \"%s\"", argv[optind - 1]);
			lint_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1) {
		cli_error(argc - optind == 0 ? "no configuration file given" :
		    "one configuration file at a time");
		lint_usage(stderr);
		return 2;
	}
	file = argv[optind];
	ro.inputs = (const char *const *)&argv[optind];
	ro.ninputs = 1;
	ro.fail_level = pol.fail_level;
	ro.policy = &pol;

	diag_init(&d, (size_t)max_errors);
	if (!syntax_only) {
		/* A schema that does not load is a failure to run (exit 2). */
		sch = schema_load_default(&d);
		for (i = 0; sch != NULL && i < nextra; i++)
			if (schema_add_file(sch, extra[i], &d) == -1) {
				schema_free(sch);
				sch = NULL;
			}
		if (sch == NULL) {
			report_write(&d, &ro, stdout, stderr);
			diag_fini(&d);
			return 2;
		}
	}
	cfg = cfg_parse_file(file, &co, &d);
	if (cfg != NULL && sch != NULL && !d.truncated)
		sema_check(cfg_root(cfg), sch, &d);
	check_policy_apply(&pol, &d);
	rc = lint_report(&d, &ro, &pol, (size_t)max_errors);
	cfg_free(cfg);
	schema_free(sch);
	diag_fini(&d);
	return rc;
}

static int
emit_stdout(void *arg, const char *s, size_t n)
{
	return fwrite(s, 1, n, arg) == n ? 0 : -1;
}

int
cmd_print(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "expand",	no_argument,	NULL, OPT_EXPAND },
		{ "no-includes", no_argument,	NULL, OPT_NO_INCLUDES },
		{ "caret",	no_argument,	NULL, OPT_CARET },
		{ "help",	no_argument,	NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 }
	};
	struct cfg_opts co = { 0 };
	struct report_opts ro = { 0 };
	struct check_policy pol;
	struct diag d;
	struct cfg *cfg;
	int c, expand = 0, rc;

	check_policy_init(&pol);
	ro.format = REPORT_TEXT;
	ro.caret = isatty(STDERR_FILENO);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_EXPAND:
			expand = 1;
			break;
		case OPT_NO_INCLUDES:
			co.no_includes = 1;
			break;
		case OPT_CARET:
			ro.caret = 1;
			break;
		case OPT_HELP:
		case 'h':
			printf("usage: ectls print [--expand] [--no-includes] "
			    "FILE\n");
			return 0;
		default:
			cli_error("unknown option \"%s\"", argv[optind - 1]);
			return 2;
		}
	}
	if (argc - optind != 1) {
		cli_error("usage: ectls print [--expand] [--no-includes] FILE");
		return 2;
	}
	ro.inputs = (const char *const *)&argv[optind];
	ro.ninputs = 1;
	ro.policy = &pol;
	diag_init(&d, 50);
	cfg = cfg_parse_file(argv[optind], &co, &d);
	if (cfg == NULL || cfg_errors(cfg) > 0 ||
	    diag_count_at_least(&d, DIAG_ERROR) > 0) {
		/* Never a partial canonical text: report and stop. */
		rc = lint_report(&d, &ro, &pol, 50);
		if (rc == 0)
			rc = 1;
	} else {
		/* Warnings (e.g. encoding in comments) go to stderr. */
		if (d.nitems > 0)
			report_write(&d, &ro, stdout, stderr);
		if (ast_print(cfg_root(cfg), expand, emit_stdout, stdout) ==
		    -1 || fflush(stdout) == EOF) {
			cli_error("cannot write: %s", strerror(errno));
			rc = 2;
		} else
			rc = 0;
	}
	cfg_free(cfg);
	diag_fini(&d);
	return rc;
}
