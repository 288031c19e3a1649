#!/usr/bin/env bash
# config-errors.sh MODULE_SO: every configuration mistake is refused by
# `nginx -t` with a message naming it.
set -uo pipefail
module=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
nginx=${NGINX:-/usr/sbin/nginx}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/logs" "$dir/store"
pass=0 fail=0

check() {  # check NAME EXPECTED-MESSAGE HTTP-TEXT
    cat > "$dir/nginx.conf" <<CONF
load_module $module;
error_log $dir/logs/error.log;
pid $dir/nginx.pid;
events {}
http {
$3
}
CONF
    out=$("$nginx" -p "$dir" -c "$dir/nginx.conf" -t 2>&1)
    if [ -z "$2" ]; then
        if grep -q "test is successful" <<<"$out"; then
            echo "ok - $1"; pass=$((pass + 1))
        else
            echo "not ok - $1: $out"; fail=$((fail + 1))
        fi
    elif grep -qF -- "$2" <<<"$out" && ! grep -q "test is successful" <<<"$out"; then
        echo "ok - $1"; pass=$((pass + 1))
    else
        echo "not ok - $1: expected '$2', got: $out"; fail=$((fail + 1))
    fi
}

check "a valid configuration" "" \
    "server { listen 127.0.0.1:1; location /v/ { vidorigin; vidorigin_store $dir/store; } }"
check "vidorigin without a store" '"vidorigin" requires "vidorigin_store" or "vidorigin_s3_pass"' \
    "server { listen 127.0.0.1:1; location /v/ { vidorigin; } }"
check "vidorigin twice" '"vidorigin" directive is duplicate' \
    "server { listen 127.0.0.1:1; location /v/ { vidorigin; vidorigin; vidorigin_store /x; } }"
check "vidorigin in a regex location" 'is not allowed in a regex location' \
    "server { listen 127.0.0.1:1; location ~ ^/v/ { vidorigin; vidorigin_store /x; } }"
check "zone without a size" 'invalid parameter "zone=media"' \
    "vidorigin_media_cache zone=media;"
check "zone too small" 'zone "zone=media:1k" is too small' \
    "vidorigin_media_cache zone=media:1k;"
check "media cache without a zone" 'must have "zone" parameter' \
    "vidorigin_media_cache valid=5s;"
check "bad validity" 'invalid parameter "valid=soon"' \
    "vidorigin_media_cache zone=media:1m valid=soon;"
check "media cache twice" '"vidorigin_media_cache" directive is duplicate' \
    "vidorigin_media_cache zone=a:1m; vidorigin_media_cache zone=b:1m;"
check "store twice" '"vidorigin_store" directive is duplicate' \
    "vidorigin_store /a; vidorigin_store /b;"
check "bad stale-if-error" 'invalid value' \
    "vidorigin_stale_if_error soon;"
check "vidorigin_jit without a named location" 'takes a named location such as "@vidorigin_jit"' \
    "server { listen 127.0.0.1:1; location /v/ { vidorigin; vidorigin_store /x; vidorigin_jit /jit; } }"
check "vidorigin_jit off" "" \
    "server { listen 127.0.0.1:1; location /v/ { vidorigin; vidorigin_store /x; vidorigin_jit off; } }"
check "vidorigin outside a location" '"vidorigin" directive is not allowed here' \
    "vidorigin;"

# S3 store
s3loc="location /v/ { vidorigin; vidorigin_s3_pass @o @m; }"
check "a valid S3 configuration" "" \
    "vidorigin_s3_bucket media; vidorigin_s3_endpoint 127.0.0.1:9000;
     vidorigin_s3_credentials AKID SECRET;
     server { listen 127.0.0.1:1; $s3loc }"
(
    export AWS_ACCESS_KEY_ID=AKID AWS_SECRET_ACCESS_KEY=SECRET
    check "S3 credentials from the environment" "" \
        "vidorigin_s3_bucket media; vidorigin_s3_endpoint 127.0.0.1:9000;
         vidorigin_s3_credentials env;
         server { listen 127.0.0.1:1; $s3loc }"
) | tee "$dir/sub"
grep -q '^ok' "$dir/sub" && pass=$((pass + 1)) || fail=$((fail + 1))
check "S3 without a bucket" 'requires "vidorigin_s3_bucket" and "vidorigin_s3_endpoint"' \
    "vidorigin_s3_endpoint 127.0.0.1:9000; vidorigin_s3_credentials A S;
     server { listen 127.0.0.1:1; $s3loc }"
(
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
    check "S3 without credentials" 'no S3 credentials' \
        "vidorigin_s3_bucket media; vidorigin_s3_endpoint 127.0.0.1:9000;
         server { listen 127.0.0.1:1; $s3loc }"
) | tee "$dir/sub"
grep -q '^ok' "$dir/sub" && pass=$((pass + 1)) || fail=$((fail + 1))
check "S3 pass to a path" 'takes two named locations' \
    "server { listen 127.0.0.1:1; location /v/ { vidorigin; vidorigin_s3_pass /o @m; } }"
check "S3 credentials with one argument" 'takes ACCESS_KEY SECRET_KEY' \
    "vidorigin_s3_bucket b; vidorigin_s3_endpoint h; vidorigin_s3_credentials A;
     server { listen 127.0.0.1:1; $s3loc }"

# purge and admin
check "a valid purge and admin configuration" "" \
    "vidorigin_purge zone=p:1m journal=$dir/logs/purge.journal;
     server { listen 127.0.0.1:1; location /admin/ { vidorigin_admin;
              vidorigin_admin_secret 0123456789abcdef; } }"
check "purge without a journal" 'must have "zone" and "journal" parameters' \
    "vidorigin_purge zone=p:1m;"
check "purge with a bad parameter" 'invalid parameter "when=now"' \
    "vidorigin_purge zone=p:1m journal=/x when=now;"
check "admin without vidorigin_purge" '"vidorigin_admin" requires "vidorigin_purge"' \
    "server { listen 127.0.0.1:1; location /admin/ { vidorigin_admin;
              vidorigin_admin_secret 0123456789abcdef; } }"
check "admin with a short secret" 'of at least 16 bytes' \
    "vidorigin_purge zone=p:1m journal=$dir/logs/purge.journal;
     server { listen 127.0.0.1:1; location /admin/ { vidorigin_admin;
              vidorigin_admin_secret short; } }"
check "a tag header name with a space" 'takes a header name' \
    "vidorigin_tag_header 'Cache Tag';"
check "a tag prefix with a comma" 'takes a tag prefix without blanks or commas' \
    "vidorigin_tag_header Cache-Tag 'a,b';"

echo "config-errors: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
