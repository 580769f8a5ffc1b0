/* SPDX-License-Identifier: ISC */
/*
 * resolve.c -- the scope model of a configuration and the flattening of
 * the outbound policy (see resolve.h for the rules).
 *
 * Everything that depends on names is decided once, in resolve_new(): each
 * option value is parsed when its container is built, and each (binding,
 * exact domain) entry keeps the stanzas that apply to it at every level
 * (the exact one and the first matching regex of the binding, its group
 * and the top level).  Resolving an entry then only copies values along
 * the chain: no hashing, no string copies, no regex evaluation per pair.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pcre2.h>

#include "resolve.h"
#include "schema.h"
#include "sema.h"
#include "strmap.h"

/* One option set in a container, its value parsed once. */
struct rs_set {
	const struct ast_node	*n;
	union {
		const char	 *str;	/* STR: the value (NULL: "none") */
		const char	**list;	/* LIST: the items (owned) */
	}			 u;
	uint32_t		 num;	/* BOOL, ENUM, UINT; LIST: items */
	uint8_t			 f;
	uint8_t			 valid;	/* 0: apply() skips it (sema says why) */
};

/*
 * The options set in one container: the last node per field wins.  Most
 * domain stanzas set one or two, kept inline.
 */
struct rs_opts {
	struct rs_set		*v;	/* inl, or an array; one per field */
	uint32_t		 n, cap;
	struct rs_set		 inl[2];
};

/*
 * A domain of a container: all its stanzas merged.  Exact domains live in
 * the container's sorted array, regex ones in chunks (DOMS_PER_CHUNK).
 */
struct rs_dom {
	const char	*name;		/* canonical; regex: without slashes */
	struct rs_opts	 o;
};

#define DOMS_PER_CHUNK	64

/* An exact domain stanza while its container is built. */
struct rs_stanza {
	const char		*name;	/* canonical */
	const struct ast_node	*n;
};

struct rs_dom_chunk {
	struct rs_dom_chunk	*next;
	size_t			 used;
	struct rs_dom		 d[DOMS_PER_CHUNK];
};

/*
 * A container (the top level, a group, a binding).  Its exact domain
 * stanzas are only listed while the tree is walked; cont_finish() then
 * sorts them and merges the stanzas of each name, in declaration order,
 * into one struct rs_dom (no hashing per stanza).
 */
struct rs_cont {
	struct rs_opts	  o;
	struct rs_stanza *stanzas;	/* exact ones, declaration order */
	size_t		  nstanzas, capstanzas;
	struct rs_dom	 *doms;		/* exact ones, sorted, unique */
	size_t		  ndoms;
	struct strmap	  rxnames;	/* regex text -> struct rs_dom */
	struct rs_dom	**rxs;		/* the regex ones, declaration order */
	pcre2_code	**res;		/* each one's (NULL: does not compile) */
	size_t		  nrxs;
	struct strmap	  rxfirst;	/* name -> first matching regex + 1 */
	char		 *group;	/* binding: its group, or NULL */
};

/*
 * An exact domain of a binding and its exact stanza per level (0 = B::,
 * 1 = G::, 2 = global; NULL: none).
 */
struct rs_pair {
	const char		*name;
	const struct rs_dom	*ex[3];
};

struct rs_binding {
	char		 *name;
	struct rs_cont	 *c;		/* NULL: undeclared "default" */
	struct rs_cont	 *g;		/* its group, or NULL */
	struct rs_pair	 *pairs;	/* applicable exact domains, sorted */
	size_t		  npairs;
	/*
	 * Per pair and level, the first regex stanza matching its name;
	 * NULL when no level of the binding has regexes.
	 */
	const struct rs_dom *(*pairrx)[3];
	/* Regex stanzas per level: 0 = B::, 1 = G::, 2 = global. */
	struct rs_dom	**rx[3];
	size_t		  nrx[3];
	/*
	 * Regex entries: one per combination of "first matching regex" at
	 * each level (or none), as one pattern matching exactly the domains
	 * of that combination.
	 */
	struct combo {
		int	 idx[3];	/* -1: no regex of that level */
		char	*pattern;
		int	 level;		/* the most specific level used */
	}		 *combos;
	size_t		  ncombos;
	/*
	 * The chain without domain stanzas (B > G > global > default), for
	 * entries that have none at the top level (see flatten()).
	 */
	struct tblw_policy *base;
	struct resolve_src *basesrc;
};

#define MAX_COMBOS	1024

struct resolve {
	struct rs_cont	   *global;
	struct strmap	    groups;	/* name -> struct rs_cont */
	struct strmap	    bindings;	/* name -> struct rs_cont */
	struct rs_binding  *b;
	size_t		    nb, capb;
	struct strmap	    bidx;	/* binding name -> index + 1 */
	struct rs_cont	  **conts;	/* every container, for freeing */
	size_t		    nconts, capconts;
	struct rs_dom_chunk *chunks;	/* every regex struct rs_dom */
	struct strmap	    canon;	/* domain names that needed folding,
					   regex texts */
	pcre2_match_data   *md;		/* for regex_first() */
	struct tblw_policy  defaults;	/* tblw_policy_init() */
	/*
	 * field_of() per name length: the last spelling and its field (a
	 * configuration spells a few option names many times).
	 */
	struct field_memo {
		const char	*name;	/* borrowed from the tree */
		size_t		 len;
		int		 field;
	}		    fmemo[32];
};

_Static_assert(ECTLS_NFIELDS <= 64, "apply() keeps a 64-bit field set");

static const struct {
	const char	*name;
	size_t		 len;
	int		 field;
	int		 type;
} fields[] = {
#define X(up, low, ty) { #low, sizeof(#low) - 1, ECTLS_F_##up, ECTLS_T_##ty },
	ECTLS_FIELDS(X)
#undef X
};

/* resolve_field() of a name of n bytes. */
static int
field_of(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].len == n && (fields[i].name[0] | 0x20) ==
		    (name[0] | 0x20) && strcasecmp(fields[i].name, name) == 0)
			return fields[i].field;
	/* Momentum's name for the timeout after the final ".". */
	if (strcasecmp(name, "dot_timeout") == 0)
		return ECTLS_F_BODY_TIMEOUT;
	return -1;
}

int
resolve_field(const char *name)
{
	return field_of(name, strlen(name));
}

void
resolve_canon_domain(char *buf, size_t size, const char *s)
{
	size_t n;

	sema_lower(buf, size, s);
	n = strlen(buf);
	if (n > 1 && buf[n - 1] == '.')
		buf[n - 1] = '\0';
}

const char *
resolve_level_name(int l)
{
	switch (l) {
	case ECTLS_LVL_BD:
		return "B::D";
	case ECTLS_LVL_GD:
		return "G::D";
	case ECTLS_LVL_B:
		return "B";
	case ECTLS_LVL_G:
		return "G";
	case ECTLS_LVL_D:
		return "D";
	case ECTLS_LVL_GLOBAL:
		return "global";
	default:
		return "default";
	}
}

static void
opts_init(struct rs_opts *o)
{
	o->v = o->inl;
	o->n = 0;
	o->cap = sizeof(o->inl) / sizeof(o->inl[0]);
}

static struct rs_dom *
dom_new(struct resolve *r)
{
	struct rs_dom_chunk *c = r->chunks;
	struct rs_dom *d;

	if (c == NULL || c->used == DOMS_PER_CHUNK) {
		c = xmalloc(sizeof(*c));
		c->next = r->chunks;
		c->used = 0;
		r->chunks = c;
	}
	d = &c->d[c->used++];
	memset(d, 0, sizeof(*d));
	opts_init(&d->o);
	return d;
}

static struct rs_cont *
cont_new(struct resolve *r)
{
	struct rs_cont *c = xcalloc(1, sizeof(*c));

	opts_init(&c->o);
	strmap_init(&c->rxnames);
	c->rxnames.borrow_keys = 1;
	strmap_init(&c->rxfirst);
	if (r->nconts == r->capconts) {
		r->capconts = r->capconts ? r->capconts * 2 : 16;
		r->conts = xrealloc(r->conts, r->capconts * sizeof(*r->conts));
	}
	r->conts[r->nconts++] = c;
	return c;
}

static void
opts_fini(struct rs_opts *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (fields[o->v[i].f].type == ECTLS_T_LIST)
			free(o->v[i].u.list);
	if (o->v != o->inl)
		free(o->v);
}

static void
cont_free(struct rs_cont *c)
{
	size_t i;

	for (i = 0; i < c->ndoms; i++)
		opts_fini(&c->doms[i].o);
	free(c->doms);
	free(c->stanzas);
	for (i = 0; i < c->nrxs; i++) {
		pcre2_code_free(c->res[i]);
		opts_fini(&c->rxs[i]->o);
	}
	free(c->rxs);
	free(c->res);
	opts_fini(&c->o);
	strmap_fini(&c->rxnames);
	strmap_fini(&c->rxfirst);
	free(c->group);
	free(c);
}

/* strcasecmp(s, w) == 0 for a lower-case word w, ASCII (the C locale). */
static int
word_is(const char *s, const char *w)
{
	for (; *w != '\0'; s++, w++)
		if (*s != *w && !((unsigned)(*s - 'A') < 26u &&
		    *s + ('a' - 'A') == *w))
			return 0;
	return *s == '\0';
}

/*
 * word_is() of a node's name and a lower-case keyword of len bytes: the
 * length first, then the usual lower-case spelling byte for byte.
 */
static int
name_is(const struct ast_node *n, const char *w, size_t len)
{
	return n->name_len == len && (memcmp(n->name, w, len) == 0 ||
	    word_is(n->name, w));
}

/*
 * The value of a scalar option as the table stores it: 0 and *num or *str
 * set, or -1 when it is not a valid value (sema reported it; the field is
 * then taken from the next level down).
 */
static int
parse_value(int f, const char *s, uint32_t *num, const char **str)
{
	int b;

	switch (fields[f].type) {
	case ECTLS_T_BOOL:
		if (!opt_parse_bool(s, &b))
			return -1;
		*num = (uint32_t)b;
		return 0;
	case ECTLS_T_ENUM:
		if (f == ECTLS_F_TLS) {
			if (word_is(s, "no"))
				*num = ECTLS_TLS_NO;
			else if (word_is(s, "ifavailable"))
				*num = ECTLS_TLS_IFAVAILABLE;
			else if (word_is(s, "required"))
				*num = ECTLS_TLS_REQUIRED;
			else
				return -1;
		} else if (f == ECTLS_F_TLS_VERIFY) {
			if (word_is(s, "no"))
				*num = ECTLS_VERIFY_NO;
			else if (word_is(s, "ca"))
				*num = ECTLS_VERIFY_CA;
			else if (word_is(s, "host"))
				*num = ECTLS_VERIFY_HOST;
			else if (word_is(s, "optional"))
				*num = ECTLS_VERIFY_OPTIONAL;
			else
				return -1;
		} else if (f == ECTLS_F_TLS_ENGINE) {
			if (word_is(s, "openssl"))
				*num = ECTLS_ENGINE_OPENSSL;
			else if (word_is(s, "gnutls"))
				*num = ECTLS_ENGINE_GNUTLS;
			else
				return -1;
		}
		return 0;
	case ECTLS_T_UINT: {
		char *end;
		unsigned long v;
		size_t i;

		/* Up to nine plain digits (the usual case) cannot overflow. */
		for (v = 0, i = 0; i < 9 && s[i] >= '0' && s[i] <= '9'; i++)
			v = v * 10 + (unsigned long)(s[i] - '0');
		if (i == 0 || s[i] != '\0')
			v = strtoul(s, &end, 10);
		else
			end = (char *)s + i;
		if (*s == '\0' || *end != '\0' || v > UINT32_MAX)
			return -1;
		*num = (uint32_t)v;
		return 0;
	}
	case ECTLS_T_STR:
		/* "none" cancels an inherited certificate. */
		if (f == ECTLS_F_TLS_CERTIFICATE && word_is(s, "none"))
			*str = NULL;
		else
			*str = s;
		return 0;
	default:
		return 0;
	}
}

/* The entry of field f in o, added when missing. */
static struct rs_set *
opts_slot(struct rs_opts *o, int f)
{
	struct rs_set *e;
	size_t i;

	for (i = 0; i < o->n; i++)
		if (o->v[i].f == f)
			return &o->v[i];
	if (o->n == o->cap) {
		o->cap *= 2;
		if (o->v == o->inl) {
			o->v = xmalloc(o->cap * sizeof(*o->v));
			memcpy(o->v, o->inl, sizeof(o->inl));
		} else
			o->v = xrealloc(o->v, o->cap * sizeof(*o->v));
	}
	e = &o->v[o->n++];
	memset(e, 0, sizeof(*e));
	e->f = (uint8_t)f;
	return e;
}

/* field_of() of option n, through r->fmemo. */
static int
field_memo(struct resolve *r, const struct ast_node *n)
{
	size_t len = n->name_len;
	struct field_memo *e = &r->fmemo[len % 32];

	if (e->name == NULL || e->len != len ||
	    memcmp(e->name, n->name, len) != 0) {
		e->name = n->name;
		e->len = len;
		e->field = field_of(n->name, len);
	}
	return e->field;
}

static void
opts_set(struct resolve *r, struct rs_opts *o, const struct ast_node *n)
{
	const struct ast_value *v;
	struct rs_set *e;
	int f;
	size_t k;

	if ((f = field_memo(r, n)) < 0 || n->value == NULL)
		return;
	v = n->value;
	if (fields[f].type == ECTLS_T_LIST) {
		/*
		 * A list replaces the previous one; a value of another shape
		 * empties it but leaves the previous node as the source.
		 */
		if (v->kind != AST_V_LIST && v->kind != AST_V_WORD &&
		    v->kind != AST_V_STRING) {
			for (k = 0; k < o->n; k++)
				if (o->v[k].f == f) {
					free(o->v[k].u.list);
					o->v[k].u.list = NULL;
					o->v[k].num = 0;
				}
			return;
		}
		e = opts_slot(o, f);
		free(e->u.list);
		e->u.list = NULL;
		e->num = 0;
		if (v->kind == AST_V_LIST) {
			e->u.list = xcalloc(v->len + 1, sizeof(char *));
			for (v = v->u.items, k = 0; v != NULL; v = v->next)
				if (v->kind == AST_V_WORD ||
				    v->kind == AST_V_STRING)
					e->u.list[k++] = v->u.str;
			e->num = (uint32_t)k;
		} else {
			e->u.list = xcalloc(2, sizeof(char *));
			e->u.list[0] = v->u.str;
			e->num = 1;
		}
		e->n = n;
		e->valid = 1;
		return;
	}
	if (v->kind != AST_V_WORD && v->kind != AST_V_STRING)
		return;
	e = opts_slot(o, f);
	e->n = n;
	e->u.str = NULL;
	e->num = 0;
	e->valid = parse_value(f, v->u.str, &e->num, &e->u.str) == 0;
}

static void build(struct resolve *, const struct ast_node *,
    struct rs_opts *, struct rs_cont *, const char *, int);

/*
 * A domain stanza n of container c: a regex one is built now (the same
 * regex text is the same stanza), an exact one is listed for cont_finish().
 */
static void
domain_stanza(struct resolve *r, struct rs_cont *c, const struct ast_node *n)
{
	const char *raw = n->value->u.str, *name;
	struct rs_dom *d;
	char canon[1024];
	PCRE2_SIZE off;
	/* n->value is a scalar: value->len bytes, then a NUL. */
	int lower = sema_is_lower(raw, n->value->len), ec;
	size_t len = lower ? n->value->len : strlen(raw);

	if (len >= 2 && raw[0] == '/' && raw[len - 1] == '/') {
		/* sema_is_regex_domain(): a regex, "/.../" */
		if (len - 2 >= sizeof(canon))
			len = sizeof(canon) + 1;
		memcpy(canon, raw + 1, len - 2);
		canon[len - 2] = '\0';
		if ((d = strmap_get(&c->rxnames, canon)) == NULL) {
			d = dom_new(r);
			d->name = strmap_intern(&r->canon, canon);
			/* The map borrows its keys: the name kept in d. */
			*strmap_slot(&c->rxnames, d->name) = d;
			c->rxs = xrealloc(c->rxs, (c->nrxs + 1) *
			    sizeof(*c->rxs));
			c->res = xrealloc(c->res, (c->nrxs + 1) *
			    sizeof(*c->res));
			c->res[c->nrxs] = pcre2_compile((PCRE2_SPTR)d->name,
			    PCRE2_ZERO_TERMINATED, PCRE2_CASELESS, &ec, &off,
			    NULL);
			c->rxs[c->nrxs++] = d;
		}
		build(r, n->children, &d->o, NULL, NULL, 1);
		return;
	}
	/* Most names are canonical already: borrow them. */
	if (lower && len < sizeof(canon) && !(len > 1 && raw[len - 1] == '.'))
		name = raw;
	else {
		resolve_canon_domain(canon, sizeof(canon), raw);
		name = strmap_intern(&r->canon, canon);
	}
	if (c->nstanzas == c->capstanzas) {
		c->capstanzas = c->capstanzas ? c->capstanzas * 2 : 8;
		c->stanzas = xrealloc(c->stanzas, c->capstanzas *
		    sizeof(*c->stanzas));
	}
	c->stanzas[c->nstanzas].name = name;
	c->stanzas[c->nstanzas++].n = n;
}

static int
stanza_cmp(const struct rs_stanza *a, const struct rs_stanza *b)
{
	return strcmp(a->name, b->name);
}

/*
 * Stable merge sort that finds sorted runs in linear time (configurations
 * often list their domains in order).
 */
static void
stanza_sort(struct rs_stanza *v, size_t n, struct rs_stanza *tmp)
{
	size_t h = n / 2, i, j, k;

	if (n < 2)
		return;
	stanza_sort(v, h, tmp);
	stanza_sort(v + h, n - h, tmp);
	if (stanza_cmp(&v[h - 1], &v[h]) <= 0)
		return;
	memcpy(tmp, v, h * sizeof(*v));
	for (i = 0, j = h, k = 0; i < h && j < n;)
		v[k++] = stanza_cmp(&v[j], &tmp[i]) < 0 ? v[j++] : tmp[i++];
	while (i < h)
		v[k++] = tmp[i++];
}

/*
 * The exact domains of c, sorted, each stanza's options applied in
 * declaration order (the sort is stable): repeated stanzas merge.
 */
static void
cont_finish(struct resolve *r, struct rs_cont *c)
{
	struct rs_stanza *tmp;
	struct rs_dom *d = NULL;
	size_t i, n = 0;
	int unique = 0;

	if (c->nstanzas == 0)
		return;
	/* Configurations often list each domain once, in order. */
	for (i = 1; i < c->nstanzas; i++)
		if (strcmp(c->stanzas[i - 1].name, c->stanzas[i].name) >= 0)
			break;
	if (i == c->nstanzas) {
		n = c->nstanzas;	/* sorted, unique */
		unique = 1;
	} else {
		tmp = xmalloc((c->nstanzas / 2 + 1) * sizeof(*tmp));
		stanza_sort(c->stanzas, c->nstanzas, tmp);
		free(tmp);
		for (i = 0; i < c->nstanzas; i++)
			if (i == 0 || strcmp(c->stanzas[i - 1].name,
			    c->stanzas[i].name) != 0)
				n++;
	}
	/* Never moved again: each d->o.v may point into d itself. */
	c->doms = xcalloc(n, sizeof(*c->doms));
	for (i = 0; i < c->nstanzas; i++) {
		if (d == NULL || unique ||
		    strcmp(d->name, c->stanzas[i].name) != 0) {
			d = &c->doms[c->ndoms++];
			d->name = c->stanzas[i].name;
			opts_init(&d->o);
		}
		build(r, c->stanzas[i].n->children, &d->o, NULL, NULL, 1);
	}
	free(c->stanzas);
	c->stanzas = NULL;
	c->nstanzas = c->capstanzas = 0;
}

static struct rs_cont *
named_cont(struct resolve *r, struct strmap *m, const char *name)
{
	struct rs_cont *c;

	if ((c = strmap_get(m, name)) == NULL) {
		c = cont_new(r);
		strmap_add(m, name, c);
	}
	return c;
}

static void
add_binding(struct resolve *r, const char *name, struct rs_cont *c)
{
	if (strmap_get(&r->bidx, name) != NULL)
		return;
	if (r->nb == r->capb) {
		r->capb = r->capb ? r->capb * 2 : 16;
		r->b = xrealloc(r->b, r->capb * sizeof(*r->b));
	}
	memset(&r->b[r->nb], 0, sizeof(r->b[r->nb]));
	r->b[r->nb].name = xstrdup(name);
	r->b[r->nb].c = c;
	r->nb++;
	strmap_add(&r->bidx, name, (void *)(uintptr_t)r->nb);
}

/*
 * Walk statements.  `opts` receives options; `dc` is the container whose
 * domain stanzas are being collected; `group` the enclosing group name.
 */
static void
build(struct resolve *r, const struct ast_node *n, struct rs_opts *opts,
    struct rs_cont *dc, const char *group, int in_domain)
{
	struct rs_cont *c;

	for (; n != NULL; n = n->next) {
		switch (n->kind) {
		case AST_FILE:
		case AST_INCLUDE:
			build(r, n->children, opts, dc, group, in_domain);
			break;
		case AST_OPTION:
			if (opts != NULL)
				opts_set(r, opts, n);
			break;
		case AST_SCOPE:
			if (n->flags & AST_F_LEGACY || n->value == NULL ||
			    (n->value->kind != AST_V_WORD &&
			    n->value->kind != AST_V_STRING))
				break;
			if (name_is(n, "domain", 6) && dc != NULL &&
			    !in_domain) {
				domain_stanza(r, dc, n);
			} else if (name_is(n, "binding_group", 13) &&
			    dc == r->global) {
				c = named_cont(r, &r->groups, n->value->u.str);
				build(r, n->children, &c->o, c,
				    n->value->u.str, 0);
			} else if (name_is(n, "binding", 7) &&
			    (dc == r->global || group != NULL) && !in_domain &&
			    strcmp(n->value->u.str, "") != 0) {
				c = named_cont(r, &r->bindings,
				    n->value->u.str);
				if (group != NULL && c->group == NULL)
					c->group = xstrdup(group);
				add_binding(r, n->value->u.str, c);
				build(r, n->children, &c->o, c, NULL, 0);
			}
			/* Other scopes hold no outbound policy. */
			break;
		default:
			break;
		}
	}
}

/* The first regex stanza of container c matching d, or NULL. */
static const struct rs_dom *
regex_for(const struct rs_cont *c, const char *d, pcre2_match_data *md)
{
	size_t i;

	if (c == NULL || d == NULL)
		return NULL;
	for (i = 0; i < c->nrxs; i++) {
		if (c->res[i] == NULL)
			continue;
		if (pcre2_match(c->res[i], (PCRE2_SPTR)d,
		    PCRE2_ZERO_TERMINATED, 0, 0, md, NULL) >= 0)
			return c->rxs[i];
	}
	return NULL;
}

/*
 * regex_for() of a canonical name, remembered per container: a group's
 * and the top level's regexes are tried once per name, not once per
 * binding.
 */
static const struct rs_dom *
regex_first(struct resolve *r, struct rs_cont *c, const char *name)
{
	const struct rs_dom *d;
	uintptr_t v;

	if (c == NULL || c->nrxs == 0)
		return NULL;
	if ((v = (uintptr_t)strmap_get(&c->rxfirst, name)) != 0)
		return v == 1 ? NULL : (const struct rs_dom *)(v - 1);
	d = regex_for(c, name, r->md);
	/* Pointers are aligned: d + 1 is never 1 or 0. */
	strmap_add(&c->rxfirst, name, (void *)(d != NULL ?
	    (uintptr_t)d + 1 : (uintptr_t)1));
	return d;
}

/*
 * The binding's exact domains: the sorted domains of its three levels
 * merged, each with its exact and first-matching regex stanza per level.
 */
static void
make_pairs(struct resolve *r, struct rs_binding *b)
{
	struct rs_cont *c[3] = { b->c, b->g, r->global };
	const struct rs_dom *d;
	const char *min;
	struct rs_pair *p;
	size_t at[3] = { 0 }, total = 0, i;
	int l;

	for (l = 0; l < 3; l++) {
		if (c[l] == NULL)
			continue;
		total += c[l]->ndoms;
		for (i = 0; i < c[l]->nrxs; i++) {
			if (c[l]->res[i] == NULL)
				continue;	/* sema reported it */
			b->rx[l] = xrealloc(b->rx[l],
			    (b->nrx[l] + 1) * sizeof(*b->rx[l]));
			b->rx[l][b->nrx[l]++] = c[l]->rxs[i];
		}
	}
	if (total != 0)
		b->pairs = xcalloc(total, sizeof(*b->pairs));
	for (;;) {
		min = NULL;
		for (l = 0; l < 3; l++) {
			if (c[l] == NULL)
				continue;
			/* "" matches no recipient (it sorts first). */
			if (at[l] < c[l]->ndoms &&
			    c[l]->doms[at[l]].name[0] == '\0')
				at[l]++;
			if (at[l] < c[l]->ndoms && (min == NULL ||
			    strcmp(c[l]->doms[at[l]].name, min) < 0))
				min = c[l]->doms[at[l]].name;
		}
		if (min == NULL)
			break;
		p = &b->pairs[b->npairs++];
		p->name = min;
		for (l = 0; l < 3; l++) {
			if (c[l] == NULL || at[l] == c[l]->ndoms)
				continue;
			d = &c[l]->doms[at[l]];
			if (d->name == min || strcmp(d->name, min) == 0) {
				p->ex[l] = d;
				at[l]++;
			}
		}
	}
	if (b->npairs == 0 || b->nrx[0] + b->nrx[1] + b->nrx[2] == 0)
		return;
	b->pairrx = xcalloc(b->npairs, sizeof(*b->pairrx));
	for (i = 0; i < b->npairs; i++)
		for (l = 0; l < 3; l++)
			b->pairrx[i][l] = regex_first(r, c[l],
			    b->pairs[i].name);
}

/* Append "(?=[\s\S]*?(?:P))" or its negation to a growing string. */
static void
cat_assert(char **buf, size_t *len, const char *pat, int neg)
{
	size_t n = strlen(pat) + 24;

	*buf = xrealloc(*buf, *len + n + 1);
	*len += (size_t)snprintf(*buf + *len, n + 1, "(?%c[\\s\\S]*?(?:%s))",
	    neg ? '!' : '=', pat);
}

/*
 * The regex entries of a binding.  At each level the first declared regex
 * that matches contributes (spec 2.3), so a domain that no exact stanza
 * names is described by which regex matches first at each level.  Each
 * combination becomes one pattern, true exactly for its domains:
 * lookaheads for the chosen regex and negative lookaheads for the earlier
 * ones of that level (all of them where the level contributes none).  The
 * reader tries them in order; at most one matches.
 */
static void
make_combos(struct rs_binding *b)
{
	static const int lv[3] = { ECTLS_LVL_BD, ECTLS_LVL_GD, ECTLS_LVL_D };
	int idx[3], l, j;
	size_t total = (b->nrx[0] + 1) * (b->nrx[1] + 1) * (b->nrx[2] + 1);
	struct combo *c;
	size_t len;

	if (total <= 1)
		return;
	if (total > MAX_COMBOS + 1)
		total = MAX_COMBOS + 1;	/* the rest resolve as the binding */
	b->combos = xcalloc(total, sizeof(*b->combos));
	for (idx[0] = -1; idx[0] < (int)b->nrx[0]; idx[0]++)
	for (idx[1] = -1; idx[1] < (int)b->nrx[1]; idx[1]++)
	for (idx[2] = -1; idx[2] < (int)b->nrx[2]; idx[2]++) {
		if (idx[0] < 0 && idx[1] < 0 && idx[2] < 0)
			continue;
		if (b->ncombos == MAX_COMBOS)
			return;
		c = &b->combos[b->ncombos++];
		c->pattern = xstrdup("^");
		len = 1;
		c->level = ECTLS_LVL_DEFAULT;
		for (l = 0; l < 3; l++) {
			c->idx[l] = idx[l];
			if (idx[l] >= 0 && c->level == ECTLS_LVL_DEFAULT)
				c->level = lv[l];
			for (j = 0; j < (idx[l] < 0 ? (int)b->nrx[l] : idx[l]);
			    j++)
				cat_assert(&c->pattern, &len,
				    b->rx[l][j]->name, 1);
			if (idx[l] >= 0)
				cat_assert(&c->pattern, &len,
				    b->rx[l][idx[l]]->name, 0);
		}
	}
}

/* No stanza at any level. */
static const struct rs_dom *const none[3] = { NULL };

static void flatten(const struct resolve *, const struct rs_binding *,
    const struct rs_dom *const [3], const struct rs_dom *const [3], uint64_t,
    struct tblw_policy *, struct resolve_src *);

struct resolve *
resolve_new(const struct ast_node *root)
{
	struct resolve *r = xcalloc(1, sizeof(*r));
	struct rs_binding *b;
	struct tblw_policy *base;
	struct resolve_src *basesrc;
	size_t i;

	strmap_init(&r->groups);
	strmap_init(&r->bindings);
	strmap_init(&r->bidx);
	strmap_init(&r->canon);
	if ((r->md = pcre2_match_data_create(1, NULL)) == NULL) {
		fputs("ectls: fatal error: out of memory\n", stderr);
		exit(2);
	}
	tblw_policy_init(&r->defaults);
	r->global = cont_new(r);
	if (root != NULL) {
		root = root->kind == AST_FILE ? root->children : root;
		build(r, root, &r->global->o, r->global, NULL, 0);
	}
	add_binding(r, "default", strmap_get(&r->bindings, "default"));
	for (i = 0; i < r->nconts; i++)
		cont_finish(r, r->conts[i]);
	for (i = 0; i < r->nb; i++) {
		b = &r->b[i];
		if (b->c != NULL && b->c->group != NULL)
			b->g = strmap_get(&r->groups, b->c->group);
		make_pairs(r, b);
		make_combos(b);
		base = xmalloc(sizeof(*base));
		basesrc = xmalloc(sizeof(*basesrc));
		flatten(r, b, none, none, RESOLVE_ALL_FIELDS, base, basesrc);
		b->base = base;
		b->basesrc = basesrc;
	}
	return r;
}

void
resolve_free(struct resolve *r)
{
	struct rs_dom_chunk *chunk;
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->nb; i++) {
		free(r->b[i].name);
		free(r->b[i].pairs);
		free(r->b[i].pairrx);
		for (j = 0; j < 3; j++)
			free(r->b[i].rx[j]);
		for (j = 0; j < r->b[i].ncombos; j++)
			free(r->b[i].combos[j].pattern);
		free(r->b[i].combos);
		free(r->b[i].base);
		free(r->b[i].basesrc);
	}
	free(r->b);
	for (i = 0; i < r->nconts; i++)
		cont_free(r->conts[i]);
	free(r->conts);
	while ((chunk = r->chunks) != NULL) {
		r->chunks = chunk->next;
		free(chunk);
	}
	strmap_fini(&r->groups);
	strmap_fini(&r->bindings);
	strmap_fini(&r->bidx);
	strmap_fini(&r->canon);
	pcre2_match_data_free(r->md);
	free(r);
}

size_t
resolve_nbindings(const struct resolve *r)
{
	return r->nb;
}

const char *
resolve_binding(const struct resolve *r, size_t i)
{
	return i < r->nb ? r->b[i].name : NULL;
}

size_t
resolve_ndomains(const struct resolve *r, size_t b)
{
	return b < r->nb ? r->b[b].npairs : 0;
}

const char *
resolve_domain(const struct resolve *r, size_t b, size_t i)
{
	return b < r->nb && i < r->b[b].npairs ? r->b[b].pairs[i].name : NULL;
}

size_t
resolve_nregex(const struct resolve *r, size_t b)
{
	return b < r->nb ? r->b[b].ncombos : 0;
}

const char *
resolve_regex(const struct resolve *r, size_t b, size_t i, int *level)
{
	if (b >= r->nb || i >= r->b[b].ncombos)
		return NULL;
	if (level != NULL)
		*level = r->b[b].combos[i].level;
	return r->b[b].combos[i].pattern;
}

/* The exact domain stanza of container c for canonical domain d, or NULL. */
static const struct rs_dom *
exact_for(const struct rs_cont *c, const char *d)
{
	size_t lo = 0, hi, mid;
	int cmp;

	if (c == NULL || d == NULL)
		return NULL;
	for (hi = c->ndoms; lo < hi;) {
		mid = lo + (hi - lo) / 2;
		if ((cmp = strcmp(d, c->doms[mid].name)) == 0)
			return &c->doms[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Set every field the layer has and that is still unset. */
static void
apply(struct tblw_policy *p, struct resolve_src *src, uint64_t *done,
    const struct rs_opts *o, int level)
{
	const struct rs_set *e, *end;
	struct tblw_field *t;

	for (e = o->v, end = o->v + o->n; e < end; e++) {
		if ((*done >> e->f & 1) || !e->valid)
			continue;
		t = &p->f[e->f];
		switch (fields[e->f].type) {
		case ECTLS_T_STR:
			t->str = e->u.str;
			break;
		case ECTLS_T_LIST:
			t->list = e->u.list;
			t->nlist = e->num;
			break;
		default:
			t->num = e->num;
			break;
		}
		t->file = e->n->loc.file != NULL ? e->n->loc.file->path : NULL;
		t->line = e->n->loc.line;
		t->level = level;
		*done |= (uint64_t)1 << e->f;
		if (src != NULL) {
			src->node[e->f] = e->n;
			src->level[e->f] = level;
		}
	}
}

/* Set the fields in `want` of *p and *src (may be NULL) from a full one. */
static void
copy_fields(struct tblw_policy *p, struct resolve_src *src,
    const struct tblw_policy *from, const struct resolve_src *fromsrc,
    uint64_t want)
{
	uint64_t w;
	int f;

	if (want == RESOLVE_ALL_FIELDS) {
		*p = *from;
		if (src != NULL)
			*src = *fromsrc;
		return;
	}
	p->protocols = from->protocols;
	for (w = want; w != 0; w &= w - 1) {
		f = __builtin_ctzll(w);
		p->f[f] = from->f[f];
		if (src != NULL) {
			src->node[f] = fromsrc->node[f];
			src->level[f] = fromsrc->level[f];
		}
	}
}

/*
 * The chain for a binding and the stanzas of each level (exact, regex;
 * NULL where none applies), for the fields in the set `want`.
 */
static void
flatten(const struct resolve *r, const struct rs_binding *rb,
    const struct rs_dom *const ex[3], const struct rs_dom *const rx[3],
    uint64_t want, struct tblw_policy *p, struct resolve_src *src)
{
	static const int lv[3] = { ECTLS_LVL_BD, ECTLS_LVL_GD, ECTLS_LVL_D };
	static const struct resolve_src nosrc;
	const struct rs_cont *b = rb != NULL ? rb->c : NULL;
	const struct rs_cont *g = rb != NULL ? rb->g : NULL;
	uint64_t done = ~want;	/* the others count as set */
	int l;

	want &= RESOLVE_ALL_FIELDS;
	/*
	 * Without top-level domain stanzas, the levels below B::D and G::D
	 * are the binding's base: start from it.
	 */
	if (rb != NULL && rb->base != NULL && ex[2] == NULL && rx[2] == NULL) {
		copy_fields(p, src, rb->base, rb->basesrc, want);
		for (l = 0; l < 2; l++) {
			if (ex[l] != NULL)
				apply(p, src, &done, &ex[l]->o, lv[l]);
			if (rx[l] != NULL)
				apply(p, src, &done, &rx[l]->o, lv[l]);
		}
		return;
	}
	copy_fields(p, src, &r->defaults, &nosrc, want);
	/* Within a level the exact stanza comes before the regex one. */
	for (l = 0; l < 3; l++) {
		if (l == 2) {
			if (b != NULL)
				apply(p, src, &done, &b->o, ECTLS_LVL_B);
			if (g != NULL)
				apply(p, src, &done, &g->o, ECTLS_LVL_G);
		}
		if (ex[l] != NULL)
			apply(p, src, &done, &ex[l]->o, lv[l]);
		if (rx[l] != NULL)
			apply(p, src, &done, &rx[l]->o, lv[l]);
	}
	apply(p, src, &done, &r->global->o, ECTLS_LVL_GLOBAL);
}

void
resolve_entry(const struct resolve *r, size_t b, enum resolve_kind kind,
    size_t i, struct tblw_policy *p, struct resolve_src *src)
{
	resolve_entry_fields(r, b, kind, i, RESOLVE_ALL_FIELDS, p, src);
}

void
resolve_entry_fields(const struct resolve *r, size_t b,
    enum resolve_kind kind, size_t i, uint64_t want, struct tblw_policy *p,
    struct resolve_src *src)
{
	const struct rs_binding *rb = b < r->nb ? &r->b[b] : NULL;
	const struct rs_dom *rx[3] = { NULL };
	const struct combo *c;
	int l;

	if (rb != NULL && kind == RESOLVE_DOMAIN && i < rb->npairs) {
		flatten(r, rb, rb->pairs[i].ex, rb->pairrx != NULL ?
		    rb->pairrx[i] : none, want, p, src);
		return;
	}
	if (rb != NULL && kind == RESOLVE_REGEX && i < rb->ncombos) {
		c = &rb->combos[i];
		for (l = 0; l < 3; l++)
			if (c->idx[l] >= 0)
				rx[l] = rb->rx[l][c->idx[l]];
	}
	flatten(r, rb, none, rx, want, p, src);
}

void
resolve_policy(const struct resolve *r, const char *binding,
    const char *domain, int regex, struct tblw_policy *p,
    struct resolve_src *src)
{
	const struct rs_binding *rb = NULL;
	const struct rs_cont *c[3];
	const struct rs_dom *ex[3] = { NULL };
	const struct rs_dom *rx[3] = { NULL };
	pcre2_match_data *md;
	char canon[1024];
	uintptr_t i;
	int l;

	/* An unknown binding is "default" (always present). */
	if ((i = (uintptr_t)strmap_get(&r->bidx, binding)) == 0)
		i = (uintptr_t)strmap_get(&r->bidx, "default");
	if (i != 0)
		rb = &r->b[i - 1];
	if (regex >= 0 && rb != NULL && (size_t)regex < rb->ncombos) {
		resolve_entry(r, (size_t)(rb - r->b), RESOLVE_REGEX,
		    (size_t)regex, p, src);
		return;
	}
	if (domain != NULL) {
		c[0] = rb != NULL ? rb->c : NULL;
		c[1] = rb != NULL ? rb->g : NULL;
		c[2] = r->global;
		resolve_canon_domain(canon, sizeof(canon), domain);
		if ((md = pcre2_match_data_create(1, NULL)) == NULL) {
			fputs("ectls: fatal error: out of memory\n", stderr);
			exit(2);
		}
		for (l = 0; l < 3; l++) {
			ex[l] = exact_for(c[l], canon);
			rx[l] = regex_for(c[l], canon, md);
		}
		pcre2_match_data_free(md);
	}
	flatten(r, rb, ex, rx, RESOLVE_ALL_FIELDS, p, src);
}

void
resolve_regex_desc(const struct resolve *r, size_t b, size_t i, char *buf,
    size_t size)
{
	static const char *const lvl[3] = { "B::D", "G::D", "D" };
	const struct combo *c;
	size_t o = 0;
	int l, n = 0;

	buf[0] = '\0';
	if (b >= r->nb || i >= r->b[b].ncombos)
		return;
	c = &r->b[b].combos[i];
	for (l = 0; l < 3 && o < size; l++) {
		if (c->idx[l] < 0)
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%s/%s/ (%s)",
		    n++ ? " and " : "", r->b[b].rx[l][c->idx[l]]->name, lvl[l]);
	}
}
