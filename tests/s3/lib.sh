# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Shared by the tests/s3 scripts, on top of tests/lib/worker.sh: the S3
# peer (s3rver, @20minutes/s3rver pinned in package.json, installed by
# npm ci on first use), started on 127.0.0.1 on a port the system picks.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/worker.sh"

S3=$ROOT/tests/s3

# the peer, installed from the lock file, once
if [ ! -f "$S3/node_modules/@20minutes/s3rver/package.json" ]; then
    (cd "$S3" && npm ci --no-audit --no-fund --silent </dev/null) || {
        echo "# npm ci in tests/s3 failed" >&2
        exit 1
    }
fi

# start_peer NAME [peer.js options]: s3rver on 127.0.0.1, port chosen by
# the system (no race with other tests) unless --port N is given, bucket
# "media" created at start, objects in $TMP/NAME; sets PEER_PID and
# PEER_PORT
start_peer() {
    local name=$1 i
    shift
    mkdir -p "$TMP/$name"
    # s3rver makes ListObjectsV2's continuation tokens with DES, which
    # OpenSSL 3 keeps in its legacy provider: without it a truncated
    # listing is a 500
    node --openssl-legacy-provider "$S3/peer.js" "$TMP/$name" media "$@" \
        >"$TMP/$name.out" 2>"$TMP/$name.log" </dev/null &
    PEER_PID=$!
    PIDS="$PIDS $PEER_PID"
    for i in $(seq 1 100); do
        PEER_PORT=$(awk '$1 == "port" { print $2 }' "$TMP/$name.out")
        [ -n "$PEER_PORT" ] && return 0
        kill -0 "$PEER_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "# s3rver $name did not start" >&2
    cat "$TMP/$name.log" >&2
    return 1
}

export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
unset AWS_SESSION_TOKEN AWS_REGION
