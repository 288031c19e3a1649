#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# "redis auth": serve's lock connection to a redis-server with
# --requirepass authenticates (password from VIDORIGIN_REDIS_PASSWORD_FILE)
# and SELECTs VIDORIGIN_REDIS_DB; with no password it fails (NOAUTH) and
# says so.

. "$(dirname "$0")/../lib/worker.sh"

SRC=$(fixture_main)
S=$TMP/store
check "package --eager none" "$WORKER" package --store "$S" --id ra \
    --source "$SRC" --segment-duration 4 --eager none --log-level warn

RS=$TMP/redis.sock
redis-server --port 0 --unixsocket "$RS" --unixsocketperm 700 \
    --save '' --appendonly no --requirepass s3cret \
    --logfile "$TMP/redis.log" &
PIDS="$PIDS $!"
for _ in $(seq 1 100); do
    redis-cli -s "$RS" -a s3cret --no-auth-warning ping >/dev/null 2>&1 \
        && break
    sleep 0.05
done
rcli() { redis-cli -s "$RS" -a s3cret --no-auth-warning "$@"; }

WARGS="--store $S --slots 1 --redis unix:$RS --prefetch off --log-level info"

# without a password: NOAUTH, logged, the lock is not used
# shellcheck disable=SC2086
start_worker n $WARGS || exit 1
N=$WORKER_PID
check "no password: object served" \
    [ "$(fetch n /v/ra/240p/1.m4s "$TMP/o")" = 200 ]
check "no password: NOAUTH logged" grep -q 'NOAUTH' "$TMP/n.log"
check "no password: redis_up 0" [ "$(metric n redis_up)" = 0 ]
stop_worker "$N"

# with the password from a file and db 3: the lock commands go to db 3
printf 's3cret\n' >"$TMP/pw"
chmod 600 "$TMP/pw"
timeout 20 redis-cli -s "$RS" -a s3cret --no-auth-warning monitor \
    >"$TMP/monitor" 2>&1 &
MON=$!
PIDS="$PIDS $MON"
sleep 0.2
VIDORIGIN_REDIS_PASSWORD_FILE=$TMP/pw VIDORIGIN_REDIS_DB=3 \
    start_worker p $WARGS || exit 1
P=$WORKER_PID
check "password: object served" \
    [ "$(fetch p /v/ra/240p/2.m4s "$TMP/o")" = 200 ]
check "password: no NOAUTH, no outage" \
    [ "$(grep -c 'NOAUTH\|unreachable' "$TMP/p.log")" -eq 0 ]
check "password: redis_up 1" [ "$(metric p redis_up)" = 1 ]
sleep 0.2
check "the lock was taken in db 3" \
    grep -q '^[0-9.]* \[3 .*"SET" "vo:lock:ra/240p/2.m4s"' "$TMP/monitor"
check "nothing in db 0" [ "$(rcli -n 0 dbsize)" = 0 ]
check "the password is not on the command line" \
    [ "$(tr '\0' ' ' </proc/"$P"/cmdline | grep -c s3cret)" -eq 0 ]
stop_worker "$P"
check "worker exit 0" [ $? -eq 0 ]
kill "$MON" 2>/dev/null

# catalog (tw_redis_open): NOAUTH without, the entry in db 3 with
"$WORKER" catalog set ra --redis "unix:$RS" --title T >/dev/null \
    2>"$TMP/c.log"
check "catalog without password: fails" [ $? -ne 0 ]
check "catalog without password: NOAUTH" grep -q NOAUTH "$TMP/c.log"
VIDORIGIN_REDIS_PASSWORD=s3cret VIDORIGIN_REDIS_DB=3 \
    "$WORKER" catalog set ra --redis "unix:$RS" --title T >/dev/null \
    2>"$TMP/c.log"
check "catalog with password: works" [ $? -eq 0 ]
check "catalog entry in db 3" \
    [ "$(rcli -n 3 hget vo:video:ra title)" = T ]
check "still nothing in db 0" [ "$(rcli -n 0 dbsize)" = 0 ]

finish worker-redisauth
