/* SPDX-License-Identifier: ISC */
/*
 * schema.h -- the option schema: every scope keyword and option of
 * ecelerity.conf that ectls knows, loaded from schema/options.xml (embedded
 * in the binary at build time) and optional extra files of the same format.
 * Callers see plain C structs only; libxml2 stays inside the schema/ sources.
 *
 * Loading validates each file against schema/options.xsd and then checks
 * what XSD 1.0 cannot: min <= max, defaults valid for their type, enum
 * defaults among the values, no option defined twice for one scope, every
 * scope referenced (by an option or as a parent) defined, replacements
 * naming known options.  Each problem is one "FILE:LINE: error: ..." in the
 * diag sink with check id "schema".  Files with a DOCTYPE are refused, and
 * external entities are never read.
 *
 * Names are stored lower case; every lookup is case-insensitive (ASCII).
 * An option name may have several entries ("variants") with disjoint scope
 * sets, e.g. file_mode in listeners and in Logs; they are adjacent in the
 * sorted order.  An extra file replaces a scope of the same keyword, and
 * replaces every option entry of the same name whose declared scopes
 * overlap its own; other entries are added.
 */
#ifndef ECTLS_SCHEMA_H
#define ECTLS_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

enum opt_type {
	OPT_T_BOOL = 0,	/* true/false yes/no on/off enabled/disabled 1/0
			   (any case) */
	OPT_T_INT,	/* decimal integer in [min, max] */
	OPT_T_OCTAL,	/* file mode with a leading 0 */
	OPT_T_FLOAT,
	OPT_T_STRING,
	OPT_T_PATH,
	OPT_T_ENUM,	/* one of values[] */
	OPT_T_LIST,	/* ( item ... ); items from values[], if any */
	OPT_T_DICT,	/* [ k = v ... ]; keys from values[], if any */
	OPT_T_HOSTPORT,	/* host, IPv4, [IPv6], opt. :port; bare IPv6 */
	OPT_T_THROTTLE,	/* N or N/S */
	OPT_T_DURATION,	/* integer seconds */
	OPT_T_SIZE,	/* integer bytes */
	OPT_T_TOKENS,	/* +TOK:-TOK..., tokens from values[] */
	OPT_T_ANY	/* not checked */
};
#define OPT_T_COUNT	(OPT_T_ANY + 1)

enum opt_engine {
	OPT_ENGINE_NONE = 0,	/* not a TLS option */
	OPT_ENGINE_OPENSSL,	/* under openssl only */
	OPT_ENGINE_GNUTLS,
	OPT_ENGINE_BOTH
};

enum opt_dynamic {
	OPT_DYN_UNKNOWN = 0,	/* not documented */
	OPT_DYN_YES,		/* changeable by config reload */
	OPT_DYN_NO		/* needs a restart */
};

enum scope_instance {
	SCOPE_INST_NONE = 0,	/* Keyword { } */
	SCOPE_INST_OPTIONAL,	/* Keyword [name] { } */
	SCOPE_INST_REQUIRED	/* Keyword name { } */
};

#define OPT_F_REPEATABLE	0x01u	/* may appear twice in one scope */
#define OPT_F_DEPRECATED	0x02u
#define OPT_F_SECRET		0x04u	/* a credential */
#define OPT_F_HAS_MIN		0x08u
#define OPT_F_HAS_MAX		0x10u
#define OPT_F_ANY_MODULE	0x20u	/* scopes="@module" */

/*
 * One option entry.  Every pointer is owned by the schema and valid until
 * schema_free() or the next successful schema_add_file().
 */
struct opt_spec {
	const char		*name;		/* lower case */
	enum opt_type		 type;
	unsigned int		 flags;		/* OPT_F_* */
	int64_t			 imin, imax;	/* integer types */
	double			 fmin, fmax;	/* FLOAT */
	const char *const	*values;	/* see enum opt_type */
	size_t			 nvalues;
	/* Lower case, sorted, with "@module" expanded. */
	const char *const	*scopes;
	size_t			 nscopes;
	const char		*def;		/* default, or NULL */
	const char		*since;		/* version, or NULL */
	const char		*module;	/* its module, or NULL */
	const char		*replacement;	/* or NULL */
	const char		*desc;
	const char		*doc;		/* doc page, or NULL */
	enum opt_dynamic	 dynamic;
	enum opt_engine		 engine;
	const char		*file;		/* defined here */
	uint32_t		 line;
};

/* One scope keyword.  Ownership as for struct opt_spec. */
struct scope_spec {
	const char		*name;		/* "global": top level */
	enum scope_instance	 instance;
	const char *const	*parents;	/* sorted */
	size_t			 nparents;
	int			 module;	/* a module stanza */
	const char		*since;
	const char		*desc;
	const char		*doc;
	const char		*file;
	uint32_t		 line;
};

struct schema;

/*
 * Load the schema embedded at build time (schema/options.xml).  Returns a
 * new schema; free with schema_free().  NULL on error, after filing the
 * reasons in the sink.
 */
struct schema	*schema_load_default(struct diag *);

/*
 * Add the scopes and options of the file at path (same format and checks
 * as options.xml).  Returns 0, or -1 after filing diagnostics; on -1 the
 * schema is unchanged (unless memory ran out while merging).  Pointers previously returned by lookups are
 * invalidated on success.
 */
int		 schema_add_file(struct schema *, const char *path,
		    struct diag *);

/*
 * The same from memory; name is used in diagnostics.  buf need not be
 * NUL-terminated.
 */
int		 schema_add_mem(struct schema *, const char *name,
		    const void *buf, size_t len, struct diag *);

/* Release everything; schema_free(NULL) is a no-op. */
void		 schema_free(struct schema *);

/*
 * Lookups (case-insensitive).  Results are borrowed; valid until
 * schema_free() or the next successful schema_add_*().
 *   schema_option: the first entry of that name, or NULL.
 *   schema_option_in: the entry of that name valid in the scope, or NULL.
 *   schema_option_variants: the first entry and, in *n, the number of
 *	adjacent entries of that name (0 and NULL when unknown).
 */
const struct opt_spec	*schema_option(const struct schema *,
			    const char *);
const struct opt_spec	*schema_option_in(const struct schema *,
			    const char *, const char *scope);
const struct opt_spec	*schema_option_variants(const struct schema *,
			    const char *, size_t *n);
const struct scope_spec	*schema_scope(const struct schema *,
			    const char *);

/* Iteration in sorted order (by name; variants in definition order). */
size_t			 schema_noptions(const struct schema *);
const struct opt_spec	*schema_option_at(const struct schema *, size_t);
size_t			 schema_nscopes(const struct schema *);
const struct scope_spec	*schema_scope_at(const struct schema *, size_t);

/* Whether the option may be set directly inside the scope keyword. */
int		 opt_allowed_in(const struct opt_spec *, const char *scope);
/* Whether parent may directly enclose the scope ("global": top level). */
int		 scope_allowed_in(const struct scope_spec *,
		    const char *parent);

/*
 * Closest option (or scope) name by edit distance, case-insensitive, if it
 * is close enough to be a plausible typo; else NULL.  Borrowed.
 */
const char	*schema_suggest_option(const struct schema *, const char *);
const char	*schema_suggest_scope(const struct schema *, const char *);

/*
 * The effective schema's identity: SHA-256 of its canonical form, as 64
 * lower-case hex digits (borrowed; valid as the lookups are), or as 32
 * bytes copied to out.
 */
const char	*schema_version(const struct schema *);
void		 schema_digest(const struct schema *, uint8_t out[32]);

/*
 * The canonical form itself (what schema_version hashes): one line per
 * scope and per option, every field length-prefixed.  Returns 0 and a new
 * buffer in *out (free with free()), or -1 on ENOMEM.
 */
int		 schema_canonical(const struct schema *, char **out,
		    size_t *len);

/*
 * Check a scalar value against the option's type: returns 0 if valid,
 * else -1 with a short reason in why (lower case, no trailing period),
 * e.g. "integer 70000 out of range 1..65535".  For OPT_T_LIST it checks
 * one item; for OPT_T_DICT a scalar is always wrong; OPT_T_STRING and
 * OPT_T_ANY accept anything.
 */
int		 opt_check_scalar(const struct opt_spec *, const char *value,
		    char *why, size_t whylen);

/* Whether s is one of the boolean words; sets *val (may be NULL). */
int		 opt_parse_bool(const char *s, int *val);

/* "bool", "int", ... (as in options.xsd); "?" if out of range. */
const char	*opt_type_name(enum opt_type);
/* "openssl", "gnutls", "both", or "" for OPT_ENGINE_NONE. */
const char	*opt_engine_name(enum opt_engine);
/* "none", "optional", "required". */
const char	*scope_instance_name(enum scope_instance);

#endif /* ECTLS_SCHEMA_H */
