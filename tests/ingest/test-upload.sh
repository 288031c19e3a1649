#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Uploads (README "Uploads"): nginx with the module and the shipped
# conf/vidorigin-ingest.conf in front of "transcode-worker upload", a
# real redis-server, a local store.  tus-js-client uploads a source made
# here with ffmpeg in several PATCHes, is cut off near the middle and
# resumes from the offset HEAD reports; the upload server is killed -9
# mid-upload and restarted, and the upload completes.  Each time the
# stored {id}/source.bin has the file's sha256 and the probe job is on
# vo:jobs.  Then every bad input with its status, and Redis down.

. "$(dirname "$0")/../lib/worker.sh"

NAME=ingest-upload
STORE=$TMP/store
STORE_ARGS="--store $STORE"
mkdir -p "$STORE"

. "$(dirname "$0")/lib.sh"

# --- admin: authenticated in nginx
check "POST /admin/uploads without credentials: 401" \
    [ "$(status -X POST "$BASE/admin/uploads")" = 401 ]
check "POST /admin/uploads with a wrong secret: 403" \
    [ "$(status -X POST -H 'Authorization: Bearer wrong-secret-0000' \
        "$BASE/admin/uploads")" = 403 ]
body='{"title":"Signed upload","language":"en"}'
date=$(date +%s)
sig=$(printf '%s\nPOST\n%s\n/admin/uploads\n%s' "$date" "${BASE#http://}" "$body" \
    | openssl dgst -sha256 -hmac "$ADMIN" -r | cut -d' ' -f1)
check "POST /admin/uploads signed with HMAC: 201" \
    [ "$(status -X POST -H "X-Vidorigin-Date: $date" \
        -H "X-Vidorigin-Signature: $sig" --data-binary "$body" \
        "$BASE/admin/uploads")" = 201 ]
sid=$(jq -r .id "$TMP/body")
check "its catalog fields and status uploading" eval \
    '[ "$(field "$sid" title)" = "Signed upload" ] && [ "$(field "$sid" status)" = uploading ]'
check "HMAC over another body: 403" \
    [ "$(status -X POST -H "X-Vidorigin-Date: $date" \
        -H "X-Vidorigin-Signature: $sig" --data-binary '{"title":"x"}' \
        "$BASE/admin/uploads")" = 403 ]
check "invalid catalog fields: 400" \
    [ "$(status -X POST -H "Authorization: Bearer $ADMIN" \
        --data-binary '{"language":"not a tag!"}' "$BASE/admin/uploads")" = 400 ]
check "unknown catalog field: 400" \
    [ "$(status -X POST -H "Authorization: Bearer $ADMIN" \
        --data-binary '{"colour":"red"}' "$BASE/admin/uploads")" = 400 ]

new_upload '{"title":"First","creator":"tests","tags":["a","b"]}' \
    || bail $NAME "POST /admin/uploads answers 201"
ok "POST /admin/uploads: 201"
check "answer: id, upload_url on the public URL, expires in the future" \
    eval '[ ${#ID} = 22 ] && [[ $URL == $BASE/uploads/$ID\?exp=*\&sig=* ]] && [ "$EXP" -gt "$(date +%s)" ]'
check "catalog: fields and status uploading" eval \
    '[ "$(field "$ID" creator)" = tests ] && [ "$(field "$ID" tags)" = "[\"a\",\"b\"]" ] && [ "$(field "$ID" status)" = uploading ]'

# --- OPTIONS: tus discovery and the CORS preflight
check "OPTIONS: 204" [ "$(status -X OPTIONS -H 'Origin: https://page.example' \
    -H 'Access-Control-Request-Method: PATCH' "$URL")" = 204 ]
check "OPTIONS: Tus-Version 1.0.0" [ "$(hdr Tus-Version)" = 1.0.0 ]
check "OPTIONS: Tus-Extension" [ "$(hdr Tus-Extension)" = \
    creation,creation-with-upload,termination,checksum,expiration ]
check "OPTIONS: Tus-Max-Size" [ "$(hdr Tus-Max-Size)" = 16777216 ]
check "OPTIONS: Tus-Checksum-Algorithm" [ "$(hdr Tus-Checksum-Algorithm)" = sha1,sha256 ]
check "CORS: Allow-Origin, Allow-Methods with PATCH, Allow-Headers" eval \
    'grep -qi "^Access-Control-Allow-Origin: \*" "$TMP/hdrs" && grep -i "^Access-Control-Allow-Methods:" "$TMP/hdrs" | grep -q PATCH && grep -i "^Access-Control-Allow-Headers:" "$TMP/hdrs" | grep -q Upload-Offset'
check "CORS: Expose-Headers has Location and Upload-Offset" eval \
    'grep -i "^Access-Control-Expose-Headers:" "$TMP/hdrs" | grep -q "Location.*Upload-Offset"'

# --- tus-js-client: cut off near the middle, resumed
node "$ROOT/tests/ingest/tus-client.js" abort "$URL" "$SRC" $CHUNK \
    > "$TMP/abort.out" 2>&1
check "tus-js-client: aborted near the middle" grep -qx aborted "$TMP/abort.out"
LOC=$(awk '$1 == "url" { print $2 }' "$TMP/abort.out")
check "tus-js-client got the upload's URL (Location)" \
    eval '[[ $LOC == $BASE/uploads/$ID\?exp=*\&sig=* ]]'
check "several PATCH requests before the cut" \
    [ "$(grep -c '^patch ' "$TMP/abort.out")" -ge 3 ]
sleep 0.5
status -I "${TUS[@]}" "$LOC" > "$TMP/code"
OFF=$(hdr Upload-Offset)
check "HEAD: 200, the offset near the middle, Upload-Length, Upload-Expires" \
    eval '[ "$(cat "$TMP/code")" = 200 ] && [ "$OFF" -gt 0 ] && [ "$OFF" -lt "$SIZE" ] && [ "$(hdr Upload-Length)" = "$SIZE" ] && [ -n "$(hdr Upload-Expires)" ]'
check "not in the store before it is whole" [ ! -e "$STORE/$ID/source.bin" ]
node "$ROOT/tests/ingest/tus-client.js" resume "$LOC" "$SRC" $CHUNK \
    > "$TMP/resume.out" 2>&1
check "tus-js-client resumed and finished" grep -qx done "$TMP/resume.out"
check "resumed from the offset HEAD reports" eval \
    '[ "$(awk "\$1 == \"head\" { print \$2; exit }" "$TMP/resume.out")" = "$OFF" ] && [ "$(awk "\$1 == \"patch\" { print \$2; exit }" "$TMP/resume.out")" = "$OFF" ]'
check "{id}/source.bin has the file's sha256" stored_ok "$ID"
check "the probe job is on vo:jobs" job_ok "$ID"
check "catalog: status processing, the title from Upload-Metadata" \
    eval '[ "$(field "$ID" status)" = processing ] && [ "$(field "$ID" title)" = "tus upload" ]'
check_sh "no spool file left" '! ls "$STORE/.uploads/$ID".* >/dev/null 2>&1'
check "a second creation on the used URL: 403" \
    [ "$(status -X POST "${TUS[@]}" -H "Upload-Length: 10" "$URL")" = 403 ]
check "HEAD of the finished upload: offset = length" eval \
    '[ "$(status -I "${TUS[@]}" "$LOC")" = 200 ] && [ "$(hdr Upload-Offset)" = "$SIZE" ]'

# --- the upload server killed -9 mid-upload, restarted
new_upload || bail $NAME "second upload URL"
node "$ROOT/tests/ingest/tus-client.js" create "$URL" "$SRC" $CHUNK 150 \
    > "$TMP/kill.out" 2>&1 &
CLIENT=$!
wait_for_sh 200 '[ "$(R hget "vo:upload:{$ID}" offset)" -ge $((3 * CHUNK)) ] 2>/dev/null'
kill -9 "$UP_PID"
wait "$UP_PID" 2>/dev/null
killed_at=$(R hget "vo:upload:{$ID}" offset)
# down long enough for the client's next request to fail
sleep 0.3
start_upload upload || bail $NAME "upload server restarted"
ok "upload server killed -9 at offset $killed_at of $SIZE and restarted"
for i in $(seq 1 300); do
    kill -0 "$CLIENT" 2>/dev/null || break
    sleep 0.1
done
wait "$CLIENT"
check "tus-js-client finished after the restart" grep -qx done "$TMP/kill.out"
check "it resumed with a HEAD after the kill" grep -q '^head [0-9]' "$TMP/kill.out"
check "source.bin has the file's sha256 after the kill" stored_ok "$ID"
check "its probe job is on vo:jobs" job_ok "$ID"

# --- killed -9 in the middle of a PATCH (a slow one): what it had not
# acknowledged is lost, what it had is kept, and the upload resumes
new_upload || bail $NAME "upload URL for the mid-PATCH kill"
MIB=1048576
head -c $MIB "$SRC" > "$TMP/first"
tail -c +$((MIB + 1)) "$SRC" > "$TMP/rest"
status -X POST "${TUS[@]}" -H "Upload-Length: $SIZE" "$URL" >/dev/null
LOC=$(hdr Location)
PATCH=(-X PATCH "${TUS[@]}" -H "Content-Type: application/offset+octet-stream")
check "first MiB acknowledged" eval \
    '[ "$(status "${PATCH[@]}" -H "Upload-Offset: 0" --data-binary @"$TMP/first" "$LOC")" = 204 ] && [ "$(hdr Upload-Offset)" = $MIB ]'
curl -s -o /dev/null --limit-rate 400k --max-time 20 "${PATCH[@]}" \
    -H "Upload-Offset: $MIB" --data-binary @"$TMP/rest" "$LOC" &
SLOW=$!
wait_for_sh 50 '[ "$(stat -c %s "$STORE/.uploads/$ID".* 2>/dev/null || echo 0)" -gt $((MIB + 100000)) ]'
spooled=$(stat -c %s "$STORE/.uploads/$ID".*)
kill -9 "$UP_PID"
wait "$UP_PID" 2>/dev/null
wait "$SLOW"
check "killed mid-PATCH with $((spooled - MIB)) bytes written, unacknowledged" \
    [ "$spooled" -gt $((MIB + 100000)) ]
start_upload upload || bail $NAME "upload server restarted again"
check "after the restart HEAD says the acknowledged offset (1 MiB)" eval \
    '[ "$(status -I "${TUS[@]}" "$LOC")" = 200 ] && [ "$(hdr Upload-Offset)" = $MIB ]'
node "$ROOT/tests/ingest/tus-client.js" resume "$LOC" "$SRC" $CHUNK \
    > "$TMP/midpatch.out" 2>&1
check "tus-js-client resumed it from 1 MiB and finished" eval \
    'grep -qx done "$TMP/midpatch.out" && grep -qx "patch $MIB" "$TMP/midpatch.out"'
check "source.bin has the file's sha256 (the unacknowledged bytes cut)" \
    stored_ok "$ID"

# --- creation-with-upload, then checksums
new_upload || bail $NAME "third upload URL"
head -c 100000 "$SRC" > "$TMP/part1"
tail -c +100001 "$SRC" | head -c 100000 > "$TMP/part2"
check "creation with upload: 201 and Upload-Offset 100000" eval \
    '[ "$(status -X POST "${TUS[@]}" -H "Upload-Length: 300000" -H "Content-Type: application/offset+octet-stream" --data-binary @"$TMP/part1" "$URL")" = 201 ] && [ "$(hdr Upload-Offset)" = 100000 ]'
LOC=$(hdr Location)
PATCH=(-X PATCH "${TUS[@]}" -H "Content-Type: application/offset+octet-stream")
bad=$(printf x | openssl dgst -sha1 -binary | base64)
check "PATCH with a wrong sha1 checksum: 460" \
    [ "$(status "${PATCH[@]}" -H "Upload-Offset: 100000" \
        -H "Upload-Checksum: sha1 $bad" --data-binary @"$TMP/part2" "$LOC")" = 460 ]
check "its bytes dropped: offset still 100000, spool file too" eval \
    '[ "$(status -I "${TUS[@]}" "$LOC")" = 200 ] && [ "$(hdr Upload-Offset)" = 100000 ] && [ "$(stat -c %s "$STORE"/.uploads/"$ID".*)" = 100000 ]'
check "unsupported checksum algorithm: 400" \
    [ "$(status "${PATCH[@]}" -H "Upload-Offset: 100000" \
        -H "Upload-Checksum: md5 AAAAAAAAAAAAAAAAAAAAAA==" \
        --data-binary @"$TMP/part2" "$LOC")" = 400 ]
good=$(openssl dgst -sha256 -binary < "$TMP/part2" | base64)
check "PATCH with the right sha256 checksum: 204, offset 200000" eval \
    '[ "$(status "${PATCH[@]}" -H "Upload-Offset: 100000" -H "Upload-Checksum: sha256 $good" --data-binary @"$TMP/part2" "$LOC")" = 204 ] && [ "$(hdr Upload-Offset)" = 200000 ]'
check "PATCH at a wrong offset: 409" \
    [ "$(status "${PATCH[@]}" -H "Upload-Offset: 100000" \
        --data-binary @"$TMP/part2" "$LOC")" = 409 ]
head -c 150000 /dev/zero > "$TMP/big"
check "PATCH past Upload-Length: 413" \
    [ "$(status "${PATCH[@]}" -H "Upload-Offset: 200000" \
        --data-binary @"$TMP/big" "$LOC")" = 413 ]
check "PATCH without the offset+octet-stream type: 415" \
    [ "$(status -X PATCH "${TUS[@]}" -H "Upload-Offset: 200000" \
        --data-binary @"$TMP/part2" "$LOC")" = 415 ]
check "offset unchanged by the refusals" eval \
    '[ "$(status -I "${TUS[@]}" "$LOC")" = 200 ] && [ "$(hdr Upload-Offset)" = 200000 ]'
check "unsupported Tus-Resumable: 412 with Tus-Version" eval \
    '[ "$(status -I -H "Tus-Resumable: 0.2.2" "$LOC")" = 412 ] && [ "$(hdr Tus-Version)" = 1.0.0 ]'

# --- termination
check "DELETE: 204" [ "$(status -X DELETE "${TUS[@]}" "$LOC")" = 204 ]
check "then HEAD: 404, spool file gone, catalog failed" eval \
    '[ "$(status -I "${TUS[@]}" "$LOC")" = 404 ] && ! ls "$STORE/.uploads/$ID".* >/dev/null 2>&1 && [ "$(field "$ID" status)" = failed ]'

# --- URLs and creation refused
new_upload || bail $NAME "fourth upload URL"
plain=${URL%%\?*}
check "creation without a token: 401" \
    [ "$(status -X POST "${TUS[@]}" -H "Upload-Length: 10" "$plain")" = 401 ]
check "creation with a wrong signature: 403" \
    [ "$(status -X POST "${TUS[@]}" -H "Upload-Length: 10" \
        "${URL%?}0")" = 403 ]
check "the upload's token does not create: 403" \
    [ "$(status -X POST "${TUS[@]}" -H "Upload-Length: 10" \
        "$(sign u "$ID" "$EXP")")" = 403 ]
check "an expired creation URL: 410" \
    [ "$(status -X POST "${TUS[@]}" -H "Upload-Length: 10" \
        "$(sign c "$ID" $(( $(date +%s) - 5 )))")" = 410 ]
check "a creation URL of an id never issued: 404" \
    [ "$(status -X POST "${TUS[@]}" -H "Upload-Length: 10" \
        "$(sign c nosuchupload000000000 "$EXP")")" = 404 ]
check "HEAD of an unknown upload: 404" \
    [ "$(status -I "${TUS[@]}" "$(sign u nosuchupload000000000 "$EXP")")" = 404 ]
check "Upload-Length over max-size: 413" \
    [ "$(status -X POST "${TUS[@]}" -H "Upload-Length: 16777217" "$URL")" = 413 ]
check "zero-length upload: 400" \
    [ "$(status -X POST "${TUS[@]}" -H "Upload-Length: 0" "$URL")" = 400 ]
check "Upload-Defer-Length: 400" \
    [ "$(status -X POST "${TUS[@]}" -H "Upload-Defer-Length: 1" "$URL")" = 400 ]
meta="title $(printf '\xff\xfe' | base64)"
check "Upload-Metadata not UTF-8: 400" \
    [ "$(status -X POST "${TUS[@]}" -H "Upload-Length: 10" \
        -H "Upload-Metadata: $meta" "$URL")" = 400 ]
check "the URL still unused after the refusals: 201" \
    [ "$(status -X POST "${TUS[@]}" -H "Upload-Length: 10" "$URL")" = 201 ]
check "each refusal logged" eval \
    '[ "$(grep -c "creation \"[A-Za-z0-9_-]*\": 4[0-9][0-9] " "$TMP/upload.log")" -ge 8 ]'

# --- expiration: a server whose uploads live 1 s
start_upload short --expiry 1s --sweep-interval 200ms \
    || bail $NAME "short-expiry server"
new_upload || bail $NAME "fifth upload URL"
cu="http://u/uploads/$ID?${URL#*\?}"
code=$(curl -s -o /dev/null -D "$TMP/hdrs" -w '%{http_code}' \
    --unix-socket "$TMP/short.sock" -X POST "${TUS[@]}" \
    -H "Upload-Length: 300000" -H "Content-Type: application/offset+octet-stream" \
    --data-binary @"$TMP/part1" "$cu")
SLOC=$(hdr Location)
check "short upload created with Upload-Expires" eval \
    '[ "$code" = 201 ] && [ -n "$(hdr Upload-Expires)" ] && ls "$STORE/.uploads/$ID".* >/dev/null'
wait_for_sh 50 '! ls "$STORE/.uploads/$ID".* >/dev/null 2>&1'
check "expired upload removed: spool file and record gone" eval \
    '! ls "$STORE/.uploads/$ID".* >/dev/null 2>&1 && [ "$(R exists "vo:upload:{$ID}")" = 0 ]'
check "catalog says failed: upload expired" eval \
    '[ "$(field "$ID" status)" = failed ] && [ "$(field "$ID" error)" = "upload expired" ]'
check "the expired upload's URL: 410" \
    [ "$(status -I "${TUS[@]}" "$SLOC")" = 410 ]
kill -TERM "$UP_PID"; wait "$UP_PID" 2>/dev/null

# --- POST /admin/ingest
mkdir -p "$STORE/incoming"
cp "$SRC" "$STORE/incoming/talk.mp4"
check "ingest of a store key: 202" \
    [ "$(status -X POST -H "Authorization: Bearer $ADMIN" \
        --data 'source=incoming/talk.mp4&id=talk' "$BASE/admin/ingest")" = 202 ]
check "answer has the id; job and catalog status processing" eval \
    '[ "$(jq -r .id "$TMP/body")" = talk ] && R xrange vo:jobs - + | tr "\n" " " | grep -q "type probe id talk source incoming/talk.mp4" && [ "$(field talk status)" = processing ]'
check "ingest without credentials: 401" \
    [ "$(status -X POST --data 'source=incoming/talk.mp4' "$BASE/admin/ingest")" = 401 ]
check "ingest of a missing key: 404" \
    [ "$(status -X POST -H "Authorization: Bearer $ADMIN" \
        "$BASE/admin/ingest?source=incoming/none.mp4")" = 404 ]
check "ingest of ../ : 400" \
    [ "$(status -X POST -H "Authorization: Bearer $ADMIN" \
        --data 'source=../etc/passwd' "$BASE/admin/ingest")" = 400 ]
check "ingest of s3:// on a local store: 400" \
    [ "$(status -X POST -H "Authorization: Bearer $ADMIN" \
        --data 'source=s3://media/x.mp4' "$BASE/admin/ingest")" = 400 ]
check "ingest without a source: 400" \
    [ "$(status -X POST -H "Authorization: Bearer $ADMIN" "$BASE/admin/ingest")" = 400 ]

# --- Redis down: 503, nothing half made
new_upload || bail $NAME "last upload URL"
kill -9 "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null
check "creation with Redis down: 503" \
    [ "$(status -X POST "${TUS[@]}" -H "Upload-Length: 10" "$URL")" = 503 ]
check_sh "no spool file made" '! ls "$STORE/.uploads/$ID".* >/dev/null 2>&1'
check "POST /admin/uploads with Redis down: 503" \
    [ "$(status -X POST -H "Authorization: Bearer $ADMIN" "$BASE/admin/uploads")" = 503 ]
check "logged as a failed backend" grep -q '\[error\] redis at' "$TMP/upload.log"
check "the upload server is still up" \
    curl -sf --unix-socket "$TMP/upload.sock" http://u/healthz -o /dev/null
check "nginx logged no error of its own" \
    not grep -E '\[(alert|crit|emerg)\]' "$TMP/nginx/logs/error.log"

finish $NAME
