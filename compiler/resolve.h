/* SPDX-License-Identifier: ISC */
/*
 * resolve.h -- scope resolution: the effective outbound policy of every
 * (binding, domain) with the provenance of each field, following the chain
 * decided in DESIGN.md:
 *
 *	B::D > G::D > B > G > D (global domain) > global > built-in default
 *
 * Within one container an exact domain stanza beats a regex one
 * (`domain "/re/"`); among regexes the first declared that matches wins.
 * Domain names compare case-insensitively with a trailing dot ignored;
 * binding names are case-sensitive.  A message without a (known) binding
 * uses "default".
 */
#ifndef ECTLS_RESOLVE_H
#define ECTLS_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "diag.h"
#include "ectls.h"
#include "tblw.h"

struct resolve;

/*
 * Build the model from a parsed tree (includes followed).  Returns a new
 * model; free with resolve_free().  Option values that sema rejects are
 * ignored here (the field keeps its default).
 */
struct resolve	*resolve_new(const struct ast_node *);
void		 resolve_free(struct resolve *);

/* Declared bindings in declaration order, then "default" if undeclared. */
size_t		 resolve_nbindings(const struct resolve *);
const char	*resolve_binding(const struct resolve *, size_t);

/*
 * The exact domains that have a stanza applying to binding b (in b, in its
 * group, or at the top level), canonical and sorted.  Pairs with other
 * domains resolve exactly like b's own record or one of b's regexes.
 */
size_t		 resolve_ndomains(const struct resolve *, size_t b);
const char	*resolve_domain(const struct resolve *, size_t b, size_t i);

/*
 * The regex entries of binding b, for domains no exact stanza names.  At
 * each level the first declared matching regex stanza contributes; each
 * combination of those (one per level, or none) is one entry whose
 * pattern matches exactly its domains (built with lookaheads from the
 * stanzas' regexes).  Returns the pattern (borrowed) and, in *level, the
 * most specific level it uses (ECTLS_LVL_BD, _GD or _D).  At most 1024
 * combinations per binding.
 */
size_t		 resolve_nregex(const struct resolve *, size_t b);
const char	*resolve_regex(const struct resolve *, size_t b, size_t i,
		    int *level);

/*
 * Where each field of a resolved policy came from: the option node (NULL
 * for a default) and the chain level (enum ectls_level).
 */
struct resolve_src {
	const struct ast_node	*node[ECTLS_NFIELDS];
	int			 level[ECTLS_NFIELDS];
};

/*
 * The effective policy of (binding, domain); domain NULL: the binding's
 * own record; regex >= 0: the record of the binding's regex entry number
 * `regex` (domain ignored).  Fills *p (values borrowed from the tree) and
 * *src (may be NULL).  protocols is left at its default (the caller
 * evaluates tls_protocols).
 */
void		 resolve_policy(const struct resolve *, const char *binding,
		    const char *domain, int regex, struct tblw_policy *,
		    struct resolve_src *);

/*
 * The same for an entry of binding number b, without any name lookup:
 * RESOLVE_OWN, the binding's own record (i ignored); RESOLVE_DOMAIN, its
 * exact domain i (resolve_domain()); RESOLVE_REGEX, its regex entry i
 * (resolve_regex()).  An index out of range gives the binding's record.
 */
enum resolve_kind {
	RESOLVE_OWN,
	RESOLVE_DOMAIN,
	RESOLVE_REGEX
};

void		 resolve_entry(const struct resolve *, size_t b,
		    enum resolve_kind, size_t i, struct tblw_policy *,
		    struct resolve_src *);

/*
 * resolve_entry() for the fields in the set `fields` only (bit 1 << field;
 * RESOLVE_ALL_FIELDS: every one): the other fields of *p and *src are left
 * as they were.  For callers that need a few fields of many entries.
 */
#define RESOLVE_ALL_FIELDS	((UINT64_C(1) << ECTLS_NFIELDS) - 1)

void		 resolve_entry_fields(const struct resolve *, size_t b,
		    enum resolve_kind, size_t i, uint64_t fields,
		    struct tblw_policy *, struct resolve_src *);

/* Which regex stanzas regex entry i of binding b stands for, for notes. */
void		 resolve_regex_desc(const struct resolve *, size_t b, size_t i,
		    char *, size_t);

/* "B::D", "G::D", "B", "G", "D", "global", "default". */
const char	*resolve_level_name(int);

/* Canonical domain: lower case, one trailing dot dropped (buf >= 256). */
void		 resolve_canon_domain(char *, size_t, const char *);

/* The policy field for an option name (any case), or -1. */
int		 resolve_field(const char *);

#endif
