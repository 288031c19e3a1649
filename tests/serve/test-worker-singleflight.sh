#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Exactly one transcode per missing object: 50 concurrent requests for one
# cold segment, split between two "serve" processes sharing a store and a
# Redis, start one job in all; everyone gets the same bytes.  With Redis
# stopped, a worker goes on serving with in-process single-flight and
# says so once.

. "$(dirname "$0")/../lib/worker.sh"

SRC=$(fixture_main)
S=$TMP/store

check "package --eager none" "$WORKER" package --store "$S" --id sf \
    --source "$SRC" --segment-duration 4 --eager none --log-level warn

start_redis redis || exit 1
RS=$TMP/redis.sock
WARGS="--store $S --slots 2 --queue 4 --redis unix:$RS --lock-ttl 5s
       --wait 30s --log-level info"

start_worker a --prefetch off $WARGS || exit 1
A=$WORKER_PID
start_worker b --prefetch off $WARGS || exit 1
B=$WORKER_PID

# N requests at once for one path, spread over the given workers
burst_pick() {
    local path=$1 n=$2 i pids=""
    shift 2
    local workers=("$@")
    for i in $(seq 1 "$n"); do
        curl -s --max-time 60 \
            --unix-socket "$TMP/${workers[$((i % ${#workers[@]}))]}.sock" \
            -o "$TMP/burst.$i" -w '%{http_code}\n' "http://w$path" \
            > "$TMP/burst.$i.code" &
        pids="$pids $!"
    done
    wait $pids
}

rm -f "$TMP"/burst.*
burst_pick /v/sf/360p/1.m4s 50 a b

check "50 concurrent requests: all 200" \
    [ "$(cat "$TMP"/burst.*.code | sort | uniq -c | awk '{print $1 $2}')" \
      = 50200 ]
check "all the same bytes" \
    [ "$(sha256sum $(ls "$TMP"/burst.* | grep -v code) | awk '{print $1}' \
         | sort -u | wc -l)" = 1 ]

"$WORKER" segment --store "$S" --id sf --rendition 360p --segment 1 \
    --out "$TMP/ref.m4s" --log-level warn
check "the bytes of the segment command" cmp "$TMP/burst.1" "$TMP/ref.m4s"

sa=$(metric a jobs_started_total)
sb=$(metric b jobs_started_total)
check "one transcode over both workers (a $sa, b $sb)" \
    [ $((sa + sb)) -eq 1 ]
da=$(metric a jobs_deduplicated_total)
db=$(metric b jobs_deduplicated_total)
check "49 answers deduplicated (a $da, b $db)" [ $((da + db)) -eq 49 ]
check "the lock is released" \
    [ "$(redis-cli -s "$RS" exists vo:lock:sf/360p/1.m4s)" = 0 ]

# Redis stops: the workers keep serving, one transcode per object in a
# process, one log line about it
kill -9 "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null

before=$(metric a jobs_started_total)
rm -f "$TMP"/burst.*
burst_pick /v/sf/240p/2.ts 20 a

check "redis down: 20 concurrent requests all 200" \
    [ "$(cat "$TMP"/burst.*.code | sort | uniq -c | awk '{print $1 $2}')" \
      = 20200 ]
check "redis down: one transcode in the process" \
    [ $(( $(metric a jobs_started_total) - before )) -eq 1 ]
check "redis down: logged once" \
    [ "$(grep -c 'unreachable' "$TMP/a.log")" = 1 ]
check "redis down: redis_up gauge 0" [ "$(metric a redis_up)" = 0 ]

code=$(fetch b /v/sf/240p/3.m4s "$TMP/one")
check "redis down: the other worker serves too" [ "$code" = 200 ]
for i in 1 2 3; do fetch b "/v/sf/aac/$i.m4s" "$TMP/one" > /dev/null; done
check "redis down: still logged once per worker" \
    [ "$(grep -c 'unreachable' "$TMP/b.log")" = 1 ]

# Redis back: locking resumes
start_redis redis || exit 1
sleep 0.3
for i in 1 2 3 4 5 6; do
    fetch a "/v/sf/360p/$((i % 4)).ts" "$TMP/one" > /dev/null
    grep -q 'reachable again' "$TMP/a.log" && break
    sleep 1
done
check "redis back: noticed" grep -q 'reachable again' "$TMP/a.log"

stop_worker "$A"
check "worker a: exit 0" [ $? -eq 0 ]
stop_worker "$B"
check "worker b: exit 0" [ $? -eq 0 ]
check "no temporary files left" no_temp_files "$S"

finish worker-singleflight
