#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/parser/suite.sh -- the ecelerity.conf parser (parser/) through
# `ectls lint --syntax-only` and `ectls print`:
#
#   corpus     every $SHARED/corpus/valid file parses with no error; every
#              invalid file exits 1 with a located error; every legacy file
#              parses or exits 1 with a located error.  Never a signal,
#              never a hang (each run under `timeout`).
#   err/       golden diagnostics: NN-name.conf -> NN-name.err (stderr,
#              exact, no caret, run from inside err/ so paths are
#              relative); optional NN-name.args (extra lint arguments) and
#              NN-name.status (expected exit status; default 1).
#   ok/        NN-name.conf -> NN-name.out (`print`), round trip (print of
#              the print is identical); NN-name.expanded for
#              `print --expand` where it exists.
#   roundtrip  print -> parse -> print identical over corpus/valid and
#              examples/*.conf.
#   coverage   every diagnostic format string in parser/ is produced by at
#              least one golden or hostile case.
#   discard    `lint --syntax-only` drops each top-level statement once it
#              is parsed; its diagnostics must be exactly those of `print`,
#              which keeps the whole tree (every corpus file, with
#              includes, and every err/ golden input).
#   hostile    tests/parser/hostile.sh (generated inputs).
#
# Regenerate the goldens with tests/parser/update-golden.sh, then review.
set -u
. tests/lib.sh

top=$(pwd)
case $ECTLS in
/*) E=$ECTLS ;;
*) E=$top/$ECTLS ;;
esac
T=${PARSER_TIMEOUT:-20}
HOSTILE_LOG=$TMP/hostile-messages
: >"$HOSTILE_LOG"

# run_lint OUTFILE ERRFILE ARGS... : lint under timeout; sets $rc.
run_lint() {
	local out=$1 err=$2; shift 2
	timeout -k 5 "$T" "$E" lint --syntax-only "$@" >"$out" 2>"$err"
	rc=$?
}

# sane NAME : fail on a signal or a timeout; returns 1 if it failed.
sane() {
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		notok "$1 (hang: killed after ${T}s)"
		return 1
	fi
	if [ "$rc" -gt 128 ]; then
		notok "$1 (killed by signal $((rc - 128)))"
		return 1
	fi
	return 0
}

located='^[^:]+:[0-9]+:[0-9]+: error: '

# ---- corpus ----
for f in "$SHARED"/corpus/valid/*; do
	[ -f "$f" ] || continue
	n="valid/$(basename "$f")"
	run_lint "$TMP/o" "$TMP/e" --no-includes "$f"
	sane "$n" || continue
	if [ "$rc" -eq 0 ] && ! grep -q ': error: ' "$TMP/e"; then
		ok "$n"
	else
		notok "$n (exit $rc)"
		sed 's/^/#   /' "$TMP/e" | head -5
	fi
done
for f in "$SHARED"/corpus/invalid/*; do
	[ -f "$f" ] || continue
	n="invalid/$(basename "$f")"
	run_lint "$TMP/o" "$TMP/e" --no-includes "$f"
	sane "$n" || continue
	if [ "$rc" -eq 1 ] && grep -Eq "$located" "$TMP/e"; then
		ok "$n"
	else
		notok "$n (exit $rc, want 1 with a located error)"
		sed 's/^/#   /' "$TMP/e" | head -5
	fi
done
for f in "$SHARED"/corpus/legacy/*; do
	[ -f "$f" ] || continue
	n="legacy/$(basename "$f")"
	run_lint "$TMP/o" "$TMP/e" --no-includes "$f"
	sane "$n" || continue
	if [ "$rc" -eq 0 ] || { [ "$rc" -eq 1 ] &&
	    grep -Eq "$located" "$TMP/e"; }; then
		ok "$n"
	else
		notok "$n (exit $rc, want 0, or 1 with a located error)"
		sed 's/^/#   /' "$TMP/e" | head -5
	fi
done

# ---- err/ goldens ----
cd "$top/tests/parser/err" || exit 2
for f in *.conf; do
	b=${f%.conf}
	n="err/$b"
	if [ ! -f "$b.err" ]; then
		notok "$n (no $b.err; run tests/parser/update-golden.sh)"
		continue
	fi
	args=()
	[ -f "$b.args" ] && read -r -a args <"$b.args"
	want=1
	[ -f "$b.status" ] && want=$(cat "$b.status")
	run_lint "$TMP/o" "$TMP/e" "${args[@]}" "$f"
	sane "$n" || continue
	if [ "$rc" -ne "$want" ]; then
		notok "$n (exit $rc, want $want)"
		sed 's/^/#   /' "$TMP/e" | head -10
		continue
	fi
	expect_same "$n" "$b.err" "$TMP/e"
done
cd "$top" || exit 2

# ---- discard: syntax-only (tree dropped) reports what print reports ----
nd=0 bad=
for f in "$SHARED"/corpus/*/* tests/parser/err/*.conf examples/*.conf \
    examples/seed/*.conf; do
	[ -f "$f" ] || continue
	(cd "$(dirname "$f")" && timeout -k 5 "$T" "$E" lint --syntax-only \
	    "$(basename "$f")") >/dev/null 2>"$TMP/d1"
	r1=$?
	(cd "$(dirname "$f")" && timeout -k 5 "$T" "$E" print \
	    "$(basename "$f")") >/dev/null 2>"$TMP/d2"
	r2=$?
	nd=$((nd + 1))
	# print reports in the order found, lint in file order.
	sort -o "$TMP/d1" "$TMP/d1"
	sort -o "$TMP/d2" "$TMP/d2"
	if [ "$r1" -ne "$r2" ] || ! cmp -s "$TMP/d1" "$TMP/d2"; then
		bad="$bad $f"
		[ -n "${bad#* * *}" ] || diff "$TMP/d1" "$TMP/d2" | head -5 |
		    sed 's/^/#   /'
	fi
done
if [ -z "$bad" ] && [ "$nd" -gt 250 ]; then
	ok "discard: lint --syntax-only and print report the same over $nd files"
else
	notok "discard: syntax-only differs from print ($nd files):$bad"
fi

# ---- ok/ goldens and round trip ----
# print_rt NAME DIR FILE [ARGS] : print FILE (from DIR), print that again;
# leaves the first print in $TMP/p1.  Returns 1 (after a "not ok") on a
# failure, 0 if both prints ran and are identical.
print_rt() {
	local n=$1 dir=$2 f=$3; shift 3
	(cd "$dir" && timeout -k 5 "$T" "$E" print "$@" "$f") \
	    >"$TMP/p1" 2>"$TMP/pe"
	rc=$?
	sane "$n" || return 1
	if [ "$rc" -ne 0 ]; then
		notok "$n (print exits $rc)"
		sed 's/^/#   /' "$TMP/pe" | head -5
		return 1
	fi
	cp "$TMP/p1" "$TMP/rt.conf"
	timeout -k 5 "$T" "$E" print --no-includes "$TMP/rt.conf" \
	    >"$TMP/p2" 2>"$TMP/pe"
	rc=$?
	sane "$n" || return 1
	if [ "$rc" -ne 0 ] || ! cmp -s "$TMP/p1" "$TMP/p2"; then
		notok "$n (the printed text does not print back the same)"
		diff -u "$TMP/p1" "$TMP/p2" | head -20 | sed 's/^/#   /'
		sed 's/^/#   /' "$TMP/pe" | head -5
		return 1
	fi
	return 0
}

for f in tests/parser/ok/*.conf; do
	b=$(basename "$f" .conf)
	n="ok/$b"
	if [ ! -f "tests/parser/ok/$b.out" ]; then
		notok "$n (no $b.out; run tests/parser/update-golden.sh)"
		continue
	fi
	print_rt "$n" tests/parser/ok "$b.conf" || continue
	expect_same "$n" "tests/parser/ok/$b.out" "$TMP/p1"
	if [ -f "tests/parser/ok/$b.expanded" ]; then
		n="ok/$b --expand"
		print_rt "$n" tests/parser/ok "$b.conf" --expand || continue
		if grep -qiE '^[[:space:]]*(readonly_)?include ' "$TMP/p1"; then
			notok "$n (an include statement is left)"
			continue
		fi
		expect_same "$n" "tests/parser/ok/$b.expanded" "$TMP/p1"
	fi
done

for f in "$SHARED"/corpus/valid/* examples/*.conf; do
	[ -f "$f" ] || continue
	n="roundtrip/$(basename "$f")"
	print_rt "$n" . "$f" --no-includes && ok "$n"
done

# ---- hostile inputs ----
. tests/parser/hostile.sh

# ---- every diagnostic of parser/ has a case ----
# Messages no case can produce, with the reason:
#   "out of memory"                 allocation failure
#   "%s"                            bison's "memory exhausted": its stack
#                                   limit (10000) is out of reach while the
#                                   nesting limit (256) holds
#   "unexpected %s"                 every grammar state expects a token
#   "cannot parse ... input limit"  cfg_parse_mem only (unit test)
python3 - "$top" "$HOSTILE_LOG" <<'EOF'
import glob, re, sys
top, hostile = sys.argv[1], sys.argv[2]
exempt = {"out of memory", "%s", "unexpected %s"}
exempt_prefix = ("cannot parse \\\"%s\\\": ",)
seen = ""
for p in glob.glob(top + "/tests/parser/err/*.err"):
    seen += open(p, encoding="utf-8", errors="replace").read()
seen += open(hostile, encoding="utf-8", errors="replace").read()
fmts = []
for p in sorted(glob.glob(top + "/parser/*.[cly]")):
    src = open(p, encoding="utf-8").read()
    for m in re.finditer(r'\b(cfg_error|cfg_warning|diag_add|diag_note)\s*\(', src):
        # The call's arguments, up to the matching ")".
        i, depth, args = m.end(), 1, []
        cur, lits = "", []
        while i < len(src) and depth > 0:
            c = src[i]
            if c == '"':
                j = i + 1
                while src[j] != '"':
                    j += 2 if src[j] == "\\" else 1
                lits.append(src[i + 1:j])
                cur += "\0"
                i = j + 1
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            if depth == 1 and c == "," or depth == 0:
                args.append((cur.strip(), lits))
                cur, lits = "", []
            else:
                cur += c
            i += 1
        # cfg_error(p, id, loc, fmt, ...), diag_add(d, sev, id, loc, fmt,
        # ...), diag_note(d, it, loc, fmt, ...): the format is argument 3
        # or 4; adjacent literals are one string.
        k = 4 if m.group(1) == "diag_add" else 3
        if len(args) > k and args[k][1]:
            fmts.append((p[len(top) + 1:], "".join(args[k][1])))
bad = 0
for src, fmt in fmts:
    if fmt in exempt or fmt.startswith(exempt_prefix):
        continue
    text = fmt.encode().decode("unicode_escape")
    rx = ""
    for part in re.split(r'(%[-0-9.*]*(?:zu|u|s|c|d|02x|x))', text):
        rx += ".*?" if part.startswith("%") else re.escape(part)
    if re.search(rx, seen):
        print("ok - coverage: " + fmt)
    else:
        print("not ok - coverage: no golden or hostile case prints " + fmt + " (" + src + ")")
EOF
