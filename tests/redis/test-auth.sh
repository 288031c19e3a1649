#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# vidorigin_redis password= and db=: AUTH and SELECT are sent on every new
# connection (views land in the chosen database); a wrong password is
# logged and the views are counted as lost; a unix socket address works.
. "$(dirname "$0")/lib.sh"
NAME=redis-auth
prereq $NAME

start_redis --requirepass s3cret --unixsocket "$TMP/redis.sock" \
    --unixsocketperm 777 || bail $NAME "redis-server starts"
rcli() {
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" -a s3cret --no-auth-warning "$@"
}

start_nginx "vidorigin_redis 127.0.0.1:$REDIS_PORT db=3 password=s3cret;
    vidorigin_views on flush=100ms;" || bail $NAME "nginx starts"
KEY=vo:views:demo:$(hour_key)
for i in 1 2 3; do code /v/demo/master.m3u8 > /dev/null; done
wait_for_sh 30 '[ "$(rcli -n 3 hget "$KEY" ZZ)" = 3 ]'
check_sh "views in database 3 ($(rcli -n 3 hget "$KEY" ZZ)), none in 0" \
    '[ "$(rcli -n 3 hget "$KEY" ZZ)" = 3 ] && [ "$(rcli -n 0 dbsize)" = 0 ]'
check_sh "no error logged" '! grep -q "\[error\]" "$TMP/nginx/logs/error.log"'

# a restarted Redis: AUTH and SELECT again on the new connection
stop_redis KILL
start_redis --requirepass s3cret --unixsocket "$TMP/redis.sock" \
    --unixsocketperm 777 || bail $NAME "redis-server restarts"
wait_for_sh 50 '[ "$(metric vidorigin_redis_connected)" = 2 ]'
for i in 1 2; do code /v/demo/master.m3u8 > /dev/null; done
wait_for_sh 30 '[ "$(rcli -n 3 hget "$KEY" ZZ)" = 2 ]'
check_sh "Redis restarted: still database 3 ($(rcli -n 3 hget "$KEY" ZZ))" \
    '[ "$(rcli -n 3 hget "$KEY" ZZ)" = 2 ]'
stop_nginx

# a wrong password
NGX_PORT=
start_nginx "vidorigin_redis 127.0.0.1:$REDIS_PORT password=wrong;
    vidorigin_views on flush=100ms;" || bail $NAME "nginx starts"
code /v/demo/master.m3u8 > /dev/null
wait_for_sh 30 '[ "$(dropped lost)" = 1 ]'
check_sh "wrong password: the view is lost" \
    '[ "$(dropped lost)" = 1 ]'
check_sh "and the refusal logged" \
    'grep -q "refused AUTH: WRONGPASS" "$TMP/nginx/logs/error.log"'
ping=$(curl -s -o "$TMP/ping" -w '%{http_code}' \
    "http://127.0.0.1:$NGX_PORT/redis-ping")
check_sh "ping: an error reply is a 502 ($ping $(cat "$TMP/ping"))" \
    '[ "$ping" = 502 ] && [ "$(cat "$TMP/ping")" = error ]'
stop_nginx

# a unix socket
NGX_PORT=
: > "$TMP/nginx/logs/error.log"
start_nginx "vidorigin_redis unix:$TMP/redis.sock password=s3cret;" \
    || bail $NAME "nginx starts"
ping=$(curl -s "http://127.0.0.1:$NGX_PORT/redis-ping")
check_sh "unix socket: $ping" '[ "$ping" = PONG ]'
check_sh "no error logged" '! grep -q "\[error\]" "$TMP/nginx/logs/error.log"'

finish $NAME
