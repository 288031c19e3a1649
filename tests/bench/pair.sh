#!/usr/bin/env bash
# tests/bench/pair.sh devices|views|cluster MODULE_SO STORE
#
# What a feature costs on the hottest path: master.m3u8 requests/s of an
# nginx with the feature on against the same nginx with it off, same run.
# Two nginx (1 worker each, both pinned to the first core, only one loaded
# at a time), wrk on the last core; runs interleaved (on, off, on, ...),
# medians reported.  Every request carries a User-Agent of the corpus
# (tests/devices), in turn:
#   mix:    the corpus in turn (the per-worker cache holds them all, as it
#           holds a site's few thousand User-Agents)
#   unique: a User-Agent never seen before on every request (the corpus
#           string plus a counter): every request runs the device rules
# devices: the shipped device rules (conf/vidorigin-devices.conf) against
#          none.  Target (issue 5): mix, on/off >= 0.9.
# views:   view counting and the hint cache on, with a real redis-server
#          on loopback (vidorigin_redis, vidorigin_views,
#          vidorigin_hint_cache) against none.  Target (issue 6): mix,
#          on/off >= 0.9.
# cluster: view counting on a Redis Cluster (3 masters, a replica each,
#          vidorigin_redis cluster=) against view counting on one
#          redis-server, both with the hint cache.  Target (issue 13):
#          mix, cluster/one >= 0.95.
# Writes build/bench/{devices,views,cluster}.txt.  Environment: RUNS (7),
# DURATION (5s), CONNECTIONS (32), VIDEO (demo), BENCH_STRICT=1.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -ne 3 ]; then echo "usage: $0 devices|views|cluster MODULE_SO STORE" >&2; exit 2; fi
what=$1 module=$(realpath "$2") store=$(cd "$3" && pwd)
case $what in devices|views|cluster) ;; *) echo "pair: devices, views or cluster" >&2; exit 2 ;; esac
runs=${RUNS:-7} duration=${DURATION:-5s} conns=${CONNECTIONS:-32}
video=${VIDEO:-demo}
nginx_bin=${NGINX:-/usr/sbin/nginx}
# nginx reads $NGINX itself (sockets inherited on upgrade): not in its env
export -n NGINX 2>/dev/null || true
out=$top/build/bench/$what
corpus=$top/tests/devices/ua-corpus.tsv

die() { echo "bench-$what: $*" >&2; exit 1; }
for tool in "$nginx_bin" wrk curl taskset; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
[ -f "$store/$video/media.json" ] || die "$video is not in $store (make sample)"
[ -f "$corpus" ] || die "$corpus is missing"

rm -rf "${out:?}"
mkdir -p "$out"
pids=() redis_pid= cluster_pids=()
cleanup() {
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null
    for p in "${cluster_pids[@]}"; do kill "$p" 2>/dev/null; done
    for f in "$out"/*/master.pid; do
        [ -f "$f" ] && pids+=("$(cat "$f")")
    done
    for p in "${pids[@]}"; do kill -QUIT "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null
    done
    wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ncpu=$(nproc)
ngx_cpu=0 wrk_cpu=$((ncpu - 1))

free_port() {
    node -e 'const s = require("net").createServer();
        s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });' 2>/dev/null ||
        echo $((20000 + RANDOM % 20000))
}

# start NAME ARGS...: an nginx serving STORE, render-conf ARGS; prints its
# port
start() {
    local name=$1 port conf
    shift
    port=$(free_port)
    mkdir -p "$out/$name"
    conf=$(bash "$top/scripts/render-conf.sh" "$out/$name/conf" MODULE="$module" \
        VAR="$out/$name" PORT="$port" STORE="$store" WWW="$top/build/www" \
        WORKERS=1 LOG_LEVEL=warn "$@") || die "cannot render the conf"
    sed -i 's#^\(\s*\)access_log .*#\1access_log off;#' "$conf"
    taskset -c "$ngx_cpu" "$nginx_bin" -p "$out/$name" -c "$conf" \
        -e "$out/$name/log/error.log" >"$out/$name/nginx.out" 2>&1 &
    # start runs in $(...): the parent's cleanup finds the master here
    echo $! > "$out/$name/master.pid"
    for _ in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$port/" && { echo "$port"; return; }
        sleep 0.1
    done
    cat "$out/$name/nginx.out" >&2
    die "nginx ($name) does not start"
}
# a Redis Cluster of 3 masters and 3 replicas on free ports (their bus
# ports, + 10000, too); prints the seeds
start_cluster() {
    local p nodes="" ports=()
    while [ ${#ports[@]} -lt 6 ]; do
        p=$(free_port)
        [ "$p" -lt 55000 ] && ports+=("$p")
    done
    for p in "${ports[@]}"; do
        mkdir -p "$out/cluster/$p"
        (cd "$out/cluster/$p" && exec redis-server --port "$p" --bind 127.0.0.1 \
            --cluster-enabled yes --cluster-config-file nodes.conf \
            --save '' --appendonly no --logfile redis.log) >/dev/null 2>&1 &
        echo $! >> "$out/cluster/pids"
        nodes="$nodes 127.0.0.1:$p"
    done
    for p in "${ports[@]}"; do
        for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
    done
    # shellcheck disable=SC2086
    redis-cli --cluster create $nodes --cluster-replicas 1 --cluster-yes \
        > "$out/cluster/create.log" 2>&1 || return 1
    for _ in $(seq 100); do
        redis-cli -p "${ports[0]}" cluster info | grep -q cluster_state:ok && break
        sleep 0.1
    done
    echo "127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}"
}

if [ "$what" = devices ]; then
    port_rules=$(start rules DEVICES=on)
    port_none=$(start none DEVICES=off)
elif [ "$what" = cluster ]; then
    command -v redis-server >/dev/null || die "redis-server is not installed"
    rport=$(free_port)
    redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
        --logfile "$out/redis.log" &
    redis_pid=$!
    seeds=$(start_cluster) || die "the Redis Cluster does not start"
    mapfile -t cluster_pids < "$out/cluster/pids"
    for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
    port_rules=$(start rules HTTP_EXTRA="vidorigin_redis cluster=$seeds;
    vidorigin_views on;
    vidorigin_hint_cache zone=hints:1m;")
    port_none=$(start none HTTP_EXTRA="vidorigin_redis 127.0.0.1:$rport;
    vidorigin_views on;
    vidorigin_hint_cache zone=hints:1m;")
else
    command -v redis-server >/dev/null || die "redis-server is not installed"
    rport=$(free_port)
    redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
        --logfile "$out/redis.log" &
    redis_pid=$!
    for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
    port_rules=$(start rules HTTP_EXTRA="vidorigin_redis 127.0.0.1:$rport;
    vidorigin_views on;
    vidorigin_hint_cache zone=hints:1m;")
    port_none=$(start none)
fi
url_rules=http://127.0.0.1:$port_rules/v/$video/master.m3u8
url_none=http://127.0.0.1:$port_none/v/$video/master.m3u8

# the corpus as a Lua table for wrk: one User-Agent per request, in turn
cut -f2 "$corpus" | grep -v '^#' | grep -v '^$' | awk '
    BEGIN { print "local uas = {" }
    { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print "  \"" $0 "\"," }
    END { print "}" }' > "$out/uas.lua"
n_ua=$(grep -c '^  "' "$out/uas.lua")
[ "$n_ua" -ge 300 ] || die "only $n_ua User-Agents in $corpus"
for mode in mix unique; do
    {
        cat "$out/uas.lua"
        echo 'local i, n = 0, 0'
        echo 'request = function()'
        echo '  i = i % #uas + 1; n = n + 1'
        if [ "$mode" = mix ]; then
            echo '  wrk.headers["User-Agent"] = uas[i]'
        else
            echo '  wrk.headers["User-Agent"] = uas[i] .. " u/" .. n .. "-" .. math.random(1e9)'
        fi
        echo '  return wrk.format(nil)'
        echo 'end'
    } > "$out/$mode.lua"
done

for u in "$url_rules" "$url_none"; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$u")" = 200 ] || die "$u is not 200"
done
# the "on" side does what is measured
if [ "$what" = devices ]; then
    [ -n "$(curl -s -D - -o /dev/null "$url_rules" | grep -i '^vary: user-agent')" ] ||
        die "$url_rules has no Vary: User-Agent: are the device rules loaded?"
elif [ "$what" = cluster ]; then
    sleep 1
    [ -n "$(redis-cli -c -p "${seeds##*:}" hget "vo:views:$video:$(date -u +%Y%m%d%H)" ZZ)" ] ||
        die "no view counted in the cluster: is counting on?"
else
    sleep 1
    [ "$(redis-cli -p "$rport" --scan --pattern 'vo:views:*' | wc -l)" -ge 1 ] ||
        die "no view counted in Redis: is counting on?"
fi

wrk_run() {   # wrk_run URL SCRIPT: prints "RPS ERRORS"
    local txt
    txt=$(timeout 60 taskset -c "$wrk_cpu" wrk -t1 -c"$conns" -d"$duration" \
        -s "$2" "$1" 2>&1) || { echo "0 wrk-failed"; return; }
    awk '/^Requests\/sec:/ { rps = $2 }
         /Non-2xx or 3xx responses:/ { bad += $NF }
         /Socket errors:/ { bad += 1 }
         END { printf "%s %d\n", rps, bad }' <<<"$txt"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                            else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "bench-$what: 2 nginx (1 worker each) on cpu $ngx_cpu, wrk -t1 -c$conns -d$duration" \
     "on cpu $wrk_cpu, $runs interleaved runs, $n_ua User-Agents"
for u in "$url_rules" "$url_none"; do
    timeout 30 taskset -c "$wrk_cpu" wrk -t1 -c"$conns" -d1s -s "$out/mix.lua" "$u" >/dev/null 2>&1
done

declare -A res
errors=0
for ((r = 1; r <= runs; r++)); do
    line="run $r:"
    for k in rules:mix none:mix rules:unique none:unique; do
        side=${k%%:*} mode=${k#*:}
        [ "$side" = rules ] && u=$url_rules || u=$url_none
        read -r rps bad <<<"$(wrk_run "$u" "$out/$mode.lua")"
        [ "$bad" = 0 ] || { errors=$((errors + 1)); echo "bench-$what: $k run $r: errors ($bad)" >&2; }
        res[$k]+="$rps"$'\n'
        line+=" $k $rps"
    done
    echo "  $line"
done

med() { awk 'NF' <<<"${res[$1]}" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
mix_ratio=$(ratio "$(med rules:mix)" "$(med none:mix)")
uniq_ratio=$(ratio "$(med rules:unique)" "$(med none:unique)")
target=0.90
[ "$what" = cluster ] && target=0.95
verdict=$(awk -v r="$mix_ratio" -v t="$target" 'BEGIN { print (r >= t ? "meets" : "MISSES") }')
{
    echo "vidorigin $what benchmark (on = the \"rules\" side), $(date -u +%Y-%m-%dT%H:%M:%SZ), $ncpu cpu(s)"
    echo "master.m3u8 of $video, median req/s of $runs interleaved runs"
    printf '  %-14s %10.0f  %-14s %10.0f\n' "rules, mix" "$(med rules:mix)" "none, mix" "$(med none:mix)"
    printf '  %-14s %10.0f  %-14s %10.0f\n' "rules, unique" "$(med rules:unique)" "none, unique" "$(med none:unique)"
    echo "mix:    rules/none = $mix_ratio (target >= $target: $verdict)"
    echo "unique: rules/none = $uniq_ratio (devices: every request runs the rules; no target)"
    [ "$errors" -eq 0 ] || echo "WARNING: $errors run(s) had errors"
} | tee "$out/../$what.txt"
[ "$errors" -eq 0 ] || exit 1
[ "${BENCH_STRICT:-0}" = 1 ] && [ "$verdict" != meets ] && exit 1
exit 0
