/* SPDX-License-Identifier: ISC */
/*
 * table_bench.c -- ectls policy table vs tinycdb (Debian libcdb), in one
 * run, on the same keys "binding\0domain" -> policy:
 *
 *  - ns per lookup: ectls_lookupn (and ectls_lookup) vs cdb_find on an
 *    mmap'ed cdb (both given the key lengths, as cdb_find must be), random
 *    hits and random misses (a miss: a domain not in the table, for a
 *    binding that is; ectls then returns the binding's record, so cdb is
 *    also timed with that second find), tables of 10^4, 10^6, 10^7 keys;
 *  - bytes per key of both files;
 *  - build time: tblw for 10^6 pairs vs `cdb -c` of the same key/value
 *    list (cdb values: a 4-byte policy number);
 *  - time from ectls_open to the first lookup on the largest table.
 *
 *   table_bench [-n 10000,1000000,10000000] [-q 10000000] [-d DIR]
 *
 * Few distinct policy values (32), 16 bindings sharing one domain list,
 * domain names shaped like real ones.  As in a compiled configuration,
 * every (binding, domain) pair comes from its own B::D stanza: the
 * provenance (file:line) of its B::D fields is unique to the pair, so the
 * table cannot simply share whole records between pairs.  Everything is
 * deterministic.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "ectls.h"
#include "tblw.h"

#define NBIND	16
#define NPOLS	32

static const char *const tlds[] = {
	"com", "net", "org", "de", "co.uk", "fr", "nl", "io", "com.au", "jp",
	"com", "com", "net", "info", "biz", "ca"
};
static const char *const suffixes[] = {
	"", "", "", "", "-mail", "-group", "-online", "-corp", "-shop", "-tech",
	"", "", "-labs", "", "-net", ""
};
static const char *const prefixes[] = {
	"", "", "", "", "mail.", "mx.", "smtp.", "", "", "", "lists.", "", "",
	"", "eu.", ""
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/*
 * Domain number i: a 4-syllable label from a bijection of i (so domains
 * are distinct), a suffix, sometimes a sub-domain, a TLD.
 */
static int
domain_name(uint64_t i, char *buf, size_t cap)
{
	static const char cons[] = "bcdfghklmnprstvz", vow[] = "aeio";
	uint64_t x = (i * 0x9e3779b1ull) & 0xffffffull, h = mix(i);
	char label[16];
	int k;

	/* 0x9e3779b1 is odd, so i -> x is a bijection modulo 2^24. */
	x |= (i >> 24) << 24;
	for (k = 0; k < 4; k++) {
		label[2 * k] = cons[(x >> (6 * k)) & 15];
		label[2 * k + 1] = vow[(x >> (6 * k + 4)) & 3];
	}
	label[8] = '\0';
	return snprintf(buf, cap, "%s%s%s%.0llu.%s", prefixes[h & 15],
	    label, suffixes[(h >> 4) & 15], (unsigned long long)(x >> 24),
	    tlds[(h >> 8) & 15]);
}

static void
binding_name(unsigned b, char *buf, size_t cap)
{
	if (b == 0)
		snprintf(buf, cap, "default");
	else
		snprintf(buf, cap, "mta-pool-%02u", b);
}

static uint32_t
policy_of(unsigned b, uint64_t d)
{
	/* Skewed: most pairs share a handful of policies. */
	uint64_t h = mix(d * 31 + b);

	return (h & 3) ? (uint32_t)(h >> 8) % 4 : (uint32_t)(h >> 8) % NPOLS;
}

static struct tblw_policy pols[NPOLS + NBIND];
static char certs[NPOLS][64];

static void
make_policies(void)
{
	struct tblw_policy *p;
	int i;

	for (i = 0; i < NPOLS + NBIND; i++) {
		p = &pols[i];
		tblw_policy_init(p);
		p->f[ECTLS_F_TLS].num = i % 3;
		p->f[ECTLS_F_TLS].level = ECTLS_LVL_BD;
		p->f[ECTLS_F_TLS].file = "/opt/msys/ecelerity/etc/ecelerity.conf";
		p->f[ECTLS_F_TLS].line = 100 + i;
		p->f[ECTLS_F_TLS_VERIFY].num = i % 4;
		p->f[ECTLS_F_TLS_VERIFY].level = ECTLS_LVL_B;
		p->f[ECTLS_F_TLS_VERIFY].file = "/opt/msys/ecelerity/etc/tls.conf";
		p->f[ECTLS_F_TLS_VERIFY].line = 10 + i % 7;
		if (i < NPOLS) {
			snprintf(certs[i], sizeof(certs[i]),
			    "/etc/pki/tls/certs/customer%d.pem", i % 8);
			p->f[ECTLS_F_TLS_CERTIFICATE].str = certs[i];
			p->f[ECTLS_F_TLS_CERTIFICATE].level = ECTLS_LVL_D;
			p->f[ECTLS_F_TLS_CERTIFICATE].file =
			    "/opt/msys/ecelerity/etc/tls.conf";
			p->f[ECTLS_F_TLS_CERTIFICATE].line = 40 + i;
		}
		p->f[ECTLS_F_TLS_CIPHERS].str = "HIGH:!aNULL:!MD5";
		p->f[ECTLS_F_TLS_CIPHERS].level = ECTLS_LVL_GLOBAL;
		p->f[ECTLS_F_TLS_CIPHERS].file =
		    "/opt/msys/ecelerity/etc/ecelerity.conf";
		p->f[ECTLS_F_TLS_CIPHERS].line = 12;
		/* The port carries the policy number, to check answers. */
		p->f[ECTLS_F_REMOTE_SMTP_PORT].num = 2000 + i;
		p->f[ECTLS_F_REMOTE_SMTP_PORT].level = ECTLS_LVL_BD;
		p->f[ECTLS_F_REMOTE_SMTP_PORT].file =
		    "/opt/msys/ecelerity/etc/ecelerity.conf";
		p->f[ECTLS_F_REMOTE_SMTP_PORT].line = 200 + i;
		p->protocols = ECTLS_PROTO_TLSV1_2 | ECTLS_PROTO_TLSV1_3;
	}
}

/* Queries: "binding\0domain\0" back to back; offsets of each. */
struct qset {
	char		*buf;
	size_t		 len, cap;
	uint32_t	*klen;		/* key length (binding\0domain) */
	uint8_t		*blen;
	uint64_t	*off;
	uint32_t	*want;		/* expected policy number */
	size_t		 n;
};

static void
qs_build(struct qset *q, size_t n, uint64_t ndom, int hits, uint64_t seed)
{
	char bn[32], dn[128];
	size_t i;
	unsigned b;
	uint64_t d, r = seed;
	int bl, dl;

	q->cap = n * 40 + 1024;
	q->buf = malloc(q->cap);
	q->klen = malloc(n * sizeof(*q->klen));
	q->blen = malloc(n);
	q->off = malloc(n * sizeof(*q->off));
	q->want = malloc(n * sizeof(*q->want));
	if (!q->buf || !q->klen || !q->blen || !q->off || !q->want) {
		perror("table_bench");
		exit(2);
	}
	q->len = 0;
	for (i = 0; i < n; i++) {
		r = mix(r + i);
		b = r % NBIND;
		d = hits ? (r >> 8) % ndom : ndom + (r >> 8) % (ndom + 1000);
		binding_name(b, bn, sizeof(bn));
		bl = (int)strlen(bn);
		dl = domain_name(d, dn, sizeof(dn));
		if (q->len + bl + dl + 2 > q->cap) {
			q->cap *= 2;
			if ((q->buf = realloc(q->buf, q->cap)) == NULL) {
				perror("table_bench");
				exit(2);
			}
		}
		q->off[i] = q->len;
		memcpy(q->buf + q->len, bn, bl + 1);
		memcpy(q->buf + q->len + bl + 1, dn, dl + 1);
		q->klen[i] = bl + 1 + dl;
		q->blen[i] = bl;
		q->want[i] = hits ? policy_of(b, d) : NPOLS + b;
		q->len += bl + dl + 2;
	}
	q->n = n;
}

static void
qs_free(struct qset *q)
{
	free(q->buf);
	free(q->klen);
	free(q->blen);
	free(q->off);
	free(q->want);
}

static off_t
fsize(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_size : -1;
}

/*
 * The policy of pair (b, d): the shared values of policy_of(b, d), with
 * its B::D fields set on the lines of the pair's own stanza.
 */
static const struct tblw_policy *
pair_policy(unsigned b, uint64_t d, uint64_t ndom, struct tblw_policy *p)
{
	uint32_t line = (uint32_t)(1000 + ((uint64_t)b * ndom + d) * 4);

	*p = pols[policy_of(b, d)];
	p->f[ECTLS_F_TLS].line = line + 1;
	p->f[ECTLS_F_REMOTE_SMTP_PORT].line = line + 2;
	return p;
}

/* Build both tables for ndom domains per binding; times in *tw, *tc. */
static void
build(const char *dir, uint64_t ndom, int with_cli, double *tw, double *tc,
    double *tcli)
{
	char path[512], cpath[512], tpath[512], ipath[512], bn[32], dn[128];
	char kb[200];
	struct cdb_make cm;
	struct tblw_policy pp;
	struct tblw *w;
	struct diag dg;
	unsigned b;
	uint64_t d;
	uint32_t v;
	FILE *in = NULL;
	double t0;
	int fd, bl, dl;

	snprintf(path, sizeof(path), "%s/t.ectp", dir);
	snprintf(cpath, sizeof(cpath), "%s/t.cdb", dir);
	snprintf(tpath, sizeof(tpath), "%s/t.cdb.tmp", dir);
	snprintf(ipath, sizeof(ipath), "%s/t.cdb.in", dir);
	diag_init(&dg, 0);
	t0 = now();
	if ((w = tblw_new("bench-1", &dg)) == NULL)
		exit(2);
	for (b = 0; b < NBIND; b++) {
		binding_name(b, bn, sizeof(bn));
		if (tblw_add_policy(w, bn, NULL, 0, 0, &pols[NPOLS + b]) != 0)
			goto fail;
		for (d = 0; d < ndom; d++) {
			domain_name(d, dn, sizeof(dn));
			if (tblw_add_policy(w, bn, dn, 0, 0,
			    pair_policy(b, d, ndom, &pp)) != 0)
				goto fail;
		}
	}
	if (tblw_write_atomic(w, path) != 0)
		goto fail;
	tblw_free(w);
	*tw = now() - t0;
	diag_fini(&dg);

	/* The same pairs into a cdb, with the library. */
	t0 = now();
	if ((fd = open(cpath, O_RDWR | O_CREAT | O_TRUNC, 0644)) < 0 ||
	    cdb_make_start(&cm, fd) < 0) {
		perror(cpath);
		exit(2);
	}
	if (with_cli && (in = fopen(ipath, "w")) == NULL) {
		perror(ipath);
		exit(2);
	}
	for (b = 0; b < NBIND; b++) {
		binding_name(b, bn, sizeof(bn));
		bl = (int)strlen(bn);
		for (d = 0; d <= ndom; d++) {
			/* d == ndom: the binding's own record (no domain). */
			dl = d < ndom ? domain_name(d, dn, sizeof(dn)) : 0;
			memcpy(kb, bn, bl + 1);
			memcpy(kb + bl + 1, dn, dl);
			v = d < ndom ? policy_of(b, d) : NPOLS + b;
			if (cdb_make_add(&cm, kb, bl + 1 + dl, &v, 4) < 0) {
				perror("cdb_make_add");
				exit(2);
			}
		}
	}
	if (cdb_make_finish(&cm) < 0 || fsync(fd) < 0 || close(fd) < 0) {
		perror("cdb_make_finish");
		exit(2);
	}
	*tc = now() - t0;
	/* The same list as `cdb -c` input, not timed. */
	for (b = 0; in != NULL && b < NBIND; b++) {
		binding_name(b, bn, sizeof(bn));
		bl = (int)strlen(bn);
		for (d = 0; d <= ndom; d++) {
			dl = d < ndom ? domain_name(d, dn, sizeof(dn)) : 0;
			memcpy(kb, bn, bl + 1);
			memcpy(kb + bl + 1, dn, dl);
			v = d < ndom ? policy_of(b, d) : NPOLS + b;
			fprintf(in, "+%d,4:", bl + 1 + dl);
			fwrite(kb, 1, bl + 1 + dl, in);
			fputs("->", in);
			fwrite(&v, 1, 4, in);
			fputc('\n', in);
		}
	}
	*tcli = 0;
	if (in != NULL) {
		char cmd[2048];

		fputc('\n', in);
		if (fclose(in) != 0) {
			perror(ipath);
			exit(2);
		}
		snprintf(cmd, sizeof(cmd), "cdb -c -t '%s' '%s.cli' '%s'",
		    tpath, cpath, ipath);
		t0 = now();
		if (system(cmd) != 0) {
			fprintf(stderr, "table_bench: %s failed\n", cmd);
			exit(2);
		}
		*tcli = now() - t0;
		snprintf(cmd, sizeof(cmd), "%s.cli", cpath);
		unlink(cmd);
		unlink(ipath);
	}
	return;
fail:
	fprintf(stderr, "table_bench: writer: %s\n",
	    dg.nitems ? dg.items[0].msg : "error");
	exit(2);
}

static volatile uint64_t sink;

/*
 * counted: ectls_lookupn with the lengths known, as cdb_find is given its
 * key length; else ectls_lookup on the NUL-terminated strings.
 */
static double
time_ectls(const struct ectls_table *t, const struct qset *q, size_t n,
    int counted, int check)
{
	const struct ectls_policy *p;
	uint64_t acc = 0;
	double t0;
	size_t i;

	t0 = now();
	for (i = 0; i < n; i++) {
		const char *k = q->buf + q->off[i];

		if (counted)
			p = ectls_lookupn(t, k, q->blen[i], k + q->blen[i] + 1,
			    q->klen[i] - q->blen[i] - 1);
		else
			p = ectls_lookup(t, k, k + q->blen[i] + 1);
		acc += ectls_get_remote_smtp_port(p);
		if (check && ectls_get_remote_smtp_port(p) != 2000 + q->want[i]) {
			fprintf(stderr, "table_bench: ectls wrong answer for "
			    "%s %s\n", k, k + q->blen[i] + 1);
			exit(2);
		}
	}
	sink += acc;
	return (now() - t0) / n * 1e9;
}

/* fallback: on a miss, find the binding's own record as ectls does. */
static double
time_cdb(struct cdb *c, const struct qset *q, size_t n, int fallback,
    int check)
{
	const uint8_t *v;
	uint64_t acc = 0;
	uint32_t x;
	double t0;
	size_t i;
	int rc;

	t0 = now();
	for (i = 0; i < n; i++) {
		const char *k = q->buf + q->off[i];

		rc = cdb_find(c, k, q->klen[i]);
		if (rc <= 0 && fallback)
			rc = cdb_find(c, k, q->blen[i] + 1);
		if (rc > 0) {
			v = cdb_get(c, 4, cdb_datapos(c));
			memcpy(&x, v, 4);
			acc += x;
			if (check && x != q->want[i]) {
				fprintf(stderr, "table_bench: cdb wrong answer\n");
				exit(2);
			}
		} else if (check && fallback) {
			fprintf(stderr, "table_bench: cdb miss\n");
			exit(2);
		}
	}
	sink += acc;
	return (now() - t0) / n * 1e9;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The machine is shared: run the queries in NCHUNK chunks, each chunk
 * timed for every variant in turn, the order rotating from chunk to chunk
 * (the first variant to read a chunk's query strings pays for bringing
 * them into the cache, the later ones find them there), and report the
 * median chunk of each variant and the median of the per-chunk ratios
 * (ectls and cdb timed back to back, so load that comes and goes between
 * chunks cancels out).
 */
#define NCHUNK	20

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(double), dcmp);
	return (v[(n - 1) / 2] + v[n / 2]) / 2;
}

/*
 * r: medians of the variants (0 ectls_lookupn hit, 1 cdb hit, 2 ectls_lookupn
 * miss, 3 cdb miss, 4 cdb miss + fallback find, 5 ectls_lookup hit,
 * 6 ectls_lookup miss), then the ratios 7 hit (lookupn / cdb), 8 miss
 * (lookupn / cdb + fallback), 9 and 10 the same for ectls_lookup.
 */
#define NVAR	7

static void
measure(const struct ectls_table *t, struct cdb *c, const struct qset *hit,
    const struct qset *miss, size_t nq, double r[NVAR + 4])
{
	double v[NVAR][NCHUNK], rt[4][NCHUNK];
	struct qset h, m;
	size_t per = nq / NCHUNK, i;
	int k, j;

	for (i = 0; i < NCHUNK; i++) {
		h = *hit;
		m = *miss;
		h.off += i * per;
		h.klen += i * per;
		h.blen += i * per;
		m.off += i * per;
		m.klen += i * per;
		m.blen += i * per;
		for (j = 0; j < 3; j++)
			switch ((j + i) % 3) {
			case 0:
				v[0][i] = time_ectls(t, &h, per, 1, 0);
				break;
			case 1:
				v[1][i] = time_cdb(c, &h, per, 0, 0);
				break;
			default:
				v[5][i] = time_ectls(t, &h, per, 0, 0);
				break;
			}
		for (j = 0; j < 4; j++)
			switch ((j + i) % 4) {
			case 0:
				v[2][i] = time_ectls(t, &m, per, 1, 0);
				break;
			case 1:
				v[3][i] = time_cdb(c, &m, per, 0, 0);
				break;
			case 2:
				v[4][i] = time_cdb(c, &m, per, 1, 0);
				break;
			default:
				v[6][i] = time_ectls(t, &m, per, 0, 0);
				break;
			}
		rt[0][i] = v[0][i] / v[1][i];
		rt[1][i] = v[2][i] / v[4][i];
		rt[2][i] = v[5][i] / v[1][i];
		rt[3][i] = v[6][i] / v[4][i];
	}
	for (k = 0; k < NVAR; k++)
		r[k] = median(v[k], NCHUNK);
	for (k = 0; k < 4; k++)
		r[NVAR + k] = median(rt[k], NCHUNK);
}

int
main(int argc, char **argv)
{
	const char *sizes = "10000,1000000,10000000", *base = NULL;
	char dir[256], path[512], cpath[512], *s, *e;
	struct qset hit, miss;
	struct ectls_table *t;
	struct cdb c;
	size_t nq = 10000000, warm;
	uint64_t n, ndom, largest = 0;
	double tw, tc, tcli, r[NVAR + 4];
	int opt, fd, err;

	while ((opt = getopt(argc, argv, "n:q:d:")) != -1) {
		switch (opt) {
		case 'n':
			sizes = optarg;
			break;
		case 'q':
			nq = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			base = optarg;
			break;
		default:
			fprintf(stderr, "usage: table_bench [-n N,N,...] "
			    "[-q QUERIES] [-d DIR]\n");
			return 2;
		}
	}
	if (base == NULL && (base = getenv("TMPDIR")) == NULL)
		base = "/tmp";
	snprintf(dir, sizeof(dir), "%s/table_bench.XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/t.ectp", dir);
	snprintf(cpath, sizeof(cpath), "%s/t.cdb", dir);
	make_policies();
	printf("table_bench: %zu random hits and %zu random misses per size; "
	    "%d bindings, %d distinct policy values, provenance unique per "
	    "pair; ns per lookup (median of %d interleaved chunks; ratio: "
	    "median of the per-chunk ratios)\n", nq, nq, NBIND, NPOLS, NCHUNK);
	printf("ectls: ectls_lookupn (counted strings, as cdb_find); "
	    "in (): ectls_lookup (NUL-terminated)\n");
	printf("%10s %9s %9s %13s %9s %9s %9s %13s %9s %9s\n", "keys",
	    "ectls-hit", "cdb-hit", "ratio", "ectls-mis", "cdb-miss",
	    "cdb-mis+fb", "ratio", "ectls B/k", "cdb B/k");
	for (s = (char *)sizes; *s != '\0'; s = *e ? e + 1 : e) {
		n = strtoull(s, &e, 10);
		if (n < NBIND) {
			fprintf(stderr, "table_bench: bad size\n");
			return 2;
		}
		ndom = n / NBIND;
		build(dir, ndom, ndom * NBIND == 1000000 ||
		    (n >= 1000000 && n < 2000000), &tw, &tc, &tcli);
		if ((t = ectls_open(path, &err)) == NULL) {
			fprintf(stderr, "table_bench: %s\n", ectls_strerror(err));
			return 2;
		}
		if ((fd = open(cpath, O_RDONLY)) < 0 || cdb_init(&c, fd) < 0) {
			perror(cpath);
			return 2;
		}
		qs_build(&hit, nq, ndom, 1, 42);
		qs_build(&miss, nq, ndom, 0, 4242);
		/* Warm up (page cache, first-touch checks), check answers. */
		warm = nq < 1000000 ? nq : 1000000;
		time_ectls(t, &hit, warm, 0, 1);
		time_ectls(t, &miss, warm, 0, 1);
		time_ectls(t, &hit, warm, 1, 1);
		time_ectls(t, &miss, warm, 1, 1);
		time_cdb(&c, &hit, warm, 0, 1);
		time_cdb(&c, &miss, warm, 1, 1);
		measure(t, &c, &hit, &miss, nq, r);
		printf("%10llu %9.1f %9.1f %4.2f (%5.2f) %9.1f %9.1f %9.1f "
		    "%4.2f (%5.2f) %9.1f %9.1f\n",
		    (unsigned long long)(ndom * NBIND), r[0], r[1], r[7], r[9],
		    r[2], r[3], r[4], r[8], r[10],
		    (double)fsize(path) / (ndom * NBIND),
		    (double)fsize(cpath) / (ndom * NBIND));
		printf("%10s ectls_lookup: hit %.1f ns, miss %.1f ns\n", "",
		    r[5], r[6]);
		if (tcli > 0)
			printf("%10s build: tblw %.2f s, cdb_make (library) "
			    "%.2f s, `cdb -c` %.2f s: tblw/cdb-c = %.2f\n", "",
			    tw, tc, tcli, tw / tcli);
		else
			printf("%10s build: tblw %.2f s, cdb_make (library) "
			    "%.2f s\n", "", tw, tc);
		/*
		 * cdb storing the flattened record itself (as a plain cdb
		 * must without a second lookup): 128 bytes a value.
		 */
		printf("%10s cdb with 128-byte policy values would be %.1f "
		    "B/key\n", "", (double)(fsize(cpath) +
		    (uint64_t)(ndom + 1) * NBIND * 124) / (ndom * NBIND));
		fflush(stdout);
		ectls_close(t);
		cdb_free(&c);
		close(fd);
		qs_free(&hit);
		qs_free(&miss);
		largest = n;
	}
	if (largest > 0) {
		double best = 1e9, bc = 1e9, t0, t1;
		char dn[128];
		int i;

		domain_name(7, dn, sizeof(dn));
		for (i = 0; i < 5; i++) {
			t0 = now();
			t = ectls_open(path, &err);
			if (t == NULL || ectls_lookup(t, "mta-pool-03", dn) ==
			    NULL) {
				fprintf(stderr, "table_bench: reopen failed\n");
				return 2;
			}
			t1 = now() - t0;
			ectls_close(t);
			best = t1 < best ? t1 : best;
			t0 = now();
			fd = open(cpath, O_RDONLY);
			if (fd < 0 || cdb_init(&c, fd) < 0 ||
			    cdb_find(&c, "mta-pool-03", 12) <= 0) {
				fprintf(stderr, "table_bench: cdb reopen\n");
				return 2;
			}
			t1 = now() - t0;
			cdb_free(&c);
			close(fd);
			bc = t1 < bc ? t1 : bc;
		}
		printf("open to first lookup, %llu keys (file in page cache, "
		    "best of 5): ectls %.1f us, cdb %.1f us\n",
		    (unsigned long long)largest, best * 1e6, bc * 1e6);
	}
	unlink(path);
	unlink(cpath);
	rmdir(dir);
	return 0;
}
