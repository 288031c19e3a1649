#!/usr/bin/env bash
# run-suites.sh NAME SCRIPT...: runs each test script, prints its output,
# and closes with "NAME: N passed, M failed" counting scripts.
set -uo pipefail
name=$1; shift
pass=0 fail=0
for s in "$@"; do
    [ -e "$s" ] || continue
    echo "== $s"
    if bash "$s"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
