# SPDX-License-Identifier: ISC
# cfgscan.awk -- a deliberately small, independent scanner of ecelerity.conf
# text for tests/schema/corpus-coverage.sh (it does not use the real parser,
# so the schema can be checked against the corpus on its own).  Prints one
# record per option or scope occurrence:
#
#	FILE TAB LINE TAB KIND TAB PATH TAB NAME [TAB VALUE]
#
# KIND is "opt", "scope" or "bare" (a word that is neither: doc prose or an
# elision such as "..."); PATH is the chain of enclosing scope keywords,
# lower case, joined by "/", starting with "global"; NAME is lower case;
# VALUE is there for "name = scalar" (quotes removed, tabs made spaces).
# Understood: # and /* */ comments, "strings" with \ escapes, ( lists ) and
# [ dicts ] (skipped, nested), "name = value", "name [ ... ]",
# "kw { }", "kw name { }", "kw = { }", include / readonly_include.

function addtok(t, l) {
	ntok++
	tok[ntok] = t
	tline[ntok] = l
}

function isval(t) {
	return substr(t, 1, 1) == "W" || substr(t, 1, 1) == "S"
}

function emit(l, kind, nm, val,   p, q) {
	p = path[0]
	for (q = 1; q <= depth; q++)
		p = p "/" path[q]
	printf "%s\t%d\t%s\t%s\t%s", FILENAME, l, kind, p, nm
	if (val != "") {
		gsub(/[\t\n]/, " ", val)
		printf "\t%s", val
	}
	printf "\n"
}

{
	buf = buf $0 "\n"
}

END {
	n = length(buf)
	line = 1
	i = 1
	ntok = 0
	while (i <= n) {
		c = substr(buf, i, 1)
		if (c == "\n") {
			line++
			i++
			continue
		}
		if (c == " " || c == "\t" || c == "\r" || c == ",") {
			i++
			continue
		}
		if (c == "#") {
			while (i <= n && substr(buf, i, 1) != "\n")
				i++
			continue
		}
		if (c == "/" && substr(buf, i + 1, 1) == "*") {
			i += 2
			while (i <= n && substr(buf, i, 2) != "*/") {
				if (substr(buf, i, 1) == "\n")
					line++
				i++
			}
			i += 2
			continue
		}
		if (c == "\"") {
			j = i + 1
			s = ""
			sl = line
			while (j <= n && substr(buf, j, 1) != "\"") {
				d = substr(buf, j, 1)
				if (d == "\\") {
					s = s substr(buf, j + 1, 1)
					j += 2
					continue
				}
				if (d == "\n")
					line++
				s = s d
				j++
			}
			addtok("S" s, sl)
			i = j + 1
			continue
		}
		if (index("{}[]()=", c)) {
			addtok("P" c, line)
			i++
			continue
		}
		j = i
		while (j <= n && !index(" \t\r\n{}[]()=\",#", substr(buf, j, 1)))
			j++
		addtok("W" substr(buf, i, j - i), line)
		i = j
	}

	depth = 0
	path[0] = "global"
	k = 1
	while (k <= ntok) {
		t = tok[k]
		if (t == "P}") {
			if (depth > 0)
				depth--
			k++
			continue
		}
		if (!isval(t)) {
			k++
			continue
		}
		name = tolower(substr(t, 2))
		nl = tline[k]
		if (name == "include" || name == "readonly_include") {
			k += 2
			continue
		}
		nx = tok[k + 1]
		haseq = 0
		if (nx == "P=") {
			haseq = 1
			k++
			nx = tok[k + 1]
		}
		if (nx == "P{") {
			emit(nl, "scope", name)
			path[++depth] = name
			k += 2
			continue
		}
		if (nx == "P[" || nx == "P(") {
			emit(nl, "opt", name)
			k++
			lvl = 0
			do {
				u = tok[k]
				if (u == "P[" || u == "P(")
					lvl++
				else if (u == "P]" || u == "P)")
					lvl--
				k++
			} while (k <= ntok && lvl > 0)
			continue
		}
		if (!haseq && isval(nx) && tok[k + 2] == "P{") {
			emit(nl, "scope", name)
			path[++depth] = name
			k += 3
			continue
		}
		if (haseq && isval(nx)) {
			emit(nl, "opt", name, substr(nx, 2))
			k += 2
			continue
		}
		emit(nl, "bare", name)
		k++
	}
}
