/* SPDX-License-Identifier: ISC */
/*
 * schema.c -- load options.xml (and extra files) into plain C tables.
 *
 * Together with the other files in schema/, the only code that includes
 * libxml2.  Documents are parsed with XML_PARSE_NONET and never with
 * XML_PARSE_NOENT or XML_PARSE_DTDLOAD; while a document is loaded the
 * external entity loader refuses everything and documents with a DOCTYPE
 * are rejected, so no external entity is ever read.  libxml2 reports go to
 * the diag sink through structured error handlers, which are restored
 * afterwards: libxml2 never prints on its own.  Library code: never prints,
 * never exits.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlversion.h>

#include "diag.h"
#include "schema.h"
#include "sha256.h"

/* Generated at build time from schema/options.{xml,xsd} (schema/module.mk). */
extern const unsigned char	schema_embedded_xml[];
extern const size_t		schema_embedded_xml_len;
extern const unsigned char	schema_embedded_xsd[];
extern const size_t		schema_embedded_xsd_len;

#define DEFAULT_XML_NAME	"schema/options.xml"
#define DEFAULT_XSD_NAME	"schema/options.xsd"
#define MAX_SCHEMA_FILE		(16u * 1024 * 1024)
#define MAX_NAME		128

/* An option entry and what it owns; spec is what callers see. */
struct opt_ent {
	struct opt_spec	 spec;
	char		**decl;		/* scopes as declared */
	size_t		 ndecl;
	char		**exp;		/* spec.scopes (expanded) */
	size_t		 nexp;
	char		**vals;		/* spec.values */
	size_t		 nvals;
	/* name, default, since, module, replacement, desc, doc, file */
	char		*str[10];
	unsigned long	 seq;		/* definition order */
};

struct scope_ent {
	struct scope_spec spec;
	char		**par;
	size_t		 npar;
	char		*str[5];	/* name since desc doc file */
};

struct schema {
	struct opt_ent	**opts;
	size_t		 nopts;
	struct scope_ent **scopes;
	size_t		 nscopes;
	unsigned long	 seq;
	uint8_t		 digest[32];
	char		 hex[65];
};

static const char *const type_names[OPT_T_COUNT] = {
	[OPT_T_BOOL] = "bool",
	[OPT_T_INT] = "int",
	[OPT_T_OCTAL] = "octal",
	[OPT_T_FLOAT] = "float",
	[OPT_T_STRING] = "string",
	[OPT_T_PATH] = "path",
	[OPT_T_ENUM] = "enum",
	[OPT_T_LIST] = "list",
	[OPT_T_DICT] = "dict",
	[OPT_T_HOSTPORT] = "hostport",
	[OPT_T_THROTTLE] = "throttle",
	[OPT_T_DURATION] = "duration",
	[OPT_T_SIZE] = "size",
	[OPT_T_TOKENS] = "tokens",
	[OPT_T_ANY] = "any",
};

const char *
opt_type_name(enum opt_type t)
{
	if ((unsigned)t >= OPT_T_COUNT)
		return "?";
	return type_names[t];
}

const char *
opt_engine_name(enum opt_engine e)
{
	switch (e) {
	case OPT_ENGINE_OPENSSL:
		return "openssl";
	case OPT_ENGINE_GNUTLS:
		return "gnutls";
	case OPT_ENGINE_BOTH:
		return "both";
	case OPT_ENGINE_NONE:
		break;
	}
	return "";
}

const char *
scope_instance_name(enum scope_instance i)
{
	switch (i) {
	case SCOPE_INST_OPTIONAL:
		return "optional";
	case SCOPE_INST_REQUIRED:
		return "required";
	case SCOPE_INST_NONE:
		break;
	}
	return "none";
}

/* ---- small helpers ------------------------------------------------------ */

static char *
sdup(const char *s)
{
	size_t n;
	char *p;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	if ((p = malloc(n)) != NULL)
		memcpy(p, s, n);
	return p;
}

static int
ci_eq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* Fold s into buf (lower case); 0, or -1 if it does not fit. */
static int
fold(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i + 1 >= len)
			return -1;
		buf[i] = (char)tolower((unsigned char)s[i]);
	}
	buf[i] = '\0';
	return 0;
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Split s on spaces into a new vector; NULL on ENOMEM. */
static char **
split_words(const char *s, size_t *n)
{
	char **v = NULL, **nv;
	const char *p, *q;
	size_t k = 0;

	*n = 0;
	for (p = s; *p != '\0'; p = q) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\0')
			break;
		for (q = p; *q != '\0' && *q != ' ' && *q != '\t' &&
		    *q != '\n' && *q != '\r'; q++)
			;
		if ((nv = realloc(v, (k + 1) * sizeof(*v))) == NULL)
			goto fail;
		v = nv;
		if ((v[k] = malloc((size_t)(q - p) + 1)) == NULL)
			goto fail;
		memcpy(v[k], p, (size_t)(q - p));
		v[k][q - p] = '\0';
		k++;
	}
	if (v == NULL && (v = malloc(sizeof(*v))) == NULL)
		return NULL;
	*n = k;
	return v;
fail:
	strv_free(v, k);
	return NULL;
}

/* ---- entries ------------------------------------------------------------ */

static void
opt_ent_free(struct opt_ent *o)
{
	size_t i;

	if (o == NULL)
		return;
	strv_free(o->decl, o->ndecl);
	strv_free(o->exp, o->nexp);
	strv_free(o->vals, o->nvals);
	for (i = 0; i < sizeof(o->str) / sizeof(o->str[0]); i++)
		free(o->str[i]);
	free(o);
}

static void
scope_ent_free(struct scope_ent *s)
{
	size_t i;

	if (s == NULL)
		return;
	strv_free(s->par, s->npar);
	for (i = 0; i < sizeof(s->str) / sizeof(s->str[0]); i++)
		free(s->str[i]);
	free(s);
}

void
schema_free(struct schema *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nopts; i++)
		opt_ent_free(s->opts[i]);
	for (i = 0; i < s->nscopes; i++)
		scope_ent_free(s->scopes[i]);
	free(s->opts);
	free(s->scopes);
	free(s);
}

/* ---- checking scalar values --------------------------------------------- */

static const char *const bool_words[] = {
	"true", "false", "yes", "no", "on", "off", "enabled", "disabled",
	"1", "0"
};

int
opt_parse_bool(const char *s, int *val)
{
	size_t i;

	for (i = 0; i < sizeof(bool_words) / sizeof(bool_words[0]); i++)
		if (ci_eq(s, bool_words[i])) {
			if (val != NULL)
				*val = (i % 2) == 0;
			return 1;
		}
	return 0;
}

static int
why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* "a, b, c" of the values, cut at about len bytes. */
static void
values_list(const struct opt_spec *o, char *buf, size_t len)
{
	size_t i, used = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < o->nvalues; i++) {
		n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
		    o->values[i]);
		if (n < 0 || (size_t)n >= len - used) {
			if (len > 4)
				strcpy(buf + len - 4, "...");
			return;
		}
		used += (size_t)n;
	}
}

static int
is_keyword(const struct opt_spec *o, const char *v)
{
	size_t i;

	for (i = 0; i < o->nvalues; i++)
		if (ci_eq(v, o->values[i]))
			return 1;
	return 0;
}

/*
 * Strict decimal integer: an optional sign, then digits only.  Returns 0,
 * -1 on bad syntax, -2 when out of the int64_t range.
 */
static int
parse_i64(const char *s, int64_t *out)
{
	const char *p = s;
	long long v;
	char *end;

	if (*p == '-' || *p == '+')
		p++;
	if (*p == '\0')
		return -1;
	for (; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -2;
	*out = v;
	return 0;
}

static int
parse_octal(const char *s, int64_t *out)
{
	const char *p;
	int64_t v = 0;

	if (s[0] != '0')
		return -1;
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '7')
			return -1;
		if (v > (INT64_MAX >> 3))
			return -2;
		v = v * 8 + (*p - '0');
	}
	*out = v;
	return 0;
}

static int
parse_f64(const char *s, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

static int
check_range_i(const struct opt_spec *o, int64_t v, const char *what,
    char *why, size_t whylen)
{
	int lo = (o->flags & OPT_F_HAS_MIN) && v < o->imin;
	int hi = (o->flags & OPT_F_HAS_MAX) && v > o->imax;
	char val[64], lim[80];

	if (!lo && !hi)
		return 0;
	if (o->type == OPT_T_OCTAL)
		snprintf(val, sizeof(val), "%s 0%" PRIo64, what, v);
	else
		snprintf(val, sizeof(val), "%s %" PRId64, what, v);
	if (o->type == OPT_T_OCTAL) {
		if ((o->flags & OPT_F_HAS_MIN) && (o->flags & OPT_F_HAS_MAX))
			snprintf(lim, sizeof(lim), "out of range 0%" PRIo64
			    "..0%" PRIo64, o->imin, o->imax);
		else if (lo)
			snprintf(lim, sizeof(lim),
			    "below the minimum 0%" PRIo64, o->imin);
		else
			snprintf(lim, sizeof(lim),
			    "above the maximum 0%" PRIo64, o->imax);
	} else if ((o->flags & OPT_F_HAS_MIN) && (o->flags & OPT_F_HAS_MAX))
		snprintf(lim, sizeof(lim), "out of range %" PRId64 "..%" PRId64,
		    o->imin, o->imax);
	else if (lo)
		snprintf(lim, sizeof(lim), "below the minimum %" PRId64,
		    o->imin);
	else
		snprintf(lim, sizeof(lim), "above the maximum %" PRId64,
		    o->imax);
	return why_set(why, whylen, "%s %s", val, lim);
}

static int
check_port(const char *p, char *why, size_t whylen, const char *value)
{
	int64_t port;

	if (parse_i64(p, &port) != 0 || p[0] == '-' || p[0] == '+' ||
	    port < 1 || port > 65535)
		return why_set(why, whylen,
		    "invalid port \"%s\" in \"%s\" (expected 1..65535)", p,
		    value);
	return 0;
}

static int
host_char(int c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_';
}

static int
check_hostport(const char *v, char *why, size_t whylen)
{
	const char *p, *colon;
	size_t ncolon = 0;

	if (*v == '\0')
		return why_set(why, whylen, "empty host");
	if (*v == '[') {
		if ((p = strchr(v, ']')) == NULL || p == v + 1)
			return why_set(why, whylen,
			    "unterminated \"[\" in \"%s\" (expected "
			    "[IPv6]:port)", v);
		for (colon = v + 1; colon < p; colon++)
			if (!isxdigit((unsigned char)*colon) && *colon != ':' &&
			    *colon != '.')
				return why_set(why, whylen,
				    "invalid IPv6 address in \"%s\"", v);
		if (p[1] == '\0')
			return 0;
		if (p[1] != ':')
			return why_set(why, whylen,
			    "expected \":port\" after \"]\" in \"%s\"", v);
		return check_port(p + 2, why, whylen, v);
	}
	for (p = v; *p != '\0'; p++)
		if (*p == ':')
			ncolon++;
	if (ncolon >= 2) {
		/* A bare IPv6 address: no port possible without brackets. */
		for (p = v; *p != '\0'; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' &&
			    *p != '.')
				return why_set(why, whylen, "invalid address "
				    "\"%s\" (write IPv6 with a port as "
				    "[addr]:port)", v);
		return 0;
	}
	p = v;
	if (*p == '#')	/* a domain stanza name such as "#spe_relay" */
		p++;
	if (*p == '\0' || *p == ':')
		return why_set(why, whylen, "missing host in \"%s\"", v);
	colon = strchr(p, ':');
	for (; *p != '\0' && p != colon; p++)
		if (!host_char((unsigned char)*p))
			return why_set(why, whylen,
			    "invalid character '%c' in host \"%s\"", *p, v);
	if (colon == NULL)
		return 0;
	return check_port(colon + 1, why, whylen, v);
}

static int
check_throttle(const char *v, char *why, size_t whylen)
{
	const char *slash = strchr(v, '/');
	char num[32];
	int64_t n, sec;
	size_t len;

	len = slash ? (size_t)(slash - v) : strlen(v);
	if (len == 0 || len >= sizeof(num))
		goto bad;
	memcpy(num, v, len);
	num[len] = '\0';
	if (num[0] == '-' || num[0] == '+' || parse_i64(num, &n) != 0)
		goto bad;
	if (slash != NULL) {
		if (slash[1] == '-' || slash[1] == '+' ||
		    parse_i64(slash + 1, &sec) != 0)
			goto bad;
		if (sec < 1)
			return why_set(why, whylen,
			    "throttle \"%s\": the period must be at least "
			    "1 second", v);
	}
	return 0;
bad:
	return why_set(why, whylen,
	    "expected a throttle \"N\" or \"N/S\" (N per S seconds), "
	    "got \"%s\"", v);
}

static int
check_tokens(const struct opt_spec *o, const char *v, char *why, size_t whylen)
{
	char tok[MAX_NAME], list[256];
	const char *p = v, *q;
	size_t len, i;

	/* ":ALL:-SSLv3" is documented (Momentum 3): accept a leading ':'. */
	if (*p == ':')
		p++;
	if (*p == '\0')
		return why_set(why, whylen, "empty token list");
	for (;; p = q + 1) {
		q = strchr(p, ':');
		len = q ? (size_t)(q - p) : strlen(p);
		if (len > 0 && (*p == '+' || *p == '-' || *p == '!')) {
			p++;
			len--;
		}
		if (len == 0)
			return why_set(why, whylen, "empty item in \"%s\"", v);
		if (len >= sizeof(tok))
			return why_set(why, whylen, "item too long in \"%s\"",
			    v);
		memcpy(tok, p, len);
		tok[len] = '\0';
		for (i = 0; i < o->nvalues; i++)
			if (ci_eq(tok, o->values[i]))
				break;
		if (i == o->nvalues) {
			values_list(o, list, sizeof(list));
			return why_set(why, whylen,
			    "unknown token \"%s\" (expected %s)", tok, list);
		}
		if (q == NULL)
			break;
	}
	return 0;
}

int
opt_check_scalar(const struct opt_spec *o, const char *v, char *why,
    size_t whylen)
{
	char list[256];
	int64_t i;
	double f;
	int rc;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (o->type != OPT_T_ENUM && o->type != OPT_T_TOKENS &&
	    o->type != OPT_T_LIST && o->type != OPT_T_DICT && is_keyword(o, v))
		return 0;
	switch (o->type) {
	case OPT_T_BOOL:
		if (opt_parse_bool(v, NULL))
			return 0;
		return why_set(why, whylen, "expected a boolean (true/false, "
		    "yes/no, on/off, enabled/disabled, 1/0), got \"%s\"", v);
	case OPT_T_INT:
	case OPT_T_DURATION:
	case OPT_T_SIZE:
		rc = parse_i64(v, &i);
		if (rc == -2)
			return why_set(why, whylen,
			    "integer \"%s\" out of range", v);
		if (rc != 0) {
			if (o->nvalues > 0) {
				values_list(o, list, sizeof(list));
				return why_set(why, whylen,
				    "expected %s or %s, got \"%s\"",
				    o->type == OPT_T_DURATION ? "seconds" :
				    o->type == OPT_T_SIZE ? "a size in bytes" :
				    "an integer", list, v);
			}
			return why_set(why, whylen, "expected %s, got \"%s\"",
			    o->type == OPT_T_DURATION ?
			    "a number of seconds" : o->type == OPT_T_SIZE ?
			    "a size in bytes" : "an integer", v);
		}
		return check_range_i(o, i,
		    o->type == OPT_T_DURATION ? "duration" :
		    o->type == OPT_T_SIZE ? "size" : "integer", why, whylen);
	case OPT_T_OCTAL:
		rc = parse_octal(v, &i);
		if (rc != 0)
			return why_set(why, whylen, "expected an octal mode "
			    "with a leading 0 (e.g. 0640), got \"%s\"", v);
		return check_range_i(o, i, "mode", why, whylen);
	case OPT_T_FLOAT:
		if (parse_f64(v, &f) != 0)
			return why_set(why, whylen,
			    "expected a number, got \"%s\"", v);
		if ((o->flags & OPT_F_HAS_MIN) && f < o->fmin)
			return why_set(why, whylen,
			    "number %s below the minimum %g", v, o->fmin);
		if ((o->flags & OPT_F_HAS_MAX) && f > o->fmax)
			return why_set(why, whylen,
			    "number %s above the maximum %g", v, o->fmax);
		return 0;
	case OPT_T_PATH:
		if (*v == '\0')
			return why_set(why, whylen, "empty path");
		return 0;
	case OPT_T_ENUM:
		if (is_keyword(o, v))
			return 0;
		values_list(o, list, sizeof(list));
		return why_set(why, whylen,
		    "unknown value \"%s\" (expected %s)", v, list);
	case OPT_T_LIST:
		if (o->nvalues == 0 || is_keyword(o, v))
			return 0;
		values_list(o, list, sizeof(list));
		return why_set(why, whylen, "unknown item \"%s\" (expected %s)",
		    v, list);
	case OPT_T_DICT:
		return why_set(why, whylen,
		    "expected a dictionary [ key = value ... ], got \"%s\"", v);
	case OPT_T_HOSTPORT:
		return check_hostport(v, why, whylen);
	case OPT_T_THROTTLE:
		return check_throttle(v, why, whylen);
	case OPT_T_TOKENS:
		return check_tokens(o, v, why, whylen);
	case OPT_T_STRING:
	case OPT_T_ANY:
		return 0;
	}
	return why_set(why, whylen, "unknown type");
}

/* ---- lookups ------------------------------------------------------------ */

static int
cmp_opt_name(const void *key, const void *elem)
{
	const struct opt_ent *o = *(struct opt_ent *const *)elem;

	return strcmp(key, o->spec.name);
}

static int
cmp_scope_name(const void *key, const void *elem)
{
	const struct scope_ent *s = *(struct scope_ent *const *)elem;

	return strcmp(key, s->spec.name);
}

/* Index of the first entry named name (any case) and the count; -1 if none. */
static int
find_opts(const struct schema *s, const char *name, size_t *first, size_t *n)
{
	struct opt_ent *const *hit;
	char key[MAX_NAME];
	size_t f, l;

	if (s == NULL || s->nopts == 0 || name == NULL ||
	    fold(name, key, sizeof(key)) == -1)
		return -1;
	hit = bsearch(key, s->opts, s->nopts, sizeof(*s->opts), cmp_opt_name);
	if (hit == NULL)
		return -1;
	f = l = (size_t)(hit - s->opts);
	while (f > 0 && strcmp(s->opts[f - 1]->spec.name, key) == 0)
		f--;
	while (l + 1 < s->nopts && strcmp(s->opts[l + 1]->spec.name, key) == 0)
		l++;
	*first = f;
	*n = l - f + 1;
	return 0;
}

const struct opt_spec *
schema_option_variants(const struct schema *s, const char *name, size_t *n)
{
	size_t first, cnt;

	if (find_opts(s, name, &first, &cnt) == -1) {
		if (n != NULL)
			*n = 0;
		return NULL;
	}
	if (n != NULL)
		*n = cnt;
	return &s->opts[first]->spec;
}

const struct opt_spec *
schema_option(const struct schema *s, const char *name)
{
	return schema_option_variants(s, name, NULL);
}

const struct opt_spec *
schema_option_in(const struct schema *s, const char *name, const char *scope)
{
	size_t first, n, i;

	if (find_opts(s, name, &first, &n) == -1)
		return NULL;
	for (i = first; i < first + n; i++)
		if (opt_allowed_in(&s->opts[i]->spec, scope))
			return &s->opts[i]->spec;
	return NULL;
}

const struct scope_spec *
schema_scope(const struct schema *s, const char *name)
{
	struct scope_ent *const *hit;
	char key[MAX_NAME];

	if (s == NULL || s->nscopes == 0 || name == NULL ||
	    fold(name, key, sizeof(key)) == -1)
		return NULL;
	hit = bsearch(key, s->scopes, s->nscopes, sizeof(*s->scopes),
	    cmp_scope_name);
	return hit ? &(*hit)->spec : NULL;
}

size_t
schema_noptions(const struct schema *s)
{
	return s ? s->nopts : 0;
}

const struct opt_spec *
schema_option_at(const struct schema *s, size_t i)
{
	return s && i < s->nopts ? &s->opts[i]->spec : NULL;
}

size_t
schema_nscopes(const struct schema *s)
{
	return s ? s->nscopes : 0;
}

const struct scope_spec *
schema_scope_at(const struct schema *s, size_t i)
{
	return s && i < s->nscopes ? &s->scopes[i]->spec : NULL;
}

static int
in_sorted(const char *const *v, size_t n, const char *name)
{
	char key[MAX_NAME];
	const char *kp = key;

	if (n == 0 || name == NULL || fold(name, key, sizeof(key)) == -1)
		return 0;
	return bsearch(&kp, v, n, sizeof(*v), cmp_strp) != NULL;
}

int
opt_allowed_in(const struct opt_spec *o, const char *scope)
{
	return o != NULL && in_sorted(o->scopes, o->nscopes, scope);
}

int
scope_allowed_in(const struct scope_spec *s, const char *parent)
{
	return s != NULL && in_sorted(s->parents, s->nparents, parent);
}

/*
 * Case-insensitive optimal-string-alignment distance (Levenshtein plus
 * transposition of adjacent characters), or cap + 1 once it exceeds cap.
 */
static size_t
edit_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), i, j, best, v;
	size_t r0[MAX_NAME + 1], r1[MAX_NAME + 1], r2[MAX_NAME + 1];
	size_t *pp = r0, *p = r1, *c = r2, *t;
	int ai, bj;

	if (la > MAX_NAME || lb > MAX_NAME)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (j = 0; j <= lb; j++)
		p[j] = j;
	for (i = 1; i <= la; i++) {
		c[0] = i;
		best = c[0];
		ai = tolower((unsigned char)a[i - 1]);
		for (j = 1; j <= lb; j++) {
			bj = tolower((unsigned char)b[j - 1]);
			v = p[j - 1] + (ai != bj);
			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    ai == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == bj &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
		t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[lb];
}

/* Allowed distance for a query of n chars: 1 up to 4, then n/3, at most 4. */
static size_t
suggest_cap(size_t n)
{
	size_t c = n <= 4 ? 1 : n / 3;

	return c > 4 ? 4 : c;
}

/* The name among n (by nth) closest to `name`, within suggest_cap(). */
static const char *
suggest(const char *name, const struct schema *s, size_t n,
    const char *(*nth)(const struct schema *, size_t))
{
	size_t i, d, bestd, cap;
	const char *best = NULL, *cand;

	if (s == NULL || name == NULL || *name == '\0')
		return NULL;
	cap = suggest_cap(strlen(name));
	bestd = cap + 1;
	for (i = 0; i < n; i++) {
		cand = nth(s, i);
		d = edit_distance(name, cand, cap);
		if (d < bestd && !ci_eq(name, cand)) {
			bestd = d;
			best = cand;
		}
	}
	return best;
}

static const char *
nth_option(const struct schema *s, size_t i)
{
	return s->opts[i]->spec.name;
}

static const char *
nth_scope(const struct schema *s, size_t i)
{
	return s->scopes[i]->spec.name;
}

const char *
schema_suggest_option(const struct schema *s, const char *name)
{
	return suggest(name, s, s != NULL ? s->nopts : 0, nth_option);
}

const char *
schema_suggest_scope(const struct schema *s, const char *name)
{
	return suggest(name, s, s != NULL ? s->nscopes : 0, nth_scope);
}

/* ---- canonical form and hash -------------------------------------------- */

struct sbuf {
	char	*p;
	size_t	 len, cap;
	int	 oom;
};

static void
sb_add(struct sbuf *b, const void *data, size_t n)
{
	char *np;
	size_t ncap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 4096;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* A field: " LEN:BYTES", or " -" for NULL. */
static void
sb_field(struct sbuf *b, const char *s)
{
	char num[32];
	int n;

	if (s == NULL) {
		sb_add(b, " -", 2);
		return;
	}
	n = snprintf(num, sizeof(num), " %zu:", strlen(s));
	sb_add(b, num, (size_t)n);
	sb_add(b, s, strlen(s));
}

static void
sb_num(struct sbuf *b, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	sb_field(b, num);
}

static void
sb_strv(struct sbuf *b, const char *const *v, size_t n)
{
	size_t i;

	sb_num(b, (long long)n);
	for (i = 0; i < n; i++)
		sb_field(b, v[i]);
}

int
schema_canonical(const struct schema *s, char **out, size_t *len)
{
	struct sbuf b = { 0 };
	char num[64];
	size_t i;

	sb_add(&b, "ectls-schema 1\n", 15);
	for (i = 0; i < s->nscopes; i++) {
		const struct scope_spec *c = &s->scopes[i]->spec;

		sb_add(&b, "scope", 5);
		sb_field(&b, c->name);
		sb_field(&b, scope_instance_name(c->instance));
		sb_strv(&b, c->parents, c->nparents);
		sb_num(&b, c->module);
		sb_field(&b, c->since);
		sb_field(&b, c->desc);
		sb_field(&b, c->doc);
		sb_add(&b, "\n", 1);
	}
	for (i = 0; i < s->nopts; i++) {
		const struct opt_ent *e = s->opts[i];
		const struct opt_spec *o = &e->spec;

		sb_add(&b, "option", 6);
		sb_field(&b, o->name);
		sb_field(&b, opt_type_name(o->type));
		sb_num(&b, o->flags);
		if (o->type == OPT_T_FLOAT) {
			snprintf(num, sizeof(num), "%.17g", o->fmin);
			sb_field(&b, o->flags & OPT_F_HAS_MIN ? num : NULL);
			snprintf(num, sizeof(num), "%.17g", o->fmax);
			sb_field(&b, o->flags & OPT_F_HAS_MAX ? num : NULL);
		} else {
			snprintf(num, sizeof(num), "%" PRId64, o->imin);
			sb_field(&b, o->flags & OPT_F_HAS_MIN ? num : NULL);
			snprintf(num, sizeof(num), "%" PRId64, o->imax);
			sb_field(&b, o->flags & OPT_F_HAS_MAX ? num : NULL);
		}
		sb_strv(&b, (const char *const *)e->decl, e->ndecl);
		sb_strv(&b, o->values, o->nvalues);
		sb_field(&b, o->def);
		sb_field(&b, o->since);
		sb_num(&b, o->dynamic);
		sb_field(&b, opt_engine_name(o->engine));
		sb_field(&b, o->module);
		sb_field(&b, o->replacement);
		sb_field(&b, o->desc);
		sb_field(&b, o->doc);
		sb_add(&b, "\n", 1);
	}
	if (b.oom) {
		free(b.p);
		return -1;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

static int
update_hash(struct schema *s)
{
	static const char hexd[] = "0123456789abcdef";
	char *canon;
	size_t len, i;

	if (schema_canonical(s, &canon, &len) == -1)
		return -1;
	sha256(canon, len, s->digest);
	free(canon);
	for (i = 0; i < 32; i++) {
		s->hex[2 * i] = hexd[s->digest[i] >> 4];
		s->hex[2 * i + 1] = hexd[s->digest[i] & 0xf];
	}
	s->hex[64] = '\0';
	return 0;
}

const char *
schema_version(const struct schema *s)
{
	return s->hex;
}

void
schema_digest(const struct schema *s, uint8_t out[32])
{
	memcpy(out, s->digest, 32);
}

/* ---- loading: libxml2 glue ---------------------------------------------- */

struct load {
	struct diag	*d;
	const char	*path;		/* the document being loaded */
	struct loc_file	 lf;
	int		 nerr;		/* errors filed so far */
	int		 oom;
};

static void
load_err(struct load *L, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
load_err(struct load *L, uint32_t line, const char *fmt, ...)
{
	struct loc loc = { .file = &L->lf, .line = line };
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(L->d, DIAG_ERROR, "schema", line ? &loc : NULL, fmt, ap);
	va_end(ap);
	L->nerr++;
}

#if LIBXML_VERSION >= 21200
#define XERR_CONST const
#else
#define XERR_CONST
#endif

static void
xml_error(void *arg, XERR_CONST xmlError *e)
{
	struct load *L = arg;
	struct loc_file lf;
	struct loc loc;
	char msg[512];
	size_t n;
	enum diag_sev sev;

	if (e == NULL)
		return;
	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "XML error");
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	sev = e->level == XML_ERR_WARNING ? DIAG_WARNING : DIAG_ERROR;
	memset(&lf, 0, sizeof(lf));
	lf.path = e->file != NULL ? e->file : L->path;
	memset(&loc, 0, sizeof(loc));
	loc.file = &lf;
	loc.line = e->line > 0 ? (uint32_t)e->line : 0;
	/* int2 is the column only for parser errors. */
	if (e->domain == XML_FROM_PARSER && e->int2 > 0)
		loc.col = (uint32_t)e->int2;
	diag_add(L->d, sev, "schema", loc.line ? &loc : NULL, "%s", msg);
	if (sev == DIAG_ERROR)
		L->nerr++;
}

static void
xml_generic_silent(void *arg, const char *fmt, ...)
{
	(void)arg;
	(void)fmt;
}

static xmlParserInputPtr
xml_refuse_entity(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)id;
	(void)ctxt;
	(void)url;
	return NULL;
}

struct xml_saved {
	xmlStructuredErrorFunc		 serr;
	void				*sctx;
	xmlGenericErrorFunc		 gerr;
	void				*gctx;
	xmlExternalEntityLoader		 loader;
};

static void
xml_enter(struct xml_saved *sv, struct load *L)
{
	sv->serr = xmlStructuredError;
	sv->sctx = xmlStructuredErrorContext;
	sv->gerr = xmlGenericError;
	sv->gctx = xmlGenericErrorContext;
	sv->loader = xmlGetExternalEntityLoader();
	xmlSetStructuredErrorFunc(L, xml_error);
	xmlSetGenericErrorFunc(NULL, xml_generic_silent);
	xmlSetExternalEntityLoader(xml_refuse_entity);
}

static void
xml_leave(const struct xml_saved *sv)
{
	xmlSetExternalEntityLoader(sv->loader);
	xmlSetGenericErrorFunc(sv->gctx, sv->gerr);
	xmlSetStructuredErrorFunc(sv->sctx, sv->serr);
}

/* The line of "<!DOCTYPE" in buf (libxml2 keeps no line for DTD nodes). */
static uint32_t
doctype_line(const char *buf, size_t len)
{
	uint32_t line = 1;
	size_t i;

	for (i = 0; i + 9 <= len; i++) {
		if (buf[i] == '\n')
			line++;
		else if (memcmp(buf + i, "<!DOCTYPE", 9) == 0)
			return line;
	}
	return 1;
}

/* Parse and validate one document; returns the doc or NULL (errors filed). */
static xmlDocPtr
xml_load(struct load *L, const void *buf, size_t len)
{
	xmlParserCtxtPtr pctxt = NULL;
	xmlSchemaParserCtxtPtr spctxt = NULL;
	xmlSchemaPtr xsd = NULL;
	xmlSchemaValidCtxtPtr vctxt = NULL;
	xmlDocPtr doc = NULL;
	struct load XL;
	int rc, before = L->nerr;

	if (len > (size_t)INT32_MAX) {
		load_err(L, 0, "%s: file too large", L->path);
		return NULL;
	}
	if ((pctxt = xmlNewParserCtxt()) == NULL) {
		L->oom = 1;
		goto fail;
	}
	/*
	 * NONET: no network.  Deliberately without NOENT and DTDLOAD: entity
	 * references stay unexpanded and no external subset is fetched.
	 */
	doc = xmlCtxtReadMemory(pctxt, buf, (int)len, L->path, NULL,
	    XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOWARNING);
	if (doc == NULL || !pctxt->wellFormed) {
		if (L->nerr == before)
			load_err(L, 0, "%s: not a well-formed XML document",
			    L->path);
		goto fail;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		load_err(L, doctype_line(buf, len),
		    "DOCTYPE declarations are not allowed in schema files "
		    "(entities are never expanded)");
		goto fail;
	}
	/* The XSD is ours, embedded; its own errors are internal errors. */
	XL = *L;
	XL.path = DEFAULT_XSD_NAME;
	XL.lf.path = DEFAULT_XSD_NAME;
	spctxt = xmlSchemaNewMemParserCtxt((const char *)schema_embedded_xsd,
	    (int)schema_embedded_xsd_len);
	if (spctxt == NULL) {
		L->oom = 1;
		goto fail;
	}
	xmlSchemaSetParserStructuredErrors(spctxt, xml_error, &XL);
	xsd = xmlSchemaParse(spctxt);
	L->nerr = XL.nerr;
	if (xsd == NULL) {
		load_err(L, 0, "%s: cannot compile the embedded XSD",
		    DEFAULT_XSD_NAME);
		goto fail;
	}
	if ((vctxt = xmlSchemaNewValidCtxt(xsd)) == NULL) {
		L->oom = 1;
		goto fail;
	}
	xmlSchemaSetValidStructuredErrors(vctxt, xml_error, L);
	rc = xmlSchemaValidateDoc(vctxt, doc);
	if (rc != 0) {
		if (L->nerr == before)
			load_err(L, 0, "%s: does not validate against %s",
			    L->path, DEFAULT_XSD_NAME);
		goto fail;
	}
	xmlSchemaFreeValidCtxt(vctxt);
	xmlSchemaFree(xsd);
	xmlSchemaFreeParserCtxt(spctxt);
	xmlFreeParserCtxt(pctxt);
	return doc;
fail:
	if (vctxt != NULL)
		xmlSchemaFreeValidCtxt(vctxt);
	if (xsd != NULL)
		xmlSchemaFree(xsd);
	if (spctxt != NULL)
		xmlSchemaFreeParserCtxt(spctxt);
	if (doc != NULL)
		xmlFreeDoc(doc);
	if (pctxt != NULL)
		xmlFreeParserCtxt(pctxt);
	return NULL;
}

/* ---- conversion --------------------------------------------------------- */

/* A new copy of attribute name of n, or NULL if absent (sets L->oom). */
static char *
attr(struct load *L, xmlNodePtr n, const char *name)
{
	xmlChar *v;
	char *s;

	if ((v = xmlGetProp(n, (const xmlChar *)name)) == NULL)
		return NULL;
	if ((s = sdup((const char *)v)) == NULL)
		L->oom = 1;
	xmlFree(v);
	return s;
}

static int
attr_true(xmlNodePtr n, const char *name)
{
	xmlChar *v;
	int t;

	if ((v = xmlGetProp(n, (const xmlChar *)name)) == NULL)
		return 0;
	t = strcmp((const char *)v, "true") == 0;
	xmlFree(v);
	return t;
}

static char *
text_of(struct load *L, xmlNodePtr n)
{
	xmlChar *v;
	char *s;

	if ((v = xmlNodeGetContent(n)) == NULL) {
		if ((s = sdup("")) == NULL)
			L->oom = 1;
		return s;
	}
	if ((s = sdup((const char *)v)) == NULL)
		L->oom = 1;
	xmlFree(v);
	return s;
}

static int
is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

static uint32_t
line_of(xmlNodePtr n)
{
	long l = xmlGetLineNo(n);

	return l > 0 ? (uint32_t)l : 0;
}

static enum opt_type
type_from_name(const char *s)
{
	int i;

	for (i = 0; i < OPT_T_COUNT; i++)
		if (strcmp(s, type_names[i]) == 0)
			return (enum opt_type)i;
	return OPT_T_ANY;
}

/* Sort and de-duplicate a vector in place. */
static void
strv_sort_uniq(char **v, size_t *n)
{
	size_t i, k;

	if (*n == 0)
		return;
	qsort(v, *n, sizeof(*v), cmp_strp);
	for (i = 1, k = 1; i < *n; i++) {
		if (strcmp(v[i], v[k - 1]) == 0) {
			free(v[i]);
			continue;
		}
		v[k++] = v[i];
	}
	*n = k;
}

static int
is_int_type(enum opt_type t)
{
	return t == OPT_T_INT || t == OPT_T_OCTAL || t == OPT_T_DURATION ||
	    t == OPT_T_SIZE;
}

static int
parse_bound(struct load *L, struct opt_ent *o, const char *s, int ismax,
    uint32_t line)
{
	struct opt_spec *sp = &o->spec;
	int64_t v;
	double f;
	int rc;

	if (sp->type == OPT_T_FLOAT) {
		if (parse_f64(s, &f) != 0)
			goto bad;
		if (ismax)
			sp->fmax = f;
		else
			sp->fmin = f;
	} else if (is_int_type(sp->type)) {
		rc = sp->type == OPT_T_OCTAL ? parse_octal(s, &v) :
		    parse_i64(s, &v);
		if (rc != 0)
			goto bad;
		if (ismax)
			sp->imax = v;
		else
			sp->imin = v;
	} else {
		load_err(L, line,
		    "option \"%s\": %s is not allowed for type %s", sp->name,
		    ismax ? "max" : "min", opt_type_name(sp->type));
		return -1;
	}
	sp->flags |= ismax ? OPT_F_HAS_MAX : OPT_F_HAS_MIN;
	return 0;
bad:
	load_err(L, line, "option \"%s\": invalid %s \"%s\" for type %s%s",
	    sp->name, ismax ? "max" : "min", s, opt_type_name(sp->type),
	    sp->type == OPT_T_OCTAL ? " (expected octal with a leading 0)" :
	    "");
	return -1;
}

/* Convert one <option>; NULL on error (filed) or ENOMEM (L->oom). */
static struct opt_ent *
conv_option(struct load *L, xmlNodePtr n)
{
	struct opt_ent *o;
	struct opt_spec *sp;
	xmlNodePtr c;
	char *t = NULL, *mn = NULL, *mx = NULL, *sc = NULL, *dyn = NULL,
	    *eng = NULL, *v, **nv, why[256];
	uint32_t line = line_of(n);
	size_t i, j;
	int bad = 0;

	if ((o = calloc(1, sizeof(*o))) == NULL) {
		L->oom = 1;
		return NULL;
	}
	sp = &o->spec;
	sp->line = line;
	o->str[0] = attr(L, n, "name");
	o->str[1] = attr(L, n, "default");
	o->str[2] = attr(L, n, "since");
	o->str[3] = attr(L, n, "module");
	o->str[4] = attr(L, n, "replacement");
	o->str[6] = attr(L, n, "doc");
	o->str[7] = sdup(L->path);
	t = attr(L, n, "type");
	mn = attr(L, n, "min");
	mx = attr(L, n, "max");
	sc = attr(L, n, "scopes");
	dyn = attr(L, n, "dynamic");
	eng = attr(L, n, "engine");
	for (c = n->children; c != NULL; c = c->next) {
		if (is_elem(c, "description")) {
			free(o->str[5]);
			o->str[5] = text_of(L, c);
		} else if (is_elem(c, "value")) {
			if ((v = text_of(L, c)) == NULL)
				continue;
			if ((nv = realloc(o->vals, (o->nvals + 1) *
			    sizeof(*nv))) == NULL) {
				free(v);
				L->oom = 1;
				continue;
			}
			o->vals = nv;
			o->vals[o->nvals++] = v;
		}
	}
	if (o->str[0] == NULL || o->str[7] == NULL || t == NULL || sc == NULL ||
	    L->oom) {
		L->oom = 1;
		goto fail;
	}
	sp->name = o->str[0];
	sp->def = o->str[1];
	sp->since = o->str[2];
	sp->module = o->str[3];
	sp->replacement = o->str[4];
	sp->desc = o->str[5] ? o->str[5] : "";
	sp->doc = o->str[6];
	sp->file = o->str[7];
	sp->type = type_from_name(t);
	sp->values = (const char *const *)o->vals;
	sp->nvalues = o->nvals;
	if (attr_true(n, "repeatable"))
		sp->flags |= OPT_F_REPEATABLE;
	if (attr_true(n, "deprecated"))
		sp->flags |= OPT_F_DEPRECATED;
	if (attr_true(n, "secret"))
		sp->flags |= OPT_F_SECRET;
	sp->dynamic = dyn == NULL ? OPT_DYN_UNKNOWN :
	    strcmp(dyn, "true") == 0 ? OPT_DYN_YES : OPT_DYN_NO;
	sp->engine = eng == NULL ? OPT_ENGINE_NONE :
	    strcmp(eng, "openssl") == 0 ? OPT_ENGINE_OPENSSL :
	    strcmp(eng, "gnutls") == 0 ? OPT_ENGINE_GNUTLS : OPT_ENGINE_BOTH;
	if ((o->decl = split_words(sc, &o->ndecl)) == NULL) {
		L->oom = 1;
		goto fail;
	}
	strv_sort_uniq(o->decl, &o->ndecl);
	for (i = 0; i < o->ndecl; i++)
		if (strcmp(o->decl[i], "@module") == 0)
			sp->flags |= OPT_F_ANY_MODULE;

	if (mn != NULL && parse_bound(L, o, mn, 0, line) == -1)
		bad = 1;
	if (mx != NULL && parse_bound(L, o, mx, 1, line) == -1)
		bad = 1;
	if (!bad && (sp->flags & OPT_F_HAS_MIN) &&
	    (sp->flags & OPT_F_HAS_MAX) && (sp->type == OPT_T_FLOAT ?
	    sp->fmin > sp->fmax : sp->imin > sp->imax)) {
		load_err(L, line, "option \"%s\": min %s greater than max %s",
		    sp->name, mn, mx);
		bad = 1;
	}
	if ((sp->type == OPT_T_ENUM || sp->type == OPT_T_TOKENS) &&
	    o->nvals == 0) {
		load_err(L, line, "option \"%s\": type %s needs at least one "
		    "<value>", sp->name, opt_type_name(sp->type));
		bad = 1;
	}
	for (i = 0; i < o->nvals; i++)
		for (j = i + 1; j < o->nvals; j++)
			if (ci_eq(o->vals[i], o->vals[j])) {
				load_err(L, line, "option \"%s\": value \"%s\" "
				    "listed twice", sp->name, o->vals[j]);
				bad = 1;
			}
	if (sp->replacement != NULL && strcmp(sp->replacement, sp->name) == 0) {
		load_err(L, line, "option \"%s\": replacement names the option "
		    "itself", sp->name);
		bad = 1;
	}
	/* Defaults of list, dict and any types are shown verbatim. */
	if (!bad && sp->def != NULL && sp->type != OPT_T_LIST &&
	    sp->type != OPT_T_DICT && sp->type != OPT_T_ANY &&
	    sp->type != OPT_T_STRING &&
	    opt_check_scalar(sp, sp->def, why, sizeof(why)) != 0) {
		load_err(L, line, "option \"%s\": default \"%s\" is not a "
		    "valid %s: %s", sp->name, sp->def, opt_type_name(sp->type),
		    why);
		bad = 1;
	}
	free(t);
	free(mn);
	free(mx);
	free(sc);
	free(dyn);
	free(eng);
	if (bad) {
		opt_ent_free(o);
		return NULL;
	}
	return o;
fail:
	free(t);
	free(mn);
	free(mx);
	free(sc);
	free(dyn);
	free(eng);
	opt_ent_free(o);
	return NULL;
}

static struct scope_ent *
conv_scope(struct load *L, xmlNodePtr n)
{
	struct scope_ent *s;
	struct scope_spec *sp;
	xmlNodePtr c;
	char *inst = NULL, *par = NULL;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		L->oom = 1;
		return NULL;
	}
	sp = &s->spec;
	sp->line = line_of(n);
	s->str[0] = attr(L, n, "name");
	s->str[1] = attr(L, n, "since");
	s->str[3] = attr(L, n, "doc");
	s->str[4] = sdup(L->path);
	inst = attr(L, n, "instance");
	par = attr(L, n, "parents");
	for (c = n->children; c != NULL; c = c->next)
		if (is_elem(c, "description")) {
			free(s->str[2]);
			s->str[2] = text_of(L, c);
		}
	if (s->str[0] == NULL || s->str[4] == NULL || inst == NULL || L->oom)
		goto oom;
	if ((s->par = split_words(par ? par : "", &s->npar)) == NULL)
		goto oom;
	strv_sort_uniq(s->par, &s->npar);
	sp->name = s->str[0];
	sp->since = s->str[1];
	sp->desc = s->str[2] ? s->str[2] : "";
	sp->doc = s->str[3];
	sp->file = s->str[4];
	sp->instance = strcmp(inst, "required") == 0 ? SCOPE_INST_REQUIRED :
	    strcmp(inst, "optional") == 0 ? SCOPE_INST_OPTIONAL :
	    SCOPE_INST_NONE;
	sp->module = attr_true(n, "module");
	sp->parents = (const char *const *)s->par;
	sp->nparents = s->npar;
	free(inst);
	free(par);
	return s;
oom:
	L->oom = 1;
	free(inst);
	free(par);
	scope_ent_free(s);
	return NULL;
}

/* The entries of one document, before they are merged. */
struct batch {
	struct opt_ent	**opts;
	size_t		 nopts;
	struct scope_ent **scopes;
	size_t		 nscopes;
};

static void
batch_fini(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->nopts; i++)
		opt_ent_free(b->opts[i]);
	for (i = 0; i < b->nscopes; i++)
		scope_ent_free(b->scopes[i]);
	free(b->opts);
	free(b->scopes);
	memset(b, 0, sizeof(*b));
}

static int
push(void *vecp, size_t *n, void *item)
{
	void ***vec = vecp, **nv;

	if ((nv = realloc(*vec, (*n + 1) * sizeof(*nv))) == NULL)
		return -1;
	nv[(*n)++] = item;
	*vec = nv;
	return 0;
}

/* Whether two sorted declared-scope vectors share a keyword. */
static const char *
overlap(char **a, size_t na, char **b, size_t nb)
{
	size_t i = 0, j = 0;
	int c;

	while (i < na && j < nb) {
		if ((c = strcmp(a[i], b[j])) == 0)
			return a[i];
		if (c < 0)
			i++;
		else
			j++;
	}
	return NULL;
}

static int
convert(struct load *L, xmlDocPtr doc, struct batch *b)
{
	xmlNodePtr root, sec, n;
	struct opt_ent *o;
	struct scope_ent *s;
	const char *k;
	size_t i, j;

	root = xmlDocGetRootElement(doc);
	for (sec = root ? root->children : NULL; sec != NULL; sec = sec->next) {
		for (n = sec->children; n != NULL; n = n->next) {
			if (is_elem(sec, "scopes") && is_elem(n, "scope")) {
				if ((s = conv_scope(L, n)) == NULL)
					continue;
				if (push(&b->scopes, &b->nscopes, s) == -1) {
					scope_ent_free(s);
					L->oom = 1;
				}
			} else if (is_elem(sec, "options") &&
			    is_elem(n, "option")) {
				if ((o = conv_option(L, n)) == NULL)
					continue;
				if (push(&b->opts, &b->nopts, o) == -1) {
					opt_ent_free(o);
					L->oom = 1;
				}
			}
			if (L->oom)
				return -1;
		}
	}
	/* One definition per (name, scope) within a file. */
	for (i = 0; i < b->nopts; i++)
		for (j = 0; j < i; j++) {
			if (strcmp(b->opts[i]->spec.name,
			    b->opts[j]->spec.name) != 0)
				continue;
			k = overlap(b->opts[i]->decl, b->opts[i]->ndecl,
			    b->opts[j]->decl, b->opts[j]->ndecl);
			if (k == NULL)
				continue;
			load_err(L, b->opts[i]->spec.line, "duplicate option "
			    "\"%s\" in scope \"%s\" (first defined at line %u)",
			    b->opts[i]->spec.name, k,
			    (unsigned)b->opts[j]->spec.line);
			break;
		}
	for (i = 0; i < b->nscopes; i++)
		for (j = 0; j < i; j++)
			if (strcmp(b->scopes[i]->spec.name,
			    b->scopes[j]->spec.name) == 0) {
				load_err(L, b->scopes[i]->spec.line,
				    "duplicate scope \"%s\" (first defined at "
				    "line %u)", b->scopes[i]->spec.name,
				    (unsigned)b->scopes[j]->spec.line);
				break;
			}
	return 0;
}

/* ---- merging ------------------------------------------------------------ */

static int
cmp_opt_ent(const void *a, const void *b)
{
	const struct opt_ent *x = *(struct opt_ent *const *)a;
	const struct opt_ent *y = *(struct opt_ent *const *)b;
	int c;

	if ((c = strcmp(x->spec.name, y->spec.name)) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
cmp_scope_ent(const void *a, const void *b)
{
	const struct scope_ent *x = *(struct scope_ent *const *)a;
	const struct scope_ent *y = *(struct scope_ent *const *)b;

	return strcmp(x->spec.name, y->spec.name);
}

/* A scope named k exists in the schema or in the batch. */
static int
scope_known(const struct schema *s, const struct batch *b, const char *k)
{
	size_t i;

	for (i = 0; i < b->nscopes; i++)
		if (strcmp(b->scopes[i]->spec.name, k) == 0)
			return 1;
	return schema_scope(s, k) != NULL;
}

/* References from the batch must resolve against schema + batch. */
static void
check_refs(struct load *L, const struct schema *s, const struct batch *b)
{
	size_t i, j;
	int found;
	const char *r;

	for (i = 0; i < b->nscopes; i++) {
		const struct scope_ent *e = b->scopes[i];

		if (strcmp(e->spec.name, "global") != 0 && e->npar == 0)
			load_err(L, e->spec.line, "scope \"%s\": no parents "
			    "(use parents=\"global\" for the top level)",
			    e->spec.name);
		for (j = 0; j < e->npar; j++)
			if (!scope_known(s, b, e->par[j]))
				load_err(L, e->spec.line, "scope \"%s\": "
				    "unknown parent scope \"%s\"",
				    e->spec.name, e->par[j]);
	}
	for (i = 0; i < b->nopts; i++) {
		const struct opt_ent *e = b->opts[i];

		for (j = 0; j < e->ndecl; j++)
			if (strcmp(e->decl[j], "@module") != 0 &&
			    !scope_known(s, b, e->decl[j]))
				load_err(L, e->spec.line, "option \"%s\": "
				    "unknown scope \"%s\"", e->spec.name,
				    e->decl[j]);
		if ((r = e->spec.replacement) == NULL)
			continue;
		found = schema_option(s, r) != NULL;
		for (j = 0; j < b->nopts && !found; j++)
			found = strcmp(b->opts[j]->spec.name, r) == 0;
		if (!found)
			load_err(L, e->spec.line, "option \"%s\": replacement "
			    "\"%s\" is not a known option", e->spec.name, r);
	}
}

/* Expand "@module" into the module scopes, for every option. */
static int
expand_scopes(struct schema *s)
{
	size_t i, j, k, n;
	char **v;

	for (i = 0; i < s->nopts; i++) {
		struct opt_ent *e = s->opts[i];

		n = e->ndecl;
		if (e->spec.flags & OPT_F_ANY_MODULE)
			n += s->nscopes;
		if ((v = calloc(n ? n : 1, sizeof(*v))) == NULL)
			return -1;
		for (j = 0, k = 0; j < e->ndecl; j++) {
			if (strcmp(e->decl[j], "@module") == 0)
				continue;
			if ((v[k++] = sdup(e->decl[j])) == NULL)
				goto oom;
		}
		if (e->spec.flags & OPT_F_ANY_MODULE)
			for (j = 0; j < s->nscopes; j++)
				if (s->scopes[j]->spec.module &&
				    (v[k++] = sdup(s->scopes[j]->spec.name)) ==
				    NULL)
					goto oom;
		strv_sort_uniq(v, &k);
		strv_free(e->exp, e->nexp);
		e->exp = v;
		e->nexp = k;
		e->spec.scopes = (const char *const *)v;
		e->spec.nscopes = k;
		continue;
oom:
		strv_free(v, k);
		return -1;
	}
	return 0;
}

/* Move the batch into the schema (cannot fail half-way: sizes reserved). */
static int
merge(struct schema *s, struct batch *b)
{
	struct opt_ent **no;
	struct scope_ent **ns;
	size_t i, j, k;
	int replaced;

	no = realloc(s->opts, (s->nopts + b->nopts + 1) * sizeof(*no));
	if (no == NULL)
		return -1;
	s->opts = no;
	ns = realloc(s->scopes, (s->nscopes + b->nscopes + 1) * sizeof(*ns));
	if (ns == NULL)
		return -1;
	s->scopes = ns;

	for (i = 0; i < b->nscopes; i++) {
		replaced = 0;
		for (j = 0; j < s->nscopes; j++)
			if (strcmp(s->scopes[j]->spec.name,
			    b->scopes[i]->spec.name) == 0) {
				scope_ent_free(s->scopes[j]);
				s->scopes[j] = b->scopes[i];
				replaced = 1;
				break;
			}
		if (!replaced)
			s->scopes[s->nscopes++] = b->scopes[i];
	}
	b->nscopes = 0;
	for (i = 0; i < b->nopts; i++) {
		/* Drop older entries of the name whose scopes overlap. */
		for (j = 0, k = 0; j < s->nopts; j++) {
			struct opt_ent *e = s->opts[j];

			if (strcmp(e->spec.name, b->opts[i]->spec.name) == 0 &&
			    overlap(e->decl, e->ndecl, b->opts[i]->decl,
			    b->opts[i]->ndecl) != NULL) {
				opt_ent_free(e);
				continue;
			}
			s->opts[k++] = e;
		}
		s->nopts = k;
		b->opts[i]->seq = s->seq++;
		s->opts[s->nopts++] = b->opts[i];
	}
	b->nopts = 0;
	qsort(s->opts, s->nopts, sizeof(*s->opts), cmp_opt_ent);
	qsort(s->scopes, s->nscopes, sizeof(*s->scopes), cmp_scope_ent);
	return 0;
}

static int
add_doc(struct schema *s, const char *name, const void *buf, size_t len,
    struct diag *d)
{
	struct xml_saved sv;
	struct batch b = { 0 };
	struct load L;
	xmlDocPtr doc;
	int rc = -1;

	memset(&L, 0, sizeof(L));
	L.d = d;
	L.path = name;
	L.lf.path = name;
	xmlInitParser();
	xml_enter(&sv, &L);
	doc = xml_load(&L, buf, len);
	if (doc != NULL) {
		convert(&L, doc, &b);
		xmlFreeDoc(doc);
	}
	xml_leave(&sv);
	if (doc == NULL || L.oom || L.nerr > 0)
		goto out;
	check_refs(&L, s, &b);
	if (L.nerr > 0)
		goto out;
	if (merge(s, &b) == -1 || expand_scopes(s) == -1 ||
	    update_hash(s) == -1) {
		L.oom = 1;
		goto out;
	}
	rc = 0;
out:
	if (L.oom) {
		diag_add(d, DIAG_ERROR, "schema", NULL, "%s: out of memory",
		    name);
		rc = -1;
	}
	batch_fini(&b);
	return rc;
}

int
schema_add_mem(struct schema *s, const char *name, const void *buf,
    size_t len, struct diag *d)
{
	return add_doc(s, name, buf, len, d);
}

int
schema_add_file(struct schema *s, const char *path, struct diag *d)
{
	FILE *fp = NULL;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;
	int rc = -1;
	struct stat st;
	const char *why = NULL;
	int fd;

	/*
	 * As the configuration reader does: a regular file or a pipe (a FIFO
	 * without a writer reads as empty instead of blocking the open; a
	 * directory or a device such as /dev/zero is refused).
	 */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1) {
		diag_add(d, DIAG_ERROR, "schema", NULL,
		    "cannot open \"%s\": %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1)
		why = strerror(errno);
	else if (S_ISDIR(st.st_mode))
		why = strerror(EISDIR);
	else if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
		why = "not a regular file or a pipe";
	else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1 ||
	    (fp = fdopen(fd, "rb")) == NULL)
		why = strerror(errno);
	if (why != NULL) {
		diag_add(d, DIAG_ERROR, "schema", NULL,
		    "cannot read \"%s\": %s", path, why);
		close(fd);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > MAX_SCHEMA_FILE + 1)
				cap = MAX_SCHEMA_FILE + 1;
			if (len == cap) {
				diag_add(d, DIAG_ERROR, "schema", NULL,
				    "\"%s\": file larger than %u bytes", path,
				    MAX_SCHEMA_FILE);
				goto out;
			}
			if ((nb = realloc(buf, cap)) == NULL) {
				diag_add(d, DIAG_ERROR, "schema", NULL,
				    "\"%s\": out of memory", path);
				goto out;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		diag_add(d, DIAG_ERROR, "schema", NULL,
		    "cannot read \"%s\": %s", path, strerror(errno));
		goto out;
	}
	rc = add_doc(s, path, buf, len, d);
out:
	free(buf);
	fclose(fp);
	return rc;
}

struct schema *
schema_load_default(struct diag *d)
{
	struct schema *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		diag_add(d, DIAG_ERROR, "schema", NULL, "out of memory");
		return NULL;
	}
	if (add_doc(s, DEFAULT_XML_NAME, schema_embedded_xml,
	    schema_embedded_xml_len, d) == -1) {
		schema_free(s);
		return NULL;
	}
	return s;
}
