#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Uploads into an s3 store (the S3 peer of tests/s3, s3rver): the same
# tus-js-client upload through nginx, of a source of about 11 MB, goes
# up as a multipart upload of 5 MiB parts while it arrives (the spool
# keeps at most a part); cut off and resumed, then the server killed -9
# mid-upload and restarted; the object {prefix}{id}/source.bin has the
# file's sha256 and the ETag of 3 parts; the probe is on vo:jobs.  The
# peer's proxy fails the first attempt of every part (each is retried)
# and logs the requests (every part but the last at least 5 MiB).  An
# expired upload's multipart upload is aborted.

. "$(dirname "$0")/../s3/lib.sh"

NAME=ingest-upload-s3
SOURCE_MBPS=11

start_peer peer --log "$TMP/peer.req" --fail-first-part \
    || bail $NAME "s3rver started"
EP="--s3-endpoint http://127.0.0.1:$PEER_PORT --s3-path-style on"
STORE_ARGS="--store s3://media/up $EP --s3-part-size 5m --spool $TMP/spool"
mkdir -p "$TMP/spool"

. "$(dirname "$0")/lib.sh"

PART=$((5 * 1048576))
CHUNK=1048576

# s3 KEY ARGS...: the worker's S3 client on the peer's bucket
s3() {
    "$WORKER" s3 "$1" --endpoint "http://127.0.0.1:$PEER_PORT" \
        --bucket media --path-style "${@:2}"
}
stored_ok() {
    s3 get --out "$TMP/got" "up/$1/source.bin" 2>/dev/null \
        && [ "$(sha256sum < "$TMP/got" | cut -d' ' -f1)" = "$SUM" ]
}
requests() {
    jq -s "[.[] | select($1)] | length" "$TMP/peer.req"
}
no_pending_upload() {
    [ -z "$(find "$TMP/peer/media/._S3rver_uploads" -mindepth 1 -maxdepth 1 \
              2>/dev/null)" ]
}
# the parts the multipart upload of id $1 got (the record keeps its
# s3_id once done), and 1 once completed: s3rver's ETags are plain MD5s
etag_parts() {
    local u
    u=$(R hget "vo:upload:{$1}" s3_id)
    [ -n "$u" ] && [ "$(requests ".method == \"POST\" and .query.uploadId == \"$u\" and .status == 200")" = 1 ] \
        && requests ".method == \"PUT\" and .query.uploadId == \"$u\" and .status == 200"
}
# the bytes the spool file holds (its holes not counted)
spooled() {
    local f
    f=$(ls "$TMP/spool/$1".* 2>/dev/null) || { echo 0; return; }
    echo $(( $(stat -c %b "$f") * 512 ))
}

check "the source is more than 2 parts" [ "$SIZE" -gt $((2 * PART)) ]

# --- cut off near the middle, resumed
new_upload '{"title":"On S3"}' || bail $NAME "POST /admin/uploads"
node "$ROOT/tests/ingest/tus-client.js" abort "$URL" "$SRC" $CHUNK \
    > "$TMP/abort.out" 2>&1
check "tus-js-client: aborted near the middle" grep -qx aborted "$TMP/abort.out"
LOC=$(awk '$1 == "url" { print $2 }' "$TMP/abort.out")
sleep 0.5
check "a part went up before the end" \
    [ "$(R hget "vo:upload:{$ID}" parts)" -ge 1 ]
check "its ETag recorded, and the multipart upload's id" eval \
    '[ -n "$(R hget "vo:upload:{$ID}" etag:1)" ] && [ -n "$(R hget "vo:upload:{$ID}" s3_id)" ]'
check "the spool holds less than a part and the last request" \
    [ "$(spooled "$ID")" -lt $((PART + 2 * CHUNK)) ]
check "no object before the upload is whole" not stored_ok "$ID"
node "$ROOT/tests/ingest/tus-client.js" resume "$LOC" "$SRC" $CHUNK \
    > "$TMP/resume.out" 2>&1
check "tus-js-client resumed and finished" grep -qx done "$TMP/resume.out"
check "the object has the file's sha256" stored_ok "$ID"
check "it was made of 3 parts (5 MiB, 5 MiB, the rest), completed" \
    [ "$(etag_parts "$ID")" = 3 ]
check "the probe job is on vo:jobs" job_ok "$ID"
check_sh "the spool file removed" '! ls "$TMP/spool/$ID".* >/dev/null 2>&1'
check "each part failed once, then sent again (retried)" eval \
    '[ "$(requests ".method == \"PUT\" and .injected == true")" = 3 ] && [ "$(requests ".method == \"PUT\" and .query.partNumber != null and .status == 200")" = 3 ]'
check "every part sent but the last is at least 5 MiB" \
    [ "$(requests ".method == \"PUT\" and .status == 200 and .query.partNumber != \"3\" and .in < $PART")" = 0 ]
check "catalog: processing" [ "$(field "$ID" status)" = processing ]

# --- killed -9 mid-upload, restarted
new_upload || bail $NAME "second upload URL"
node "$ROOT/tests/ingest/tus-client.js" create "$URL" "$SRC" $CHUNK 100 \
    > "$TMP/kill.out" 2>&1 &
CLIENT=$!
wait_for_sh 300 '[ "$(R hget "vo:upload:{$ID}" parts)" -ge 1 ] 2>/dev/null'
kill -9 "$UP_PID"
wait "$UP_PID" 2>/dev/null
sleep 0.3
start_upload upload || bail $NAME "upload server restarted"
for i in $(seq 1 300); do
    kill -0 "$CLIENT" 2>/dev/null || break
    sleep 0.1
done
wait "$CLIENT"
check "tus-js-client finished after the restart" grep -qx done "$TMP/kill.out"
check "it resumed with a HEAD" grep -q '^head [0-9]' "$TMP/kill.out"
check "the object has the file's sha256 after the kill" stored_ok "$ID"
check "and 3 parts" [ "$(etag_parts "$ID")" = 3 ]
check "its probe job is on vo:jobs" job_ok "$ID"

# --- expired: the multipart upload aborted
kill -TERM "$UP_PID"; wait "$UP_PID" 2>/dev/null
start_upload upload --expiry 2s --sweep-interval 200ms \
    || bail $NAME "short-expiry server"
new_upload || bail $NAME "third upload URL"
head -c $((PART + 1000)) "$SRC" > "$TMP/first"
code=$(status -X POST "${TUS[@]}" -H "Upload-Length: $SIZE" \
    -H "Content-Type: application/offset+octet-stream" \
    --data-binary @"$TMP/first" "$URL")
check "created with a first part: 201, the part sent" eval \
    '[ "$code" = 201 ] && [ "$(R hget "vo:upload:{$ID}" parts)" = 1 ]'
wait_for_sh 60 '[ "$(R exists "vo:upload:{$ID}")" = 0 ]'
check "expired: record and spool file removed" eval \
    '[ "$(R exists "vo:upload:{$ID}")" = 0 ] && ! ls "$TMP/spool/$ID".* >/dev/null 2>&1'
check "its multipart upload aborted (AbortMultipartUpload, none pending)" \
    eval 'grep -q "s3 multipart upload of \"up/$ID/source.bin\" aborted" "$TMP/upload.log" && no_pending_upload'
check "no object" not stored_ok "$ID"
check "nginx logged no error of its own" \
    not grep -E '\[(alert|crit|emerg)\]' "$TMP/nginx/logs/error.log"

finish $NAME
