#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/spool.sh -- the spool engine of ectls-deliver against Postfix's own
# SMTP client (`make bench-spool`).  Loopback only; runs as root (it starts
# two private Postfix instances with tests/deliver/postfix.sh, stopped on
# exit).
#
#  sink    a Postfix on 127.0.0.1 offering STARTTLS that accepts every
#          message and discards it in cleanup (header_checks DISCARD;
#          in_flow_delay = 0, else cleanup paces arrivals to 1/s once
#          nothing is ever delivered).
#  ectls   N small messages queued once with `ectls-deliver submit` into a
#          template spool; for each concurrency C a copy of it is delivered
#          by `ectls-deliver run --once --concurrency C` under
#          tls = required, tls_verify = host, TLS 1.3 only.
#  postfix a second Postfix relaying everything to the sink with
#          smtp_tls_security_level = encrypt and
#          default_destination_concurrency_limit = C (initial concurrency C
#          too); the N messages are injected with its sendmail while
#          defer_transports = smtp holds them, then released
#          (postqueue -f) and timed until its queue is empty.  Postfix's
#          defaults otherwise: a new TLS connection per message (its
#          smtp_tls_connection_reuse needs tlsproxy, whose handshakes failed
#          in such a private instance, so it is not measured here).
#
# Reported per run: wall time, deliveries per second, peak RSS (the sum of
# every process of the engine -- ectls master and workers, or the relay
# Postfix's master, qmgr, smtp, ... -- sampled every 50 ms).  Deliveries
# are checked: the sink's log must show N discarded messages for each run.
#   BENCH_SPOOL_N=10000 BENCH_SPOOL_CONC="1 10 50" \
#   DELIVER=build/ectls-deliver ECTLS=build/ectls BENCH_DIR=build/bench \
#   bench/spool.sh
set -u
N=${BENCH_SPOOL_N:-10000}
CONCS=${BENCH_SPOOL_CONC:-"1 10 50"}
DELIVER=${DELIVER:-build/ectls-deliver}
ECTLS=${ECTLS:-build/ectls}
TOP=$(pwd)
DIR=$(mktemp -d "${BENCH_DIR:-build/bench}/spool.XXXXXX")
DIR=$(cd "$DIR" && pwd)
PF=$TOP/tests/deliver/postfix.sh
SINK=$DIR/sink
RELAY=$DIR/relay
RUN_PID=

cleanup() {
	[ -n "$RUN_PID" ] && kill -KILL -- "-$RUN_PID" 2>/dev/null
	[ -f "$RELAY/main.cf" ] && sh "$PF" stop "$RELAY" >/dev/null 2>&1
	[ -f "$SINK/main.cf" ] && sh "$PF" stop "$SINK" >/dev/null 2>&1
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
die() { echo "bench-spool: $*" >&2; exit 1; }

command -v postfix >/dev/null 2>&1 || die "postfix is not installed (scripts/install-deps)"
[ -x "$DELIVER" ] && [ -x "$ECTLS" ] || die "build ectls and ectls-deliver first"

. "$TOP/bench/lib.sh"
# ---- the sink -------------------------------------------------------------
sink_start "smtpd_tls_ask_ccert = no"
# wait_sink WANT : until the sink has discarded WANT messages (300 s)
wait_sink() {
	local i
	for i in $(seq 3000); do
		[ "$(sink_count)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# rss_watch SID OUT : peaks (KiB) of the summed RSS and of the summed PSS
# (shared pages divided among the processes mapping them) of the processes
# of session SID, "RSS PSS" into OUT
rss_watch() {
	local prss=0 ppss=0 rss pss pids
	while kill -0 "$1" 2>/dev/null; do
		pids=$(ps -o pid= -s "$1" 2>/dev/null)
		read -r rss pss < <(for p in $pids; do
			cat "/proc/$p/smaps_rollup" 2>/dev/null
		done | awk '/^Rss:/ { r += $2 } /^Pss:/ { p += $2 } END { print r + 0, p + 0 }')
		[ "$rss" -gt "$prss" ] && prss=$rss
		[ "$pss" -gt "$ppss" ] && ppss=$pss
		echo "$prss $ppss" >"$2"
		sleep 0.05
	done
}

now() { date +%s.%N; }
# report ENGINE CONC T0 T1 CHECK
report() {
	awk -v e="$1" -v c="$2" -v a="$3" -v b="$4" -v n="$N" -v k="$5" \
	    -v r="$(cat "$DIR/rss")" 'BEGIN {
		split(r, m, " ")
		printf "%-14s %5d %9.2f %9.0f %10.1f MiB %10.1f MiB   %s\n",
		    e, c, b - a, n / (b - a), m[1] / 1024, m[2] / 1024, k }'
}

# ---- ectls: the template spool ----------------------------------------------
cat >"$DIR/bench.conf" <<CF
tls_protocols = "-ALL:+TLSv1.3"
ehlo_hostname = "client.example.test"
domain "bench.test" {
	tls = required
	tls_verify = host
	tls_ca = "$DIR/pki/root.crt"
	gateway = "mx.example.test:$PT"
}
CF
"$ECTLS" compile "$DIR/bench.conf" -o "$DIR/bench.ectp" >"$DIR/compile.log" 2>&1 ||
    { cat "$DIR/compile.log" >&2; die "bench configuration does not compile"; }
mkdir -p "$DIR/msgs"
for i in $(seq "$N"); do
	printf 'From: sender@client.example.test\nTo: u%d@bench.test\nSubject: bench %d\nMessage-ID: <bench-%d@client.example.test>\n\nA small message, number %d.\n' \
	    "$i" "$i" "$i" "$i" >"$DIR/msgs/$i"
done
t0=$(now)
seq "$N" | xargs -P 8 -I{} "$DELIVER" submit --spool "$DIR/template" \
    --from sender@client.example.test --to "u{}@bench.test" "$DIR/msgs/{}" >/dev/null ||
    die "submit failed"
t1=$(now)
[ "$(ls "$DIR/template/queue" | wc -l)" -eq "$N" ] || die "template spool incomplete"
awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN {
	printf "ectls-deliver submit: %d messages in %.1f s (%.0f/s, 8 in parallel, 2 fsyncs + 2 directory fsyncs each)\n", n, b - a, n / (b - a) }'

printf '\n%-14s %5s %9s %9s %14s %14s   %s\n' engine conc "time (s)" "msgs/s" "peak RSS sum" "peak PSS sum" "check"

# postfix_run CONC NAME : Postfix's smtp client through a relay instance
postfix_run() {
	local C=$1 VARIANT=$2 i n left base master t0 t1 w got check
	rm -rf "$RELAY"
	mkdir -p "$RELAY"
	read -r RT RP < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
	sh "$PF" start "$RELAY" "$DIR/pki" "$RT" "$RP" relay-unused.test >"$DIR/relay.log" 2>&1 ||
	    { cat "$DIR/relay.log" >&2; die "relay Postfix did not start"; }
	postconf -c "$RELAY" -e "relayhost = [127.0.0.1]:$PT" \
	    "smtp_tls_security_level = encrypt" \
	    "smtp_tls_loglevel = 1" \
	    "default_destination_concurrency_limit = $C" \
	    "initial_destination_concurrency = $C" \
	    "default_process_limit = $((C + 50))" \
	    "defer_transports = smtp" \
	    "smtp_helo_name = client.example.test"
	postfix -c "$RELAY" reload >/dev/null 2>&1
	sleep 1
	seq "$N" | xargs -P 8 -I{} sh -c '/usr/sbin/sendmail -C "$1" \
	    -f sender@client.example.test "u$2@bench.test" <"$3/msgs/$2"' \
	    sendmail "$RELAY" {} "$DIR" || die "sendmail failed"
	# All picked up and held (deferred by defer_transports).
	for i in $(seq 3000); do
		n=$(find "$RELAY/queue/deferred" -type f | wc -l)
		[ "$n" -ge "$N" ] && break
		sleep 0.1
	done
	[ "$n" -ge "$N" ] || die "relay queue holds $n of $N"
	postconf -c "$RELAY" -e "defer_transports ="
	base=$(sink_count)
	master=$(awk '{ print $1; exit }' "$RELAY/queue/pid/master.pid")
	echo 0 0 >"$DIR/rss"
	t0=$(now)
	postfix -c "$RELAY" reload >/dev/null 2>&1
	postqueue -c "$RELAY" -f
	rss_watch "$master" "$DIR/rss" &
	w=$!
	for i in $(seq 12000); do
		left=$(find "$RELAY/queue/incoming" "$RELAY/queue/active" \
		    "$RELAY/queue/deferred" "$RELAY/queue/maildrop" -type f | wc -l)
		[ "$left" -eq 0 ] && break
		sleep 0.05
	done
	t1=$(now)
	kill "$w" 2>/dev/null
	wait "$w" 2>/dev/null
	wait_sink $((base + N))
	got=$(( $(sink_count) - base ))
	check="sink got $got, $left left"
	[ "$got" -eq "$N" ] && [ "$left" -eq 0 ] && check="ok: $got delivered"
	report "$VARIANT" "$C" "$t0" "$t1" "$check"
	printf '%-14s %5s   TLS connections: %s; %s\n' "" "" \
	    "$(grep -c 'TLS connection established to' "$RELAY/maillog")" \
	    "$(grep -ho 'TLSv1\.[0-9] with cipher [A-Z0-9_]*' "$RELAY/maillog" | sort | uniq -c | sed 's/^ *//' | tr '\n' ' ')"
	sh "$PF" stop "$RELAY" >/dev/null 2>&1
}

# ---- runs -------------------------------------------------------------------
for C in $CONCS; do
	# ectls-deliver
	rm -rf "$DIR/work"
	cp -a "$DIR/template" "$DIR/work"
	base=$(sink_count)
	echo 0 0 >"$DIR/rss"
	t0=$(now)
	setsid "$DELIVER" run --spool "$DIR/work" --table "$DIR/bench.ectp" --once \
	    --concurrency "$C" --resolve mx.example.test:127.0.0.1 \
	    --log "$DIR/ectls-$C.log" &
	RUN_PID=$!
	rss_watch "$RUN_PID" "$DIR/rss" &
	w=$!
	wait "$RUN_PID"
	rc=$?
	RUN_PID=
	t1=$(now)
	wait "$w"
	wait_sink $((base + N))
	got=$(( $(sink_count) - base ))
	left=$(find "$DIR/work/queue" "$DIR/work/defer" -type f | wc -l)
	check="exit $rc, sink got $got, $left left"
	[ "$rc" -eq 0 ] && [ "$got" -eq "$N" ] && [ "$left" -eq 0 ] && check="ok: $got delivered"
	report ectls "$C" "$t0" "$t1" "$check"

	printf '%-14s %5s   TLS connections: %s; %s\n' "" "" \
	    "$(grep -c 'TLS connection established to' "$DIR/ectls-$C.log")" \
	    "$(grep -ho 'TLSv1\.[0-9] with cipher [A-Z0-9_]*' "$DIR/ectls-$C.log" | sort | uniq -c | sed 's/^ *//' | tr '\n' ' ')"
	postfix_run "$C" postfix
done
