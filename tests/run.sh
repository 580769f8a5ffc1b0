#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# run.sh -- run every test suite and print one closing line "N passed, N failed".
#
# A suite is either an executable unit test in $BUILD/tests/unit/ (cmocka,
# run with TAP output) or a script tests/<area>/suite.sh.  Both print TAP-style
# lines: "ok [N] - name" or "not ok [N] - name"; lines starting with "#" are
# commentary.  A suite that exits non-zero without printing a "not ok" line
# (a crash, say) counts as one failure.
set -u
BUILD=${BUILD:-build}
export BUILD SHARED=${SHARED:-../shared}
export ECTLS=${ECTLS:-$BUILD/ectls}
export CMOCKA_MESSAGE_OUTPUT=TAP
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

pass=0 fail=0
only=${TESTS:-}

run_suite() {
	local name=$1; shift
	local out rc np nf
	out=$(mktemp)
	"$@" >"$out" 2>&1
	rc=$?
	np=$(grep -cE '^ok( [0-9]+)? - ' "$out")
	nf=$(grep -cE '^not ok( [0-9]+)? - ' "$out")
	if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
		echo "not ok - $name: suite exited with status $rc" >>"$out"
		nf=1
	fi
	if [ "$nf" -ne 0 ] || [ -n "${VERBOSE:-}" ]; then
		sed "s/^/[$name] /" "$out"
	fi
	printf '%-28s %4d passed, %d failed\n' "$name" "$np" "$nf"
	pass=$((pass + np))
	fail=$((fail + nf))
	rm -f "$out"
}

for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	n=unit/$(basename "$t")
	case "$only" in ""|*"$n"*) run_suite "$n" "$t" ;; esac
done
for s in tests/*/suite.sh; do
	[ -f "$s" ] || continue
	n=$(basename "$(dirname "$s")")
	case "$only" in ""|*"$n"*) run_suite "$n" bash "$s" ;; esac
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
