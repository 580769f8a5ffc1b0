/* SPDX-License-Identifier: ISC */
/*
 * checks.h -- the registry of finding ids (compiler/checks.def), with their
 * default severities, and the per-run overrides (--disable, --enable).
 */
#ifndef ECTLS_CHECKS_H
#define ECTLS_CHECKS_H

#include <stddef.h>

#include "diag.h"

struct check {
	const char	*id;
	enum diag_sev	 sev;
	const char	*desc;
};

extern const struct check checks[];
extern const size_t nchecks;

/* The registry entry for id, or NULL. */
const struct check *check_find(const char *);

#endif
