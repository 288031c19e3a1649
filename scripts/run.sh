#!/usr/bin/env bash
# run.sh MODULE_SO WORKER VAR WWW: serves var/store on 127.0.0.1:$PORT with
# the module, in the foreground.  Ctrl-C stops everything it started.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
module=$1 worker=$2 var=$3 www=$4
port=${PORT:-8080}
nginx=${NGINX:-/usr/sbin/nginx}

conf=$(bash "$top/scripts/render-conf.sh" "$var/conf" \
    MODULE="$module" VAR="$var" PORT="$port" STORE="$var/store" WWW="$www")

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "run: 127.0.0.1:$port is already in use (set PORT=...)" >&2
    exit 1
fi

"$nginx" -p "$var" -c "$conf" -t -q

pids=()
stop() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    echo
    echo "run: stopped"
}
trap stop INT TERM EXIT

"$nginx" -p "$var" -c "$conf" &
pids+=($!)

for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

base="http://127.0.0.1:$port"
cat <<MSG

vidorigin is serving $var/store on $base  (Ctrl-C stops it)

  demo page (hls.js, rendition picker)  $base/
  demo page with dash.js                $base/?player=dash
  HLS multivariant (CMAF)               $base/v/demo/master.m3u8
  HLS multivariant (MPEG-TS, legacy)    $base/v/demo/master-ts.m3u8
  DASH                                  $base/v/demo/manifest.mpd

  try:  curl -sI $base/v/demo/master.m3u8
        ffprobe $base/v/demo/master.m3u8
  logs: $var/log/error.log  $var/log/access.log

MSG

wait "${pids[0]}"
