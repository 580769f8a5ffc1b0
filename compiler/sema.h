/* SPDX-License-Identifier: ISC */
/*
 * sema.h -- the semantic pass: every option and scope of a parsed file
 * checked against the schema (existence, placement, type and value,
 * duplicates, binding groups, domain regexes, documentation placeholders).
 * Findings go into the caller's sink with their check ids.
 */
#ifndef ECTLS_SEMA_H
#define ECTLS_SEMA_H

#include "ast.h"
#include "diag.h"
#include "schema.h"

/*
 * Check the tree below root (an AST_FILE, includes followed).  Returns the
 * number of errors filed.
 */
size_t	sema_check(const struct ast_node *, const struct schema *,
	    struct diag *);

/* Lower-case ASCII copy of s into buf (truncated to size). */
void	sema_lower(char *, size_t, const char *);

/*
 * Whether s[0..n) holds neither an ASCII upper-case letter nor a NUL (a
 * name sema_lower() leaves as it is, and whose strlen() is n when s[n] is
 * NUL), eight bytes at a time.
 */
int	sema_is_lower(const char *, size_t);

/* Whether a domain stanza name is a regular expression: "/.../". */
int	sema_is_regex_domain(const char *);

#endif
