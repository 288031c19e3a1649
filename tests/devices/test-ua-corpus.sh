#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The shipped device rules (conf/vidorigin-devices.conf) in the real nginx
# with the module built from this tree: every User-Agent of
# tests/devices/ua-corpus.tsv gets the class written beside it
# ($vidorigin_device_class, answered by "location = /class"), and odd or
# hostile User-Agents (none, empty, 10 KB, binary, built to backtrack) get
# theirs in under 200 ms each (ua_client.py prints any over 50 ms).
#
#   MODULE_SO  the module (default build/nginx/objs/ngx_http_vidorigin_module.so)
#   NGINX      the nginx binary (default /usr/sbin/nginx)

set -u

. "$(dirname "$0")/../lib/nginx.sh"

NGX_PID=""

stop_nginx() {
    [ -n "$NGX_PID" ] && stop_nginx_pid "$NGX_PID"
}

on_exit stop_nginx

[ -f "$MODULE_SO" ] || bail devices-ua "module $MODULE_SO missing (make module)"

# write_conf PORT: headers up to 64 KB so that the hostile User-Agents
# reach the module (which reads their first 512 bytes)
write_conf() {
    cat > "$TMP/nginx.conf" <<EOF
load_module $MODULE_SO;
daemon off;
master_process on;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $TMP/body;
    proxy_temp_path $TMP/proxy;
    fastcgi_temp_path $TMP/fastcgi;
    uwsgi_temp_path $TMP/uwsgi;
    scgi_temp_path $TMP/scgi;
    large_client_header_buffers 4 64k;
    keepalive_requests 100000;

    include $ROOT/conf/vidorigin-devices.conf;

    server {
        listen 127.0.0.1:$1;
        default_type text/plain;
        location = /class { return 200 "\$vidorigin_device_class\n"; }
    }
}
EOF
}

# nginx -t first: a rule the module refuses is named here
write_conf 1
if ! out=$("$NGINX" -p "$TMP" -c "$TMP/nginx.conf" -t 2>&1); then
    bail devices-ua "nginx -t with conf/vidorigin-devices.conf: $out"
fi

# start nginx on a free port (again on another if it was taken meanwhile)
up=""
for attempt in 1 2 3; do
    port=$(free_port)
    write_conf "$port"
    : > "$TMP/error.log"
    "$NGINX" -p "$TMP" -c "$TMP/nginx.conf" 2>>"$TMP/start.log" &
    NGX_PID=$!
    for i in $(seq 1 50); do
        if curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$port/class"; then
            up=1
            break
        fi
        kill -0 "$NGX_PID" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$up" ] && break
    kill -TERM "$NGX_PID" 2>/dev/null
    wait "$NGX_PID" 2>/dev/null
    NGX_PID=""
    grep -q 'Address already in use' "$TMP/error.log" "$TMP/start.log" \
        2>/dev/null || break
done
[ -n "$up" ] || bail devices-ua "nginx did not start: $(cat "$TMP/start.log" "$TMP/error.log" 2>/dev/null)"

timeout 120 python3 "$HERE/ua_client.py" "$port" "$HERE/ua-corpus.tsv"
rc=$?

# nothing the requests did was worth an error in the log
if grep -E '\[(alert|emerg|crit)\]|signal [0-9]+' "$TMP/error.log"; then
    echo "not ok - nginx logged an alert or a crash (above)"
    rc=1
fi
exit $rc
