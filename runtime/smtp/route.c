/* SPDX-License-Identifier: ISC */
/*
 * route.c -- delivery routes (route.h).  MX lookup through libc's resolver
 * (res_query, dn_expand: in libc since glibc 2.34).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "route.h"

int
route_parse_hostport(const char *s, unsigned int defport,
    struct route_host *h)
{
	const char *end, *colon;
	char *ep;
	size_t n;
	unsigned long port = defport;

	memset(h, 0, sizeof(*h));
	if (s == NULL || *s == '\0')
		return -1;
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		n = (size_t)(end - s - 1);
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return -1;
		s++;
	} else {
		colon = strrchr(s, ':');
		/* Two colons without brackets: a bare IPv6 address. */
		if (colon != NULL && strchr(s, ':') != colon)
			colon = NULL;
		n = colon != NULL ? (size_t)(colon - s) : strlen(s);
	}
	if (n == 0 || n >= sizeof(h->name))
		return -1;
	memcpy(h->name, s, n);
	h->name[n] = '\0';
	if (colon != NULL) {
		port = strtoul(colon + 1, &ep, 10);
		if (colon[1] == '\0' || *ep != '\0' || port == 0 ||
		    port > 65535)
			return -1;
	}
	h->port = (unsigned int)port;
	return 0;
}

void
route_list_fini(struct route_list *rl)
{
	free(rl->v);
	rl->v = NULL;
	rl->n = 0;
}

static int
route_push(struct route_list *rl, const struct route_host *h)
{
	struct route_host *v;

	if ((v = realloc(rl->v, (rl->n + 1) * sizeof(*v))) == NULL)
		return -1;
	rl->v = v;
	rl->v[rl->n++] = *h;
	return 0;
}

static int
route_cmp(const void *a, const void *b)
{
	const struct route_host *x = a, *y = b;

	return (x->pref > y->pref) - (x->pref < y->pref);
}

/*
 * routes: every item by its preference ("?pref=N", 0 when absent; the MX
 * hosts of "__mx__" by theirs), lowest first; equal preferences keep the
 * order of the list.  Insertion sort: stable, and lists are short.
 */
static void
route_sort_stable(struct route_list *rl)
{
	struct route_host h;
	size_t i, j;

	for (i = 1; i < rl->n; i++) {
		h = rl->v[i];
		for (j = i; j > 0 && rl->v[j - 1].pref > h.pref; j--)
			rl->v[j] = rl->v[j - 1];
		rl->v[j] = h;
	}
}

static unsigned int
route_get16(const unsigned char *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/*
 * MX records of domain, appended in preference order.  The answer is
 * walked by hand (libc's res_query and dn_expand; every offset checked),
 * so no libresolv is needed.
 */
static enum route_err
route_mx(const char *domain, unsigned int port, struct route_list *rl,
    char *why, size_t whylen)
{
	unsigned char ans[4096];
	const unsigned char *p, *end;
	struct route_host h;
	size_t first = rl->n;
	unsigned int qd, an, type, rdlen, i;
	int len, n, null_mx = 0;

	len = res_query(domain, C_IN, T_MX, ans, sizeof(ans));
	if (len < 0) {
		if (h_errno == HOST_NOT_FOUND) {
			snprintf(why, whylen, "domain \"%s\" does not exist",
			    domain);
			return ROUTE_PERM;
		}
		if (h_errno == NO_DATA)
			goto implicit;
		snprintf(why, whylen, "MX lookup of \"%s\" failed: %s",
		    domain, hstrerror(h_errno));
		return ROUTE_TEMP;
	}
	if (len > (int)sizeof(ans))
		len = (int)sizeof(ans);	/* truncated answer: use what fits */
	if (len < HFIXEDSZ)
		goto malformed;
	end = ans + len;
	qd = route_get16(ans + 4);
	an = route_get16(ans + 6);
	p = ans + HFIXEDSZ;
	for (i = 0; i < qd; i++) {
		if ((n = dn_skipname(p, end)) < 0 || end - p < n + QFIXEDSZ)
			goto malformed;
		p += n + QFIXEDSZ;
	}
	for (i = 0; i < an; i++) {
		if ((n = dn_skipname(p, end)) < 0 || end - p < n + RRFIXEDSZ)
			goto malformed;
		p += n;
		type = route_get16(p);
		rdlen = route_get16(p + 8);
		p += RRFIXEDSZ;
		if ((size_t)(end - p) < rdlen)
			goto malformed;
		if (type == T_MX && rdlen >= 3) {
			memset(&h, 0, sizeof(h));
			h.pref = (int)route_get16(p);
			if (dn_expand(ans, end, p + 2, h.name,
			    sizeof(h.name)) < 0)
				goto malformed;
			if (h.name[0] == '\0' || strcmp(h.name, ".") == 0) {
				null_mx = 1;
			} else {
				h.port = port;
				h.mx = 1;
				if (route_push(rl, &h) == -1) {
					snprintf(why, whylen, "out of memory");
					return ROUTE_TEMP;
				}
			}
		}
		p += rdlen;
	}
	if (rl->n == first && null_mx) {
		snprintf(why, whylen, "domain \"%s\" does not accept mail "
		    "(null MX, RFC 7505)", domain);
		return ROUTE_PERM;
	}
	if (rl->n > first) {
		qsort(rl->v + first, rl->n - first, sizeof(*rl->v), route_cmp);
		return ROUTE_OK;
	}
implicit:
	/* No MX: the domain itself (RFC 5321 5.1). */
	memset(&h, 0, sizeof(h));
	snprintf(h.name, sizeof(h.name), "%s", domain);
	h.port = port;
	if (route_push(rl, &h) == -1) {
		snprintf(why, whylen, "out of memory");
		return ROUTE_TEMP;
	}
	return ROUTE_OK;
malformed:
	snprintf(why, whylen, "MX lookup of \"%s\": malformed answer",
	    domain);
	return ROUTE_TEMP;
}

/* One routes item: "smtp://host[:port][?pref=N&...]" or "host[:port]". */
static int
route_parse_item(const char *item, unsigned int port, struct route_host *h)
{
	char buf[ROUTE_NAME_MAX + 16];
	const char *s = item, *q, *pp;
	size_t n;
	int pref = 0;

	if (strncasecmp(s, "smtp://", 7) == 0)
		s += 7;
	q = strchr(s, '?');
	n = q != NULL ? (size_t)(q - s) : strlen(s);
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (q != NULL && (pp = strstr(q, "pref=")) != NULL &&
	    (pp[-1] == '?' || pp[-1] == '&'))
		pref = atoi(pp + 5);
	if (route_parse_hostport(buf, port, h) == -1)
		return -1;
	h->pref = pref;
	return 0;
}

enum route_err
route_plan(const char *domain, const char *gateway,
    const char *const *routes, size_t nroutes, unsigned int port,
    struct route_list *rl, char *why, size_t whylen)
{
	struct route_host h;
	enum route_err e;
	size_t i;

	memset(rl, 0, sizeof(*rl));
	if (gateway != NULL && *gateway != '\0') {
		if (gateway[0] == '#') {
			snprintf(why, whylen, "gateway \"%s\" names a "
			    "Momentum-internal route, not supported here",
			    gateway);
			return ROUTE_PERM;
		}
		if (route_parse_hostport(gateway, port, &h) == -1) {
			snprintf(why, whylen, "malformed gateway \"%s\"",
			    gateway);
			return ROUTE_PERM;
		}
		if (route_push(rl, &h) == -1)
			goto nomem;
		return ROUTE_OK;
	}
	for (i = 0; i < nroutes; i++) {
		if (strcasecmp(routes[i], "__mx__") == 0) {
			if ((e = route_mx(domain, port, rl, why,
			    whylen)) != ROUTE_OK && rl->n == 0)
				return e;
			continue;
		}
		if (route_parse_item(routes[i], port, &h) == -1) {
			snprintf(why, whylen, "malformed route \"%s\"",
			    routes[i]);
			route_list_fini(rl);
			return ROUTE_PERM;
		}
		if (route_push(rl, &h) == -1)
			goto nomem;
	}
	if (nroutes > 0 && rl->n > 0) {
		route_sort_stable(rl);
		return ROUTE_OK;
	}
	return route_mx(domain, port, rl, why, whylen);
nomem:
	route_list_fini(rl);
	snprintf(why, whylen, "out of memory");
	return ROUTE_TEMP;
}

enum route_err
route_addrs(const struct route_host *h, const struct route_override *ov,
    size_t nov, struct route_addr **out, size_t *n, char *why,
    size_t whylen)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct route_addr *v = NULL, *nv;
	const char *name = h->name;
	char port[8];
	size_t i, cnt = 0;
	int r, numeric = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; i < nov; i++)
		if (strcasecmp(ov[i].host, h->name) == 0) {
			name = ov[i].ip;
			numeric = 1;
			break;
		}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = numeric ? AI_NUMERICHOST : AI_ADDRCONFIG;
	snprintf(port, sizeof(port), "%u", h->port);
	if ((r = getaddrinfo(name, port, &hints, &res)) != 0) {
		snprintf(why, whylen, "cannot resolve host \"%s\": %s",
		    name, gai_strerror(r));
		return r == EAI_NONAME ? ROUTE_PERM : ROUTE_TEMP;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(v->ss))
			continue;
		if ((nv = realloc(v, (cnt + 1) * sizeof(*v))) == NULL) {
			free(v);
			freeaddrinfo(res);
			snprintf(why, whylen, "out of memory");
			return ROUTE_TEMP;
		}
		v = nv;
		memset(&v[cnt], 0, sizeof(v[cnt]));
		memcpy(&v[cnt].ss, ai->ai_addr, ai->ai_addrlen);
		v[cnt].len = ai->ai_addrlen;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, v[cnt].ip,
		    sizeof(v[cnt].ip), NULL, 0, NI_NUMERICHOST) != 0)
			snprintf(v[cnt].ip, sizeof(v[cnt].ip), "?");
		cnt++;
	}
	freeaddrinfo(res);
	if (cnt == 0) {
		snprintf(why, whylen, "host \"%s\" has no usable address",
		    name);
		return ROUTE_TEMP;
	}
	*out = v;
	*n = cnt;
	return ROUTE_OK;
}
