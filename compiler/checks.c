/* SPDX-License-Identifier: ISC */
/* checks.c -- the registry of finding ids, built from checks.def. */
#include <string.h>

#include "checks.h"

const struct check checks[] = {
#define CHECK(id, sev, desc) { id, sev, desc },
#include "checks.def"
#undef CHECK
};

const size_t nchecks = sizeof(checks) / sizeof(checks[0]);

const struct check *
check_find(const char *id)
{
	size_t i;

	for (i = 0; i < nchecks; i++)
		if (strcmp(checks[i].id, id) == 0)
			return &checks[i];
	return NULL;
}
