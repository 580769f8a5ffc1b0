/* SPDX-License-Identifier: ISC */
/*
 * test_spool.c -- the on-disk queue (runtime/spool/spool.h): submit, load,
 * the per-message lock, each outcome of spool_settle() and where it leaves
 * the files, malformed state files, and the sweep of a crash's leftovers.
 * The engine around it is tested end to end by tests/spool/suite.sh.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "spool/spool.h"

#define TMPDIR_NAME "spool"
#include "tmpdir.h"

static int
exists(const char *sub, const char *name)
{
	char p[512];
	struct stat stb;

	snprintf(p, sizeof(p), "%s/s/%s/%s", tmpdir, sub, name);
	return stat(p, &stb) == 0;
}

static struct spool *
open_spool(void)
{
	char dir[300], why[256];
	struct spool *sp;

	snprintf(dir, sizeof(dir), "%s/s", tmpdir);
	sp = spool_open(dir, 1, why, sizeof(why));
	assert_non_null(sp);
	return sp;
}

static void
submit_one(struct spool *sp, char *id, size_t nr)
{
	static const char *const rcpts[] = { "a@one.test", "b@one.test" };
	char why[256];

	assert_int_equal(spool_submit(sp, "default", "one.test",
	    "sender@x.test", rcpts, nr, "Subject: t\r\n\r\nbody\r\n", 21,
	    1000, id, why, sizeof(why)), 0);
}

static void
test_submit_load(void **state)
{
	struct spool *sp = open_spool();
	struct spool_msg m;
	char id[SPOOL_ID_MAX], why[256], *body;
	size_t len;
	int fd;

	(void)state;
	submit_one(sp, id, 2);
	assert_true(exists("queue", id));
	assert_true(exists("msg", id));
	assert_int_equal(spool_load(sp, id, 0, &m, why, sizeof(why)), 1);
	assert_int_equal(m.loc, SPOOL_QUEUE);
	assert_string_equal(m.domain, "one.test");
	assert_string_equal(m.from, "sender@x.test");
	assert_int_equal(m.created, 1000);
	assert_int_equal(m.next, 1000);
	assert_int_equal(m.attempts, 0);
	assert_int_equal(m.nrcpt, 2);
	assert_int_equal(spool_msg_pending(&m), 2);
	assert_string_equal(m.rcpt[1].addr, "b@one.test");
	spool_msg_fini(&m);

	/* The lock is exclusive; the body comes back byte for byte. */
	fd = spool_lock(sp, id);
	assert_true(fd >= 0);
	assert_int_equal(spool_lock(sp, id), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	assert_int_equal(spool_read_body(fd, &body, &len), 0);
	assert_int_equal(len, 21);
	assert_memory_equal(body, "Subject: t\r\n\r\nbody\r\n", 21);
	free(body);
	close(fd);
	assert_int_equal(spool_load(sp, "00112233", 0, &m, why, sizeof(why)),
	    0);
	assert_int_equal(spool_load(sp, "../etc", 0, &m, why, sizeof(why)),
	    -1);
	spool_close(sp);
}

static void
test_settle(void **state)
{
	struct spool *sp = open_spool();
	struct spool_msg m;
	char id[SPOOL_ID_MAX], why[256];

	(void)state;
	/* One recipient delivered, one pending: deferred. */
	submit_one(sp, id, 2);
	assert_int_equal(spool_load(sp, id, 0, &m, why, sizeof(why)), 1);
	m.rcpt[0].status = SPOOL_RCPT_DELIVERED;
	snprintf(m.rcpt[1].reply, sizeof(m.rcpt[1].reply), "451 4.0.0 later");
	m.attempts = 1;
	m.next = 2000;
	m.last.time = 1001;
	snprintf(m.last.host, sizeof(m.last.host), "mx.one.test");
	snprintf(m.last.reply, sizeof(m.last.reply), "451 4.0.0 later");
	assert_int_equal(spool_settle(sp, &m, why, sizeof(why)), SPOOL_DEFER);
	spool_msg_fini(&m);
	assert_false(exists("queue", id));
	assert_true(exists("defer", id));
	assert_int_equal(spool_load(sp, id, 0, &m, why, sizeof(why)), 1);
	assert_int_equal(m.loc, SPOOL_DEFER);
	assert_int_equal(m.next, 2000);
	assert_int_equal(m.rcpt[0].status, SPOOL_RCPT_DELIVERED);
	assert_int_equal(m.rcpt[1].status, SPOOL_RCPT_PENDING);
	assert_string_equal(m.rcpt[1].reply, "451 4.0.0 later");
	assert_string_equal(m.last.host, "mx.one.test");

	/* The other one refused: a failure record, everything in failed/. */
	m.rcpt[1].status = SPOOL_RCPT_FAILED;
	assert_int_equal(spool_settle(sp, &m, why, sizeof(why)),
	    SPOOL_FAILED);
	spool_msg_fini(&m);
	assert_false(exists("defer", id));
	assert_false(exists("msg", id));
	assert_true(exists("failed", id));
	{
		char j[64], mm[64];

		snprintf(j, sizeof(j), "%s.json", id);
		snprintf(mm, sizeof(mm), "%s.msg", id);
		assert_true(exists("failed", j));
		assert_true(exists("failed", mm));
	}
	assert_int_equal(spool_load(sp, id, 0, &m, why, sizeof(why)), 0);
	assert_int_equal(spool_load(sp, id, 1, &m, why, sizeof(why)), 1);
	assert_int_equal(m.loc, SPOOL_FAILED);
	spool_msg_fini(&m);

	/* All delivered: nothing left. */
	submit_one(sp, id, 1);
	assert_int_equal(spool_load(sp, id, 0, &m, why, sizeof(why)), 1);
	m.rcpt[0].status = SPOOL_RCPT_DELIVERED;
	assert_int_equal(spool_settle(sp, &m, why, sizeof(why)), SPOOL_NONE);
	spool_msg_fini(&m);
	assert_false(exists("queue", id));
	assert_false(exists("msg", id));
	spool_close(sp);
}

static void
write_state(const char *id, const char *text)
{
	char p[512];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/s/queue/%s", tmpdir, id);
	assert_non_null(fp = fopen(p, "w"));
	fputs(text, fp);
	fclose(fp);
}

/* spool_load()'s reason for queue/ID: the file's path, then reason. */
static const char *
qwhy(const char *id, const char *reason)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/s/queue/%s: %s", tmpdir, id, reason);
	return buf;
}

static void
test_malformed(void **state)
{
	struct spool *sp = open_spool();
	struct spool_msg m;
	char why[512];

	(void)state;
	write_state("AB01", "something else\n");
	assert_int_equal(spool_load(sp, "AB01", 0, &m, why, sizeof(why)), -1);
	assert_string_equal(why, qwhy("AB01",
	    "malformed state file at line 1"));
	write_state("AB02", "ectls-spool 1\nid AB02\nbinding default\n"
	    "domain one.test\nfrom <a@b.test>\ncreated 5\nrcpt P x@one.test \n");
	assert_int_equal(spool_load(sp, "AB02", 0, &m, why, sizeof(why)), -1);
	assert_string_equal(why, qwhy("AB02",
	    "truncated or incomplete state file"));
	write_state("AB03", "ectls-spool 1\nid AB03\nbinding default\n"
	    "domain one.test\nfrom <a@b.test>\ncreated 5\nrcpt Q x@one.test \n"
	    "end\n");
	assert_int_equal(spool_load(sp, "AB03", 0, &m, why, sizeof(why)), -1);
	assert_string_equal(why, qwhy("AB03",
	    "malformed state file at line 7"));
	write_state("AB04", "ectls-spool 1\nid AB05\nbinding default\n"
	    "domain one.test\nfrom <a@b.test>\ncreated 5\nrcpt P x@one.test \n"
	    "end\n");
	assert_int_equal(spool_load(sp, "AB04", 0, &m, why, sizeof(why)), -1);
	assert_string_equal(why, qwhy("AB04",
	    "state file names ID \"AB05\""));
	write_state("AB06", "ectls-spool 1\nid AB06\nbinding default\n"
	    "domain one.test\nfrom <a@b.test>\ncreated x5\n"
	    "rcpt P x@one.test \nend\n");
	assert_int_equal(spool_load(sp, "AB06", 0, &m, why, sizeof(why)), -1);
	assert_string_equal(why, qwhy("AB06",
	    "malformed state file at line 6"));
	write_state("AB07", "ectls-spool 1\nid AB07\n");
	{
		char p[512];
		FILE *fp;

		snprintf(p, sizeof(p), "%s/s/queue/AB07", tmpdir);
		assert_non_null(fp = fopen(p, "a"));
		fwrite("domain a\0b\n", 1, 11, fp);
		fclose(fp);
	}
	assert_int_equal(spool_load(sp, "AB07", 0, &m, why, sizeof(why)), -1);
	assert_string_equal(why, qwhy("AB07",
	    "NUL byte in state file"));
	spool_close(sp);
}

static void
test_sweep(void **state)
{
	struct spool *sp = open_spool();
	char id[SPOOL_ID_MAX], p[512];
	int fd, lk;

	(void)state;
	/* A message file without a state file: a crash's leftover... */
	snprintf(p, sizeof(p), "%s/s/msg/ABCDEF", tmpdir);
	assert_true((fd = open(p, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	/* ...unless someone holds it (a submit in progress). */
	lk = spool_lock(sp, "ABCDEF");
	assert_true(lk >= 0);
	assert_int_equal(spool_sweep(sp, 0, 3600), 0);
	assert_true(exists("msg", "ABCDEF"));
	close(lk);
	/* A queued message is never touched. */
	submit_one(sp, id, 1);
	assert_int_equal(spool_sweep(sp, 0, 3600), 1);
	assert_false(exists("msg", "ABCDEF"));
	assert_true(exists("msg", id));
	assert_true(exists("queue", id));
	spool_close(sp);
}

static void
test_not_a_spool(void **state)
{
	char dir[300], why[256];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/none", tmpdir);
	assert_null(spool_open(dir, 0, why, sizeof(why)));
	assert_non_null(strstr(why, "cannot open spool"));
}

/*
 * Not a regular file, too large, a message gone: refused with the path,
 * never waited on; a message gone with its state file is no error.
 */
static void
test_not_regular(void **state)
{
	struct spool *sp = open_spool();
	struct spool_msg m;
	char id[SPOOL_ID_MAX], p[512], why[512];

	(void)state;
	snprintf(p, sizeof(p), "%s/s/queue/AB10", tmpdir);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(spool_load(sp, "AB10", 0, &m, why, sizeof(why)), -1);
	assert_string_equal(why, qwhy("AB10", "not a regular file (a FIFO)"));
	snprintf(p, sizeof(p), "%s/s/queue/AB11", tmpdir);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(spool_load(sp, "AB11", 0, &m, why, sizeof(why)), -1);
	assert_string_equal(why, qwhy("AB11",
	    "not a regular file (a directory)"));
	write_state("AB12", "ectls-spool 1\n");
	snprintf(p, sizeof(p), "%s/s/queue/AB12", tmpdir);
	assert_int_equal(truncate(p, 2 * 1024 * 1024 + 1), 0);
	errno = 0;
	assert_int_equal(spool_load(sp, "AB12", 0, &m, why, sizeof(why)), -1);
	assert_string_equal(why, qwhy("AB12",
	    "state file larger than 2 MiB"));

	submit_one(sp, id, 1);
	assert_int_equal(spool_check_body(sp, id, why, sizeof(why)), 0);
	snprintf(p, sizeof(p), "%s/s/msg/%s", tmpdir, id);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(spool_check_body(sp, id, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "message file missing"));
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(spool_lock(sp, id), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(spool_check_body(sp, id, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not a regular file (a FIFO)"));
	assert_int_equal(unlink(p), 0);
	/* Both gone, as after a delivery: not an error. */
	snprintf(p, sizeof(p), "%s/s/queue/%s", tmpdir, id);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(spool_check_body(sp, id, why, sizeof(why)), 0);
	spool_close(sp);
}

/* Each test in a fresh directory. */
#define EACH_IN_TMPDIR(t) \
	cmocka_unit_test_setup_teardown(t, tmpdir_setup, tmpdir_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		EACH_IN_TMPDIR(test_submit_load),
		EACH_IN_TMPDIR(test_settle),
		EACH_IN_TMPDIR(test_malformed),
		EACH_IN_TMPDIR(test_sweep),
		EACH_IN_TMPDIR(test_not_a_spool),
		EACH_IN_TMPDIR(test_not_regular),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
