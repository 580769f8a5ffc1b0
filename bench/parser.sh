#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# bench/parser.sh -- parser throughput and memory on a generated
# 1,000,200-line ecelerity.conf (`make bench-parser`).
#
# Input: 100 bindings; each holds 2,000 domain stanzas of 5 lines
#
#	binding "bNN" {
#		domain dNNNN.bNN.example.com {
#			tls = required
#			tls_certificate = "/etc/ecelerity/tls/bNN.pem"
#			tls_ciphers = "ECDHE+AESGCM:!aNULL:!MD5"
#		}
#		... 2,000 stanzas ...
#	}
#
# i.e. 100 x 2,000 x 5 = 1,000,000 stanza lines plus 200 binding lines.
# Measures `ectls lint --syntax-only` (parse only, includes followed):
# best wall time of 3 runs -> MB/s, and peak RSS (/usr/bin/time -v) against
# the input size.  Targets: >= 50 MB/s, peak RSS < 4x the input.
#   ECTLS=build/ectls BENCH_DIR=build/bench bench/parser.sh
set -u
ECTLS=${ECTLS:-build/ectls}
DIR=${BENCH_DIR:-build/bench}
RUNS=${BENCH_RUNS:-3}
mkdir -p "$DIR"
conf=$DIR/parser-1m.conf

if [ ! -s "$conf" ] || [ "$0" -nt "$conf" ]; then
	awk 'BEGIN {
		for (b = 0; b < 100; b++) {
			printf "binding \"b%02d\" {\n", b
			for (d = 0; d < 2000; d++) {
				printf "\tdomain d%04d.b%02d.example.com {\n", d, b
				printf "\t\ttls = required\n"
				printf "\t\ttls_certificate = \"/etc/ecelerity/tls/b%02d.pem\"\n", b
				printf "\t\ttls_ciphers = \"ECDHE+AESGCM:!aNULL:!MD5\"\n"
				printf "\t}\n"
			}
			printf "}\n"
		}
	}' >"$conf.tmp" && mv "$conf.tmp" "$conf"
fi
bytes=$(wc -c <"$conf")
lines=$(wc -l <"$conf")
echo "parser: input $conf: $lines lines, $bytes bytes"

best=
for i in $(seq 1 "$RUNS"); do
	s=$(date +%s%N)
	"$ECTLS" lint --syntax-only "$conf" >/dev/null 2>"$DIR/parser.err"
	rc=$?
	e=$(date +%s%N)
	if [ "$rc" -ne 0 ]; then
		echo "parser: lint exited $rc" >&2
		head -5 "$DIR/parser.err" >&2
		exit 1
	fi
	ns=$((e - s))
	echo "parser: run $i: $((ns / 1000000)) ms"
	if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then best=$ns; fi
done
awk -v b="$bytes" -v ns="$best" 'BEGIN {
	printf "parser: best of runs: %.1f ms, %.1f MB/s (target >= 50)\n",
	    ns / 1e6, b / 1e6 / (ns / 1e9)
}'

if [ -x /usr/bin/time ]; then
	/usr/bin/time -v "$ECTLS" lint --syntax-only "$conf" >/dev/null \
	    2>"$DIR/parser.time"
	kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' \
	    "$DIR/parser.time")
	us=$(sed -n 's/^[[:space:]]*User time (seconds): //p' "$DIR/parser.time")
	sy=$(sed -n 's/^[[:space:]]*System time (seconds): //p' "$DIR/parser.time")
	# CPU time is steadier than wall time on a busy machine.
	awk -v kb="$kb" -v b="$bytes" -v us="$us" -v sy="$sy" 'BEGIN {
		printf "parser: peak RSS %.1f MB = %.2fx the input (target < 4x)\n",
		    kb * 1024 / 1e6, kb * 1024 / b
		if (us + sy > 0)
			printf "parser: CPU %.2f s user + %.2f s sys = %.1f MB per CPU second\n",
			    us, sy, b / 1e6 / (us + sy)
	}'
	# --syntax-only drops each top-level statement once parsed; the
	# whole tree, as lint, compile and print keep it, for comparison.
	/usr/bin/time -v "$ECTLS" print "$conf" >/dev/null 2>"$DIR/parser.time"
	kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' \
	    "$DIR/parser.time")
	awk -v kb="$kb" -v b="$bytes" 'BEGIN {
		printf "parser: with the whole tree kept (ectls print): peak RSS %.1f MB = %.2fx the input\n",
		    kb * 1024 / 1e6, kb * 1024 / b
	}'
else
	echo "parser: peak RSS not measured (no /usr/bin/time; install \"time\")"
fi
