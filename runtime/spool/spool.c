/* SPDX-License-Identifier: ISC */
/*
 * spool.c -- the on-disk queue of ectls-deliver (spool.h).  Every file is
 * written in tmp/, fsync'ed, then renamed into place, and the directory
 * that received it fsync'ed (Postfix's discipline for queue files): after
 * kill -9 a reader finds either the old file or the new one, never a part.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spool.h"

#define STATE_MAX	(2u * 1024 * 1024)	/* a state file, bytes */
#define STATE_MAGIC	"ectls-spool 1"

enum { D_TMP = 0, D_MSG, D_QUEUE, D_DEFER, D_FAILED, D__COUNT };

static const char *const spool_subdirs[D__COUNT] = {
	[D_TMP] = "tmp",
	[D_MSG] = "msg",
	[D_QUEUE] = "queue",
	[D_DEFER] = "defer",
	[D_FAILED] = "failed",
};

struct spool {
	char	*dir;
	int	 dfd[D__COUNT];		/* O_DIRECTORY descriptors */
	unsigned int counter;		/* for IDs */
};

static const char *const spool_loc_names[] = {
	[SPOOL_NONE] = "none",
	[SPOOL_QUEUE] = "queued",
	[SPOOL_DEFER] = "deferred",
	[SPOOL_FAILED] = "failed",
};

const char *
spool_loc_name(enum spool_loc l)
{
	return (unsigned int)l <= SPOOL_FAILED ? spool_loc_names[l] :
	    "unknown";
}

static void
spool_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static int
loc_dir(enum spool_loc l)
{
	return l == SPOOL_QUEUE ? D_QUEUE : l == SPOOL_DEFER ? D_DEFER :
	    l == SPOOL_FAILED ? D_FAILED : -1;
}

void
spool_msg_fini(struct spool_msg *m)
{
	free(m->rcpt);
	m->rcpt = NULL;
	m->nrcpt = 0;
}

size_t
spool_msg_pending(const struct spool_msg *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->nrcpt; i++)
		if (m->rcpt[i].status == SPOOL_RCPT_PENDING)
			n++;
	return n;
}

/* ---- opening -------------------------------------------------------- */

struct spool *
spool_open(const char *dir, int create, char *why, size_t whylen)
{
	struct spool *sp;
	int i, root;

	if (create && mkdir(dir, 0700) == -1 && errno != EEXIST) {
		spool_why(why, whylen, "cannot create \"%s\": %s", dir,
		    strerror(errno));
		return NULL;
	}
	if ((root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		spool_why(why, whylen, "cannot open spool \"%s\": %s", dir,
		    strerror(errno));
		return NULL;
	}
	if ((sp = calloc(1, sizeof(*sp))) == NULL ||
	    (sp->dir = strdup(dir)) == NULL) {
		free(sp);
		close(root);
		spool_why(why, whylen, "out of memory");
		return NULL;
	}
	for (i = 0; i < D__COUNT; i++)
		sp->dfd[i] = -1;
	for (i = 0; i < D__COUNT; i++) {
		if (create && mkdirat(root, spool_subdirs[i], 0700) == -1 &&
		    errno != EEXIST) {
			spool_why(why, whylen, "cannot create \"%s/%s\": %s",
			    dir, spool_subdirs[i], strerror(errno));
			goto fail;
		}
		sp->dfd[i] = openat(root, spool_subdirs[i],
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sp->dfd[i] == -1) {
			spool_why(why, whylen, "\"%s\" is not a spool: "
			    "cannot open %s/: %s", dir, spool_subdirs[i],
			    strerror(errno));
			goto fail;
		}
	}
	if (create)
		fsync(root);
	close(root);
	return sp;
fail:
	close(root);
	spool_close(sp);
	return NULL;
}

void
spool_close(struct spool *sp)
{
	int i;

	if (sp == NULL)
		return;
	for (i = 0; i < D__COUNT; i++)
		if (sp->dfd[i] != -1)
			close(sp->dfd[i]);
	free(sp->dir);
	free(sp);
}

const char *
spool_dir(const struct spool *sp)
{
	return sp->dir;
}

/* ---- writing files ---------------------------------------------------- */

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Write buf into tmp/name (created exclusively) and fsync it.  0, or -1
 * with why (the temporary file removed).
 */
static int
tmp_write_fd(struct spool *sp, const char *name, const void *buf,
    size_t len, int *keep, char *why, size_t whylen)
{
	int fd, e;

	fd = openat(sp->dfd[D_TMP], name, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		spool_why(why, whylen, "cannot create %s/tmp/%s: %s", sp->dir,
		    name, strerror(errno));
		return -1;
	}
	if ((keep != NULL && flock(fd, LOCK_EX) == -1) ||
	    write_all(fd, buf, len) == -1 || fsync(fd) == -1) {
		e = errno;
		close(fd);
		unlinkat(sp->dfd[D_TMP], name, 0);
		spool_why(why, whylen, "cannot write %s/tmp/%s: %s", sp->dir,
		    name, strerror(e));
		return -1;
	}
	if (keep != NULL) {
		*keep = fd;
		return 0;
	}
	if (close(fd) == -1) {
		e = errno;
		unlinkat(sp->dfd[D_TMP], name, 0);
		spool_why(why, whylen, "cannot write %s/tmp/%s: %s", sp->dir,
		    name, strerror(e));
		return -1;
	}
	return 0;
}

static int
tmp_write(struct spool *sp, const char *name, const void *buf, size_t len,
    char *why, size_t whylen)
{
	return tmp_write_fd(sp, name, buf, len, NULL, why, whylen);
}

/* A growing text buffer; on ENOMEM it stays failed. */
struct sbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 err;
};

static void
sb_addf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
sb_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t need;
	char *np;
	int n;

	if (b->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p != NULL ? b->p + b->len : NULL,
	    b->p != NULL ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = 1;
		return;
	}
	if (b->p != NULL && (size_t)n < b->cap - b->len) {
		b->len += (size_t)n;
		return;
	}
	need = b->len + (size_t)n + 1;
	if ((np = realloc(b->p, need > 2 * b->cap ? need : 2 * b->cap)) ==
	    NULL) {
		b->err = 1;
		return;
	}
	b->cap = need > 2 * b->cap ? need : 2 * b->cap;
	b->p = np;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* A value on one line: control characters become spaces. */
static const char *
oneline(const char *s, char *buf, size_t cap)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < cap; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' :
		    s[i];
	buf[i] = '\0';
	return buf;
}

static char *
state_text(const struct spool_msg *m, size_t *len)
{
	const struct spool_attempt *a = &m->last;
	struct sbuf b = { NULL, 0, 0, 0 };
	char t[SPOOL_REPLY_MAX];
	size_t i;

	sb_addf(&b, "%s\nid %s\nbinding %s\ndomain %s\nfrom <%s>\n"
	    "created %" PRId64 "\nnext %" PRId64 "\nattempts %" PRIu32 "\n",
	    STATE_MAGIC, m->id, m->binding, m->domain, m->from, m->created,
	    m->next, m->attempts);
	if (a->time != 0) {
		sb_addf(&b, "last_time %" PRId64 "\n", a->time);
		sb_addf(&b, "last_host %s\n", oneline(a->host, t, sizeof(t)));
		sb_addf(&b, "last_ip %s\n", oneline(a->ip, t, sizeof(t)));
		sb_addf(&b, "last_port %u\n", a->port);
		sb_addf(&b, "last_tls %s\n", oneline(a->tls, t, sizeof(t)));
		sb_addf(&b, "last_tls_type %s\n",
		    oneline(a->tls_type, t, sizeof(t)));
		sb_addf(&b, "last_protocol %s\n",
		    oneline(a->protocol, t, sizeof(t)));
		sb_addf(&b, "last_cipher %s\n",
		    oneline(a->cipher, t, sizeof(t)));
		sb_addf(&b, "last_bits %d %d\n", a->algbits, a->usebits);
		sb_addf(&b, "last_verified %s\n",
		    oneline(a->verified, t, sizeof(t)));
		sb_addf(&b, "last_trust %s\n", oneline(a->trust, t, sizeof(t)));
		sb_addf(&b, "last_issuer %s\n",
		    oneline(a->issuer, t, sizeof(t)));
		sb_addf(&b, "last_subject %s\n",
		    oneline(a->subject, t, sizeof(t)));
		sb_addf(&b, "last_reply %s\n", oneline(a->reply, t, sizeof(t)));
	}
	for (i = 0; i < m->nrcpt; i++)
		sb_addf(&b, "rcpt %c %s %s\n", m->rcpt[i].status,
		    m->rcpt[i].addr, oneline(m->rcpt[i].reply, t, sizeof(t)));
	sb_addf(&b, "end\n");
	if (b.err) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

/* A new ID, unique in this spool: time, microseconds, pid, counter. */
static void
new_id(struct spool *sp, char *id)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	snprintf(id, SPOOL_ID_MAX, "%09" PRIX64 "%05lX%06lX%03X",
	    (uint64_t)tv.tv_sec, (unsigned long)tv.tv_usec,
	    (unsigned long)getpid() & 0xffffffUL, sp->counter++ & 0xfffu);
}

static int
valid_id(const char *id)
{
	size_t i;

	for (i = 0; id[i] != '\0'; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'A' && id[i] <= 'F')))
			return 0;
	return i > 0 && i < SPOOL_ID_MAX;
}

int
spool_submit(struct spool *sp, const char *binding, const char *domain,
    const char *from, const char *const *rcpts, size_t nrcpts,
    const char *body, size_t bodylen, int64_t now, char *id, char *why,
    size_t whylen)
{
	struct spool_msg m;
	char tname[SPOOL_ID_MAX + 8], sname[SPOOL_ID_MAX + 8], *st = NULL;
	size_t i, stlen;
	int tries, lk = -1;

	memset(&m, 0, sizeof(m));
	if (nrcpts == 0 || nrcpts > SPOOL_RCPTS_MAX ||
	    strlen(binding) > SPOOL_NAME_MAX ||
	    strlen(domain) > SPOOL_NAME_MAX ||
	    strlen(from) > SPOOL_ADDR_MAX) {
		spool_why(why, whylen, "invalid envelope");
		return -1;
	}
	if ((m.rcpt = calloc(nrcpts, sizeof(*m.rcpt))) == NULL) {
		spool_why(why, whylen, "out of memory");
		return -1;
	}
	m.nrcpt = nrcpts;
	for (i = 0; i < nrcpts; i++) {
		if (strlen(rcpts[i]) > SPOOL_ADDR_MAX) {
			spool_why(why, whylen, "invalid envelope");
			spool_msg_fini(&m);
			return -1;
		}
		snprintf(m.rcpt[i].addr, sizeof(m.rcpt[i].addr), "%s",
		    rcpts[i]);
		m.rcpt[i].status = SPOOL_RCPT_PENDING;
	}
	snprintf(m.binding, sizeof(m.binding), "%s", binding);
	snprintf(m.domain, sizeof(m.domain), "%s", domain);
	snprintf(m.from, sizeof(m.from), "%s", from);
	m.created = m.next = now;

	for (tries = 0; tries < 100; tries++) {
		new_id(sp, m.id);
		snprintf(tname, sizeof(tname), "%s.msg", m.id);
		snprintf(sname, sizeof(sname), "%s.st", m.id);
		/*
		 * The message stays locked until its state file is in queue/:
		 * spool_sweep() takes an unlocked message without a state
		 * file for the leftover of a crash.
		 */
		if (tmp_write_fd(sp, tname, body, bodylen, &lk, why,
		    whylen) == -1)
			goto fail;
		/* link(2), unlike rename(2), refuses to replace a message. */
		if (linkat(sp->dfd[D_TMP], tname, sp->dfd[D_MSG], m.id, 0) ==
		    0)
			break;
		if (errno != EEXIST) {
			spool_why(why, whylen, "cannot link %s/msg/%s: %s",
			    sp->dir, m.id, strerror(errno));
			unlinkat(sp->dfd[D_TMP], tname, 0);
			goto fail;
		}
		unlinkat(sp->dfd[D_TMP], tname, 0);
		close(lk);
		lk = -1;
	}
	if (tries == 100) {
		spool_why(why, whylen, "cannot find a free queue ID");
		goto fail;
	}
	unlinkat(sp->dfd[D_TMP], tname, 0);
	if ((st = state_text(&m, &stlen)) == NULL) {
		spool_why(why, whylen, "out of memory");
		goto fail_msg;
	}
	if (fsync(sp->dfd[D_MSG]) == -1) {
		spool_why(why, whylen, "cannot sync %s/msg: %s", sp->dir,
		    strerror(errno));
		goto fail_msg;
	}
	if (tmp_write(sp, sname, st, stlen, why, whylen) == -1)
		goto fail_msg;
	/* The commit: the state file appears in queue/. */
	if (renameat(sp->dfd[D_TMP], sname, sp->dfd[D_QUEUE], m.id) == -1) {
		spool_why(why, whylen, "cannot rename into %s/queue: %s",
		    sp->dir, strerror(errno));
		unlinkat(sp->dfd[D_TMP], sname, 0);
		goto fail_msg;
	}
	if (fsync(sp->dfd[D_QUEUE]) == -1) {
		/* Queued, but maybe not durably: say so, keep it. */
		spool_why(why, whylen, "cannot sync %s/queue: %s", sp->dir,
		    strerror(errno));
		free(st);
		close(lk);
		snprintf(id, SPOOL_ID_MAX, "%s", m.id);
		spool_msg_fini(&m);
		return -1;
	}
	free(st);
	close(lk);
	snprintf(id, SPOOL_ID_MAX, "%s", m.id);
	spool_msg_fini(&m);
	return 0;
fail_msg:
	unlinkat(sp->dfd[D_MSG], m.id, 0);
fail:
	if (lk != -1)
		close(lk);
	free(st);
	spool_msg_fini(&m);
	return -1;
}

/* ---- reading state files ---------------------------------------------- */

/* What a non-regular file is, for an error message. */
static const char *
file_kind(mode_t mode)
{
	return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO" :
	    S_ISLNK(mode) ? "a symbolic link" : S_ISSOCK(mode) ? "a socket" :
	    S_ISCHR(mode) ? "a character device" :
	    S_ISBLK(mode) ? "a block device" : "of an unknown type";
}

/*
 * Read the state file d/id whole, NUL-terminated, into *buf (malloc'ed).
 * Only a regular file of at most STATE_MAX bytes is read: the open neither
 * waits (a FIFO without a writer) nor follows a symbolic link.  Returns 1,
 * 0 when there is no such file, -1 with why (the file's path in it).
 */
static int
read_state_at(struct spool *sp, int d, const char *id, char **buf,
    size_t *len, char *why, size_t whylen)
{
	struct stat stb;
	char *b;
	size_t n = 0;
	ssize_t r;
	int fd, e;

	fd = openat(sp->dfd[d], id, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1) {
		e = errno;
		if (e == ENOENT)
			return 0;
		if (e == ELOOP && fstatat(sp->dfd[d], id, &stb,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(stb.st_mode)) {
			spool_why(why, whylen, "%s/%s/%s: not a regular file "
			    "(a symbolic link)", sp->dir, spool_subdirs[d], id);
			return -1;
		}
		spool_why(why, whylen, "cannot read %s/%s/%s: %s", sp->dir,
		    spool_subdirs[d], id, strerror(e));
		return -1;
	}
	if (fstat(fd, &stb) == -1) {
		e = errno;
		close(fd);
		spool_why(why, whylen, "cannot read %s/%s/%s: %s", sp->dir,
		    spool_subdirs[d], id, strerror(e));
		return -1;
	}
	if (!S_ISREG(stb.st_mode)) {
		close(fd);
		spool_why(why, whylen, "%s/%s/%s: not a regular file (%s)",
		    sp->dir, spool_subdirs[d], id, file_kind(stb.st_mode));
		return -1;
	}
	if (stb.st_size < 0 || (uint64_t)stb.st_size > STATE_MAX) {
		close(fd);
		spool_why(why, whylen, "%s/%s/%s: state file larger than "
		    "%u MiB", sp->dir, spool_subdirs[d], id, STATE_MAX >> 20);
		return -1;
	}
	if ((b = malloc((size_t)stb.st_size + 1)) == NULL) {
		close(fd);
		spool_why(why, whylen, "out of memory");
		return -1;
	}
	/* A file that shrinks meanwhile reads short: parse_state says so. */
	while (n < (size_t)stb.st_size) {
		r = read(fd, b + n, (size_t)stb.st_size - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			e = errno;
			free(b);
			close(fd);
			spool_why(why, whylen, "cannot read %s/%s/%s: %s",
			    sp->dir, spool_subdirs[d], id, strerror(e));
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 1;
}

static int
parse_i64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*v = x;
	return 0;
}

static void
copy_val(char *dst, size_t cap, const char *v)
{
	snprintf(dst, cap, "%s", v);
}

/* Parse a state file; -1 with why (the line number). */
static int
parse_state(char *text, struct spool_msg *m, char *why, size_t whylen)
{
	struct spool_attempt *a = &m->last;
	struct spool_rcpt *nr;
	char *line, *next, *v, *sp2;
	size_t lineno = 0, cap = 0, alen;
	int64_t x;
	int have_end = 0, have_domain = 0, have_from = 0, have_created = 0;

	for (line = text; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (lineno == 1) {
			if (strcmp(line, STATE_MAGIC) != 0)
				goto bad;
			continue;
		}
		if (strcmp(line, "end") == 0) {
			have_end = 1;
			break;
		}
		if ((v = strchr(line, ' ')) == NULL)
			v = line + strlen(line);
		else
			*v++ = '\0';
		if (strcmp(line, "id") == 0) {
			copy_val(m->id, sizeof(m->id), v);
		} else if (strcmp(line, "binding") == 0) {
			copy_val(m->binding, sizeof(m->binding), v);
		} else if (strcmp(line, "domain") == 0) {
			copy_val(m->domain, sizeof(m->domain), v);
			have_domain = *v != '\0';
		} else if (strcmp(line, "from") == 0) {
			alen = strlen(v);
			if (alen < 2 || v[0] != '<' || v[alen - 1] != '>' ||
			    alen - 2 > SPOOL_ADDR_MAX)
				goto bad;
			memcpy(m->from, v + 1, alen - 2);
			m->from[alen - 2] = '\0';
			have_from = 1;
		} else if (strcmp(line, "created") == 0) {
			if (parse_i64(v, &m->created) == -1)
				goto bad;
			have_created = 1;
		} else if (strcmp(line, "next") == 0) {
			if (parse_i64(v, &m->next) == -1)
				goto bad;
		} else if (strcmp(line, "attempts") == 0) {
			if (parse_i64(v, &x) == -1 || x < 0 || x > UINT32_MAX)
				goto bad;
			m->attempts = (uint32_t)x;
		} else if (strcmp(line, "last_time") == 0) {
			if (parse_i64(v, &a->time) == -1)
				goto bad;
		} else if (strcmp(line, "last_host") == 0) {
			copy_val(a->host, sizeof(a->host), v);
		} else if (strcmp(line, "last_ip") == 0) {
			copy_val(a->ip, sizeof(a->ip), v);
		} else if (strcmp(line, "last_port") == 0) {
			if (parse_i64(v, &x) == -1 || x < 0 || x > 65535)
				goto bad;
			a->port = (unsigned int)x;
		} else if (strcmp(line, "last_tls") == 0) {
			copy_val(a->tls, sizeof(a->tls), v);
		} else if (strcmp(line, "last_tls_type") == 0) {
			copy_val(a->tls_type, sizeof(a->tls_type), v);
		} else if (strcmp(line, "last_protocol") == 0) {
			copy_val(a->protocol, sizeof(a->protocol), v);
		} else if (strcmp(line, "last_cipher") == 0) {
			copy_val(a->cipher, sizeof(a->cipher), v);
		} else if (strcmp(line, "last_bits") == 0) {
			if (sscanf(v, "%d %d", &a->algbits, &a->usebits) != 2)
				goto bad;
		} else if (strcmp(line, "last_verified") == 0) {
			copy_val(a->verified, sizeof(a->verified), v);
		} else if (strcmp(line, "last_trust") == 0) {
			copy_val(a->trust, sizeof(a->trust), v);
		} else if (strcmp(line, "last_issuer") == 0) {
			copy_val(a->issuer, sizeof(a->issuer), v);
		} else if (strcmp(line, "last_subject") == 0) {
			copy_val(a->subject, sizeof(a->subject), v);
		} else if (strcmp(line, "last_reply") == 0) {
			copy_val(a->reply, sizeof(a->reply), v);
		} else if (strcmp(line, "rcpt") == 0) {
			/* "S ADDRESS REPLY..." */
			if ((v[0] != SPOOL_RCPT_PENDING &&
			    v[0] != SPOOL_RCPT_DELIVERED &&
			    v[0] != SPOOL_RCPT_FAILED) || v[1] != ' ')
				goto bad;
			if (m->nrcpt == SPOOL_RCPTS_MAX)
				goto bad;
			if (m->nrcpt == cap) {
				cap = cap ? cap * 2 : 4;
				if ((nr = realloc(m->rcpt, cap *
				    sizeof(*nr))) == NULL) {
					spool_why(why, whylen, "out of memory");
					return -1;
				}
				m->rcpt = nr;
			}
			nr = &m->rcpt[m->nrcpt];
			memset(nr, 0, sizeof(*nr));
			nr->status = v[0];
			v += 2;
			if ((sp2 = strchr(v, ' ')) != NULL)
				*sp2++ = '\0';
			if (*v == '\0' || strlen(v) > SPOOL_ADDR_MAX)
				goto bad;
			copy_val(nr->addr, sizeof(nr->addr), v);
			copy_val(nr->reply, sizeof(nr->reply),
			    sp2 != NULL ? sp2 : "");
			m->nrcpt++;
		}
		/* Unknown keys are skipped: newer writers may add some. */
	}
	if (!have_end || !have_domain || !have_from || !have_created ||
	    m->nrcpt == 0) {
		spool_why(why, whylen, "truncated or incomplete state file");
		return -1;
	}
	return 0;
bad:
	spool_why(why, whylen, "malformed state file at line %zu", lineno);
	return -1;
}

int
spool_load(struct spool *sp, const char *id, int failed, struct spool_msg *m,
    char *why, size_t whylen)
{
	static const enum spool_loc order[] = {
		SPOOL_QUEUE, SPOOL_DEFER, SPOOL_FAILED
	};
	char *text, reason[256];
	size_t len, i;
	int d, rc;

	memset(m, 0, sizeof(*m));
	if (!valid_id(id)) {
		spool_why(why, whylen, "invalid queue ID \"%s\"", id);
		return -1;
	}
	for (i = 0; i < (failed ? 3u : 2u); i++) {
		d = loc_dir(order[i]);
		if ((rc = read_state_at(sp, d, id, &text, &len, why,
		    whylen)) == 0)
			continue;
		if (rc == -1)
			return -1;
		if (memchr(text, '\0', len) != NULL) {
			spool_why(why, whylen, "%s/%s/%s: NUL byte in state file",
			    sp->dir, spool_subdirs[d], id);
			free(text);
			return -1;
		}
		if (parse_state(text, m, reason, sizeof(reason)) == -1) {
			spool_why(why, whylen, "%s/%s/%s: %s", sp->dir,
			    spool_subdirs[d], id, reason);
			free(text);
			spool_msg_fini(m);
			return -1;
		}
		free(text);
		if (strcmp(m->id, id) != 0) {
			spool_why(why, whylen, "%s/%s/%s: state file names ID "
			    "\"%s\"", sp->dir, spool_subdirs[d], id, m->id);
			spool_msg_fini(m);
			return -1;
		}
		m->loc = order[i];
		return 1;
	}
	return 0;
}

/* ---- locking and the message ------------------------------------------ */

int
spool_lock(struct spool *sp, const char *id)
{
	struct stat stb;
	int fd, e;

	if (!valid_id(id)) {
		errno = EINVAL;
		return -1;
	}
	/* Neither wait on a FIFO nor follow a link: see spool_check_body(). */
	if ((fd = openat(sp->dfd[D_MSG], id, O_RDONLY | O_NONBLOCK |
	    O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	e = fstat(fd, &stb) == -1 ? errno : !S_ISREG(stb.st_mode) ? EINVAL :
	    0;
	if (e != 0) {
		close(fd);
		errno = e;
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Whether d/id is there (any type; a link not followed). */
static int
present_at(int dfd, const char *name)
{
	struct stat stb;

	return fstatat(dfd, name, &stb, AT_SYMLINK_NOFOLLOW) == 0;
}

int
spool_check_body(struct spool *sp, const char *id, char *why, size_t whylen)
{
	struct stat stb;
	int e;

	if (!valid_id(id)) {
		spool_why(why, whylen, "invalid queue ID \"%s\"", id);
		return -1;
	}
	if (fstatat(sp->dfd[D_MSG], id, &stb, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISREG(stb.st_mode))
			return 0;
		spool_why(why, whylen, "%s/msg/%s: not a regular file (%s)",
		    sp->dir, id, file_kind(stb.st_mode));
		return -1;
	}
	if ((e = errno) != ENOENT) {
		spool_why(why, whylen, "cannot read %s/msg/%s: %s", sp->dir,
		    id, strerror(e));
		return -1;
	}
	/*
	 * Gone.  A delivery removes the state file before the message, and
	 * a failure moves it to failed/ before the message; queue/ to
	 * defer/ is the only other move.  So a state file still in queue/
	 * or defer/ now, looked for in that order, lost its message.
	 */
	if (!present_at(sp->dfd[D_QUEUE], id) &&
	    !present_at(sp->dfd[D_DEFER], id))
		return 0;
	spool_why(why, whylen, "%s/msg/%s: message file missing", sp->dir, id);
	return -1;
}

int
spool_read_body(int fd, char **buf, size_t *len)
{
	struct stat stb;
	char *b;
	size_t n = 0;
	ssize_t r;

	if (fstat(fd, &stb) == -1)
		return -1;
	if ((b = malloc((size_t)stb.st_size + 1)) == NULL)
		return -1;
	while (n < (size_t)stb.st_size) {
		r = pread(fd, b + n, (size_t)stb.st_size - n, (off_t)n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			free(b);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* ---- state changes ---------------------------------------------------- */

/* Replace the state file of m where it is, through tmp/. */
static int
state_rewrite(struct spool *sp, const struct spool_msg *m, char *why,
    size_t whylen)
{
	char sname[SPOOL_ID_MAX + 8], *st;
	size_t stlen;
	int d = loc_dir(m->loc);

	if ((st = state_text(m, &stlen)) == NULL) {
		spool_why(why, whylen, "out of memory");
		return -1;
	}
	snprintf(sname, sizeof(sname), "%s.st", m->id);
	unlinkat(sp->dfd[D_TMP], sname, 0);	/* a crash's leftover */
	if (tmp_write(sp, sname, st, stlen, why, whylen) == -1) {
		free(st);
		return -1;
	}
	free(st);
	if (renameat(sp->dfd[D_TMP], sname, sp->dfd[d], m->id) == -1) {
		spool_why(why, whylen, "cannot rename into %s/%s: %s", sp->dir,
		    spool_subdirs[d], strerror(errno));
		unlinkat(sp->dfd[D_TMP], sname, 0);
		return -1;
	}
	return 0;
}

/* Move m's state file to loc (one rename; both directories synced). */
static int
state_move(struct spool *sp, struct spool_msg *m, enum spool_loc to,
    char *why, size_t whylen)
{
	int from = loc_dir(m->loc), d = loc_dir(to);

	if (from == d)
		return fsync(sp->dfd[d]) == -1 ? -1 : 0;
	if (renameat(sp->dfd[from], m->id, sp->dfd[d], m->id) == -1) {
		spool_why(why, whylen, "cannot move %s to %s/%s: %s", m->id,
		    sp->dir, spool_subdirs[d], strerror(errno));
		return -1;
	}
	m->loc = to;
	fsync(sp->dfd[d]);
	fsync(sp->dfd[from]);
	return 0;
}

static void
json_str(FILE *fp, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	fputc('"', fp);
	for (; *u != '\0'; u++) {
		if (*u == '"' || *u == '\\')
			fprintf(fp, "\\%c", *u);
		else if (*u < 0x20 || *u >= 0x7f)
			fprintf(fp, "\\u%04x", *u);
		else
			fputc(*u, fp);
	}
	fputc('"', fp);
}

/* A string, or null when empty. */
static void
json_opt(FILE *fp, const char *s)
{
	if (s == NULL || *s == '\0')
		fputs("null", fp);
	else
		json_str(fp, s);
}

void
spool_write_json(FILE *fp, const struct spool_msg *m, int64_t now)
{
	const struct spool_attempt *a = &m->last;
	const char *reason = a->reply;
	size_t i;
	int tls = strcmp(a->tls, "TLS") == 0;

	for (i = 0; i < m->nrcpt; i++)
		if (m->rcpt[i].status == SPOOL_RCPT_FAILED) {
			reason = m->rcpt[i].reply;
			break;
		}
	fputs("{\"id\":", fp);
	json_str(fp, m->id);
	fputs(",\"binding\":", fp);
	json_str(fp, m->binding);
	fputs(",\"domain\":", fp);
	json_str(fp, m->domain);
	fputs(",\"from\":", fp);
	json_str(fp, m->from);
	fprintf(fp, ",\"created\":%" PRId64 ",\"failed_at\":%" PRId64
	    ",\"attempts\":%" PRIu32 ",\"reason\":", m->created, now,
	    m->attempts);
	json_str(fp, reason);
	fputs(",\"recipients\":[", fp);
	for (i = 0; i < m->nrcpt; i++) {
		fputs(i ? ",{\"rcpt\":" : "{\"rcpt\":", fp);
		json_str(fp, m->rcpt[i].addr);
		fputs(",\"status\":", fp);
		json_str(fp, m->rcpt[i].status == SPOOL_RCPT_DELIVERED ?
		    "delivered" : m->rcpt[i].status == SPOOL_RCPT_FAILED ?
		    "failed" : "pending");
		fputs(",\"reply\":", fp);
		json_str(fp, m->rcpt[i].reply);
		fputc('}', fp);
	}
	fputs("],\"last_attempt\":", fp);
	if (a->time == 0) {
		fputs("null}", fp);
		return;
	}
	fprintf(fp, "{\"time\":%" PRId64 ",\"host\":", a->time);
	json_opt(fp, a->host);
	fputs(",\"ip\":", fp);
	json_opt(fp, a->ip);
	fprintf(fp, ",\"port\":%u,\"reply\":", a->port);
	json_str(fp, a->reply);
	fputs(",\"outbound_tls\":", fp);
	json_opt(fp, a->tls);
	fputs(",\"outbound_tls_type\":", fp);
	json_opt(fp, a->tls_type);
	fputs(",\"outbound_tls_protocol\":", fp);
	json_opt(fp, tls ? a->protocol : NULL);
	fputs(",\"outbound_tls_cipher\":", fp);
	json_opt(fp, tls ? a->cipher : NULL);
	if (tls)
		fprintf(fp, ",\"outbound_tls_cipher_algbits\":%d,"
		    "\"outbound_tls_cipher_usebits\":%d", a->algbits,
		    a->usebits);
	else
		fputs(",\"outbound_tls_cipher_algbits\":null,"
		    "\"outbound_tls_cipher_usebits\":null", fp);
	fputs(",\"outbound_tls_verified\":", fp);
	json_opt(fp, a->verified);
	fputs(",\"outbound_tls_issuer\":", fp);
	json_opt(fp, tls ? a->issuer : NULL);
	fputs(",\"outbound_tls_subject\":", fp);
	json_opt(fp, tls ? a->subject : NULL);
	fputs(",\"tls_trust\":", fp);
	json_opt(fp, tls ? a->trust : NULL);
	fputs("}}", fp);
}

/* failed/ID.json, through tmp/. */
static int
write_failure_record(struct spool *sp, const struct spool_msg *m,
    char *why, size_t whylen)
{
	char jname[SPOOL_ID_MAX + 8], *buf = NULL;
	size_t len = 0;
	FILE *fp;
	int rc;

	if ((fp = open_memstream(&buf, &len)) == NULL) {
		spool_why(why, whylen, "out of memory");
		return -1;
	}
	spool_write_json(fp, m, (int64_t)time(NULL));
	fputc('\n', fp);
	if (fclose(fp) != 0) {
		free(buf);
		spool_why(why, whylen, "out of memory");
		return -1;
	}
	snprintf(jname, sizeof(jname), "%s.json", m->id);
	unlinkat(sp->dfd[D_TMP], jname, 0);
	rc = tmp_write(sp, jname, buf, len, why, whylen);
	free(buf);
	if (rc == -1)
		return -1;
	if (renameat(sp->dfd[D_TMP], jname, sp->dfd[D_FAILED], jname) == -1) {
		spool_why(why, whylen, "cannot rename into %s/failed: %s",
		    sp->dir, strerror(errno));
		unlinkat(sp->dfd[D_TMP], jname, 0);
		return -1;
	}
	return 0;
}

int
spool_settle(struct spool *sp, struct spool_msg *m, char *why, size_t whylen)
{
	char mname[SPOOL_ID_MAX + 8];
	size_t i;
	int failed = 0;

	if (m->loc != SPOOL_QUEUE && m->loc != SPOOL_DEFER) {
		spool_why(why, whylen, "message %s is not queued", m->id);
		return -1;
	}
	if (spool_msg_pending(m) > 0) {
		/* Deferred: the new state, then into defer/. */
		if (state_rewrite(sp, m, why, whylen) == -1 ||
		    state_move(sp, m, SPOOL_DEFER, why, whylen) == -1)
			return -1;
		return SPOOL_DEFER;
	}
	for (i = 0; i < m->nrcpt; i++)
		if (m->rcpt[i].status == SPOOL_RCPT_FAILED)
			failed = 1;
	if (!failed) {
		/* Delivered: removing the state file is the commit. */
		if (unlinkat(sp->dfd[loc_dir(m->loc)], m->id, 0) == -1 &&
		    errno != ENOENT) {
			spool_why(why, whylen, "cannot remove %s/%s/%s: %s",
			    sp->dir, spool_subdirs[loc_dir(m->loc)], m->id,
			    strerror(errno));
			return -1;
		}
		unlinkat(sp->dfd[D_MSG], m->id, 0);
		m->loc = SPOOL_NONE;
		return SPOOL_NONE;
	}
	/*
	 * Failed.  The final state first (so a crash from here on is
	 * finished by the next spool_settle() of the reloaded state), then
	 * the record, then the state file into failed/, then the message.
	 */
	if (state_rewrite(sp, m, why, whylen) == -1 ||
	    write_failure_record(sp, m, why, whylen) == -1 ||
	    state_move(sp, m, SPOOL_FAILED, why, whylen) == -1)
		return -1;
	snprintf(mname, sizeof(mname), "%s.msg", m->id);
	if (renameat(sp->dfd[D_MSG], m->id, sp->dfd[D_FAILED], mname) == 0)
		fsync(sp->dfd[D_FAILED]);
	return SPOOL_FAILED;
}

/* ---- scanning and house-keeping --------------------------------------- */

int
spool_scan(struct spool *sp, enum spool_loc l,
    int (*fn)(void *arg, const char *id), void *arg, char *why,
    size_t whylen)
{
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	if (loc_dir(l) == -1) {
		spool_why(why, whylen, "no such location");
		return -1;
	}
	if ((fd = openat(sp->dfd[loc_dir(l)], ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL) {
		spool_why(why, whylen, "cannot read %s/%s: %s", sp->dir,
		    spool_subdirs[loc_dir(l)], strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!valid_id(de->d_name))
			continue;	/* ".", "..", ID.json, ID.msg */
		if ((rc = fn(arg, de->d_name)) != 0)
			break;
	}
	closedir(d);
	return rc;
}

static int
exists_at(int dfd, const char *name)
{
	struct stat stb;

	return fstatat(dfd, name, &stb, 0) == 0;
}

size_t
spool_sweep(struct spool *sp, int64_t now, int64_t max_age)
{
	struct dirent *de;
	struct stat stb;
	DIR *d;
	size_t n = 0;
	int fd, lk, i;
	static const int dirs[] = { D_TMP, D_MSG };

	for (i = 0; i < 2; i++) {
		fd = openat(sp->dfd[dirs[i]], ".", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		if (fd == -1)
			continue;
		if ((d = fdopendir(fd)) == NULL) {
			close(fd);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (dirs[i] == D_TMP) {
				if (fstatat(sp->dfd[D_TMP], de->d_name, &stb,
				    AT_SYMLINK_NOFOLLOW) == -1 ||
				    now - (int64_t)stb.st_mtime < max_age)
					continue;
				if (unlinkat(sp->dfd[D_TMP], de->d_name, 0) ==
				    0)
					n++;
				continue;
			}
			/* An old message with no state file anywhere. */
			if (!valid_id(de->d_name) ||
			    exists_at(sp->dfd[D_QUEUE], de->d_name) ||
			    exists_at(sp->dfd[D_DEFER], de->d_name))
				continue;
			if (exists_at(sp->dfd[D_FAILED], de->d_name)) {
				/* A failure whose last rename was cut. */
				char mname[sizeof(de->d_name) + 8];

				snprintf(mname, sizeof(mname), "%s.msg",
				    de->d_name);
				if (renameat(sp->dfd[D_MSG], de->d_name,
				    sp->dfd[D_FAILED], mname) == 0)
					n++;
				continue;
			}
			if ((lk = spool_lock(sp, de->d_name)) == -1)
				continue;
			if (!exists_at(sp->dfd[D_QUEUE], de->d_name) &&
			    !exists_at(sp->dfd[D_DEFER], de->d_name) &&
			    unlinkat(sp->dfd[D_MSG], de->d_name, 0) == 0)
				n++;
			close(lk);
		}
		closedir(d);
	}
	return n;
}
