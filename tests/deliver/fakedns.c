/* SPDX-License-Identifier: ISC */
/*
 * fakedns.c -- an LD_PRELOAD stand-in for libc's res_query(), so that the
 * delivery tests can exercise MX routing without a DNS server.  Answers
 * come from the environment:
 *
 *   ECTLS_FAKE_DNS="DOMAIN=PREF:HOST,PREF:HOST;DOMAIN=nodata;DOMAIN=nxdomain"
 *
 * PREF:HOST items become MX records (in the order given, so a client that
 * does not sort is caught); "nodata" is a name without MX records (the
 * client falls back to the domain's own addresses); "nxdomain" a name that
 * does not exist; "PREF:." a null MX (RFC 7505).  Any other query fails
 * with TRY_AGAIN: the tests never reach a real resolver.  Every query is
 * appended to ECTLS_FAKE_DNS_LOG, when set, as "DOMAIN TYPE".
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int	res_query(const char *, int, int, unsigned char *, int);

/* Append name in DNS wire form; the new length, or -1 when it won't fit. */
static int
put_name(unsigned char *b, int n, int cap, const char *name, size_t len)
{
	size_t i = 0, j;

	while (i < len) {
		for (j = i; j < len && name[j] != '.'; j++)
			;
		if (j - i > 63 || n + 1 + (int)(j - i) >= cap)
			return -1;
		b[n++] = (unsigned char)(j - i);
		memcpy(b + n, name + i, j - i);
		n += (int)(j - i);
		i = j + 1;
	}
	if (n + 1 > cap)
		return -1;
	b[n++] = 0;
	return n;
}

static void
put16(unsigned char *b, unsigned int v)
{
	b[0] = (unsigned char)(v >> 8);
	b[1] = (unsigned char)v;
}

int
res_query(const char *dname, int class, int type, unsigned char *ans,
    int anslen)
{
	const char *env = getenv("ECTLS_FAKE_DNS"), *p, *e, *eq, *it, *c;
	const char *logpath = getenv("ECTLS_FAKE_DNS_LOG");
	size_t dl = strlen(dname);
	int n, an = 0, start;
	FILE *fp;

	if (dl > 0 && dname[dl - 1] == '.')
		dl--;
	if (logpath != NULL && (fp = fopen(logpath, "a")) != NULL) {
		fprintf(fp, "%.*s %d\n", (int)dl, dname, type);
		fclose(fp);
	}
	h_errno = TRY_AGAIN;
	if (env == NULL || class != 1 || type != 15 || anslen < 512)
		return -1;
	for (p = env; *p != '\0'; p = *e ? e + 1 : e) {
		if ((e = strchr(p, ';')) == NULL)
			e = p + strlen(p);
		if ((eq = memchr(p, '=', (size_t)(e - p))) == NULL ||
		    (size_t)(eq - p) != dl || strncasecmp(p, dname, dl) != 0)
			continue;
		eq++;
		if ((size_t)(e - eq) == 8 && strncmp(eq, "nxdomain", 8) == 0) {
			h_errno = HOST_NOT_FOUND;
			return -1;
		}
		if ((size_t)(e - eq) == 6 && strncmp(eq, "nodata", 6) == 0) {
			h_errno = NO_DATA;
			return -1;
		}
		memset(ans, 0, 12);
		put16(ans + 2, 0x8180);		/* response, RD, RA */
		put16(ans + 4, 1);
		if ((n = put_name(ans, 12, anslen, dname, dl)) == -1 ||
		    n + 4 > anslen)
			return -1;
		put16(ans + n, 15);
		put16(ans + n + 2, 1);
		n += 4;
		for (it = eq; it < e; it = *c == ',' ? c + 1 : c) {
			for (c = it; c < e && *c != ','; c++)
				;
			if ((eq = memchr(it, ':', (size_t)(c - it))) == NULL ||
			    n + 14 > anslen)
				return -1;
			put16(ans + n, 0xc00c);	/* the question's name */
			put16(ans + n + 2, 15);
			put16(ans + n + 4, 1);
			put16(ans + n + 6, 0);
			put16(ans + n + 8, 300);
			start = n + 10;
			put16(ans + start + 2, (unsigned int)atoi(it));
			eq++;
			n = (size_t)(c - eq) == 1 && *eq == '.' ?
			    put_name(ans, start + 4, anslen, "", 0) :
			    put_name(ans, start + 4, anslen, eq,
			    (size_t)(c - eq));
			if (n == -1)
				return -1;
			put16(ans + start, (unsigned int)(n - start - 2));
			an++;
		}
		put16(ans + 6, (unsigned int)an);
		return n;
	}
	return -1;
}
