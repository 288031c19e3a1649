#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/bench/score.sh WORKER: the learned placement policy scoring
# 1,000,000 (video, region) pairs (features and probability, the code the
# placer and the simulator share) on one core, timed on the CPU clock.
# Target (issue 16): at most 1 s.  Last line:
#   bench: score 1000000 pairs in T s (target <= 1 s): ok|MISSED
# BENCH_STRICT=1 exits 1 when the target is missed.
set -uo pipefail
worker=$1 n=${PAIRS:-1000000}
out=$(taskset -c 0 "$worker" simulate --bench "$n") || { echo "bench: simulate --bench failed" >&2; exit 1; }
echo "$out"
t=$(sed -n 's/.* in \([0-9.]*\) s of CPU.*/\1/p' <<<"$out")
verdict=$(awk -v t="$t" 'BEGIN { print (t <= 1 ? "ok" : "MISSED") }')
echo "bench: score $n pairs in $t s (target <= 1 s): $verdict"
[ "$verdict" = ok ] || [ "${BENCH_STRICT:-0}" != 1 ]
