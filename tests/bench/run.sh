#!/usr/bin/env bash
# tests/bench/run.sh MODULE_SO STORE
#
# Hot-path benchmark: the module against plain nginx static serving of the
# same bytes, in ONE nginx (worker_processes 1, pinned to one core; wrk on
# the other core), on loopback.
#   (a) /v/demo/1080p/3.m4s        vs /static/demo/1080p/3.m4s (alias STORE/)
#   (b) /v/demo/master.m3u8        vs a static file holding the module's
#       exact bytes, served with open_file_cache
#   (c) p50 / p99 latency of each
# Runs are interleaved (A, B, A, B, ...) to cancel drift; medians reported.
# Writes build/bench/results.txt.  Last line:
#   bench: segment ratio R (module X rps / static Y rps), master ratio R
# Environment: RUNS (9), DURATION (5s), CONNECTIONS (32), VIDEO (demo),
# SEGMENT (1080p/3.m4s), BENCH_STRICT=1 to exit 1 when a target is missed.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -ne 2 ]; then echo "usage: $0 MODULE_SO STORE" >&2; exit 2; fi
module=$(realpath "$1") store=$(cd "$2" && pwd)
runs=${RUNS:-9} duration=${DURATION:-5s} conns=${CONNECTIONS:-32}
video=${VIDEO:-demo} segment=${SEGMENT:-1080p/3.m4s}
nginx_bin=${NGINX:-/usr/sbin/nginx}
# nginx reads $NGINX itself (sockets inherited on upgrade): not in its env
export -n NGINX 2>/dev/null || true
out=$top/build/bench
[ "$runs" -ge 1 ] && [ "$runs" -le 50 ] || { echo "bench: RUNS must be 1..50" >&2; exit 2; }

die() { echo "bench: $*" >&2; exit 1; }
for tool in "$nginx_bin" wrk curl taskset; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
[ -f "$store/$video/$segment" ] || die "$store/$video/$segment is missing (make sample)"

rm -rf "${out:?}/conf" "${out:?}/var" "${out:?}/static-root"
mkdir -p "$out/var" "$out/static-root/static-manifest"
nginx_pid=
cleanup() {
    if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
        kill -QUIT "$nginx_pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$nginx_pid" 2>/dev/null
        wait "$nginx_pid" 2>/dev/null
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# cores: nginx on the first, wrk on the last (the same on a 1-core machine)
ncpu=$(nproc)
ngx_cpu=0 wrk_cpu=$((ncpu - 1))

extra="
        location /static/ {
            alias $store/;
        }
        location = /static-manifest/master.m3u8 {
            root $out/static-root;
            default_type application/vnd.apple.mpegurl;
            open_file_cache max=1000 inactive=60s;
        }"

port="" up=""
for _attempt in 1 2 3; do
    port=$(node -e 'const s = require("net").createServer();
        s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });' 2>/dev/null ||
        echo $((20000 + RANDOM % 20000)))
    conf=$(bash "$top/scripts/render-conf.sh" "$out/conf" MODULE="$module" \
        VAR="$out/var" PORT="$port" STORE="$store" WWW="$top/build/www" \
        WORKERS=1 LOG_LEVEL=warn EXTRA="$extra") || die "cannot render the conf"
    # no access log: both sides would pay for it alike, it only adds noise
    sed -i 's#^\(\s*\)access_log .*#\1access_log off;#' "$conf"
    taskset -c "$ngx_cpu" "$nginx_bin" -p "$out/var" -c "$conf" \
        -e "$out/var/log/error.log" >"$out/var/log/nginx.out" 2>&1 &
    nginx_pid=$!
    for _ in $(seq 50); do
        if curl -s -o /dev/null "http://127.0.0.1:$port/"; then up=1; break; fi
        kill -0 "$nginx_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$up" ] && break
    cleanup; nginx_pid=
    grep -q 'Address already in use' "$out/var/log/nginx.out" "$out/var/log/error.log" 2>/dev/null || break
done
[ -n "$up" ] || { cat "$out/var/log/nginx.out" >&2; die "nginx does not start"; }
base=http://127.0.0.1:$port

# the static copy of the manifest: the module's exact bytes
code=$(curl -s -o "$out/static-root/static-manifest/master.m3u8" -w '%{http_code}' \
    "$base/v/$video/master.m3u8")
[ "$code" = 200 ] || die "GET /v/$video/master.m3u8 answered $code"
check_same() {   # check_same URL_A URL_B: 200 and identical bodies
    local a b
    a=$(curl -s -w '\n%{http_code}' "$1" | sha256sum) b=$(curl -s -w '\n%{http_code}' "$2" | sha256sum)
    [ "$a" = "$b" ] || die "$1 and $2 do not answer the same bytes"
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] || die "$1 is not 200"
}
seg_mod=$base/v/$video/$segment seg_static=$base/static/$video/$segment
man_mod=$base/v/$video/master.m3u8 man_static=$base/static-manifest/master.m3u8
check_same "$seg_mod" "$seg_static"
check_same "$man_mod" "$man_static"
seg_bytes=$(stat -c %s "$store/$video/$segment")
man_bytes=$(stat -c %s "$out/static-root/static-manifest/master.m3u8")

# wrk_run URL: prints "RPS P50_US P99_US ERRORS"
wrk_run() {
    local txt
    txt=$(timeout 60 taskset -c "$wrk_cpu" wrk -t1 -c"$conns" -d"$duration" \
        --latency "$1" 2>&1) || { echo "0 0 0 wrk-failed"; return; }
    awk '
        function us(v) {   # "1.23ms" -> microseconds
            if (v ~ /us$/) return v + 0
            if (v ~ /ms$/) return v * 1000
            if (v ~ /[0-9]s$/) return v * 1000000
            return v + 0 }
        /^Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = us($2) }
        $1 == "99%" { p99 = us($2) }
        /Non-2xx or 3xx responses:/ { bad += $NF }
        /Socket errors:/ { bad += 1 }
        END { printf "%s %d %d %d\n", rps, p50, p99, bad }' <<<"$txt"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                            else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "bench: nginx (1 worker) on cpu $ngx_cpu, wrk -t1 -c$conns -d$duration on cpu $wrk_cpu," \
     "$runs interleaved runs per URL"
echo "bench: segment $segment ($seg_bytes bytes), master.m3u8 ($man_bytes bytes)"
# warm up: page cache, media description cache, connections
for u in "$seg_mod" "$seg_static" "$man_mod" "$man_static"; do
    timeout 30 taskset -c "$wrk_cpu" wrk -t1 -c"$conns" -d1s "$u" >/dev/null 2>&1
done

declare -A res
names=(seg_mod seg_static man_mod man_static)
declare -A url=([seg_mod]=$seg_mod [seg_static]=$seg_static [man_mod]=$man_mod [man_static]=$man_static)
errors=0
for ((r = 1; r <= runs; r++)); do
    line="run $r:"
    for n in "${names[@]}"; do
        read -r rps p50 p99 bad <<<"$(wrk_run "${url[$n]}")"
        [ "$bad" = 0 ] || { errors=$((errors + 1)); echo "bench: $n run $r: errors ($bad)" >&2; }
        res[$n]+="$rps $p50 $p99"$'\n'
        line+=" $n $rps"
    done
    echo "  $line"
done

col() { awk -v c="$2" 'NF { print $c }' <<<"${res[$1]}" | median; }
declare -A rps p50 p99
for n in "${names[@]}"; do
    rps[$n]=$(col "$n" 1) p50[$n]=$(col "$n" 2) p99[$n]=$(col "$n" 3)
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
seg_ratio=$(ratio "${rps[seg_mod]}" "${rps[seg_static]}")
man_ratio=$(ratio "${rps[man_mod]}" "${rps[man_static]}")
# median of the per-run ratios (each pair ran back to back): a drift check
paired() { paste -d' ' <(awk 'NF { print $1 }' <<<"${res[$1]}") \
                       <(awk 'NF { print $1 }' <<<"${res[$2]}") |
           awk '$2 > 0 { print $1 / $2 }' | median; }
seg_paired=$(paired seg_mod seg_static) man_paired=$(paired man_mod man_static)
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "meets" : "MISSES") }'; }

mkdir -p "$out"
{
    echo "vidorigin benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -m), $ncpu cpu(s)"
    echo "nginx $("$nginx_bin" -v 2>&1 | sed 's#.*/##'), 1 worker on cpu $ngx_cpu;" \
         "wrk -t1 -c$conns -d$duration on cpu $wrk_cpu; median of $runs interleaved runs"
    echo
    printf '%-34s %12s %10s %10s\n' "url" "req/s" "p50 ms" "p99 ms"
    for n in "${names[@]}"; do
        printf '%-34s %12.0f %10.3f %10.3f\n' "${url[$n]#"$base"}" "${rps[$n]}" \
            "$(awk -v v="${p50[$n]}" 'BEGIN { print v / 1000 }')" \
            "$(awk -v v="${p99[$n]}" 'BEGIN { print v / 1000 }')"
    done
    echo
    echo "(a) segment: module/static = $seg_ratio (target >= 0.95: $(verdict "$seg_ratio" 0.95));" \
         "median of per-run ratios $(printf %.3f "$seg_paired")"
    echo "(b) master:  module/static = $man_ratio (target >= 1.00: $(verdict "$man_ratio" 1.0));" \
         "median of per-run ratios $(printf %.3f "$man_paired")"
    [ "$errors" -eq 0 ] || echo "WARNING: $errors run(s) had non-2xx answers or socket errors"
    echo
    echo "raw runs (req/s p50_us p99_us):"
    for n in "${names[@]}"; do echo "$n:"; printf '%s' "${res[$n]}" | sed 's/^/  /'; done
} > "$out/results.txt"
sed -n '1,/^raw runs/p' "$out/results.txt" | sed '$d'
printf 'bench: segment ratio %.2f (module %.0f rps / static %.0f rps), master ratio %.2f (module %.0f rps / static %.0f rps)\n' \
    "$seg_ratio" "${rps[seg_mod]}" "${rps[seg_static]}" "$man_ratio" "${rps[man_mod]}" "${rps[man_static]}"
if [ "$errors" -gt 0 ]; then exit 1; fi
if [ "${BENCH_STRICT:-0}" = 1 ] &&
   { [ "$(verdict "$seg_ratio" 0.95)" != meets ] || [ "$(verdict "$man_ratio" 1.0)" != meets ]; }; then
    exit 1
fi
exit 0
