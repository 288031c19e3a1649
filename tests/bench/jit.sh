#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/bench/jit.sh MODULE_SO WORKER STORE
#
# Just-in-time benchmark: how long a player waits for a segment nobody has
# made yet, against the cost of making that segment with the ffmpeg CLI.
# One real nginx with the module (vidorigin_jit @vidorigin_jit, proxy_pass
# to the upstream vidorigin_workers), one real `transcode-worker serve` on
# a unix socket (--prefetch off; Redis on a unix socket when redis-server
# is installed, else --redis off), a scratch store holding only the
# video's media.json and master copy (every object cold), loopback only.
#   (a) cold latency of RENDITION (720p) segments SEGMENTS (1..7) through
#       nginx: curl time_total, each segment made once
#   (b) the baseline: the ffmpeg CLI making the same segment with the
#       worker's encoder and scaler settings (media.json, tw_encode.c:
#       libx264, preset, crf, maxrate = bufsize, keyint = min-keyint =
#       ceil(D*fps), scenecut=0, open-gop=0, profile high, the same
#       decoder and x264 threads (1), asm capped at AVX2 on AVX-512 CPUs,
#       bitexact; the
#       scaler flags of tw_segment.c), input seeking to the segment start
#       (the keyframe at or before n*D), exactly its frame count, fMP4 out;
#       the whole CLI invocation timed.  Its H.264 bitstream is checked to
#       be the module's (same work).  (a) and (b) are interleaved per
#       segment, the order rotating, to cancel drift.
#   (c) ratio = median(module) / median(CLI) (target <= 1.0), and the
#       real-time factor RTF = D / latency of every rung of the ladder and
#       of the audio track, made cold through nginx (RUNG_SEGMENTS, 3).
# Also logged per run: the worker's own "made ... in X s" time, the CPU
# seconds of the worker / of the CLI, and the CPU seconds used by anything
# else on the machine meanwhile (/proc/stat), to spot interference.
# Appends to build/bench/results-jit.txt.  Last line:
#   bench-jit: 720p cold ratio R (module X s / ffmpeg Y s); RTF 1080p a, ...
# Environment: VIDEO (demo), RENDITION (720p), SEGMENTS ("1 2 3 4 5 6 7"),
# RUNG_SEGMENTS ("2 5 8"), REDIS (on when redis-server exists | off),
# SCALE_FLAGS (the CLI's scaler flags; default the worker's TW_SWS_FLAGS,
# so that the CLI's H.264 bitstream is the module's, which is checked),
# RETRIES (2) and NOISE (0.3): a measurement during which other processes
# used more than NOISE cpu-s is made again, cold, up to RETRIES times while
# within half of BUDGET, and the quietest attempt kept; DIAG (0; 1: also
# time the CLI decoding from MARGIN (0.5) s before n*D, frames before n*D
# dropped: what decoding one more GOP would cost), BUDGET (300 s:
# no new measurement starts after it), BENCH_STRICT=1 to exit 1 when the
# ratio is above 1.0.  Exit 1 also when a request or CLI run failed or
# fewer than 5 pairs / 3 segments per rung were measured.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -ne 3 ]; then echo "usage: $0 MODULE_SO WORKER STORE" >&2; exit 2; fi
module=$(realpath "$1") worker=$(realpath "$2") store=$(cd "$3" && pwd)
video=${VIDEO:-demo} rendition=${RENDITION:-720p}
segments=${SEGMENTS:-1 2 3 4 5 6 7} rung_segments=${RUNG_SEGMENTS:-2 5 8}
budget=${BUDGET:-300} diag=${DIAG:-0} retries=${RETRIES:-2} noise=${NOISE:-0.3}
# the worker's scaler flags, from its source (tw_segment.c TW_SWS_FLAGS)
sws=$(sed -n 's/^#define TW_SWS_FLAGS *(\(.*\)).*/\1/p' "$top/transcode-worker/media/tw_segment.c" 2>/dev/null |
      tr -d ' ' | sed 's/SWS_//g; s/|/+/g' | tr 'A-Z' 'a-z')
scale_flags=${SCALE_FLAGS-${sws:-bicubic+accurate_rnd+bitexact}}
# the worker, like the CLI, seeks to n*D first (tw_source_video), and
# earlier only when that does not land on a keyframe at or before n*D
margin=$(awk -v m="${MARGIN:-0.5}" 'BEGIN { printf "%.3f", m }')
nginx_bin=${NGINX:-/usr/sbin/nginx}
# nginx reads $NGINX itself (sockets inherited on upgrade): not in its env
export -n NGINX 2>/dev/null || true
out=$top/build/bench
t_start=$SECONDS

die() { echo "bench-jit: $*" >&2; exit 1; }
for tool in "$nginx_bin" curl ffmpeg jq awk; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
[ -x "$worker" ] || die "$worker is not executable (make worker)"
media_json=$store/$video/media.json
[ -f "$media_json" ] || die "$media_json is missing (make sample)"
if [ -z "${REDIS:-}" ]; then
    if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then REDIS=on; else REDIS=off; fi
fi

# --- the media description: every setting the worker will use
mj() { jq -r "$1" "$media_json"; }
seg_ms=$(mj .segment_ms) seg_count=$(mj .segment_count) dur_ms=$(mj .duration_ms)
fps_num=$(mj .fps_num) fps_den=$(mj .fps_den)
preset=$(mj .encoder.preset) threads=$(mj .encoder.threads) source_rel=$(mj .source)
video_names=$(mj '.video[] | select(.codec | startswith("avc1")) | .name') audio_names=$(mj '.audio[0].name // empty')
vrow() { jq -r --arg r "$1" ".video[] | select(.name == \$r) | $2" "$media_json"; }
[ -n "$(vrow "$rendition" .name)" ] || die "no video rendition \"$rendition\" in $media_json"
[ -f "$store/$source_rel" ] || die "master copy $store/$source_rel is missing"
# keyint = ceil(D * fps) (tw_video_keyint)
keyint=$(( (seg_ms * fps_num + 1000 * fps_den - 1) / (1000 * fps_den) ))
D=$(awk -v m="$seg_ms" 'BEGIN { printf "%.3f", m / 1000 }')
# segment n: frames [ceil(n*D*fps), ceil(min((n+1)*D, duration)*fps)) (vo_video_segment)
frames_before() { echo $(( ($1 * fps_num + 1000 * fps_den - 1) / (1000 * fps_den) )); }
seg_first() { frames_before $(( $1 * seg_ms )); }
seg_frames() {
    local end=$(( ($1 + 1) * seg_ms ))
    [ "$end" -le "$dur_ms" ] || end=$dur_ms
    echo $(( $(frames_before "$end") - $(seg_first "$1") ))
}
# x264's AVX-512 code is avoided by the worker when libavutil reports
# AV_CPU_FLAG_AVX512 (F, CD, BW, DQ and VL): the CLI gets the same cap
asm_cap=""
flags=$(grep -m1 '^flags' /proc/cpuinfo)
if [[ " $flags " == *" avx512f "* && " $flags " == *" avx512cd "* && " $flags " == *" avx512bw "* &&
      " $flags " == *" avx512dq "* && " $flags " == *" avx512vl "* ]]; then
    asm_cap=":asm=avx2"
fi
ncpu=$(nproc)

for n in $segments; do
    [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -lt "$seg_count" ] || die "SEGMENTS: $n is not a segment of $video"
done
for n in $rung_segments; do
    [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -lt "$seg_count" ] || die "RUNG_SEGMENTS: $n is not a segment of $video"
done
nseg=$(wc -w <<<"$segments") nrung=$(wc -w <<<"$rung_segments")
[ "$nseg" -ge 5 ] && [ "$nseg" -le 20 ] || die "SEGMENTS: 5 to 20 segments"
[ "$nrung" -ge 3 ] && [ "$nrung" -le 10 ] || die "RUNG_SEGMENTS: 3 to 10 segments"

# --- scratch: a store with only media.json and the master copy
tmp=$(mktemp -d /tmp/vo-bench-jit.XXXXXX) || die "mktemp failed"
# nginx's workers run as nobody: they enter the store and the sockets
chmod 755 "$tmp"
mkdir -p "$tmp/store/$video" "$tmp/cli" "$tmp/got"
chmod -R 755 "$tmp/store"
cp "$media_json" "$tmp/store/$video/media.json"
mkdir -p "$(dirname "$tmp/store/$source_rel")"
# a hard link when possible (no 70 MB copy to write back meanwhile)
ln "$store/$source_rel" "$tmp/store/$source_rel" 2>/dev/null ||
    cp "$store/$source_rel" "$tmp/store/$source_rel" || die "cannot copy the master copy"
src=$tmp/store/$source_rel

nginx_pid="" worker_pid="" redis_pid=""
stop_pid() {   # stop_pid PID SIGNAL: signal, up to 5 s, then KILL
    local pid=$1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -"$2" "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}
cleanup() {
    stop_pid "$nginx_pid" QUIT
    stop_pid "$worker_pid" TERM
    stop_pid "$redis_pid" TERM
    if [ -d "$tmp" ]; then
        mkdir -p "$out"
        cp "$tmp/worker.log" "$out/jit-worker.log" 2>/dev/null
        cp "$tmp/var/log/error.log" "$out/jit-nginx-error.log" 2>/dev/null
        cp "$tmp/ffmpeg.log" "$out/jit-ffmpeg.log" 2>/dev/null
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Redis, the worker, nginx
redis_arg=off
if [ "$REDIS" = on ]; then
    redis-server --port 0 --unixsocket "$tmp/redis.sock" --unixsocketperm 700 \
        --save '' --appendonly no --logfile "$tmp/redis.log" &
    redis_pid=$!
    for _ in $(seq 50); do
        redis-cli -s "$tmp/redis.sock" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    redis-cli -s "$tmp/redis.sock" ping >/dev/null 2>&1 || die "redis-server does not start"
    redis_arg=unix:$tmp/redis.sock
fi

"$worker" serve --store "$tmp/store" --listen "unix:$tmp/worker.sock" \
    --prefetch off --redis "$redis_arg" --log-level info 2>"$tmp/worker.log" &
worker_pid=$!
for _ in $(seq 50); do
    curl -sf --max-time 2 --unix-socket "$tmp/worker.sock" http://w/healthz >/dev/null 2>&1 && break
    kill -0 "$worker_pid" 2>/dev/null || break
    sleep 0.1
done
curl -sf --max-time 2 --unix-socket "$tmp/worker.sock" http://w/healthz >/dev/null 2>&1 ||
    { cat "$tmp/worker.log" >&2; die "the worker does not start"; }
slots=$(curl -s --max-time 2 --unix-socket "$tmp/worker.sock" http://w/metrics |
        awk '$1 == "vidorigin_worker_slots" { print $2 }')

port="" up=""
for _attempt in 1 2 3; do
    port=$(node -e 'const s = require("net").createServer();
        s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });' 2>/dev/null ||
        echo $((20000 + RANDOM % 20000)))
    conf=$(bash "$top/scripts/render-conf.sh" "$tmp/conf" MODULE="$module" \
        VAR="$tmp/var" PORT="$port" STORE="$tmp/store" WWW="$top/build/www" \
        WORKERS=1 LOG_LEVEL=warn UPSTREAM="server unix:$tmp/worker.sock;") ||
        die "cannot render the conf"
    "$nginx_bin" -p "$tmp/var" -c "$conf" -e "$tmp/var/log/error.log" \
        >"$tmp/var/log/nginx.out" 2>&1 &
    nginx_pid=$!
    for _ in $(seq 50); do
        if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/v/$video/master.m3u8"; then up=1; break; fi
        kill -0 "$nginx_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$up" ] && break
    stop_pid "$nginx_pid" QUIT; nginx_pid=""
    grep -q 'Address already in use' "$tmp/var/log/nginx.out" "$tmp/var/log/error.log" 2>/dev/null || break
done
[ -n "$up" ] || { cat "$tmp/var/log/nginx.out" "$tmp/var/log/error.log" >&2 2>/dev/null; die "nginx does not start"; }
base=http://127.0.0.1:$port

# --- measuring
# busy CPU seconds of the whole machine (user nice system irq softirq steal)
hz=$(getconf CLK_TCK)
cpu_busy() { awk -v hz="$hz" '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat; }
# CPU seconds of a process, all its threads
proc_cpu() { awk -v hz="$hz" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }
over_budget() { [ $((SECONDS - t_start)) -ge "$budget" ]; }
errors=0

# module R N: GET /v/VIDEO/R/N.m4s through nginx; sets m_wall m_made m_cpu
# m_other m_bytes (m_wall empty on failure)
module() {
    local r=$1 n=$2 res code c0 c1 w0 w1 f=$tmp/got/$1-$2.m4s key
    m_wall="" m_made="" m_cpu="" m_other="" m_bytes=""
    w0=$(proc_cpu "$worker_pid") c0=$(cpu_busy)
    res=$(curl -s -o "$f" -D "$f.h" --max-time 120 -w '%{http_code} %{time_total}' "$base/v/$video/$r/$n.m4s")
    c1=$(cpu_busy) w1=$(proc_cpu "$worker_pid")
    read -r code m_wall <<<"$res"
    if [ "$code" != 200 ] || ! tr -d '\r' <"$f.h" | grep -qi '^x-vidorigin-transcode: 1$'; then
        echo "bench-jit: $r/$n.m4s: answered $code, $(tr -d '\r' <"$f.h" | grep -i '^x-vidorigin-transcode') (not made by this request)" >&2
        errors=$((errors + 1)) m_wall=""
        return 1
    fi
    key="$video/$r/$n.m4s"
    m_made=$(grep -F "made \"$key\"" "$tmp/worker.log" | tail -1 | sed -n 's/.* in \([0-9.]*\) s.*/\1/p')
    m_cpu=$(sub "$w1" "$w0")
    m_other=$(awk -v c="$(sub "$c1" "$c0")" -v w="$m_cpu" 'BEGIN { v = c - w; printf "%.2f", v < 0 ? 0 : v }')
    m_bytes=$(stat -c %s "$f")
}

# cli_args R N [MARGIN]: the ffmpeg command making segment N of video
# rendition R (file $tmp/cli/R-N[-m].mp4).  With MARGIN (seconds), the
# input is seeked MARGIN earlier and the output drops the frames before the
# segment (-ss MARGIN after -i): decoding starts where the worker's does.
cli_args() {
    local r=$1 n=$2 margin=${3:-} w h maxrate crf first count ss post="" suffix=""
    w=$(vrow "$r" .width) h=$(vrow "$r" .height) maxrate=$(vrow "$r" .maxrate) crf=$(vrow "$r" .crf)
    first=$(seg_first "$n") count=$(seg_frames "$n")
    ss=$(awk -v f="$first" -v d="$fps_den" -v nu="$fps_num" 'BEGIN { printf "%.6f", f * d / nu }')
    if [ -n "$margin" ]; then
        margin=$(awk -v s="$ss" -v m="$margin" 'BEGIN { printf "%.6f", m < s ? m : s }')
        ss=$(awk -v s="$ss" -v m="$margin" 'BEGIN { printf "%.6f", s - m }') post="-ss $margin" suffix=-m
    fi
    echo ffmpeg -nostdin -hide_banner -loglevel error -y \
        -threads "$threads" -ss "$ss" -i "$src" $post \
        -map 0:v:0 -an -sn -dn -frames:v "$count" \
        -vf "scale=$w:$h${scale_flags:+:flags=$scale_flags},setsar=1" \
        -r "$fps_num/$fps_den" -pix_fmt yuv420p \
        -c:v libx264 -preset "$preset" -profile:v high -crf "$crf" \
        -maxrate "$maxrate" -bufsize "$maxrate" -g "$keyint" -keyint_min "$keyint" \
        -threads "$threads" -thread_type frame \
        -x264-params "scenecut=0:open-gop=0:keyint=$keyint:min-keyint=$keyint$asm_cap" \
        -flags +global_header+bitexact -fflags +bitexact \
        -f mp4 -movflags +frag_keyframe+empty_moov+default_base_moof \
        "$tmp/cli/$r-$n$suffix.mp4"
}

# cli R N [MARGIN]: sets c_wall c_cpu c_other c_file (c_wall empty on failure)
cli() {
    local r=$1 n=$2 c0 c1 rc t u s
    c_wall="" c_cpu="" c_other="" c_file="$tmp/cli/$1-$2${3:+-m}.mp4"
    local -a cmd
    read -r -a cmd <<<"$(cli_args "$@")"
    rm -f "$c_file"
    c0=$(cpu_busy)
    local TIMEFORMAT='%3R %3U %3S'
    { time timeout 120 "${cmd[@]}" 2>>"$tmp/ffmpeg.log"; } 2>"$tmp/time.txt"
    rc=$?
    c1=$(cpu_busy)
    read -r t u s <"$tmp/time.txt"
    if [ "$rc" != 0 ] || [ ! -s "$c_file" ]; then
        echo "bench-jit: ffmpeg CLI for $r/$n${3:+ (seek margin $3 s)} failed ($rc), see $out/jit-ffmpeg.log" >&2
        errors=$((errors + 1))
        return 1
    fi
    c_wall=$t
    c_cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    c_other=$(awk -v c="$(sub "$c1" "$c0")" -v w="$c_cpu" 'BEGIN { v = c - w; printf "%.2f", v < 0 ? 0 : v }')
}

# h264_md5 FILE...: md5 of the H.264 elementary stream of the files
# concatenated (init segment + media segment, or one fragmented MP4)
h264_md5() {
    cat "$@" > "$tmp/h264.mp4"
    timeout 60 ffmpeg -nostdin -v error -i "$tmp/h264.mp4" -map 0:v:0 -c copy \
        -bsf:v h264_mp4toannexb -f h264 - 2>/dev/null | md5sum | cut -d' ' -f1
}

# keyframe_at T: time of the keyframe a seek to T (seconds) lands on, the
# way avformat_seek_file(.., INT64_MIN, T, T, 0) does for the worker and
# the CLI alike
keyframe_at() {
    command -v ffprobe >/dev/null || { echo nan; return; }
    timeout 30 ffprobe -v error -select_streams v:0 -read_intervals "$1%+#1" \
        -show_entries packet=pts_time -of csv=p=0 "$src" 2>/dev/null | head -1 |
        awk '{ printf "%.3f", $1 + 0 } END { if (NR == 0) print "nan" }'
}

max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
noisy() { awk -v o="$1" -v t="$noise" 'BEGIN { exit !(o > t) }'; }
median() { sort -g | awk 'NF { v[++n] = $1 } END { if (n == 0) print "nan"; else if (n % 2) print v[(n + 1) / 2];
                            else print (v[n / 2] + v[n / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
col() { printf '%s\n' "${pair_lines[@]}" | awk -v c="$1" '{ print $c }' | median; }

echo "bench-jit: nginx (1 worker) -> transcode-worker serve ($slots slots, prefetch off, redis $REDIS)" \
     "on unix sockets, $ncpu cpu(s)"
echo "bench-jit: $video: D = $D s, ${fps_num}/${fps_den} fps, preset $preset, $threads x264 threads," \
     "keyint $keyint${asm_cap:+, asm capped at avx2}, scaler ${scale_flags:-ffmpeg default}"
echo "bench-jit: $rendition segments $segments: module (M), ffmpeg CLI (C)$([ "$diag" = 1 ] &&
     echo ", CLI seeking ${margin} s earlier (W)"), interleaved"

# warm-up, not counted: the page cache, the worker's and nginx's first
# request (media description caches, keepalive), the CLI's libraries
cat "$src" >/dev/null
module "$rendition" 0 >/dev/null || die "warm-up request for $rendition/0.m4s failed"
cli "$rendition" 0 || die "warm-up ffmpeg CLI failed"
if [ -n "$audio_names" ]; then
    module "$audio_names" 0 || die "warm-up request for $audio_names/0.m4s failed"
fi
code=$(curl -s -o "$tmp/got/$rendition-init.mp4" --max-time 60 -w '%{http_code}' "$base/v/$video/$rendition/init.mp4")
[ "$code" = 200 ] || die "GET /v/$video/$rendition/init.mp4 answered $code"
baseline_cmd=$(cli_args "$rendition" 1)
vstart=$(command -v ffprobe >/dev/null && ffprobe -v error -select_streams v:0 -show_entries stream=start_time \
         -of csv=p=0 "$src" 2>/dev/null | awk '{ print $1 + 0 }')
vstart=${vstart:-0}

# pair N ORDER: module, CLI (and the diagnostic CLI) for segment N, in
# ORDER; sets line and other ("" when a run failed)
pair() {
    local n=$1 order=$2 k mw="" cw="" ww="-" mm="" mc="" cc="" cfile="" same_cli same_pkg t0 kf_c
    line="" other=0
    # cold again when retried: the worker makes what the store lacks
    rm -f "$tmp/store/$video/$rendition/$n.m4s"
    for ((k = 0; k < ${#order}; k++)); do
        case ${order:k:1} in
        M) module "$rendition" "$n" && mw=$m_wall mm=${m_made:-0} mc=$m_cpu
           other=$(max "$other" "${m_other:-0}") ;;
        C) cli "$rendition" "$n" && cw=$c_wall cc=$c_cpu cfile=$c_file
           other=$(max "$other" "${c_other:-0}") ;;
        W) cli "$rendition" "$n" "$margin" && ww=$c_wall
           other=$(max "$other" "${c_other:-0}") ;;
        esac
    done
    [ -n "$mw" ] && [ -n "$cw" ] || return 1
    # the same work: the CLI's H.264 bitstream against the module's
    same_cli="no"
    [ "$(h264_md5 "$tmp/got/$rendition-init.mp4" "$tmp/got/$rendition-$n.m4s")" = "$(h264_md5 "$cfile")" ] && same_cli=yes
    same_pkg="-"
    if [ -f "$store/$video/$rendition/$n.m4s" ]; then
        cmp -s "$tmp/got/$rendition-$n.m4s" "$store/$video/$rendition/$n.m4s" && same_pkg=yes || same_pkg=no
    fi
    t0=$(awk -v f="$(seg_first "$n")" -v d="$fps_den" -v nu="$fps_num" -v v="$vstart" 'BEGIN { printf "%.6f", v + f * d / nu }')
    kf_c=$(keyframe_at "$t0")
    line=$(printf '%-9s %-5s %8.3f %8.3f %6.2f %8.3f %6.2f %8s %6.2f %6.3f %7s %4s %4s' "$rendition/$n" "$order" \
        "$mw" "$mm" "$mc" "$cw" "$cc" "$ww" "$other" "$(ratio "$mw" "$cw")" "$kf_c" "$same_cli" "$same_pkg")
}

# (a) + (b): interleaved, the order rotating; a pair during which other
# processes used more than NOISE cpu-s is made again (up to RETRIES times,
# while within half the budget), the quietest attempt kept
declare -a pair_lines
orders=(MCW CWM WMC) i=0
[ "$diag" = 1 ] || orders=(MC CM)
retried=0
for n in $segments; do
    over_budget && { echo "bench-jit: BUDGET ($budget s) reached, segments left out" >&2; break; }
    order=${orders[$((i % ${#orders[@]}))]} i=$((i + 1))
    best="" best_other=""
    for ((try = 0; try <= retries; try++)); do
        if [ "$try" -gt 0 ]; then
            noisy "$best_other" && [ $((SECONDS - t_start)) -lt $((budget / 2)) ] || break
            retried=$((retried + 1))
            echo "  (retry: other processes used $best_other cpu-s)"
        fi
        pair "$n" "$order" || continue
        echo "  $line"
        if [ -z "$best" ] || awk -v a="$other" -v b="$best_other" 'BEGIN { exit !(a < b) }'; then
            best=$line best_other=$other
        fi
    done
    [ -n "$best" ] && pair_lines+=("$best")
done
npairs=${#pair_lines[@]}
mod_med=$(col 3) made_med=$(col 4) modcpu_med=$(col 5) cli_med=$(col 6) clicpu_med=$(col 7)
ws_med=$(col 8) paired_ratio=$(col 10)
main_ratio=$(ratio "$mod_med" "$cli_med")
other_max=$(printf '%s\n' "${pair_lines[@]}" | awk '{ print $9 }' | sort -g | tail -1)
n_same_cli=$(printf '%s\n' "${pair_lines[@]}" | awk '$12 == "yes"' | grep -c .)
n_same_pkg=$(printf '%s\n' "${pair_lines[@]}" | awk '$13 == "yes"' | grep -c .)
n_diff_pkg=$(printf '%s\n' "${pair_lines[@]}" | awk '$13 == "no"' | grep -c .)

# (c) every rung cold through nginx; the rendition of (a) from (a)
declare -A rung_med rung_made rung_n rung_other
rung_order=""
for r in $video_names $audio_names; do
    rung_order+="$r "
    if [ "$r" = "$rendition" ]; then
        rung_med[$r]=$mod_med rung_made[$r]=$made_med rung_n[$r]=$npairs rung_other[$r]=${other_max:-0}
        continue
    fi
    walls="" mades="" others=""
    for n in $rung_segments; do
        over_budget && { echo "bench-jit: BUDGET ($budget s) reached, $r left incomplete" >&2; break; }
        bw="" bm="" bo=""
        for ((try = 0; try <= retries; try++)); do
            if [ "$try" -gt 0 ]; then
                noisy "$bo" && [ $((SECONDS - t_start)) -lt $((budget / 2)) ] || break
                retried=$((retried + 1))
            fi
            rm -f "$tmp/store/$video/$r/$n.m4s"
            module "$r" "$n" || continue
            echo "  $(printf '%-9s %-5s %8.3f %8.3f %6.2f   other %5.2f' "$r/$n" M "$m_wall" "${m_made:-0}" "$m_cpu" "$m_other")"
            if [ -z "$bw" ] || awk -v a="$m_other" -v b="$bo" 'BEGIN { exit !(a < b) }'; then
                bw=$m_wall bm=${m_made:-0} bo=$m_other
            fi
        done
        [ -n "$bw" ] || continue
        walls+="$bw"$'\n' mades+="$bm"$'\n' others+="$bo"$'\n'
    done
    rung_n[$r]=$(grep -c . <<<"$walls")
    rung_med[$r]=$(median <<<"$walls") rung_made[$r]=$(median <<<"$mades")
    rung_other[$r]=$(sort -g <<<"$others" | tail -1)
done
rtf() { awk -v d="$D" -v t="$1" 'BEGIN { if (t > 0) printf "%.2f", d / t; else print "nan" }'; }

incomplete=0
[ "$npairs" -ge 5 ] || incomplete=1
for r in $rung_order; do [ "${rung_n[$r]:-0}" -ge 3 ] || incomplete=1; done
load=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $rung_order; do other_max=$(max "${other_max:-0}" "${rung_other[$r]:-0}"); done
interf=$(noisy "${other_max:-0}" && echo yes || echo no)
cpu_ratio=$(ratio "$modcpu_med" "$clicpu_med")
# the pairs no other process disturbed
quiet=$(printf '%s\n' "${pair_lines[@]}" | awk -v t="$noise" 'NF && $9 <= t')
n_quiet=$(grep -c . <<<"$quiet")
quiet_ratio=nan
if [ "$n_quiet" -ge 3 ]; then
    quiet_ratio=$(ratio "$(awk '{ print $3 }' <<<"$quiet" | median)" "$(awk '{ print $6 }' <<<"$quiet" | median)")
fi

mkdir -p "$out"
report=$tmp/report.txt
{
    echo "vidorigin just-in-time benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -m), $ncpu cpu(s)," \
         "load $load at the end, $((SECONDS - t_start)) s"
    echo "nginx $("$nginx_bin" -v 2>&1 | sed 's#.*/##') (1 worker) -> transcode-worker serve on a unix socket" \
         "($slots slots, --prefetch off, redis $REDIS); $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"
    echo "$video: D = $D s, $fps_num/$fps_den fps, preset $preset, crf/maxrate per rung, $threads x264" \
         "frame threads, keyint $keyint${asm_cap:+, asm=avx2 (AVX-512 CPU)}; every segment cold;" \
         "the worker decodes+scales on one thread and encodes on another, the CLI (ffmpeg 5.1) on one"
    echo
    echo "(a)/(b) $rendition, module M (curl time_total through nginx) vs ffmpeg CLI C (whole invocation):"
    printf '%-9s %-5s %8s %8s %6s %8s %6s %8s %6s %6s %7s %4s %4s\n' segment order "module_s" "made_s" \
        "m_cpu" "cli_s" "c_cpu" "cli_W_s" "other" "ratio" "from" "=C" "=pkg"
    for l in "${pair_lines[@]}"; do echo "$l"; done
    echo "  made_s: the worker's own log (source opened .. object renamed into the store); m_cpu, c_cpu:"
    echo "  CPU seconds of the worker, of the CLI; cli_W_s: the CLI decoding from ${margin} s before the"
    echo "  segment (one more GOP; diagnostic, DIAG=0 skips it); other: max CPU seconds used by anything"
    echo "  else during one of the runs (interference); from: the keyframe (s) a seek to n*D lands on, where"
    echo "  both the worker and the CLI start decoding; =C: the CLI's H.264 bitstream identical to the"
    echo "  module's; =pkg: the module's segment identical to the packaged one of $store"
    echo
    printf 'median: module %.3f s (worker %.3f s, %.2f cpu-s), ffmpeg CLI %.3f s (%.2f cpu-s)%s\n' \
        "$mod_med" "$made_med" "$modcpu_med" "$cli_med" "$clicpu_med" \
        "$([ "$diag" = 1 ] && printf ', CLI seeking %s s earlier %.3f s' "$margin" "$ws_med")"
    echo "(c) ratio module/CLI = $main_ratio (target <= 1.0: $(awk -v r="$main_ratio" 'BEGIN { print (r <= 1.0 ? "meets" : "MISSES") }'));" \
         "median of per-segment ratios $paired_ratio; $npairs segments"
    echo "    CPU: module/CLI = $cpu_ratio; pairs no other process disturbed (other <= $noise): $n_quiet," \
         "their ratio $quiet_ratio (needs >= 3); $retried measurement(s) retried for interference"
    echo "    same work: the CLI's bitstream equals the module's for $n_same_cli of $npairs segments"
    echo
    echo "real-time factor, cold through nginx (RTF = D / latency; worker = D / its own time):"
    printf '%-8s %4s %10s %8s %10s %10s %7s\n' rung n "latency_s" RTF "worker_s" "worker_RTF" "other"
    for r in $rung_order; do
        printf '%-8s %4s %10.3f %8s %10.3f %10s %7s\n' "$r" "${rung_n[$r]}" "${rung_med[$r]}" \
            "$(rtf "${rung_med[$r]}")" "${rung_made[$r]}" "$(rtf "${rung_made[$r]}")" "${rung_other[$r]:-0}"
    done
    echo
    echo "baseline command ($rendition/1):"
    echo "  $baseline_cmd" | sed "s#$tmp#\$TMP#g"
    [ "$interf" = no ] || echo "WARNING: other processes used up to ${other_max} cpu-s during a measurement (interference)"
    [ "$errors" -eq 0 ] || echo "WARNING: $errors request(s) or CLI run(s) failed"
    [ "$incomplete" -eq 0 ] || echo "WARNING: fewer segments than required were measured (>= 5 pairs, >= 3 per rung)"
    [ "$n_same_cli" -eq "$npairs" ] || echo "WARNING: the CLI's bitstream differs from the module's: not the same work"
    [ "$n_diff_pkg" -eq 0 ] || echo "WARNING: $n_diff_pkg segment(s) made just in time differ from the packaged ones"
} > "$report"
cat "$report"
summary=$(printf 'bench-jit: %s cold ratio %s (module %.3f s / ffmpeg %.3f s); RTF' "$rendition" \
    "$(awk -v r="$main_ratio" 'BEGIN { printf "%.2f", r }')" "$mod_med" "$cli_med")
sep=""
for r in $rung_order; do summary+="$sep $r $(rtf "${rung_med[$r]}")"; sep=","; done
[ "$interf" = no ] || summary+=" (interference)"
{ cat "$report"; echo "$summary"; echo; } >> "$out/results-jit.txt"
echo "$summary"

if [ "$errors" -gt 0 ] || [ "$incomplete" -ne 0 ]; then exit 1; fi
if [ "${BENCH_STRICT:-0}" = 1 ] && awk -v r="$main_ratio" 'BEGIN { exit !(r == "nan" || r > 1.0) }'; then
    exit 1
fi
exit 0
