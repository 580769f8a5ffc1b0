#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/schema/suite.sh -- the option schema: options.xml against options.xsd,
# `ectls schema` output, broken and hostile schema files, --schema extras,
# the hash, and the coverage of the published corpus.
source tests/lib.sh
ECTLS_ABS=$(cd "$(dirname "$ECTLS")" && pwd)/$(basename "$ECTLS")

# --- the files themselves ----------------------------------------------
if xmllint --noout --schema schema/options.xsd schema/options.xml \
    >"$TMP/xl.out" 2>&1; then
	ok "options.xml validates against options.xsd (xmllint)"
else
	notok "options.xml validates against options.xsd (xmllint)"
	sed 's/^/#   /' "$TMP/xl.out" | head -20
fi
# Every type name the XSD allows is one the loader knows, and back.
xsd_types=$(sed -n '/name="optType"/,/<\/xs:simpleType>/s/.*enumeration value="\([a-z]*\)".*/\1/p' \
    schema/options.xsd | sort | tr '\n' ' ')
c_types=$(sed -n '/type_names\[OPT_T_COUNT\]/,/^};/s/.*= "\([a-z]*\)",/\1/p' \
    schema/schema.c | sort | tr '\n' ' ')
if [ -n "$xsd_types" ] && [ "$xsd_types" = "$c_types" ]; then
	ok "XSD type names match the loader's"
else
	notok "XSD type names match the loader's"
	echo "#   xsd: $xsd_types"
	echo "#   c:   $c_types"
fi

# --- listing -------------------------------------------------------------
expect_status 0 "ectls schema lists options" "$ECTLS" schema
cp "$TMP/out" "$TMP/list"
n=$(wc -l <"$TMP/list")
if [ "$n" -ge 400 ] && awk 'NF != 3 { bad = 1 } END { exit bad }' "$TMP/list"; then
	ok "listing: $n lines of name, type, scopes"
else
	notok "listing: $n lines of name, type, scopes"
fi
if LC_ALL=C sort -c -k1,1 "$TMP/list" 2>/dev/null; then
	ok "listing is sorted by name"
else
	notok "listing is sorted by name"
fi
if grep -Eq '^tls +enum +binding,binding_group,domain,global$' "$TMP/list" &&
    grep -Eq '^max_outbound_connections +int +binding,binding_group,domain,global,host$' "$TMP/list" &&
    grep -Eq '^enabled +bool +@module$' "$TMP/list"; then
	ok "listing: tls, max_outbound_connections, enabled lines"
else
	notok "listing: tls, max_outbound_connections, enabled lines"
fi
for o in tls tls_ifavailable_fallback tls_verify tls_ca tls_certificate tls_key \
    tls_ciphers tlsv13_ciphersuites tls_protocols tls_engine \
    tls_allow_renegotiation tls_client_ca tls_verify_mode \
    tls_verified_peer_can_relay use_ssl starttls_injection_policy \
    tls_dhparams_file tls_enable_dhe_ciphers tls_ec_curve_names crypto_engine \
    use_dane enable_dane use_mta_sts enable_mta_sts gateway routes \
    remote_smtp_port ehlo_hostname bind_address max_outbound_connections \
    message_expiration retry_interval connect_timeout ehlo_timeout \
    mailfrom_timeout rcptto_timeout body_timeout rset_timeout idle_timeout \
    max_deliveries_per_connection; do
	grep -q "^$o " "$TMP/list" || missing="$missing $o"
done
if [ -z "${missing:-}" ]; then
	ok "listing has every TLS and outbound core option of the brief"
else
	notok "listing has every TLS and outbound core option of the brief:$missing"
fi

expect_status 0 "ectls schema --scopes" "$ECTLS" schema --scopes
if grep -Eq '^esmtp_listener +none +core +global$' "$TMP/out" &&
    grep -Eq '^listen +required +core +control_listener,' "$TMP/out" &&
    grep -Eq '^binding +required +core +binding_group,global$' "$TMP/out" &&
    grep -Eq '^ec_logger +optional +module +global$' "$TMP/out" &&
    grep -Eq '^global +none +core +-$' "$TMP/out"; then
	ok "--scopes: keyword, instance, kind, parents"
else
	notok "--scopes: keyword, instance, kind, parents"
	head -5 "$TMP/out" | sed 's/^/#   /'
fi

# --- one option ------------------------------------------------------------
expect_status 0 "ectls schema tls" "$ECTLS" schema tls
cat >"$TMP/want-tls" <<'EOF'
option tls
  type:        enum
  values:      no, ifavailable, required
  default:     no
  scopes:      binding, binding_group, domain, global
  since:       4.0
  dynamic:     yes
  engine:      both
EOF
head -8 "$TMP/out" >"$TMP/got-tls"
expect_same "ectls schema tls: type, values, default, scopes, since, engine" \
    "$TMP/want-tls" "$TMP/got-tls"
if grep -q '^  description: STARTTLS on delivery' "$TMP/out" &&
    grep -Eq '^  defined at:  schema/options.xml:[0-9]+$' "$TMP/out"; then
	ok "ectls schema tls: description and definition line"
else
	notok "ectls schema tls: description and definition line"
fi
"$ECTLS" schema TLS_Verify >"$TMP/a" 2>&1
"$ECTLS" schema tls_verify >"$TMP/b" 2>&1
if cmp -s "$TMP/a" "$TMP/b" && grep -q 'values:      no, ca, host, optional' "$TMP/a"; then
	ok "ectls schema is case-insensitive (TLS_Verify)"
else
	notok "ectls schema is case-insensitive (TLS_Verify)"
fi
"$ECTLS" schema remote_smtp_port >"$TMP/out" 2>&1
if grep -q '^  range:       1..65535$' "$TMP/out"; then
	ok "ectls schema remote_smtp_port shows the range"
else
	notok "ectls schema remote_smtp_port shows the range"
fi
"$ECTLS" schema tls_protocols >"$TMP/out" 2>&1
if grep -q '^  engine:      openssl$' "$TMP/out" &&
    grep -q '^  tokens:      ALL, SSLv2, SSLv3, TLSv1, TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3$' "$TMP/out"; then
	ok "ectls schema tls_protocols: openssl only, tokens"
else
	notok "ectls schema tls_protocols: openssl only, tokens"
fi
"$ECTLS" schema file_mode >"$TMP/out" 2>&1
if [ "$(grep -c '^option file_mode$' "$TMP/out")" -eq 2 ]; then
	ok "ectls schema file_mode shows both variants"
else
	notok "ectls schema file_mode shows both variants"
fi
"$ECTLS" schema pathway >"$TMP/out" 2>&1
if grep -q '^option pathway$' "$TMP/out" && grep -q '^scope pathway$' "$TMP/out"; then
	ok "ectls schema pathway shows the option and the scope"
else
	notok "ectls schema pathway shows the option and the scope"
fi
# The schema is embedded: no install path, any working directory.
if (cd / && "$ECTLS_ABS" schema tls_key >/dev/null 2>&1); then
	ok "ectls schema works from another directory (embedded schema)"
else
	notok "ectls schema works from another directory (embedded schema)"
fi

expect_status 1 "unknown option: exit 1" "$ECTLS" schema tls_verfy
if grep -q '^ectls: error: unknown option or scope "tls_verfy"$' "$TMP/err" &&
    grep -q '^ectls: note: did you mean "tls_verify"?$' "$TMP/err"; then
	ok "unknown option: error and did-you-mean"
else
	notok "unknown option: error and did-you-mean"
	sed 's/^/#   /' "$TMP/err"
fi
expect_status 1 "unknown scope-like name: exit 1" "$ECTLS" schema Esmtp_Listner
if grep -q 'did you mean "esmtp_listener"' "$TMP/err"; then
	ok "unknown scope: did-you-mean"
else
	notok "unknown scope: did-you-mean"
fi
expect_status 1 "nothing close: exit 1" "$ECTLS" schema qqqqqqqqqqqqqq
if ! grep -q 'did you mean' "$TMP/err"; then
	ok "nothing close: no suggestion"
else
	notok "nothing close: no suggestion"
fi

# --- usage --------------------------------------------------------------------
expect_status 2 "usage: unknown flag" "$ECTLS" schema --bogus
expect_status 2 "usage: two names" "$ECTLS" schema tls tls_verify
expect_status 2 "usage: --schema without a file" "$ECTLS" schema --schema
expect_status 2 "usage: --scopes with a name" "$ECTLS" schema --scopes tls
expect_status 2 "missing --schema file" "$ECTLS" schema --schema "$TMP/nope.xml"
if grep -q 'cannot open' "$TMP/err"; then
	ok "missing --schema file: cannot open"
else
	notok "missing --schema file: cannot open"
fi

# --- broken schema files --------------------------------------------------------
# broken NAME FILE WANT_LINE MESSAGE_PART
broken() {
	local name=$1 file=$2 line=$3 part=$4
	"$ECTLS" schema --schema "$file" tls >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" -ne 2 ]; then
		notok "broken schema ($name): exit $rc, want 2"
		return
	fi
	if grep -Eq "^$file:$line(:[0-9]+)?: error: .*$part" "$TMP/err"; then
		ok "broken schema ($name): FILE:$line: error: ..."
	else
		notok "broken schema ($name): FILE:$line: error: ..."
		sed 's/^/#   /' "$TMP/err" | head -5
	fi
	if [ -s "$TMP/out" ]; then
		notok "broken schema ($name): nothing on stdout"
	fi
}
cat >"$TMP/nwf.xml" <<'EOF'
<?xml version="1.0"?>
<schema version="1">
  <options>
    <option name="x" type="int" scopes="global">
  </options>
</schema>
EOF
broken "not well-formed" "$TMP/nwf.xml" 5 "mismatch"
cat >"$TMP/inv.xml" <<'EOF'
<?xml version="1.0"?>
<schema version="1">
  <options>
    <option name="x" type="number" scopes="global">
      <description>d</description>
    </option>
  </options>
</schema>
EOF
broken "invalid against the XSD" "$TMP/inv.xml" 4 "number"
cat >"$TMP/minmax.xml" <<'EOF'
<?xml version="1.0"?>
<schema version="1">
  <options>

    <option name="x" type="int" scopes="global" min="9" max="3">
      <description>d</description>
    </option>
  </options>
</schema>
EOF
broken "min greater than max" "$TMP/minmax.xml" 5 'option "x": min 9 greater than max 3'
cat >"$TMP/enumdef.xml" <<'EOF'
<?xml version="1.0"?>
<schema version="1">
  <options>
    <option name="x" type="enum" scopes="global" default="sometimes">
      <value>no</value>
      <value>yes</value>
      <description>d</description>
    </option>
  </options>
</schema>
EOF
broken "enum default not a value" "$TMP/enumdef.xml" 4 'default "sometimes"'
cat >"$TMP/scope.xml" <<'EOF'
<?xml version="1.0"?>
<schema version="1">
  <scopes>
    <scope name="mine" instance="none" parents="gloabl">
      <description>d</description>
    </scope>
  </scopes>
</schema>
EOF
broken "unknown parent scope" "$TMP/scope.xml" 4 'unknown parent scope "gloabl"'
cat >"$TMP/dup.xml" <<'EOF'
<?xml version="1.0"?>
<schema version="1">
  <options>
    <option name="x" type="int" scopes="global"><description>d</description></option>
    <option name="x" type="bool" scopes="global"><description>d</description></option>
  </options>
</schema>
EOF
broken "duplicate option" "$TMP/dup.xml" 5 'duplicate option "x" in scope "global" \(first defined at line 4\)'

# --- hostile XML: external entities are never read -----------------------------
marker="ECTLS-XXE-MARKER-$$"
echo "$marker" >"$TMP/secret"
cat >"$TMP/xxe.xml" <<EOF
<?xml version="1.0"?>
<!DOCTYPE schema [ <!ENTITY xxe SYSTEM "file://$TMP/secret"> ]>
<schema version="1">
  <options>
    <option name="leak" type="string" scopes="global">
      <description>&xxe;</description>
    </option>
  </options>
</schema>
EOF
"$ECTLS" schema --schema "$TMP/xxe.xml" leak >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 2 ] && ! grep -q "$marker" "$TMP/out" "$TMP/err" &&
    grep -q "^$TMP/xxe.xml:2: error: DOCTYPE" "$TMP/err"; then
	ok "external entity: refused with a located error, marker never read"
else
	notok "external entity: refused with a located error, marker never read (exit $rc)"
	sed 's/^/#   /' "$TMP/err" | head -5
fi
sed -i 's#<description>&xxe;</description>#<description>d</description>#; s#<option name="leak" type="string"#<option name="leak" default="\&xxe;" type="string"#' "$TMP/xxe.xml"
"$ECTLS" schema --schema "$TMP/xxe.xml" --canonical >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 2 ] && ! grep -q "$marker" "$TMP/out" "$TMP/err"; then
	ok "external entity in an attribute: error, marker never read"
else
	notok "external entity in an attribute: error, marker never read (exit $rc)"
fi
cat >"$TMP/xxe-param.xml" <<EOF
<?xml version="1.0"?>
<!DOCTYPE schema [ <!ENTITY % p SYSTEM "file://$TMP/secret"> %p; ]>
<schema version="1"/>
EOF
"$ECTLS" schema --schema "$TMP/xxe-param.xml" --hash >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 2 ] && ! grep -q "$marker" "$TMP/out" "$TMP/err"; then
	ok "external parameter entity: error, marker never read"
else
	notok "external parameter entity: error, marker never read (exit $rc)"
fi

# --- --schema extra: a custom module option ----------------------------------------
cat >"$TMP/extra.xml" <<'EOF'
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
  </options>
</schema>
EOF
expect_status 0 "--schema extra: custom module option" \
    "$ECTLS" schema --schema "$TMP/extra.xml" ACME_Threshold
if grep -q '^option acme_threshold$' "$TMP/out" &&
    grep -q '^  scopes:      acme_filter$' "$TMP/out" &&
    grep -q '^  range:       1..100$' "$TMP/out" &&
    grep -q "^  defined at:  $TMP/extra.xml:9$" "$TMP/out"; then
	ok "--schema extra: scopes, range and definition line"
else
	notok "--schema extra: scopes, range and definition line"
	sed 's/^/#   /' "$TMP/out"
fi
"$ECTLS" schema --schema "$TMP/extra.xml" --scopes >"$TMP/out" 2>&1
"$ECTLS" schema --schema "$TMP/extra.xml" enabled >"$TMP/out2" 2>&1
if grep -Eq '^acme_filter +optional +module +global$' "$TMP/out" &&
    grep -q 'acme_filter' "$TMP/out2"; then
	ok "--schema extra: new module scope, @module options reach it"
else
	notok "--schema extra: new module scope, @module options reach it"
fi
expect_status 1 "without --schema the custom option is unknown" \
    "$ECTLS" schema acme_threshold

# --- --check: values from stdin -----------------------------------------------
printf 'binding\ttls\trequired\nglobal\tspool_mode\t0640\nlisten\ttls_key\t/k.pem\n' \
    >"$TMP/vals-ok"
expect_status 0 "--check: valid values" \
    sh -c '"$1" schema --check <"$2"' _ "$ECTLS" "$TMP/vals-ok"
printf 'binding\ttls\tsometimes\nhost\ttls\tno\nglobal\tnope\tx\nbinding\toutbound_smtp_auth_pass\tx:y\nbad line\n' \
    >"$TMP/vals-bad"
expect_status 1 "--check: bad values" \
    sh -c '"$1" schema --check <"$2"' _ "$ECTLS" "$TMP/vals-bad"
cat >"$TMP/want-check" <<'EOF'
1: tls = "sometimes": unknown value "sometimes" (expected no, ifavailable, required)
2: option "tls" not allowed in scope "host"
3: unknown option "nope"
5: expected SCOPE<TAB>OPTION<TAB>VALUE
EOF
expect_same "--check: one line per bad value" "$TMP/want-check" "$TMP/out"

# --- the hash ------------------------------------------------------------------------
h1=$("$ECTLS" schema --hash)
h2=$("$ECTLS" schema --canonical | sha256sum | cut -d' ' -f1)
h3=$("$ECTLS" schema --schema "$TMP/extra.xml" --hash)
if [[ $h1 =~ ^[0-9a-f]{64}$ ]] && [ "$h1" = "$h2" ]; then
	ok "--hash is the SHA-256 of --canonical (sha256sum agrees)"
else
	notok "--hash is the SHA-256 of --canonical ($h1 vs $h2)"
fi
if [ -n "$h3" ] && [ "$h3" != "$h1" ]; then
	ok "--hash changes with a --schema extra"
else
	notok "--hash changes with a --schema extra"
fi
# Comments and formatting do not change the identity.
sed 's#<description>in-house filter module</description>#<!-- c --><description>in-house filter module</description>#' \
    "$TMP/extra.xml" >"$TMP/extra2.xml"
h4=$("$ECTLS" schema --schema "$TMP/extra2.xml" --hash)
if [ "$h4" = "$h3" ]; then
	ok "--hash ignores comments"
else
	notok "--hash ignores comments"
fi

# --- coverage of the published corpus ---------------------------------------------------
bash tests/schema/corpus-coverage.sh "$SHARED/corpus/valid"
mkdir -p "$TMP/corpus"
cat >"$TMP/corpus/x.conf" <<'EOF'
binding "b" {
  tls = required
  tls_verfy = host
  esmtp_listener { }
  remote_smtp_port = 70000
}
EOF
bash tests/schema/corpus-coverage.sh "$TMP/corpus" >"$TMP/out" 2>&1
if grep -q '^not ok - coverage x.conf' "$TMP/out" &&
    grep -q 'line 3: unknown option "tls_verfy" in binding' "$TMP/out" &&
    grep -q 'line 4: scope "esmtp_listener" not allowed in binding' "$TMP/out" &&
    grep -q 'line 5: remote_smtp_port = "70000": integer 70000 out of range 1..65535' "$TMP/out" &&
    ! grep -q '"tls"' "$TMP/out"; then
	ok "coverage script flags unknown options, misplaced scopes, bad values"
else
	notok "coverage script flags unknown options, misplaced scopes, bad values"
	sed 's/^/#   /' "$TMP/out" | head
fi

# --- external entities are never even opened ------------------------------------
# The entity targets a FIFO without a writer: open(2) on it blocks, so a
# loader that tried to read it would hang until `timeout` kills it (124).
# xmllint --noent, which does resolve entities, is the control showing the
# trap works.  With strace, also no open/openat of the path at all.
mkfifo "$TMP/trap"
xxe_file() {	# WHERE: content, attribute or parameter
	local ent='<!ENTITY xxe SYSTEM "file://'"$TMP"'/trap">' use=''
	case $1 in
	parameter) ent='<!ENTITY % p SYSTEM "file://'"$TMP"'/trap"> %p;' ;;
	attribute) use=' default="&xxe;"' ;;
	esac
	cat <<EOT
<?xml version="1.0"?>
<!DOCTYPE schema [ $ent ]>
<schema version="1">
  <options>
    <option name="leak" type="string" scopes="global"$use>
      <description>$( [ "$1" = content ] && echo '&xxe;' || echo d )</description>
    </option>
  </options>
</schema>
EOT
}
xxe_file content >"$TMP/xxe-c.xml"
timeout 3 xmllint --noent --noout "$TMP/xxe-c.xml" >/dev/null 2>&1
if [ $? -eq 124 ]; then
	ok "XXE trap: a resolving parser (xmllint --noent) blocks on the FIFO"
else
	notok "XXE trap: a resolving parser (xmllint --noent) blocks on the FIFO"
fi
for w in content attribute parameter; do
	xxe_file "$w" >"$TMP/xxe-$w.xml"
	timeout 10 "$ECTLS" schema --schema "$TMP/xxe-$w.xml" leak \
	    >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q "^$TMP/xxe-$w.xml:[0-9]*\(:[0-9]*\)\?: error: " "$TMP/err"; then
		ok "XXE ($w): schema --schema refuses, exit 2, never opens the entity"
	else
		notok "XXE ($w): schema --schema refuses, exit 2, never opens the entity (exit $rc)"
	fi
	timeout 10 "$ECTLS" lint --schema "$TMP/xxe-$w.xml" /dev/null \
	    >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q "^$TMP/xxe-$w.xml:[0-9]*\(:[0-9]*\)\?: error: .*\[schema\]$" "$TMP/err"; then
		ok "XXE ($w): lint --schema refuses, exit 2, never opens the entity"
	else
		notok "XXE ($w): lint --schema refuses, exit 2, never opens the entity (exit $rc)"
	fi
	if command -v strace >/dev/null 2>&1; then
		# LeakSanitizer cannot run under ptrace (make check-asan).
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=open,openat,openat2,stat,newfstatat \
		    -o "$TMP/st" "$ECTLS" schema --schema "$TMP/xxe-$w.xml" \
		    leak >/dev/null 2>&1
		if grep -q "xxe-$w.xml" "$TMP/st" && ! grep -q "$TMP/trap" "$TMP/st"; then
			ok "XXE ($w): strace shows the schema read, the entity path never touched"
		else
			notok "XXE ($w): strace shows the schema read, the entity path never touched"
			grep trap "$TMP/st" | head -3 | sed 's/^/#   /'
		fi
	fi
done

# --- every TLS option of issue 3: type, default, scopes, version, dynamic
# flag and engine all shown by `ectls schema OPTION` ----------------------------
bad=
for o in tls tls_ifavailable_fallback tls_verify tls_ca tls_certificate \
    tls_key tls_ciphers tlsv13_ciphersuites tls_protocols tls_engine \
    tls_allow_renegotiation tls_client_ca tls_verify_mode \
    tls_verified_peer_can_relay use_ssl starttls_injection_policy \
    tls_dhparams_file tls_enable_dhe_ciphers tls_ec_curve_names \
    crypto_engine use_dane enable_dane use_mta_sts enable_mta_sts; do
	"$ECTLS" schema "$o" >"$TMP/one" 2>&1 || { bad="$bad $o(exit)"; continue; }
	grep -Eq '^  type:        (bool|enum|path|string|tokens|list)$' "$TMP/one" &&
	    grep -q '^  default:     ' "$TMP/one" &&
	    grep -Eq '^  scopes:      [a-z_]' "$TMP/one" &&
	    grep -Eq '^  since:       4(\.[0-9]+)+$' "$TMP/one" &&
	    grep -Eq '^  dynamic:     (yes|no|\(not documented\))' "$TMP/one" &&
	    grep -Eq '^  engine:      (openssl|gnutls|both)$' "$TMP/one" ||
	    bad="$bad $o"
done
if [ -z "$bad" ]; then
	ok "every TLS option of the issue: type, default, scopes, since, dynamic, engine"
else
	notok "every TLS option of the issue: type, default, scopes, since, dynamic, engine:$bad"
fi
# Enum values and documented defaults of the main outbound options.
"$ECTLS" schema tls_verify_mode >"$TMP/one" 2>&1
"$ECTLS" schema starttls_injection_policy >>"$TMP/one" 2>&1
"$ECTLS" schema max_outbound_connections >>"$TMP/one" 2>&1
if grep -q '^  values:      none, require$' "$TMP/one" &&
    grep -q '^  values:      allow, ignore, reject$' "$TMP/one" &&
    grep -q '^  default:     reject$' "$TMP/one" &&
    grep -q '^  range:       -1\.\.' "$TMP/one" &&
    grep -q '^  default:     32$' "$TMP/one"; then
	ok "schema: enum values, defaults, -1 allowed for max_outbound_connections"
else
	notok "schema: enum values, defaults, -1 allowed for max_outbound_connections"
	sed 's/^/#   /' "$TMP/one" | grep -E 'values|default|range'
fi
# Every scope keyword issue 3 names, and the module stanzas it lists.
"$ECTLS" schema --scopes >"$TMP/sc" 2>&1
bad=
for k in binding_group binding domain host esmtp_listener control_listener \
    ecstream_listener http_listener listen peer pathway pathway_group \
    threadpool eventloop security debug_flags logs snmp; do
	grep -Eq "^$k +[a-z]+ +core " "$TMP/sc" || bad="$bad $k"
done
for k in ec_logger custom_logger opendkim sieve scriptlet adaptive; do
	grep -Eq "^$k +[a-z]+ +module " "$TMP/sc" || bad="$bad $k(module)"
done
if [ -z "$bad" ]; then
	ok "--scopes: every core scope and module stanza the issue names"
else
	notok "--scopes: every core scope and module stanza the issue names:$bad"
fi
