#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# HEVC and AV1 renditions of demo, made just in time the first time a
# device asks, through nginx (the shipped device rules) and the worker:
#   - the tv class's master.m3u8 and manifest.mpd list HEVC first, with
#     the CODECS of media.json, the desktop class's AV1 first; neither
#     codec has a TS playlist or segment;
#   - ffprobe decodes each HEVC and AV1 rendition end to end over HTTP:
#     every frame of the video, of the declared codec, size and profile;
#   - what was made is kept: each object once in the store, the next
#     request answered from it;
#   - hls.js in headless Chromium, left to choose, plays the AV1 ladder on
#     a class that prefers it (tests/serve/play-codec.js).
#
# Needs MODULE_SO, WORKER, STORE (make sample), and for the browser
# NODE_MODULES (build/node/node_modules) and WWW (build/www).

. "$(dirname "$0")/lib.sh"

NAME=codecs
prereq "$NAME"
NODE_MODULES=$(abs "${NODE_MODULES:-build/node/node_modules}")
WWW=$(abs "${WWW:-build/www}")
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

M=$STORE/$VIDEO/media.json
# NAME CODEC WIDTH HEIGHT of the demo's renditions of a family
renditions() {
    jq -r --arg f "$1" '.video[] | select(.codec | startswith($f))
        | "\(.name) \(.codec) \(.width) \(.height)"' "$M"
}
mapfile -t HEVC < <(renditions hvc1)
mapfile -t AV1 < <(renditions av01)
[ ${#HEVC[@]} -ge 1 ] && [ ${#AV1[@]} -ge 1 ] \
    || bail "$NAME" "demo declares HEVC and AV1 renditions (make sample)"
frames=$(jq -r '(.duration_ms * .fps_num / .fps_den / 1000) | ceil' "$M")
segments=$(jq -r .segment_count "$M")

S=$TMP/store
check "cold copy of demo: no rendition made" cold_store "$S"
cp -r "$WWW/." "$TMP/www/"

start_worker w --store "$S" --slots 2 --prefetch on --redis off \
    --wait 120s --log-level info || bail "$NAME" "worker starts"
DEVICES=on start_nginx a "$S" \
    "server unix:$TMP/w.sock max_fails=0;" || bail "$NAME" "nginx starts"

# --- manifests: each class's codec first, codecs strings of media.json

UA_TV='Mozilla/5.0 (Linux; Tizen 6.5) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/2.2 Chrome/85.0.4183.93 TV Safari/537.36'
UA_DESKTOP='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'

# first_codec FILE: the video codec of the first variant (HLS)
first_codec() {
    grep -o 'CODECS="[^"]*"' "$1" | head -1 | sed 's/CODECS="//; s/,.*//; s/"//'
}

read -r code _ < <(get a "/v/$VIDEO/master.m3u8" "$TMP/tv.m3u8" -A "$UA_TV")
check_sh "tv: master.m3u8 200, HEVC first" \
    '[ "$code" = 200 ] && first_codec "$TMP/tv.m3u8" | grep -q "^hvc1\."'
for r in "${HEVC[@]}"; do
    read -r name codec _ <<< "$r"
    check "tv: $name listed with CODECS $codec" \
        grep -q "CODECS=\"$codec,mp4a.40.2\".*" "$TMP/tv.m3u8"
    check "tv: $name's URI follows" grep -qx "$name/index.m3u8" "$TMP/tv.m3u8"
done
check "tv: H.264 listed too (the fallback)" grep -q 'CODECS="avc1\.' "$TMP/tv.m3u8"
check "tv: no AV1" bash -c "! grep -q av01 '$TMP/tv.m3u8'"

# mpd_order FILE: the codecs of the video AdaptationSets, the favoured
# (highest selectionPriority) first, then in document order
mpd_order() {
    python3 - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
d = "{urn:mpeg:dash:schema:mpd:2011}"
sets = [a for a in ET.parse(sys.argv[1]).getroot().iter(d + "AdaptationSet")
        if a.get("contentType") == "video"]
def codec(a):
    return (a.get("codecs") or a.find(d + "Representation").get("codecs")).split(".")[0]
sets.sort(key=lambda a: -int(a.get("selectionPriority", "0")))
print(" ".join(codec(a) for a in sets))
EOF
}

read -r code _ < <(get a "/v/$VIDEO/manifest.tv.mpd" "$TMP/tv.mpd")
check_sh "tv: manifest.tv.mpd 200, HEVC favoured, then H.264" \
    '[ "$code" = 200 ] && [ "$(mpd_order "$TMP/tv.mpd")" = "hvc1 avc1" ]'

read -r code _ < <(get a "/v/$VIDEO/master.m3u8" "$TMP/desk.m3u8" \
    -A "$UA_DESKTOP")
check_sh "desktop: master.m3u8 200, AV1 first with the codecs of media.json" \
    '[ "$code" = 200 ] && [ "$(first_codec "$TMP/desk.m3u8")" = "$(jq -r \
      "[.video[] | select(.codec | startswith(\"av01\"))][0].codec" "$M")" ]'
check "Vary on the plain URL" grep -qi '^vary:.*user-agent' "$TMP/desk.m3u8.h"

name=${HEVC[0]%% *}
read -r code _ < <(get a "/v/$VIDEO/$name/index-ts.m3u8" "$TMP/ts")
read -r code2 _ < <(get a "/v/$VIDEO/$name/0.ts" "$TMP/ts0")
check_sh "no TS for HEVC: index-ts.m3u8 and 0.ts 404" \
    '[ "$code" = 404 ] && [ "$code2" = 404 ]'
name=${AV1[0]%% *}
read -r code _ < <(get a "/v/$VIDEO/$name/0.ts" "$TMP/ts0")
check "no TS for AV1: 0.ts 404" [ "$code" = 404 ]
check "nothing made yet" bash -c "[ -z \"\$(find '$S/$VIDEO' -mindepth 1 -type d)\" ]"

# --- ffprobe decodes each rendition end to end over HTTP

# probe NAME CODEC WIDTH HEIGHT: ffprobe decodes the rendition's media
# playlist; "rc seconds codec profile width height frames" to
# $TMP/probe.NAME, its stderr to $TMP/probe.NAME.err
probe() {
    local name=$1 out rc s0
    s0=$(now_ms)
    out=$(timeout 300 ffprobe -v error -count_frames -select_streams v:0 \
        -show_entries stream=codec_name,profile,width,height,nb_read_frames \
        -of default=nw=1 \
        "http://127.0.0.1:${NGX_PORT[a]}/v/$VIDEO/$name/index.m3u8" \
        2>"$TMP/probe.$name.err")
    rc=$?
    awk -F= -v rc=$rc -v s=$(( ($(now_ms) - s0) / 1000 )) \
        '{ v[$1] = $2 } END { print rc, s, v["codec_name"], v["profile"],
          v["width"], v["height"], v["nb_read_frames"] }' <<< "$out" \
        > "$TMP/probe.$name"
}

# two at a time (an HEVC and an AV1 one): the worker's two slots busy
j0=$(metric w jobs_started_total)
t0=$(now_ms)
for i in $(seq 0 $(( ${#HEVC[@]} > ${#AV1[@]} ? ${#HEVC[@]} - 1 : ${#AV1[@]} - 1 ))); do
    probes=()
    for r in "${HEVC[$i]:-}" "${AV1[$i]:-}"; do
        [ -n "$r" ] || continue
        probe "${r%% *}" &
        probes+=($!)
    done
    wait "${probes[@]}"
done
for r in "${HEVC[@]}" "${AV1[@]}"; do
    read -r name codec width height <<< "$r"
    want=$([ "${codec%%.*}" = hvc1 ] && echo "hevc Main" || echo "av1 Main")
    read -r rc secs got < "$TMP/probe.$name"
    if [ "$rc" = 0 ] && [ "$got" = "$want $width $height $frames" ] \
       && [ ! -s "$TMP/probe.$name.err" ]; then
        ok "ffprobe decodes $name ($codec) end to end: $frames frames of ${width}x$height in $secs s"
    else
        fail "ffprobe decodes $name ($codec) end to end"
        echo "#   got \"$got\", want \"$want $width $height $frames\" (rc $rc)"
        head -5 "$TMP/probe.$name.err" | sed 's/^/#   /'
    fi
done
echo "# made and decoded in $(( ($(now_ms) - t0) / 1000 )) s"

# --- kept: every object once in the store, answered from it next time

n=$(( (${#HEVC[@]} + ${#AV1[@]}) * (segments + 1) ))
kept=0
for r in "${HEVC[@]}" "${AV1[@]}"; do
    name=${r%% *}
    [ -s "$S/$VIDEO/$name/init.mp4" ] && kept=$((kept + 1))
    for i in $(seq 0 $((segments - 1))); do
        [ -s "$S/$VIDEO/$name/$i.m4s" ] && kept=$((kept + 1))
    done
done
check "kept: $n objects (init and $segments segments each) in the store" \
    [ "$kept" = "$n" ]
check "no temporary file left" no_temp_files "$S"
wait_idle w
jobs=$(( $(metric w jobs_started_total) - j0 ))
check "each made once: $jobs jobs for $n objects" [ "$jobs" -le "$n" ]

name=${AV1[0]%% *}
read -r code _ < <(get a "/v/$VIDEO/$name/3.m4s" "$TMP/again")
check_sh "asked again: 200 from the store, the same bytes" \
    '[ "$code" = 200 ] && [ -z "$(hdr "$TMP/again.h" X-Vidorigin-Transcode)" ] \
     && cmp -s "$TMP/again" "$S/$VIDEO/$name/3.m4s"'
init_codec() {
    ffprobe -v error -show_entries stream=codec_tag_string -of csv=p=0 \
        "http://127.0.0.1:${NGX_PORT[a]}/v/$VIDEO/$1/init.mp4"
}
check_sh "sample entries: hvc1 and av01" \
    '[ "$(init_codec "${HEVC[0]%% *}")" = hvc1 ] \
     && [ "$(init_codec "${AV1[0]%% *}")" = av01 ]'

# --- hls.js in headless Chromium picks AV1 on its own

if [ ! -x "$CHROMIUM" ] || [ ! -d "$NODE_MODULES/playwright-core" ]; then
    fail "chromium ($CHROMIUM) and playwright-core ($NODE_MODULES) present"
else
    # HeadlessChrome's User-Agent is in the desktop class: AV1 first
    mkdir -p "$TMP/profile"
    mapfile -t lines < <(NODE_MODULES=$NODE_MODULES CHROMIUM=$CHROMIUM \
        PLAYER_WALL_MS=120000 timeout 200 node "$ROOT/tests/serve/play-codec.js" \
        "http://127.0.0.1:${NGX_PORT[a]}/?player=hls&id=$VIDEO" av01 \
        "$TMP/av1.png" "$TMP/profile" 2>&1)
    [ ${#lines[@]} -gt 0 ] || lines=("not ok - hls.js: play-codec.js said nothing")
    for l in "${lines[@]}"; do
        case $l in
            "ok - "*) ok "${l#ok - }" ;;
            "not ok - "*) fail "${l#not ok - }" ;;
            *) echo "$l" ;;
        esac
    done
fi

check "nginx logged no error" \
    bash -c "! grep -E '\[(error|crit|alert|emerg)\]' '$(errlog a)'"
finish "$NAME"
