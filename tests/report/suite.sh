#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/report/suite.sh -- the output formats of compiler/report.c and
# schema/junit.c, checked with outside tools: SARIF against the OASIS SARIF
# 2.1.0 schema (python3-jsonschema), JUnit with xmllint, JSON with jq, text
# against golden files.  The outputs come from the unit test binary
# (`test_report --emit DIR`), and, once `ectls lint` exists, from the
# command itself.
#
# sarif-schema-2.1.0.json is the OASIS SARIF 2.1.0 (errata 01) JSON schema,
# unmodified, as kept in the OASIS SARIF TC's sarif-spec repository
# (Schemata/sarif-schema-2.1.0.json).  The *.expected files are goldens:
# after a deliberate format change, regenerate them with
#   (mkdir /tmp/e && $BUILD/tests/unit/test_report --emit /tmp/e)
# and review the diff.
set -u
. tests/lib.sh

here=tests/report
schema=$here/sarif-schema-2.1.0.json
unit=$BUILD/tests/unit/test_report

py=$(sarif_python)

validate_sarif() {	# NAME FILE...
	local name=$1; shift
	if [ -z "$py" ]; then
		notok "$name (python3-jsonschema/python3-rfc3987 missing)"
		return 1
	fi
	if "$py" "$here/validate_sarif.py" "$schema" "$@" >"$TMP/val" 2>&1; then
		ok "$name"
	else
		notok "$name"
		sed 's/^/#   /' "$TMP/val" | head -20
	fi
}

check() {	# NAME CMD...: ok when CMD succeeds
	local name=$1; shift
	if "$@" >"$TMP/chk" 2>&1; then
		ok "$name"
	else
		notok "$name"
		sed 's/^/#   /' "$TMP/chk" | head -20
	fi
}

check_fails() {	# NAME CMD...: ok when CMD fails (negative controls)
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then
		notok "$name (accepted)"
	else
		ok "$name"
	fi
}

# jq_true NAME FILE FILTER: the filter must yield true.
jq_true() {
	if [ "$(jq -r "$3" "$2" 2>&1)" = true ]; then
		ok "$1"
	else
		notok "$1"
		jq -r "$3" "$2" 2>&1 | head -5 | sed 's/^/#   /'
	fi
}

# xp_count NAME FILE XPATH WANT
xp_count() {
	local got
	got=$(xmllint --xpath "count($3)" "$2" 2>&1)
	if [ "$got" = "$4" ]; then
		ok "$1"
	else
		notok "$1 (got $got, want $4)"
	fi
}

# The schema file is the OASIS text as published (errata01, draft-04).
check "schema: is a draft-04 schema" "${py:-python3}" -c '
import json, sys
from jsonschema import Draft4Validator
s = json.load(open(sys.argv[1]))
Draft4Validator.check_schema(s)
assert s["id"].endswith("/sarif-schema-2.1.0.json"), s["id"]
assert len(s["definitions"]) == 52
' "$schema"

if [ ! -x "$unit" ]; then
	notok "emit: $unit not built"
	exit 1
fi
out=$TMP/emit
mkdir -p "$out"
expect_status 0 "emit: test_report --emit" "$unit" --emit "$out"

# Text: golden files (caret on; the sources are written by --emit).
expect_same "text: sample" "$here/sample.txt.expected" "$out/sample.txt"
expect_same "text: garbage bytes escaped" "$here/garbage.txt.expected" \
    "$out/garbage.txt"

# JSON.
check "json: sample parses" jq -e . "$out/sample.json"
check "json: garbage parses" jq -e . "$out/garbage.json"
expect_same "json: sample" "$here/sample.json.expected" "$out/sample.json"
jq_true "json: summary counts" "$out/sample.json" \
    '.summary == {"errors":3,"warnings":1,"notes":1,"files":["main.conf"]}'
jq_true "json: U+FFFD for invalid UTF-8" "$out/garbage.json" \
    '.diagnostics[0].file | startswith("j\ufffd\u0001nk")'
jq_true "json: nulls for missing locations" "$out/sample.json" \
    '[.diagnostics[3] | .file, .line, .column] == [null, null, null]'

# SARIF: the official schema, and negative controls showing the validator
# does reject what is wrong.
validate_sarif "sarif: sample valid against SARIF 2.1.0" "$out/sample.sarif"
validate_sarif "sarif: garbage valid against SARIF 2.1.0" "$out/garbage.sarif"
jq 'del(.runs[0].results[0].message)' "$out/sample.sarif" >"$TMP/bad1.sarif"
check_fails "sarif: validator rejects a result without message" \
    "${py:-false}" "$here/validate_sarif.py" "$schema" "$TMP/bad1.sarif"
jq '.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri =
    "a b"' "$out/sample.sarif" >"$TMP/bad2.sarif"
check_fails "sarif: validator rejects a bad uri" \
    "${py:-false}" "$here/validate_sarif.py" "$schema" "$TMP/bad2.sarif"
jq '.runs[0].results[0].level = "fatal"' "$out/sample.sarif" \
    >"$TMP/bad3.sarif"
check_fails "sarif: validator rejects an unknown level" \
    "${py:-false}" "$here/validate_sarif.py" "$schema" "$TMP/bad3.sarif"
jq_true "sarif: ruleIndex points at ruleId" "$out/sample.sarif" \
    '.runs[0] as $r | [$r.results[] | select(.ruleIndex != null) |
    $r.tool.driver.rules[.ruleIndex].id == .ruleId] | all'
jq_true "sarif: one rule per check id" "$out/sample.sarif" \
    '[.runs[0].tool.driver.rules[].id] | (length > 0) and
    (length == (unique | length))'
jq_true "sarif: columns in code points" "$out/sample.sarif" \
    '.runs[0].results[1].locations[0].physicalLocation.region ==
    {"startLine":1,"startColumn":21,"endColumn":24}'
jq_true "sarif: notes are related locations" "$out/sample.sarif" \
    '[.runs[0].results[0].relatedLocations[].message.text] ==
    ["in scope \"x\" opened here", "see RFC 7568"]'
jq_true "sarif: relative uri with %SRCROOT%, absolute as file:" \
    "$out/sample.sarif" '[.runs[0].results[1,2].locations[0]
    | .physicalLocation.artifactLocation] == [{"uri":"conf.d/tls.conf",
    "uriBaseId":"%SRCROOT%"},{"uri":"file:///nonexistent/abs.conf"}]'

# JUnit.
check "junit: sample well-formed" xmllint --noout "$out/sample.xml"
check "junit: garbage well-formed" xmllint --noout "$out/garbage.xml"
xp_count "junit: failures" "$out/sample.xml" '//testcase/failure' 3
xp_count "junit: a failure per failing check" "$out/sample.xml" \
    '//testcase[@name="syntax" or @name="include" or
    @name="unclassified"]/failure' 3
xp_count "junit: suite name" "$out/sample.xml" \
    '/testsuites/testsuite[@name="ectls lint"]' 1
xp_count "junit: warning below the fail level passes" "$out/sample.xml" \
    '//testcase[@name="unregistered-id"][not(failure)][system-out]' 1

# `ectls lint` itself, once the command is wired.
if "$ECTLS" lint --list-checks >"$TMP/list" 2>/dev/null; then
	n=$(wc -l <"$TMP/list")
	cfg=$TMP/lint
	mkdir -p "$cfg"
	printf 'tls = required\nScope "x" {\n\ttls = yes\n\t= oops\n}\n' \
	    >"$cfg/bad.conf"
	"$ECTLS" lint --format sarif "$cfg/bad.conf" >"$cfg/out.sarif" \
	    2>"$cfg/err"
	validate_sarif "lint: --format sarif valid" "$cfg/out.sarif"
	jq_true "lint: sarif has every listed check as a rule" \
	    "$cfg/out.sarif" "(.runs[0].tool.driver.rules | length) == $n"
	"$ECTLS" lint --format json "$cfg/bad.conf" >"$cfg/out.json" 2>&1
	jq_true "lint: --format json reports the error" "$cfg/out.json" \
	    '.summary.errors >= 1 and
	    (.diagnostics[0].file | endswith("bad.conf"))'
	"$ECTLS" lint --format junit "$cfg/bad.conf" >"$cfg/out.xml" 2>&1
	check "lint: --format junit well-formed" xmllint --noout "$cfg/out.xml"
	xp_count "lint: junit has a testcase per check" "$cfg/out.xml" \
	    "//testcase[@classname=\"$cfg/bad.conf\"]" "$n"
else
	echo "# ectls lint --list-checks not available: lint checks not run"
fi
exit 0
