#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# tests/install/suite.sh -- `make install` into a temporary DESTDIR, then use
# only what was installed: the installed ectls compiles a small
# configuration, and a C program built against the installed ectls.h and
# ectls.pc (pkg-config, prefix redefined into DESTDIR) looks pairs up in
# the table.
source tests/lib.sh

prefix=/opt/ectls-install-test
stage=$TMP/stage
root=$stage$prefix
CC=${CC:-cc}

# The parent make's flags (jobserver, variables) are not for this one.
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory \
    BUILD="$BUILD" install PREFIX="$prefix" DESTDIR="$stage" \
    >"$TMP/make.out" 2>&1; then
	ok "make install PREFIX=$prefix DESTDIR=..."
else
	notok "make install PREFIX=$prefix DESTDIR=..."
	tail -20 "$TMP/make.out" | sed 's/^/#   /'
	exit 1
fi

# Every file in its place, nothing outside PREFIX.
want="bin/ectls lib/libectls.a include/ectls.h lib/pkgconfig/ectls.pc
share/ectls/options.xml share/ectls/options.xsd share/man/man1/ectls.1
share/man/man3/libectls.3 share/man/man5/ectls-table.5
share/man/man7/ectls-checks.7 bin/ectls-deliver
share/man/man8/ectls-deliver.8"
missing=
for f in $want; do
	[ -f "$root/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then
	ok "installed files present"
else
	notok "installed files missing:$missing"
fi
outside=$(cd "$stage" && find . -type f ! -path ".$prefix/*")
if [ -z "$outside" ]; then
	ok "nothing installed outside PREFIX"
else
	notok "files outside PREFIX: $outside"
fi
badmode=$(cd "$root" && find . -type f -printf '%P %m\n' |
    awk '($1 ~ /^bin\//) != ($2 == "755") || ($2 != "755" && $2 != "644")')
if [ -z "$badmode" ] && [ -x "$root/bin/ectls" ]; then
	ok "modes: program 755, data 644"
else
	notok "modes: program 755, data 644:" $badmode
fi
expect_same "installed ectls.h is runtime/ectls.h" runtime/ectls.h \
    "$root/include/ectls.h"
expect_same "installed options.xml is schema/options.xml" \
    schema/options.xml "$root/share/ectls/options.xml"
if [ -x "$root/bin/ectls-deliver" ] && "$root/bin/ectls-deliver" --help 2>&1 |
    grep -q '^usage: .*ectls-deliver send --table'; then
	ok "installed ectls-deliver runs"
else
	notok "installed ectls-deliver runs"
fi
# Exactly the pages of man/, each in the section its suffix names.
got=$(cd "$root/share/man" && find . -type f | sed 's|^\./||' | sort)
wantp=$(for m in man/*.[1-8]; do b=${m##*/}; echo "man${b##*.}/$b"; done | sort)
if [ "$got" = "$wantp" ]; then
	ok "every page of man/ installed in its section ($(echo "$got" | wc -l))"
else
	notok "installed pages: $(echo $got), want $(echo $wantp)"
fi

# The installed program runs and is the one just built.
IECTLS=$root/bin/ectls
v_inst=$("$IECTLS" version 2>&1)
v_build=$("$ECTLS" version 2>&1)
if [ -n "$v_inst" ] && [ "$v_inst" = "$v_build" ]; then
	ok "installed ectls runs: $v_inst"
else
	notok "installed ectls version \"$v_inst\", build \"$v_build\""
fi

# pkg-config: the .pc as installed, relocated into DESTDIR.
pc() {
	PKG_CONFIG_PATH=$root/lib/pkgconfig \
	    pkg-config --define-variable=prefix="$root" "$@" ectls
}
if [ "$(pc --modversion 2>&1)" = "${v_build#ectls }" ]; then
	ok "pkg-config --modversion ectls matches ectls version"
else
	notok "pkg-config --modversion ectls: $(pc --modversion 2>&1)"
fi
cflags=$(pc --cflags 2>&1)
libs=$(pc --static --libs 2>&1)
case " $cflags " in
*" -I$root/include "*) ok "pkg-config --cflags points at the installed header" ;;
*) notok "pkg-config --cflags: $cflags" ;;
esac
case " $libs " in
*" -L$root/lib "*"-lectls"*"-lpcre2-8"*)
	ok "pkg-config --static --libs: -L, -lectls, then -lpcre2-8" ;;
*) notok "pkg-config --static --libs: $libs" ;;
esac
grep -q "^prefix=$prefix\$" "$root/lib/pkgconfig/ectls.pc" &&
    ok "ectls.pc has prefix=$prefix" ||
    notok "ectls.pc prefix: $(grep '^prefix=' "$root/lib/pkgconfig/ectls.pc")"

# Build the example against the installed files only: -nostdinc is too
# blunt, so check that the header the compiler used is the installed one.
# shellcheck disable=SC2086
if "$CC" -std=c11 -Wall -Wextra -Werror $cflags -MD -MF "$TMP/policy.d" \
    -o "$TMP/policy" tests/install/policy.c $libs 2>"$TMP/cc.err"; then
	ok "C program builds with the installed header and ectls.pc"
else
	notok "C program builds with the installed header and ectls.pc"
	sed 's/^/#   /' "$TMP/cc.err" | head -20
fi
if grep -q "$root/include/ectls.h" "$TMP/policy.d" 2>/dev/null &&
    ! grep -q "$PWD/runtime/ectls.h" "$TMP/policy.d"; then
	ok "the program used the installed ectls.h"
else
	notok "the program did not use the installed ectls.h"
fi

# A tiny configuration, compiled with the installed ectls.
mkdir -p "$TMP/conf"
cat >"$TMP/conf/tiny.conf" <<'EOF'
# tests/install: one binding with one domain stanza.
tls = ifavailable
tls_protocols = "+ALL:-SSLv2:-SSLv3:-TLSv1:-TLSv1.1"
remote_smtp_port = 2525
binding "outbound" {
  ehlo_hostname = "mta.example.net"
  domain "bank.example" {
    tls = required
  }
}
EOF
(cd "$TMP/conf" && "$IECTLS" compile tiny.conf -o tiny.ectp \
    >"$TMP/compile.out" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ -s "$TMP/conf/tiny.ectp" ]; then
	ok "installed ectls compiles a configuration"
else
	notok "installed ectls compile (exit $rc)"
	sed 's/^/#   /' "$TMP/compile.out" | head -10
fi

# Each lookup: arguments, then the exact line wanted.
lookup() {
	local name=$1 want=$2; shift 2
	local got
	if [ ! -x "$TMP/policy" ]; then
		notok "$name (program not built)"
		return
	fi
	got=$("$TMP/policy" "$TMP/conf/tiny.ectp" "$@" 2>&1)
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		notok "$name"
		echo "#   want: $want"
		echo "#   got:  $got"
	fi
}
lookup "lookup: exact domain (case and trailing dot folded)" \
    "tls=required tls_verify=no port=2525 ehlo=mta.example.net how=exact level=B::D" \
    outbound BANK.Example.
lookup "lookup: other domain falls back to the binding" \
    "tls=ifavailable tls_verify=no port=2525 ehlo=mta.example.net how=binding level=global" \
    outbound other.example
lookup "lookup: unknown binding uses \"default\"" \
    "tls=ifavailable tls_verify=no port=2525 ehlo=(unset) how=binding(default) level=global" \
    nosuch bank.example

# Same answer as the installed ectls gives.
if [ -x "$TMP/policy" ]; then
	port=$("$IECTLS" lookup --json "$TMP/conf/tiny.ectp" outbound \
	    bank.example | jq -r '"\(.tls) \(.remote_smtp_port)"' 2>&1)
	if [ "$port" = "required 2525" ]; then
		ok "installed ectls lookup agrees"
	else
		notok "installed ectls lookup: $port"
	fi
fi

# The example of libectls(3), as printed on the page, builds the same way
# and answers the same.
sed -n '/^\.Sh EXAMPLES/,/^\.Ed/p' man/libectls.3 | sed '1,/^\.Bd/d;$d' |
    sed 's/\\e/\\/g' >"$TMP/example.c"
# shellcheck disable=SC2086
if grep -q '^main(int argc' "$TMP/example.c" &&
    "$CC" -std=c11 -Wall -Wextra -Werror $cflags -o "$TMP/example" \
    "$TMP/example.c" $libs 2>"$TMP/cc.err"; then
	got=$("$TMP/example" "$TMP/conf/tiny.ectp" outbound bank.example 2>&1)
	if [ "$got" = "tls=required tls_ca=(unset)" ]; then
		ok "libectls(3) example builds and runs: $got"
	else
		notok "libectls(3) example prints \"$got\""
	fi
else
	notok "libectls(3) example builds with the installed ectls.pc"
	sed 's/^/#   /' "$TMP/cc.err" | head -10
fi

# A damaged table is an error from the library, not a crash.
if [ -x "$TMP/policy" ]; then
	head -c 200 "$TMP/conf/tiny.ectp" >"$TMP/conf/short.ectp"
	if expect_status 2 "library refuses a truncated table" \
	    "$TMP/policy" "$TMP/conf/short.ectp" outbound bank.example; then
		grep -q 'table is truncated' "$TMP/err" &&
		    ok "library says the table is truncated" ||
		    notok "library message: $(cat "$TMP/err")"
	fi
fi

# The installed pages are the ones in man/ and format cleanly.
bad=
for p in "$root"/share/man/man*/*; do
	[ -f "$p" ] || continue
	cmp -s "$p" "man/$(basename "$p")" || bad="$bad $(basename "$p")"
	mandoc -Tutf8 "$p" >/dev/null 2>&1 || bad="$bad $(basename "$p")"
done
if [ -z "$bad" ]; then
	ok "installed man pages are man/* and format"
else
	notok "installed man pages:$bad"
fi
