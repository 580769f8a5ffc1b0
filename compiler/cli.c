/* SPDX-License-Identifier: ISC */
/* cli.c -- helpers shared by the `ectls` subcommands. */
#include <stdarg.h>
#include <stdio.h>

#include "cmd.h"

const char *ectls_progname = "ectls";

void
cli_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", ectls_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
