#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""mailbox.py -- what a private Postfix delivered, for the spool tests.

    mailbox.py MAILDIR TAG

reads every file of MAILDIR/new whose Message-ID is <TAG-N@...> and prints
one line per distinct message, sorted by N:

    N COPIES DOMAIN TLS CLIENTCERT

DOMAIN is the recipient domain from the "for <...>" clause of Postfix's
Received header, TLS is the protocol from its "(using TLSv1.3 with cipher
...)" clause or "-" when Postfix received it in clear, CLIENTCERT is
"verified" when Postfix logged a verified client certificate, else "-".
COPIES counts duplicates (the same Message-ID delivered more than once).
"""
import email
import email.policy
import os
import re
import sys


def main():
    box, tag = sys.argv[1], sys.argv[2]
    pat = re.compile(r"<%s-(\d+)@" % re.escape(tag))
    seen = {}
    d = os.path.join(box, "new")
    for name in os.listdir(d) if os.path.isdir(d) else []:
        with open(os.path.join(d, name), "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.compat32)
        m = pat.search(msg.get("Message-ID", ""))
        if not m:
            continue
        n = int(m.group(1))
        # Postfix's own Received header is the first one.
        rcv = " ".join((msg.get_all("Received") or [""])[0].split())
        dm = re.search(r"for <[^@>]*@([^>]+)>", rcv)
        tm = re.search(r"\(using (TLSv[0-9.]+) with cipher", rcv)
        cm = re.search(r'Client CN "[^"]*", Issuer "[^"]*" \(verified OK\)', rcv)
        info = (dm.group(1) if dm else "?", tm.group(1) if tm else "-",
                "verified" if cm else "-")
        if n in seen:
            seen[n][0] += 1
        else:
            seen[n] = [1, info]
    for n in sorted(seen):
        c, info = seen[n]
        print(n, c, *info)


if __name__ == "__main__":
    main()
