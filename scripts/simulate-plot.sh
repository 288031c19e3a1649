#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# scripts/simulate-plot.sh WORKER OUT DOCS (make simulate-plot): the
# simulator's default run for each preset (aws, external, flat) at
# ALPHA (0.8), its table, JSON and CSV into OUT, and one PNG of each
# day's cost per policy into DOCS/simulate-cost.png (gnuplot, Debian's
# gnuplot-nox).  VIDEOS (100000) and SEED (1) as the simulator's.
set -euo pipefail
worker=$1 out=$2 docs=$3
alpha=${ALPHA:-0.8} videos=${VIDEOS:-100000} seed=${SEED:-1}
command -v gnuplot >/dev/null || { echo "simulate-plot: gnuplot is not installed (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$out" "$docs"

for p in aws external flat; do
    echo "simulate-plot: preset $p, alpha $alpha" >&2
    "$worker" simulate --preset "$p" --alpha "$alpha" --videos "$videos" \
        --seed "$seed" --json --csv "$out/$p.csv" \
        > "$out/$p.json" 2> "$out/$p.txt"
    cat "$out/$p.txt"
done

gnuplot <<GP
set terminal pngcairo size 1500,480 font "DejaVu Sans,10" noenhanced
set output "$docs/simulate-cost.png"
set datafile separator ","
set key autotitle columnhead top right
set multiplot layout 1,3 title "vidorigin placement simulator: cost per day, days 15-28 (held out), alpha $alpha, $videos videos"
set xlabel "day"
set ylabel "dollars per day"
set grid
do for [p in "aws external flat"] {
    set title p
    plot for [c=2:6] "$out/".p.".csv" using 1:c with linespoints lw 2 pt 7 ps 0.6
}
unset multiplot
GP
echo "simulate-plot: $docs/simulate-cost.png" >&2
