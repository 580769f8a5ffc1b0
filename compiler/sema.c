/* SPDX-License-Identifier: ISC */
/*
 * sema.c -- the semantic pass over the AST, driven by the schema (the nginx
 * command table / UCL schema split: the grammar knows no option names).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "sema.h"
#include "strmap.h"

#define NAME_MAX_LEN	256

/*
 * A scope keyword in lower case and what the schema says about it, made
 * once per keyword: stanzas compare keywords by pointer.
 */
struct sema_kw {
	const char		*name;		/* lower case; "global": top level */
	const struct scope_spec	*sc;		/* NULL: not a scope */
	enum { KW_OTHER, KW_BINDING, KW_BINDING_GROUP, KW_DOMAIN } role;
	int			 described;	/* a module stanza the schema
						   describes the options of */
	const struct sema_kw	*parent;	/* scope_allowed_in() memo: */
	int			 allowed;	/* the last parent, its answer */
	struct strmap		 opts;		/* option as spelled (borrowed)
						   -> struct opt_lookup */
	/*
	 * The last lookup per length of the spelling: a scope's few option
	 * names repeat, mostly with distinct lengths (no hashing then).
	 */
	struct opt_memo {
		const char		*spelled;
		size_t			 len;
		struct opt_lookup	*ol;
	}			 memo[16];
};

/*
 * One scope path (binding "b", its domain "example.com"; domain names
 * folded): repeated stanzas of the same path share it, so an option set in
 * two of them is a duplicate.  Each path keeps the options set in it (few,
 * scanned) and its children per keyword.
 */
struct sema_scope {
	struct sema_kids {
		const struct sema_kw	*kw;
		struct strmap		 names;	/* name (not copied) -> child */
		struct sema_kids	*next;
	}			*kids;
	struct sema_opt {
		const struct opt_spec	*var;	/* first variant of the name */
		const struct ast_node	*n;	/* where it was last set */
	}			*opts;
	size_t			 nopts, capopts;
	struct sema_scope	*next;		/* every record, for freeing */
};

/*
 * Most paths are walked once and hold no scope (a domain stanza): such a
 * path has no struct sema_scope.  Its value in the parent's map is the
 * stanza node with bit 0 set (bit 1: its options were not checked), and its
 * options are recorded in the reusable sema.leaf while it is walked.  A
 * second stanza of the path, or a scope inside the first, makes the record
 * (path_record()).  Nodes are allocated aligned: the low bits are free.
 */
#define PATH_ONCE	((uintptr_t)1)
#define PATH_UNCHECKED	((uintptr_t)2)

_Static_assert(_Alignof(struct ast_node) >= 4, "tag bits in node pointers");

/*
 * The schema's answer for an option name in a scope, looked up once per
 * (scope, spelling): a configuration repeats a few names many times.
 * `clean` holds the single values already checked without a finding.
 */
struct opt_lookup {
	const struct opt_spec	*var;	/* first variant of the name */
	size_t			 nv;
	const struct opt_spec	*spec;	/* the variant valid in the scope */
	/*
	 * Single values check_value() passed without a finding: the first
	 * few as written (text and length: a value with a NUL inside
	 * matches only itself), the others in `clean`.
	 */
	struct clean_value {
		const char	*s;	/* borrowed from the tree */
		uint32_t	 len;
	}			 few[8];
	size_t			 nfew;
	struct strmap		 clean;
};

struct sema {
	const struct schema	*s;
	struct diag		*d;
	size_t			 errors;
	size_t			 filed;		/* findings, even if dropped */
	struct strmap		 kws;		/* lower-case keyword -> kw */
	const char		*kw_spelled;	/* keyword() memo: the last */
	size_t			 kw_len;	/* spelling and its keyword */
	struct sema_kw		*kw_last;
	struct sema_kw		*global;
	struct sema_scope	*records;	/* every struct sema_scope */
	struct sema_scope	*cur;		/* the current scope path */
	struct sema_scope	 leaf;		/* cur of a path walked once */
	void			**leaf_slot;	/* its value in the parent */
	struct strmap		 names;		/* folded domain names */
	char			*fold;		/* buffer for folding */
	size_t			 foldcap;
	struct strmap		 bindings;	/* binding -> struct binding_rec */
	struct strmap		 described;	/* scopes with described options */
	struct binding_rec {
		const struct ast_node	*node;
		const char		*group;	/* NULL: top level */
	}			*recs;
	size_t			 nrecs, caprecs;
};

/* ASCII lower case, as tolower() in the C locale the program runs in. */
static inline char
lower(char c)
{
	return (char)(c | ((unsigned)(c - 'A') < 26u) << 5);
}

void
sema_lower(char *buf, size_t size, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < size && s[i] != '\0'; i++)
		buf[i] = lower(s[i]);
	buf[i] = '\0';
}

/*
 * Per byte of w, the high bit set where the byte is an ASCII upper-case
 * letter or NUL.  The high bits are cleared before the additions, so no
 * byte carries into the next; bytes >= 0x80 are masked out at the end.
 */
static uint64_t
upper_or_nul(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones << 7;
	uint64_t x = w & ~high;
	uint64_t ge_a = x + (0x80 - 'A') * ones;	/* x >= 'A' */
	uint64_t gt_z = x + (0x80 - 'Z' - 1) * ones;	/* x > 'Z' */
	uint64_t zero = x + (0x80 - 1) * ones;		/* x != 0 */

	return ((ge_a & ~gt_z) | ~zero) & ~w & high;
}

int
sema_is_lower(const char *s, size_t n)
{
	const char *end = s + n;
	uint64_t w;

	if (n < 8) {
		for (; s < end; s++)
			if (*s == '\0' || (unsigned)(*s - 'A') < 26u)
				return 0;
		return 1;
	}
	for (; end - s > 8; s += 8) {
		memcpy(&w, s, 8);
		if (upper_or_nul(w) != 0)
			return 0;
	}
	/* The last eight bytes (some of them checked already). */
	memcpy(&w, end - 8, 8);
	return upper_or_nul(w) == 0;
}

int
sema_is_regex_domain(const char *s)
{
	size_t n;

	if (s[0] != '/')
		return 0;
	n = strlen(s);
	return n >= 2 && s[n - 1] == '/';
}

static struct diag_item *
err(struct sema *m, const char *id, const struct loc *l, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static struct diag_item *
err(struct sema *m, const char *id, const struct loc *l, const char *fmt, ...)
{
	struct diag_item *it;
	va_list ap;

	va_start(ap, fmt);
	it = diag_vadd(m->d, DIAG_ERROR, id, l, fmt, ap);
	va_end(ap);
	m->errors++;
	m->filed++;
	return it;
}

static struct diag_item *
warn(struct sema *m, const char *id, const struct loc *l, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static struct diag_item *
warn(struct sema *m, const char *id, const struct loc *l, const char *fmt, ...)
{
	struct diag_item *it;
	va_list ap;

	va_start(ap, fmt);
	it = diag_vadd(m->d, DIAG_WARNING, id, l, fmt, ap);
	va_end(ap);
	m->filed++;
	return it;
}

/* Scope names as users know them: "global" is the top level. */
static const char *
scope_label(const char *kw)
{
	return strcmp(kw, "global") == 0 ? "the top level" : kw;
}

/* Join up to max names with ", " into buf. */
static void
join(char *buf, size_t size, const char *const *v, size_t n, size_t max)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && i < max && o < size; i++)
		o += snprintf(buf + o, size - o, "%s%s", i ? ", " : "",
		    scope_label(v[i]));
	if (n > max && o < size)
		snprintf(buf + o, size - o, " and %zu more", n - max);
}

/* ---- values ---- */

/* A value pasted from documentation: typographic quotes, "...", <a|b>. */
static const char *
placeholder_kind(const char *s)
{
	size_t n = strlen(s);

	if (strstr(s, "\xe2\x80\x9c") != NULL || strstr(s, "\xe2\x80\x9d") !=
	    NULL || strstr(s, "\xe2\x80\x98") != NULL ||
	    strstr(s, "\xe2\x80\x99") != NULL)
		return "typographic quotes";
	if (strstr(s, "...") != NULL)
		return "an elision \"...\"";
	if (n >= 3 && s[0] == '<' && s[n - 1] == '>' && strchr(s, '|') != NULL)
		return "a \"<choice|choice>\" placeholder";
	if (strchr(s, '`') != NULL || (n >= 2 && s[0] == '*' && s[n - 1] == '*'))
		return "markdown emphasis (a documentation placeholder)";
	return NULL;
}

/*
 * "true|false" where each alternative is valid: the synopsis of the
 * documentation pasted instead of one choice.
 */
static int
is_choice_list(const struct opt_spec *spec, const char *s)
{
	char part[256], why[64];
	const char *p = s, *bar;
	size_t n;
	int parts = 0;

	if (strchr(s, '|') == NULL || spec->type == OPT_T_STRING ||
	    spec->type == OPT_T_ANY || spec->type == OPT_T_PATH)
		return 0;
	for (;;) {
		bar = strchr(p, '|');
		n = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (n == 0 || n >= sizeof(part))
			return 0;
		memcpy(part, p, n);
		part[n] = '\0';
		if (opt_check_scalar(spec, part, why, sizeof(why)) != 0)
			return 0;
		parts++;
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	return parts > 1;
}

static int
check_placeholder(struct sema *m, const struct ast_value *v,
    const char *option)
{
	const char *kind;

	if (v->kind != AST_V_WORD && v->kind != AST_V_STRING)
		return 0;
	if ((kind = placeholder_kind(v->u.str)) == NULL)
		return 0;
	warn(m, "doc-placeholder", &v->loc,
	    "value of \"%s\" contains %s: text pasted from documentation?",
	    option, kind);
	return 1;
}

static const char *
shape_name(const struct ast_value *v)
{
	switch (v->kind) {
	case AST_V_LIST:
		return "a list \"( ... )\"";
	case AST_V_DICT:
		return "a dictionary \"[ ... ]\"";
	default:
		return "a single value";
	}
}

static void
check_value(struct sema *m, const struct ast_node *n,
    const struct opt_spec *spec)
{
	const struct ast_value *v = n->value, *i;
	char why[256];
	int placeholder = 0;

	if (v == NULL)
		return;
	switch (spec->type) {
	case OPT_T_ANY:
		return;
	case OPT_T_LIST:
		if (v->kind == AST_V_DICT) {
			err(m, "value-shape", &v->loc,
			    "option \"%s\" takes a list \"( ... )\", got %s",
			    n->name, shape_name(v));
			return;
		}
		if (v->kind != AST_V_LIST) {
			/* Momentum accepts one item written alone. */
			if (check_placeholder(m, v, n->name))
				return;
			if (spec->nvalues > 0 &&
			    opt_check_scalar(spec, v->u.str, why, sizeof(why)))
				err(m, "bad-value", &v->loc,
				    "invalid value for \"%s\": %s", n->name, why);
			return;
		}
		for (i = v->u.items; i != NULL; i = i->next) {
			if (i->kind != AST_V_WORD && i->kind != AST_V_STRING)
				continue;
			/* One placeholder warning per option is enough. */
			if (!placeholder && check_placeholder(m, i, n->name))
				placeholder = 1;
			if (placeholder)
				continue;
			if (spec->nvalues > 0 &&
			    opt_check_scalar(spec, i->u.str, why, sizeof(why)))
				err(m, "bad-value", &i->loc,
				    "invalid item in \"%s\": %s", n->name, why);
		}
		return;
	case OPT_T_DICT:
		if (v->kind != AST_V_DICT)
			err(m, "value-shape", &v->loc,
			    "option \"%s\" takes a dictionary \"[ key = value "
			    "]\", got %s", n->name, shape_name(v));
		return;
	default:
		break;
	}
	if (v->kind == AST_V_LIST || v->kind == AST_V_DICT) {
		err(m, "value-shape", &v->loc,
		    "option \"%s\" takes a single %s value, got %s", n->name,
		    opt_type_name(spec->type), shape_name(v));
		return;
	}
	if (check_placeholder(m, v, n->name))
		return;
	if (is_choice_list(spec, v->u.str)) {
		warn(m, "doc-placeholder", &v->loc,
		    "value of \"%s\" lists the choices \"%s\" instead of "
		    "picking one: text pasted from documentation?", n->name,
		    v->u.str);
		return;
	}
	if (opt_check_scalar(spec, v->u.str, why, sizeof(why)) != 0)
		err(m, "bad-value", &v->loc, "invalid value for \"%s\": %s",
		    n->name, why);
}

/* ---- keywords ---- */

/* The keyword spelled so (memo: the previous stanza's spelling). */
static struct sema_kw *
keyword(struct sema *m, const char *spelled, size_t len)
{
	struct sema_kw *kw;
	char lname[NAME_MAX_LEN];
	void **slot;

	if (m->kw_last != NULL && len == m->kw_len &&
	    memcmp(spelled, m->kw_spelled, len) == 0)
		return m->kw_last;
	sema_lower(lname, sizeof(lname), spelled);
	slot = strmap_slot(&m->kws, lname);
	if ((kw = *slot) == NULL) {
		kw = *slot = xcalloc(1, sizeof(*kw));
		kw->name = strmap_intern(&m->kws, lname);
		kw->sc = schema_scope(m->s, lname);
		if (strcmp(lname, "binding") == 0)
			kw->role = KW_BINDING;
		else if (strcmp(lname, "binding_group") == 0)
			kw->role = KW_BINDING_GROUP;
		else if (strcmp(lname, "domain") == 0)
			kw->role = KW_DOMAIN;
		kw->described = kw->sc != NULL && kw->sc->module &&
		    strmap_get(&m->described, lname) != NULL;
		strmap_init(&kw->opts);
		kw->opts.borrow_keys = 1;	/* the nodes' own names */
	}
	m->kw_spelled = spelled;
	m->kw_len = len;
	m->kw_last = kw;
	return kw;
}

/* scope_allowed_in() for a known keyword, remembered for the last parent. */
static int
kw_allowed_in(struct sema_kw *kw, const struct sema_kw *parent)
{
	if (kw->parent != parent) {
		kw->parent = parent;
		kw->allowed = scope_allowed_in(kw->sc, parent->name);
	}
	return kw->allowed;
}

/* ---- scope paths (for duplicate detection) ---- */

/*
 * A stanza's name as its path knows it: domain names in lower case without
 * one trailing dot, other names as written; no name is "".  The string
 * lives as long as the walk (the node's own, or a copy in m->names).
 */
static const char *
path_name(struct sema *m, const struct sema_kw *kw,
    const struct ast_value *v)
{
	const char *s = v != NULL ? v->u.str : "";
	size_t n, i;

	if (kw->role != KW_DOMAIN)
		return s;
	/* A scope's name is a scalar: v->len bytes, then a NUL. */
	n = v != NULL ? v->len : 0;
	if (sema_is_lower(s, n) && (n == 0 || s[n - 1] != '.'))
		return s;	/* canonical already */
	n = strlen(s);
	if (n + 1 > m->foldcap) {
		m->foldcap = n + 64;
		m->fold = xrealloc(m->fold, m->foldcap);
	}
	for (i = 0; i < n; i++)
		m->fold[i] = lower(s[i]);
	/* A trailing dot does not make another domain. */
	if (n > 0 && m->fold[n - 1] == '.')
		n--;
	m->fold[n] = '\0';
	return strmap_intern(&m->names, m->fold);
}

static struct sema_scope *
scope_new(struct sema *m)
{
	struct sema_scope *sc = xcalloc(1, sizeof(*sc));

	sc->next = m->records;
	m->records = sc;
	return sc;
}

/* The value slot of child (kw, name) of record parent; added when new. */
static void **
kid_slot(struct sema_scope *parent, const struct sema_kw *kw,
    const char *name)
{
	struct sema_kids *k;

	for (k = parent->kids; k != NULL && k->kw != kw; k = k->next)
		;
	if (k == NULL) {
		k = xmalloc(sizeof(*k));
		k->kw = kw;
		strmap_init(&k->names);
		k->names.borrow_keys = 1;	/* see path_name() */
		k->next = parent->kids;
		parent->kids = k;
	}
	return strmap_slot(&k->names, name);
}

static void
scopes_free(struct sema *m)
{
	struct sema_scope *sc, *next;
	struct sema_kids *k, *knext;

	for (sc = m->records; sc != NULL; sc = next) {
		next = sc->next;
		for (k = sc->kids; k != NULL; k = knext) {
			knext = k->next;
			strmap_fini(&k->names);
			free(k);
		}
		free(sc->opts);
		free(sc);
	}
	m->records = NULL;
	free(m->leaf.opts);
}

/*
 * Remember that option var is set by n in scope path sc; returns the node
 * that set it last when it was set before, else NULL.
 */
static const struct ast_node *
scope_set(struct sema_scope *sc, const struct opt_spec *var,
    const struct ast_node *n)
{
	const struct ast_node *prev;
	size_t i;

	for (i = 0; i < sc->nopts; i++)
		if (sc->opts[i].var == var) {
			/* A third setting's note names the second. */
			prev = sc->opts[i].n;
			sc->opts[i].n = n;
			return prev;
		}
	if (sc->nopts == sc->capopts) {
		sc->capopts = sc->capopts ? sc->capopts * 2 : 4;
		sc->opts = xrealloc(sc->opts, sc->capopts * sizeof(*sc->opts));
	}
	sc->opts[sc->nopts].var = var;
	sc->opts[sc->nopts++].n = n;
	return NULL;
}

static const struct opt_spec *opt_var(struct sema *, const struct ast_node *,
    struct sema_kw *);

/* What check_option() records for the options below n, without checks. */
static void
replay(struct sema *m, struct sema_scope *sc, const struct ast_node *n,
    struct sema_kw *kw)
{
	const struct opt_spec *var;

	for (; n != NULL; n = n->next) {
		if (n->kind == AST_FILE || n->kind == AST_INCLUDE)
			replay(m, sc, n->children, kw);
		else if (n->kind == AST_OPTION &&
		    (var = opt_var(m, n, kw)) != NULL)
			scope_set(sc, var, n);
	}
}

/*
 * The record of the path whose value is *slot, made when the path was
 * walked once: the first stanza (a leaf: a scope inside it would have
 * made the record) sets what check_option() recorded for it.
 */
static struct sema_scope *
path_record(struct sema *m, void **slot, struct sema_kw *kw)
{
	struct sema_scope *sc;
	uintptr_t v = (uintptr_t)*slot;

	if (!(v & PATH_ONCE))
		return *slot;
	sc = scope_new(m);
	if (!(v & PATH_UNCHECKED))
		replay(m, sc, ((const struct ast_node *)(v & ~(PATH_ONCE |
		    PATH_UNCHECKED)))->children, kw);
	*slot = sc;
	return sc;
}

/* Make m->cur a record when it is the leaf buffer: a scope comes inside. */
static void
leaf_to_record(struct sema *m)
{
	struct sema_scope *sc;

	if (m->cur != &m->leaf)
		return;
	sc = scope_new(m);
	sc->nopts = sc->capopts = m->leaf.nopts;
	if (sc->nopts != 0) {
		sc->opts = xmalloc(sc->nopts * sizeof(*sc->opts));
		memcpy(sc->opts, m->leaf.opts, sc->nopts * sizeof(*sc->opts));
	}
	/* Still valid: no key was added to the parent's map since. */
	*m->leaf_slot = sc;
	m->cur = sc;
}

/* ---- options ---- */

static struct opt_lookup *
opt_lookup(struct sema *m, const struct ast_node *n, struct sema_kw *scope)
{
	struct opt_memo *memo = &scope->memo[n->name_len % 16];
	struct opt_lookup *ol;
	char lname[NAME_MAX_LEN];
	void **slot;

	if (memo->spelled != NULL && memo->len == n->name_len &&
	    memcmp(memo->spelled, n->name, n->name_len) == 0)
		return memo->ol;
	slot = strmap_slot(&scope->opts, n->name);
	if ((ol = *slot) == NULL) {
		sema_lower(lname, sizeof(lname), n->name);
		ol = *slot = xcalloc(1, sizeof(*ol));
		ol->var = schema_option_variants(m->s, lname, &ol->nv);
		if (ol->nv != 0)
			ol->spec = schema_option_in(m->s, lname, scope->name);
		strmap_init(&ol->clean);
	}
	memo->spelled = n->name;
	memo->len = n->name_len;
	memo->ol = ol;
	return ol;
}

/*
 * The first variant of option n's name when check_option() records it in
 * the scope path (known, valid in the scope, not repeatable), else NULL.
 */
static const struct opt_spec *
opt_var(struct sema *m, const struct ast_node *n, struct sema_kw *scope)
{
	const struct opt_lookup *ol = opt_lookup(m, n, scope);

	if (ol->nv == 0 || ol->spec == NULL ||
	    (ol->spec->flags & OPT_F_REPEATABLE))
		return NULL;
	return ol->var;
}

/* Whether the single value v passed check_value() for ol before. */
static int
was_clean(const struct opt_lookup *ol, const struct ast_value *v)
{
	const struct clean_value *c;
	const char *s = v->u.str;

	/* s[len] is the NUL: s[0] can be compared when len is 0. */
	for (c = ol->few; c < ol->few + ol->nfew; c++)
		if (c->len == v->len && c->s[0] == s[0] &&
		    memcmp(c->s, s, v->len) == 0)
			return 1;
	return ol->nfew == sizeof(ol->few) / sizeof(ol->few[0]) &&
	    strmap_get(&ol->clean, s) != NULL;
}

/*
 * check_value() of a single value, remembered when it files nothing: the
 * same value of the same option can only pass again.
 */
static void
check_value_once(struct sema *m, const struct ast_node *n,
    struct opt_lookup *ol)
{
	const struct ast_value *v = n->value;
	size_t filed = m->filed;
	int single;

	single = v != NULL && (v->kind == AST_V_WORD ||
	    v->kind == AST_V_STRING) && ol->spec->type != OPT_T_LIST &&
	    ol->spec->type != OPT_T_DICT;
	if (single && was_clean(ol, v))
		return;
	check_value(m, n, ol->spec);
	if (!single || m->filed != filed)
		return;
	if (ol->nfew < sizeof(ol->few) / sizeof(ol->few[0])) {
		ol->few[ol->nfew].s = v->u.str;
		ol->few[ol->nfew++].len = v->len;
	} else
		strmap_add(&ol->clean, v->u.str, (void *)1);
}

static void
check_option(struct sema *m, const struct ast_node *n, struct sema_kw *kw)
{
	const struct opt_spec *spec, *var;
	const struct scope_spec *sc;
	const struct ast_node *prev;
	struct diag_item *it;
	struct opt_lookup *ol;
	const char *sug, *allowed[64], *scope = kw->name;
	char lname[NAME_MAX_LEN], list[512];
	size_t nv, i, j, na = 0;

	ol = opt_lookup(m, n, kw);
	var = ol->var;
	nv = ol->nv;
	if (nv == 0) {
		sema_lower(lname, sizeof(lname), n->name);
		if ((sc = schema_scope(m->s, lname)) != NULL) {
			if (n->value != NULL && n->value->kind == AST_V_LIST &&
			    strstr(lname, "_listener") != NULL)
				err(m, "legacy-syntax", &n->loc,
				    "\"%s = ( ... )\" is the Momentum 2.x list "
				    "form of a listener; Momentum 4 writes "
				    "%s { Listen \"ADDRESS\" { ... } }",
				    n->name, n->name);
			else
				err(m, "unknown-option", &n->loc,
				    "\"%s\" is a scope, not an option: write "
				    "\"%s { ... }\"", n->name, n->name);
			return;
		}
		it = err(m, "unknown-option", &n->loc,
		    "unknown option \"%s\" in %s%s%s", n->name,
		    strcmp(scope, "global") == 0 ? "" : "scope \"",
		    scope_label(scope), strcmp(scope, "global") == 0 ? "" :
		    "\"");
		if ((sug = schema_suggest_option(m->s, lname)) != NULL)
			diag_note(m->d, it, &n->loc, "did you mean \"%s\"?",
			    sug);
		return;
	}
	if ((spec = ol->spec) == NULL) {
		for (i = 0; i < nv; i++)
			for (j = 0; j < var[i].nscopes && na < 64; j++)
				allowed[na++] = var[i].scopes[j];
		join(list, sizeof(list), allowed, na, 8);
		it = err(m, "option-scope", &n->loc,
		    "option \"%s\" is not valid in %s%s%s", n->name,
		    strcmp(scope, "global") == 0 ? "" : "scope \"",
		    scope_label(scope), strcmp(scope, "global") == 0 ? "" :
		    "\"");
		diag_note(m->d, it, &n->loc, "\"%s\" belongs in: %s",
		    var->name, list);
		return;
	}
	if (spec->flags & OPT_F_DEPRECATED) {
		if (spec->replacement != NULL)
			warn(m, "deprecated-option", &n->loc,
			    "option \"%s\" is deprecated; use \"%s\"", n->name,
			    spec->replacement);
		else
			warn(m, "deprecated-option", &n->loc,
			    "option \"%s\" is deprecated", n->name);
	}
	check_value_once(m, n, ol);
	if (spec->flags & OPT_F_REPEATABLE)
		return;
	/* Every variant of a name starts at var (replay() records the same). */
	if ((prev = scope_set(m->cur, var, n)) != NULL && prev != n) {
		it = warn(m, "duplicate-option", &n->loc,
		    "option \"%s\" is set again in the same scope; the last "
		    "value wins", n->name);
		diag_note(m->d, it, &prev->loc, "previously set here");
	}
}

/* ---- scopes ---- */

/*
 * Whether the pattern p[0..n) is anchored at both ends: a "^" outside a
 * character class and not escaped (it may sit in a group:
 * "(?:^|[.])example[.]com$"), and an unescaped "$" at the end.
 */
static int
regex_anchored(const char *p, size_t n)
{
	size_t i, k;
	int start = 0, in_class = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\\') {
			i++;
			continue;
		}
		if (in_class) {
			if (p[i] == ']')
				in_class = 0;
		} else if (p[i] == '[') {
			in_class = 1;
			/* "[]...]" and "[^]...]": that "]" is a member. */
			if (i + 1 < n && p[i + 1] == '^')
				i++;
			if (i + 1 < n && p[i + 1] == ']')
				i++;
		} else if (p[i] == '^')
			start = 1;
	}
	if (!start || n < 2 || p[n - 1] != '$')
		return 0;
	/* An odd number of backslashes before it makes "$" literal. */
	for (k = 0; k < n - 1 && p[n - 2 - k] == '\\'; k++)
		continue;
	return k % 2 == 0;
}

static void
check_regex(struct sema *m, const struct ast_value *v)
{
	const char *s = v->u.str;
	size_t len = strlen(s);
	pcre2_code *re;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	struct loc at;
	int ec;

	re = pcre2_compile((PCRE2_SPTR)(s + 1), len - 2, PCRE2_CASELESS, &ec,
	    &off, NULL);
	if (re == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		at = v->loc;
		/* The quote (if any) and the leading slash come first. */
		at.col += (v->kind == AST_V_STRING) + 1 + (uint32_t)off;
		at.off += (v->kind == AST_V_STRING) + 1 + (uint32_t)off;
		at.len = 1;
		err(m, "bad-regex", &at,
		    "regular expression %s does not compile: %s", s,
		    (const char *)msg);
		return;
	}
	pcre2_code_free(re);
	if (!regex_anchored(s + 1, len - 2))
		warn(m, "regex-unanchored", &v->loc,
		    "regular expression %s is not anchored with \"^...$\": it "
		    "also matches longer names that contain it", s);
}

static void
check_binding(struct sema *m, const struct ast_node *n, const char *group)
{
	const char *name = n->value->u.str;
	struct binding_rec *r;
	struct diag_item *it;
	uintptr_t idx;

	if (name[0] == '\0')
		err(m, "scope-name", &n->value->loc, "empty binding name");
	else if (strchr(name, ' ') != NULL || strchr(name, '\t') != NULL)
		err(m, "scope-name", &n->value->loc,
		    "binding name \"%s\" contains white space", name);
	else if (strchr(name, ':') != NULL)
		err(m, "scope-name", &n->value->loc,
		    "binding name \"%s\" contains a colon", name);
	if (m->nrecs == m->caprecs) {
		m->caprecs = m->caprecs ? m->caprecs * 2 : 64;
		m->recs = realloc(m->recs, m->caprecs * sizeof(*m->recs));
		if (m->recs == NULL) {
			fputs("ectls: fatal error: out of memory\n", stderr);
			exit(2);
		}
	}
	m->recs[m->nrecs].node = n;
	m->recs[m->nrecs].group = group;
	idx = (uintptr_t)strmap_add(&m->bindings, name,
	    (void *)(uintptr_t)(m->nrecs + 1));
	if (idx == 0) {
		m->nrecs++;
		return;
	}
	r = &m->recs[idx - 1];
	if (r->group != NULL && group != NULL && strcmp(r->group, group) != 0) {
		it = err(m, "binding-group-conflict", &n->value->loc,
		    "binding \"%s\" is declared in binding_group \"%s\" and "
		    "in binding_group \"%s\"", name, group, r->group);
		diag_note(m->d, it, &r->node->value->loc,
		    "first declared here");
	} else if ((r->group == NULL) != (group == NULL)) {
		it = err(m, "binding-group-conflict", &n->value->loc,
		    "binding \"%s\" is declared %s and %s", name,
		    group != NULL ? "in a binding_group" : "at the top level",
		    r->group != NULL ? "in a binding_group" :
		    "at the top level");
		diag_note(m->d, it, &r->node->value->loc,
		    "first declared here");
	}
}

static void walk(struct sema *, const struct ast_node *, struct sema_kw *,
    const char *, int);

static void
check_scope(struct sema *m, const struct ast_node *n, struct sema_kw *parent,
    const char *group, int unchecked)
{
	struct sema_kw *kw = keyword(m, n->name, n->name_len);
	const struct scope_spec *sc = kw->sc;
	const char *lname = kw->name, *pname = parent->name, *sug;
	struct diag_item *it;
	char list[512];
	struct sema_scope *up;
	void **slot;

	if (n->flags & AST_F_LEGACY)
		unchecked = 1;	/* reported by the parser */
	if (!unchecked) {
		if (sc == NULL) {
			if (schema_option(m->s, lname) != NULL)
				err(m, "unknown-scope", &n->loc,
				    "\"%s\" is an option, not a scope: write "
				    "\"%s = VALUE\"", n->name, n->name);
			else {
				it = err(m, "unknown-scope", &n->loc,
				    "unknown scope \"%s\"", n->name);
				if ((sug = schema_suggest_scope(m->s, lname)) !=
				    NULL)
					diag_note(m->d, it, &n->loc,
					    "did you mean \"%s\"?", sug);
			}
			unchecked = 1;
		} else {
			if (!kw_allowed_in(kw, parent)) {
				join(list, sizeof(list), sc->parents,
				    sc->nparents, 8);
				it = err(m, "scope-placement", &n->loc,
				    "scope \"%s\" is not allowed %s%s%s",
				    n->name, strcmp(pname, "global") == 0 ?
				    "at the top level" : "inside \"",
				    strcmp(pname, "global") == 0 ? "" : pname,
				    strcmp(pname, "global") == 0 ? "" : "\"");
				diag_note(m->d, it, &n->loc,
				    "\"%s\" may appear in: %s", sc->name, list);
			}
			if (sc->instance == SCOPE_INST_REQUIRED &&
			    n->value == NULL)
				err(m, "scope-name", &n->loc,
				    "scope \"%s\" needs a name: %s NAME { ... }",
				    n->name, n->name);
			else if (sc->instance == SCOPE_INST_NONE &&
			    n->value != NULL)
				err(m, "scope-name", &n->value->loc,
				    "scope \"%s\" takes no name, got \"%s\"",
				    n->name, n->value->u.str);
			if (sc->module && !kw->described)
				unchecked = 1;
			if (kw->role == KW_BINDING && n->value != NULL)
				check_binding(m, n, group);
			if (kw->role == KW_BINDING_GROUP && n->value != NULL)
				group = n->value->u.str;
			if (kw->role == KW_DOMAIN && n->value != NULL) {
				if (sema_is_regex_domain(n->value->u.str))
					check_regex(m, n->value);
				else if (n->value->u.str[0] == '\0')
					warn(m, "empty-domain", &n->value->loc,
					    "empty domain name: this stanza "
					    "matches no recipient domain");
			}
		}
	}
	leaf_to_record(m);
	up = m->cur;
	slot = kid_slot(up, kw, path_name(m, kw, n->value));
	if (*slot == NULL) {
		*slot = (void *)((uintptr_t)n | PATH_ONCE |
		    (unchecked ? PATH_UNCHECKED : 0));
		m->leaf.nopts = 0;
		m->leaf_slot = slot;
		m->cur = &m->leaf;
	} else
		m->cur = path_record(m, slot, kw);
	walk(m, n->children, kw, group, unchecked);
	m->cur = up;
}

static void
walk(struct sema *m, const struct ast_node *n, struct sema_kw *scope,
    const char *group, int unchecked)
{
	for (; n != NULL; n = n->next) {
		switch (n->kind) {
		case AST_FILE:
		case AST_INCLUDE:
			walk(m, n->children, scope, group, unchecked);
			break;
		case AST_OPTION:
			if (!unchecked)
				check_option(m, n, scope);
			break;
		case AST_SCOPE:
			check_scope(m, n, scope, group, unchecked);
			break;
		default:
			break;
		}
	}
}

size_t
sema_check(const struct ast_node *root, const struct schema *s,
    struct diag *d)
{
	struct sema m;
	const struct opt_spec *o;
	struct sema_kw *kw;
	size_t i, j, k, n;

	memset(&m, 0, sizeof(m));
	m.s = s;
	m.d = d;
	strmap_init(&m.kws);
	strmap_init(&m.names);
	strmap_init(&m.bindings);
	strmap_init(&m.described);
	/* Module stanzas whose inner options the schema describes. */
	n = schema_noptions(s);
	for (i = 0; i < n; i++) {
		o = schema_option_at(s, i);
		if (o->flags & OPT_F_ANY_MODULE)
			continue;
		for (j = 0; j < o->nscopes; j++)
			strmap_add(&m.described, o->scopes[j], (void *)o);
	}
	m.cur = scope_new(&m);
	m.global = keyword(&m, "global", strlen("global"));
	if (root != NULL) {
		walk(&m, root->kind == AST_FILE ? root->children : root,
		    m.global, NULL, 0);
	}
	free(m.recs);
	free(m.fold);
	scopes_free(&m);
	for (i = 0; i < m.kws.cap; i++) {
		if (m.kws.slots[i].key == NULL)
			continue;
		kw = m.kws.slots[i].val;
		for (k = 0; k < kw->opts.cap; k++) {
			struct opt_lookup *ol = kw->opts.slots[k].val;

			if (kw->opts.slots[k].key == NULL)
				continue;
			strmap_fini(&ol->clean);
			free(ol);
		}
		strmap_fini(&kw->opts);
		free(kw);
	}
	strmap_fini(&m.kws);
	strmap_fini(&m.names);
	strmap_fini(&m.bindings);
	strmap_fini(&m.described);
	return m.errors;
}
