#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The ingest fleet (README "Ingest"): three "transcode-worker ingest"
# processes on one real redis-server kept with appendonly, a local store,
# nginx with the module in front of the upload server and of the store
# (just in time from a "serve" worker).  A two-minute source with audio,
# made here, goes all the way: tus upload through nginx, probe, chunks,
# one ready event; every eager segment has the bytes "package" makes with
# the same settings, and ffprobe plays it over HTTP.  Then a worker
# killed -9 in the middle of a chunk (another claims it), Redis restarted
# in the middle of an ingest, a source with corrupt frames in the middle
# (its chunk dead-lettered, the video failed, another one ingested at the
# same time ready), a text file, the admin retries, /metrics and the
# trim of vo:jobs.

. "$(dirname "$0")/../lib/worker.sh"

NAME=ingest-jobs
STORE=$TMP/store
STORE_ARGS="--store $STORE"
mkdir -p "$STORE" "$TMP/rdata"

REDIS_EXTRA="--appendonly yes --appendfsync always --dir $TMP/rdata"
INGEST_HTTP_EXTRA="upstream vidorigin_workers { server unix:$TMP/jit.sock; }"
INGEST_SERVER_EXTRA="location /v/ { vidorigin; vidorigin_store $STORE;
    vidorigin_jit @jit; }
    location @jit { proxy_pass http://vidorigin_workers;
    proxy_http_version 1.1; proxy_set_header Connection \"\";
    proxy_set_header Range \"\"; proxy_force_ranges on; }"

. "$(dirname "$0")/lib.sh"

command -v ffprobe >/dev/null 2>&1 || bail $NAME "ffprobe is installed"

LADDER=180p:180:300,144p:144:150
EAGER=144p
SETTINGS=(--ladder "$LADDER" --preset veryfast --crf 23 --audio-bitrate 64)

# the sources: 120 s of 320x180 and a tone (20 segments, 10 chunks of
# 2); 36 s as MPEG-TS, and that one with bytes overwritten in the middle
LONG=$TMP/long.mp4
$FF -f lavfi -i testsrc2=size=320x180:rate=24:duration=120 \
    -f lavfi -i "sine=frequency=330:sample_rate=48000:duration=120" \
    -c:v libx264 -preset ultrafast -crf 30 -g 48 -pix_fmt yuv420p \
    -threads 2 -c:a aac -b:a 48k "$LONG" || bail $NAME "ffmpeg made the source"
GOOD=$TMP/good.ts
$FF -f lavfi -i testsrc2=size=320x180:rate=24:duration=36 \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=36" \
    -c:v libx264 -preset ultrafast -g 48 -pix_fmt yuv420p -threads 2 \
    -c:a aac -b:a 48k -f mpegts "$GOOD" || bail $NAME "ffmpeg made the TS"
BAD=$TMP/bad.ts
cp "$GOOD" "$BAD"
size=$(stat -c %s "$BAD")
head -c 150000 /dev/urandom | dd of="$BAD" bs=1 seek=$((size / 2)) \
    conv=notrunc status=none
check "the corrupt source has decoding errors in the middle" eval \
    'ffmpeg -nostdin -v error -i "$BAD" -f null - 2>&1 | grep -qi "error\|corrupt\|invalid"'
printf 'this is not a video\n%.0s' $(seq 1 200) > "$TMP/text.txt"
# truncated: an mp4 whose index (at its end) is cut off; one indexed
# first (faststart) whose second half is cut off
head -c $(( $(stat -c %s "$LONG") / 2 )) "$LONG" > "$TMP/cut.mp4"
$FF -i "$GOOD" -c copy -movflags +faststart "$TMP/fast.mp4" \
    || bail $NAME "ffmpeg made the faststart mp4"
head -c $(( $(stat -c %s "$TMP/fast.mp4") * 6 / 10 )) "$TMP/fast.mp4" \
    > "$TMP/fastcut.mp4"

# --- the fleet: w1..w3, and the just-in-time worker behind nginx
MPORT=$(free_port)
start_ingest() {
    local name=$1
    shift
    "$WORKER" ingest --store "$STORE" --redis "unix:$RSOCK" \
        --consumer "$name" "${SETTINGS[@]}" --eager "$EAGER" \
        --chunk-segments 2 --claim-idle 3s --max-deliveries 2 --block 200ms \
        --trim-interval 1s "$@" 2>>"$TMP/$name.log" &
    eval "PID_$name=$!"
    PIDS="$PIDS $!"
}
start_ingest w1 --metrics "127.0.0.1:$MPORT"
start_ingest w2
start_ingest w3
start_worker jit --store "$STORE" --redis off --slots 2 \
    || bail $NAME "the just-in-time worker started"
wait_for 100 curl -sf -o /dev/null "http://127.0.0.1:$MPORT/healthz" \
    || bail $NAME "ingest w1 serves /metrics"

# entries STREAM: one JSON object of fields per entry
entries() {
    R --json xrange "$1" - + \
        | jq -c '.[] | .[1] as $f | [range(0; $f | length; 2)
                 | {($f[.]): $f[. + 1]}] | add'
}
nevents() {     # TYPE ID: how many TYPE events for ID on vo:events
    entries vo:events | jq -s --arg t "$1" --arg i "$2" \
        '[.[] | select(.type == $t and .id == $i)] | length'
}
nready() { nevents ready "$1"; }
# wait_status ID STATUS SECONDS
wait_status() {
    local i
    for i in $(seq 1 $(($3 * 10))); do
        [ "$(field "$1" status)" = "$2" ] && return 0
        sleep 0.1
    done
    echo "# $1: status $(field "$1" status), not $2" >&2
    return 1
}
# eager objects of ID in store DIR, with their sums
sums() {
    (cd "$1/$2" && find "$EAGER" aac -type f | sort | xargs sha256sum)
}

# --- the whole way: tus through nginx, to ready
T0=$(now_ms)
new_upload '{"title":"Ingested"}' || bail $NAME "POST /admin/uploads"
A=$ID
node "$ROOT/tests/ingest/tus-client.js" create "$URL" "$LONG" 1048576 \
    > "$TMP/tus.out" 2>&1
check "tus-js-client uploads the source through nginx" \
    grep -qx done "$TMP/tus.out"
wait_for 100 test -f "$STORE/$A/media.json"
check "probed: media.json at once (ready policy probe), status processing" \
    eval '[ -f "$STORE/$A/media.json" ] && [ "$(field "$A" status)" = processing ]'
check "playable before any chunk: a lazy segment just in time" eval \
    '[ "$(curl -s -o /dev/null -w "%{http_code}" "$BASE/v/$A/180p/3.m4s")" = 200 ]'
check "ready" wait_status "$A" ready 90
echo "# upload to ready: $(( $(now_ms) - T0 )) ms"
check "exactly one ready event" [ "$(nready "$A")" = 1 ]
check "catalog: progress 1, no error" \
    eval '[ "$(field "$A" progress)" = 1 ] && [ -z "$(field "$A" error)" ]'
check "every chunk recorded" [ "$(R scard "vo:ingest:{$A}:done")" = 10 ]
check "the chunks were shared by the three workers" eval \
    '[ "$(grep -l "\"$A\": chunk" "$TMP"/w[123].log | wc -l)" = 3 ]'

"$WORKER" package --store "$TMP/pkg" --id "$A" --source "$LONG" \
    "${SETTINGS[@]}" --eager "$EAGER" --jobs 2 --log-level warn \
    || bail $NAME "package made the reference"
sums "$TMP/pkg" "$A" > "$TMP/ref.sum"
check "every eager segment (fMP4, TS, audio, init) as package makes it" \
    eval '[ "$(wc -l < "$TMP/ref.sum")" = 62 ] && sums "$STORE" "$A" | cmp -s - "$TMP/ref.sum"'
check "no segment of the lazy rendition made but the one asked" \
    [ "$(find "$STORE/$A/180p" -name '*.ts' 2>/dev/null | wc -l)" -le 1 ]
check "ffprobe plays it over HTTP through nginx (master, 120 s)" eval \
    'ffprobe -v error -show_entries format=duration -of csv=p=0 "$BASE/v/$A/master.m3u8" | awk "{ exit !(\$1 > 119 && \$1 < 121) }"'
frames=$(ffprobe -v error -count_frames -select_streams v \
    -show_entries stream=nb_read_frames -of csv=p=0 \
    "$BASE/v/$A/144p/index-ts.m3u8" 2>"$TMP/ffprobe.err" | head -1 | tr -d '\r,')
check "ffprobe decodes every frame of the eager rendition over HTTP" \
    [ "$frames" = 2880 ]
[ "$frames" = 2880 ] || echo "# frames: $frames, $(head -3 "$TMP/ffprobe.err")"

# --- kill -9 of a worker in the middle of a chunk
mkdir -p "$STORE/B"
cp "$LONG" "$STORE/B/source.bin"
"$WORKER" ingest submit B B/source.bin --store "$STORE" \
    --redis "unix:$RSOCK" >/dev/null || bail $NAME "ingest submit B"
victim=
for i in $(seq 1 300); do
    victim=$(R xpending vo:jobs vo-workers IDLE 300 - + 10 | paste - - - - \
        | awk '$2 ~ /^w[23]$/ { print $2; exit }')
    [ -n "$victim" ] && [ "$(R scard "vo:ingest:{B}:done")" -ge 1 ] && break
    victim=
    sleep 0.05
done
[ -n "$victim" ] || bail $NAME "a chunk of B running on w2 or w3"
eval "kill -9 \$PID_$victim"
kentry=$(R xpending vo:jobs vo-workers - + 10 "$victim" | head -1)
kchunk=$(R --json xrange vo:jobs "$kentry" "$kentry" | jq -r '.[0][1] as $f
    | [range(0; $f | length; 2) | {($f[.]): $f[. + 1]}] | add | .chunk')
check "the killed worker's chunk is pending on it" \
    [ "$(R xpending vo:jobs vo-workers - + 10 "$victim" | grep -c .)" -ge 4 ]
sleep 1.5
check "trimmed meanwhile (every 1 s), vo:jobs still holds it" eval \
    '[ -n "$(R xrange vo:jobs "$kentry" "$kentry")" ] && [ "$(R xpending vo:jobs vo-workers - + 10 "$victim" | head -1)" = "$kentry" ]'
check "B ready after the claim" wait_status B ready 60
check "another worker claimed the chunk (nothing pending on $victim)" \
    [ "$(R xpending vo:jobs vo-workers - + 10 "$victim" | grep -c .)" = 0 ]
check "... and made it (chunk $kchunk)" eval \
    'grep -q "\"B\": chunk $kchunk (" $(ls "$TMP"/w[123].log | grep -v "/$victim.log")'
check "exactly one ready event for B" [ "$(nready B)" = 1 ]
check "no chunk lost, no partial object, the same bytes" eval \
    '[ "$(R scard "vo:ingest:{B}:done")" = 10 ] && no_temp_files "$STORE/B" && sums "$STORE" B | cmp -s - "$TMP/ref.sum"'

# --- Redis restarted (appendonly) in the middle of an ingest
mkdir -p "$STORE/C"
cp "$LONG" "$STORE/C/source.bin"
"$WORKER" ingest submit C C/source.bin --store "$STORE" \
    --redis "unix:$RSOCK" >/dev/null || bail $NAME "ingest submit C"
wait_for 200 eval '[ "$(R scard "vo:ingest:{C}:done")" -ge 1 ]'
R shutdown >/dev/null 2>&1
wait_for 100 eval '! kill -0 $REDIS_PID 2>/dev/null'
check "Redis stopped before C was done" \
    [ "$(redis-cli -s "$RSOCK" ping 2>/dev/null)" != PONG ]
sleep 1
start_redis redis || bail $NAME "redis-server restarted"
check "C ready after Redis came back" wait_status C ready 60
check "exactly one ready event for C, A's and B's kept" eval \
    '[ "$(nready C)" = 1 ] && [ "$(nready "$A")" = 1 ] && [ "$(nready B)" = 1 ]'
check "C: the same bytes" eval 'sums "$STORE" C | cmp -s - "$TMP/ref.sum"'

# --- corrupt frames in the middle, beside a good video; a text file
for v in D E T U V; do mkdir -p "$STORE/$v"; done
cp "$BAD" "$STORE/D/source.bin"
cp "$GOOD" "$STORE/E/source.bin"
cp "$TMP/text.txt" "$STORE/T/source.bin"
cp "$TMP/cut.mp4" "$STORE/U/source.bin"
cp "$TMP/fastcut.mp4" "$STORE/V/source.bin"
for v in D E T U V; do
    "$WORKER" ingest submit $v $v/source.bin --store "$STORE" \
        --redis "unix:$RSOCK" >/dev/null || bail $NAME "ingest submit $v"
done
check "the text file: failed" wait_status T failed 30
check "... with a reason, one failed event, no media.json" eval \
    '[ -n "$(field T error)" ] && [ "$(nevents failed T)" = 1 ] && [ ! -e "$STORE/T/media.json" ]'
echo "# text file: $(field T error)"
check "an mp4 cut off before its index: failed, with a reason" eval \
    'wait_status U failed 30 && [ -n "$(field U error)" ] && [ "$(nevents failed U)" = 1 ]'
echo "# truncated mp4: $(field U error)"
check "the good video ingested beside it: ready" wait_status E ready 60
check "the corrupt one: failed" wait_status D failed 60
echo "# corrupt source: $(field D error)"
check "... with the reason (corrupt video, dead after 3 deliveries)" eval \
    'field D error | grep -q "dead after 3 deliveries: .*corrupt source video"'
check "... one failed event, no ready one, no media.json" eval \
    '[ "$(nevents failed D)" = 1 ] && [ "$(nready D)" = 0 ] && [ ! -e "$STORE/D/media.json" ]'
entries vo:jobs:dead > "$TMP/dead"
check "its chunk on vo:jobs:dead with its error, once" eval \
    '[ "$(jq -s "[.[] | select(.id == \"D\")] | length" "$TMP/dead")" = 1 ] && grep -q "corrupt source video" "$TMP/dead"'
check "E: one ready event" [ "$(nready E)" = 1 ]
check "an indexed mp4 cut off in the middle: failed, the reason" eval \
    'wait_status V failed 60 && field V error | grep -q "truncated or broken source"'
echo "# truncated indexed mp4: $(field V error)"
check "... one failed event, no media.json" \
    eval '[ "$(nevents failed V)" = 1 ] && [ ! -e "$STORE/V/media.json" ]'

deadchunk=$(jq -r 'select(.id == "D") | .chunk' "$TMP/dead")

# --- retries: the chunk of D, the whole of T, once their sources are good
cp "$GOOD" "$STORE/D/source.bin"
check "ingest retry D $deadchunk" eval \
    '"$WORKER" ingest retry D "$deadchunk" --store "$STORE" --redis "unix:$RSOCK" >/dev/null'
check "D ready after the retry of its chunk" wait_status D ready 30
check "D: one ready event, media.json back" \
    eval '[ "$(nready D)" = 1 ] && [ -f "$STORE/D/media.json" ]'
cp "$GOOD" "$STORE/T/source.bin"
check "ingest retry T" eval \
    '"$WORKER" ingest retry T --store "$STORE" --redis "unix:$RSOCK" >/dev/null'
check "T ready after the retry of the video" wait_status T ready 30
check "retry of an unknown chunk: refused" not \
    "$WORKER" ingest retry T 99 --store "$STORE" --redis "unix:$RSOCK"

# --- completions racing: every chunk of G queued twice more while the
# workers make it
mkdir -p "$STORE/G"
cp "$GOOD" "$STORE/G/source.bin"
"$WORKER" ingest submit G G/source.bin --store "$STORE" \
    --redis "unix:$RSOCK" >/dev/null || bail $NAME "ingest submit G"
wait_for 100 eval '[ -n "$(R hget "vo:ingest:{G}" queued)" ]'
gen=$(R hget "vo:ingest:{G}" gen)
for k in 0 1 2; do
    for n in 1 2; do
        R xadd vo:jobs '*' type chunk id G gen "$gen" chunk $k \
            first $((k * 2)) last $((k * 2 + 1)) >/dev/null
    done
done
check "G ready" wait_status G ready 60
pending() {
    R xinfo groups vo:jobs | awk -v f="$1" 'p { print; exit } $0 == f { p = 1 }'
}
check "every entry acked" wait_for 100 \
    eval '[ "$(pending pending)" = 0 ] && [ "$(pending lag)" = 0 ]'
check "nine completions of three chunks: one ready event" \
    [ "$(nready G)" = 1 ]

# --- the scaling signal, the trim, a clean stop
curl -s "http://127.0.0.1:$MPORT/metrics" > "$TMP/metrics"
check "/metrics: pending and lag of the group, dead letters" eval \
    'grep -qx "vidorigin_ingest_group_pending{stream=\"vo:jobs\",group=\"vo-workers\"} 0" "$TMP/metrics" && grep -qx "vidorigin_ingest_group_lag{stream=\"vo:jobs\",group=\"vo-workers\"} 0" "$TMP/metrics" && grep -qx "vidorigin_ingest_dead_letters $(R xlen vo:jobs:dead)" "$TMP/metrics"'
check "/metrics is valid Prometheus text (one TYPE per family)" eval \
    '[ "$(grep -c "^# TYPE" "$TMP/metrics")" = "$(grep "^# TYPE" "$TMP/metrics" | sort -u | wc -l)" ]'
check "vo:jobs trimmed of what the group is done with" wait_for 50 \
    eval '[ "$(R xlen vo:jobs)" -le 1 ]'
kill -TERM "$PID_w1"
check "w1 stops on SIGTERM" wait_for 100 eval '! kill -0 $PID_w1 2>/dev/null'
check "... and leaves the group (nothing pending on it)" not \
    eval 'R xinfo consumers vo:jobs vo-workers | grep -qx w1'

# --- ready policy eager: media.json only with the ready event
alive=w2
[ "$victim" = w2 ] && alive=w3
eval "kill -TERM \$PID_$alive"
wait_for 100 eval "! kill -0 \$PID_$alive 2>/dev/null"
start_ingest w4 --ready eager
mkdir -p "$STORE/H"
cp "$GOOD" "$STORE/H/source.bin"
"$WORKER" ingest submit H H/source.bin --store "$STORE" \
    --redis "unix:$RSOCK" >/dev/null || bail $NAME "ingest submit H"
wait_for 100 eval '[ -n "$(R hget "vo:ingest:{H}" queued)" ]'
check "ready eager: probed, no media.json yet, processing" eval \
    '[ ! -e "$STORE/H/media.json" ] && [ "$(field H status)" = processing ]'
check "... ready with media.json, one ready event" eval \
    'wait_status H ready 60 && [ -f "$STORE/H/media.json" ] && [ "$(nready H)" = 1 ]'
check "... the same description as under probe" \
    cmp -s <(sed 's/"E"/"H"/; s|E/source|H/source|' "$STORE/E/media.json") \
    "$STORE/H/media.json"

check "no worker crashed" not grep -qi "sanitizer\|segmentation\|assert" \
    "$TMP"/w[1234].log

finish $NAME
