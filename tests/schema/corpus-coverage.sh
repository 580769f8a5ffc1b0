#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# corpus-coverage.sh -- every option and scope that appears in the published
# configurations of $SHARED/corpus/valid, outside module stanzas, must be
# described by the schema and allowed where it appears, and every scalar
# value given to such an option must pass the schema's type check.  Uses its
# own scanner (cfgscan.awk) and the schema through `ectls schema` (listing,
# --scopes, --check).
#
#   tests/schema/corpus-coverage.sh [CORPUS_DIR]
#
# Prints one "ok - coverage FILE" / "not ok - coverage FILE" per corpus file
# (with the uncovered names as "#" lines), then one check that every entry
# of corpus-exceptions.tsv is still needed.  Exit 1 on any "not ok".
# Exceptions (doc prose, placeholders, snippets shown outside their module
# stanza, other Momentum file formats) are listed, with a reason each, in
# tests/schema/corpus-exceptions.tsv: FILE TAB NAME-or-* TAB REASON.
set -u
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-build}
ECTLS=${ECTLS:-$BUILD/ectls}
SHARED=${SHARED:-../shared}
corpus=${1:-$SHARED/corpus/valid}
work=$(mktemp -d "${TMPDIR:-/tmp}/ectls-cov.XXXXXX")
trap 'rm -rf "$work"' EXIT

if ! ls "$corpus"/*.conf >/dev/null 2>&1; then
	echo "not ok - coverage: no corpus files in $corpus"
	exit 1
fi
"$ECTLS" schema >"$work/options" || { echo "not ok - coverage: ectls schema failed"; exit 1; }
"$ECTLS" schema --scopes >"$work/scopes" || { echo "not ok - coverage: ectls schema --scopes failed"; exit 1; }
for f in "$corpus"/*.conf; do
	awk -f "$here/cfgscan.awk" "$f"
done >"$work/scan"

awk -F'\t' -v OPTS="$work/options" -v SCOPES="$work/scopes" \
    -v EXC="$here/corpus-exceptions.tsv" -v VALS="$work/values" \
    -v CHECK="\"$ECTLS\" schema --check <\"$work/values\"" '
function allowed_opt(name, scope,   k) {
	if ((name SUBSEP scope) in optin)
		return 1
	return (name in anymod) && (scope in ismod)
}
function finding(file, msg) {
	bad[file] = bad[file] "#   " msg "\n"
}
function excepted(file, name) {
	if ((file SUBSEP name) in exc) {
		used[file SUBSEP name] = 1
		return 1
	}
	if ((file SUBSEP "*") in exc) {
		used[file SUBSEP "*"] = 1
		return 1
	}
	return 0
}
BEGIN {
	while ((getline l < OPTS) > 0) {
		split(l, f, " +")
		nm = f[1]
		isopt[nm] = 1
		ns = split(f[3], s, ",")
		for (i = 1; i <= ns; i++) {
			if (s[i] == "@module")
				anymod[nm] = 1
			else
				optin[nm, s[i]] = 1
		}
	}
	while ((getline l < SCOPES) > 0) {
		split(l, f, " +")
		nm = f[1]
		isscope[nm] = 1
		if (f[3] == "module")
			ismod[nm] = 1
		ns = split(f[4], s, ",")
		for (i = 1; i <= ns; i++)
			parent[nm, s[i]] = 1
	}
	while ((getline l < EXC) > 0) {
		if (l ~ /^#/ || l == "")
			continue
		split(l, f, "\t")
		exc[f[1], tolower(f[2])] = 1
		excline[f[1], tolower(f[2])] = l
	}
}
{
	file = $1; sub(/.*\//, "", file)
	if (!(file in files))
		order[++nfiles] = file
	files[file] = 1
	kind = $3; np = split($4, p, "/"); name = $5
	if (kind == "bare")
		next
	# Inside a module stanza (or an unknown scope) nothing is checked.
	inmod = 0
	for (i = 2; i <= np; i++)
		if (!(p[i] in isscope) || (p[i] in ismod))
			inmod = 1
	if (inmod)
		next
	leaf = p[np]
	if (kind == "scope") {
		if (!(name in isscope)) {
			if (!excepted(file, name))
				finding(file, "line " $2 ": unknown scope \"" name "\" in " leaf)
		} else if (!((name SUBSEP leaf) in parent)) {
			if (!excepted(file, name))
				finding(file, "line " $2 ": scope \"" name "\" not allowed in " leaf)
		}
		next
	}
	if (!(name in isopt)) {
		if (!excepted(file, name))
			finding(file, "line " $2 ": unknown option \"" name "\" in " leaf)
	} else if (!allowed_opt(name, leaf)) {
		if (!excepted(file, name))
			finding(file, "line " $2 ": option \"" name "\" not allowed in " leaf)
	} else if (NF >= 6) {
		printf "%s\t%s\t%s\n", leaf, name, $6 >VALS
		nval++
		vfile[nval] = file
		vline[nval] = $2
		vname[nval] = name
	}
}
END {
	close(VALS)
	if (nval > 0) {
		while ((CHECK | getline l) > 0) {
			k = l + 0
			if (k < 1 || k > nval) {
				finding("(values)", l)
				continue
			}
			if (!excepted(vfile[k], vname[k])) {
				sub(/^[0-9]+: /, "", l)
				finding(vfile[k], "line " vline[k] ": " l)
			}
		}
		close(CHECK)
	}
	if ("(values)" in bad) {
		order[++nfiles] = "(values)"
		files["(values)"] = 1
	}
	for (i = 1; i <= nfiles; i++) {
		file = order[i]
		if (file in bad)
			printf "not ok - coverage %s\n%s", file, bad[file]
		else
			printf "ok - coverage %s\n", file
	}
	stale = ""
	for (k in exc)
		if (!(k in used))
			stale = stale "#   stale exception: " excline[k] "\n"
	if (stale != "")
		printf "not ok - coverage: every exception is still needed\n%s", stale
	else
		print "ok - coverage: every exception is still needed"
}' "$work/scan" >"$work/out"
cat "$work/out"
! grep -q '^not ok' "$work/out"
