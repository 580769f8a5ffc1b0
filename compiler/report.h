/* SPDX-License-Identifier: ISC */
/*
 * report.h -- turn a filled struct diag into output: GNU text (with an
 * optional caret line), JSON, SARIF 2.1.0 or JUnit XML.  The only code
 * besides the mains that prints; it writes only to the streams it is given.
 */
#ifndef ECTLS_REPORT_H
#define ECTLS_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "checks.h"
#include "diag.h"

enum report_format {
	REPORT_TEXT,
	REPORT_JSON,
	REPORT_SARIF,
	REPORT_JUNIT
};

/* "text", "json", "sarif" or "junit".  Returns 0, or -1 for another word. */
int	report_format_parse(const char *, enum report_format *);

struct report_opts {
	enum report_format	 format;
	int			 caret;		/* text: source line + ^~~ */
	const char		*tool_version;	/* SARIF driver.version */
	const char *const	*inputs;	/* the files linted */
	size_t			 ninputs;
	enum diag_sev		 fail_level;	/* JUnit <failure> threshold */
	/*
	 * Optional (NULL: left out / registry defaults).  information_uri
	 * must be an absolute URI.
	 */
	const char		*information_uri; /* driver.informationUri */
	const struct check_policy *policy;	/* disabled checks: JUnit
						   <skipped/>, SARIF
						   enabled=false */
};

/*
 * Write every finding of d in the chosen format.  Text goes to err (GNU
 * form: "file:line:col: severity: message [id]", then the notes); JSON,
 * SARIF and JUnit go to out.  Items are written in sink order (call
 * diag_sort() first for file order).  Source lines for the caret are read
 * from the files again now; a file that cannot be read gets no caret.
 *
 * Text is for terminals: control characters in paths and messages are
 * written as \n, \t, \r or \xHH so one finding stays one line; other bytes
 * pass through.  The machine formats are always valid: invalid UTF-8 is
 * written as U+FFFD.  JSON severities are "error", "warning", "note" and
 * "fatal".
 *
 * Returns 0, or -1 on a write error (or when memory ran out).
 */
int	report_write(const struct diag *, const struct report_opts *,
	    FILE *out, FILE *err);

#endif /* ECTLS_REPORT_H */
