#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# What S3 must not cost or show, through the shipped S3 configuration
# (conf/vidorigin-s3-*.conf) and a stand-in S3 whose answers the test
# chooses (a server of the same nginx, its access log counting requests):
#   - an origin-direct request without a valid signature fetches nothing;
#   - a video S3 does not have costs one GET per 5 s, not one per request;
#   - 403 AccessDenied (a bucket that does not grant ListBucket) is a
#     missing key: a 404 for a description, just in time for a segment;
#   - S3's x-amz-meta-* and x-amz-expiration headers, its redirects
#     (Location) and its error bodies never reach the viewer;
#   - the sample checks S3's certificate (proxy_ssl_verify on, a CA).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/nginx.sh"
STORE=$(abs "${STORE:-$ROOT/var/store}")
SECRET=0123456789abcdef-direct
CDN_SECRET=0123456789abcdef-cdn

[ -e "$STORE/demo/media.json" ] || { echo "# no sample video (make sample)" >&2; exit 1; }

# the stand-in's bucket "media": demo as packaged, and three videos made
# of its description: moved (S3 redirects its segments), broken (S3
# fails them), half (S3 says AccessDenied for them: not uploaded yet)
B=$TMP/bucket
mkdir -p "$B"
ln -s "$STORE/demo" "$B/demo"
for v in moved broken half; do
    mkdir -p "$B/$v"
    sed "s/\"demo\"/\"$v\"/; s/\"demo\\//\"$v\\//" "$STORE/demo/media.json" \
        > "$B/$v/media.json"
done
chmod -R a+rX "$B"

port=$(free_port)
s3port=$(free_port)
V=$TMP/origin
s3log=$V/log/s3.log

http_extra="vidorigin_cdn_secret X-Origin-Verify $CDN_SECRET;
    log_format vo_s3 '\$request_method \$uri \$status';
    server {
        listen 127.0.0.1:$s3port;
        access_log $s3log vo_s3;
        log_not_found off;
        location /media/ {
            alias $B/;
            add_header x-amz-meta-owner alice;
            add_header x-amz-expiration 'expiry-date=\"Fri, 01 Jan 2027 00:00:00 GMT\"';
            add_header x-amz-version-id v1;
        }
        location /media/denied/ {
            return 403 '<Error><Code>AccessDenied</Code></Error>';
        }
        location /media/half/720p/ {
            return 403 '<Error><Code>AccessDenied</Code></Error>';
        }
        location /media/moved/720p/ {
            return 301 https://s3.elsewhere.example/media/moved/;
        }
        location /media/broken/720p/ {
            return 503 '<Error><Code>SlowDown</Code><RequestId>SECRET-REQUEST-ID</RequestId></Error>';
        }
        # the just-in-time workers
        location /v/ {
            return 200 'made just in time';
        }
    }"

conf=$(bash "$ROOT/scripts/render-conf.sh" "$V/conf" \
    MODULE="$MODULE_SO" VAR="$V" PORT="$port" STORE=s3 WWW="$TMP/www" \
    WORKERS=1 S3_ENDPOINT="127.0.0.1:$s3port" S3_BUCKET=media \
    S3_TIMEOUT=2s UPSTREAM="server 127.0.0.1:$s3port;" \
    HTTP_EXTRA="$http_extra" EXTRA="vidorigin_direct_secret $SECRET;") \
    || { fail "the configuration renders"; finish s3-origin-guard; }
mkdir -p "$TMP/www"
chmod -R a+rX "$V"

check "the sample checks S3's certificate" \
    grep -q '^proxy_ssl_verify on;' "$V/conf/vidorigin-s3-request.conf"
check "the sample names a CA bundle" \
    grep -q '^proxy_ssl_trusted_certificate /' "$V/conf/vidorigin-s3-request.conf"

"$NGINX" -p "$V" -c "$conf" -e "$V/log/error.log" >"$V/nginx.out" 2>&1 &
NGX_PID=$!
PIDS="$PIDS $NGX_PID"
stop() { stop_nginx_pid "$NGX_PID"; }
on_exit stop

up=0
for i in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
         "http://127.0.0.1:$port/v/")" != 000 ] && { up=1; break; }
    kill -0 "$NGX_PID" 2>/dev/null || break
    sleep 0.05
done
[ "$up" = 1 ] || { fail "nginx starts"; tail -5 "$V/nginx.out" "$V/log/error.log" >&2; finish s3-origin-guard; }
ok "nginx starts with the S3 store and origin-direct playback"

O=http://127.0.0.1:$port/v

# get URL OUT [curl args]: the status; headers in OUT.h
get() {
    local url=$1 out=$2
    shift 2
    curl -s --max-time 10 -D "$out.h" -o "$out" -w '%{http_code}' "$@" "$url"
}

# s3_gets PATH: how many requests the stand-in S3 had for PATH
s3_gets() {
    grep -c "^GET $1 " "$s3log" 2>/dev/null || true
}

# --- an unsigned viewer costs S3 nothing -------------------------------
codes=""
for i in 1 2 3 4 5; do
    codes="$codes $(get "$O/demo/master.m3u8" "$TMP/u")"
done
check "unsigned origin-direct requests: 403" [ "$codes" = " 403 403 403 403 403" ]
check "unsigned origin-direct requests: no GET of the description" \
    [ "$(s3_gets /media/demo/media.json)" = 0 ]
exp=$(( $(date +%s) + 600 ))
sig=$(printf 'vidorigin-v1\ndemo\n%s' "$exp" \
      | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
check "a signed one plays" \
    [ "$(get "$O/demo/master.m3u8?exp=$exp&sig=$sig" "$TMP/s")" = 200 ]
check "... with one GET of the description" \
    [ "$(s3_gets /media/demo/media.json)" = 1 ]

cdn=(-H "X-Origin-Verify: $CDN_SECRET")

# --- a missing video: one GET, then the cached 404 ---------------------
codes=""
for i in 1 2 3 4 5; do
    codes="$codes $(get "$O/nosuch/master.m3u8" "$TMP/n" "${cdn[@]}")"
done
check "a video S3 does not have: 404" [ "$codes" = " 404 404 404 404 404" ]
check "a video S3 does not have: one GET for five requests" \
    [ "$(s3_gets /media/nosuch/media.json)" = 1 ]

# --- 403 AccessDenied: a missing key ----------------------------------
check "a description S3 denies (no ListBucket): 404, not 502" \
    [ "$(get "$O/denied/master.m3u8" "$TMP/d" "${cdn[@]}")" = 404 ]
check "a segment S3 denies: made just in time" \
    [ "$(get "$O/half/720p/0.m4s" "$TMP/h" "${cdn[@]}")/$(cat "$TMP/h")" = \
      "200/made just in time" ]

# --- S3's headers, redirects and bodies --------------------------------
check "a segment from S3: 200" \
    [ "$(get "$O/demo/720p/0.m4s" "$TMP/g" "${cdn[@]}")" = 200 ]
check "a segment from S3: the stored bytes" cmp -s "$TMP/g" "$STORE/demo/720p/0.m4s"
check "no x-amz-* header reaches the viewer (meta, expiration, ...)" \
    bash -c "! grep -qi '^x-amz-' '$TMP/g.h'"
check "a segment S3 redirects: 502" \
    [ "$(get "$O/moved/720p/0.m4s" "$TMP/m" "${cdn[@]}")" = 502 ]
check "... without S3's Location" bash -c "! grep -qi '^Location:' '$TMP/m.h'"
check "... nor its body" bash -c "! grep -q elsewhere '$TMP/m'"
check "a segment S3 fails (503): 502" \
    [ "$(get "$O/broken/720p/0.m4s" "$TMP/b" "${cdn[@]}")" = 502 ]
check "... without S3's error body" bash -c "! grep -q SECRET-REQUEST-ID '$TMP/b'"
check "... nor its x-amz-* headers" bash -c "! grep -qi '^x-amz-' '$TMP/b.h'"

check "no worker crashed" bash -c "! grep -q 'exited on signal' '$V/log/error.log'"

finish s3-origin-guard
