# SPDX-License-Identifier: ISC
# lib.sh -- helpers for suite.sh scripts.  Source it; then call ok/notok/check.
# Every check prints exactly one "ok - NAME" or "not ok - NAME" line.
BUILD=${BUILD:-build}
ECTLS=${ECTLS:-$BUILD/ectls}
SHARED=${SHARED:-../shared}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ectls-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

ok()    { echo "ok - $*"; }
notok() { echo "not ok - $*"; }

# expect_status WANT NAME CMD... : run CMD, compare its exit status.  A death
# by signal (status > 128) is always a failure.
expect_status() {
	local want=$1 name=$2; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" -gt 128 ]; then
		notok "$name (killed by signal $((rc - 128)))"
		return 1
	fi
	if [ "$rc" -ne "$want" ]; then
		notok "$name (exit $rc, want $want)"
		sed 's/^/#   /' "$TMP/err" | head -20
		return 1
	fi
	ok "$name"
}

# expect_same NAME EXPECTED_FILE ACTUAL_FILE
expect_same() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		notok "$1"
		diff -u "$2" "$3" | head -40 | sed 's/^/#   /'
		return 1
	fi
}

# sarif_python : print the python3 that has jsonschema and rfc3987 (what
# tests/report/validate_sarif.py needs), or nothing.  Debian's python3 has
# them (python3-jsonschema, scripts/install-deps); a python3 earlier in PATH
# (pyenv, venv) may not.
sarif_python() {
	local p
	for p in /usr/bin/python3 python3; do
		if "$p" -c 'import jsonschema, rfc3987' 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}
