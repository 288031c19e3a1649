#!/usr/bin/env python3
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# pcmcheck.py PACKAGED REFERENCE [MAX_LAG]: decodes both to 48 kHz mono and
# checks that the packaged audio (init + every segment, concatenated) is
# the reference, sample-aligned (no priming delay, |lag| <= MAX_LAG), with
# no gap or click anywhere: the RMS of the difference over every 10 ms
# window stays far below the signal's (but the stream's first frame).

import math
import struct
import subprocess
import sys


def pcm(path):
    out = subprocess.run(['ffmpeg', '-nostdin', '-v', 'error', '-i', path,
                          '-vn', '-ac', '1', '-ar', '48000', '-f', 'f32le',
                          '-'], capture_output=True, check=True)
    n = len(out.stdout) // 4
    return struct.unpack('<%df' % n, out.stdout[:n * 4])


def main():
    x = pcm(sys.argv[1])
    y = pcm(sys.argv[2])
    max_lag = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    n = min(len(x), len(y)) - 4800
    failed = 0

    def err(lag, s, e):
        return sum((x[i] - y[i + lag]) ** 2 for i in range(s, e)) / (e - s)

    lag = min(range(-64, 65), key=lambda l: err(l, 24000, 26000))
    if abs(lag) > max_lag:
        print('FAIL: packaged audio is %d samples off the source' % lag)
        failed += 1

    sig = math.sqrt(sum(v * v for v in y[:n]) / n)
    worst, at = 0.0, 0
    win = 480
    # the first AAC frame of the stream is left out: with no priming in the
    # timeline its overlap half has no predecessor (docs/segments.md)
    for s in range(max(0, -lag) + 2048, n - win - abs(lag), win):
        r = math.sqrt(err(lag, s, s + win))
        if r > worst:
            worst, at = r, s
    if worst > sig * 0.05:
        print('FAIL: difference %.5f (signal %.5f) at %.3f s'
              % (worst, sig, at / 48000.0))
        failed += 1

    print('pcmcheck: lag %d, worst 10 ms difference %.5f at %.3f s '
          '(signal %.5f): %s' % (lag, worst, at / 48000.0, sig,
                                 'failed' if failed else 'ok'))
    sys.exit(1 if failed else 0)


main()
