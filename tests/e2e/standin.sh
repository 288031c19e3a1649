#!/usr/bin/env bash
# standin.sh STORE [SECONDS]
#
# Development helper: packages a synthetic clip with the ffmpeg CLI into
# STORE/demo laid out like the real store, plus the manifests the module
# would generate (master.m3u8, master-ts.m3u8, manifest.mpd, {r}/index.m3u8,
# {r}/index-ts.m3u8), so that tests/e2e/run.sh can be developed and checked
# against stock nginx (MODULE_SO "none": `location /v/ { alias STORE/; }`).
# Not used by `make e2e`; the real store comes from `make sample`.
# Known difference: the ffmpeg CLI's AAC tracks here decode to 60.032 s
# (encoder priming), so the audio duration checks fail against this stand-in
# (the real packager trims audio to the timeline of docs/media-description.md).
set -euo pipefail
store=${1:?usage: standin.sh STORE [SECONDS]}
dur=${2:-60}
D=6
d=$store/demo
rm -rf "$d.tmp" && mkdir -p "$d.tmp" && cd "$d.tmp"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

ff -f lavfi -i "testsrc2=size=854x480:rate=30:duration=$dur" \
   -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$dur" \
   -c:v libx264 -preset veryfast -crf 18 -g 30 -c:a pcm_s16le src.mkv
ff -i src.mkv -map 0:a -ac 2 -c:a aac -b:a 128k a.m4a

renditions=(480p:854:480:1200000 360p:640:360:800000 240p:426:240:400000)
json_video=() mpd_video=() master=() master_ts=()
for r in "${renditions[@]}"; do
    IFS=: read -r name w h rate <<<"$r"
    mkdir -p "$name"
    ff -i src.mkv -map 0:v -vf "scale=$w:$h" -c:v libx264 -preset veryfast \
       -profile:v high -b:v "$rate" -maxrate "$rate" -bufsize "$rate" \
       -g 180 -keyint_min 180 -sc_threshold 0 -r 30 "v$name.mp4"
    ff -i "v$name.mp4" -c copy -f hls -hls_time $D -hls_playlist_type vod \
       -hls_segment_type fmp4 -hls_fmp4_init_filename init.mp4 -start_number 0 \
       -hls_segment_filename "$name/%d.m4s" "$name/index.m3u8"
    ff -i "v$name.mp4" -i a.m4a -map 0:v -map 1:a -c copy -f hls -hls_time $D \
       -hls_playlist_type vod -start_number 0 \
       -hls_segment_filename "$name/%d.ts" "$name/index-ts.m3u8"
    lvl=$(ffprobe -v error -select_streams v:0 -show_entries stream=level -of csv=p=0 "v$name.mp4")
    codec=$(printf 'avc1.6400%02x' "$lvl")
    json_video+=("{\"name\":\"$name\",\"codec\":\"$codec\",\"width\":$w,\"height\":$h,\"bandwidth\":$rate,\"average_bandwidth\":$rate,\"maxrate\":$rate,\"crf\":23}")
    mpd_video+=("      <Representation id=\"$name\" codecs=\"$codec\" width=\"$w\" height=\"$h\" frameRate=\"30\" bandwidth=\"$rate\"/>")
    master+=("#EXT-X-STREAM-INF:BANDWIDTH=$((rate+134000)),RESOLUTION=${w}x$h,FRAME-RATE=30.000,CODECS=\"$codec,mp4a.40.2\",AUDIO=\"aac\"" "$name/index.m3u8")
    master_ts+=("#EXT-X-STREAM-INF:BANDWIDTH=$((rate+134000)),RESOLUTION=${w}x$h,FRAME-RATE=30.000,CODECS=\"$codec,mp4a.40.2\"" "$name/index-ts.m3u8")
done
mkdir -p aac
ff -i a.m4a -c copy -f hls -hls_time $D -hls_playlist_type vod \
   -hls_segment_type fmp4 -hls_fmp4_init_filename init.mp4 -start_number 0 \
   -hls_segment_filename "aac/%d.m4s" aac/index.m3u8
# the hls muxer writes init.mp4 next to the playlist in some versions
for n in "${renditions[@]%%:*}" aac; do
    [ -f "$n/init.mp4" ] || mv init.mp4 "$n/init.mp4" 2>/dev/null || true
    sed -i 's#URI="[^"]*init.mp4"#URI="init.mp4"#; s#^.*/\([0-9]*\.\(m4s\|ts\)\)$#\1#' \
        "$n"/index*.m3u8
done

{ printf '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n'
  printf '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac",NAME="aac",LANGUAGE="und",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="aac/index.m3u8"\n'
  printf '%s\n' "${master[@]}"; } > master.m3u8
{ printf '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n'
  printf '%s\n' "${master_ts[@]}"; } > master-ts.m3u8
{ cat <<MPD
<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" profiles="urn:mpeg:dash:profile:isoff-live:2011" mediaPresentationDuration="PT${dur}S" minBufferTime="PT2S">
  <Period id="0" start="PT0S">
    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1">
      <SegmentTemplate timescale="1000" startNumber="0" initialization="\$RepresentationID\$/init.mp4" media="\$RepresentationID\$/\$Number\$.m4s"><SegmentTimeline><S t="0" d="$((D*1000))" r="$((dur/D-1))"/></SegmentTimeline></SegmentTemplate>
MPD
  printf '%s\n' "${mpd_video[@]}"
  cat <<MPD
    </AdaptationSet>
    <AdaptationSet id="1" contentType="audio" mimeType="audio/mp4" lang="und" segmentAlignment="true" startWithSAP="1">
      <SegmentTemplate timescale="1000" startNumber="0" initialization="\$RepresentationID\$/init.mp4" media="\$RepresentationID\$/\$Number\$.m4s"><SegmentTimeline><S t="0" d="$((D*1000))" r="$((dur/D-1))"/></SegmentTimeline></SegmentTemplate>
      <Representation id="aac" codecs="mp4a.40.2" audioSamplingRate="48000" bandwidth="134000">
        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="2"/>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
MPD
} > manifest.mpd
vj=$(IFS=,; echo "${json_video[*]}")
cat > media.json <<JSON
{"version":1,"id":"demo","source":"demo/source.mkv","duration_ms":$((dur*1000)),"segment_ms":$((D*1000)),"segment_count":$(((dur+D-1)/D)),"fps_num":30,"fps_den":1,"video_timescale":90000,"encoder":{"preset":"veryfast","threads":2},"formats":["fmp4","ts"],"video":[$vj],"audio":[{"name":"aac","codec":"mp4a.40.2","lang":"und","bandwidth":134000,"bitrate":128000,"sample_rate":48000,"channels":2}]}
JSON
mv src.mkv source.mkv; rm -f v*.mp4 a.m4a
cd .. && rm -rf demo && mv demo.tmp demo
echo "standin: $d"
