#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Every configuration mistake is refused by `nginx -t` with a message
# naming it.  MODULE_SO, NGINX from the environment (tests/lib/nginx.sh).

. "$(dirname "$0")/../lib/nginx.sh"

dir=$TMP
mkdir -p "$dir/logs" "$dir/store"

check_conf "a valid configuration" "" \
    "server { listen 127.0.0.1:1; location /v/ { vidorigin; vidorigin_store $dir/store; } }"
check_conf "vidorigin without a store" '"vidorigin" requires "vidorigin_store" or "vidorigin_s3_pass"' \
    "server { listen 127.0.0.1:1; location /v/ { vidorigin; } }"
check_conf "vidorigin twice" '"vidorigin" directive is duplicate' \
    "server { listen 127.0.0.1:1; location /v/ { vidorigin; vidorigin; vidorigin_store /x; } }"
check_conf "vidorigin in a regex location" 'is not allowed in a regex location' \
    "server { listen 127.0.0.1:1; location ~ ^/v/ { vidorigin; vidorigin_store /x; } }"
check_conf "zone without a size" 'invalid parameter "zone=media"' \
    "vidorigin_media_cache zone=media;"
check_conf "zone too small" 'zone "zone=media:1k" is too small' \
    "vidorigin_media_cache zone=media:1k;"
check_conf "media cache without a zone" 'must have "zone" parameter' \
    "vidorigin_media_cache valid=5s;"
check_conf "bad validity" 'invalid parameter "valid=soon"' \
    "vidorigin_media_cache zone=media:1m valid=soon;"
check_conf "media cache twice" '"vidorigin_media_cache" directive is duplicate' \
    "vidorigin_media_cache zone=a:1m; vidorigin_media_cache zone=b:1m;"
check_conf "store twice" '"vidorigin_store" directive is duplicate' \
    "vidorigin_store /a; vidorigin_store /b;"
check_conf "bad stale-if-error" 'invalid value' \
    "vidorigin_stale_if_error soon;"
check_conf "vidorigin_jit without a named location" 'takes a named location such as "@vidorigin_jit"' \
    "server { listen 127.0.0.1:1; location /v/ { vidorigin; vidorigin_store /x; vidorigin_jit /jit; } }"
check_conf "vidorigin_jit off" "" \
    "server { listen 127.0.0.1:1; location /v/ { vidorigin; vidorigin_store /x; vidorigin_jit off; } }"
check_conf "vidorigin outside a location" '"vidorigin" directive is not allowed here' \
    "vidorigin;"

# S3 store
s3loc="location /v/ { vidorigin; vidorigin_s3_pass @o @m; }"
check_conf "a valid S3 configuration" "" \
    "vidorigin_s3_bucket media; vidorigin_s3_endpoint 127.0.0.1:9000;
     vidorigin_s3_credentials AKID SECRET;
     server { listen 127.0.0.1:1; $s3loc }"
record < <(
    export AWS_ACCESS_KEY_ID=AKID AWS_SECRET_ACCESS_KEY=SECRET
    check_conf "S3 credentials from the environment" "" \
        "vidorigin_s3_bucket media; vidorigin_s3_endpoint 127.0.0.1:9000;
         vidorigin_s3_credentials env;
         server { listen 127.0.0.1:1; $s3loc }"
)
check_conf "S3 without a bucket" 'requires "vidorigin_s3_bucket" and "vidorigin_s3_endpoint"' \
    "vidorigin_s3_endpoint 127.0.0.1:9000; vidorigin_s3_credentials A S;
     server { listen 127.0.0.1:1; $s3loc }"
record < <(
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
    check_conf "S3 without credentials" 'no S3 credentials' \
        "vidorigin_s3_bucket media; vidorigin_s3_endpoint 127.0.0.1:9000;
         server { listen 127.0.0.1:1; $s3loc }"
)
check_conf "S3 pass to a path" 'takes two named locations' \
    "server { listen 127.0.0.1:1; location /v/ { vidorigin; vidorigin_s3_pass /o @m; } }"
check_conf "S3 credentials with one argument" 'takes ACCESS_KEY SECRET_KEY' \
    "vidorigin_s3_bucket b; vidorigin_s3_endpoint h; vidorigin_s3_credentials A;
     server { listen 127.0.0.1:1; $s3loc }"

# purge and admin
check_conf "a valid purge and admin configuration" "" \
    "vidorigin_purge zone=p:1m journal=$dir/logs/purge.journal;
     server { listen 127.0.0.1:1; location /admin/ { vidorigin_admin;
              vidorigin_admin_secret 0123456789abcdef; } }"
check_conf "purge without a journal" 'must have "zone" and "journal" parameters' \
    "vidorigin_purge zone=p:1m;"
check_conf "purge with a bad parameter" 'invalid parameter "when=now"' \
    "vidorigin_purge zone=p:1m journal=/x when=now;"
check_conf "admin without vidorigin_purge" '"vidorigin_admin" requires "vidorigin_purge"' \
    "server { listen 127.0.0.1:1; location /admin/ { vidorigin_admin;
              vidorigin_admin_secret 0123456789abcdef; } }"
check_conf "purge with a bad lifetime" 'invalid parameter "lifetime=soon"' \
    "vidorigin_purge zone=p:1m journal=/x lifetime=soon;"
check_conf "purge with lifetime=off" "" \
    "vidorigin_purge zone=p:1m journal=$dir/logs/purge.journal lifetime=off;"
check_conf "no replay slots" '"vidorigin_admin_replay_slots" must be at least 1' \
    "vidorigin_admin_replay_slots 0;"
check_conf "replay slots not a number" 'invalid number' \
    "vidorigin_admin_replay_slots many;"
check_conf "admin with a short secret" 'of at least 16 bytes' \
    "vidorigin_purge zone=p:1m journal=$dir/logs/purge.journal;
     server { listen 127.0.0.1:1; location /admin/ { vidorigin_admin;
              vidorigin_admin_secret short; } }"
check_conf "admin auth in front of proxy_pass" "" \
    "server { listen 127.0.0.1:1; location = /admin/uploads {
              vidorigin_admin_auth on;
              vidorigin_admin_secret 0123456789abcdef;
              proxy_pass http://127.0.0.1:2; } }"
check_conf "admin auth without a secret" '"vidorigin_admin_auth" requires "vidorigin_admin_secret" of at least 16 bytes' \
    "server { listen 127.0.0.1:1; location = /admin/uploads {
              vidorigin_admin_auth on; proxy_pass http://127.0.0.1:2; } }"
check_conf "admin auth with a bad flag" 'it must be "on" or "off"' \
    "server { listen 127.0.0.1:1; location / { vidorigin_admin_auth yes; } }"
check_conf "a tag header name with a space" 'takes a header name' \
    "vidorigin_tag_header 'Cache Tag';"
check_conf "a tag prefix with a comma" 'takes a tag prefix without blanks or commas' \
    "vidorigin_tag_header Cache-Tag 'a,b';"

# a warning, not an error: `nginx -t` succeeds and says it
check_warn() {
    local out
    out=$(printf '%s\n' "load_module $MODULE_SO;" "error_log $dir/logs/error.log;" \
          "pid $dir/nginx.pid;" "events {}" "http {" "$3" "}" > "$dir/nginx.conf"
          "$NGINX" -p "$dir" -c "$dir/nginx.conf" -t 2>&1)
    if ! grep -q "test is successful" <<<"$out"; then
        fail "$1: the test fails: $out"
    elif [ -n "$2" ] && ! grep -qF -- "$2" <<<"$out"; then
        fail "$1: expected the warning '$2', got: $out"
    elif [ -z "$2" ] && grep -q "\[warn\]" <<<"$out"; then
        fail "$1: expected no warning, got: $out"
    else
        ok "$1"
    fi
}
cdnwarn='"vidorigin_cdn_from" without "vidorigin_cdn_secret": any distribution on the same CDN is trusted'
check_warn "CDN trusted by address alone: warned" "$cdnwarn" \
    "vidorigin_cdn_from 192.0.2.0/24;"
check_warn "CDN trusted by realip alone: warned" "$cdnwarn" \
    "vidorigin_cdn_from realip; set_real_ip_from 192.0.2.0/24;"
check_warn "CDN addresses with the secret header: no warning" "" \
    "vidorigin_cdn_from 192.0.2.0/24;
     vidorigin_cdn_secret X-Origin-Verify 0123456789abcdef-origin;"

finish config-errors
