#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The shared-memory cache of media descriptions picks up a changed
# media.json within `valid`, forgets a removed one, keeps answering when
# the zone is far smaller than the catalogue (LRU eviction), and is shared
# by all workers.  MODULE_SO, NGINX from the environment
# (tests/lib/nginx.sh).

. "$(dirname "$0")/../lib/nginx.sh"

dir=$TMP
port=$(free_port)

describe() {  # describe ID BANDWIDTH
    mkdir -p "$dir/store/$1"
    printf '{"version":1,"id":"%s","source":"%s/source.mp4","duration_ms":4000,"segment_ms":2000,"segment_count":2,"fps_num":25,"fps_den":1,"video_timescale":90000,"encoder":{"preset":"veryfast","threads":2},"formats":["fmp4"],"video":[{"name":"360p","codec":"avc1.64001e","width":640,"height":360,"bandwidth":%s,"average_bandwidth":700000,"maxrate":800000,"crf":23}],"audio":[]}' \
        "$1" "$1" "$2" > "$dir/store/$1/media.json.tmp"
    mv "$dir/store/$1/media.json.tmp" "$dir/store/$1/media.json"
}

mkdir -p "$dir/logs"
cat > "$dir/nginx.conf" <<CONF
load_module $MODULE_SO;
daemon off;
worker_processes 2;
error_log $dir/logs/error.log info;
pid $dir/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    vidorigin_media_cache zone=media:32k valid=3s;
    server {
        listen 127.0.0.1:$port;
        location /v/ { vidorigin; vidorigin_store $dir/store; }
    }
}
CONF

describe one 900000
"$NGINX" -p "$dir" -c "$dir/nginx.conf" &
PIDS="$PIDS $!"
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done

get() { curl -s "http://127.0.0.1:$port/v/$1/master.m3u8"; }
code() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v/$1/master.m3u8"; }

get one | grep -q 'BANDWIDTH=900000,' && ok "first answer from media.json" \
    || fail "first answer from media.json"

# ngx_time() has whole seconds: an entry is trusted for between valid - 1
# and valid seconds, so valid=3s leaves two for the next request
describe one 1234567
get one | grep -q 'BANDWIDTH=900000,' && ok "cached within valid" \
    || fail "cached within valid (expected the old bandwidth)"
sleep 3.2
get one | grep -q 'BANDWIDTH=1234567,' && ok "changed media.json seen after valid" \
    || fail "changed media.json seen after valid"

# every worker sees the change (8 new connections land on both workers)
seen=0
for _ in $(seq 8); do get one | grep -q 'BANDWIDTH=1234567,' && seen=$((seen + 1)); done
[ "$seen" -eq 8 ] && ok "all workers share the refreshed entry" \
    || fail "all workers share the refreshed entry ($seen/8)"

rm "$dir/store/one/media.json"
sleep 3.2
[ "$(code one)" = 404 ] && ok "removed media.json: 404 after valid" \
    || fail "removed media.json: 404 after valid"

# a 32k zone holds a handful of entries; 60 videos all keep answering
for i in $(seq 60); do describe "v$i" $((800000 + i)); done
okc=0
for round in 1 2; do
    for i in $(seq 60); do
        body=$(get "v$i")
        grep -q "BANDWIDTH=$((800000 + i))," <<<"$body" && okc=$((okc + 1))
    done
done
[ "$okc" -eq 120 ] && ok "LRU eviction: 60 videos through a 32k zone" \
    || fail "LRU eviction: 60 videos through a 32k zone ($okc/120)"

grep -E '\[(alert|crit|emerg)\]' "$dir/logs/error.log" && fail "no alert in error.log" \
    || ok "no alert in error.log"

finish media-cache
