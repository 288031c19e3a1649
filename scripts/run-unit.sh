#!/usr/bin/env bash
#
# run-unit.sh NAME BINARY...: runs each C unit test binary, from the
# repository root (the tests open tests/core/data/... by relative path),
# and sums the "name: N passed, M failed" line each one prints last.
#
# A binary that exits non-zero or dies before printing its summary (a
# sanitizer report, a crash) counts as one more failure, so that the
# total can never read "0 failed" when something went wrong.
#
# Last line of output: "NAME: N passed, M failed".  Exit status 0 only
# when M is 0.

set -u

cd "$(dirname "$0")/.." || exit 2

passed=0
failed=0

if [ "$#" -lt 2 ]; then
    echo "usage: $0 NAME build/unit/test_x ..." >&2
    echo "${1:-unit}: 0 passed, 1 failed"
    exit 1
fi

suite=$1
shift

for bin in "$@"; do
    name=$(basename "$bin")

    if [ ! -x "$bin" ]; then
        echo "$name: not built"
        failed=$((failed + 1))
        continue
    fi

    out=$("$bin" 2>&1)
    rc=$?
    printf '%s\n' "$out"

    summary=$(printf '%s\n' "$out" \
              | grep -E "^$name: [0-9]+ passed, [0-9]+ failed$" | tail -n 1)

    if [ -z "$summary" ]; then
        echo "$name: no summary line (exit status $rc)"
        failed=$((failed + 1))
        continue
    fi

    p=$(printf '%s\n' "$summary" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
    f=$(printf '%s\n' "$summary" | sed -E 's/.* ([0-9]+) failed$/\1/')

    passed=$((passed + p))
    failed=$((failed + f))

    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "$name: exit status $rc with no failed check"
        failed=$((failed + 1))
    fi
done

echo "$suite: $passed passed, $failed failed"

[ "$failed" -eq 0 ]
