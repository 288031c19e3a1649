#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The placer's configuration: the sample conf/placer.conf is valid (one
# run with only Redis and the log overridden by flags, its defaults
# visible in the start line and the log); each kind of mistake is refused
# at start with exit 1 and one line that names it.

. "$(dirname "$0")/lib.sh"

start_redis_port || exit 1
LOG=$TMP/p.log
T=$(date +%s)
views demo "$T" 0 JP 25

"$WORKER" placer --config "$ROOT/conf/placer.conf" \
    --redis "127.0.0.1:$RPORT" --log "$LOG" --once 2>"$TMP/sample.log"
check "sample config: one run, exit 0" [ $? = 0 ]
check "sample config: defaults (60 s, 72 h, 24 h, 20)" grep -qF \
    'every 60000 ms, window 259200 s, half-life 86400 s, threshold 20.000' \
    "$TMP/sample.log"
check "sample config: status next to the log" [ -s "$LOG.status" ]
check "sample config: JP cdn for 3 minutes" eval \
    '[ "$(hint demo JP | cut -d" " -f1)" = cdn ] && e=$(hint demo JP | cut -d" " -f3) && [ $((e - T)) -ge 180 ] && [ $((e - T)) -le 185 ]'
"$WORKER" placer --config "$ROOT/conf/placer.conf" \
    --redis "127.0.0.1:$RPORT" --log "$LOG" --once --threshold 25.001 \
    --half-life 1h --now "$T" 2>/dev/null
check "flags override the file: threshold 25.001" \
    [ "$(tail -n 1 "$LOG" | jq -r '[.decision, .threshold, .half_life_s] | map(tostring) | join(" ")')" = "origin 25.001 3600" ]

# refused MESSAGE ARGS...: exit 1, MESSAGE in the one line logged
refused() {
    local msg=$1
    shift
    "$WORKER" placer "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    [ $? = 1 ] && [ "$(wc -l < "$TMP/err")" = 1 ] && grep -qF -- "$msg" "$TMP/err" \
        || { cat "$TMP/err" >&2; return 1; }
}

L="--log $LOG --redis 127.0.0.1:$RPORT --once"
check "no log" refused 'placer needs a placement log' --redis 127.0.0.1:1 --once
check "unknown setting" refused 'unknown setting "treshold"' $L --treshold 3
check "threshold not a number" refused '"threshold" must be a decimal' $L --threshold many
check "threshold with 4 decimals" refused '"threshold" must be a decimal' $L --threshold 1.2345
check "interval below 1 s" refused '"interval" must be a duration' $L --interval 10ms
check "window below 1 h" refused '"window" must be a duration' $L --window 30m
check "bad scan-count" refused '"scan-count" must be a number from 10 to 100000' $L --scan-count 1
check "bad redis address" refused 'invalid redis address "nowhere"' --log "$LOG" --redis nowhere
check "redis off" refused 'placer needs Redis' --log "$LOG" --redis off
check "flag without a value" refused 'placer takes --name value pairs' --log "$LOG" --interval
check "missing config file" refused 'cannot open configuration' --config "$TMP/none.conf"
check "bad now" refused '"now" must be unix seconds' $L --now yesterday
check "bad log level" refused 'invalid log-level "loud"' $L --log-level loud
"$WORKER" placer --log "$TMP/nodir/p.log" --status "$TMP/p.status" \
    --redis "127.0.0.1:$RPORT" --once 2>"$TMP/err"; rc=$?
check "unwritable log: the run still writes hints, and says so" eval \
    '[ $rc = 0 ] && grep -q "cannot open the placement log" "$TMP/err" && grep -q "^vidorigin_placer_log_errors_total 1" "$TMP/p.status"'

finish placer-config
