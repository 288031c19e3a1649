# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# Shared by the catalog and placer suites (tests/placement/test-catalog.sh,
# test-placer*.sh), on top of tests/lib/worker.sh: redis-server on a
# loopback port the system picks, and helpers to seed views and read
# hints.  Every wait is a loop bounded in count and time.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/worker.sh"

for t in redis-server redis-cli jq python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "# $t missing" >&2; exit 1; }
done

# start_redis_port [PORT]: redis-server on 127.0.0.1:PORT (default a free
# one), no persistence; sets RPORT and REDIS_PID
start_redis_port() {
    local i
    RPORT=${1:-$(free_port)}
    redis-server --port "$RPORT" --bind 127.0.0.1 --save '' \
        --appendonly no --daemonize no --logfile "$TMP/redis-$RPORT.log" \
        </dev/null &
    REDIS_PID=$!
    PIDS="$PIDS $REDIS_PID"
    for i in $(seq 1 100); do
        redis-cli -p "$RPORT" ping >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "# redis-server did not start on $RPORT" >&2
    return 1
}

stop_redis() {
    kill -9 "$REDIS_PID" 2>/dev/null
    wait "$REDIS_PID" 2>/dev/null
}

R() {
    redis-cli -p "$RPORT" "$@"
}

# hour_key UNIX HOURS_BACK: YYYYMMDDHH (UTC) of the hour HOURS_BACK
# before the one holding UNIX
hour_key() {
    date -u -d "@$(( ($1 / 3600 - $2) * 3600 ))" +%Y%m%d%H
}

# views ID UNIX HOURS_BACK REGION COUNT...: HSET as nginx's HINCRBY does
views() {
    local id=$1 now=$2 back=$3
    shift 3
    R hset "vo:views:$id:$(hour_key "$now" "$back")" "$@" >/dev/null
}

# hint ID REGION: the hint's value ("" when none)
hint() {
    R hget "vo:hint:$1" "$2"
}

# status_is FILE METRIC VALUE (METRIC with its labels)
status_is() {
    [ "$(awk -v m="$2" '$1 == m { print $2 }' "$1")" = "$3" ]
}

# expected_score NOW HALF_LIFE_H "HOURS_BACK:COUNT ..." WINDOW_H: the
# decayed views, computed here from the definition (docs/placer.md)
expected_score() {
    python3 - "$@" <<'PY'
import sys
now, half, spec, window = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], float(sys.argv[4])
s = 0.0
for item in spec.split():
    back, count = item.split(":")
    start = (now // 3600 - int(back)) * 3600
    age = max(0, now - (start + 3600)) / 3600.0
    if age < window:
        s += int(count) * 0.5 ** (age / half)
print("%.3f" % s)
PY
}

# log_scores_match LOG: every line's score is the decayed sum of its
# logged counts at its logged time (the log alone is enough to replay a
# decision), and its decision the threshold's
log_scores_match() {
    python3 - "$1" <<'PY'
import calendar, json, sys, time
bad = 0
n = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    n += 1
    s = 0.0
    for c in d["counts"]:
        start = calendar.timegm(time.strptime(c["hour"], "%Y%m%d%H"))
        age = max(0, d["time"] - (start + 3600))
        s += c["views"] * 0.5 ** (age / d["half_life_s"])
    ok = abs(round(s, 3) - d["score"]) < 0.0015
    if d["reason"] == "views":
        ok = ok and d["decision"] == ("cdn" if d["score"] >= d["threshold"] else "origin")
    if not ok:
        bad += 1
        print("# mismatch:", line.strip(), "computed %.3f" % s, file=sys.stderr)
sys.exit(0 if bad == 0 and n > 0 else 1)
PY
}
