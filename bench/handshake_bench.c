/* SPDX-License-Identifier: ISC */
/*
 * handshake_bench.c -- STARTTLS handshakes per second against an SMTP
 * server, with and without TLS session resumption, through the runtime's
 * own layers (smtp/io.h, tls.h: the code ectls-deliver runs).  One
 * connection at a time; each one is
 *
 *	connect, banner, EHLO, STARTTLS, 220, TLS handshake, EHLO, QUIT
 *
 * so a session ticket (TLS 1.3: sent after the handshake) has arrived
 * before the connection ends.  With --resume, every connection offers the
 * session the previous one left in a tls_session_cache (the first is a
 * full handshake); without, none does.  Prints one line:
 *
 *   ENGINE TLSV resume=yes|no N connections in S s: R handshakes/s,
 *	K resumed
 *
 *   handshake_bench --engine openssl|gnutls --port PORT [--ip 127.0.0.1]
 *       [--sni mx.example.test] [--ca FILE] [--cert FILE --key FILE]
 *       [--version 1.2|1.3] [--resume] [-n N]
 *
 * Exit 1 when a connection fails or, with --resume, not every connection
 * after the first resumed; 2 on usage errors.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtp/io.h"
#include "tls.h"

#define TMO	10

static const int one_ = 1;


/* Read one reply (all its lines); its code, or -1. */
static int
reply(struct io *io)
{
	char line[1024];
	size_t len;

	do {
		if (io_read_line(io, line, sizeof(line), 1000, &len, TMO) !=
		    IO_OK || len < 3)
			return -1;
	} while (len > 3 && line[3] == '-');
	return atoi(line);
}

static int
cmd(struct io *io, const char *s, int want)
{
	if (io_write(io, s, strlen(s), TMO) != IO_OK)
		return -1;
	return reply(io) / 100 == want ? 0 : -1;
}

/* One connection; 0 ok (*resumed set), -1 with why. */
static int
one(struct tls_ctx *ctx, struct tls_session_cache *sc,
    const struct sockaddr_in *sa, const char *sni, int *resumed,
    char *why, size_t whylen)
{
	struct tls_conn_info info;
	struct tls_conn *c;
	struct io io;
	int rc = -1;

	io_init(&io);
	if (io_connect(&io, (const struct sockaddr *)sa, sizeof(*sa), NULL,
	    TMO) == -1) {
		snprintf(why, whylen, "connect: %s", io_error(&io));
		return -1;
	}
	/* As ectls-deliver: no Nagle wait for the peer's delayed ACK. */
	(void)setsockopt(io.fd, IPPROTO_TCP, TCP_NODELAY, &one_,
	    sizeof(one_));
	if (reply(&io) != 220 || cmd(&io, "EHLO bench.example.test\r\n",
	    2) == -1 || cmd(&io, "STARTTLS\r\n", 2) == -1) {
		snprintf(why, whylen, "SMTP before TLS: %s", io_error(&io));
		goto out;
	}
	if ((c = tls_conn_new(ctx, io.fd, sni, why, whylen)) == NULL)
		goto out;
	if (sc != NULL && tls_conn_use_cache(c, sc, "bench") == -1) {
		tls_conn_free(c);
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (io_starttls(&io, c, TMO) != IO_OK) {
		snprintf(why, whylen, "handshake: %s", io_error(&io));
		goto out;
	}
	if (tls_conn_info(c, &info) == -1) {
		snprintf(why, whylen, "no TLS information");
		goto out;
	}
	*resumed = info.resumed;
	if (cmd(&io, "EHLO bench.example.test\r\n", 2) == -1 ||
	    cmd(&io, "QUIT\r\n", 2) == -1) {
		snprintf(why, whylen, "SMTP inside TLS: %s", io_error(&io));
		goto out;
	}
	rc = 0;
out:
	io_close(&io);
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: handshake_bench --engine openssl|gnutls "
	    "--port PORT [--ip IP] [--sni NAME]\n"
	    "       [--ca FILE] [--cert FILE --key FILE] [--version 1.2|1.3] "
	    "[--resume] [-n N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "engine", required_argument, NULL, 'e' },
		{ "port", required_argument, NULL, 'p' },
		{ "ip", required_argument, NULL, 'i' },
		{ "sni", required_argument, NULL, 's' },
		{ "ca", required_argument, NULL, 'a' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "version", required_argument, NULL, 'v' },
		{ "resume", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct tls_client_config cf = { .engine = TLS_ENGINE_OPENSSL };
	struct tls_session_cache *sc = NULL;
	struct tls_ctx *ctx;
	struct sockaddr_in sa;
	struct timespec t0, t1;
	const char *ip = "127.0.0.1", *sni = "mx.example.test";
	char why[512];
	long n = 1000, i, nres = 0;
	int ch, port = 0, resume = 0, version = 0, e, res, rc = 0;
	double secs;

	while ((ch = getopt_long(argc, argv, "n:", lo, NULL)) != -1) {
		switch (ch) {
		case 'e':
			if ((e = tls_engine_from_name(optarg)) == -1)
				usage();
			cf.engine = (enum tls_engine)e;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'i':
			ip = optarg;
			break;
		case 's':
			sni = optarg;
			break;
		case 'a':
			cf.ca = optarg;
			break;
		case 'c':
			cf.cert = optarg;
			break;
		case 'k':
			cf.key = optarg;
			break;
		case 'v':
			if (strcmp(optarg, "1.2") == 0)
				version = 2;
			else if (strcmp(optarg, "1.3") == 0)
				version = 3;
			else
				usage();
			break;
		case 'r':
			resume = 1;
			break;
		case 'n':
			n = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (port <= 0 || port > 65535 || n < 1 || optind != argc)
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		usage();
	/* One version: OpenSSL by protocol set, GnuTLS by priority. */
	if (version != 0 && cf.engine == TLS_ENGINE_OPENSSL)
		cf.protocols = version == 3 ? TLS_PROTO_TLSV1_3 :
		    TLS_PROTO_TLSV1_2;
	if (version != 0 && cf.engine == TLS_ENGINE_GNUTLS)
		cf.ciphers = version == 3 ? "NORMAL:-VERS-ALL:+VERS-TLS1.3" :
		    "NORMAL:-VERS-ALL:+VERS-TLS1.2";
	if ((ctx = tls_client_new(&cf, why, sizeof(why))) == NULL) {
		fprintf(stderr, "handshake_bench: %s\n", why);
		return 1;
	}
	if (resume && (sc = tls_session_cache_new(4, 3600)) == NULL) {
		fprintf(stderr, "handshake_bench: out of memory\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		res = 0;
		if (one(ctx, sc, &sa, sni, &res, why, sizeof(why)) == -1) {
			fprintf(stderr, "handshake_bench: connection %ld: %s\n",
			    i + 1, why);
			rc = 1;
			break;
		}
		nres += res;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%s TLS%s resume=%s %ld connections in %.2f s: %.0f "
	    "handshakes/s, %ld resumed\n", tls_engine_name(cf.engine),
	    version == 2 ? "1.2" : version == 3 ? "1.3" : "-any",
	    resume ? "yes" : "no", i, secs, secs > 0 ? (double)i / secs : 0.0,
	    nres);
	if (resume && rc == 0 && nres != n - 1) {
		fprintf(stderr, "handshake_bench: only %ld of %ld connections "
		    "resumed\n", nres, n - 1);
		rc = 1;
	}
	if (!resume && nres != 0)
		rc = 1;
	tls_session_cache_free(sc);
	tls_ctx_free(ctx);
	tls_global_fini();
	return rc;
}
