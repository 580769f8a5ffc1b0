#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""peer.py -- a scripted SMTP server on 127.0.0.1 for the delivery tests.

It serves connections one after the other on --port and records every line
it receives into --record, prefixed "plain: " or "tls: " (so a test can
prove that no MAIL FROM reached it in clear; "(nocr)" marks a line not
ended by CR LF), plus "== conn N", "SNI name", "TLS-UP" and "TLS-FAIL ..."
events.  --scenario is a comma-separated list:

  ok               the default behaviour (STARTTLS offered, all 2xx)
  nostarttls       EHLO does not offer STARTTLS
  tls454           STARTTLS -> 454
  tlsabort         STARTTLS -> 220, then the connection is closed
  inject           STARTTLS -> "220 ..." and "554 5.7.0 injected" in ONE
                   write, then the handshake (the injected line must never
                   be read as the reply to the EHLO sent inside TLS)
  banner421        "421" greeting, then close
  fail=PHASE:CODE  reply CODE at PHASE (banner ehlo starttls tlsehlo mail
                   rcpt data dot; tlsehlo is the EHLO inside TLS);
                   ehlo=5xx also refuses HELO
  failrcpt=LOCAL:CODE  reply CODE to the RCPT TO of LOCAL@... only
  noehlo           EHLO -> 502, HELO -> 250 (an RFC 821 server)
  first421         the first connection gets a "421" greeting, later ones
                   the default behaviour
  nopipe-tls       PIPELINING offered in clear, not inside TLS
  badreply=PHASE   a malformed reply ("2x0 ...") at PHASE
  longreply=PHASE  a reply line of 1,200 bytes at PHASE
  dropdata         close the connection in the middle of the message
  silent=PHASE     stop answering at PHASE (the client must time out);
                   silent=tls: "220" to STARTTLS, then no handshake
  anon             TLS 1.2 with anonymous (aNULL) suites only: no
                   server certificate (Postfix's "Anonymous" connection)

"PIPELINED CMD" is recorded when the command CMD arrived together with
the next one (the client did not wait for the reply: RFC 2920).

The process exits after --conns connections or --lifetime seconds.
Deterministic: no randomness, one connection at a time.
"""
import argparse
import socket
import ssl
import sys
import time


class Conn:
    def __init__(self, sock, rec):
        self.sock = sock
        self.buf = b""
        self.tls = False
        self.rec = rec

    def send(self, data):
        self.sock.sendall(data)

    def readline(self):
        while b"\n" not in self.buf:
            try:
                d = self.sock.recv(65536)
            except (OSError, ssl.SSLError):
                d = b""
            if not d:
                return None
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        # A line not ended by CR LF is marked: the client must send CR LF.
        nocr = "" if line.endswith(b"\r") else "(nocr)"
        line = line[:-1] if not nocr else line
        self.rec.write(("tls: " if self.tls else "plain: ") + nocr +
                       line.decode("latin-1") + "\n")
        self.rec.flush()
        return line


def parse_scenario(s):
    sc = {"fail": {}, "failrcpt": {}, "bad": {}, "silent": None,
          "flags": set()}
    for item in filter(None, s.split(",")):
        if item.startswith("fail="):
            phase, code = item[5:].split(":")
            sc["fail"][phase] = code
        elif item.startswith("failrcpt="):
            local, code = item[9:].split(":")
            sc["failrcpt"][local.lower()] = code
        elif item.startswith("badreply="):
            sc["bad"][item[9:]] = b"2x0 malformed reply\r\n"
        elif item.startswith("longreply="):
            sc["bad"][item[10:]] = b"250 " + b"x" * 1196 + b"\r\n"
        elif item.startswith("silent="):
            sc["silent"] = item[7:]
        else:
            sc["flags"].add(item)
    return sc


def reply(c, sc, phase, default):
    """Send the reply for a phase; False when the session must end."""
    if sc["silent"] == phase:
        # Answer nothing; wait for the client to give up and close.
        while c.readline() is not None:
            pass
        return False
    if phase in sc["bad"]:
        c.send(sc["bad"][phase])
        return True
    code = sc["fail"].get(phase)
    if code is not None:
        c.send(("%s %s.0.0 scripted failure at %s\r\n" %
                (code, code[0], phase)).encode())
        return not code.startswith("421")
    c.send(default)
    return True


def session(c, sc, sslctx, n):
    flags = sc["flags"]
    if "banner421" in flags or ("first421" in flags and n == 1):
        c.send(b"421 4.3.2 peer.example.test busy, try later\r\n")
        return
    if not reply(c, sc, "banner", b"220 peer.example.test ESMTP scripted\r\n"):
        return
    data = False
    while True:
        line = c.readline()
        if line is None:
            return
        cmd = line.split(b" ", 1)[0].upper()
        if not data and c.buf:
            c.rec.write("PIPELINED %s\n" % cmd.decode("latin-1"))
        if data:
            if line == b".":
                data = False
                if not reply(c, sc, "dot", b"250 2.0.0 Ok: queued as SCRIPTED\r\n"):
                    return
            elif "dropdata" in flags:
                return
            continue
        if cmd in (b"EHLO", b"HELO"):
            if cmd == b"EHLO" and "noehlo" in flags:
                c.send(b"502 5.5.1 EHLO not implemented\r\n")
                continue
            if cmd == b"HELO" and "ehlo" in sc["fail"]:
                code = sc["fail"]["ehlo"]
                c.send(("%s %s.0.0 no HELO either\r\n" % (code, code[0])).encode())
                continue
            if cmd == b"HELO":
                c.send(b"250 peer.example.test\r\n")
                continue
            ext = [b"peer.example.test", b"PIPELINING", b"8BITMIME"]
            if c.tls and "nopipe-tls" in flags:
                ext.remove(b"PIPELINING")
            if not c.tls and "nostarttls" not in flags:
                ext.append(b"STARTTLS")
            out = b"".join(b"250-" + e + b"\r\n" for e in ext[:-1])
            out += b"250 " + ext[-1] + b"\r\n"
            if not reply(c, sc, "tlsehlo" if c.tls else "ehlo", out):
                return
        elif cmd == b"STARTTLS":
            if "starttls" in sc["fail"] or "starttls" in sc["bad"]:
                reply(c, sc, "starttls", b"")
                continue
            if "tls454" in flags:
                c.send(b"454 4.7.0 TLS not available due to local problem\r\n")
                continue
            if sc["silent"] == "tls":
                # "220", then no handshake: the client must time out.
                c.send(b"220 2.0.0 Ready to start TLS\r\n")
                c.rec.write("TLS-FAIL silent\n")
                while c.sock.recv(65536):
                    pass
                return
            if "tlsabort" in flags:
                c.send(b"220 2.0.0 Ready to start TLS\r\n")
                c.rec.write("TLS-FAIL aborted by the peer\n")
                return
            if "inject" in flags:
                c.send(b"220 2.0.0 Ready to start TLS\r\n"
                       b"554 5.7.0 injected before the handshake\r\n")
            else:
                c.send(b"220 2.0.0 Ready to start TLS\r\n")
            if c.buf:
                c.rec.write("PIPELINED-AFTER-STARTTLS %r\n" % c.buf)
                c.buf = b""
            try:
                c.sock = sslctx.wrap_socket(c.sock, server_side=True)
            except (OSError, ssl.SSLError) as e:
                c.rec.write("TLS-FAIL %s\n" % e)
                c.rec.flush()
                return
            c.tls = True
            c.rec.write("TLS-UP %s %s\n" % (c.sock.version(), c.sock.cipher()[0]))
            c.rec.flush()
        elif cmd == b"MAIL":
            if not reply(c, sc, "mail", b"250 2.1.0 Ok\r\n"):
                return
        elif cmd == b"RCPT":
            local = line[8:].strip(b"<>").split(b"@")[0].decode(
                "latin-1").lower()
            code = sc["failrcpt"].get(local)
            if code is not None:
                c.send(("%s %s.1.1 scripted failure for %s\r\n" %
                        (code, code[0], local)).encode())
                continue
            if not reply(c, sc, "rcpt", b"250 2.1.5 Ok\r\n"):
                return
        elif cmd == b"DATA":
            if not reply(c, sc, "data", b"354 End data with <CR><LF>.<CR><LF>\r\n"):
                return
            if "data" not in sc["fail"]:
                data = True
        elif cmd == b"QUIT":
            c.send(b"221 2.0.0 Bye\r\n")
            return
        elif cmd == b"RSET":
            c.send(b"250 2.0.0 Ok\r\n")
        else:
            c.send(b"502 5.5.2 Error: command not recognized\r\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--scenario", default="ok")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--ready", required=True)
    ap.add_argument("--conns", type=int, default=2)
    ap.add_argument("--lifetime", type=float, default=30)
    a = ap.parse_args()
    sc = parse_scenario(a.scenario)
    sslctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sslctx.load_cert_chain(a.cert, a.key)
    if "anon" in sc["flags"]:
        sslctx.maximum_version = ssl.TLSVersion.TLSv1_2
        sslctx.set_ciphers("aNULL:@SECLEVEL=0")
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(8)
    ls.settimeout(0.2)
    deadline = time.monotonic() + a.lifetime
    rec = open(a.record, "a")

    def sni(sock, name, ctx):
        rec.write("SNI %s\n" % name)
    sslctx.sni_callback = sni
    open(a.ready, "w").close()
    n = 0
    while n < a.conns and time.monotonic() < deadline:
        try:
            s, _ = ls.accept()
        except socket.timeout:
            continue
        n += 1
        s.settimeout(max(1.0, deadline - time.monotonic()))
        rec.write("== conn %d\n" % n)
        rec.flush()
        c = Conn(s, rec)
        try:
            session(c, sc, sslctx, n)
        except (OSError, ssl.SSLError) as e:
            rec.write("ERROR %s\n" % e)
        finally:
            rec.flush()
            try:
                c.sock.close()
            except OSError:
                pass
    rec.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
