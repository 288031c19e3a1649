#!/usr/bin/env python3
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# tscheck.py STORE ID: checks every TS segment of a packaged video with
# ffprobe against the timeline: the first video packet is a keyframe,
# video PTS are exactly the segment's frames (+ the fixed 10 s offset),
# DTS <= PTS, audio PTS are the segment's AAC frames, contiguous, so
# that timestamps run on across segments made independently.

import json
import subprocess
import sys

OFFSET = 10 * 90000


def ceil_div(a, b):
    return -(-a // b)


def rescale(a, b, c):
    # av_rescale: a * b / c rounded to nearest, ties away from zero
    return (a * b + c // 2) // c


def main():
    store, vid = sys.argv[1], sys.argv[2]
    m = json.load(open('%s/%s/media.json' % (store, vid)))
    checked = failed = 0

    def ok(cond, what):
        nonlocal checked, failed
        checked += 1
        if not cond:
            failed += 1
            print('FAIL: ' + what)

    fn, fd = m['fps_num'], m['fps_den']
    for v in m['video']:
        last_audio = None
        for n in range(m['segment_count']):
            path = '%s/%s/%s/%d.ts' % (store, vid, v['name'], n)
            out = subprocess.run(
                ['ffprobe', '-v', 'error', '-show_entries',
                 'packet=stream_index,pts,dts,flags:stream=index,codec_type',
                 '-of', 'json', path],
                capture_output=True, text=True)
            ok(out.returncode == 0 and out.stderr == '',
               path + ': ffprobe clean ' + out.stderr.strip())
            info = json.loads(out.stdout)
            kinds = {s['index']: s['codec_type'] for s in info['streams']}
            ok(len(kinds) == 1 + len(m['audio'][:1]),
               path + ': %d streams' % len(kinds))
            vp = [p for p in info['packets']
                  if kinds[p['stream_index']] == 'video']
            ap = [p for p in info['packets']
                  if kinds[p['stream_index']] == 'audio']
            start = n * m['segment_ms']
            end = min(start + m['segment_ms'], m['duration_ms'])
            first = ceil_div(start * fn, 1000 * fd)
            count = ceil_div(end * fn, 1000 * fd) - first
            want = [OFFSET + rescale(i, 90000 * fd, fn)
                    for i in range(first, first + count)]
            ok(vp and vp[0]['flags'].startswith('K'),
               path + ': first video packet is a keyframe')
            ok(vp and int(vp[0]['pts']) == want[0],
               '%s: starts at pts %s == %d' % (path,
                                               vp and vp[0]['pts'], want[0]))
            ok(sorted(int(p['pts']) for p in vp) == want,
               path + ': video pts are the frames of the segment')
            ok(all(int(p['dts']) <= int(p['pts']) for p in vp),
               path + ': dts <= pts')
            ok(sum(1 for p in vp if p['flags'].startswith('K')) == 1,
               path + ': one keyframe')
            if m['audio']:
                a = m['audio'][0]
                af = ceil_div(start * a['sample_rate'], 1000 * 1024)
                ac = ceil_div(end * a['sample_rate'], 1000 * 1024) - af
                want = [OFFSET + rescale(j * 1024, 90000, a['sample_rate'])
                        for j in range(af, af + ac)]
                got = [int(p['pts']) for p in ap]
                ok(got == want, path + ': audio pts are frames %d..%d'
                   % (af, af + ac - 1))
                ok(last_audio is None or (got and got[0] == last_audio),
                   path + ': audio continues the previous segment')
                last_audio = OFFSET + rescale((af + ac) * 1024, 90000,
                                              a['sample_rate'])
    print('tscheck: %d checked, %d failed' % (checked, failed))
    sys.exit(1 if failed else 0)


main()
