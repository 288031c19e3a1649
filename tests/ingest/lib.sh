# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# Shared by the tests/ingest suites, on top of tests/lib/worker.sh and
# tests/lib/nginx.sh (source tests/s3/lib.sh first for an s3 store):
# a source made with ffmpeg ($SRC, $SIZE, $SUM), redis-server ($RSOCK,
# R), "transcode-worker upload" (start_upload; the store from
# $STORE_ARGS), nginx with the module and the shipped
# conf/vidorigin-ingest.conf on $BASE, and the helpers of the checks.
# The suite sets NAME and STORE_ARGS (and STORE for the local checks)
# before it sources this; INGEST_HTTP_EXTRA and INGEST_SERVER_EXTRA, when
# set, go into nginx's http and server blocks, REDIS_EXTRA to
# redis-server's command line.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/worker.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lib/nginx.sh"

NODE_MODULES=${NODE_MODULES:-$ROOT/build/node/node_modules}
export NODE_MODULES

for t in "$NGINX" redis-server redis-cli curl node ffmpeg jq openssl; do
    command -v "$t" >/dev/null 2>&1 || bail $NAME "$t is installed"
done
[ -f "$MODULE_SO" ] || bail $NAME "module built (make module)"
[ -f "$NODE_MODULES/tus-js-client/package.json" ] \
    || bail $NAME "tus-js-client in $NODE_MODULES (make www)"

SECRET=0123456789abcdef-upload
ADMIN=0123456789abcdef-admin
printf '%s\n' "$SECRET" > "$TMP/upload.secret"

# the source: 8 s of 640x360 video and a tone, SOURCE_MBPS Mbit/s of
# video, constant (filler data): 3, about 3 MB
SRC=$TMP/source.mp4
mbps=${SOURCE_MBPS:-3}
$FF -f lavfi -i testsrc2=size=640x360:rate=30:duration=8 \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=8" \
    -c:v libx264 -preset ultrafast -b:v "${mbps}M" -minrate "${mbps}M" \
    -maxrate "${mbps}M" -bufsize "${mbps}M" -x264-params nal-hrd=cbr \
    -threads 2 -pix_fmt yuv420p -c:a aac -b:a 96k "$SRC" \
    || bail $NAME "ffmpeg made the source"
SIZE=$(stat -c %s "$SRC")
SUM=$(sha256sum < "$SRC" | cut -d' ' -f1)
CHUNK=262144

start_redis redis || bail $NAME "redis-server started"
RSOCK=$TMP/redis.sock
R() { redis-cli -s "$RSOCK" "$@"; }

PORT=$(free_port)
BASE=http://127.0.0.1:$PORT

# start_upload NAME ARGS...: the upload server on $TMP/NAME.sock; sets
# UP_PID
start_upload() {
    local name=$1 i
    shift
    # shellcheck disable=SC2086
    "$WORKER" upload --listen "unix:$TMP/$name.sock" $STORE_ARGS \
        --redis "unix:$RSOCK" --secret-file "$TMP/upload.secret" \
        --public-url "$BASE/uploads" --max-size 16m "$@" \
        2>>"$TMP/$name.log" &
    UP_PID=$!
    PIDS="$PIDS $UP_PID"
    for i in $(seq 1 100); do
        curl -sf --max-time 2 --unix-socket "$TMP/$name.sock" \
            http://u/healthz >/dev/null 2>&1 && return 0
        kill -0 "$UP_PID" 2>/dev/null || break
        sleep 0.05
    done
    sed 's/^/#   /' "$TMP/$name.log" >&2
    return 1
}

start_upload upload || bail $NAME "upload server started"

mkdir -p "$TMP/nginx/logs"
cat > "$TMP/nginx/nginx.conf" <<CONF
load_module $MODULE_SO;
worker_processes 1;
error_log $TMP/nginx/logs/error.log info;
pid $TMP/nginx/nginx.pid;
daemon off;
events { worker_connections 256; }
http {
    access_log $TMP/nginx/logs/access.log;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    upstream vidorigin_upload {
        server unix:$TMP/upload.sock;
    }
    ${INGEST_HTTP_EXTRA:-}
    server {
        listen 127.0.0.1:$PORT;
        vidorigin_admin_secret $ADMIN;
        include $ROOT/conf/vidorigin-ingest.conf;
        ${INGEST_SERVER_EXTRA:-}
    }
}
CONF
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" \
    >"$TMP/nginx/out.log" 2>&1 &
NGX=$!
stop_ngx() { stop_nginx_pid "$NGX"; }
on_exit stop_ngx
wait_for 100 curl -s -o /dev/null "$BASE/" \
    || bail $NAME "nginx started: $(cat "$TMP/nginx/out.log")"

# status ARGS...: the status of one curl request
status() {
    curl -s -o "$TMP/body" -D "$TMP/hdrs" -w '%{http_code}' --max-time 30 \
        "$@"
}
hdr() {
    tr -d '\r' < "$TMP/hdrs" | awk -v n="$1" \
        'tolower($1) == tolower(n) ":" { print $2 }'
}
TUS=(-H "Tus-Resumable: 1.0.0")

# new_upload [JSON]: POST /admin/uploads with the Bearer secret; sets ID,
# URL (the creation URL) and EXP
new_upload() {
    local code
    code=$(status -X POST -H "Authorization: Bearer $ADMIN" \
        --data-binary "${1:-}" "$BASE/admin/uploads")
    [ "$code" = 201 ] || { echo "# POST /admin/uploads: $code" >&2; return 1; }
    ID=$(jq -r .id "$TMP/body")
    URL=$(jq -r .upload_url "$TMP/body")
    EXP=$(jq -r .expires "$TMP/body")
}

# sign C|U ID EXP: a URL signed with the upload secret, as the server
# signs them (vo_sign of "c:ID" or "u:ID")
sign() {
    local sig
    sig=$(printf 'vidorigin-v1\n%s:%s\n%s' "$1" "$2" "$3" \
        | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
    printf '%s/uploads/%s?exp=%s&sig=%s\n' "$BASE" "$2" "$3" "$sig"
}

stored_ok() {
    [ -f "$STORE/$1/source.bin" ] \
        && [ "$(sha256sum < "$STORE/$1/source.bin" | cut -d' ' -f1)" = "$SUM" ]
}
job_ok() {
    R xrange vo:jobs - + | tr '\n' ' ' \
        | grep -q "type probe id $1 source $1/source.bin"
}
field() { R hget "vo:video:$1" "$2"; }
