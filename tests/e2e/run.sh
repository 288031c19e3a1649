#!/usr/bin/env bash
# tests/e2e/run.sh MODULE_SO WORKER STORE WWWDIR
#
# End-to-end tests against one nginx with the vidorigin module, on loopback:
#   1. the manifests answer, and ffprobe lists every rendition of media.json
#      in master.m3u8, master-ts.m3u8 and manifest.mpd;
#   2. ffmpeg decodes every rendition (HLS fMP4, HLS TS, DASH, and the audio
#      track) to the end with no warning, no timestamp gap, and the duration
#      of media.json within one frame (2 decoders at a time);
#   3. headless Chromium plays the demo page with hls.js (fMP4 and TS) and
#      dash.js, switches rendition mid-playback and keeps playing.
# Prints `ok - ...` / `not ok - ...` per check, then `e2e: N passed, M failed`.
#
# MODULE_SO "none" serves STORE with stock nginx instead (`location /v/
# { alias STORE/; }`): for a store made by tests/e2e/standin.sh, to work on
# these tests without the module.
#
# E2E_JIT=1: just in time.  The video is packaged again into an empty
# store with no segment at all (`package --eager none`: media.json and the
# source only), served by nginx with a real `transcode-worker serve` (and
# redis-server) behind vidorigin_jit; the players go first, while every
# segment is still cold, then the decoders; at the end every object the
# worker made must equal, byte for byte, the packaged one in STORE, and
# the worker must have made each exactly once.
# E2E_STORE=s3: the store is an S3 peer on loopback (s3rver, signatures
# checked, tests/s3/peer.js): the packaged objects are uploaded to it and
# nginx serves them through conf/vidorigin-s3-locations.conf (signed
# fetches, origin cache); with E2E_JIT=1, the worker packages into S3 and
# reads the master copy from it.
# Environment: VIDEO (demo), E2E_ONLY (regex over check groups: probe,
# decode, browser), NGINX (/usr/sbin/nginx), CHROMIUM (/usr/bin/chromium).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/e2e
if [ $# -ne 4 ]; then
    echo "usage: $0 MODULE_SO WORKER STORE WWWDIR" >&2
    exit 2
fi
module=$1 worker=$2 store=$(cd "$3" && pwd) www=$(cd "$4" && pwd)
[ "$module" = none ] || module=$(realpath "$module")
video=${VIDEO:-demo}
only=${E2E_ONLY:-.}
nginx_bin=${NGINX:-/usr/sbin/nginx}
# nginx reads $NGINX itself (sockets inherited on upgrade): not in its env
export -n NGINX 2>/dev/null || true
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
jit=${E2E_JIT:-}
s3=
[ "${E2E_STORE:-local}" = s3 ] && s3=1
out=$top/build/e2e${jit:+-jit}${s3:+-s3}
node_modules=${NODE_MODULES:-$top/build/node/node_modules}

passed=0 failed=0
report() {   # report LINE...: count and print TAP-style result lines
    local l
    for l in "$@"; do
        case $l in
            "ok - "*)     passed=$((passed + 1)) ;;
            "not ok - "*) failed=$((failed + 1)) ;;
        esac
        printf '%s\n' "$l"
    done
}
ok()     { report "ok - $*"; }
not_ok() { report "not ok - $*"; }
finish() {
    echo "e2e: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

tools=("$nginx_bin" ffmpeg ffprobe jq curl node)
[ -z "$jit" ] || tools+=(redis-server redis-cli "$worker")
[ -z "$s3" ] || tools+=("$worker")
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || { not_ok "$tool is installed"; finish; }
done
meta=$store/$video/media.json
if ! jq -e . "$meta" >/dev/null 2>&1; then
    not_ok "media description $meta is readable JSON"; finish
fi

# --- nginx on a free loopback port ----------------------------------------
rm -rf "${out:?}/conf" "${out:?}/var" "${out:?}/tmp" "${out:?}"/*.png
mkdir -p "$out/var/log" "$out/var/tmp" "$out/tmp"
export TMPDIR=$out/tmp   # scratch files (decoders, browser profiles) stay here
nginx_pid=
tmpdirs=()
daemons=()   # the worker and redis-server of E2E_JIT
cleanup() {
    local d
    for d in "${daemons[@]}"; do kill -TERM "$d" 2>/dev/null; done
    for d in "${daemons[@]}"; do wait "$d" 2>/dev/null; done
    if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
        kill -QUIT "$nginx_pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$nginx_pid" 2>/dev/null
        wait "$nginx_pid" 2>/dev/null
    fi
    # decoders still running after an interrupt
    local j
    for j in $(jobs -p); do kill "$j" 2>/dev/null; done
    [ ${#tmpdirs[@]} -eq 0 ] || rm -rf "${tmpdirs[@]}"
    rm -rf "$out/tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- E2E_STORE=s3: the S3 peer, holding what was packaged -----------------
s3args=()
if [ -n "$s3" ]; then
    s3dir=$top/tests/s3
    if [ ! -f "$s3dir/node_modules/@20minutes/s3rver/package.json" ]; then
        (cd "$s3dir" && npm ci --no-audit --no-fund --silent </dev/null) \
            || { not_ok "npm ci in tests/s3"; finish; }
    fi
    rm -rf "$out/s3" && mkdir -p "$out/s3" "$out/var/log"
    node "$s3dir/peer.js" "$out/s3" media >"$out/var/log/s3.out" \
        2>"$out/var/log/s3.log" </dev/null &
    daemons+=($!)
    s3port=
    for _ in $(seq 100); do
        s3port=$(awk '$1 == "port" { print $2 }' "$out/var/log/s3.out")
        [ -n "$s3port" ] && break
        sleep 0.1
    done
    [ -n "$s3port" ] || { not_ok "the S3 peer starts"; finish; }
    export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
    unset AWS_SESSION_TOKEN AWS_REGION
    s3args=(STORE=s3 S3_ENDPOINT="127.0.0.1:$s3port" S3_BUCKET=media)
    s3url=http://127.0.0.1:$s3port
    if [ -z "$jit" ]; then
        # media.json last, as the packager writes it: its presence is "ready"
        n=$( (cd "$store" && find "$video" -type f ! -name 'source.*' ! -name media.json) \
            | xargs -P 4 -I{} sh -c '"$1" s3 put --endpoint "$2" --bucket media \
                --path-style --in "$3/{}" "{}" --log-level warn && echo up' \
                - "$worker" "$s3url" "$store" | grep -c up)
        "$worker" s3 put --endpoint "$s3url" --bucket media --path-style \
            --in "$store/$video/media.json" "$video/media.json" --log-level warn \
            || { not_ok "media.json uploaded to S3"; finish; }
        ok "S3 peer on 127.0.0.1:$s3port holds the $((n + 1)) packaged objects"
    fi
fi

# --- E2E_JIT: an empty store, redis-server and one worker ----------------
upstream=""
if [ -n "$jit" ]; then
    ref=$store
    store=$out/store
    run=$out/var/run
    rm -rf "$store" && mkdir -p "$store" "$run"
    chmod 755 "$out" "$out/var" "$run" "$store"
    src=$(ls "$ref/$video"/source.* 2>/dev/null | head -1)
    # the worker's store: the directory, or the S3 peer's bucket (then
    # $store only receives copies, for the checks)
    wstore=("--store" "$store")
    [ -z "$s3" ] || wstore=(--store s3://media --s3-endpoint "$s3url" --s3-path-style on)
    if [ -z "$src" ] || ! "$worker" package "${wstore[@]}" --id "$video" \
            --source "$src" --eager none --log-level warn; then
        not_ok "package $video with --eager none"; finish
    fi
    if [ -n "$s3" ]; then
        mkdir -p "$store/$video"
        "$worker" s3 get --endpoint "$s3url" --bucket media --path-style \
            --out "$store/$video/media.json" "$video/media.json" --log-level warn \
            || { not_ok "media.json in S3"; finish; }
        ok "$video packaged into S3 with no segment (the master copy and media.json)"
    else
        objects=$(find "$store/$video" -type f ! -name media.json ! -name 'source.*' | wc -l)
        ok "$video packaged with no segment ($objects objects in the store)"
    fi
    meta=$store/$video/media.json

    redis-server --port 0 --unixsocket "$run/redis.sock" --unixsocketperm 700 \
        --save '' --appendonly no --logfile "$out/var/log/redis.log" &
    daemons+=($!)
    for _ in $(seq 50); do redis-cli -s "$run/redis.sock" ping >/dev/null 2>&1 && break; sleep 0.1; done
    # a long --wait: the players and 2 decoders ask for more than 2 slots
    # make at once, and each must get its segment, not a 503
    "$worker" serve "${wstore[@]}" --listen "unix:$run/worker.sock" \
        --slots 2 --queue 64 --wait 120s --redis "unix:$run/redis.sock" \
        2>"$out/var/log/worker.log" &
    daemons+=($!)
    for _ in $(seq 50); do
        curl -sf --unix-socket "$run/worker.sock" http://w/healthz >/dev/null 2>&1 && break
        sleep 0.1
    done
    if ! curl -sf --unix-socket "$run/worker.sock" http://w/healthz >/dev/null 2>&1; then
        not_ok "transcode-worker serve starts"; tail -5 "$out/var/log/worker.log"; finish
    fi
    ok "redis-server and transcode-worker serve started"
    upstream="server unix:$run/worker.sock;"
    export DECODE_TIMEOUT=300
fi

free_port() {
    node -e 'const s = require("net").createServer();
             s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

render() {   # render PORT: write the conf into $out/conf
    local port=$1 conf
    if [ "$module" = none ]; then
        conf=$(bash "$top/scripts/render-conf.sh" "$out/conf" MODULE=none \
            VAR="$out/var" PORT="$port" STORE="$store" WWW="$www" WORKERS=1) || return 1
        sed -i '/^load_module/d; /vidorigin_media_cache/d; /vidorigin_purge/d; /location \/admin\//,/}/d' "$conf"
        cat > "$out/conf/vidorigin-locations.conf" <<EOF
location /v/ {
    alias $store/;
    types {
        application/vnd.apple.mpegurl m3u8;
        application/dash+xml mpd;
        video/mp4 mp4 m4s;
        video/mp2t ts;
    }
}
EOF
    else
        conf=$(bash "$top/scripts/render-conf.sh" "$out/conf" MODULE="$module" \
            VAR="$out/var" PORT="$port" STORE="$store" WWW="$www" WORKERS=2 \
            ${upstream:+UPSTREAM="$upstream"} "${s3args[@]}") || return 1
        # a cold segment waits for the worker as long as the worker lets it
        [ -z "$jit" ] || sed -i 's/proxy_read_timeout .*;/proxy_read_timeout 150s;/' \
            "$out/conf/vidorigin-locations.conf"
    fi
    echo "$conf"
}

port="" conf=""
for _attempt in 1 2 3; do
    port=$(free_port) && conf=$(render "$port") || { not_ok "render nginx conf"; finish; }
    "$nginx_bin" -p "$out/var" -c "$conf" -e "$out/var/log/error.log" \
        >"$out/var/log/nginx.out" 2>&1 &
    nginx_pid=$!
    up=
    for _ in $(seq 50); do
        if curl -s -o /dev/null "http://127.0.0.1:$port/"; then up=1; break; fi
        kill -0 "$nginx_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$up" ] && break
    kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null; nginx_pid=
    # a port taken between the check and nginx's bind: try another one
    grep -q 'Address already in use' "$out/var/log/nginx.out" "$out/var/log/error.log" 2>/dev/null || break
done
if [ -z "$nginx_pid" ]; then
    not_ok "nginx starts"
    sed 's/^/#   /' "$out/var/log/nginx.out" | tail -5
    tail -5 "$out/var/log/error.log" 2>/dev/null | sed 's/^/#   /'
    finish
fi
ok "nginx starts on 127.0.0.1:$port ($( [ "$module" = none ] && echo "stand-in, no module" || echo "$(basename "$module")"))"
base=http://127.0.0.1:$port/v/$video

# --- media description -----------------------------------------------------
dur_ms=$(jq -r .duration_ms "$meta")
fps_num=$(jq -r .fps_num "$meta")
fps_den=$(jq -r .fps_den "$meta")
# H.264: what every player gets without device classes (HEVC and AV1
# renditions are tests/serve/test-codecs.sh')
mapfile -t vnames < <(jq -r '.video[] | select(.codec | startswith("avc1"))
                             | .name' "$meta")
mapfile -t vsizes < <(jq -r '.video[] | select(.codec | startswith("avc1"))
                             | "\(.width)x\(.height)"' "$meta")
mapfile -t anames < <(jq -r '.audio[]?.name' "$meta")
arate=$(jq -r '.audio[0].sample_rate // 48000' "$meta")
has_ts=$(jq -r '.formats | index("ts") != null' "$meta")
echo "# $video: ${#vnames[@]} video renditions (${vnames[*]}), audio: ${anames[*]:-none}, ${dur_ms} ms"

# --- 1. manifests and ffprobe ----------------------------------------------
if [[ probe =~ $only ]]; then
    expect_sizes=$(printf '%s\n' "${vsizes[@]}" | sort -u | paste -sd' ')
    probe() {   # probe NAME URL WANT_AUDIO(yes|no)
        local name=$1 url=$2 want_audio=$3 json got audio_n code
        code=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$url")
        json=$(timeout 60 ffprobe -v error -show_entries \
            stream=index,codec_type,width,height -of json "$url" 2>&1) || {
            not_ok "ffprobe $name lists the renditions (HTTP $code)"
            head -c 400 <<<"$json" | sed 's/^/#   /'; return; }
        got=$(jq -r '[.streams[] | select(.codec_type=="video")
                      | "\(.width)x\(.height)"] | unique | join(" ")' <<<"$json")
        audio_n=$(jq '[.streams[] | select(.codec_type=="audio")] | length' <<<"$json")
        local nvideo
        nvideo=$(jq '[.streams[] | select(.codec_type=="video")] | length' <<<"$json")
        if [ "$got" != "$expect_sizes" ] || [ "$nvideo" -ne "${#vnames[@]}" ]; then
            not_ok "ffprobe $name: video streams $nvideo [$got], media.json has ${#vnames[@]} [$expect_sizes]"
        elif [ "$want_audio" = yes ] && [ "$audio_n" -lt 1 ]; then
            not_ok "ffprobe $name: no audio stream"
        else
            ok "ffprobe $name: ${nvideo} video [$got], $audio_n audio (HTTP $code)"
        fi
    }
    want_audio=no; [ ${#anames[@]} -gt 0 ] && want_audio=yes
    probe master.m3u8 "$base/master.m3u8" "$want_audio"
    if [ "$has_ts" = true ]; then probe master-ts.m3u8 "$base/master-ts.m3u8" "$want_audio"; fi
    probe manifest.mpd "$base/manifest.mpd" "$want_audio"
fi

# --- 2. decode every rendition, 2 at a time --------------------------------
decode_checks() {
    [[ decode =~ $only ]] || return 0
    jobsdir=$(mktemp -d); tmpdirs+=("$jobsdir")
    specs=()   # NAME|URL|KIND|MAP...
    # TS first: made just in time, a TS segment's encode also gives the
    # fMP4 segments, which the fMP4 and DASH decoders then find stored
    for r in "${vnames[@]}"; do
        [ "$has_ts" = true ] && if [ ${#anames[@]} -gt 0 ]; then
            specs+=("hls-ts $r|$base/$r/index-ts.m3u8|av|-map 0:v:0 -map 0:a:0")
        else
            specs+=("hls-ts $r|$base/$r/index-ts.m3u8|video|-map 0:v:0")
        fi
    done
    for r in "${vnames[@]}"; do
        specs+=("hls-fmp4 $r|$base/$r/index.m3u8|video|-map 0:v:0")
        specs+=("dash $r|$base/manifest.mpd|video|-map 0:m:id:$r")
    done
    for a in "${anames[@]}"; do
        specs+=("hls-fmp4 audio $a|$base/$a/index.m3u8|audio|-map 0:a:0")
        specs+=("dash audio $a|$base/manifest.mpd|audio|-map 0:m:id:$a")
    done
    i=0 running=()
    for s in "${specs[@]}"; do
        IFS='|' read -r name url kind map <<<"$s"
        # shellcheck disable=SC2086
        bash "$here/decode.sh" "$name" "$url" "$kind" "$dur_ms" "$fps_num" \
            "$fps_den" "$arate" $map >"$jobsdir/$(printf %03d $i)" 2>&1 &
        running+=($!) i=$((i + 1))
        # at most 2 decoders; wait on them only (nginx is a child too)
        while [ ${#running[@]} -ge 2 ]; do
            wait -n "${running[@]}"
            alive=()
            for pid in "${running[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
            running=("${alive[@]}")
        done
    done
    [ ${#running[@]} -eq 0 ] || wait "${running[@]}"
    for ((k = 0; k < i; k++)); do
        lines=()
        mapfile -t lines <"$jobsdir/$(printf %03d $k)" 2>/dev/null
        if ! printf '%s\n' "${lines[@]}" | grep -q '^\(not \)\?ok - '; then
            lines+=("not ok - decode ${specs[k]%%|*}: no result")
        fi
        report "${lines[@]}"
    done
}

# --- 3. real players in headless Chromium ---------------------------------
browser_checks() {
    [[ browser =~ $only ]] || return 0
    if [ ! -d "$node_modules/playwright-core" ]; then
        not_ok "playwright-core is installed in $node_modules (make www)"
    elif [ ! -x "$CHROMIUM" ]; then
        not_ok "chromium is installed ($CHROMIUM)"
    else
        # cold segments take seconds each (a 1080p one about 3 s on 2 cores)
        wall_ms=60000
        [ -z "$jit" ] || wall_ms=150000
        players=(hls)
        # just in time, hls.js alone: the others read the same objects,
        # already checked with every segment stored
        if [ -z "$jit" ]; then
            [ "$has_ts" = true ] && players+=(hls-ts)
            players+=(dash)
        fi
        for p in "${players[@]}"; do
            profile=$(mktemp -d); tmpdirs+=("$profile")
            mapfile -t lines < <(NODE_MODULES=$node_modules PLAYER_WALL_MS=$wall_ms \
                timeout $((wall_ms / 1000 + 60)) node \
                "$here/player.js" "http://127.0.0.1:$port/?player=$p&id=$video&level=min" \
                "$p" "$out/$p.png" "$profile" 2>&1)
            if ! printf '%s\n' "${lines[@]}" | grep -q '^\(not \)\?ok - '; then
                lines+=("not ok - browser $p: no result (timed out or crashed)")
            fi
            report "${lines[@]}"
        done
    fi
}

# the players first when segments are made just in time: they meet every
# segment cold (the decoders then find some made already)
if [ -n "$jit" ]; then
    browser_checks
    decode_checks
else
    decode_checks
    browser_checks
fi

# E2E_JIT: every object made by the worker is the packaged one, made once
if [ -n "$jit" ]; then
    if [ -n "$s3" ]; then
        # what the worker stored in S3, copied out for the comparison
        (cd "$ref" && find "$video" -type f ! -name media.json ! -name 'source.*') \
            | xargs -P 4 -I{} sh -c 'mkdir -p "$(dirname "$3/{}")" &&
                "$1" s3 get --endpoint "$2" --bucket media --path-style \
                    --out "$3/{}" "{}" --log-level error || rm -f "$3/{}"' \
                - "$worker" "$s3url" "$store"
    fi
    # a rendition nobody here asked for is not compared: the reference
    # store may hold renditions made just in time for another player
    # (make run's page in Chromium gets AV1), which these players and
    # decoders never ask for; one they asked for must be whole
    missing=0 differ=0 same=0 skipped=0
    while read -r f; do
        if [ -z "$(ls -A "$store/$(dirname "$f")" 2>/dev/null)" ]; then
            skipped=$((skipped + 1))
        elif [ ! -f "$store/$f" ]; then
            missing=$((missing + 1))
        elif cmp -s "$ref/$f" "$store/$f"; then
            same=$((same + 1))
        else
            differ=$((differ + 1))
            [ $differ -le 5 ] && echo "#   $f differs from the packaged object"
        fi
    done < <(cd "$ref" && find "$video" -type f ! -name media.json ! -name 'source.*' | sort)
    if [ $same -gt 0 ] && [ $missing -eq 0 ] && [ $differ -eq 0 ]; then
        ok "all $same objects made just in time equal the packaged ones, byte for byte ($skipped of renditions not asked for)"
    else
        not_ok "objects made just in time: $same equal, $differ differ, $missing never made"
    fi
    made=$(find "$store/$video" -type f ! -name media.json ! -name 'source.*' | wc -l)
    metrics=$(curl -s --unix-socket "$run/worker.sock" http://w/metrics)
    metric() { awk -v m="vidorigin_worker_$1" '$1 == m { print $2 }' <<<"$metrics"; }
    started=$(metric jobs_started_total) companions=$(metric companions_stored_total)
    if [ -n "$started" ] && [ $((started + companions)) -eq "$made" ] \
            && [ "$(metric jobs_failed_total)" = 0 ]; then
        ok "the worker made each of the $made objects once ($started transcodes" \
           "+ $companions fMP4 segments from TS encodes, none failed)"
    else
        not_ok "jobs_started_total $started + companions_stored_total $companions," \
               "failed $(metric jobs_failed_total), objects $made"
    fi
    echo "# worker: $(metric jobs_deduplicated_total) deduplicated, $(metric store_hits_total) store hits," \
         "$(metric jobs_rejected_total) rejected"
fi

# nginx itself must not have logged a crash or an alert
if grep -E '\[(alert|emerg)\]|signal [0-9]+ .*exited' "$out/var/log/error.log" >/dev/null 2>&1; then
    not_ok "nginx error.log has no alert/crash"
    grep -E '\[(alert|emerg)\]|exited on signal' "$out/var/log/error.log" | head -5 | sed 's/^/#   /'
else
    ok "nginx error.log has no alert/crash"
fi
finish
