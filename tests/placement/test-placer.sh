#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# placer --once on seeded views, at a fixed time (--now) so that every
# score is checked against the definition: JP heavy over the last hours
# (cdn), US a few (origin), DE only 5 days ago (outside the 72 h window:
# origin, score 0); the threshold is inclusive; the window's edge; keys
# and fields that do not parse are skipped; lapsed and invalid hint
# fields removed, live ones kept; expiries; the log lines and the stream;
# SCAN with COUNT, never KEYS; a second run with the views gone flips
# cdn to origin; a third, once everything lapsed, leaves no hint.

. "$(dirname "$0")/lib.sh"

start_redis_port || exit 1

NOW=1764700000                   # 2025-12-02 18:26:40 UTC
LOG=$TMP/placements.log
STATUS=$LOG.status
P="$WORKER placer --redis 127.0.0.1:$RPORT --log $LOG --scan-count 50"

# --- the views, as nginx writes them
views demo $NOW 0 JP 30 US 2
views demo $NOW 1 JP 20
views demo $NOW 5 JP 10
views demo $NOW 3 US 1
views demo $NOW 120 DE 500
views edge $NOW 0 JP 20          # exactly the threshold: cdn
views edge2 $NOW 0 JP 19         # just below: origin
views win $NOW 72 US 100         # the oldest hour within 72 h
views win $NOW 73 US 100         # just outside
# skipped: a month 13, not an hour, a region with a space, not a count,
# a key that is not a hash
R hset vo:views:demo:2025130100 JP 1000 >/dev/null
R hset vo:views:demo:notanhour JP 1000 >/dev/null
views demo $NOW 0 "J P" 1000 FR abc
R set vo:views:stray:$(hour_key $NOW 0) "not a hash" >/dev/null
# previous hints: invalid (removed), lapsed origin (removed), live
# origin of a region without views (kept as it is)
R hset vo:hint:demo XX garbage BR "origin 1.000 $((NOW - 10))" \
    AR "origin 3.000 $((NOW + 100))" >/dev/null
# 250 videos, ZZ with i views each: several SCAN batches of 50
for i in $(seq 1 250); do
    echo "HSET vo:views:m$i:$(hour_key $NOW 0) ZZ $i"
done | R >/dev/null

R monitor > "$TMP/monitor" 2>/dev/null &
MON=$!
PIDS="$PIDS $MON"
wait_for 50 grep -q OK "$TMP/monitor"

$P --once --now $NOW 2>"$TMP/run1.log"
check "run 1: exit 0" [ $? = 0 ]
kill $MON 2>/dev/null

# hand computation (docs/placer.md): NOW is 1600 s into its hour, so the
# hour 0 back is 0 old, 1 back 1600 s, 5 back 1600 + 4 x 3600 s:
#   JP = 30 + 20 x 0.5^(0.4444/24) + 10 x 0.5^(4.4444/24)
#      = 30 + 19.745 + 8.795 = 58.540
#   US = 2 + 1 x 0.5^(2.4444/24) = 2.932
#   win = 100 x 0.5^(71.4444/24) = 12.702
check "JP score by hand" [ "$(expected_score $NOW 24 "0:30 1:20 5:10" 72)" = 58.540 ]
check "JP: cdn 58.540, expires now + 3 x 60 s" \
    [ "$(hint demo JP)" = "cdn 58.540 $((NOW + 180))" ]
check "US: origin 2.932" [ "$(hint demo US)" = "origin 2.932 $((NOW + 180))" ]
check "US score by hand" [ "$(expected_score $NOW 24 "0:2 3:1" 72)" = 2.932 ]
check "DE, views only 5 days ago: origin 0.000" \
    [ "$(hint demo DE)" = "origin 0.000 $((NOW + 180))" ]
check "score at the threshold: cdn" [ "$(hint edge JP)" = "cdn 20.000 $((NOW + 180))" ]
check "score below it: origin" [ "$(hint edge2 JP)" = "origin 19.000 $((NOW + 180))" ]
check "window: the hour 72 back counts, 73 back does not" \
    [ "$(hint win US)" = "origin $(expected_score $NOW 24 "72:100 73:100" 72) $((NOW + 180))" ]
check "win score by hand" [ "$(expected_score $NOW 24 "72:100" 72)" = 12.702 ]
check "an invalid hint field removed" [ "$(R hexists vo:hint:demo XX)" = 0 ]
check "a lapsed origin removed" [ "$(R hexists vo:hint:demo BR)" = 0 ]
check "a live origin without views kept as it was" \
    [ "$(hint demo AR)" = "origin 3.000 $((NOW + 100))" ]
check "invalid region and count skipped" eval \
    '[ "$(R hexists vo:hint:demo "J P")" = 0 ] && [ "$(R hexists vo:hint:demo FR)" = 0 ]'
check "hint key TTL: latest expiry + interval (240 s)" eval \
    '[ "$(R ttl vo:hint:demo)" -gt 230 ] && [ "$(R ttl vo:hint:demo)" -le 240 ]'
check "250 videos over several SCAN batches" \
    [ "$(R --scan --pattern 'vo:hint:m*' | wc -l)" = 250 ]
check "m19 origin, m20 cdn, m250 cdn" eval \
    '[ "$(hint m19 ZZ)" = "origin 19.000 $((NOW + 180))" ] && [ "$(hint m20 ZZ)" = "cdn 20.000 $((NOW + 180))" ] && [ "$(hint m250 ZZ)" = "cdn 250.000 $((NOW + 180))" ]'
check "SCAN with COUNT 50, more than once" eval \
    '[ "$(grep -c "\"SCAN\" \"[0-9]*\" \"MATCH\" \"vo:views:\*\" \"COUNT\" \"50\"" "$TMP/monitor")" -gt 2 ]'
check "never KEYS" eval '! grep -qi "\"KEYS\"" "$TMP/monitor"'

# --- the log: one valid JSON line per decision with its inputs
check "log: 256 lines (3 + 1 + 1 + 1 + 250 decisions)" [ "$(wc -l < "$LOG")" = 256 ]
check "log: every line a JSON object" [ "$(jq -c . "$LOG" | wc -l)" = 256 ]
check "log: every input present" [ "$(jq -c 'select(has("time") and has("video") and has("region") and has("counts") and has("score") and has("threshold") and has("half_life_s") and has("window_s") and has("decision") and has("previous") and has("expires"))' "$LOG" | wc -l)" = 256 ]
JP1=$(jq -c 'select(.video == "demo" and .region == "JP")' "$LOG")
check "log: JP's counts, oldest first" [ "$(jq -c .counts <<<"$JP1")" = \
    "[{\"hour\":\"$(hour_key $NOW 5)\",\"views\":10},{\"hour\":\"$(hour_key $NOW 1)\",\"views\":20},{\"hour\":\"$(hour_key $NOW 0)\",\"views\":30}]" ]
check "log: JP's score, threshold, half-life, decision, time" \
    [ "$(jq -r '[.score, .threshold, .half_life_s, .window_s, .decision, .time, .previous, .reason] | map(tostring) | join(" ")' <<<"$JP1")" = \
      "58.54 20 86400 259200 cdn $NOW null views" ]
check "log: DE used no count" \
    [ "$(jq -c 'select(.video == "demo" and .region == "DE") | .counts' "$LOG")" = "[]" ]
check "log: every score recomputed from its line's inputs" \
    log_scores_match "$LOG"
check "stream: 256 entries" [ "$(R xlen vo:placements)" = 256 ]
R xrange vo:placements - + | awk 'p == "json" { print } { p = $0 }' \
    > "$TMP/stream"
check "stream: the same objects as the log" cmp -s "$TMP/stream" "$LOG"
check "status: runs ok 1, failed 0" eval \
    'status_is "$STATUS" "vidorigin_placer_runs_total{result=\"ok\"}" 1 && status_is "$STATUS" "vidorigin_placer_runs_total{result=\"failed\"}" 0'
check "status: 233 cdn, 23 origin, 254 videos" eval \
    'status_is "$STATUS" "vidorigin_placer_decisions_total{decision=\"cdn\"}" 233 && status_is "$STATUS" "vidorigin_placer_decisions_total{decision=\"origin\"}" 23 && status_is "$STATUS" vidorigin_placer_videos 254'
check "status: 5 skipped, no Redis error" eval \
    'status_is "$STATUS" vidorigin_placer_skipped_total 5 && status_is "$STATUS" vidorigin_placer_redis_errors_total 0'

# --- run 2, a minute later, the views gone: cdn flips to origin, the
# origins stay as they are until they lapse
R --scan --pattern 'vo:views:*' | xargs -n 100 redis-cli -p "$RPORT" del >/dev/null
NOW2=$((NOW + 60))
$P --once --now $NOW2 2>"$TMP/run2.log"
check "run 2: exit 0" [ $? = 0 ]
check "run 2: JP flipped to origin" [ "$(hint demo JP)" = "origin 0.000 $((NOW2 + 180))" ]
check "run 2: US kept (an origin lapses by itself)" \
    [ "$(hint demo US)" = "origin 2.932 $((NOW + 180))" ]
check "run 2: m20 flipped, m19 kept" eval \
    '[ "$(hint m20 ZZ)" = "origin 0.000 $((NOW2 + 180))" ] && [ "$(hint m19 ZZ)" = "origin 19.000 $((NOW + 180))" ]'
check "run 2: 233 more lines" [ "$(wc -l < "$LOG")" = $((256 + 233)) ]
JP2=$(tail -n 233 "$LOG" | jq -c 'select(.video == "demo" and .region == "JP")')
check "run 2: JP's line: no views, the previous cdn hint" \
    [ "$(jq -r '[.reason, .decision, .previous.decision, .previous.score, .previous.expires, (.counts | length)] | map(tostring) | join(" ")' <<<"$JP2")" = \
      "no-views origin cdn 58.54 $((NOW + 180)) 0" ]
check "run 2: stream 489" [ "$(R xlen vo:placements)" = 489 ]

# --- run 3, once every hint lapsed: nothing left, nothing logged
$P --once --now $((NOW + 400)) 2>"$TMP/run3.log"
check "run 3: exit 0" [ $? = 0 ]
check "run 3: no hint key left" [ "$(R --scan --pattern 'vo:hint:*' | wc -l)" = 0 ]
check "run 3: no decision" [ "$(wc -l < "$LOG")" = 489 ]

finish placer-decisions
