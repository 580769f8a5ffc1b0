# SPDX-License-Identifier: ISC
"""validate_sarif.py SCHEMA FILE... -- validate SARIF logs against the OASIS
SARIF 2.1.0 JSON schema (draft-04) with python3-jsonschema, checking the
"uri" format too (python3-rfc3987), and every artifactLocation.uri against
RFC 3986's URI-reference rule (draft-04 has no "uri-reference" format, so
the schema alone would not look at them).  Prints one line per problem and
exits 1 when there is any, 2 when it cannot run."""
import json
import sys

try:
    from jsonschema import Draft4Validator, FormatChecker
except ImportError:
    print("validate_sarif: python3-jsonschema is not installed",
          file=sys.stderr)
    sys.exit(2)
try:
    import rfc3987
except ImportError:
    print("validate_sarif: python3-rfc3987 is not installed", file=sys.stderr)
    sys.exit(2)


def uris(node, path="$"):
    """Yield (path, uri) for every artifactLocation-like {"uri": ...}."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "uri" and isinstance(value, str):
                yield path + ".uri", value
            else:
                yield from uris(value, path + "." + key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from uris(value, "%s[%d]" % (path, i))


def main(argv):
    if len(argv) < 3:
        print("usage: validate_sarif.py SCHEMA FILE...", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    Draft4Validator.check_schema(schema)
    checker = FormatChecker()
    if "uri" not in checker.checkers:
        print("validate_sarif: jsonschema cannot check the uri format",
              file=sys.stderr)
        return 2
    validator = Draft4Validator(schema, format_checker=checker)
    bad = 0
    for name in argv[2:]:
        try:
            with open(name, encoding="utf-8") as f:
                log = json.load(f)
        except (OSError, ValueError) as e:
            print("%s: %s" % (name, e))
            bad += 1
            continue
        for err in validator.iter_errors(log):
            where = "/".join(str(p) for p in err.absolute_path)
            print("%s: /%s: %s" % (name, where, err.message[:300]))
            bad += 1
        for where, uri in uris(log):
            if rfc3987.match(uri, rule="URI_reference") is None:
                print("%s: %s: %r is not a URI reference" % (name, where, uri))
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
