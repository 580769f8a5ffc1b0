/* SPDX-License-Identifier: ISC */
/*
 * resolve.c -- the scope model of a configuration and the flattening of
 * the outbound policy (see resolve.h for the rules).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
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

/* The options set in one container: the last node per field wins. */
struct rs_opts {
	const struct ast_node	*f[ECTLS_NFIELDS];
	const char		**list[ECTLS_NFIELDS];	/* LIST fields */
	size_t			 nlist[ECTLS_NFIELDS];
};

struct rs_dom {
	char		*name;		/* canonical; regex: without slashes */
	int		 regex;
	pcre2_code	*re;		/* NULL if it does not compile */
	struct rs_opts	 o;
};

struct rs_cont {
	struct rs_opts	  o;
	struct strmap	  exact;	/* canonical name -> struct rs_dom */
	struct rs_dom	**doms;		/* every domain, declaration order */
	size_t		  ndoms;
	struct rs_dom	**rxs;		/* the regex ones, declaration order */
	size_t		  nrxs;
	char		 *group;	/* binding: its group, or NULL */
};

struct rs_binding {
	char		 *name;
	struct rs_cont	 *c;		/* NULL: undeclared "default" */
	char		**domains;	/* applicable exact domains, sorted */
	size_t		  ndomains;
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
};

#define MAX_COMBOS	1024

struct resolve {
	struct rs_cont	   global;
	struct strmap	   groups;	/* name -> struct rs_cont */
	struct strmap	   bindings;	/* name -> struct rs_cont */
	struct rs_binding *b;
	size_t		   nb, capb;
	struct strmap	   bidx;	/* binding name -> index + 1 */
	struct rs_cont	 **conts;	/* every container, for freeing */
	size_t		   nconts, capconts;
};

static const struct {
	const char	*name;
	int		 field;
	int		 type;
} fields[] = {
#define X(up, low, ty) { #low, ECTLS_F_##up, ECTLS_T_##ty },
	ECTLS_FIELDS(X)
#undef X
};

int
resolve_field(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcasecmp(fields[i].name, name) == 0)
			return fields[i].field;
	/* Momentum's name for the timeout after the final ".". */
	if (strcasecmp(name, "dot_timeout") == 0)
		return ECTLS_F_BODY_TIMEOUT;
	return -1;
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

static struct rs_cont *
cont_new(struct resolve *r)
{
	struct rs_cont *c = xcalloc(1, sizeof(*c));

	strmap_init(&c->exact);
	if (r->nconts == r->capconts) {
		r->capconts = r->capconts ? r->capconts * 2 : 16;
		r->conts = realloc(r->conts, r->capconts * sizeof(*r->conts));
		if (r->conts == NULL)
			abort();
	}
	r->conts[r->nconts++] = c;
	return c;
}

static void
opts_fini(struct rs_opts *o)
{
	size_t i;

	for (i = 0; i < ECTLS_NFIELDS; i++)
		free(o->list[i]);
}

static void
cont_free(struct rs_cont *c)
{
	size_t i;

	for (i = 0; i < c->ndoms; i++) {
		free(c->doms[i]->name);
		pcre2_code_free(c->doms[i]->re);
		opts_fini(&c->doms[i]->o);
		free(c->doms[i]);
	}
	free(c->doms);
	free(c->rxs);
	opts_fini(&c->o);
	strmap_fini(&c->exact);
	free(c->group);
	free(c);
}

static void
opts_set(struct rs_opts *o, const struct ast_node *n)
{
	const struct ast_value *v;
	int f;
	size_t k;

	if ((f = resolve_field(n->name)) < 0 || n->value == NULL)
		return;
	v = n->value;
	if (fields[f].type == ECTLS_T_LIST) {
		free(o->list[f]);
		o->list[f] = NULL;
		o->nlist[f] = 0;
		if (v->kind == AST_V_LIST) {
			o->list[f] = xcalloc(v->len + 1, sizeof(char *));
			for (v = v->u.items, k = 0; v != NULL; v = v->next)
				if (v->kind == AST_V_WORD ||
				    v->kind == AST_V_STRING)
					o->list[f][k++] = v->u.str;
			o->nlist[f] = k;
		} else if (v->kind == AST_V_WORD || v->kind == AST_V_STRING) {
			o->list[f] = xcalloc(2, sizeof(char *));
			o->list[f][0] = v->u.str;
			o->nlist[f] = 1;
		} else
			return;
	} else if (v->kind != AST_V_WORD && v->kind != AST_V_STRING)
		return;
	o->f[f] = n;
}

static struct rs_dom *
dom_get(struct rs_cont *c, const char *raw)
{
	struct rs_dom *d;
	char canon[1024];
	PCRE2_SIZE off;
	size_t n = strlen(raw);
	int ec, regex = sema_is_regex_domain(raw);

	if (regex) {
		if (n - 2 >= sizeof(canon))
			n = sizeof(canon) + 1;
		memcpy(canon, raw + 1, n - 2);
		canon[n - 2] = '\0';
	} else
		resolve_canon_domain(canon, sizeof(canon), raw);
	/* Repeated stanzas merge: the same regex text is the same stanza. */
	{
		char key[1100];

		snprintf(key, sizeof(key), "%c%s", regex ? '/' : '=', canon);
		if ((d = strmap_get(&c->exact, key)) != NULL)
			return d;
		d = xcalloc(1, sizeof(*d));
		d->name = xstrdup(canon);
		d->regex = regex;
		if (regex)
			d->re = pcre2_compile((PCRE2_SPTR)d->name,
			    PCRE2_ZERO_TERMINATED, PCRE2_CASELESS, &ec, &off,
			    NULL);
		strmap_add(&c->exact, key, d);
	}
	c->doms = realloc(c->doms, (c->ndoms + 1) * sizeof(*c->doms));
	if (c->doms == NULL)
		abort();
	c->doms[c->ndoms++] = d;
	if (regex) {
		c->rxs = realloc(c->rxs, (c->nrxs + 1) * sizeof(*c->rxs));
		if (c->rxs == NULL)
			abort();
		c->rxs[c->nrxs++] = d;
	}
	return d;
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
		r->b = realloc(r->b, r->capb * sizeof(*r->b));
		if (r->b == NULL)
			abort();
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
	struct rs_dom *d;
	char kw[64];

	for (; n != NULL; n = n->next) {
		switch (n->kind) {
		case AST_FILE:
		case AST_INCLUDE:
			build(r, n->children, opts, dc, group, in_domain);
			break;
		case AST_OPTION:
			if (opts != NULL)
				opts_set(opts, n);
			break;
		case AST_SCOPE:
			if (n->flags & AST_F_LEGACY || n->value == NULL ||
			    (n->value->kind != AST_V_WORD &&
			    n->value->kind != AST_V_STRING))
				break;
			sema_lower(kw, sizeof(kw), n->name);
			if (strcmp(kw, "domain") == 0 && dc != NULL &&
			    !in_domain) {
				d = dom_get(dc, n->value->u.str);
				build(r, n->children, &d->o, NULL, group, 1);
			} else if (strcmp(kw, "binding_group") == 0 &&
			    dc == &r->global) {
				c = named_cont(r, &r->groups, n->value->u.str);
				build(r, n->children, &c->o, c,
				    n->value->u.str, 0);
			} else if (strcmp(kw, "binding") == 0 &&
			    (dc == &r->global || group != NULL) && !in_domain &&
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

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add c's domains to the binding's lists (exact ones deduplicated later). */
static void
collect(struct rs_binding *b, const struct rs_cont *c, int slot)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ndoms; i++) {
		if (c->doms[i]->regex) {
			if (c->doms[i]->re == NULL)
				continue;	/* sema reported it */
			b->rx[slot] = realloc(b->rx[slot],
			    (b->nrx[slot] + 1) * sizeof(*b->rx[slot]));
			if (b->rx[slot] == NULL)
				abort();
			b->rx[slot][b->nrx[slot]++] = c->doms[i];
			continue;
		}
		if (c->doms[i]->name[0] == '\0')
			continue;	/* matches no recipient */
		b->domains = realloc(b->domains,
		    (b->ndomains + 1) * sizeof(*b->domains));
		if (b->domains == NULL)
			abort();
		b->domains[b->ndomains++] = c->doms[i]->name;
	}
}

static struct rs_cont *
group_of(const struct resolve *r, const struct rs_cont *b)
{
	if (b == NULL || b->group == NULL)
		return NULL;
	return strmap_get(&r->groups, b->group);
}

/* Append "(?=[\s\S]*?(?:P))" or its negation to a growing string. */
static void
cat_assert(char **buf, size_t *len, const char *pat, int neg)
{
	size_t n = strlen(pat) + 24;

	*buf = realloc(*buf, *len + n + 1);
	if (*buf == NULL)
		abort();
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

struct resolve *
resolve_new(const struct ast_node *root)
{
	struct resolve *r = xcalloc(1, sizeof(*r));
	struct rs_binding *b;
	size_t i, j, k;

	strmap_init(&r->global.exact);
	strmap_init(&r->groups);
	strmap_init(&r->bindings);
	strmap_init(&r->bidx);
	if (root != NULL)
		build(r, root->kind == AST_FILE ? root->children : root,
		    &r->global.o, &r->global, NULL, 0);
	add_binding(r, "default", strmap_get(&r->bindings, "default"));
	for (i = 0; i < r->nb; i++) {
		b = &r->b[i];
		collect(b, b->c, 0);
		collect(b, group_of(r, b->c), 1);
		collect(b, &r->global, 2);
		make_combos(b);
		if (b->ndomains > 1)
			qsort(b->domains, b->ndomains, sizeof(*b->domains),
			    str_cmp);
		for (j = k = 0; j < b->ndomains; j++)
			if (k == 0 || strcmp(b->domains[k - 1],
			    b->domains[j]) != 0)
				b->domains[k++] = b->domains[j];
		b->ndomains = k;
	}
	return r;
}

void
resolve_free(struct resolve *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->nb; i++) {
		free(r->b[i].name);
		free(r->b[i].domains);
		for (j = 0; j < 3; j++)
			free(r->b[i].rx[j]);
		for (j = 0; j < r->b[i].ncombos; j++)
			free(r->b[i].combos[j].pattern);
		free(r->b[i].combos);
	}
	free(r->b);
	for (i = 0; i < r->nconts; i++)
		cont_free(r->conts[i]);
	free(r->conts);
	strmap_fini(&r->groups);
	strmap_fini(&r->bindings);
	strmap_fini(&r->bidx);
	{
		/* The global container is embedded, not in conts[]. */
		struct rs_cont *g = &r->global;

		for (i = 0; i < g->ndoms; i++) {
			free(g->doms[i]->name);
			pcre2_code_free(g->doms[i]->re);
			opts_fini(&g->doms[i]->o);
			free(g->doms[i]);
		}
		free(g->doms);
		free(g->rxs);
		opts_fini(&g->o);
		strmap_fini(&g->exact);
	}
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
	return b < r->nb ? r->b[b].ndomains : 0;
}

const char *
resolve_domain(const struct resolve *r, size_t b, size_t i)
{
	return b < r->nb && i < r->b[b].ndomains ? r->b[b].domains[i] : NULL;
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
	char key[1100];

	if (c == NULL || d == NULL)
		return NULL;
	snprintf(key, sizeof(key), "=%s", d);
	return strmap_get(&c->exact, key);
}

/* The first regex stanza of container c matching d, or NULL. */
static const struct rs_dom *
regex_for(const struct rs_cont *c, const char *d)
{
	pcre2_match_data *md;
	size_t i;
	int rc;

	if (c == NULL || d == NULL)
		return NULL;
	for (i = 0; i < c->nrxs; i++) {
		if (c->rxs[i]->re == NULL)
			continue;
		md = pcre2_match_data_create_from_pattern(c->rxs[i]->re, NULL);
		if (md == NULL)
			abort();
		rc = pcre2_match(c->rxs[i]->re, (PCRE2_SPTR)d,
		    PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
		pcre2_match_data_free(md);
		if (rc >= 0)
			return c->rxs[i];
	}
	return NULL;
}

/* Set every field the layer has and that is still unset. */
static void
apply(struct tblw_policy *p, struct resolve_src *src, int *done,
    const struct rs_opts *o, int level)
{
	const struct ast_node *n;
	const char *s;
	int f, b;

	if (o == NULL)
		return;
	for (f = 0; f < ECTLS_NFIELDS; f++) {
		if (done[f] || (n = o->f[f]) == NULL)
			continue;
		s = n->value->u.str;
		switch (fields[f].type) {
		case ECTLS_T_BOOL:
			if (!opt_parse_bool(s, &b))
				continue;
			p->f[f].num = (uint32_t)b;
			break;
		case ECTLS_T_ENUM:
			if (f == ECTLS_F_TLS) {
				if (strcasecmp(s, "no") == 0)
					p->f[f].num = ECTLS_TLS_NO;
				else if (strcasecmp(s, "ifavailable") == 0)
					p->f[f].num = ECTLS_TLS_IFAVAILABLE;
				else if (strcasecmp(s, "required") == 0)
					p->f[f].num = ECTLS_TLS_REQUIRED;
				else
					continue;
			} else if (f == ECTLS_F_TLS_VERIFY) {
				if (strcasecmp(s, "no") == 0)
					p->f[f].num = ECTLS_VERIFY_NO;
				else if (strcasecmp(s, "ca") == 0)
					p->f[f].num = ECTLS_VERIFY_CA;
				else if (strcasecmp(s, "host") == 0)
					p->f[f].num = ECTLS_VERIFY_HOST;
				else if (strcasecmp(s, "optional") == 0)
					p->f[f].num = ECTLS_VERIFY_OPTIONAL;
				else
					continue;
			} else if (f == ECTLS_F_TLS_ENGINE) {
				if (strcasecmp(s, "openssl") == 0)
					p->f[f].num = ECTLS_ENGINE_OPENSSL;
				else if (strcasecmp(s, "gnutls") == 0)
					p->f[f].num = ECTLS_ENGINE_GNUTLS;
				else
					continue;
			}
			break;
		case ECTLS_T_UINT: {
			char *end;
			unsigned long v = strtoul(s, &end, 10);

			if (*s == '\0' || *end != '\0' || v > UINT32_MAX)
				continue;
			p->f[f].num = (uint32_t)v;
			break;
		}
		case ECTLS_T_STR:
			/* "none" cancels an inherited certificate. */
			if (f == ECTLS_F_TLS_CERTIFICATE &&
			    strcasecmp(s, "none") == 0)
				p->f[f].str = NULL;
			else
				p->f[f].str = s;
			break;
		case ECTLS_T_LIST:
			p->f[f].list = o->list[f];
			p->f[f].nlist = o->nlist[f];
			break;
		}
		p->f[f].file = n->loc.file != NULL ? n->loc.file->path : NULL;
		p->f[f].line = n->loc.line;
		p->f[f].level = level;
		done[f] = 1;
		if (src != NULL) {
			src->node[f] = n;
			src->level[f] = level;
		}
	}
}

void
resolve_policy(const struct resolve *r, const char *binding,
    const char *domain, int regex, struct tblw_policy *p,
    struct resolve_src *src)
{
	const struct rs_binding *rb = NULL;
	const struct rs_cont *b = NULL, *g;
	/* Per level (B::, G::, global): the exact and the regex stanza. */
	const struct rs_dom *ex[3] = { NULL }, *rx[3] = { NULL };
	const struct combo *c;
	char canon[1024];
	int done[ECTLS_NFIELDS] = { 0 }, l;
	size_t i;

	tblw_policy_init(p);
	if (src != NULL)
		memset(src, 0, sizeof(*src));
	/* An unknown binding is "default" (always present). */
	if ((i = (uintptr_t)strmap_get(&r->bidx, binding)) == 0)
		i = (uintptr_t)strmap_get(&r->bidx, "default");
	if (i != 0)
		rb = &r->b[i - 1];
	b = rb != NULL ? rb->c : NULL;
	g = group_of(r, b);
	if (regex >= 0 && rb != NULL && (size_t)regex < rb->ncombos) {
		c = &rb->combos[regex];
		for (l = 0; l < 3; l++)
			if (c->idx[l] >= 0)
				rx[l] = rb->rx[l][c->idx[l]];
	} else if (domain != NULL) {
		resolve_canon_domain(canon, sizeof(canon), domain);
		ex[0] = exact_for(b, canon);
		ex[1] = exact_for(g, canon);
		ex[2] = exact_for(&r->global, canon);
		rx[0] = regex_for(b, canon);
		rx[1] = regex_for(g, canon);
		rx[2] = regex_for(&r->global, canon);
	}
	/* Within a level the exact stanza comes before the regex one. */
	apply(p, src, done, ex[0] != NULL ? &ex[0]->o : NULL, ECTLS_LVL_BD);
	apply(p, src, done, rx[0] != NULL ? &rx[0]->o : NULL, ECTLS_LVL_BD);
	apply(p, src, done, ex[1] != NULL ? &ex[1]->o : NULL, ECTLS_LVL_GD);
	apply(p, src, done, rx[1] != NULL ? &rx[1]->o : NULL, ECTLS_LVL_GD);
	apply(p, src, done, b != NULL ? &b->o : NULL, ECTLS_LVL_B);
	apply(p, src, done, g != NULL ? &g->o : NULL, ECTLS_LVL_G);
	apply(p, src, done, ex[2] != NULL ? &ex[2]->o : NULL, ECTLS_LVL_D);
	apply(p, src, done, rx[2] != NULL ? &rx[2]->o : NULL, ECTLS_LVL_D);
	apply(p, src, done, &r->global.o, ECTLS_LVL_GLOBAL);
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
