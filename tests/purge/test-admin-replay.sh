#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# A signed admin request is good once (issue 15: replays within the
# 5-minute window bumped the generation and paid a CDN invalidation each):
#   - a signed purge: 200; the same request again: 409, in either of the
#     two workers, and the generation did not move;
#   - the Host is signed: the same signature sent with another Host: 403;
#   - with vidorigin_admin_replay_slots 3, a 4th signed request within
#     the window is refused (429), a Bearer one still works;
#   - a reload keeps what was used;
#   - X-Vidorigin-Date is logged escaped.

. "$(dirname "$0")/admin-lib.sh"

write_conf 2 "    vidorigin_purge zone=purge:1m journal=$V/purge.journal;
    vidorigin_admin_replay_slots 3;" ""
start_nginx || { cat "$V/log/error.log" >&2; bail admin-replay "nginx starts"; }
ok "nginx starts (2 workers, 3 replay slots)"

host=127.0.0.1:$PORT
d=$(date +%s)
u="/admin/purge?prefix=/v/a/"
s=$(sig "$d" POST "$host" "$u")
signed() { code -X POST -H "X-Vidorigin-Date: $d" -H "X-Vidorigin-Signature: $s" "$@"; }

check "a signed purge: 200" [ "$(signed "$B$u")" = 200 ]
gen=$(admin_metric vidorigin_purge_generation)
codes=$(for i in 1 2 3 4 5 6; do signed "$B$u"; echo; done | sort -u | tr '\n' ' ')
check "the same request six times more, new connections: 409 each ($codes)" \
    [ "$codes" = "409 " ]
check "the replays purged nothing (generation $gen)" \
    [ "$(admin_metric vidorigin_purge_generation)" = "$gen" ]
check "replays are logged" grep -q 'signature already used (a replay)' "$V/log/error.log"

# the Host is part of what is signed
d=$(date +%s)
u="/admin/purge?prefix=/v/b/"
s=$(sig "$d" POST "$host" "$u")
check "the signature sent with another Host: 403" \
    [ "$(signed -H "Host: other.example" "$B$u")" = 403 ]
check "signed for that Host: 200" [ "$(signed "$B$u")" = 200 ]

# slots: two used (a/, b/); a 3rd fills them; a 4th is refused
u="/admin/purge?prefix=/v/c/"
s=$(sig "$d" POST "$host" "$u")
check "a third signed request: 200" [ "$(signed "$B$u")" = 200 ]
u="/admin/purge?prefix=/v/d/"
s=$(sig "$d" POST "$host" "$u")
check "a fourth within the window, every slot used: 429" [ "$(signed "$B$u")" = 429 ]
check "... logged" grep -q 'all 3 vidorigin_admin_replay_slots hold signatures' "$V/log/error.log"
check "a Bearer purge still works" \
    bash -c "curl -s -X POST -H 'Authorization: Bearer $SECRET' '$B/admin/purge?prefix=/v/d/' | grep -q '\"generation\"'"

# a reload keeps the used signatures
"$NGINX" -p "$V" -c "$V/nginx.conf" -s reload
sleep 1
u="/admin/purge?prefix=/v/c/"
s=$(sig "$d" POST "$host" "$u")
check "after a reload, a used signature is still refused: 409" [ "$(signed "$B$u")" = 409 ]

# the date is logged escaped (a quote would end the quoted field)
check "a bad X-Vidorigin-Date: 403" \
    [ "$(code -X POST -H 'X-Vidorigin-Date: 1"forged' -H "X-Vidorigin-Signature: 00" "$B$u")" = 403 ]
check "... logged escaped" grep -qF 'X-Vidorigin-Date "1\x22forged" is not within' "$V/log/error.log"
check "no worker crashed" not grep -q 'exited on signal' "$V/log/error.log"

finish admin-replay
