#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/hostile/suite.sh -- the bad-input campaign: hostile inputs to every
# entry point of ectls and ectls-deliver, all generated here at test time:
# configurations and the TLS files they name, --schema files, tables,
# messages, spool entries (state files of the queue), command-line
# arguments, output paths on a full disk or over RLIMIT_FSIZE, and files
# that change between or during runs.
#
# Each case is one ok/not ok line and checks: the exit status (1 or 2, as
# the command contract says; 75, EX_TEMPFAIL, for ectls-deliver submit on
# a full disk, as ectls-deliver(8) says), a distinctive phrase of the
# error (an ERE on stderr, or on stdout for `verify`), no death by a
# signal, no hang (30 s),
# and, where the command writes a file, that neither the file nor a
# temporary sibling (.NAME.XXXXXX) is left behind.
#
# Tests run as root, so permission bits cannot make a file unreadable:
# directories, FIFOs without a writer, devices, symlink loops, sparse
# oversize files and a small tmpfs (when mount works) stand in.
set -u
. tests/lib.sh

E=$ECTLS
D=$BUILD/ectls-deliver
H=$TMP/h
mkdir -p "$H"
MNT=
trap '[ -n "$MNT" ] && umount "$MNT" 2>/dev/null; rm -rf "$TMP"' EXIT

# hcase NAME [-s] [-n FILE] [-x] WANT ERE -- CMD... :
#   -s       match ERE on stdout instead of stderr
#   -n FILE  FILE must not exist afterwards, nor .BASENAME.* next to it
#   -x       run CMD with SIGXFSZ ignored and `ulimit -f 4` (4 KiB)
hcase() {
	local on=err nofile= xfsz= name="hostile: $1" want ere rc f
	shift
	while :; do
		case $1 in
		-s) on=out; shift ;;
		-n) nofile=$2; shift 2 ;;
		-x) xfsz=1; shift ;;
		*) break ;;
		esac
	done
	want=$1 ere=$2
	shift 3			# WANT ERE --
	if [ -n "$xfsz" ]; then
		(trap '' XFSZ; ulimit -f 4; exec timeout -k 5 30 "$@") \
		    >"$H/out" 2>"$H/err" </dev/null
	else
		timeout -k 5 30 "$@" >"$H/out" 2>"$H/err" </dev/null
	fi
	rc=$?
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		notok "$name (no answer within 30 s)"
		return 1
	fi
	if [ "$rc" -gt 128 ]; then
		notok "$name (killed by signal $((rc - 128)))"
		cut -c 1-200 "$H/err" | head -5 | sed 's/^/#   /'
		return 1
	fi
	if [ "$rc" -ne "$want" ]; then
		notok "$name (exit $rc, want $want)"
		cut -c 1-200 "$H/err" | head -5 | sed 's/^/#   /'
		return 1
	fi
	if ! LC_ALL=C grep -aEq -- "$ere" "$H/$on"; then
		notok "$name (std$on lacks /$ere/)"
		cut -c 1-200 "$H/$on" | head -5 | sed 's/^/#   /'
		return 1
	fi
	if [ -n "$nofile" ]; then
		if [ -e "$nofile" ] || [ -L "$nofile" ]; then
			notok "$name (output \"$nofile\" was left behind)"
			return 1
		fi
		for f in "$(dirname "$nofile")/.$(basename "$nofile")".*; do
			if [ -e "$f" ]; then
				notok "$name (temporary \"$f\" was left behind)"
				return 1
			fi
		done
	fi
	ok "$name"
}

# ---- fixtures --------------------------------------------------------------

# A clean configuration; its table.
cat >"$H/ok.conf" <<'EOF'
tls = ifavailable
tls_protocols = "+ALL:-SSLv2:-SSLv3:-TLSv1.0:-TLSv1.1"
binding "b1" {
  tls = no
}
domain example.com {
  tls = ifavailable
}
EOF
if ! "$E" compile "$H/ok.conf" -o "$H/ok.ectp" 2>"$H/err"; then
	notok "hostile: fixture table compiles"
	sed 's/^/#   /' "$H/err" | head -5
	exit 0
fi
mkfifo "$H/fifo"
mkdir "$H/dir"
ln -s loop-b "$H/loop-a"
ln -s loop-a "$H/loop-b"
long=$(head -c 5000 /dev/zero | tr '\0' a)
# 1 MB of a fixed pseudo-random byte stream (reproducible).
awk 'BEGIN { srand(7); for (i = 0; i < 1048576; i++) printf "%c", int(rand() * 256) }' \
    </dev/null >"$H/random.bin" 2>/dev/null
truncate -s 300M "$H/sparse"

# A configuration whose tls_certificate / tls_key / tls_ca is PATH.
tlsconf() {
	printf 'tls = required\ntls_verify = ca\ntls_protocols = "+ALL:-SSLv2:-SSLv3"\n'
	printf 'tls_%s = "%s"\n' "$1" "$2"
}

# ---- configurations --------------------------------------------------------

hcase "config is a directory" 2 'cannot read ".*/dir": Is a directory' -- \
    "$E" lint "$H/dir"
hcase "config missing" 2 'cannot read ".*/nothere\.conf": No such file or directory' -- \
    "$E" lint "$H/nothere.conf"
hcase "config is a symlink loop" 2 'Too many levels of symbolic links' -- \
    "$E" lint "$H/loop-a"
hcase "config is /dev/zero (compile)" -n "$H/zero.ectp" 2 'cannot read "/dev/zero"' -- \
    "$E" compile /dev/zero -o "$H/zero.ectp"
hcase "config over 1 GiB (sparse)" 2 'cannot read ".*/big\.conf"' -- \
    sh -c 'truncate -s 1100M "$1" && exec "$2" lint "$1"' sh "$H/big.conf" "$E"
rm -f "$H/big.conf"
hcase "config of random bytes (compile)" -n "$H/rnd.ectp" 1 \
    'random\.bin:[0-9]+:[0-9]+: error: .*\[(encoding|syntax)\]' -- \
    "$E" compile "$H/random.bin" -o "$H/rnd.ectp"

printf 'tls = "ab\xff\xfecd"\n' >"$H/utf8.conf"
hcase "config with invalid UTF-8 (compile)" -n "$H/utf8.ectp" 1 \
    ':1:[0-9]+: error: invalid UTF-8' -- "$E" compile "$H/utf8.conf" -o "$H/utf8.ectp"
printf 'tls = ifavailable\ntls_ciphers = "HI\0GH"\n' >"$H/nul.conf"
hcase "config with a NUL byte" 1 ':2:[0-9]+: error: NUL byte' -- \
    "$E" lint "$H/nul.conf"
{ printf 'ehlo_hostname = "'; head -c 1048576 /dev/zero | tr '\0' x; printf '"\n'; } \
    >"$H/long.conf"
hcase "config with a 1 MB string (compile)" -n "$H/long.ectp" 1 'token too long' -- \
    "$E" compile "$H/long.conf" -o "$H/long.ectp"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "binding x {"; print "" }' \
    >"$H/deep.conf"
hcase "config nested 100000 deep" 1 'nesting too deep' -- "$E" lint "$H/deep.conf"
printf 'include "%s"\n' "$H/loop-a" >"$H/incloop.conf"
hcase "include of a symlink loop" 1 'Too many levels of symbolic links' -- \
    "$E" lint "$H/incloop.conf"
printf 'include "incself.conf"\n' >"$H/incself.conf"
hcase "include of itself (compile)" -n "$H/incself.ectp" 1 'error: .*(cycle|includes itself|recurs)' -- \
    "$E" compile "$H/incself.conf" -o "$H/incself.ectp"
printf 'include "%s"\ntls = bogus\n' "$long" >"$H/inclong.conf"
hcase "include of a 5000-byte path" 1 'File name too long' -- "$E" lint "$H/inclong.conf"

# ---- TLS files named by a configuration -------------------------------------

tlsconf certificate "$H/dir" >"$H/c-dir.conf"
hcase "tls_certificate is a directory" 1 'cannot read certificate file ".*": Is a directory \[tls-cert-unreadable\]' -- \
    "$E" lint "$H/c-dir.conf"
tlsconf certificate "$H/fifo" >"$H/c-fifo.conf"
hcase "tls_certificate is a FIFO without a writer" 1 '\[tls-cert-unreadable\]' -- \
    "$E" lint "$H/c-fifo.conf"
tlsconf certificate /dev/zero >"$H/c-zero.conf"
hcase "tls_certificate is /dev/zero" 1 'cannot read certificate file "/dev/zero"' -- \
    "$E" lint "$H/c-zero.conf"
tlsconf key "$H/loop-a" >"$H/k-loop.conf"
hcase "tls_key is a symlink loop" 1 'Too many levels of symbolic links \[tls-key-unreadable\]' -- \
    "$E" lint "$H/k-loop.conf"
tlsconf ca "$H/sparse" >"$H/ca-big.conf"
hcase "tls_ca is a 300 MB sparse file" 1 'cannot read CA file ".*sparse": File too large \[tls-ca-unreadable\]' -- \
    "$E" lint "$H/ca-big.conf"
tlsconf ca "$H/random.bin" >"$H/ca-rnd.conf"
hcase "tls_ca of random bytes" 1 '\[tls-ca-invalid\]' -- "$E" lint "$H/ca-rnd.conf"
printf -- '-----BEGIN CERTIFICATE-----\nMIIB!!notbase64!!\n-----END CERTIFICATE-----\n' \
    >"$H/badpem.crt"
tlsconf certificate "$H/badpem.crt" >"$H/c-badpem.conf"
hcase "tls_certificate with broken base64" 1 '\[tls-cert-invalid\]' -- \
    "$E" lint "$H/c-badpem.conf"
tlsconf certificate "/x/$long" >"$H/c-long.conf"
hcase "tls_certificate path of 5000 bytes" 1 'File name too long \[tls-cert-unreadable\]' -- \
    "$E" lint "$H/c-long.conf"
tlsconf certificate "$H/no"$'\xff'"such.crt" >"$H/c-utf8.conf"
hcase "tls_certificate path with invalid UTF-8" 1 ':[0-9]+:[0-9]+: error: invalid UTF-8 byte 0xff \[encoding\]' -- \
    "$E" lint "$H/c-utf8.conf"

# ---- output files: refused, full disk, file size limit ---------------------

cat >"$H/bad.conf" <<'EOF'
tls = required
tls_protocols = "+ALL"
EOF
hcase "compile with errors writes nothing" -n "$H/bad.ectp" 1 '"[^"]*bad\.ectp" not written' -- \
    "$E" compile "$H/bad.conf" -o "$H/bad.ectp"
cp "$H/ok.ectp" "$H/keep.ectp"
hcase "compile with errors keeps the old table" 1 'not written' -- \
    "$E" compile "$H/bad.conf" -o "$H/keep.ectp"
if cmp -s "$H/ok.ectp" "$H/keep.ectp"; then
	ok "hostile: the old table is byte-for-byte intact"
else
	notok "hostile: the old table is byte-for-byte intact"
fi
hcase "compile -o into a missing directory" -n "$H/none/t.ectp" 2 \
    'cannot create a temporary file for ".*none/t\.ectp": No such file or directory' -- \
    "$E" compile "$H/ok.conf" -o "$H/none/t.ectp"
hcase "compile -o onto a directory" 2 'Is a directory' -- \
    "$E" compile "$H/ok.conf" -o "$H/dir"
if [ -n "$(ls -A "$H/dir")" ] || ls -a "$H" | grep -q '^\.dir\.'; then
	notok "hostile: the directory target is left untouched"
else
	ok "hostile: the directory target is left untouched"
fi
hcase "compile -o with a 5000-byte name" 2 'File name too long' -- \
    "$E" compile "$H/ok.conf" -o "$H/$long"
# A table bigger than 4 KiB: many domains.
{ cat "$H/ok.conf"; i=0; while [ $i -lt 300 ]; do
	printf 'domain d%d.example {\n  tls = required\n  tls_verify = no\n}\n' $i
	i=$((i + 1)); done; } >"$H/many.conf"
hcase "compile -o over RLIMIT_FSIZE" -x -n "$H/fsz.ectp" 2 'File too large' -- \
    "$E" compile --disable tls-unverified "$H/many.conf" -o "$H/fsz.ectp"
mkdir "$H/mnt"
if mount -t tmpfs -o size=64k tmpfs "$H/mnt" 2>/dev/null; then
	MNT=$H/mnt
	dd if=/dev/zero of="$H/mnt/fill" bs=4k 2>/dev/null
	hcase "compile -o on a full disk (tmpfs)" -n "$H/mnt/t.ectp" 2 \
	    'No space left on device' -- "$E" compile "$H/ok.conf" -o "$H/mnt/t.ectp"
	rm -f "$H/mnt/fill"
	dd if=/dev/zero of="$H/mnt/fill" bs=1k count=62 2>/dev/null
	hcase "compile -o on a nearly full disk (tmpfs)" -n "$H/mnt/m.ectp" 2 \
	    'No space left on device' -- \
	    "$E" compile --disable tls-unverified "$H/many.conf" -o "$H/mnt/m.ectp"
	umount "$H/mnt" && MNT=
else
	ok "hostile: compile -o on a full disk # SKIP cannot mount a tmpfs here"
	ok "hostile: compile -o on a nearly full disk # SKIP cannot mount a tmpfs here"
fi

# ---- --schema files ----------------------------------------------------------

hcase "--schema missing" 2 'cannot open ".*nothere\.xml": No such file or directory' -- \
    "$E" lint --schema "$H/nothere.xml" "$H/ok.conf"
hcase "--schema is a directory" 2 'cannot read ".*/dir": Is a directory \[schema\]' -- \
    "$E" lint --schema "$H/dir" "$H/ok.conf"
hcase "--schema is a FIFO without a writer" 2 'Document is empty \[schema\]' -- \
    "$E" lint --schema "$H/fifo" "$H/ok.conf"
hcase "--schema is /dev/zero" 2 'cannot read "/dev/zero": not a regular file or a pipe' -- \
    "$E" lint --schema /dev/zero "$H/ok.conf"
hcase "--schema of 300 MB (sparse)" 2 'file larger than [0-9]+ bytes \[schema\]' -- \
    "$E" lint --schema "$H/sparse" "$H/ok.conf"
cat >"$H/xxe.xml" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE schema [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
<schema version="1"><options><option name="x_opt" type="string" scopes="global"><description>&x;</description></option></options></schema>
EOF
hcase "--schema with an external entity (XXE)" 2 'DOCTYPE declarations are not allowed' -- \
    "$E" lint --schema "$H/xxe.xml" "$H/ok.conf"
if grep -q 'root:' "$H/err" "$H/out"; then
	notok "hostile: the external entity is never read"
else
	ok "hostile: the external entity is never read"
fi
{ echo '<?xml version="1.0"?>'; echo '<!DOCTYPE schema ['
  echo '<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
  prev=a; for n in b c d e f g h i; do
	printf '<!ENTITY %s "' $n; for _ in 1 2 3 4 5 6 7 8 9 10; do printf '&%s;' $prev; done
	printf '">\n'; prev=$n; done
  echo ']>'; echo '<schema version="1"><description>&i;</description></schema>'; } >"$H/lol.xml"
hcase "--schema billion laughs" 2 '(entity|DOCTYPE).*\[schema\]' -- \
    "$E" lint --schema "$H/lol.xml" "$H/ok.conf"
awk 'BEGIN { printf "<schema version=\"1\">"; for (i = 0; i < 20000; i++) printf "<a>";
    for (i = 0; i < 20000; i++) printf "</a>"; print "</schema>" }' >"$H/deep.xml"
hcase "--schema nested 20000 deep" 2 'Excessive depth in document' -- \
    "$E" lint --schema "$H/deep.xml" "$H/ok.conf"
printf '<schema version="1"><options><option name="\xff\xfe" type="string" scopes="global"/></options></schema>' \
    >"$H/utf8.xml"
hcase "--schema with invalid UTF-8" 2 'utf8\.xml:1:[0-9]+: error: Input is not proper UTF-8' -- \
    "$E" lint --schema "$H/utf8.xml" "$H/ok.conf"
hcase "--schema of random bytes" 2 'random\.bin:[0-9]+(:[0-9]+)?: error: .*\[schema\]' -- \
    "$E" lint --schema "$H/random.bin" "$H/ok.conf"

# ---- tables ------------------------------------------------------------------

: >"$H/empty.ectp"
head -c 1000 "$H/ok.ectp" >"$H/trunc.ectp"
cp "$H/ok.ectp" "$H/flip.ectp"
printf '\377' | dd of="$H/flip.ectp" bs=1 seek=1500 conv=notrunc 2>/dev/null
hcase "table empty (dump)" 2 'table "[^"]*empty\.ectp": table is truncated' -- \
    "$E" dump "$H/empty.ectp"
hcase "table truncated (lookup)" 2 'table is truncated' -- \
    "$E" lookup "$H/trunc.ectp" b1 example.com
hcase "table with a flipped byte (verify)" 2 'checksum mismatch' -- \
    "$E" verify "$H/flip.ectp"
hcase "table of random bytes (dump)" 2 'not an ectls table \(bad magic\)' -- \
    "$E" dump "$H/random.bin"
hcase "table is a directory (lookup)" 2 'cannot open table ".*/dir": Is a directory' -- \
    "$E" lookup "$H/dir" b1 example.com
hcase "table is a FIFO without a writer (dump)" 2 'cannot open table ".*/fifo": Invalid argument' -- \
    "$E" dump "$H/fifo"
hcase "table is /dev/zero (dump)" 2 'cannot open table "/dev/zero"' -- \
    "$E" dump /dev/zero
hcase "table is a symlink loop (verify)" 2 'Too many levels of symbolic links' -- \
    "$E" verify "$H/loop-a"
hcase "table 300 MB of zeros (dump)" 2 'not an ectls table \(bad magic\)' -- \
    "$E" dump "$H/sparse"
hcase "diff against a truncated table" 2 'table is truncated' -- \
    "$E" diff "$H/ok.ectp" "$H/trunc.ectp"
hcase "explain of a truncated table" 2 'table is truncated' -- \
    "$E" explain "$H/trunc.ectp" b1 example.com

# ---- files changing between and during runs -----------------------------------

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$H/leaf.key" -out "$H/leaf.crt" -days 3650 -subj /CN=leaf \
    >/dev/null 2>&1
chmod 600 "$H/leaf.key"
cat >"$H/files.conf" <<EOF
tls = required
tls_verify = ca
tls_ca = "$H/leaf.crt"
tls_certificate = "$H/leaf.crt"
tls_key = "$H/leaf.key"
tls_protocols = "+ALL:-SSLv2:-SSLv3:-TLSv1.0:-TLSv1.1"
tls_ciphers = "HIGH:!aNULL"
EOF
if "$E" compile "$H/files.conf" -o "$H/files.ectp" 2>"$H/err"; then
	echo >>"$H/leaf.key"
	hcase "key changed after compile (verify)" -s 1 'changed: .*leaf\.key \(sha256 [0-9a-f]{64} at compile time' -- \
	    "$E" verify "$H/files.ectp"
	rm -f "$H/leaf.crt"
	hcase "certificate removed after compile (verify)" -s 1 'missing: .*leaf\.crt: No such file or directory' -- \
	    "$E" verify "$H/files.ectp"
else
	notok "hostile: a table referencing TLS files compiles"
	sed 's/^/#   /' "$H/err" | head -5
fi

# An included file rewritten in place (truncate, then write) as fast as a
# shell can while lint runs 20 times: every run must end in exit 0 (the
# good text) or 1 with a located error, never a signal or exit 2.
printf 'include "flap.conf"\n' >"$H/flapper.conf"
printf 'tls = ifavailable\n' >"$H/flap.conf"
(
	while [ -e "$H/flapper.conf" ]; do
		printf 'tls = ifavailable\n' >"$H/flap.conf"
		printf 'tls = ifavailable\ntls_ciphers = "HIGH\n' >"$H/flap.conf"
	done
) &
flapper=$!
bad=
for i in $(seq 1 20); do
	timeout -k 5 30 "$E" lint --disable tls-poodle --disable tls-unverified \
	    "$H/flapper.conf" >/dev/null 2>"$H/err"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		continue
	elif [ "$rc" -eq 1 ] && grep -Eq 'flap\.conf:[0-9]+:[0-9]+: error: ' "$H/err"; then
		continue
	fi
	bad="run $i: exit $rc: $(head -c 200 "$H/err")"
	break
done
rm -f "$H/flapper.conf"
kill "$flapper" 2>/dev/null
wait "$flapper" 2>/dev/null
if [ -z "$bad" ]; then
	ok "hostile: an include rewritten during 20 runs: exit 0 or a located error"
else
	notok "hostile: an include rewritten during 20 runs ($bad)"
fi

# ---- command-line arguments ------------------------------------------------------

hcase "unknown command" 2 'unknown command "frobnicate"' -- "$E" frobnicate
hcase "unknown option" 2 'unknown option "--bogus"' -- "$E" lint --bogus "$H/ok.conf"
hcase "--max-errors not a number" 2 '--max-errors wants a number, got "abc"' -- \
    "$E" lint --max-errors abc "$H/ok.conf"
hcase "--max-errors overflows" 2 '--max-errors wants a number, got "9{23}"' -- \
    "$E" lint --max-errors 99999999999999999999999 "$H/ok.conf"
hcase "--now garbage" 2 '--now wants an ISO 8601 UTC time' -- \
    "$E" lint --now 2026-13-45T99:00:00Z "$H/ok.conf"
hcase "--expiry-warn-days negative" 2 '--expiry-warn-days wants a number of days, got "-5"' -- \
    "$E" lint --expiry-warn-days -5 "$H/ok.conf"
hcase "--format unknown" 2 'unknown format "bogus"' -- \
    "$E" lint --format bogus "$H/ok.conf"
hcase "--disable an unknown id" 2 'unknown check "tls-poodel"; did you mean "tls-poodle"' -- \
    "$E" lint --disable tls-poodel "$H/ok.conf"
hcase "--engines unknown" 2 '--engines wants "both" or "policy"' -- \
    "$E" lint --engines sometimes "$H/ok.conf"
hcase "compile without -o" -n "$H/ok.conf.ectp" 2 'compile needs an output table' -- \
    "$E" compile "$H/ok.conf"
hcase "two configuration files" 2 'one configuration file at a time' -- \
    "$E" lint "$H/ok.conf" "$H/ok.conf"
hcase "a 5000-byte file name" 2 'File name too long' -- "$E" lint "$H/$long"
hcase "a file name with a newline and invalid UTF-8" 2 'cannot read ".*": No such file or directory' -- \
    "$E" lint "$H/no"$'\n'"such"$'\xff'".conf"
hcase "lookup without its arguments" 2 'usage: ectls lookup' -- "$E" lookup "$H/ok.ectp"
hcase "--option with a 100 KB value" 2 'unknown format "z{200}' -- \
    "$E" lint --format "$(head -c 100000 /dev/zero | tr '\0' z)" "$H/ok.conf"

# ---- ectls-deliver: messages and arguments ---------------------------------------

printf 'Subject: t\r\n\r\nhello\r\n' >"$H/msg"
printf 'Subject: t\r\n\r\nhel\0lo\r\n' >"$H/msg-nul"
{ printf 'Subject: t\r\n\r\n'; head -c 2000 /dev/zero | tr '\0' x; printf '\r\n'; } >"$H/msg-long"
: >"$H/msg-empty"
SUB=("$D" submit --from a@example.net --to b@example.com --spool)
hcase "submit a message with a NUL byte" -n "$H/sp1" 2 'msg-nul:3:4: NUL byte in the message' -- \
    "${SUB[@]}" "$H/sp1" "$H/msg-nul"
hcase "submit a 2000-octet line" -n "$H/sp2" 2 'msg-long:3: line longer than 998 octets' -- \
    "${SUB[@]}" "$H/sp2" "$H/msg-long"
hcase "submit an empty message" -n "$H/sp3" 2 'msg-empty: empty message' -- \
    "${SUB[@]}" "$H/sp3" "$H/msg-empty"
hcase "submit /dev/zero" -n "$H/sp4" 2 'cannot read message "/dev/zero": File too large' -- \
    "${SUB[@]}" "$H/sp4" /dev/zero
hcase "submit a directory as the message" -n "$H/sp5" 2 'cannot read message ".*/dir"' -- \
    "${SUB[@]}" "$H/sp5" "$H/dir"
hcase "submit into a spool that is a file" 2 'error: .*ok\.conf' -- \
    "${SUB[@]}" "$H/ok.conf" "$H/msg"
SND=("$D" send --from a@example.net --table)
hcase "send with a truncated table" 2 'cannot open table ".*trunc\.ectp": table is truncated' -- \
    "${SND[@]}" "$H/trunc.ectp" --to b@example.com "$H/msg"
hcase "send with a FIFO as the table" 2 'cannot open table ".*fifo": Invalid argument' -- \
    "${SND[@]}" "$H/fifo" --to b@example.com "$H/msg"
hcase "send a missing message" 2 'cannot read message ".*nothere": No such file or directory' -- \
    "${SND[@]}" "$H/ok.ectp" --to b@example.com "$H/nothere"
hcase "send with --log a directory" 2 'cannot open log ".*/dir": Is a directory' -- \
    "${SND[@]}" "$H/ok.ectp" --to b@example.com --log "$H/dir" "$H/msg"
hcase "send to an address without a domain" 2 'invalid recipient address "nobody"' -- \
    "${SND[@]}" "$H/ok.ectp" --to nobody "$H/msg"
hcase "send from a 100 KB address" 2 'invalid sender address' -- \
    "$D" send --table "$H/ok.ectp" --from "$(head -c 100000 /dev/zero | tr '\0' a)@example.net" \
    --to b@example.com "$H/msg"
hcase "send with --log-format unknown" 2 '--log-format must be text or json, got "xml"' -- \
    "${SND[@]}" "$H/ok.ectp" --to b@example.com --log-format xml "$H/msg"
hcase "send with a 5000-byte binding" 2 'invalid binding name' -- \
    "${SND[@]}" "$H/ok.ectp" --binding "$long" --to b@example.com "$H/msg"
hcase "send with a garbage --resolve" 2 'resolve' -- \
    "${SND[@]}" "$H/ok.ectp" --resolve 'no-colon-here' --to b@example.com "$H/msg"

# ---- spool entries ------------------------------------------------------------

# spool_entry NAME: a spool $H/NAME holding one queued message; sets $sid
# to its queue ID and $st to its state file.
spool_entry() {
	sid=$("$D" submit --spool "$H/$1" --from a@example.net \
	    --to b@example.com "$H/msg" 2>"$H/err")
	st=$H/$1/queue/$sid
	if [ -z "$sid" ] || [ ! -f "$st" ]; then
		notok "hostile: spool fixture $1: submit failed"
		sed 's/^/#   /' "$H/err" | head -5
		return 1
	fi
}
Q=("$D" queue --spool)
if spool_entry q1; then
	printf 'garbage\n' >"$st"
	hcase "spool: state file of garbage (queue)" 1 \
	    "q1/queue/$sid: malformed state file at line 1" -- "${Q[@]}" "$H/q1"
fi
if spool_entry q2; then
	sed -i '/^end$/d' "$st"
	hcase "spool: state file without its end line (queue)" 1 \
	    "q2/queue/$sid: truncated or incomplete state file" -- "${Q[@]}" "$H/q2"
fi
if spool_entry q3; then
	sed -i 's/^binding default$/binding def\x00ault/' "$st"
	hcase "spool: state file with a NUL byte (queue)" 1 \
	    "q3/queue/$sid: NUL byte in state file" -- "${Q[@]}" "$H/q3"
fi
if spool_entry q4; then
	sed -i 's/^id .*/id 0123456789ABCDEF/' "$st"
	hcase "spool: state file naming another ID (queue)" 1 \
	    "q4/queue/$sid: state file names ID \"0123456789ABCDEF\"" -- \
	    "${Q[@]}" "$H/q4"
fi
if spool_entry q5; then
	n=$(grep -n '^rcpt ' "$st" | cut -d: -f1)
	sed -i 's/^rcpt P /rcpt X /' "$st"
	hcase "spool: recipient with an unknown status (queue)" 1 \
	    "q5/queue/$sid: malformed state file at line $n" -- "${Q[@]}" "$H/q5"
fi
if spool_entry q6; then
	n=$(grep -n '^attempts ' "$st" | cut -d: -f1)
	sed -i 's/^attempts .*/attempts 99999999999999999999999/' "$st"
	hcase "spool: attempts overflowing (queue)" 1 \
	    "q6/queue/$sid: malformed state file at line $n" -- "${Q[@]}" "$H/q6"
fi
if spool_entry q7; then
	n=$(grep -n '^from ' "$st" | cut -d: -f1)
	sed -i "s/^from .*/from <$(head -c 300 /dev/zero | tr '\0' a)@example.net>/" "$st"
	hcase "spool: 300-byte sender (queue)" 1 \
	    "q7/queue/$sid: malformed state file at line $n" -- "${Q[@]}" "$H/q7"
fi
if spool_entry q8; then
	sed -i 's/^end$/last_port 70000\nend/' "$st"
	n=$(grep -n '^last_port ' "$st" | cut -d: -f1)
	hcase "spool: port 70000 in the last attempt (queue)" 1 \
	    "q8/queue/$sid: malformed state file at line $n" -- "${Q[@]}" "$H/q8"
fi
if spool_entry q9; then
	rm -f "$st"
	ln -s "$H/loop-a" "$st"
	hcase "spool: state file is a symlink loop (queue)" 1 \
	    "q9/queue/$sid: not a regular file \\(a symbolic link\\)" -- \
	    "${Q[@]}" "$H/q9"
fi
if spool_entry q10; then
	{ sed '/^end$/d' "$st"; i=0; while [ $i -lt 1001 ]; do
		printf 'rcpt P r%d@example.com \n' $i; i=$((i + 1)); done
	  echo end; } >"$H/q10.st"
	mv "$H/q10.st" "$st"
	hcase "spool: 1001 recipients (queue)" 1 \
	    "q10/queue/$sid: malformed state file at line" -- "${Q[@]}" "$H/q10"
fi
hcase "spool: --spool is a regular file (queue)" 2 \
    'cannot open spool ".*ok\.conf": Not a directory' -- "${Q[@]}" "$H/ok.conf"
hcase "spool: --spool missing (queue)" 2 \
    'cannot open spool ".*nospool": No such file or directory' -- \
    "${Q[@]}" "$H/nospool"
if [ -e "$H/nospool" ]; then
	notok "hostile: queue does not create a missing spool"
else
	ok "hostile: queue does not create a missing spool"
fi
hcase "spool: run with a spool that is a file" 2 \
    'Not a directory' -- "$D" run --once --spool "$H/ok.conf" --table "$H/ok.ectp"
hcase "spool: run with a truncated table" 2 \
    'cannot open table ".*trunc\.ectp": table is truncated' -- \
    "$D" run --once --spool "$H/q1" --table "$H/trunc.ectp"
hcase "spool: submit with 1001 recipients" -n "$H/sp6" 2 'recipient' -- \
    "$D" submit --spool "$H/sp6" --from a@example.net \
    $(i=0; while [ $i -lt 1001 ]; do printf -- '--to r%d@example.com ' $i; i=$((i + 1)); done) \
    "$H/msg"

# A full disk under submit: exit 75 (EX_TEMPFAIL, the caller retries),
# the reason, and nothing of the message in the spool, not even in tmp/.
{ printf 'Subject: big\r\n\r\n'; i=0; while [ $i -lt 200 ]; do
	printf 'line %d of a message of more than four kibibytes\r\n' $i
	i=$((i + 1)); done; } >"$H/msg-big"
mkdir -p "$H/spf"
hcase "spool: submit over RLIMIT_FSIZE" -x 75 \
    'cannot queue the message for example\.com: cannot write .*/tmp/[0-9A-F]+\.msg: File too large' -- \
    "${SUB[@]}" "$H/spf" "$H/msg-big"
left=$(find "$H/spf" -type f)
[ -z "$left" ] && ok "hostile: spool: nothing left after a submit over RLIMIT_FSIZE" ||
    notok "hostile: spool: submit over RLIMIT_FSIZE left: $left"
mkdir -p "$H/mnt2"
if mount -t tmpfs -o size=64k tmpfs "$H/mnt2" 2>/dev/null; then
	MNT=$H/mnt2
	"${SUB[@]}" "$H/mnt2/sp" "$H/msg" >/dev/null 2>&1
	before=$(cd "$H/mnt2/sp" && find . -type f | sort)
	dd if=/dev/zero of="$H/mnt2/fill" bs=4k 2>/dev/null
	hcase "spool: submit on a full disk (tmpfs)" 75 \
	    'cannot write .*/tmp/[0-9A-F]+\.msg: No space left on device' -- \
	    "${SUB[@]}" "$H/mnt2/sp" "$H/msg-big"
	after=$(cd "$H/mnt2/sp" && find . -type f | sort)
	if [ -n "$before" ] && [ "$before" = "$after" ]; then
		ok "hostile: spool: a submit on a full disk adds no file and keeps the queued one"
	else
		notok "hostile: spool: full-disk submit changed the spool: $(echo $after)"
	fi
	umount "$H/mnt2" && MNT=
else
	ok "hostile: spool: submit on a full disk # SKIP cannot mount a tmpfs here"
	ok "hostile: spool: a submit on a full disk adds no file # SKIP no tmpfs"
fi

# run --once meets a malformed entry: it logs it once, leaves it byte for
# byte where it is and delivers nothing (it exits 0: a daemon goes on; see
# ectls-deliver(8) CAVEATS).
if spool_entry q11; then
	d=$H/q11
	printf 'garbage\n' >"$st"
	cp "$st" "$H/q11.before"
	timeout -k 5 30 "$D" run --once --spool "$d" --table "$H/ok.ectp" \
	    --log "$H/q11.log" >/dev/null 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && cmp -s "$st" "$H/q11.before" &&
	    [ -f "$d/msg/$sid" ] &&
	    grep -q "$sid: unreadable, left alone: .*q11/queue/$sid: malformed state file at line 1" \
	    "$H/q11.log" && [ -z "$(find "$d/failed" "$d/defer" -type f)" ]; then
		ok "hostile: spool: run --once leaves a malformed entry intact and logs it"
	else
		notok "hostile: spool: run --once leaves a malformed entry intact and logs it (exit $rc)"
		head -5 "$H/q11.log" | sed 's/^/#   /'
	fi
fi

# A state file that is not a regular file, or too large, is refused with
# its path (the old reader waited for ever on a FIFO, took a directory for
# a truncated file, and reported a 3 MiB file as no error at all).
if spool_entry q12; then
	rm -f "$st"
	mkfifo "$st"
	hcase "spool: state file is a FIFO (queue)" 1 \
	    "q12/queue/$sid: not a regular file \(a FIFO\)" -- "${Q[@]}" "$H/q12"
fi
if spool_entry q13; then
	truncate -s 3M "$st"
	hcase "spool: state file of 3 MiB (queue)" 1 \
	    "q13/queue/$sid: state file larger than 2 MiB" -- "${Q[@]}" "$H/q13"
fi
if spool_entry q14; then
	rm -f "$st"
	mkdir "$st"
	hcase "spool: state file is a directory (queue)" 1 \
	    "q14/queue/$sid: not a regular file \(a directory\)" -- \
	    "${Q[@]}" "$H/q14"
fi
# A malformed state file in defer/ is named there, not in queue/.
if spool_entry q15; then
	printf 'garbage\n' >"$H/q15/defer/$sid"
	rm -f "$st"
	hcase "spool: malformed deferred state file names defer/ (queue)" 1 \
	    "q15/defer/$sid: malformed state file at line 1" -- \
	    "${Q[@]}" "$H/q15"
fi

# run_once NAME SPOOL ERE: run --once on $H/SPOOL; it must stop by itself
# (exit 0) within 30 s, log ERE once, and leave the state file $st and
# what is in msg/ as they were, with nothing moved to defer/ or failed/.
run_once() {
	local name="hostile: spool: $1" d=$H/$2 ere=$3 rc before after
	before=$(ls -l "$st" "$d/msg" 2>&1)
	timeout -k 5 30 "$D" run --once --spool "$d" --table "$H/ok.ectp" \
	    --log "$H/$2.log" >/dev/null 2>&1 </dev/null
	rc=$?
	after=$(ls -l "$st" "$d/msg" 2>&1)
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		notok "$name (no answer within 30 s)"
	elif [ "$rc" -ne 0 ]; then
		notok "$name (exit $rc, want 0)"
	elif [ "$(grep -cE -- "$ere" "$H/$2.log")" -ne 1 ]; then
		notok "$name (log lacks one /$ere/)"
		head -5 "$H/$2.log" | sed 's/^/#   /'
	elif [ "$before" != "$after" ] ||
	    [ -n "$(find "$d/failed" "$d/defer" -mindepth 1)" ]; then
		notok "$name (the entry was changed)"
	else
		ok "$name"
	fi
}
if spool_entry q16; then
	rm -f "$st"
	mkfifo "$st"
	run_once "run --once leaves a FIFO state file alone and stops" q16 \
	    "$sid: unreadable, left alone: .*q16/queue/$sid: not a regular file \(a FIFO\)"
fi
# A state file whose message is gone: logged, left alone, never a hang;
# queue names it and exits 1.
if spool_entry q17; then
	rm -f "$H/q17/msg/$sid"
	run_once "run --once leaves a state file without its message alone and stops" \
	    q17 "$sid: unreadable, left alone: .*q17/msg/$sid: message file missing"
	hcase "spool: state file without its message (queue)" 1 \
	    "q17/msg/$sid: message file missing" -- "${Q[@]}" "$H/q17"
fi
if spool_entry q18; then
	rm -f "$H/q18/msg/$sid"
	mkfifo "$H/q18/msg/$sid"
	run_once "run --once leaves a message that is a FIFO alone and stops" \
	    q18 "$sid: unreadable, left alone: .*q18/msg/$sid: not a regular file \(a FIFO\)"
fi
