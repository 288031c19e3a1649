#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# A saturated worker behind nginx: one slot, a queue of one, no prefetch;
# a burst of concurrent requests for more distinct cold segments than
# slots + queue.  What does not fit is answered 503 with Retry-After (the
# worker's, passed through, not retried on another server nor turned into
# another error by nginx) and "no-store", at once; no other 5xx; every
# 200 carries the packaged bytes.  After the burst the worker is idle and
# healthy, and cold requests (new ones and ones refused before) get 200.

. "$(dirname "$0")/lib.sh"

NAME=jit-saturation
prereq "$NAME"

S=$TMP/store
check "cold copy of the demo video" cold_store "$S"

start_worker w --store "$S" --slots 1 --queue 1 --prefetch off \
    --redis off --wait 60s --log-level info || bail "$NAME" "worker starts"
W=$WORKER_PID
start_nginx a "$S" "server unix:$TMP/w.sock max_fails=1 fail_timeout=2s;" \
    || bail "$NAME" "nginx starts"
LOG=$(errlog a)

KEYS="360p/0.m4s 360p/1.m4s 360p/2.m4s 360p/3.m4s
      240p/0.ts 240p/1.ts 240p/2.ts 240p/3.ts"
N=8

i=0
pids=""
t0=$(now_ms)
for k in $KEYS; do
    i=$((i + 1))
    get a "/v/$VIDEO/$k" "$TMP/r.$i" > "$TMP/r.$i.code" &
    pids="$pids $!"
done
wait $pids
echo "# $N requests (slots 1, queue 1) answered in $(( $(now_ms) - t0 ))" \
     "ms: $(codes "$TMP/r")"

n200=0 n503=0 nother=0 slow503=0 noretry=0 badcc=0 bad200=0 made503=0
i=0
for k in $KEYS; do
    i=$((i + 1))
    read -r code secs < "$TMP/r.$i.code"
    case $code in
    200)
        n200=$((n200 + 1))
        cmp -s "$TMP/r.$i" "$(ref "$VIDEO/$k")" || bad200=$((bad200 + 1))
        grep -qE '^public, max-age=31536000, immutable, stale-if-error=' \
            <<< "$(hdr "$TMP/r.$i.h" Cache-Control)" || badcc=$((badcc + 1))
        ;;
    503)
        n503=$((n503 + 1))
        [ "$(hdr "$TMP/r.$i.h" Retry-After)" = 1 ] || noretry=$((noretry + 1))
        [ "$(hdr "$TMP/r.$i.h" Cache-Control)" = no-store ] \
            || badcc=$((badcc + 1))
        awk -v s="$secs" 'BEGIN { exit !(s >= 2.0) }' \
            && slow503=$((slow503 + 1))
        [ -e "$S/$VIDEO/$k" ] && made503=$((made503 + 1))
        REFUSED="${REFUSED:-} $k"
        ;;
    *)
        nother=$((nother + 1))
        echo "# $k: $code after $secs s"
        ;;
    esac
done

check "no answer but 200 or 503 ($nother others)" [ "$nother" -eq 0 ]
check "the excess gets 503 ($n503)" [ "$n503" -ge 1 ]
check "the slot and the queue get 200 ($n200)" [ "$n200" -ge 2 ]
check "every 503 has Retry-After: 1 ($noretry without)" [ "$noretry" -eq 0 ]
check "every 503 at once, not after a transcode ($slow503 took 2 s or more)" \
    [ "$slow503" -eq 0 ]
check "every 200 is the packaged bytes ($bad200 differ)" [ "$bad200" -eq 0 ]
check "Cache-Control: the segment's on 200, no-store on 503 ($badcc wrong)" \
    [ "$badcc" -eq 0 ]
check "the 503s are the worker's (jobs_rejected_total = $n503)" \
    [ "$(metric w jobs_rejected_total)" = "$n503" ]
check "one job per 200 (jobs_started_total = $n200)" \
    [ "$(metric w jobs_started_total)" = "$n200" ]
check "nothing made for a refused request ($made503 made)" [ "$made503" -eq 0 ]
check "nginx did not count the 503s as upstream failures (no [error]/[warn] upstream lines)" \
    [ "$(count "$LOG" '\[(error|warn)\].*upstream')" = 0 ]

# --- after the burst

check "the worker goes idle (no busy slot, empty queue)" wait_idle w
check "/healthz ok" [ "$(healthz w)" = ok ]

# a new cold segment, then two that were refused (a client retrying)
again="360p/7.m4s $(echo $REFUSED | awk '{ print $1, $2 }')"
for k in $again; do
    read -r code secs < <(get a "/v/$VIDEO/$k" "$TMP/later")
    same=no
    cmp -s "$TMP/later" "$(ref "$VIDEO/$k")" && same=yes
    check "later cold request $k: $code in $secs s, packaged bytes ($same)" \
        [ "$code" = 200 -a "$same" = yes ]
done

check "no temporary files left" no_temp_files "$S"
check "no [alert], [crit] or [emerg] in the nginx log" \
    [ "$(count "$LOG" '\[(alert|emerg|crit)\]')" = 0 ]

kill -TERM "$W"
wait "$W"
check "worker: SIGTERM, exit 0" [ $? -eq 0 ]

finish "$NAME"
