#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Just in time under hostile load, through nginx and the shipped conf, on
# a tiny lazy video (180 s of 320x180, 4 s segments, two H.264 and two AV1
# renditions, nothing made):
#   - a flood of requests for the AV1 segments (most abandoned by their
#     client within FLOOD_PATIENCE s) beside a viewer of H.264: the H.264
#     cold segments take about what they take on the idle worker (the
#     medians compared as a ratio, printed, at most MAX_RATIO: the one
#     AV1 encode let run still takes a core of two, and on this shared
#     2-core machine an H.264 encode beside one AV1 encode, with no worker
#     at all, takes about twice its time alone), and none waits more than
#     MAX_WAIT_MS for a slot (its time less the transcode's, from the
#     worker's log: what the flood costs it, whatever the CPU gives); HEVC
#     and AV1 hold one slot
#     of two (--heavy-share 0.5) and half the queue, the rest is refused
#     (counted: heavy_share); the queued jobs whose clients left are
#     dropped (counted: no_waiter); what was made is whole, nothing
#     partial is left in the store;
#   - nginx's limit_req on the just-in-time location, keyed on the client
#     address realip takes from X-Forwarded-For (as behind a CDN, and with
#     no User-Agent): one client past its burst gets 503 no-store from
#     nginx before the worker is asked; another client, and the same
#     client's manifests and stored segments, are not limited.
#
# Figures: FLOOD_ROUNDS rounds of FLOOD_N requests, MAX_RATIO.

. "$(dirname "$0")/lib.sh"

NAME=jit-bounds
prereq "$NAME"

FLOOD_ROUNDS=${FLOOD_ROUNDS:-8}
FLOOD_N=${FLOOD_N:-28}
FLOOD_PATIENCE=${FLOOD_PATIENCE:-0.4}
MAX_RATIO=${MAX_RATIO:-8}
MAX_WAIT_MS=${MAX_WAIT_MS:-400}

ID=tiny
SRC=$TMP/tiny.mp4
ffmpeg -nostdin -v error -y \
    -f lavfi -i testsrc2=size=320x180:rate=30:duration=180 \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=180" -ac 2 \
    -c:v libx264 -preset ultrafast -g 30 -threads 2 -pix_fmt yuv420p \
    -c:a aac -b:a 64k -fflags +bitexact -flags:v +bitexact \
    -flags:a +bitexact "$SRC" || bail "$NAME" "tiny source made"

S=$TMP/store
check "tiny lazy video: media.json and the source only" "$WORKER" package \
    --store "$S" --id $ID --source "$SRC" --segment-duration 4 --eager none \
    --ladder 180p:180:300,144p:144:200,180p-av1:180:200:av01,144p-av1:144:150:av01 \
    --log-level warn
chmod -R a+rX "$S"

# HEAVY="": the worker before --heavy-share (to see the checks fail)
start_worker w --store "$S" --slots 2 --queue 4 ${HEAVY---heavy-share 0.5} \
    --prefetch on --redis off --wait 30s --log-level info \
    || bail "$NAME" "worker starts"
W=$WORKER_PID
# as behind a CDN: the client address from the CDN's header (README)
REALIP='set_real_ip_from 127.0.0.1; real_ip_header X-Forwarded-For;'
start_nginx a "$S" "server unix:$TMP/w.sock max_fails=0;" "$REALIP" \
    || bail "$NAME" "nginx starts"
PORT=${NGX_PORT[a]}

# seg CLIENT PATH [CURL ARGS]: "STATUS MS" of a GET from client address
# CLIENT, without a User-Agent
seg() {
    local client=$1 path=$2
    shift 2
    curl -s -A '' -H "X-Forwarded-For: $client" -o /dev/null "$@" \
        -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$PORT$path" \
        | awk '{ printf "%s %d\n", $1, $2 * 1000 }'
}

# cold LIST: the H.264 cold segments of LIST in turn, each "STATUS MS"
cold() {
    local k
    for k in "$@"; do
        seg 10.0.0.1 "/v/$ID/$k" --max-time 60
    done
}

median() {
    awk '{ print $2 }' "$1" | sort -n | awk '{ a[NR] = $1 }
        END { print a[int((NR + 1) / 2)] }'
}

# --- the idle worker: cold H.264 segments, one at a time (spaced: not
# the next one a prefetch made), three before the flood and three after
# (the machine's own load drifts)
: > "$TMP/idle"
idle() {
    local k
    for k in "$@"; do
        cold "$k" >> "$TMP/idle"
        wait_idle w
    done
}
idle 180p/0.m4s 144p/2.m4s 180p/4.m4s

# --- the flood: the AV1 objects (inits and segments), new ones each
# round, each asked twice from two clients, all but one in four
# abandoned within FLOOD_PATIENCE s
KEYS="180p-av1/init.mp4 144p-av1/init.mp4"
for n in $(seq 0 44); do
    KEYS="$KEYS 180p-av1/$n.m4s 144p-av1/$n.m4s"
done
read -r -a KEYS <<< "$KEYS"

# flood: per round, two clients, each one curl with its transfers in
# parallel (a process per request would load the machine more than the
# worker does): one that abandons, then (once it has taken what the
# worker lets AV1 have) one that waits
flood() {
    local round i k pids="" who
    for round in $(seq 1 "$FLOOD_ROUNDS"); do
        : > "$TMP/flood.$round.a.cfg"
        : > "$TMP/flood.$round.p.cfg"
        for i in $(seq 1 "$FLOOD_N"); do
            k=${KEYS[$(( (round * FLOOD_N / 2 + i / 2) % ${#KEYS[@]} ))]}
            who=a
            [ $((i % 4)) -eq 0 ] && who=p
            printf 'url = "http://127.0.0.1:%s/v/%s/%s"\noutput = "/dev/null"\n' \
                "$PORT" "$ID" "$k" >> "$TMP/flood.$round.$who.cfg"
        done
        for who in a p; do
            curl -sS --no-progress-meter --parallel --parallel-immediate \
                --parallel-max 64 \
                -K "$TMP/flood.$round.$who.cfg" -A '' \
                -H "X-Forwarded-For: 10.1.$round.$([ $who = a ] && echo 1 || echo 2)" \
                --max-time "$([ $who = a ] && echo "$FLOOD_PATIENCE" || echo 60)" \
                -w '%{http_code}\n' > "$TMP/flood.$round.$who" &
            pids="$pids $!"
            sleep 0.25
        done
    done
    wait $pids
}

t0=$(now_ms)
flood &
FLOOD=$!
sleep 0.3

# meanwhile: the H.264 viewer, and the heavy slots watched
: > "$TMP/busy"
(for _ in $(seq 1 12); do metric w busy_heavy_slots >> "$TMP/busy";
     sleep 0.15; done) &
WATCH=$!
LOADED="144p/0.m4s 180p/2.m4s 144p/4.m4s 180p/1.ts 144p/3.ts"
# shellcheck disable=SC2086
cold $LOADED > "$TMP/loaded"
wait "$WATCH"
wait "$FLOOD"
echo "# flood of $FLOOD_ROUNDS x $FLOOD_N AV1 requests in" \
     "$(( $(now_ms) - t0 )) ms: $(cat "$TMP"/flood.[0-9]*.[ap] \
     | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')"
check "under the flood: cold H.264 segments 200 ($(awk \
    '{ printf "%s/%s ms ", $1, $2 }' "$TMP/loaded"))" \
    [ "$(awk '$1 != 200' "$TMP/loaded" | wc -l)" = 0 ]
check "HEVC and AV1 held one slot at most (busy_heavy_slots seen: $(
    sort -u "$TMP/busy" | tr '\n' ' '))" [ "$(sort -n "$TMP/busy" | tail -1)" -le 1 ]

check "the worker goes idle" wait_idle w
idle 180p/3.ts 144p/1.ts 144p/5.ts
idle=$(median "$TMP/idle")
loaded=$(median "$TMP/loaded")
ratio=$(awk -v a="$loaded" -v b="$idle" 'BEGIN { printf "%.2f", a / b }')
echo "# H.264 cold segment, median: idle $idle ms, under the flood" \
     "$loaded ms, ratio $ratio"
check "idle: cold H.264 segments 200 ($(awk '{ printf "%s/%s ms ", $1, $2 }' \
    "$TMP/idle"))" [ "$(awk '$1 != 200' "$TMP/idle" | wc -l)" = 0 ]
check "under the flood: H.264 median within $MAX_RATIO x idle ($ratio)" \
    awk -v r="$ratio" -v m="$MAX_RATIO" 'BEGIN { exit !(r <= m) }'

# the wait for a slot of each: its time less its transcode's
waits=""
worst=0
i=0
for k in $LOADED; do
    i=$((i + 1))
    read -r code ms < <(sed -n "${i}p" "$TMP/loaded")
    made=$(awk -v k="\"$ID/$k\"" '$3 == "made" && $4 == k {
        for (j = 5; j < NF; j++) if ($j == "in") print int($(j + 1) * 1000) }' \
        "$TMP/w.log" | head -1)
    wait=$(( ms - ${made:-0} ))
    [ -n "$made" ] && [ "$code" = 200 ] || wait=999999
    waits="$waits $k:${wait}ms"
    [ "$wait" -gt "$worst" ] && worst=$wait
done
check "under the flood: no H.264 segment waited over $MAX_WAIT_MS ms for a slot ($waits)" \
    [ "$worst" -le "$MAX_WAIT_MS" ]
heavy=$(metric w 'starts_refused_total{reason="heavy_share"}')
dropped=$(metric w 'starts_refused_total{reason="no_waiter"}')
abandoned=$(metric w requests_abandoned_total)
echo "# refused: heavy_share $heavy, queue_full" \
     "$(metric w 'starts_refused_total{reason="queue_full"}'), no_waiter" \
     "$dropped; abandoned requests $abandoned; jobs started" \
     "$(metric w jobs_started_total)"
check "AV1 past its share refused, counted (heavy_share $heavy)" \
    [ "${heavy:-0}" -gt 0 ]
check "queued jobs left by every client dropped, counted (no_waiter $dropped)" \
    [ "${dropped:-0}" -gt 0 ]
check "clients leaving a queued job counted ($abandoned)" \
    [ "${abandoned:-0}" -gt 0 ]
check "no temporary or partial file in the store" no_temp_files "$S"

# every AV1 segment in the store is whole: 60 frames, decoded
bad=0 made=0
for r in 180p-av1 144p-av1; do
    for f in "$S/$ID/$r"/*.m4s; do
        [ -e "$f" ] || continue
        made=$((made + 1))
        [ -e "$S/$ID/$r/init.mp4" ] \
            || fetch w "/v/$ID/$r/init.mp4" "$TMP/init" > /dev/null
        frames=$(cat "$S/$ID/$r/init.mp4" "$f" | ffprobe -v error \
            -count_frames -select_streams v:0 -show_entries \
            stream=nb_read_frames -of csv=p=0 - 2>/dev/null)
        [ "$frames" = 120 ] || { echo "# $f: $frames frames"; bad=$((bad + 1)); }
    done
done
check "every AV1 segment stored is whole ($made stored, $bad not)" \
    [ "$bad" -eq 0 ]

# --- nginx's limit on just-in-time starts, per client: an nginx whose
# worker is gone (every start it lets through is a fast 502)
cp -r "$S" "$TMP/store-b"
find "$TMP/store-b/$ID" -mindepth 1 -type d -exec rm -rf {} +
start_nginx b "$TMP/store-b" "server 127.0.0.1:$(free_port) max_fails=0;" \
    "$REALIP" || bail "$NAME" "nginx b starts"
PORT=${NGX_PORT[b]}

# sixty starts at once from one client: one curl, in parallel (sixty
# processes would take long enough to start for the rate to refill)
for i in $(seq 1 60); do
    printf 'url = "http://127.0.0.1:%s/v/%s/180p/%s.ts"\noutput = "/dev/null"\n' \
        "$PORT" "$ID" $((i % 6))
done > "$TMP/lim.cfg"
curl -sS --no-progress-meter --parallel --parallel-immediate --parallel-max 60 -K "$TMP/lim.cfg" \
    -A '' -H "X-Forwarded-For: 10.9.9.9" --max-time 10 \
    -w '%{http_code}\n' > "$TMP/lim"
read -r code _ < <(seg 10.9.9.9 "/v/$ID/180p/0.ts" --max-time 10 \
    -D "$TMP/lim.h")
passed=$(grep -c '^502$' "$TMP/lim")
limited=$(grep -c '^503$' "$TMP/lim")
echo "# one client, 60 cold requests at once: $passed to the worker," \
     "$limited limited"
check "one client: its burst (40) reaches the worker, the rest does not ($passed passed, $limited limited)" \
    [ "$passed" -ge 41 -a "$limited" -ge 5 -a $((passed + limited)) -eq 60 ]
check "its next start: 503 from nginx, no-store ($code, $(hdr "$TMP/lim.h" \
    Cache-Control))" [ "$code" = 503 -a "$(hdr "$TMP/lim.h" Cache-Control)" \
    = no-store ]

: > "$TMP/other"
for k in init.mp4 0.m4s 1.m4s 0.ts 1.ts; do
    for r in 180p 144p; do
        seg 10.9.9.10 "/v/$ID/$r/$k" --max-time 10 >> "$TMP/other"
    done
done
check "another client's start (10 cold objects) is not limited ($(awk \
    '{ print $1 }' "$TMP/other" | sort | uniq -c | tr '\n' ' '))" \
    [ "$(awk '$1 == 503' "$TMP/other" | wc -l)" = 0 ]
read -r code _ < <(seg 10.9.9.9 "/v/$ID/master.m3u8" --max-time 10)
check "the limited client's manifest: 200 (only starts are limited)" \
    [ "$code" = 200 ]

check "no [alert], [crit] or [emerg] in the nginx logs" \
    [ "$(cat "$(errlog a)" "$(errlog b)" | grep -cE '\[(alert|emerg|crit)\]')" = 0 ]
stop_worker "$W"
check "worker: SIGTERM, exit 0" [ $? -eq 0 ]

finish "$NAME"
