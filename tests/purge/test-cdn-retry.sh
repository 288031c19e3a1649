#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Retries and failures: 5xx then success (the same batch and
# CallerReference each time, signed anew, spaced by the backoff); 429
# with Retry-After; a 4xx kept at once, never retried; one bad path in a
# batch does not fail its neighbours; attempts run out; a CDN that fails
# does not hold the other back; a receiver that is down or too slow
# (bounded by the timeouts).  Every failure kept is in the status file
# with its seq, prefix, HTTP status and the CDN's message.

. "$(dirname "$0")/lib.sh"

start_receiver recv || exit 1

# backoff 100, 200, 400 ms; Retry-After honoured up to 1.5 s
start_purger purger --retry-max-delay 1500ms || exit 1

# gap JQ_FILTER I: seconds between matching requests I-1 and I
gap() {
    jq -s "[.[] | select($1)] | .[$2].time - .[$2 - 1].time" "$REQS"
}

# --- 5xx, then success
control '{"cdn": "cloudfront", "fail_next": 2, "fail_status": 500}'
control '{"cdn": "cloudflare", "fail_next": 2, "fail_status": 503}'
journal "1 1764688000000 /v/retry/"

check "500, 500, 201: CloudFront gets 3 attempts" \
    wait_for 50 has_req 1 '.cdn == "cloudfront" and .status == 201'
check "500, 500, 201: statuses in order" \
    [ "$(jq -sc '[.[] | select(.cdn == "cloudfront") | .status]' "$REQS")" \
      = '[500,500,201]' ]
check "retries: one CallerReference for all attempts" \
    has_req 3 '.caller_reference == "vidorigin-test-origin-1" and .paths == ["/v/retry/*"]'
check "retries: every attempt validly signed" \
    has_req 3 '.cdn == "cloudfront" and .signature_error == null'
check "retries: backoff 100 ms before the 2nd attempt" \
    python3 -c "import sys; sys.exit(not $(gap '.cdn == "cloudfront"' 1) >= 0.09)"
check "retries: backoff 200 ms before the 3rd" \
    python3 -c "import sys; sys.exit(not $(gap '.cdn == "cloudfront"' 2) >= 0.19)"
check "503, 503, 200: Cloudflare done too" \
    wait_for 50 has_req 1 '.cdn == "cloudflare" and .status == 200'
check "status: retries_total 2 for cloudfront" \
    wait_for 20 metric_is retries_total cloudfront 2
check "status: retries_total 2 for cloudflare" \
    metric_is retries_total cloudflare 2
check "status: sent_total 1, failed_total 0" \
    eval 'metric_is sent_total cloudfront 1 && metric_is failed_total cloudfront 0'
check "log: each failed attempt logged once" \
    [ "$(grep -c 'purge 1: HTTP 50[03] .*attempt [12] of 4' \
         "$TMP/purger.log")" = 4 ]
check "log: the CDN's words in the warning" grep -q \
    'cloudfront: purge 1: HTTP 500 ServiceUnavailable: test receiver: failing on purpose; attempt 1 of 4, next in 100 ms' \
    "$TMP/purger.log"

# --- 429 with Retry-After: 1
control '{"cdn": "cloudflare", "fail_next": 1, "fail_status": 429, "retry_after": 1}'
journal "2 1764688000000 /v/slow-down/"
check "429: then 200" \
    wait_for 50 has_req 1 '.prefixes == ["'"$PUBHOST"'/v/slow-down/"] and .status == 200'
check "429: the retry waited Retry-After (1 s), not the 100 ms backoff" \
    python3 -c "import sys; sys.exit(not $(gap '.prefixes == ["'"$PUBHOST"'/v/slow-down/"]' 1) >= 0.95)"

# --- a 4xx is kept at once
control '{"cdn": "cloudfront", "always_status": 400}'
control '{"cdn": "cloudflare", "always_status": 400}'
journal "3 1764688000000 /v/rejected/"
check "4xx: CloudFront failure kept" \
    wait_for 50 metric_is failed_total cloudfront 1
check "4xx: Cloudflare failure kept" \
    wait_for 50 metric_is failed_total cloudflare 1
check "4xx: not retried" has_req 2 '.status == 400'
check "4xx: status file shows CloudFront's error" \
    failure_has cloudfront 3 400 'InvalidArgument: test receiver: rejected on purpose"}'
check "4xx: failure line's prefix and time (unix seconds, ms)" \
    eval 'failure_line cloudfront 3 | grep -q "prefix=\"/v/rejected/\",.*} [0-9]*\.[0-9][0-9][0-9]$"'
check "4xx: status file shows Cloudflare's error" \
    failure_has cloudflare 3 400 '1012: test receiver: rejected on purpose"}'
check "4xx: logged once as an error" \
    [ "$(grep -c '\[error\].*purge 3 ("/v/rejected/") failed: HTTP 400' \
         "$TMP/purger.log")" = 2 ]
check "4xx: last_seq moves past it" metric_is last_seq cloudfront 3
control '{"cdn": "cloudfront", "reset": true}'
control '{"cdn": "cloudflare", "reset": true}'

# --- one bad path in a batch: the batch is rejected, each purge is then
# sent alone and only the bad one fails
control '{"cdn": "cloudfront", "reject_matching": "/v/poison/"}'
control '{"cdn": "cloudflare", "reject_matching": "/v/poison/"}'
kill -STOP "$PURGER_PID"
journal "4 1764688000000 /v/ok1/" "5 1764688000000 /v/poison/" \
        "6 1764688000000 /v/ok2/"
kill -CONT "$PURGER_PID"
check "bad path in a batch: the batch rejected once" \
    wait_for 50 has_req 1 '.caller_reference == "vidorigin-test-origin-4-6" and .status == 400'
check "bad path in a batch: 4 then sent alone" \
    wait_for 50 has_req 1 '.caller_reference == "vidorigin-test-origin-4" and .status == 201'
check "bad path in a batch: 6 sent alone" \
    wait_for 50 has_req 1 '.caller_reference == "vidorigin-test-origin-6" and .status == 201'
check "bad path in a batch: Cloudflare sent 6 alone too" \
    wait_for 50 has_req 1 '.prefixes == ["'"$PUBHOST"'/v/ok2/"] and .status == 200'
check "bad path in a batch: only 5 kept as a failure" \
    eval 'wait_for 20 metric_is failed_total cloudfront 2 \
          && failure_line cloudfront 5 >/dev/null \
          && ! failure_line cloudfront 4 && ! failure_line cloudfront 6'
check "bad path in a batch: same on Cloudflare" \
    eval 'wait_for 20 metric_is failed_total cloudflare 2 \
          && failure_line cloudflare 5 >/dev/null \
          && ! failure_line cloudflare 4'
check "bad path in a batch: logged" \
    grep -q 'cloudfront: purges 4-6 (3) rejected together: HTTP 400' \
    "$TMP/purger.log"
control '{"cdn": "cloudfront", "reset": true}'
control '{"cdn": "cloudflare", "reset": true}'

# --- attempts run out; the other CDN is not held back
control '{"cdn": "cloudfront", "fail_next": 100, "fail_status": 503}'
journal "7 1764688000000 /v/never/"
check "out of attempts: kept as a failure" \
    wait_for 50 metric_is failed_total cloudfront 3
check "out of attempts: exactly 4 attempts" \
    has_req 4 '.caller_reference == "vidorigin-test-origin-7"'
check "out of attempts: status 503 and the message kept" \
    failure_has cloudfront 7 503 'ServiceUnavailable: test receiver: failing on purpose'
check "out of attempts: logged once" \
    [ "$(grep -c 'purge 7 ("/v/never/") failed after every attempt' \
         "$TMP/purger.log")" = 1 ]
check "out of attempts: 3 more retries counted (5 in all)" \
    metric_is retries_total cloudfront 5
check "the other CDN is not held back: Cloudflare sent 7 first" [ "$(jq -s \
    '([.[] | select(.prefixes == ["'"$PUBHOST"'/v/never/"])][0].time) < ([.[] | select(.caller_reference == "vidorigin-test-origin-7")][1].time)' \
    "$REQS")" = true ]
control '{"cdn": "cloudfront", "reset": true}'

stop_purger
check "SIGTERM: exit 0" [ "$STOP_RC" = 0 ]

# --- CloudFront endpoint down: connection refused, retried, bounded
DOWN=$(free_port)
start_purger down --cloudfront-endpoint "http://127.0.0.1:$DOWN" || exit 1
t0=$(date +%s)
journal "8 1764688000000 /v/down/"
check "endpoint down: kept as a failure within 5 s" \
    wait_for 50 metric_is failed_total cloudfront 1
check "endpoint down: 3 retries logged" \
    [ "$(grep -c 'cloudfront: purge 8: no answer: Failed to connect' \
         "$TMP/down.log")" = 3 ]
check "endpoint down: given up, logged once" \
    [ "$(grep -c 'purge 8 ("/v/down/") failed after every attempt: no answer' \
         "$TMP/down.log")" = 1 ]
check "endpoint down: status 0 and curl's reason kept" \
    failure_has cloudfront 8 0 "Failed to connect to 127.0.0.1 port $DOWN"
check "endpoint down: Cloudflare sent it" \
    wait_for 50 has_req 1 '.prefixes == ["'"$PUBHOST"'/v/down/"] and .status == 200'
stop_purger
check "endpoint down: exit 0" [ "$STOP_RC" = 0 ]
check "endpoint down: done within 5 s" [ $(( $(date +%s) - t0 )) -le 5 ]

# --- a CDN that accepts and does not answer: --timeout bounds each
# attempt; SIGTERM during one does not wait for it longer than the drain
control '{"cdn": "cloudfront", "delay": 3}'
start_purger slow --timeout 500ms --attempts 2 || exit 1
t0=$(date +%s%N)
journal "9 1764688000000 /v/slow/"
check "timeout: kept as a failure" \
    wait_for 50 metric_is failed_total cloudfront 1
t1=$(date +%s%N)
check "timeout: 2 attempts of 0.5 s and a 0.1 s backoff took < 2 s" \
    [ $(( (t1 - t0) / 1000000 )) -lt 2000 ]
check "timeout: curl's reason kept" \
    failure_has cloudfront 9 0 'Operation timed out after'
journal "10 1764688000000 /v/slow2/"
# the batch is recorded as inflight before its first attempt starts
check "timeout: next one in flight" \
    wait_for 30 grep -qx 'cdn cloudfront 9 10' "$STATE"
stop_purger
check "SIGTERM with a request in flight: exit 0" [ "$STOP_RC" = 0 ]
check "SIGTERM with a request in flight: waited < 1 s (its timeout)" \
    [ "$STOP_MS" -lt 1000 ]
check "SIGTERM with a request in flight: its batch stays inflight" \
    grep -qx 'cdn cloudfront 9 10' "$STATE"
check "SIGTERM with a request in flight: not given up" \
    eval '! grep -q "purge 10 .*failed" "$TMP/slow.log"'


finish cdn-retry
