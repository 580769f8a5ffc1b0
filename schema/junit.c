/* SPDX-License-Identifier: ISC */
/*
 * junit.c -- JUnit XML, written with xmlw.h (libxml2's xmlTextWriter, which
 * makes any bytes safe for XML 1.0); the API in junit.h takes plain C
 * strings.
 */
#include <stdio.h>

#include "junit.h"
#include "xmlw.h"

static int
put_case(struct xmlw *x, const struct junit_case *c)
{
	if (xmlw_start(x, "testcase") == -1 ||
	    xmlw_attr(x, "classname", c->classname) == -1 ||
	    xmlw_attr(x, "name", c->name) == -1)
		return -1;
	if (c->skipped && (xmlw_start(x, "skipped") == -1 ||
	    xmlw_attr(x, "message", "disabled") == -1 || xmlw_end(x) == -1))
		return -1;
	if (c->failure_type != NULL &&
	    (xmlw_start(x, "failure") == -1 ||
	    xmlw_attr(x, "message", c->failure_message ?
	    c->failure_message : "") == -1 ||
	    xmlw_attr(x, "type", c->failure_type) == -1 ||
	    xmlw_text(x, c->failure_text) == -1 || xmlw_end(x) == -1))
		return -1;
	if (c->system_out != NULL && (xmlw_start(x, "system-out") == -1 ||
	    xmlw_text(x, c->system_out) == -1 || xmlw_end(x) == -1))
		return -1;
	return xmlw_end(x);
}

/* The name and counts both <testsuites> and <testsuite> carry. */
static int
put_counts(struct xmlw *x, const char *suite, size_t n, size_t failures,
    size_t skipped)
{
	return xmlw_attr(x, "name", suite ? suite : "") == -1 ||
	    xmlw_attr_u64(x, "tests", n) == -1 ||
	    xmlw_attr_u64(x, "failures", failures) == -1 ||
	    xmlw_attr_u64(x, "errors", 0) == -1 ||
	    xmlw_attr_u64(x, "skipped", skipped) == -1 ? -1 : 0;
}

int
junit_write(FILE *fp, const char *suite, const struct junit_case *cases,
    size_t ncases)
{
	struct xmlw *x;
	size_t i, failures = 0, skipped = 0;
	int rc = -1;

	for (i = 0; i < ncases; i++) {
		failures += cases[i].failure_type != NULL;
		skipped += cases[i].skipped != 0;
	}
	if ((x = xmlw_new(0)) == NULL)
		return -1;
	if (xmlw_start(x, "testsuites") == -1 ||
	    put_counts(x, suite, ncases, failures, skipped) == -1 ||
	    xmlw_start(x, "testsuite") == -1 ||
	    put_counts(x, suite, ncases, failures, skipped) == -1)
		goto out;
	for (i = 0; i < ncases; i++)
		if (put_case(x, &cases[i]) == -1)
			goto out;
	/* Closes testsuite and testsuites. */
	rc = xmlw_write(x, fp);
out:
	xmlw_free(x);
	return rc;
}
