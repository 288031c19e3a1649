#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# nginx counting views into a Redis Cluster (three masters, a replica
# each): "vidorigin_redis cluster=..." with two seeds, each worker connected
# to every master; views of videos whose keys are on different masters all
# land, summed over the nodes; a slot moved to another master under nginx
# (MOVED) and a slot being migrated (ASK) are followed, and nothing is
# dropped.
. "$(dirname "$0")/../redis/lib.sh"
. "$(dirname "$0")/lib.sh"
NAME=cluster-views
prereq $NAME

IDS="red green blue cyan plum teal mv ak"
for id in $IDS; do
    mkdir -p "$STORE/$id"
    sed "s/\"demo\"/\"$id\"/" "$STORE/demo/media.json" > "$STORE/$id/media.json"
done
chmod -R a+rX "$STORE"

start_cluster || bail $NAME "a Redis Cluster of 3 masters and 3 replicas"
ok "a Redis Cluster of 3 masters and 3 replicas ($CL_PORTS)"

start_nginx "vidorigin_redis cluster=$CL_SEEDS budget=50ms;
    vidorigin_views on flush=200ms;" || bail $NAME "nginx starts"

# 2 workers x 3 masters; the seeds' replicas are not kept
check "every worker connected to the 3 masters" \
    wait_for 50 eval '[ "$(metric vidorigin_redis_connected)" = 6 ]'
check "each worker read the slot map" \
    wait_for 30 eval '[ "$(metric vidorigin_redis_cluster_maps_total)" -ge 2 ]'

HOUR=$(hour_key)
key() { echo "vo:views:$1:$HOUR"; }

# sum_views KEY: the sum of the hash's fields, asked of the cluster
sum_views() { C hvals "$1" | awk '{ s += $1 } END { print s + 0 }'; }

play() {
    local id=$1 n=$2 i
    for i in $(seq 1 "$n"); do
        code "/v/$id/master.m3u8" > /dev/null
    done
}

# video i of the six played i times
six="red green blue cyan plum teal"
n=0
for id in $six; do
    n=$((n + 1))
    play "$id" "$n"
done
wait_for 50 settled

bad=""
n=0
for id in $six; do
    n=$((n + 1))
    [ "$(sum_views "$(key "$id")")" = "$n" ] || bad="$bad $id"
done
check "views of 6 videos in the cluster, each exact (bad:${bad:- none})" \
    [ -z "$bad" ]

masters_used=$(for id in $six; do master_of "$(key "$id")"; done \
               | sort -u | wc -l)
check "their keys are on $masters_used masters (more than one)" \
    [ "$masters_used" -ge 2 ]

# --- MOVED: an empty slot given to another master under nginx
K=$(key mv)
S=$(C cluster keyslot "$K")
A=$(master_of "$K")
B=$(masters | grep -vx "$A" | head -1)
move_slot "$S" "$B"
wait_for 50 eval '[ "$(cl "$A" cluster countkeysinslot "$S")" = 0 ] &&
    cl "$A" hget "$K" ZZ 2>&1 | grep -q MOVED'
before=$(metric vidorigin_redis_redirects_total)
play mv 4
wait_for 50 settled
check "MOVED: slot $S moved from $A to $B, 4 views counted there" \
    [ "$(cl "$B" hget "$K" ZZ)" = 4 ]
check "MOVED: redirects counted ($before before, $(metric vidorigin_redis_redirects_total) after)" \
    [ "$(metric vidorigin_redis_redirects_total)" -gt "$before" ]
# the map was read again: the next views go to B at once
r1=$(metric vidorigin_redis_redirects_total)
sleep 0.5
play mv 2
wait_for 50 settled
check "MOVED: 2 more views, no more redirects (map read again)" \
    [ "$(cl "$B" hget "$K" ZZ)" = 6 ] \
    && [ "$(metric vidorigin_redis_redirects_total)" = "$r1" ]

# --- ASK: a slot being migrated from A2 to B2 (its key not on A2 yet)
K=$(key ak)
S=$(C cluster keyslot "$K")
A2=$(master_of "$K")
B2=$(masters | grep -vx "$A2" | head -1)
cl "$B2" cluster setslot "$S" importing "$(node_id "$A2")" > /dev/null
cl "$A2" cluster setslot "$S" migrating "$(node_id "$B2")" > /dev/null
before=$(metric vidorigin_redis_redirects_total)
play ak 3
wait_for 50 settled
# B2 answers for an importing slot only after ASKING
on_b2=$(printf 'ASKING\nHVALS %s\n' "$K" | cl "$B2" | awk 'NR > 1 { s += $1 } END { print s + 0 }')
check "ASK: slot $S migrating from $A2 to $B2, 3 views on $B2 ($on_b2)" \
    [ "$on_b2" = 3 ]
check "ASK: redirected, the key not on $A2" \
    [ "$(metric vidorigin_redis_redirects_total)" -gt "$before" ] \
    && [ "$(cl "$A2" exists "$K")" = 0 ]
for p in $(masters); do
    cl "$p" cluster setslot "$S" node "$(node_id "$B2")" > /dev/null
done
check "ASK: the migration done, the views read from the cluster" \
    wait_for 30 eval '[ "$(sum_views "$K")" = 3 ]'

# the keys expire as with one node
check "expiry set (ttl of vo:views:red > 0)" \
    [ "$(C ttl "$(key red)")" -gt 0 ]

# the playback API reads the catalog and hints from each key's master
bad=""
for id in $six; do
    C hset "vo:video:$id" title "title of $id" > /dev/null
    C hset "vo:hint:$id" ZZ "cdn 50.000 $(( $(date +%s) + 600 ))" > /dev/null
done
for id in $six; do
    body=$(curl -s "http://127.0.0.1:$NGX_PORT/api/v1/videos/$id")
    grep -q "\"title of $id\"" <<<"$body" && grep -q cdn.example.com <<<"$body" \
        || bad="$bad $id"
done
check "the API: catalog and hints of 6 videos from their masters (bad:${bad:- none})" \
    [ -z "$bad" ]

# reloads: the leaving workers close their connections, the new ones
# read the map and connect to every master
for i in 1 2 3; do
    "$NGINX" -p "$TMP/nginx" -c conf/nginx.conf -s reload 2>/dev/null
    sleep 0.5
done
check "3 reloads: 2 workers x 3 masters connected again" \
    wait_for 100 eval '[ "$(metric vidorigin_redis_connected)" = 6 ] &&
        [ "$(workers | wc -l)" = 2 ] && [ "$(all_workers | wc -l)" = 2 ]'
# (the API counted a playback start of each video too)
wait_for 30 settled
red=$(sum_views "$(key red)")
play red 5
check "after the reloads: 5 more views of red ($red before)" \
    wait_for 30 eval '[ "$(sum_views "$(key red)")" = $((red + 5)) ]'

wait_for 30 settled
# 30 played, 6 through the API, 5 after the reloads
check_sh "status: counted 41 = flushed, nothing dropped or pending" '
    [ "$(metric vidorigin_views_counted_total)" = 41 ] &&
    [ "$(metric vidorigin_views_flushed_total)" = 41 ] &&
    [ "$(dropped full)$(dropped down)$(dropped lost)" = 000 ]'

check "ping through the budgeted call (no key: any master)" \
    [ "$(curl -s "http://127.0.0.1:$NGX_PORT/redis-ping")" = PONG ]
check "no alert or crash in error.log" \
    not grep -qE '\[(alert|emerg|crit)\]|exited on signal' "$TMP/nginx/logs/error.log"

finish $NAME
