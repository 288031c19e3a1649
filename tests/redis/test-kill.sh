#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Redis killed (SIGKILL) during a bounded load on master.m3u8 and on the
# playback API: no request fails, the p99 latency stays within a few ms of
# the same load with Redis up (the API's within its Redis budget too), the
# views of the outage are counted as dropped; Redis restarted on
# the same port: the workers reconnect and counting resumes, without
# reloading nginx.
. "$(dirname "$0")/lib.sh"
NAME=redis-kill
prereq $NAME

CLIENTS=4
MAXREQ=${KILL_MAXREQ:-30000}
SECS=${KILL_SECS:-5}
URL=http://127.0.0.1:PORT/v/demo/master.m3u8

start_redis || bail $NAME "redis-server starts"
start_nginx "vidorigin_redis 127.0.0.1:$REDIS_PORT;
    vidorigin_views on flush=300ms;" || bail $NAME "nginx starts"
wait_for_sh 50 '[ "$(redis_clients)" = 2 ]' || bail $NAME "workers connected"
URL=${URL/PORT/$NGX_PORT}
KEY=vo:views:demo:$(hour_key)

API=http://127.0.0.1:$NGX_PORT/api/v1/videos/demo

# the same bounded load twice (<= 5 s, <= 30000 requests each, and the API
# beside it): Redis up, then Redis killed 1.5 s in
python3 "$ROOT/tests/redis/load.py" "$API" 2 "$MAXREQ" "$SECS" \
    > "$TMP/api-up.out" &
apipid=$!
base=$(python3 "$ROOT/tests/redis/load.py" "$URL" $CLIENTS "$MAXREQ" "$SECS")
wait $apipid
api_base=$(cat "$TMP/api-up.out")
echo "# Redis up:     $base"
echo "# API, up:      $api_base"
sleep 0.5
up_flushed=$(metric vidorigin_views_flushed_total)
up_dropped=$(dropped down)
echo "# after the first load: flushed $up_flushed, dropped $up_dropped"

python3 "$ROOT/tests/redis/load.py" "$URL" $CLIENTS "$MAXREQ" "$SECS" \
    > "$TMP/kill.out" &
loadpid=$!
python3 "$ROOT/tests/redis/load.py" "$API" 2 "$MAXREQ" "$SECS" \
    > "$TMP/api-kill.out" &
apipid=$!
sleep 1.5
stop_redis KILL
wait $loadpid $apipid
kill=$(cat "$TMP/kill.out")
api_kill=$(cat "$TMP/api-kill.out")
echo "# Redis killed: $kill"
echo "# API, killed:  $api_kill"

check_sh "Redis up: no failed request ($(field "$base" failed))" \
    '[ "$(field "$base" failed)" = 0 ] &&
     [ "$(field "$base" requests)" -gt 100 ]'
check_sh "Redis killed: $(field "$kill" failed) failed requests" \
    '[ "$(field "$kill" failed)" = 0 ] &&
     [ "$(field "$kill" requests)" -gt 100 ]'
check_sh "p99 $(field "$kill" p99) ms, Redis killed; $(field "$base" p99) up" \
    'awk -v a="$(field "$kill" p99)" -v b="$(field "$base" p99)" \
        "BEGIN { exit !(a <= b + 5) }"'
check_sh "API, Redis up: no failed request ($(field "$api_base" failed))" \
    '[ "$(field "$api_base" failed)" = 0 ] &&
     [ "$(field "$api_base" requests)" -gt 100 ]'
check_sh "API, Redis killed: $(field "$api_kill" failed) failed requests" \
    '[ "$(field "$api_kill" failed)" = 0 ] &&
     [ "$(field "$api_kill" requests)" -gt 100 ]'
# the API reads Redis (budget 5 ms) twice at most, with Redis up or not
check_sh "API p99 $(field "$api_kill" p99) ms, Redis killed; $(field "$api_base" p99) up" \
    'awk -v a="$(field "$api_kill" p99)" -v b="$(field "$api_base" p99)" \
        "BEGIN { exit !(a <= b + 10) }"'
check_sh "status: Redis down (0 workers connected)" \
    '[ "$(metric vidorigin_redis_connected)" = 0 ]'
# views still in a table (flushed every 300 ms) or waiting for a reply
# are not settled yet: the sums are read once none are
echo "# right after the load: $(pending queued) queued, $(pending sent) sent"
wait_for 30 settled
check_sh "views settled in 3 s: $(pending queued) queued, $(pending sent) sent" \
    settled
down=$(dropped down)
lost=$(dropped lost)
check_sh "dropped views rose: down $up_dropped -> $down, lost $lost" \
    '[ "$down" -gt "$up_dropped" ]'
counted=$(metric vidorigin_views_counted_total)
flushed=$(metric vidorigin_views_flushed_total)
check_sh "each view flushed or dropped: $counted = $flushed + $down + $lost" \
    '[ "$counted" = $((flushed + down + lost)) ]'
check_sh "the outage was logged once per worker" \
    '[ "$(grep -c "connection lost" "$TMP/nginx/logs/error.log")" = 2 ]'

# restarted on the same port: no reload
sleep 1.5
start_redis || bail $NAME "redis-server restarts"
wait_for_sh 50 '[ "$(metric vidorigin_redis_connected)" = 2 ]'
check_sh "both workers reconnected ($(redis_clients) clients)" \
    both_connected
for i in $(seq 1 10); do code /v/demo/master.m3u8 > /dev/null; done
wait_for_sh 30 '[ "$(rcli hget "$KEY" ZZ)" = 10 ]'
check_sh "counting resumed: $(rcli hget "$KEY" ZZ) new views of 10" \
    '[ "$(rcli hget "$KEY" ZZ)" = 10 ]'
check_sh "no reload; $(metric vidorigin_redis_connects_total) connects" \
    '[ "$(metric vidorigin_redis_connects_total)" = 4 ] &&
     ! grep -q "reconfiguring" "$TMP/nginx/logs/error.log"'
check_sh "no alert or crash in error.log" \
    '! grep -E "\[(alert|emerg|crit)\]|signal [0-9]+" \
        "$TMP/nginx/logs/error.log"'

finish $NAME
