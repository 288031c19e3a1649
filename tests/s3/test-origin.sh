#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# nginx serving playback from an S3 store (conf/vidorigin-s3-*.conf): a
# real S3 peer on loopback (s3rver, SigV4 signatures checked), the module
# signing every request, the origin cache in front of it.  Objects and
# headers as with a local store; cache misses then hits; a wrong secret
# refused by the peer (502 here); S3 hung, then dead, under a bounded
# load: cached answers keep coming (stale), uncached ones fail fast with
# 504 / 502 within the configured timeout, nothing hangs; S3 back: fresh
# fetches resume, without reloading nginx.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/nginx.sh"
STORE=${STORE:-$ROOT/var/store}
VIDEO=demo
S3_TIMEOUT=2

for f in "$MODULE_SO" "$STORE/$VIDEO/media.json"; do
    [ -e "$f" ] || { echo "# $f missing (make module sample)" >&2; exit 1; }
done

start_peer peer || exit 1
PORT0=$PEER_PORT

# what the module reads: the description, one rendition, the audio
keys="$VIDEO/media.json $VIDEO/720p/init.mp4 $VIDEO/aac/init.mp4"
for n in 0 1 2 3 4 5 6 7 8 9; do keys="$keys $VIDEO/720p/$n.m4s"; done
up=0
for k in $keys; do
    "$WORKER" s3 put --endpoint "http://127.0.0.1:$PEER_PORT" --bucket media \
        --path-style "$k" --in "$STORE/$k" 2>>"$TMP/put.log" && up=$((up + 1))
done
check "$up objects uploaded to the peer" [ "$up" -eq 13 ]

# start_origin NAME [NAME=VALUE...]: nginx with the S3 locations, on a
# free port; sets NGX_PORT and NGX_PID, prefix $TMP/NAME
start_origin() {
    local name=$1 var=$TMP/$1 conf i port
    shift
    port=$(free_port)
    conf=$(bash "$ROOT/scripts/render-conf.sh" "$var/conf" \
        MODULE="$MODULE_SO" VAR="$var" PORT="$port" STORE=s3 \
        WWW="$TMP/www" WORKERS=2 S3_ENDPOINT="127.0.0.1:$PORT0" \
        S3_BUCKET=media S3_TIMEOUT=${S3_TIMEOUT}s SEGMENT_VALID=2s \
        UPSTREAM="server 127.0.0.1:1;" \
        HTTP_EXTRA="vidorigin_tag_header Cache-Tag video-;" "$@") || return 1
    mkdir -p "$TMP/www"
    # nginx's workers (nobody) enter it
    chmod 755 "$TMP"
    chmod -R a+rX "$var"
    "$NGINX" -p "$var" -c "$conf" -e "$var/log/error.log" \
        >"$var/nginx.out" 2>&1 &
    NGX_PID=$!
    PIDS="$PIDS $NGX_PID"
    for i in $(seq 1 100); do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
                "http://127.0.0.1:$port/v/")" != 000 ]; then
            NGX_PORT=$port
            return 0
        fi
        kill -0 "$NGX_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "# nginx $name did not start" >&2
    tail -5 "$var/nginx.out" "$var/log/error.log" >&2
    return 1
}

start_origin origin || { fail "nginx starts with an S3 store"; finish origin-s3; }
ok "nginx starts with an S3 store"
B=http://127.0.0.1:$NGX_PORT/v/$VIDEO

# get PATH OUT [curl args]: prints the status; headers in OUT.h
get() {
    local path=$1 out=$2
    shift 2
    curl -s --max-time 10 -D "$out.h" -o "$out" -w '%{http_code}' "$@" "$B/$path"
}

check "master.m3u8 from the S3 description" \
    [ "$(get master.m3u8 "$TMP/m")" = 200 ]
check "master.m3u8 lists 720p" grep -q '^720p/' "$TMP/m"
check "manifests carry the video's tag" \
    [ "$(header "$TMP/m.h" Cache-Tag)" = video-demo ]
check "manifest.mpd from the S3 description" \
    [ "$(get manifest.mpd "$TMP/d")" = 200 ]

check "720p/3.m4s: first request 200" [ "$(get 720p/3.m4s "$TMP/s")" = 200 ]
check "720p/3.m4s: the stored bytes" cmp -s "$TMP/s" "$STORE/$VIDEO/720p/3.m4s"
check "720p/3.m4s: a cache miss" [ "$(header "$TMP/s.h" X-Vidorigin-Cache)" = MISS ]
check "720p/3.m4s: our Content-Type, not S3's" \
    [ "$(header "$TMP/s.h" Content-Type)" = video/iso.segment ]
check "720p/3.m4s: segment Cache-Control" \
    grep -qi '^Cache-Control: public, max-age=31536000, immutable, stale-if-error=86400' "$TMP/s.h"
check "720p/3.m4s: tag header on a fetched answer" \
    [ "$(header "$TMP/s.h" Cache-Tag)" = video-demo ]
check "no S3 header reaches the viewer" \
    bash -c "! grep -qi '^x-amz-' '$TMP/s.h'"
check "720p/3.m4s: second request 200" [ "$(get 720p/3.m4s "$TMP/s2")" = 200 ]
check "720p/3.m4s: a cache hit" [ "$(header "$TMP/s2.h" X-Vidorigin-Cache)" = HIT ]
check "720p/3.m4s: same bytes from the cache" cmp -s "$TMP/s2" "$STORE/$VIDEO/720p/3.m4s"
check "init.mp4: video/mp4" \
    [ "$(get 720p/init.mp4 "$TMP/i")/$(header "$TMP/i.h" Content-Type)" = 200/video/mp4 ]
check "aac/init.mp4: audio/mp4" \
    [ "$(get aac/init.mp4 "$TMP/a")/$(header "$TMP/a.h" Content-Type)" = 200/audio/mp4 ]
check "a range of a cached segment: 206" \
    [ "$(get 720p/3.m4s "$TMP/r" -r 100-199)/$(stat -c %s "$TMP/r")" = 206/100 ]
etag=$(header "$TMP/s2.h" ETag)
check "If-None-Match of a cached segment: 304" \
    [ "$(get 720p/3.m4s "$TMP/n" -H "If-None-Match: $etag")" = 304 ]
check "HEAD of a segment: 200 with its length" \
    [ "$(get 720p/4.m4s "$TMP/h" -I)/$(header "$TMP/h.h" Content-Length)" = \
      "200/$(stat -c %s "$STORE/$VIDEO/720p/4.m4s")" ]
check "an unknown video: 404" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NGX_PORT/v/nosuch/master.m3u8")" = 404 ]
check "media.json is not a playback URL: 404" [ "$(get media.json "$TMP/j")" = 404 ]
check "a segment past the end: 404" [ "$(get 720p/999.m4s "$TMP/e")" = 404 ]

# --- a wrong secret: the peer refuses the signature ---------------------
AWS_SECRET_ACCESS_KEY=wrong start_origin wrong \
    || { fail "nginx starts with a wrong secret"; finish origin-s3; }
W=http://127.0.0.1:$NGX_PORT/v/$VIDEO
check "wrong secret: a segment is 502, not S3's 403" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$W/720p/3.m4s")" = 502 ]
check "wrong secret: a manifest is 502" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$W/master.m3u8")" = 502 ]
check "wrong secret: the store's refusal is logged" \
    grep -q 'media description of "demo" not fetched from the store: status 403' \
    "$TMP/wrong/log/error.log"
kill -QUIT "$NGX_PID" 2>/dev/null

# --- S3 unavailable under a bounded load --------------------------------
# cached: 0-3 (3 and 4 above, 0-2 now); uncached: 5-9
for n in 0 1 2; do get 720p/$n.m4s "$TMP/w$n" >/dev/null; done
sleep 2.5      # the cached entries are now past their 2 s validity

# load SECONDS LABEL: 4 clients, each looping over cached and uncached
# paths for SECONDS (at most 200 requests each); one line per request:
# "path status seconds cache-header" in $TMP/LABEL.*
load() {
    local secs=$1 label=$2 c pids=""
    for c in 1 2 3 4; do
        (
            end=$(( $(date +%s) + secs ))
            i=0
            while [ "$(date +%s)" -lt "$end" ] && [ $i -lt 200 ]; do
                for p in 720p/1.m4s master.m3u8 720p/$((5 + (i + c) % 5)).m4s 720p/2.m4s; do
                    curl -s -o /dev/null --max-time 15 \
                        -w "$p %{http_code} %{time_total} " \
                        -D "$TMP/$label.$c.h" "$B/$p"
                    header "$TMP/$label.$c.h" X-Vidorigin-Cache
                    echo
                done
                i=$((i + 1))
            done > "$TMP/$label.$c"
        ) &
        pids="$pids $!"
    done
    wait $pids
    cat "$TMP/$label".[1-4] > "$TMP/$label"
}

# bad LABEL AWK-CONDITION: the requests of load LABEL that match, shown
# (at most 5), and a non-zero status if there is any
bad() {
    awk "$2 { print \"#   \" \$0; n++ } END { exit n > 0 }" "$TMP/$1" | head -5 >&2
    ! awk "$2 { n++ } END { exit n == 0 }" "$TMP/$1"
}

# 1. hung: the peer stops answering (its connections stay open)
kill -STOP "$PEER_PID"
load 8 hung
kill -CONT "$PEER_PID"
total=$(wc -l < "$TMP/hung")
check "S3 hung: the load ran ($total requests, all answered)" \
    [ "$total" -ge 20 ]
check "S3 hung: every cached segment answered 200" \
    bad hung '$1 ~ /720p\/[12]\.m4s/ && $2 != 200'
check "S3 hung: cached segments said STALE" \
    grep -q '^720p/[12].m4s 200 [0-9.]* STALE' "$TMP/hung"
check "S3 hung: every manifest answered 200" \
    bad hung '$1 == "master.m3u8" && $2 != 200'
check "S3 hung: uncached segments 504" \
    awk '$1 ~ /720p\/[5-9]\.m4s/ && $2 != 504 && $2 != 502 { exit 1 } \
         $1 ~ /720p\/[5-9]\.m4s/ { n++ } END { exit n == 0 }' "$TMP/hung"
# a request can wait for one S3 timeout (connect or read), or two when a
# cache lock holder timed out first; never unbounded
limit=$(( 2 * S3_TIMEOUT + 1 ))
check "S3 hung: nothing took more than ${limit}s" \
    awk -v l="$limit" '$3 > l { exit 1 }' "$TMP/hung"
check "S3 hung: cached answers were fast (< 0.5 s)" \
    awk '$1 ~ /720p\/[12]\.m4s/ && $3 > 0.5 { exit 1 }' "$TMP/hung"

check "S3 back: an uncached segment is fetched" \
    [ "$(get 720p/5.m4s "$TMP/b5")" = 200 ]
check "S3 back: the fetched bytes" cmp -s "$TMP/b5" "$STORE/$VIDEO/720p/5.m4s"

# 2. dead: connections refused
kill -TERM "$PEER_PID"
wait "$PEER_PID" 2>/dev/null
sleep 2.5
load 4 dead
check "S3 dead: every cached segment answered 200" \
    bad dead '$1 ~ /720p\/[12]\.m4s/ && $2 != 200'
check "S3 dead: uncached segments 502 at once (< 1 s)" \
    awk '$1 ~ /720p\/[6-9]\.m4s/ && ($2 != 502 || $3 > 1) { exit 1 } \
         $1 ~ /720p\/[6-9]\.m4s/ { n++ } END { exit n == 0 }' "$TMP/dead"
check "S3 dead: manifests answered 200 from the cached description" \
    bad dead '$1 == "master.m3u8" && $2 != 200'

start_peer peer --port "$PORT0" || { fail "the peer restarts"; finish origin-s3; }
check "S3 back on its port: uncached segment 200, no reload" \
    [ "$(get 720p/6.m4s "$TMP/b6")/$(header "$TMP/b6.h" X-Vidorigin-Cache)" = 200/MISS ]
# the first request after S3's return still gets the stale copy and
# updates it in the background; the copy is fresh again right after
get 720p/1.m4s "$TMP/u1" >/dev/null
for i in $(seq 1 20); do
    get 720p/1.m4s "$TMP/u2" >/dev/null
    [ "$(header "$TMP/u2.h" X-Vidorigin-Cache)" = HIT ] && break
    sleep 0.1
done
check "S3 back: a stale entry is fetched again" \
    [ "$(header "$TMP/u2.h" X-Vidorigin-Cache)" = HIT ]
check "no worker crashed" bash -c "! grep -q 'exited on signal' '$TMP/origin/log/error.log'"

# --- the playback API with the S3 store: the description is fetched ----
# before the API handler looks for it, as for playback (was: found only
# when a playback request had just put it in the shared zone, else 502)
kill -QUIT "$NGX_PID" 2>/dev/null
start_origin api EXTRA="        location /api/v1/videos/ {
            vidorigin_api;
            vidorigin_s3_pass @vidorigin_s3 @vidorigin_s3_media;
            vidorigin_api_cdn_host https://cdn.example.com;
            vidorigin_api_origin_host https://origin.example.com;
        }" || { fail "nginx starts with the API on S3"; finish origin-s3; }
A=http://127.0.0.1:$NGX_PORT/api/v1/videos
code=$(curl -s -o "$TMP/api.json" -w '%{http_code}' --max-time 10 "$A/$VIDEO")
check "API on S3, nothing cached yet: 200 ($code)" [ "$code" = 200 ]
check "API on S3: the description's renditions" \
    bash -c "jq -e '.ready and (.renditions | length) > 0' '$TMP/api.json' >/dev/null"
check "API on S3: an unknown video is 404" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$A/nosuch")" = 404 ]
check "API on S3: not a video id is 404" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$A/a/b")" = 404 ]
check "API on S3: the description's own URL is no API answer" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$A/$VIDEO/media.json")" = 404 ]
check "no [alert] or crash" bash -c "! grep -qE '\[alert\]|exited on signal' '$TMP/api/log/error.log'"

finish origin-s3
