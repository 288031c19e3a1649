#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Overload: with one slot and a queue of one, a burst of distinct cold
# segments gets 503 + Retry-After at once for what does not fit, 200 for
# the rest, no other 5xx; afterwards the worker answers normally.

. "$(dirname "$0")/../lib/worker.sh"

SRC=$(fixture_main)
S=$TMP/store

check "package --eager none" "$WORKER" package --store "$S" --id ov \
    --source "$SRC" --segment-duration 4 --eager none --log-level warn

start_worker w --prefetch off --store "$S" --slots 1 --queue 1 \
    --log-level warn || exit 1
W=$WORKER_PID

paths="/v/ov/360p/0.m4s /v/ov/360p/1.m4s /v/ov/360p/2.m4s /v/ov/360p/3.m4s
       /v/ov/240p/0.ts /v/ov/240p/1.ts /v/ov/240p/2.ts /v/ov/240p/3.ts"

i=0
pids=""
t0=$(date +%s.%N)
for p in $paths; do
    i=$((i + 1))
    curl -s --max-time 60 --unix-socket "$TMP/w.sock" -D "$TMP/r.$i.h" \
        -o /dev/null -w "%{http_code} %{time_total}\n" "http://w$p" \
        > "$TMP/r.$i" &
    pids="$pids $!"
done
wait $pids

codes=$(cat "$TMP"/r.[0-9] | awk '{print $1}' | sort | uniq -c \
        | awk '{printf "%s:%s ", $2, $1}')
echo "# answers: $codes"
n503=$(cat "$TMP"/r.[0-9] | awk '$1 == 503' | wc -l)
n200=$(cat "$TMP"/r.[0-9] | awk '$1 == 200' | wc -l)

check "some 503" [ "$n503" -ge 1 ]
check "some 200" [ "$n200" -ge 2 ]
check "nothing else" [ $((n503 + n200)) -eq 8 ]

slow503=$(cat "$TMP"/r.[0-9] | awk '$1 == 503 && $2 > 0.5' | wc -l)
check "503 answered at once (not after a transcode)" [ "$slow503" -eq 0 ]

retry=0
for i in $(seq 1 8); do
    if grep -q '^HTTP/1.1 503' "$TMP/r.$i.h"; then
        [ "$(header "$TMP/r.$i.h" Retry-After)" = 1 ] || retry=1
    fi
done
check "every 503 has Retry-After: 1" [ "$retry" -eq 0 ]
check "jobs_rejected_total = $n503" \
    [ "$(metric w jobs_rejected_total)" = "$n503" ]

bad=0
for p in $paths; do
    [ "$(fetch w "$p" "$TMP/o")" = 200 ] || bad=$((bad + 1))
done
check "afterwards every object is served" [ "$bad" -eq 0 ]
check "queue empty, slots idle" \
    [ "$(metric w queue_depth)$(metric w busy_slots)" = 00 ]

# SIGTERM with one job running and one queued: both are finished and
# answered before the worker exits 0
rm -f "$S"/ov/360p/[12].m4s
for i in 1 2; do
    curl -s --max-time 60 --unix-socket "$TMP/w.sock" -o /dev/null \
        -w '%{http_code}' "http://w/v/ov/360p/$i.m4s" > "$TMP/g.$i" &
    eval "G$i=\$!"
done
for i in $(seq 1 100); do
    [ "$(metric w busy_slots)$(metric w queue_depth)" = 11 ] && break
    sleep 0.02
done
stop_worker "$W"
check "SIGTERM: exit 0" [ $? -eq 0 ]
wait "$G1" "$G2"
check "SIGTERM: running and queued jobs finished and answered" \
    [ "$(cat "$TMP/g.1" "$TMP/g.2")" = 200200 ]
check "SIGTERM: their objects stored" \
    [ -s "$S/ov/360p/1.m4s" -a -s "$S/ov/360p/2.m4s" ]

finish worker-overload
