# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# Shared by tests/redis/test-*.sh, on top of tests/lib/nginx.sh: the
# distro nginx with the module serving a store made of one media
# description (tests/core/data/demo.json as video "demo"), and a real
# redis-server on a loopback port the test picks, both stopped on exit.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/nginx.sh"

REDIS_PID=
NGX_MASTER=

on_exit stop_nginx
on_exit stop_redis

prereq() {
    local t
    for t in "$NGINX" redis-server redis-cli curl python3; do
        command -v "$t" >/dev/null 2>&1 || bail "$1" "$t is installed"
    done
    [ -f "$MODULE_SO" ] || bail "$1" "module $MODULE_SO built (make module)"
}

# --- redis-server on 127.0.0.1:$REDIS_PORT, no persistence

REDIS_PORT=$(free_port)

# start_redis [REDIS-SERVER OPTIONS]
start_redis() {
    local i
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' \
        --appendonly no --daemonize no --logfile "$TMP/redis.log" "$@" &
    REDIS_PID=$!
    for i in $(seq 1 100); do
        rcli ping >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "# redis-server did not start" >&2
    return 1
}

# stop_redis [SIGNAL]: KILL by default
stop_redis() {
    [ -n "$REDIS_PID" ] || return 0
    kill "-${1:-KILL}" "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
    REDIS_PID=
}

rcli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

# connected clients other than the one asking
redis_clients() {
    rcli info clients | tr -d '\r' \
        | awk -F: '$1 == "connected_clients" { print $2 - 1 }'
}

# --- nginx

STORE=$TMP/store
mkdir -p "$STORE/demo"
cp "$ROOT/tests/core/data/demo.json" "$STORE/demo/media.json"
chmod -R a+rX "$STORE"

ADMIN_SECRET=0123456789abcdef0123

# write_conf HTTP_EXTRA: nginx.conf in $TMP/nginx with 2 workers
write_conf() {
    mkdir -p "$TMP/nginx/logs" "$TMP/nginx/conf"
    NGX_PORT=${NGX_PORT:-$(free_port)}
    cat > "$TMP/nginx/conf/nginx.conf" <<CONF
load_module $MODULE_SO;
worker_processes 2;
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    vidorigin_purge zone=vo_purge:1m journal=$TMP/nginx/purge.journal;
    $1
    server {
        listen 127.0.0.1:$NGX_PORT;
        location /v/ {
            vidorigin;
            vidorigin_store $STORE;
        }
        location /admin/ {
            vidorigin_admin;
            vidorigin_admin_secret $ADMIN_SECRET;
        }
        location = /redis-ping {
            vidorigin_redis_ping;
        }
        location /api/v1/videos/ {
            vidorigin_api;
            vidorigin_store $STORE;
            vidorigin_api_cdn_host https://cdn.example.com;
            vidorigin_api_origin_host http://127.0.0.1:$NGX_PORT;
        }
    }
}
CONF
}

# start_nginx HTTP_EXTRA: daemonized master, waits until it answers
start_nginx() {
    local i
    write_conf "$1"
    "$NGINX" -p "$TMP/nginx" -c conf/nginx.conf -e logs/error.log \
        > "$TMP/nginx/out.log" 2>&1 || {
        sed 's/^/#   /' "$TMP/nginx/out.log" "$TMP/nginx/logs/error.log" >&2
        return 1
    }
    NGX_MASTER=$(cat "$TMP/nginx/logs/nginx.pid")
    for i in $(seq 1 100); do
        [ "$(code /v/demo/720p/index.m3u8)" = 200 ] && return 0
        sleep 0.05
    done
    return 1
}

stop_nginx() {
    [ -n "$NGX_MASTER" ] || return 0
    stop_nginx_pid "$NGX_MASTER"
    NGX_MASTER=
}

# the master's worker processes (not those shutting down: see all_workers)
workers() {
    ps -o pid=,args= --ppid "$NGX_MASTER" 2>/dev/null \
        | awk '/worker process$/ { print $1 }'
}

all_workers() { pgrep -P "$NGX_MASTER" 2>/dev/null; }

# code PATH: the status of a GET
code() {
    curl -s --max-time 5 -o /dev/null -w '%{http_code}' \
        "http://127.0.0.1:$NGX_PORT$1"
}

# metric NAME: a line's value from the admin status (NAME with labels)
metric() {
    curl -s --max-time 5 -H "Authorization: Bearer $ADMIN_SECRET" \
        "http://127.0.0.1:$NGX_PORT/admin/status" \
        | awk -v m="$1" '$1 == m { print $2 }'
}

# dropped REASON: views dropped for REASON (full, down, lost)
dropped() {
    metric "vidorigin_views_dropped_total{reason=\"$1\"}"
}

# pending STATE: views not settled yet (queued in a table, sent)
pending() {
    metric "vidorigin_views_pending{state=\"$1\"}"
}

# settled: no view waits in a table or for a reply (read the sums after)
settled() {
    [ "$(pending queued)" = 0 ] && [ "$(pending sent)" = 0 ]
}

# both workers connected, as nginx and Redis see it
both_connected() {
    [ "$(metric vidorigin_redis_connected)" = 2 ] \
        && [ "$(redis_clients)" = 2 ]
}

# field "LINE OF load.py" NAME: the value after NAME
field() {
    echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++)
        if ($i == k) print $(i + 1) }'
}

# views KEY: the sum of a view hash's fields in Redis
views_in_redis() {
    rcli hvals "$1" | awk '{ s += $1 } END { print s + 0 }'
}

hour_key() { date -u +%Y%m%d%H; }
