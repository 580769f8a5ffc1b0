/* SPDX-License-Identifier: ISC */
/* lint.h -- option handling and reporting shared by lint and compile. */
#ifndef ECTLS_LINT_H
#define ECTLS_LINT_H

#include "checks.h"
#include "pipeline.h"
#include "report.h"

struct lint_args {
	struct pipeline_opts	 po;
	struct report_opts	 ro;
	struct check_policy	 pol;
	size_t			 max_errors;
	const char		*file;
	const char		*output;	/* compile -o */
};

/* Parse lint/compile options; -1 to go on, else the exit status. */
int	lint_getopt(int, char **, int compile, struct lint_args *);

/* Show progress of long runs on stderr when it is a terminal. */
void	lint_progress(struct lint_args *);

/* Report and derive the exit status (0 clean, 1 findings, 2 failure). */
int	lint_report(struct diag *, const struct report_opts *,
	    const struct check_policy *, size_t max_errors);

#endif
