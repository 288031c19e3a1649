#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The cluster= syntax of vidorigin_redis and of the worker's --redis:
# what is accepted, what is refused and why; and a cluster whose seeds are
# all down: nginx starts and answers, the ping says "down", views are
# dropped (down), nothing crashes, and counting starts once the cluster is
# there, without a reload.
. "$(dirname "$0")/../redis/lib.sh"
. "$(dirname "$0")/lib.sh"
NAME=cluster-config
prereq $NAME
WORKER=${WORKER:-$ROOT/build/transcode-worker}
[ -x "$WORKER" ] || bail $NAME "worker $WORKER built (make worker)"

check_conf "nginx: cluster= with two seeds" "" \
    "vidorigin_redis cluster=127.0.0.1:7000,127.0.0.1:7001 budget=5ms;"
check_conf "nginx: cluster= with db=0" "" \
    "vidorigin_redis cluster=127.0.0.1:7000 db=0 password=x;"
check_conf "nginx: cluster= with db=1 refused" "database 0 only" \
    "vidorigin_redis cluster=127.0.0.1:7000 db=1;"
check_conf "nginx: an empty seed refused" "invalid redis cluster seeds" \
    "vidorigin_redis cluster=127.0.0.1:7000,;"
check_conf "nginx: a seed that is no address refused" "invalid redis address" \
    "vidorigin_redis cluster=127.0.0.1:99999;"
check_conf "nginx: a unix socket is no cluster seed" "invalid redis address" \
    "vidorigin_redis cluster=unix:/tmp/x.sock;"

wcheck() {
    local what=$1 want=$2
    shift 2
    "$WORKER" catalog get x --redis "$@" > /dev/null 2> "$TMP/w.err"
    if grep -qF -- "$want" "$TMP/w.err"; then ok "$what"
    else fail "$what: $(cat "$TMP/w.err")"; fi
}
wcheck "worker: an empty seed refused" "invalid redis cluster seeds" \
    "cluster=127.0.0.1:7000,"
wcheck "worker: a port out of range refused" "invalid redis cluster seeds" \
    "cluster=127.0.0.1:0"
wcheck "worker: no port refused" "invalid redis cluster seeds" \
    "cluster=127.0.0.1"
VIDORIGIN_REDIS_DB=2 wcheck "worker: VIDORIGIN_REDIS_DB=2 refused" \
    "database 0 only" "cluster=127.0.0.1:7000"
P1=$(node_port)
P2=$(node_port)
"$WORKER" catalog set x --title t --redis "cluster=127.0.0.1:$P1,127.0.0.1:$P2" \
    --log-level warn 2> "$TMP/w.err"
check "worker: every seed down: exit 3 (Redis unreachable), said so" \
    [ $? = 3 ]

# --- nginx with every seed down, then the cluster started on those ports
start_nginx "vidorigin_redis cluster=127.0.0.1:$P1,127.0.0.1:$P2;
    vidorigin_views on flush=200ms;" || bail $NAME "nginx starts"
for i in 1 2 3 4 5; do code /v/demo/master.m3u8 > /dev/null; done
check "every seed down: manifests answered 200" \
    [ "$(code /v/demo/master.m3u8)" = 200 ]
check "every seed down: the ping answers 503 down" \
    [ "$(curl -s "http://127.0.0.1:$NGX_PORT/redis-ping")" = down ]
wait_for 30 settled
check "every seed down: 6 views dropped (down)" [ "$(dropped down)" = 6 ]
# the cluster comes up on the seeds' ports: found without a reload
start_cluster "$P1" "$P2" || bail $NAME "a Redis Cluster on the seeds' ports"
check "cluster up: every worker connected to the 3 masters ($(metric vidorigin_redis_connected))" \
    wait_for 100 eval '[ "$(metric vidorigin_redis_connected)" = 6 ]'
for i in 1 2 3; do code /v/demo/master.m3u8 > /dev/null; done
check "cluster up: 3 views counted in the cluster, no reload" \
    wait_for 30 eval '[ "$(C hget "vo:views:demo:$(hour_key)" ZZ)" = 3 ]' \
    && not grep -q reconfiguring "$TMP/nginx/logs/error.log"
check "no alert or crash in error.log" \
    not grep -qE '\[(alert|emerg|crit)\]|exited on signal' "$TMP/nginx/logs/error.log"

finish $NAME
