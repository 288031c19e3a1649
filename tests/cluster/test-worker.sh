#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The worker on a Redis Cluster (--redis cluster=host:port,...): the
# catalog (set, get, --replace as MULTI/EXEC, delete) for ids whose keys
# are on every master; the placer's SCAN through all masters and its
# pipelined hints; the production lock shared by two "serve" processes
# (one transcode for 30 concurrent requests); a slot moved under the
# worker (MOVED) and one being migrated (ASK).
. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/lib.sh"
NAME=cluster-worker

for t in redis-server redis-cli python3 jq; do
    command -v "$t" >/dev/null 2>&1 || bail $NAME "$t is installed"
done

start_cluster || bail $NAME "a Redis Cluster of 3 masters and 3 replicas"
ok "a Redis Cluster of 3 masters and 3 replicas"
RA="cluster=$CL_SEEDS"

# --- catalog
ids=""
for i in $(seq 1 12); do ids="$ids c$i"; done
bad=""
for id in $ids; do
    "$WORKER" catalog set "$id" --title "title $id" --redis "$RA" \
        --log-level warn || bad="$bad $id"
done
check "catalog set of 12 ids (failed:${bad:- none})" [ -z "$bad" ]
bad=""
for id in $ids; do
    [ "$(C hget "vo:video:$id" title)" = "title $id" ] || bad="$bad $id"
done
check "each entry in the cluster (bad:${bad:- none})" [ -z "$bad" ]
n=$(for id in $ids; do master_of "vo:video:$id"; done | sort -u | wc -l)
check "the entries are on all 3 masters ($n)" [ "$n" = 3 ]
check "catalog get from the cluster" \
    [ "$("$WORKER" catalog get c7 --redis "$RA" --log-level warn \
         | jq -r .title)" = "title c7" ]
"$WORKER" catalog set c7 --replace --title "replaced" --redis "$RA" \
    --log-level warn
check "catalog set --replace (MULTI, DEL, HSET, EXEC on its master)" \
    [ "$(C hget vo:video:c7 title)" = replaced ]
"$WORKER" catalog delete c8 --redis "$RA" --log-level warn
check "catalog delete" [ "$(C exists vo:video:c8)" = 0 ]

# --- MOVED: the slot of vo:video:m1 (empty) given to another master
K=vo:video:m1
S=$(C cluster keyslot $K)
A=$(master_of $K)
B=$(masters | grep -vx "$A" | head -1)
move_slot "$S" "$B"
wait_for 50 eval 'cl "$A" hget "$K" title 2>&1 | grep -q MOVED'
"$WORKER" catalog set m1 --title moved --redis "cluster=127.0.0.1:$A" \
    --log-level warn
check "MOVED: catalog set after slot $S moved from $A to $B" \
    [ "$(cl "$B" hget $K title)" = moved ]

# --- ASK: the slot of vo:video:k1 migrating (the key not moved yet)
K=vo:video:k1
S=$(C cluster keyslot $K)
A=$(master_of $K)
B=$(masters | grep -vx "$A" | head -1)
cl "$B" cluster setslot "$S" importing "$(node_id "$A")" > /dev/null
cl "$A" cluster setslot "$S" migrating "$(node_id "$B")" > /dev/null
"$WORKER" catalog set k1 --title asked --redis "$RA" --log-level warn
got=$(printf 'ASKING\nHGET %s title\n' "$K" | cl "$B" | tail -1)
check "ASK: catalog set while slot $S migrates from $A to $B ($got)" \
    [ "$got" = asked ] && [ "$(cl "$A" exists $K)" = 0 ]
for p in $(masters); do
    cl "$p" cluster setslot "$S" node "$(node_id "$B")" > /dev/null
done

# --- the placer: views on every master, one SCAN per master
NOW=$(date +%s)
H=$(date -u -d "@$NOW" +%Y%m%d%H)
# ids far apart (similar names share slots: CRC16 is linear)
PIDS_=$(for i in $(seq 1 90); do echo "$i" | md5sum | cut -c1-10; done)
i=0
for id in $PIDS_; do
    i=$((i + 1))
    C hset "vo:views:$id:$H" JP $((i % 40)) > /dev/null
done
n=$(for id in $PIDS_; do master_of "vo:views:$id:$H"; done | sort -u | wc -l)
LOG=$TMP/placements.log
"$WORKER" placer --redis "$RA" --log "$LOG" --scan-count 10 --once \
    --now "$NOW" 2> "$TMP/placer.err"
check "placer --once: exit 0" [ $? = 0 ]
check "placer: 90 videos seen, their keys on $n masters (all 3)" \
    grep -qx 'vidorigin_placer_videos 90' "$LOG.status" && [ "$n" = 3 ]
hints=0
for id in $PIDS_; do
    [ -n "$(C hget "vo:hint:$id" JP)" ] && hints=$((hints + 1))
done
check "placer: 90 hints written, each on its key's master ($hints)" \
    [ "$hints" = 90 ]
check "placer: the placement log stream (vo:placements) has 90 entries" \
    [ "$(C xlen vo:placements)" = 90 ]

# --- the production lock, shared by two serve processes
SRC=$(fixture_main)
ST=$TMP/store
"$WORKER" package --store "$ST" --id sf --source "$SRC" \
    --segment-duration 4 --eager none --log-level warn
WARGS="--store $ST --slots 2 --queue 4 --redis $RA --lock-ttl 5s
       --wait 30s --log-level info --prefetch off"
start_worker a $WARGS || bail $NAME "serve a starts"
start_worker b $WARGS || bail $NAME "serve b starts"
pids=""
for i in $(seq 1 30); do
    w=a; [ $((i % 2)) = 0 ] && w=b
    curl -s --max-time 60 --unix-socket "$TMP/$w.sock" -o "$TMP/seg.$i" \
        -w '%{http_code}\n' http://w/v/sf/360p/1.m4s > "$TMP/seg.$i.code" &
    pids="$pids $!"
done
wait $pids
check "30 concurrent requests over 2 workers: all 200" \
    [ "$(cat "$TMP"/seg.*.code | sort | uniq -c | awk '{print $1 $2}')" = 30200 ]
started=$(( $(metric a jobs_started_total) + $(metric b jobs_started_total) ))
check "one transcode over both workers ($started): the lock in the cluster" \
    [ "$started" = 1 ]
check "the lock released (vo:lock:sf/360p/1.m4s)" \
    [ "$(C exists vo:lock:sf/360p/1.m4s)" = 0 ]
check "no \"unreachable\" in the workers' logs" \
    not grep -q unreachable "$TMP/a.log" "$TMP/b.log"

# --- failover: the master of a lock's slot killed while both serve
# processes hold connections to it; after the promotion their next lock
# finds the new master (the map read again on the cut, the command sent
# once more): one transcode, nothing logged unreachable
LK=vo:lock:sf/360p/2.m4s
M=$(master_of $LK)
MR=$(replica_of "$M")
mpid=$(pid_of "$M")
kill -9 "$mpid"
wait "$mpid" 2>/dev/null
check "the master $M of $LK killed, its replica $MR promoted" \
    wait_for 100 eval 'cl "$MR" role 2>/dev/null | head -1 | grep -qx master'
check "every node agrees: $MR is the master of $LK's slot" \
    wait_for 100 all_agree "$LK" "$MR"
before=$(( $(metric a jobs_started_total) + $(metric b jobs_started_total) ))
rm -f "$TMP"/seg.*
pids=""
for i in $(seq 1 20); do
    w=a; [ $((i % 2)) = 0 ] && w=b
    curl -s --max-time 60 --unix-socket "$TMP/$w.sock" -o "$TMP/seg.$i" \
        -w '%{http_code}\n' http://w/v/sf/360p/2.m4s > "$TMP/seg.$i.code" &
    pids="$pids $!"
done
wait $pids
check "after the failover: 20 concurrent requests all 200" \
    [ "$(cat "$TMP"/seg.*.code | sort | uniq -c | awk '{print $1 $2}')" = 20200 ]
started=$(( $(metric a jobs_started_total) + $(metric b jobs_started_total) - before ))
check "after the failover: one transcode over both workers ($started)" \
    [ "$started" = 1 ]
check "after the failover: no outage seen by the workers" \
    not grep -q unreachable "$TMP/a.log" "$TMP/b.log"

finish $NAME
