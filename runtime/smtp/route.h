/* SPDX-License-Identifier: ISC */
/*
 * route.h -- where to deliver a domain's mail: `gateway`, else `routes`
 * ("smtp://host[:port]?pref=N" items and "__mx__", tried by preference,
 * lowest first, equal ones in list order), else the domain's MX
 * records (lowest preference first; RFC 7505 null MX refused), else the
 * domain itself (RFC 5321 5.1 implicit MX); then each host's addresses
 * (A/AAAA through getaddrinfo, or a --resolve override, like curl's).
 * Nothing here prints or exits.
 */
#ifndef ECTLS_SMTP_ROUTE_H
#define ECTLS_SMTP_ROUTE_H

#include <sys/socket.h>

#include <stddef.h>

#define ROUTE_NAME_MAX	256

struct route_host {
	char		 name[ROUTE_NAME_MAX];	/* host name or IP literal */
	unsigned int	 port;
	int		 pref;
	int		 mx;		/* found through DNS MX */
};

struct route_list {
	struct route_host *v;
	size_t		 n;
};

/* A --resolve HOST:IP override. */
struct route_override {
	const char	*host;
	const char	*ip;
};

struct route_addr {
	struct sockaddr_storage ss;
	socklen_t	 len;
	char		 ip[64];	/* numeric form */
};

enum route_err {
	ROUTE_OK = 0,
	ROUTE_TEMP,		/* try later (DNS failure, ...) */
	ROUTE_PERM		/* never deliverable (null MX, bad gateway) */
};

/*
 * "host", "host:port", "[v6addr]" or "[v6addr]:port" into *h (port
 * defport when absent).  0, or -1 when malformed.
 */
int	route_parse_hostport(const char *, unsigned int defport,
	    struct route_host *h);

/*
 * The hosts to try for `domain`, most preferred first, into *rl (a new
 * array; free with route_list_fini()).  gateway (NULL: unset) wins over
 * routes (nroutes items); an empty plan means DNS.  Returns ROUTE_OK, or
 * ROUTE_TEMP / ROUTE_PERM with the reason in why.
 */
enum route_err route_plan(const char *domain, const char *gateway,
	    const char *const *routes, size_t nroutes, unsigned int port,
	    struct route_list *rl, char *why, size_t whylen);
void	route_list_fini(struct route_list *);

/*
 * The addresses of one host (an override first), into *out (a new array;
 * free with free()), *n entries.  ROUTE_OK, or ROUTE_TEMP / ROUTE_PERM
 * with why (the host does not exist: PERM).
 */
enum route_err route_addrs(const struct route_host *,
	    const struct route_override *, size_t nov, struct route_addr **out,
	    size_t *n, char *why, size_t whylen);

#endif /* ECTLS_SMTP_ROUTE_H */
