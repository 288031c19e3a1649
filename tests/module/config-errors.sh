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
check "vidorigin without a store" '"vidorigin" requires "vidorigin_store"' \
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

echo "config-errors: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
