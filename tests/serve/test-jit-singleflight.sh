#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# One transcode per missing segment, through nginx: two nginx instances
# (two ports, one store) in front of one worker with Redis; 50 concurrent
# requests for one cold segment of the demo video, split between them,
# all get 200 and the packaged bytes, with the origin's segment
# Cache-Control, from exactly one job; the next request is served by
# nginx from the store without asking the worker.  Then the same across
# two workers sharing the Redis, each behind its own nginx.

. "$(dirname "$0")/lib.sh"

NAME=jit-singleflight
prereq "$NAME"

S=$TMP/store
check "cold copy of the demo video (media.json and master copy only)" \
    cold_store "$S"

start_redis redis || bail "$NAME" "redis-server starts"
RS=$TMP/redis.sock
WARGS="--store $S --slots 2 --queue 4 --redis unix:$RS --lock-ttl 5s
       --wait 60s --prefetch off --log-level info"

start_worker w $WARGS || bail "$NAME" "worker starts"
W=$WORKER_PID
UP="server unix:$TMP/w.sock max_fails=1 fail_timeout=2s;"
start_nginx a "$S" "$UP" || bail "$NAME" "nginx a starts"
start_nginx b "$S" "$UP" || bail "$NAME" "nginx b starts"
ok "two nginx on ports ${NGX_PORT[a]} and ${NGX_PORT[b]}, one worker"

KEY=$VIDEO/720p/3.m4s
REF=$(ref "$KEY")
SIZE=$(size "$REF")
check "the segment is cold" [ ! -e "$S/$KEY" ]

t0=$(now_ms)
burst 50 "$TMP/r" "/v/$KEY" a b
echo "# 50 requests answered in $(( $(now_ms) - t0 )) ms: $(codes "$TMP/r")"

check "50 concurrent requests through two nginx: all 200" \
    [ "$(codes "$TMP/r")" = "200:50" ]

nsame=0
for i in $(seq 1 50); do
    cmp -s "$TMP/r.$i" "$REF" && nsame=$((nsame + 1))
done
check "all 50 bodies are the packaged bytes ($nsame of 50, $SIZE bytes)" \
    [ "$nsame" -eq 50 ]
check "the store holds the same bytes" cmp -s "$S/$KEY" "$REF"

started=$(metric w jobs_started_total)
check "exactly one transcode in the worker (jobs_started_total $started)" \
    [ "$started" = 1 ]
check "and it finished (jobs_finished_total 1)" \
    [ "$(metric w jobs_finished_total)" = 1 ]
check "the lock is released" \
    [ "$(redis-cli -s "$RS" exists "vo:lock:$KEY")" = 0 ]

# every answer came from the worker: one made it, 49 shared it
made=0
shared=0
for i in $(seq 1 50); do
    case $(hdr "$TMP/r.$i.h" X-Vidorigin-Transcode) in
        1) made=$((made + 1)) ;;
        0) shared=$((shared + 1)) ;;
    esac
done
check "X-Vidorigin-Transcode: 1 on one answer, 0 on 49 ($made, $shared)" \
    [ "$made" -eq 1 -a "$shared" -eq 49 ]
na=$(count "$(errlog a)" "is not in the store yet.*/720p/3\.m4s")
nb=$(count "$(errlog b)" "is not in the store yet.*/720p/3\.m4s")
check "both nginx handed their share to @vidorigin_jit ($na + $nb = 50)" \
    [ "$na" -gt 0 -a "$nb" -gt 0 -a $((na + nb)) -eq 50 ]

# the origin's headers, not the worker's
CC_RE='^public, max-age=31536000, immutable, stale-if-error=[0-9]+$'
cc=$(hdr "$TMP/r.1.h" Cache-Control)
echo "# Cache-Control of a just-in-time answer: $cc"
check "Cache-Control is the segment's (immutable, stale-if-error)" \
    grep -qE "$CC_RE" <<< "$cc"
badcc=0
for i in $(seq 1 50); do
    [ "$(hdr "$TMP/r.$i.h" Cache-Control)" = "$cc" ] || badcc=$((badcc + 1))
done
check "one Cache-Control line, the same on all 50 answers" [ "$badcc" -eq 0 ]
check "Content-Type video/iso.segment, Content-Length $SIZE" \
    [ "$(hdr "$TMP/r.1.h" Content-Type)" = video/iso.segment \
      -a "$(hdr "$TMP/r.1.h" Content-Length)" = "$SIZE" ]

# afterwards nginx serves it from the store: the worker is not asked
req0=$(metric w requests_total)
logged0=$(( $(count "$(errlog a)" "is not in the store yet") ))
read -r code _ < <(get a "/v/$KEY" "$TMP/warm")
req1=$(metric w requests_total)
same=no
cmp -s "$TMP/warm" "$REF" && same=yes
check "next request: 200, the same bytes" [ "$code" = 200 -a "$same" = yes ]
# requests_total counts /metrics requests too: one between the two reads
check "next request: served by nginx from the store (worker requests $req0 -> $req1, no X-Vidorigin-Transcode)" \
    [ $((req1 - req0)) -eq 1 -a -z "$(hdr "$TMP/warm.h" X-Vidorigin-Transcode)" ]
check "next request: not handed to @vidorigin_jit" \
    [ "$(count "$(errlog a)" "is not in the store yet")" = "$logged0" ]
check "next request: same Cache-Control as the just-in-time answer" \
    [ "$(hdr "$TMP/warm.h" Cache-Control)" = "$cc" ]
check "still one transcode" [ "$(metric w jobs_started_total)" = 1 ]

# --- across workers: nginx a -> worker w, nginx c -> worker v, one Redis

start_worker v $WARGS || bail "$NAME" "second worker starts"
start_nginx c "$S" "server unix:$TMP/v.sock max_fails=1 fail_timeout=2s;" \
    || bail "$NAME" "nginx c starts"

KEY2=$VIDEO/720p/5.m4s
w0=$(metric w jobs_started_total)
t0=$(now_ms)
burst 40 "$TMP/x" "/v/$KEY2" a c
echo "# 40 requests answered in $(( $(now_ms) - t0 )) ms: $(codes "$TMP/x")"
check "two workers: 40 concurrent requests through two nginx: all 200" \
    [ "$(codes "$TMP/x")" = "200:40" ]
nsame=0
for i in $(seq 1 40); do
    cmp -s "$TMP/x.$i" "$(ref "$KEY2")" && nsame=$((nsame + 1))
done
check "two workers: all 40 bodies are the packaged bytes ($nsame)" \
    [ "$nsame" -eq 40 ]
sw=$(( $(metric w jobs_started_total) - w0 ))
sv=$(metric v jobs_started_total)
check "two workers: one transcode in all (w $sw, v $sv)" \
    [ $((sw + sv)) -eq 1 ]
dw=$(metric w jobs_deduplicated_total)
dv=$(metric v jobs_deduplicated_total)
echo "# deduplicated: w $dw (49 of them from the first burst), v $dv"

check "no temporary files left" no_temp_files "$S"
check "no [alert] or [emerg] in the nginx logs" \
    [ "$(cat "$(errlog a)" "$(errlog b)" "$(errlog c)" \
         | grep -cE '\[(alert|emerg|crit)\]')" = 0 ]

kill -TERM "$W"
wait "$W"
check "worker: SIGTERM, exit 0" [ $? -eq 0 ]

finish "$NAME"
