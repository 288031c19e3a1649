#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The S3 client's uploads and retries ("transcode-worker s3 put|list"),
# against s3rver behind peer.js's proxy, which logs every request and
# injects faults: a multipart upload reads back identical; a part that
# fails once is sent again and the upload succeeds; a part that always
# fails is tried 1 + retries times, then the upload is aborted (no object,
# no pending upload); a 4xx is never retried; listing pages through
# continuation tokens.

. "$(dirname "$0")/lib.sh"

MiB=1048576

head -c $((12 * MiB + 12345)) /dev/urandom > "$TMP/big.bin"

# put PEER KEY [s3 put options]: the big object into PEER's bucket
put() {
    local port=$1 key=$2
    shift 2
    "$WORKER" s3 put --endpoint "http://127.0.0.1:$port" --bucket media \
        --path-style --in "$TMP/big.bin" --multipart-size 5m \
        --part-size 5m "$@" "$key"
}

s3() {
    local op=$1 port=$2
    shift 2
    "$WORKER" s3 "$op" --endpoint "http://127.0.0.1:$port" --bucket media \
        --path-style "$@"
}

# requests LOG FILTER: the number of logged requests jq's FILTER selects
requests() {
    jq -s "[.[] | select($2)] | length" "$1"
}

# no upload pending in a peer's directory (s3rver keeps them there)
no_pending_upload() {
    [ -z "$(find "$TMP/$1/media/._S3rver_uploads" -mindepth 1 -maxdepth 1 \
              2>/dev/null)" ]
}

# --- multipart, nothing failing
start_peer ok --log "$TMP/ok.req" || exit 1
OK=$PEER_PORT

put "$OK" v/big.bin 2>"$TMP/err"
check "12 MiB above a 5m multipart size: exit 0" [ $? -eq 0 ]
check "nothing logged" [ ! -s "$TMP/err" ]
check "one CreateMultipartUpload" [ "$(requests "$TMP/ok.req" \
    '.method == "POST" and .query.uploads == ""')" = 1 ]
check "three UploadPart (5 + 5 + 2 MiB)" [ "$(requests "$TMP/ok.req" \
    '.method == "PUT" and .query.partNumber != null')" = 3 ]
check "parts of 5 MiB, the last one the rest" [ "$(jq -s -c \
    '[.[] | select(.query.partNumber != null) | .in]' "$TMP/ok.req")" \
    = "[$((5 * MiB)),$((5 * MiB)),$((2 * MiB + 12345))]" ]
check "one CompleteMultipartUpload" [ "$(requests "$TMP/ok.req" \
    '.method == "POST" and .query.uploadId != null')" = 1 ]
s3 get "$OK" v/big.bin --out "$TMP/back.bin" 2>"$TMP/err"
check "reads back identical" cmp -s "$TMP/big.bin" "$TMP/back.bin"
check "no pending upload left" no_pending_upload ok

: > "$TMP/ok.req"
put "$OK" v/small.bin --multipart-size 16m 2>"$TMP/err"
check "below the multipart size: one PUT" [ "$(requests "$TMP/ok.req" \
    '.method == "PUT" and .query.partNumber == null')$(requests \
    "$TMP/ok.req" '.method == "POST"')" = 10 ]

# a 4xx is final at once, whatever the retries
: > "$TMP/ok.req"
AWS_SECRET_ACCESS_KEY=wrong put "$OK" v/denied.bin --retries 3 \
    2>"$TMP/err"
check "wrong secret: exit 1" [ $? -eq 1 ]
check "wrong secret: 403 not retried (one request)" \
    [ "$(requests "$TMP/ok.req" 'true')" = 1 ]
check "wrong secret: no retry logged" not grep -q 'retry' "$TMP/err"

# --- list: 1000 keys a page, the rest through a continuation token
for i in $(seq 1 1003); do
    echo "/media/l/k$i"
done > "$TMP/keys"
mkdir -p "$TMP/ok/media/l"
for i in $(seq 1 1003); do
    # s3rver's own layout: written through the API would take minutes
    : > "$TMP/ok/media/l/k$i._S3rver_object"
done
s3 list "$OK" l/ > "$TMP/list" 2>"$TMP/err"
check "list of 1003 keys: exit 0" [ $? -eq 0 ]
check "list: every key once" \
    [ "$(sort -u "$TMP/list" | wc -l)$(wc -l < "$TMP/list")" = 10031003 ]
check "list: two pages" [ "$(requests "$TMP/ok.req" \
    '.method == "GET" and .query["list-type"] == "2"')" = 2 ]
s3 list "$OK" nothing/ > "$TMP/list" 2>"$TMP/err"
check "list of an empty prefix: nothing, exit 0" \
    [ $? -eq 0 -a ! -s "$TMP/list" ]

# --- every part fails once: each is sent again and the upload succeeds
start_peer flaky --fail-first-part --log "$TMP/flaky.req" || exit 1

put "$PEER_PORT" v/big.bin --retries 2 2>"$TMP/err"
check "each part failing once: exit 0" [ $? -eq 0 ]
check "each part sent twice (3 injected 500s, 6 UploadPart)" \
    [ "$(requests "$TMP/flaky.req" '.injected')$(requests \
        "$TMP/flaky.req" '.query.partNumber != null')" = 36 ]
WARN='\[warn\] s3 PUT "v/big.bin" .*HTTP 500 InternalError.*retry 1 of 2 in'
check "each retry logged as a warning" \
    [ "$(grep -c "$WARN" "$TMP/err")" = 3 ]
s3 get "$PEER_PORT" v/big.bin --out "$TMP/back.bin" 2>/dev/null
check "and it reads back identical" cmp -s "$TMP/big.bin" "$TMP/back.bin"
check "no pending upload left" no_pending_upload flaky

# --- part 2 always fails: bounded attempts, then the upload is aborted
start_peer broken --fail-part 2 --log "$TMP/broken.req" || exit 1

t0=$(now_ms)
put "$PEER_PORT" v/big.bin --retries 3 2>"$TMP/err"
rc=$?
t1=$(now_ms)
check "a part failing for good: exit 1" [ $rc -eq 1 ]
check "part 2 tried 1 + 3 times" [ "$(requests "$TMP/broken.req" \
    '.query.partNumber == "2"')" = 4 ]
check "no part after it was sent" [ "$(requests "$TMP/broken.req" \
    '.query.partNumber == "3"')" = 0 ]
check "backoff between the tries: 100 + 200 + 400 ms less up to a \
quarter, bounded ($((t1 - t0)) ms in all)" \
    [ $((t1 - t0)) -ge 525 -a $((t1 - t0)) -lt 10000 ]
ERR='\[error\] s3 PUT "v/big.bin" .*HTTP 500 InternalError.*(after 4 attempts)'
check "the error says how many attempts" grep -q "$ERR" "$TMP/err"
check "AbortMultipartUpload sent" [ "$(requests "$TMP/broken.req" \
    '.method == "DELETE" and .query.uploadId != null and .status == 204')" \
    = 1 ]
check "no CompleteMultipartUpload" [ "$(requests "$TMP/broken.req" \
    '.method == "POST" and .query.uploadId != null')" = 0 ]
check "the abort logged" grep -q 'multipart upload of "v/big.bin" aborted' \
    "$TMP/err"
s3 head "$PEER_PORT" v/big.bin >/dev/null 2>&1
check "no object" [ $? -eq 1 ]
check "no pending upload left" no_pending_upload broken

finish s3-upload
