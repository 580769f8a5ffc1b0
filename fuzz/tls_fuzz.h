/* SPDX-License-Identifier: ISC */
/*
 * tls_fuzz.h -- helpers shared by the libFuzzer targets of the TLS checks
 * (fuzz_tls_protocols.c, fuzz_tls_ciphers.c, fuzz_gnutls_priority.c,
 * fuzz_pem.c).  Header only: fuzz/module.mk builds one .c per target.
 *
 * fz_check_findings() holds the invariants every TLS check must keep on any
 * input: each new finding has a severity in range, a registered id
 * (compiler/checks.def), a non-empty message, and a location that is either
 * absent or inside the option value the check was given; notes likewise.
 * A broken invariant calls abort(), which libFuzzer reports as a crash.
 */
#ifndef ECTLS_TLS_FUZZ_H
#define ECTLS_TLS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "diag.h"
#include "tls.h"

/* Where every fuzzed value "is": line 7, the value's content at column 20. */
static const struct loc_file fz_file = { .path = "fuzz.conf" };

static inline struct loc
fz_vloc(size_t len)
{
	struct loc l = {
		.file = &fz_file, .line = 7, .col = 20, .off = 300,
		.len = (uint32_t)len,
	};

	return l;
}

/*
 * The input as a C string (returns a new string; free with free()), or NULL
 * when it holds a NUL byte (a configuration value cannot) or is longer than
 * max bytes.
 */
static inline char *
fz_cstr(const uint8_t *data, size_t size, size_t max)
{
	char *s;

	if (size > max || memchr(data, '\0', size) != NULL)
		return NULL;
	if ((s = malloc(size + 1)) == NULL)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* abort() unless the location is absent or inside the value [vl, +vlen]. */
static inline void
fz_check_at(const char *path, uint32_t line, uint32_t col,
    const struct loc *vl, size_t vlen)
{
	if (path == NULL)
		return;
	if (strcmp(path, vl->file->path) != 0 || line != vl->line)
		abort();
	if (col < vl->col || col > vl->col + vlen)
		abort();
}

/*
 * Check the findings d->items[n0 ..] filed by one call that returned rc,
 * about a value of vlen bytes at *vl (vl NULL: the findings must have no
 * location or one equal to a file-level vloc; pass the vloc and vlen 0).
 */
static inline void
fz_check_findings(const struct diag *d, size_t n0, int rc,
    const struct loc *vl, size_t vlen)
{
	const struct diag_item *it;
	size_t i, j;

	if (d->oom)
		return;		/* allocation failure: nothing to hold */
	if (rc < 0 || (size_t)rc != d->nitems - n0)
		abort();
	for (i = n0; i < d->nitems; i++) {
		it = &d->items[i];
		if ((int)it->sev < DIAG_NOTE || it->sev > DIAG_FATAL)
			abort();
		if (it->id == NULL || check_find(it->id) == NULL)
			abort();
		if (it->msg == NULL || it->msg[0] == '\0')
			abort();
		fz_check_at(it->path, it->line, it->col, vl, vlen);
		if (it->path != NULL &&
		    (it->off < vl->off || it->off + it->len > vl->off + vlen))
			abort();
		for (j = 0; j < it->nnotes; j++) {
			if (it->notes[j].msg == NULL)
				abort();
			fz_check_at(it->notes[j].path, it->notes[j].line,
			    it->notes[j].col, vl, vlen);
		}
	}
}

/* Number of findings with this id among d->items[n0 ..]. */
static inline size_t
fz_count_id(const struct diag *d, size_t n0, const char *id)
{
	size_t i, n = 0;

	for (i = n0; i < d->nitems; i++)
		if (d->items[i].id != NULL && strcmp(d->items[i].id, id) == 0)
			n++;
	return n;
}

#endif /* ECTLS_TLS_FUZZ_H */
