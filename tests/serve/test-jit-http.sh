#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# What a client sees of a just-in-time answer streamed through nginx:
# the Content-Type, Content-Length, Cache-Control, ETag and Last-Modified
# of each kind of object (video and audio init, fMP4 and TS media segments) are those
# nginx sends for the same object from the store; the fMP4 segments made
# along with a cold TS segment are then served by nginx from the store;
# HEAD of a cold segment makes it and answers its length with no body; a
# Range request on a cold segment gets 206 with the slice (nginx cuts it
# from the worker's whole object); objects the description does not list
# are 404 without asking the worker.

. "$(dirname "$0")/lib.sh"

NAME=jit-http
prereq "$NAME"

S=$TMP/store
check "cold copy of the demo video" cold_store "$S"

start_worker w --store "$S" --slots 2 --prefetch off --redis off \
    --wait 60s --log-level info || bail "$NAME" "worker starts"
W=$WORKER_PID
start_nginx a "$S" "server unix:$TMP/w.sock max_fails=1 fail_timeout=2s;" \
    || bail "$NAME" "nginx starts"

CC_RE='^public, max-age=31536000, immutable, stale-if-error=[0-9]+$'

# cold KEY TYPE: GET of a cold object through nginx, then again from the
# store: same status, bytes, Content-Type (TYPE when given), length and
# Cache-Control
cold() {
    local key=$1 want=${2:-} code code2 ct ct2 why=""
    [ -e "$S/$key" ] && why="$why, was not cold"
    read -r code _ < <(get a "/v/$key" "$TMP/cold")
    read -r code2 _ < <(get a "/v/$key" "$TMP/warm")
    ct=$(hdr "$TMP/cold.h" Content-Type)
    ct2=$(hdr "$TMP/warm.h" Content-Type)
    [ "$code" = 200 ] || why="$why, cold status $code"
    [ "$code2" = 200 ] || why="$why, warm status $code2"
    [ "$(hdr "$TMP/cold.h" X-Vidorigin-Transcode)" = 1 ] \
        || why="$why, not made by the worker"
    [ -z "$(hdr "$TMP/warm.h" X-Vidorigin-Transcode)" ] \
        || why="$why, warm answer from the worker"
    cmp -s "$TMP/cold" "$(ref "$key")" || why="$why, cold bytes differ"
    cmp -s "$TMP/warm" "$(ref "$key")" || why="$why, warm bytes differ"
    [ -z "$want" ] || [ "$ct" = "$want" ] || why="$why, type $ct not $want"
    [ "$ct" = "$ct2" ] || why="$why, type $ct, from the store $ct2"
    [ "$(hdr "$TMP/cold.h" Content-Length)" = "$(size "$(ref "$key")")" ] \
        || why="$why, Content-Length $(hdr "$TMP/cold.h" Content-Length)"
    [ "$(hdr "$TMP/cold.h" Cache-Control)" \
      = "$(hdr "$TMP/warm.h" Cache-Control)" ] \
        || why="$why, Cache-Control \"$(hdr "$TMP/cold.h" Cache-Control)\""
    grep -qE "$CC_RE" <<< "$(hdr "$TMP/cold.h" Cache-Control)" \
        || why="$why, not the segment Cache-Control"
    for h in ETag Last-Modified; do
        [ -n "$(hdr "$TMP/cold.h" $h)" ] \
          && [ "$(hdr "$TMP/cold.h" $h)" = "$(hdr "$TMP/warm.h" $h)" ] \
            || why="$why, $h \"$(hdr "$TMP/cold.h" $h)\" from the store \"$(hdr "$TMP/warm.h" $h)\""
    done
    if [ -z "$why" ]; then
        ok "cold $key: 200, $ct, same headers (validators too) and bytes as from the store"
    else
        fail "cold $key${why}"
    fi
}

# the fMP4 ones first: a TS segment's encode also stores the fMP4 video
# and audio segments of the same number (below)
cold "$VIDEO/720p/init.mp4" video/mp4
cold "$VIDEO/aac/init.mp4" audio/mp4
cold "$VIDEO/360p/2.m4s" video/iso.segment
cold "$VIDEO/aac/2.m4s"
echo "# audio media segment: Content-Type $(hdr "$TMP/cold.h" Content-Type)"
cold "$VIDEO/360p/2.ts" video/mp2t

# --- a cold TS segment leaves its fMP4 companions in the store, and nginx
# serves them from there

read -r code _ < <(get a "/v/$VIDEO/360p/8.ts" "$TMP/ts")
same=no
cmp -s "$TMP/ts" "$(ref "$VIDEO/360p/8.ts")" && same=yes
check "cold $VIDEO/360p/8.ts: $code, packaged bytes ($same)" \
    [ "$code" = 200 -a "$same" = yes ]
for k in 360p/8.m4s aac/8.m4s; do
    # stored after the answer: up to 10 s
    for i in $(seq 1 100); do
        [ -e "$S/$VIDEO/$k" ] && break
        sleep 0.1
    done
    r0=$(metric w requests_total)
    read -r code _ < <(get a "/v/$VIDEO/$k" "$TMP/comp")
    r1=$(metric w requests_total)
    same=no
    cmp -s "$TMP/comp" "$(ref "$VIDEO/$k")" && same=yes
    # requests_total counts /metrics requests too: one between the reads
    check "its companion $k: served by nginx from the store ($code, packaged bytes $same, worker requests +$((r1 - r0 - 1)))" \
        [ "$code" = 200 -a "$same" = yes -a $((r1 - r0)) -eq 1 ]
done

# --- HEAD of a cold segment: made, length answered, no body

KEY=$VIDEO/360p/4.m4s
REF=$(ref "$KEY")
# shellcheck disable=SC2034 # used in the check_sh expression
j0=$(metric w jobs_started_total)
# by hand, to see every byte nginx sends (Connection: close)
timeout 90 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "HEAD %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" \
        "$2" >&3
    cat <&3' head "${NGX_PORT[a]}" "/v/$KEY" > "$TMP/head"
# the header block, up to and with the empty line
awk '{ print } /^\r?$/ { exit }' "$TMP/head" > "$TMP/head.h"
code=$(status "$TMP/head.h")
check "HEAD cold $KEY: 200" [ "$code" = 200 ]
check "HEAD cold: Content-Length $(size "$REF"), no body ($(size "$TMP/head") bytes in all, headers $(size "$TMP/head.h"))" \
    [ "$(hdr "$TMP/head.h" Content-Length)" = "$(size "$REF")" \
      -a "$(size "$TMP/head")" = "$(size "$TMP/head.h")" ]
check_sh "HEAD cold: Content-Type video/iso.segment, segment Cache-Control" \
    '[ "$(hdr "$TMP/head.h" Content-Type)" = video/iso.segment ] &&
     grep -qE "$CC_RE" <<< "$(hdr "$TMP/head.h" Cache-Control)"'
check_sh "HEAD cold: the object was made (one job) and stored whole" \
    '[ $(( $(metric w jobs_started_total) - j0 )) = 1 ] &&
     cmp -s "$S/$KEY" "$REF"'
read -r code _ < <(get a "/v/$KEY" "$TMP/after")
check_sh "GET after HEAD: from the store, the packaged bytes" \
    '[ "$code" = 200 -a -z "$(hdr "$TMP/after.h" X-Vidorigin-Transcode)" ] &&
     cmp -s "$TMP/after" "$REF"'

# --- Range on a cold segment

KEY=$VIDEO/360p/6.m4s
REF=$(ref "$KEY")
SIZE=$(size "$REF")
tail -c +1001 "$REF" | head -c 1000 > "$TMP/slice"
read -r code _ < <(get a "/v/$KEY" "$TMP/range" -H 'Range: bytes=1000-1999')
cr=$(hdr "$TMP/range.h" Content-Range)
echo "# Range: bytes=1000-1999 on a cold segment: $code," \
     "Content-Range \"$cr\", $(size "$TMP/range") bytes of $SIZE"
# conf/vidorigin-locations.conf: the worker answers whole objects (Range
# and If-Range not passed on), nginx cuts the range (proxy_force_ranges)
same=no
cmp -s "$TMP/range" "$TMP/slice" && same=yes
check "Range cold: 206 with the slice ($cr, slice bytes $same)" \
    [ "$code" = 206 -a "$cr" = "bytes 1000-1999/$SIZE" -a "$same" = yes ]
if [ "$code" = 200 ]; then
    cmp -s "$TMP/range" "$REF" && same=yes
    echo "# a 200 with the whole object ($same): the range was not cut" \
         "(proxy_force_ranges missing from @vidorigin_jit?)"
fi
check "Range cold: segment Cache-Control" \
    grep -qE "$CC_RE" <<< "$(hdr "$TMP/range.h" Cache-Control)"
check "Range cold: the store holds the whole object" cmp -s "$S/$KEY" "$REF"
read -r code _ < <(get a "/v/$KEY" "$TMP/range2" -H 'Range: bytes=1000-1999')
check_sh "Range on the same segment from the store: 206 with the slice" \
    '[ "$code" = 206 \
       -a "$(hdr "$TMP/range2.h" Content-Range)" = "bytes 1000-1999/$SIZE" ] &&
     cmp -s "$TMP/range2" "$TMP/slice"'

# --- not listed: 404 from nginx, the worker is not asked

r0=$(metric w requests_total)
read -r c1 _ < <(get a "/v/$VIDEO/720p/10.m4s" "$TMP/nf")
read -r c2 _ < <(get a "/v/$VIDEO/900p/0.m4s" "$TMP/nf")
read -r c3 _ < <(get a "/v/nosuch/720p/0.m4s" "$TMP/nf")
r1=$(metric w requests_total)
check "unlisted segment, rendition, video: 404 ($c1 $c2 $c3)" \
    [ "$c1$c2$c3" = 404404404 ]
# requests_total counts /metrics requests too: one between the two reads
check "unlisted: the worker is not asked ($r0 -> $r1)" [ $((r1 - r0)) -eq 1 ]

check "no temporary files left" no_temp_files "$S"
check "no [alert], [crit] or [emerg] in the nginx log" \
    [ "$(count "$(errlog a)" '\[(alert|emerg|crit)\]')" = 0 ]

kill -TERM "$W"
wait "$W"
check "worker: SIGTERM, exit 0" [ $? -eq 0 ]

finish "$NAME"
