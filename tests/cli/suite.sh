#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/cli/suite.sh -- the `ectls lint` command line of issue 3: the check
# registry (--list-checks), --disable/--enable/--fail-on and the exit status
# they give, usage errors (exit 2), which stream each format writes, the JSON
# shape, SARIF and JUnit of a real run checked against the text run, and
# --schema EXTRA.xml on lint (added and overridden options, a broken extra).
set -u
. tests/lib.sh
E=$PWD/$ECTLS
C=$PWD/tests/cli

# lint_in DIR ARGS...: run lint in DIR; stdout in $TMP/o, stderr in $TMP/e,
# status in $rc.
lint_in() {
	local dir=$1; shift
	(cd "$dir" && "$E" lint --no-includes "$@" >"$TMP/o" 2>"$TMP/e")
	rc=$?
}

want_rc() {	# NAME WANT
	if [ "$rc" -eq "$2" ]; then
		ok "$1 (exit $2)"
	else
		notok "$1 (exit $rc, want $2)"
		sed 's/^/#   /' "$TMP/e" | head -10
	fi
}

ids_of() {	# FILE: the [id]s of its finding lines, sorted, one line
	sed -n 's/^[^ ]*: \(error\|warning\|note\): .* \[\([a-z0-9-]*\)\]$/\2/p' \
	    "$1" | sort -u | tr '\n' ' '
}

# --- --list-checks: every id of checks.def, its severity, its text --------
expect_status 0 "--list-checks" "$E" lint --list-checks
cp "$TMP/out" "$TMP/list"
T=$(printf '\t')
sed -n "s/^CHECK(\"\([^\"]*\)\",[[:space:]]*\([^,]*\),[[:space:]]*\"\(.*\)\")\$/\1$T\2$T\3/p" \
    compiler/checks.def | sed 's/\\"/"/g' |
    awk -F'\t' '{
	sev = $2; gsub(/[[:space:]]/, "", sev)
	off = sev ~ /CHECK_DEFAULT_OFF/
	sub(/\|?CHECK_DEFAULT_OFF\|?/, "", sev)
	s = sev == "DIAG_ERROR" ? "error" : sev == "DIAG_WARNING" ? "warning" : "note"
	if (off) s = "off (" s ")"
	print $1 "|" s "|" $3
    }' >"$TMP/def"
awk '{
	id = $1; rest = substr($0, length($1) + 1); sub(/^ +/, "", rest)
	if (rest ~ /^off \(/) { sev = substr(rest, 1, index(rest, ")")); rest = substr(rest, length(sev) + 1) }
	else { sev = $2; rest = substr(rest, length($2) + 1) }
	sub(/^ +/, "", rest)
	print id "|" sev "|" rest
}' "$TMP/list" >"$TMP/got"
n=$(wc -l <"$TMP/def")
if [ "$n" -ge 60 ]; then
	ok "checks.def parsed: $n ids"
else
	notok "checks.def parsed: $n ids"
fi
expect_same "--list-checks: id, default severity, description of each checks.def line, in order" \
    "$TMP/def" "$TMP/got"
for id in unknown-option unknown-scope option-scope scope-placement \
    scope-name bad-value value-shape duplicate-option doc-placeholder \
    binding-group-conflict bad-regex regex-unanchored; do
	grep -q "^$id|" "$TMP/got" || missing="${missing:-} $id"
done
if [ -z "${missing:-}" ]; then
	ok "--list-checks has every semantic check of issue 3"
else
	notok "--list-checks has every semantic check of issue 3:$missing"
fi
grep -q '^tls-unused|off (note)|' "$TMP/got" &&
    ok "--list-checks marks a default-off check" ||
    notok "--list-checks marks a default-off check"

# --- default run, exit status 0 / 1 / 2 ------------------------------------------
lint_in "$C" mixed.conf
want_rc "errors: exit 1" 1
if [ "$(ids_of "$TMP/e")" = "bad-value regex-unanchored unknown-option " ] &&
    [ ! -s "$TMP/o" ]; then
	ok "text: every finding on stderr, nothing on stdout; tls-unused off"
else
	notok "text: every finding on stderr, nothing on stdout ($(ids_of "$TMP/e"))"
fi
lint_in "$C" warn.conf
want_rc "a warning only: exit 0" 0
lint_in "$C" --fail-on warning warn.conf
want_rc "--fail-on warning: a warning fails" 1
lint_in "$C" --fail-on error warn.conf
want_rc "--fail-on error: a warning passes" 0
lint_in "$C" --fail-on warning --disable regex-unanchored warn.conf
want_rc "--fail-on warning with the warning disabled" 0
if [ ! -s "$TMP/e" ]; then
	ok "--disable: the disabled finding is not printed"
else
	notok "--disable: the disabled finding is not printed"
fi

# --disable each error id: exit 1 while one is left, 0 when none is.
lint_in "$C" --disable bad-value mixed.conf
want_rc "--disable bad-value: unknown-option still fails" 1
if [ "$(ids_of "$TMP/e")" = "regex-unanchored unknown-option " ]; then
	ok "--disable bad-value: only that id goes"
else
	notok "--disable bad-value: only that id goes ($(ids_of "$TMP/e"))"
fi
lint_in "$C" --disable bad-value --disable unknown-option mixed.conf
want_rc "--disable both error ids" 0
lint_in "$C" --disable bad-value --disable unknown-option --fail-on warning \
    mixed.conf
want_rc "--disable both error ids, --fail-on warning" 1

# --enable: a default-off check.
lint_in "$C" --enable tls-unused mixed.conf
if grep -q '^mixed.conf:8:3: note: "tls_ciphers" has no effect where tls = no \[tls-unused\]$' \
    "$TMP/e"; then
	ok "--enable tls-unused: reported at the tls_ciphers line"
else
	notok "--enable tls-unused: reported at the tls_ciphers line"
	sed 's/^/#   /' "$TMP/e" | head
fi
lint_in "$C" --enable tls-unused --disable bad-value --disable unknown-option \
    --fail-on warning --disable regex-unanchored mixed.conf
want_rc "an enabled note does not fail --fail-on warning" 0

# Usage errors: exit 2, one line naming the problem, nothing on stdout.
usage() {	# NAME MESSAGE-PART ARGS...
	local name=$1 part=$2; shift 2
	lint_in "$C" "$@"
	if [ "$rc" -eq 2 ] && grep -q -- "$part" "$TMP/e" && [ ! -s "$TMP/o" ]; then
		ok "usage: $name (exit 2)"
	else
		notok "usage: $name (exit $rc)"
		sed 's/^/#   /' "$TMP/e" | head -5
	fi
}
usage "unknown check, did you mean" \
    'unknown check "regex-unanchord"; did you mean "regex-unanchored"?' \
    --disable regex-unanchord warn.conf
usage "unknown check, nothing close" 'unknown check "zzzzzzzzzzzz"' \
    --enable zzzzzzzzzzzz warn.conf
usage "--fail-on note" '--fail-on wants "error" or "warning", got "note"' \
    --fail-on note warn.conf
usage "--format xml" 'unknown format "xml"' --format xml warn.conf
usage "no file" 'no configuration file given'
usage "two files" 'one configuration file at a time' warn.conf mixed.conf
usage "missing file" 'nope.conf' nope.conf
usage "unknown flag" 'unknown option "--bogus"' --bogus warn.conf

# --- formats: stream, shape, agreement with the text run ----------------------
lint_in "$C" mixed.conf
cp "$TMP/e" "$TMP/text"
for f in json sarif junit; do
	lint_in "$C" --format "$f" mixed.conf
	if [ "$rc" -eq 1 ] && [ -s "$TMP/o" ] && [ ! -s "$TMP/e" ]; then
		ok "$f: on stdout, nothing on stderr, exit 1"
	else
		notok "$f: on stdout, nothing on stderr, exit 1 (exit $rc)"
	fi
	cp "$TMP/o" "$TMP/mixed.$f"
done

# JSON: exactly the documented keys; the same findings as the text run.
j=$TMP/mixed.json
if jq -e '(keys == ["diagnostics", "summary"]) and
    ([.diagnostics[] | keys == (["column","file","id","line","message",
    "notes","severity"] | sort)] | all) and
    ([.diagnostics[].notes[] | keys == ["column","file","line","message"]]
    | all)' "$j" >/dev/null; then
	ok "json: diagnostics carry severity, id, file, line, column, message, notes"
else
	notok "json: diagnostics carry severity, id, file, line, column, message, notes"
fi
jq -r '.diagnostics[] | "\(.file):\(.line):\(.column): \(.severity): \(.message) [\(.id)]",
    (.notes[] | "\(.file):\(.line):\(.column): note: \(.message)")' "$j" \
    >"$TMP/from-json"
expect_same "json: the same findings and notes as the text run" \
    "$TMP/text" "$TMP/from-json"
if jq -e '.summary.errors == 2 and .summary.warnings == 1 and
    .summary.files == ["mixed.conf"]' "$j" >/dev/null; then
	ok "json: summary counts"
else
	notok "json: summary counts"
fi

# SARIF: valid (tests/report's validator and the OASIS schema), one rule
# per check id, results as the text run.
py=$(sarif_python)
s=$TMP/mixed.sarif
if [ -n "$py" ] && "$py" tests/report/validate_sarif.py \
    tests/report/sarif-schema-2.1.0.json "$s" >"$TMP/val" 2>&1; then
	ok "sarif: valid against the SARIF 2.1.0 schema"
else
	notok "sarif: valid against the SARIF 2.1.0 schema"
	sed 's/^/#   /' "$TMP/val" | head
fi
nchk=$(wc -l <"$TMP/list")
if jq -e --argjson n "$nchk" '.version == "2.1.0" and
    (.runs[0].tool.driver.rules | length == $n) and
    ([.runs[0].tool.driver.rules[].id] | unique | length == $n)' "$s" \
    >/dev/null; then
	ok "sarif: one rule per check id ($nchk)"
else
	notok "sarif: one rule per check id ($nchk)"
fi
jq -r '.runs[0].results[] | "\(.locations[0].physicalLocation.artifactLocation.uri):\(.locations[0].physicalLocation.region.startLine):\(.locations[0].physicalLocation.region.startColumn): \(.level): \(.message.text) [\(.ruleId)]"' \
    "$s" >"$TMP/from-sarif"
grep -v ': note: ' "$TMP/text" >"$TMP/text-main"
expect_same "sarif: results with ruleId, level, uri, startLine, startColumn as the text run" \
    "$TMP/text-main" "$TMP/from-sarif"

# JUnit: well-formed, one testcase per check id, a failure for each failing
# id carrying its diagnostics, skipped for disabled ones.
x=$TMP/mixed.junit
if xmllint --noout "$x" 2>"$TMP/xl"; then
	ok "junit: well-formed (xmllint)"
else
	notok "junit: well-formed (xmllint)"
	sed 's/^/#   /' "$TMP/xl" | head
fi
xcount() { xmllint --xpath "count($2)" "$1" 2>/dev/null; }
[ "$(xcount "$x" '//testcase')" = "$nchk" ] &&
    ok "junit: one testcase per check id ($nchk)" ||
    notok "junit: one testcase per check id ($(xcount "$x" '//testcase') of $nchk)"
[ "$(xcount "$x" '//testcase[failure]')" = 2 ] &&
    [ "$(xcount "$x" '//testcase[@name="bad-value"]/failure')" = 1 ] &&
    [ "$(xcount "$x" '//testcase[@name="unknown-option"]/failure')" = 1 ] &&
    ok "junit: a failure for each failing check id" ||
    notok "junit: a failure for each failing check id"
if xmllint --xpath 'string(//testcase[@name="unknown-option"]/failure)' "$x" |
    grep -q '^mixed.conf:9:3: error: unknown option "tls_verfy" in scope "binding" \[unknown-option\]$'; then
	ok "junit: the failure carries the diagnostic"
else
	notok "junit: the failure carries the diagnostic"
fi
lint_in "$C" --format junit --disable bad-value mixed.conf
[ "$(xcount "$TMP/o" '//testcase[@name="bad-value"]/skipped')" = 1 ] &&
    ok "junit: a disabled check is skipped" ||
    notok "junit: a disabled check is skipped"
lint_in "$C" --format junit warn.conf
[ "$rc" -eq 0 ] && [ "$(xcount "$TMP/o" '//failure')" = 0 ] &&
    [ "$(xcount "$TMP/o" '//testcase[@name="regex-unanchored"]/system-out')" = 1 ] &&
    ok "junit: a warning below the fail level is output, not a failure" ||
    notok "junit: a warning below the fail level is output, not a failure"
lint_in "$C" --format junit --fail-on warning warn.conf
[ "$rc" -eq 1 ] &&
    [ "$(xcount "$TMP/o" '//testcase[@name="regex-unanchored"]/failure')" = 1 ] &&
    ok "junit: --fail-on warning makes it a failure" ||
    notok "junit: --fail-on warning makes it a failure"

# --- lint --schema EXTRA.xml ------------------------------------------------------
mkdir -p "$TMP/x"
cat >"$TMP/x/extra.xml" <<'EOF'
<?xml version="1.0"?>
<schema version="1">
  <scopes>
    <scope name="acme_filter" instance="optional" parents="global" module="true">
      <description>in-house filter module</description>
    </scope>
  </scopes>
  <options>
    <option name="acme_threshold" type="int" scopes="acme_filter" min="1" max="100" default="50">
      <description>score above which mail is held</description>
    </option>
    <option name="remote_smtp_port" type="int" scopes="binding binding_group domain global" min="1" max="1024" default="25">
      <description>site rule: privileged ports only</description>
    </option>
  </options>
</schema>
EOF
cat >"$TMP/x/ok.conf" <<'EOF'
acme_filter "f" {
  acme_threshold = 70
}
remote_smtp_port = 465
EOF
cat >"$TMP/x/bad.conf" <<'EOF'
acme_filter "f" {
  acme_threshold = 700
  acme_treshold = 7
}
remote_smtp_port = 2525
EOF
lint_in "$TMP/x" ok.conf
want_rc "without --schema: the custom module is unknown" 1
grep -q '^ok.conf:1:1: error: unknown scope "acme_filter" \[unknown-scope\]$' \
    "$TMP/e" && ok "without --schema: unknown-scope acme_filter" ||
    notok "without --schema: unknown-scope acme_filter"
lint_in "$TMP/x" --schema extra.xml ok.conf
want_rc "--schema: the custom module and its option are known" 0
lint_in "$TMP/x" --schema extra.xml bad.conf
want_rc "--schema: its ranges and names are checked" 1
cat >"$TMP/x/want" <<'EOF'
bad.conf:2:20: error: invalid value for "acme_threshold": integer 700 out of range 1..100 [bad-value]
bad.conf:3:3: error: unknown option "acme_treshold" in scope "acme_filter" [unknown-option]
bad.conf:3:3: note: did you mean "acme_threshold"?
bad.conf:5:20: error: invalid value for "remote_smtp_port": integer 2525 out of range 1..1024 [bad-value]
EOF
expect_same "--schema: added option checked, overridden option's range used" \
    "$TMP/x/want" "$TMP/e"
# A broken extra: FILE:LINE: error:, exit 2, nothing linted.
sed 's/type="int" scopes="acme_filter"/type="integer" scopes="acme_filter"/' \
    "$TMP/x/extra.xml" >"$TMP/x/broken.xml"
lint_in "$TMP/x" --schema broken.xml bad.conf
want_rc "--schema broken.xml: could not run" 2
if grep -Eq '^broken.xml:9(:[0-9]+)?: error: .*integer' "$TMP/e" &&
    ! grep -q '^bad.conf' "$TMP/e"; then
	ok "--schema broken.xml: FILE:LINE: error: and no finding"
else
	notok "--schema broken.xml: FILE:LINE: error: and no finding"
	sed 's/^/#   /' "$TMP/e" | head -5
fi
lint_in "$TMP/x" --schema missing.xml ok.conf
want_rc "--schema missing.xml" 2
