#!/usr/bin/env python3
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
"""A stand-in for the two CDN purge APIs, for tests/purge.

    receiver.py --dir DIR [--access-key AK --secret SK [--session-token T]]
                [--distribution ID] [--zone ID] [--token TOKEN]
    receiver.py --self-test

Listens on 127.0.0.1, on a port the system picks, printed as "port N".
Every request is checked the way the real API would, and recorded as one
JSON line in DIR/requests.jsonl (what it carried and what was answered):

  POST /2020-05-31/distribution/{ID}/invalidation   (CloudFront)
      SigV4 verified here, with this file's own implementation: the
      canonical request, string to sign and signature are recomputed
      from the request received, with the secret the receiver knows
      (service "cloudfront", region "us-east-1"); a mismatch is 403
      SignatureDoesNotMatch, an unknown key 403 InvalidClientTokenId.
      The body must be an InvalidationBatch of the 2020-05-31 namespace
      with Quantity equal to the number of Path items and a
      CallerReference.  A CallerReference seen before with the same
      paths gives back the first invalidation (201, as AWS does); with
      other paths 409 InvalidationBatchAlreadyExists.  Success: 201.
  POST /client/v4/zones/{ZONE}/purge_cache          (Cloudflare)
      "Authorization: Bearer TOKEN" (else 403, code 10000), a JSON object
      with exactly one of "prefixes" (host/path, no scheme), "files"
      (https:// URLs) or "hosts", 1 to 30 strings.  Success: 200 with
      "success": true.

POST /__control with a JSON object sets how one CDN misbehaves:
  {"cdn": "cloudfront", "fail_next": 2, "fail_status": 503,
   "retry_after": 1, "always_status": 400, "reject_matching": "bad",
   "delay": 3}
fail_next requests are answered fail_status (500 by default) after
being recorded; always_status (a 4xx) answers every request; a request
with a path containing reject_matching gets 400; delay holds every
answer that many seconds.  {"cdn": ..., "reset": true} clears it.

--self-test checks the SigV4 implementation against AWS's published
examples (SigV4 test suite: get-vanilla, post-x-www-form-urlencoded,
post-sts-header-before) and exits 0 when every signature matches.
"""

import argparse
import datetime
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CF_NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
CF_PATH = re.compile(r"^/2020-05-31/distribution/([^/]+)/invalidation$")
CL_PATH = re.compile(r"^/client/v4/zones/([^/]+)/purge_cache$")
AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/"
    r"aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$")


# --- SigV4, from the documentation, independent of the project's signer

def sigv4_canonical(method, path, query, headers, signed, payload_hash):
    """headers: list of (name, value) as received"""
    segments = path.split("/")
    uri = "/".join(urllib.parse.quote(s, safe="-_.~") for s in segments)
    pairs = sorted(
        (urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~"))
        for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True))
    canon_query = "&".join("%s=%s" % kv for kv in pairs)
    lines = []
    for name in signed:
        values = [" ".join(v.strip().split()) for n, v in headers
                  if n.lower() == name]
        lines.append("%s:%s\n" % (name, ",".join(values)))
    return "\n".join([method, uri, canon_query, "".join(lines),
                      ";".join(signed), payload_hash])


def sigv4_signature(secret, amz_date, region, service, canonical):
    scope = "%s/%s/%s/aws4_request" % (amz_date[:8], region, service)
    to_sign = "\n".join([
        "AWS4-HMAC-SHA256", amz_date, scope,
        hashlib.sha256(canonical.encode()).hexdigest()])

    def h(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = h(("AWS4" + secret).encode(), amz_date[:8])
    key = h(key, region)
    key = h(key, service)
    key = h(key, "aws4_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def sigv4_verify(method, path, query, headers, body, keys, region, service,
                 token=None, now=None):
    """(None, None) when valid, else (error code, message)"""
    auth = [v for n, v in headers if n.lower() == "authorization"]
    if len(auth) != 1:
        return "MissingAuthenticationToken", "Missing Authentication Token"
    m = AUTH.match(auth[0])
    if not m:
        return "IncompleteSignature", "Authorization header malformed"
    akid, date, reg, svc, signed_s, signature = m.groups()
    if akid not in keys:
        return ("InvalidClientTokenId",
                "The security token included in the request is invalid.")
    if reg != region or svc != service:
        return ("SignatureDoesNotMatch",
                "Credential should be scoped to %s/%s" % (region, service))
    signed = signed_s.split(";")
    if signed != sorted(set(signed)):
        return "IncompleteSignature", "SignedHeaders not sorted and unique"
    present = {n.lower() for n, v in headers}
    for required in ("host", "x-amz-date"):
        if required not in signed:
            return ("IncompleteSignature",
                    "%s must be a signed header" % required)
    for name in signed:
        if name not in present:
            return "IncompleteSignature", "signed header %s missing" % name
    amz_date = [v for n, v in headers if n.lower() == "x-amz-date"][0]
    if not re.match(r"^\d{8}T\d{6}Z$", amz_date) or amz_date[:8] != date:
        return "IncompleteSignature", "X-Amz-Date does not match the scope"
    if now is not None:
        t = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
        if abs(t - now) > 300:
            return "SignatureDoesNotMatch", "Signature expired"
    tokens = [v for n, v in headers if n.lower() == "x-amz-security-token"]
    if token is not None:
        if tokens != [token] or "x-amz-security-token" not in signed:
            return ("InvalidClientTokenId",
                    "The security token included in the request is invalid.")
    elif tokens:
        return ("InvalidClientTokenId",
                "The security token included in the request is invalid.")
    payload = hashlib.sha256(body).hexdigest()
    canonical = sigv4_canonical(method, path, query, headers, signed, payload)
    want = sigv4_signature(keys[akid], amz_date, region, service, canonical)
    if not hmac.compare_digest(want, signature):
        return ("SignatureDoesNotMatch",
                "The request signature we calculated does not match the "
                "signature you provided. Check your AWS Secret Access Key "
                "and signing method.")
    return None, None


def self_test():
    """AWS's SigV4 test suite examples, whose signatures are published"""
    keys = {"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
    cred = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
            "service/aws4_request, SignedHeaders=%s, Signature=%s")
    token = ("AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZ"
             "TwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkP"
             "pKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7W"
             "Z0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7Z"
             "D0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx"
             "3iSIlTJabIQwj2ICCR/oLxBA==")
    base = [("Host", "example.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z")]
    cases = [
        ("get-vanilla", "GET", [], b"", "host;x-amz-date",
         "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
         None),
        ("post-x-www-form-urlencoded", "POST",
         [("Content-Type", "application/x-www-form-urlencoded")],
         b"Param1=value1", "content-type;host;x-amz-date",
         "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
         None),
        ("post-sts-header-before", "POST",
         [("X-Amz-Security-Token", token)], b"",
         "host;x-amz-date;x-amz-security-token",
         "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
         token),
    ]
    ok = True
    for name, method, extra, body, signed, sig, tok in cases:
        headers = base + extra
        good = headers + [("Authorization", cred % (signed, sig))]
        err, _ = sigv4_verify(method, "/", "", good, body, keys, "us-east-1",
                              "service", token=tok)
        bad_sig = sig[:-1] + ("0" if sig[-1] != "0" else "1")
        bad = headers + [("Authorization", cred % (signed, bad_sig))]
        err_bad, _ = sigv4_verify(method, "/", "", bad, body, keys,
                                  "us-east-1", "service", token=tok)
        passed = err is None and err_bad == "SignatureDoesNotMatch"
        print("%s - %s" % ("ok" if passed else "not ok", name))
        ok = ok and passed
    return 0 if ok else 1


# --- the server

class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.n = 0
        self.behaviour = {"cloudfront": {}, "cloudflare": {}}
        self.references = {}
        self.log = open("%s/requests.jsonl" % args.dir, "a")

    def record(self, entry):
        with self.lock:
            self.n += 1
            entry["n"] = self.n
            entry["time"] = time.time()
            self.log.write(json.dumps(entry, sort_keys=True) + "\n")
            self.log.flush()

    def misbehaviour(self, cdn, paths):
        """the status to answer instead, or None; and the delay"""
        with self.lock:
            b = self.behaviour[cdn]
            delay = b.get("delay", 0)
            if b.get("fail_next", 0) > 0:
                b["fail_next"] -= 1
                return b.get("fail_status", 500), b.get("retry_after"), delay
            if b.get("always_status"):
                return b["always_status"], None, delay
            bad = b.get("reject_matching")
            if bad and any(bad in p for p in paths):
                return 400, None, delay
            return None, None, delay


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vidorigin-test-receiver"

    def log_message(self, fmt, *args):
        sys.stderr.write("receiver: " + (fmt % args) + "\n")

    def answer(self, status, ctype, body, extra=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer(404, "text/plain", "not found\n")

    def do_POST(self):
        st = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        url = urllib.parse.urlsplit(self.path)
        headers = list(self.headers.items())
        if url.path == "/__control":
            c = json.loads(body)
            with st.lock:
                if c.get("reset"):
                    st.behaviour[c["cdn"]] = {}
                st.behaviour[c["cdn"]].update(
                    {k: v for k, v in c.items() if k not in ("cdn", "reset")})
            self.answer(200, "application/json", "{}")
            return
        m = CF_PATH.match(url.path)
        if m:
            self.cloudfront(st, m.group(1), url, headers, body)
            return
        m = CL_PATH.match(url.path)
        if m:
            self.cloudflare(st, m.group(1), headers, body)
            return
        st.record({"cdn": None, "path": self.path, "status": 404})
        self.answer(404, "text/plain", "not found\n")

    # CloudFront

    def cf_error(self, status, code, message, extra=()):
        self.answer(status, "text/xml",
                    '<?xml version="1.0"?>\n<ErrorResponse xmlns="%s">'
                    "<Error><Type>Sender</Type><Code>%s</Code>"
                    "<Message>%s</Message></Error>"
                    "<RequestId>test</RequestId></ErrorResponse>"
                    % (CF_NS, code, message), extra)

    def cf_parse(self, body):
        """(paths, reference) or raises ValueError"""
        root = ET.fromstring(body)
        if root.tag != "{%s}InvalidationBatch" % CF_NS:
            raise ValueError("root element %s" % root.tag)
        q = root.find("{%s}Paths/{%s}Quantity" % (CF_NS, CF_NS))
        items = root.findall("{%s}Paths/{%s}Items/{%s}Path"
                             % (CF_NS, CF_NS, CF_NS))
        ref = root.find("{%s}CallerReference" % CF_NS)
        paths = [p.text or "" for p in items]
        if q is None or int(q.text) != len(paths) or not paths:
            raise ValueError("Quantity does not match the paths")
        if ref is None or not (ref.text or "").strip():
            raise ValueError("CallerReference missing")
        for p in paths:
            if not p.startswith("/") or "*" in p[:-1]:
                raise ValueError("invalid path %s" % p)
        return paths, ref.text

    def cloudfront(self, st, dist, url, headers, body):
        a = st.args
        entry = {"cdn": "cloudfront", "method": self.command,
                 "path": url.path, "distribution": dist,
                 "content_type": self.headers.get("Content-Type"),
                 "host": self.headers.get("Host")}
        auth = self.headers.get("Authorization", "")
        m = AUTH.match(auth)
        entry["signed_headers"] = m.group(5) if m else None
        try:
            paths, ref = self.cf_parse(body)
            entry["paths"], entry["caller_reference"] = paths, ref
        except (ET.ParseError, ValueError) as e:
            paths, ref, entry["parse_error"] = [], None, str(e)

        status, retry_after, delay = st.misbehaviour("cloudfront", paths)
        if delay:
            time.sleep(delay)
        err, msg = sigv4_verify(self.command, url.path, url.query, headers,
                                body, {a.access_key: a.secret}, "us-east-1",
                                "cloudfront", token=a.session_token,
                                now=time.time())
        entry["signature_error"] = err
        if status:
            entry["status"] = status
            st.record(entry)
            extra = [("Retry-After", str(retry_after))] if retry_after else []
            if status >= 500:
                self.cf_error(status, "ServiceUnavailable",
                              "test receiver: failing on purpose", extra)
            else:
                self.cf_error(status, "InvalidArgument",
                              "test receiver: rejected on purpose", extra)
            return
        if self.command != "POST":
            entry["status"] = 405
        elif err:
            entry["status"] = 403
        elif dist != a.distribution:
            entry["status"] = 404
        elif self.headers.get("Content-Type") not in ("application/xml",
                                                       "text/xml"):
            entry["status"] = 415
        elif "parse_error" in entry:
            entry["status"] = 400
        else:
            with st.lock:
                seen = st.references.get(ref)
                if seen is None:
                    seen = st.references[ref] = {
                        "id": "I%013d" % (len(st.references) + 1),
                        "paths": paths}
            if seen["paths"] != paths:
                entry["status"] = 409
            else:
                entry["status"] = 201
                entry["id"] = seen["id"]
        st.record(entry)
        s = entry["status"]
        if s == 403:
            self.cf_error(403, err, msg)
        elif s == 404:
            self.cf_error(404, "NoSuchDistribution",
                          "The specified distribution does not exist.")
        elif s == 409:
            self.cf_error(409, "InvalidationBatchAlreadyExists",
                          "CallerReference reused with other paths")
        elif s != 201:
            self.cf_error(s, "MalformedInput",
                          entry.get("parse_error", "bad request"))
        else:
            items = "".join("<Path>%s</Path>" % p for p in paths)
            self.answer(201, "text/xml",
                        '<?xml version="1.0"?>\n<Invalidation xmlns="%s">'
                        "<Id>%s</Id><Status>InProgress</Status>"
                        "<InvalidationBatch><Paths><Quantity>%d</Quantity>"
                        "<Items>%s</Items></Paths><CallerReference>%s"
                        "</CallerReference></InvalidationBatch>"
                        "</Invalidation>"
                        % (CF_NS, entry["id"], len(paths), items, ref),
                        [("Location", "https://cloudfront.amazonaws.com/"
                          "2020-05-31/distribution/%s/invalidation/%s"
                          % (dist, entry["id"]))])

    # Cloudflare

    def cl_answer(self, status, code=None, message=None, zone=None,
                  extra=()):
        if code is None:
            doc = {"success": True, "errors": [], "messages": [],
                   "result": {"id": zone}}
        else:
            doc = {"success": False, "messages": [], "result": None,
                   "errors": [{"code": code, "message": message}]}
        self.answer(status, "application/json", json.dumps(doc), extra)

    def cl_parse(self, body):
        """(field, values) or raises ValueError"""
        doc = json.loads(body)
        if not isinstance(doc, dict):
            raise ValueError("not an object")
        fields = [k for k in ("prefixes", "files", "hosts", "tags")
                  if k in doc]
        if len(fields) != 1 or len(doc) != 1:
            raise ValueError("exactly one of prefixes, files, hosts, tags")
        values = doc[fields[0]]
        if (not isinstance(values, list) or not 1 <= len(values) <= 30
                or not all(isinstance(v, str) for v in values)):
            raise ValueError("1 to 30 strings expected")
        for v in values:
            if fields[0] == "prefixes" and (
                    "://" in v or "/" not in v or v.startswith("/")):
                raise ValueError("prefix without scheme expected: %s" % v)
            if fields[0] == "files" and not v.startswith("https://"):
                raise ValueError("absolute https URL expected: %s" % v)
            if fields[0] == "hosts" and "/" in v:
                raise ValueError("host name expected: %s" % v)
        return fields[0], values

    def cloudflare(self, st, zone, headers, body):
        a = st.args
        entry = {"cdn": "cloudflare", "method": self.command, "zone": zone,
                 "content_type": self.headers.get("Content-Type"),
                 "host": self.headers.get("Host")}
        try:
            field, values = self.cl_parse(body)
            entry[field] = values
        except ValueError as e:
            field, values, entry["parse_error"] = None, [], str(e)
        status, retry_after, delay = st.misbehaviour("cloudflare", values)
        if delay:
            time.sleep(delay)
        auth = self.headers.get("Authorization", "")
        entry["token_ok"] = hmac.compare_digest(auth, "Bearer " + a.token)
        if status:
            entry["status"] = status
            st.record(entry)
            extra = [("Retry-After", str(retry_after))] if retry_after else []
            if status >= 500 or status == 429:
                self.cl_answer(status, 10001 if status != 429 else 971,
                               "test receiver: failing on purpose",
                               extra=extra)
            else:
                self.cl_answer(status, 1012,
                               "test receiver: rejected on purpose")
            return
        if not entry["token_ok"]:
            entry["status"] = 403
        elif zone != a.zone:
            entry["status"] = 404
        elif self.headers.get("Content-Type") != "application/json":
            entry["status"] = 415
        elif "parse_error" in entry:
            entry["status"] = 400
        else:
            entry["status"] = 200
        st.record(entry)
        s = entry["status"]
        if s == 403:
            self.cl_answer(403, 10000, "Authentication error")
        elif s == 404:
            self.cl_answer(404, 7003, "Could not route to /zones/%s" % zone)
        elif s != 200:
            self.cl_answer(s, 1012, entry.get("parse_error",
                                              "bad content type"))
        else:
            self.cl_answer(200, zone=zone)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir")
    p.add_argument("--access-key", default="AKIDVIDORIGINTEST")
    p.add_argument("--secret", default="vidorigin-test-secret")
    p.add_argument("--session-token", default=None)
    p.add_argument("--distribution", default="E2VIDORIGINTEST")
    p.add_argument("--zone", default="0123456789abcdef0123456789abcdef")
    p.add_argument("--token", default="vidorigin-test-token")
    p.add_argument("--self-test", action="store_true")
    args = p.parse_args()
    if args.self_test:
        sys.exit(self_test())
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(args)
    print("port %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
