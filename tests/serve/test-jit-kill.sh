#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Workers dying under nginx.  Two workers (one Redis, lock-ttl 3s) in the
# upstream of one nginx:
#   1. the worker making a cold segment for a request is killed (-9) in
#      the middle of the transcode: nothing appears at the object's key;
#      nginx passes the request to the other worker, which waits for the
#      dead one's lock to expire, makes the object and answers: the client
#      gets 200 with the packaged bytes;
#   2. the last worker is killed mid-transcode too: the waiting client
#      gets a prompt 502 or 504 (not a hang), nothing at the key;
#   3. no worker alive at all: a cold request is answered 502 or 504 at
#      once (proxy_connect_timeout 1s), "no-store", and nginx logs it;
#   4. a worker started again on the same socket makes the segment whose
#      producer died (its lock expired): 200, the packaged bytes.

. "$(dirname "$0")/lib.sh"

NAME=jit-kill
prereq "$NAME"

S=$TMP/store
check "cold copy of the demo video" cold_store "$S"

start_redis redis || bail "$NAME" "redis-server starts"
RS=$TMP/redis.sock
WARGS="--store $S --slots 1 --queue 2 --redis unix:$RS --lock-ttl 3s
       --wait 60s --prefetch off --log-level info"

start_worker w1 $WARGS || bail "$NAME" "worker w1 starts"
declare -A WPID=([w1]=$WORKER_PID)
start_worker w2 $WARGS || bail "$NAME" "worker w2 starts"
WPID[w2]=$WORKER_PID
start_nginx a "$S" "server unix:$TMP/w1.sock max_fails=1 fail_timeout=2s;
        server unix:$TMP/w2.sock max_fails=1 fail_timeout=2s;" \
    || bail "$NAME" "nginx starts"
LOG=$(errlog a)

# lock_owner KEY: up to 20 s for the Redis lock of KEY; prints the name
# of the worker holding it (w1, w2) or nothing
lock_owner() {
    local i owner pid n
    for i in $(seq 1 400); do
        owner=$(redis-cli -s "$RS" get "vo:lock:$1")
        if [ -n "$owner" ]; then
            # host:pid:slot:nonce
            pid=$(awk -F: '{ print $(NF - 2) }' <<< "$owner")
            for n in "${!WPID[@]}"; do
                [ "${WPID[$n]}" = "$pid" ] && echo "$n"
            done
            return 0
        fi
        sleep 0.05
    done
}

# kill9 NAME: SIGKILL to worker NAME, reaped
kill9() {
    kill -9 "${WPID[$1]}"
    wait "${WPID[$1]}" 2>/dev/null
    unset "WPID[$1]"
}

# --- 1. the producer dies, the other worker takes over

# 1080p: the longest transcode (4 s or more here)
KEY=$VIDEO/1080p/2.m4s
REF=$(ref "$KEY")
t0=$(now_ms)
get a "/v/$KEY" "$TMP/one" > "$TMP/one.code" &
CLIENT=$!

victim=$(lock_owner "$KEY")
check "a worker took the job and its lock (${victim:-none})" [ -n "$victim" ]
[ -n "$victim" ] || finish "$NAME"
survivor=w1
[ "$victim" = w1 ] && survivor=w2
# into the encode; nginx then tries the other worker
# (proxy_next_upstream error, 2 tries)
sleep 1
check "mid-transcode: busy slot, lock held, nothing at the key yet" \
    [ "$(metric "$victim" busy_slots)" = 1 \
      -a "$(redis-cli -s "$RS" exists "vo:lock:$KEY")" = 1 \
      -a ! -e "$S/$KEY" ]
kill9 "$victim"
tk=$(( $(now_ms) - t0 ))
echo "# $victim killed $tk ms after the request"
check "$victim killed mid-transcode: nothing at the key" [ ! -e "$S/$KEY" ]
tmpf=$(find "$S" -name '.*.tmp.*' | wc -l)
echo "# temporary files left by the killed worker: $tmpf" \
     "(only possible if killed during the write itself)"

wait "$CLIENT"
read -r code secs < "$TMP/one.code"
echo "# the client got $code after $secs s"
check "the request still succeeds through nginx: 200" [ "$code" = 200 ]
check "with the packaged bytes" cmp -s "$TMP/one" "$REF"
check "made by $survivor (X-Vidorigin-Transcode 1, its jobs_started_total 1)" \
    [ "$(hdr "$TMP/one.h" X-Vidorigin-Transcode)" = 1 \
      -a "$(metric "$survivor" jobs_started_total)" = 1 ]
check "$survivor took the dead worker's lock over after its TTL (logged)" \
    grep -q 'taking it over' "$TMP/$survivor.log"
check "the object is at its key, whole" cmp -s "$S/$KEY" "$REF"
check "the segment's Cache-Control" \
    grep -qE '^public, max-age=31536000, immutable, stale-if-error=[0-9]+$' \
    <<< "$(hdr "$TMP/one.h" Cache-Control)"
check "nginx logged the broken connection to $victim" \
    grep -qE "\[error\].*$victim\.sock" "$LOG"
check "the lock is released" \
    [ "$(redis-cli -s "$RS" exists "vo:lock:$KEY")" = 0 ]

# --- 2. the last worker dies mid-transcode: a prompt error, not a hang

KEY=$VIDEO/720p/4.m4s
REF=$(ref "$KEY")
get a "/v/$KEY" "$TMP/two" > "$TMP/two.code" &
CLIENT=$!
victim2=$(lock_owner "$KEY")
check "the last worker ($survivor) took the job (${victim2:-none})" \
    [ "$victim2" = "$survivor" ]
[ -n "$victim2" ] || finish "$NAME"
sleep 0.5
check "mid-transcode: nothing at the key yet" [ ! -e "$S/$KEY" ]
kill9 "$victim2"
tk=$(now_ms)
check "killed mid-transcode: nothing at the key" [ ! -e "$S/$KEY" ]
wait "$CLIENT"
read -r code secs < "$TMP/two.code"
tw=$(( $(now_ms) - tk ))
echo "# the waiting client got $code, $tw ms after the kill"
check "the waiting client gets 502 or 504 ($code)" \
    [ "$code" = 502 -o "$code" = 504 ]
check "promptly (${tw} ms after the kill, bound 3000)" [ "$tw" -lt 3000 ]
check "no-store on the error" \
    [ "$(hdr "$TMP/two.h" Cache-Control)" = no-store ]
check "still nothing at the key" [ ! -e "$S/$KEY" ]

# --- 3. no worker at all

KEY3=$VIDEO/720p/6.m4s
n0=$(count "$LOG" "\[error\].*/v/$VIDEO/720p/6\.m4s")
read -r code secs < <(get a "/v/$KEY3" "$TMP/three")
echo "# no worker alive: $code in $secs s"
check "no worker alive: 502 or 504 ($code)" \
    [ "$code" = 502 -o "$code" = 504 ]
check "no worker alive: fast ($secs s, bound 2 s)" \
    awk -v s="$secs" 'BEGIN { exit !(s < 2.0) }'
check "no worker alive: no-store" \
    [ "$(hdr "$TMP/three.h" Cache-Control)" = no-store ]
sleep 0.2
n1=$(count "$LOG" "\[error\].*/v/$VIDEO/720p/6\.m4s")
grep -E "\[error\].*/v/$VIDEO/720p/6\.m4s" "$LOG" | head -2 \
    | sed 's/^[^[]*/#   /'
check "no worker alive: nginx logs it ($((n1 - n0)) [error] lines)" \
    [ "$n1" -gt "$n0" ]

# past fail_timeout (2s, counted in whole seconds by nginx, per nginx
# worker process) the sockets are tried again: refused
RE="connect\(\) to unix:.*failed.*/v/$VIDEO/720p/6\.m4s"
n0=$(count "$LOG" "$RE")
slow=0 other=0 tries=0
for i in $(seq 1 12); do
    tries=$i
    read -r code secs < <(get a "/v/$KEY3" "$TMP/three")
    case $code in 502|504) ;; *) other=$((other + 1)) ;; esac
    awk -v s="$secs" 'BEGIN { exit !(s < 2.0) }' || slow=$((slow + 1))
    [ "$(count "$LOG" "$RE")" -gt "$n0" ] && break
    sleep 0.5
done
n1=$(count "$LOG" "$RE")
echo "# no worker alive: $tries more requests until nginx tried the sockets"
check "no worker alive, servers retried: refused connects logged ($((n1 - n0)))" \
    [ "$n1" -gt "$n0" ]
check "no worker alive, each of $tries requests 502 or 504 ($other others) in under 2 s ($slow slower)" \
    [ "$other" -eq 0 -a "$slow" -eq 0 ]
check "nothing at the key" [ ! -e "$S/$KEY3" ]

# --- 4. a worker again: the dead producer's segment is made

start_worker w1 $WARGS || bail "$NAME" "worker w1 starts again"
WPID[w1]=$WORKER_PID
# nginx may still count both servers as failed (fail_timeout 2s)
code=
for i in $(seq 1 10); do
    read -r code secs < <(get a "/v/$KEY" "$TMP/four")
    [ "$code" = 200 ] && break
    sleep 1
done
echo "# restarted worker: $code after $i attempt(s), last $secs s"
check "a worker again: 200 for the segment whose producer died" \
    [ "$code" = 200 ]
check "with the packaged bytes" cmp -s "$TMP/four" "$REF"
check "the object is at its key, whole" cmp -s "$S/$KEY" "$REF"
check "no worker logged a failed transcode" \
    [ "$(cat "$TMP"/w1.log "$TMP"/w2.log | grep -c 'failed')" = 0 ]
check "no [alert], [crit] or [emerg] in the nginx log" \
    [ "$(count "$LOG" '\[(alert|emerg|crit)\]')" = 0 ]

finish "$NAME"
