#!/bin/sh
# SPDX-License-Identifier: ISC
# demo.sh -- what `make demo` shows, on the bundled examples:
#  1. the seed page's configuration (customer1.key with customer2.cert):
#     ectls reports the mismatch;
#  2. the corrected file lints clean;
#  3. the realistic examples/ecelerity.conf lints clean, compiles into a
#     policy table, and the table answers a lookup with provenance.
# Certificates are generated with the openssl CLI into $BUILD/demo.
set -u
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
ECTLS=$top/$BUILD/ectls
work=$top/$BUILD/demo

sh "$top/examples/setup-pki.sh" "$work" || exit 2
cd "$work" || exit 2

run() {
	echo "\$ ectls $*"
	"$ECTLS" "$@"
	rc=$?
	echo "[exit status $rc]"
	echo
	return $rc
}

run lint outbound-tls.conf
[ $rc -eq 1 ] || { echo "demo: the mismatch was not reported" >&2; exit 1; }
run lint outbound-tls.fixed.conf || exit 1
run lint ecelerity.conf || exit 1
run compile ecelerity.conf -o policy.ectp || exit 1
run lookup policy.ectp receipts bank.example || exit 1
exit 0
