#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Crash safety: a worker killed (-9) while making an object leaves nothing
# at the object's key; its Redis lock, refreshed while it lived beyond
# the TTL, expires after the TTL once it is dead; a worker that was
# waiting on it takes over and makes the object.

. "$(dirname "$0")/../lib/worker.sh"

# a slow rendition: 720p, x264 preset slow, one thread (about 4 s)
SRC=$FIXTURES/slow.mp4
$FF -f lavfi -i testsrc2=size=1280x720:rate=30:duration=4 \
    -c:v libx264 -preset ultrafast -threads 2 -pix_fmt yuv420p \
    $BITEXACT "$SRC"
S=$TMP/store
KEY=cr/720p/0.m4s

check "package --eager none" "$WORKER" package --store "$S" --id cr \
    --source "$SRC" --segment-duration 4 --ladder 720p:720:2800 \
    --preset slow --threads 1 --eager none --log-level warn

start_redis redis || exit 1
RS=$TMP/redis.sock
WARGS="--store $S --slots 1 --redis unix:$RS --lock-ttl 2s --wait 30s
       --log-level info"

start_worker a --prefetch off $WARGS || exit 1
A=$WORKER_PID

curl -s --max-time 60 --unix-socket "$TMP/a.sock" -o /dev/null \
    "http://w/v/$KEY" &
CURL_A=$!

for i in $(seq 1 100); do
    [ "$(redis-cli -s "$RS" exists "vo:lock:$KEY")" = 1 ] && break
    sleep 0.05
done
owner=$(redis-cli -s "$RS" get "vo:lock:$KEY")
check "the producer holds the lock" [ -n "$owner" ]

# past the TTL: the producer has refreshed it
sleep 2.5
check "lock refreshed beyond its TTL while encoding" \
    [ "$(redis-cli -s "$RS" get "vo:lock:$KEY")" = "$owner" ]
check "still encoding (no object yet)" [ ! -e "$S/$KEY" ]

kill -9 "$A"
wait "$A" 2>/dev/null
wait "$CURL_A" 2>/dev/null
t0=$(date +%s%N)

check "killed mid-transcode: nothing at the key" [ ! -e "$S/$KEY" ]
check "no temporary file either (written only once made)" \
    no_temp_files "$S"

# a second worker asks for the same object while the dead one's lock
# is still there: it waits, then takes over
start_worker b --prefetch off $WARGS || exit 1
B=$WORKER_PID

curl -s --max-time 60 --unix-socket "$TMP/b.sock" -D "$TMP/b.h" \
    -o "$TMP/b.out" -w '%{http_code}' "http://w/v/$KEY" > "$TMP/b.code" &
CURL_B=$!

gone=0
for i in $(seq 1 60); do
    if [ "$(redis-cli -s "$RS" get "vo:lock:$KEY")" != "$owner" ]; then
        gone=$(( ($(date +%s%N) - t0) / 1000000 ))
        break
    fi
    sleep 0.05
done
echo "# dead owner's lock gone after $gone ms"
check "the dead owner's lock expires within the TTL" \
    [ "$gone" -gt 0 -a "$gone" -le 2300 ]

wait "$CURL_B"
check "the waiting worker answers 200" [ "$(cat "$TMP/b.code")" = 200 ]
check "made by it (transcode 1)" \
    [ "$(header "$TMP/b.h" X-Vidorigin-Transcode)" = 1 ]
check "the object is at its key, the bytes answered" cmp "$TMP/b.out" "$S/$KEY"
check "took over the lock (logged)" grep -q 'taking it over' "$TMP/b.log"
check "one job in the new worker" \
    [ "$(metric b jobs_started_total)" = 1 ]
check "lock released" \
    [ "$(redis-cli -s "$RS" exists "vo:lock:$KEY")" = 0 ]

stop_worker "$B"
check "SIGTERM: exit 0" [ $? -eq 0 ]
check "no temporary files left" no_temp_files "$S"

finish worker-crash
