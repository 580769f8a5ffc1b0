#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/fuzz-targets/suite.sh -- the libFuzzer targets other than the
# parser's (tests/fuzz): the table reader (fuzz_table), the SMTP reply
# parser (fuzz_smtp_reply) and the TLS checks (fuzz_tls_protocols,
# fuzz_tls_ciphers, fuzz_gnutls_priority, fuzz_pem; helpers in
# fuzz/tls_fuzz.h).  For each: it builds, it replays its seeds
# (fuzz/corpus/NAME/, which hold every past crasher), and it runs for
# ${FUZZ_SECONDS:-30} seconds (at most 30: make check runs this) on a copy of
# the seeds without a crash, sanitizer report, leak or broken invariant.  A
# failing input is kept in $BUILD/fuzz/crash/; once fixed it goes into
# fuzz/corpus/NAME/ as a regression seed.  Without clang the checks are
# reported as skipped.
set -u
. tests/lib.sh

TARGETS="table smtp_reply tls_protocols tls_ciphers gnutls_priority pem"
secs=${FUZZ_SECONDS:-30}
case $secs in ''|*[!0-9]*) secs=30 ;; esac
[ "$secs" -gt 30 ] && secs=30
[ "$secs" -lt 1 ] && secs=1
FUZZ_CC=${FUZZ_CC:-clang}

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	for t in $TARGETS; do
		ok "fuzz_$t # SKIP $FUZZ_CC not installed"
	done
	exit 0
fi

bins=
for t in $TARGETS; do
	bins="$bins $BUILD/fuzz/fuzz_$t"
done
# make check runs this suite: a recursive make of these targets is fine.
# shellcheck disable=SC2086
if ! make -s BUILD="$BUILD" $bins >"$TMP/build" 2>&1; then
	notok "the fuzz targets build"
	sed 's/^/#   /' "$TMP/build" | tail -20
	exit 0
fi
ok "the fuzz targets build"

mkdir -p "$BUILD/fuzz/crash"
for t in $TARGETS; do
	bin=$BUILD/fuzz/fuzz_$t
	seeds=fuzz/corpus/$t
	if [ "$(find "$seeds" -type f | wc -l)" -lt 5 ]; then
		notok "fuzz_$t has a seed corpus (fewer than 5 seeds in $seeds)"
		continue
	fi
	if "$bin" -runs=0 "$seeds" >"$TMP/seeds" 2>&1; then
		ok "fuzz_$t replays its $(find "$seeds" -type f | wc -l) seeds"
	else
		notok "fuzz_$t replays its seeds"
		grep -E 'ERROR|SUMMARY|Test unit|fuzz_.*\.c:[0-9]' "$TMP/seeds" |
		    head -10 | sed 's/^/#   /'
		continue
	fi
	rm -rf "$TMP/corpus" && mkdir -p "$TMP/corpus"
	cp "$seeds"/* "$TMP/corpus/"
	if "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$BUILD/fuzz/crash/$t-" \
	    "$TMP/corpus" >"$TMP/log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
		    "$TMP/log")
		cov=$(sed -n 's/.*DONE *cov: \([0-9]*\).*/\1/p' "$TMP/log")
		ok "fuzz_$t ${secs}s without a crash (${runs:-?} inputs, cov ${cov:-?})"
	else
		notok "fuzz_$t ${secs}s without a crash"
		grep -E 'ERROR|SUMMARY|Test unit written|fuzz_.*\.c:[0-9]' \
		    "$TMP/log" | head -10 | sed 's/^/#   /'
	fi
done
