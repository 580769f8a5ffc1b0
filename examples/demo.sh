#!/bin/sh
# SPDX-License-Identifier: ISC
# demo.sh -- what `make demo` shows, on the bundled examples:
#  1. the seed page's configuration (customer1.key with customer2.cert):
#     ectls reports the mismatch;
#  2. the corrected file lints clean;
#  3. the realistic examples/ecelerity.conf lints clean, compiles into a
#     policy table, and the table answers a lookup with provenance.
#  4. the seed scenario end to end: a private Postfix on 127.0.0.1 with
#     STARTTLS, a configuration with tls = required and host verification,
#     compiled, and ectls-deliver sending a message under it (the log line
#     and the Received header Postfix wrote).
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

# 4. Delivery to a real Postfix on loopback.
DELIVER=$top/$BUILD/ectls-deliver
command -v postfix >/dev/null 2>&1 || sh "$top/scripts/install-deps" >/dev/null
sh "$top/tests/deliver/pki.sh" dpki >/dev/null || exit 2
chmod 600 dpki/client.key
read -r PT PP <<EOF2
$(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
EOF2
pf=$work/postfix
rm -rf "$pf"
mkdir -p "$pf"
trap 'sh "$top/tests/deliver/postfix.sh" stop "$pf" >/dev/null 2>&1' EXIT
sh "$top/tests/deliver/postfix.sh" start "$pf" "$work/dpki" "$PT" "$PP" \
    partner.test >/dev/null || { echo "demo: Postfix did not start" >&2; exit 2; }
cat >deliver.conf <<EOF2
tls_protocols = "+ALL:-SSLv2:-SSLv3:-TLSv1.0:-TLSv1.1"
ehlo_hostname = "client.example.test"
binding "customer-1" {
  tls_certificate = "dpki/client.crt"
  tls_key = "dpki/client.key"
  domain "partner.test" {
    tls = required
    tls_verify = host
    tls_ca = "dpki/root.crt"
    gateway = "mx.example.test:$PT"
  }
}
EOF2
echo "\$ cat deliver.conf"
cat deliver.conf
echo
run compile deliver.conf -o deliver.ectp || exit 1
printf 'Subject: ectls demo\n\nHello over verified TLS.\n' >msg.txt
echo "\$ ectls-deliver send --table deliver.ectp --binding customer-1 --from demo@client.example.test --to user@partner.test --resolve mx.example.test:127.0.0.1 msg.txt"
"$DELIVER" send --table deliver.ectp --binding customer-1 \
    --from demo@client.example.test --to user@partner.test \
    --resolve mx.example.test:127.0.0.1 --log delivery.log msg.txt
rc=$?
cat delivery.log
echo "[exit status $rc]"
[ $rc -eq 0 ] || exit 1
for _ in $(seq 50); do
	f=$(ls "$pf"/mail/box/new/* 2>/dev/null | head -1)
	[ -n "$f" ] && break
	sleep 0.1
done
echo
echo "Received header written by Postfix:"
awk '/^Received:/ { r = 1; print; next } r && /^[ \t]/ { print; next } { r = 0 }' "$f" | head -6
exit 0
