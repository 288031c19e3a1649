#!/usr/bin/env python3
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# mp4check.py STORE ID: checks the CMAF objects of a packaged video box by
# box against its media.json (the timeline of docs/media-description.md):
#   - init.mp4: ftyp, moov with mvex, the track timescale;
#   - segment n: styp, mfhd sequence n+1, tfhd default-base-is-moof,
#     tfdt = first frame of n in track ticks, first sample sync and every
#     other video sample non-sync, earliest presentation time = tfdt
#     (video: exactly n*D when that is on a frame), sample count and
#     durations = the segment's frames, data offset and sizes = mdat;
#   - continuity: tfdt(n+1) = tfdt(n) + sum of durations(n).
# Prints one line per failure and "mp4check: N checked, M failed".

import json
import struct
import sys


def boxes(data, off=0, end=None):
    end = len(data) if end is None else end
    while off < end:
        size, typ = struct.unpack('>I4s', data[off:off + 8])
        hdr = 8
        if size == 1:
            size = struct.unpack('>Q', data[off + 8:off + 16])[0]
            hdr = 16
        if size < hdr or off + size > end:
            raise ValueError('bad box size at %d' % off)
        yield typ.decode('latin1'), off, off + hdr, off + size
        off += size


def find(data, path, off=0, end=None):
    name, rest = path[0], path[1:]
    for typ, start, body, stop in boxes(data, off, end):
        if typ == name:
            if not rest:
                return start, body, stop
            return find(data, rest, body, stop)
    return None


def ceil_div(a, b):
    return -(-a // b)


def video_segment(m, n):
    start = n * m['segment_ms']
    end = min(start + m['segment_ms'], m['duration_ms'])
    f = ceil_div(start * m['fps_num'], 1000 * m['fps_den'])
    l = ceil_div(end * m['fps_num'], 1000 * m['fps_den'])
    return f, l - f


def audio_segment(m, a, n):
    start = n * m['segment_ms']
    end = min(start + m['segment_ms'], m['duration_ms'])
    f = ceil_div(start * a['sample_rate'], 1000 * 1024)
    l = ceil_div(end * a['sample_rate'], 1000 * 1024)
    return f, l - f


class Checker:
    def __init__(self):
        self.checked = 0
        self.failed = 0

    def ok(self, cond, what):
        self.checked += 1
        if not cond:
            self.failed += 1
            print('FAIL: ' + what)
        return cond


def check_init(c, path, timescale, handler):
    data = open(path, 'rb').read()
    c.ok(data[4:8] == b'ftyp', path + ': starts with ftyp')
    mdhd = find(data, ['moov', 'trak', 'mdia', 'mdhd'])
    if not c.ok(mdhd is not None, path + ': has moov/trak/mdia/mdhd'):
        return
    ts = struct.unpack('>I', data[mdhd[1] + 12:mdhd[1] + 16])[0]
    c.ok(ts == timescale, '%s: timescale %d == %d' % (path, ts, timescale))
    hdlr = find(data, ['moov', 'trak', 'mdia', 'hdlr'])
    c.ok(hdlr and data[hdlr[1] + 8:hdlr[1] + 12] == handler,
         path + ': handler ' + handler.decode())
    c.ok(find(data, ['moov', 'mvex', 'trex']) is not None,
         path + ': has mvex/trex')


def check_segment(c, path, n, first, count, ticks, video):
    data = open(path, 'rb').read()
    what = '%s:' % path
    c.ok(data[4:8] == b'styp', what + ' starts with styp')
    moof = find(data, ['moof'])
    mdat = find(data, ['mdat'])
    if not c.ok(moof and mdat, what + ' has moof and mdat'):
        return None
    mfhd = find(data, ['moof', 'mfhd'])
    seq = struct.unpack('>I', data[mfhd[1] + 4:mfhd[1] + 8])[0]
    c.ok(seq == n + 1, '%s sequence %d == %d' % (what, seq, n + 1))
    tfhd = find(data, ['moof', 'traf', 'tfhd'])
    flags = struct.unpack('>I', data[tfhd[1]:tfhd[1] + 4])[0] & 0xffffff
    c.ok(flags & 0x020000, what + ' tfhd default-base-is-moof')
    tfdt = find(data, ['moof', 'traf', 'tfdt'])
    ver = data[tfdt[1]]
    base = struct.unpack('>Q' if ver == 1 else '>I',
                         data[tfdt[1] + 4:tfdt[2]])[0]
    c.ok(base == first * ticks,
         '%s tfdt %d == %d' % (what, base, first * ticks))
    trun = find(data, ['moof', 'traf', 'trun'])
    p = trun[1]
    vf = struct.unpack('>I', data[p:p + 4])[0]
    ver, tflags = vf >> 24, vf & 0xffffff
    nsamples, offset = struct.unpack('>Ii', data[p + 4:p + 12])
    p += 12
    c.ok(nsamples == count, '%s %d samples == %d' % (what, nsamples, count))
    c.ok(moof[0] + offset == mdat[1],
         what + ' data offset points at the mdat payload')
    total, sizes, pts = 0, 0, []
    for k in range(nsamples):
        dur = size = sflags = cts = 0
        if tflags & 0x100:
            dur = struct.unpack('>I', data[p:p + 4])[0]; p += 4
        if tflags & 0x200:
            size = struct.unpack('>I', data[p:p + 4])[0]; p += 4
        if tflags & 0x400:
            sflags = struct.unpack('>I', data[p:p + 4])[0]; p += 4
        if tflags & 0x800:
            cts = struct.unpack('>i' if ver else '>I', data[p:p + 4])[0]
            p += 4
        c.checked += 0
        if dur != ticks:
            c.ok(False, '%s sample %d duration %d != %d' % (what, k, dur,
                                                            ticks))
        if video:
            sync = not (sflags & 0x00010000)
            if sync != (k == 0):
                c.ok(False, '%s sample %d sync=%s' % (what, k, sync))
        pts.append(base + total + cts)
        total += dur
        sizes += size
    c.ok(sizes == mdat[2] - mdat[1], what + ' sizes add up to the mdat')
    c.ok(min(pts) == base,
         '%s earliest presentation %d == tfdt %d' % (what, min(pts), base))
    if video:
        c.ok(sorted(pts) == [base + i * ticks for i in range(count)],
             what + ' presentation times are the frames of the segment')
    return base + total


def main():
    store, vid = sys.argv[1], sys.argv[2]
    m = json.load(open('%s/%s/media.json' % (store, vid)))
    c = Checker()
    ticks = m['video_timescale'] * m['fps_den'] // m['fps_num']
    tracks = [(v['name'], True, m['video_timescale'], ticks, None)
              for v in m['video']]
    tracks += [(a['name'], False, a['sample_rate'], 1024, a)
               for a in m['audio']]
    for name, video, timescale, t, a in tracks:
        d = '%s/%s/%s' % (store, vid, name)
        check_init(c, d + '/init.mp4', timescale,
                   b'vide' if video else b'soun')
        nxt = 0
        for n in range(m['segment_count']):
            first, count = (video_segment(m, n) if video
                            else audio_segment(m, a, n))
            if video:
                c.ok(first * m['fps_den'] * 1000
                     >= n * m['segment_ms'] * m['fps_num'],
                     '%s/%d starts at or after n*D' % (name, n))
            end = check_segment(c, '%s/%d.m4s' % (d, n), n, first, count, t,
                                video)
            c.ok(end is None or n == 0 or first * t == nxt,
                 '%s/%d continues %s/%d' % (name, n, name, n - 1))
            nxt = end or 0
    print('mp4check: %d checked, %d failed' % (c.checked, c.failed))
    sys.exit(1 if c.failed else 0)


main()
