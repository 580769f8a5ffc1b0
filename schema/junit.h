/* SPDX-License-Identifier: ISC */
/*
 * junit.h -- write a JUnit XML report.  The writer is libxml2's
 * xmlTextWriter, which is why it lives under schema/ (the only place that
 * includes libxml2); callers pass plain C data.
 */
#ifndef ECTLS_JUNIT_H
#define ECTLS_JUNIT_H

#include <stddef.h>
#include <stdio.h>

/*
 * One <testcase>.  Every string is borrowed for the duration of the call and
 * may hold any bytes: invalid UTF-8 and characters XML 1.0 cannot carry are
 * written as U+FFFD, so the document is always well-formed.
 */
struct junit_case {
	const char	*classname;
	const char	*name;
	int		 skipped;	/* <skipped/> (the check is disabled) */
	/* A <failure> when failure_type != NULL. */
	const char	*failure_type;
	const char	*failure_message;
	const char	*failure_text;
	/* <system-out> when non-NULL: findings below the fail level. */
	const char	*system_out;
};

/*
 * Write <?xml?><testsuites><testsuite name=suite tests= failures= errors=0
 * skipped=> with one <testcase> per entry to fp.  Returns 0, or -1 when
 * libxml2 fails (out of memory) or the write to fp fails.
 */
int	junit_write(FILE *fp, const char *suite, const struct junit_case *,
	    size_t ncases);

#endif /* ECTLS_JUNIT_H */
