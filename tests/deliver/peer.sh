# SPDX-License-Identifier: ISC
# tests/deliver/peer.sh -- start and stop the scripted SMTP peer
# (tests/deliver/peer.py) from a suite (sourced, bash; uses $TMP).

PEER_PID=

# peer_run PORT SCENARIO CERT KEY CONNS LIFETIME : start the peer on
# 127.0.0.1:PORT; its record in $TMP/rec.  Returns 1 if it is not ready
# within 5 s.
peer_run() {
	rm -f "$TMP/rec" "$TMP/ready"
	python3 tests/deliver/peer.py --port "$1" --scenario "$2" \
	    --cert "$3" --key "$4" --record "$TMP/rec" \
	    --ready "$TMP/ready" --conns "$5" --lifetime "$6" &
	PEER_PID=$!
	for _ in $(seq 100); do [ -e "$TMP/ready" ] && return 0; sleep 0.05; done
	return 1
}

peer_stop() {
	[ -n "$PEER_PID" ] || return 0
	kill "$PEER_PID" 2>/dev/null
	wait "$PEER_PID" 2>/dev/null
	PEER_PID=
}
