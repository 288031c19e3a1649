#!/usr/bin/env python3
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# load.py URL CLIENTS MAX_REQUESTS MAX_SECONDS [STOPFILE]
#
# A bounded load: CLIENTS threads, each on its own keep-alive connection,
# send GET URL until MAX_REQUESTS were sent in all, MAX_SECONDS passed, or
# STOPFILE exists.  Prints one line:
#
#   requests N failed F retried R p50 X p99 Y max Z      (milliseconds)
#
# A request fails on any status but 200, or a connection error.  Like
# browsers, a GET whose reused keep-alive connection was closed by the
# server before any answer (the race of a server closing idle connections,
# as nginx's leaving workers do) is sent once more on a new connection,
# and counted as "retried".
import http.client
import os
import sys
import threading
import time
import urllib.parse

url, clients, max_req, max_sec = (sys.argv[1], int(sys.argv[2]),
                                  int(sys.argv[3]), float(sys.argv[4]))
stopfile = sys.argv[5] if len(sys.argv) > 5 else None
u = urllib.parse.urlsplit(url)
path = u.path + ("?" + u.query if u.query else "")
deadline = time.monotonic() + max_sec
lock = threading.Lock()
sent = 0
failed = 0
retried = 0
lat = []


def take():
    global sent
    with lock:
        if sent >= max_req or time.monotonic() > deadline:
            return False
        sent += 1
        return True


def once(conn):
    conn.request("GET", path)
    r = conn.getresponse()
    r.read()
    return r.status


def client():
    global failed, retried
    conn = None
    reused = False
    mine = []
    bad = 0
    again = 0
    n = 0
    while take():
        n += 1
        if stopfile and n % 20 == 0 and os.path.exists(stopfile):
            break
        t0 = time.monotonic()
        for attempt in (1, 2):
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(u.hostname, u.port,
                                                      timeout=10)
                    reused = False
                status = once(conn)
                reused = True
                if status != 200:
                    bad += 1
                break
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError):
                conn.close()
                conn = None
                if reused and attempt == 1:
                    again += 1
                    continue
                bad += 1
                break
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
                bad += 1
                break
        mine.append(time.monotonic() - t0)
    with lock:
        lat.extend(mine)
        failed += bad
        retried += again


threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
lat.sort()


def pct(p):
    if not lat:
        return 0.0
    return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000


print("requests %d failed %d retried %d p50 %.2f p99 %.2f max %.2f"
      % (len(lat), failed, retried, pct(0.50), pct(0.99),
         lat[-1] * 1000 if lat else 0.0))
