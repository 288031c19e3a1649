#!/usr/bin/env bash
# run-beside.sh MAIN_TARGET SIDE_TARGET...: runs "make SIDE_TARGET" in the
# background (output to build/SIDE_TARGET.log) while "make MAIN_TARGET"
# runs in the foreground, then prints each side target's output in turn.
# For suites that mostly wait (on timeouts, retries, other processes)
# beside one that mostly computes: make test takes less time, every
# suite's output still reads in one piece.  Fails when any target fails.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
main=$1
shift
mkdir -p "$top/build"
pids=() names=()
for t in "$@"; do
    make --no-print-directory -C "$top" "$t" > "$top/build/$t.log" 2>&1 </dev/null &
    pids+=($!)
    names+=("$t")
done
rc=0
make --no-print-directory -C "$top" "$main" || rc=1
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || rc=1
    cat "$top/build/${names[$i]}.log"
done
exit $rc
