#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# compile.sh -- `ectls compile` of a generated configuration with 1,000,000
# (binding, domain) pairs (100 bindings x 10,000 domain stanzas), against
# `cdb -c` of the equivalent flattened key/value list (key "binding/domain",
# value the policy as `ectls lookup` prints it), in the same run.
# Prints figures; asserts nothing (timings are not tests).
set -eu
. bench/lib.sh
bench_enter

echo "== compile: 100 bindings x 10,000 domains = 1,000,000 pairs"
awk 'BEGIN {
	print "tls_protocols = \"+ALL:-SSLv2:-SSLv3:-TLSv1.0:-TLSv1.1\""
	for (b = 0; b < 100; b++) {
		printf "binding \"b%02d\" {\n  ehlo_hostname = \"mta%02d.example.net\"\n", b, b
		for (d = 0; d < 10000; d++)
			printf "  domain \"d%05d.example\" { tls = %s  retry_interval = %d }\n", d, (d % 3 ? "ifavailable" : "required"), 600 + d % 7 * 60
		print "}"
	}
}' >pairs.conf
echo "input: $(wc -c <pairs.conf) bytes, $(wc -l <pairs.conf) lines"
# Unverified "required" is a warning; it does not stop compile.
t_ectls=$(best "$E" compile --disable tls-unverified pairs.conf -o pairs.ectp)
"$E" compile --disable tls-unverified pairs.conf -o pairs.ectp 2>/dev/null
/usr/bin/time -o time.out -f 'peak RSS %M KiB' "$E" compile \
    --disable tls-unverified pairs.conf -o pairs.ectp >/dev/null 2>&1
tail -1 time.out
# The same pairs flattened to key/value records for cdb.
"$E" lookup pairs.ectp b00 d00000.example >one.txt
vlen=$(wc -c <one.txt)
awk -v v="$(cat one.txt | tr '\n' ';')" 'BEGIN {
	for (b = 0; b < 100; b++) for (d = 0; d < 10000; d++) {
		k = sprintf("b%02d/d%05d.example", b, d)
		printf "+%d,%d:%s->%s\n", length(k), length(v), k, v
	}
	print ""
}' >pairs.cdbin
t_cdb=$(best sh -c 'cdb -c -t pairs.tmp pairs.cdb <pairs.cdbin')
echo "ectls compile: ${t_ectls} s   cdb -c: ${t_cdb} s   ratio ectls/cdb: $(awk -v a="$t_ectls" -v b="$t_cdb" 'BEGIN{printf "%.2f", a/b}')"
echo "table: $(wc -c <pairs.ectp) bytes ($(awk -v s="$(wc -c <pairs.ectp)" 'BEGIN{printf "%.1f", s/1000100}') per key); cdb: $(wc -c <pairs.cdb) bytes"

