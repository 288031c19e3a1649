#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Redis configured but never started: nginx starts and serves, the views
# are counted as dropped, budgeted calls answer "down" at once, the failure
# is logged once per worker (not on every retry); Redis started later: the
# workers connect within the backoff (at most 2 s) and counting begins.
. "$(dirname "$0")/lib.sh"
NAME=redis-down
prereq $NAME

start_nginx "vidorigin_redis 127.0.0.1:$REDIS_PORT;
    vidorigin_views on flush=100ms;" || bail $NAME "nginx starts without Redis"

bad=0
for i in $(seq 1 20); do
    [ "$(code /v/demo/master.m3u8)" = 200 ] || bad=1
done
check_sh "manifests served without Redis" '[ $bad = 0 ]'
wait_for_sh 20 '[ "$(dropped down)" = 20 ]'
check_sh "20 views counted, 20 dropped (down)" \
    '[ "$(metric vidorigin_views_counted_total)" = 20 ] &&
     [ "$(dropped down)" = 20 ]'

out=$(curl -s --max-time 5 -o "$TMP/ping" -w '%{http_code} %{time_total}' \
    "http://127.0.0.1:$NGX_PORT/redis-ping")
check_sh "budgeted call, no Redis: ${out%% *} $(cat "$TMP/ping") ${out#* } s" \
    '[ "${out%% *}" = 503 ] && [ "$(cat "$TMP/ping")" = down ] &&
     awk -v t="${out#* }" "BEGIN { exit !(t < 0.05) }"'

sleep 3
fails=$(metric vidorigin_redis_connect_failures_total)
logged=$(grep -c "unreachable" "$TMP/nginx/logs/error.log")
check_sh "backoff: $fails failures in ~3.5 s, logged once a worker ($logged)" \
    '[ "$fails" -ge 8 ] && [ "$fails" -le 20 ] && [ "$logged" = 2 ]'

start_redis || bail $NAME "redis-server starts"
t0=$(now_ms)
wait_for 40 both_connected
t=$(( $(now_ms) - t0 ))
check_sh "Redis started: both workers connected in $t ms" \
    both_connected
check_sh "the recovery was logged" \
    '[ "$(grep -c "connected$" "$TMP/nginx/logs/error.log")" = 2 ]'
for i in $(seq 1 5); do code /v/demo/master.m3u8 > /dev/null; done
KEY=vo:views:demo:$(hour_key)
wait_for_sh 30 '[ "$(rcli hget "$KEY" ZZ)" = 5 ]'
check_sh "counting began: $KEY ZZ = $(rcli hget "$KEY" ZZ)" \
    '[ "$(rcli hget "$KEY" ZZ)" = 5 ]'
check_sh "no alert or crash in error.log" \
    '! grep -E "\[(alert|emerg|crit)\]|signal [0-9]+" \
        "$TMP/nginx/logs/error.log"'

finish $NAME
