#!/usr/bin/env python3
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# mix.py BASE URLFILE CLIENTS RATE SECONDS OUT [STOPFILE]
#
# The soak's viewers: CLIENTS threads, each on its own keep-alive
# connection, send GET BASE+path for paths drawn (seeded, weighted) from
# URLFILE, lines "CLASS WEIGHT PATH", at most RATE requests a second in
# all, for SECONDS or until STOPFILE exists.  Every request is one line
# of OUT:
#
#   unix_time_ms CLASS STATUS MILLISECONDS PATH
#
# STATUS 0 is a connection error.  As browsers do, a GET whose reused
# keep-alive connection was closed before any answer (an nginx worker
# leaving on reload) is sent once more on a new connection.
import http.client
import os
import random
import sys
import threading
import time
import urllib.parse

base, urlfile, clients, rate, secs, out = sys.argv[1:7]
stopfile = sys.argv[7] if len(sys.argv) > 7 else None
clients, rate, secs = int(clients), float(rate), float(secs)
u = urllib.parse.urlsplit(base)
paths = []
for line in open(urlfile):
    f = line.split()
    if len(f) == 3:
        paths.append((f[0], int(f[1]), u.path.rstrip("/") + f[2]))
weights = [w for _, w, _ in paths]
deadline = time.monotonic() + secs
lock = threading.Lock()
next_at = [time.monotonic()]
log = open(out, "a", buffering=1)


def slot():
    # the next send time of the shared rate, or None when done
    with lock:
        now = time.monotonic()
        if now > deadline or (stopfile and os.path.exists(stopfile)):
            return None
        at = max(next_at[0], now)
        next_at[0] = at + 1.0 / rate
    time.sleep(max(0.0, at - time.monotonic()))
    return True


def get(conn, path):
    conn.request("GET", path)
    r = conn.getresponse()
    r.read()
    return r.status


def client(seed):
    rnd = random.Random(seed)
    conn = None
    reused = False
    while slot():
        cls, _, path = rnd.choices(paths, weights)[0]
        t0 = time.monotonic()
        status = 0
        for attempt in (0, 1):
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port,
                                                  timeout=30)
                reused = False
            try:
                status = get(conn, path)
                reused = True
                break
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError) as e:
                conn.close()
                conn = None
                if not reused or attempt:
                    status = 0
                    break
            except Exception:
                conn.close()
                conn = None
                status = 0
                break
        ms = (time.monotonic() - t0) * 1000
        log.write("%d %s %d %.1f %s\n" % (time.time() * 1000, cls, status,
                                          ms, path))


threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
