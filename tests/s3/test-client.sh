#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The worker's S3 client ("transcode-worker s3 ...") against a real S3
# protocol peer, s3rver (@20minutes/s3rver, pinned in package.json), which
# recomputes every SigV4 signature with the secret it knows (S3RVER) and
# refuses a mismatch.  Round trip of a 3 MB object, ranges, missing keys,
# a wrong secret, a session token, a virtual-hosted bucket, and a peer
# that is gone or silent (bounded failures, no hang).

. "$(dirname "$0")/lib.sh"

start_peer peer || exit 1
EP="--endpoint http://127.0.0.1:$PEER_PORT --bucket media --path-style"

s3() {
    "$WORKER" s3 "$@"
}

head -c 3000000 /dev/urandom > "$TMP/obj.bin"
SIZE=3000000

# --- round trip
s3 put $EP 'v/demo/source file.bin' --in "$TMP/obj.bin" 2>"$TMP/err"
check "put 3 MB: exit 0" [ $? -eq 0 ]
check "put: logs nothing" [ ! -s "$TMP/err" ]
check "put: stored whole by the peer" \
    cmp -s "$TMP/obj.bin" "$(find "$TMP/peer/media" -type f \
        -name '*object' -size +1M | head -1)"

s3 head $EP 'v/demo/source file.bin' >"$TMP/head" 2>"$TMP/err"
check "head: exit 0" [ $? -eq 0 ]
check "head: size $SIZE" grep -qx "size $SIZE" "$TMP/head"
MD5=$(md5sum < "$TMP/obj.bin" | cut -d' ' -f1)
check "head: etag (md5 for s3rver)" grep -qx "etag \"$MD5\"" "$TMP/head"

s3 get $EP 'v/demo/source file.bin' --out "$TMP/whole" 2>"$TMP/err"
check "get whole: exit 0" [ $? -eq 0 ]
check "get whole: same bytes" cmp -s "$TMP/obj.bin" "$TMP/whole"

s3 get $EP 'v/demo/source file.bin' >"$TMP/stdout" 2>"$TMP/err"
check "get to stdout: same bytes" cmp -s "$TMP/obj.bin" "$TMP/stdout"

# ranged_get FIRST LAST: bytes FIRST..LAST equal the slice
ranged_get() {
    s3 get $EP 'v/demo/source file.bin' --range "$1-$2" \
        --out "$TMP/slice" 2>"$TMP/err" \
    && tail -c +$(( $1 + 1 )) "$TMP/obj.bin" | head -c $(( $2 - $1 + 1 )) \
        > "$TMP/want" \
    && cmp -s "$TMP/want" "$TMP/slice" \
    && [ "$(stat -c %s "$TMP/slice")" -eq $(( $2 - $1 + 1 )) ]
}

check "get range first bytes 0-1" ranged_get 0 1
# s3rver answers "bytes=0-0" with the whole object (it reads the end 0
# as "no end"); the client checks Content-Range and refuses it
s3 get $EP 'v/demo/source file.bin' --range 0-0 --out "$TMP/first" \
    2>"$TMP/err"
check "get range 0-0: s3rver's whole-object answer refused" \
    grep -q "Content-Range 0-$((SIZE - 1)) is not the range asked for, 0-0" \
    "$TMP/err"
check "get range 0-0: nothing written" [ ! -e "$TMP/first" ]
check "get range middle slice 1048576-1310719" ranged_get 1048576 1310719
check "get range last byte" ranged_get $((SIZE - 1)) $((SIZE - 1))

s3 get $EP 'v/demo/source file.bin' --range 5-2 2>"$TMP/err"
check "reversed range: refused before sending" \
    grep -q -- '--range takes FIRST-LAST' "$TMP/err"

# --- errors the peer reports
s3 get $EP v/demo/missing.bin --out "$TMP/missing" 2>"$TMP/err"
check "get missing key: exit 1" [ $? -eq 1 ]
check "get missing key: NoSuchKey logged" grep -q \
    '\[error\] s3 get "v/demo/missing.bin": not found (HTTP 404 NoSuchKey)' \
    "$TMP/err"
check "get missing key: no output file left" \
    [ -z "$(find "$TMP" -maxdepth 1 -name 'missing*')" ]

s3 head $EP v/demo/missing.bin >/dev/null 2>"$TMP/err"
check "head missing key: exit 1" [ $? -eq 1 ]
check "head missing key: not found logged" \
    grep -q 'not found (HTTP 404)' "$TMP/err"

AWS_SECRET_ACCESS_KEY=not-the-secret s3 get $EP 'v/demo/source file.bin' \
    >"$TMP/out" 2>"$TMP/err"
check "wrong secret: exit 1" [ $? -eq 1 ]
check "wrong secret: 403 SignatureDoesNotMatch logged" grep -q \
    '\[error\] s3 GET "v/demo/source file.bin" at .*: HTTP 403 Signature' \
    "$TMP/err"
check "wrong secret: S3's message logged" \
    grep -q 'SignatureDoesNotMatch: The request signature we calculated' \
    "$TMP/err"
check "wrong secret: no body written" [ ! -s "$TMP/out" ]

AWS_SECRET_ACCESS_KEY=not-the-secret s3 put $EP v/demo/bad.bin \
    --in "$TMP/obj.bin" 2>"$TMP/err"
check "wrong secret: put refused with SignatureDoesNotMatch" \
    grep -q 'HTTP 403 SignatureDoesNotMatch' "$TMP/err"
s3 head $EP v/demo/bad.bin >/dev/null 2>&1
check "wrong secret: put stored nothing" [ $? -eq 1 ]

AWS_ACCESS_KEY_ID=AKIDUNKNOWN s3 get $EP 'v/demo/source file.bin' \
    >/dev/null 2>"$TMP/err"
check "unknown access key: 403 InvalidAccessKeyId" \
    grep -q 'HTTP 403 InvalidAccessKeyId' "$TMP/err"

# the right secret on another region: the signature covers the region,
# s3rver accepts any region name as long as the signature holds
s3 head $EP --region eu-west-3 'v/demo/source file.bin' >/dev/null \
    2>"$TMP/err"
check "other region, signed for it: accepted" [ $? -eq 0 ]

unset AWS_ACCESS_KEY_ID
s3 head $EP 'v/demo/source file.bin' >/dev/null 2>"$TMP/err"
check "no credentials: refused before sending" \
    grep -q 'no s3 credentials' "$TMP/err"
export AWS_ACCESS_KEY_ID=S3RVER

# --- session token: signed as x-amz-security-token.  s3rver checks the
# signature over it but does not know tokens, so any value is accepted
# with the right secret; a real S3 would also check the token itself.
AWS_SESSION_TOKEN='FwoGZXIvYXdzEXAMPLE/token+value=' \
    s3 get $EP 'v/demo/source file.bin' --range 0-99 --out "$TMP/tok" \
    2>"$TMP/err"
check "session token: signed request accepted" \
    cmp -s "$TMP/tok" <(head -c 100 "$TMP/obj.bin")
AWS_SESSION_TOKEN=sometoken AWS_SECRET_ACCESS_KEY=not-the-secret \
    s3 head $EP 'v/demo/source file.bin' >/dev/null 2>"$TMP/err"
check "session token with a wrong secret: refused (403)" \
    grep -q 'HTTP 403' "$TMP/err"

# --- delete
s3 put $EP v/demo/gone.bin --in - < /dev/null 2>"$TMP/err"
check "put of an empty body from stdin: exit 0" [ $? -eq 0 ]
s3 head $EP v/demo/gone.bin > "$TMP/head" 2>/dev/null
check "empty object: size 0" grep -qx 'size 0' "$TMP/head"
s3 delete $EP v/demo/gone.bin 2>"$TMP/err"
check "delete: exit 0" [ $? -eq 0 ]
s3 head $EP v/demo/gone.bin >/dev/null 2>&1
check "delete: the object is gone" [ $? -eq 1 ]
AWS_SECRET_ACCESS_KEY=not-the-secret s3 delete $EP \
    'v/demo/source file.bin' 2>"$TMP/err"
check "delete with a wrong secret: refused" \
    grep -q 'HTTP 403 SignatureDoesNotMatch' "$TMP/err"
s3 head $EP 'v/demo/source file.bin' >/dev/null 2>&1
check "delete with a wrong secret: object kept" [ $? -eq 0 ]

# --- virtual-hosted style: {bucket}.s3.localhost (curl resolves
# *.localhost to the loopback).  s3rver's SigV4 check signs "/bucket/key"
# for such requests, where S3 signs "/key" (what the client does), so
# this peer runs with mismatched signatures allowed: it proves the
# addressing, not the signature.
start_peer vhost --allow-mismatched-signatures || exit 1
VEP="--endpoint http://s3.localhost:$PEER_PORT --bucket media"
s3 put $VEP v/x.bin --in "$TMP/obj.bin" 2>"$TMP/err"
check "virtual-hosted: put" [ $? -eq 0 ]
check "virtual-hosted: object in bucket media" \
    [ -n "$(find "$TMP/vhost/media" -type f -name '*object' -size +1M)" ]
s3 get $VEP v/x.bin --range 100-199 --out "$TMP/vslice" 2>"$TMP/err"
check "virtual-hosted: ranged get" \
    cmp -s "$TMP/vslice" <(tail -c +101 "$TMP/obj.bin" | head -c 100)

# --- a peer that is gone: fails at once, says why
kill -TERM "$PEER_PID"
wait "$PEER_PID" 2>/dev/null
t0=$(now_ms)
s3 get $VEP v/x.bin --connect-timeout 2 --timeout 4 >/dev/null 2>"$TMP/err"
rc=$?
t1=$(now_ms)
check "peer stopped: exit 1" [ $rc -eq 1 ]
check "peer stopped: within the timeout ($((t1 - t0)) ms)" \
    [ $((t1 - t0)) -lt 4500 ]
check "peer stopped: connection error logged" \
    grep -qi '\[error\] s3 GET "v/x.bin" at .*connect' "$TMP/err"

# --- a peer that accepts and never answers: the total timeout ends it
node -e '
    const s = require("net").createServer(() => {});
    s.listen(0, "127.0.0.1", () => console.log("port " + s.address().port));
' >"$TMP/silent.out" </dev/null &
PIDS="$PIDS $!"
for i in $(seq 1 50); do
    SPORT=$(awk '$1 == "port" { print $2 }' "$TMP/silent.out")
    [ -n "$SPORT" ] && break
    sleep 0.1
done
t0=$(now_ms)
s3 head --endpoint "http://127.0.0.1:$SPORT" --bucket media --path-style \
    --timeout 1.5 k >/dev/null 2>"$TMP/err"
rc=$?
t1=$(now_ms)
check "silent peer: exit 1" [ $rc -eq 1 ]
check "silent peer: ends at the 1.5 s timeout ($((t1 - t0)) ms)" \
    [ $((t1 - t0)) -ge 1400 -a $((t1 - t0)) -lt 3500 ]
check "silent peer: 'timed out' logged" grep -q 'timed out' "$TMP/err"

# --- arguments
s3 get $EP 2>"$TMP/err"
check "no key: exit 1" [ $? -eq 1 ]
check "no key: says why" grep -q 'needs exactly one KEY' "$TMP/err"
s3 get --endpoint ftp://x --bucket media k 2>"$TMP/err"
check "ftp endpoint: refused" grep -q 'invalid s3 endpoint' "$TMP/err"
s3 get --endpoint http://h --bucket Bad_Bucket k 2>"$TMP/err"
check "bad bucket name: refused" grep -q 'invalid s3 bucket name' "$TMP/err"
s3 head $EP --out x k 2>"$TMP/err"
check "--out on head: refused" grep -q 'not accepted by "s3 head"' "$TMP/err"

# the first peer is stopped by lib.sh's cleanup
finish s3-client
