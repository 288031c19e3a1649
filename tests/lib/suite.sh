# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# What every test script under tests/ sources first, itself or through
# tests/lib/worker.sh or its folder's lib.sh: the top of the tree ($ROOT),
# the script's own folder ($HERE), a scratch directory ($TMP, mode 755:
# nginx's workers run as "nobody" and must enter it), the counters behind
# the closing "NAME: N passed, M failed" line, free ports and bounded
# waits.
#
# On exit (normal, failed or interrupted), in this order: the functions
# registered with on_exit (a suite's own, such as an nginx master asked
# to stop before it is killed), then SIGKILL to every process in $PIDS and
# to every background job, each with its children (an nginx master killed
# alone leaves its workers running), then $TMP is removed unless KEEP_TMP
# is set.

set -u

# sourced once, however many helpers source it
[ -z "${VO_SUITE_SH:-}" ] || return 0
VO_SUITE_SH=1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d "/tmp/vo-test-$(basename "$HERE").XXXXXX")
chmod 755 "$TMP"
PASSED=0
FAILED=0

# processes stopped with SIGKILL on exit, with their children
PIDS=""
# functions run on exit before that, in the order they were registered
ON_EXIT=""

ok() {
    PASSED=$((PASSED + 1))
    echo "ok - $1"
}

fail() {
    FAILED=$((FAILED + 1))
    echo "not ok - $1"
}

# check "description" COMMAND...
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}

# check_sh "description" 'shell expression': for compound conditions
check_sh() {
    if eval "$2"; then ok "$1"; else fail "$1"; fi
}

# finish NAME: the closing line; the exit status is 0 only when no check
# failed
finish() {
    echo "$1: $PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit $?
}

# bail NAME "why": a failed check that makes the rest meaningless
bail() {
    fail "$2"
    finish "$1"
}

# record: the "ok - " and "not ok - " lines of a subshell (whose counters
# are its own) read from stdin, printed and counted here; other lines are
# printed as they are.  record < <( ...; check ... )
record() {
    local line
    while IFS= read -r line; do
        case $line in
            "ok - "*) ok "${line#ok - }" ;;
            "not ok - "*) fail "${line#not ok - }" ;;
            *) printf '%s\n' "$line" ;;
        esac
    done
}

# not COMMAND...: true when COMMAND fails (for check)
not() {
    ! "$@"
}

# on_exit FUNCTION: run FUNCTION on exit, before the processes are killed
on_exit() {
    ON_EXIT="$ON_EXIT $1"
}

cleanup() {
    local f p
    # no "Killed" job notices after the summary line
    exec 2>/dev/null
    for f in $ON_EXIT; do
        "$f"
    done
    for p in $PIDS $(jobs -p); do
        # stopped first: an nginx master would start new workers for the
        # ones killed under it
        kill -STOP "$p"
        pkill -9 -P "$p"
        kill -9 "$p"
    done
    for p in $PIDS $(jobs -p); do
        wait "$p"
    done
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$TMP"
}

trap cleanup EXIT
trap 'exit 130' INT TERM

# abs PATH: relative to the current directory if there, else to the top
abs() {
    case $1 in
        /*) printf '%s\n' "$1" ;;
        *) if [ -e "$1" ]; then printf '%s\n' "$PWD/$1"
           else printf '%s\n' "$ROOT/$1"; fi ;;
    esac
}

# free_port: a TCP port on 127.0.0.1 nothing listens on (the system's
# choice)
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null \
        || echo $(( 20000 + RANDOM % 30000 ))
}

# wait_for TENTHS COMMAND...: true once COMMAND is, polled every 0.1 s,
# tried once more at the end
wait_for() {
    local n=$1 i
    shift
    for i in $(seq 1 "$n"); do
        "$@" && return 0
        sleep 0.1
    done
    "$@"
}

# wait_for_sh TENTHS 'shell expression': the same for a compound condition
wait_for_sh() {
    wait_for "$1" eval "$2"
}

# milliseconds since the epoch
now_ms() {
    echo $(( $(date +%s%N) / 1000000 ))
}

# no temporary or partial objects anywhere below a directory
no_temp_files() {
    [ -z "$(find "$1" -name '.*.tmp.*' 2>/dev/null)" ]
}
