#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# lint.sh -- `ectls lint` of a configuration with 1,000 bindings, each with
# its own certificate, key and CA file, and 100 domains each (100,000
# pairs): total time, and time per distinct file, against the same bindings
# without domains (cost must follow files, not pairs).
# Prints figures; asserts nothing (timings are not tests).
set -eu
. bench/lib.sh
bench_enter

echo "== lint: 1,000 bindings with their own certificate, key and CA, 100 domains each"
# Every binding's material is distinct (no content cache can help): four
# roots (two RSA-2048, two EC P-256); per binding an intermediate CA (EC
# P-256) under root i%4, a client leaf under it (RSA-2048 for even i, EC
# P-256 for odd i) with its own key, and a CA file of root + intermediate,
# the shape of tests/tls/gen-pki.sh's client.crt and ca-bundle.pem.  The
# openssl CLI makes them in parallel once; the set is kept in $DIR/files.
N=1000
gen_one() {	# gen_one I: intermediate, leaf, key and CA file of binding I
	local i=$1 r=$(($1 % 4)) kt
	if [ $((i % 2)) -eq 0 ]; then kt=rsa:2048; else kt=ec; fi
	openssl req -config gen.cnf -x509 -newkey ec -pkeyopt \
	    ec_paramgen_curve:P-256 -noenc -keyout mat/i$i.key \
	    -out mat/i$i.crt -subj "/O=ectls bench/CN=Intermediate $i" \
	    -days 3650 -CA roots/r$r.crt -CAkey roots/r$r.key \
	    -extensions v3_inter 2>/dev/null
	openssl req -config gen.cnf -x509 -newkey $kt \
	    $([ $kt = ec ] && echo -pkeyopt ec_paramgen_curve:P-256) -noenc \
	    -keyout files/c$i.key.tmp -out files/c$i.crt.tmp \
	    -subj "/O=ectls bench/CN=client$i.bench.example" -days 825 \
	    -CA mat/i$i.crt -CAkey mat/i$i.key -extensions v3_leaf 2>/dev/null
	cat roots/r$r.crt mat/i$i.crt >files/ca$i.pem.tmp
	mv files/c$i.key.tmp files/c$i.key
	mv files/c$i.crt.tmp files/c$i.crt
	mv files/ca$i.pem.tmp files/ca$i.pem
}
# Leaves are valid for 825 days: a set older than a year is made again.
if [ ! -f files/stamp-$N ] || [ -n "$(find files/stamp-$N -mtime +365)" ]
then
	echo "generating $N distinct certificates, keys and CA files" \
	    "(once; RSA key generation takes a few minutes)..."
	rm -rf files mat roots
	mkdir -p files mat roots
	umask 077
	cat >gen.cnf <<'CNF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_inter ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_leaf ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
	for r in 0 1 2 3; do
		if [ $r -lt 2 ]; then kt=rsa:2048; po=; else
			kt=ec; po="-pkeyopt ec_paramgen_curve:P-256"; fi
		openssl req -config gen.cnf -x509 -newkey $kt $po -noenc \
		    -keyout roots/r$r.key -out roots/r$r.crt \
		    -subj "/O=ectls bench/CN=Root $r" -days 7300 \
		    -extensions v3_root 2>/dev/null
	done
	export -f gen_one
	seq 0 $((N - 1)) | xargs -P "$(nproc)" -n 1 bash -c 'gen_one "$1"' _
	n=$(sha256sum mat/*.crt files/c*.crt files/c*.key files/ca*.pem |
	    cut -d' ' -f1 | sort | uniq -d | wc -l)
	[ "$n" -eq 0 ] || { echo "lint.sh: generated files repeat" >&2; exit 1; }
	umask 022
	: >files/stamp-$N
fi
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
# The same under GnuTLS: a priority string that passes the POODLE checks
# instead of tls_protocols (which GnuTLS ignores, a warning).
for n in 0 100; do
	{ echo 'tls_engine = gnutls'; echo 'tls_ciphers = "NORMAL:-VERS-SSL3.0"'
	  grep -v '^tls_protocols' files$n.conf; } >gnutls$n.conf
done
# The figures are only worth something for a clean lint of real material.
for c in files100 gnutls100; do
	st=0
	"$E" lint $c.conf >lint.out 2>&1 || st=$?
	echo "lint of $c.conf: exit $st," \
	    "$(grep -c ': \(error\|warning\):' lint.out || true) findings"
done
figures() {	# figures LABEL CONF100 CONF0 [OPTION]
	local t100 t0
	t100=$(best "$E" lint ${4:-} "$2")
	t0=$(best "$E" lint ${4:-} "$3")
	echo "$1: 100,000 pairs: ${t100} s   1,000 pairs (no domains):" \
	    "${t0} s   files: 3,000"
	echo "  per distinct file: $(awk -v t="$t0" \
	    'BEGIN{printf "%.2f", t/3000*1000}') ms; added cost of 99,000" \
	    "more pairs: $(awk -v a="$t100" -v b="$t0" \
	    'BEGIN{printf "%.2f", a-b}') s"
}
figures "openssl" files100.conf files0.conf
figures "gnutls" gnutls100.conf gnutls0.conf
# --engines both also loads every pair and CA file the way each library
# would (SSL_CTX, gnutls credentials): a heavier per-file cost.
figures "openssl, --engines both" files100.conf files0.conf "--engines both"
