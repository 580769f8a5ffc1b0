/* SPDX-License-Identifier: ISC */
/*
 * tmpdir.h -- a scratch directory for the unit tests that write files.
 * Define TMPDIR_NAME (the test's name) before including it.
 * tmpdir_setup() makes a fresh $TMPDIR/ectls-NAME.XXXXXX (TMPDIR unset:
 * /tmp) into tmpdir; tmpdir_teardown() removes it and everything in it.
 * Both have the signature of a cmocka fixture (group or per test).
 */
#ifndef ECTLS_TEST_TMPDIR_H
#define ECTLS_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

#ifndef TMPDIR_NAME
#error "define TMPDIR_NAME before including tmpdir.h"
#endif

static char tmpdir[256];

static int
tmpdir_setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/ectls-%s.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp", TMPDIR_NAME);
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
tmpdir_teardown(void **state)
{
	char cmd[sizeof(tmpdir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
