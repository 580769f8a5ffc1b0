# SPDX-License-Identifier: ISC
# tests/parser/hostile.sh -- hostile inputs, generated at test time.  Sourced
# by tests/parser/suite.sh (which provides run_lint, sane, $E, $TMP, $T and
# $HOSTILE_LOG); each case wants a specific error, exit 1 or 2, no signal
# and no hang.
#
# Input policy (parser/cfg.c): only regular files and pipes are read, at
# most 1 GiB each; a directory, a device (/dev/zero never ends) or a larger
# file cannot be read (exit 2).

H=$TMP/hostile
mkdir -p "$H"

# hostile NAME WANT_STATUS PATTERN FILE [LINT ARGS...] : lint FILE, expect
# the status and an ERE matching one line of stderr (PATTERN "-": stderr
# must be empty).
hostile() {
	local n="hostile/$1" want=$2 pat=$3 f=$4; shift 4
	run_lint "$H/out" "$H/err" "$@" "$f"
	cat "$H/err" >>"$HOSTILE_LOG"
	sane "$n" || return 1
	if [ "$rc" -ne "$want" ]; then
		notok "$n (exit $rc, want $want)"
		sed 's/^/#   /' "$H/err" | head -5
		return 1
	fi
	if [ "$pat" = - ] && [ -s "$H/err" ]; then
		notok "$n (unexpected output)"
		sed 's/^/#   /' "$H/err" | head -5
		return 1
	fi
	if [ "$pat" != - ] && ! grep -Eq -- "$pat" "$H/err"; then
		notok "$n (no line matches: $pat)"
		sed 's/^/#   /' "$H/err" | head -5
		return 1
	fi
	ok "$n"
}

# Bytes from a fixed seed (reproducible "random binary").
python3 - "$H" <<'EOF'
import os, random, sys
h = sys.argv[1]
rnd = random.Random(20261129)
open(h + "/random.bin", "wb").write(bytes(rnd.getrandbits(8) for _ in range(200000)))
# Configuration text with NUL bytes sprinkled in, and one at a known place.
open(h + "/nul.conf", "wb").write(b"Server_Name = mail.example.com\nBan\0ner = x\n" +
    bytes(rnd.choice(b"ab =\n{}\0\"") for _ in range(20000)))
open(h + "/token.conf", "wb").write(b"Name = " + b"a" * (1 << 20) + b"\n")
open(h + "/string.conf", "wb").write(b"Name = \"" + b"b" * (1 << 20) + b"\"\n")
open(h + "/braces.conf", "wb").write(b"x{" * 100000 + b"}" * 100000 + b"\n")
open(h + "/parens.conf", "wb").write(b"List = " + b"(" * 100000 + b")" * 100000 + b"\n")
open(h + "/brackets.conf", "wb").write(b"Dict = " + b"[k=" * 100000 + b"]" * 100000 + b"\n")
open(h + "/utf8.conf", "wb").write(b"Banner = \"caf\xe9\"\nOverlong = \"\xc0\xaf\"\n")
open(h + "/legacy-lt.conf", "wb").write(b"a = " + b"<x=" * 200000 + b"\n")
open(h + "/lines.conf", "wb").write(b"\n" * 2000000 + b"Last = 1\n")
EOF

hostile random-binary 1 "$located" "$H/random.bin"
hostile nul-bytes 1 '^[^:]+:2:4: error: NUL byte in input' "$H/nul.conf"
hostile 1mb-word 1 'error: token too long \(1048576 bytes; the limit is 65536\)' \
    "$H/token.conf"
hostile 1mb-string 1 'error: token too long \(1048576 bytes; the limit is 65536\)' \
    "$H/string.conf"
hostile 100000-braces 1 \
    ':1:514: error: nesting too deep \(more than 256 levels of "\{", "\(" and "\["\)' \
    "$H/braces.conf"
hostile 100000-parens 1 ':1:264: error: nesting too deep' "$H/parens.conf"
hostile 100000-brackets 1 ':1:776: error: nesting too deep' "$H/brackets.conf"
hostile invalid-utf8 1 ':1:14: error: invalid UTF-8 byte 0xe9' "$H/utf8.conf"
hostile many-attrs-one-line 1 "$located" "$H/legacy-lt.conf" --max-errors 3
hostile 2m-empty-lines 0 - "$H/lines.conf"

mkdir -p "$H/dir"
hostile directory 2 "^ectls: fatal error: cannot read \"$H/dir\": Is a directory\$" \
    "$H/dir"
hostile dev-zero 2 \
    '^ectls: fatal error: cannot read "/dev/zero": not a regular file or a pipe$' \
    /dev/zero
: >"$H/empty.conf"
hostile empty-file 0 - "$H/empty.conf"
truncate -s 1025M "$H/huge.conf"
hostile over-1gib 2 \
    'cannot read ".*huge.conf": larger than the input limit of 1073741824 bytes' \
    "$H/huge.conf"
rm -f "$H/huge.conf"
hostile missing-file 2 '^ectls: fatal error: cannot read ".*nothere.conf": No such file or directory$' \
    "$H/nothere.conf"
mkfifo "$H/fifo"
hostile fifo-no-writer 0 - "$H/fifo"

# Includes: a cycle through three files, a symlink loop, nesting 64 (fine)
# and 65 (an error naming the chain).
mkdir -p "$H/cyc"
printf 'include b.conf\n' >"$H/cyc/a.conf"
printf 'x {\n\tinclude c.conf\n}\n' >"$H/cyc/b.conf"
printf 'include a.conf\n' >"$H/cyc/c.conf"
hostile include-cycle 1 \
    'c.conf:1:9: error: include cycle: ".*/a.conf" -> ".*/b.conf" -> ".*/c.conf" -> ".*/a.conf"' \
    "$H/cyc/a.conf"
ln -s loop.conf "$H/cyc/loop.conf"
printf 'include loop.conf\n' >"$H/cyc/top.conf"
hostile include-symlink-loop 1 \
    'top.conf:1:9: error: cannot include ".*loop.conf": Too many levels of symbolic links' \
    "$H/cyc/top.conf"
hostile symlink-loop-input 2 'cannot read ".*loop.conf": Too many levels of symbolic links' \
    "$H/cyc/loop.conf"

# i.conf includes (i+1).conf; 65.conf includes nothing.  From 1.conf that
# is 64 levels of includes (the limit); from 0.conf, 65.
mkdir -p "$H/deep"
for i in $(seq 0 64); do
	printf 'Level%d = %d\ninclude %d.conf\n' "$i" "$i" $((i + 1)) \
	    >"$H/deep/$i.conf"
done
printf 'Bottom = 1\n' >"$H/deep/65.conf"
hostile include-depth-64 0 - "$H/deep/1.conf"
if hostile include-depth-65 1 \
    '64.conf:2:9: error: cannot include ".*/65.conf": includes nested more than 64 levels deep' \
    "$H/deep/0.conf"; then
	# The chain: one "included from here" note per including file.
	nn=$(grep -c ': note: included from here$' "$H/err")
	if [ "$nn" -eq 64 ]; then
		ok "hostile/include-depth-65 names the chain"
	else
		notok "hostile/include-depth-65 names the chain ($nn notes, want 64)"
	fi
fi
