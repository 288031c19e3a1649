#!/usr/bin/env bash
# decode.sh NAME URL KIND DURATION_MS FPS_NUM FPS_DEN SAMPLE_RATE [MAP...]
#
# Decodes URL to the end with the ffmpeg CLI and prints one TAP-style line:
# `ok - NAME ...` or `not ok - NAME ...` followed by `#` diagnostics.
# KIND: video, audio or av (a video and an audio stream in one input, as in
# the TS variants).  Fails on any ffmpeg output at warning level or above,
# on a timestamp gap or step backwards between consecutive frames, and when
# a decoded duration is not DURATION_MS within one frame.
set -uo pipefail
name=$1 url=$2 kind=$3 dur_ms=$4 fps_num=$5 fps_den=$6 sr=$7; shift 7
maps=("$@")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

case $kind in
    video) codecs=(-c:v wrapped_avframe) ;;
    audio) codecs=(-c:a pcm_s16le) ;;
    av)    codecs=(-c:v wrapped_avframe -c:a pcm_s16le) ;;
esac
# wrapped_avframe: frames are not copied; framecrc lists each decoded frame
# with its timestamps (video re-timed in 1/90000 so nothing is rounded away)
timeout "${DECODE_TIMEOUT:-150}" ffmpeg -nostdin -hide_banner -v warning \
    -i "$url" "${maps[@]}" "${codecs[@]}" -fps_mode passthrough \
    -enc_time_base:v 1/90000 -f framecrc - >"$tmp/crc" 2>"$tmp/err"
rc=$?

problems=()
[ $rc -eq 0 ] || problems+=("ffmpeg exit status $rc")
if [ -s "$tmp/err" ]; then
    problems+=("ffmpeg printed $(wc -l <"$tmp/err") warning/error line(s)")
fi
# per stream: frames, samples, duration, gaps (awk reads the framecrc text)
summary=$(awk -F', *' -v fn="$fps_num" -v fd="$fps_den" -v sr="$sr" '
    /^#tb/ { split($0, a, /[ :\/]+/); tb[a[2]] = a[3] / a[4]; next }
    /^#media_type/ { split($0, a, /[ :]+/); mt[a[2]] = a[3]; next }
    /^#/ { next }
    { s = $1 + 0; pts = $3 * tb[s]; d = $4 * tb[s]
      if (n[s]++ == 0) first[s] = pts
      else if (pts < last[s] - 1e-6) back[s]++
      else if (pts - last[s] > 1.5 * lastd[s] + 1e-6) { gap[s]++; if (!g1[s]) g1[s] = last[s] }
      last[s] = pts; lastd[s] = d; sum[s] += d }
    END { for (s in n) {
        if (mt[s] == "video") decoded = n[s] * fd / fn; else decoded = sum[s]
        printf "%s %d %.6f %.6f %d %d %.3f\n", mt[s], n[s], decoded,
            last[s] + lastd[s] - first[s], gap[s] + 0, back[s] + 0, g1[s] + 0 } }
' "$tmp/crc")

want=$(awk -v ms="$dur_ms" 'BEGIN { printf "%.6f", ms / 1000 }')
vframe=$(awk -v fn="$fps_num" -v fd="$fps_den" 'BEGIN { printf "%.6f", fd / fn }')
aframe=$(awk -v sr="$sr" 'BEGIN { printf "%.6f", 1024 / sr }')
need_types=()
case $kind in video) need_types=(video) ;; audio) need_types=(audio) ;;
              av) need_types=(video audio) ;; esac
durs=()
for t in "${need_types[@]}"; do
    line=$(grep "^$t " <<<"$summary" | head -1)
    if [ -z "$line" ]; then problems+=("no $t frames decoded"); continue; fi
    read -r _ n decoded _ gaps back gap_at <<<"$line"
    durs+=("$t ${decoded}s ($n frames)")
    [ "$gaps" -eq 0 ] || problems+=("$t: $gaps timestamp gap(s), first after ${gap_at}s")
    [ "$back" -eq 0 ] || problems+=("$t: timestamps go backwards $back time(s)")
    # video: within one frame; audio: from one video frame short to one AAC
    # frame long (audio runs to the end of the last frame started in time)
    if [ "$t" = video ]; then lo=$vframe hi=$vframe; else lo=$vframe hi=$aframe; fi
    if ! awk -v d="$decoded" -v w="$want" -v lo="$lo" -v hi="$hi" \
            'BEGIN { exit !(d >= w - lo - 1e-6 && d <= w + hi + 1e-6) }'; then
        problems+=("$t: decoded ${decoded}s, want ${want}s (-${lo}/+${hi})")
    fi
done

if [ ${#problems[@]} -eq 0 ]; then
    echo "ok - decode $name: $(IFS=,; echo "${durs[*]}")"
else
    echo "not ok - decode $name: $(IFS=';'; echo "${problems[*]}")"
    echo "#   ffmpeg -i $url ${maps[*]}"
    head -5 "$tmp/err" | sed 's/^/#   /'
    exit 1
fi
