#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Credentials.  The receiver's own SigV4 implementation first proves
# itself on AWS's published examples; then a wrong secret, an unknown
# key id and a wrong Cloudflare token are refused with 403 (so the
# receiver really checks), the purger keeps each as a failure with the
# CDN's error, and does not retry it; temporary credentials sign their
# token.

. "$(dirname "$0")/lib.sh"

python3 "$CDN/receiver.py" --self-test >"$TMP/self-test.out" 2>&1
check "receiver's SigV4 check agrees with AWS's published signatures" \
    [ $? = 0 ]
check "receiver's self-test: 3 examples, a wrong signature refused each" \
    [ "$(grep -c '^ok - ' "$TMP/self-test.out")" = 3 ]

start_receiver recv || exit 1

# --- a wrong secret, a wrong token
AWS_SECRET_ACCESS_KEY=not-the-secret CLOUDFLARE_API_TOKEN=not-the-token \
    start_purger wrong || exit 1
journal "1 1764688000000 /v/demo/"
check "wrong secret: the receiver answered 403 SignatureDoesNotMatch" \
    wait_for 50 has_req 1 '.cdn == "cloudfront" and .status == 403 and .signature_error == "SignatureDoesNotMatch"'
check "wrong token: the receiver answered 403" \
    wait_for 50 has_req 1 '.cdn == "cloudflare" and .status == 403 and .token_ok == false'
check "wrong secret: kept as a failure" \
    wait_for 20 metric_is failed_total cloudfront 1
check "wrong secret: status file shows 403 and AWS's words" \
    failure_has cloudfront 1 403 'SignatureDoesNotMatch: The request signature we calculated does not match'
check "wrong token: kept as a failure" \
    wait_for 20 metric_is failed_total cloudflare 1
check "wrong token: status file shows 403 Authentication error" \
    failure_has cloudflare 1 403 '10000: Authentication error"}'
check "failure line: prefix label" \
    eval 'failure_line cloudfront 1 | grep -qF "prefix=\"/v/demo/\","'
check "403: not retried" has_req 2 'true'
check "403: logged once per CDN" \
    [ "$(grep -c '\[error\] .*purge 1 ("/v/demo/") failed: HTTP 403' \
         "$TMP/wrong.log")" = 2 ]
check "the token never reaches the log" \
    eval '! grep -q "not-the-token\|not-the-secret" "$TMP/wrong.log" "$STATUS" "$STATE"'
stop_purger

# --- an access key the receiver does not know
AWS_ACCESS_KEY_ID=AKIDUNKNOWN start_purger unknown || exit 1
journal "2 1764688000000 /v/demo/"
check "unknown key id: 403 InvalidClientTokenId" \
    wait_for 50 has_req 1 '.status == 403 and .signature_error == "InvalidClientTokenId"'
check "unknown key id: Cloudflare unaffected" \
    wait_for 50 has_req 1 '.cdn == "cloudflare" and .status == 200'
stop_purger

# --- the right credentials after all that: the failures were done with
# (kept), the next purge goes through
start_purger right || exit 1
journal "3 1764688000000 /v/demo/"
check "right secret: 201" \
    wait_for 50 has_req 1 '.caller_reference == "vidorigin-test-origin-3" and .status == 201'
check "right secret: 1 and 2 not sent again" \
    has_req 1 '.caller_reference == "vidorigin-test-origin-1"'
stop_purger

# --- temporary credentials: the token is sent and signed
kill "$RECV_PID"
wait "$RECV_PID" 2>/dev/null
start_receiver sts --session-token "FQoGZXIvYXdzEXAMPLE//token+/=" || exit 1
AWS_SESSION_TOKEN="FQoGZXIvYXdzEXAMPLE//token+/=" start_purger sts || exit 1
journal "4 1764688000000 /v/demo/"
check "session token: signed, accepted" \
    wait_for 50 has_req 1 '.status == 201 and .signed_headers == "content-type;host;x-amz-date;x-amz-security-token"'
stop_purger

# the same receiver refuses a request without it
start_purger no-sts || exit 1
journal "5 1764688000000 /v/demo/"
check "session token missing: 403 InvalidClientTokenId" \
    wait_for 50 has_req 1 '.status == 403 and .signature_error == "InvalidClientTokenId"'
stop_purger

finish cdn-auth
