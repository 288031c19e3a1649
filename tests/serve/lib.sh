# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# Shared by the just-in-time tests through nginx (tests/serve/test-jit-*.sh, tests/serve/test-codecs.sh):
# distro nginx with the module ($MODULE_SO), `transcode-worker serve`
# ($WORKER) and redis-server, all on loopback ports and unix sockets in a
# scratch directory removed on exit; a "cold" copy of the packaged demo
# video of $STORE (media.json and the master copy only); the counters
# behind the final "jit-xxx: N passed, M failed" line.
#
# The packaged objects of $STORE/demo are the reference bytes: a segment
# made just in time must be byte-identical to the packaged one
# (docs/worker-serve.md; `make jit-test` repackages the sample when the
# worker is newer).
#
# nginx runs as root here, so its workers run as "nobody": the scratch
# directory and the store copy are world-readable, and the worker's unix
# sockets (mode 0666) are reachable through it.
#
# To see a check fail, or to try a configuration change without touching
# conf/: JIT_CONF_SED, a sed script applied to the rendered
# vidorigin-locations.conf (e.g. '/proxy_force_ranges/d'), and
# JIT_WORKER_ARGS, flags appended to every worker's command line (the
# last of a repeated flag wins).  KEEP_TMP=1 keeps the scratch directory.

set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# abs PATH: relative to the current directory if there, else to the top
abs() {
    case $1 in
        /*) printf '%s\n' "$1" ;;
        *) if [ -e "$1" ]; then printf '%s\n' "$PWD/$1"
           else printf '%s\n' "$ROOT/$1"; fi ;;
    esac
}

MODULE_SO=$(abs "${MODULE_SO:-build/nginx/objs/ngx_http_vidorigin_module.so}")
WORKER=$(abs "${WORKER:-build/transcode-worker}")
STORE=$(abs "${STORE:-var/store}")
NGINX=${NGINX:-/usr/sbin/nginx}
VIDEO=demo

TMP=$(mktemp -d /tmp/vo-jit-test.XXXXXX)
chmod 755 "$TMP"
mkdir -p "$TMP/www"
PASSED=0
FAILED=0

# processes stopped with SIGKILL on exit (workers, redis-server)
PIDS=""
# nginx masters by name: stopped on exit (TERM, then KILL)
declare -A NGX_PID NGX_PORT NGX_VAR

ok() {
    PASSED=$((PASSED + 1))
    echo "ok - $1"
}

fail() {
    FAILED=$((FAILED + 1))
    echo "not ok - $1"
}

# check "description" command...
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}

# check_sh "description" 'shell expression': for compound conditions
check_sh() {
    if eval "$2"; then ok "$1"; else fail "$1"; fi
}

finish() {
    echo "$1: $PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit $?
}

# bail NAME "why": a check that makes the rest meaningless
bail() {
    fail "$2"
    finish "$1"
}

# stop_nginx_pid PID: SIGTERM to an nginx master (fast shutdown), then
# SIGKILL to it and its own children if it does not go within 5 s
stop_nginx_pid() {
    local pid=$1 i c
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        for c in $(pgrep -P "$pid" 2>/dev/null); do
            kill -9 "$c" 2>/dev/null
        done
        kill -9 "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
}

cleanup() {
    local p
    # no "Killed" job notices after the summary line
    exec 2>/dev/null
    for p in "${NGX_PID[@]}"; do
        stop_nginx_pid "$p"
    done
    for p in $PIDS $(jobs -p); do
        kill -9 "$p" 2>/dev/null
    done
    # clients still running after a failure too
    for p in $PIDS $(jobs -p); do
        wait "$p" 2>/dev/null
    done
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}

trap cleanup EXIT
trap 'exit 130' INT TERM

# --- prerequisites: a missing one is a failure, not a skip

prereq() {
    local t
    for t in "$NGINX" redis-server redis-cli curl; do
        command -v "$t" >/dev/null 2>&1 || bail "$1" "$t is installed"
    done
    [ -f "$MODULE_SO" ] || bail "$1" "module $MODULE_SO built (make module)"
    [ -x "$WORKER" ] || bail "$1" "worker $WORKER built (make worker)"
    [ -f "$STORE/$VIDEO/media.json" ] && [ -d "$STORE/$VIDEO/720p" ] \
        || bail "$1" "packaged sample in $STORE/$VIDEO (make sample)"
}

# cold_store DIR: DIR/demo with the packaged media.json and master copy,
# nothing else: every object is missing
cold_store() {
    local d=$1/$VIDEO src
    mkdir -p "$d"
    cp "$STORE/$VIDEO/media.json" "$d/"
    # a copy, not a link: the packager may rewrite the sample meanwhile
    for src in "$STORE/$VIDEO"/source.*; do
        cp "$src" "$d/" || return 1
    done
    chmod 755 "$1" "$d"
    chmod 644 "$d"/*
    [ -z "$(find "$d" -mindepth 1 -type d)" ]
}

# ref KEY: the packaged object (reference bytes), KEY as demo/720p/3.m4s
ref() {
    printf '%s\n' "$STORE/$1"
}

# size FILE
size() {
    stat -c %s "$1"
}

# no temporary or partial objects anywhere below a directory
no_temp_files() {
    [ -z "$(find "$1" -name '.*.tmp.*' 2>/dev/null)" ]
}

now_ms() {
    echo $(( $(date +%s%N) / 1000000 ))
}

# --- redis-server and workers on unix sockets in $TMP

# start_redis NAME: redis-server on $TMP/NAME.sock, no persistence
start_redis() {
    local sock=$TMP/$1.sock i
    redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 \
        --save '' --appendonly no --daemonize no \
        --logfile "$TMP/$1.log" &
    REDIS_PID=$!
    PIDS="$PIDS $REDIS_PID"
    for i in $(seq 1 100); do
        redis-cli -s "$sock" ping >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "# redis-server did not start" >&2
    return 1
}

# start_worker NAME ARGS...: "serve" on $TMP/NAME.sock, log in
# $TMP/NAME.log; sets WORKER_PID
start_worker() {
    local name=$1 i
    shift
    rm -f "$TMP/$name.sock"
    # shellcheck disable=SC2086
    "$WORKER" serve --listen "unix:$TMP/$name.sock" "$@" \
        ${JIT_WORKER_ARGS:-} 2>>"$TMP/$name.log" &
    WORKER_PID=$!
    PIDS="$PIDS $WORKER_PID"
    for i in $(seq 1 100); do
        curl -sf --max-time 2 --unix-socket "$TMP/$name.sock" \
            http://w/healthz >/dev/null 2>&1 && return 0
        kill -0 "$WORKER_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "# worker $name did not start" >&2
    sed 's/^/#   /' "$TMP/$name.log" >&2
    return 1
}

# metric NAME METRIC: a value from worker NAME's /metrics
metric() {
    curl -s --max-time 5 --unix-socket "$TMP/$1.sock" http://w/metrics \
        | awk -v m="vidorigin_worker_$2" '$1 == m { print $2 }'
}

# healthz NAME: the body of worker NAME's /healthz
healthz() {
    curl -s --max-time 5 --unix-socket "$TMP/$1.sock" http://w/healthz
}

# wait_idle NAME: up to 60 s for no busy slot and an empty queue
wait_idle() {
    local i
    for i in $(seq 1 300); do
        [ "$(metric "$1" busy_slots)$(metric "$1" queue_depth)" = 00 ] \
            && return 0
        sleep 0.2
    done
    return 1
}

# --- nginx

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null \
        || echo $(( 20000 + RANDOM % 30000 ))
}

# start_nginx NAME STORE UPSTREAM [EXTRA]: conf/vidorigin-locations.conf
# rendered by scripts/render-conf.sh, UPSTREAM the server lines of
# "upstream vidorigin_workers"; prefix $TMP/nginx-NAME (log/error.log at
# level info; DEVICES=on in the environment: the shipped device rules);
# sets NGX_PORT[NAME], NGX_PID[NAME], NGX_VAR[NAME]
start_nginx() {
    local name=$1 store=$2 upstream=$3 extra=${4:-} var=$TMP/nginx-$1
    local port conf pid i up
    for _ in 1 2 3; do
        port=$(free_port)
        conf=$(bash "$ROOT/scripts/render-conf.sh" "$var/conf" \
            MODULE="$MODULE_SO" VAR="$var" PORT="$port" STORE="$store" \
            WWW="$TMP/www" WORKERS=2 LOG_LEVEL=info DEVICES="${DEVICES:-off}" \
            UPSTREAM="$upstream" EXTRA="$extra") || return 1
        if [ -n "${JIT_CONF_SED:-}" ]; then
            sed -i -e "$JIT_CONF_SED" "$var/conf/vidorigin-locations.conf" \
                || return 1
        fi
        chmod -R a+rX "$var"
        "$NGINX" -p "$var" -c "$conf" -e "$var/log/error.log" \
            > "$var/log/nginx.out" 2>&1 &
        pid=$!
        up=
        for i in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            if [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' \
                    "http://127.0.0.1:$port/")" != 000 ]; then
                up=1
                break
            fi
            sleep 0.05
        done
        # up, and ours: not another server on a port taken meanwhile
        sleep 0.1
        if [ -n "$up" ] && kill -0 "$pid" 2>/dev/null; then
            NGX_PID[$name]=$pid
            NGX_PORT[$name]=$port
            NGX_VAR[$name]=$var
            return 0
        fi
        stop_nginx_pid "$pid"
        grep -q 'Address already in use' "$var/log/error.log" \
            "$var/log/nginx.out" 2>/dev/null || break
    done
    echo "# nginx $name did not start" >&2
    tail -5 "$var/log/nginx.out" "$var/log/error.log" 2>/dev/null \
        | sed 's/^/#   /' >&2
    return 1
}

# errlog NAME: nginx NAME's error log
errlog() {
    printf '%s\n' "${NGX_VAR[$1]}/log/error.log"
}

# count FILE REGEX: matching lines (0 when none or no file)
count() {
    local n
    n=$(grep -cE -- "$2" "$1" 2>/dev/null)
    echo "${n:-0}"
}

# get NGINX PATH OUT [CURL ARGS...]: a request through nginx NGINX; the
# body to OUT, the headers to OUT.h; prints "STATUS SECONDS"
get() {
    local name=$1 path=$2 out=$3
    shift 3
    curl -s --max-time 90 -D "$out.h" -o "$out" \
        -w '%{http_code} %{time_total}\n' "$@" \
        "http://127.0.0.1:${NGX_PORT[$name]}$path"
}

# hdr FILE.h NAME: the value(s) of a header, one line each
hdr() {
    tr -d '\r' < "$1" | awk -v n="$2" '
        { i = index($0, ":") }
        i > 1 && tolower(substr($0, 1, i - 1)) == tolower(n) {
            v = substr($0, i + 1); sub(/^[ \t]+/, "", v); print v }'
}

# status FILE.h: the status code of a saved answer
status() {
    tr -d '\r' < "$1" | awk 'NR == 1 { print $2 }'
}

# burst N PREFIX PATH NGINX...: N concurrent GETs of PATH through the
# given nginx instances in turn; answer i in PREFIX.i, PREFIX.i.h,
# PREFIX.i.code ("STATUS SECONDS")
burst() {
    local n=$1 prefix=$2 path=$3 i pids=""
    shift 3
    local via=("$@")
    for i in $(seq 1 "$n"); do
        get "${via[$((i % ${#via[@]}))]}" "$path" "$prefix.$i" \
            > "$prefix.$i.code" &
        pids="$pids $!"
    done
    wait $pids
}

# codes PREFIX: "STATUS:COUNT ..." over PREFIX.*.code
codes() {
    cat "$1".*.code | awk '{ print $1 }' | sort | uniq -c \
        | awk '{ printf "%s%s:%s", sep, $2, $1; sep = " " }'
}
