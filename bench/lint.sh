#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# lint.sh -- `ectls lint` of a configuration with 1,000 bindings, each with
# its own certificate, key and CA file, and 100 domains each (100,000
# pairs): total time, and time per distinct file, against the same bindings
# without domains (cost must follow files, not pairs).
# Prints figures; asserts nothing (timings are not tests).
set -eu
ECTLS=${ECTLS:-build/ectls}
DIR=${BENCH_DIR:-build/bench}
mkdir -p "$DIR"
E=$(cd "$(dirname "$ECTLS")" && pwd)/$(basename "$ECTLS")
top=$(pwd)
cd "$DIR"

best() {	# best of 3 wall-clock seconds of a command
	local b= t
	for _ in 1 2 3; do
		# CPU time (user + sys): wall time depends on other load.
		/usr/bin/time -o time.out -f '%U %S' "$@" >/dev/null 2>&1 || true
		t=$(tail -1 time.out | awk '{ printf "%.2f", $1 + $2 }')
		echo "$t" >time.out
		t=$(tail -1 time.out)
		t=${t%% *}
		if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN{exit !(a<b)}'; then b=$t; fi
	done
	echo "$b"
}

echo "== lint: 1,000 bindings with their own certificate, key and CA, 100 domains each"
if [ ! -f pki/client.crt ]; then
	sh "$top/tests/tls/gen-pki.sh" pki >/dev/null
fi
mkdir -p files
for i in $(seq 0 999); do
	cp pki/client.crt files/c$i.crt
	cp pki/client.key files/c$i.key
	cp pki/ca-bundle.pem files/ca$i.pem
done
gen() {	# gen NDOMAINS
	awk -v nd="$1" 'BEGIN {
		print "tls_protocols = \"+ALL:-SSLv2:-SSLv3:-TLSv1.0:-TLSv1.1\""
		print "tls = ifavailable"
		for (b = 0; b < 1000; b++) {
			printf "binding \"b%d\" {\n", b
			printf "  tls_certificate = \"files/c%d.crt\"\n  tls_key = \"files/c%d.key\"\n", b, b
			printf "  tls_ca = \"files/ca%d.pem\"\n  tls_verify = ca\n", b
			for (d = 0; d < nd; d++)
				printf "  domain \"d%d.example\" { tls = required }\n", d
			print "}"
		}
	}'
}
gen 100 >files100.conf
gen 0 >files0.conf
t100=$(best "$E" lint files100.conf)
t0=$(best "$E" lint files0.conf)
echo "100,000 pairs: ${t100} s   1,000 pairs (no domains): ${t0} s   files: 3,000"
echo "per distinct file: $(awk -v t="$t0" 'BEGIN{printf "%.2f", t/3000*1000}') ms; added cost of 99,000 more pairs: $(awk -v a="$t100" -v b="$t0" 'BEGIN{printf "%.2f", a-b}') s"
