#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# `nginx -s reload` 50 times under a bounded load on master.m3u8: once the
# old workers are gone, Redis sees exactly one connection per worker (INFO
# clients, CLIENT LIST), each worker has as many fds as the first workers
# had, every view counted was flushed (leaving workers send their last
# views) and Redis holds them all; then Redis restarted 3 times: still one
# connection and the same fds per worker.
. "$(dirname "$0")/lib.sh"
NAME=redis-reload
prereq $NAME
RELOADS=${RELOADS:-50}

start_redis || bail $NAME "redis-server starts"
start_nginx "vidorigin_redis 127.0.0.1:$REDIS_PORT;
    vidorigin_views on flush=100ms;" || bail $NAME "nginx starts"
wait_for_sh 50 '[ "$(redis_clients)" = 2 ]' || bail $NAME "workers connected"

# fds of each worker, one line per worker
fds() {
    local p
    for p in $(workers); do ls "/proc/$p/fd" | wc -l; done | sort -u \
        | tr '\n' ' '
}

# no keep-alive connection open: compare at rest
sleep 0.3
base=$(fds)
echo "# fds per worker at start: $base"
check_sh "both first workers have the same fds ($base)" \
    '[ "$(echo $base | wc -w)" = 1 ]'

URL=http://127.0.0.1:$NGX_PORT/v/demo/master.m3u8
python3 "$ROOT/tests/redis/load.py" "$URL" 2 200000 60 "$TMP/stop" \
    > "$TMP/load.out" &
loadpid=$!

t0=$(now_ms)
bad=0
for i in $(seq 1 "$RELOADS"); do
    "$NGINX" -p "$TMP/nginx" -c conf/nginx.conf -e logs/error.log -s reload \
        2>> "$TMP/reload.err" || bad=1
    sleep 0.3
done
touch "$TMP/stop"
wait $loadpid
echo "# $RELOADS reloads in $(( $(now_ms) - t0 )) ms under load:" \
    "$(cat "$TMP/load.out")"
check_sh "$RELOADS reloads signalled" '[ $bad = 0 ]'
check_sh "no request failed (keep-alive closes retried once, as browsers do)" \
    '[ "$(awk "{ print \$4 }" "$TMP/load.out")" = 0 ] &&
     [ "$(awk "{ print \$2 }" "$TMP/load.out")" -gt 1000 ]'

wait_for_sh 150 '[ "$(all_workers | wc -l)" = 2 ]'
check_sh "old workers all gone ($(all_workers | wc -l) left)" \
    '[ "$(all_workers | wc -l)" = 2 ]'
wait_for_sh 50 '[ "$(redis_clients)" = 2 ]'
check_sh "INFO clients: one connection per worker ($(redis_clients))" \
    '[ "$(redis_clients)" = 2 ]'
others=$(( $(rcli client list | wc -l) - 1 ))
check_sh "CLIENT LIST: 2 lines besides ours ($others)" '[ $others = 2 ]'
check_sh "status: 2 workers connected ($(metric vidorigin_redis_connected))" \
    '[ "$(metric vidorigin_redis_connected)" = 2 ]'
sleep 0.3
now=$(fds)
check_sh "fds per worker after reloads: $now (at start: $base)" \
    '[ "$now" = "$base" ]'

wait_for 30 settled
check_sh "views settled: $(pending queued) queued, $(pending sent) sent" \
    settled
counted=$(metric vidorigin_views_counted_total)
flushed=$(metric vidorigin_views_flushed_total)
in_redis=$(views_in_redis "vo:views:demo:$(hour_key)")
ndropped=0
for r in full down lost; do
    ndropped=$((ndropped + $(dropped $r)))
done
echo "# views: counted $counted, flushed $flushed, dropped $ndropped" \
    "(full $(dropped full), down $(dropped down), lost $(dropped lost))," \
    "in Redis $in_redis"
check_sh "every view counted across the reloads was flushed" \
    '[ "$counted" -gt 0 ] && [ "$counted" = "$flushed" ] && [ $ndropped = 0 ]'
check_sh "Redis holds them all" '[ "$in_redis" = "$flushed" ]'

for i in 1 2 3; do
    stop_redis KILL
    start_redis || bail $NAME "redis-server restarts"
    wait_for_sh 50 '[ "$(redis_clients)" = 2 ]'
done
check_sh "Redis restarted 3 times: $(redis_clients) connections" \
    '[ "$(redis_clients)" = 2 ]'
sleep 0.3
now=$(fds)
check_sh "fds per worker after the restarts: $now" '[ "$now" = "$base" ]'
check_sh "no alert or crash in error.log" \
    '! grep -E "\[(alert|emerg|crit)\]|signal (11|6|9)" \
        "$TMP/nginx/logs/error.log"'

finish $NAME
