#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# tblread.py -- an ectls table reader written from ectls-table(5) alone
# (not from runtime/tbl_format.h): tests/man/suite.sh compares its answers
# with `ectls explain --json`, so the page stays a complete description of
# the format, byte by byte.
#
#   tblread.py TABLE BINDING DOMAIN
#
# checks the header, the header checksum and every BLOCKCRC block, then
# prints one line:
#   how=exact|binding default=0|1 tls=N port=N ehlo=STR|- tls.line=N tls.level=N
# Regex domains are not followed (a table with regexes is refused), so the
# caller uses tables without them.
import struct
import sys

M64 = (1 << 64) - 1
K0, K1, K2, K3 = (0xa0761d6478bd642f, 0xe7037ed1a0b428db,
                  0x8ebc6af09c88c6e3, 0x589965cc75374cc3)
CASE = 0x2020202020202020


def fail(msg):
    sys.stderr.write("tblread: %s\n" % msg)
    sys.exit(2)


def le64(b, o):
    return struct.unpack_from("<Q", b, o)[0]


def le32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def mum(a, b):
    r = (a & M64) * (b & M64)
    return (r & M64) ^ (r >> 64)


def crc32c(data, crc=0):
    crc ^= 0xffffffff
    for x in data:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff


def hash_(p, s, fold):
    n = len(p)
    cs = CASE if fold else 0
    if 8 <= n <= 32:
        q = 8 if n >= 16 else 0
        a = le64(p, 0) | cs
        b = le64(p, q) | cs
        c = le64(p, n - 8 - q) | cs
        d = le64(p, n - 8) | cs
        A = mum(a ^ K1, b ^ s)
        B = mum(c ^ K2, d ^ s)
        return mum(A ^ K0 ^ n, B ^ K1), mum(A ^ K3, B ^ K2 ^ n)
    if 4 <= n <= 7:
        a = (le32(p, 0) << 32 | le32(p, 0)) | cs
        b = (le32(p, n - 4) << 32 | le32(p, n - 4)) | cs
    elif 1 <= n <= 3:
        a = p[0] << 16 | p[n // 2] << 8 | p[n - 1]
        if fold:
            a |= 0x202020
        b = 0
    elif n == 0:
        a = b = 0
    else:
        o, i = 0, n
        while i > 16:
            s = mum((le64(p, o) | cs) ^ K1, (le64(p, o + 8) | cs) ^ s)
            o += 16
            i -= 16
        a = le64(p, o + i - 16) | cs
        b = le64(p, o + i - 8) | cs
    r = (a ^ K1) * (b ^ s)
    A, B = r & M64, r >> 64
    return mum(A ^ K0 ^ n, B ^ K1), mum(A ^ K3, B ^ K2 ^ n)


def hash_name(p, seed):
    n = len(p)
    S = 0x62696e64 << 32 | seed
    if n >= 17:
        return hash_(p, K0 ^ mum(S ^ K0, K1), False)[0]
    if n >= 8:
        a, b = le64(p, 0), le64(p, n - 8)
    elif n >= 4:
        a, b = le32(p, 0), le32(p, n - 4)
    elif n >= 1:
        a, b = p[0] << 16 | p[n // 2] << 8 | p[n - 1], 0
    else:
        a = b = 0
    return mum(a ^ K1 ^ n, b ^ K0 ^ S)


def main():
    if len(sys.argv) != 4:
        fail("usage: tblread.py TABLE BINDING DOMAIN")
    t = open(sys.argv[1], "rb").read()
    binding = sys.argv[2].encode()
    domain = sys.argv[3].encode()
    if len(t) < 384 or t[0:8] != b"ECTLSTB\0":
        fail("not a table")
    if le32(t, 8) != 3 or le32(t, 12) != 384 or le64(t, 16) != len(t):
        fail("header: version, header size or file size")
    if any(t[104:128]) or any(t[336:384]):
        fail("reserved header bytes not zero")
    (bshift, seed, r, nkeys, nbind, npol, nprov, nregex, nfiles, nlogfmt,
     nfields, schema, defbind) = struct.unpack_from("<13I", t, 28)
    bhcap, fwords = le32(t, 96), le32(t, 100)
    if nfields != 30 or t[80:96] != b"ectls policy".ljust(16, b"\0"):
        fail("nfields or description")
    if nregex:
        fail("tables with regex domains are not followed here")
    names = ["STRINGS", "LISTS", "PROV", "POLICIES", "BINDINGS", "REGEX",
             "FILES", "LOGFMT", "BLOCKCRC", "G", "FILTER", "RECORDS", "KEYX"]
    sec = {}
    prev = 384
    for i, nm in enumerate(names):
        off, sz = struct.unpack_from("<QQ", t, 128 + 16 * i)
        if off % 8 or off < prev or off + sz > len(t):
            fail("section %s out of place" % nm)
        sec[nm] = (off, sz)
        prev = off + sz
    if prev != len(t) or any(sec[n][0] % 64 for n in ("G", "FILTER",
                                                      "RECORDS")):
        fail("layout")
    # Sizes the page gives.
    want = {"PROV": 272 * nprov, "POLICIES": 144 * npol,
            "BINDINGS": 24 * nbind + 4 * bhcap, "FILES": 40 * nfiles,
            "LOGFMT": 8 * nlogfmt, "G": -(-3 * r // 32) * 64,
            "FILTER": 8 * fwords, "RECORDS": 32 * 3 * r}
    for nm, v in want.items():
        if sec[nm][1] != v:
            fail("size of %s: %d, want %d" % (nm, sec[nm][1], v))
    g0 = sec["G"][0]
    hdr = bytearray(t[0:g0])
    hdr[24:28] = b"\0\0\0\0"
    if crc32c(hdr) != le32(t, 24):
        fail("header checksum")
    blk = 1 << bshift
    crcs = sec["BLOCKCRC"][0]
    for k, o in enumerate(range(g0, len(t), blk)):
        if crc32c(t[o:o + blk]) != le32(t, crcs + 4 * k):
            fail("block %d checksum" % k)
    S = sec["STRINGS"][0]

    def string(off):
        return t[S + off:t.index(b"\0", S + off)]

    B = sec["BINDINGS"][0]

    def bname(i):
        e = B + 24 * i
        return t[S + le32(t, e):S + le32(t, e) + le32(t, e + 4)]

    def find_binding(n):
        h = hash_name(n, seed)
        slots = B + 24 * nbind
        s = h % bhcap
        for _ in range(bhcap):
            k = le32(t, slots + 4 * s)
            if k == 0:
                return None
            if k >> 16 == h >> 48 and bname((k & 0xffff) - 1) == n:
                return (k & 0xffff) - 1
            s = (s + 1) % bhcap
        return None

    def g(v):
        line = g0 + 64 * (v // 32)
        pos = v % 32
        return (t[line + pos // 4] >> (2 * (pos % 4))) & 3, t[line + 8 + pos]

    def find_key(n, dom):
        if not 1 <= len(dom) <= 255:
            return None
        h0, h1 = hash_(dom, hash_name(n, seed), True)
        w = ((h1 >> 32) * fwords) >> 32
        word = le64(t, sec["FILTER"][0] + 8 * w)
        lo = h0 & 0xffffffff
        if any(not word >> ((lo >> (6 * j)) & 63) & 1 for j in range(3)):
            return None
        v = [(lo * r) >> 32, r + (((h0 >> 32) * r) >> 32),
             2 * r + (((h1 & 0xffffffff) * r) >> 32)]
        gs = [g(x) for x in v]
        sel = v[(gs[0][0] + gs[1][0] + gs[2][0]) % 3]
        gv, fp = g(sel)
        if gv == 3 or fp != h1 >> 56:
            return None
        rec = sec["RECORDS"][0] + 32 * sel
        bi, dl, fl = struct.unpack_from("<HBB", t, rec + 8)
        if dl != len(dom) or bname(bi) != n or fl != (1 if dl >= 20 else 0):
            return None
        if dl < 20:
            stored = t[rec + 12:rec + 12 + dl]
        else:
            x = sec["KEYX"][0] + le32(t, rec + 12 + 16)
            stored = t[x:x + dl]
        return rec if stored == dom else None

    dom = domain.lower()
    if dom.endswith(b"."):
        dom = dom[:-1]
    via_default = 0
    how = "exact"
    ref = find_key(binding, dom)
    if ref is None:
        bi = find_binding(binding)
        if bi is None:
            via_default = 1
            bi = defbind
            if bname(bi) != b"default":
                fail("default binding index")
            ref = find_key(b"default", dom)
        if ref is None:
            how = "binding"
            ref = B + 24 * bi + 8
    pol = ref - 4 * le32(t, ref)
    P = sec["POLICIES"][0]
    if pol < P or (pol - P) % 144:
        fail("policy reference off a record")
    # The distances back to the sections.
    for k, nm in enumerate(("STRINGS", "LISTS", "PROV", "POLICIES")):
        if pol - le32(t, pol + 128 + 4 * k) != sec[nm][0]:
            fail("distance to %s" % nm)
    ehlo = le32(t, pol + 4 * 17)
    pv = sec["PROV"][0] + 272 * le32(t, pol + 124)
    line = le32(t, pv + 4)
    lvl = t[pv + 240]
    if lvl & 0x80:
        line += le32(t, ref + 4)
    print("how=%s default=%d tls=%d port=%d ehlo=%s tls.line=%d "
          "tls.level=%d" % (how, via_default, le32(t, pol),
                            le32(t, pol + 4 * 16),
                            string(ehlo).decode() if ehlo else "-",
                            line, lvl & 0x7f))


main()
