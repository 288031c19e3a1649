#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/simulate/test-placer-train.sh: "placer train", the learned
# policy's model fitted on the view counts in Redis (docs/placer.md).
#
# A real redis-server on loopback, counts written in the module's key
# layout (views.py): first too little history (one day; then five days
# of the long tail alone, one label class), which fails with its reason
# and writes nothing; then five days of 12 videos popular in US (and a
# long tail in DE) and 24 long-tail videos.  placer train --publish: the
# model file parses, its version in Redis is 1, then 2 after a second
# training; one placer run with "policy learned" and that model: the
# popular (video, US) pairs get a cdn hint, the long tail origin.
# WORKER: the transcode-worker binary.
. "$(dirname "$0")/../lib/suite.sh"
W=${WORKER:-$ROOT/build/transcode-worker}

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
    --logfile "$TMP/redis.log" &
PIDS="$PIDS $!"
for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.05; done
R() { redis-cli -p "$rport" "$@"; }
check "redis-server answers" [ "$(R ping)" = PONG ]

now=1796040000                      # 2026-12-01 12:00 UTC, + 30 min
now=$((now + 1800))
load() { python3 "$HERE/views.py" "$now" "$@" | R --pipe >/dev/null; }
train() { "$W" placer train --redis "127.0.0.1:$rport" --now "$now" "$@"; }

# --- too little history
load 1 popular:3 tail:3
train --out "$TMP/m0.json" --publish 2> "$TMP/t0.err"
check "one day of history: exit 1" [ $? = 1 ]
check "... saying why ($(tail -1 "$TMP/t0.err"))" \
    grep -q "too little history: 0 samples, 200 needed" "$TMP/t0.err"
check "... nothing written" [ ! -e "$TMP/m0.json" ]
check "... nothing published" [ -z "$(R hget vo:model:placement version)" ]
R flushall >/dev/null
load 5 tail:60
train --out "$TMP/m0.json" 2> "$TMP/t0.err"
check "the long tail alone (one label class): exit 1" [ $? = 1 ]
check "... saying why ($(tail -1 "$TMP/t0.err"))" \
    grep -q "too little history: every one of the [0-9]* samples is below the break-even" "$TMP/t0.err"
check "... nothing written" [ ! -e "$TMP/m0.json" ]
"$W" placer train --redis "127.0.0.1:$rport" --preset gcp --out "$TMP/m0.json" 2>/dev/null
check "an unknown preset: exit 1" [ $? = 1 ]
"$W" placer train --redis "127.0.0.1:$rport" 2>/dev/null
check "neither --out nor --publish: exit 1" [ $? = 1 ]

# --- five days of history
R flushall >/dev/null
load 5 popular:12 tail:24
check "the counts are in Redis ($(R dbsize) keys)" [ "$(R dbsize)" -gt 100 ]
t0=$(date +%s.%N)
train --out "$TMP/m1.json" --publish 2> "$TMP/t1.err"
check "placer train --publish: exit 0 ($(grep -o '[0-9]* samples' "$TMP/t1.err"))" [ $? = 0 ]
echo "# trained in $(echo "$(date +%s.%N) - $t0" | bc) s"
check "the model file parses: version 1, 15 weights, preset external" \
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1]));
assert m["version"]==1 and m["features"]==15 and len(m["weights"])==15
assert m["preset"]=="external" and "US=" in m["regions"]' "$TMP/m1.json"
check "Redis has version 1" [ "$(R hget vo:model:placement version)" = 1 ]
check "... with the file's JSON" [ "$(R hget vo:model:placement json)" = "$(cat "$TMP/m1.json")" ]
train --publish --window 12h 2> "$TMP/t2.err"
check "a second training: exit 0" [ $? = 0 ]
check "... Redis has version 2" [ "$(R hget vo:model:placement version)" = 2 ]
train --out "$TMP/m3.json" --window 3h 2>/dev/null
check "--out alone: version 3 on disk, Redis still at 2" \
    [ "$(jq .version "$TMP/m3.json"):$(R hget vo:model:placement version)" = 3:2 ]
# an AWS origin (the fill free): wherever a view comes the CDN pays
train --out "$TMP/m4.json" --preset aws 2> "$TMP/t4.err"
check "--preset aws: one label class, exit 1 ($(tail -1 "$TMP/t4.err"))" \
    grep -q "every one of the [0-9]* samples is above the break-even under preset aws" "$TMP/t4.err"
# own servers (flat): the CDN dearer than the origin everywhere
train --out "$TMP/m4.json" --preset flat 2> "$TMP/t4.err"
check "--preset flat: nothing to learn, exit 1 ($(tail -1 "$TMP/t4.err"))" \
    grep -q "under preset flat a CDN view costs more" "$TMP/t4.err"
check "... nothing written" [ ! -e "$TMP/m4.json" ]

# --- a placer run with the trained model (version 1 on disk, 2 in Redis)
printf '%s\n' "redis 127.0.0.1:$rport" "log $TMP/placer.log" \
    "policy learned" "model $TMP/m1.json" "window 168h" "now $now" > "$TMP/placer.conf"
"$W" placer --config "$TMP/placer.conf" --once 2> "$TMP/placer.err"
check "placer --once with policy learned: exit 0" [ $? = 0 ]
check "... it took version 2 from Redis" grep -q "model version 2 from vo:model:placement" "$TMP/placer.err"
hints() {   # REGION VIDEO...: the decisions
    local region=$1 v; shift
    for v in "$@"; do R hget "vo:hint:$v" "$region" | cut -d' ' -f1; done | sort | uniq -c | tr -s ' \n' ' '
}
pop=$(seq -f 'p%g' 0 11)
tailv=$(seq -f 't%g' 0 23)
check "the popular (video, US) pairs are cdn ($(hints US $pop))" \
    [ "$(hints US $pop)" = " 12 cdn " ]
check "their DE long tail is origin ($(hints DE $pop))" \
    [ "$(hints DE $pop)" = " 12 origin " ]
tl=$(for v in $tailv; do R hvals "vo:hint:$v"; done | cut -d' ' -f1 | sort | uniq -c | tr -s ' \n' ' ')
check "the long-tail videos are origin ($tl)" [ "$tl" = " 24 origin " ]
check "the decisions are logged with model version 2" \
    [ "$(grep -c '"policy":"learned","model_version":2,' "$TMP/placer.log")" = 48 ]

finish placer-train
