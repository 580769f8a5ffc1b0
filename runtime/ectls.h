/* SPDX-License-Identifier: ISC */
/*
 * ectls.h -- public interface of libectls, the reader of compiled ectls
 * policy tables (the format is described byte by byte in tbl_format.h).
 *
 * A table maps (binding, recipient domain) to an effective outbound policy:
 * every field already flattened along the chain
 * B::D > G::D > B > G > D > global > default, with the provenance of each
 * value.  The table is mmap'ed and read in place; lookups are O(1), return
 * pointers into the mapping and allocate nothing.  This header is the only
 * one a program linking libectls.a needs (plus libc and libpcre2-8).
 *
 * Thread safety: a table may be shared by any number of threads once open;
 * ectls_close() must not race with anything else on the same table.
 *
 * Lookup rules (ectls_lookup):
 *  1. The domain is canonicalised: ASCII upper case folded to lower case and
 *     one trailing dot removed.  Binding names are compared exactly.
 *  2. (binding, domain) is looked up in the exact index.  A hit is returned.
 *  3. On a miss, the binding's regex domains are tried in declaration order
 *     against the canonical domain (PCRE2, caseless, unanchored unless the
 *     pattern anchors itself); the first that matches wins.
 *  4. Otherwise the binding's own record (its values with no domain) is
 *     returned.
 *  5. A binding the table does not know is treated as the binding "default"
 *     (Momentum routes unbound messages to "default"); every table has it.
 *  A domain that is empty or longer than ECTLS_DOMAIN_MAX after
 *  canonicalisation skips steps 2 and 3.
 */
#ifndef ECTLS_H
#define ECTLS_H

#include <stddef.h>
#include <stdint.h>

#define ECTLS_DOMAIN_MAX	255	/* canonical domain, bytes */
#define ECTLS_BINDING_MAX	255	/* binding name, bytes */

/* Error codes; ectls_strerror() gives the message.  0 is success. */
enum ectls_err {
	ECTLS_OK = 0,
	ECTLS_ERR_SYS,		/* open/fstat/mmap failed: errno says why */
	ECTLS_ERR_NOMEM,	/* out of memory */
	ECTLS_ERR_TRUNCATED,	/* file shorter than its header says */
	ECTLS_ERR_MAGIC,	/* not an ectls table */
	ECTLS_ERR_VERSION,	/* unsupported format version */
	ECTLS_ERR_HEADER,	/* header fields inconsistent */
	ECTLS_ERR_HEADER_CRC,	/* header/metadata checksum mismatch */
	ECTLS_ERR_BODY_CRC,	/* index/key block checksum mismatch */
	ECTLS_ERR_LAYOUT,	/* a section outside the file or misplaced */
	ECTLS_ERR_RECORD,	/* a policy/provenance/list record is invalid */
	ECTLS_ERR_INDEX,	/* a hash line or key record is invalid */
	ECTLS_ERR_NO_DEFAULT,	/* the table has no "default" binding */
	ECTLS_ERR_REGEX,	/* a stored regex does not compile or match */
	ECTLS_ERR_ARG,		/* invalid argument (NULL table, ...) */
	ECTLS_ERR__COUNT
};

/* A static message for an ectls_err code ("table checksum mismatch"). */
const char	*ectls_strerror(int);

/*
 * Policy fields: X(UPPER, lower name, type).  The lower name is the
 * Momentum option name (and the JSON key of `ectls lookup --json`).
 * body_timeout is the "dot" timeout (after the final "." of DATA).
 * Appending a field changes the table format version.
 */
#define ECTLS_FIELDS(X)							\
	X(TLS,				tls,				ENUM)	\
	X(TLS_IFAVAILABLE_FALLBACK,	tls_ifavailable_fallback,	BOOL)	\
	X(TLS_VERIFY,			tls_verify,			ENUM)	\
	X(TLS_CA,			tls_ca,				STR)	\
	X(TLS_CERTIFICATE,		tls_certificate,		STR)	\
	X(TLS_KEY,			tls_key,			STR)	\
	X(TLS_CIPHERS,			tls_ciphers,			STR)	\
	X(TLS_PROTOCOLS,		tls_protocols,			STR)	\
	X(TLSV13_CIPHERSUITES,		tlsv13_ciphersuites,		STR)	\
	X(TLS_ENGINE,			tls_engine,			ENUM)	\
	X(USE_DANE,			use_dane,			BOOL)	\
	X(ENABLE_DANE,			enable_dane,			BOOL)	\
	X(USE_MTA_STS,			use_mta_sts,			BOOL)	\
	X(ENABLE_MTA_STS,		enable_mta_sts,			BOOL)	\
	X(GATEWAY,			gateway,			STR)	\
	X(ROUTES,			routes,				LIST)	\
	X(REMOTE_SMTP_PORT,		remote_smtp_port,		UINT)	\
	X(EHLO_HOSTNAME,		ehlo_hostname,			STR)	\
	X(BIND_ADDRESS,			bind_address,			STR)	\
	X(CONNECT_TIMEOUT,		connect_timeout,		UINT)	\
	X(EHLO_TIMEOUT,			ehlo_timeout,			UINT)	\
	X(MAILFROM_TIMEOUT,		mailfrom_timeout,		UINT)	\
	X(RCPTTO_TIMEOUT,		rcptto_timeout,			UINT)	\
	X(DATA_TIMEOUT,			data_timeout,			UINT)	\
	X(BODY_TIMEOUT,			body_timeout,			UINT)	\
	X(RSET_TIMEOUT,			rset_timeout,			UINT)	\
	X(IDLE_TIMEOUT,			idle_timeout,			UINT)	\
	X(MESSAGE_EXPIRATION,		message_expiration,		UINT)	\
	X(RETRY_INTERVAL,		retry_interval,			UINT)	\
	X(MAX_DELIVERIES_PER_CONNECTION, max_deliveries_per_connection,	UINT)

enum ectls_field {
#define ECTLS_X_ENUM(up, low, ty)	ECTLS_F_##up,
	ECTLS_FIELDS(ECTLS_X_ENUM)
#undef ECTLS_X_ENUM
	ECTLS_NFIELDS
};

enum ectls_type {
	ECTLS_T_BOOL,		/* 0 or 1 */
	ECTLS_T_ENUM,		/* small integer, see the enums below */
	ECTLS_T_UINT,		/* unsigned 32-bit (seconds, counts, port) */
	ECTLS_T_STR,		/* string or unset (NULL) */
	ECTLS_T_LIST		/* list of strings, possibly empty */
};

enum ectls_tls {
	ECTLS_TLS_NO = 0,
	ECTLS_TLS_IFAVAILABLE,
	ECTLS_TLS_REQUIRED
};

enum ectls_verify {
	ECTLS_VERIFY_NO = 0,
	ECTLS_VERIFY_CA,
	ECTLS_VERIFY_HOST,
	ECTLS_VERIFY_OPTIONAL
};

enum ectls_engine {
	ECTLS_ENGINE_OPENSSL = 0,
	ECTLS_ENGINE_GNUTLS
};

/* Evaluated tls_protocols set (ectls_policy_protocols()). */
#define ECTLS_PROTO_SSLV2	0x01u
#define ECTLS_PROTO_SSLV3	0x02u
#define ECTLS_PROTO_TLSV1_0	0x04u
#define ECTLS_PROTO_TLSV1_1	0x08u
#define ECTLS_PROTO_TLSV1_2	0x10u
#define ECTLS_PROTO_TLSV1_3	0x20u
#define ECTLS_PROTO_ALL		0x3fu

/* Where a field's value came from, most specific first. */
enum ectls_level {
	ECTLS_LVL_DEFAULT = 0,	/* built-in default: the field is not set */
	ECTLS_LVL_BD,		/* binding::domain  ("B::D") */
	ECTLS_LVL_GD,		/* binding_group::domain ("G::D") */
	ECTLS_LVL_B,		/* binding ("B") */
	ECTLS_LVL_G,		/* binding_group ("G") */
	ECTLS_LVL_D,		/* global domain stanza ("D") */
	ECTLS_LVL_GLOBAL,	/* top level ("global") */
	ECTLS_LVL__COUNT
};

/* Field catalogue.  Names are static strings; bad arguments give NULL/-1. */
const char	*ectls_field_name(int field);		/* "tls_verify" */
int		 ectls_field_type(int field);		/* enum ectls_type */
int		 ectls_field_by_name(const char *);	/* field or -1 */
/* Name of an ENUM/BOOL value ("required", "true"), or NULL if invalid. */
const char	*ectls_value_name(int field, uint32_t value);
/* Inverse of ectls_value_name: 0 and *value set, or -1. */
int		 ectls_value_parse(int field, const char *, uint32_t *value);
/* "B::D", "G::D", "B", "G", "D", "global", "default"; NULL if invalid. */
const char	*ectls_level_name(int level);
/* Number of values an ENUM field may take (3 for tls); 2 for BOOL. */
uint32_t	 ectls_value_count(int field);

struct ectls_table;	/* an open table (opaque) */
struct ectls_policy;	/* one stored policy record (opaque) */

/*
 * Open the table at `path` (mmap, read only).  Checks the header, the
 * checksum of the header and metadata (policies, strings, regexes, files),
 * and every section bound; the hash index and keys are checksummed in 64 KiB
 * blocks, each verified the first time a lookup touches it (so open does
 * no work proportional to the number of keys; ectls_check() verifies all).
 * Returns a new table; free with ectls_close().  NULL on error, with *err
 * (if err is not NULL) set to an ectls_err code; for ECTLS_ERR_SYS errno
 * is preserved.
 */
struct ectls_table *ectls_open(const char *path, int *err);

/*
 * Same on a buffer in memory (borrowed: must stay valid and unchanged until
 * ectls_close()).  No alignment is required.
 */
struct ectls_table *ectls_open_mem(const void *buf, size_t len, int *err);

/* Close a table; every pointer obtained from it becomes invalid.  NULL ok. */
void	ectls_close(struct ectls_table *);

/*
 * Verify the whole table: every block checksum, every key record, every
 * regex list and every stored regex (compiled).  O(table size).  Returns 0
 * or an ectls_err code.
 */
int	ectls_check(const struct ectls_table *);

/* How ectls_lookup_ex found the record it returned. */
enum ectls_how {
	ECTLS_HOW_EXACT = 0,	/* (binding, domain) stored exactly */
	ECTLS_HOW_REGEX,	/* a regex domain of the binding matched */
	ECTLS_HOW_BINDING	/* the binding's own record (domain fallback) */
};

struct ectls_match {
	int		 how;		/* enum ectls_how */
	int		 via_default;	/* binding unknown: "default" used */
	uint32_t	 regex_pos;	/* HOW_REGEX: position in the list */
	const char	*pattern;	/* HOW_REGEX: the pattern (borrowed) */
	int		 regex_level;	/* HOW_REGEX: enum ectls_level */
};

/*
 * The effective policy of (binding, domain), following the rules at the
 * top of this file.  Borrowed; valid until ectls_close().  Never NULL for
 * a sound table; NULL on an error (corruption found in a block touched for
 * the first time, a stored regex failing), with *err set (when err is not
 * NULL).  `m` (may be NULL) receives how the record was found.  Allocates
 * nothing, except that the first use of each regex compiles it once.
 */
const struct ectls_policy *ectls_lookup_ex(const struct ectls_table *,
	    const char *binding, const char *domain, struct ectls_match *m,
	    int *err);
const struct ectls_policy *ectls_lookup(const struct ectls_table *,
	    const char *binding, const char *domain);
/*
 * ectls_lookup with the lengths given, for callers that have them (an MTA
 * parsing addresses, a cdb-style key/length interface): binding is blen
 * bytes and domain dlen bytes, neither needs a NUL.  The rules are the
 * same; a binding of 0 or more than ECTLS_BINDING_MAX bytes is unknown
 * (rule 5).  A domain with a NUL byte within its length matches no
 * stored domain and no regex (the binding's own record is returned).
 */
const struct ectls_policy *ectls_lookupn(const struct ectls_table *,
	    const char *binding, size_t blen, const char *domain,
	    size_t dlen);

/*
 * Field accessors.  A policy pointer from this table must be passed; a
 * field of the wrong type gives 0 / NULL.
 *  ectls_policy_num   BOOL, ENUM and UINT fields
 *  ectls_policy_str   STR fields; NULL when unset (borrowed, NUL-terminated)
 *  ectls_policy_list_len / _list_item   LIST fields (item NULL past end)
 *  ectls_policy_protocols   the evaluated tls_protocols set (ECTLS_PROTO_*)
 *  ectls_policy_is_set      1 if some scope set the field, 0 for a default
 *  ectls_policy_prov        the field's provenance: file (NULL for a
 *                           default), line (0 for a default), level
 */
uint32_t	 ectls_policy_num(const struct ectls_policy *, int field);
const char	*ectls_policy_str(const struct ectls_policy *, int field);
size_t		 ectls_policy_list_len(const struct ectls_policy *, int field);
const char	*ectls_policy_list_item(const struct ectls_policy *, int field,
		    size_t i);
uint32_t	 ectls_policy_protocols(const struct ectls_policy *);
int		 ectls_policy_is_set(const struct ectls_policy *, int field);

struct ectls_prov {
	const char	*file;
	uint32_t	 line;
	int		 level;		/* enum ectls_level */
};
void	ectls_policy_prov(const struct ectls_policy *, int field,
	    struct ectls_prov *);
/*
 * Index of the record in the table (identical records are stored once).
 * Compare indexes, not pointers, to tell whether two entries share a
 * record: the pointer names the entry (its provenance line base goes with
 * it), so two entries with one record give two pointers.
 */
uint32_t	 ectls_policy_index(const struct ectls_policy *);

/* Typed accessors, one per field: ectls_get_tls(p), ectls_get_tls_ca(p)... */
#define ECTLS_GET_BOOL(p, f)	((int)ectls_policy_num((p), (f)))
#define ECTLS_GET_ENUM(p, f)	(ectls_policy_num((p), (f)))
#define ECTLS_GET_UINT(p, f)	(ectls_policy_num((p), (f)))
#define ECTLS_GET_STR(p, f)	(ectls_policy_str((p), (f)))
#define ECTLS_GET_LIST(p, f)	(ectls_policy_list_len((p), (f)))
#define ECTLS_CTYPE_BOOL	int
#define ECTLS_CTYPE_ENUM	uint32_t
#define ECTLS_CTYPE_UINT	uint32_t
#define ECTLS_CTYPE_STR		const char *
#define ECTLS_CTYPE_LIST	size_t	/* number of items */
#define ECTLS_X_GET(up, low, ty)					\
static inline ECTLS_CTYPE_##ty						\
ectls_get_##low(const struct ectls_policy *p)				\
{									\
	return ECTLS_GET_##ty(p, ECTLS_F_##up);				\
}
ECTLS_FIELDS(ECTLS_X_GET)
#undef ECTLS_X_GET

/*
 * Iteration over every stored entry, in table order (hash order: the same
 * table always iterates the same way; sort for display); each binding's
 * regex entries come right after the binding's own record, in declaration
 * order.  Usage:
 *	struct ectls_iter it; struct ectls_entry e;
 *	ectls_iter_init(&it);
 *	while ((rc = ectls_iter_next(t, &it, &e)) == 1) ...
 * Returns 1 with *e filled, 0 at the end, or a negated ectls_err code
 * (-ECTLS_ERR_BODY_CRC ...) when the table turns out to be corrupt.
 */
struct ectls_iter {
	uint64_t	 pos;		/* private */
	uint64_t	 bind_pos;	/* private */
	uint32_t	 rx_next;	/* private */
	uint32_t	 rx_end;	/* private */
};

enum ectls_entry_kind {
	ECTLS_ENTRY_BINDING = 0,	/* the binding's own record */
	ECTLS_ENTRY_REGEX,		/* a regex domain of the binding */
	ECTLS_ENTRY_EXACT		/* an exact (binding, domain) */
};

struct ectls_entry {
	int				 kind;	/* enum ectls_entry_kind */
	const char			*binding;
	const char			*domain;  /* canonical; the pattern
						     for a regex; NULL for
						     ECTLS_ENTRY_BINDING */
	uint32_t			 regex_pos;
	int				 regex_level;
	const struct ectls_policy	*policy;
};

void	ectls_iter_init(struct ectls_iter *);
int	ectls_iter_next(const struct ectls_table *, struct ectls_iter *,
	    struct ectls_entry *);

/* Table-wide data.  Strings are borrowed until ectls_close(). */
const char	*ectls_schema(const struct ectls_table *);
uint32_t	 ectls_format_version(const struct ectls_table *);
size_t		 ectls_nkeys(const struct ectls_table *); /* + binding records */
size_t		 ectls_nbindings(const struct ectls_table *);
size_t		 ectls_npolicies(const struct ectls_table *);
size_t		 ectls_nregex(const struct ectls_table *);

/* Referenced files (certificates, keys, CA bundles), sorted by path. */
size_t	ectls_nfiles(const struct ectls_table *);
/* 0 and *path, *sha256 (32 bytes) set; -1 if i is out of range. */
int	ectls_file(const struct ectls_table *, size_t i, const char **path,
	    const uint8_t **sha256);

/* Named log formats (delivery_format ...), sorted by name. */
size_t	ectls_nlogformats(const struct ectls_table *);
int	ectls_logformat(const struct ectls_table *, size_t i,
	    const char **name, const char **value);
/* The value of one log format, NULL if absent. */
const char *ectls_logformat_get(const struct ectls_table *, const char *name);

/*
 * Canonicalise a domain as lookups do, into buf (cap bytes, including the
 * NUL).  Returns the length, or -1 if it does not fit or is empty.  buf
 * may be domain itself (in place); it must not overlap it otherwise.
 */
int	ectls_canon_domain(const char *domain, char *buf, size_t cap);

#endif /* ECTLS_H */
