#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Purge by prefix (vidorigin_purge, vidorigin_admin), through a real nginx
# with two workers and a proxy cache keyed by $vidorigin_cache_key:
#   - the cache is filled with at least 100,000 entries (wrk, bounded);
#   - POST /admin/purge of one video's prefix answers in under 10 ms;
#   - every entry under it is then a miss, in both workers; entries
#     outside it are still hits;
#   - it holds after "nginx -s reload" and after a restart (the journal);
#   - no credentials: 401, wrong ones: 403, both logged; the HMAC form;
#   - transcode-worker purger follows the journal and the stand-in CDN
#     receiver gets the right CloudFront and Cloudflare invalidations;
#     GET /admin/status shows the purger's counters.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib/nginx.sh"
ENTRIES=${PURGE_ENTRIES:-100000}
SECRET=purge-test-secret-0123456789
VIDEOS=1000

command -v wrk >/dev/null || { fail "wrk is installed"; finish module-purge; }

chmod 755 "$TMP"
V=$TMP/nginx
mkdir -p "$V/log" "$V/tmp"
# the cache's 100,000 files in memory when the machine has a tmpfs: the
# test is about keys, not about the disk
CACHE=$V/cache
if [ -d /dev/shm ] && CACHE=$(mktemp -d /dev/shm/vo-purge.XXXXXX 2>/dev/null); then
    chmod 755 "$CACHE"
else
    CACHE=$V/cache
fi
port=$(free_port)
bport=$(free_port)

cat > "$V/nginx.conf" <<EOF
load_module $MODULE_SO;
worker_processes 2;
pid $V/nginx.pid;
error_log $V/log/error.log info;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $V/tmp/body;
    proxy_temp_path $V/tmp/proxy;
    fastcgi_temp_path $V/tmp/fastcgi;
    uwsgi_temp_path $V/tmp/uwsgi;
    scgi_temp_path $V/tmp/scgi;
    vidorigin_purge zone=purge:1m journal=$V/purge.journal cdn_status=$STATUS;
    proxy_cache_path $CACHE levels=1:2 keys_zone=c:64m inactive=1h use_temp_path=off;

    # the origin of the cached answers: tiny, generated
    server {
        listen 127.0.0.1:$bport;
        location / { return 200 "\$uri\n"; }
    }

    server {
        listen 127.0.0.1:$port reuseport;
        location /v/ {
            proxy_pass http://127.0.0.1:$bport;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache c;
            proxy_cache_key \$vidorigin_cache_key;
            proxy_cache_valid 200 1h;
            add_header X-Cache \$upstream_cache_status;
            add_header X-Pid \$pid;
        }
        location /admin/ {
            vidorigin_admin;
            vidorigin_admin_secret $SECRET;
        }
    }
}
EOF

start() {
    local i
    "$NGINX" -p "$V" -c "$V/nginx.conf" -e "$V/log/error.log" 2>>"$V/log/start.log"
    for i in $(seq 1 100); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v/x/ping")" = 200 ] \
            && return 0
        sleep 0.05
    done
    return 1
}

stop() {
    local pid i
    pid=$(cat "$V/nginx.pid" 2>/dev/null) || return 0
    kill -QUIT "$pid" 2>/dev/null
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null
}

remove_cache() {
    [ "$CACHE" = "$V/cache" ] || rm -rf "$CACHE"
}

on_exit stop
on_exit remove_cache

start || { fail "nginx starts"; cat "$V/log/error.log" >&2; finish module-purge; }
ok "nginx starts (2 workers, proxy cache, purge zone)"

B=http://127.0.0.1:$port

# status PATH: "CACHE PID" of one request on a new connection
status() {
    curl -s -o /dev/null -D - "$B$1" | tr -d '\r' \
        | awk 'tolower($1) == "x-cache:" { c = $2 } tolower($1) == "x-pid:" { p = $2 }
               END { print c, p }'
}

# --- fill: paths /v/v{n % 1000}/{n}.m4s, n = 1..ENTRIES, each once ---
cat > "$TMP/fill.lua" <<EOF
local threads = {}
function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end
function init(args)
    n = 0
    step = 4
end
function request()
    n = n + 1
    local k = (n - 1) * step + id + 1
    if k > $ENTRIES then
        return wrk.format("GET", "/v/x/ping")
    end
    return wrk.format("GET", "/v/v" .. (k % $VIDEOS) .. "/" .. k .. ".m4s")
end
EOF
t0=$(date +%s)
# rounds of 10 s until every entry is cached, each replaying the paths from
# the first (what is cached answers fast): a busy machine takes more rounds
# (a fixed 6 left a few thousand out under load), at most 12
for round in $(seq 1 12); do
    wrk -t4 -c32 -d10s -s "$TMP/fill.lua" "$B" > "$TMP/wrk.$round" 2>&1
    cached=$(find "$CACHE" -type f | wc -l)
    [ "$cached" -ge "$ENTRIES" ] && break
done
echo "# $cached entries cached in $(( $(date +%s) - t0 )) s"
check "the cache holds at least $ENTRIES entries ($cached)" [ "$cached" -ge "$ENTRIES" ]

# the video purged: v42 (paths 42, 1042, 2042, ...); v43 stays
under=() outside=()
for k in $(seq 42 $VIDEOS "$ENTRIES"); do under+=("/v/v42/$k.m4s"); done
for k in $(seq 43 $VIDEOS "$ENTRIES"); do outside+=("/v/v43/$k.m4s"); done
n_under=${#under[@]}

hits=0
for p in "${under[@]:0:20}" "${outside[@]:0:20}"; do
    [ "$(status "$p" | cut -d' ' -f1)" = HIT ] && hits=$((hits + 1))
done
check "before the purge: entries are hits (40 sampled)" [ "$hits" -eq 40 ]

# --- authentication -----------------------------------------------------
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check "purge without credentials: 401" \
    [ "$(code -X POST "$B/admin/purge?prefix=/v/v42/")" = 401 ]
check "purge with a wrong secret: 403" \
    [ "$(code -X POST -H "Authorization: Bearer wrong-secret-000000000" \
         "$B/admin/purge?prefix=/v/v42/")" = 403 ]
check "status without credentials: 401" [ "$(code "$B/admin/status")" = 401 ]
check "refusals are logged" \
    bash -c "grep -q 'admin request refused: no credentials' '$V/log/error.log' \
          && grep -q 'admin request refused: wrong secret' '$V/log/error.log'"
check "a bad prefix: 400" \
    [ "$(code -X POST -H "Authorization: Bearer $SECRET" \
         "$B/admin/purge?prefix=/v/../etc/")" = 400 ]
check "GET on purge: 405" \
    [ "$(code -H "Authorization: Bearer $SECRET" "$B/admin/purge")" = 405 ]
hits=0
for p in "${under[@]:0:5}"; do
    [ "$(status "$p" | cut -d' ' -f1)" = HIT ] && hits=$((hits + 1))
done
check "refused purges purged nothing" [ "$hits" -eq 5 ]

# --- the CDN fan-out: the purger on the journal, the stand-in CDNs ---
start_receiver recv || { fail "receiver starts"; finish module-purge; }
JOURNAL=$V/purge.journal
start_purger purger --status "$STATUS" || { fail "purger starts"; finish module-purge; }

# --- the purge ------------------------------------------------------------
body=$(curl -s -X POST -H "Authorization: Bearer $SECRET" \
    -w ' %{time_total}' "$B/admin/purge?prefix=/v/v42/")
secs=${body##* }
echo "# purge answered in $secs s: ${body% *}"
check "purge answers what it purged" \
    bash -c "jq -e '.purged == \"/v/v42/\" and .generation == 1' <<<'${body% *}' >/dev/null"
check "purge answered in under 10 ms ($secs s)" \
    awk -v t="$secs" 'BEGIN { exit !(t < 0.010) }'

# every entry under the prefix is a miss, whichever worker answers; the
# last quarter is left alone for the reload and restart checks
quarter=$(( n_under / 4 ))
misses=0 pids=""
for p in "${under[@]:0:$((n_under - quarter))}"; do
    read -r c pid <<<"$(status "$p")"
    [ "$c" = MISS ] && misses=$((misses + 1))
    pids="$pids $pid"
done
npids=$(tr ' ' '\n' <<<"$pids" | sort -u | grep -c .)
check "after the purge: every entry under /v/v42/ is a miss ($misses of $((n_under - quarter)))" \
    [ "$misses" -eq $((n_under - quarter)) ]
check "the misses came from both workers ($npids)" [ "$npids" -ge 2 ]
hits=0
for p in "${outside[@]}"; do
    [ "$(status "$p" | cut -d' ' -f1)" = HIT ] && hits=$((hits + 1))
done
check "entries outside it are still hits ($hits of ${#outside[@]})" \
    [ "$hits" -eq "${#outside[@]}" ]
check "a purged entry asked again is a hit (cached anew)" \
    [ "$(status "${under[0]}" | cut -d' ' -f1)" = HIT ]

# the HMAC form, on a single object
date=$(date +%s)
uri="/admin/purge?prefix=/v/v43/43.m4s"
sig=$(printf '%s\nPOST\n%s\n%s\n' "$date" "127.0.0.1:$port" "$uri" \
    | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
check "HMAC-signed purge of one object: 200" \
    [ "$(code -X POST -H "X-Vidorigin-Date: $date" -H "X-Vidorigin-Signature: $sig" "$B$uri")" = 200 ]
check "HMAC with a wrong signature: 403" \
    [ "$(code -X POST -H "X-Vidorigin-Date: $date" -H "X-Vidorigin-Signature: 0$sig" "$B$uri")" = 403 ]
old=$((date - 3600))
sig=$(printf '%s\nPOST\n%s\n%s\n' "$old" "127.0.0.1:$port" "$uri" \
    | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
check "HMAC an hour old: 403" \
    [ "$(code -X POST -H "X-Vidorigin-Date: $old" -H "X-Vidorigin-Signature: $sig" "$B$uri")" = 403 ]
check "the object purged, its neighbour not" \
    [ "$(status /v/v43/43.m4s | cut -d' ' -f1)/$(status /v/v43/1043.m4s | cut -d' ' -f1)" = MISS/HIT ]

# --- CDNs --------------------------------------------------------------
check "CloudFront got the invalidation /v/v42/*" \
    wait_for 50 has_req 1 '.cdn == "cloudfront" and .status == 201 and (.paths // [] | index("/v/v42/*")) != null'
check "CloudFront got the object /v/v43/43.m4s" \
    wait_for 50 has_req 1 '.cdn == "cloudfront" and .status == 201 and (.paths // [] | index("/v/v43/43.m4s")) != null'
check "Cloudflare got the prefix media.example.com/v/v42/" \
    wait_for 50 has_req 1 '.cdn == "cloudflare" and .status == 200 and (.prefixes // [] | index("media.example.com/v/v42/")) != null'
check "no request was refused by the stand-in CDNs" \
    has_req 0 '.status >= 300'
check "/admin/status shows the purger's counters" \
    wait_for 30 bash -c "curl -s -H 'Authorization: Bearer $SECRET' '$B/admin/status' \
        | grep -q '^vidorigin_cdn_purge_last_seq{cdn=\"cloudfront\"} 2'"
check "/admin/status counts the purges" \
    bash -c "curl -s -H 'Authorization: Bearer $SECRET' '$B/admin/status' \
        | grep -q '^vidorigin_purges_total 2'"

# --- reload and restart ---------------------------------------------------
"$NGINX" -p "$V" -c "$V/nginx.conf" -s reload
sleep 1
check "after a reload: a purged entry not asked since is still a miss" \
    [ "$(status "${under[$((n_under - quarter))]}" | cut -d' ' -f1)" = MISS ]
stop
start || { fail "nginx restarts"; finish module-purge; }
sleep 1
check "after a restart: a purged entry not asked since is still a miss" \
    [ "$(status "${under[$((n_under - quarter + 1))]}" | cut -d' ' -f1)" = MISS ]
check "after a restart: entries outside are hits (the cache is still there)" \
    [ "$(status "${outside[5]}" | cut -d' ' -f1)" = HIT ]
check "the journal was read at start" \
    grep -q 'purge journal ".*": 2 purges, 0 skipped, generation 2' "$V/log/error.log"
check "no worker crashed" bash -c "! grep -q 'exited on signal' '$V/log/error.log'"

finish module-purge
