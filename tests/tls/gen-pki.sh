#!/bin/sh
# SPDX-License-Identifier: ISC
# gen-pki.sh DIR -- generate the test PKI for the TLS checks into DIR, with
# the openssl CLI only.  Every certificate has FIXED dates (openssl ca
# -startdate/-enddate), so tests pass a fixed `now` (2026-06-01T00:00:00Z)
# and never depend on today's date.  Keys are random; nothing else is.
#
#   root.crt/.key        root CA, 2020-01-01 .. 2040-01-01
#   inter.crt/.key       intermediate CA signed by root
#   ca-bundle.pem        root + intermediate
#   client.crt/.key      leaf, EKU clientAuth (signed by inter), key mode 0600
#   client-0644.key      the same key, mode 0644
#   server.crt/.key      leaf, EKU serverAuth only
#   noeku.crt/.key       leaf, no EKU
#   combo.pem            client.crt + client.key in one file
#   chain.pem            client.crt + inter.crt (leaf first)
#   chain-bad.pem        inter.crt + client.crt (out of order)
#   customer1.crt/.key, customer2.crt/.key   (customer1.key vs customer2.crt mismatch)
#   weak1024.crt/.key    RSA-1024 leaf
#   sha1.crt/.key        SHA-1-signed leaf
#   ec256.crt/.key       EC P-256 leaf
#   ec224.crt/.key       EC P-224 leaf (secp192r1 when P-224 is refused)
#   enc.crt/enc.key      leaf with an encrypted PKCS#8 key, passphrase "secret"
#   expired.crt/.key     2020-01-01 .. 2021-01-01
#   notyet.crt/.key      2040-01-01 .. 2041-01-01
#   expiring.crt/.key    2024-01-01 .. 2026-06-15 (within 30 days of now)
#   ca-old.crt           self-signed CA, 2010-01-01 .. 2015-01-01 (expired)
#   ca-mixed.pem         root.crt + ca-old.crt
#   leaf-as-ca.pem       server.crt (CA:FALSE) used as a CA file
#   empty.pem, junk.pem  an empty file; text that is not PEM
#   dh1024.pem, dh2048.pem   DH parameters (2048 = RFC 7919 ffdhe2048)
set -eu
[ $# -eq 1 ] || { echo "usage: gen-pki.sh DIR" >&2; exit 2; }
D=$1
mkdir -p "$D"
cd "$D"
umask 077
mkdir -p db certs
: >db/index.txt
echo 1000 >db/serial

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
email_in_dn = no
[ inter ]
dir = .
database = ./db/index.txt
serial = ./db/serial
new_certs_dir = ./certs
certificate = ./inter.crt
private_key = ./inter.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
email_in_dn = no
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
[ v3_server ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
[ v3_leaf ]
basicConstraints = CA:FALSE
CNF

rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:${2:-2048} -out "$1" 2>/dev/null; }
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"$2" -out "$1" 2>/dev/null; }

# sign NAME CA SECTION START END [MD] -- NAME.key must exist; writes NAME.crt
sign() {
	openssl req -new -config ca.cnf -key "$1.key" -subj "/O=ectls test/CN=$1" \
	    -out "$1.csr"
	openssl ca -config ca.cnf -name "$2" -batch -notext -in "$1.csr" \
	    -out "$1.crt" -extensions "$3" -startdate "$4" -enddate "$5" \
	    -md "${6:-sha256}" 2>/dev/null
	rm -f "$1.csr"
}

selfsign() {
	openssl req -new -config ca.cnf -key "$1.key" -subj "/O=ectls test/CN=$1" \
	    -out "$1.csr"
	openssl ca -config ca.cnf -name root -selfsign -keyfile "$1.key" \
	    -batch -notext -in "$1.csr" -out "$1.crt" -extensions v3_ca \
	    -startdate "$2" -enddate "$3" 2>/dev/null
	rm -f "$1.csr"
}

V0=20240101000000Z
V1=20360101000000Z

rsa root.key;  selfsign root 20200101000000Z 20400101000000Z
rsa inter.key; sign inter root v3_ca 20200101000000Z 20400101000000Z
cat root.crt inter.crt >ca-bundle.pem

for n in client customer1 customer2; do
	rsa $n.key; sign $n inter v3_client $V0 $V1
done
rsa server.key; sign server inter v3_server $V0 $V1
rsa noeku.key;  sign noeku inter v3_leaf $V0 $V1
cp client.key client-0644.key
chmod 600 client.key
chmod 644 client-0644.key
cat client.crt client.key >combo.pem
cat client.crt inter.crt >chain.pem
cat inter.crt client.crt >chain-bad.pem

rsa weak1024.key 1024; sign weak1024 inter v3_client $V0 $V1
rsa sha1.key; sign sha1 inter v3_client $V0 $V1 sha1
ec ec256.key P-256; sign ec256 inter v3_client $V0 $V1
if ! ec ec224.key P-224; then ec ec224.key secp192r1; fi
sign ec224 inter v3_client $V0 $V1
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -aes-256-cbc -pass pass:secret -out enc.key 2>/dev/null
openssl req -new -config ca.cnf -key enc.key -passin pass:secret \
    -subj "/O=ectls test/CN=enc" -out enc.csr
openssl ca -config ca.cnf -name inter -batch -notext -in enc.csr -out enc.crt \
    -extensions v3_client -startdate $V0 -enddate $V1 2>/dev/null
rm -f enc.csr

rsa expired.key;  sign expired inter v3_client 20200101000000Z 20210101000000Z
rsa notyet.key;   sign notyet inter v3_client 20400101000000Z 20410101000000Z
rsa expiring.key; sign expiring inter v3_client $V0 20260615000000Z

rsa ca-old.key; selfsign ca-old 20100101000000Z 20150101000000Z
cat root.crt ca-old.crt >ca-mixed.pem
cp server.crt leaf-as-ca.pem

: >empty.pem
printf 'this is not a certificate\nat all\n' >junk.pem

openssl dhparam -out dh1024.pem 1024 2>/dev/null
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out dh2048.pem

# Everything but the keys is public; the tests set key modes themselves.
chmod 644 *.crt *.pem
chmod 600 client.key
rm -rf db certs
