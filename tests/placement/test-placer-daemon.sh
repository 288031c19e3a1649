#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The placer as a daemon, on the real clock: Redis down at start (runs
# fail, logged and counted, the process stays), Redis up (hints
# written), new views picked up by a later run, Redis killed and
# restarted (failures counted, then back without a restart of the
# placer), every logged score consistent with its inputs; SIGTERM
# between runs and in the middle of a long run: exit 0 at once, no
# video half written.

. "$(dirname "$0")/lib.sh"

LOG=$TMP/placements.log
STATUS=$LOG.status
PORT=$(free_port)

metric() {
    awk -v m="$1" '$1 == m { print $2 }' "$STATUS" 2>/dev/null
}

# metric_ge METRIC N
metric_ge() {
    local v
    v=$(metric "$1")
    [ -n "$v" ] && [ "$v" -ge "$2" ]
}

M_OK='vidorigin_placer_runs_total{result="ok"}'
M_FAILED='vidorigin_placer_runs_total{result="failed"}'

# --- Redis down at start
"$WORKER" placer --redis "127.0.0.1:$PORT" --log "$LOG" --interval 1s \
    --redis-timeout 500ms 2>"$TMP/placer.log" </dev/null &
PL=$!
PIDS="$PIDS $PL"
check "Redis down: runs fail and are counted" \
    wait_for 50 metric_ge "$M_FAILED" 2
check "Redis down: Redis errors counted" \
    metric_ge vidorigin_placer_redis_errors_total 2
check "Redis down: logged" \
    grep -q "redis at \"127.0.0.1:$PORT\" unreachable" "$TMP/placer.log"
check "Redis down: the placer keeps running" kill -0 $PL
check "Redis down: no run ok, no success time" eval \
    '[ "$(metric "$M_OK")" = 0 ] && [ "$(metric vidorigin_placer_last_success_seconds)" = 0 ]'

# --- Redis up: the next run writes
start_redis_port "$PORT" || exit 1
T=$(date +%s)
views demo "$T" 0 JP 50
views demo "$T" 1 US 3
check "Redis up: JP's hint written within 3 s" \
    wait_for 30 eval '[ "$(hint demo JP | cut -d" " -f1)" = cdn ]'
check "Redis up: US origin" [ "$(hint demo US | cut -d" " -f1)" = origin ]
check "Redis up: the expiry is the run's time + 3 s" eval \
    'e=$(hint demo JP | cut -d" " -f3); [ $((e - $(date +%s))) -ge 0 ] && [ $((e - $(date +%s))) -le 3 ]'
check "status: a run ok, its time and duration" \
    wait_for 20 eval 'metric_ge "$M_OK" 1 && metric_ge vidorigin_placer_last_success_seconds $T'

# --- new views, picked up by a later run
views late "$(date +%s)" 0 BR 25
check "new views: picked up by a later run" \
    wait_for 30 eval '[ "$(hint late BR | cut -d" " -f1)" = cdn ]'
check "hints are refreshed each run" eval \
    'e1=$(hint demo JP | cut -d" " -f3); sleep 1.2; wait_for 20 eval "[ \$(hint demo JP | cut -d\" \" -f3) -gt $e1 ]"'

# --- Redis killed, then back (empty: no persistence)
f0=$(metric "$M_FAILED")
stop_redis
check "Redis killed: runs fail again" wait_for 40 metric_ge "$M_FAILED" $((f0 + 1))
check "Redis killed: the placer keeps running" kill -0 $PL
start_redis_port "$PORT" || exit 1
o0=$(metric "$M_OK")
views again "$(date +%s)" 0 DE 99
check "Redis back: runs resume without a restart" \
    wait_for 40 eval '[ "$(hint again DE | cut -d" " -f1)" = cdn ]'
check "Redis back: counted ok" metric_ge "$M_OK" $((o0 + 1))

# --- the log, on the real clock
check "log: every line valid, every score from its inputs" \
    log_scores_match "$LOG"
check "log and stream: one entry per decision" \
    [ "$(R xlen vo:placements)" -ge 1 ]

# --- SIGTERM between runs
t0=$(date +%s%N)
kill -TERM $PL
for i in $(seq 1 50); do kill -0 $PL 2>/dev/null || break; sleep 0.05; done
kill -9 $PL 2>/dev/null
wait $PL
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "SIGTERM: exit 0" [ "$rc" = 0 ]
check "SIGTERM: within 2 s ($ms ms)" [ "$ms" -lt 2000 ]
check "SIGTERM: logged" grep -q "stopped" "$TMP/placer.log"

# --- SIGTERM in a long run: the video being written is finished, no
# other is started
R flushall >/dev/null
T=$(date +%s)
H=$(hour_key "$T" 0)
for i in $(seq 1 20000); do
    echo "HSET vo:views:v$i:$H JP 1 US 30"
done | R >/dev/null
: > "$LOG"
"$WORKER" placer --redis "127.0.0.1:$PORT" --log "$LOG" --once \
    2>"$TMP/long.log" </dev/null &
PL=$!
PIDS="$PIDS $PL"
wait_for 100 eval '[ -s "$LOG" ]'
kill -TERM $PL
for i in $(seq 1 100); do kill -0 $PL 2>/dev/null || break; sleep 0.05; done
kill -9 $PL 2>/dev/null
wait $PL
rc=$?
n=$(wc -l < "$LOG")
check "SIGTERM mid-run: exit 0" [ "$rc" = 0 ]
check "SIGTERM mid-run: stopped before the end ($((n / 2)) of 20000 videos)" \
    [ "$n" -lt 40000 ]
check "SIGTERM mid-run: whole videos only (2 decisions each)" \
    [ $((n % 2)) = 0 ]
check "SIGTERM mid-run: as many hint keys as logged videos" \
    [ "$(R --scan --pattern 'vo:hint:*' | wc -l)" = $((n / 2)) ]
check "SIGTERM mid-run: stream and log agree" [ "$(R xlen vo:placements)" = "$n" ]
check "SIGTERM mid-run: every hint key has both regions" \
    [ "$(R --scan --pattern 'vo:hint:*' | head -50 | while read -r k; do R hlen "$k"; done | sort -u)" = 2 ]

finish placer-daemon
