#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# "listen": the unix socket gets its mode where nobody else can reach it
# and is renamed onto its path (never a chmod by path on the final
# name); "*:PORT" / "0.0.0.0:PORT" are refused without listen-any on,
# and warned about with it.

. "$(dirname "$0")/../lib/worker.sh"

S=$TMP/store
mkdir -p "$S"
A="--store $S --redis off --slots 1 --prefetch off"

# no chmod on the socket's own name (strace sees every chmod call)
rm -f "$TMP/u.sock"
# shellcheck disable=SC2086
strace -f -qq -o "$TMP/trace" -e trace=chmod,fchmodat \
    "$WORKER" serve --listen "unix:$TMP/u.sock" $A 2>"$TMP/u.log" &
U=$!
PIDS="$PIDS $U"
for _ in $(seq 1 100); do
    curl -sf --max-time 2 --unix-socket "$TMP/u.sock" http://w/healthz \
        >/dev/null 2>&1 && break
    sleep 0.05
done
check "unix socket answers" \
    curl -sf --max-time 2 --unix-socket "$TMP/u.sock" http://w/healthz
check "unix socket mode 666" [ "$(stat -c %a "$TMP/u.sock")" = 666 ]
check "no chmod by the socket's path" \
    [ "$(grep -c "\"$TMP/u.sock\"" "$TMP/trace")" -eq 0 ]
check "no private directory left" \
    [ "$(find "$TMP" -maxdepth 1 -name '.vo-*' | wc -l)" -eq 0 ]
kill -TERM "$(pgrep -P "$U" -f transcode-worker || echo "$U")" 2>/dev/null
wait "$U"

# a regular file at the path is not replaced
echo keep >"$TMP/f.sock"
# shellcheck disable=SC2086
timeout 10 "$WORKER" serve --listen "unix:$TMP/f.sock" $A 2>"$TMP/f.log"
check "a regular file at the path: refused" [ $? -ne 0 ]
check "the file is intact" [ "$(cat "$TMP/f.sock")" = keep ]

# every address: refused unless listen-any on
for any in '*:0' '0.0.0.0:0'; do
    # shellcheck disable=SC2086
    timeout 10 "$WORKER" serve --listen "$any" $A 2>"$TMP/a.log"
    check "listen $any refused (exit not 0)" [ $? -ne 0 ]
    check "listen $any refused: logged" \
        grep -q 'refusing to listen on every address' "$TMP/a.log"
done

# shellcheck disable=SC2086
"$WORKER" serve --listen '*:0' --listen-any on $A 2>"$TMP/y.log" &
Y=$!
PIDS="$PIDS $Y"
for _ in $(seq 1 100); do
    grep -q 'serving' "$TMP/y.log" && break
    sleep 0.05
done
check "listen-any on: serves" grep -q 'serving' "$TMP/y.log"
check "listen-any on: a warning" \
    grep -q '\[warn\] listening on every address' "$TMP/y.log"
stop_worker "$Y"
check "listen-any on: exit 0" [ $? -eq 0 ]

finish worker-listen
