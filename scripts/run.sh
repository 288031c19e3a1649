#!/usr/bin/env bash
# run.sh MODULE_SO WORKER VAR WWW: serves var/store on 127.0.0.1:$PORT with
# the module, a transcode worker (transcode-worker serve) that makes
# missing segments just in time, the Redis that holds its locks, the view
# counts, the catalog and the placement hints, the placer that turns
# the counts into hints, the upload server (tus) with the demo page's
# upload form and an ingest worker, in the foreground.  Ctrl-C stops
# everything it started.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
module=$1 worker=$2 var=$3 www=$4
port=${PORT:-8080}
nginx=${NGINX:-/usr/sbin/nginx}
# nginx reads $NGINX itself (sockets inherited on upgrade): not in its env
export -n NGINX 2>/dev/null || true
run=$var/run

# the admin secret (render-conf.sh would make the same file): the upload
# form's location below sends it; the upload server signs with its own
mkdir -p "$var"
for f in admin.secret upload.secret; do
    [ -s "$var/$f" ] || (umask 077; openssl rand -hex 24 > "$var/$f")
done
admin_secret=$(cat "$var/admin.secret")

# the viewer's region from a small MaxMind DB made here (127.0.0.0/24 is
# JP, ::1 KR: tests/region/make-mmdb.pl); in production GeoLite2-Country
# or a CDN's country header (README "vidorigin_geoip_db")
[ -s "$var/geoip.mmdb" ] ||
    perl "$top/tests/region/make-mmdb.pl" "$var/geoip.mmdb"

# the playback API: views counted in Redis, placement hints cached for 5 s;
# "cdn" URLs on localhost, "origin" URLs on 127.0.0.1 (one nginx plays both
# parts here); a video with no hint yet plays from the origin, so the demo
# moves to "cdn" once the placer has seen its views
http_extra="    vidorigin_geoip_db $var/geoip.mmdb;
    vidorigin_redis unix:$run/redis.sock;
    vidorigin_views on;
    vidorigin_hint_cache zone=vidorigin_hints:1m valid=5s;
    upstream vidorigin_upload {
        server unix:$run/upload.sock;
    }"
api="        location /api/v1/videos/ {
            vidorigin_api;
            vidorigin_store $var/store;
            vidorigin_api_cdn_host http://localhost:$port;
            vidorigin_api_origin_host http://127.0.0.1:$port;
            vidorigin_api_default origin;
        }

        # uploads: POST /admin/uploads, /admin/ingest and the tus URLs
        vidorigin_admin_secret $admin_secret;
        include $top/conf/vidorigin-ingest.conf;

        # make run only: the demo page's upload form gets its upload URL
        # here; nginx adds the admin secret, for loopback clients only
        location = /demo/upload {
            allow 127.0.0.1;
            allow ::1;
            deny all;
            proxy_method POST;
            proxy_set_header Authorization \"Bearer $admin_secret\";
            proxy_pass http://127.0.0.1:$port/admin/uploads;
        }"
conf=$(bash "$top/scripts/render-conf.sh" "$var/conf" \
    MODULE="$module" VAR="$var" PORT="$port" STORE="$var/store" WWW="$www" \
    DEVICES=on HTTP_EXTRA="$http_extra" EXTRA="$api")

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "run: 127.0.0.1:$port is already in use (set PORT=...)" >&2
    exit 1
fi

# "lazy": the demo's source with no segment packaged; each is made by the
# worker the first time a player asks for it, then kept
if [ ! "$var/store/lazy/media.json" -nt "$var/fixtures/demo-source.mp4" ]; then
    "$worker" package --store "$var/store" --id lazy --eager none \
        --source "$var/fixtures/demo-source.mp4" --log-level warn
fi

# the store is read by nginx's workers (nobody) and the unix sockets are
# entered by them
chmod 755 "$var" "$run"

"$nginx" -p "$var" -c "$conf" -t -q

base="http://127.0.0.1:$port"
pids=()
stop() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    echo
    echo "run: stopped"
}
trap stop INT TERM EXIT

# wait_for WHAT COMMAND...: up to 5 s for COMMAND to succeed
wait_for() {
    local what=$1
    shift
    for _ in $(seq 1 50); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "run: $what did not start; see $var/log" >&2
    exit 1
}

# Redis: single-flight locks, view counts, catalog, hints, ingest jobs;
# its socket is entered by nginx's workers (nobody:nogroup when run as root)
rm -f "$run/redis.sock"
# appendonly: the ingest jobs (vo:jobs, their state) survive a restart,
# as README "Ingest" asks of the job Redis
mkdir -p "$var/redis"
redis-server --port 0 --unixsocket "$run/redis.sock" --unixsocketperm 770 \
    --save '' --appendonly yes --dir "$var/redis" \
    --logfile "$var/log/redis.log" &
pids+=($!)
wait_for redis-server redis-cli -s "$run/redis.sock" ping
if [ "$(id -u)" = 0 ]; then chgrp nogroup "$run/redis.sock"; fi

# the playback API's catalog fields for the two sample videos
for v in demo lazy; do
    "$worker" catalog set "$v" --redis "unix:$run/redis.sock" \
        --title "vidorigin sample ($v)" --creator vidorigin --language en \
        --description "The sample video make run packages." >/dev/null
done

# placement hints from the view counts, every 10 s (60 s in production)
"$worker" placer --config "$top/conf/placer.conf" \
    --redis "unix:$run/redis.sock" --log "$var/log/placements.log" \
    --interval 10 2>>"$var/log/placer.log" &
pids+=($!)

# uploads (tus) into the store; each finished upload is queued on vo:jobs
"$worker" upload --config "$top/conf/upload.conf" --store "$var/store" \
    --listen "unix:$run/upload.sock" --redis "unix:$run/redis.sock" \
    --secret-file "$var/upload.secret" --public-url "$base/uploads" \
    2>>"$var/log/upload.log" &
pids+=($!)
wait_for "transcode-worker upload" curl -sf --unix-socket "$run/upload.sock" \
    http://upload/healthz

# the ingest fleet, here one worker of two jobs: probes each queued
# source (the video plays at once, just in time), makes the eager
# rendition and publishes the ready event on vo:events
"$worker" ingest --config "$top/conf/ingest.conf" --store "$var/store" \
    --redis "unix:$run/redis.sock" --jobs 2 \
    --metrics "unix:$run/ingest.sock" 2>>"$var/log/ingest.log" &
pids+=($!)
wait_for "transcode-worker ingest" curl -sf --unix-socket "$run/ingest.sock" \
    http://ingest/healthz

"$worker" serve --config "$top/conf/transcode-worker.conf" \
    --store "$var/store" --listen "unix:$run/transcode-worker.sock" \
    --redis "unix:$run/redis.sock" 2>>"$var/log/worker.log" &
pids+=($!)
wait_for transcode-worker curl -sf --unix-socket "$run/transcode-worker.sock" \
    http://worker/healthz

"$nginx" -p "$var" -c "$conf" &
pids+=($!)
wait_for nginx bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"

cat <<MSG

vidorigin is serving $var/store on $base  (Ctrl-C stops it)

  demo page (hls.js, rendition picker)  $base/
  demo page with dash.js                $base/?player=dash
  HLS multivariant (CMAF)               $base/v/demo/master.m3u8
  HLS multivariant (MPEG-TS, legacy)    $base/v/demo/master-ts.m3u8
  DASH                                  $base/v/demo/manifest.mpd
  playback API (counts a view; "cdn" URLs on localhost, "origin" on 127.0.0.1)
                                        $base/api/v1/videos/demo

  just in time: "lazy" is the same video with no segment in the store;
  the worker makes each one the first time it is asked for
  demo page                             $base/?id=lazy
  HLS multivariant                      $base/v/lazy/master.m3u8
  worker metrics    curl -s --unix-socket $run/transcode-worker.sock http://w/metrics
  start over        rm -r $var/store/lazy/*/

  upload a video    the demo page's "Upload a video" form (tus-js-client), or
                    curl -s -X POST -H "Authorization: Bearer \$(cat $var/admin.secret)" \\
                        $base/admin/uploads     (then tus to its upload_url)
  ingest metrics    curl -s --unix-socket $run/ingest.sock http://i/metrics
  events            redis-cli -s $run/redis.sock xrange vo:events - +
  ingest a file already in the store (KEY under $var/store)
                    curl -s -X POST -H "Authorization: Bearer \$(cat $var/admin.secret)" \\
                        "$base/admin/ingest?source=KEY"

  admin (secret in $var/admin.secret)
  status            curl -s -H "Authorization: Bearer \$(cat $var/admin.secret)" $base/admin/status
  purge a video     curl -s -X POST -H "Authorization: Bearer \$(cat $var/admin.secret)" \\
                        "$base/admin/purge?prefix=/v/demo/"

  try:  curl -sI $base/v/demo/master.m3u8
        ffprobe $base/v/demo/master.m3u8
  logs: $var/log/error.log  $var/log/access.log  $var/log/worker.log
        $var/log/upload.log  $var/log/ingest.log
        $var/log/placements.log (one JSON line per placement decision)

MSG

# until one of them stops (or Ctrl-C)
wait -n "${pids[@]}"
