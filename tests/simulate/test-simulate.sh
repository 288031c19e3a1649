#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The placement simulator (README "Placement simulator"): determinism,
# issue 16's JSON shape, the CSV, the calibration figures, the model file
# written and read back, bad options, and the issue's targets (preset
# external, alpha 0.6, 0.8, 1.0, trained on days 1-14 of one seed,
# played on days 15-28 of the next): 0.6 and 1.0 on a 20,000-video
# catalog, 0.8 on the default one (100,000 videos), timed: under 60 s.
# WORKER: the transcode-worker binary.
. "$(dirname "$0")/../lib/suite.sh"
W=${WORKER:-$ROOT/build/transcode-worker}
C="python3 $HERE/check.py"
small=(--videos 4000 --json)

"$W" simulate "${small[@]}" --seed 7 --csv "$TMP/a.csv" > "$TMP/a.json" 2> "$TMP/a.txt"
check "simulate exits 0" test $? -eq 0
"$W" simulate "${small[@]}" --seed 7 > "$TMP/b.json" 2>/dev/null
"$W" simulate "${small[@]}" --seed 8 > "$TMP/c.json" 2>/dev/null
check "the same seed gives the same JSON" cmp -s "$TMP/a.json" "$TMP/b.json"
check "another seed another" test "$(cat "$TMP/a.json")" != "$(cat "$TMP/c.json")"
check "the JSON has issue 16's shape" $C shape "$TMP/a.json"
check "the CSV has days 15-28 summing to each cost" $C csv "$TMP/a.csv" "$TMP/a.json"
check "the table prints the calibration figures" \
    grep -q "^calibration: .* under 100 views .* top 10% .* from one region" "$TMP/a.txt"

# the model written by --train, read back by --model: the same results
"$W" simulate "${small[@]}" --seed 7 --train --out "$TMP/m.json" --version 3 2>/dev/null
check "--train writes the model" grep -q '"version":3,"features":15' "$TMP/m.json"
"$W" simulate "${small[@]}" --seed 7 --model "$TMP/m.json" > "$TMP/d.json" 2>/dev/null
check "--model gives what training in the run gave" cmp -s "$TMP/a.json" "$TMP/d.json"

"$W" simulate --videos 4000 --bogus 1 >/dev/null 2>&1
check "an unknown option: exit 1" test $? -eq 1
"$W" simulate --videos 4000 --preset gcp >/dev/null 2>&1
check "an unknown preset: exit 1" test $? -eq 1
"$W" simulate --videos 4000 --train >/dev/null 2>&1
check "--train without --out: exit 1" test $? -eq 1
"$W" simulate --videos 4000 --days 10 --train-days 10 >/dev/null 2>&1
check "train-days >= days: exit 1" test $? -eq 1

for a in 0.6 1.0; do
    "$W" simulate --videos 20000 --alpha $a --json --check > "$TMP/t$a.json" 2> "$TMP/t$a.txt"
    check "alpha $a (20,000 videos): --check exits 0" test $? -eq 0
    check "alpha $a: the targets hold" $C targets "$TMP/t$a.json"
    check "alpha $a: calibration in range" $C calibration "$TMP/t$a.json"
    sed -n '/^targets/p' "$TMP/t$a.txt"
done

# the default run (100,000 videos, 28 days), timed: its CPU time (one
# thread), which a loaded machine does not stretch as it does the wall
# time (printed too)
/usr/bin/time -f "%U %S %e" -o "$TMP/time" \
    "$W" simulate --json --check > "$TMP/default.json" 2> "$TMP/default.txt"
rc=$?
cat "$TMP/default.txt"
read -r user sys wall < "$TMP/time"
cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
echo "# default run: ${cpu} s CPU, ${wall} s wall"
check "the default run exits 0 (targets met)" test $rc -eq 0
check "the default run takes under 60 s of CPU (${cpu} s; wall ${wall} s)" \
    awk -v c="$cpu" 'BEGIN { exit !(c < 60) }'
check "default run: the JSON's shape" $C shape "$TMP/default.json"
check "default run: calibration in range" $C calibration "$TMP/default.json"
check "default run: the targets hold" $C targets "$TMP/default.json"

finish simulate
