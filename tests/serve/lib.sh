# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# Shared by the just-in-time suites through nginx (tests/serve/test-jit-*.sh,
# tests/serve/test-codecs.sh), on top of tests/lib/worker.sh and
# tests/lib/nginx.sh: distro nginx with the module, `transcode-worker
# serve` and redis-server, all on loopback ports and unix sockets in $TMP;
# a "cold" copy of the packaged demo video of $STORE (media.json and the
# master copy only).
#
# The packaged objects of $STORE/demo are the reference bytes: a segment
# made just in time must be byte-identical to the packaged one
# (docs/worker-serve.md; `make test-serve` repackages the sample when the
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

. "$(dirname "${BASH_SOURCE[0]}")/../lib/worker.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lib/nginx.sh"

STORE=$(abs "${STORE:-var/store}")
VIDEO=demo

mkdir -p "$TMP/www"

# nginx masters by name: stopped on exit (TERM, then KILL)
declare -A NGX_PID NGX_PORT NGX_VAR

stop_all_nginx() {
    local p
    for p in "${NGX_PID[@]}"; do
        stop_nginx_pid "$p"
    done
}

on_exit stop_all_nginx

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

# --- nginx

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
