#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/man/suite.sh -- the documentation stays true and complete:
#  - every man page passes `mandoc -Tlint -Wwarning`;
#  - ectls-checks(7) has an entry for exactly the ids of compiler/checks.def
#    (and of `ectls lint --list-checks`), each with its default severity;
#  - ectls(1) names every command and option the built ectls prints in
#    its usage texts, and the exit statuses;
#  - ectls-table(5) agrees with runtime/tbl_format.h and the field list of
#    runtime/ectls.h; libectls(3) names every function of ectls.h;
#  - ectls-deliver(8) names every option of the built ectls-deliver;
#  - the CI examples (examples/ci/) are valid YAML, and the ectls command
#    lines in them run as written and produce a valid SARIF / JUnit report.
source tests/lib.sh

MAN=${MAN_DIR:-man}   # overridable, to test this suite on altered pages

# ---- mandoc -------------------------------------------------------------

if ! command -v mandoc >/dev/null 2>&1; then
	notok "mandoc is installed (scripts/install-deps)"
	exit 1
fi
for p in ectls.1 libectls.3 ectls-table.5 ectls-checks.7 ectls-deliver.8; do
	[ -f "$MAN/$p" ] || notok "man/$p exists"
done
for p in "$MAN"/*.[1-8]; do
	if mandoc -Tlint -Wwarning "$p" >"$TMP/lint" 2>&1 &&
	    [ ! -s "$TMP/lint" ]; then
		ok "mandoc -Tlint -Wwarning $p"
	else
		notok "mandoc -Tlint -Wwarning $p"
		sed 's/^/#   /' "$TMP/lint" | head -20
	fi
done

# ---- ectls-checks(7) ----------------------------------------------------

# "id severity" from checks.def: error, warning or note, with ", off by
# default" for a CHECK_DEFAULT_OFF entry.
sed -n 's/^CHECK("\([^"]*\)",[[:space:]]*\([A-Z_|[:space:]]*\),.*/\1 \2/p' \
    compiler/checks.def |
    awk '{ id = $1; sev = ""; off = 0
	for (i = 2; i <= NF; i++) {
		if ($i ~ /DIAG_ERROR/) sev = "error"
		else if ($i ~ /DIAG_WARNING/) sev = "warning"
		else if ($i ~ /DIAG_NOTE/) sev = "note"
		if ($i ~ /CHECK_DEFAULT_OFF/) off = 1
	}
	print id " " sev (off ? ", off by default" : "") }' |
    sort >"$TMP/def"
# The same from the page: ".It Sy ID Pq SEVERITY".
sed -n 's/^\.It Sy \([a-z0-9-]*\) Pq \(.*\)$/\1 \2/p' "$MAN/ectls-checks.7" |
    sed 's/ , /, /g' | sort >"$TMP/page"
ndef=$(wc -l <"$TMP/def")
# The registry the binary was built with must be checks.def as parsed.
"$ECTLS" lint --list-checks | awk '{ print $1 }' | sort >"$TMP/bin-ids"
cut -d' ' -f1 "$TMP/def" >"$TMP/def-ids"
if [ "$ndef" -gt 0 ] && cmp -s "$TMP/def-ids" "$TMP/bin-ids"; then
	ok "checks.def parsed: $ndef ids, as ectls lint --list-checks"
else
	notok "checks.def parsed ($ndef ids) differs from ectls lint --list-checks"
	diff "$TMP/def-ids" "$TMP/bin-ids" | head -10 | sed 's/^/#   /'
fi
missing=$(join -v1 "$TMP/def-ids" <(cut -d' ' -f1 "$TMP/page"))
if [ -z "$missing" ]; then
	ok "ectls-checks(7) documents every check id"
else
	notok "ectls-checks(7) lacks check ids:" $missing
fi
stale=$(join -v2 "$TMP/def-ids" <(cut -d' ' -f1 "$TMP/page"))
if [ -z "$stale" ]; then
	ok "ectls-checks(7) documents no id that checks.def lacks"
else
	notok "ectls-checks(7) documents unknown ids:" $stale
fi
# Ids in both whose severity differs.
wrong=$(awk 'NR == FNR { i = index($0, " ")
	sev[substr($0, 1, i - 1)] = substr($0, i + 1); next }
    { i = index($0, " "); id = substr($0, 1, i - 1)
	if (id in sev && sev[id] != substr($0, i + 1)) print id }' \
    "$TMP/page" "$TMP/def")
if [ -z "$wrong" ]; then
	ok "ectls-checks(7) gives each id its default severity"
else
	notok "ectls-checks(7) severity differs from checks.def for:" $wrong
fi
dups=$(cut -d' ' -f1 "$TMP/page" | uniq -d)
[ -z "$dups" ] && ok "ectls-checks(7) lists each id once" ||
    notok "ectls-checks(7) lists twice:" $dups

# ---- ectls(1) -----------------------------------------------------------

syn=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$MAN/ectls.1")
cmds=$("$ECTLS" --help | sed -n 's/^  ectls \([a-z]*\).*/\1/p')
bad=
for c in $cmds; do
	printf '%s\n' "$syn" | grep -Eq "^\.Nm$|^\.Cm $c( |$)" || bad="$bad $c"
	printf '%s\n' "$syn" | grep -Eq "^\.Cm $c( |$)" || bad="$bad $c"
done
if [ -n "$cmds" ] && [ -z "$bad" ]; then
	ok "ectls(1) synopsis has every command of ectls --help:" $cmds
else
	notok "ectls(1) synopsis lacks commands:$bad"
fi
# Every --option any usage text shows (help, or the usage of a misuse).
{
	"$ECTLS" --help
	for c in lint compile print schema; do "$ECTLS" $c --help; done
	for c in lookup dump diff verify explain; do "$ECTLS" $c 2>&1; done
} 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u >"$TMP/opts"
bad=
while read -r o; do
	grep -q "^\.Op Fl \\\\${o#-}\|Fl \\\\${o#-}\( \|$\)" "$MAN/ectls.1" ||
	    bad="$bad $o"
done <"$TMP/opts"
if [ -s "$TMP/opts" ] && [ -z "$bad" ]; then
	ok "ectls(1) documents every option in the usage texts ($(wc -l <"$TMP/opts"))"
else
	notok "ectls(1) lacks options:$bad"
fi
# Every long option the sources accept (getopt tables and the options
# compared by hand), usage text or not.
{
	sed -n 's/^[[:space:]]*{ "\([a-z][a-z-]*\)",[[:space:]]*[a-z_]*_argument.*/--\1/p' \
	    compiler/*.c
	grep -oh 'strn*cmp([^,]*, "--[a-z][a-z-]*' compiler/*.c |
	    sed 's/.*"//'
} | sort -u >"$TMP/src-opts"
bad=
while read -r o; do
	grep -q "Fl \\\\${o#-}\( \|$\)" "$MAN/ectls.1" || bad="$bad $o"
done <"$TMP/src-opts"
if [ "$(wc -l <"$TMP/src-opts")" -gt 15 ] && [ -z "$bad" ]; then
	ok "ectls(1) documents every option of the sources ($(wc -l <"$TMP/src-opts"))"
else
	notok "ectls(1) lacks options of compiler/*.c:$bad"
fi
grep -q '^\.Fl o Ar table' "$MAN/ectls.1" && ok "ectls(1) documents -o" ||
    notok "ectls(1) documents -o"
es=$(sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$MAN/ectls.1" |
    sed -n 's/^\.It \([0-9]*\)$/\1/p' | tr '\n' ' ')
[ "$es" = "0 1 2 " ] && ok "ectls(1) EXIT STATUS: 0 1 2" ||
    notok "ectls(1) EXIT STATUS lists: $es"

# ---- ectls-table(5) -----------------------------------------------------

T=$MAN/ectls-table.5
def() {
	sed -n "s/^#define $1[[:space:]]*\([0-9]*\)u*[[:space:]]*\$/\1/p" \
	    runtime/tbl_format.h
}
bad=
for pair in "HEADER_SIZE:Header (%s bytes)" \
    "POLICY_SIZE:POLICIES (%s bytes each)" "PROV_SIZE:PROV (%s bytes each)" \
    "REGEX_SIZE:REGEX (%s bytes each)" \
    "FILE_SIZE:FILES (%s bytes each, sorted by path bytes)" \
    "LOGFMT_SIZE:LOGFMT (%s bytes each, sorted by name)" \
    "REC_SIZE:RECORDS (%s bytes each)" "G_LINE:G (%s-byte lines)"; do
	v=$(def "TBL_${pair%%:*}")
	# shellcheck disable=SC2059
	title=$(printf "${pair#*:}" "$v")
	[ -n "$v" ] && grep -Fxq ".Ss $title" "$T" || bad="$bad TBL_${pair%%:*}"
done
[ -z "$bad" ] && ok "ectls-table(5) record sizes match tbl_format.h" ||
    notok "ectls-table(5) sizes differ from tbl_format.h:$bad"
v=$(def TBL_VERSION)
grep -q "^\.It 8 Ta 4 Ta format version: $v\$" "$T" &&
    grep -q "^\.Nd .*format version $v\$" "$T" &&
    ok "ectls-table(5) describes format version $v" ||
    notok "ectls-table(5) does not describe format version $v"
# Header offsets: every TBL_H_* constant is a row of the header table.
hdr=$(sed -n '/^\.Ss Header/,/^\.El/p' "$T")
bad=
for off in $(sed -n 's/^#define TBL_H_[A-Z]*[[:space:]]*\([0-9]*\)$/\1/p' \
    runtime/tbl_format.h); do
	printf '%s\n' "$hdr" | grep -q "^\.It $off Ta " || bad="$bad $off"
done
[ -z "$bad" ] && ok "ectls-table(5) header has every TBL_H_* offset" ||
    notok "ectls-table(5) header lacks offsets:$bad"
# Section order, as enum tbl_sec.
want=$(sed -n '/^enum tbl_sec/,/^}/s/^[[:space:]]*TBL_S_\([A-Z]*\).*/\1/p' \
    runtime/tbl_format.h | tr '\n' ' ')
got=$(sed -n 's/.*in the order \([A-Z, ]*\)$/\1/p' "$T" | tr -d ',')
[ -n "$want" ] && [ "$got " = "$want" ] &&
    ok "ectls-table(5) section order is enum tbl_sec" ||
    notok "ectls-table(5) section order \"$got\", enum tbl_sec \"$want\""
# The field list, in order, with types.
sed -n '/^#define ECTLS_FIELDS/,/^$/p' runtime/ectls.h |
    sed -n 's/^[[:space:]]*X([A-Z0-9_]*,[[:space:]]*\([a-z0-9_]*\),[[:space:]]*\([A-Z]*\)).*/\1 \2/p' |
    awk '{ print NR - 1 " " $1 " " $2 }' >"$TMP/fields"
sed -n 's/^\.It \([0-9]*\) Ta \([a-z][a-z0-9_]*\) Ta \([A-Z][A-Z]*\).*/\1 \2 \3/p' "$T" \
    >"$TMP/pfields"
if [ -s "$TMP/fields" ] && cmp -s "$TMP/fields" "$TMP/pfields"; then
	ok "ectls-table(5) field list is ECTLS_FIELDS ($(wc -l <"$TMP/fields") fields)"
else
	notok "ectls-table(5) field list differs from ECTLS_FIELDS"
	diff "$TMP/fields" "$TMP/pfields" | head -10 | sed 's/^/#   /'
fi

# An independent reader written from the page alone (tests/man/tblread.py:
# header, checksums, both hashes, filter, G, records, KEYX, bindings,
# provenance) answers every query as `ectls explain --json` does: binding
# names and domains of every length class of the hashes (1-3, 4-7, 8-16,
# 17-32, over 32 bytes; domains of 20 bytes and more in KEYX), case and a
# trailing dot, misses, unknown bindings, and 3000 keys over several
# index blocks.
mkdir -p "$TMP/tb"
bulkdom() { echo "d$1.bulk-domain-$(($1 * 7919 % 10007)).example"; }
{
	cat <<'EOF'
tls = ifavailable
tls_protocols = "+ALL:-SSLv2:-SSLv3:-TLSv1:-TLSv1.1"
remote_smtp_port = 2525
binding "b" {
  ehlo_hostname = "one.example"
  domain "a.io" { tls = required }
  domain "mx" { tls = no }
}
binding "abcde" {
  remote_smtp_port = 26
  domain "bank.example" { tls = required }
  domain "averyveryverylongdomainnamethatislongerthan32.example" { tls = no }
}
binding "binding-of-17-chr" {
  domain "x.y" { tls = required }
  domain "twenty-one-bytes.com" { tls = no }
}
binding "a-binding-name-well-over-thirty-two-bytes-long" {
  domain "b.example" { tls = required }
}
domain "global.example" { tls = required }
EOF
	for b in 0 1 2 3 4 5 6; do
		echo "binding \"bulk$b\" {"
		i=$b
		while [ $i -lt 3000 ]; do
			printf '  domain "%s" { tls = %s }\n' "$(bulkdom $i)" \
			    "$([ $((i % 3)) = 0 ] && echo no || echo required)"
			i=$((i + 7))
		done
		echo "}"
	done
} >"$TMP/tb/h.conf"
if "$ECTLS" compile --disable tls-unverified "$TMP/tb/h.conf" \
    -o "$TMP/tb/h.ectp" 2>"$TMP/tb/err"; then
	bad= n=0
	while read -r b d; do
		n=$((n + 1))
		got=$(python3 tests/man/tblread.py "$TMP/tb/h.ectp" "$b" "$d" 2>&1)
		want=$("$ECTLS" explain --json "$TMP/tb/h.ectp" "$b" "$d" |
		    jq -r '
		    def lv: {"default":0,"B::D":1,"G::D":2,"B":3,"G":4,"D":5,
			"global":6}[.];
		    def tn: {"no":0,"ifavailable":1,"required":2}[.];
		    "how=\(.match) default=\(if .via_default then 1 else 0 end)" +
		    " tls=\(.fields.tls.value | tn)" +
		    " port=\(.fields.remote_smtp_port.value)" +
		    " ehlo=\(.fields.ehlo_hostname.value // "-")" +
		    " tls.line=\(.fields.tls.line // 0)" +
		    " tls.level=\(.fields.tls.level | lv)"' 2>&1)
		[ "$got" = "$want" ] ||
		    bad="$bad [$b $d: page reader \"$got\", ectls \"$want\"]"
	done < <(cat <<'EOF'
b a.io
b A.IO.
b mx
b other.example
abcde bank.example
abcde AveryVeryverylongdomainnamethatislongerthan32.example
binding-of-17-chr x.y
binding-of-17-chr twenty-one-bytes.com
binding-of-17-chr TWENTY-ONE-BYTES.COM.
a-binding-name-well-over-thirty-two-bytes-long b.example
nosuch global.example
nosuch x
default a.io
bulk6 nothere.example
EOF
	for i in 0 1 2 1500 1501 2997 2998 2999; do
		echo "bulk$((i % 7)) $(bulkdom $i)"
		echo "bulk$(((i + 1) % 7)) $(bulkdom $i)"
	done)
	if [ -z "$bad" ] && [ "$n" -ge 30 ]; then
		ok "ectls-table(5): a reader written from the page answers as ectls ($n queries)"
	else
		notok "ectls-table(5): a reader written from the page differs:$bad"
	fi
else
	notok "ectls-table(5): the page-reader test table compiles"
	head -5 "$TMP/tb/err" | sed 's/^/#   /'
fi

# ---- libectls(3) --------------------------------------------------------

bad=
for f in $(grep -o 'ectls_[a-z0-9_]*(' runtime/ectls.h | tr -d '(' |
    sort -u); do
	grep -Eq "(^\.F[no] |Fn )$f( |$)" "$MAN/libectls.3" || bad="$bad $f"
done
[ -z "$bad" ] && ok "libectls(3) names every function of ectls.h" ||
    notok "libectls(3) lacks:$bad"
bad=
for e in $(sed -n 's/^[[:space:]]*\(ECTLS_ERR_[A-Z_]*\),.*/\1/p' \
    runtime/ectls.h | grep -v '__COUNT'); do
	grep -q "^\.It Dv $e\$" "$MAN/libectls.3" || bad="$bad $e"
done
[ -z "$bad" ] && ok "libectls(3) ERRORS lists every ECTLS_ERR_ code" ||
    notok "libectls(3) ERRORS lacks:$bad"

# ---- ectls-deliver(8) ---------------------------------------------------

D=$BUILD/ectls-deliver
if [ -x "$D" ]; then
	"$D" --help >"$TMP/dhelp" 2>&1
	bad=
	for o in $(grep -o -- '--[a-z][a-z-]*' "$TMP/dhelp" | sort -u); do
		grep -q "Fl \\\\${o#-}\( \|$\)" "$MAN/ectls-deliver.8" ||
		    bad="$bad $o"
	done
	for c in $(sed -n 's/^usage: ectls-deliver \([a-z]*\) .*/\1/p' \
	    "$TMP/dhelp"); do
		grep -q "^\.Cm $c\$" "$MAN/ectls-deliver.8" || bad="$bad $c"
	done
	[ -z "$bad" ] && ok "ectls-deliver(8) documents every option of --help" ||
	    notok "ectls-deliver(8) lacks:$bad"
	es=$(sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$MAN/ectls-deliver.8" |
	    sed -n 's/^\.It \([0-9]*\)$/\1/p' | sort -nu | tr '\n' ' ')
	he=$(grep -o '\b[0-9]\+ [a-z]' "$TMP/dhelp" | grep -o '^[0-9]*' |
	    sort -nu | tr '\n' ' ')
	[ -n "$he" ] && [ "$es" = "$he" ] &&
	    ok "ectls-deliver(8) exit statuses are those of --help: $es" ||
	    notok "ectls-deliver(8) exit statuses \"$es\", --help \"$he\""
fi

# The sources of ectls-deliver, whatever --help says.
DM=runtime/deliver/main.c
D8=$MAN/ectls-deliver.8
sect() {	# the text of section $1 of ectls-deliver(8)
	sed -n "/^\.Sh $1\$/,/^\.Sh /p" "$D8"
}
# Each mode's getopt table against the mode's synopsis.
awk '/^(cmd|parse)_[a-z]+\(/ { f = $0; sub(/^(cmd|parse)_/, "", f)
		sub(/\(.*/, "", f) }
    /^[[:space:]]*\{ "[a-z][a-z-]*",[[:space:]]*[a-z_]*_argument/ {
		o = $0; sub(/^[^"]*"/, "", o); sub(/".*/, "", o)
		print f " --" o }' "$DM" | sort -u >"$TMP/d-opts"
bad=
while read -r m o; do
	[ "$o" = --help ] && continue
	sed -n "/^\.Sh SYNOPSIS/,/^\.Sh /p" "$D8" |
	    awk -v m="$m" '/^\.Nm$/ { on = 0 } $0 == ".Cm " m { on = 1 } on' |
	    grep -q "Fl \\\\${o#-}\( \|$\)" || bad="$bad $m:$o"
	sect OPTIONS | grep -q "^\.It Fl \\\\${o#-}\( \|$\)" || bad="$bad OPTIONS:$o"
done <"$TMP/d-opts"
if [ "$(cut -d' ' -f1 "$TMP/d-opts" | sort -u | tr '\n' ' ')" = \
    "queue run send submit " ] && [ -z "$bad" ]; then
	ok "ectls-deliver(8) synopsis and OPTIONS: every option of each mode's getopt table ($(wc -l <"$TMP/d-opts"))"
else
	notok "ectls-deliver(8) lacks (mode:option):$bad"
fi
# The spool: every directory and every state-file key.
bad=
for d in $(sed -n 's/^[[:space:]]*\[D_[A-Z]*\] = "\([a-z]*\)",$/\1/p' \
    runtime/spool/spool.c); do
	sect SPOOL | grep -q "^\.It Pa $d/" || bad="$bad $d/"
done
for k in $(sed -n '/^state_text(/,/^}/p' runtime/spool/spool.c |
    grep -o '\(\\n\|"\)[a-z_]* %' | sed 's/^\(\\n\|"\)//; s/ %$//' | sort -u); do
	sect SPOOL | grep -Eq "^\.Cm ($k|.* $k)( |$)|^\.Cm $k ,|Ql $k " || bad="$bad $k"
done
if [ -z "$bad" ]; then
	ok "ectls-deliver(8) SPOOL: every spool directory and state-file key"
else
	notok "ectls-deliver(8) SPOOL lacks:$bad"
fi
# Signals the program handles, in SIGNALS.
bad=
for g in $(grep -o 'sig\(action\|addset\)*([^,]*, SIG[A-Z]*\|signal(SIG[A-Z]*' "$DM" |
    grep -o 'SIG[A-Z]*' | sort -u); do
	sect SIGNALS | grep -q "^\.It Dv .*$g" || bad="$bad $g"
done
[ -z "$bad" ] && ok "ectls-deliver(8) SIGNALS: every signal of main.c" ||
    notok "ectls-deliver(8) SIGNALS lacks:$bad"
# JSON members: the log, the failure record, queue --json.
bad=
for k in $( { grep -o 'json_kv([a-z]*, "[a-z_]*"' "$DM" | sed 's/.*, "//'
    grep -oh '\\"[a-z_]*\\":' "$DM" runtime/spool/spool.c | tr -d '\\":'; } |
    tr -d '"' | sort -u); do
	grep -q "\"$k\"\|(dq$k\\\\(dq\|^\.Qq $k\|^\.It Qq $k" "$D8" || bad="$bad $k"
done
[ -z "$bad" ] && ok "ectls-deliver(8) names every JSON member it writes" ||
    notok "ectls-deliver(8) lacks JSON members:$bad"
# Exit statuses: the EX_ values of main.c, and nothing "not yet implemented".
bad=
for v in $(sed -n 's/^#define EX_[A-Z]*_[[:space:]]*\([0-9]*\)$/\1/p' "$DM"); do
	sect "EXIT STATUS" | grep -q "^\.It $v\$" || bad="$bad $v"
done
grep -qi 'not yet implemented' "$D8" && bad="$bad (says \"not yet implemented\")"
[ -z "$bad" ] && ok "ectls-deliver(8) EXIT STATUS lists every EX_ value of main.c" ||
    notok "ectls-deliver(8) EXIT STATUS:$bad"
# The custom_logger macros with a value (deliver/logfmt.h).
bad=
for mname in $(sed -n '/^ \* Macros with a value here:/,/^ \* Momentum macros that have no value/p' \
    runtime/deliver/logfmt.h | grep -o '%[A-Za-z_]\+' | sort -u); do
	grep -q "^\.Ql \\\\&$mname\( \|{\|$\)" "$D8" || bad="$bad $mname"
done
[ -z "$bad" ] && ok "ectls-deliver(8) LOG FORMAT: every custom_logger macro of logfmt.h" ||
    notok "ectls-deliver(8) lacks custom_logger macros:$bad"

# ---- examples/ci --------------------------------------------------------

GH=examples/ci/github-actions.yml
GL=examples/ci/gitlab-ci.yml
# Debian's python3 has python3-yaml, jsonschema and rfc3987
# (scripts/install-deps); a python3 earlier in PATH (pyenv, venv) may not.
py=python3
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import yaml, jsonschema, rfc3987' 2>/dev/null; then
		py=$p
		break
	fi
done
# Prints "KEY=VALUE" for ECTLS_CONFIG, "OUT=<report file>", then each
# ectls command line of the run/script blocks as "CMD=...".
"$py" - "$GH" "$GL" >"$TMP/ci" 2>"$TMP/ci.err" <<'EOF' || true
import sys, yaml

def lines(s):
    for l in str(s).splitlines():
        l = l.strip()
        if l.startswith("ectls "):
            yield l

gh = yaml.safe_load(open(sys.argv[1]))
gl = yaml.safe_load(open(sys.argv[2]))
# GitHub: the workflow env, a lint step, an upload-sarif step that runs on
# failure too.
print("GH_CONFIG=" + gh["env"]["ECTLS_CONFIG"])
steps = gh["jobs"]["lint"]["steps"]
up = [s for s in steps
      if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
assert len(up) == 1, "one upload-sarif step"
assert "failure()" in up[0]["if"], "upload-sarif runs when lint fails"
assert gh["permissions"]["security-events"] == "write"
print("GH_OUT=" + up[0]["with"]["sarif_file"])
for s in steps:
    for l in lines(s.get("run", "")):
        print("GH_CMD=" + l)
# GitLab: the job's variables, script, and artifacts:reports:junit.
job = gl["ectls-lint"]
print("GL_CONFIG=" + job["variables"]["ECTLS_CONFIG"])
assert job["artifacts"]["when"] == "always", "report kept when lint fails"
print("GL_OUT=" + job["artifacts"]["reports"]["junit"])
for l in job["script"]:
    for c in lines(l):
        print("GL_CMD=" + c)
EOF
if [ ! -s "$TMP/ci.err" ] && grep -q '^GH_CMD=' "$TMP/ci" &&
    grep -q '^GL_CMD=' "$TMP/ci"; then
	ok "CI examples are valid YAML with the expected jobs"
else
	notok "CI examples are valid YAML with the expected jobs"
	sed 's/^/#   /' "$TMP/ci.err" | tail -5
fi

# A directory with ectls on PATH, as the examples install it.
mkdir -p "$TMP/bin"
ln -sf "$(cd "$(dirname "$ECTLS")" && pwd)/$(basename "$ECTLS")" \
    "$TMP/bin/ectls"
bad_conf='# tls_protocols "+ALL" enables SSLv3
tls = ifavailable
tls_protocols = "+ALL"
'
good_conf='tls = ifavailable
tls_protocols = "+ALL:-SSLv2:-SSLv3:-TLSv1:-TLSv1.1"
'

# run_ci PREFIX CONF_TEXT WANT_STATUS: run the PREFIX_CMD lines in a fresh
# directory holding PREFIX_CONFIG; sets $dir.
run_ci() {
	local p=$1 text=$2 want=$3 conf out rc line
	conf=$(sed -n "s/^${p}_CONFIG=//p" "$TMP/ci")
	dir=$TMP/ci-$p-$want
	mkdir -p "$dir"
	printf '%s' "$text" >"$dir/$conf"
	rc=0
	while IFS= read -r line; do
		(cd "$dir" && ECTLS_CONFIG=$conf PATH=$TMP/bin:$PATH \
		    bash -c "$line") 2>"$dir/stderr" || rc=$?
	done < <(sed -n "s/^${p}_CMD=//p" "$TMP/ci")
	if [ "$rc" -eq "$want" ]; then
		ok "$p example command lines run (exit $rc, as wanted)"
	else
		notok "$p example command lines: exit $rc, want $want"
		sed 's/^/#   /' "$dir/stderr" | head -5
	fi
}

if grep -q '^GH_CMD=' "$TMP/ci"; then
	out=$(sed -n 's/^GH_OUT=//p' "$TMP/ci")
	conf=$(sed -n 's/^GH_CONFIG=//p' "$TMP/ci")
	run_ci GH "$bad_conf" 1
	# SARIF 2.1.0 with the finding, at a path relative to %SRCROOT%.
	if jq -e --arg f "$conf" '.version == "2.1.0" and
	    ([.runs[0].results[] | select(.ruleId == "tls-poodle" and
	    .locations[0].physicalLocation.artifactLocation.uri == $f and
	    .locations[0].physicalLocation.artifactLocation.uriBaseId ==
	    "%SRCROOT%")] | length > 0)' "$dir/$out" >/dev/null 2>&1; then
		ok "GH example writes $out: SARIF 2.1.0, tls-poodle at $conf"
	else
		notok "GH example writes $out: SARIF 2.1.0, tls-poodle at $conf"
	fi
	if "$py" tests/report/validate_sarif.py \
	    tests/report/sarif-schema-2.1.0.json "$dir/$out" >"$TMP/sv" 2>&1
	then
		ok "GH example SARIF validates against the SARIF 2.1.0 schema"
	else
		notok "GH example SARIF validates against the SARIF 2.1.0 schema"
		sed 's/^/#   /' "$TMP/sv" | head -5
	fi
	run_ci GH "$good_conf" 0
	if jq -e '.runs[0].results == []' "$dir/$out" >/dev/null 2>&1; then
		ok "GH example on a clean config: SARIF with no results"
	else
		notok "GH example on a clean config: SARIF with no results"
	fi
fi
if grep -q '^GL_CMD=' "$TMP/ci"; then
	out=$(sed -n 's/^GL_OUT=//p' "$TMP/ci")
	run_ci GL "$bad_conf" 1
	if xmllint --noout "$dir/$out" 2>/dev/null &&
	    [ "$(xmllint --xpath 'count(//testcase[@name="tls-poodle"]/failure)' \
	    "$dir/$out" 2>/dev/null)" = 1 ]; then
		ok "GL example writes $out: JUnit XML, tls-poodle failed"
	else
		notok "GL example writes $out: JUnit XML, tls-poodle failed"
	fi
	run_ci GL "$good_conf" 0
	if [ "$(xmllint --xpath 'count(//failure)' "$dir/$out" 2>/dev/null)" = 0 ] &&
	    [ "$(xmllint --xpath 'count(//testcase)' "$dir/$out" 2>/dev/null)" -gt 0 ]; then
		ok "GL example on a clean config: JUnit with no failure"
	else
		notok "GL example on a clean config: JUnit with no failure"
	fi
fi
