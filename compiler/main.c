/* SPDX-License-Identifier: ISC */
/*
 * main.c -- `ectls`: dispatch to a subcommand.  The only place (with the
 * report writers it calls) that prints.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

#define ECTLS_VERSION ECTLS_VERSION_STRING

static int
cmd_version(int argc, char **argv)
{
	printf("ectls %s\n", ECTLS_VERSION);
	return 0;
}

static const struct command {
	const char	*name;
	int		(*run)(int, char **);
	const char	*synopsis;
} commands[] = {
	/* Keep in the order of `ectls --help`; one line per command. */
	{ .name = "lint", .run = cmd_lint,
	  .synopsis = "lint [--syntax-only] [--no-includes] [--format F] FILE" },
	{ .name = "compile", .run = cmd_compile,
	  .synopsis = "compile [lint options] FILE -o TABLE" },
	{ .name = "explain", .run = cmd_explain,
	  .synopsis = "explain [--json] FILE|TABLE BINDING DOMAIN" },
	{ .name = "print", .run = cmd_print,
	  .synopsis = "print [--expand] [--no-includes] FILE" },
	{ .name = "schema", .run = cmd_schema,
	  .synopsis = "schema [--schema FILE]... [--scopes | --hash | NAME]" },
	{ .name = "lookup", .run = cmd_lookup,
	  .synopsis = "lookup [--json] TABLE BINDING DOMAIN" },
	{ .name = "dump", .run = cmd_dump,
	  .synopsis = "dump [--format text|json|xml] TABLE" },
	{ .name = "diff", .run = cmd_diff, .synopsis = "diff OLD_TABLE NEW_TABLE" },
	{ .name = "verify", .run = cmd_verify, .synopsis = "verify TABLE" },
	{ .name = "version", .run = cmd_version, .synopsis = "version" },
};

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: ectls COMMAND [OPTIONS] ...\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  ectls %s\n", commands[i].synopsis);
	fprintf(fp, "\nexit status: 0 clean, 1 findings, 2 could not run\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	/*
	 * Past a file-size limit write(2) must fail with EFBIG, so compile
	 * can remove its temporary file, instead of the signal killing us.
	 */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(argc - 1, argv + 1);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	cli_error("unknown command \"%s\" (try \"ectls --help\")", argv[1]);
	return 2;
}
