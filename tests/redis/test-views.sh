#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Playback starts land in Redis: one view per multivariant manifest GET
# (master.m3u8, master-ts.m3u8, manifest.mpd), region ZZ without
# $vidorigin_region, key vo:views:{id}:{yyyymmddhh} with an expiry; media
# playlists, segments, HEAD, 404s are not views; the status endpoint shows
# the counters summed over both workers; budgeted calls (vidorigin_redis_ping)
# answer within the budget.
. "$(dirname "$0")/lib.sh"
NAME=redis-views
prereq $NAME

start_redis || bail $NAME "redis-server starts"
start_nginx "vidorigin_redis 127.0.0.1:$REDIS_PORT budget=20ms;
    vidorigin_views on flush=100ms ttl=2d;" || bail $NAME "nginx starts"

wait_for_sh 50 '[ "$(redis_clients)" = 2 ]'
check_sh "both workers connected (INFO clients: $(redis_clients))" \
    '[ "$(redis_clients)" = 2 ]'
check_sh "status: 2 workers connected" \
    '[ "$(metric vidorigin_redis_connected)" = 2 ]'

H=$(hour_key)
KEY=vo:views:demo:$H
bad=0
for i in $(seq 1 20); do
    [ "$(code /v/demo/master.m3u8)" = 200 ] || bad=1
done
for i in $(seq 1 5); do
    [ "$(code /v/demo/master-ts.m3u8)" = 200 ] || bad=1
    [ "$(code /v/demo/manifest.mpd)" = 200 ] || bad=1
done
# not playback starts
for p in /v/demo/720p/index.m3u8 /v/demo/720p/init.mp4 /v/nosuch/master.m3u8 \
         /v/demo/nosuch.m3u8; do
    code "$p" > /dev/null
done
curl -s -o /dev/null -I "http://127.0.0.1:$NGX_PORT/v/demo/master.m3u8"
check_sh "manifests answered 200" '[ $bad = 0 ]'

wait_for_sh 30 '[ "$(views_in_redis "$KEY")" -ge 30 ]'
# Redis holds them before nginx has read the replies: wait for those too
wait_for 30 settled
check_sh "30 views in $KEY field ZZ ($(rcli hget "$KEY" ZZ))" \
    '[ "$(rcli hget "$KEY" ZZ)" = 30 ]'
check_sh "no other field or key (fields: $(rcli hkeys "$KEY" | tr '\n' ' '))" \
    '[ "$(rcli hlen "$KEY")" = 1 ] && [ "$(rcli dbsize)" = 1 ]'
ttl=$(rcli ttl "$KEY")
check_sh "expiry set from ttl=2d ($ttl s)" \
    '[ "$ttl" -gt 172000 ] && [ "$ttl" -le 172800 ]'
check_sh "status: counted 30, flushed 30, none dropped or pending" \
    'settled && [ "$(metric vidorigin_views_counted_total)" = 30 ] &&
     [ "$(metric vidorigin_views_flushed_total)" = 30 ] &&
     [ "$(dropped down)" = 0 ] && [ "$(dropped full)" = 0 ]'

# a second video: its own key
mkdir -p "$STORE/other" && cp "$STORE/demo/media.json" "$STORE/other/" \
    && sed -i 's/"demo"/"other"/' "$STORE/other/media.json"
chmod -R a+rX "$STORE"
c=$(code /v/other/master.m3u8)
wait_for_sh 30 '[ "$(rcli hget vo:views:other:$H ZZ)" = 1 ]'
check_sh "another video ($c): vo:views:other:$H ZZ = 1" \
    '[ "$(rcli hget vo:views:other:$H ZZ)" = 1 ]'

# budget: PING answers; a Redis hung past the budget does not hold the
# request longer than budget (20 ms) + a few ms
body=$(curl -s --max-time 5 "http://127.0.0.1:$NGX_PORT/redis-ping")
check_sh "ping through the budgeted call: $body" '[ "$body" = PONG ]'
kill -STOP "$REDIS_PID"
out=$(curl -s --max-time 5 -o "$TMP/ping" -w '%{http_code} %{time_total}' \
    "http://127.0.0.1:$NGX_PORT/redis-ping")
kill -CONT "$REDIS_PID"
ms=$(echo "$out" | awk '{ printf "%d", $2 * 1000 }')
check_sh "Redis hung: ping ${out%% *} $(cat "$TMP/ping") in $ms ms" \
    '[ "${out%% *}" = 504 ] && [ "$(cat "$TMP/ping")" = "timed out" ] &&
     [ "$ms" -ge 19 ] && [ "$ms" -lt 60 ]'
check_sh "status: a budget timeout counted" \
    '[ "$(metric "vidorigin_redis_calls_failed_total{reason=\"budget\"}")" \
       = 1 ]'
body=$(curl -s --max-time 5 "http://127.0.0.1:$NGX_PORT/redis-ping")
check_sh "PONG again after the busy spell: $body" '[ "$body" = PONG ]'

check_sh "no alert or crash in error.log" \
    '! grep -E "\[(alert|emerg|crit)\]|signal [0-9]+" \
        "$TMP/nginx/logs/error.log"'

finish $NAME
