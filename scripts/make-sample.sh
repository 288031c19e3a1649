#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# make-sample.sh VAR_DIR WORKER_BIN
#
# Makes the sample video "demo" (60 s, 1920x1080, 30 fps, H.264 + AAC,
# test pattern with a large burnt-in clock, a steady tone with a short
# beep every second and a higher one at every 6 s segment start, so that
# gaps, clicks and misaligned switches are visible and audible) into
# VAR_DIR/fixtures/demo-source.mp4, and packages it with the worker into
# VAR_DIR/store/demo.  Idempotent: does nothing when media.json is newer
# than the fixture, the worker binary and this script (its ladder).

set -euo pipefail

VAR=${1:?usage: make-sample.sh VAR_DIR WORKER_BIN}
WORKER=${2:?usage: make-sample.sh VAR_DIR WORKER_BIN}

FIXTURE=$VAR/fixtures/demo-source.mp4
STORE=$VAR/store
MEDIA=$STORE/demo/media.json
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf
LADDER="1080p:1080:5000,720p:720:2800,480p:480:1400,360p:360:800"
LADDER="$LADDER,240p:240:400,720p-hevc:720:1400:hvc1,360p-hevc:360:400:hvc1"
LADDER="$LADDER,720p-av1:720:1200:av01,360p-av1:360:350:av01"

if [ -f "$MEDIA" ] && [ -f "$FIXTURE" ] \
   && [ "$MEDIA" -nt "$FIXTURE" ] && [ "$MEDIA" -nt "$WORKER" ] \
   && [ "$MEDIA" -nt "$0" ]; then
    echo "make-sample: $MEDIA is up to date"
    exit 0
fi

mkdir -p "$VAR/fixtures" "$STORE"

if [ ! -f "$FIXTURE" ]; then
    video="testsrc2=size=1920x1080:rate=30:duration=60"

    if [ -f "$FONT" ]; then
        # clock and frame number; the segment number (6 s) on top
        video="$video,drawtext=fontfile=$FONT:fontsize=140:fontcolor=white"
        video="$video:box=1:boxcolor=black@0.6:boxborderw=20"
        video="$video:x=(w-tw)/2:y=(h-th)/2"
        video="$video:text='%{pts\\:hms}'"
        video="$video,drawtext=fontfile=$FONT:fontsize=64:fontcolor=yellow"
        video="$video:box=1:boxcolor=black@0.6:boxborderw=12:x=40:y=40"
        seg='%{eif\:floor(t/6)\:d}'
        video="$video:text='frame %{frame_num}  segment $seg'"
    else
        echo "make-sample: $FONT missing, no burnt-in clock" >&2
    fi

    # 220 Hz tone + a 100 ms beep (smooth envelope) each second: 880 Hz,
    # 1320 Hz at the start of each 6 s segment
    audio="aevalsrc=exprs='0.12*sin(2*PI*220*t)"
    audio="$audio+0.25*sin(2*PI*if(lt(mod(t,6),1),1320,880)*t)"
    audio="$audio*pow(sin(PI*min(mod(t,1)/0.1,1)),2)'"
    audio="$audio:sample_rate=48000:channel_layout=stereo:duration=60"

    start=$(date +%s%N)
    ffmpeg -nostdin -v error -y \
        -f lavfi -i "$video" -f lavfi -i "$audio" \
        -map 0:v -map 1:a \
        -c:v libx264 -preset veryfast -crf 18 -g 60 -threads 2 \
        -pix_fmt yuv420p -c:a aac -b:a 192k \
        -fflags +bitexact -flags:v +bitexact -flags:a +bitexact \
        -movflags +faststart "$FIXTURE.tmp.mp4"
    mv "$FIXTURE.tmp.mp4" "$FIXTURE"
    end=$(date +%s%N)
    echo "make-sample: fixture $FIXTURE made in" \
         "$(( (end - start) / 1000000 )) ms"
fi

start=$(date +%s%N)
# the default H.264 ladder, made now; HEVC and AV1 renditions made just
# in time, the first time a device that prefers them asks (tests/serve/test-codecs.sh)
"$WORKER" package --store "$STORE" --id demo --source "$FIXTURE" \
    --ladder "$LADDER"
end=$(date +%s%N)
echo "make-sample: demo packaged in $(( (end - start) / 1000000 )) ms" \
     "(60 s of 1080p30, 5 H.264 renditions, fmp4 + ts; 2 HEVC and 2 AV1" \
     "renditions left for later)"
