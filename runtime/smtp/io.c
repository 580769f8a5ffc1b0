/* SPDX-License-Identifier: ISC */
/*
 * io.c -- the SMTP client's I/O layer (io.h).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

#ifdef TCP_QUICKACK
static const int io_one = 1;
#endif

void
io_init(struct io *io)
{
	memset(io, 0, sizeof(*io));
	io->fd = -1;
}

static void io_seterr(struct io *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
io_seterr(struct io *io, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(io->err, sizeof(io->err), fmt, ap);
	va_end(ap);
}

/* Milliseconds left until the deadline (never negative). */
static int
io_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > 86400000 ? 86400000 : (int)ms;
}

static void
io_deadline(struct timespec *d, unsigned int timeout)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += timeout;
}

/* Wait for events on the socket; IO_OK, IO_TIMEOUT or IO_ERROR. */
static enum io_status
io_wait(struct io *io, short events, const struct timespec *deadline)
{
	struct pollfd pfd;
	int r;

	for (;;) {
		pfd.fd = io->fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, io_left(deadline));
		if (r > 0)
			return IO_OK;
		if (r == 0) {
			io_seterr(io, "%s", "timed out");
			return IO_TIMEOUT;
		}
		if (errno != EINTR) {
			io_seterr(io, "poll: %s", strerror(errno));
			return IO_ERROR;
		}
	}
}

int
io_connect(struct io *io, const struct sockaddr *sa, socklen_t salen,
    const char *bind_addr, unsigned int timeout)
{
	struct sockaddr_storage ba;
	struct timespec deadline;
	socklen_t blen = 0;
	int err = 0, fl;
	socklen_t elen = sizeof(err);

	io_deadline(&deadline, timeout);
	if ((io->fd = socket(sa->sa_family, SOCK_STREAM, 0)) == -1) {
		io_seterr(io, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind_addr != NULL && *bind_addr != '\0' &&
	    strcmp(bind_addr, "*") != 0) {
		memset(&ba, 0, sizeof(ba));
		if (sa->sa_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ba;

			s6->sin6_family = AF_INET6;
			blen = sizeof(*s6);
			if (inet_pton(AF_INET6, bind_addr,
			    &s6->sin6_addr) != 1)
				blen = 0;
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ba;

			s4->sin_family = AF_INET;
			blen = sizeof(*s4);
			if (inet_pton(AF_INET, bind_addr, &s4->sin_addr) != 1)
				blen = 0;
		}
		if (blen == 0) {
			io_seterr(io, "bind_address \"%s\" is not an address "
			    "of the destination's family", bind_addr);
			goto fail;
		}
		if (bind(io->fd, (struct sockaddr *)&ba, blen) == -1) {
			io_seterr(io, "bind: %s", strerror(errno));
			goto fail;
		}
	}
	if ((fl = fcntl(io->fd, F_GETFL)) == -1 ||
	    fcntl(io->fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		io_seterr(io, "fcntl: %s", strerror(errno));
		goto fail;
	}
	if (connect(io->fd, sa, salen) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		io_seterr(io, "connect: %s", strerror(errno));
		goto fail;
	}
	if (io_wait(io, POLLOUT, &deadline) != IO_OK) {
		if (io->err[0] == 't')
			io_seterr(io, "%s", "connect: timed out");
		goto fail;
	}
	if (getsockopt(io->fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1)
		err = errno;
	if (err != 0) {
		io_seterr(io, "connect: %s", strerror(err));
		goto fail;
	}
	return 0;
fail:
	close(io->fd);
	io->fd = -1;
	return -1;
}

/* Read what is available into the buffer, waiting until the deadline. */
static enum io_status
io_fill(struct io *io, const struct timespec *deadline)
{
	enum tls_result tr;
	enum io_status st;
	size_t n;
	ssize_t r;

	if (io->rpos > 0) {
		memmove(io->rbuf, io->rbuf + io->rpos, io->rlen - io->rpos);
		io->rlen -= io->rpos;
		io->rpos = 0;
	}
	if (io->rlen == sizeof(io->rbuf)) {
		io_seterr(io, "%s", "input buffer full");
		return IO_ERROR;
	}
	for (;;) {
		if (io->tls != NULL) {
			tr = tls_read(io->tls, io->rbuf + io->rlen,
			    sizeof(io->rbuf) - io->rlen, &n);
			if (tr == TLS_OK) {
				io->rlen += n;
				return IO_OK;
			}
			if (tr == TLS_EOF) {
				io_seterr(io, "%s", "connection closed by the "
				    "peer");
				return IO_EOF;
			}
			if (tr == TLS_ERROR) {
				io_seterr(io, "%s", tls_conn_error(io->tls));
				return IO_ERROR;
			}
			st = io_wait(io, tr == TLS_WANT_WRITE ? POLLOUT :
			    POLLIN, deadline);
		} else {
			r = read(io->fd, io->rbuf + io->rlen,
			    sizeof(io->rbuf) - io->rlen);
			if (r > 0) {
				io->rlen += (size_t)r;
				return IO_OK;
			}
			if (r == 0) {
				io_seterr(io, "%s", "connection closed by the "
				    "peer");
				return IO_EOF;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				io_seterr(io, "read: %s", strerror(errno));
				return IO_ERROR;
			}
			st = io_wait(io, POLLIN, deadline);
		}
		if (st != IO_OK)
			return st;
	}
}

enum io_status
io_read_line(struct io *io, char *line, size_t cap, size_t max, size_t *len,
    unsigned int timeout)
{
	struct timespec deadline;
	const unsigned char *start, *nl;
	enum io_status st;
	size_t raw, n;

	*len = 0;
	if (cap == 0)
		return IO_ERROR;
	if (max >= cap)
		max = cap - 1;
	io_deadline(&deadline, timeout);
	for (;;) {
		start = io->rbuf + io->rpos;
		nl = memchr(start, '\n', io->rlen - io->rpos);
		if (nl != NULL) {
			raw = (size_t)(nl - start);
			n = raw > 0 && start[raw - 1] == '\r' ? raw - 1 : raw;
			io->rpos += raw + 1;
			if (n > max) {
				io_seterr(io, "%s", "line too long");
				return IO_TOOLONG;
			}
			memcpy(line, start, n);
			line[n] = '\0';
			*len = n;
			return IO_OK;
		}
		if (io->rlen - io->rpos > max + 1) {
			io_seterr(io, "%s", "line too long");
			return IO_TOOLONG;
		}
		if ((st = io_fill(io, &deadline)) != IO_OK)
			return st;
	}
}

enum io_status
io_write(struct io *io, const void *buf, size_t len, unsigned int timeout)
{
	struct timespec deadline;
	const unsigned char *p = buf;
	enum tls_result tr;
	enum io_status st;
	size_t n;
	ssize_t r;

	io_deadline(&deadline, timeout);
	while (len > 0) {
		if (io->tls != NULL) {
			tr = tls_write(io->tls, p, len, &n);
			if (tr == TLS_OK) {
				p += n;
				len -= n;
				continue;
			}
			if (tr == TLS_EOF || tr == TLS_ERROR) {
				io_seterr(io, "%s", tls_conn_error(io->tls));
				return tr == TLS_EOF ? IO_EOF : IO_ERROR;
			}
			st = io_wait(io, tr == TLS_WANT_READ ? POLLIN :
			    POLLOUT, &deadline);
		} else {
			r = send(io->fd, p, len, MSG_NOSIGNAL);
			if (r >= 0) {
				p += r;
				len -= (size_t)r;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				io_seterr(io, "write: %s", strerror(errno));
				return errno == EPIPE || errno == ECONNRESET ?
				    IO_EOF : IO_ERROR;
			}
			st = io_wait(io, POLLOUT, &deadline);
		}
		if (st != IO_OK)
			return st;
	}
#ifdef TCP_QUICKACK
	/*
	 * A command went out and its reply comes next: acknowledge at once
	 * what arrives meanwhile.  A server whose reply waits (Nagle) for the
	 * ACK of its previous segment -- Postfix after a TLS 1.3 handshake:
	 * its session tickets, then the EHLO reply -- otherwise waits for our
	 * delayed ACK (40 ms on Linux) on every full handshake.
	 */
	(void)setsockopt(io->fd, IPPROTO_TCP, TCP_QUICKACK, &io_one,
	    sizeof(io_one));
#endif
	return IO_OK;
}

enum io_status
io_starttls(struct io *io, struct tls_conn *conn, unsigned int timeout)
{
	struct timespec deadline;
	enum tls_result tr;
	enum io_status st;

	/* Nothing received in clear may be read after the handshake. */
	io->discarded += io->rlen - io->rpos;
	io->rpos = io->rlen = 0;
	io->tls = conn;
	io_deadline(&deadline, timeout);
	for (;;) {
		tr = tls_handshake(conn);
		if (tr == TLS_OK)
			return IO_OK;
		if (tr == TLS_EOF || tr == TLS_ERROR) {
			io_seterr(io, "%s", tls_conn_error(conn));
			return IO_ERROR;
		}
		st = io_wait(io, tr == TLS_WANT_WRITE ? POLLOUT : POLLIN,
		    &deadline);
		if (st == IO_TIMEOUT)
			io_seterr(io, "%s", "TLS handshake timed out");
		if (st != IO_OK)
			return st;
	}
}

size_t
io_pending(const struct io *io)
{
	return io->rlen - io->rpos;
}

void
io_close(struct io *io)
{
	if (io->tls != NULL) {
		(void)tls_close(io->tls);
		tls_conn_free(io->tls);
		io->tls = NULL;
	}
	if (io->fd != -1)
		close(io->fd);
	io->fd = -1;
	io->rpos = io->rlen = 0;
}

const char *
io_error(const struct io *io)
{
	return io->err[0] != '\0' ? io->err : "unknown error";
}
