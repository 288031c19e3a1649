#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# "serve": a video packaged with --eager none (media.json only) is made
# object by object over HTTP, each byte-identical to a normal packaging;
# a second fetch comes from the store without a transcode; /metrics
# counts; refused requests; graceful stop.

. "$(dirname "$0")/../lib/worker.sh"

SRC=$(fixture_main)
S=$TMP/jit
R=$TMP/ref
ARGS="--id sv --source $SRC --segment-duration 4 --log-level warn"

check "package --eager none" \
    "$WORKER" package --store "$S" $ARGS --eager none
check "package everything (reference)" \
    "$WORKER" package --store "$R" $ARGS

listing=$(cd "$S/sv" && find . -type f | sort | tr '\n' ' ')
check "--eager none stores media.json and the source only" \
    [ "$listing" = "./media.json ./source.mp4 " ]

# the description of the lazy video equals the packaged one but for the
# bandwidths (bounds instead of measures)
strip() {
    python3 -c "
import json, sys
m = json.load(open(sys.argv[1]))
for t in m['video'] + m['audio']:
    t.pop('bandwidth'); t.pop('average_bandwidth', None)
print(json.dumps(m, sort_keys=True))" "$1"
}
check "codec strings of lazy renditions equal the packaged ones" \
    [ "$(strip "$S/sv/media.json")" = "$(strip "$R/sv/media.json")" ]

bounds=$(python3 -c "
import json
m = json.load(open('$S/sv/media.json'))
ok = all(v['bandwidth'] == v['maxrate'] + v['maxrate'] * 1000 // 4000
         and v['average_bandwidth'] == v['maxrate'] * 3 // 4
         for v in m['video'])
print('yes' if ok else 'no')")
check "bandwidths of lazy renditions are the encoder's bounds" \
    [ "$bounds" = yes ]

start_worker w --prefetch off --store "$S" --slots 2 --log-level warn \
    || exit 1
W=$WORKER_PID

# the fMP4 segments before the TS ones: a TS segment's encode also stores
# the fMP4 segments the store lacks (checked below), and here every
# object must be made by its own request
keys=$(cd "$R" && find sv -type f ! -name media.json ! -name 'source.*' \
       | sort -t. -k2,2 -k1,1)
nkeys=$(echo "$keys" | wc -l)

bad=0
for k in $keys; do
    code=$(fetch w "/v/$k" "$TMP/out")
    if [ "$code" != 200 ] || ! cmp -s "$TMP/out" "$R/$k" \
       || [ "$(header "$TMP/out.h" X-Vidorigin-Transcode)" != 1 ]; then
        echo "# $k: $code, $(header "$TMP/out.h" X-Vidorigin-Transcode)"
        bad=$((bad + 1))
    fi
done
check "$nkeys objects made over HTTP, byte-identical, transcode 1" \
    [ "$bad" -eq 0 ]

check "content types" [ \
    "$(fetch w /v/sv/360p/init.mp4 "$TMP/o")$(header "$TMP/o.h" Content-Type)$(fetch w /v/sv/aac/init.mp4 "$TMP/o")$(header "$TMP/o.h" Content-Type)$(fetch w /v/sv/240p/1.m4s "$TMP/o")$(header "$TMP/o.h" Content-Type)$(fetch w /v/sv/240p/1.ts "$TMP/o")$(header "$TMP/o.h" Content-Type)" \
    = "200video/mp4200audio/mp4200video/iso.segment200video/mp2t" ]

check "every object is now in the store, identical" \
    diff <(cd "$R" && find sv -type f ! -name media.json | sort \
           | xargs sha256sum) \
         <(cd "$S" && find sv -type f ! -name media.json | sort \
           | xargs sha256sum)

started=$(metric w jobs_started_total)
check "jobs_started_total = $nkeys" [ "$started" = "$nkeys" ]
check "jobs_finished_total = $nkeys" \
    [ "$(metric w jobs_finished_total)" = "$nkeys" ]
check "bytes_written_total = bytes of the objects" \
    [ "$(metric w bytes_written_total)" = \
      "$(cd "$R" && cat $keys | wc -c)" ]
check "transcode histogram counted every job" \
    [ "$(metric w transcode_seconds_count)" = "$nkeys" ]

bad=0
for k in $keys; do
    code=$(fetch w "/v/$k" "$TMP/out")
    if [ "$code" != 200 ] || ! cmp -s "$TMP/out" "$R/$k" \
       || [ "$(header "$TMP/out.h" X-Vidorigin-Transcode)" != 0 ]; then
        bad=$((bad + 1))
    fi
done
check "second fetch from the store (transcode 0)" [ "$bad" -eq 0 ]
check "no job started by the second fetch" \
    [ "$(metric w jobs_started_total)" = "$started" ]
check "store_hits_total counted them" \
    [ "$(metric w store_hits_total)" -ge "$nkeys" ]

head=$(curl -s -I --unix-socket "$TMP/w.sock" http://w/v/sv/360p/2.m4s \
       | tr -d '\r' | awk 'NR == 1 { print $2 } /^Content-Length/ { print $2 }' \
       | tr '\n' ' ')
check "HEAD: 200 and the length" \
    [ "$head" = "200 $(stat -c %s "$R/sv/360p/2.m4s") " ]

status() {
    curl -s -o /dev/null -w '%{http_code}' --unix-socket "$TMP/w.sock" \
        "http://w$1"
}

check "unknown video: 404" [ "$(status /v/nope/360p/0.m4s)" = 404 ]
check "unknown rendition: 404" [ "$(status /v/sv/999p/0.m4s)" = 404 ]
check "segment out of range: 404" [ "$(status /v/sv/360p/4.m4s)" = 404 ]
check "ts of audio: 404" [ "$(status /v/sv/aac/0.ts)" = 404 ]
check "manifest (the module's): 404" \
    [ "$(status /v/sv/master.m3u8)" = 404 ]
check "unknown file: 404" [ "$(status /v/sv/360p/0.mp4)" = 404 ]
check "outside /v/: 404" [ "$(status /etc/passwd)" = 404 ]
check "leading zero: 400" [ "$(status /v/sv/360p/01.m4s)" = 400 ]
check "bad id: 400" [ "$(status '/v/s%20v/360p/0.m4s')" = 400 ]
check "traversal: 400 or 404" \
    [ "$(status '/v/sv/..%2f..%2fetc/0.m4s' | grep -cE '^(400|404)$')" = 1 ]
check "POST: 405" [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
    --unix-socket "$TMP/w.sock" http://w/v/sv/360p/0.m4s)" = 405 ]
check "healthz" [ "$(curl -s --unix-socket "$TMP/w.sock" http://w/healthz)" \
    = ok ]

# a broken source: 502 and a log line
rm -f "$S/sv/360p/3.ts"
mv "$S/sv/source.mp4" "$TMP/source.saved"
check "source missing: 502" [ "$(status /v/sv/360p/3.ts)" = 502 ]
check "source missing: logged" grep -q 'source unreadable' "$TMP/w.log"
check "jobs_failed_total = 1" [ "$(metric w jobs_failed_total)" = 1 ]
mv "$TMP/source.saved" "$S/sv/source.mp4"
check "source back: 200" [ "$(status /v/sv/360p/3.ts)" = 200 ]

# companions: a TS segment made just in time stores the fMP4 video and
# audio segments of its encode that the store lacks
rm -f "$S/sv/360p/2.ts" "$S/sv/360p/2.m4s" "$S/sv/aac/2.m4s"
c0=$(metric w companions_stored_total)
check "TS with its fMP4 segments missing: 200" \
    [ "$(status /v/sv/360p/2.ts)" = 200 ]
# stored after the answer (the viewer does not wait for them): waited for
wait_for_sh 50 '[ "$(metric w companions_stored_total)" = $((c0 + 2)) ]'
check "the fMP4 video and audio segments stored from its encode" \
    [ "$(metric w companions_stored_total)" = $((c0 + 2)) ]
check "the video one identical to the packaged one" \
    cmp "$S/sv/360p/2.m4s" "$R/sv/360p/2.m4s"
check "the audio one identical to the packaged one" \
    cmp "$S/sv/aac/2.m4s" "$R/sv/aac/2.m4s"

check "no 503, no dedup in a sequential run" \
    [ "$(metric w jobs_rejected_total)$(metric w jobs_deduplicated_total)" \
      = 00 ]

stop_worker "$W"
check "SIGTERM: exit 0" [ $? -eq 0 ]
check "socket removed on exit" [ ! -e "$TMP/w.sock" ]
check "no temporary files left" no_temp_files "$S"
check "no error in the log but the broken source's" \
    [ "$(grep -c '\[error\]' "$TMP/w.log")" -le 3 ]

# prefetch (the default): a reader of segment n finds n+1 made
rm -f "$S"/sv/240p/[123].m4s
start_worker p --store "$S" --slots 2 --log-level warn || exit 1
P=$WORKER_PID

waitfor() {
    local i
    for i in $(seq 1 200); do
        [ -e "$1" ] && return 0
        sleep 0.05
    done
    return 1
}

fetch p /v/sv/240p/0.m4s "$TMP/o" > /dev/null
check "prefetch: segment 1 made after 0 was read" \
    waitfor "$S/sv/240p/1.m4s"
code=$(fetch p /v/sv/240p/1.m4s "$TMP/o")
check "prefetch: segment 1 then served from the store" \
    [ "$code$(header "$TMP/o.h" X-Vidorigin-Transcode)" = 2000 ]
check "prefetch: and the next one made" waitfor "$S/sv/240p/2.m4s"
check "prefetch: identical bytes" \
    cmp "$S/sv/240p/2.m4s" "$R/sv/240p/2.m4s"
check "prefetch: jobs_prefetched_total = 2" \
    [ "$(metric p jobs_prefetched_total)" = 2 ]
stop_worker "$P"
check "prefetch: worker exit 0" [ $? -eq 0 ]

finish worker-serve
