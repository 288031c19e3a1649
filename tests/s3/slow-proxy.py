# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# python3 slow-proxy.py UPSTREAM_PORT LOG [--hang REGEX SECONDS]
#     [--fail REGEX]: an HTTP proxy on 127.0.0.1 (port the system picks,
# printed as "port N") in front of the S3 peer on UPSTREAM_PORT.  A
# request whose path matches a --hang REGEX is held SECONDS before it is
# forwarded (a slow S3); one matching --fail REGEX is answered 503
# SlowDown (an S3 in trouble).  Every request is appended to LOG as one
# line: "METHOD PATH STATUS".  Headers go through unchanged (the Host
# too: the SigV4 signatures stay valid).

import http.client
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

upstream = int(sys.argv[1])
log_path = sys.argv[2]
hang, fail = [], []
args = sys.argv[3:]
while args:
    if args[0] == '--hang':
        hang.append((re.compile(args[1]), float(args[2])))
        args = args[3:]
    elif args[0] == '--fail':
        fail.append(re.compile(args[1]))
        args = args[2:]
    else:
        sys.exit('slow-proxy.py: unknown option ' + args[0])

lock = threading.Lock()


def log(method, path, status):
    with lock, open(log_path, 'a') as f:
        f.write('%s %s %d\n' % (method, path, status))


class Proxy(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *a):
        pass

    def forward(self):
        path = self.path.split('?', 1)[0]
        body = None
        n = int(self.headers.get('Content-Length') or 0)
        if n:
            body = self.rfile.read(n)

        for rx, secs in hang:
            if rx.search(path):
                time.sleep(secs)

        if any(rx.search(path) for rx in fail):
            msg = b'<Error><Code>SlowDown</Code></Error>'
            self.send_response(503)
            self.send_header('Content-Length', str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            log(self.command, path, 503)
            return

        c = http.client.HTTPConnection('127.0.0.1', upstream, timeout=30)
        c.request(self.command, self.path, body=body,
                  headers=dict(self.headers.items()))
        r = c.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ('content-length', 'transfer-encoding',
                                 'connection'):
                self.send_header(k, v)
        if self.command != 'HEAD':
            self.send_header('Content-Length', str(len(data)))
        else:
            self.send_header('Content-Length',
                             r.getheader('Content-Length') or '0')
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(data)
        c.close()
        log(self.command, path, r.status)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = forward


server = ThreadingHTTPServer(('127.0.0.1', 0), Proxy)
server.daemon_threads = True
print('port %d' % server.server_address[1], flush=True)
server.serve_forever()
