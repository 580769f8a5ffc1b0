#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# logfmt/suite.sh -- Momentum's own log format in ectls-deliver: a
# configuration with tls_macros {} and a custom_logger (delivery_format,
# transient_failure_format, permanent_failure_format) is compiled; the table
# carries the formats; ectls-deliver, delivering through the scripted peer
# (tests/deliver/peer.py on 127.0.0.1), writes each attempt's log line as
# the expansion of the matching format, under both TLS engines.
set -u
source tests/lib.sh
DELIVER=${DELIVER:-$BUILD/ectls-deliver}
PKI=$TMP/pki
source tests/deliver/peer.sh

cleanup() {
	peer_stop
	rm -rf "$TMP"
}
trap cleanup EXIT

if [ ! -x "$DELIVER" ] || [ ! -x "$ECTLS" ]; then
	notok "ectls and ectls-deliver are built"
	exit 1
fi
if ! sh tests/deliver/pki.sh "$PKI" >"$TMP/pki.log" 2>&1; then
	notok "test PKI generated"; sed 's/^/#   /' "$TMP/pki.log"; exit 1
fi
chmod 600 "$PKI/client.key"
PORT=$(python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# Every macro ectls-deliver gives a value, the tls_macros ones, an empty one
# (%g), an unknown one (%zz, written as is) and "%%".  %t and %T{0} come
# first, apart: they depend on the clock and are checked as numbers.
COMMON='%h{subject}|%i|%d|%b|%N|%H|%local_ip|%r|%R|%m|%M|%B|%outbound_tls|%outbound_tls_type|%outbound_tls_protocol|%outbound_tls_cipher|%outbound_tls_cipher_algbits|%outbound_tls_cipher_usebits|%outbound_tls_verified|%outbound_tls_issuer|%outbound_tls_subject|%n|%g|%zz|100%%'

# mkconf ENGINE FILE [tls_macros=yes|no] [formats=all|delivery]
mkconf() {
	local e=$1 f=$2 tm=${3:-yes} fm=${4:-all}
	{
	echo "tls_engine = $e"
	if [ "$e" = gnutls ]; then
		echo 'tls_ciphers = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM"'
	else
		echo 'tls_protocols = "-ALL:+TLSv1.3"'
		echo 'tlsv13_ciphersuites = "TLS_AES_128_GCM_SHA256"'
	fi
	cat <<CF
ehlo_hostname = "client.example.test"
connect_timeout = 2
ehlo_timeout = 2
mailfrom_timeout = 2
rcptto_timeout = 2
body_timeout = 2
rset_timeout = 2
gateway = "mx.example.test:$PORT"
domain "req-host.test" { tls = required tls_verify = host tls_ca = "$PKI/root.crt" }
domain "plain.test" { tls = no }
custom_logger "custom_logger1" {
  log_deliveries = "on"
  namespace = "custom_logger,sieve,outbound_tls"
  delivery_format = "%t %T{0} D|$COMMON"
CF
	if [ "$fm" = all ]; then
		echo "  transient_failure_format = \"%t %T{0} T|$COMMON\""
		echo "  permanent_failure_format = \"%t %T{0} P|$COMMON\""
	fi
	echo "}"
	# A second logger: its formats are not the ones used.
	echo 'custom_logger second { delivery_format = "second %r" }'
	[ "$tm" = yes ] && echo 'tls_macros {}'
	} >"$f"
}

# The DATA form of the message (CR LF, dot-stuffed): what %B counts.
MSG=$TMP/msg
printf 'Subject: ectls log test\nMessage-ID: <m1@client.example.test>\n\nline one\n.dot line\nlast line' >"$MSG"
SIZE=$(awk '{ sub(/^\./, ".."); printf "%s\r\n", $0 }' "$MSG" | wc -c)

peer_start() {	# SCENARIO
	peer_run "$PORT" "$1" "$PKI/mx.crt" "$PKI/mx.key" 2 20
}

# deliver TABLE SCENARIO RCPT [LOGFORMAT]: $rc, $TMP/log, $T0/$T1 (clock)
deliver() {
	rm -f "$TMP/log"
	if ! peer_start "$2"; then
		rc=-1
		return
	fi
	T0=$(date +%s)
	"$DELIVER" send --table "$1" --from sender@client.example.test \
	    --to "$3" --resolve mx.example.test:127.0.0.1 --log "$TMP/log" \
	    --log-format "${4:-text}" "$MSG" >"$TMP/out" 2>&1
	rc=$?
	T1=$(date +%s)
	peer_stop
}

# check_line NAME WANT_RC EXPECTED_REST: the log is one line
# "%t %T{0} REST" with %t within the run and REST exactly as given.
check_line() {
	local name=$1 want=$2 exp=$3 got t qt rest bad=
	[ "$rc" -eq "$want" ] || bad="exit $rc, want $want"
	if [ -z "$bad" ] && [ "$(wc -l <"$TMP/log")" -ne 1 ]; then
		bad="$(wc -l <"$TMP/log") log lines, want 1"
	fi
	if [ -z "$bad" ]; then
		got=$(cat "$TMP/log")
		t=${got%% *}
		qt=${got#* }
		qt=${qt%% *}
		rest=${got#* * }
		if ! [[ $t =~ ^[0-9]+$ ]] || [ "$t" -lt "$T0" ] ||
		    [ "$t" -gt "$T1" ]; then
			bad="%t \"$t\" not within $T0..$T1"
		elif ! [[ $qt =~ ^[0-9]+$ ]] || [ "$qt" -gt $((T1 - T0 + 1)) ]; then
			bad="%T{0} \"$qt\" is not the seconds since the start"
		elif [ "$rest" != "$exp" ]; then
			bad="line differs"
			printf '#   want: %s\n#   got:  %s\n' "$exp" "$rest"
		fi
	fi
	if [ -z "$bad" ]; then
		ok "$name"
	else
		notok "$name ($bad)"
		sed 's/^/#   log: /' "$TMP/log" 2>/dev/null | head -5
		sed 's/^/#   out: /' "$TMP/out" 2>/dev/null | head -5
	fi
}

# ---- the table carries the formats ------------------------------------------
mkconf openssl "$TMP/d.conf"
if "$ECTLS" compile "$TMP/d.conf" -o "$TMP/d.ectp" >"$TMP/c.log" 2>&1 &&
    "$ECTLS" dump "$TMP/d.ectp" >"$TMP/dump" 2>&1; then
	ok "configuration with tls_macros and custom_logger compiles"
else
	notok "configuration with tls_macros and custom_logger compiles"
	sed 's/^/#   /' "$TMP/c.log"
fi
if grep -qxF "delivery_format = \"%t %T{0} D|$COMMON\"" "$TMP/dump" &&
    grep -qxF "transient_failure_format = \"%t %T{0} T|$COMMON\"" "$TMP/dump" &&
    grep -qxF "permanent_failure_format = \"%t %T{0} P|$COMMON\"" "$TMP/dump" &&
    grep -qxF 'namespace = "custom_logger,sieve,outbound_tls"' "$TMP/dump" &&
    grep -qxF 'tls_macros = "1"' "$TMP/dump" &&
    ! grep -q 'second %r' "$TMP/dump"; then
	ok "table: the first custom_logger's formats, namespace, tls_macros"
else
	notok "table: the first custom_logger's formats, namespace, tls_macros"
	sed -n '/log formats/,$p' "$TMP/dump" | sed 's/^/#   /'
fi
if grep -q '\[log-tls-macros\]' "$TMP/c.log"; then
	notok "no log-tls-macros warning with namespace and tls_macros"
	sed 's/^/#   /' "$TMP/c.log"
else
	ok "no log-tls-macros warning with namespace and tls_macros"
fi
mkconf openssl "$TMP/n.conf" no
"$ECTLS" compile "$TMP/n.conf" -o "$TMP/n.ectp" >"$TMP/c.log" 2>&1
if ! "$ECTLS" dump "$TMP/n.ectp" | grep -q '^tls_macros' &&
    grep -q 'delivery_format uses %local_ip, which does not expand: tls_macros is not loaded \[log-tls-macros\]' "$TMP/c.log"; then
	ok "without tls_macros {}: not in the table, and warned"
else
	notok "without tls_macros {}: not in the table, and warned"
	sed 's/^/#   /' "$TMP/c.log"
fi

# Loaded, but the namespace lacks outbound_tls: warned at the format's value
# with a note at the namespace, and the table says so (the runtime then
# writes the %outbound_tls* names as is).
sed 's/^  namespace = .*/  namespace = "custom_logger,sieve"/' "$TMP/d.conf" >"$TMP/ns.conf"
"$ECTLS" compile "$TMP/ns.conf" -o "$TMP/ns.ectp" >"$TMP/c.log" 2>&1
if grep -q '^[^:]*ns\.conf:17:22: warning: delivery_format uses %local_ip, which does not expand: the logger.s namespace lacks "outbound_tls" \[log-tls-macros\]$' "$TMP/c.log" &&
    grep -q '^[^:]*ns\.conf:16:3: note: namespace set here without "outbound_tls"' "$TMP/c.log" &&
    "$ECTLS" dump "$TMP/ns.ectp" | grep -qxF 'namespace = "custom_logger,sieve"'; then
	ok "namespace without outbound_tls: warned, note at the namespace"
else
	notok "namespace without outbound_tls: warned, note at the namespace"
	sed 's/^/#   /' "$TMP/c.log"
fi

# ---- the log lines -----------------------------------------------------------
# tail: the fields after %B, for a TLS session with the mx certificate.
for e in openssl gnutls; do
	if [ $e = openssl ]; then proto=TLSv1.3; else proto=TLS1.3; fi
	cipher=TLS_AES_128_GCM_SHA256
	mkconf $e "$TMP/$e.conf"
	mkconf $e "$TMP/$e-d.conf" yes delivery
	if ! "$ECTLS" compile "$TMP/$e.conf" -o "$TMP/$e.ectp" >"$TMP/c.log" 2>&1 ||
	    ! "$ECTLS" compile "$TMP/$e-d.conf" -o "$TMP/$e-d.ectp" >>"$TMP/c.log" 2>&1; then
		notok "$e: test configurations compile"
		sed 's/^/#   /' "$TMP/c.log"
		continue
	fi
	head="ectls log test|m1@client.example.test|mx.example.test|default|1|127.0.0.1|127.0.0.1"
	tls="TLS|required|$proto|$cipher|128|128|verified|ectls deliver root|mx.example.test"

	deliver "$TMP/$e.ectp" ok user@req-host.test
	check_line "$e: delivered over TLS: delivery_format" 0 \
	    "D|$head|user|req-host.test|sender|client.example.test|$SIZE|$tls|250 2.0.0 Ok: queued as SCRIPTED||%zz|100%"
	if grep -qx "TLS-UP TLSv1.3 $cipher" "$TMP/rec"; then
		ok "$e: the peer saw the protocol and cipher the line names"
	else
		notok "$e: the peer saw the protocol and cipher the line names"
		grep TLS- "$TMP/rec" | sed 's/^/#   /'
	fi

	deliver "$TMP/$e.ectp" fail=rcpt:451 user@req-host.test
	check_line "$e: deferral: transient_failure_format" 75 \
	    "T|$head|user|req-host.test|sender|client.example.test|$SIZE|$tls|451 4.0.0 scripted failure at rcpt||%zz|100%"

	deliver "$TMP/$e.ectp" fail=rcpt:550 user@req-host.test
	check_line "$e: bounce: permanent_failure_format" 69 \
	    "P|$head|user|req-host.test|sender|client.example.test|$SIZE|$tls|550 5.0.0 scripted failure at rcpt||%zz|100%"

	deliver "$TMP/$e.ectp" ok User.Name@plain.test
	check_line "$e: tls = no: SMTP, TLS fields empty" 0 \
	    "D|$head|User.Name|plain.test|sender|client.example.test|$SIZE|SMTP|no|||||unverified|||250 2.0.0 Ok: queued as SCRIPTED||%zz|100%"

	# Only delivery_format: a deferral falls back to the built-in line.
	deliver "$TMP/$e-d.ectp" fail=rcpt:451 user@req-host.test
	if [ "$rc" -eq 75 ] && [ "$(wc -l <"$TMP/log")" -eq 2 ] &&
	    grep -q 'TLS connection established to mx\.example\.test' "$TMP/log" &&
	    grep -q 'to=<user@req-host\.test>, .*status=deferred (451 4\.0\.0' "$TMP/log"; then
		ok "$e: no transient_failure_format: the built-in lines"
	else
		notok "$e: no transient_failure_format: the built-in lines (exit $rc)"
		sed 's/^/#   log: /' "$TMP/log"
	fi
done

# No session at all (connection refused): outbound_tls "unknown", no local
# IP; null sender: %m and %M empty.
PORT_SAVED=$PORT
PORT=1	# nothing listens on port 1 of 127.0.0.1
mkconf openssl "$TMP/refused.conf"
PORT=$PORT_SAVED
"$ECTLS" compile "$TMP/refused.conf" -o "$TMP/refused.ectp" >/dev/null 2>&1
rm -f "$TMP/log"
T0=$(date +%s)
"$DELIVER" send --table "$TMP/refused.ectp" --from "" --to user@req-host.test \
    --resolve mx.example.test:127.0.0.1 --log "$TMP/log" "$MSG" >"$TMP/out" 2>&1
rc=$?
T1=$(date +%s)
reason=$(sed -n 's/.*|\(connect to mx\.example\.test\[127\.0\.0\.1\]:1 failed: [^|]*\)|.*/\1/p' "$TMP/log")
check_line "connection refused: transient_failure_format, no session" 75 \
    "T|ectls log test|m1@client.example.test|mx.example.test|default|1|127.0.0.1||user|req-host.test|||$SIZE|unknown|required|||||unverified|||${reason:-REASON}||%zz|100%"

# --log-format json is unchanged by the formats.
deliver "$TMP/openssl.ectp" ok user@req-host.test json
if [ "$rc" -eq 0 ] && jq -e '.status == "delivered" and
    .outbound_tls == "TLS" and .rcpt == "user@req-host.test"' "$TMP/log" \
    >/dev/null 2>&1; then
	ok "--log-format json: still JSON with the formats in the table"
else
	notok "--log-format json: still JSON with the formats in the table"
	sed 's/^/#   log: /' "$TMP/log"
fi

# Namespace without outbound_tls: not expanded either (Momentum's rule).
deliver "$TMP/ns.ectp" ok user@req-host.test
if [ "$rc" -eq 0 ] && grep -q '|%outbound_tls|%outbound_tls_type|' "$TMP/log"; then
	ok "namespace without outbound_tls: %outbound_tls* written as is"
else
	notok "namespace without outbound_tls: %outbound_tls* written as is"
	sed 's/^/#   log: /' "$TMP/log"
fi

# Without tls_macros {}, the %outbound_tls* names are not macros.
"$ECTLS" compile "$TMP/n.conf" -o "$TMP/n.ectp" >/dev/null 2>&1
deliver "$TMP/n.ectp" ok user@req-host.test
check_line "without tls_macros: %outbound_tls* written as is" 0 \
    "D|ectls log test|m1@client.example.test|mx.example.test|default|1|127.0.0.1|%local_ip|user|req-host.test|sender|client.example.test|$SIZE|%outbound_tls|%outbound_tls_type|%outbound_tls_protocol|%outbound_tls_cipher|%outbound_tls_cipher_algbits|%outbound_tls_cipher_usebits|%outbound_tls_verified|%outbound_tls_issuer|%outbound_tls_subject|250 2.0.0 Ok: queued as SCRIPTED||%zz|100%"

# ---- the spool runner uses the formats too ----------------------------------
# A message without Message-ID: %i is the queue ID; %N counts the attempts.
MSG2=$TMP/msg2
printf 'Subject: spooled\n\nbody\n' >"$MSG2"
SIZE2=$(awk '{ sub(/^\./, ".."); printf "%s\r\n", $0 }' "$MSG2" | wc -c)
qid=$("$DELIVER" submit --spool "$TMP/sp" --from sender@client.example.test \
    --to user@req-host.test "$MSG2" 2>"$TMP/out")
rm -f "$TMP/log"
if [ -n "$qid" ] && peer_start fail=rcpt:451; then
	T0=$(date +%s)
	"$DELIVER" run --spool "$TMP/sp" --table "$TMP/openssl.ectp" --once \
	    --resolve mx.example.test:127.0.0.1 --log "$TMP/log" >"$TMP/out" 2>&1
	T1=$(date +%s)
	peer_stop
	# The attempt's line; the spool's own event lines stay built-in.
	grep ' T|' "$TMP/log" >"$TMP/log.t"
	cp "$TMP/log.t" "$TMP/log"
	rc=75
	check_line "run: deferral in transient_failure_format, %i = queue ID" 75 \
	    "T|spooled|$qid|mx.example.test|default|1|127.0.0.1|127.0.0.1|user|req-host.test|sender|client.example.test|$SIZE2|TLS|required|TLSv1.3|TLS_AES_128_GCM_SHA256|128|128|verified|ectls deliver root|mx.example.test|451 4.0.0 scripted failure at rcpt||%zz|100%"
else
	notok "run: deferral in transient_failure_format (submit or peer failed)"
	sed 's/^/#   /' "$TMP/out"
fi
