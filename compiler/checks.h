/* SPDX-License-Identifier: ISC */
/*
 * checks.h -- the registry of finding ids (compiler/checks.def), with their
 * default severities, and the per-run overrides (--disable, --enable,
 * --fail-on).
 *
 * A check whose default is "off" is registered by or-ing CHECK_DEFAULT_OFF
 * into its severity in checks.def:
 *
 *	CHECK("tls-weak-dh", DIAG_WARNING | CHECK_DEFAULT_OFF, "...")
 *
 * Its findings are dropped by check_policy_apply() unless --enable names it;
 * when enabled they keep the severity the check filed them with.
 */
#ifndef ECTLS_CHECKS_H
#define ECTLS_CHECKS_H

#include <stddef.h>
#include <stdio.h>

#include "diag.h"

/* Or-ed into the severity of a checks.def entry: off unless enabled. */
#define CHECK_DEFAULT_OFF	0x100
#define CHECK_SEV_MASK		0xff

/* The registry holds at most this many ids (checks.c asserts it). */
#define CHECKS_MAX		1024

struct check {
	const char	*id;
	enum diag_sev	 sev;		/* default severity */
	int		 off;		/* 1: off unless --enable */
	const char	*desc;
};

/* The registry entry for one checks.def line (used by checks.c). */
#define CHECK_INITIALIZER(id_, sev_, desc_)				\
	{ .id = (id_), .sev = (enum diag_sev)((sev_) & CHECK_SEV_MASK),	\
	  .off = ((sev_) & CHECK_DEFAULT_OFF) != 0, .desc = (desc_) }

extern const struct check checks[];
extern const size_t nchecks;

/* The registry entry for id, or NULL (id may be NULL). */
const struct check *check_find(const char *);

/*
 * The registered id closest to `id` (edit distance, ignoring case), for a
 * "did you mean" hint; NULL when nothing is close enough.
 */
const struct check *check_suggest(const char *);

/*
 * Print every id with its default severity ("off" for off-by-default
 * checks, with the severity they have when enabled) and its description,
 * one per line, sorted as in checks.def.  Returns 0, or -1 on a write error.
 */
int	checks_list(FILE *);

/* Parse a --fail-on word: "error" or "warning".  Returns 0 or -1. */
int	check_fail_level_parse(const char *, enum diag_sev *);

/*
 * The per-run policy.  Plain value type: no resources, no fini.
 * on[i] tells whether checks[i] is reported; fail_level is the lowest
 * severity that makes the run fail (exit status 1).
 */
struct check_policy {
	unsigned char	 on[CHECKS_MAX];
	enum diag_sev	 fail_level;
};

/* Registry defaults; fail level DIAG_ERROR. */
void	check_policy_init(struct check_policy *);

/*
 * Enable (on != 0) or disable one check by id; the last call for an id
 * wins.  Returns 0, or -1 when id is not registered (a usage error: the
 * caller reports it, with check_suggest(id) as the hint).
 */
int	check_policy_set(struct check_policy *, const char *id, int on);

/* Nonzero when the policy reports checks[i] (by registry entry). */
int	check_policy_enabled(const struct check_policy *, const struct check *);

/*
 * Drop the findings of disabled checks from the sink (freeing them) and
 * recompute d->count[].  Findings whose id is NULL or not registered are
 * kept as filed, and so is every DIAG_FATAL finding (a run that could not
 * complete must not look clean).  The relative order of kept findings is
 * unchanged.  Returns the number of findings dropped.
 */
size_t	check_policy_apply(const struct check_policy *, struct diag *);

/*
 * 1 when the sink holds a finding that the policy keeps at or above its
 * fail level (the run's exit status is then 1), else 0.  Looks at the items
 * themselves, so the answer is the same before and after apply.
 */
int	check_policy_failed(const struct check_policy *, const struct diag *);

#endif /* ECTLS_CHECKS_H */
