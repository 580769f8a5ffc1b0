/* SPDX-License-Identifier: ISC */
/*
 * tblw.h -- the policy table writer: from resolved policies to the bytes of
 * runtime/tbl_format.h.  Read back with libectls (runtime/ectls.h).
 *
 * How the resolver hands policies over:
 *  - For every binding B (including "default", which is required) one call
 *    with domain NULL: B's own record, i.e. the chain B > G > global >
 *    default with no domain.  A lookup of a domain that is not stored for B
 *    and matches none of B's regexes returns this record.
 *  - For every binding B and every exact domain D named anywhere in the
 *    configuration, one call (B, D): the effective policy along
 *    B::D > G::D > B > G > D > global > default, already taking into account
 *    regex stanzas at more specific levels that match D.
 *  - For every binding B, the regex domains that apply to B, in the order
 *    a lookup must try them (B::/re/ before G::/re/ before global /re/,
 *    declaration order within each), each with is_regex set, its level and
 *    the policy flattened for (B, that regex).  Global regex domains are
 *    repeated in each binding's list (the flattened record differs per
 *    binding).  The reader tries them in this order only after the exact
 *    (B, D) misses; the first match wins.
 *  - A binding the table does not know is looked up as "default".
 * The insertion order of exact entries does not matter: the output depends
 * only on the set of entries (and on the order of each binding's regexes).
 *
 * Errors are filed into the diag sink given to tblw_new (id "table-write")
 * and the call returns -1; nothing is ever written after an error.
 */
#ifndef ECTLS_TBLW_H
#define ECTLS_TBLW_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "ectls.h"

/*
 * One field of a resolved policy.  Which members count depends on the
 * field's type (ectls_field_type): num for BOOL/ENUM/UINT, str for STR
 * (NULL: unset), list/nlist for LIST.  Provenance: the file and line that
 * set the value and the chain level (ECTLS_LVL_DEFAULT: not set; file and
 * line are then ignored).  All pointers are borrowed for the duration of
 * the call that receives them; the writer copies what it keeps.
 */
struct tblw_field {
	uint32_t		 num;
	const char		*str;
	const char *const	*list;
	size_t			 nlist;
	const char		*file;
	uint32_t		 line;
	int			 level;
};

struct tblw_policy {
	struct tblw_field	f[ECTLS_NFIELDS];
	uint32_t		protocols;	/* evaluated tls_protocols */
};

struct tblw;

/*
 * Where the writer files its errors from now on (tblw_new's sink until
 * then).
 */
void	tblw_set_diag(struct tblw *, struct diag *);

/*
 * The caller's promise that every string it passes to this writer from
 * now on (names, values, list items, file names) stays alive and
 * unchanged at its address until tblw_free(), as the strings of a parsed
 * configuration do.  The writer then knows a string it has met by its
 * address alone (otherwise it compares the bytes too).
 */
void	tblw_strings_stable(struct tblw *);

/*
 * Fill *p with the built-in defaults (every field at ECTLS_LVL_DEFAULT):
 * tls no, tls_ifavailable_fallback true, tls_verify no, engine openssl,
 * use_dane/use_mta_sts false, enable_dane/enable_mta_sts true, port 25,
 * connect/ehlo/mailfrom/rcptto 300 s, data 120 s, body 600 s, rset 30 s,
 * idle 5 s, message_expiration 86400 s, retry_interval 1200 s,
 * max_deliveries_per_connection 0, protocols ECTLS_PROTO_ALL ("+ALL").
 */
void	tblw_policy_init(struct tblw_policy *);

/*
 * Evaluate a tls_protocols string ("+ALL:-SSLv3") left to right from the
 * empty set: 0 and *mask set, or -1 for an unknown or unsigned token.
 */
int	tblw_protocols_eval(const char *, uint32_t *mask);

/*
 * A new writer.  schema_version (copied) is stored in the header.  Returns
 * a new writer; free with tblw_free().  NULL on ENOMEM (filed to d).
 */
struct tblw *tblw_new(const char *schema_version, struct diag *d);

/*
 * Add the policy for (binding, domain).  domain NULL: the binding's own
 * record.  is_regex: domain is a PCRE2 pattern (without the slashes) tried
 * after exact misses, in the order of these calls, found at regex_level
 * (enum ectls_level: ECTLS_LVL_BD, _GD or _D); exact domains are
 * canonicalised (lower case, trailing dot dropped).  Returns 0, or -1 on a
 * bad argument (binding empty or > 255 bytes, domain empty or > 255 bytes,
 * regex not compiling, field value out of range), a duplicate entry or
 * ENOMEM.
 */
int	tblw_add_policy(struct tblw *, const char *binding, const char *domain,
	    int is_regex, int regex_level, const struct tblw_policy *);

/*
 * Record a referenced file (certificate, key, CA bundle) and the SHA-256
 * of its contents as the caller computed it.  Adding the same path again
 * with the same digest is a no-op; with another digest an error.
 */
int	tblw_add_file(struct tblw *, const char *path,
	    const uint8_t sha256[32]);

/* Record a named log format (delivery_format ...); a name only once. */
int	tblw_add_logformat(struct tblw *, const char *name, const char *value);

/*
 * Build the table into a new buffer (*buf, *len; free with free()).  Fails
 * when some binding has no record of its own or "default" is missing.
 */
int	tblw_write_mem(struct tblw *, uint8_t **buf, size_t *len);

/*
 * Build the table and write it to path atomically: a temporary file in the
 * same directory, fsync, rename over path, fsync of the directory.  On any
 * error path is left untouched and the temporary file removed.
 */
int	tblw_write_atomic(struct tblw *, const char *path);

/* Free the writer.  NULL is a no-op. */
void	tblw_free(struct tblw *);

#endif /* ECTLS_TBLW_H */
