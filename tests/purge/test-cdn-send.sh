#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# What a purge becomes at each CDN: a line appended to the journal
# reaches CloudFront (a SigV4-signed InvalidationBatch, verified by the
# receiver) and Cloudflare (purge_cache with the bearer token) within a
# bounded time, with the right paths; exact objects, "/", batches,
# repeated prefixes; a partial last line waits for its '\n'; bad lines
# are logged once and skipped; the status file counts it all.

. "$(dirname "$0")/lib.sh"

start_receiver recv || exit 1

# --- a journal that does not exist yet is waited for
start_purger purger || exit 1
check "missing journal: waited for, logged once" \
    [ "$(grep -c 'does not exist yet: waiting for it' "$TMP/purger.log")" = 1 ]
check "status file at start: counters at 0" metric_is sent_total cloudfront 0
check "status file at start: both CDNs listed" metric_is pending cloudflare 0

# --- one prefix
journal "1 1764688000123 /v/demo/"

check "prefix: CloudFront got one invalidation within 5 s" \
    wait_for 50 has_req 1 '.cdn == "cloudfront"'
check "prefix: Cloudflare got one purge within 5 s" \
    wait_for 50 has_req 1 '.cdn == "cloudflare"'

check "CloudFront: answered 201" has_req 1 '.cdn == "cloudfront" and .status == 201'
check "CloudFront: signature verified by the receiver" \
    has_req 1 '.cdn == "cloudfront" and .signature_error == null'
check "CloudFront: POST to the distribution's invalidation path" \
    has_req 1 '.method == "POST" and .path == "/2020-05-31/distribution/'"$DIST"'/invalidation"'
check "CloudFront: path /v/demo/*" \
    has_req 1 '.cdn == "cloudfront" and .paths == ["/v/demo/*"]'
check "CloudFront: CallerReference vidorigin-<origin>-<seq>" \
    has_req 1 '.caller_reference == "vidorigin-test-origin-1"'
check "CloudFront: content-type, host and x-amz-date signed" \
    has_req 1 '.signed_headers == "content-type;host;x-amz-date"'
check "CloudFront: Content-Type application/xml" \
    has_req 1 '.cdn == "cloudfront" and .content_type == "application/xml"'
check "CloudFront: Host is the endpoint's" \
    has_req 2 '.host == "127.0.0.1:'"$RECV_PORT"'"'

check "Cloudflare: answered 200" has_req 1 '.cdn == "cloudflare" and .status == 200'
check "Cloudflare: bearer token checked" has_req 1 '.token_ok == true'
check "Cloudflare: zone in the path" has_req 1 '.zone == "'"$ZONE"'"'
check "Cloudflare: prefixes [\"<host>/v/demo/\"]" \
    has_req 1 '.prefixes == ["'"$PUBHOST"'/v/demo/"]'
check "Cloudflare: Content-Type application/json" \
    has_req 1 '.cdn == "cloudflare" and .content_type == "application/json"'

check "status: sent_total 1 for cloudfront" \
    wait_for 20 metric_is sent_total cloudfront 1
check "status: sent_total 1 for cloudflare" \
    wait_for 20 metric_is sent_total cloudflare 1
check "status: last_seq 1" metric_is last_seq cloudfront 1
check "status: nothing pending" metric_is pending cloudflare 0
check "status: no retries" metric_is retries_total cloudfront 0
check "log: each CDN's success logged" \
    [ "$(grep -c 'purge 1 sent' "$TMP/purger.log")" = 2 ]

# --- an exact object, and "/"
journal "2 1764688000200 /v/demo/master.m3u8"

check "exact object: CloudFront path without '*'" \
    wait_for 50 has_req 1 '.paths == ["/v/demo/master.m3u8"]'
check "exact object: Cloudflare files [\"https://<host><path>\"]" \
    wait_for 50 has_req 1 '.files == ["https://'"$PUBHOST"'/v/demo/master.m3u8"]'
check "exact object: its own CallerReference" \
    has_req 1 '.caller_reference == "vidorigin-test-origin-2"'

journal "3 1764688000300 /"
check "/: CloudFront /*" wait_for 50 has_req 1 '.paths == ["/*"]'
check "/: Cloudflare purges the host" \
    wait_for 50 has_req 1 '.hosts == ["'"$PUBHOST"'"]'

# --- a partial last line is not a purge until its '\n'
printf '4 1764688000400 /v/partial/' >> "$JOURNAL"
sleep 1
check "partial line: nothing sent for 1 s" \
    has_req 0 '(.paths // []) + (.prefixes // []) | any(test("partial"))'
printf '\n' >> "$JOURNAL"
check "partial line completed: CloudFront gets it" \
    wait_for 50 has_req 1 '.paths == ["/v/partial/*"]'
check "partial line completed: Cloudflare gets it" \
    wait_for 50 has_req 1 '.prefixes == ["'"$PUBHOST"'/v/partial/"]'

# --- bad lines: logged once each, skipped, the next good one goes out
journal "x 1764688000500 /v/bad/" "5 1764688000500 v/no-slash/" \
        "6 1764688000600 /v/two words/" "4 1764688000600 /v/seq-back/" \
        "7 1764688000700 /v/after-bad/"
check "after bad lines: the good one is sent" \
    wait_for 50 has_req 1 '.paths == ["/v/after-bad/*"]'
check "bad lines: none sent" \
    has_req 0 '(.paths // []) + (.prefixes // []) | any(test("/v/bad/|no-slash|two|seq-back"))'
check "bad lines: 4 counted as skipped" \
    grep -qx 'vidorigin_cdn_purge_journal_skipped_total 4' "$STATUS"
check "bad line: number expected, logged" \
    grep -q 'line at byte [0-9]*: number expected: skipped' "$TMP/purger.log"
check "bad line: no '/' logged" \
    grep -q "prefix must start with '/': skipped" "$TMP/purger.log"
check "bad line: blank in prefix logged" \
    grep -q 'blank or control byte in the prefix: skipped' "$TMP/purger.log"
check "bad line: seq going back logged" \
    grep -q 'seq 4 is not above 4: skipped' "$TMP/purger.log"
check "bad lines: each logged once" \
    [ "$(grep -c ': skipped' "$TMP/purger.log")" = 4 ]

# --- several purges waiting: one request per CDN (Cloudflare by kind),
# a prefix repeated in a batch sent once
kill -STOP "$PURGER_PID"
journal "8 1764688000800 /v/b1/" "9 1764688000801 /v/b2/" \
        "10 1764688000802 /v/b1/" "11 1764688000803 /v/b3/index.m3u8" \
        "12 1764688000804 /v/b4/"
kill -CONT "$PURGER_PID"
check "batch: CloudFront one invalidation for 8-12" \
    wait_for 50 has_req 1 '.caller_reference == "vidorigin-test-origin-8-12"'
check "batch: its paths, /v/b1/* once" \
    has_req 1 '.paths == ["/v/b1/*", "/v/b2/*", "/v/b3/index.m3u8", "/v/b4/*"]'
check "batch: Cloudflare prefixes 8-10 together, b1 once" \
    wait_for 50 has_req 1 '.prefixes == ["'"$PUBHOST"'/v/b1/", "'"$PUBHOST"'/v/b2/"]'
check "batch: Cloudflare file 11 alone" \
    wait_for 50 has_req 1 '.files == ["https://'"$PUBHOST"'/v/b3/index.m3u8"]'
check "batch: Cloudflare prefix 12" \
    wait_for 50 has_req 1 '.prefixes == ["'"$PUBHOST"'/v/b4/"]'
check "batch: sent_total counts purges (10 for CloudFront)" \
    wait_for 20 metric_is sent_total cloudfront 10
check "batch: last_seq 12" wait_for 20 metric_is last_seq cloudflare 12

# --- Cloudflare takes at most 30 prefixes per request
kill -STOP "$PURGER_PID"
lines=()
for i in $(seq 13 47); do
    lines+=("$i 1764688001000 /v/many$i/")
done
journal "${lines[@]}"
kill -CONT "$PURGER_PID"
check "35 prefixes: Cloudflare in 2 requests (30 + 5)" \
    wait_for 50 has_req 1 '.prefixes and (.prefixes | length) == 30 and (.prefixes[0] | test("many13/$"))'
check "35 prefixes: the other 5" \
    wait_for 50 has_req 1 '.prefixes and (.prefixes | length) == 5 and (.prefixes[4] | test("many47/$"))'
check "35 prefixes: CloudFront in batches of 15 (default)" \
    wait_for 50 has_req 1 '.caller_reference == "vidorigin-test-origin-43-47"'
check "every CloudFront request signed correctly" \
    has_req 0 '.cdn == "cloudfront" and .signature_error != null'
check "every answer a success" has_req 0 '.status != 201 and .status != 200'
check "nothing pending at the end" wait_for 20 metric_is pending cloudfront 0
check "no error or warning but the bad lines" \
    [ "$(grep -c '\[error\]\|\[warn\]' "$TMP/purger.log")" = 4 ]

# --- bytes that need care: RFC 1738 unsafe ones %-encoded for
# CloudFront, '*' too (a wildcard there), "%41" kept (already an escape),
# "%zz" not (so its '%' is), '&' and "'" XML-escaped on the wire; JSON
# escapes for Cloudflare; Prometheus label escapes in the status file
# (Cloudflare is made to reject it)
control '{"cdn": "cloudflare", "reject_matching": "back"}'
odd='/v/q"uote\back~t*&'"'"'%41%zz/'
odd_cf='/v/q%22uote%5Cback%7Et%2A&'"'"'%41%25zz/*'
odd_label='prefix="/v/q\"uote\\back~t*&'"'"'%41%zz/",status="400"'

# count_arg JQ_FILTER VALUE: requests matching, $v being VALUE
count_arg() {
    jq -s --arg v "$2" "[.[] | select($1)] | length" "$REQS"
}

journal "48 1764688002000 $odd"
check "odd bytes: CloudFront path encoded as CloudFront asks" \
    wait_for 50 eval '[ "$(count_arg ".paths == [\$v] and .status == 201" "$odd_cf")" = 1 ]'
check "odd bytes: Cloudflare prefix as is, JSON-escaped" \
    wait_for 50 eval '[ "$(count_arg ".prefixes == [\$v]" "$PUBHOST$odd")" = 1 ]'
check "odd bytes: label escaped in the status file" \
    wait_for 20 grep -qF "seq=\"48\",$odd_label" "$STATUS"

stop_purger
check "SIGTERM: exit 0" [ "$STOP_RC" = 0 ]
check "SIGTERM: stopped within 1 s" [ "$STOP_MS" -lt 1000 ]
check "stopped: logged" grep -q '\[info\] stopped' "$TMP/purger.log"
check "state file: done 48 for both" \
    eval 'grep -qx "cdn cloudfront 48 0" "$STATE" && grep -qx "cdn cloudflare 48 0" "$STATE"'
check "no temporary file left" [ -z "$(ls "$TMP/j" | grep tmp)" ]

finish cdn-send
