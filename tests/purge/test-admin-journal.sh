#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The purge journal (issue 15):
#   - a worker killed after its journal line is written and before the
#     shared zone knows the purge (strace holds the worker at the exit of
#     that write(2), the test kills it there): the next purge gets a new
#     generation, every journal line's is above the one before, and after
#     a restart both purges hold (none skipped, nothing purged comes back);
#   - the journal write(2) is not made under the lock every request's
#     $vidorigin_cache_key takes: with the journal on a FIFO that nobody
#     reads (the write blocks), the other worker still answers cached
#     requests; once the FIFO drains, the purge completes.

. "$(dirname "$0")/admin-lib.sh"

command -v strace >/dev/null || bail admin-journal "strace is installed"

JOURNAL=$V/purge.journal
# notice: no info line (a connection closed) is written before the
# journal's, so the first write(2) of the worker is the journal line
LOG_LEVEL=notice
write_conf 1 "    vidorigin_purge zone=purge:1m journal=$JOURNAL;" ""
start_nginx || { cat "$V/log/error.log" >&2; bail admin-journal "nginx starts"; }
ok "nginx starts (1 worker)"

master=$(cat "$V/nginx.pid")
worker() { pgrep -P "$master" | head -1; }

for p in /v/p1/x /v/p2/x; do cache "$p" >/dev/null; done
check "both entries cached" [ "$(cache /v/p1/x)/$(cache /v/p2/x)" = HIT/HIT ]

# --- killed between the journal write and the shared-memory update ---
w=$(worker)
strace -qq -p "$w" -e trace=write -e inject=write:delay_exit=4s:when=1 \
    -o "$TMP/strace.out" 2>/dev/null &
spid=$!
wait_for 50 bash -c "grep -q '^TracerPid:[[:space:]]*[1-9]' /proc/$w/status"
curl -s -m 15 -o /dev/null -X POST -H "Authorization: Bearer $SECRET" \
    "$B/admin/purge?prefix=/v/p1/" &
cpid=$!
check "the journal line of the first purge is written" \
    wait_for 50 bash -c "[ \"\$(wc -l < '$JOURNAL')\" -ge 1 ]"
kill -9 "$w"
wait "$spid" "$cpid" 2>/dev/null
check "the worker held at the end of its write(2) was killed there" \
    wait_for 50 bash -c "! pgrep -P $master | grep -qx $w"
check "a new worker answers" wait_for 50 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$B/v/x/ping')\" = 200 ]"

answer=$(purge /v/p2/)
echo "# second purge: $answer"
check "the next purge gets a generation of its own (2)" \
    eval "jq -e '.generation == 2' <<<'$answer' >/dev/null"
check "every journal line's generation is above the one before" \
    awk '$1 <= last { exit 1 } { last = $1 }' "$JOURNAL"

stop_nginx
: > "$V/log/error.log"
start_nginx || bail admin-journal "nginx restarts"
check "after a restart, the journal's two purges applied, none skipped" \
    grep -q 'purge journal ".*": 2 purges, 0 skipped, generation 2' "$V/log/error.log"
check "after a restart, what the second purge purged stays purged" \
    [ "$(cache /v/p2/x)" = MISS ]
check "after a restart, the first purge (made in the journal) holds" \
    [ "$(cache /v/p1/x)" = MISS ]
stop_nginx

# --- the write(2) outside the lock: a journal that blocks ---------------
FIFO=$V/fifo.journal
mkfifo "$FIFO"
exec 3<>"$FIFO"          # both ends held here: opens do not wait
write_conf 2 "    vidorigin_purge zone=purge2:1m journal=$FIFO;" ""
: > "$V/log/error.log"
start_nginx || { cat "$V/log/error.log" >&2; bail admin-journal "nginx starts on a FIFO journal"; }
check "a first purge (the lookups now take the lock)" \
    bash -c "jq -e '.generation == 1' <<<'$(purge /v/q/)' >/dev/null"
for i in $(seq 1 20); do cache /v/r/x >/dev/null; done
# the FIFO filled: the next journal write(2) blocks until it drains
python3 - "$FIFO" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
for n in (4096, 512, 64, 8, 1):
    try:
        while True:
            os.write(fd, b"x" * n)
    except BlockingIOError:
        pass
PY
curl -s -m 30 -o "$TMP/blocked" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $SECRET" "$B/admin/purge?prefix=/v/s/" > "$TMP/blocked.code" &
cpid=$!
sleep 1
# twelve at once, each on a connection of its own (either worker)
lpids=""
for i in $(seq 1 12); do
    curl -s -m 2 -o /dev/null -w '%{http_code} %{time_total}' "$B/v/r/x" \
        > "$TMP/lookup.$i" &
    lpids="$lpids $!"
done
wait $lpids
answered=0 times=""
for i in $(seq 1 12); do
    t=$(cat "$TMP/lookup.$i")
    [ "${t%% *}" = 200 ] && { answered=$((answered + 1)); times="$times ${t#* }"; }
done
echo "# while a journal write(2) is blocked: $answered of 12 cached requests answered, in s:$times"
check "while one worker's journal write(2) is blocked, the other answers ($answered of 12)" \
    [ "$answered" -ge 1 ]
python3 -c '
import os, fcntl
fl = fcntl.fcntl(0, fcntl.F_GETFL)
fcntl.fcntl(0, fcntl.F_SETFL, fl | os.O_NONBLOCK)
try:
    while os.read(0, 65536):
        pass
except BlockingIOError:
    pass' <&3
wait "$cpid"
check "once the FIFO drains, the blocked purge completes: 200" \
    [ "$(cat "$TMP/blocked.code")" = 200 ]
check "no worker crashed" not grep -q 'exited on signal' "$V/log/error.log"
stop_nginx
exec 3<&-

finish admin-journal
