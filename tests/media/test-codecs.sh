#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# HEVC (libx265) and AV1 (libsvtav1) renditions in the worker:
#   - the ladder's fourth field names the codec; by default only the
#     H.264 renditions are made when packaging, the others are described
#     (codecs string from the encoder's headers, crf on the codec's own
#     scale, bandwidths the encoder's bounds) and left for later;
#   - made now (--eager names them) or alone later (segment), the bytes
#     are the same; the CMAF objects pass mp4check (timeline, sync
#     samples), carry hvc1/hvcC and av01/av1C, and ffmpeg decodes them
#     with the profile and level of the codecs string;
#   - no TS for them; ladders that cannot work are refused.

. "$(dirname "$0")/../lib/worker.sh"

SRC=$TMP/src.mp4
$FF -f lavfi -i testsrc2=size=320x240:rate=30:duration=4 \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=4" -ac 2 \
    -c:v libx264 -preset ultrafast -threads 2 -pix_fmt yuv420p \
    -c:a aac $BITEXACT "$SRC"

LADDER="240p:240:400,240p-hevc:240:300:hvc1,240p-av1:240:250:av01"

json() {
    jq -r "$2" "$1/v/media.json"
}

# --- lazy: described, not made

L=$TMP/lazy
"$WORKER" package --store "$L" --id v --source "$SRC" --segment-duration 2 \
    --ladder "$LADDER" --log-level warn 2>"$TMP/err"
check "package: exit 0" [ $? -eq 0 ]
check "by default only H.264 is made" \
    [ "$(cd "$L/v" && find . -mindepth 1 -type d | sort | paste -sd' ')" \
      = "./240p ./aac" ]
check "codecs strings: hvc1.1.6.L60.90, av01.0.00M.08" \
    [ "$(json "$L" '[.video[].codec] | join(" ")')" \
      = "avc1.64000d hvc1.1.6.L60.90 av01.0.00M.08" ]
check "crf on each codec's scale: 23, 27, 45" \
    [ "$(json "$L" '[.video[].crf] | join(" ")')" = "23 27 45" ]
# maxrate + maxrate / D, and 3/4 of maxrate
check "lazy bandwidths: the encoder's bounds" \
    [ "$(json "$L" '[.video[1,2] | .bandwidth, .average_bandwidth]
                     | join(" ")')" = "450000 225000 375000 187500" ]

# --- made now and made later: the same bytes, valid, decodable

E=$TMP/eager
"$WORKER" package --store "$E" --id v --source "$SRC" --segment-duration 2 \
    --ladder "$LADDER" --eager all,240p-hevc,240p-av1 --log-level warn \
    2>"$TMP/err" || true
# "all" is not a name: refused
check "--eager all,NAME refused" [ ! -e "$E/v/media.json" ]

"$WORKER" package --store "$E" --id v --source "$SRC" --segment-duration 2 \
    --ladder "$LADDER" --eager 240p,240p-hevc,240p-av1 --log-level warn \
    2>"$TMP/err"
check "--eager with HEVC and AV1: exit 0" [ $? -eq 0 ]
check "same codecs as the lazy description, bandwidths measured" \
    [ "$(json "$E" '[.video[].codec] | join(" ")')" \
      = "$(json "$L" '[.video[].codec] | join(" ")')" \
      -a "$(json "$E" '.video[1].bandwidth')" != 450000 ]

python3 "$HERE/mp4check.py" "$E" v > "$TMP/mp4check" 2>&1
check "mp4check: every object of the three renditions" \
    grep -q ' 0 failed' "$TMP/mp4check"
grep FAIL "$TMP/mp4check" | head -5 | sed 's/^/#   /'

same=0 total=0
for r in 240p-hevc 240p-av1; do
    for n in init 0 1; do
        total=$((total + 1))
        if [ $n = init ]; then
            "$WORKER" segment --store "$L" --id v --rendition $r --init \
                --out "$TMP/o" --log-level warn
            cmp -s "$TMP/o" "$E/v/$r/init.mp4" && same=$((same + 1))
        else
            "$WORKER" segment --store "$L" --id v --rendition $r \
                --segment $n --out "$TMP/o" --log-level warn
            cmp -s "$TMP/o" "$E/v/$r/$n.m4s" && same=$((same + 1))
        fi
    done
done
check "made alone later = made when packaging ($same of $total objects)" \
    [ "$same" = "$total" ]

# decode FAMILY NAME: "codec tag profile level frames" of init + segments
decoded() {
    cat "$E/v/$1/init.mp4" "$E/v/$1/0.m4s" "$E/v/$1/1.m4s" > "$TMP/$1.mp4"
    ffprobe -v error -count_frames -show_entries \
        stream=codec_name,codec_tag_string,profile,level,nb_read_frames \
        -of csv=p=0 "$TMP/$1.mp4" 2>"$TMP/$1.err"
}
check "HEVC decodes: hevc, hvc1, Main, level 60 (L60), 120 frames" \
    [ "$(decoded 240p-hevc)" = "hevc,Main,hvc1,60,120" -a \
      ! -s "$TMP/240p-hevc.err" ]
check "AV1 decodes: av1, av01, Main, level 0 (00M), 120 frames" \
    [ "$(decoded 240p-av1)" = "av1,Main,av01,0,120" -a \
      ! -s "$TMP/240p-av1.err" ]

# the configuration records
box() {   # box FILE TYPE: the first 16 bytes after TYPE, in hex
    python3 -c "import sys
d = open(sys.argv[1], 'rb').read(); i = d.find(sys.argv[2].encode())
print(d[i + 4:i + 20].hex() if i > 0 else '')" "$1" "$2"
}
hvcc=$(box "$E/v/240p-hevc/init.mp4" hvcC)
av1c=$(box "$E/v/240p-av1/init.mp4" av1C)
# version 1, Main (1), compatibility 0x60000000, constraints 90..., L60
check "hvcC: version 1, Main, compatibility, constraints, level 60" \
    [ "${hvcc:0:24}" = 010160000000900000000000 -a "${hvcc:24:2}" = 3c ]
# marker+version, profile 0 level 0, 8-bit 4:2:0, then a sequence header
# OBU (type 1 with size: 0x0a)
check "av1C: version 1, Main, level 0, 8-bit 4:2:0, a sequence header" \
    [ "${av1c:0:6}" = 81000c -a "${av1c:8:2}" = 0a ]

# --- no TS, refusals

"$WORKER" segment --store "$L" --id v --rendition 240p-hevc --segment 0 \
    --format ts --out "$TMP/o" --log-level warn 2>"$TMP/err"
check "no TS for HEVC: refused" [ $? -ne 0 ]

refused() {   # refused WHAT PATTERN ARGS...
    local what=$1 pattern=$2 rc
    shift 2
    rm -rf "$TMP/r"
    "$WORKER" package --store "$TMP/r" --id v --source "$SRC" "$@" \
        2>"$TMP/err"
    rc=$?
    if [ "$rc" = 1 ] && grep -q "\[error\].*$pattern" "$TMP/err" \
       && [ -z "$(find "$TMP/r" -mindepth 1 2>/dev/null)" ]; then
        ok "$what: exit 1, \"$pattern\", nothing stored"
    else
        fail "$what: exit 1, \"$pattern\", nothing stored (exit $rc)"
        sed 's/^/#   /' "$TMP/err"
    fi
}
refused "no H.264 rung" "at least one H.264 rung" \
    --ladder 240p-hevc:240:300:hvc1
refused "unknown codec" "invalid --ladder" --ladder 240p:240:400,v:240:300:vp09
refused "HEVC without fmp4" "CMAF only" --formats ts \
    --ladder 240p:240:400,h:240:300:hvc1
refused "a name twice" "twice" --ladder 240p:240:400,240p:240:300:av01

finish worker-codecs
