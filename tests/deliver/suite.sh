#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# suite.sh -- ectls-deliver against a scripted peer (peer.py) and a real
# Postfix (postfix.sh), both on 127.0.0.1 only, under both TLS engines
# (tls_engine = openssl and gnutls in the compiled configuration).
set -u
source tests/lib.sh
DELIVER=${DELIVER:-$BUILD/ectls-deliver}
HERE=tests/deliver
PKI=$TMP/pki
PF=$TMP/postfix
source tests/deliver/peer.sh

cleanup() {
	peer_stop
	[ -f "$PF/main.cf" ] && sh $HERE/postfix.sh stop "$PF" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

if [ ! -x "$DELIVER" ]; then
	notok "ectls-deliver is built"
	exit 1
fi

# ---- the binary links neither the parser nor libxml2 ----------------------
# The same probe must find both in build/ectls, or it proves nothing.
links_front() { nm "$1" 2>/dev/null | grep -qE ' [TD] cfg_' || ldd "$1" | grep -q libxml2; }
if [ -x "$ECTLS" ] && links_front "$ECTLS" && ! links_front "$DELIVER"; then
	ok "ectls-deliver links no parser (cfg_) and no libxml2"
else
	notok "ectls-deliver links no parser (cfg_) and no libxml2"
fi

# ---- usage and I/O errors: exit 2 ------------------------------------------
printf 'Subject: x\n\nx\n' >"$TMP/m"
expect_status 2 "usage: no --to" "$DELIVER" send --table "$TMP/none" --from a@b.test "$TMP/m"
expect_status 2 "usage: bad recipient" "$DELIVER" send --table "$TMP/none" --from a@b.test --to nobody "$TMP/m"
expect_status 2 "usage: bad --log-format" "$DELIVER" send --table "$TMP/none" --from a@b.test --to a@b.test --log-format xml "$TMP/m"
expect_status 2 "unreadable table" "$DELIVER" send --table "$TMP/none" --from a@b.test --to a@b.test "$TMP/m"
expect_status 0 "--help" "$DELIVER" --help

# (The reply parser's fuzz target runs in tests/fuzz-targets.)

# ---- PKI, ports, configurations ---------------------------------------------
if ! sh $HERE/pki.sh "$PKI" >"$TMP/pki.log" 2>&1; then
	notok "test PKI generated"; sed 's/^/#   /' "$TMP/pki.log"; exit 1
fi
chmod 600 "$PKI/client.key"
read -r PEERPORT PFTLS PFPLAIN < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')

expect_status 2 "unreadable message" "$DELIVER" send --table "$TMP/none" --from a@b.test --to a@b.test "$TMP/no-such-message"

# mkconf ENGINE -> $TMP/ENGINE.conf
mkconf() {
	local e=$1 gw="mx.example.test:$PEERPORT"
	{
	echo "tls_engine = $e"
	# Each engine's own dialect: TLS 1.2 only; one TLS 1.2 cipher; one
	# TLS 1.3 suite (GnuTLS: all in the priority string, tls_ciphers).
	local req="tls = required tls_verify = host tls_ca = \"$PKI/root.crt\""
	if [ "$e" = gnutls ]; then
		echo 'tls_ciphers = "NORMAL:-VERS-SSL3.0"'
		echo "domain \"p12.test\" { $req tls_ciphers = \"NORMAL:-VERS-ALL:+VERS-TLS1.2\" }"
		echo "domain \"c12.test\" { $req tls_ciphers = \"NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+CHACHA20-POLY1305\" }"
		echo "domain \"c13.test\" { $req tls_ciphers = \"NORMAL:-VERS-SSL3.0:-CIPHER-ALL:+CHACHA20-POLY1305\" }"
	else
		echo 'tls_protocols = "+ALL:-SSLv2:-SSLv3:-TLSv1:-TLSv1.1"'
		echo "domain \"p12.test\" { $req tls_protocols = \"+ALL:-SSLv2:-SSLv3:-TLSv1:-TLSv1.1:-TLSv1.3\" }"
		echo "domain \"c12.test\" { $req tls_protocols = \"+ALL:-SSLv2:-SSLv3:-TLSv1:-TLSv1.1:-TLSv1.3\" tls_ciphers = \"ECDHE-ECDSA-CHACHA20-POLY1305\" }"
		echo "domain \"c13.test\" { $req tlsv13_ciphersuites = \"TLS_CHACHA20_POLY1305_SHA256\" }"
		# Anonymous suites (TLS 1.2, no certificate); the GnuTLS
		# backend sets no anonymous credentials.
		echo "domain \"anon.test\" { tls = required tls_protocols = \"+ALL:-SSLv2:-SSLv3:-TLSv1:-TLSv1.1:-TLSv1.3\" tls_ciphers = \"aNULL:@SECLEVEL=0\" }"
	fi
	cat <<CF
ehlo_hostname = "client.example.test"
tls_certificate = "$PKI/client.crt"
tls_key = "$PKI/client.key"
connect_timeout = 2
ehlo_timeout = 2
mailfrom_timeout = 2
rcptto_timeout = 2
body_timeout = 2
rset_timeout = 2
gateway = "$gw"
domain "req-host.test" { tls = required tls_verify = host tls_ca = "$PKI/root.crt" }
domain "req-ca.test" { tls = required tls_verify = ca tls_ca = "$PKI/root.crt" }
domain "req-other.test" { tls = required tls_verify = ca tls_ca = "$PKI/other-root.crt" }
domain "req-none.test" { tls = required }
domain "opt.test" { tls = required tls_verify = optional tls_ca = "$PKI/root.crt" }
domain "ifa.test" { tls = ifavailable }
domain "ifa-nofb.test" { tls = ifavailable tls_ifavailable_fallback = false }
domain "plain.test" { tls = no }
binding "strict" {
  domain "plain.test" { tls = required tls_verify = host tls_ca = "$PKI/root.crt" }
}
domain "slow.test" { tls = no ehlo_timeout = 1 mailfrom_timeout = 2 rcptto_timeout = 3 body_timeout = 4 }
domain "slowtls.test" { tls = required tls_verify = host tls_ca = "$PKI/root.crt" ehlo_timeout = 1 }
domain "pf-req.test" { tls = required tls_verify = host tls_ca = "$PKI/root.crt" gateway = "mx.example.test:$PFTLS" }
domain "pf-req2.test" { tls = required tls_verify = host tls_ca = "$PKI/root.crt" gateway = "mx.example.test:$PFTLS" }
domain "pf-plain.test" { tls = no gateway = "mx.example.test:$PFTLS" }
domain "pf-notls-req.test" { tls = required tls_verify = host tls_ca = "$PKI/root.crt" gateway = "mx.example.test:$PFPLAIN" }
domain "pf-notls-ifa.test" { tls = ifavailable gateway = "mx.example.test:$PFPLAIN" }
CF
	} >"$TMP/$e.conf"
}

# mkroute ENGINE -> $TMP/ENGINE-route.conf: no gateway, so DNS (the
# fakedns.c stand-in) and routes choose the hosts; remote_smtp_port is the
# peer's port.
mkroute() {
	cat >"$TMP/$1-route.conf" <<CF
tls_engine = $1
tls = no
ehlo_hostname = "client.example.test"
remote_smtp_port = $PEERPORT
connect_timeout = 2
ehlo_timeout = 2
mailfrom_timeout = 2
rcptto_timeout = 2
body_timeout = 2
rset_timeout = 2
domain "routes.route.test" { routes = ( "smtp://r3.route.test?pref=30" "smtp://r1.route.test?pref=10" "__mx__" ) }
domain "gw.route.test" { gateway = "r1.route.test" routes = ( "smtp://r3.route.test?pref=30" ) }
CF
}

for e in openssl gnutls; do
	mkconf $e
	mkroute $e
	if ! "$ECTLS" compile "$TMP/$e.conf" -o "$TMP/$e.ectp" >"$TMP/compile.log" 2>&1 ||
	    ! "$ECTLS" compile "$TMP/$e-route.conf" -o "$TMP/$e-route.ectp" >>"$TMP/compile.log" 2>&1; then
		notok "$e: test configuration compiles"
		sed 's/^/#   /' "$TMP/compile.log"
		exit 1
	fi
done

# The res_query() stand-in (fakedns.c) for the routing cases.
FAKEDNS=$TMP/fakedns.so
if ! ${CC:-cc} -shared -fPIC -O2 -Wall -Werror -o "$FAKEDNS" $HERE/fakedns.c >"$TMP/fd.log" 2>&1; then
	notok "fakedns.so builds"; sed 's/^/#   /' "$TMP/fd.log"; exit 1
fi
# An ASan build (make check-asan) needs its runtime first in the preload.
PRELOAD=$(ldd "$DELIVER" 2>/dev/null | awk '/libasan/ { print $3 }')
PRELOAD=${PRELOAD:+$PRELOAD:}$FAKEDNS
export ECTLS_FAKE_DNS="mx.route.test=30:mxc.route.test,10:mxa.route.test,20:mxb.route.test;a.route.test=nodata;nx.route.test=nxdomain;null.route.test=0:.;lh.route.test=10:localhost;routes.route.test=20:r2.route.test"

# A message with LF line ends, a line starting with "." and no final LF.
MSG=$TMP/msg
printf 'Subject: ectls test\nMessage-ID: <m@client.example.test>\n\nline one\n.dot line\nlast line' >"$MSG"

peer_start() {	# SCENARIO CERT
	peer_run "$PEERPORT" "$1" "$PKI/$2.crt" "$PKI/$2.key" 2 20
}

# send TABLE FMT RCPT... : run ectls-deliver, status in $rc, log in $TMP/log
send() {
	local tbl=$1 fmt=$2 to=() r
	shift 2
	for r in "$@"; do to+=(--to "$r"); done
	rm -f "$TMP/log"
	"$DELIVER" send --table "$tbl" ${BINDING:+--binding "$BINDING"} \
	    --from sender@client.example.test \
	    "${to[@]}" --resolve mx.example.test:127.0.0.1 --log "$TMP/log" \
	    --log-format "$fmt" "${SRC:-$MSG}" <"$MSG" >"$TMP/out" 2>&1
	rc=$?
}

# rsend ENGINE RCPT : send under the route table, DNS from fakedns.so;
# every host name of the fake DNS resolves to 127.0.0.1 (--resolve),
# except localhost (the real getaddrinfo).
rsend() {
	local h res=()
	for h in mxa mxb mxc a r1 r2 r3; do
		res+=(--resolve "$h.route.test:127.0.0.1")
	done
	rm -f "$TMP/log"
	LD_PRELOAD=$PRELOAD "$DELIVER" send --table "$TMP/$1-route.ectp" \
	    --from sender@client.example.test --to "$2" "${res[@]}" \
	    --log "$TMP/log" "$MSG" >"$TMP/out" 2>&1
	rc=$?
}

# route_case ENGINE NAME SCENARIO RCPT RC RELAYS LOG_BRE : rsend RCPT with
# the scripted peer playing SCENARIO ("-": no peer needed) and check the
# exit status, the hosts tried in order (RELAYS, as relays prints them;
# "*": any) and a line of the log (a basic regular expression; "": none).
route_case() {
	local e=$1 name=$2 sc=$3 rcpt=$4 want=$5 rel=$6 lre=$7
	if [ "$sc" != - ] && ! peer_start "$sc" mx; then
		notok "$e: $name (peer did not start)"
		return
	fi
	rsend "$e" "$rcpt"
	[ "$sc" = - ] || peer_stop
	if [ "$rc" -eq "$want" ] && { [ "$rel" = '*' ] ||
	    [ "$(relays)" = "$rel" ]; } &&
	    { [ -z "$lre" ] || grep -q -- "$lre" "$TMP/log"; }; then
		ok "$e: $name"
	else
		notok "$e: $name (exit $rc, relays: $(relays))"
		sed 's/^/#   /' "$TMP/log" "$TMP/out"
	fi
}

# relays : the relay= host of every line of the log, space-separated
relays() { sed -n 's/.* relay=\([^[]*\)\[.*/\1/p' "$TMP/log" | tr '\n' ' '; }

# json_keys NAME : every line of $TMP/log has exactly the keys issue 6
# lists, plus the documented extras (time, tls_trust, tls_resumed).
JSON_KEYS='["status","binding","domain","rcpt","host","ip","port","reply",
  "outbound_tls","outbound_tls_type","outbound_tls_protocol","outbound_tls_cipher",
  "outbound_tls_cipher_algbits","outbound_tls_cipher_usebits","outbound_tls_verified",
  "outbound_tls_issuer","outbound_tls_subject","time","tls_trust","tls_resumed"]'
json_keys() {
	if [ -s "$TMP/log" ] && jq -se --argjson k "$JSON_KEYS" \
	    'all(keys == ($k | sort))' "$TMP/log" >/dev/null; then
		ok "$1"
	else
		notok "$1"
		sed 's/^/#   /' "$TMP/log"
	fi
}

# check NAME WANT_RC LOG_ERE [REC_ERE [REC_ABSENT_ERE]]
check() {
	local name=$1 want=$2 lre=$3 rre=${4:-} nre=${5:-} bad=
	[ "$rc" -eq "$want" ] || bad="exit $rc, want $want"
	[ -z "$bad" ] && ! grep -qE -- "$lre" "$TMP/log" && bad="log lacks /$lre/"
	[ -z "$bad" ] && [ -n "$rre" ] && ! grep -qE -- "$rre" "$TMP/rec" && bad="peer did not see /$rre/"
	[ -z "$bad" ] && [ -n "$nre" ] && grep -qE -- "$nre" "$TMP/rec" && bad="peer saw /$nre/"
	if [ -z "$bad" ]; then
		ok "$name"
	else
		notok "$name ($bad)"
		sed 's/^/#   log: /' "$TMP/log" 2>/dev/null | head -8
		sed 's/^/#   peer: /' "$TMP/rec" 2>/dev/null | head -20
	fi
}

# peer_case ENGINE NAME SCENARIO CERT DOMAIN WANT LOG_ERE [REC_ERE [ABSENT_ERE]]
peer_case() {
	local e=$1 name=$2 sc=$3 cert=$4 dom=$5
	shift 5
	if ! peer_start "$sc" "$cert"; then
		notok "$e: $name (peer did not start)"
		return
	fi
	send "$TMP/$e.ectp" text "user@$dom"
	peer_stop
	check "$e: $name" "$@"
}

NOMAIL='MAIL FROM'		# for required: no MAIL FROM at all
PLAINMAIL='^plain: MAIL'

for e in openssl gnutls; do
	proto='TLSv1\.[23]'	# Postfix's (OpenSSL's) spelling under both engines
	# Success paths.
	peer_case $e "required+host: verified delivery" ok mx req-host.test 0 \
	    "Verified TLS connection established to mx\.example\.test\[127\.0\.0\.1\]:$PEERPORT: $proto with cipher [A-Z0-9_-]+ \([0-9]+/[0-9]+ bits\)" \
	    '^tls: MAIL FROM:<sender@client\.example\.test>' "$PLAINMAIL"
	check "$e: message dot-stuffed, CRLF-normalised" 0 'status=sent' \
	    '^tls: \.\.dot line$' '\(nocr\)|^tls: \.dot line$'
	check "$e: EHLO sent again after STARTTLS" 0 'status=sent' \
	    '^tls: EHLO client\.example\.test'
	check "$e: SNI is the MX host name" 0 'status=sent' '^SNI mx\.example\.test$'
	peer_case $e "required+host: wildcard certificate *.example.test" ok wild req-host.test 0 \
	    'Verified TLS connection established' '^tls: MAIL'
	peer_case $e "required+ca: name not checked, Trusted" ok wrong req-ca.test 0 \
	    'Trusted TLS connection established' '^tls: MAIL'
	peer_case $e "required+optional: wrong name logged, delivered" ok wrong opt.test 0 \
	    'verified=unverified, status=sent' '^tls: MAIL'
	peer_case $e "required+no: unverified certificate accepted" ok wrong req-none.test 0 \
	    'Untrusted TLS connection established' '^tls: MAIL'
	peer_case $e "tls=no never sends STARTTLS" ok mx plain.test 0 \
	    'tls=SMTP/no.*status=sent' "$PLAINMAIL" 'STARTTLS'
	peer_case $e "injection after 220 to STARTTLS is discarded" inject mx req-host.test 0 \
	    'status=sent \(250 2\.0\.0' '^tls: MAIL'
	# required: every TLS failure defers, no MAIL FROM ever.
	peer_case $e "required: STARTTLS stripped defers" nostarttls mx req-host.test 75 \
	    'status=deferred \(TLS is required, but was not offered' '' "$NOMAIL"
	peer_case $e "required: 454 to STARTTLS defers" tls454 mx req-host.test 75 \
	    'status=deferred \(STARTTLS failed: 454 4\.7\.0' '' "$NOMAIL"
	peer_case $e "required: handshake aborted defers" tlsabort mx req-host.test 75 \
	    'status=deferred \(TLS handshake failed' '' "$NOMAIL"
	peer_case $e "required+host: wrong name defers" ok wrong req-host.test 75 \
	    'status=deferred \(server certificate not verified: subject "wrong\.example\.org"' \
	    'TLS-UP' "$NOMAIL"
	peer_case $e "required+host: expired certificate defers" ok expired req-host.test 75 \
	    'status=deferred \(server certificate not verified: .*[Ee]xpired' 'TLS-UP' "$NOMAIL"
	peer_case $e "required+ca: unknown CA defers, Untrusted" ok mx req-other.test 75 \
	    'Untrusted TLS connection established' 'TLS-UP' "$NOMAIL"
	# ifavailable.
	peer_case $e "ifavailable: no STARTTLS delivers in clear" nostarttls mx ifa.test 0 \
	    'tls=SMTP/ifavailable.*status=sent' "$PLAINMAIL"
	peer_case $e "ifavailable: TLS when offered" ok mx ifa.test 0 \
	    'tls=TLS/ifavailable.*status=sent' '^tls: MAIL' "$PLAINMAIL"
	peer_case $e "ifavailable+fallback: handshake failure retried in clear" tlsabort mx ifa.test 0 \
	    'status=sent' '^== conn 2' ''
	if [ "$(grep -c 'status=' "$TMP/log")" -eq 2 ] &&
	    sed -n '/^== conn 2/,$p' "$TMP/rec" | grep -q '^plain: MAIL' &&
	    ! sed -n '/^== conn 2/,$p' "$TMP/rec" | grep -q STARTTLS; then
		ok "$e: fallback is a new plain-text connection without STARTTLS"
	else
		notok "$e: fallback is a new plain-text connection without STARTTLS"
	fi
	peer_case $e "ifavailable+fallback: 454 retried in clear" tls454 mx ifa.test 0 \
	    'status=sent' '^== conn 2'
	peer_case $e "ifavailable, fallback=false: handshake failure defers" tlsabort mx ifa-nofb.test 75 \
	    'status=deferred \(TLS handshake failed' '' "$NOMAIL"
	# Server faults (in clear: lock-step; inside TLS: pipelined).
	peer_case $e "421 greeting defers" banner421 mx plain.test 75 \
	    'status=deferred \(421 4\.3\.2' '' "$NOMAIL"
	peer_case $e "554 greeting defers" fail=banner:554 mx plain.test 75 \
	    'status=deferred \(554 5\.0\.0' '' "$NOMAIL"
	peer_case $e "EHLO and HELO 550 fail" fail=ehlo:550 mx plain.test 69 \
	    'status=bounced \(550 5\.0\.0 no HELO' '^plain: HELO' "$NOMAIL"
	for ph in mail rcpt data dot; do
		for code in 451 550; do
			want=75 word=deferred
			[ $code = 550 ] && want=69 word=bounced
			peer_case $e "$ph $code in clear" fail=$ph:$code mx plain.test $want \
			    "status=$word \($code ${code:0:1}\.0\.0 scripted failure at $ph"
			peer_case $e "$ph $code inside TLS (pipelined)" fail=$ph:$code mx req-host.test $want \
			    "status=$word \($code ${code:0:1}\.0\.0 scripted failure at $ph" \
			    '^PIPELINED MAIL' "$PLAINMAIL"
		done
	done
	peer_case $e "disconnect mid-DATA defers" dropdata mx plain.test 75 \
	    'status=deferred \(.*connection closed by the peer while sending the message body'
	peer_case $e "silent server after the message (inside TLS) times out" silent=dot mx req-host.test 75 \
	    'status=deferred \(timed out after 2 s while sending the message body' '^tls: MAIL' "$PLAINMAIL"

	# ---- audit additions (issue 6) ----
	# Postfix's words: "Verified" only when the name was checked.
	peer_case $e "required+ca: right name, still Trusted (name not checked)" ok mx req-ca.test 0 \
	    'Trusted TLS connection established' '^tls: MAIL'
	# RFC 6125: CN only without any DNS subjectAltName; the recipient
	# domain is a valid reference identity too.
	peer_case $e "required+host: CN fallback without subjectAltName" ok cnonly req-host.test 0 \
	    'Verified TLS connection established' '^tls: MAIL'
	peer_case $e "required+host: CN ignored when a DNS subjectAltName exists" ok cnother req-host.test 75 \
	    'status=deferred \(server certificate not verified: subject' 'TLS-UP' "$NOMAIL"
	peer_case $e "required+host: certificate names the recipient domain" ok dom req-host.test 0 \
	    'Verified TLS connection established' '^tls: MAIL'
	# EHLO refused, HELO accepted: delivery in clear; required defers.
	peer_case $e "EHLO 502 then HELO: delivered (tls=no)" noehlo mx plain.test 0 \
	    'status=sent' '^plain: HELO client\.example\.test' 'STARTTLS'
	peer_case $e "EHLO 502 then HELO: required defers (no STARTTLS)" noehlo mx req-host.test 75 \
	    'status=deferred \(TLS is required, but was not offered' '^plain: HELO' "$NOMAIL"
	# PIPELINING: used inside TLS, never in clear, and the clear EHLO's
	# offer is forgotten after STARTTLS.
	peer_case $e "PIPELINING used inside TLS when offered" ok mx req-host.test 0 \
	    'status=sent' '^PIPELINED MAIL'
	peer_case $e "PIPELINING not used in clear" ok mx plain.test 0 \
	    'status=sent' '^plain: MAIL' '^PIPELINED'
	peer_case $e "clear EHLO's PIPELINING forgotten after STARTTLS" nopipe-tls mx req-host.test 0 \
	    'status=sent' '^tls: MAIL' '^PIPELINED'
	# Malformed and over-long replies are errors.
	peer_case $e "malformed reply defers" badreply=mail mx plain.test 75 \
	    'status=deferred \(malformed reply while sending MAIL FROM: reply line does not start with a three-digit code'
	peer_case $e "over-long reply line defers" longreply=ehlo mx plain.test 75 \
	    'status=deferred \(malformed reply: line too long while performing the EHLO handshake'
	peer_case $e "malformed STARTTLS reply: required defers" badreply=starttls mx req-host.test 75 \
	    'status=deferred \(malformed reply while sending STARTTLS' '' "$NOMAIL"
	# The other phases' 4xx/5xx: EHLO 421, STARTTLS 5xx, EHLO in TLS.
	peer_case $e "EHLO 421 defers" fail=ehlo:421 mx plain.test 75 \
	    'status=deferred \(421 4\.0\.0 scripted failure at ehlo' '' "$NOMAIL"
	peer_case $e "required: 554 to STARTTLS defers" fail=starttls:554 mx req-host.test 75 \
	    'status=deferred \(STARTTLS failed: 554 5\.0\.0' '' "$NOMAIL"
	peer_case $e "ifavailable, fallback=false: 554 to STARTTLS defers" fail=starttls:554 mx ifa-nofb.test 75 \
	    'status=deferred \(STARTTLS failed: 554' '' "$NOMAIL"
	peer_case $e "EHLO inside TLS 451 defers" fail=tlsehlo:451 mx req-host.test 75 \
	    'status=deferred \(451 4\.0\.0 scripted failure at tlsehlo' 'TLS-UP' "$NOMAIL"
	peer_case $e "EHLO inside TLS 550 fails" fail=tlsehlo:550 mx req-host.test 69 \
	    'status=bounced \(550 5\.0\.0 scripted failure at tlsehlo' 'TLS-UP' "$NOMAIL"
	# Per-phase timeouts: distinct values per phase in the policy, and the
	# log names the one that ran out (ehlo 1, mailfrom 2, rcptto 3, body 4).
	peer_case $e "timeout: greeting uses ehlo_timeout" silent=banner mx slow.test 75 \
	    'status=deferred \(timed out after 1 s while receiving the initial server greeting'
	peer_case $e "timeout: EHLO uses ehlo_timeout" silent=ehlo mx slow.test 75 \
	    'status=deferred \(timed out after 1 s while performing the EHLO handshake'
	peer_case $e "timeout: MAIL FROM uses mailfrom_timeout" silent=mail mx slow.test 75 \
	    'status=deferred \(timed out after 2 s while sending MAIL FROM'
	peer_case $e "timeout: RCPT TO uses rcptto_timeout" silent=rcpt mx slow.test 75 \
	    'status=deferred \(timed out after 3 s while sending RCPT TO'
	peer_case $e "timeout: end of data uses body_timeout" silent=dot mx slow.test 75 \
	    'status=deferred \(timed out after 4 s while sending the message body'
	peer_case $e "required: TLS handshake timeout defers" silent=tls mx slowtls.test 75 \
	    'status=deferred \(TLS handshake failed: timed out after 1 s' '' "$NOMAIL"
	# --binding: the binding's policy for the domain, not default's.
	if peer_start ok mx; then
		BINDING=strict send "$TMP/$e.ectp" json u@plain.test
		peer_stop
		if [ "$rc" -eq 0 ] && jq -e '.binding == "strict" and
		    .outbound_tls == "TLS" and .outbound_tls_type == "required" and
		    .outbound_tls_verified == "verified"' "$TMP/log" >/dev/null &&
		    grep -q '^tls: MAIL' "$TMP/rec" && ! grep -q '^plain: MAIL' "$TMP/rec"; then
			ok "$e: --binding strict: that binding's policy (required) for plain.test"
		else
			notok "$e: --binding strict: that binding's policy (exit $rc)"
			sed 's/^/#   /' "$TMP/log"
		fi
	fi
	# The message from standard input ("-").
	if peer_start ok mx; then
		SRC=- send "$TMP/$e.ectp" text u@plain.test
		peer_stop
		check "$e: message read from standard input (-)" 0 'status=sent' \
		    '^plain: \.\.dot line$' '\(nocr\)'
	fi
	# Per-recipient outcomes and the exit status they make.
	if peer_start failrcpt=a:550,failrcpt=b:451 mx; then
		send "$TMP/$e.ectp" text a@plain.test b@plain.test c@plain.test
		peer_stop
		if [ "$rc" -eq 69 ] && grep -q 'to=<a@plain.test>.*status=bounced (550 5.1.1' "$TMP/log" &&
		    grep -q 'to=<b@plain.test>.*status=deferred (451 4.1.1' "$TMP/log" &&
		    grep -q 'to=<c@plain.test>.*status=sent (250' "$TMP/log"; then
			ok "$e: one bounced, one deferred, one sent: exit 69, a line each"
		else
			notok "$e: one bounced, one deferred, one sent: exit 69 (exit $rc)"
			sed 's/^/#   /' "$TMP/log"
		fi
	fi
	if peer_start failrcpt=b:451 mx; then
		send "$TMP/$e.ectp" text b@plain.test c@plain.test
		peer_stop
		if [ "$rc" -eq 75 ] && grep -q 'to=<b@plain.test>.*status=deferred' "$TMP/log" &&
		    grep -q 'to=<c@plain.test>.*status=sent' "$TMP/log"; then
			ok "$e: one deferred, one sent: exit 75"
		else
			notok "$e: one deferred, one sent: exit 75 (exit $rc)"
			sed 's/^/#   /' "$TMP/log"
		fi
	fi
	# tls_protocols / tls_ciphers / tlsv13_ciphersuites, each engine's
	# dialect: the peer saw what the log line names.
	peer_case $e "TLS 1.2 only (this engine's protocol setting)" ok mx p12.test 0 \
	    'TLS connection established to .*: TLSv1\.2 with cipher' '^TLS-UP TLSv1\.2 '
	# (The cipher's name is OpenSSL's, as Postfix logs it, under both
	# engines: GnuTLS reports TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256.)
	c12=ECDHE-ECDSA-CHACHA20-POLY1305
	peer_case $e "one TLS 1.2 cipher (tls_ciphers)" ok mx c12.test 0 \
	    "TLSv1\\.2 with cipher $c12 \\(256/256 bits\\)" '^TLS-UP TLSv1\.2 ECDHE-ECDSA-CHACHA20-POLY1305'
	peer_case $e "one TLS 1.3 suite" ok mx c13.test 0 \
	    'TLSv1\.3 with cipher TLS_CHACHA20_POLY1305_SHA256' '^TLS-UP TLSv1\.3 TLS_CHACHA20_POLY1305_SHA256'
	# Postfix's "Anonymous": TLS without a server certificate.
	if [ $e = openssl ]; then
		peer_case $e "anonymous suite: Anonymous TLS, delivered" anon mx anon.test 0 \
		    "Anonymous TLS connection established to mx\\.example\\.test\\[127\\.0\\.0\\.1\\]:$PEERPORT: TLSv1\\.2 with cipher A[A-Z0-9-]+ " \
		    '^tls: MAIL FROM' "$PLAINMAIL"
	fi
	# Routing: MX by preference, then the others; A/AAAA fallback;
	# remote_smtp_port; routes by pref with __mx__; gateway first.
	route_case $e "MX hosts tried by preference (10, 20, 30), on remote_smtp_port" \
	    banner421 u@mx.route.test 75 "mxa.route.test mxb.route.test mxc.route.test " \
	    "relay=mxa.route.test\[127.0.0.1\]:$PEERPORT"
	route_case $e "lowest MX refuses (421), the next one delivers" \
	    first421 u@mx.route.test 0 "mxa.route.test mxb.route.test " \
	    'relay=mxb.*status=sent'
	route_case $e "no MX: the domain's own address (A/AAAA)" \
	    ok u@a.route.test 0 "a.route.test " \
	    "relay=a.route.test\[127.0.0.1\]:$PEERPORT.*status=sent"
	route_case $e "MX host resolved by getaddrinfo (localhost), delivered" \
	    ok u@lh.route.test 0 '*' \
	    "relay=localhost\[127.0.0.1\]:$PEERPORT.*status=sent"
	route_case $e "domain that does not exist: bounced, exit 69" \
	    - u@nx.route.test 69 '*' \
	    'status=bounced (domain "nx.route.test" does not exist)'
	route_case $e "null MX: bounced, exit 69" \
	    - u@null.route.test 69 '*' \
	    'status=bounced (domain "null.route.test" does not accept mail (null MX'
	route_case $e "routes by pref, __mx__ hosts among them (10, 20 from MX, 30)" \
	    banner421 u@routes.route.test 75 "r1.route.test r2.route.test r3.route.test " ''
	route_case $e "gateway wins over routes" \
	    banner421 u@gw.route.test 75 "r1.route.test " ''


	# Two domains: two sessions, each under its own policy.
	if peer_start ok mx; then
		send "$TMP/$e.ectp" text a@req-host.test b@plain.test c@req-host.test
		peer_stop
		c1=$(sed -n '/^== conn 1/,/^== conn 2/p' "$TMP/rec")
		c2=$(sed -n '/^== conn 2/,$p' "$TMP/rec")
		if [ "$rc" -eq 0 ] && grep -q 'tls: RCPT TO:<a@req-host.test>' <<<"$c1" &&
		    grep -q 'tls: RCPT TO:<c@req-host.test>' <<<"$c1" &&
		    grep -q 'plain: RCPT TO:<b@plain.test>' <<<"$c2" &&
		    ! grep -q STARTTLS <<<"$c2"; then
			ok "$e: recipients grouped by domain, each under its own policy"
		else
			notok "$e: recipients grouped by domain, each under its own policy (exit $rc)"
			sed 's/^/#   /' "$TMP/rec"
		fi
	else
		notok "$e: recipients grouped by domain (peer did not start)"
	fi
	# JSON log: the tls_macros values.
	if peer_start ok mx; then
		send "$TMP/$e.ectp" json u@req-host.test
		peer_stop
		if [ "$rc" -eq 0 ] && jq -e --arg p "$PEERPORT" '
		    .status == "delivered" and .binding == "default" and
		    .domain == "req-host.test" and .rcpt == "u@req-host.test" and
		    .host == "mx.example.test" and .ip == "127.0.0.1" and
		    (.port | tostring) == $p and (.reply | startswith("250 ")) and
		    .outbound_tls == "TLS" and .outbound_tls_type == "required" and
		    (.outbound_tls_protocol | test("^TLS")) and
		    (.outbound_tls_cipher | length > 0) and
		    .outbound_tls_cipher_algbits > 0 and
		    .outbound_tls_cipher_usebits > 0 and
		    .outbound_tls_verified == "verified" and
		    .outbound_tls_issuer == "ectls deliver root" and
		    .outbound_tls_subject == "mx.example.test"' "$TMP/log" >/dev/null; then
			ok "$e: JSON log carries the tls_macros values"
		else
			notok "$e: JSON log carries the tls_macros values (exit $rc)"
			sed 's/^/#   /' "$TMP/log"
		fi
		json_keys "$e: JSON keys exactly as listed (delivered)"
	fi
	if peer_start nostarttls mx; then
		send "$TMP/$e.ectp" json u@req-host.test
		peer_stop
		if [ "$rc" -eq 75 ] && jq -e '.status == "deferred" and
		    .outbound_tls == "SMTP" and .outbound_tls_verified ==
		    "unverified" and .outbound_tls_protocol == null' \
		    "$TMP/log" >/dev/null; then
			ok "$e: JSON log of a deferral"
		else
			notok "$e: JSON log of a deferral (exit $rc)"
			sed 's/^/#   /' "$TMP/log"
		fi
		json_keys "$e: JSON keys exactly as listed (deferred)"
	fi
	if peer_start fail=rcpt:550 mx; then
		send "$TMP/$e.ectp" json u@plain.test
		peer_stop
		if [ "$rc" -eq 69 ] && jq -e '.status == "failed" and
		    (.reply | startswith("550 ")) and .outbound_tls == "SMTP" and
		    .outbound_tls_type == "no"' "$TMP/log" >/dev/null; then
			ok "$e: JSON log of a permanent failure"
		else
			notok "$e: JSON log of a permanent failure (exit $rc)"
			sed 's/^/#   /' "$TMP/log"
		fi
		json_keys "$e: JSON keys exactly as listed (failed)"
	fi
done

# ---- a real Postfix ----------------------------------------------------------
if ! command -v postfix >/dev/null 2>&1; then
	sh scripts/install-deps >/dev/null 2>&1
fi
if ! command -v postfix >/dev/null 2>&1; then
	notok "postfix installed (scripts/install-deps)"
	exit 1
fi
mkdir -p "$PF"
# smtpd_tls_loglevel 2: Postfix logs each resumed TLS session.
if ! PF_TLS_LOGLEVEL=2 sh $HERE/postfix.sh start "$PF" "$PKI" "$PFTLS" "$PFPLAIN" \
    pf-req.test pf-req2.test pf-plain.test pf-notls-req.test pf-notls-ifa.test >"$TMP/pf.log" 2>&1; then
	notok "private Postfix starts on 127.0.0.1:$PFTLS and :$PFPLAIN"
	sed 's/^/#   /' "$TMP/pf.log"
	exit 1
fi
ok "private Postfix starts on 127.0.0.1:$PFTLS and :$PFPLAIN"

# pf_msg TAG : the delivered file whose Subject is TAG (waits up to 10 s)
pf_msg() {
	local f
	for _ in $(seq 100); do
		f=$(grep -l "^Subject: $1\$" "$PF"/mail/box/new/* 2>/dev/null | head -1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.1
	done
	return 1
}

# pf_send ENGINE TAG RCPT : a message with Subject TAG
pf_send() {
	printf 'Subject: %s\nMessage-ID: <%s@client.example.test>\n\nbody of %s\n' \
	    "$2" "$2" "$2" >"$TMP/pfmsg"
	rm -f "$TMP/log"
	"$DELIVER" send --table "$TMP/$1.ectp" --from sender@client.example.test \
	    --to "$3" --resolve mx.example.test:127.0.0.1 --log "$TMP/log" \
	    "$TMP/pfmsg" >"$TMP/out" 2>&1
	rc=$?
}

# Received header (with its continuation lines) of a delivered file.
received() { awk '/^Received:/ {r=1; print; next} r && /^[ \t]/ {print; next} {r=0}' "$1"; }

for e in openssl gnutls; do
	tag=req-$e-$$
	pf_send $e $tag u1@pf-req.test
	f=$(pf_msg $tag)
	if [ "$rc" -eq 0 ] && [ -n "$f" ] &&
	    received "$f" | grep -qE '\(using TLSv1\.[23] with cipher [A-Z0-9_-]+ \([0-9]+/[0-9]+ bits\)' &&
	    grep -qE "Verified TLS connection established to mx\.example\.test\[127\.0\.0\.1\]:$PFTLS: TLSv1\.[23] with cipher" "$TMP/log"; then
		ok "$e: Postfix, required+host: delivered over verified TLS (Received header)"
	else
		notok "$e: Postfix, required+host: delivered over verified TLS (exit $rc, file ${f:-none})"
		sed 's/^/#   /' "$TMP/log"; [ -n "$f" ] && received "$f" | sed 's/^/#   /'
	fi
	if [ -n "$f" ] && received "$f" | grep -q 'Client CN "client\.example\.test", Issuer "ectls deliver root" (verified OK)' &&
	    grep -q 'Trusted TLS connection established from localhost\[127\.0\.0\.1\]' "$PF/maillog"; then
		ok "$e: Postfix saw and verified the client certificate"
	else
		notok "$e: Postfix saw and verified the client certificate"
		[ -n "$f" ] && received "$f" | sed 's/^/#   /'
		grep 'TLS connection' "$PF/maillog" | tail -3 | sed 's/^/#   /'
	fi

	# Two domains with the same policy and host in one send: two
	# connections, the second resumes the first one's TLS session.
	tag=res-$e-$$
	printf 'Subject: %s\nMessage-ID: <%s@client.example.test>\n\nbody\n' \
	    "$tag" "$tag" >"$TMP/pfmsg"
	rm -f "$TMP/log"
	before=$(grep -c 'Reusing old session' "$PF/maillog")
	"$DELIVER" send --table "$TMP/$e.ectp" --from sender@client.example.test \
	    --to u5@pf-req.test --to u6@pf-req2.test --resolve mx.example.test:127.0.0.1 \
	    --log "$TMP/log" --log-format json "$TMP/pfmsg" >"$TMP/out" 2>&1
	rc=$?
	for _ in $(seq 30); do	# postlogd writes a little later
		after=$(grep -c 'Reusing old session' "$PF/maillog")
		[ "$after" -gt "$before" ] && break
		sleep 0.1
	done
	sleep 0.2
	after=$(grep -c 'Reusing old session' "$PF/maillog")
	if [ "$rc" -eq 0 ] && jq -se 'length == 2 and
	    (.[0] | .rcpt == "u5@pf-req.test" and .tls_resumed == "no") and
	    (.[1] | .rcpt == "u6@pf-req2.test" and .tls_resumed == "yes") and
	    all(.status == "delivered" and .outbound_tls_verified == "verified")' \
	    "$TMP/log" >/dev/null && [ $((after - before)) -eq 1 ]; then
		ok "$e: Postfix: the second connection of a send resumes the TLS session (our log and Postfix's)"
	else
		notok "$e: Postfix: the second connection of a send resumes the TLS session (exit $rc, Postfix reused $((after - before)))"
		sed 's/^/#   /' "$TMP/log" "$TMP/out"
	fi

	tag=plain-$e-$$
	pf_send $e $tag u2@pf-plain.test
	f=$(pf_msg $tag)
	if [ "$rc" -eq 0 ] && [ -n "$f" ] && ! received "$f" | grep -q 'using TLS' &&
	    received "$f" | grep -q 'with ESMTP id' && grep -q 'tls=SMTP/no' "$TMP/log"; then
		ok "$e: Postfix, tls=no: delivered without TLS"
	else
		notok "$e: Postfix, tls=no: delivered without TLS (exit $rc)"
		sed 's/^/#   /' "$TMP/log"
	fi

	tag=notls-req-$e-$$
	pf_send $e $tag u3@pf-notls-req.test
	sleep 0.5
	if [ "$rc" -eq 75 ] && ! grep -qs "^Subject: $tag\$" "$PF"/mail/box/new/* &&
	    grep -q 'status=deferred (TLS is required, but was not offered by the host)' "$TMP/log"; then
		ok "$e: Postfix without STARTTLS: required defers, nothing delivered"
	else
		notok "$e: Postfix without STARTTLS: required defers (exit $rc)"
		sed 's/^/#   /' "$TMP/log"
	fi

	tag=notls-ifa-$e-$$
	pf_send $e $tag u4@pf-notls-ifa.test
	f=$(pf_msg $tag)
	if [ "$rc" -eq 0 ] && [ -n "$f" ] && ! received "$f" | grep -q 'using TLS' &&
	    grep -q 'tls=SMTP/ifavailable' "$TMP/log"; then
		ok "$e: Postfix without STARTTLS: ifavailable delivers in clear"
	else
		notok "$e: Postfix without STARTTLS: ifavailable delivers in clear (exit $rc)"
		sed 's/^/#   /' "$TMP/log"
	fi
done

# ---- the seed scenario end to end: make demo ------------------------------
if make -s BUILD="$BUILD" demo >"$TMP/demo.log" 2>&1 &&
    grep -qE '^[0-9TZ:-]+ ectls-deliver\[[0-9]+\]: Verified TLS connection established to mx\.example\.test\[127\.0\.0\.1\]:[0-9]+: TLSv1\.[23] with cipher ' "$TMP/demo.log" &&
    grep -q 'tls=TLS/required, .*verified=verified, status=sent (250 ' "$TMP/demo.log" &&
    grep -qE '^[[:space:]]+\(using TLSv1\.[23] with cipher' "$TMP/demo.log"; then
	ok "make demo: Postfix on loopback, tls = required, delivered over verified TLS"
else
	notok "make demo: seed scenario end to end"
	tail -20 "$TMP/demo.log" | sed 's/^/#   /'
fi
