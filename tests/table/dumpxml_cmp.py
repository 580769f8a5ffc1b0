# SPDX-License-Identifier: ISC
"""dumpxml_cmp.py -- compare `ectls dump --format xml` with `--format json`.

    python3 dumpxml_cmp.py DUMP.xml DUMP.json

Entry by entry, field by field: the XML names are the JSON keys with "-"
for "_", a field's value is read by its type attribute, set/file/line/level
are the JSON provenance.  A string the XML writer had to alter (bytes that
are not UTF-8, characters XML 1.0 cannot carry) carries its exact bytes in
NAME-hex / hex; it is compared with the JSON dump's reading of those bytes
(each byte of an invalid sequence as U+00XX).  Prints what differs and
exits 1, or prints "N entries" and exits 0.  Zero entries is a failure.
"""
import codecs
import json
import sys
import xml.etree.ElementTree as ET


def latin1_fallback(err):
    bad = err.object[err.start:err.end]
    return "".join(chr(b) for b in bad), err.end


codecs.register_error("ectls_latin1", latin1_fallback)
errors = []


def raw(el, attr):
    """The string attr of el (None when absent), unaltered."""
    h = el.get(attr + "-hex")
    if h is not None:
        if "\ufffd" not in (el.get(attr) or ""):
            errors.append("%s: %s-hex without U+FFFD in %s" % (el.tag, attr, attr))
        return bytes.fromhex(h).decode("utf-8", "ectls_latin1")
    return el.get(attr)


def text(el):
    h = el.get("hex")
    if h is not None:
        if "\ufffd" not in (el.text or ""):
            errors.append("%s: hex without U+FFFD in its text" % el.tag)
        return bytes.fromhex(h).decode("utf-8", "ectls_latin1")
    return el.text or ""


def value(f):
    ty = f.get("type")
    if ty == "bool":
        if text(f) not in ("true", "false"):
            errors.append("field %s: bool %r" % (f.get("name"), text(f)))
        return text(f) == "true"
    if ty == "uint":
        return int(text(f))
    if ty == "enum":
        return text(f)
    if ty == "str":
        if f.get("null") == "true":
            if f.text or len(f):
                errors.append("field %s: null with content" % f.get("name"))
            return None
        return text(f)
    if ty == "list":
        return [text(i) for i in f.findall("item")]
    errors.append("field %s: unknown type %r" % (f.get("name"), ty))
    return object()


def main():
    try:
        x = ET.parse(sys.argv[1]).getroot()
    except ET.ParseError as e:
        print("%s: not well-formed: %s" % (sys.argv[1], e))
        return 1
    with open(sys.argv[2], encoding="utf-8") as fp:
        j = json.load(fp)
    if x.tag != "ectls-table":
        errors.append("root is <%s>" % x.tag)
    if raw(x, "schema") != j["schema"]:
        errors.append("schema %r != %r" % (raw(x, "schema"), j["schema"]))
    if int(x.get("format-version", "-1")) != j["format_version"]:
        errors.append("format-version differs")
    xe = x.findall("entries/entry")
    je = j["entries"]
    if len(xe) != len(je) or len(je) == 0:
        errors.append("%d XML entries, %d JSON entries" % (len(xe), len(je)))
    for n, (a, b) in enumerate(zip(xe, je)):
        where = "entry %d (%r %r)" % (n, b["binding"], b["domain"])
        got = {
            "binding": raw(a, "binding"),
            "kind": a.get("kind"),
            "domain": raw(a, "domain"),
            "policy_index": int(a.get("policy-index", "-1")),
        }
        want = {k: b[k] for k in got}
        if a.get("regex-position") is not None or "regex_position" in b:
            got["regex_position"] = int(a.get("regex-position", "-1"))
            got["regex_level"] = a.get("regex-level")
            want["regex_position"] = b.get("regex_position")
            want["regex_level"] = b.get("regex_level")
        if got != want:
            errors.append("%s: %r != %r" % (where, got, want))
        fields = a.findall("field")
        names = [f.get("name") for f in fields]
        if names != list(b["policy"]) or not names:
            errors.append("%s: fields %r != %r" % (where, names, list(b["policy"])))
        for f in fields:
            name = f.get("name")
            if value(f) != b["policy"].get(name):
                errors.append("%s: %s = %r, JSON %r" % (where, name, value(f),
                              b["policy"].get(name)))
            pv = b["provenance"].get(name)
            if f.get("set") != ("true" if pv else "false"):
                errors.append("%s: %s set=%r, JSON provenance %r" % (where, name,
                              f.get("set"), pv))
            if pv:
                gp = {"file": raw(f, "file"), "line": int(f.get("line", "-1")),
                      "level": f.get("level")}
                if gp != pv:
                    errors.append("%s: %s provenance %r != %r" % (where, name, gp, pv))
            elif f.get("file") or f.get("line") or f.get("level"):
                errors.append("%s: %s has provenance but is not set" % (where, name))
    xf = [{"path": raw(f, "path"), "sha256": f.get("sha256")}
          for f in x.findall("files/file")]
    if xf != j["files"]:
        errors.append("files %r != %r" % (xf, j["files"]))
    xl = {raw(f, "name"): text(f) for f in x.findall("log-formats/log-format")}
    if xl != j["log_formats"] or len(xl) != len(x.findall("log-formats/log-format")):
        errors.append("log formats %r != %r" % (xl, j["log_formats"]))
    for e in errors[:20]:
        print(e)
    if errors:
        return 1
    print("%d entries" % len(je))
    return 0


sys.exit(main())
