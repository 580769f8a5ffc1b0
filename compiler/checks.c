/* SPDX-License-Identifier: ISC */
/*
 * checks.c -- the registry of finding ids, built from checks.def, and the
 * per-run policy (--disable, --enable, --fail-on).  Never prints except in
 * checks_list(), which writes to the stream it is given.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

const struct check checks[] = {
#define CHECK(id, sev, desc) CHECK_INITIALIZER(id, sev, desc),
#include "checks.def"
#undef CHECK
};

const size_t nchecks = sizeof(checks) / sizeof(checks[0]);

_Static_assert(sizeof(checks) / sizeof(checks[0]) <= CHECKS_MAX,
    "raise CHECKS_MAX in checks.h");

const struct check *
check_find(const char *id)
{
	size_t i;

	if (id == NULL)
		return NULL;
	for (i = 0; i < nchecks; i++)
		if (strcmp(checks[i].id, id) == 0)
			return &checks[i];
	return NULL;
}

/* Levenshtein distance, ignoring ASCII case; capped at 255. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, up;
	size_t row[64];

	if (la > 63 || lb > 63)
		return 255;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			cur = prev + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			row[j] = cur;
			prev = up;
		}
	}
	return row[lb];
}

const struct check *
check_suggest(const char *id)
{
	const struct check *best = NULL;
	size_t i, d, bestd = (size_t)-1, limit;

	if (id == NULL || *id == '\0')
		return NULL;
	/* Allow about one typo per three characters, at least two. */
	limit = strlen(id) / 3;
	if (limit < 2)
		limit = 2;
	for (i = 0; i < nchecks; i++) {
		d = edit_distance(id, checks[i].id);
		if (d <= limit && d < bestd) {
			best = &checks[i];
			bestd = d;
		}
	}
	return best;
}

int
checks_list(FILE *fp)
{
	size_t i, w = 2, n;
	char sev[32];

	for (i = 0; i < nchecks; i++)
		if ((n = strlen(checks[i].id)) > w)
			w = n;
	for (i = 0; i < nchecks; i++) {
		if (checks[i].off)
			snprintf(sev, sizeof(sev), "off (%s)",
			    diag_sev_name(checks[i].sev));
		else
			snprintf(sev, sizeof(sev), "%s",
			    diag_sev_name(checks[i].sev));
		fprintf(fp, "%-*s  %-13s  %s\n", (int)w, checks[i].id, sev,
		    checks[i].desc);
	}
	if (fflush(fp) == EOF || ferror(fp))
		return -1;
	return 0;
}

int
check_fail_level_parse(const char *s, enum diag_sev *sev)
{
	if (strcmp(s, "error") == 0)
		*sev = DIAG_ERROR;
	else if (strcmp(s, "warning") == 0)
		*sev = DIAG_WARNING;
	else
		return -1;
	return 0;
}

void
check_policy_init(struct check_policy *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < nchecks; i++)
		p->on[i] = !checks[i].off;
	p->fail_level = DIAG_ERROR;
}

int
check_policy_set(struct check_policy *p, const char *id, int on)
{
	const struct check *c;

	if ((c = check_find(id)) == NULL)
		return -1;
	p->on[c - checks] = on != 0;
	return 0;
}

int
check_policy_enabled(const struct check_policy *p, const struct check *c)
{
	return p->on[c - checks];
}

/* Whether the policy keeps this finding. */
static int
keeps(const struct check_policy *p, const struct diag_item *it)
{
	const struct check *c;

	if (it->sev == DIAG_FATAL || (c = check_find(it->id)) == NULL)
		return 1;
	return p->on[c - checks];
}

size_t
check_policy_apply(const struct check_policy *p, struct diag *d)
{
	size_t i, j, dropped = 0;

	memset(d->count, 0, sizeof(d->count));
	for (i = j = 0; i < d->nitems; i++) {
		if (!keeps(p, &d->items[i])) {
			diag_item_fini(&d->items[i]);
			dropped++;
			continue;
		}
		d->count[d->items[i].sev]++;
		if (j != i)
			d->items[j] = d->items[i];
		j++;
	}
	d->nitems = j;
	return dropped;
}

int
check_policy_failed(const struct check_policy *p, const struct diag *d)
{
	size_t i;

	for (i = 0; i < d->nitems; i++)
		if (d->items[i].sev >= p->fail_level &&
		    keeps(p, &d->items[i]))
			return 1;
	return 0;
}
