/* SPDX-License-Identifier: ISC */
/*
 * test_tls_session.c -- the TLS session cache of the delivery runtime
 * (tls.h): bounds, replacement, expiry, argument checks and which entry
 * a full cache gives up.  Resumption itself
 * (both engines, against a real Postfix) is tested end to end by
 * tests/spool/suite.sh and tests/deliver/suite.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tls/tls.h"

static void
test_bounds(void **state)
{
	struct tls_session_cache *sc;
	int64_t later = (int64_t)time(NULL) + 600;

	(void)state;
	assert_null(tls_session_cache_new(0, 60));
	assert_non_null(sc = tls_session_cache_new(2, 60));
	assert_int_equal(tls_session_cache_count(sc), 0);
	assert_int_equal(tls_session_cache_put(sc, "a", "xx", 2, later), 0);
	assert_int_equal(tls_session_cache_put(sc, "b", "yy", 2, later), 0);
	assert_int_equal(tls_session_cache_count(sc), 2);
	/* A third key evicts one: still two. */
	assert_int_equal(tls_session_cache_put(sc, "c", "zz", 2, later), 0);
	assert_int_equal(tls_session_cache_count(sc), 2);
	/* The same key replaces its entry. */
	assert_int_equal(tls_session_cache_put(sc, "c", "zzz", 3, later), 0);
	assert_int_equal(tls_session_cache_count(sc), 2);
	tls_session_cache_free(sc);
	tls_session_cache_free(NULL);
}

static void
test_expiry_and_args(void **state)
{
	struct tls_session_cache *sc;
	int64_t now = (int64_t)time(NULL);

	(void)state;
	assert_non_null(sc = tls_session_cache_new(4, 60));
	assert_int_equal(tls_session_cache_put(sc, "old", "x", 1, now - 1), 0);
	assert_int_equal(tls_session_cache_put(sc, "new", "x", 1, now + 60),
	    0);
	/* An expired entry is not counted. */
	assert_int_equal(tls_session_cache_count(sc), 1);
	assert_int_equal(tls_session_cache_put(sc, NULL, "x", 1, now + 60),
	    -1);
	assert_int_equal(tls_session_cache_put(sc, "k", "x", 0, now + 60), -1);
	assert_int_equal(tls_session_cache_put(NULL, "k", "x", 1, now + 60),
	    -1);
	tls_session_cache_free(sc);
}

/* A full cache evicts an expired entry before any live one. */
static void
test_victim(void **state)
{
	struct tls_session_cache *sc;
	int64_t now = (int64_t)time(NULL);

	(void)state;
	assert_non_null(sc = tls_session_cache_new(3, 60));
	assert_int_equal(tls_session_cache_put(sc, "a", "x", 1, now + 60), 0);
	assert_int_equal(tls_session_cache_put(sc, "b", "x", 1, now - 5), 0);
	assert_int_equal(tls_session_cache_put(sc, "c", "x", 1, now + 60), 0);
	assert_int_equal(tls_session_cache_count(sc), 2);
	assert_int_equal(tls_session_cache_put(sc, "d", "x", 1, now + 60), 0);
	/* "b" (expired) went, not "a" (the oldest): three live ones. */
	assert_int_equal(tls_session_cache_count(sc), 3);
	tls_session_cache_free(sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_expiry_and_args),
		cmocka_unit_test(test_victim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
