#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Validity: what the packager makes decodes without a single error, every
# segment starts on a keyframe at exactly its time, timestamps run on
# across segments (fMP4 and TS), and audio is the source's, sample-
# aligned, with no gap or click at segment boundaries.

. "$(dirname "$0")/../lib/worker.sh"

S=$TMP/store

# no output at all from ffmpeg -v error decoding the whole file
decodes_clean() {
    local err
    err=$(ffmpeg -nostdin -v error -i "$1" -f null - 2>&1)
    [ -z "$err" ] || { echo "# $1: $err" | head -5; return 1; }
}

json() {
    python3 -c "import json; m = json.load(open('$S/$1/media.json'))
print($2)"
}

# init + every segment of one track, in order
concat_track() {
    local id=$1 r=$2 out=$3 n count
    count=$(json "$id" "m['segment_count']")
    cat "$S/$id/$r/init.mp4" > "$out"
    for n in $(seq 0 $((count - 1))); do
        cat "$S/$id/$r/$n.m4s" >> "$out"
    done
}

concat_ts() {
    local id=$1 r=$2 out=$3 n count
    count=$(json "$id" "m['segment_count']")
    : > "$out"
    for n in $(seq 0 $((count - 1))); do
        cat "$S/$id/$r/$n.ts" >> "$out"
    done
}

# keyframes of a concatenated track sit exactly at the segment starts
keyframes_at_starts() {
    local id=$1 file=$2
    ffprobe -v error -select_streams v -show_entries packet=flags \
        -of csv=p=0 "$file" | python3 -c "
import json, sys
m = json.load(open('$S/$id/media.json'))
flags = [l.strip() for l in sys.stdin]
keys = [i for i, f in enumerate(flags) if f.startswith('K')]
D, fn, fd = m['segment_ms'], m['fps_num'], m['fps_den']
c = lambda a, b: -(-a // b)
starts = [c(n * D * fn, 1000 * fd) for n in range(m['segment_count'])]
total = c(m['duration_ms'] * fn, 1000 * fd)
ok = keys == starts and len(flags) == total
if not ok:
    print('# keyframes %s, expected %s; %d frames, expected %d'
          % (keys[:12], starts[:12], len(flags), total))
sys.exit(0 if ok else 1)
"
}

validate() {
    local id=$1 src=$2 r
    local renditions audio

    renditions=$(json "$id" "' '.join(v['name'] for v in m['video'])")
    audio=$(json "$id" "' '.join(a['name'] for a in m['audio'])")

    check "$id: boxes and timeline of every fMP4 object" \
        python3 "$HERE/mp4check.py" "$S" "$id"
    check "$id: every TS segment on the timeline" \
        python3 "$HERE/tscheck.py" "$S" "$id"

    for r in $renditions; do
        concat_track "$id" "$r" "$TMP/$id-$r.mp4"
        check "$id/$r: init + segments decode cleanly" \
            decodes_clean "$TMP/$id-$r.mp4"
        check "$id/$r: a keyframe at each segment start, only there" \
            keyframes_at_starts "$id" "$TMP/$id-$r.mp4"
        concat_ts "$id" "$r" "$TMP/$id-$r.ts"
        check "$id/$r: concatenated TS decodes cleanly" \
            decodes_clean "$TMP/$id-$r.ts"
    done

    for r in $audio; do
        concat_track "$id" "$r" "$TMP/$id-$r.mp4"
        check "$id/$r: audio init + segments decode cleanly" \
            decodes_clean "$TMP/$id-$r.mp4"
        check "$id/$r: audio is the source's, aligned, no gap or click" \
            python3 "$HERE/pcmcheck.py" "$TMP/$id-$r.mp4" "$src" \
                "$([ "$id" = ntsc ] && echo 2 || echo 0)"
    done
}

SRC=$(fixture_main)
check "package main (640x360, 30 fps, D=4, short last segment)" \
    "$WORKER" package --store "$S" --id main --source "$SRC" \
        --segment-duration 4 --log-level warn
check "main: two renditions (360p, 240p), one audio track" \
    [ "$(json main "len(m['video']), len(m['audio']), m['segment_count']")" \
      = "2 1 4" ]
validate main "$SRC"

SRC=$(fixture_ntsc)
check "package ntsc (24000/1001 fps, 44.1 kHz mono, D=2)" \
    "$WORKER" package --store "$S" --id ntsc --source "$SRC" \
        --segment-duration 2 --log-level warn
check "ntsc: timescale 24000, fps 24000/1001, audio 48 kHz stereo" \
    [ "$(json ntsc "m['video_timescale'], m['fps_num'], m['fps_den'],
                    m['audio'][0]['sample_rate'], m['audio'][0]['channels']")" \
      = "24000 24000 1001 48000 2" ]
check "ntsc: one rendition at the source height (below the ladder)" \
    [ "$(json ntsc "[(v['name'], v['width'], v['height'])
                    for v in m['video']]")" \
      = "[('240p', 320, 240)]" ]
validate ntsc "$SRC"

SRC=$(fixture_mute)
check "package mute (no audio)" \
    "$WORKER" package --store "$S" --id mute --source "$SRC" \
        --segment-duration 2 --ladder 180p:180:300 --log-level warn
check "mute: no audio track" [ "$(json mute "len(m['audio'])")" = "0" ]
validate mute "$SRC"

check "package mute again, fmp4 only" \
    "$WORKER" package --store "$S" --id mute2 --source "$SRC" \
        --segment-duration 2 --ladder 180p:180:300 --formats fmp4 \
        --log-level warn
check "mute2: formats fmp4 only, no .ts objects" \
    [ "$(json mute2 "m['formats']")" = "['fmp4']" \
      -a -z "$(find "$S/mute2" -name '*.ts')" ]

check "no temporary files left" no_temp_files "$S"

finish worker-validity
