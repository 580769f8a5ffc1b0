/* SPDX-License-Identifier: ISC */
/*
 * diag.c -- the diagnostics sink.  Library code: never prints, never exits;
 * an allocation failure sets diag->oom and drops the finding.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

void
diag_init(struct diag *d, size_t max_errors)
{
	memset(d, 0, sizeof(*d));
	d->max_errors = max_errors;
}

void
diag_item_fini(struct diag_item *it)
{
	size_t i;

	for (i = 0; i < it->nnotes; i++) {
		free(it->notes[i].path);
		free(it->notes[i].msg);
	}
	free(it->notes);
	free(it->id);
	free(it->path);
	free(it->msg);
}

void
diag_fini(struct diag *d)
{
	size_t i;

	for (i = 0; i < d->nitems; i++)
		diag_item_fini(&d->items[i]);
	free(d->items);
	memset(d, 0, sizeof(*d));
}

static char *
dupstr(const char *s)
{
	size_t n;
	char *p;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	if ((p = malloc(n)) != NULL)
		memcpy(p, s, n);
	return p;
}

static char *
vformat(const char *fmt, va_list ap)
{
	va_list ap2;
	char *p;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || (p = malloc((size_t)n + 1)) == NULL)
		return NULL;
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

/* Insert a note at position pos of it->notes. */
static int
note_insert(struct diag_item *it, size_t pos, const char *path, uint32_t line,
    uint32_t col, char *msg)
{
	struct diag_note *nn;

	if (msg == NULL)
		return -1;
	nn = realloc(it->notes, (it->nnotes + 1) * sizeof(*nn));
	if (nn == NULL) {
		free(msg);
		return -1;
	}
	it->notes = nn;
	memmove(&nn[pos + 1], &nn[pos], (it->nnotes - pos) * sizeof(*nn));
	nn[pos].path = dupstr(path);
	nn[pos].line = line;
	nn[pos].col = col;
	nn[pos].msg = msg;
	if (path != NULL && nn[pos].path == NULL) {
		free(msg);
		memmove(&nn[pos], &nn[pos + 1], (it->nnotes - pos) * sizeof(*nn));
		return -1;
	}
	it->nnotes++;
	return 0;
}

static char *
strmsg(const char *s)
{
	return dupstr(s);
}

struct diag_item *
diag_vadd(struct diag *d, enum diag_sev sev, const char *id,
    const struct loc *loc, const char *fmt, va_list ap)
{
	struct diag_item *it, *ni;
	const struct loc_file *f;
	size_t ncap;

	if (d->truncated)
		return NULL;
	if (d->nitems == d->cap) {
		ncap = d->cap ? d->cap * 2 : 16;
		ni = realloc(d->items, ncap * sizeof(*ni));
		if (ni == NULL) {
			d->oom = 1;
			return NULL;
		}
		d->items = ni;
		d->cap = ncap;
	}
	it = &d->items[d->nitems];
	memset(it, 0, sizeof(*it));
	it->sev = sev;
	if ((it->msg = vformat(fmt, ap)) == NULL)
		goto fail;
	if (id != NULL && (it->id = dupstr(id)) == NULL)
		goto fail;
	if (loc != NULL && loc->file != NULL) {
		if ((it->path = dupstr(loc->file->path)) == NULL)
			goto fail;
		it->line = loc->line;
		it->col = loc->col;
		it->off = loc->off;
		it->len = loc->len;
		for (f = loc->file; f->parent != NULL; f = f->parent) {
			if (note_insert(it, it->nnotes, f->parent->path,
			    f->parent_line, f->parent_col,
			    strmsg("included from here")) == -1)
				goto fail;
			it->nchain++;
		}
	}
	d->nitems++;
	d->count[sev]++;
	if (sev >= DIAG_ERROR && d->max_errors != 0 &&
	    d->count[DIAG_ERROR] + d->count[DIAG_FATAL] >= d->max_errors)
		d->truncated = 1;
	return it;
fail:
	diag_item_fini(it);
	d->oom = 1;
	return NULL;
}

struct diag_item *
diag_add(struct diag *d, enum diag_sev sev, const char *id,
    const struct loc *loc, const char *fmt, ...)
{
	struct diag_item *it;
	va_list ap;

	va_start(ap, fmt);
	it = diag_vadd(d, sev, id, loc, fmt, ap);
	va_end(ap);
	return it;
}

int
diag_note(struct diag *d, struct diag_item *it, const struct loc *loc,
    const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int rc;

	if (it == NULL)
		return 0;
	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	if (loc != NULL && loc->file != NULL)
		rc = note_insert(it, it->nnotes - it->nchain, loc->file->path,
		    loc->line, loc->col, msg);
	else
		rc = note_insert(it, it->nnotes - it->nchain, NULL, 0, 0, msg);
	if (rc == -1)
		d->oom = 1;
	return rc;
}

size_t
diag_count_at_least(const struct diag *d, enum diag_sev sev)
{
	size_t n = 0;
	int s;

	for (s = sev; s <= DIAG_FATAL; s++)
		n += d->count[s];
	return n;
}

const char *
diag_sev_name(enum diag_sev sev)
{
	switch (sev) {
	case DIAG_NOTE:
		return "note";
	case DIAG_WARNING:
		return "warning";
	case DIAG_ERROR:
		return "error";
	case DIAG_FATAL:
		return "fatal error";
	}
	return "error";
}

/*
 * Sort key: files in the order they first appear among the findings (the
 * top-level file first, then each include as it was read), then line and
 * column.  Findings without a location keep their place at the end.
 */
static size_t
path_rank(const char *const *seen, size_t nseen, const char *path)
{
	size_t i;

	for (i = 0; i < nseen; i++)
		if (strcmp(seen[i], path) == 0)
			return i;
	return nseen;
}

void
diag_sort(struct diag *d)
{
	struct diag_item tmp;
	const char **seen;
	size_t *rank, i, j, nseen = 0, rt;

	if (d->nitems < 2)
		return;
	seen = malloc(d->nitems * sizeof(*seen));
	rank = malloc(d->nitems * sizeof(*rank));
	if (seen == NULL || rank == NULL) {
		free(seen);
		free(rank);
		return;	/* unsorted is still correct */
	}
	for (i = 0; i < d->nitems; i++) {
		if (d->items[i].path == NULL) {
			rank[i] = (size_t)-1;
			continue;
		}
		rank[i] = path_rank(seen, nseen, d->items[i].path);
		if (rank[i] == nseen)
			seen[nseen++] = d->items[i].path;
	}
	/* Insertion sort: stable, and findings arrive nearly sorted. */
	for (i = 1; i < d->nitems; i++) {
		tmp = d->items[i];
		rt = rank[i];
		for (j = i; j > 0; j--) {
			const struct diag_item *a = &d->items[j - 1];

			if (rank[j - 1] < rt || (rank[j - 1] == rt &&
			    (rt == (size_t)-1 || a->line < tmp.line ||
			    (a->line == tmp.line && a->col <= tmp.col))))
				break;
			d->items[j] = d->items[j - 1];
			rank[j] = rank[j - 1];
		}
		d->items[j] = tmp;
		rank[j] = rt;
	}
	free(seen);
	free(rank);
}
