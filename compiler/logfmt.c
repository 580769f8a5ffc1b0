/* SPDX-License-Identifier: ISC */
/*
 * logfmt.c -- custom_logger formats and tls_macros: into the table
 * (logfmt_compile) and the log-tls-macros check (logfmt_check).  The rules
 * are in logfmt.h; the expansion is runtime/deliver/logfmt.c.
 */
#include <stddef.h>
#include <string.h>

#include "deliver/logfmt.h"
#include "logfmt.h"
#include "sema.h"

/* The formats ectls-deliver uses, in table-name order. */
static const char *const deliver_formats[] = {
	"delivery_format",
	"transient_failure_format",
	"permanent_failure_format",
};

/* Every custom_logger format option the check reads. */
static const char *const all_formats[] = {
	"delivery_format",
	"transient_failure_format",
	"permanent_failure_format",
	"reception_format",
	"xfer_format",
	"rejection_format",
};

#define NFORMATS	(sizeof(all_formats) / sizeof(all_formats[0]))

/* What one custom_logger stanza sets (last value of each option). */
struct logger {
	const struct ast_node	*scope;
	const struct ast_node	*fmt[NFORMATS];
	const struct ast_node	*ns;
};

/* What the top level holds. */
struct top {
	const struct ast_node	*tls_macros;	/* first tls_macros stanza */
	const struct ast_node	*logger;	/* compile: the chosen one */
	struct diag		*d;		/* check: the sink */
};

static const char *
str_value(const struct ast_node *n)
{
	if (n == NULL || n->value == NULL ||
	    (n->value->kind != AST_V_WORD && n->value->kind != AST_V_STRING))
		return NULL;
	return n->value->u.str;
}

/* Location of the content of an option's value (after the quote). */
static struct loc
value_loc(const struct ast_node *n)
{
	struct loc l = n->value->loc;

	if (n->value->kind == AST_V_STRING) {
		l.col++;
		l.off++;
		if (l.len >= 2)
			l.len -= 2;
	}
	return l;
}

static int
keyword_is(const struct ast_node *n, const char *kw)
{
	char low[64];

	sema_lower(low, sizeof(low), n->name);
	return strcmp(low, kw) == 0;
}

/*
 * The top-level stanzas, through includes: the first tls_macros into t,
 * and each custom_logger to fn (when fn is not NULL; fn returns 1 to stop).
 */
static int
walk_top(const struct ast_node *n, struct top *t,
    int (*fn)(struct top *, const struct ast_node *))
{
	for (; n != NULL; n = n->next) {
		if (n->kind == AST_FILE || n->kind == AST_INCLUDE) {
			if (walk_top(n->children, t, fn))
				return 1;
			continue;
		}
		if (n->kind != AST_SCOPE || (n->flags & AST_F_LEGACY))
			continue;
		if (keyword_is(n, "tls_macros")) {
			if (t->tls_macros == NULL)
				t->tls_macros = n;
		} else if (fn != NULL && keyword_is(n, "custom_logger") &&
		    fn(t, n)) {
			return 1;
		}
	}
	return 0;
}

/* The options of one custom_logger body, through includes. */
static void
collect_logger(const struct ast_node *n, struct logger *lg)
{
	size_t i;

	for (; n != NULL; n = n->next) {
		if (n->kind == AST_FILE || n->kind == AST_INCLUDE) {
			collect_logger(n->children, lg);
			continue;
		}
		if (n->kind != AST_OPTION || str_value(n) == NULL)
			continue;
		if (keyword_is(n, "namespace")) {
			lg->ns = n;
			continue;
		}
		for (i = 0; i < NFORMATS; i++)
			if (keyword_is(n, all_formats[i]))
				lg->fmt[i] = n;
	}
}

static void
logger_init(struct logger *lg, const struct ast_node *scope)
{
	memset(lg, 0, sizeof(*lg));
	lg->scope = scope;
	collect_logger(scope->children, lg);
}

/* The first custom_logger that sets a format ectls-deliver uses. */
static int
pick_logger(struct top *t, const struct ast_node *scope)
{
	struct logger lg;
	size_t k;

	logger_init(&lg, scope);
	for (k = 0; k < 3; k++)
		if (lg.fmt[k] != NULL) {
			t->logger = scope;
			return 1;
		}
	return 0;
}

int
logfmt_compile(const struct ast_node *root, struct tblw *w)
{
	struct top t;
	struct logger lg;
	size_t k;

	memset(&t, 0, sizeof(t));
	walk_top(root, &t, NULL);
	if (t.tls_macros != NULL && tblw_add_logformat(w, "tls_macros", "1") ==
	    -1)
		return -1;
	walk_top(root, &t, pick_logger);
	if (t.logger == NULL)
		return 0;
	logger_init(&lg, t.logger);
	/* all_formats[0..2] are deliver_formats[0..2]. */
	for (k = 0; k < 3; k++)
		if (lg.fmt[k] != NULL && tblw_add_logformat(w,
		    deliver_formats[k], str_value(lg.fmt[k])) == -1)
			return -1;
	if (lg.ns != NULL && tblw_add_logformat(w, "namespace",
	    str_value(lg.ns)) == -1)
		return -1;
	return 0;
}

static void
check_logger(const struct top *t, const struct logger *lg, struct diag *d)
{
	const char *ns = lg->ns != NULL ? str_value(lg->ns) : NULL;
	struct diag_item *it;
	struct loc l;
	char mac[64], kw[64];
	int ns_ok, loaded = t->tls_macros != NULL;
	size_t i;

	ns_ok = logfmt_namespace_has(ns, "outbound_tls");
	if (ns_ok && loaded)
		return;
	for (i = 0; i < NFORMATS; i++) {
		if (lg->fmt[i] == NULL ||
		    !logfmt_tls_macro(str_value(lg->fmt[i]), mac, sizeof(mac)))
			continue;
		sema_lower(kw, sizeof(kw), lg->fmt[i]->name);
		l = value_loc(lg->fmt[i]);
		it = diag_add(d, DIAG_WARNING, "log-tls-macros", &l,
		    "%s uses %s, which does not expand: %s", kw, mac,
		    !ns_ok && !loaded ? "the logger's namespace lacks "
		    "\"outbound_tls\" and tls_macros is not loaded" : !ns_ok ?
		    "the logger's namespace lacks \"outbound_tls\"" :
		    "tls_macros is not loaded");
		if (!ns_ok && lg->ns != NULL)
			diag_note(d, it, &lg->ns->loc, "namespace set here "
			    "without \"outbound_tls\" (the documentation calls "
			    "it critical for the tls_macros values)");
		else if (!ns_ok)
			diag_note(d, it, &lg->scope->loc, "this custom_logger "
			    "sets no namespace; the default "
			    "\"custom_logger,sieve\" lacks \"outbound_tls\"");
		if (!loaded)
			diag_note(d, it, NULL, "tls_macros is not loaded: add "
			    "\"tls_macros {}\" at the top level");
	}
}

static int
check_one(struct top *t, const struct ast_node *scope)
{
	struct logger lg;

	logger_init(&lg, scope);
	check_logger(t, &lg, t->d);
	return 0;
}

void
logfmt_check(const struct ast_node *root, struct diag *d)
{
	struct top t;

	memset(&t, 0, sizeof(t));
	walk_top(root, &t, NULL);
	t.d = d;
	walk_top(root, &t, check_one);
}
