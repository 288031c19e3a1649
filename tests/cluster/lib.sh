# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# Shared by tests/cluster/test-*.sh, sourced after tests/redis/lib.sh (nginx)
# or tests/lib/worker.sh (the worker): a real Redis Cluster of three masters
# with a replica each, on six loopback ports the system picks
# (redis-server --cluster-enabled yes, redis-cli --cluster create
# --cluster-replicas 1), cluster-node-timeout 1000 ms so that a master
# killed is replaced within a few seconds.  Every wait is bounded.

CL_PORTS=""
CL_PIDS=""
CL_TIMEOUT=${CL_TIMEOUT:-1000}

# cl PORT ARGS...: redis-cli on one node; C ARGS...: on the cluster
# (follows MOVED, from the first node up)
cl() { local p=$1; shift; redis-cli -h 127.0.0.1 -p "$p" "$@"; }
C() {
    local p
    for p in $CL_PORTS; do
        if cl "$p" ping >/dev/null 2>&1; then
            redis-cli -c -h 127.0.0.1 -p "$p" "$@"
            return
        fi
    done
    return 1
}

# node_port: a free port whose bus port (+ 10000) is a port too
node_port() {
    local p i
    for i in 1 2 3 4 5 6 7 8 9 10; do
        p=$(free_port)
        [ "$p" -lt 55000 ] && { echo "$p"; return; }
    done
    echo $(( 20000 + RANDOM % 30000 ))
}

# start_node [PORT]: one redis-server in cluster mode on PORT, or a free
# port (its bus port, + 10000, free too); another port when it does not
# come up
start_node() {
    local p dir pid try
    for try in 1 2 3 4 5; do
        p=${1:-$(node_port)}
        case " $CL_PORTS " in *" $p "*) continue ;; esac
        dir=$TMP/cluster/$p
        mkdir -p "$dir"
        (cd "$dir" && exec redis-server --port "$p" --bind 127.0.0.1 \
            --cluster-enabled yes --cluster-config-file nodes.conf \
            --cluster-node-timeout "$CL_TIMEOUT" --save '' --appendonly no \
            --daemonize no --logfile "$dir/redis.log" </dev/null) &
        pid=$!
        PIDS="$PIDS $pid"
        if wait_for 30 eval "cl $p ping >/dev/null 2>&1"; then
            CL_PORTS="$CL_PORTS $p"
            CL_PIDS="$CL_PIDS $pid"
            return 0
        fi
        # the port (or its bus port) taken meanwhile: another
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        [ -z "${1:-}" ] || return 1
    done
    return 1
}

# start_cluster [PORT...]: six nodes (the first on the PORTs given),
# three masters, a replica each; sets CL_PORTS, CL_SEEDS
# ("127.0.0.1:P,127.0.0.1:P": the first two, masters)
start_cluster() {
    local p i nodes=""
    mkdir -p "$TMP/cluster"
    for p in "$@"; do
        start_node "$p" || return 1
    done
    for i in $(seq $(($# + 1)) 6); do
        start_node || return 1
    done
    for p in $CL_PORTS; do
        nodes="$nodes 127.0.0.1:$p"
    done
    # shellcheck disable=SC2086
    redis-cli --cluster create $nodes --cluster-replicas 1 --cluster-yes \
        > "$TMP/cluster/create.log" 2>&1 || return 1
    wait_for 150 cluster_ok || return 1
    set -- $CL_PORTS
    CL_SEEDS="127.0.0.1:$1,127.0.0.1:$2"
}

# every node says the cluster is ok and knows three masters and three
# replicas (a replica is one once every node has heard so)
cluster_ok() {
    local p nodes
    for p in $CL_PORTS; do
        cl "$p" cluster info 2>/dev/null | grep -q 'cluster_state:ok' \
            || return 1
        nodes=$(cl "$p" cluster nodes 2>/dev/null)
        [ "$(echo "$nodes" | awk '$3 ~ /slave/' | wc -l)" = 3 ] || return 1
        [ "$(echo "$nodes" | awk '$3 ~ /master/' | wc -l)" = 3 ] || return 1
    done
}

# pid_of PORT: the redis-server of a node
pid_of() {
    local p i=0 pid
    for p in $CL_PORTS; do
        i=$((i + 1))
        [ "$p" = "$1" ] && { echo "$CL_PIDS" | awk -v n="$i" '{ print $n }'; return; }
    done
}

# master_of KEY: the port of the master holding KEY's slot (as the
# cluster says now, from CLUSTER NODES: a master's line ends with its
# slot ranges)
master_of() {
    local slot
    slot=$(C cluster keyslot "$1")
    C cluster nodes | awk -v s="$slot" '$3 ~ /master/ && $3 !~ /fail/ {
        for (i = 9; i <= NF; i++) {
            n = split($i, r, "-")
            lo = r[1]; hi = (n == 2) ? r[2] : r[1]
            if (lo ~ /^[0-9]+$/ && s + 0 >= lo + 0 && s + 0 <= hi + 0) {
                split($2, a, "[:@]"); print a[2]; exit
            }
        }
    }'
}

# all_agree KEY PORT: every node up says PORT is the master of KEY's slot
all_agree() {
    local p slot
    slot=$(C cluster keyslot "$1")
    for p in $CL_PORTS; do
        cl "$p" ping >/dev/null 2>&1 || continue
        cl "$p" cluster nodes | awk -v s="$slot" -v want="$2" '
            $3 ~ /master/ && $3 !~ /fail/ {
                for (i = 9; i <= NF; i++) {
                    n = split($i, r, "-"); lo = r[1]; hi = (n == 2) ? r[2] : r[1]
                    if (lo ~ /^[0-9]+$/ && s + 0 >= lo + 0 && s + 0 <= hi + 0) {
                        split($2, a, "[:@]"); found = a[2]
                    }
                }
            }
            END { exit !(found == want) }' || return 1
    done
}

# node_id PORT: a node's id
node_id() { cl "$1" cluster myid; }

# masters: the ports of the masters now, as a node still up sees them
masters() {
    C cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ { split($2, a, "[:@]"); print a[2] }'
}

# replica_of PORT: the port of a master's replica
replica_of() {
    local id
    id=$(node_id "$1")
    C cluster nodes | awk -v id="$id" '$4 == id { split($2, a, "[:@]"); print a[2] }'
}

# move_slot SLOT TO_PORT: an empty slot given to another master
# (CLUSTER SETSLOT NODE on every master, as a reshard ends)
move_slot() {
    local id p
    id=$(node_id "$2")
    for p in $(masters); do
        cl "$p" cluster setslot "$1" node "$id" >/dev/null
    done
}
