#!/usr/bin/env python3
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# ua_client.py PORT CORPUS: asks nginx on 127.0.0.1:PORT for GET /class
# (which answers "$vidorigin_device_class\n") once per User-Agent, over one
# keep-alive connection, and compares each answer with the class expected:
#   - every line of CORPUS ("class<TAB>user-agent", "#" comments);
#   - no User-Agent, an empty one, 10 KB, binary bytes, and strings built
#     to make a badly written regex backtrack without end.
# Each answer is timed: over SLOW_MS (50) is reported, over FAIL_MS (200)
# fails.  Prints "ok - ..." / "not ok - ..." (every miss with the class
# expected, the class got and the User-Agent) and exits non-zero on any
# failure.  Python 3 standard library only.

import socket
import sys
import time

SLOW_MS = 50.0
FAIL_MS = 200.0
CLASSES = {"tv", "console", "mobile", "tablet", "desktop", "bot", "legacy"}
DEFAULT = "desktop"


class Client:
    """One HTTP/1.1 keep-alive connection; reconnects when nginx closes."""

    def __init__(self, port):
        self.port = port
        self.sock = None
        self.buf = b""

    def connect(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port),
                                             timeout=10)
        self.buf = b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _read_until(self, marker):
        while marker not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed by nginx")
            self.buf += chunk
        head, _, self.buf = self.buf.partition(marker)
        return head

    def _read_exactly(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed by nginx")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def get_class(self, ua):
        """GET /class with User-Agent ua (bytes, or None for no header):
        (status, body text, milliseconds)"""
        req = b"GET /class HTTP/1.1\r\nHost: localhost\r\n"
        if ua is not None:
            req += b"User-Agent: " + ua + b"\r\n"
        req += b"\r\n"
        for attempt in (1, 2):
            if self.sock is None:
                self.connect()
            start = time.perf_counter()
            try:
                self.sock.sendall(req)
                head = self._read_until(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                status = int(lines[0].split()[1])
                length = 0
                close = False
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value.strip())
                    elif name == b"connection" and \
                            value.strip().lower() == b"close":
                        close = True
                body = self._read_exactly(length)
            except (ConnectionError, BrokenPipeError, ConnectionResetError):
                # keepalive_requests or keepalive_timeout: once more
                self.close()
                if attempt == 2:
                    raise
                continue
            ms = (time.perf_counter() - start) * 1000.0
            if close:
                self.close()
            return status, body.decode("latin-1").strip(), ms
        raise ConnectionError("no answer")


def read_corpus(path):
    cases = []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip(b"\r\n")
            if not line or line.startswith(b"#"):
                continue
            cls, sep, ua = line.partition(b"\t")
            cls = cls.decode()
            if not sep or cls not in CLASSES or not ua:
                raise SystemExit("%s:%d: not class<TAB>user-agent" % (path, n))
            cases.append((n, cls, ua))
    return cases


def main():
    port, corpus = int(sys.argv[1]), sys.argv[2]
    cases = read_corpus(corpus)
    client = Client(port)
    passed = failed = 0
    slow = []

    def timed(what, status, ms):
        nonlocal failed
        if ms > FAIL_MS:
            print("not ok - %s: answered in %.1f ms (limit %d ms)"
                  % (what, ms, FAIL_MS))
            failed += 1
            return False
        if ms > SLOW_MS:
            slow.append((ms, what))
        return True

    # 1. the corpus: every miss printed
    misses = 0
    worst = 0.0
    seen = set()
    for n, want, ua in cases:
        if ua in seen:
            print("not ok - %s line %d: duplicate User-Agent" % (corpus, n))
            failed += 1
            continue
        seen.add(ua)
        status, got, ms = client.get_class(ua)
        worst = max(worst, ms)
        if not timed("corpus line %d" % n, status, ms):
            continue
        if status != 200 or got != want:
            print("not ok - MISS line %d: expected %s, got %s (status %d): %s"
                  % (n, want, got, status, ua.decode("latin-1")))
            misses += 1
            failed += 1
        else:
            passed += 1
    print("%s - corpus: %d User-Agents, %d classified as expected, "
          "%d missed; slowest answer %.1f ms"
          % ("ok" if misses == 0 else "not ok", len(cases),
             len(cases) - misses, misses, worst))

    # 2. odd and hostile User-Agents: each gets its class, quickly.  The
    # module looks at the first 512 bytes only: the 10 KB one names a bot
    # past them, so it stays the default.
    binary = bytes(b for b in range(1, 256) if b not in (10, 13))
    odd = [
        ("no User-Agent header", None, DEFAULT),
        ("an empty User-Agent", b"", DEFAULT),
        ("a 10 KB User-Agent, bot token after byte 512",
         b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) " + b"A" * 10240
         + b" Googlebot/2.1", DEFAULT),
        ("binary bytes 0x01-0xff but CR and LF", binary, DEFAULT),
        ('5000 x "Mozilla/("', b"Mozilla/(" * 5000, DEFAULT),
        ('"Android " 5000 times (Android without Mobile: tablet)',
         b"Android " * 5000, "tablet"),
        ('"(iPhone; CPU" then " OS 1" 5000 times (an iPhone: mobile)',
         b"(iPhone; CPU" + b" OS 1" * 5000, "mobile"),
    ]
    for what, ua, want in odd:
        status, got, ms = client.get_class(ua)
        if not timed(what, status, ms):
            continue
        if status == 200 and got == want:
            print("ok - %s: %s in %.1f ms" % (what, got, ms))
            passed += 1
        else:
            print("not ok - %s: expected %s, got %r (status %d) in %.1f ms"
                  % (what, want, got, status, ms))
            failed += 1

    for ms, what in sorted(slow, reverse=True)[:10]:
        print("# slow: %s answered in %.1f ms (over %d ms)"
              % (what, ms, SLOW_MS))
    client.close()
    print("devices-ua: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
