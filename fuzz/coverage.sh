#!/bin/sh
# SPDX-License-Identifier: ISC
# coverage.sh COVDIR WORKDIR BUILD -- replay each fuzz target's corpus
# (fuzz/corpus/NAME and WORKDIR/NAME, when it exists) once through its
# coverage build COVDIR/fuzz_NAME and print the line and function coverage
# of the files the target is there to test (llvm-cov report).  The TLS
# files also hold the handshake and connection code, which no fuzz target
# reaches: their percentages are of the whole file.
set -u
cov=$1 work=$2 build=$3
LLVM_COV=${LLVM_COV:-llvm-cov}
LLVM_PROFDATA=${LLVM_PROFDATA:-llvm-profdata}

files_of() {	# the sources each target exercises
	case $1 in
	parser)		echo parser/cfg.c parser/ast.c parser/arena.c \
			    "$build"/parser/parser.c "$build"/parser/lexer.c ;;
	table)		echo runtime/tblr.c ;;
	smtp_reply)	echo runtime/smtp/reply.c ;;
	tls_ciphers|tls_protocols|pem)
			echo runtime/tls/tls.c runtime/tls/tls_openssl.c \
			    runtime/tls/tls_gnutls.c ;;
	gnutls_priority) echo runtime/tls/tls.c runtime/tls/tls_gnutls.c ;;
	*)		echo "" ;;
	esac
}

printf '%-16s %8s %s\n' target inputs "lines / functions covered (file)"
for t in "$cov"/fuzz_*; do
	n=${t##*/fuzz_}
	dirs=fuzz/corpus/$n
	[ -d "$work/$n" ] && dirs="$dirs $work/$n"
	rm -f "$cov/$n".profraw "$cov/$n".profdata
	# -runs=0: run every input of the corpus once, then stop.
	LLVM_PROFILE_FILE="$cov/$n.profraw" "$t" -runs=0 $dirs \
	    >"$cov/$n.replay" 2>&1 || {
		echo "coverage.sh: $n: replay failed (see $cov/$n.replay)" >&2
		exit 1
	}
	inputs=$(ls $dirs | wc -l)
	"$LLVM_PROFDATA" merge -sparse -o "$cov/$n.profdata" "$cov/$n.profraw" ||
		exit 1
	"$LLVM_COV" report "$t" -instr-profile="$cov/$n.profdata" \
	    $(files_of "$n") 2>/dev/null |
	    awk -v n="$n" -v k="$inputs" '
		$1 ~ /\.(c|y|l)$/ || $1 == "TOTAL" {
			# Regions Miss Cover Functions Miss Executed Lines Miss Cover ...
			printf "%-16s %8s %s lines, %s functions (%s)\n", n, k,
			    $10, $7, $1
			n = ""; k = ""
		}'
done
