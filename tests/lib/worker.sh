# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# Shared by the suites that run the worker (tests/media, tests/package,
# tests/serve, tests/s3, tests/purge, tests/placement), on top of
# tests/lib/suite.sh: the worker binary (first argument or $WORKER,
# default build/transcode-worker), source fixtures made once per run with
# the ffmpeg CLI ($WORKER_FIXTURES to keep them between runs), and
# redis-server and "transcode-worker serve" on unix sockets in $TMP.

[ -z "${VO_WORKER_SH:-}" ] || return 0
VO_WORKER_SH=1

. "$(dirname "${BASH_SOURCE[0]}")/suite.sh"

WORKER=${1:-${WORKER:-$ROOT/build/transcode-worker}}
WORKER=$(cd "$(dirname "$WORKER")" && pwd)/$(basename "$WORKER")
FIXTURES=${WORKER_FIXTURES:-$TMP/fixtures}

mkdir -p "$FIXTURES"

if [ ! -x "$WORKER" ]; then
    echo "worker binary $WORKER missing (make worker)" >&2
    exit 1
fi

# fixtures (deterministic: bitexact, fixed x264 threads)
FF="ffmpeg -nostdin -v error -y"
BITEXACT="-fflags +bitexact -flags:v +bitexact -flags:a +bitexact"

# 14 s 640x360 30 fps + 48 kHz stereo tone: with D = 4 the last segment
# is short (2 s)
fixture_main() {
    local f=$FIXTURES/main.mp4
    [ -f "$f" ] || $FF -f lavfi -i testsrc2=size=640x360:rate=30:duration=14 \
        -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=14" \
        -ac 2 -c:v libx264 -preset ultrafast -g 48 -threads 2 \
        -pix_fmt yuv420p -c:a aac -b:a 96k $BITEXACT "$f"
    echo "$f"
}

# 7 s 320x240 at 24000/1001 fps (timescale 24000), 44.1 kHz mono
# (resampled), B-frames in the source
fixture_ntsc() {
    local f=$FIXTURES/ntsc.mp4
    [ -f "$f" ] || $FF -f lavfi \
        -i testsrc2=size=320x240:rate=24000/1001:duration=7 \
        -f lavfi -i "sine=frequency=1000:sample_rate=44100:duration=7" \
        -c:v libx264 -preset veryfast -bf 3 -g 30 -threads 2 \
        -pix_fmt yuv420p -c:a aac -b:a 64k $BITEXACT "$f"
    echo "$f"
}

# 12 s 320x240 30 fps in MPEG-TS (start time 1.4 s, seeks on timestamps
# without an index), open GOPs of 2 s with 3 B-frames, 44.1 kHz stereo;
# the brightness steps by 40 from frame to frame (4 steps), so that a
# frame is told from its neighbours
fixture_ts() {
    local f=$FIXTURES/master.ts
    [ -f "$f" ] || $FF -f lavfi -i "testsrc2=size=320x240:rate=30:duration=12,geq=lum='lum(X,Y)*0.5+mod(N,4)*40':cb='cb(X,Y)':cr='cr(X,Y)'" \
        -f lavfi -i "sine=frequency=660:sample_rate=44100:duration=12" \
        -ac 2 -c:v libx264 -preset veryfast -bf 3 -g 60 -threads 2 \
        -x264-params open-gop=1 -pix_fmt yuv420p -c:a aac -b:a 64k \
        $BITEXACT "$f"
    echo "$f"
}

# 5 s 320x180, no audio
fixture_mute() {
    local f=$FIXTURES/mute.mp4
    [ -f "$f" ] || $FF -f lavfi -i testsrc2=size=320x180:rate=25:duration=5 \
        -c:v libx264 -preset ultrafast -threads 2 -pix_fmt yuv420p \
        $BITEXACT "$f"
    echo "$f"
}

# --- serve tests: redis-server and workers on unix sockets in $TMP

# start_redis NAME: redis-server on $TMP/NAME.sock, no persistence
# unless REDIS_EXTRA says otherwise (its flags come last, and win)
start_redis() {
    local sock=$TMP/$1.sock i
    # shellcheck disable=SC2086
    redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 \
        --save '' --appendonly no --daemonize no \
        --logfile "$TMP/$1.log" ${REDIS_EXTRA:-} &
    REDIS_PID=$!
    PIDS="$PIDS $REDIS_PID"
    for i in $(seq 1 100); do
        redis-cli -s "$sock" ping >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "# redis-server did not start" >&2
    return 1
}

# start_worker NAME ARGS...: "serve" on $TMP/NAME.sock, log in
# $TMP/NAME.log; sets WORKER_PID.  JIT_WORKER_ARGS: flags appended to
# every worker's command line (the last of a repeated flag wins), to try
# a change without editing a suite
start_worker() {
    local name=$1 i
    shift
    rm -f "$TMP/$name.sock"
    # shellcheck disable=SC2086
    "$WORKER" serve --listen "unix:$TMP/$name.sock" "$@" \
        ${JIT_WORKER_ARGS:-} 2>>"$TMP/$name.log" &
    WORKER_PID=$!
    PIDS="$PIDS $WORKER_PID"
    for i in $(seq 1 100); do
        curl -sf --max-time 2 --unix-socket "$TMP/$name.sock" \
            http://w/healthz >/dev/null 2>&1 && return 0
        kill -0 "$WORKER_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "# worker $name did not start" >&2
    sed 's/^/#   /' "$TMP/$name.log" >&2
    return 1
}

# stop_worker PID: SIGTERM, then the exit status of the worker
stop_worker() {
    kill -TERM "$1" 2>/dev/null
    wait "$1"
}

# fetch NAME PATH OUT: GET through worker NAME; prints the status, the
# headers go to OUT.h
fetch() {
    curl -s --max-time 60 --unix-socket "$TMP/$1.sock" -D "$3.h" -o "$3" \
        -w '%{http_code}' "http://w$2"
}

# metric NAME METRIC: a value from worker NAME's /metrics
metric() {
    curl -s --max-time 5 --unix-socket "$TMP/$1.sock" http://w/metrics \
        | awk -v m="vidorigin_worker_$2" '$1 == m { print $2 }'
}

# healthz NAME: the body of worker NAME's /healthz
healthz() {
    curl -s --max-time 5 --unix-socket "$TMP/$1.sock" http://w/healthz
}

# wait_idle NAME: up to 60 s for no busy slot and an empty queue
wait_idle() {
    local i
    for i in $(seq 1 300); do
        [ "$(metric "$1" busy_slots)$(metric "$1" queue_depth)" = 00 ] \
            && return 0
        sleep 0.2
    done
    return 1
}

# header FILE.h NAME: a header's value
header() {
    tr -d '\r' < "$1" | awk -v n="$2" \
        'tolower($1) == tolower(n) ":" { print $2 }'
}
