#!/bin/sh
# SPDX-License-Identifier: ISC
# pki.sh DIR -- the PKI of the delivery tests, with the openssl CLI only
# (EC P-256 keys: fast).  Fixed dates, valid around the present:
#   root.crt/.key      CA "ectls deliver root"
#   mx.crt/.key        mx.example.test (SAN DNS:mx.example.test), serverAuth
#   wild.crt/.key      *.example.test (SAN DNS:*.example.test)
#   wrong.crt/.key     wrong.example.org (SAN DNS:wrong.example.org)
#   expired.crt/.key   mx.example.test, 2020-01-01 .. 2021-01-01
#   cnonly.crt/.key    CN mx.example.test, no subjectAltName
#   cnother.crt/.key   CN mx.example.test, SAN DNS:other.example.org only
#   dom.crt/.key       CN and SAN DNS:req-host.test (the recipient domain)
#   client.crt/.key    client.example.test, clientAuth
#   client2.crt/.key   client2.example.test, clientAuth (another identity)
#   other-root.crt     an unrelated CA (for "untrusted")
set -eu
[ $# -eq 1 ] || { echo "usage: pki.sh DIR" >&2; exit 2; }
mkdir -p "$1"
cd "$1"
umask 077
mkdir -p db certs
: >db/index.txt
echo 2000 >db/serial
cat >ca.cnf <<'CNF'
[ ca ]
default_ca = root
[ root ]
dir = .
database = ./db/index.txt
serial = ./db/serial
new_certs_dir = ./certs
certificate = ./root.crt
private_key = ./root.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[ any ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_client ]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
[ v3_mx ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:mx.example.test
[ v3_wild ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:*.example.test
[ v3_nosan ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
[ v3_other ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example.org
[ v3_dom ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:req-host.test
[ v3_wrong ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example.org
CNF
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
root() {
	key "$1"
	openssl req -new -config ca.cnf -key "$1.key" -subj "/O=ectls test/CN=$2" -out "$1.csr"
	openssl ca -config ca.cnf -selfsign -keyfile "$1.key" -cert /dev/null \
	    -batch -notext -in "$1.csr" -out "$1.crt" -extensions v3_ca \
	    -startdate 20200101000000Z -enddate 20400101000000Z 2>/dev/null
	rm -f "$1.csr"
}
leaf() {	# NAME CN SECTION START END
	key "$1"
	openssl req -new -config ca.cnf -key "$1.key" -subj "/O=ectls test/CN=$2" -out "$1.csr"
	openssl ca -config ca.cnf -batch -notext -in "$1.csr" -out "$1.crt" \
	    -extensions "$3" -startdate "$4" -enddate "$5" 2>/dev/null
	rm -f "$1.csr"
}
root root "ectls deliver root"
leaf mx mx.example.test v3_mx 20240101000000Z 20360101000000Z
leaf wild '*.example.test' v3_wild 20240101000000Z 20360101000000Z
leaf wrong wrong.example.org v3_wrong 20240101000000Z 20360101000000Z
leaf expired mx.example.test v3_mx 20200101000000Z 20210101000000Z
leaf cnonly mx.example.test v3_nosan 20240101000000Z 20360101000000Z
leaf cnother mx.example.test v3_other 20240101000000Z 20360101000000Z
leaf dom req-host.test v3_dom 20240101000000Z 20360101000000Z
leaf client client.example.test v3_client 20240101000000Z 20360101000000Z
leaf client2 client2.example.test v3_client 20240101000000Z 20360101000000Z
# An unrelated CA, in its own directory so its serial/index stay apart.
mkdir -p other && cp ca.cnf other/ && (cd other && mkdir -p db certs &&
    : >db/index.txt && echo 3000 >db/serial && root root "ectls other root")
cp other/root.crt other-root.crt
chmod 644 ./*.crt ./*.key
