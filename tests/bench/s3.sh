#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/bench/s3.sh MODULE_SO WORKER STORE
#
# A hot segment served from the S3 store through the origin cache
# (conf/vidorigin-s3-locations.conf: the module, its signing variables,
# proxy_cache keyed by $vidorigin_cache_key) against plain nginx
# proxy_cache of the same object, in ONE nginx (worker_processes 1, pinned
# to one core; wrk on the other), on loopback:
#   s3    /v/demo/1080p/3.m4s      S3 peer (s3rver) -> origin cache
#   plain /pc/demo/1080p/3.m4s     proxy_cache of a static copy, key $uri
# Both are cache hits once warm.  Runs are interleaved; medians reported.
# Writes build/bench/s3.txt.  Last line:
#   bench-s3: ratio R (s3+cache X rps / proxy_cache Y rps)
# Environment: RUNS (9), DURATION (5s), CONNECTIONS (32), VIDEO (demo),
# SEGMENT (1080p/3.m4s), BENCH_STRICT=1 to exit 1 below the 0.95 target.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -ne 3 ]; then echo "usage: $0 MODULE_SO WORKER STORE" >&2; exit 2; fi
module=$(realpath "$1") worker=$(realpath "$2") store=$(cd "$3" && pwd)
runs=${RUNS:-9} duration=${DURATION:-5s} conns=${CONNECTIONS:-32}
video=${VIDEO:-demo} segment=${SEGMENT:-1080p/3.m4s}
nginx_bin=${NGINX:-/usr/sbin/nginx}
# nginx reads $NGINX itself (sockets inherited on upgrade): not in its env
export -n NGINX 2>/dev/null || true
out=$top/build/bench-s3
s3dir=$top/tests/s3

die() { echo "bench-s3: $*" >&2; exit 1; }
for tool in "$nginx_bin" wrk curl taskset node; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
[ -f "$store/$video/$segment" ] || die "$store/$video/$segment is missing (make sample)"
if [ ! -f "$s3dir/node_modules/@20minutes/s3rver/package.json" ]; then
    (cd "$s3dir" && npm ci --no-audit --no-fund --silent </dev/null) || die "npm ci in tests/s3"
fi

rm -rf "${out:?}"
mkdir -p "$out/var/log" "$out/s3"
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ncpu=$(nproc)
ngx_cpu=0 wrk_cpu=$((ncpu - 1))

# the S3 peer, on the wrk core (it only serves the first miss)
taskset -c "$wrk_cpu" node "$s3dir/peer.js" "$out/s3" media >"$out/var/log/s3.out" \
    2>"$out/var/log/s3.log" </dev/null &
pids+=($!)
s3port=
for _ in $(seq 100); do
    s3port=$(awk '$1 == "port" { print $2 }' "$out/var/log/s3.out")
    [ -n "$s3port" ] && break
    sleep 0.1
done
[ -n "$s3port" ] || die "the S3 peer does not start"
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
unset AWS_SESSION_TOKEN AWS_REGION
for k in "$video/$segment" "$video/media.json"; do
    "$worker" s3 put --endpoint "http://127.0.0.1:$s3port" --bucket media \
        --path-style --in "$store/$k" "$k" --log-level warn || die "upload of $k"
done

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
extra="
        location /static/ {
            alias $store/;
        }
        location /pc/ {
            proxy_pass http://127.0.0.1:$port/static/;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_cache bench_plain;
            proxy_cache_key \$uri;
            proxy_cache_valid 200 1y;
        }"
conf=$(bash "$top/scripts/render-conf.sh" "$out/conf" MODULE="$module" \
    VAR="$out/var" PORT="$port" STORE=s3 WWW="$top/build/www" WORKERS=1 \
    LOG_LEVEL=warn S3_ENDPOINT="127.0.0.1:$s3port" S3_BUCKET=media \
    UPSTREAM="server 127.0.0.1:1;" EXTRA="$extra" \
    HTTP_EXTRA="proxy_cache_path $out/var/cache/plain levels=1:2 keys_zone=bench_plain:16m use_temp_path=off;") \
    || die "cannot render the conf"
sed -i 's#^\(\s*\)access_log .*#\1access_log off;#' "$conf"
taskset -c "$ngx_cpu" "$nginx_bin" -p "$out/var" -c "$conf" -e "$out/var/log/error.log" \
    >"$out/var/log/nginx.out" 2>&1 &
nginx_pid=$!
pids=("$nginx_pid" "${pids[@]}")
up=
for _ in $(seq 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && { up=1; break; }
    sleep 0.1
done
[ -n "$up" ] || die "nginx does not start"

a=http://127.0.0.1:$port/v/$video/$segment
b=http://127.0.0.1:$port/pc/$video/$segment
for u in "$a" "$b"; do
    curl -s -o "$out/body" -w '%{http_code}' "$u" | grep -q 200 || die "$u is not 200"
    cmp -s "$out/body" "$store/$video/$segment" || die "$u does not answer the stored bytes"
done
[ "$(curl -s -o /dev/null -D - "$a" | tr -d '\r' | awk 'tolower($1) == "x-vidorigin-cache:" { print $2 }')" = HIT ] \
    || die "$a is not a cache hit"

wrk_run() {
    local txt
    txt=$(timeout 60 taskset -c "$wrk_cpu" wrk -t1 -c"$conns" -d"$duration" "$1" 2>&1) \
        || { echo "0 1"; return; }
    awk '/^Requests\/sec:/ { rps = $2 }
         /Non-2xx or 3xx responses:/ { bad += $NF }
         /Socket errors:/ { bad += 1 }
         END { printf "%s %d\n", rps, bad }' <<<"$txt"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                            else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for u in "$a" "$b"; do
    timeout 30 taskset -c "$wrk_cpu" wrk -t1 -c"$conns" -d1s "$u" >/dev/null 2>&1
done
ra="" rb="" errors=0
for ((r = 1; r <= runs; r++)); do
    read -r x bad <<<"$(wrk_run "$a")"; ra+="$x"$'\n'; errors=$((errors + bad))
    read -r y bad <<<"$(wrk_run "$b")"; rb+="$y"$'\n'; errors=$((errors + bad))
    echo "  run $r: s3+cache $x  proxy_cache $y"
done
ma=$(median <<<"$ra") mb=$(median <<<"$rb")
ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.95 ? "meets" : "MISSES") }')
{
    echo "vidorigin S3 benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $ncpu cpu(s); nginx 1 worker on" \
         "cpu $ngx_cpu, wrk -t1 -c$conns -d$duration on cpu $wrk_cpu, median of $runs interleaved runs"
    echo "segment $segment ($(stat -c %s "$store/$video/$segment") bytes), both cache hits"
    printf '%-40s %12.0f req/s\n' "S3 store + origin cache (module)" "$ma" \
        "plain proxy_cache of the same object" "$mb"
    echo "ratio $ratio (target >= 0.95: $verdict)"
    [ "$errors" -eq 0 ] || echo "WARNING: $errors non-2xx answers or socket errors"
} | { mkdir -p "$top/build/bench"; tee "$top/build/bench/s3.txt"; }
printf 'bench-s3: ratio %s (s3+cache %.0f rps / proxy_cache %.0f rps)\n' "$ratio" "$ma" "$mb"
[ "$errors" -eq 0 ] || exit 1
if [ "${BENCH_STRICT:-0}" = 1 ] && [ "$verdict" != meets ]; then exit 1; fi
exit 0
