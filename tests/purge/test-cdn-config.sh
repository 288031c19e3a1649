#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Configuration: the sample conf/purger.conf is valid (it starts and
# sends with only the endpoints, journal and ids overridden by flags);
# each kind of mistake is refused at start with exit 1 and one line
# that names it.

. "$(dirname "$0")/lib.sh"

start_receiver recv || exit 1

# --- the sample, flags overriding the file
"$WORKER" purger --config "$ROOT/conf/purger.conf" --journal "$JOURNAL" \
    --cloudfront-distribution "$DIST" \
    --cloudfront-endpoint "http://127.0.0.1:$RECV_PORT" \
    --cloudflare-zone "$ZONE" \
    --cloudflare-endpoint "http://127.0.0.1:$RECV_PORT" \
    --poll 50ms 2>"$TMP/sample.log" &
PURGER_PID=$!
PIDS="$PIDS $PURGER_PID"
journal "1 1764688000000 /v/demo/"
check "sample config: CloudFront purge sent" \
    wait_for 50 has_req 1 '.cdn == "cloudfront" and .status == 201'
check "sample config: Cloudflare purge for its host" \
    wait_for 50 has_req 1 '.prefixes == ["media.example.com/v/demo/"] and .status == 200'
check "sample config: origin defaults to the host name" \
    grep -q "origin \"$(hostname | tr -c 'A-Za-z0-9._\n-' '-')\"" \
    "$TMP/sample.log"
check "sample config: state and status next to the journal" \
    eval '[ -s "$STATE" ] && [ -s "$STATUS" ]'
stop_purger
check "sample config: exit 0" [ "$STOP_RC" = 0 ]

# refused MESSAGE ARGS...: exit 1, MESSAGE in the one line logged
refused() {
    local msg=$1
    shift
    "$WORKER" purger "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    [ $? = 1 ] && [ "$(wc -l < "$TMP/err")" = 1 ] && grep -qF "$msg" "$TMP/err"
}

CF="--journal $JOURNAL --cloudfront-distribution $DIST"

check "no journal" refused 'purger needs a journal' \
    --cloudfront-distribution "$DIST"
check "no CDN" refused 'purger needs a CDN' --journal "$JOURNAL"
check "zone without host" refused 'cloudflare-zone needs cloudflare-host' \
    --journal "$JOURNAL" --cloudflare-zone "$ZONE"
check "unknown setting" refused 'unknown setting "cloudfront-zone"' \
    $CF --cloudfront-zone x
check "bad duration" refused '"poll" must be a duration' $CF --poll soon
check "duration out of range" refused '"timeout" must be a duration' \
    $CF --timeout 10ms
check "attempts out of range" refused '"attempts" must be a number from 1 to 100' \
    $CF --attempts 0
check "cloudflare-batch above Cloudflare's 30" \
    refused '"cloudflare-batch" must be a number from 1 to 30' \
    $CF --cloudflare-batch 31
check "max delay below delay" refused 'retry-max-delay (500 ms) is below' \
    $CF --retry-delay 1s --retry-max-delay 500ms
check "flag without a value" refused 'purger takes --name value pairs' \
    $CF --poll
check "missing config file" refused 'cannot open configuration' \
    --config "$TMP/none.conf"
check "bad endpoint" refused 'invalid cloudfront-endpoint "ftp://x"' \
    $CF --cloudfront-endpoint ftp://x
check "endpoint with a path" refused 'invalid cloudflare-endpoint' \
    --journal "$JOURNAL" --cloudflare-zone "$ZONE" \
    --cloudflare-host "$PUBHOST" --cloudflare-endpoint http://h/client
check "endpoint with an empty port" refused 'invalid cloudfront-endpoint' \
    $CF --cloudfront-endpoint http://127.0.0.1:
check "bad distribution id" refused 'invalid cloudfront-distribution' \
    --journal "$JOURNAL" --cloudfront-distribution '../x'
check "bad host" refused 'invalid cloudflare-host "media example"' \
    --journal "$JOURNAL" --cloudflare-zone "$ZONE" \
    --cloudflare-host 'media example'
check "bad origin" refused 'invalid origin "a/b"' $CF --origin a/b
check "no AWS credentials" eval 'AWS_ACCESS_KEY_ID= \
    refused "no AWS credentials for cloudfront" $CF'
check "no Cloudflare token" eval 'CLOUDFLARE_API_TOKEN= \
    refused "no Cloudflare API token" --journal $JOURNAL \
        --cloudflare-zone $ZONE --cloudflare-host $PUBHOST'
check "bad log level" refused 'invalid log-level "loud"' $CF --log-level loud
check "nothing sent by any refused start" has_req 2 'true'

finish cdn-config
