#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The worker's S3 store behind a slow S3 (tests/s3/slow-proxy.py holds
# the GET of one video's media.json for $HANG seconds): the media.json
# fetch is not done on libmicrohttpd's thread, so while it hangs
#   - /healthz, /metrics and a segment of a video whose description is
#     cached answer within $BOUND_MS;
#   - the requests for the slow video wait on one fetch (one GET of its
#     media.json), and are all answered when it ends;
# and a media.json that S3 fails to give is a clear 502 for each of its
# requests, not cached: the next request asks S3 again.

. "$(dirname "$0")/lib.sh"

HANG=${HANG:-4}
BOUND_MS=${BOUND_MS:-200}

# a tiny video: 4 s of 320x180, 2 s segments
SRC=$FIXTURES/tiny.mp4
$FF -f lavfi -i testsrc2=size=320x180:rate=30:duration=4 \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=4" -ac 2 \
    -c:v libx264 -preset ultrafast -g 30 -threads 2 -pix_fmt yuv420p \
    -c:a aac -b:a 64k $BITEXACT "$SRC"

start_peer main || exit 1
PORT=$PEER_PORT
check "package \"fast\" into S3" "$WORKER" package --store s3://media/vod \
    --s3-endpoint "http://127.0.0.1:$PORT" --s3-path-style on --id fast \
    --source "$SRC" --segment-duration 2 --ladder 180p:180:300 \
    --log-level warn

# the slow S3: the GET of slow/media.json hangs, broken's fails
python3 "$ROOT/tests/s3/slow-proxy.py" "$PORT" "$TMP/proxy.req" \
    --hang '^/media/vod/slow/media\.json$' "$HANG" \
    --fail '^/media/vod/broken/media\.json$' > "$TMP/proxy.out" 2>&1 &
PIDS="$PIDS $!"
wait_for_sh 50 'grep -q "^port " "$TMP/proxy.out"' || bail slow-media "proxy up"
PPORT=$(awk '$1 == "port" { print $2 }' "$TMP/proxy.out")

start_worker w --store s3://media/vod --s3-endpoint "http://127.0.0.1:$PPORT" \
    --s3-path-style on --s3-retries 0 --s3-timeout 30s --slots 2 \
    --prefetch off --redis off --log-level info || exit 1
W=$WORKER_PID

# timed NAME PATH: "STATUS MS" of a GET through worker NAME
timed() {
    curl -s --max-time 30 --unix-socket "$TMP/$1.sock" -o /dev/null \
        -w '%{http_code} %{time_total}\n' "http://w$2" \
        | awk '{ printf "%s %d\n", $1, $2 * 1000 }'
}

read -r code ms < <(timed w /v/fast/180p/0.m4s)
check "warm: fast/180p/0.m4s 200 ($ms ms)" [ "$code" = 200 ]

# two requests for the slow video, and one for another of its segments
: > "$TMP/proxy.req"
t0=$(now_ms)
for i in 1 2 3; do
    n=$(( i == 3 ? 1 : 0 ))
    timed w "/v/slow/180p/$n.m4s" > "$TMP/slow.$i" &
    SLOW="${SLOW:-} $!"
done
# the proxy logs a request once answered: give the fetch time to start
sleep 0.5

worst=0
for p in /healthz /metrics /v/fast/180p/1.m4s /v/fast/180p/0.m4s /healthz; do
    read -r code ms < <(timed w "$p")
    echo "# during the hang: $p $code in $ms ms"
    [ "$code" = 200 ] || worst=999999
    [ "$ms" -gt "$worst" ] && worst=$ms
done
check "during the hang: every answer 200 within $BOUND_MS ms (worst $worst)" \
    [ "$worst" -le "$BOUND_MS" ]
check "the slow fetch still hangs meanwhile (no answer yet)" \
    [ ! -s "$TMP/slow.1" ]

wait $SLOW
spent=$(( $(now_ms) - t0 ))
check "the three slow requests: 404 (no such video) after the hang ($(
    cat "$TMP"/slow.* | awk '{ printf "%s ", $1 }')in $spent ms)" [ "$(cat "$TMP"/slow.* | awk '$1 == 404' | wc -l)" = 3 ]
check "one GET of slow/media.json for the three" \
    [ "$(grep -c '^GET /media/vod/slow/media.json ' "$TMP/proxy.req")" = 1 ]

# a fetch that fails: each waiter gets a clear error, nothing cached
: > "$TMP/proxy.req"
for i in 1 2; do
    curl -s --max-time 30 --unix-socket "$TMP/w.sock" -o "$TMP/broken.$i" \
        -w '%{http_code}' http://w/v/broken/180p/0.m4s > "$TMP/broken.$i.code"
done
check "S3 fails media.json: 502 \"store unreachable\", twice" \
    [ "$(cat "$TMP"/broken.*.code)$(cat "$TMP/broken.1")" \
      = "502502store unreachable" ]
check "the failure is not cached: two GETs for two requests" \
    [ "$(grep -c '^GET /media/vod/broken/media.json ' "$TMP/proxy.req")" = 2 ]
check "the failure logged" grep -q 'broken/media.json.*unreadable' "$TMP/w.log"

check "/healthz ok" [ "$(healthz w)" = ok ]
stop_worker "$W"
check "worker: SIGTERM, exit 0" [ $? -eq 0 ]

finish slow-media
