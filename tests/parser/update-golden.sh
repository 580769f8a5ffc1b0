#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/parser/update-golden.sh -- regenerate the parser goldens from the
# current build: err/*.err (and err/*.status when the exit status is not
# 1), ok/*.out and ok/*.expanded (for ok cases that have a .d directory of
# included files).  Review `git diff tests/parser` before committing: the
# goldens are the specification of the messages.
#   BUILD=build/x tests/parser/update-golden.sh
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) E=$BUILD/ectls ;; *) E=$top/$BUILD/ectls ;; esac
[ -x "$E" ] || { echo "update-golden: no $E; build first" >&2; exit 2; }

cd "$top/tests/parser/err" || exit 2
for f in *.conf; do
	b=${f%.conf}
	args=()
	[ -f "$b.args" ] && read -r -a args <"$b.args"
	"$E" lint --syntax-only "${args[@]}" "$f" >/dev/null 2>"$b.err"
	rc=$?
	if [ "$rc" -ne 1 ]; then
		echo "$rc" >"$b.status"
	else
		rm -f "$b.status"
	fi
	echo "err/$b: exit $rc, $(wc -l <"$b.err") lines"
done

cd "$top/tests/parser/ok" || exit 2
for f in *.conf; do
	b=${f%.conf}
	"$E" print "$f" >"$b.out" || echo "ok/$b: print failed" >&2
	if [ -d "$b.d" ]; then
		"$E" print --expand "$f" >"$b.expanded" ||
		    echo "ok/$b: print --expand failed" >&2
	fi
	echo "ok/$b: $(wc -l <"$b.out") lines"
done
