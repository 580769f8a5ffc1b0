#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# suite.sh -- the policy table: the library on its own (libtest), and the
# table commands (lookup, dump, diff, verify) on tables built by mktable.
cd "$(dirname "$0")/../.." || exit 2
source tests/lib.sh

MK=$BUILD/tests/table/mktable
LT=$BUILD/tests/table/libtest
D=tests/table

# Flip one byte of a file in place (offset, xor mask).
flip() {
	python3 -c 'import sys
p, o, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = bytearray(open(p, "rb").read()); b[o] ^= m; open(p, "wb").write(b)' "$@"
}

expect_status 0 "mktable builds basic.desc" $MK $D/basic.desc "$TMP/t.ectp"
expect_status 0 "libectls alone (ectls.h + libectls.a only)" $LT "$TMP/t.ectp"
if nm "$LT" | grep -Eq ' [TU] (tblw_|diag_add|cfg_yy|xml)'; then
	notok "libtest links front-end code"
else
	ok "libtest links no front-end code"
fi

# Reproducible: same description twice, and with lines reordered.
$MK $D/basic.desc "$TMP/t2.ectp"
expect_same "same input, same bytes" "$TMP/t.ectp" "$TMP/t2.ectp"
{ grep -v '^key ' $D/basic.desc; grep '^key ' $D/basic.desc | tac; } \
    >"$TMP/reordered.desc"
$MK "$TMP/reordered.desc" "$TMP/t3.ectp"
expect_same "insertion order does not change the bytes" "$TMP/t.ectp" \
    "$TMP/t3.ectp"

# Relative provenance: entries that differ only by their stanza's lines
# share one policy record, each still reporting its own lines; long
# domains (KEYX) and a long binding name, looked up case-folded.
LB=outbound-pool-with-a-rather-long-binding-name-for-testing
expect_status 0 "mktable builds long.desc" $MK $D/long.desc "$TMP/long.ectp"
expect_status 0 "dump json of long.desc" $ECTLS dump --format json "$TMP/long.ectp"
if jq -e --arg b "$LB" '
    [.entries[] | select(.binding == $b and .kind == "exact")] as $e |
    ($e | length) == 3 and ([$e[].policy_index] | unique | length) == 1 and
    ([$e[] | .provenance.tls.line] | sort) == [100, 100, 200] and
    ([$e[] | .provenance.gateway.line] | sort) == [101, 101, 201] and
    ([$e[] | .provenance.tls_verify.line] | unique) == [20]' \
    "$TMP/out" >/dev/null; then
	ok "shared record, per-entry provenance lines"
else
	notok "shared record, per-entry provenance lines"
fi
$ECTLS lookup "$TMP/long.ectp" "$LB" MAIL.A-Fairly-Long-Subdomain.EXAMPLE.co.uk. >"$TMP/out"
if grep -q '^# matched: exact domain' "$TMP/out" &&
    grep -q '^tls = required  # ecelerity.conf:100 (B::D)' "$TMP/out"; then
	ok "long domain found case-folded, with its own line"
else
	notok "long domain found case-folded, with its own line"
fi
$ECTLS lookup "$TMP/long.ectp" "$LB" mail.a-fairly-long-subdomain.example.co.ukx >"$TMP/out"
grep -q '^# matched: binding record' "$TMP/out" &&
    ok "long domain with one more byte misses" ||
    notok "long domain with one more byte misses"

# The fuzz seeds are these descriptions in the current format.
for n in basic long minimal; do
	$MK $D/$n.desc "$TMP/seed.ectp"
	expect_same "fuzz seed $n.ectp is current" \
	    fuzz/corpus/table/$n.ectp "$TMP/seed.ectp"
done

# lookup, text.
expect_status 0 "lookup exact" $ECTLS lookup "$TMP/t.ectp" mta1 EXAMPLE.com.
cat >"$TMP/want" <<'EOF'
binding = "mta1"
domain = "EXAMPLE.com."
# matched: exact domain
tls = required  # ecelerity.conf:20 (B)
tls_ifavailable_fallback = true  # default
tls_verify = ca  # ecelerity.conf:30 (B::D)
tls_ca = "/etc/ssl/ca.pem"  # ecelerity.conf:22 (B)
tls_certificate = (unset)  # default
EOF
head -8 "$TMP/out" >"$TMP/got"
expect_same "lookup text output" "$TMP/want" "$TMP/got"
if grep -qx 'routes = ("mx1.example.net" "mx2.example.net")  # ecelerity.conf:32 (B::D)' "$TMP/out"; then
	ok "lookup shows lists and provenance"
else
	notok "lookup shows lists and provenance"
fi

# lookup --json: option names as keys, JSON types.
expect_status 0 "lookup --json" $ECTLS lookup --json "$TMP/t.ectp" mta1 example.com
if jq -e '.binding == "mta1" and .domain == "example.com" and
    .tls == "required" and .tls_verify == "ca" and .tls_key == null and
    .tls_ifavailable_fallback == true and .remote_smtp_port == 2525 and
    .routes == ["mx1.example.net","mx2.example.net"] and
    .tls_protocols == "+ALL:-SSLv2:-SSLv3" and .tls_engine == "openssl" and
    .gateway == "smarthost.example.net:2525" and .use_dane == false' \
    "$TMP/out" >/dev/null; then
	ok "lookup --json values and types"
else
	notok "lookup --json values and types"
	sed 's/^/#   /' "$TMP/out"
fi
$ECTLS lookup --json "$TMP/t.ectp" mta1 mx3.corp.example >"$TMP/out"
if jq -e '.tls == "no"' "$TMP/out" >/dev/null; then
	ok "lookup regex domain"
else
	notok "lookup regex domain"
fi
$ECTLS lookup --json "$TMP/t.ectp" unknown-binding example.com >"$TMP/out"
if jq -e '.tls == "ifavailable" and .tls_certificate == "/etc/ssl/client.pem" and .binding == "unknown-binding"' "$TMP/out" >/dev/null; then
	ok "lookup unknown binding uses default"
else
	notok "lookup unknown binding uses default"
fi
$ECTLS lookup "$TMP/t.ectp" mta1 other.test >"$TMP/out"
if grep -q '^# matched: binding record' "$TMP/out" &&
    grep -q '^tls_verify = host' "$TMP/out"; then
	ok "lookup falls back to the binding record"
else
	notok "lookup falls back to the binding record"
fi

# dump.
expect_status 0 "dump text" $ECTLS dump "$TMP/t.ectp"
if [ "$(grep -c '^\[binding ' "$TMP/out")" -eq 8 ] &&
    grep -q '^delivery_format = "%t@%i@%BI@%CI"' "$TMP/out" &&
    grep -q '^file 0000000000000000000000000000000000000000000000000000000000000001 /etc/ssl/ca.pem' "$TMP/out"; then
	ok "dump text lists every entry, file and log format"
else
	notok "dump text lists every entry, file and log format"
fi
expect_status 0 "dump json" $ECTLS dump --format json "$TMP/t.ectp"
if jq -e '(.entries | length) == 8 and .schema == "test-schema-1" and
    ([.entries[] | select(.kind == "regex")] | length) == 2 and
    .entries[0].binding == "default" and .entries[0].kind == "binding" and
    (.entries[] | select(.binding == "mta1" and .domain == "example.com") |
     .provenance.tls_verify.line == 30 and .provenance.tls_verify.level == "B::D") and
    .log_formats.transient_failure_format == "%t@%i@T"' \
    "$TMP/out" >/dev/null; then
	ok "dump json structure"
else
	notok "dump json structure"
fi
expect_status 2 "dump --format yaml is a usage error" $ECTLS dump --format yaml "$TMP/t.ectp"
if grep -qxF 'ectls: error: unknown format "yaml" (expected text, json or xml)' "$TMP/err" &&
    grep -qxF 'usage: ectls dump [--format text|json|xml] TABLE' "$TMP/err" &&
    [ ! -s "$TMP/out" ]; then
	ok "dump --format yaml: message and usage, nothing on stdout"
else
	notok "dump --format yaml: message and usage, nothing on stdout"
	sed 's/^/#   /' "$TMP/err"
fi

# dump --format xml (libxml2's xmlTextWriter): well-formed, and entry by
# entry, field by field the same content as the JSON dump
# (tests/table/dumpxml_cmp.py; it fails on zero entries or unequal counts).
dumpxml_same() {	# NAME TABLE
	$ECTLS dump --format json "$2" >"$TMP/dx.json" 2>"$TMP/err"
	expect_status 0 "dump xml $1" $ECTLS dump --format xml "$2" || return
	cp "$TMP/out" "$TMP/dx.xml"
	if xmllint --noout "$TMP/dx.xml" 2>"$TMP/lint"; then
		ok "dump xml $1: well-formed (xmllint)"
	else
		notok "dump xml $1: well-formed (xmllint)"
		head -5 "$TMP/lint" | sed 's/^/#   /'
	fi
	if python3 $D/dumpxml_cmp.py "$TMP/dx.xml" "$TMP/dx.json" >"$TMP/cmp"; then
		ok "dump xml $1: every entry equals the JSON dump ($(cat "$TMP/cmp"))"
	else
		notok "dump xml $1: every entry equals the JSON dump"
		sed 's/^/#   /' "$TMP/cmp"
	fi
}
dumpxml_same basic "$TMP/t.ectp"
dumpxml_same long "$TMP/long.ectp"
$MK $D/minimal.desc "$TMP/min.ectp"
dumpxml_same minimal "$TMP/min.ectp"
# The comparison can fail: one changed value in the XML is caught.
$ECTLS dump --format xml "$TMP/t.ectp" |
    sed 's|<item>mx2.example.net</item>|<item>mx3.example.net</item>|' \
    >"$TMP/dx-bad.xml"
$ECTLS dump --format json "$TMP/t.ectp" >"$TMP/dx.json"
if ! cmp -s <($ECTLS dump --format xml "$TMP/t.ectp") "$TMP/dx-bad.xml" &&
    ! python3 $D/dumpxml_cmp.py "$TMP/dx-bad.xml" "$TMP/dx.json" >/dev/null; then
	ok "dump xml: the comparison catches a changed list item"
else
	notok "dump xml: the comparison catches a changed list item"
fi
if xmllint --xpath 'string(/ectls-table/@format-version)' "$TMP/dx-bad.xml" |
    grep -qx '[1-9][0-9]*' &&
    [ "$(xmllint --xpath 'count(/ectls-table/entries/entry[@binding="mta1" and @kind="regex"])' "$TMP/dx-bad.xml")" = 2 ] &&
    [ "$(xmllint --xpath 'string(//entry[@binding="mta1" and @domain="example.com"]/field[@name="tls_verify"]/@level)' "$TMP/dx-bad.xml")" = "B::D" ] &&
    [ "$(xmllint --xpath 'string(//entry[@binding="default" and @kind="binding"]/field[@name="tls_ca"]/@null)' "$TMP/dx-bad.xml")" = true ]; then
	ok "dump xml: names and attributes (xpath)"
else
	notok "dump xml: names and attributes (xpath)"
fi

# Hostile strings: a binding named a<&"'b plus byte 0xff, control bytes,
# a lone surrogate, U+FFFE and invalid UTF-8 in values, paths, the schema
# and a log format.  xmlTextWriter would copy them raw (malformed); the
# dump replaces them with U+FFFD and keeps the exact bytes in *-hex / hex.
{
	printf 'schema s\377chema\001\n'
	printf 'policy P tls_ca=/etc/ssl/\377\001\177ca<&>.pem@conf\376<&>.conf:7:B routes=ok,b\303(ad,\357\277\276 gateway=\355\240\200\n'
	printf 'bind default P\n'
	printf 'bind a<&"'"'"'b\377 P\n'
	printf 'key a<&"'"'"'b\377 d\351.example P\n'
	printf 'regex a<&"'"'"'b\377 ^x\001y$ B::D P\n'
	printf 'logformat n\377ame v<\001\r>\t"a"\n'
	printf 'file /tmp/p\377\001 00000000000000000000000000000000000000000000000000000000000000ff\n'
} >"$TMP/hostile.desc"
expect_status 0 "mktable builds the hostile-strings table" $MK \
    "$TMP/hostile.desc" "$TMP/h.ectp"
dumpxml_same "hostile strings" "$TMP/h.ectp"
if [ "$(xmllint --xpath 'string(//entry[@kind="exact"]/@binding)' "$TMP/dx.xml")" = "a<&\"'b"$'\xef\xbf\xbd' ] &&
    [ "$(xmllint --xpath 'string(//entry[@kind="exact"]/@binding-hex)' "$TMP/dx.xml")" = 613c26222762ff ] &&
    [ "$(xmllint --xpath 'string(/ectls-table/log-formats/log-format/@hex)' "$TMP/dx.xml")" = 763c010d3e09226122 ]; then
	ok "dump xml hostile strings: U+FFFD in the text, exact bytes in hex"
else
	notok "dump xml hostile strings: U+FFFD in the text, exact bytes in hex"
fi
expect_status 2 "dump xml without a table is a usage error" $ECTLS dump --format xml
grep -qxF 'ectls: error: usage: ectls dump [--format text|json|xml] TABLE' "$TMP/err" &&
    ok "dump xml usage message" || notok "dump xml usage message"
# A failed write is exit 2 with the reason (libxml2 builds in memory, the
# document is written at the end).
if [ -w /dev/full ]; then
	$ECTLS dump --format xml "$TMP/t.ectp" >/dev/full 2>"$TMP/err"
	rc=$?
	if [ "$rc" = 2 ] && grep -q 'cannot write the XML dump: No space left on device' "$TMP/err"; then
		ok "dump xml to a full device: exit 2 and the reason"
	else
		notok "dump xml to a full device: exit $rc"
		sed 's/^/#   /' "$TMP/err"
	fi
fi

# diff.
expect_status 0 "diff of identical tables" $ECTLS diff "$TMP/t.ectp" "$TMP/t3.ectp"
sed -e 's/tls_verify=ca@ecelerity.conf:30:B::D/tls_verify=host@ecelerity.conf:30:B::D/' \
    -e 's/^regex mta1 corp.*//' $D/basic.desc >"$TMP/changed.desc"
echo "key mta1 new.example PRX" >>"$TMP/changed.desc"
$MK "$TMP/changed.desc" "$TMP/c.ectp"
expect_status 1 "diff reports changes" $ECTLS diff "$TMP/t.ectp" "$TMP/c.ectp"
if grep -q '^~ binding "mta1" domain "example.com"' "$TMP/out" &&
    grep -q '^    tls_verify: ca -> host' "$TMP/out" &&
    grep -q '^- binding "mta1" domain "/corp\\.example\$/" (regex #2)' "$TMP/out" &&
    grep -q '^+ binding "mta1" domain "new.example"' "$TMP/out" &&
    grep -q '^    tls: required -> no' "$TMP/out"; then
	ok "diff names entries and fields"
else
	notok "diff names entries and fields"
	sed 's/^/#   /' "$TMP/out"
fi

# verify: file digests.
mkdir -p "$TMP/pki"
echo "certificate one" >"$TMP/pki/a.pem"
echo "key one" >"$TMP/pki/a.key"
cat >"$TMP/files.desc" <<EOF
policy P tls_certificate=$TMP/pki/a.pem tls_key=$TMP/pki/a.key
bind default P
file $TMP/pki/a.pem
file $TMP/pki/a.key
EOF
expect_status 0 "mktable with files" $MK "$TMP/files.desc" "$TMP/f.ectp"
expect_status 0 "verify unchanged files" $ECTLS verify "$TMP/f.ectp"
echo "certificate two" >"$TMP/pki/a.pem"
expect_status 1 "verify changed file" $ECTLS verify "$TMP/f.ectp"
if grep -q "changed: $TMP/pki/a.pem" "$TMP/out"; then
	ok "verify names the changed file"
else
	notok "verify names the changed file"
fi
rm "$TMP/pki/a.key"
expect_status 1 "verify missing file" $ECTLS verify "$TMP/f.ectp"
if grep -q "missing: $TMP/pki/a.key" "$TMP/out" &&
    grep -q '2 referenced files, 2 changed or missing' "$TMP/out"; then
	ok "verify names the missing file"
else
	notok "verify names the missing file"
fi

# Unreadable, corrupt, truncated, wrong-version tables: exit 2, message.
expect_status 2 "lookup on a missing table" $ECTLS lookup "$TMP/none" a b
grep -q 'cannot open table' "$TMP/err" && ok "missing table message" ||
    notok "missing table message"
expect_status 2 "lookup on a non-table" $ECTLS lookup $D/basic.desc a b
grep -q 'not an ectls table' "$TMP/err" && ok "bad magic message" ||
    notok "bad magic message"
cp "$TMP/t.ectp" "$TMP/v.ectp"
flip "$TMP/v.ectp" 8 2
expect_status 2 "wrong format version" $ECTLS dump "$TMP/v.ectp"
grep -q 'unsupported table format version' "$TMP/err" &&
    ok "wrong version message" || notok "wrong version message"
size=$(stat -c %s "$TMP/t.ectp")
head -c $((size - 1)) "$TMP/t.ectp" >"$TMP/tr.ectp"
expect_status 2 "truncated table" $ECTLS lookup "$TMP/tr.ectp" mta1 example.com
grep -q 'truncated' "$TMP/err" && ok "truncated message" ||
    notok "truncated message"
# A byte in the metadata and a byte in the keys (last byte of the file).
for off in 400 $((size - 3)); do
	cp "$TMP/t.ectp" "$TMP/x.ectp"
	flip "$TMP/x.ectp" $off 1
	for cmd in "lookup $TMP/x.ectp mta1 example.com" "dump $TMP/x.ectp" \
	    "diff $TMP/t.ectp $TMP/x.ectp" "verify $TMP/x.ectp"; do
		# shellcheck disable=SC2086
		expect_status 2 "corrupt byte $off: ${cmd%% *}" $ECTLS $cmd
	done
	grep -q 'checksum mismatch' "$TMP/err" &&
	    ok "corrupt byte $off: checksum message" ||
	    notok "corrupt byte $off: checksum message"
done
# FILTER: rewrite a table (the header field or section given, checksums
# recomputed so only the structural checks can object).
refilter() {
	python3 - "$@" <<'PYEOF'
import struct, sys
src, dst, what = sys.argv[1], sys.argv[2], sys.argv[3]
b = bytearray(open(src, "rb").read())
def crc32c(data, crc=0):
    crc ^= 0xffffffff
    for x in data:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff
HDIR, S_BLOCKCRC, S_G, S_FILTER = 128, 8, 9, 10
def sec(i):
    return struct.unpack_from("<QQ", b, HDIR + 16 * i)
foff, fsz = sec(S_FILTER)
if what == "zero-filter":
    b[foff:foff + fsz] = bytes(fsz)
elif what == "zero-fwords":
    struct.pack_into("<I", b, 100, 0)
g = sec(S_G)[0]
bc = sec(S_BLOCKCRC)[0]
blk = 1 << struct.unpack_from("<I", b, 28)[0]
i = 0
while g + i * blk < len(b):
    s = g + i * blk
    struct.pack_into("<I", b, bc + 4 * i, crc32c(b[s:min(s + blk, len(b))]))
    i += 1
struct.pack_into("<I", b, 24, 0)
struct.pack_into("<I", b, 24, crc32c(b[:g]))
open(dst, "wb").write(b)
PYEOF
}
# The filter is consulted: with it cleared, an exact key is not found
# (the binding's record answers), and the full check names the damage.
$ECTLS lookup "$TMP/t.ectp" mta1 example.com >"$TMP/out"
grep -q '^# matched: exact domain' "$TMP/out" &&
    ok "filter: exact key found in the intact table" ||
    notok "filter: exact key found in the intact table"
refilter "$TMP/t.ectp" "$TMP/nf.ectp" zero-filter
expect_status 0 "filter cleared: lookup still answers" $ECTLS lookup \
    "$TMP/nf.ectp" mta1 example.com
grep -q '^# matched: binding record' "$TMP/out" &&
    ok "filter cleared: the key is filtered out" ||
    notok "filter cleared: the key is filtered out"
expect_status 2 "filter cleared: dump's full check fails" $ECTLS dump \
    "$TMP/nf.ectp"
grep -q 'index entry is invalid' "$TMP/err" &&
    ok "filter cleared: index message" ||
    notok "filter cleared: index message"
refilter "$TMP/t.ectp" "$TMP/nw.ectp" zero-fwords
expect_status 2 "fwords 0: refused on open" $ECTLS lookup "$TMP/nw.ectp" \
    mta1 example.com
grep -q 'header is inconsistent' "$TMP/err" &&
    ok "fwords 0: header message" || notok "fwords 0: header message"
expect_status 2 "lookup usage" $ECTLS lookup "$TMP/t.ectp" mta1
expect_status 2 "diff usage" $ECTLS diff "$TMP/t.ectp"
expect_status 2 "verify usage" $ECTLS verify
