#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# "log escape": control bytes a client puts in a request path (%0A, %0D,
# %1B) reach the log escaped as \xNN, one request one line: no client can
# forge a log line.

. "$(dirname "$0")/../lib/worker.sh"

S=$TMP/store
mkdir -p "$S"

start_worker w --prefetch off --store "$S" --slots 1 --log-level info \
    || exit 1
W=$WORKER_PID

: >"$TMP/w.log.before"
cp "$TMP/w.log" "$TMP/w.log.before"
code=$(fetch w '/v/a%0A%5Berror%5D%20forged%0Db%1B/x' "$TMP/o")
check "bad path answered 400" [ "$code" = 400 ]

new=$(diff "$TMP/w.log.before" "$TMP/w.log" | sed -n 's/^> //p')
check "one log line for the request" \
    [ "$(printf '%s\n' "$new" | grep -c .)" -eq 1 ]
check "control bytes logged as \\xNN" \
    grep -qF 'a\x0a[error] forged\x0db\x1b/x' "$TMP/w.log"
check "no raw control byte in the log" \
    [ "$(tr -d '\n' <"$TMP/w.log" | tr -dc '\000-\037' | wc -c)" -eq 0 ]
check "no forged line" [ "$(grep -c '^\[error\] forged' "$TMP/w.log")" -eq 0 ]

stop_worker "$W"
check "worker exit 0" [ $? -eq 0 ]

finish worker-logescape
