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
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "checks.h"
#include "cmd.h"
#include "diag.h"
#include "lint.h"
#include "report.h"

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
	OPT_NOW,
	OPT_WARN_DAYS,
	OPT_ENGINES,
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
	{ "now",		required_argument,	NULL, OPT_NOW },
	{ "expiry-warn-days",	required_argument,	NULL, OPT_WARN_DAYS },
	{ "engines",		required_argument,	NULL, OPT_ENGINES },
	{ "help",		no_argument,		NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

static void
lint_usage(FILE *fp, int compile)
{
	fprintf(fp,
	    "usage: ectls %s [--syntax-only] [--no-includes] "
	    "[--format text|json|sarif|junit]\n"
	    "         [--caret] [--max-errors N] [--disable ID] [--enable ID]\n"
	    "         [--fail-on error|warning] [--schema EXTRA.xml]\n"
	    "         [--now ISO8601] [--expiry-warn-days N] "
	    "[--engines both|policy] FILE%s\n"
	    "       ectls lint --list-checks\n", compile ? "compile" : "lint",
	    compile ? " -o TABLE" : "");
}

/*
 * Report the findings of a run: sorted into file order, the chosen format,
 * and a closing "too many errors" line when the budget ran out.
 */
int
lint_report(struct diag *d, const struct report_opts *ro,
    const struct check_policy *pol, size_t max_errors)
{
	int rc;

	diag_sort(d);
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

/*
 * Progress on a terminal: nothing for the first second (or
 * ECTLS_PROGRESS_AFTER_MS), then "ectls: checking policies: N/M bindings"
 * rewritten in place, erased at the end.  Never when stderr is not a
 * terminal, so logs and CI output stay clean.
 */
struct progress {
	struct timespec	 start;
	long		 after_ms;
	int		 shown;
};

static long
ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void
progress_show(size_t done, size_t total, void *arg)
{
	struct progress *pr = arg;

	if (done == total) {
		if (pr->shown)
			fputs("\r\033[K", stderr);
		pr->shown = 0;
		return;
	}
	if (!pr->shown && ms_since(&pr->start) < pr->after_ms)
		return;
	pr->shown = 1;
	fprintf(stderr, "\r%s: checking policies: %zu/%zu bindings",
	    ectls_progname, done, total);
	fflush(stderr);
}

void
lint_progress(struct lint_args *a)
{
	static struct progress pr;
	const char *env;
	long v;

	if (!isatty(STDERR_FILENO))
		return;
	clock_gettime(CLOCK_MONOTONIC, &pr.start);
	pr.after_ms = 1000;
	if ((env = getenv("ECTLS_PROGRESS_AFTER_MS")) != NULL &&
	    (v = cli_number(env, 0, 3600000)) != -1)
		pr.after_ms = v;
	a->po.progress = progress_show;
	a->po.progress_arg = &pr;
}

/*
 * Options shared by lint and compile.  Returns -1 to go on, or the exit
 * status when the command is done (help, list, usage error).
 */
int
lint_getopt(int argc, char **argv, int compile, struct lint_args *a)
{
	static const struct option compile_extra[] = {
		{ "output",	required_argument,	NULL, 'o' },
	};
	struct option longopts[32];
	const struct check *sug;
	size_t nlong = 0, i;
	long v;
	int c;

	for (i = 0; lint_longopts[i].name != NULL; i++)
		longopts[nlong++] = lint_longopts[i];
	if (compile)
		longopts[nlong++] = compile_extra[0];
	memset(&longopts[nlong], 0, sizeof(longopts[nlong]));
	memset(a, 0, sizeof(*a));
	check_policy_init(&a->pol);
	a->ro.format = REPORT_TEXT;
	a->ro.caret = isatty(STDERR_FILENO);
	a->ro.tool_version = ECTLS_VERSION_STRING;
	a->max_errors = 50;
	a->po.now = time(NULL);
	a->po.warn_days = -1;
	a->po.checks = &a->pol;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, compile ? "ho:" : "h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'o':
			a->output = optarg;
			break;
		case OPT_SYNTAX_ONLY:
			a->po.syntax_only = 1;
			a->po.cfg.discard_tree = 1;
			break;
		case OPT_NO_INCLUDES:
			a->po.cfg.no_includes = 1;
			break;
		case OPT_FORMAT:
			if (report_format_parse(optarg, &a->ro.format) == -1) {
				cli_error("unknown format \"%s\" (expected text, "
				    "json, sarif or junit)", optarg);
				return 2;
			}
			break;
		case OPT_CARET:
			a->ro.caret = 1;
			break;
		case OPT_MAX_ERRORS:
			if ((v = cli_number(optarg, 0, INT_MAX)) == -1) {
				cli_error("--max-errors wants a number, got \"%s\"",
				    optarg);
				return 2;
			}
			a->max_errors = (size_t)v;
			break;
		case OPT_DISABLE:
		case OPT_ENABLE:
			if (check_policy_set(&a->pol, optarg, c == OPT_ENABLE) ==
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
			if (check_fail_level_parse(optarg, &a->pol.fail_level) ==
			    -1) {
				cli_error("--fail-on wants \"error\" or "
				    "\"warning\", got \"%s\"", optarg);
				return 2;
			}
			break;
		case OPT_SCHEMA:
			if (a->po.nextra == sizeof(a->po.extra_schema) /
			    sizeof(a->po.extra_schema[0])) {
				cli_error("too many --schema files");
				return 2;
			}
			a->po.extra_schema[a->po.nextra++] = optarg;
			break;
		case OPT_NOW:
			if (pipeline_parse_time(optarg, &a->po.now) == -1) {
				cli_error("--now wants an ISO 8601 UTC time "
				    "(2026-01-31 or 2026-01-31T12:00:00Z), got "
				    "\"%s\"", optarg);
				return 2;
			}
			break;
		case OPT_WARN_DAYS:
			if ((v = cli_number(optarg, 0, 36500)) == -1) {
				cli_error("--expiry-warn-days wants a number of "
				    "days, got \"%s\"", optarg);
				return 2;
			}
			a->po.warn_days = (int)v;
			break;
		case OPT_ENGINES:
			if (strcmp(optarg, "both") == 0)
				a->po.engines_both = 1;
			else if (strcmp(optarg, "policy") != 0) {
				cli_error("--engines wants \"both\" or "
				    "\"policy\", got \"%s\"", optarg);
				return 2;
			}
			break;
		case OPT_LIST_CHECKS:
			if (checks_list(stdout) == -1 || fflush(stdout) == EOF)
				return 2;
			return 0;
		case OPT_HELP:
		case 'h':
			lint_usage(stdout, compile);
			return 0;
		default:
			cli_error("unknown option \"%s\"", argv[optind - 1]);
			lint_usage(stderr, compile);
			return 2;
		}
	}
	if (argc - optind != 1) {
		cli_error(argc - optind == 0 ? "no configuration file given" :
		    "one configuration file at a time");
		lint_usage(stderr, compile);
		return 2;
	}
	if (compile && a->output == NULL) {
		cli_error("compile needs an output table: -o TABLE");
		return 2;
	}
	a->file = argv[optind];
	a->ro.inputs = (const char *const *)&argv[optind];
	a->ro.ninputs = 1;
	a->ro.fail_level = a->pol.fail_level;
	a->ro.policy = &a->pol;
	return -1;
}

int
cmd_lint(int argc, char **argv)
{
	struct lint_args a;
	struct pipeline pl;
	struct diag d;
	int rc;

	if ((rc = lint_getopt(argc, argv, 0, &a)) != -1)
		return rc;
	lint_progress(&a);
	diag_init(&d, a.max_errors);
	rc = pipeline_run(a.file, &a.po, &d, &pl);
	check_policy_apply(&a.pol, &d);
	if (rc == 2) {
		report_write(&d, &a.ro, stdout, stderr);
		rc = 2;
	} else
		rc = lint_report(&d, &a.ro, &a.pol, a.max_errors);
	pipeline_fini(&pl);
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
