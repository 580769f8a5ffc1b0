#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/handshake.sh -- TLS session resumption (`make bench-handshake`).
# Loopback only; runs as root (a private Postfix via tests/deliver/postfix.sh,
# stopped on exit).
#
#  sink     the discarding Postfix of bench/spool.sh (header_checks DISCARD,
#           STARTTLS offered, session tickets on as Postfix ships them; it
#           asks for the client certificate, which the client presents).
#  handshakes  bench/handshake_bench: one connection at a time, each
#           connect, banner, EHLO, STARTTLS, handshake, EHLO, QUIT through
#           the runtime's io and tls layers; BENCH_HS_N connections per run,
#           OpenSSL and GnuTLS engines, TLS 1.3 and TLS 1.2, without and with
#           resumption (every connection but the first resumes the session
#           the previous one left in the cache; the tool checks it).
#  deliveries  ectls-deliver run --once on BENCH_HS_MSGS queued messages with
#           max_deliveries_per_connection = 1 (a new connection, in a new
#           worker, per message), TLS 1.3, tls_verify = host, at concurrency
#           1 and 10, with the default session cache and with
#           --tls-session-cache 0; the log counts the resumed connections and
#           the sink must have every message.
#
#   BENCH_HS_N=2000 BENCH_HS_MSGS=1000 HSBENCH=build/bench/handshake_bench \
#   DELIVER=build/ectls-deliver ECTLS=build/ectls BENCH_DIR=build/bench \
#   bench/handshake.sh
set -u
N=${BENCH_HS_N:-2000}
MSGS=${BENCH_HS_MSGS:-1000}
HSBENCH=${HSBENCH:-build/bench/handshake_bench}
DELIVER=${DELIVER:-build/ectls-deliver}
ECTLS=${ECTLS:-build/ectls}
TOP=$(pwd)
mkdir -p "${BENCH_DIR:-build/bench}"
DIR=$(mktemp -d "${BENCH_DIR:-build/bench}/handshake.XXXXXX")
DIR=$(cd "$DIR" && pwd)
PF=$TOP/tests/deliver/postfix.sh
SINK=$DIR/sink
RUN_PID=

cleanup() {
	[ -n "$RUN_PID" ] && kill -KILL -- "-$RUN_PID" 2>/dev/null
	[ -f "$SINK/main.cf" ] && sh "$PF" stop "$SINK" >/dev/null 2>&1
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
die() { echo "bench-handshake: $*" >&2; exit 1; }

command -v postfix >/dev/null 2>&1 || die "postfix is not installed (scripts/install-deps)"
[ -x "$HSBENCH" ] && [ -x "$DELIVER" ] && [ -x "$ECTLS" ] ||
    die "build handshake_bench, ectls and ectls-deliver first"

. "$TOP/bench/lib.sh"
sink_start

echo "postfix $(postconf -h mail_version), $(openssl version | cut -d' ' -f1-2), gnutls $(gnutls-cli --version 2>/dev/null | head -1 | awk '{print $NF}')"
echo
echo "STARTTLS handshakes per second, one connection at a time ($N per run, client certificate presented):"
fail=0
for v in 1.3 1.2; do
	for e in openssl gnutls; do
		for r in "" --resume; do
			"$HSBENCH" --engine "$e" --port "$PT" --sni mx.example.test \
			    --ca "$DIR/pki/root.crt" --cert "$DIR/pki/client.crt" \
			    --key "$DIR/pki/client.key" --version "$v" $r -n "$N" ||
			    fail=1
		done
	done
done

# ---- the engine: a new connection per message ---------------------------------
echo
echo "ectls-deliver run --once, $MSGS messages, max_deliveries_per_connection = 1, TLS 1.3:"
printf '%-8s %5s %-9s %9s %9s %9s   %s\n' engine conc resume "time (s)" "msgs/s" resumed check
for e in openssl gnutls; do
	{
	echo "tls_engine = $e"
	if [ "$e" = gnutls ]; then
		echo 'tls_ciphers = "NORMAL:-VERS-ALL:+VERS-TLS1.3"'
	else
		echo 'tls_protocols = "-ALL:+TLSv1.3"'
	fi
	cat <<CF
ehlo_hostname = "client.example.test"
tls_certificate = "$DIR/pki/client.crt"
tls_key = "$DIR/pki/client.key"
domain "bench.test" {
	tls = required
	tls_verify = host
	tls_ca = "$DIR/pki/root.crt"
	max_deliveries_per_connection = 1
	gateway = "mx.example.test:$PT"
}
CF
	} >"$DIR/$e.conf"
	"$ECTLS" compile "$DIR/$e.conf" -o "$DIR/$e.ectp" >"$DIR/compile.log" 2>&1 ||
	    { cat "$DIR/compile.log" >&2; die "$e configuration does not compile"; }
done
printf 'Subject: bench\n\nA small message.\n' >"$DIR/msg"
rm -rf "$DIR/template"
seq "$MSGS" | xargs -P 8 -I{} "$DELIVER" submit --spool "$DIR/template" \
    --from sender@client.example.test --to "u{}@bench.test" "$DIR/msg" >/dev/null ||
    die "submit failed"
for e in openssl gnutls; do
	for C in 1 10; do
		for cache in 1000 0; do
			rm -rf "$DIR/work"
			cp -a "$DIR/template" "$DIR/work"
			base=$(sink_count)
			t0=$(date +%s.%N)
			setsid "$DELIVER" run --spool "$DIR/work" --table "$DIR/$e.ectp" \
			    --once --concurrency "$C" --tls-session-cache "$cache" \
			    --resolve mx.example.test:127.0.0.1 --log "$DIR/run.log" \
			    --log-format json &
			RUN_PID=$!
			wait "$RUN_PID"
			rc=$?
			RUN_PID=
			t1=$(date +%s.%N)
			got=0
			for _ in $(seq 600); do
				got=$(( $(sink_count) - base ))
				[ "$got" -ge "$MSGS" ] && break
				sleep 0.1
			done
			nres=$(grep -c '"tls_resumed":"yes"' "$DIR/run.log")
			left=$(find "$DIR/work/queue" "$DIR/work/defer" -type f | wc -l)
			check="exit $rc, sink got $got, $left left"
			if [ "$rc" -eq 0 ] && [ "$got" -eq "$MSGS" ] && [ "$left" -eq 0 ]; then
				check="ok: $got delivered"
			else
				fail=1
			fi
			if [ "$cache" -eq 0 ] && [ "$nres" -ne 0 ]; then
				check="$check; resumed with the cache off"
				fail=1
			fi
			awk -v e="$e" -v c="$C" -v r="$([ "$cache" -eq 0 ] && echo off || echo on)" \
			    -v a="$t0" -v b="$t1" -v n="$MSGS" -v k="$nres" -v ck="$check" 'BEGIN {
				printf "%-8s %5d %-9s %9.2f %9.0f %9d   %s\n",
				    e, c, r, b - a, n / (b - a), k, ck }'
			rm -f "$DIR/run.log"
		done
	done
done
exit $fail
