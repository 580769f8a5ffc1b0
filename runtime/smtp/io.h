/* SPDX-License-Identifier: ISC */
/*
 * io.h -- the SMTP client's I/O layer: one non-blocking TCP connection,
 * optionally upgraded to TLS, a bounded line reader and writes, each with
 * an explicit timeout (OpenSMTPD ioev.c, reduced to what a one-shot client
 * needs: the calls wait with poll(2) until done or timed out).  Nothing here
 * prints or exits; failures leave a reason in io_error().
 */
#ifndef ECTLS_SMTP_IO_H
#define ECTLS_SMTP_IO_H

#include <sys/socket.h>

#include <stddef.h>

#include "tls.h"

#define IO_BUF_SIZE	16384

enum io_status {
	IO_OK = 0,
	IO_TIMEOUT,
	IO_EOF,		/* the peer closed the connection */
	IO_TOOLONG,	/* a line longer than the caller's maximum */
	IO_ERROR
};

struct io {
	int		 fd;
	struct tls_conn	*tls;		/* owned; NULL: plain text */
	unsigned char	 rbuf[IO_BUF_SIZE];
	size_t		 rpos;
	size_t		 rlen;
	size_t		 discarded;	/* bytes dropped by io_starttls */
	char		 err[512];
};

/* An io with no connection (fd -1). */
void	io_init(struct io *);

/*
 * Connect to addr within timeout seconds, from bind_addr (an IP literal;
 * NULL or "*": any).  0, or -1 with the reason in io_error().
 */
int	io_connect(struct io *, const struct sockaddr *, socklen_t,
	    const char *bind_addr, unsigned int timeout);

/*
 * Read one line (up to LF; CR LF or LF removed) of at most max bytes into
 * line (cap >= max + 1 bytes, NUL-terminated; embedded NULs are kept and
 * counted in *len).  IO_TOOLONG when the line exceeds max.
 */
enum io_status io_read_line(struct io *, char *line, size_t cap, size_t max,
	    size_t *len, unsigned int timeout);

/* Write all of buf. */
enum io_status io_write(struct io *, const void *, size_t,
	    unsigned int timeout);

/*
 * Start TLS on the connection: every byte already received and not yet
 * read is DISCARDED first (the STARTTLS injection class, CVE-2011-0411:
 * nothing the server sent before the handshake may be read as a reply
 * afterwards; io->discarded counts them), then the handshake runs within
 * timeout seconds.  The io takes ownership of conn (freed by io_close()).
 */
enum io_status io_starttls(struct io *, struct tls_conn *conn,
	    unsigned int timeout);

/* Bytes received and not yet consumed. */
size_t	io_pending(const struct io *);

/* Close (TLS close_notify first, if any) and release. */
void	io_close(struct io *);

/* The reason of the last failure; borrowed. */
const char *io_error(const struct io *);

#endif /* ECTLS_SMTP_IO_H */
