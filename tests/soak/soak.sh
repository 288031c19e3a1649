#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# make soak: the whole origin under a bounded mixed load for SOAK_SECS
# (default 600) while each dependency fails in turn.
#
#   WORKER=... MODULE_SO=... STORE=... tests/soak/soak.sh
#
# (defaults: build/transcode-worker, the module in build/nginx/objs/,
# var/store with the sample packaged by make sample)
#
# On loopback: nginx with the module and the S3 store
# (conf/vidorigin-s3-*.conf, the origin cache), the S3 peer (s3rver), a
# transcode worker making "lazy"'s segments into S3 just in time,
# redis-server (views, hints, catalog, locks), a MaxMind DB for the
# region.  The viewers (tests/soak/mix.py, SOAK_RATE requests a second,
# SOAK_CLIENTS connections) ask for manifests and segments of "demo"
# (packaged: "hot"), segments of "lazy" (made just in time, then cached:
# "cold") and the playback API ("api"); a purge of /v/lazy/ goes out every
# 15 s.  In turn, at even intervals: Redis killed (-9) and restarted 5 s
# later; the S3 peer stopped and restarted; the worker killed (-9) and
# restarted; the GeoIP DB replaced by a broken file and nginx reloaded
# (refused: the running configuration answers), then put back and
# reloaded; and nginx reloaded 50 times over the run.
#
# Checks: no hot or api request fails, ever; a cold request fails only
# while a dependency is down (or within 5 s after), and then fast (under
# SOAK_FAST_MS, a 502/503/504); every lazy object in S3 is byte for byte
# the packaged one (no partial object); file descriptors and RSS of
# nginx and the worker do not grow (sampled every 10 s: the last third
# against the first, after warm-up); no alert, crash or sanitizer line in
# any log.  The figures are printed; README "Soak" has the last ones.

. "$(dirname "$0")/../s3/lib.sh"
. "$(dirname "$0")/../lib/nginx.sh"
NAME=soak
SECS=${SOAK_SECS:-600}
RATE=${SOAK_RATE:-150}
CLIENTS=${SOAK_CLIENTS:-8}
FAST_MS=${SOAK_FAST_MS:-6000}
STORE=${STORE:-$ROOT/var/store}
SRC=$ROOT/var/fixtures/demo-source.mp4
for f in "$MODULE_SO" "$STORE/demo/media.json" "$SRC"; do
    [ -e "$f" ] || bail $NAME "$f exists (make module sample)"
done
EVENTS=$TMP/events          # "unix_ms down|up WHAT"
: > "$EVENTS"
event() { echo "$(date +%s%3N) $1 $2" >> "$EVENTS"; echo "# $(date +%T) $2 $1"; }

# --- the S3 peer, on a port of its own so that it comes back on it ------
S3PORT=$(free_port)
start_peer peer --port "$S3PORT" || bail $NAME "S3 peer started"
S3PID=$PEER_PID
S3URL=http://127.0.0.1:$S3PORT
s3() { "$WORKER" s3 "$1" --endpoint "$S3URL" --bucket media --path-style \
           --log-level warn "${@:2}"; }
# demo: every packaged object, media.json last (its presence is "ready")
n=$( (cd "$STORE" && find demo -type f ! -name 'source.*' ! -name media.json) |
    xargs -P 4 -I{} sh -c '"$1" s3 put --endpoint "$2" --bucket media \
        --path-style --in "$3/{}" "{}" --log-level warn && echo up' \
        - "$WORKER" "$S3URL" "$STORE" | grep -c up)
s3 put --in "$STORE/demo/media.json" demo/media.json \
    || bail $NAME "demo in S3"
ok "demo's $((n + 1)) objects in S3"
"$WORKER" package --store s3://media --s3-endpoint "$S3URL" \
    --s3-path-style on --id lazy --source "$SRC" --eager none \
    --log-level warn || bail $NAME "lazy packaged into S3 with no segment"
ok "lazy packaged into S3 (--eager none)"

# --- Redis on a TCP port (it comes back on it), the worker ---------------
RPORT=$(free_port)
start_redis_tcp() {
    redis-server --port "$RPORT" --bind 127.0.0.1 --save '' \
        --appendonly no --logfile "$TMP/redis.log" &
    RPID=$!
    PIDS="$PIDS $RPID"
    wait_for 50 sh -c "redis-cli -p $RPORT ping >/dev/null 2>&1"
}
start_redis_tcp || bail $NAME "redis-server started"
"$WORKER" catalog set demo --redis "127.0.0.1:$RPORT" --title "soak demo" \
    --language en --log-level warn || bail $NAME "catalog entry"

WSOCK=$TMP/worker.sock
start_serve() {
    "$WORKER" serve --store s3://media --s3-endpoint "$S3URL" \
        --s3-path-style on --listen "unix:$WSOCK" --slots 2 --queue 64 \
        --wait 60s --redis "127.0.0.1:$RPORT" 2>>"$TMP/worker.log" &
    WPID=$!
    PIDS="$PIDS $WPID"
    wait_for 100 curl -sf -o /dev/null --unix-socket "$WSOCK" http://w/healthz
}
start_serve || bail $NAME "transcode-worker serve started"

# --- nginx ---------------------------------------------------------------
perl "$ROOT/tests/region/make-mmdb.pl" "$TMP/geoip.mmdb" \
    || bail $NAME "GeoIP DB made"
cp "$TMP/geoip.mmdb" "$TMP/geoip.good"
PORT=$(free_port)
B=http://127.0.0.1:$PORT
VAR=$TMP/nginx
mkdir -p "$TMP/www" && echo soak > "$TMP/www/index.html"
CONF=$(bash "$ROOT/scripts/render-conf.sh" "$VAR/conf" MODULE="$MODULE_SO" \
    VAR="$VAR" PORT="$PORT" STORE=s3 WWW="$TMP/www" WORKERS=2 \
    S3_ENDPOINT="127.0.0.1:$S3PORT" S3_BUCKET=media S3_TIMEOUT=2s \
    UPSTREAM="server unix:$WSOCK max_fails=1 fail_timeout=2s;" \
    HTTP_EXTRA="    vidorigin_geoip_db $TMP/geoip.mmdb;
    vidorigin_redis 127.0.0.1:$RPORT;
    vidorigin_views on;
    vidorigin_hint_cache zone=vidorigin_hints:1m valid=5s;" \
    EXTRA="        location /api/v1/videos/ {
            vidorigin_api;
            vidorigin_s3_pass @vidorigin_s3 @vidorigin_s3_media;
            vidorigin_api_cdn_host http://localhost:$PORT;
            vidorigin_api_origin_host http://127.0.0.1:$PORT;
            vidorigin_api_default origin;
        }") || bail $NAME "nginx conf rendered"
ADMIN=$(cat "$VAR/admin.secret")
chmod -R a+rX "$VAR" "$TMP/geoip.mmdb"
"$NGINX" -p "$VAR" -c "$CONF" -e "$VAR/log/error.log" >"$TMP/nginx.out" 2>&1 &
NGX=$!
stop_ngx() { stop_nginx_pid "$NGX"; }
on_exit stop_ngx
wait_for 100 curl -s -o /dev/null "$B/" || bail $NAME "nginx started"
ok "nginx, the worker, Redis and S3 up on loopback"

# --- what the viewers ask for --------------------------------------------
URLS=$TMP/urls
SEGS=$(jq -r .segment_count "$STORE/demo/media.json")
{
    echo "hot 4 /v/demo/master.m3u8"
    echo "hot 2 /v/demo/manifest.mpd"
    echo "api 2 /api/v1/videos/demo"
    for r in 360p 240p; do
        echo "hot 2 /v/demo/$r/index.m3u8"
        echo "hot 1 /v/demo/$r/init.mp4"
        for s in $(seq 0 $((SEGS - 1))); do echo "hot 2 /v/demo/$r/$s.m4s"; done
    done
    echo "hot 1 /v/demo/aac/init.mp4"
    for s in $(seq 0 $((SEGS - 1))); do echo "hot 2 /v/demo/aac/$s.m4s"; done
    # lazy's 360p: made once, then fetched again from S3 after each
    # purge; before each purge one segment of its 240p is deleted from
    # S3, so that it is made again
    echo "cold 1 /v/lazy/360p/init.mp4"
    for s in $(seq 0 $((SEGS - 1))); do
        echo "cold 1 /v/lazy/360p/$s.m4s"
        echo "cold 1 /v/lazy/240p/$s.m4s"
        echo "cold 1 /v/lazy/240p/$s.ts"
    done
} > "$URLS"
# warm-up: every hot object cached once, every lazy one made once
warm=0
for p in $(awk '{ print $3 }' "$URLS"); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 120 "$B$p")" = 200 ] \
        && warm=$((warm + 1))
done
check "warm-up: all $(wc -l < "$URLS") URLs answer 200 ($warm)" \
    [ "$warm" -eq "$(wc -l < "$URLS")" ]

# --- samples of fds and RSS every 10 s ------------------------------------
# "t master_fds master_rss_kb worker_fds worker_rss_kb nginx_worker_fds
# nginx_worker_rss_kb" (RSS in kB; nginx's workers: the mean of those
# running, old ones still leaving after a reload included)
SAMPLES=$TMP/samples
usage() {   # usage PID...: "fds rss_kb" summed over the processes
    local fds=0 rss=0 p n r
    for p in "$@"; do
        n=$(ls "/proc/$p/fd" 2>/dev/null | wc -l)
        r=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null)
        fds=$((fds + n)) rss=$((rss + ${r:-0}))
    done
    echo "$fds $rss"
}
sampler() {
    while [ ! -e "$TMP/stop" ]; do
        local w n
        w=$(pgrep -P "$NGX" | tr '\n' ' ')
        n=$(wc -w <<<"$w")
        # shellcheck disable=SC2086
        echo "$(date +%s) $(usage "$NGX") $(usage "$(cat "$TMP/wpid")") $(usage $w)" |
            awk -v n="$n" '{ print $1, $2, $3, $4, $5, int($6 / (n ? n : 1)), int($7 / (n ? n : 1)) }' \
            >> "$SAMPLES"
        sleep 10
    done
}
echo "$WPID" > "$TMP/wpid"

# --- the run ----------------------------------------------------------------
python3 "$HERE/mix.py" "$B" "$URLS" "$CLIENTS" "$RATE" "$SECS" \
    "$TMP/requests" "$TMP/stop" &
LOAD=$!
sampler &
PIDS="$PIDS $!"
T0=$(date +%s)
purges=0 purge_fail=0 reloads=0
faults=(redis s3 worker geoip)
step=$(( SECS / (${#faults[@]} + 1) ))
next_fault=$step next_reload=$(( SECS / 53 )) next_purge=15 k=0
while [ $(( $(date +%s) - T0 )) -lt $((SECS - 2)) ]; do
    now=$(( $(date +%s) - T0 ))
    if [ "$now" -ge "$next_purge" ]; then
        # one segment of lazy's 240p made again after each purge
        for key in lazy/240p/$((purges % SEGS)).m4s lazy/240p/$((purges % SEGS)).ts; do
            s3 delete "$key" 2>/dev/null
        done
        c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST \
            -H "Authorization: Bearer $ADMIN" "$B/admin/purge?prefix=/v/lazy/")
        purges=$((purges + 1))
        [ "$c" = 200 ] || purge_fail=$((purge_fail + 1))
        next_purge=$((next_purge + 15))
    fi
    if [ "$now" -ge "$next_reload" ] && [ "$reloads" -lt 50 ]; then
        kill -HUP "$NGX" && reloads=$((reloads + 1))
        next_reload=$(( (reloads + 1) * SECS / 53 ))
    fi
    if [ "$k" -lt ${#faults[@]} ] && [ "$now" -ge "$next_fault" ]; then
        f=${faults[$k]}
        event down "$f"
        case $f in
            redis)  kill -9 "$RPID"; wait "$RPID" 2>/dev/null; sleep 5
                    start_redis_tcp ;;
            s3)     kill -TERM "$S3PID"; wait "$S3PID" 2>/dev/null; sleep 5
                    start_peer peer --port "$S3PORT"; S3PID=$PEER_PID ;;
            worker) kill -9 "$WPID"; wait "$WPID" 2>/dev/null; sleep 5
                    start_serve
                    echo "$WPID" > "$TMP/wpid" ;;
            # replaced by a rename, as geoipupdate does (the running
            # configuration has the old file mapped)
            geoip)  head -c 4096 /dev/urandom > "$TMP/geoip.new"
                    mv "$TMP/geoip.new" "$TMP/geoip.mmdb"
                    kill -HUP "$NGX"; sleep 5
                    cp "$TMP/geoip.good" "$TMP/geoip.new"
                    chmod a+r "$TMP/geoip.new"
                    mv "$TMP/geoip.new" "$TMP/geoip.mmdb"; kill -HUP "$NGX" ;;
        esac
        event up "$f"
        k=$((k + 1))
        next_fault=$(( (k + 1) * step ))
    fi
    sleep 1
done
wait "$LOAD"
touch "$TMP/stop"
ok "ran ${SECS}s: $reloads reloads, $purges purges ($purge_fail failed), faults: ${faults[*]:0:$k}"
check "50 reloads" [ "$reloads" -eq 50 ]
check "every purge answered 200" [ "$purge_fail" -eq 0 ]

# --- the figures ------------------------------------------------------------
# a cold request may fail when a dependency is down while it runs (or
# within 5 s after it is back), and then fast: within FAST_MS of the
# later of its start and the outage's start; hot and api requests never
summary=$(awk -v fast="$FAST_MS" '
    FNR == NR { if ($2 == "down") d[++n] = $1; else u[n] = $1 + 5000; next }
    {
        cls = $2; total[cls]++
        if ($3 == 200) next
        bad[cls]++
        end = $1; start = end - $4; inwin = 0; late = 0
        for (i = 1; i <= n; i++) {
            if (start <= u[i] && end >= d[i]) {
                inwin = 1
                late = end - (start > d[i] ? start : d[i]) > fast
            }
        }
        if (cls != "cold" || !inwin) outside[cls]++
        else if (late || ($3 != 502 && $3 != 503 && $3 != 504)) slow[cls]++
    }
    END {
        for (c in total) {
            printf "%s %d %d %d %d\n", c, total[c], bad[c] + 0,
                   outside[c] + 0, slow[c] + 0
        }
    }' "$EVENTS" "$TMP/requests")
echo "$summary" | while read -r c t b o s; do
    echo "# $c: $t requests, $b not 200: $o outside an outage, $s slow or not a 5xx"
done
for c in hot api cold; do
    read -r _ t b o s <<<"$(grep "^$c " <<<"$summary")"
    check "$c: requests were sent (${t:-0})" [ "${t:-0}" -gt 0 ]
    check "$c: none failed outside a dependency's outage (${o:-0} of ${t:-0})" \
        [ "${o:-0}" -eq 0 ]
    [ "$c" = cold ] && check "cold: each failure fast (< ${FAST_MS} ms) and a 5xx (${s:-0} not)" \
        [ "${s:-0}" -eq 0 ]
done
for c in hot cold; do
    p=$(awk -v c=$c '$2 == c && $3 == 200 { print $4 }' "$TMP/requests" | sort -n |
        awk '{ v[NR] = $1 } END { if (NR) printf "p50 %.1f p99 %.1f ms", v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1] }')
    echo "# $c latency: $p"
done

# --- no partial object -------------------------------------------------------
# the worker made lazy's objects from the same source with the same
# settings as demo's: each equals demo's, byte for byte
made=0 differ=0
for key in $(s3 list lazy/ | awk '{ print $NF }' | grep -E '\.(m4s|mp4|ts)$' | grep -v '/source\.'); do
    s3 get --out "$TMP/obj" "$key" || { differ=$((differ + 1)); continue; }
    made=$((made + 1))
    cmp -s "$TMP/obj" "$STORE/demo/${key#lazy/}" || {
        differ=$((differ + 1)); echo "# differs: $key"; }
done
check "every object the worker made ($made) is whole (equals the packaged one)" \
    [ "$made" -gt 0 -a "$differ" -eq 0 ]

# --- no growth -----------------------------------------------------------------
# nginx: the first samples after warm-up against the last third; the
# worker: since its restart (its fds and RSS start again then)
growth=$(awk -v wr="$(grep ' up worker' "$EVENTS" | awk '{ print int($1 / 1000) }')" '
    { t[NR] = $1; mf[NR] = $2; mr[NR] = $3; wf[NR] = $4; wm[NR] = $5
      nf[NR] = $6; nr[NR] = $7 }
    END {
        a = 2; z = NR; w = a
        for (i = 1; i <= NR; i++) if (wr == "" || t[i] > wr + 10) { w = i; break }
        printf "nginx master fds %d -> %d, RSS %d -> %d kB; ", mf[a], mf[z], mr[a], mr[z]
        printf "nginx worker fds %d -> %d, RSS %d -> %d kB; ", nf[a], nf[z], nr[a], nr[z]
        printf "transcode worker fds %d -> %d, RSS %d -> %d kB", wf[w], wf[z], wm[w], wm[z]
        ok = mf[z] <= mf[a] + 4 && mr[z] <= mr[a] * 1.25 + 16384 &&
             nf[z] <= nf[a] + 16 && nr[z] <= nr[a] * 1.25 + 16384 &&
             wf[z] <= wf[w] + 8 && wm[z] <= wm[w] * 1.5 + 65536
        exit !ok
    }' "$SAMPLES")
grown=$?
echo "# $growth ($(wc -l < "$SAMPLES") samples)"
check "no fd or RSS growth in nginx or the worker" [ "$grown" -eq 0 ]

# --- the logs --------------------------------------------------------------------
# nginx refuses the broken GeoIP DB on its reload: that [emerg] is expected
bad=$(grep -E '\[alert\]|\[emerg\]|exited on signal|core dumped|Sanitizer' \
    "$VAR/log/error.log" | grep -vc 'geoip.mmdb')
check "no alert or crash in nginx's log ($bad)" [ "$bad" -eq 0 ]
check "the broken GeoIP DB was refused, naming it" grep -q 'geoip.mmdb' "$VAR/log/error.log"
check "no crash in the worker's log" bash -c "! grep -Ei 'fatal|assert|segmentation|Sanitizer' '$TMP/worker.log'"
finish $NAME
