#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Purge prefixes leave the zone once their lifetime is over (issue 15:
# they never did, so a full zone widened every purge toward "/v/" or "/",
# flushing the whole cache and, through the purger, the CDN):
#   - the default lifetime is the longest proxy_cache_path inactive=, plus
#     a minute, on /admin/status;
#   - a tiny zone (32 KiB, room for a few long prefixes) and lifetime=3s:
#     a burst of purges within the lifetime fills it and is broadened,
#     which /admin/status says (counter, last prefix asked and purged);
#   - then rounds of purges spaced past the lifetime, more purges in all
#     than the zone has room for: none broadened, prefixes expired;
#   - an entry cached before a purge whose prefix expired is still a miss;
#   - a burst again: broadened again, the status naming the new prefix.

. "$(dirname "$0")/admin-lib.sh"

# --- the default lifetime: from the cache paths -------------------------
write_conf 1 "    vidorigin_purge zone=purge:1m journal=$V/purge.journal;" ""
start_nginx || { cat "$V/log/error.log" >&2; bail admin-zone "nginx starts"; }
check "default lifetime: the cache path's inactive=1h plus a minute (3660 s)" \
    [ "$(admin_metric vidorigin_purge_lifetime_seconds)" = 3660 ]
stop_nginx

# --- a tiny zone ----------------------------------------------------------
rm -f "$V/purge.journal"
CACHE_INACTIVE=1s
write_conf 1 "    vidorigin_purge zone=tiny:32k journal=$V/purge.journal lifetime=3s;" ""
start_nginx || { cat "$V/log/error.log" >&2; bail admin-zone "nginx starts (32k zone)"; }
ok "nginx starts (a 32 KiB purge zone, lifetime=3s)"
check "lifetime=3s on the status" [ "$(admin_metric vidorigin_purge_lifetime_seconds)" = 3 ]

cache /v/e/x >/dev/null
check "an entry cached" [ "$(cache /v/e/x)" = HIT ]
purge /v/e/ >/dev/null

# long prefixes (about 1000 bytes): few fit
long=$(printf 'a%.0s' $(seq 1 990))
broadened() { jq -r .broadened <<<"$1"; }

# a burst within the lifetime, until one is broadened (bounded)
n=0 answer=""
for i in $(seq 1 200); do
    answer=$(purge "/v/burst$i-$long/")
    [ "$(broadened "$answer")" = true ] && break
    n=$i
done
echo "# the zone took $n long prefixes before a purge was broadened"
check_sh "a burst within the lifetime fills the zone and is broadened" \
    '[ "$(broadened "$answer")" = true ] && [ "$n" -ge 2 ] && [ "$n" -lt 200 ]'
check "the status counts it" [ "$(admin_metric vidorigin_purge_broadened_total)" = 1 ]
check "the status names the last prefix broadened and what was purged" \
    bash -c "curl -s -H 'Authorization: Bearer $SECRET' '$B/admin/status' \
        | grep -q '^vidorigin_purge_last_broadened{requested=\"/v/burst$((n + 1))-$long/\",purged=\"/v/\"} [0-9]'"

# rounds spaced past the lifetime: more purges in all than the zone holds
sleep 4.2
total=0 wide=0
for round in 1 2 3; do
    for i in $(seq 1 "$((n > 1 ? n - 1 : 1))"); do
        answer=$(purge "/v/r$round-$i-$long/")
        total=$((total + 1))
        [ "$(broadened "$answer")" = false ] || wide=$((wide + 1))
    done
    sleep 4.2
done
echo "# $total spaced purges, $wide broadened"
check_sh "$total purges spaced past the lifetime, more than the zone holds ($n): none broadened" \
    '[ "$total" -gt "$n" ] && [ "$wide" -eq 0 ]'
check "the broadened counter did not move" \
    [ "$(admin_metric vidorigin_purge_broadened_total)" = 1 ]
expired=$(admin_metric vidorigin_purge_expired_total)
check "prefixes past their lifetime were freed ($expired)" [ "${expired:-0}" -ge "$total" ]
check "an entry cached before a purge whose prefix expired: still a miss" \
    [ "$(cache /v/e/x)" = MISS ]

# a burst again
for i in $(seq 1 "$((n + 1))"); do
    answer=$(purge "/v/again$i-$long/")
done
check "a second burst: broadened" [ "$(broadened "$answer")" = true ]
check "... counted" [ "$(admin_metric vidorigin_purge_broadened_total)" = 2 ]
check "... and named on the status" \
    bash -c "curl -s -H 'Authorization: Bearer $SECRET' '$B/admin/status' \
        | grep -q '^vidorigin_purge_last_broadened{requested=\"/v/again$((n + 1))-$long/\"'"
check "no worker crashed" not grep -q 'exited on signal' "$V/log/error.log"

finish admin-zone
