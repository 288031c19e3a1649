#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# test-reload.sh: the MaxMind DB belongs to the configuration.  Replacing
# the file changes nothing until `nginx -s reload`; after it the answers
# come from the new file (the per-worker lookup cache starts again), the
# old mapping is released (the master maps exactly one DB however many
# reloads), and a reload onto a broken file is refused while the running
# configuration keeps answering.  MODULE_SO, NGINX from the environment
# (tests/lib/nginx.sh).

. "$(dirname "$0")/../lib/nginx.sh"

dir=$TMP
port=$(free_port)

stop_nginx() {
    [ -s "$dir/nginx.pid" ] && stop_nginx_pid "$(cat "$dir/nginx.pid")"
}

on_exit stop_nginx

mkdir -p "$dir/logs"
perl "$HERE/make-mmdb.pl" "$dir/geo.mmdb" a || exit 1
perl "$HERE/make-mmdb.pl" "$dir/b.mmdb" b || exit 1

cat > "$dir/nginx.conf" <<CONF
load_module $MODULE_SO;
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

# answers ADDRESS ANSWER: nginx gives ANSWER for a client at ADDRESS
answers() {
    [ "$(region "$1")" = "$2" ]
}

# wait_answer ADDRESS ANSWER: up to 5 s for the answer (a reload is not
# instantaneous: the old worker answers until it has exited)
wait_answer() {
    wait_for 50 answers "$1" "$2"
}

reload() {
    "$NGINX" -p "$dir" -c "$dir/nginx.conf" -s reload 2>/dev/null
}

# the master's mappings of a MaxMind DB file
maps() {
    grep -c '\.mmdb' "/proc/$(cat "$dir/nginx.pid")/maps"
}

"$NGINX" -p "$dir" -c "$dir/nginx.conf" || { echo "nginx did not start";
    cat "$dir/logs/error.log"; exit 1; }
wait_answer 127.0.0.1 "JP db" && ok "the DB answers: JP" \
    || fail "the DB answers: JP (got '$(region 127.0.0.1)')"
[ "$(region 127.0.1.1)" = "US db" ] && ok "and US" || fail "and US"

# a new file in place, as geoipupdate does it (rename)
mv "$dir/b.mmdb" "$dir/geo.mmdb"
[ "$(region 127.0.0.1)" = "JP db" ] \
    && [ "$(region 127.0.0.2)" = "JP db" ] \
    && ok "a new file is not read before a reload" \
    || fail "a new file is not read before a reload"

reload
wait_answer 127.0.0.1 "FR db" && ok "after a reload the new DB answers: FR" \
    || fail "after a reload the new DB answers (got '$(region 127.0.0.1)')"
[ "$(region 127.0.1.1)" = "US db" ] && [ "$(region 127.0.3.1)" = "ZZ default" ] \
    && ok "the rest as before" || fail "the rest as before"

for i in $(seq 10); do
    reload
    sleep 0.2
done
wait_answer 127.0.0.1 "FR db"
n=$(maps)
deleted=$(grep -c '\.mmdb (deleted)' "/proc/$(cat "$dir/nginx.pid")/maps")
[ "$n" -eq 1 ] && [ "$deleted" -eq 0 ] \
    && ok "after 11 reloads the master maps one DB, the current one" \
    || fail "after 11 reloads the master maps $n DB(s), $deleted deleted"

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
    || fail "a reload onto a broken DB is refused, the old one goes on"

finish "region reload"
