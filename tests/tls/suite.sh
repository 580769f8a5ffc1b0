#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/tls/suite.sh -- the TLS test PKI and the TLS layer's boundaries.
#
# 1. tests/tls/gen-pki.sh generates the PKI in time, and every fixture is
#    what the checks' tests assume, verified independently with the openssl
#    CLI (dates, key sizes, curves, signature hashes, EKU, modes, order).
# 2. The unit test (test_tls) passes against this PKI ($ECTLS_TLS_PKI).
# 3. Library headers stay in their backend; every finding id the TLS layer
#    files is registered in compiler/checks.def.
source tests/lib.sh

PKI=$TMP/pki
start=$(date +%s.%N)
if sh tests/tls/gen-pki.sh "$PKI" >"$TMP/gen.out" 2>&1; then
	ok "gen-pki.sh generates the PKI"
else
	notok "gen-pki.sh generates the PKI"
	sed 's/^/#   /' "$TMP/gen.out" | head -20
fi
secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
# A time, not a test: timings depend on the machine's load.
echo "# gen-pki.sh took ${secs}s"

missing=
for f in root.crt inter.crt ca-bundle.pem client.crt client.key \
    client-0644.key server.crt noeku.crt combo.pem chain.pem chain-bad.pem \
    customer1.crt customer1.key customer2.crt customer2.key weak1024.crt \
    sha1.crt ec256.crt ec256.key ec224.crt enc.crt enc.key expired.crt \
    notyet.crt expiring.crt ca-old.crt ca-mixed.pem leaf-as-ca.pem \
    empty.pem junk.pem dh1024.pem dh2048.pem; do
	[ -f "$PKI/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then ok "every fixture exists"; else notok "missing:$missing"; fi

# check NAME CMD... : ok when CMD succeeds.
check() {
	local name=$1; shift
	if "$@" >"$TMP/c.out" 2>&1; then ok "$name"; else
		notok "$name"; sed 's/^/#   /' "$TMP/c.out" | head -10; fi
}
dates() { openssl x509 -in "$PKI/$1" -noout -startdate -enddate | tr '\n' ' '; }
has() { grep -q -- "$2" <<<"$1"; }
text() { openssl x509 -in "$PKI/$1" -noout -text; }

check "expired.crt has fixed dates 2020..2021" \
    has "$(dates expired.crt)" "notBefore=Jan  1 00:00:00 2020 GMT notAfter=Jan  1 00:00:00 2021 GMT"
check "notyet.crt has fixed dates 2040..2041" \
    has "$(dates notyet.crt)" "notBefore=Jan  1 00:00:00 2040 GMT notAfter=Jan  1 00:00:00 2041 GMT"
check "expiring.crt ends 2026-06-15" has "$(dates expiring.crt)" "notAfter=Jun 15 00:00:00 2026 GMT"
check "ca-old.crt ended 2015" has "$(dates ca-old.crt)" "notAfter=Jan  1 00:00:00 2015 GMT"
check "weak1024.crt has an RSA-1024 key" has "$(text weak1024.crt)" "Public-Key: (1024 bit)"
check "client.crt has an RSA-2048 key" has "$(text client.crt)" "Public-Key: (2048 bit)"
check "ec256.crt is on P-256" has "$(text ec256.crt)" "NIST CURVE: P-256"
check "ec224.crt is on a curve under 256 bits" \
    has "$(text ec224.crt)" "Public-Key: (\(224\|192\) bit)"
check "sha1.crt is SHA-1-signed" has "$(text sha1.crt)" "Signature Algorithm: sha1WithRSAEncryption"
check "client.crt is SHA-256-signed" has "$(text client.crt)" "Signature Algorithm: sha256WithRSAEncryption"
check "client.crt has EKU clientAuth" has "$(text client.crt)" "TLS Web Client Authentication"
check "server.crt has EKU serverAuth only" \
    bash -c "openssl x509 -in '$PKI/server.crt' -noout -text | grep -q 'TLS Web Server Authentication' && ! openssl x509 -in '$PKI/server.crt' -noout -text | grep -q 'Client Authentication'"
check "noeku.crt has no EKU" bash -c "! openssl x509 -in '$PKI/noeku.crt' -noout -text | grep -q 'Extended Key Usage'"
check "leaf-as-ca.pem is CA:FALSE" has "$(openssl x509 -in "$PKI/leaf-as-ca.pem" -noout -text)" "CA:FALSE"
check "root.crt is CA:TRUE" has "$(text root.crt)" "CA:TRUE"
check "client.crt chains to ca-bundle.pem" \
    openssl verify -attime 1780272000 -CAfile "$PKI/root.crt" -untrusted "$PKI/inter.crt" "$PKI/client.crt"
pub_crt() { openssl x509 -in "$PKI/$1" -noout -pubkey; }
pub_key() { openssl pkey -in "$PKI/$1" -pubout; }
check "client.key matches client.crt" bash -c "[ \"\$(openssl x509 -in '$PKI/client.crt' -noout -pubkey)\" = \"\$(openssl pkey -in '$PKI/client.key' -pubout)\" ]"
if [ "$(pub_crt customer2.crt)" != "$(pub_key customer1.key)" ] && \
    [ -n "$(pub_key customer1.key)" ]; then
	ok "customer1.key does not match customer2.crt"
else
	notok "customer1.key does not match customer2.crt"
fi
check "enc.key is encrypted" grep -q "ENCRYPTED PRIVATE KEY" "$PKI/enc.key"
check "enc.key opens with \"secret\" and matches enc.crt" \
    bash -c "[ \"\$(openssl x509 -in '$PKI/enc.crt' -noout -pubkey)\" = \"\$(openssl pkey -in '$PKI/enc.key' -passin pass:secret -pubout)\" ]"
first_cn() { openssl x509 -in "$PKI/$1" -noout -subject | sed -n 's/.*CN *= *\([^,]*\).*/\1/p'; }
check "chain.pem starts with the leaf" test "$(first_cn chain.pem)" = client
check "chain-bad.pem starts with the intermediate" test "$(first_cn chain-bad.pem)" = inter
check "combo.pem holds a certificate and a key" \
    bash -c "grep -q 'BEGIN CERTIFICATE' '$PKI/combo.pem' && grep -q 'PRIVATE KEY' '$PKI/combo.pem'"
check "dh1024.pem is 1024 bits" has "$(openssl pkeyparam -in "$PKI/dh1024.pem" -noout -text)" "(1024 bit)"
check "dh2048.pem is 2048 bits" has "$(openssl pkeyparam -in "$PKI/dh2048.pem" -noout -text)" "(2048 bit)"
check "client.key is mode 0600" test "$(stat -c %a "$PKI/client.key")" = 600
check "client-0644.key is mode 0644" test "$(stat -c %a "$PKI/client-0644.key")" = 644
check "empty.pem is empty" test ! -s "$PKI/empty.pem"
check "junk.pem is not PEM" bash -c "! grep -q -- '-----BEGIN' '$PKI/junk.pem'"
if command -v certtool >/dev/null; then
	check "GnuTLS certtool reads ca-bundle.pem (2 certificates)" \
	    test "$(certtool -i --infile "$PKI/ca-bundle.pem" 2>/dev/null | grep -c '^X.509 Certificate Information')" = 2
fi

# 2. The unit test against this PKI.
if [ -x "$BUILD/tests/unit/test_tls" ]; then
	if ECTLS_TLS_PKI=$PKI CMOCKA_MESSAGE_OUTPUT=TAP \
	    "$BUILD/tests/unit/test_tls" >"$TMP/unit.out" 2>&1; then
		ok "test_tls passes against the suite's PKI"
	else
		notok "test_tls passes against the suite's PKI"
		grep -A3 '^not ok' "$TMP/unit.out" | sed 's/^/#   /' | head -20
	fi
else
	notok "test_tls is built ($BUILD/tests/unit/test_tls)"
fi

# 3. Boundaries.
bad=$(grep -rl '#include *<openssl/' --include='*.c' --include='*.h' \
    --include='*.y' --include='*.l' compiler parser runtime schema 2>/dev/null |
    grep -v '^runtime/tls/tls_openssl\.c$')
if [ -z "$bad" ]; then ok "OpenSSL headers only in tls_openssl.c"; else notok "OpenSSL headers in: $bad"; fi
bad=$(grep -rl '#include *<gnutls/' --include='*.c' --include='*.h' \
    --include='*.y' --include='*.l' compiler parser runtime schema 2>/dev/null |
    grep -v '^runtime/tls/tls_gnutls\.c$')
if [ -z "$bad" ]; then ok "GnuTLS headers only in tls_gnutls.c"; else notok "GnuTLS headers in: $bad"; fi
if grep -nE '\b(SSL_|X509|EVP_|gnutls_|GNUTLS_)' runtime/tls/tls.h runtime/tls/tls_int.h \
    runtime/tls/tls.c >"$TMP/types.out"; then
	notok "tls.h, tls_int.h and tls.c name no library type or call"
	sed 's/^/#   /' "$TMP/types.out" | head
else
	ok "tls.h, tls_int.h and tls.c name no library type or call"
fi
unreg=
for id in $(grep -ohE '"tls-[a-z0-9-]+"' runtime/tls/*.c | tr -d '"' | sort -u); do
	grep -q "CHECK(\"$id\"" compiler/checks.def || unreg="$unreg $id"
done
if [ -z "$unreg" ]; then ok "every TLS finding id is in checks.def"; else notok "unregistered ids:$unreg"; fi
