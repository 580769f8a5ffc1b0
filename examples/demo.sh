#!/bin/sh
# demo.sh -- what `make demo` shows: ectls linting the bundled example.
# Later steps of the project extend it (compile, deliver).
set -u
BUILD=${BUILD:-build}
ECTLS="$BUILD/ectls"
here=$(dirname "$0")

echo "\$ ectls lint --syntax-only examples/ecelerity.conf"
"$ECTLS" lint --syntax-only "$here/ecelerity.conf"
rc=$?
echo "exit status $rc"
echo
echo "\$ ectls print examples/ecelerity.conf | head -20"
"$ECTLS" print "$here/ecelerity.conf" | head -20
exit $rc
