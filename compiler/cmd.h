/* SPDX-License-Identifier: ISC */
/*
 * cmd.h -- the `ectls` subcommands.  Each takes the arguments after the
 * command name (argv[0] is the command name) and returns the exit status:
 * 0 clean, 1 findings / differences, 2 could not run.
 */
#ifndef ECTLS_CMD_H
#define ECTLS_CMD_H

int	cmd_lint(int, char **);
int	cmd_print(int, char **);
int	cmd_compile(int, char **);
int	cmd_explain(int, char **);
int	cmd_schema(int, char **);
int	cmd_lookup(int, char **);	/* cmd_table.c */
int	cmd_dump(int, char **);
int	cmd_diff(int, char **);
int	cmd_verify(int, char **);

/* Parse a decimal number in [min, max]; -1 when malformed or out of range. */
long	cli_number(const char *, long, long);

#define ECTLS_VERSION_STRING "0.1.0"

/* The program name for messages without a location ("ectls"). */
extern const char *ectls_progname;

/* Print "ectls: error: MSG" on stderr (usage and I/O errors). */
void	cli_error(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
