# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Shared by the purge suites (tests/purge/test-cdn-*.sh, test-nginx.sh),
# on top of tests/lib/worker.sh: the stand-in CDN receiver (receiver.py)
# on a port the system picks, and a purger following a journal in $TMP.
# Every wait is a loop bounded in count and time.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/worker.sh"

CDN=$ROOT/tests/purge

# what the receiver knows (its defaults) and the purger is given
export AWS_ACCESS_KEY_ID=AKIDVIDORIGINTEST
export AWS_SECRET_ACCESS_KEY=vidorigin-test-secret
export CLOUDFLARE_API_TOKEN=vidorigin-test-token
unset AWS_SESSION_TOKEN AWS_REGION
DIST=E2VIDORIGINTEST
ZONE=0123456789abcdef0123456789abcdef
PUBHOST=media.example.com

mkdir -p "$TMP/j"
JOURNAL=$TMP/j/purge.journal
STATUS=$JOURNAL.status
STATE=$JOURNAL.state

# start_receiver NAME [receiver.py options]: sets RECV_PORT, RECV_PID and
# REQS (its JSON lines of requests)
start_receiver() {
    local name=$1 i
    shift
    mkdir -p "$TMP/$name"
    : > "$TMP/$name/requests.jsonl"
    python3 "$CDN/receiver.py" --dir "$TMP/$name" "$@" >"$TMP/$name.out" \
        2>"$TMP/$name.log" </dev/null &
    RECV_PID=$!
    PIDS="$PIDS $RECV_PID"
    REQS=$TMP/$name/requests.jsonl
    for i in $(seq 1 100); do
        RECV_PORT=$(awk '$1 == "port" { print $2 }' "$TMP/$name.out")
        [ -n "$RECV_PORT" ] && return 0
        sleep 0.1
    done
    echo "# receiver $name did not start" >&2
    cat "$TMP/$name.log" >&2
    return 1
}

# control JSON: how the receiver misbehaves, e.g.
# control '{"cdn": "cloudfront", "fail_next": 2, "fail_status": 503}'
control() {
    curl -sf --max-time 5 -X POST -d "$1" \
        "http://127.0.0.1:$RECV_PORT/__control" >/dev/null
}

# start_purger NAME [options]: a purger on $JOURNAL sending to the
# receiver (both CDNs), quick retries; log in $TMP/NAME.log; sets
# PURGER_PID once the status file is there
start_purger() {
    local name=$1 i
    shift
    rm -f "$STATUS"
    "$WORKER" purger --journal "$JOURNAL" \
        --cloudfront-distribution "$DIST" \
        --cloudfront-endpoint "http://127.0.0.1:$RECV_PORT" \
        --cloudflare-zone "$ZONE" --cloudflare-host "$PUBHOST" \
        --cloudflare-endpoint "http://127.0.0.1:$RECV_PORT" \
        --origin test-origin --poll 50ms --retry-delay 100ms \
        --retry-max-delay 400ms --attempts 4 --connect-timeout 1s \
        --timeout 2s "$@" 2>>"$TMP/$name.log" </dev/null &
    PURGER_PID=$!
    PIDS="$PIDS $PURGER_PID"
    for i in $(seq 1 50); do
        [ -s "$STATUS" ] && return 0
        kill -0 "$PURGER_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "# purger $name did not start" >&2
    cat "$TMP/$name.log" >&2
    return 1
}

# stop_purger: SIGTERM, at most 10 s to exit; STOP_RC gets the exit
# status (137 when it had to be killed), STOP_MS how long it took
stop_purger() {
    local i t0
    t0=$(date +%s%N)
    kill -TERM "$PURGER_PID" 2>/dev/null
    for i in $(seq 1 100); do
        kill -0 "$PURGER_PID" 2>/dev/null || break
        sleep 0.05
    done
    kill -9 "$PURGER_PID" 2>/dev/null
    wait "$PURGER_PID"
    STOP_RC=$?
    STOP_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}

# journal LINE...: appended, one write per line as nginx does
journal() {
    local l
    for l in "$@"; do
        printf '%s\n' "$l" >> "$JOURNAL"
    done
}

# nreq JQ_FILTER: how many recorded requests match, e.g.
# nreq '.cdn == "cloudfront" and .status == 201'
nreq() {
    jq -s "[.[] | select($1)] | length" "$REQS"
}

# has_req N JQ_FILTER: exactly N requests match
has_req() {
    [ "$(nreq "$2")" = "$1" ]
}

# metric NAME CDN: a value of the status file
metric() {
    awk -v m="vidorigin_cdn_purge_$1{cdn=\"$2\"}" '$1 == m { print $2 }' \
        "$STATUS"
}

# metric_is NAME CDN VALUE
metric_is() {
    [ "$(metric "$1" "$2")" = "$3" ]
}

# failure_line CDN SEQ: the status file's kept failure of SEQ (fails when
# there is none)
failure_line() {
    grep "^vidorigin_cdn_purge_failure{cdn=\"$1\",seq=\"$2\"," "$STATUS"
}

# failure_has CDN SEQ STATUS ERROR: that failure, with its HTTP status
# and an error starting with ERROR
failure_has() {
    failure_line "$1" "$2" \
        | grep -qF "status=\"$3\",error=\"$4"
}
