#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Redis hung (SIGSTOP: the connection stays open, nothing answers) during a
# bounded load on master.m3u8: no request fails or waits for it, each
# worker gives up on the silent connection after 3 s (logged) instead of
# waiting for TCP to notice, views are dropped, not queued; Redis resumed
# (SIGCONT): the workers reconnect and counting resumes, no reload.  A
# request waiting for Redis when the connection is dropped is resumed
# then, without Redis.
. "$(dirname "$0")/lib.sh"
NAME=redis-hung
prereq $NAME

start_redis || bail $NAME "redis-server starts"
start_nginx "vidorigin_redis 127.0.0.1:$REDIS_PORT;
    vidorigin_views on flush=100ms;" || bail $NAME "nginx starts"
wait_for_sh 50 '[ "$(redis_clients)" = 2 ]' || bail $NAME "workers connected"

URL=http://127.0.0.1:$NGX_PORT/v/demo/master.m3u8
kill -STOP "$REDIS_PID"
out=$(python3 "$ROOT/tests/redis/load.py" "$URL" 2 20000 5)
echo "# Redis hung, 5 s: $out"
check_sh "no failed request" \
    '[ "$(field "$out" failed)" = 0 ] &&
     [ "$(field "$out" requests)" -gt 1000 ]'
check_sh "p99 under 20 ms ($(field "$out" p99) ms)" \
    'awk -v p="$(field "$out" p99)" "BEGIN { exit !(p < 20) }"'
silent() { grep -c "answered nothing for 3 s" "$TMP/nginx/logs/error.log"; }
wait_for_sh 50 '[ "$(silent)" -ge 2 ]'
logged=$(silent)
check_sh "both workers dropped the silent connection ($logged lines)" \
    '[ "$logged" -ge 2 ]'
counted=$(metric vidorigin_views_counted_total)
flushed=$(metric vidorigin_views_flushed_total)
lost=$(dropped lost)
down=$(dropped down)
echo "# views: counted $counted, flushed $flushed, lost $lost, down $down"
check_sh "views dropped, none flushed while hung" \
    '[ "$flushed" = 0 ] && [ $((lost + down)) -gt 0 ]'

kill -CONT "$REDIS_PID"
wait_for 80 both_connected
check_sh "Redis resumed: one connection per worker ($(redis_clients))" \
    both_connected
KEY=vo:views:demo:$(hour_key)
before=$(rcli hget "$KEY" ZZ)
for i in $(seq 1 5); do code /v/demo/master.m3u8 > /dev/null; done
wait_for_sh 30 '[ "$(rcli hget "$KEY" ZZ)" = $(( ${before:-0} + 5 )) ]'
check_sh "counting resumed (${before:-0} -> $(rcli hget "$KEY" ZZ))" \
    '[ "$(rcli hget "$KEY" ZZ)" = $(( ${before:-0} + 5 )) ]'
# a request waiting within a long budget when the silent connection is
# dropped: resumed at once without Redis ("down"), not at the budget's end
stop_nginx
NGX_PORT=
start_nginx "vidorigin_redis 127.0.0.1:$REDIS_PORT budget=20s;" \
    || bail $NAME "nginx starts"
wait_for_sh 50 '[ "$(metric vidorigin_redis_connected)" = 2 ]'
kill -STOP "$REDIS_PID"
out=$(curl -s --max-time 30 -o "$TMP/ping" -w '%{http_code} %{time_total}' \
    "http://127.0.0.1:$NGX_PORT/redis-ping")
kill -CONT "$REDIS_PID"
check_sh "waiting ping resumed as the connection went: ${out%% *} \
'$(cat "$TMP/ping")' after ${out#* } s (budget 20 s)" \
    '[ "${out%% *}" = 503 ] && [ "$(cat "$TMP/ping")" = down ] &&
     awk -v t="${out#* }" "BEGIN { exit !(t >= 2 && t < 6) }"'
check_sh "no alert or crash in error.log" \
    '! grep -E "\[(alert|emerg|crit)\]|signal (11|6|9)" \
        "$TMP/nginx/logs/error.log"'

finish $NAME
