#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The ingest fleet with the store on S3 (the S3 peer of tests/s3,
# s3rver): two "transcode-worker ingest" processes probe a source from
# the bucket through the store's ranged reads and make its chunks into
# the bucket; the video becomes ready with one event, and every eager
# object has the bytes "package" makes from the same file with the same
# settings.  A text file in the bucket fails with a reason.

. "$(dirname "$0")/../s3/lib.sh"

NAME=ingest-jobs-s3
for t in redis-server redis-cli ffmpeg jq; do
    command -v "$t" >/dev/null 2>&1 || bail $NAME "$t is installed"
done

start_peer peer || bail $NAME "s3rver started"
EP=(--s3-endpoint "http://127.0.0.1:$PEER_PORT" --s3-path-style on)
start_redis redis || bail $NAME "redis-server started"
RSOCK=$TMP/redis.sock
R() { redis-cli -s "$RSOCK" "$@"; }
s3() {
    "$WORKER" s3 "$1" --endpoint "http://127.0.0.1:$PEER_PORT" \
        --bucket media --path-style "${@:2}"
}

SETTINGS=(--ladder 180p:180:300,144p:144:150 --audio-bitrate 64)
SRC=$TMP/source.ts
$FF -f lavfi -i testsrc2=size=320x180:rate=24:duration=36 \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=36" \
    -c:v libx264 -preset ultrafast -g 48 -pix_fmt yuv420p -threads 2 \
    -c:a aac -b:a 48k -f mpegts "$SRC" || bail $NAME "ffmpeg made the source"
printf 'not a video at all\n%.0s' $(seq 1 100) > "$TMP/text.txt"
s3 put --in "$SRC" in/S/source.bin 2>/dev/null \
    && s3 put --in "$TMP/text.txt" in/X/source.bin 2>/dev/null \
    || bail $NAME "sources put in the bucket"

for w in s1 s2; do
    "$WORKER" ingest --store s3://media/in "${EP[@]}" --redis "unix:$RSOCK" \
        --consumer $w "${SETTINGS[@]}" --chunk-segments 2 --claim-idle 5s \
        --block 200ms 2>>"$TMP/$w.log" &
    PIDS="$PIDS $!"
done

for v in S X; do
    check "ingest submit $v (the source is in the bucket)" eval \
        '"$WORKER" ingest submit $v $v/source.bin --store s3://media/in "${EP[@]}" --redis "unix:$RSOCK" >/dev/null'
done
check "submit of a key the bucket lacks: refused" not \
    "$WORKER" ingest submit Y Y/source.bin --store s3://media/in "${EP[@]}" \
    --redis "unix:$RSOCK"

wait_status() {
    local i
    for i in $(seq 1 $(($3 * 10))); do
        [ "$(R hget "vo:video:$1" status)" = "$2" ] && return 0
        sleep 0.1
    done
    return 1
}
check "S ready" wait_status S ready 60
check "... one ready event" \
    [ "$(R xrange vo:events - + | grep -c '^ready$')" = 1 ]
check "... media.json in the bucket" eval 's3 head in/S/media.json >/dev/null 2>&1'

"$WORKER" package --store "$TMP/pkg" --id S --source "$SRC" \
    "${SETTINGS[@]}" --eager 144p --jobs 2 --log-level warn \
    || bail $NAME "package made the reference"
same=0 n=0
while read -r key; do
    n=$((n + 1))
    s3 get --out "$TMP/obj" "in/$key" 2>/dev/null \
        && cmp -s "$TMP/obj" "$TMP/pkg/$key" && same=$((same + 1))
done < <(cd "$TMP/pkg" && find S/144p S/aac -type f | sort)
check "every eager object in the bucket as package makes it ($same/$n)" \
    eval '[ "$n" = 20 ] && [ "$same" = "$n" ]'

check "the text file: failed" wait_status X failed 30
check "... with a reason" eval \
    'R hget vo:video:X error | grep -q "not a media file"'
echo "# text file: $(R hget vo:video:X error)"

finish $NAME
