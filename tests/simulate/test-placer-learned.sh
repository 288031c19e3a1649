#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/simulate/test-placer-learned.sh: "policy learned" for real.
#
# nginx (the module: view counting, the MaxMind region, the playback API)
# + redis-server + the placer, on loopback.  Three videos (demo and two
# copies) are played a different number of times from JP (127.0.0.x in
# the DB fixture), US (127.0.1.x) and DE (127.0.2.x); one placer run with
# the learned policy; then for every (video, region) the playback API's
# placement equals the model's decision computed apart from the C code
# (decide.py, from the counts in Redis and the model file): with a model
# written here (whose decisions are also known in advance), with one
# trained by the simulator, and with a newer one published in Redis
# (vo:model:placement), which the placer takes.
#
# Needs STORE (with demo packaged); MODULE_SO, WORKER, NGINX as in
# tests/lib.

. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/../lib/nginx.sh"

: "${STORE:?}"
STORE=$(cd "$STORE" && pwd)
[ -f "$STORE/demo/media.json" ] || { echo "Bail out! demo not in $STORE"; exit 1; }

stop_nginx() {
    [ -f "$TMP/nginx/nginx.pid" ] \
        && stop_nginx_pid "$(cat "$TMP/nginx/nginx.pid")"
}
on_exit stop_nginx

mkdir -p "$TMP/store"
for v in demo lt2 lt3; do
    cp -r "$STORE/demo" "$TMP/store/$v"
    sed -i "s/\"id\": \"demo\"/\"id\": \"$v\"/" "$TMP/store/$v/media.json"
done

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
    --logfile "$TMP/redis.log" &
PIDS="$PIDS $!"
for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.05; done
R() { redis-cli -p "$rport" "$@"; }

perl "$ROOT/tests/region/make-mmdb.pl" "$TMP/geo.mmdb" ||
    { echo "Bail out! make-mmdb.pl failed"; exit 1; }

port=$(free_port)
mkdir -p "$TMP/nginx/logs"
cat > "$TMP/nginx/nginx.conf" <<EOF
load_module $MODULE_SO;
worker_processes 2;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log info;
events { worker_connections 256; }
http {
    access_log $TMP/nginx/logs/access.log;
    vidorigin_redis 127.0.0.1:$rport budget=20ms;
    vidorigin_views on flush=100ms;
    vidorigin_geoip_db $TMP/geo.mmdb;
    vidorigin_hint_cache zone=hints:1m valid=1s;
    vidorigin_cdn_secret X-Origin-Verify learned-cdn-secret-0123456789;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    server {
        listen 127.0.0.1:$port;
        vidorigin_store $TMP/store;
        vidorigin_direct_secret learned-direct-secret-0123456789;
        vidorigin_api_cdn_host https://cdn.example.com;
        vidorigin_api_origin_host http://127.0.0.1:$port;
        location /v/ { vidorigin; }
        location /api/v1/videos/ { vidorigin_api; }
    }
}
EOF
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/logs/error.log" ||
    { echo "Bail out! nginx did not start"; cat "$TMP/nginx/logs/error.log"; exit 1; }
base=http://127.0.0.1:$port

# --- the workload: plays per (video, region), through the CDN

declare -A net=([JP]=127.0.0 [US]=127.0.1 [DE]=127.0.2)
plays="demo:JP:40 demo:US:30 demo:DE:2 lt2:JP:3 lt2:US:25 lt2:DE:12 lt3:US:1 lt3:DE:30"
bad=0 total=0
for p in $plays; do
    IFS=: read -r v region n <<<"$p"
    for i in $(seq "$n"); do
        code=$(curl -s -o /dev/null -w '%{http_code}' \
            -H "X-Origin-Verify: learned-cdn-secret-0123456789" \
            -H "X-Forwarded-For: ${net[$region]}.$((i % 200 + 1))" \
            "$base/v/$v/master.m3u8")
        [ "$code" = 200 ] || bad=$((bad + 1))
        total=$((total + 1))
    done
done
check "$total playback starts answered 200" [ "$bad" = 0 ]

hour=$(date -u +%Y%m%d%H)
counted=
for _ in $(seq 50); do
    counted=$(for p in $plays; do
        IFS=: read -r v region n <<<"$p"
        [ "$(R hget "vo:views:$v:$hour" "$region")" = "$n" ] || echo "$p"
    done)
    [ -z "$counted" ] && break
    sleep 0.1
done
check "nginx counted every play per (video, region) (missing: ${counted:-none})" [ -z "$counted" ]

# --- a run of the learned policy, and the API's answer per pair

now=$(date +%s)
api_all() {
    local p v region
    for p in $plays; do
        IFS=: read -r v region _ <<<"$p"
        echo "$v $region $(curl -s -H "X-Forwarded-For: ${net[$region]}.99" \
            "$base/api/v1/videos/$v" | jq -r .placement)"
    done | sort
}
run_placer() {   # MODEL: one run at $now
    printf '%s\n' "redis 127.0.0.1:$rport" "log $TMP/placer.log" \
        "policy learned" "model $1" "window 168h" "now $now" > "$TMP/placer.conf"
    "$WORKER" placer --config "$TMP/placer.conf" --once 2> "$TMP/placer.err"
}
# the API's answers once they equal $1, or after 5 s (nginx's hint cache
# keeps a hint valid=1s, more on a loaded machine)
api_until() {
    local got i
    for i in $(seq 25); do
        got=$(api_all)
        [ "$got" = "$1" ] && break
        sleep 0.2
    done
    echo "$got"
}
model_says() { python3 "$HERE/decide.py" "$rport" "$now" "$1" | cut -d' ' -f1-3; }

# a model written here: cdn from e^3 - 1 = 19.1 views in the last hour,
# JP never (its CDN dearer than the origin)
w="-3,1,0,0,0,0,0,0,0,0,0,0,0,0,0"
echo "{\"version\":1,\"features\":15,\"p_on\":0.5,\"p_off\":0.3,\"breakeven\":20,\"regions\":\"US=20 JP=1e+06\",\"preset\":\"external\",\"weights\":[$w]}" > "$TMP/hand.json"
check "placer --once, policy learned (a model written here)" run_placer "$TMP/hand.json"
# decide.py before the API: its answers count views too
want=$(model_says "$TMP/hand.json")
expected=$(printf '%s\n' "demo DE origin" "demo JP origin" "demo US cdn" \
    "lt2 DE origin" "lt2 JP origin" "lt2 US cdn" "lt3 DE cdn" "lt3 US origin" | sort)
got=$(api_until "$expected")
check "the API's placements are the ones known in advance ($(tr '\n' ';' <<<"$got"))" \
    [ "$got" = "$expected" ]
check "decide.py agrees with them" [ "$want" = "$expected" ]
check "the decisions are logged with the policy and the version" \
    [ "$(grep -c '"policy":"learned","model_version":1,' "$TMP/placer.log")" = 8 ]
check "the model is published in Redis (version 1)" \
    [ "$(R hget vo:model:placement version)" = 1 ]
check "... with its JSON" grep -q '"weights":\[-3,1,0' <<<"$(R hget vo:model:placement json)"

# a model trained by the simulator, version 2
"$WORKER" simulate --videos 3000 --seed 5 --train --out "$TMP/trained.json" --version 2 2>/dev/null
check "simulate --train writes a model" grep -q '"version":2' "$TMP/trained.json"
# no previous hints: decide.py has no hysteresis to play
R del vo:hint:demo vo:hint:lt2 vo:hint:lt3 >/dev/null
check "placer --once with the trained model" run_placer "$TMP/trained.json"
want=$(model_says "$TMP/trained.json")
got=$(api_until "$want")
echo "# trained model: API $(tr '\n' ';' <<<"$got")"
echo "# decide.py:         $(tr '\n' ';' <<<"$want")"
check "the API's placement per pair is the trained model's decision" [ "$got" = "$want" ]
check "Redis has version 2 now" [ "$(R hget vo:model:placement version)" = 2 ]

# a newer model published in Redis (version 9: cdn everywhere, JP too)
w9="12,0,0,0,0,0,0,0,0,0,0,0,0,0,0"
j9="{\"version\":9,\"features\":15,\"p_on\":0.5,\"p_off\":0.3,\"breakeven\":20,\"regions\":\"\",\"preset\":\"external\",\"weights\":[$w9]}"
R hset vo:model:placement version 9 json "$j9" >/dev/null
echo "$j9" > "$TMP/v9.json"
R del vo:hint:demo vo:hint:lt2 vo:hint:lt3 >/dev/null
check "placer --once with version 2 on disk, 9 in Redis" run_placer "$TMP/trained.json"
check "the placer says it took version 9" grep -q "model version 9 from vo:model:placement" "$TMP/placer.err"
want=$(model_says "$TMP/v9.json")
got=$(api_until "$want")
check "every pair is cdn under version 9" [ "$(grep -c ' cdn$' <<<"$got")" = 8 ]
check "decide.py with version 9 agrees" [ "$got" = "$want" ]
check "Redis keeps version 9" [ "$(R hget vo:model:placement version)" = 9 ]

# bad configurations
"$WORKER" placer --redis "127.0.0.1:$rport" --log "$TMP/x.log" --policy learned --once 2>/dev/null
check "policy learned without a model: exit 1" [ $? = 1 ]
echo '{"version":1}' > "$TMP/bad.json"
"$WORKER" placer --redis "127.0.0.1:$rport" --log "$TMP/x.log" --policy learned --model "$TMP/bad.json" --once 2>/dev/null
check "an invalid model file: exit 1" [ $? = 1 ]
"$WORKER" placer --redis "127.0.0.1:$rport" --log "$TMP/x.log" --policy smart --once 2>/dev/null
check "an unknown policy: exit 1" [ $? = 1 ]

finish placer-learned
