#!/usr/bin/env bash
# tests/placement/test-loop.sh: the whole placement loop, for real.
#
# nginx (the module: view counting, MaxMind region through realip, the
# playback API, signed origin-direct URLs) + redis-server + the worker's
# placer, on loopback.  demo is played many times from JP (127.0.0.x in
# the DB fixture) and a few times from US (127.0.1.x); after one placer
# run the API gives JP viewers the CDN host and US viewers a signed URL on
# the origin (this nginx), which ffprobe and ffmpeg play to the end of a
# segment; every origin-direct answer says CDN-Cache-Control: no-store; a
# tampered, foreign or expired signature gets 403.
#
# Needs STORE (with demo packaged); MODULE_SO, WORKER, NGINX as in
# tests/lib.

. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/../lib/nginx.sh"

: "${STORE:?}"
STORE=$(cd "$STORE" && pwd)

# nginx (daemonized) asked to stop before the processes are killed
stop_nginx() {
    [ -f "$TMP/nginx/nginx.pid" ] \
        && stop_nginx_pid "$(cat "$TMP/nginx/nginx.pid")"
}

on_exit stop_nginx

[ -f "$STORE/demo/media.json" ] || { echo "Bail out! demo not in $STORE"; exit 1; }

# --- Redis, the region fixture, nginx

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
    --logfile "$TMP/redis.log" &
PIDS="$PIDS $!"
for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.05; done
R() { redis-cli -p "$rport" "$@"; }

perl "$ROOT/tests/region/make-mmdb.pl" "$TMP/geo.mmdb" ||
    { echo "Bail out! make-mmdb.pl failed"; exit 1; }

secret=loop-direct-secret-0123456789
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
    vidorigin_cdn_secret X-Origin-Verify loop-cdn-secret-0123456789;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    server {
        listen 127.0.0.1:$port;
        vidorigin_store $STORE;
        vidorigin_direct_secret $secret;
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
cdn=(-H "X-Origin-Verify: loop-cdn-secret-0123456789")

# --- plays: the CDN asks for manifests on behalf of JP (30) and US (3)

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
bad=0
for i in $(seq 30); do
    [ "$(code "${cdn[@]}" -H "X-Forwarded-For: 127.0.0.$((i % 200 + 1))" \
          "$base/v/demo/master.m3u8")" = 200 ] || bad=$((bad + 1))
done
for i in 1 2 3; do
    [ "$(code "${cdn[@]}" -H "X-Forwarded-For: 127.0.1.$i" \
          "$base/v/demo/manifest.mpd")" = 200 ] || bad=$((bad + 1))
done
check "33 playback starts through the CDN answered 200" [ "$bad" = 0 ]

hour=$(date -u +%Y%m%d%H)
jp= us=
for _ in $(seq 40); do
    jp=$(R hget "vo:views:demo:$hour" JP) us=$(R hget "vo:views:demo:$hour" US)
    [ "$jp" = 30 ] && [ "$us" = 3 ] && break
    sleep 0.1
done
check "views counted per region in Redis (JP $jp, US $us)" [ "$jp" = 30 ] && [ "$us" = 3 ]

# --- one placer run

cat > "$TMP/placer.conf" <<EOF
redis 127.0.0.1:$rport
log $TMP/placer.log
threshold 20
EOF
check "placer --once" "$WORKER" placer --config "$TMP/placer.conf" --once
check "JP's hint says cdn" grep -q '^cdn ' <<<"$(R hget vo:hint:demo JP)"
check "US's hint says origin" grep -q '^origin ' <<<"$(R hget vo:hint:demo US)"
check "the decisions are logged with their inputs" \
    [ "$(grep -c '"video":"demo"' "$TMP/placer.log")" -ge 2 ]

# --- the playback API, per region

api() { curl -s -H "X-Forwarded-For: $1" "$base/api/v1/videos/demo"; }
jp_json=$(api 127.0.0.77) us_json=$(api 127.0.1.77)
jp_hls=$(jq -r .playback.hls <<<"$jp_json") us_hls=$(jq -r .playback.hls <<<"$us_json")
check "JP viewers get the CDN host ($jp_hls)" \
    [ "$(jq -r .placement <<<"$jp_json")" = cdn ] && [[ $jp_hls == https://cdn.example.com/v/demo/master.*.m3u8 ]]
check "US viewers get a signed origin URL ($us_hls)" \
    [ "$(jq -r .placement <<<"$us_json")" = origin ] &&
    [[ $us_hls =~ ^$base/v/demo/master\.[a-z]+\.m3u8\?exp=[0-9]+\&sig=[0-9a-f]{64}$ ]]

# --- the signed URL plays, straight from the origin

probe=$(ffprobe -v error -show_entries stream=codec_type -of csv=p=0 "$us_hls" 2>&1)
check "ffprobe reads the signed master playlist (streams: $(echo $probe))" \
    grep -q video <<<"$probe"
check "ffmpeg plays 8 s of it with no error" \
    ffmpeg -v error -xerror -t 8 -i "$us_hls" -f null - 
media=$(curl -s "$us_hls" | grep -v '^#' | head -1)
query=${us_hls#*\?}
seg=$base/v/demo/${media%%\?*}
seg=${seg%/index.m3u8}/0.m4s
hdrs=$(curl -s -D - -o /dev/null "$seg?$query")
check "an origin-direct segment: 200 with CDN-Cache-Control: no-store" \
    grep -qi '^HTTP/1.1 200' <<<"$hdrs" && grep -qi '^cdn-cache-control: no-store' <<<"$hdrs"
hdrs=$(curl -s -D - -o /dev/null "$us_hls")
check "the origin-direct manifest: CDN-Cache-Control: no-store" \
    grep -qi '^cdn-cache-control: no-store' <<<"$hdrs"
# the player's requests in the access log: all 200 or 206
bad=$(awk '$7 ~ /[?&]sig=/ && $9 != 200 && $9 != 206' "$TMP/nginx/logs/access.log" | wc -l)
check "every signed request the players made answered 200/206 ($bad not)" [ "$bad" = 0 ]

# --- wrong signatures

exp=${query#exp=}; exp=${exp%%&*}; sig=${query#*sig=}
flip=$(tr 0123456789abcdef 123456789abcdef0 <<<"${sig:0:1}")${sig:1}
check "a tampered signature: 403" [ "$(code "$base/v/demo/master.m3u8?exp=$exp&sig=$flip")" = 403 ]
check "another expiry with the same signature: 403" \
    [ "$(code "$base/v/demo/master.m3u8?exp=$((exp + 1))&sig=$sig")" = 403 ]
check "another video's URL with this token: 403" \
    [ "$(code "$base/v/lazy/master.m3u8?exp=$exp&sig=$sig")" = 403 ]
old=$(( $(date +%s) - 5 ))
oldsig=$(printf 'vidorigin-v1\ndemo\n%s' "$old" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
check "an expired signature (right key): 403" \
    [ "$(code "$base/v/demo/master.m3u8?exp=$old&sig=$oldsig")" = 403 ]
good=$(( $(date +%s) + 60 ))
goodsig=$(printf 'vidorigin-v1\ndemo\n%s' "$good" | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
check "the same, unexpired: 200" \
    [ "$(code "$base/v/demo/master.m3u8?exp=$good&sig=$goodsig")" = 200 ]
check "unsigned, not through the CDN: 403" [ "$(code "$base/v/demo/master.m3u8")" = 403 ]
check "no error in nginx's log" bash -c "! grep -E '\[(error|crit|alert|emerg)\]' '$TMP/nginx/logs/error.log'"

finish placement-loop
