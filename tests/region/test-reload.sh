#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# test-reload.sh: the MaxMind DB belongs to the configuration.  Replacing
# the file changes nothing until `nginx -s reload`; after it the answers
# come from the new file (the per-worker lookup cache starts again), the
# old mapping is released (the master maps exactly one DB however many
# reloads), and a reload onto a broken file is refused while the running
# configuration keeps answering.  MODULE_SO, NGINX from the environment.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
module=${MODULE_SO:-$top/build/nginx/objs/ngx_http_vidorigin_module.so}
module=$(cd "$(dirname "$module")" && pwd)/$(basename "$module")
nginx=${NGINX:-/usr/sbin/nginx}
dir=$(mktemp -d)
pass=0 fail=0

cleanup() {
    if [ -s "$dir/nginx.pid" ]; then
        kill -QUIT "$(cat "$dir/nginx.pid")" 2>/dev/null
        for _ in $(seq 50); do
            kill -0 "$(cat "$dir/nginx.pid" 2>/dev/null)" 2>/dev/null || break
            sleep 0.1
        done
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

ok()     { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $1"; fail=$((fail + 1)); }

port=$(perl -MIO::Socket::INET -e '
    for (1 .. 200) {
        my $p = 10000 + int rand 20000;
        IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $p,
                              Listen => 1, ReuseAddr => 1) or next;
        print $p; exit 0;
    }
    exit 1') || { echo "test-reload: no free port" >&2; exit 1; }

mkdir -p "$dir/logs"
perl "$top/tests/region/make-mmdb.pl" "$dir/geo.mmdb" a || exit 1
perl "$top/tests/region/make-mmdb.pl" "$dir/b.mmdb" b || exit 1

cat > "$dir/nginx.conf" <<CONF
load_module $module;
error_log $dir/logs/error.log info;
pid $dir/nginx.pid;
worker_processes 1;
events { worker_connections 64; }
http {
    access_log off;
    vidorigin_geoip_db $dir/geo.mmdb;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    server {
        listen 127.0.0.1:$port;
        location = /region {
            return 200 "\$vidorigin_region \$vidorigin_region_source";
        }
    }
}
CONF

region() {  # region ADDRESS: what nginx answers for a client at ADDRESS
    curl -s --max-time 2 -H "X-Forwarded-For: $1" \
        "http://127.0.0.1:$port/region"
}

# wait_for ADDRESS ANSWER: up to 5 s for the answer (a reload is not
# instantaneous: the old worker answers until it has exited)
wait_for() {
    for _ in $(seq 50); do
        [ "$(region "$1")" = "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

reload() {
    "$nginx" -p "$dir" -c "$dir/nginx.conf" -s reload 2>/dev/null
}

# the master's mappings of a MaxMind DB file
maps() {
    grep -c '\.mmdb' "/proc/$(cat "$dir/nginx.pid")/maps"
}

"$nginx" -p "$dir" -c "$dir/nginx.conf" || { echo "nginx did not start";
    cat "$dir/logs/error.log"; exit 1; }
wait_for 127.0.0.1 "JP db" && ok "the DB answers: JP" \
    || not_ok "the DB answers: JP (got '$(region 127.0.0.1)')"
[ "$(region 127.0.1.1)" = "US db" ] && ok "and US" || not_ok "and US"

# a new file in place, as geoipupdate does it (rename)
mv "$dir/b.mmdb" "$dir/geo.mmdb"
[ "$(region 127.0.0.1)" = "JP db" ] \
    && [ "$(region 127.0.0.2)" = "JP db" ] \
    && ok "a new file is not read before a reload" \
    || not_ok "a new file is not read before a reload"

reload
wait_for 127.0.0.1 "FR db" && ok "after a reload the new DB answers: FR" \
    || not_ok "after a reload the new DB answers (got '$(region 127.0.0.1)')"
[ "$(region 127.0.1.1)" = "US db" ] && [ "$(region 127.0.3.1)" = "ZZ default" ] \
    && ok "the rest as before" || not_ok "the rest as before"

for i in $(seq 10); do
    reload
    sleep 0.2
done
wait_for 127.0.0.1 "FR db"
n=$(maps)
deleted=$(grep -c '\.mmdb (deleted)' "/proc/$(cat "$dir/nginx.pid")/maps")
[ "$n" -eq 1 ] && [ "$deleted" -eq 0 ] \
    && ok "after 11 reloads the master maps one DB, the current one" \
    || not_ok "after 11 reloads the master maps $n DB(s), $deleted deleted"

printf 'not a MaxMind DB\n%.0s' $(seq 64) > "$dir/broken.mmdb"
mv "$dir/broken.mmdb" "$dir/geo.mmdb"
# `nginx -s reload` reads the configuration first and refuses to signal;
# the master itself must refuse too
kill -HUP "$(cat "$dir/nginx.pid")"
for _ in $(seq 50); do
    grep -q 'cannot be used: The MaxMind DB file contains invalid metadata' \
        "$dir/logs/error.log" && break
    sleep 0.1
done
grep -q "vidorigin_geoip_db \"$dir/geo.mmdb\" cannot be used: The MaxMind DB file contains invalid metadata" \
    "$dir/logs/error.log" \
    && [ "$(region 127.0.0.1)" = "FR db" ] \
    && ok "a reload onto a broken DB is refused, the old one goes on" \
    || not_ok "a reload onto a broken DB is refused, the old one goes on"

echo "region reload: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
