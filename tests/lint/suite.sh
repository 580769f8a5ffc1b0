#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# lint/suite.sh -- the semantic pass (ectls lint without --syntax-only):
#  - cases/ID.conf triggers check ID: its text output is exactly ID.err;
#    cases/ID.ok.conf is the corrected file: no finding with that id;
#  - every file in corpus/valid lints with no error except the reviewed
#    exceptions of tests/schema/corpus-exceptions.tsv (fragments of other
#    files, module options shown without their stanza, placeholders);
#  - the examples lint clean.
# UPDATE=1 rewrites the .err files (review the diff before committing).
. tests/lib.sh
E=$PWD/$ECTLS

for c in tests/lint/cases/*.conf; do
	case $c in *.ok.conf) continue ;; esac
	id=$(basename "$c" .conf)
	(cd tests/lint/cases && "$E" lint --no-includes "$id.conf" \
	    >/dev/null 2>"$TMP/$id.err")
	rc=$?
	if [ -n "${UPDATE:-}" ]; then
		cp "$TMP/$id.err" "tests/lint/cases/$id.err"
	fi
	if [ ! -f "tests/lint/cases/$id.err" ]; then
		notok "lint $id: no golden tests/lint/cases/$id.err"
		continue
	fi
	expect_same "lint $id: diagnostics" "tests/lint/cases/$id.err" \
	    "$TMP/$id.err"
	if grep -q "\[$id\]" "$TMP/$id.err"; then
		ok "lint $id: triggered"
	else
		notok "lint $id: the case does not trigger [$id]"
	fi
	want=1
	grep -q ": error: " "$TMP/$id.err" || want=0
	if [ "$rc" -eq "$want" ]; then
		ok "lint $id: exit $rc"
	else
		notok "lint $id: exit $rc, want $want"
	fi
	okc=tests/lint/cases/$id.ok.conf
	if [ ! -f "$okc" ]; then
		notok "lint $id: no corrected case $okc"
		continue
	fi
	"$E" lint --no-includes "$okc" >/dev/null 2>"$TMP/ok.err"
	if grep -q "\[$id\]" "$TMP/ok.err"; then
		notok "lint $id: corrected case still triggers"
		sed 's/^/#   /' "$TMP/ok.err"
	else
		ok "lint $id: corrected case does not trigger"
	fi
done

# Every registered id of the semantic pass has a case.
for id in $(sed -n '/semantic pass/,$p' compiler/checks.def |
    sed -n 's/^CHECK("\([^"]*\)".*/\1/p'); do
	if [ -f "tests/lint/cases/$id.conf" ] ||
	    grep -qs "\[$id\]" tests/compile/suite.sh ||
	    grep -qs "^want_id $id " tests/lint/suite.sh ||
	    [ -f "tests/parser/err/$id.conf" ] ||
	    ls tests/parser/err/*"$id"*.conf >/dev/null 2>&1; then
		ok "check $id has a test case"
	else
		notok "check $id has a test case"
	fi
done

# The corpus: no error but the reviewed exceptions.
exc=tests/schema/corpus-exceptions.tsv
bad=0
for f in "$SHARED"/corpus/valid/*.conf; do
	b=$(basename "$f")
	"$E" lint --no-includes "$f" >/dev/null 2>"$TMP/c.err"
	rc=$?
	if [ "$rc" -gt 1 ]; then
		notok "corpus $b: exit $rc"
		bad=1
		continue
	fi
	# TLS material is not shipped with the corpus (its files are missing
	# and the default protocols enable SSLv3): only the schema checks.
	grep ': error: ' "$TMP/c.err" | grep -v '\[tls-[a-z-]*\]$' |
	    while IFS= read -r line; do
		name=$(printf '%s\n' "$line" | sed -n 's/^[^"]*"\([^"]*\)".*/\1/p' |
		    tr 'A-Z' 'a-z')
		if awk -F'\t' -v f="$b" -v n="$name" \
		    '$1 == f && ($2 == n || $2 == "*") { found = 1 }
		     END { exit !found }' "$exc"; then
			:
		else
			echo "unexpected: $line"
		fi
	done >"$TMP/unexpected"
	if [ -s "$TMP/unexpected" ]; then
		notok "corpus $b: errors outside the reviewed exceptions"
		sed 's/^/#   /' "$TMP/unexpected"
		bad=1
	fi
done
[ "$bad" -eq 0 ] && ok "corpus/valid: no error outside the reviewed exceptions"

# The examples, with the PKI they name (examples/setup-pki.sh).
if sh examples/setup-pki.sh "$TMP/ex" >"$TMP/pki.log" 2>&1; then
	ok "examples: PKI generated"
else
	notok "examples: PKI generated"
	sed 's/^/#   /' "$TMP/pki.log"
fi
for f in examples/*.conf examples/seed/outbound-tls.fixed.conf; do
	b=$(basename "$f")
	(cd "$TMP/ex" && expect_status 0 "example $b lints clean" \
	    "$E" lint --fail-on warning "$b")
done
(cd "$TMP/ex" && expect_status 1 "seed example: key mismatch is an error" \
    "$E" lint outbound-tls.conf)
if (cd "$TMP/ex" && "$E" lint outbound-tls.conf 2>&1) |
    grep -q '^outbound-tls.conf:9:14: error: private key "path/to/customer1.key" does not match certificate "path/to/customer2.cert" \[tls-key-mismatch\]$'; then
	ok "seed example: mismatch reported at the tls_key line"
else
	notok "seed example: mismatch reported at the tls_key line"
fi

# Checks that need the PKI: want_id ID CONFIG-TEXT [lint options].
want_id() {
	local id=$1 text=$2; shift 2
	printf '%s\n' "$text" >"$TMP/ex/case.conf"
	(cd "$TMP/ex" && "$E" lint "$@" case.conf >/dev/null 2>"$TMP/case.err")
	if grep -q "\[$id\]" "$TMP/case.err"; then
		ok "lint $id: triggered"
	else
		notok "lint $id: not triggered"
		sed 's/^/#   /' "$TMP/case.err"
	fi
}
P='tls_protocols = "+ALL:-SSLv2:-SSLv3:-TLSv1.0:-TLSv1.1"'
want_id tls-engine-disagree "$P
tls = ifavailable
tls_certificate = \"pki/weak1024.crt\"
tls_key = \"pki/weak1024.key\"" --engines both
want_id tls-unused "$P
binding \"off\" {
  tls = no
  tls_ca = \"pki/ca-bundle.pem\"
}" --enable tls-unused
# Off by default: not reported without --enable.
printf '%s\nbinding "off" {\n  tls = no\n  tls_ca = "pki/ca-bundle.pem"\n}\n' \
    "$P" >"$TMP/ex/case.conf"
if (cd "$TMP/ex" && "$E" lint case.conf 2>&1) | grep -q tls-unused; then
	notok "tls-unused is off by default"
else
	ok "tls-unused is off by default"
fi

# Progress: on a terminal only (script(1) gives one), erased at the end.
(cd "$TMP/ex" && ECTLS_PROGRESS_AFTER_MS=0 "$E" lint ecelerity.conf \
    >/dev/null 2>"$TMP/prog.err")
if grep -q 'checking policies' "$TMP/prog.err"; then
	notok "no progress when stderr is not a terminal"
else
	ok "no progress when stderr is not a terminal"
fi
if command -v script >/dev/null 2>&1; then
	(cd "$TMP/ex" && ECTLS_PROGRESS_AFTER_MS=0 script -qc \
	    "$E lint ecelerity.conf" /dev/null >"$TMP/prog.tty" 2>&1)
	if grep -q 'checking policies: [0-9]*/[0-9]* bindings' \
	    "$TMP/prog.tty" && grep -q "$(printf '\r\033\\[K')" \
	    "$TMP/prog.tty"; then
		ok "progress on a terminal, erased at the end"
	else
		notok "progress on a terminal, erased at the end"
		od -c "$TMP/prog.tty" | head -5 | sed 's/^/#   /'
	fi
fi

# One EC key, its point written compressed in one file and uncompressed in
# the other: still the same key under both engines; another key is not.
mkdir -p "$TMP/ecf"
(cd "$TMP/ecf" &&
    openssl ecparam -name prime256v1 -genkey -noout -out u.key &&
    openssl ec -in u.key -conv_form compressed -out c.key &&
    openssl ecparam -name prime256v1 -genkey -noout -out other.key &&
    openssl ec -in other.key -conv_form compressed -out otherc.key &&
    openssl req -new -x509 -key u.key -subj /CN=u -days 3650 -out u.crt &&
    openssl req -new -x509 -key c.key -subj /CN=c -days 3650 -out c.crt &&
    chmod 600 ./*.key) >/dev/null 2>&1
ecpair() {	# ecpair CERT KEY: lint with both engines, findings in $TMP/ecf/out
	printf '%s\nbinding "b" {\n  tls = ifavailable\n  tls_certificate = "%s"\n  tls_key = "%s"\n}\n' \
	    "$P" "$1" "$2" >"$TMP/ecf/case.conf"
	(cd "$TMP/ecf" && "$E" lint --engines both case.conf >out 2>&1)
}
for pr in "u.crt c.key" "c.crt u.key" "c.crt c.key"; do
	set -- $pr
	ecpair "$1" "$2"
	if grep -q tls-key-mismatch "$TMP/ecf/out"; then
		notok "EC key $2 matches $1 (point compressed in one of them)"
		sed 's/^/#   /' "$TMP/ecf/out" | head -5
	else
		ok "EC key $2 matches $1 (point compressed in one of them)"
	fi
done
ecpair u.crt otherc.key
if grep -q '\[tls-key-mismatch\]' "$TMP/ecf/out"; then
	ok "EC key otherc.key (compressed) does not match u.crt"
else
	notok "EC key otherc.key (compressed) does not match u.crt"
fi

# Requirement cases of the semantic pass (issue 3), tests/lint/req/:
#  - NAME.conf: its text output is exactly NAME.err, it triggers every id
#    of its "# want:" line and no other id, exit 1 when it has an error;
#  - NAME.ok.conf: no finding at all, exit 0 (boolean spellings, every
#    scalar type's valid forms, domain forms, one-item lists).
# UPDATE=1 rewrites the .err files.
for c in tests/lint/req/*.conf; do
	b=$(basename "$c" .conf)
	(cd tests/lint/req && "$E" lint --no-includes "$b.conf" \
	    >"$TMP/req.out" 2>"$TMP/req.err")
	rc=$?
	case $b in
	*.ok)
		if [ "$rc" -eq 0 ] && [ ! -s "$TMP/req.err" ] &&
		    [ ! -s "$TMP/req.out" ]; then
			ok "req $b: no finding, exit 0"
		else
			notok "req $b: no finding, exit 0 (exit $rc)"
			sed 's/^/#   /' "$TMP/req.err" | head -10
		fi
		continue
		;;
	esac
	[ -n "${UPDATE:-}" ] && cp "$TMP/req.err" "tests/lint/req/$b.err"
	expect_same "req $b: diagnostics" "tests/lint/req/$b.err" "$TMP/req.err"
	want=$(sed -n 's/^# want: //p' "$c" | tr ' ' '\n' | sort -u)
	got=$(sed -n 's/.*\[\([a-z0-9-]*\)\]$/\1/p' "$TMP/req.err" | sort -u)
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		ok "req $b: triggers exactly $(echo $want)"
	else
		notok "req $b: triggers exactly $(echo $want) (got $(echo $got))"
	fi
	st=0
	grep -q ': error: ' "$TMP/req.err" && st=1
	if [ "$rc" -eq "$st" ]; then
		ok "req $b: exit $rc"
	else
		notok "req $b: exit $rc, want $st"
	fi
done
# Every finding of values.conf and bool-bad.conf sits on its own line:
# a run reports all of them, not the first.
for b in values bool-bad; do
	n=$(grep -c '^[^#]' "tests/lint/req/$b.conf")
	m=$(grep -c ': error: ' "tests/lint/req/$b.err")
	if [ "$n" -eq "$m" ]; then
		ok "req $b: one error per value line ($m)"
	else
		notok "req $b: one error per value line ($m of $n)"
	fi
done
