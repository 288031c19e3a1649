#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The worker's S3 store (--store s3://BUCKET/PREFIX) against s3rver, which
# checks every SigV4 signature, behind peer.js's proxy, which logs every
# request and injects faults:
#
#   - package into S3: the same objects, byte for byte, as into a local
#     store; the master copy up in parts; media.json written last; a
#     re-packaging of the same source keeps the copy (ETag compared);
#   - serve from S3: a missing segment is made from the S3 master copy
#     read by ranged GETs (counted: far less than the file), stored in S3
#     and answered, identical to the local store's; a present one is
#     answered from S3; TS companions go to S3 too; two workers sharing
#     Redis make a cold segment once;
#   - faults: every PUT failing once (retried, package succeeds); a part
#     failing for good (package fails, nothing left: no object, no pending
#     upload); S3 down or silent (a clear error in bounded time, 502 from
#     serve); bad settings refused.

. "$(dirname "$0")/lib.sh"

MiB=1048576

# 24 s 1280x720 30 fps + 48 kHz stereo tone, GOP 1.6 s: above 10 MiB, so
# that with 5 MiB parts the master copy goes up in three parts or more
fixture_720() {
    local f=$FIXTURES/hd.mp4
    [ -f "$f" ] || $FF -f lavfi -i testsrc2=size=1280x720:rate=30:duration=24 \
        -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=24" \
        -ac 2 -c:v libx264 -preset ultrafast -g 48 -threads 2 \
        -pix_fmt yuv420p -c:a aac -b:a 96k $BITEXACT "$f"
    echo "$f"
}

SRC=$(fixture_720)
SIZE=$(stat -c %s "$SRC")
check "fixture: $SIZE bytes, above two 5 MiB parts" \
    [ "$SIZE" -gt $((10 * MiB)) ]

# requests LOG FILTER: the number of logged requests jq's FILTER selects
requests() {
    jq -s "[.[] | select($2)] | length" "$1"
}

s3() {
    local op=$1
    shift
    "$WORKER" s3 "$op" --endpoint "http://127.0.0.1:$PORT" --bucket media \
        --path-style "$@"
}

# same_objects DIR PREFIX: every object of the local store DIR is in the
# bucket under PREFIX with the same bytes, and nothing else is there
same_objects() {
    local k bad=0
    diff <(cd "$1" && find demo -type f | sort | sed "s|^|$2|") \
         <(s3 list "$2demo/" | sort) || return 1
    for k in $(cd "$1" && find demo -type f); do
        s3 get "$2$k" --out "$TMP/obj" 2>/dev/null \
            && cmp -s "$TMP/obj" "$1/$k" || { echo "# $k differs"; bad=1; }
    done
    return $bad
}

LADDER=720p:720:2800,240p:240:400
# 240p made now, 720p left to the just-in-time worker
ARGS="--id demo --source $SRC --segment-duration 4 --ladder $LADDER
      --eager 240p --log-level warn"
MP="--s3-multipart-size 5m --s3-part-size 5m"

check "package into a local store (the reference)" \
    "$WORKER" package --store "$TMP/local" $ARGS

# --- package into S3
start_peer main --log "$TMP/main.req" || exit 1
PORT=$PEER_PORT
MAIN_PID=$PEER_PID
EP="--s3-endpoint http://127.0.0.1:$PORT --s3-path-style on"

"$WORKER" package --store s3://media/vod $EP $MP $ARGS 2>"$TMP/err"
check "package into s3://media/vod: exit 0" [ $? -eq 0 ]
check "package: nothing logged" [ ! -s "$TMP/err" ]
check "every object identical to the local store's, nothing else" \
    same_objects "$TMP/local" vod/
check "media.json written last" [ "$(jq -r -s \
    '[.[] | select(.method == "PUT" or .method == "POST")] | last | .path' \
    "$TMP/main.req")" = /media/vod/demo/media.json ]
nparts=$(( (SIZE + 5 * MiB - 1) / (5 * MiB) ))
check "the master copy went up in $nparts parts of 5 MiB" \
    [ "$(requests "$TMP/main.req" '.path == "/media/vod/demo/source.mp4"
        and .query.partNumber != null and .status == 200')" = "$nparts" ]
check "no whole PUT of the master copy" [ "$(requests "$TMP/main.req" \
    '.method == "PUT" and .path == "/media/vod/demo/source.mp4"
     and .query.partNumber == null')" = 0 ]
check "every request signed right (no 403)" \
    [ "$(requests "$TMP/main.req" '.status == 403')" = 0 ]

# the same source and settings again: objects rewritten, the master copy
# kept (its ETag is the MD5 s3rver gives, computed from the file)
: > "$TMP/main.req"
"$WORKER" package --store s3://media/vod $EP $MP $ARGS --log-level info \
    2>"$TMP/err"
check "re-package: exit 0" [ $? -eq 0 ]
check "re-package: recognized as the same source and settings" \
    grep -q 'already packaged from the same source' "$TMP/err"
check "re-package: the master copy not uploaded again" \
    [ "$(requests "$TMP/main.req" '.path == "/media/vod/demo/source.mp4"
        and (.method == "PUT" or .method == "POST")')" = 0 ]
check "re-package: media.json kept (never deleted)" \
    [ "$(requests "$TMP/main.req" '.method == "DELETE"')" = 0 ]
check "re-package: still identical" same_objects "$TMP/local" vod/

# --- serve from S3
cat > "$TMP/w.conf" <<EOF
# the S3 store, as an operator writes it
store s3://media/vod
s3-endpoint http://127.0.0.1:$PORT
s3-path-style on
s3-retries 2
s3-connect-timeout 1s
s3-timeout 10s
s3-read-ahead 1m
EOF

start_redis redis || exit 1
WARGS="--config $TMP/w.conf --redis unix:$TMP/redis.sock --slots 1
       --prefetch off --log-level info"
start_worker w $WARGS || exit 1
W=$WORKER_PID

ref() {
    "$WORKER" segment --store "$TMP/local" --id demo --log-level warn "$@"
}

ref --rendition 720p --segment 3 --out "$TMP/ref-720p-3.m4s"
: > "$TMP/main.req"
code=$(fetch w /v/demo/720p/3.m4s "$TMP/got")
check "missing 720p/3.m4s: 200, made (X-Vidorigin-Transcode 1)" \
    [ "$code$(header "$TMP/got.h" X-Vidorigin-Transcode)" = 2001 ]
check "its bytes identical to the local store's" \
    cmp -s "$TMP/got" "$TMP/ref-720p-3.m4s"
s3 get vod/demo/720p/3.m4s --out "$TMP/stored" 2>/dev/null
check "and stored in S3, identical" cmp -s "$TMP/stored" "$TMP/ref-720p-3.m4s"
etag=$(s3 head vod/demo/720p/3.m4s | awk '$1 == "etag" { print $2 }')
check "the answer's ETag is S3's ($etag)" \
    [ "$(header "$TMP/got.h" ETag)" = "$etag" ]

SOURCE='.path == "/media/vod/demo/source.mp4" and .method == "GET"'
gets=$(requests "$TMP/main.req" "$SOURCE")
bytes=$(jq -s "[.[] | select($SOURCE) | .out] | add" "$TMP/main.req")
echo "# 720p/3.m4s (12-16 s of 24 s) made from $gets ranged GETs," \
     "$bytes of $SIZE bytes of the master copy"
check "the master copy read with ranged GETs only" [ "$(requests \
    "$TMP/main.req" "$SOURCE and .range == null")" = 0 -a "$gets" -gt 0 ]
check "less than half of it read ($bytes of $SIZE bytes)" \
    [ "$bytes" -lt $((SIZE / 2)) ]

code=$(fetch w /v/demo/720p/3.m4s "$TMP/got")
check "asked again: 200 from S3 (X-Vidorigin-Transcode 0)" \
    [ "$code$(header "$TMP/got.h" X-Vidorigin-Transcode)" = 2000 ]
check "asked again: same bytes" cmp -s "$TMP/got" "$TMP/ref-720p-3.m4s"
check "asked again: no second transcode, a store hit" \
    [ "$(metric w jobs_started_total)$(metric w store_hits_total)" = 11 ]

code=$(fetch w /v/demo/240p/2.m4s "$TMP/got")
cmp -s "$TMP/got" "$TMP/local/demo/240p/2.m4s" || code="$code, other bytes"
check "a packaged segment: 200 from S3, identical" \
    [ "$code$(header "$TMP/got.h" X-Vidorigin-Transcode)" = 2000 ]

# a TS segment: its encode also stores the fMP4 segment S3 lacks
ref --rendition 720p --segment 5 --format ts --out "$TMP/ref-720p-5.ts"
ref --rendition 720p --segment 5 --out "$TMP/ref-720p-5.m4s"
code=$(fetch w /v/demo/720p/5.ts "$TMP/got")
cmp -s "$TMP/got" "$TMP/ref-720p-5.ts" || code="$code, other bytes"
check "missing 720p/5.ts: 200, identical" [ "$code" = 200 ]
s3 get vod/demo/720p/5.m4s --out "$TMP/stored" 2>/dev/null
check "its fMP4 companion stored in S3, identical" \
    cmp -s "$TMP/stored" "$TMP/ref-720p-5.m4s"

status() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 30 \
        --unix-socket "$TMP/w.sock" "http://w$1"
}

check "unknown video: 404" [ "$(status /v/nope/720p/0.m4s)" = 404 ]
check "segment out of range: 404" [ "$(status /v/demo/720p/6.m4s)" = 404 ]
check "HEAD of a missing 720p/0.m4s: 200" [ "$(curl -s -I --max-time 30 \
    --unix-socket "$TMP/w.sock" http://w/v/demo/720p/0.m4s \
    | tr -d '\r' | awk 'NR == 1 { print $2 }')" = 200 ]

# two workers, one Redis, one bucket: a cold segment is made once
start_worker w2 $WARGS || exit 1
ref --rendition 720p --segment 4 --out "$TMP/ref-720p-4.m4s"
s0=$(( $(metric w jobs_started_total) + $(metric w2 jobs_started_total) ))
pids=""
for i in $(seq 1 10); do
    sock=w
    [ $((i % 2)) -eq 1 ] && sock=w2
    curl -s --max-time 60 --unix-socket "$TMP/$sock.sock" \
        -o "$TMP/burst.$i" "http://w/v/demo/720p/4.m4s" &
    pids="$pids $!"
done
wait $pids
bad=0
for i in $(seq 1 10); do
    cmp -s "$TMP/burst.$i" "$TMP/ref-720p-4.m4s" || bad=$((bad + 1))
done
check "10 concurrent requests over two workers: identical answers" \
    [ "$bad" -eq 0 ]
s1=$(( $(metric w jobs_started_total) + $(metric w2 jobs_started_total) ))
check "one transcode between them ($((s1 - s0)))" [ $((s1 - s0)) -eq 1 ]
check "the lock released" \
    [ "$(redis-cli -s "$TMP/redis.sock" exists vo:lock:demo/720p/4.m4s)" = 0 ]

# S3 goes down: 502, quickly (1 + 2 attempts, connection refused)
kill -TERM "$MAIN_PID"
wait "$MAIN_PID" 2>/dev/null
sleep 1.1     # the media description's 1 s cache
t0=$(now_ms)
code=$(status /v/demo/720p/1.m4s)
t1=$(now_ms)
check "S3 down: serve answers 502 ($((t1 - t0)) ms)" \
    [ "$code" = 502 -a $((t1 - t0)) -lt 5000 ]
check "S3 down: the reason logged" \
    grep -q '\[error\] s3 GET "vod/demo/media.json" .*(after 3 attempts)' \
    "$TMP/w.log"

t0=$(now_ms)
"$WORKER" package --store s3://media/vod $EP --s3-retries 2 \
    --s3-connect-timeout 1 $ARGS 2>"$TMP/err"
rc=$?
t1=$(now_ms)
check "S3 down: package fails ($((t1 - t0)) ms)" \
    [ $rc -eq 1 -a $((t1 - t0)) -lt 10000 ]
check "S3 down: says why, once per request" grep -q \
    "\[error\] s3 GET \"\" at 127.0.0.1:$PORT: .*connect.*(after 3 attempts)" \
    "$TMP/err"

stop_worker "$W"
check "serve: exit 0 on SIGTERM" [ $? -eq 0 ]

# S3 accepts connections and never answers: each request ends at
# s3-timeout, 1 + retries times
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
"$WORKER" package --store s3://media/vod --s3-path-style on \
    --s3-endpoint "http://127.0.0.1:$SPORT" --s3-timeout 1s --s3-retries 1 \
    $ARGS 2>"$TMP/err"
rc=$?
t1=$(now_ms)
check "S3 silent: package fails in 2 x 1 s ($((t1 - t0)) ms)" \
    [ $rc -eq 1 -a $((t1 - t0)) -ge 2000 -a $((t1 - t0)) -lt 5000 ]
check "S3 silent: 'timed out' logged" grep -q 'timed out' "$TMP/err"

# --- every PUT fails once: each retried, the package is the same
start_peer flaky --fail-first-put --log "$TMP/flaky.req" || exit 1
PORT=$PEER_PORT
"$WORKER" package --store s3://media/vod --s3-path-style on \
    --s3-endpoint "http://127.0.0.1:$PORT" $MP $ARGS 2>"$TMP/err"
check "every PUT failing once: package exit 0" [ $? -eq 0 ]
injected=$(requests "$TMP/flaky.req" '.injected')
check "every PUT and part was refused once ($injected)" \
    [ "$injected" -gt 10 -a "$injected" = "$(jq -s -r '[.[] |
        select(.method == "PUT") | .path + (.query.partNumber // "")]
        | unique | length' "$TMP/flaky.req")" ]
check "the retries logged as warnings" \
    [ "$(grep -c '\[warn\] s3 PUT .*retry 1 of 3' "$TMP/err")" = "$injected" ]
check "every object identical to the local store's" \
    same_objects "$TMP/local" vod/

# --- part 2 of the master copy always fails: package fails, the new
# video leaves nothing behind
start_peer broken --fail-part 2 --log "$TMP/broken.req" || exit 1
PORT=$PEER_PORT
"$WORKER" package --store s3://media/vod --s3-path-style on \
    --s3-endpoint "http://127.0.0.1:$PORT" $MP --s3-retries 2 $ARGS \
    2>"$TMP/err"
check "a part failing for good: package exit 1" [ $? -eq 1 ]
check "part 2 tried 3 times" [ "$(requests "$TMP/broken.req" \
    '.query.partNumber == "2"')" = 3 ]
check "the upload aborted" [ "$(requests "$TMP/broken.req" \
    '.method == "DELETE" and .query.uploadId != null and .status == 204')" \
    = 1 ]
check "no object left" [ -z "$(s3 list vod/)" ]
check "no pending upload left" [ -z "$(find \
    "$TMP/broken/media/._S3rver_uploads" -mindepth 1 2>/dev/null)" ]

# --- settings
"$WORKER" package --store s3://media/vod $EP --s3-part-size 1m $ARGS \
    2>"$TMP/err"
check "s3-part-size below S3's 5m: refused" \
    grep -q '"s3-part-size" must be a size' "$TMP/err"
"$WORKER" package --store "$TMP/x" --s3-region eu-west-3 $ARGS 2>"$TMP/err"
check "s3 settings with a local store: refused" \
    grep -q 's3-\* settings given with the local store' "$TMP/err"
"$WORKER" package --store s3://media/../x $EP $ARGS 2>"$TMP/err"
check "a prefix with '..': refused" grep -q 'invalid prefix' "$TMP/err"
"$WORKER" package --store s3://Media $EP $ARGS 2>"$TMP/err"
check "an invalid bucket name: refused" \
    grep -q 'invalid s3 bucket name "Media"' "$TMP/err"
AWS_SECRET_ACCESS_KEY= timeout 10 "$WORKER" serve \
    --listen "unix:$TMP/x.sock" --store s3://media $EP 2>"$TMP/err"
check "no credentials: serve exits 1 at once" [ $? -eq 1 ]
check "no credentials: says so" grep -q 'no s3 credentials' "$TMP/err"

finish s3-store
