#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/bench/ingest.sh MODULE_SO WORKER
#
# Ingest benchmark (README "Ingest"), loopback only, a scratch store and a
# redis-server (appendonly) of its own:
#   (a) upload complete to playable: the source whole in the store, then
#       "ingest submit" (what the upload server does on its last byte),
#       until the first segment of the lowest rung is served through
#       nginx with the module (just in time from "serve" when the fleet
#       has not made it yet: ready policy probe); two ingest workers
#       running the eager ladder meanwhile.  RUNS (5) runs, each on a
#       fresh Redis database and video id, the workers killed after it;
#       the median.
#   (b) the whole eager ladder: submit to the ready event on vo:events,
#       with one ingest worker, then with two (one job each), same
#       source; the ratio.
# The source: SOURCE_SECONDS (600) of SOURCE_SIZE (1920x1080) at 25 fps
# with a tone, made with ffmpeg once and kept in build/bench/.  CHUNK
# (10) segments per chunk.  Appends to build/bench/results-ingest.txt.
# Last line:
#   bench-ingest: playable median X s (runs ...); eager ladder 1 worker
#   A s, 2 workers B s, speed-up S
# BENCH_STRICT=1: exit 1 when the median is over 2 s or the speed-up
# under 1.7 (the issue's targets).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -ne 2 ]; then echo "usage: $0 MODULE_SO WORKER" >&2; exit 2; fi
module=$(realpath "$1") worker=$(realpath "$2")
secs=${SOURCE_SECONDS:-600} size=${SOURCE_SIZE:-1920x1080}
runs=${RUNS:-5} chunk=${CHUNK:-10}
out=$top/build/bench
mkdir -p "$out"
src=$out/ingest-source-$size-$secs.mp4
tmp=$(mktemp -d /tmp/vo-bench-ingest.XXXXXX)
chmod 755 "$tmp"   # nginx's workers read the store
pids=""
cleanup() {
    local p
    for p in $pids; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -s "$src" ]; then
    echo "bench-ingest: making the ${secs} s $size source (once)"
    ffmpeg -nostdin -v error -y -f lavfi \
        -i "testsrc2=size=$size:rate=25:duration=$secs" -f lavfi \
        -i "sine=frequency=440:sample_rate=48000:duration=$secs" \
        -c:v libx264 -preset ultrafast -g 50 -pix_fmt yuv420p \
        -c:a aac -b:a 128k "$src.tmp.mp4" && mv "$src.tmp.mp4" "$src" \
        || { echo "bench-ingest: ffmpeg failed" >&2; exit 1; }
fi

store=$tmp/store rsock=$tmp/redis.sock
mkdir -p "$store" "$tmp/redis" "$tmp/nginx/logs"
redis-server --port 0 --unixsocket "$rsock" --unixsocketperm 700 \
    --save '' --appendonly yes --dir "$tmp/redis" --daemonize no \
    --logfile "$tmp/redis.log" &
pids="$pids $!"
R() { redis-cli -s "$rsock" "$@"; }
for _ in $(seq 1 100); do R ping >/dev/null 2>&1 && break; sleep 0.05; done

"$worker" serve --listen "unix:$tmp/jit.sock" --store "$store" \
    --redis off --slots 2 --prefetch off 2>>"$tmp/jit.log" &
pids="$pids $!"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$tmp/nginx/nginx.conf" <<CONF
load_module $module;
worker_processes 1;
error_log $tmp/nginx/logs/error.log warn;
pid $tmp/nginx/nginx.pid;
daemon off;
events { worker_connections 256; }
http {
    access_log off;
    upstream vidorigin_workers { server unix:$tmp/jit.sock; }
    server {
        listen 127.0.0.1:$port;
        location /v/ { vidorigin; vidorigin_store $store;
                       vidorigin_jit @jit; }
        location @jit { proxy_pass http://vidorigin_workers;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_read_timeout 60s; }
    }
}
CONF
/usr/sbin/nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" \
    >"$tmp/nginx/out.log" 2>&1 &
pids="$pids $!"
for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.05
done

now() { date +%s.%N; }
# fleet N: N ingest workers; sets fleet_pids
fleet() {
    local i
    fleet_pids=""
    for i in $(seq 1 "$1"); do
        "$worker" ingest --store "$store" --redis "unix:$rsock" \
            --consumer "b$i" --chunk-segments "$chunk" --claim-idle 10m \
            --block 100ms --log-level warn 2>>"$tmp/ingest.log" &
        fleet_pids="$fleet_pids $!"
    done
    pids="$pids $fleet_pids"
}
unfleet() {
    local p
    for p in $fleet_pids; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    R flushall >/dev/null
}
put() { mkdir -p "$store/$1" && cp "$src" "$store/$1/source.bin"; }
submit() {
    "$worker" ingest submit "$1" "$1/source.bin" --store "$store" \
        --redis "unix:$rsock" >/dev/null
}

# --- (a) upload complete to playable
play=()
for r in $(seq 1 "$runs"); do
    id=p$r
    put "$id"
    fleet 2
    sleep 0.3
    t0=$(now)
    submit "$id" || { echo "bench-ingest: submit failed" >&2; exit 1; }
    lowest=
    code=000
    for _ in $(seq 1 3000); do
        if [ -z "$lowest" ] && [ -f "$store/$id/media.json" ]; then
            lowest=$(jq -r '[.video[] | select(.codec | startswith("avc1"))] | last | .name' \
                "$store/$id/media.json" 2>/dev/null)
        fi
        if [ -n "$lowest" ]; then
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 \
                "http://127.0.0.1:$port/v/$id/$lowest/0.m4s")
            [ "$code" = 200 ] && break
        fi
        sleep 0.01
    done
    t1=$(now)
    unfleet
    rm -rf "${store:?}/$id"
    [ "$code" = 200 ] || { echo "bench-ingest: run $r never playable" >&2; exit 1; }
    play+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
    echo "bench-ingest: run $r playable after ${play[-1]} s ($lowest/0.m4s)"
done
median=$(printf '%s\n' "${play[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')

# --- (b) the whole eager ladder, one worker then two
ladder() {
    local id=$1 n=$2 t0 t1
    put "$id"
    fleet "$n"
    sleep 0.3
    t0=$(now)
    submit "$id" || return 1
    for _ in $(seq 1 36000); do
        R xrange vo:events - + | grep -qx "$id" && break
        sleep 0.1
    done
    t1=$(now)
    R hget "vo:video:$id" status | grep -qx ready || return 1
    unfleet
    rm -rf "${store:?}/$id"
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
one=$(ladder l1 1) || { echo "bench-ingest: 1 worker failed" >&2; exit 1; }
echo "bench-ingest: eager ladder, 1 worker: $one s"
two=$(ladder l2 2) || { echo "bench-ingest: 2 workers failed" >&2; exit 1; }
echo "bench-ingest: eager ladder, 2 workers: $two s"
speed=$(awk -v a="$one" -v b="$two" 'BEGIN { printf "%.2f", a / b }')

line="bench-ingest: playable median $median s (runs ${play[*]}); eager ladder 1 worker $one s, 2 workers $two s, speed-up $speed ($secs s $size source, chunks of $chunk)"
{ date -u +%FT%TZ; echo "$line"; } >> "$out/results-ingest.txt"
echo "$line"
if [ "${BENCH_STRICT:-0}" = 1 ]; then
    awk -v m="$median" -v s="$speed" 'BEGIN { exit !(m <= 2 && s >= 1.7) }' || exit 1
fi
exit 0
