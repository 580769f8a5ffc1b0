#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/fuzz/suite.sh -- run the parser's libFuzzer target (fuzz/fuzz_parser.c)
# for ${FUZZ_SECONDS:-30} seconds (at most 60) on a copy of its seeds,
# fuzz/corpus/parser/.  Any crash, sanitizer report, leak or round-trip
# mismatch fails; the input that caused it is kept in $BUILD/fuzz/crash/
# (add it to fuzz/corpus/parser/ as a regression case once fixed).  Without
# clang (and its libFuzzer runtime) the check is reported as skipped.
set -u
. tests/lib.sh

secs=${FUZZ_SECONDS:-30}
case $secs in ''|*[!0-9]*) secs=30 ;; esac
[ "$secs" -gt 60 ] && secs=60
FUZZ_CC=${FUZZ_CC:-clang}

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	ok "fuzz_parser # SKIP $FUZZ_CC not installed"
	exit 0
fi
# make check runs this suite: a recursive make of one target is fine.
if ! make -s BUILD="$BUILD" "$BUILD/fuzz/fuzz_parser" >"$TMP/build" 2>&1; then
	notok "fuzz_parser builds"
	sed 's/^/#   /' "$TMP/build" | tail -20
	exit 0
fi
ok "fuzz_parser builds"

# The seeds must all pass first (they include every past crasher).
if "$BUILD/fuzz/fuzz_parser" -runs=0 fuzz/corpus/parser >"$TMP/seeds" 2>&1; then
	ok "fuzz_parser replays its seeds"
else
	notok "fuzz_parser replays its seeds"
	grep -E 'ERROR|SUMMARY|not stable|does not parse' "$TMP/seeds" |
	    head -10 | sed 's/^/#   /'
	exit 0
fi

mkdir -p "$TMP/corpus" "$BUILD/fuzz/crash"
cp fuzz/corpus/parser/* "$TMP/corpus/"
if "$BUILD/fuzz/fuzz_parser" -max_total_time="$secs" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$BUILD/fuzz/crash/" "$TMP/corpus" >"$TMP/log" 2>&1; then
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$TMP/log")
	ok "fuzz_parser ${secs}s without a crash (${runs:-?} inputs)"
else
	notok "fuzz_parser ${secs}s without a crash"
	grep -E 'ERROR|SUMMARY|Test unit written|not stable|does not parse' \
	    "$TMP/log" | head -10 | sed 's/^/#   /'
fi
