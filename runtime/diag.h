/* SPDX-License-Identifier: ISC */
/*
 * diag.h -- the diagnostics sink shared by every layer.
 *
 * Library code (parser, schema, compiler passes, runtime) never prints: it
 * files findings here, each with a severity, an optional stable check id, a
 * source location and zero or more notes.  Only the two mains format them.
 */
#ifndef ECTLS_DIAG_H
#define ECTLS_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A source file as the parser knows it.  `parent` is the file that included
 * this one (NULL for a top-level file) and parent_line/parent_col the place
 * of the include statement, so every diagnostic can carry its include chain.
 * Owned by whoever created it (the parser session); must outlive every loc
 * that points at it, but not the diag sink (which copies what it keeps).
 */
struct loc_file {
	const char		*path;
	const struct loc_file	*parent;
	uint32_t		 parent_line;
	uint32_t		 parent_col;
};

/*
 * A location: line and column start at 1 (column in bytes, tab stops every
 * 8, as GNU tools count); off/len is the byte span in the file.  A loc with
 * file == NULL has no location.
 */
struct loc {
	const struct loc_file	*file;
	uint32_t		 line;
	uint32_t		 col;
	uint32_t		 off;
	uint32_t		 len;
};

enum diag_sev {
	DIAG_NOTE = 0,
	DIAG_WARNING,
	DIAG_ERROR,
	DIAG_FATAL
};

/* A note attached to a finding; path is a copy (NULL: no location). */
struct diag_note {
	char		*path;
	uint32_t	 line;
	uint32_t	 col;
	char		*msg;
};

/* One finding.  Every string is owned by the sink. */
struct diag_item {
	enum diag_sev		 sev;
	char			*id;	/* stable check id, or NULL */
	char			*path;	/* NULL: no location */
	uint32_t		 line;
	uint32_t		 col;
	uint32_t		 off;
	uint32_t		 len;
	char			*msg;
	struct diag_note	*notes;
	size_t			 nnotes;
	size_t			 nchain;	/* trailing include-chain notes */
};

struct diag {
	struct diag_item	*items;
	size_t			 nitems;
	size_t			 cap;
	size_t			 count[DIAG_FATAL + 1];
	size_t			 max_errors;	/* 0: unlimited */
	int			 oom;		/* an allocation failed */
	int			 truncated;	/* max_errors reached */
};

/* Initialise an empty sink; max_errors 0 means unlimited. */
void	diag_init(struct diag *, size_t max_errors);
/* Release everything the sink owns; the sink is empty afterwards. */
void	diag_fini(struct diag *);
/* Release what one item owns (for code that drops items from a sink). */
void	diag_item_fini(struct diag_item *);

/*
 * File a finding.  `id` may be NULL; `loc` may be NULL (no location).  When
 * loc->file was included from elsewhere, "included from FILE:LINE" notes are
 * appended for the whole chain.  Returns the item (borrowed; valid until the
 * next diag_add or diag_fini, so add notes right away), or NULL when it was
 * dropped (out of memory, or max_errors already reached).
 */
struct diag_item *diag_add(struct diag *, enum diag_sev, const char *id,
	    const struct loc *, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
struct diag_item *diag_vadd(struct diag *, enum diag_sev, const char *id,
	    const struct loc *, const char *fmt, va_list)
	    __attribute__((format(printf, 5, 0)));

/*
 * Attach a note to an item (item may be NULL: no-op).  The note is inserted
 * before the include-chain notes of the item.  Returns 0, or -1 on ENOMEM.
 */
int	diag_note(struct diag *, struct diag_item *, const struct loc *,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Number of findings of severity >= sev. */
size_t	diag_count_at_least(const struct diag *, enum diag_sev);

/* "note", "warning", "error", "fatal error". */
const char *diag_sev_name(enum diag_sev);

/*
 * Sort items stably: files in order of first appearance, then by line and
 * column; items without a location last.  Order of equal keys is kept.
 */
void	diag_sort(struct diag *);

#endif /* ECTLS_DIAG_H */
