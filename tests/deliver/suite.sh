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

# ---- the reply parser's fuzz target: seeds, then a short run -------------
if command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1; then
	if make -s BUILD="$BUILD" "$BUILD/fuzz/fuzz_smtp_reply" >"$TMP/fz" 2>&1 &&
	    mkdir -p "$TMP/fzwork" &&
	    "$BUILD/fuzz/fuzz_smtp_reply" -max_total_time=5 "$TMP/fzwork" \
	    fuzz/corpus/smtp_reply >>"$TMP/fz" 2>&1; then
		ok "fuzz_smtp_reply: seeds and 5 s of fuzzing"
	else
		notok "fuzz_smtp_reply: seeds and 5 s of fuzzing"
		tail -20 "$TMP/fz" | sed 's/^/#   /'
	fi
else
	ok "fuzz_smtp_reply # SKIP ${FUZZ_CC:-clang} not installed"
fi

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
	if [ "$e" = gnutls ]; then
		echo 'tls_ciphers = "NORMAL:-VERS-SSL3.0"'
	else
		echo 'tls_protocols = "+ALL:-SSLv2:-SSLv3:-TLSv1:-TLSv1.1"'
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
domain "pf-req.test" { tls = required tls_verify = host tls_ca = "$PKI/root.crt" gateway = "mx.example.test:$PFTLS" }
domain "pf-req2.test" { tls = required tls_verify = host tls_ca = "$PKI/root.crt" gateway = "mx.example.test:$PFTLS" }
domain "pf-plain.test" { tls = no gateway = "mx.example.test:$PFTLS" }
domain "pf-notls-req.test" { tls = required tls_verify = host tls_ca = "$PKI/root.crt" gateway = "mx.example.test:$PFPLAIN" }
domain "pf-notls-ifa.test" { tls = ifavailable gateway = "mx.example.test:$PFPLAIN" }
CF
	} >"$TMP/$e.conf"
}

for e in openssl gnutls; do
	mkconf $e
	if ! "$ECTLS" compile "$TMP/$e.conf" -o "$TMP/$e.ectp" >"$TMP/compile.log" 2>&1; then
		notok "$e: test configuration compiles"
		sed 's/^/#   /' "$TMP/compile.log"
		exit 1
	fi
done

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
	"$DELIVER" send --table "$tbl" --from sender@client.example.test \
	    "${to[@]}" --resolve mx.example.test:127.0.0.1 --log "$TMP/log" \
	    --log-format "$fmt" "$MSG" >"$TMP/out" 2>&1
	rc=$?
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
	proto='TLSv?1\.[23]'
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
			    "status=$word \($code ${code:0:1}\.0\.0 scripted failure at $ph"
		done
	done
	peer_case $e "disconnect mid-DATA defers" dropdata mx plain.test 75 \
	    'status=deferred \(.*connection closed by the peer while sending the message body'
	peer_case $e "silent server at greeting times out" silent=banner mx plain.test 75 \
	    'status=deferred \(timed out while receiving the initial server greeting'
	peer_case $e "silent server after the message times out" silent=dot mx req-host.test 75 \
	    'status=deferred \(timed out while sending the message body'

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
	    grep -qE "Verified TLS connection established to mx\.example\.test\[127\.0\.0\.1\]:$PFTLS: TLSv?1\.[23] with cipher" "$TMP/log"; then
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
