/* SPDX-License-Identifier: ISC */
/*
 * spool.h -- the on-disk queue of ectls-deliver (submit / run / queue).
 * A layout like Postfix's, every state change a rename(2) (or an unlink)
 * followed by an fsync of the directory, so that kill -9 at any moment
 * never loses a message and never leaves a half-written file in a place
 * where it is read:
 *
 *   DIR/tmp/      files being written (swept after SPOOL_STALE_AGE)
 *   DIR/msg/ID    the message in DATA form (CR LF, dot-stuffed, no final
 *                 "."), written once, never changed; flock(2)ed by the
 *                 process delivering it (the per-message lock), and by
 *                 submit until the state file is in queue/
 *   DIR/queue/ID  the state file of a message not yet tried, or due
 *   DIR/defer/ID  the state file of a message deferred (next attempt in it)
 *   DIR/failed/ID       the final state file of a failed message
 *   DIR/failed/ID.json  its failure record (last reply, TLS details)
 *   DIR/failed/ID.msg   its message
 *
 * A state file is a few "key value" text lines (the envelope, attempts,
 * next attempt, last reply and TLS details of the last attempt, and one
 * "rcpt STATUS ADDRESS REPLY" line per recipient: P pending, D delivered,
 * F failed).  It is replaced only by writing tmp/ID.st, fsync, rename over
 * it; a message is queued once queue/ID exists (the commit of submit) and
 * delivered once its state file is unlinked (the commit of a delivery).
 * A state file with no pending recipient is a decided message whose
 * clean-up was interrupted: spool_settle() finishes it.
 *
 * Nothing here prints or exits; errors come back as -1 with a reason.
 */
#ifndef ECTLS_SPOOL_H
#define ECTLS_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SPOOL_ID_MAX		32	/* an ID with its NUL */
#define SPOOL_ADDR_MAX		256	/* an address, bytes */
#define SPOOL_NAME_MAX		256	/* binding or domain, bytes */
#define SPOOL_REPLY_MAX		512	/* a one-line reply, with its NUL */
#define SPOOL_RCPTS_MAX		1000	/* recipients of one message */
#define SPOOL_STALE_AGE		3600	/* seconds before tmp/ files go */

enum spool_loc {
	SPOOL_NONE = 0,		/* not in the spool (delivered, or unknown) */
	SPOOL_QUEUE,
	SPOOL_DEFER,
	SPOOL_FAILED
};

/* "queued", "deferred", "failed" ("none"); static. */
const char *spool_loc_name(enum spool_loc);

enum spool_rcpt_status {
	SPOOL_RCPT_PENDING = 'P',
	SPOOL_RCPT_DELIVERED = 'D',
	SPOOL_RCPT_FAILED = 'F'
};

struct spool_rcpt {
	char		 addr[SPOOL_ADDR_MAX + 1];
	int		 status;		/* enum spool_rcpt_status */
	char		 reply[SPOOL_REPLY_MAX];
};

/* What the last attempt was: its host and its TLS session, if any. */
struct spool_attempt {
	int64_t		 time;			/* 0: never tried */
	char		 host[SPOOL_NAME_MAX + 1];
	char		 ip[64];
	unsigned int	 port;
	char		 tls[16];		/* "TLS" or "SMTP" */
	char		 tls_type[16];		/* no, ifavailable, required */
	char		 protocol[32];		/* "" without TLS */
	char		 cipher[128];
	int		 algbits;
	int		 usebits;
	char		 verified[16];		/* verified, unverified */
	char		 trust[16];		/* Verified, Trusted, ... */
	char		 issuer[SPOOL_REPLY_MAX];
	char		 subject[SPOOL_REPLY_MAX];
	char		 reply[SPOOL_REPLY_MAX];	/* the last reply or error */
};

/* One message's state file, in memory. */
struct spool_msg {
	char		 id[SPOOL_ID_MAX];
	enum spool_loc	 loc;			/* where the state file is */
	char		 binding[SPOOL_NAME_MAX + 1];
	char		 domain[SPOOL_NAME_MAX + 1];	/* canonical */
	char		 from[SPOOL_ADDR_MAX + 1];	/* "" null sender */
	int64_t		 created;		/* seconds since the epoch */
	int64_t		 next;			/* next attempt, ditto */
	uint32_t	 attempts;
	struct spool_attempt last;
	size_t		 nrcpt;
	struct spool_rcpt *rcpt;		/* owned; spool_msg_fini() */
};

void	spool_msg_fini(struct spool_msg *);
/* Recipients still pending. */
size_t	spool_msg_pending(const struct spool_msg *);

struct spool;

/*
 * Open the spool at dir; with create, make it (and its subdirectories,
 * mode 0700) when missing.  Returns a new handle (free with
 * spool_close()), or NULL with why.
 */
struct spool *spool_open(const char *dir, int create, char *why,
	    size_t whylen);
void	spool_close(struct spool *);
const char *spool_dir(const struct spool *);

/*
 * Queue one message for one domain: body (bodylen bytes, DATA form, see
 * smtpc_body()) into msg/, then the state file into queue/, each written
 * to tmp/, fsync'ed and renamed, and the directories fsync'ed.  The new
 * ID goes into id (SPOOL_ID_MAX bytes).  now is the creation time.  0, or
 * -1 with why (nothing queued).
 */
int	spool_submit(struct spool *, const char *binding, const char *domain,
	    const char *from, const char *const *rcpts, size_t nrcpts,
	    const char *body, size_t bodylen, int64_t now, char *id,
	    char *why, size_t whylen);

/*
 * Read the state file of id from queue/, defer/ or (with failed) failed/.
 * Only a regular file is read (a FIFO, a directory, a device or a symbolic
 * link there is an error, and no open ever waits).  Returns 1 with *m
 * filled (fini it), 0 when the message is in none of them, -1 with why
 * when the file is unreadable, not a regular file, larger than 2 MiB or
 * malformed; why then starts with the file's path ("DIR/queue/ID: ..." or
 * "cannot read DIR/queue/ID: ...").
 */
int	spool_load(struct spool *, const char *id, int failed,
	    struct spool_msg *m, char *why, size_t whylen);

/*
 * Take the per-message lock: the message file open and flock'ed without
 * waiting.  Returns the descriptor (the lock lasts until it is closed), or
 * -1: errno EWOULDBLOCK (another process delivers it), ENOENT (gone),
 * EINVAL (not a regular file, or an invalid ID), ELOOP (a symbolic link).
 */
int	spool_lock(struct spool *, const char *id);

/*
 * Check that the message file of id is there for its state file: 0 when
 * msg/ID is a regular file, or when it is gone together with the state
 * file (delivered or failed meanwhile); -1 with why ("DIR/msg/ID: message
 * file missing", "...: not a regular file (a FIFO)") when the state file
 * is still in queue/ or defer/ and its message is missing or not a
 * regular file: an entry that can never be delivered as it is.
 */
int	spool_check_body(struct spool *, const char *id, char *why,
	    size_t whylen);

/* The message of a locked descriptor, into *buf (malloc'ed). 0 or -1. */
int	spool_read_body(int fd, char **buf, size_t *len);

/*
 * Record the outcome of an attempt on a locked message m (its recipients'
 * statuses and m->last updated by the caller):
 *  - no recipient pending, none failed: delivered; the state file and the
 *    message are removed;
 *  - no recipient pending, some failed: the failure record is written and
 *    the message moves to failed/;
 *  - some pending: the state file is rewritten (attempts, next) and moved
 *    to defer/.
 * Returns the new location (SPOOL_NONE delivered) or -1 with why (the
 * message then stays where it was, to be tried again).
 */
int	spool_settle(struct spool *, struct spool_msg *m, char *why,
	    size_t whylen);

/* Every ID in a location's directory, through fn (return 0 to go on). */
int	spool_scan(struct spool *, enum spool_loc,
	    int (*fn)(void *arg, const char *id), void *arg, char *why,
	    size_t whylen);

/*
 * House-keeping: remove tmp/ files older than max_age seconds, and the
 * message files that have no state file and that nobody holds locked (a
 * crash between a delivery's commit and the removal of its message, or a
 * submit killed before its commit); a failed message's file cut off on
 * its way to failed/ is moved there.  Returns how many files it handled.
 */
size_t	spool_sweep(struct spool *, int64_t now, int64_t max_age);

/*
 * The failure record of m as one JSON object (no newline) into fp: id,
 * binding, domain, from, created, failed_at, attempts, reason, recipients
 * (each with its status and reply) and the last attempt with its TLS
 * details (the tls_macros values).
 */
void	spool_write_json(FILE *fp, const struct spool_msg *m, int64_t now);

#endif /* ECTLS_SPOOL_H */
