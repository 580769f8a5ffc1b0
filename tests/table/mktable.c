/* SPDX-License-Identifier: ISC */
/*
 * mktable.c -- test-only generator: builds a policy table with tblw from a
 * small text description (until `ectls compile` exists).
 *
 *   mktable DESC OUT
 *
 * DESC, one statement per line, tokens separated by blanks, # comments:
 *   schema VERSION
 *   policy NAME [from BASE] FIELD=VALUE[@FILE:LINE:LEVEL] ...
 *   bind BINDING POLICY                 the binding's own record
 *   key BINDING DOMAIN POLICY           an exact domain
 *   regex BINDING PATTERN LEVEL POLICY  a regex domain (B::D, G::D or D)
 *   file PATH [SHA256-HEX]              digest of the file when omitted
 *   logformat NAME VALUE...             the rest of the line is the value
 * A policy starts from the built-in defaults (or BASE).  VALUE is an enum
 * name, true/false, a number, a string, or a comma-separated list; "-"
 * unsets a string.  Without @..., the provenance is DESC:line at level
 * global.  tls_protocols also sets the evaluated protocol set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "ectls.h"
#include "sha256.h"
#include "tblw.h"

#define MAXPOL	256
#define MAXTOK	64

struct npol {
	char			*name;
	struct tblw_policy	 p;
};

static struct npol pols[MAXPOL];
static size_t npols;
static const char *desc;

/*
 * Everything a policy points to lives until exit: keep() copies a string
 * onto a list that an atexit handler frees, so nothing is lost when a
 * field is set twice (leak-free under ASan and valgrind).
 */
struct kept {
	struct kept	*next;
	char		 s[];
};
static struct kept *kept;

static void
free_kept(void)
{
	struct kept *k;

	while ((k = kept) != NULL) {
		kept = k->next;
		free(k);
	}
}

static char *
keep(const char *s)
{
	size_t n = strlen(s) + 1;
	struct kept *k;

	if ((k = malloc(sizeof(*k) + n)) == NULL) {
		perror("mktable");
		exit(2);
	}
	if (kept == NULL)
		atexit(free_kept);
	memcpy(k->s, s, n);
	k->next = kept;
	kept = k;
	return k->s;
}

static void
die(size_t line, const char *msg, const char *arg)
{
	fprintf(stderr, "%s:%zu: error: %s%s%s%s\n", desc, line, msg,
	    arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "");
	exit(1);
}

static struct tblw_policy *
find_pol(const char *name, size_t line)
{
	size_t i;

	for (i = 0; i < npols; i++)
		if (strcmp(pols[i].name, name) == 0)
			return &pols[i].p;
	die(line, "unknown policy", name);
	return NULL;
}

static int
level_parse(const char *s)
{
	int l;

	for (l = 1; l < ECTLS_LVL__COUNT; l++)
		if (strcmp(ectls_level_name(l), s) == 0)
			return l;
	return -1;
}

static void
set_field(struct tblw_policy *p, char *tok, size_t line)
{
	char *eq = strchr(tok, '='), *at, *val, *c, *end, *item;
	struct tblw_field *fl;
	const char **list;
	unsigned long n;
	size_t cnt;
	int f;

	if (eq == NULL)
		die(line, "expected FIELD=VALUE, got", tok);
	*eq = '\0';
	val = eq + 1;
	if ((f = ectls_field_by_name(tok)) < 0)
		die(line, "unknown field", tok);
	fl = &p->f[f];
	fl->file = keep(desc);
	fl->line = (uint32_t)line;
	fl->level = ECTLS_LVL_GLOBAL;
	if ((at = strrchr(val, '@')) != NULL) {
		*at++ = '\0';
		if ((c = strchr(at, ':')) == NULL)
			die(line, "expected @FILE:LINE:LEVEL", at);
		*c++ = '\0';
		fl->file = keep(at);
		n = strtoul(c, &end, 10);
		if (end == c || *end != ':')
			die(line, "bad provenance line", c);
		fl->line = (uint32_t)n;
		if ((fl->level = level_parse(end + 1)) < 0)
			die(line, "bad level", end + 1);
	}
	switch (ectls_field_type(f)) {
	case ECTLS_T_BOOL:
	case ECTLS_T_ENUM:
		if (ectls_value_parse(f, val, &fl->num) != 0)
			die(line, "bad value", val);
		break;
	case ECTLS_T_UINT:
		errno = 0;
		n = strtoul(val, &end, 10);
		if (end == val || *end != '\0' || errno != 0 || n > UINT32_MAX)
			die(line, "bad number", val);
		fl->num = (uint32_t)n;
		break;
	case ECTLS_T_STR:
		fl->str = strcmp(val, "-") == 0 ? NULL : keep(val);
		if (f == ECTLS_F_TLS_PROTOCOLS) {
			if (fl->str == NULL)
				p->protocols = ECTLS_PROTO_ALL;
			else if (tblw_protocols_eval(val, &p->protocols) != 0)
				die(line, "bad tls_protocols", val);
		}
		break;
	case ECTLS_T_LIST:
		for (cnt = 1, c = val; *c; c++)
			cnt += *c == ',';
		if ((list = calloc(cnt, sizeof(*list))) == NULL)
			die(line, "out of memory", NULL);
		cnt = 0;
		val = keep(val);
		while ((item = strsep(&val, ",")) != NULL)
			if (*item != '\0')
				list[cnt++] = item;
		fl->list = list;
		fl->nlist = cnt;
		break;
	default:
		break;
	}
}

static int
hexdigest(const char *s, uint8_t out[32])
{
	unsigned v;
	int i;

	if (strlen(s) != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char line[8192], *tok[MAXTOK], *p, *rest;
	struct tblw *w = NULL;
	struct diag d;
	uint8_t sha[32];
	size_t lno = 0, nt, i;
	FILE *fp;
	int rc = 1, lvl;

	if (argc != 3) {
		fprintf(stderr, "usage: mktable DESC OUT\n");
		return 2;
	}
	desc = argv[1];
	if ((fp = fopen(desc, "r")) == NULL) {
		fprintf(stderr, "mktable: %s: %s\n", desc, strerror(errno));
		return 2;
	}
	diag_init(&d, 0);
	while (fgets(line, sizeof(line), fp) != NULL) {
		lno++;
		line[strcspn(line, "\n")] = '\0';
		if ((p = strchr(line, '#')) != NULL &&
		    (p == line || p[-1] == ' ' || p[-1] == '\t'))
			*p = '\0';
		rest = NULL;
		for (nt = 0, p = line; nt < MAXTOK;) {
			p += strspn(p, " \t");
			if (*p == '\0')
				break;
			if (nt == 2 && strcmp(tok[0], "logformat") == 0) {
				rest = p;
				break;
			}
			tok[nt++] = p;
			p += strcspn(p, " \t");
			if (*p != '\0')
				*p++ = '\0';
		}
		if (nt == 0)
			continue;
		if (strcmp(tok[0], "schema") == 0 && nt == 2) {
			if (w != NULL)
				die(lno, "schema must come first", NULL);
			if ((w = tblw_new(tok[1], &d)) == NULL)
				goto out;
			continue;
		}
		if (w == NULL && (w = tblw_new("test", &d)) == NULL)
			goto out;
		if (strcmp(tok[0], "policy") == 0 && nt >= 2) {
			if (npols == MAXPOL)
				die(lno, "too many policies", NULL);
			pols[npols].name = keep(tok[1]);
			tblw_policy_init(&pols[npols].p);
			i = 2;
			if (nt >= 4 && strcmp(tok[2], "from") == 0) {
				pols[npols].p = *find_pol(tok[3], lno);
				i = 4;
			}
			for (; i < nt; i++)
				set_field(&pols[npols].p, tok[i], lno);
			npols++;
		} else if (strcmp(tok[0], "bind") == 0 && nt == 3) {
			if (tblw_add_policy(w, tok[1], NULL, 0, 0,
			    find_pol(tok[2], lno)) != 0)
				goto out;
		} else if (strcmp(tok[0], "key") == 0 && nt == 4) {
			if (tblw_add_policy(w, tok[1], tok[2], 0, 0,
			    find_pol(tok[3], lno)) != 0)
				goto out;
		} else if (strcmp(tok[0], "regex") == 0 && nt == 5) {
			if ((lvl = level_parse(tok[3])) < 0)
				die(lno, "bad level", tok[3]);
			if (tblw_add_policy(w, tok[1], tok[2], 1, lvl,
			    find_pol(tok[4], lno)) != 0)
				goto out;
		} else if (strcmp(tok[0], "file") == 0 &&
		    (nt == 2 || nt == 3)) {
			if (nt == 3 && hexdigest(tok[2], sha) != 0)
				die(lno, "bad digest", tok[2]);
			if (nt == 2 && sha256_file(tok[1], sha) != 0) {
				fprintf(stderr, "mktable: %s: %s\n", tok[1],
				    strerror(errno));
				goto out;
			}
			if (tblw_add_file(w, tok[1], sha) != 0)
				goto out;
		} else if (strcmp(tok[0], "logformat") == 0 && nt == 2 &&
		    rest != NULL) {
			if (tblw_add_logformat(w, tok[1], rest) != 0)
				goto out;
		} else
			die(lno, "bad statement", tok[0]);
	}
	if (w == NULL && (w = tblw_new("test", &d)) == NULL)
		goto out;
	if (tblw_write_atomic(w, argv[2]) != 0)
		goto out;
	rc = 0;
out:
	for (i = 0; i < d.nitems; i++)
		fprintf(stderr, "mktable: %s: %s\n",
		    diag_sev_name(d.items[i].sev), d.items[i].msg);
	diag_fini(&d);
	tblw_free(w);
	fclose(fp);
	return rc;
}
