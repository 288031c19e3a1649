#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Determinism: packaging the same source twice gives byte-identical
# objects, and every object made alone by "segment" (the just-in-time
# path) is byte-identical to the packaged one.

. "$(dirname "$0")/../lib/worker.sh"

SRC=$(fixture_main)
A=$TMP/a
B=$TMP/b
C=$TMP/c

ARGS="--id det --source $SRC --segment-duration 4 --log-level warn"

check "package into store a" "$WORKER" package --store "$A" $ARGS
check "package into store b" "$WORKER" package --store "$B" $ARGS

sums() {
    (cd "$1" && find det -type f ! -name 'source.*' | sort \
        | xargs sha256sum)
}

check "two packagings are byte-identical" \
    diff <(sums "$A") <(sums "$B")

check "media.json identical" cmp "$A/det/media.json" "$B/det/media.json"

# every object alone, into a third place
meta() {
    python3 -c "import json; m = json.load(open('$A/det/media.json')); $1"
}

count=$(meta "print(m['segment_count'])")
renditions=$(meta "print(' '.join(v['name'] for v in m['video']))")
audio=$(meta "print(' '.join(a['name'] for a in m['audio']))")

mismatch=0
made=0

one() {
    local key=$1
    shift
    mkdir -p "$(dirname "$C/$key")"
    if ! "$WORKER" segment --store "$A" --id det --log-level warn \
            --out "$C/$key" "$@" \
       || ! cmp -s "$C/$key" "$A/$key"; then
        echo "# $key differs from the packaged object"
        mismatch=$((mismatch + 1))
    fi
    made=$((made + 1))
}

for r in $renditions $audio; do
    one "det/$r/init.mp4" --rendition "$r" --init
    for n in $(seq 0 $((count - 1))); do
        one "det/$r/$n.m4s" --rendition "$r" --segment "$n"
    done
done

for r in $renditions; do
    for n in $(seq 0 $((count - 1))); do
        one "det/$r/$n.ts" --rendition "$r" --segment "$n" --format ts
    done
done

check "$made objects made alone equal the packaged ones" [ "$mismatch" -eq 0 ]

# the just-in-time path writes into the store at the object's key
last=$((count - 1))
rm -f "$A/det/240p/$last.m4s" "$A/det/240p/1.ts"
"$WORKER" segment --store "$A" --id det --rendition 240p \
    --segment "$last" --log-level warn
"$WORKER" segment --store "$A" --id det --rendition 240p --segment 1 \
    --format ts --log-level warn
check "segment writes the missing m4s into the store, identical" \
    cmp "$A/det/240p/$last.m4s" "$B/det/240p/$last.m4s"
check "segment writes the missing ts into the store, identical" \
    cmp "$A/det/240p/1.ts" "$B/det/240p/1.ts"
check "no temporary files left" no_temp_files "$A"

# out of range and unknown renditions are refused
"$WORKER" segment --store "$A" --id det --rendition 240p \
    --segment "$count" 2>"$TMP/err"
check "segment past the end: exit 1" [ $? -eq 1 ]
check "segment past the end: says why" \
    grep -q 'segment number out of range' "$TMP/err"
"$WORKER" segment --store "$A" --id det --rendition 4k --segment 0 \
    2>"$TMP/err"
check "unknown rendition: exit 1" [ $? -eq 1 ]
"$WORKER" segment --store "$A" --id det --rendition aac --segment 0 \
    --format ts 2>"$TMP/err"
check "ts of the audio track: exit 1" [ $? -eq 1 ]

# re-packaging the same source with the same settings rewrites the same
# bytes (media.json stays: the video stays ready); other settings replace
# the video, with no stale object of the old timeline left behind
check "re-package in place" "$WORKER" package --store "$A" $ARGS
check "re-packaged objects identical" diff <(sums "$A") <(sums "$B")
check "re-package with D=6" "$WORKER" package --store "$A" --id det \
    --source "$SRC" --segment-duration 6 --log-level warn
check "D=6: three segments per rendition, nothing stale" \
    [ "$(ls "$A/det/360p" | sort | tr '\n' ' ')" \
      = "0.m4s 0.ts 1.m4s 1.ts 2.m4s 2.ts init.mp4 " ]

# a TS master copy with open GOPs: windows after the first are decoded
# from the keyframe at or before their start, or from an earlier one when
# that is not safe; either way alone == packaged, and the first frame of
# segment n is the source's frame at n*D, not a neighbour
TS=$(fixture_ts)
T=$TMP/ts
check "package the TS master (open GOP, B-frames, D=4)" \
    "$WORKER" package --store "$T" --id ts --source "$TS" \
    --segment-duration 4 --ladder 240p:240:1500 --log-level error
r=$(python3 -c "import json; print(json.load(open('$T/ts/media.json'))['video'][0]['name'])")
mismatch=0
for n in 0 1 2; do
    for f in m4s ts; do
        mkdir -p "$C/ts/$r"
        "$WORKER" segment --store "$T" --id ts --rendition "$r" \
            --segment $n --format ${f/m4s/fmp4} --out "$C/ts/$r/$n.$f" \
            --log-level error
        cmp -s "$C/ts/$r/$n.$f" "$T/ts/$r/$n.$f" || mismatch=$((mismatch + 1))
    done
done
check "TS master: 6 objects made alone equal the packaged ones" \
    [ "$mismatch" -eq 0 ]

# every frame of segments 1 and 2 against the source frames it covers,
# from a decode of the whole file (seeking in it is what is under test):
# the luma PSNR of the worst frame is high; a frame off by one is 5 to
# 15 dB (brightness 40 apart), a broken reference lower still
raw() {
    ffmpeg -nostdin -v error -y -i "$1" ${2:+-vf "select=$2"} \
        -fps_mode passthrough -f rawvideo -pix_fmt gray "$3"
}

good=0
for n in 1 2; do
    cat "$T/ts/$r/init.mp4" "$T/ts/$r/$n.m4s" > "$TMP/seg$n.mp4"
    raw "$TMP/seg$n.mp4" "" "$TMP/seg$n.y"
    raw "$TS" "between(n\,$(( n * 120 ))\,$(( n * 120 + 119 )))" "$TMP/src$n.y"
    worst=$(ffmpeg -nostdin -v error -f rawvideo -pix_fmt gray -s 320x240 \
                -i "$TMP/seg$n.y" -f rawvideo -pix_fmt gray -s 320x240 \
                -i "$TMP/src$n.y" \
                -lavfi "[0:v][1:v]psnr=stats_file=$TMP/psnr$n.log" -f null - \
            && awk '{ for (i = 1; i <= NF; i++) if (sub("^psnr_y:", "", $i))
                          print $i }' "$TMP/psnr$n.log" \
               | sort -g | head -1)
    frames=$(wc -l < "$TMP/psnr$n.log")
    echo "# segment $n: $frames frames, worst luma PSNR $worst dB"
    [ "$frames" -eq 120 ] && python3 -c "import sys; \
        sys.exit(0 if float(sys.argv[1]) > 35 else 1)" "$worst" \
        && good=$((good + 1))
done
check "TS master: every frame of segments 1 and 2 is the source's" \
    [ "$good" -eq 2 ]

finish worker-determinism
