# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# nginx in the suites, on top of tests/lib/suite.sh: the distro nginx
# ($NGINX, default /usr/sbin/nginx) and the module built from this tree
# ($MODULE_SO, default build/nginx/objs/ngx_http_vidorigin_module.so, made
# absolute), stopping a master for good, and checking configurations
# with `nginx -t`.

[ -z "${VO_NGINX_SH:-}" ] || return 0
VO_NGINX_SH=1

. "$(dirname "${BASH_SOURCE[0]}")/suite.sh"

MODULE_SO=$(abs "${MODULE_SO:-build/nginx/objs/ngx_http_vidorigin_module.so}")
NGINX=${NGINX:-/usr/sbin/nginx}
# nginx reads $NGINX itself (sockets inherited on upgrade): not in its env
export -n NGINX 2>/dev/null || true

# stop_nginx_pid PID: SIGTERM to an nginx master (fast shutdown), then
# SIGKILL to it and its own children if it does not go within 5 s
stop_nginx_pid() {
    local pid=$1 i c
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        # stopped first, or it starts new workers for the ones killed
        kill -STOP "$pid" 2>/dev/null
        for c in $(pgrep -P "$pid" 2>/dev/null); do
            kill -9 "$c" 2>/dev/null
        done
        kill -9 "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
}

# check_conf NAME EXPECTED HTTP_TEXT: `nginx -t` of $TMP/nginx.conf (the
# prefix is $TMP: relative paths are below it), which loads the module
# and has HTTP_TEXT in its http block; EXPECTED "" means it must be valid,
# otherwise it must be refused with a message containing EXPECTED
check_conf() {
    local dir=$TMP out
    mkdir -p "$dir/logs"
    cat > "$dir/nginx.conf" <<CONF
load_module $MODULE_SO;
error_log $dir/logs/error.log;
pid $dir/nginx.pid;
events {}
http {
$3
}
CONF
    out=$("$NGINX" -p "$dir" -c "$dir/nginx.conf" -t 2>&1)
    if [ -z "$2" ]; then
        if grep -q "test is successful" <<<"$out"; then
            ok "$1"
        else
            fail "$1: $out"
        fi
    elif grep -qF -- "$2" <<<"$out" \
            && ! grep -q "test is successful" <<<"$out"; then
        ok "$1"
    else
        fail "$1: expected '$2', got: $out"
    fi
}
