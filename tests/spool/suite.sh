#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# suite.sh -- the spool engine of ectls-deliver (submit / run / queue):
# submit validation, faults from the scripted peer (tests/deliver/peer.py),
# 200 messages under several policies to a real Postfix on 127.0.0.1
# (tests/deliver/postfix.sh), durability under repeated kill -9 of the whole
# engine, two runners on one spool, SIGTERM, and hot reload of the table.
# Loopback only; every server is stopped by the EXIT trap.
#
# Decisions checked here: submit exits 2 on invalid input with nothing
# queued; one queue ID per recipient domain; max_deliveries_per_connection
# 0 means no limit (spec/options-notes.tsv), N closes the connection after
# N deliveries.
set -u
source tests/lib.sh
DELIVER=${DELIVER:-$BUILD/ectls-deliver}
DHERE=tests/deliver
HERE=tests/spool
PKI=$TMP/pki
PF=$TMP/postfix
source tests/deliver/peer.sh
RUN_PID=

cleanup() {
	if [ -n "$RUN_PID" ]; then
		kill -KILL -- "-$RUN_PID" 2>/dev/null
		wait "$RUN_PID" 2>/dev/null
	fi
	peer_stop
	[ -f "$PF/main.cf" ] && sh $DHERE/postfix.sh stop "$PF" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

if [ ! -x "$DELIVER" ]; then
	notok "ectls-deliver is built"
	exit 1
fi

# ---- submit: validation, nothing queued on error ---------------------------
S=$TMP/sub
printf 'Subject: ok\n\nbody\n' >"$TMP/m.ok"
: >"$TMP/m.empty"
python3 -c 'import sys; sys.stdout.write("Subject: x\n\n" + "a" * 998 + "\r\n")' >"$TMP/m.998"
python3 -c 'import sys; sys.stdout.write("Subject: x\n\n" + "a" * 999 + "\n")' >"$TMP/m.999"
printf 'Subject: x\n\nab\0c\n' >"$TMP/m.nul"

# empty DIR... : every DIR holds no file (missing counts as empty)
empty() { [ -z "$(find "$@" -mindepth 1 2>/dev/null | head -1)" ]; }
nothing_queued() { empty "$S/queue" "$S/msg"; }

# sub_err NAME EXPECTED_STDERR_ERE ARGS... : exit 2, message, nothing queued
sub_err() {
	local name=$1 re=$2
	shift 2
	"$DELIVER" submit --spool "$S" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ $rc -eq 2 ] && grep -qE -- "$re" "$TMP/err" && nothing_queued &&
	    [ ! -s "$TMP/out" ]; then
		ok "submit: $name: exit 2, nothing queued"
	else
		notok "submit: $name: exit 2, nothing queued (exit $rc)"
		sed 's/^/#   /' "$TMP/err"
	fi
}
sub_err "bad recipient" 'invalid recipient address "nobody"' \
    --from a@b.test --to nobody "$TMP/m.ok"
sub_err "bad sender" 'invalid sender address' \
    --from 'a b@c.test' --to u@one.test "$TMP/m.ok"
sub_err "bad binding" 'invalid binding name' \
    --binding 'a b' --from a@b.test --to u@one.test "$TMP/m.ok"
sub_err "no recipient" 'at least one --to' --from a@b.test "$TMP/m.ok"
sub_err "empty message" 'm\.empty: empty message' \
    --from a@b.test --to u@one.test "$TMP/m.empty"
sub_err "999-octet line" 'm\.999:3: line longer than 998 octets' \
    --from a@b.test --to u@one.test "$TMP/m.999"
sub_err "NUL byte" 'm\.nul:3:3: NUL byte' \
    --from a@b.test --to u@one.test "$TMP/m.nul"
sub_err "unreadable message" 'cannot read message' \
    --from a@b.test --to u@one.test "$TMP/no-such-file"

ids=$("$DELIVER" submit --spool "$S" --from a@b.test --to x@One.Test. \
    --to y@two.test --to z@one.test "$TMP/m.998" 2>"$TMP/err")
rc=$?
n=$(printf '%s\n' "$ids" | grep -cE '^[0-9A-F]{20,31}$')
if [ $rc -eq 0 ] && [ "$n" -eq 2 ] && [ "$(ls "$S/queue" | wc -l)" -eq 2 ] &&
    [ "$(ls "$S/msg" | wc -l)" -eq 2 ] && empty "$S/tmp"; then
	ok "submit: a 998-octet line is accepted; one queue ID per domain"
else
	notok "submit: a 998-octet line is accepted; one queue ID per domain (exit $rc, $n IDs)"
	sed 's/^/#   /' "$TMP/err"
fi
"$DELIVER" queue --spool "$S" --json >"$TMP/q.json" 2>"$TMP/err"
if jq -se 'length == 2 and all(.status == "queued" and .attempts == 0) and
    (map(select(.domain == "one.test")) | .[0].recipients | map(.rcpt)) ==
    ["x@One.Test.", "z@one.test"] and
    (map(select(.domain == "two.test")) | .[0].recipients[0].status) == "pending"' \
    "$TMP/q.json" >/dev/null; then
	ok "queue --json lists both entries, recipients grouped by canonical domain"
else
	notok "queue --json lists both entries"
	sed 's/^/#   /' "$TMP/q.json" "$TMP/err"
fi
"$DELIVER" queue --spool "$S" >"$TMP/q.txt" 2>&1
if grep -q '^-- 2 queued, 0 deferred, 0 failed$' "$TMP/q.txt" &&
    grep -q 'to <y@two.test>  pending' "$TMP/q.txt"; then
	ok "queue: text listing and totals"
else
	notok "queue: text listing and totals"
	sed 's/^/#   /' "$TMP/q.txt"
fi
expect_status 2 "queue: not a spool" "$DELIVER" queue --spool "$TMP/nowhere"
expect_status 2 "run: --concurrency 0 refused" "$DELIVER" run --spool "$S" --table "$TMP/none" --concurrency 0
expect_status 2 "run: unreadable table" "$DELIVER" run --spool "$S" --table "$TMP/none" --once
expect_status 2 "run: --tls-session-cache -1 refused" "$DELIVER" run --spool "$S" --table "$TMP/none" --tls-session-cache -1
expect_status 2 "run: --tls-session-cache x refused" "$DELIVER" run --spool "$S" --table "$TMP/none" --tls-session-cache x

# ---- PKI, ports, configuration ----------------------------------------------
if ! sh $DHERE/pki.sh "$PKI" >"$TMP/pki.log" 2>&1; then
	notok "test PKI generated"; sed 's/^/#   /' "$TMP/pki.log"; exit 1
fi
chmod 600 "$PKI/client.key" "$PKI/client2.key"
read -r PEERPORT PFTLS PFPLAIN < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')

# mkconf FILE RELOAD_POLICY : the test configuration
mkconf() {
	cat >"$1" <<CF
tls_protocols = "+ALL:-SSLv2:-SSLv3:-TLSv1:-TLSv1.1"
ehlo_hostname = "client.example.test"
tls_certificate = "$PKI/client.crt"
tls_key = "$PKI/client.key"
connect_timeout = 3
ehlo_timeout = 5
mailfrom_timeout = 5
rcptto_timeout = 5
body_timeout = 5
rset_timeout = 5
retry_interval = 1
gateway = "mx.example.test:$PEERPORT"
domain "peer.test" { tls = required tls_verify = host tls_ca = "$PKI/root.crt" }
domain "peer-plain.test" { tls = no }
domain "expire.test" { tls = no message_expiration = 3 }
domain "mdpc.test" { tls = no max_deliveries_per_connection = 2 }
domain "pf-req.test" { tls = required tls_verify = host tls_ca = "$PKI/root.crt" gateway = "mx.example.test:$PFTLS" }
domain "pf-plain.test" { tls = no gateway = "mx.example.test:$PFTLS" }
domain "pf-ifa.test" { tls = ifavailable gateway = "mx.example.test:$PFTLS" }
domain "pf-notls.test" { tls = ifavailable gateway = "mx.example.test:$PFPLAIN" }
domain "pf-dur.test" { tls = required tls_verify = host tls_ca = "$PKI/root.crt" max_deliveries_per_connection = 3 gateway = "mx.example.test:$PFTLS" }
domain "pf-reload.test" { $2 max_deliveries_per_connection = 2 gateway = "mx.example.test:$PFTLS" }
CF
}
mkconf "$TMP/a.conf" "tls = no"
mkconf "$TMP/b.conf" "tls = required tls_verify = host tls_ca = \"$PKI/root.crt\""
for c in a b; do
	if ! "$ECTLS" compile "$TMP/$c.conf" -o "$TMP/$c.ectp" >"$TMP/compile.log" 2>&1; then
		notok "test configuration $c compiles"
		sed 's/^/#   /' "$TMP/compile.log"
		exit 1
	fi
done
TBL=$TMP/a.ectp

peer_start() {	# SCENARIO [CONNS]
	peer_run "$PEERPORT" "$1" "$PKI/mx.crt" "$PKI/mx.key" "${2:-10}" 30
}

# submit SPOOL RCPT [MSGFILE] : queue a message, its ID in $qid
submit() {
	qid=$("$DELIVER" submit --spool "$1" --from sender@client.example.test \
	    --to "$2" "${3:-$TMP/m.ok}")
}
# run_once SPOOL [ARGS...] : run --once, the log in $TMP/log
run_once() {
	local sp=$1
	shift
	"$DELIVER" run --spool "$sp" --table "$TBL" --once \
	    --resolve mx.example.test:127.0.0.1 --log "$TMP/log" "$@" \
	    >>"$TMP/run.out" 2>&1
}
qjson() { "$DELIVER" queue --spool "$1" --json; }

# ---- faults from the scripted peer -------------------------------------------
# 4xx, then success on the next attempt.
S=$TMP/f1
rm -f "$TMP/log"
submit "$S" u@peer-plain.test
peer_start fail=rcpt:451 1
run_once "$S"
peer_stop
if qjson "$S" | jq -e --arg id "$qid" '.id == $id and .status == "deferred" and
    .attempts == 1 and (.last_reply | startswith("451 4.0.0 scripted failure at rcpt")) and
    .next_attempt > .created' >/dev/null && [ -e "$S/defer/$qid" ]; then
	ok "peer 451: deferred into defer/ with the reply and the next attempt"
else
	notok "peer 451: deferred into defer/"
	qjson "$S" | sed 's/^/#   /'; sed 's/^/#   /' "$TMP/log"
fi
peer_start ok 1
sleep 1.2
run_once "$S"
peer_stop
if empty "$S/queue" "$S/defer" "$S/msg" &&
    grep -q "$qid: removed (delivered after 2 attempts)" "$TMP/log" &&
    grep -q '^plain: RCPT TO:<u@peer-plain.test>' "$TMP/rec"; then
	ok "peer 451 then 250: retried after retry_interval, delivered, spool empty"
else
	notok "peer 451 then 250: retried and delivered"
	sed 's/^/#   /' "$TMP/log"
fi

# 5xx: a failure record at once, with the reply and the TLS details.
S=$TMP/f2
rm -f "$TMP/log"
submit "$S" u@peer.test
peer_start fail=dot:550 1
run_once "$S"
peer_stop
if [ -f "$S/failed/$qid.json" ] && [ -f "$S/failed/$qid.msg" ] &&
    [ -f "$S/failed/$qid" ] && empty "$S/queue" "$S/defer" "$S/msg" &&
    jq -e --arg id "$qid" '.id == $id and .attempts == 1 and
    (.reason | startswith("550 5.0.0 scripted failure at dot")) and
    .recipients == [{"rcpt":"u@peer.test","status":"failed","reply":.reason}] and
    .last_attempt.outbound_tls == "TLS" and
    (.last_attempt.outbound_tls_protocol | test("^TLSv1\\.[23]$")) and
    (.last_attempt.outbound_tls_cipher | length > 0) and
    .last_attempt.outbound_tls_verified == "verified" and
    .last_attempt.outbound_tls_issuer == "ectls deliver root" and
    .last_attempt.outbound_tls_subject == "mx.example.test" and
    .last_attempt.host == "mx.example.test" and .last_attempt.ip == "127.0.0.1"' \
    "$S/failed/$qid.json" >/dev/null; then
	ok "peer 550: failure record failed/ID.json with the reply and TLS details"
else
	notok "peer 550: failure record failed/ID.json"
	cat "$S/failed/$qid.json" 2>/dev/null | sed 's/^/#   /'; sed 's/^/#   /' "$TMP/log"
fi
if qjson "$S" | jq -e '.status == "failed" and .next_attempt == null' >/dev/null &&
    "$DELIVER" queue --spool "$S" | grep -q '^-- 0 queued, 0 deferred, 1 failed$'; then
	ok "queue lists the failed message"
else
	notok "queue lists the failed message"
fi

# Expiry: message_expiration = 3, every attempt 451.
S=$TMP/f3
rm -f "$TMP/log"
submit "$S" u@expire.test
peer_start fail=mail:451 20
"$DELIVER" run --spool "$S" --table "$TBL" --resolve mx.example.test:127.0.0.1 \
    --log "$TMP/log" >>"$TMP/run.out" 2>&1 &
RUN_PID=$!
for _ in $(seq 150); do [ -f "$S/failed/$qid.json" ] && break; sleep 0.1; done
kill -TERM "$RUN_PID"
wait "$RUN_PID"
rc=$?
RUN_PID=
peer_stop
if [ $rc -eq 0 ] && [ -f "$S/failed/$qid.json" ] &&
    jq -e '(.reason | test("^message expired after [2-9] attempts; last reply: 451 4\\.0\\.0 scripted failure at mail")) and
    .attempts >= 2 and .failed_at - .created >= 3' "$S/failed/$qid.json" >/dev/null &&
    grep -q "$qid: deferred: next attempt" "$TMP/log"; then
	ok "expiry: deferred with backoff, failure record after message_expiration"
else
	notok "expiry: failure record after message_expiration (exit $rc)"
	cat "$S/failed/$qid.json" 2>/dev/null | sed 's/^/#   /'; sed 's/^/#   /' "$TMP/log"
fi

# max_deliveries_per_connection = 2: 5 messages, 3 connections.
S=$TMP/f4
rm -f "$TMP/log"
for i in 1 2 3 4 5; do submit "$S" "u$i@mdpc.test"; done
peer_start ok 10
run_once "$S" --concurrency 1
peer_stop
nc=$(grep -c '^== conn' "$TMP/rec")
m1=$(sed -n '/^== conn 1$/,/^== conn 2$/p' "$TMP/rec" | grep -c '^plain: MAIL FROM')
if [ "$nc" -eq 3 ] && [ "$m1" -eq 2 ] && [ "$(grep -c ': removed (delivered' "$TMP/log")" -eq 5 ] &&
    sed -n '/^== conn 1$/,/^== conn 2$/p' "$TMP/rec" | grep -q '^plain: QUIT'; then
	ok "max_deliveries_per_connection = 2: 5 messages over 3 connections"
else
	notok "max_deliveries_per_connection = 2: 5 messages over 3 connections ($nc connections, $m1 in the first)"
	sed 's/^/#   /' "$TMP/rec" | grep -v 'Subject\|^#   .*: $\|body' | head -30
fi

# Several messages on one connection, with a RSET after a refused one.
S=$TMP/f5
rm -f "$TMP/log"
for i in 1 2 3; do submit "$S" "u$i@peer.test"; done
peer_start fail=data:554 10
run_once "$S" --concurrency 1
peer_stop
if [ "$(grep -c '^== conn' "$TMP/rec")" -eq 1 ] &&
    [ "$(grep -c '^tls: MAIL FROM' "$TMP/rec")" -eq 3 ] &&
    [ "$(grep -c '^tls: RSET' "$TMP/rec")" -eq 2 ] &&
    [ "$(ls "$S/failed" | grep -c '\.json$')" -eq 3 ]; then
	ok "one TLS connection carries 3 transactions (RSET between refused ones)"
else
	notok "one TLS connection carries 3 transactions"
	sed 's/^/#   /' "$TMP/rec" | head -40
fi

# ---- a real Postfix ----------------------------------------------------------
if ! command -v postfix >/dev/null 2>&1; then
	sh scripts/install-deps >/dev/null 2>&1
fi
if ! command -v postfix >/dev/null 2>&1; then
	notok "postfix installed (scripts/install-deps)"
	exit 1
fi
mkdir -p "$PF"
# smtpd_tls_loglevel 2: Postfix logs each resumed session.
if ! PF_TLS_LOGLEVEL=2 sh $DHERE/postfix.sh start "$PF" "$PKI" "$PFTLS" "$PFPLAIN" \
    pf-req.test pf-plain.test pf-ifa.test pf-notls.test pf-dur.test \
    pf-reload.test pf-res.test pf-res2.test pf-res-opt.test >"$TMP/pf.log" 2>&1; then
	notok "private Postfix starts on 127.0.0.1:$PFTLS and :$PFPLAIN"
	sed 's/^/#   /' "$TMP/pf.log"
	exit 1
fi
ok "private Postfix starts on 127.0.0.1:$PFTLS and :$PFPLAIN"
BOX=$PF/mail/box

# mkmsg TAG N DOMAIN : $TMP/msg.N, Message-ID <TAG-N@client.example.test>
mkmsg() {
	printf 'Subject: %s %s\nMessage-ID: <%s-%s@client.example.test>\nX-Domain: %s\n\nbody %s\n' \
	    "$1" "$2" "$1" "$2" "$3" "$2" >"$TMP/msg.$2"
}
# submit_many SPOOL TAG FIRST LAST DOMAIN... : messages FIRST..LAST, round robin
submit_many() {
	local sp=$1 tag=$2 i=$3 last=$4 d
	shift 4
	local doms=("$@")
	for ((; i <= last; i++)); do
		d=${doms[$((i % ${#doms[@]}))]}
		mkmsg "$tag" "$i" "$d"
		"$DELIVER" submit --spool "$sp" --from sender@client.example.test \
		    --to "u$i@$d" "$TMP/msg.$i" >>"$TMP/ids.$tag" || return 1
	done
}
# box_wait TAG N : until N distinct messages TAG-* are in the mailbox (60 s)
box_wait() {
	for _ in $(seq 300); do
		[ "$(python3 $HERE/mailbox.py "$BOX" "$1" | wc -l)" -ge "$2" ] && break
		sleep 0.2
	done
	sleep 0.5	# late duplicates, if any
	python3 $HERE/mailbox.py "$BOX" "$1" >"$TMP/box.$1"
}
# spool_empty SPOOL : nothing queued, deferred, failed or left over
spool_empty() {
	empty "$1/queue" "$1/defer" "$1/failed" "$1/msg"
}

# 200 messages, four domains, four policies.
S=$TMP/p1
rm -f "$TMP/log"
t0=$(date +%s.%N)
if submit_many "$S" p1 1 200 pf-req.test pf-plain.test pf-ifa.test pf-notls.test; then
	ok "200 messages submitted"
else
	notok "200 messages submitted"
fi
t1=$(date +%s.%N)
run_once "$S" --concurrency 8 --log-format json
rc=$?
t2=$(date +%s.%N)
box_wait p1 200
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "# 200 submits: %.2f s; run --once (concurrency 8): %.2f s\n", b - a, c - b }'
n=$(wc -l <"$TMP/box.p1")
dups=$(awk '$2 > 1' "$TMP/box.p1" | wc -l)
if [ $rc -eq 0 ] && [ "$n" -eq 200 ] && [ "$dups" -eq 0 ] && spool_empty "$S"; then
	ok "Postfix: all 200 delivered once, spool empty"
else
	notok "Postfix: all 200 delivered once (exit $rc, $n delivered, $dups duplicated)"
	tail -5 "$TMP/log" | sed 's/^/#   /'
fi
bad=$(awk '
    $3 == "pf-req.test"   && !($4 ~ /^TLSv1\.[23]$/ && $5 == "verified") { b++ }
    $3 == "pf-plain.test" && $4 != "-" { b++ }
    $3 == "pf-ifa.test"   && $4 !~ /^TLSv1\.[23]$/ { b++ }
    $3 == "pf-notls.test" && $4 != "-" { b++ }
    $3 !~ /^pf-(req|plain|ifa|notls)\.test$/ { b++ }
    END { print b + 0 }' "$TMP/box.p1")
if [ "$n" -eq 200 ] && [ "$bad" -eq 0 ] &&
    [ "$(awk '$3 == "pf-req.test"' "$TMP/box.p1" | wc -l)" -eq 50 ]; then
	ok "Postfix Received headers: each domain under its own policy (TLS+client cert / clear / ifavailable)"
else
	notok "Postfix Received headers: each domain under its own policy ($bad wrong)"
	awk '{print $3, $4, $5}' "$TMP/box.p1" | sort | uniq -c | sed 's/^/#   /'
fi
if jq -se 'map(select(.status == "delivered")) | length == 200 and
    all(if .domain == "pf-req.test" then .outbound_tls == "TLS" and
        .outbound_tls_verified == "verified" and .tls_trust == "Verified"
      elif .domain == "pf-notls.test" or .domain == "pf-plain.test" then
        .outbound_tls == "SMTP"
      else .outbound_tls == "TLS" end)' \
    <(grep '"status"' "$TMP/log") >/dev/null; then
	ok "JSON log: one line per delivery with the tls_macros of its policy"
else
	notok "JSON log: one line per delivery with the tls_macros of its policy"
	grep '"status"' "$TMP/log" | head -3 | sed 's/^/#   /'
fi
conns=$(grep -c 'connect from localhost' "$PF/maillog")
if [ "$conns" -lt 100 ]; then
	ok "several messages per connection ($conns connections for 200 messages)"
else
	notok "several messages per connection ($conns connections for 200 messages)"
fi

# Two runners on the same spool at once: the per-message lock.
S=$TMP/p2
rm -f "$TMP/log"
submit_many "$S" p2 1 60 pf-plain.test pf-ifa.test
run_once "$S" --concurrency 3 &
r1=$!
run_once "$S" --concurrency 3 &
r2=$!
wait $r1; rc1=$?
wait $r2; rc2=$?
box_wait p2 60
n=$(wc -l <"$TMP/box.p2")
dups=$(awk '$2 > 1' "$TMP/box.p2" | wc -l)
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ "$n" -eq 60 ] && [ "$dups" -eq 0 ] && spool_empty "$S"; then
	ok "two runners on one spool: 60 delivered, none twice"
else
	notok "two runners on one spool ($n delivered, $dups duplicated)"
fi

# SIGTERM in the middle: exit 0, nothing lost, the rest delivered later.
S=$TMP/p3
rm -f "$TMP/log"
submit_many "$S" p3 1 80 pf-dur.test
setsid "$DELIVER" run --spool "$S" --table "$TBL" --concurrency 2 \
    --resolve mx.example.test:127.0.0.1 --log "$TMP/log" >>"$TMP/run.out" 2>&1 &
RUN_PID=$!
sleep 0.4
kill -TERM "$RUN_PID"
t0=$SECONDS
wait "$RUN_PID"
rc=$?
RUN_PID=
left=$(ls "$S/queue" "$S/defer" | grep -c .)
run_once "$S" --concurrency 2
box_wait p3 80
n=$(wc -l <"$TMP/box.p3")
dups=$(awk '$2 > 1' "$TMP/box.p3" | wc -l)
if [ $rc -eq 0 ] && [ $((SECONDS - t0)) -le 20 ] && [ "$n" -eq 80 ] &&
    [ "$dups" -eq 0 ] && spool_empty "$S" && grep -q 'SIGTERM: no new deliveries' "$TMP/log"; then
	ok "SIGTERM: exit 0 ($left of 80 left queued), all delivered afterwards, none twice"
else
	notok "SIGTERM: exit 0, all delivered afterwards (exit $rc, $n delivered, $dups duplicated)"
fi

# Durability: kill -9 of the whole engine (master and workers) at random
# moments, restarted each time; then every message must be delivered.
# More messages are queued whenever the engine has drained the spool, until
# 20 kills have hit it with work queued.
S=$TMP/p4
rm -f "$TMP/log"
total=0
p4_add() {
	submit_many "$S" p4 $((total + 1)) $((total + $1)) pf-dur.test pf-req.test
	total=$((total + $1))
}
p4_add 200
kills=0 busy=0
RANDOM=4242
while [ $busy -lt 20 ] && [ $kills -lt 100 ]; do
	empty "$S/queue" "$S/defer" && p4_add 40
	setsid "$DELIVER" run --spool "$S" --table "$TBL" --concurrency 4 \
	    --resolve mx.example.test:127.0.0.1 --log "$TMP/log" >>"$TMP/run.out" 2>&1 &
	RUN_PID=$!
	sleep "0.$(printf '%03d' $((RANDOM % 250 + 20)))"
	empty "$S/queue" "$S/defer" || busy=$((busy + 1))
	kill -KILL -- "-$RUN_PID" 2>/dev/null
	wait "$RUN_PID" 2>/dev/null
	RUN_PID=
	kills=$((kills + 1))
done
# Whatever is left, in one clean run (the sweep removes what kills left).
run_once "$S" --concurrency 4
rc=$?
box_wait p4 "$total"
n=$(wc -l <"$TMP/box.p4")
dups=$(awk '$2 > 1 { d += $2 - 1 } END { print d + 0 }' "$TMP/box.p4")
echo "# durability: $kills kill -9 of the engine ($busy with messages still queued); $total messages, $n delivered, $dups duplicate deliveries"
if [ $rc -eq 0 ] && [ "$n" -eq "$total" ] && [ "$busy" -ge 20 ]; then
	ok "durability: $kills x kill -9 ($busy mid-queue), all $total messages delivered"
else
	notok "durability: every message delivered ($n of $total, $busy kills mid-queue)"
fi
if spool_empty "$S" && "$DELIVER" queue --spool "$S" >"$TMP/q" 2>&1 &&
    grep -q '^-- 0 queued, 0 deferred, 0 failed$' "$TMP/q"; then
	ok "durability: spool consistent and empty afterwards (no orphan message files)"
else
	notok "durability: spool consistent and empty afterwards"
	ls -R "$S" | head -20 | sed 's/^/#   /'; sed 's/^/#   /' "$TMP/q" | head
fi

# Hot reload: pf-reload.test is tls = no in table A, required in table B.
S=$TMP/p5
rm -f "$TMP/log"
cp "$TMP/a.ectp" "$TMP/live.ectp"
"$DELIVER" run --spool "$S" --table "$TMP/live.ectp" --concurrency 2 \
    --resolve mx.example.test:127.0.0.1 --log "$TMP/log" >"$TMP/reload.out" 2>&1 &
RUN_PID=$!
drained() {	# wait until the spool is empty (30 s)
	for _ in $(seq 150); do
		empty "$S/queue" "$S/defer" && return 0
		sleep 0.2
	done
	return 1
}
submit_many "$S" p5 1 30 pf-reload.test
drained
# ectls compile writes the table by rename: a new inode at the same path.
"$ECTLS" compile "$TMP/b.conf" -o "$TMP/live.ectp" >/dev/null 2>&1
for _ in $(seq 50); do grep -q 'table reloaded' "$TMP/log" && break; sleep 0.1; done
submit_many "$S" p5 31 60 pf-reload.test
drained
# A broken table is refused; the old one stays.
head -c 100 "$TMP/b.ectp" >"$TMP/broken" && mv "$TMP/broken" "$TMP/live.ectp"
for _ in $(seq 50); do grep -q 'table reload refused' "$TMP/log" && break; sleep 0.1; done
submit_many "$S" p5 61 70 pf-reload.test
drained
# SIGHUP with the good table back.
cp "$TMP/b.ectp" "$TMP/live.tmp" && mv "$TMP/live.tmp" "$TMP/live.ectp"
sleep 0.5
kill -HUP "$RUN_PID"
sleep 0.5
kill -TERM "$RUN_PID"
wait "$RUN_PID"
rc=$?
RUN_PID=
box_wait p5 70
n=$(wc -l <"$TMP/box.p5")
dups=$(awk '$2 > 1' "$TMP/box.p5" | wc -l)
wrong=$(awk '($1 <= 30 && $4 != "-") || ($1 > 30 && $4 !~ /^TLSv/) { b++ } END { print b + 0 }' "$TMP/box.p5")
if [ $rc -eq 0 ] && [ "$n" -eq 70 ] && [ "$dups" -eq 0 ] && [ "$wrong" -eq 0 ]; then
	ok "reload: table replaced by ectls compile switches the policy (30 clear, then 40 TLS), none lost or doubled"
else
	notok "reload: policy switch (exit $rc, $n of 70 delivered, $dups doubled, $wrong under the wrong policy)"
	grep -i 'reload' "$TMP/log" | sed 's/^/#   /'
	tail -n 20 "$TMP/reload.out" | sed 's/^/#   out: /'
	tail -n 20 "$TMP/log" | sed 's/^/#   log: /'
fi
if grep -q 'table reload refused: .*keeping the old table' "$TMP/log" &&
    [ "$(grep -c 'table reloaded' "$TMP/log")" -ge 2 ]; then
	ok "reload: a broken table is refused with a log line; SIGHUP reloads"
else
	notok "reload: a broken table is refused; SIGHUP reloads"
	grep -i 'reload' "$TMP/log" | sed 's/^/#   /'
fi

# Reload while messages are in flight: each delivery under one whole policy.
S=$TMP/p6
rm -f "$TMP/log" "$TMP/ids.p6"
cp "$TMP/a.ectp" "$TMP/live.ectp"
submit_many "$S" p6 1 120 pf-reload.test
"$DELIVER" run --spool "$S" --table "$TMP/live.ectp" --concurrency 3 --once \
    --resolve mx.example.test:127.0.0.1 --log "$TMP/log" >>"$TMP/run.out" 2>&1 &
RUN_PID=$!
for _ in $(seq 100); do grep -q ': removed' "$TMP/log" 2>/dev/null && break; sleep 0.05; done
"$ECTLS" compile "$TMP/b.conf" -o "$TMP/live.ectp" >/dev/null 2>&1
wait "$RUN_PID"
rc=$?
RUN_PID=
run_once "$S"
box_wait p6 120
n=$(wc -l <"$TMP/box.p6")
dups=$(awk '$2 > 1' "$TMP/box.p6" | wc -l)
# The log's tls= for each queue ID must match what Postfix saw.
paste -d' ' <(seq 1 120) "$TMP/ids.p6" >"$TMP/map.p6"
mismatch=0
while read -r num id; do
	got=$(awk -v n="$num" '$1 == n { print ($4 == "-") ? "SMTP" : "TLS" }' "$TMP/box.p6")
	logd=$(grep "$id: to=<.*status=sent" "$TMP/log" | sed -n 's/.*tls=\([A-Z]*\)\/.*/\1/p' | head -1)
	[ "$got" = "$logd" ] || mismatch=$((mismatch + 1))
done <"$TMP/map.p6"
clear=$(awk '$4 == "-"' "$TMP/box.p6" | wc -l)
if [ $rc -eq 0 ] && [ "$n" -eq 120 ] && [ "$dups" -eq 0 ] && [ "$mismatch" -eq 0 ] &&
    [ "$clear" -gt 0 ] && [ "$clear" -lt 120 ]; then
	ok "reload mid-run: 120 delivered once ($clear under the old policy, $((n - clear)) under the new)"
else
	notok "reload mid-run ($n of 120, $dups doubled, $mismatch log/Postfix mismatches)"
fi

# ---- TLS session resumption, under both engines -------------------------------
# tls_engine is global, so one table per engine.  max_deliveries_per_connection
# = 1 and --concurrency 1: every message on its own connection in its own
# worker, so a resumed session went from one worker to the runner and on to
# the next.  pf-res2.test differs from pf-res.test only by its client
# certificate: its first connection must not resume pf-res.test's session.
# pf-res-opt.test verifies against an unrelated CA under tls_verify =
# optional (delivered, unverified): resumption must not make it verified.
# pf-res-ca.test is the same under tls_verify = ca: deferred, never resumed.
reusing() { grep -c 'Reusing old session' "$PF/maillog"; }
# Received header (with its continuation lines) of a delivered file.
received() { awk '/^Received:/ {r=1; print; next} r && /^[ \t]/ {print; next} {r=0}' "$1"; }
for e in openssl gnutls; do
	{
	echo "tls_engine = $e"
	if [ $e = gnutls ]; then
		echo 'tls_ciphers = "NORMAL:-VERS-SSL3.0"'
	else
		echo 'tls_protocols = "+ALL:-SSLv2:-SSLv3:-TLSv1:-TLSv1.1"'
	fi
	cat <<CF
ehlo_hostname = "client.example.test"
tls_certificate = "$PKI/client.crt"
tls_key = "$PKI/client.key"
retry_interval = 60
max_deliveries_per_connection = 1
gateway = "mx.example.test:$PFTLS"
tls = required
domain "pf-res.test" { tls_verify = host tls_ca = "$PKI/root.crt" }
domain "pf-res2.test" { tls_verify = host tls_ca = "$PKI/root.crt" tls_certificate = "$PKI/client2.crt" tls_key = "$PKI/client2.key" }
domain "pf-res-opt.test" { tls_verify = optional tls_ca = "$PKI/other-root.crt" }
domain "pf-res-ca.test" { tls_verify = ca tls_ca = "$PKI/other-root.crt" }
CF
	} >"$TMP/res-$e.conf"
	if ! "$ECTLS" compile "$TMP/res-$e.conf" -o "$TMP/res-$e.ectp" >"$TMP/compile.log" 2>&1; then
		notok "$e: resumption configuration compiles"
		sed 's/^/#   /' "$TMP/compile.log"
		continue
	fi
	S=$TMP/res-$e
	rm -f "$TMP/log" "$TMP/ids.r$e"
	submit_many "$S" "r$e" 1 3 pf-res.test
	submit_many "$S" "r$e" 4 5 pf-res2.test
	submit_many "$S" "r$e" 6 7 pf-res-opt.test
	submit_many "$S" "r$e" 8 9 pf-res-ca.test
	before=$(reusing)
	"$DELIVER" run --spool "$S" --table "$TMP/res-$e.ectp" --once --concurrency 1 \
	    --resolve mx.example.test:127.0.0.1 --log "$TMP/log" --log-format json \
	    >>"$TMP/run.out" 2>&1
	rc=$?
	box_wait "r$e" 7
	grep '"status"' "$TMP/log" >"$TMP/res.json"
	# rz RCPT : "yes", "no" or "null": tls_resumed of that recipient's line
	rz() { jq -r --arg r "$1" 'select(.rcpt == $r) | .tls_resumed' "$TMP/res.json" | head -1; }
	if [ $rc -eq 0 ] && [ "$(wc -l <"$TMP/box.r$e")" -eq 7 ] &&
	    [ "$(rz u1@pf-res.test)" = no ] && [ "$(rz u2@pf-res.test)" = yes ] &&
	    [ "$(rz u3@pf-res.test)" = yes ] &&
	    jq -se 'map(select(.domain == "pf-res.test")) | length == 3 and
	        all(.status == "delivered" and .outbound_tls_verified == "verified" and
	            .tls_trust == "Verified")' "$TMP/res.json" >/dev/null &&
	    [ "$(awk '$3 == "pf-res.test" && $5 == "verified"' "$TMP/box.r$e" | wc -l)" -eq 3 ]; then
		ok "$e: resumption: 3 connections from 3 workers, the 2nd and 3rd resumed, still verified (tls_resumed in the JSON log)"
	else
		notok "$e: resumption: the 2nd and 3rd connection resumed (exit $rc; u1=$(rz u1@pf-res.test) u2=$(rz u2@pf-res.test) u3=$(rz u3@pf-res.test))"
		sed 's/^/#   /' "$TMP/res.json" | head -9; sed 's/^/#   /' "$TMP/box.r$e"
	fi
	# Postfix's view: one "Reusing old session" per resumed connection.
	nres=$(jq -r 'select(.tls_resumed == "yes") | .rcpt' "$TMP/res.json" | wc -l)
	for _ in $(seq 30); do	# postlogd writes a little later
		[ $(($(reusing) - before)) -ge "$nres" ] && break
		sleep 0.1
	done
	nreuse=$(($(reusing) - before))
	if [ "$nres" -ge 3 ] && [ "$nreuse" -eq "$nres" ]; then
		ok "$e: resumption: Postfix logged 'Reusing old session' $nreuse times, as many as our log's tls_resumed=yes"
	else
		notok "$e: resumption: Postfix's 'Reusing old session' ($nreuse) matches our log ($nres)"
	fi
	# The client certificate is part of the key: pf-res2.test's first
	# connection is a full handshake, and Postfix sees client2.
	cn2=0
	for id in 4 5; do
		f=$(grep -l "^Message-ID: <r$e-$id@" "$BOX"/new/* 2>/dev/null | head -1)
		[ -n "$f" ] && received "$f" 2>/dev/null | tr -s ' \t\n' ' ' |
		    grep -q 'Client CN "client2\.example\.test"' && cn2=$((cn2 + 1))
	done
	first1=$(grep -n '"rcpt":"u1@pf-res.test"' "$TMP/res.json" | cut -d: -f1)
	first2=$(grep -n '"rcpt":"u4@pf-res2.test"' "$TMP/res.json" | cut -d: -f1)
	if [ "$(rz u4@pf-res2.test)" = no ] && [ "$(rz u5@pf-res2.test)" = yes ] &&
	    [ "$cn2" -eq 2 ] && [ -n "$first1" ] && [ -n "$first2" ] && [ "$first1" -lt "$first2" ]; then
		ok "$e: resumption: another client certificate never resumes the old session (Postfix saw client2 both times)"
	else
		notok "$e: resumption: another client certificate never resumes the old session (u4=$(rz u4@pf-res2.test) u5=$(rz u5@pf-res2.test), client2 seen $cn2 times)"
	fi
	if [ "$(rz u6@pf-res-opt.test)" = no ] && [ "$(rz u7@pf-res-opt.test)" = yes ] &&
	    jq -se 'map(select(.domain == "pf-res-opt.test")) | length == 2 and
	        all(.status == "delivered" and .outbound_tls_verified == "unverified" and
	            .tls_trust == "Untrusted")' "$TMP/res.json" >/dev/null &&
	    [ "$(rz u8@pf-res-ca.test)" = no ] && [ "$(rz u9@pf-res-ca.test)" = no ] &&
	    jq -se 'map(select(.domain == "pf-res-ca.test")) | length == 2 and
	        all(.status == "deferred" and .outbound_tls_verified == "unverified" and
	            (.reply | startswith("server certificate not verified")))' \
	        "$TMP/res.json" >/dev/null &&
	    [ "$(python3 $HERE/mailbox.py "$BOX" "r$e" | awk '$3 == "pf-res-ca.test"' | wc -l)" -eq 0 ]; then
		ok "$e: resumption: a resumed session keeps the original verification (optional: still Untrusted; ca: deferred, never resumed)"
	else
		notok "$e: resumption: a resumed session keeps the original verification"
		jq -c 'select(.domain | startswith("pf-res-")) | [.rcpt, .status, .tls_resumed, .outbound_tls_verified, .tls_trust]' "$TMP/res.json" | sed 's/^/#   /'
	fi
	# --tls-session-cache 0: resumption off.
	S=$TMP/res0-$e
	rm -f "$TMP/log"
	submit_many "$S" "z$e" 1 2 pf-res.test
	"$DELIVER" run --spool "$S" --table "$TMP/res-$e.ectp" --once --concurrency 1 \
	    --tls-session-cache 0 --resolve mx.example.test:127.0.0.1 --log "$TMP/log" \
	    --log-format json >>"$TMP/run.out" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && jq -se 'map(select(.status == "delivered")) | length == 2 and
	    all(.tls_resumed == "no")' <(grep '"status"' "$TMP/log") >/dev/null; then
		ok "$e: --tls-session-cache 0: no session resumed"
	else
		notok "$e: --tls-session-cache 0: no session resumed (exit $rc)"
		grep '"status"' "$TMP/log" | sed 's/^/#   /'
	fi
done
# The text log line carries the field as well.
S=$TMP/res-text
rm -f "$TMP/log"
submit_many "$S" rt 1 2 pf-res.test
"$DELIVER" run --spool "$S" --table "$TMP/res-openssl.ectp" --once --concurrency 1 \
    --resolve mx.example.test:127.0.0.1 --log "$TMP/log" >>"$TMP/run.out" 2>&1
if grep -q 'to=<u1@pf-res.test>, .* tls=TLS/required, tls_resumed=no, verified=verified, status=sent' "$TMP/log" &&
    grep -q 'to=<u2@pf-res.test>, .* tls=TLS/required, tls_resumed=yes, verified=verified, status=sent' "$TMP/log"; then
	ok "text log: tls_resumed=no, then tls_resumed=yes"
else
	notok "text log: tls_resumed=no, then tls_resumed=yes"
	sed 's/^/#   /' "$TMP/log"
fi
