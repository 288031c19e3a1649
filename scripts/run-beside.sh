#!/usr/bin/env bash
# run-beside.sh MAIN_TARGET... -- SIDE_TARGET...: runs each "make
# SIDE_TARGET" in the background (output to build/SIDE_TARGET.log) while
# each "make MAIN_TARGET" runs in the foreground in turn (all of them,
# even after one fails), then prints each side target's output in turn.
# For suites that mostly wait (on timeouts, retries, other processes) or
# are light, beside those that mostly compute: make test takes less time,
# every suite's output still reads in one piece.  Fails when any target
# fails.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
main=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
    main+=("$1")
    shift
done
if [ $# -eq 0 ] || [ ${#main[@]} -eq 0 ]; then
    echo "usage: $0 MAIN_TARGET... -- SIDE_TARGET..." >&2
    exit 2
fi
shift
mkdir -p "$top/build"
pids=() names=()
for t in "$@"; do
    make --no-print-directory -C "$top" "$t" > "$top/build/$t.log" 2>&1 \
        </dev/null &
    pids+=($!)
    names+=("$t")
done
rc=0
for t in "${main[@]}"; do
    make --no-print-directory -C "$top" "$t" || rc=1
done
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || rc=1
    cat "$top/build/${names[$i]}.log"
done
exit $rc
