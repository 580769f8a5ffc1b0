# SPDX-License-Identifier: ISC
# bench/lib.sh -- shared by the bench/*.sh scripts (sourced, bash, from the
# top of the tree).

# bench_enter : E = absolute path of $ECTLS (default build/ectls), top =
# the tree, then cd into $BENCH_DIR (default build/bench), created.
bench_enter() {
	local dir=${BENCH_DIR:-build/bench}
	ECTLS=${ECTLS:-build/ectls}
	mkdir -p "$dir"
	E=$(cd "$(dirname "$ECTLS")" && pwd)/$(basename "$ECTLS")
	top=$(pwd)
	cd "$dir"
}

# best CMD... : the best of 3 runs of CMD in CPU seconds (user + sys; wall
# time depends on other load), printed with two decimals.  Writes time.out
# in the current directory.
best() {
	local b= t
	for _ in 1 2 3; do
		/usr/bin/time -o time.out -f '%U %S' "$@" >/dev/null 2>&1 || true
		t=$(tail -1 time.out | awk '{ printf "%.2f", $1 + $2 }')
		if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN{exit !(a<b)}'; then b=$t; fi
	done
	echo "$b"
}

# sink_start [POSTCONF_SETTING...] : generate the test PKI in $DIR/pki, pick
# two free loopback ports (PT for STARTTLS, PP plain) and start, in $SINK,
# the private Postfix that accepts every message for bench.test and
# discards it (header_checks DISCARD; $PF is tests/deliver/postfix.sh).
# Extra main.cf settings are applied with the defaults.  Calls die() on a
# failure; sink_count prints how many messages it has discarded.
sink_start() {
	sh "$TOP/tests/deliver/pki.sh" "$DIR/pki" >/dev/null 2>&1 || die "PKI"
	chmod 600 "$DIR/pki/client.key"
	read -r PT PP < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
	mkdir -p "$SINK"
	sh "$PF" start "$SINK" "$DIR/pki" "$PT" "$PP" bench.test \
	    >"$DIR/sink.log" 2>&1 ||
	    { cat "$DIR/sink.log" >&2; die "sink Postfix did not start"; }
	echo '/^/ DISCARD bench sink' >"$SINK/discard"
	postconf -c "$SINK" -e "header_checks = regexp:$SINK/discard" \
	    "smtpd_tls_loglevel = 0" "default_process_limit = 200" \
	    "in_flow_delay = 0" "$@"
	postfix -c "$SINK" reload >/dev/null 2>&1
	sleep 1
}
sink_count() { grep -c 'discard: header' "$SINK/maillog" 2>/dev/null; }
