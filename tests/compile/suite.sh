#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# compile/suite.sh -- ectls compile, lookup, explain, dump, diff, verify on
# real configurations: the documented fallback examples, every level of
# the chain, regex precedence, "none", case-insensitive domains,
# determinism, atomic writes and nothing written on errors.
. tests/lib.sh
E=$PWD/$ECTLS
D=tests/compile

compile() {	# NAME: compile $D/NAME.conf into $TMP/NAME.ectp
	"$E" compile --no-includes "$D/$1.conf" -o "$TMP/$1.ectp" \
	    >"$TMP/$1.out" 2>"$TMP/$1.err"
}

# want NAME BINDING DOMAIN FIELD VALUE: lookup --json gives VALUE (jq -c)
want() {
	local got
	got=$("$E" lookup --json "$TMP/$1.ectp" "$2" "$3" | jq -c ".$4")
	if [ "$got" = "$5" ]; then
		ok "$1: $2/$3 $4 = $5"
	else
		notok "$1: $2/$3 $4 = $got, want $5"
	fi
}
# level NAME BINDING DOMAIN FIELD LEVEL: explain --json names the level
level() {
	local got
	got=$("$E" explain --json "$TMP/$1.ectp" "$2" "$3" |
	    jq -r ".fields.$4.level")
	if [ "$got" = "$5" ]; then
		ok "$1: $2/$3 $4 from $5"
	else
		notok "$1: $2/$3 $4 from $got, want $5"
	fi
}

for n in fallback chain regex none; do
	if compile "$n"; then ok "compile $n"; else
		notok "compile $n"; sed 's/^/#   /' "$TMP/$n.err"; fi
done

# spec 2.2 worked examples.
want fallback example3 anotherexample.com message_expiration 86400
want fallback example3 example.com message_expiration 120
want fallback example3 other.example message_expiration 86400
want fallback example example.com message_expiration 3600
want fallback example2 example.com message_expiration 86400
want fallback example2 anotherexample.com message_expiration 7200
want fallback nosuchbinding example.com message_expiration 120
want fallback default other.example message_expiration 86400

# Each level wins once (B::D, G::D, B, G, D, global, default).
want chain b d.example retry_interval 600
want chain b d.example body_timeout 61
want chain b d.example mailfrom_timeout 41
want chain b d.example rcptto_timeout 51
want chain b d.example ehlo_timeout 31
want chain b d.example connect_timeout 21
want chain b other.example retry_interval 500
want chain b d.example idle_timeout 5
want chain default d.example retry_interval 200
want chain default x.example retry_interval 100
level chain b d.example retry_interval "B::D"
level chain b d.example mailfrom_timeout "G::D"
level chain b d.example rcptto_timeout "B"
level chain b d.example ehlo_timeout "G"
level chain b d.example connect_timeout "D"
level chain default x.example retry_interval "global"
level chain b d.example idle_timeout "default"
# Domains: case-insensitive, trailing dot ignored.
want chain b D.EXAMPLE. retry_interval 600

# Regex domains.
want regex default example.com max_deliveries_per_connection 20
want regex default example.com retry_interval 5
want regex default example.co.uk max_deliveries_per_connection 15
want regex default www.example.co.uk max_deliveries_per_connection 15
want regex default other.co.uk max_deliveries_per_connection 99
want regex default badexample.com max_deliveries_per_connection 0
want regex b mx.example.net remote_smtp_port 2525
want regex b mx.example.co.uk max_deliveries_per_connection 15
want regex b mx.example.co.uk remote_smtp_port 2525

# tls_certificate = none.
want none default x.example tls_certificate '"/etc/ecelerity/client.crt"'
want none plain x.example tls_certificate null
level none plain x.example tls_certificate "B"

# explain on the configuration itself answers like the table.
for q in "b d.example" "default x.example" "b other.example"; do
	set -- $q
	"$E" explain --json "$TMP/chain.ectp" "$1" "$2" >"$TMP/e1"
	"$E" explain --json "$D/chain.conf" "$1" "$2" >"$TMP/e2"
	expect_same "explain $1/$2: table and configuration agree" \
	    "$TMP/e1" "$TMP/e2"
done

# Determinism: the same input gives the same bytes.
"$E" compile --no-includes "$D/chain.conf" -o "$TMP/again.ectp" 2>/dev/null
if cmp -s "$TMP/chain.ectp" "$TMP/again.ectp"; then
	ok "compile is byte-for-byte reproducible"
else
	notok "compile is byte-for-byte reproducible"
fi
# compile -> dump -> the dump names every entry.
"$E" dump --format json "$TMP/chain.ectp" >"$TMP/dump.json"
if jq -e '.' "$TMP/dump.json" >/dev/null; then
	ok "dump --format json is JSON"
else
	notok "dump --format json is JSON"
fi
# dump --format xml of every compiled table: well-formed, and entry by
# entry the same content as the JSON dump (tests/table/dumpxml_cmp.py).
for n in fallback chain regex none; do
	"$E" dump --format json "$TMP/$n.ectp" >"$TMP/$n.dump.json"
	if "$E" dump --format xml "$TMP/$n.ectp" >"$TMP/$n.dump.xml" &&
	    xmllint --noout "$TMP/$n.dump.xml" &&
	    python3 tests/table/dumpxml_cmp.py "$TMP/$n.dump.xml" \
	    "$TMP/$n.dump.json" >"$TMP/cmp"; then
		ok "dump --format xml $n: well-formed, equals JSON ($(cat "$TMP/cmp"))"
	else
		notok "dump --format xml $n: well-formed, equals JSON"
		sed 's/^/#   /' "$TMP/cmp"
	fi
done

# Nothing is written when the configuration has errors.
printf 'tls = sometimes\n' >"$TMP/bad.conf"
expect_status 1 "compile of a bad configuration fails" \
    "$E" compile "$TMP/bad.conf" -o "$TMP/bad.ectp"
if [ ! -e "$TMP/bad.ectp" ] && [ -z "$(ls "$TMP" | grep '\.tmp')" ]; then
	ok "no table and no temporary file after errors"
else
	notok "no table and no temporary file after errors"
fi
# An existing table is left untouched by a failed compile.
cp "$TMP/chain.ectp" "$TMP/keep.ectp"
"$E" compile "$TMP/bad.conf" -o "$TMP/keep.ectp" 2>/dev/null
if cmp -s "$TMP/chain.ectp" "$TMP/keep.ectp"; then
	ok "a failed compile leaves the old table"
else
	notok "a failed compile leaves the old table"
fi

# diff: no change, then a change.
expect_status 0 "diff of identical tables" \
    "$E" diff "$TMP/chain.ectp" "$TMP/again.ectp"
sed 's/retry_interval = 600/retry_interval = 601/' "$D/chain.conf" \
    >"$TMP/chain2.conf"
"$E" compile --no-includes "$TMP/chain2.conf" -o "$TMP/chain2.ectp" \
    2>/dev/null
expect_status 1 "diff reports a changed field" \
    "$E" diff "$TMP/chain.ectp" "$TMP/chain2.ectp"
if grep -q retry_interval "$TMP/out"; then
	ok "diff names the changed field"
else
	notok "diff names the changed field"
fi

# verify: hashes of referenced files; a changed file is reported.
if sh examples/setup-pki.sh "$TMP/ex" >/dev/null 2>&1; then
	(cd "$TMP/ex" && "$E" compile ecelerity.conf -o policy.ectp \
	    2>"$TMP/ex.err")
	rc=$?
	[ $rc -eq 0 ] && ok "compile the example" || {
		notok "compile the example (exit $rc)"
		sed 's/^/#   /' "$TMP/ex.err"; }
	(cd "$TMP/ex" && expect_status 0 "verify: nothing changed" \
	    "$E" verify policy.ectp)
	echo "# changed" >>"$TMP/ex/pki/ca-bundle.pem"
	(cd "$TMP/ex" && expect_status 1 "verify: a changed CA file" \
	    "$E" verify policy.ectp)
fi

# table-file: material of an unused (tls = no) policy that cannot be read.
printf 'tls_certificate = "%s/missing.crt"\n' "$TMP" >"$TMP/tf.conf"
"$E" compile "$TMP/tf.conf" -o "$TMP/tf.ectp" 2>"$TMP/tf.err"
if grep -q '\[table-file\]' "$TMP/tf.err" && [ -e "$TMP/tf.ectp" ]; then
	ok "compile warns [table-file] for unreadable unused material"
else
	notok "compile warns [table-file] for unreadable unused material"
	sed 's/^/#   /' "$TMP/tf.err"
fi

# The table is built while the entries are checked (one pass): the
# findings must come out as if it were built after the checks: every
# check finding first, then the [table-file] warnings in the order the
# entries first name the files (tls-unused enabled to have both kinds).
"$E" compile --no-includes --enable tls-unused "$D/files-order.conf" \
    -o "$TMP/fo.ectp" >"$TMP/fo.out" 2>"$TMP/fo.err"
rc=$?
[ $rc -eq 0 ] && [ -s "$TMP/fo.ectp" ] &&
    ok "files-order: compiled (exit 0)" ||
    notok "files-order: exit $rc or no table"
expect_same "files-order: findings and their order" \
    "$D/files-order.err" "$TMP/fo.err"

# A writer error during that pass (a binding name longer than a table
# takes, which nothing before the writer rejects): the table is built
# again after the checks, and the error is filed exactly once, alone.
{
	echo 'tls_protocols = "+ALL:-SSLv2:-SSLv3"'
	printf 'binding "%s" {\n  tls = no\n}\n' "$(printf 'b%.0s' $(seq 300))"
} >"$TMP/longb.conf"
printf '%s: error: policy table: binding name "%s" must be 1 to 255 bytes [table-write]\n' \
    "$(basename "$E")" "$(printf 'b%.0s' $(seq 64))" >"$TMP/longb.want"
expect_status 2 "long binding name: exit 2" \
    "$E" compile "$TMP/longb.conf" -o "$TMP/longb.ectp"
expect_same "long binding name: one [table-write] error" \
    "$TMP/longb.want" "$TMP/err"
[ ! -e "$TMP/longb.ectp" ] && ok "long binding name: nothing written" ||
    notok "long binding name: a table was written"
