# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# Shared by the small admin and purge-zone suites (tests/purge/test-admin-*.sh):
# an nginx with the module, a purge zone, an admin location and a proxy
# cache keyed by $vidorigin_cache_key in front of a tiny origin, on ports
# the system picks; signed admin requests.  Every wait is bounded.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/nginx.sh"

SECRET=admin-test-secret-0123456789
V=$TMP/nginx
mkdir -p "$V/log" "$V/tmp" "$V/cache"
PORT=$(free_port)
BPORT=$(free_port)
B=http://127.0.0.1:$PORT

# write_conf WORKERS 'http-level directives' 'admin-location directives':
# the purge zone is the caller's (in the http-level directives)
write_conf() {
    cat > "$V/nginx.conf" <<CONF
load_module $MODULE_SO;
worker_processes $1;
pid $V/nginx.pid;
error_log $V/log/error.log ${LOG_LEVEL:-info};
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $V/tmp/body;
    proxy_temp_path $V/tmp/proxy;
    fastcgi_temp_path $V/tmp/fastcgi;
    uwsgi_temp_path $V/tmp/uwsgi;
    scgi_temp_path $V/tmp/scgi;
    proxy_cache_path $V/cache levels=1:2 keys_zone=c:1m inactive=${CACHE_INACTIVE:-1h} use_temp_path=off;
$2
    server {
        listen 127.0.0.1:$BPORT;
        location / { return 200 "\$uri\n"; }
    }
    server {
        listen 127.0.0.1:$PORT reuseport;
        location /v/ {
            proxy_pass http://127.0.0.1:$BPORT;
            proxy_cache c;
            proxy_cache_key \$vidorigin_cache_key;
            proxy_cache_valid 200 1h;
            add_header X-Cache \$upstream_cache_status;
            add_header X-Pid \$pid;
        }
        location /admin/ {
            vidorigin_admin;
            vidorigin_admin_secret $SECRET;
$3
        }
    }
}
CONF
}

start_nginx() {
    local i
    "$NGINX" -p "$V" -c "$V/nginx.conf" -e "$V/log/error.log" 2>>"$V/log/start.log" \
        || return 1
    for i in $(seq 1 100); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$B/v/x/ping")" = 200 ] && return 0
        sleep 0.05
    done
    return 1
}

stop_nginx() {
    local pid
    pid=$(cat "$V/nginx.pid" 2>/dev/null) || return 0
    stop_nginx_pid "$pid"
    rm -f "$V/nginx.pid"
}
on_exit stop_nginx

# code CURL-ARGS...: the status code alone
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# cache PATH: X-Cache of one request (HIT, MISS, ...)
cache() {
    curl -s -o /dev/null -D - "$B$1" | tr -d '\r' \
        | awk 'tolower($1) == "x-cache:" { print $2 }'
}

# sig DATE METHOD HOST URI [BODY]: the X-Vidorigin-Signature of a request
sig() {
    printf '%s\n%s\n%s\n%s\n%s' "$1" "$2" "$3" "$4" "${5:-}" \
        | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1
}

# purge PREFIX: purged with the Bearer secret; prints the JSON answer
purge() {
    curl -s -X POST -H "Authorization: Bearer $SECRET" "$B/admin/purge?prefix=$1"
}

# metric NAME: its value on /admin/status (the first line naming it)
admin_metric() {
    curl -s -H "Authorization: Bearer $SECRET" "$B/admin/status" \
        | awk -v m="$1" '$1 == m { print $2; exit }'
}
