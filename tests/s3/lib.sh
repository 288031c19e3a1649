# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Shared by the S3 tests (after tests/worker/lib.sh): the S3 peer,
# s3rver (@20minutes/s3rver, pinned in package.json), which recomputes
# every SigV4 signature with the secret it knows (S3RVER) and refuses a
# mismatch.

S3=$ROOT/tests/s3

# the peer, installed from the lock file, once
if [ ! -f "$S3/node_modules/@20minutes/s3rver/package.json" ]; then
    (cd "$S3" && npm ci --no-audit --no-fund --silent </dev/null) || {
        echo "# npm ci in tests/s3 failed" >&2
        exit 1
    }
fi

# start_peer NAME [peer.js options]: s3rver on 127.0.0.1, on the port
# given with --port or one the system picks, objects in $TMP/NAME, bucket
# "media" created at start; sets PEER_PID and PEER_PORT
start_peer() {
    local name=$1 i
    shift
    mkdir -p "$TMP/$name"
    : > "$TMP/$name.out"
    node "$S3/peer.js" "$TMP/$name" media "$@" >"$TMP/$name.out" \
        2>"$TMP/$name.log" </dev/null &
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

# a free TCP port on 127.0.0.1 (the system's choice)
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
