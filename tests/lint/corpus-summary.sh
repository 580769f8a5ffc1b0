#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# corpus-summary.sh [ECTLS [DIR]] -- lint every *.conf of the published
# corpus (default ../shared/corpus/valid) with --no-includes --format json
# and print, per check id, its severity, how often it fired and in how many
# files, most frequent first.  Not a test: the table for the issue 3 notes.
set -u
E=${1:-build/ectls}
D=${2:-../shared/corpus/valid}
n=$(ls "$D"/*.conf | wc -l)
for f in "$D"/*.conf; do
	"$E" lint --no-includes --format json "$f" 2>/dev/null
done | jq -r '.diagnostics[] | [.id, .severity, .file] | @tsv' |
    awk -F'\t' -v files="$n" '
	{ k = $1 "\t" $2; c[k]++; if (!seen[k, $3]++) f[k]++ }
	END {
		printf "%-24s %-8s %6s %6s\n", "id", "severity", "count", "files"
		for (k in c) {
			split(k, a, "\t")
			printf "%-24s %-8s %6d %6d\n", a[1], a[2], c[k], f[k] | \
			    "sort -k3,3nr -k1,1"
		}
		close("sort -k3,3nr -k1,1")
		printf "(%d files linted)\n", files
	}'
