#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Restarts: what was done is not sent again, what was not is sent; a
# batch cut by kill -9 is sent again identically (same CallerReference,
# so CloudFront keeps one invalidation); kept failures survive; a second
# purger on the same state refuses to run; a journal that is replaced
# is followed, and a state file that does not describe the journal any
# more costs a reread, not a resend.

. "$(dirname "$0")/lib.sh"

start_receiver recv || exit 1

# sent COUNT JQ_FILTER: COUNT requests match, all answered with success
sent() {
    has_req "$1" "($2) and (.status == 201 or .status == 200)"
}

# --- a first run: 1-3 sent, 3 rejected by Cloudflare (kept; its batch
# 1-3 was rejected whole, then sent one by one)
start_purger run1 || exit 1
control '{"cdn": "cloudflare", "reject_matching": "/v/three/"}'
journal "1 1764688000000 /v/one/" "2 1764688000000 /v/two/" \
        "3 1764688000000 /v/three/"
check "run 1: 1-3 done by CloudFront" \
    wait_for 50 metric_is last_seq cloudfront 3
check "run 1: 1-3 done by Cloudflare" \
    wait_for 50 metric_is last_seq cloudflare 3
check "run 1: Cloudflare kept 3 as a failure" \
    metric_is failed_total cloudflare 1
control '{"cdn": "cloudflare", "reset": true}'
stop_purger
check "run 1: exit 0" [ "$STOP_RC" = 0 ]
check "run 1: state says 3 done, nothing in flight" \
    eval 'grep -qx "cdn cloudfront 3 0" "$STATE" && grep -qx "cdn cloudflare 3 0" "$STATE"'
before=$(nreq 'true')

# --- purges while the purger is down are sent at the next start, and
# nothing before them
journal "4 1764688000000 /v/four/" "5 1764688000000 /v/five/"
start_purger run2 || exit 1
check "run 2: 4-5 sent to CloudFront" \
    wait_for 50 sent 1 '.caller_reference == "vidorigin-test-origin-4-5"'
check "run 2: 4-5 sent to Cloudflare" \
    wait_for 50 sent 1 '.prefixes == ["'"$PUBHOST"'/v/four/", "'"$PUBHOST"'/v/five/"]'
check "run 2: exactly those 2 requests" \
    wait_for 20 eval '[ $(nreq true) = $((before + 2)) ]'
check "run 2: 1-3 not sent again to CloudFront" \
    has_req 1 '.caller_reference == "vidorigin-test-origin-1-3"'
check "run 2: 1 not sent again to Cloudflare" \
    sent 1 '.prefixes and (.prefixes | any(test("/v/one/")))'
check "run 2: the kept failure is still in the status file" \
    grep -q '^vidorigin_cdn_purge_failure{cdn="cloudflare",seq="3",prefix="/v/three/",status="400"' \
    "$STATUS"
check "run 2: counters start from 0 again (sent_total 2)" \
    metric_is sent_total cloudfront 2

# --- a second purger on the same state refuses
"$WORKER" purger --journal "$JOURNAL" --cloudflare-zone "$ZONE" \
    --cloudflare-host "$PUBHOST" \
    --cloudflare-endpoint "http://127.0.0.1:$RECV_PORT" 2>"$TMP/second.log"
check "second purger: exit 1" [ $? = 1 ]
check "second purger: says why" \
    grep -q 'another purger holds ".*purge.journal.state.lock": already running' \
    "$TMP/second.log"

# --- kill -9 in the middle of a batch's retries: the same batch, the
# same CallerReference, after the restart; Cloudflare had done it and is
# not asked again
control '{"cdn": "cloudfront", "fail_next": 1000, "fail_status": 503}'
kill -STOP "$PURGER_PID"
journal "6 1764688000000 /v/six/" "7 1764688000000 /v/seven/"
kill -CONT "$PURGER_PID"
check "kill -9: batch 6-7 failing" \
    wait_for 50 has_req 2 '.caller_reference == "vidorigin-test-origin-6-7"'
check "kill -9: Cloudflare did 6-7" wait_for 50 metric_is last_seq cloudflare 7
kill -9 "$PURGER_PID"
wait "$PURGER_PID" 2>/dev/null
check "kill -9: state has 6-7 in flight for CloudFront" \
    grep -qx 'cdn cloudfront 5 7' "$STATE"
control '{"cdn": "cloudfront", "reset": true}'
journal "8 1764688000000 /v/eight/"
start_purger run3 || exit 1
check "after kill -9: batch 6-7 sent again as it was (not 6-8)" \
    wait_for 50 sent 1 '.caller_reference == "vidorigin-test-origin-6-7" and .paths == ["/v/six/*", "/v/seven/*"]'
check "after kill -9: 8 on its own" \
    wait_for 50 sent 1 '.caller_reference == "vidorigin-test-origin-8"'
check "after kill -9: Cloudflare sent 8" \
    wait_for 50 sent 1 '.prefixes == ["'"$PUBHOST"'/v/eight/"]'
check "after kill -9: Cloudflare not asked for 6-7 again" \
    has_req 1 '.prefixes and (.prefixes | any(test("/v/six/")))'

# --- kill -9 after CloudFront accepted but before the purger heard it:
# the retry carries the same CallerReference and gets the same
# invalidation back (the receiver, like CloudFront, makes one)
control '{"cdn": "cloudfront", "delay": 1}'
journal "9 1764688000000 /v/nine/"
check "accepted, answer pending: in flight" \
    wait_for 30 grep -qx 'cdn cloudfront 8 9' "$STATE"
sleep 0.5
kill -9 "$PURGER_PID"
wait "$PURGER_PID" 2>/dev/null
check "accepted, answer pending: the receiver made the invalidation" \
    wait_for 20 sent 1 '.caller_reference == "vidorigin-test-origin-9"'
control '{"cdn": "cloudfront", "reset": true}'
start_purger run4 || exit 1
check "same CallerReference again after the restart" \
    wait_for 50 sent 2 '.caller_reference == "vidorigin-test-origin-9"'
check "the same invalidation answered both times" [ "$(jq -s \
    '[.[] | select(.caller_reference == "vidorigin-test-origin-9") | .id] | unique | length' \
    "$REQS")" = 1 ]
check "logged with its invalidation id" \
    grep -q 'cloudfront: purge 9 sent as I[0-9]*' "$TMP/run4.log"

# --- the journal is replaced (rotated) while the purger runs
check "before rotation: 9 done" wait_for 30 metric_is last_seq cloudfront 9
mv "$JOURNAL" "$JOURNAL.1"
journal "10 1764688000000 /v/ten/"
check "rotated journal: followed, 10 sent" \
    wait_for 50 sent 1 '.caller_reference == "vidorigin-test-origin-10"'
check "rotated journal: logged" \
    grep -q 'was replaced: following the new file from its start' \
    "$TMP/run4.log"
stop_purger
check "run 4: exit 0" [ "$STOP_RC" = 0 ]

# --- a journal that is not the one the state file saw (copied: another
# inode) is read from its start; nothing done is sent again
count0=$(nreq 'true')
cp "$JOURNAL.1" "$TMP/j/copy"
cat "$JOURNAL" >> "$TMP/j/copy"
mv "$TMP/j/copy" "$JOURNAL"
journal "11 1764688000000 /v/eleven/"
start_purger run5 || exit 1
check "another journal file: 11 sent" \
    wait_for 50 sent 1 '.caller_reference == "vidorigin-test-origin-11"'
check "another journal file: only 11 sent (2 requests)" \
    wait_for 20 eval '[ $(nreq true) = $((count0 + 2)) ]'
check "another journal file: logged" \
    grep -q 'is not the file the state file saw: reading it from the start' \
    "$TMP/run5.log"
stop_purger

# --- a state file that cannot be read is not guessed at
cp "$STATE" "$TMP/state.good"
echo "cdn cloudfront twelve 0" >> "$STATE"
"$WORKER" purger --journal "$JOURNAL" --cloudflare-zone "$ZONE" \
    --cloudflare-host "$PUBHOST" 2>"$TMP/bad-state.log"
check "invalid state file: exit 1" [ $? = 1 ]
check "invalid state file: says which line" grep -q \
    'state file ".*", line [0-9]*: not a purger state line' \
    "$TMP/bad-state.log"
cp "$TMP/state.good" "$STATE"

check "no temporary file left" [ -z "$(ls "$TMP/j" | grep tmp)" ]

finish cdn-restart
