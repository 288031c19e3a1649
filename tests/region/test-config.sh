#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# test-config.sh: the region's directives; a DB that cannot be used
# (missing, not a DB, a damaged search tree) fails `nginx -t` with a
# message naming the file and the reason.  MODULE_SO, NGINX from the
# environment (tests/lib/nginx.sh).

. "$(dirname "$0")/../lib/nginx.sh"

dir=$TMP
mkdir -p "$dir/logs"

perl "$HERE/make-mmdb.pl" "$dir/a.mmdb" || exit 1
printf 'not a MaxMind DB\n%.0s' $(seq 64) > "$dir/garbage.mmdb"
# the search tree comes first in the file: its first nodes now point
# past the end of the data
cp "$dir/a.mmdb" "$dir/tree.mmdb"
printf '\377\377\377\377\377\377\377\377\377\377\377\377' |
    dd of="$dir/tree.mmdb" bs=1 seek=60 conv=notrunc status=none
head -c 700 "$dir/a.mmdb" > "$dir/short.mmdb"

srv="server { listen 127.0.0.1:1; location / { return 200 \$vidorigin_region; } }"

check_conf "a DB, a default and headers" "" \
    "vidorigin_geoip_db $dir/a.mmdb; vidorigin_region_default JP;
     vidorigin_region_header X-Country; vidorigin_region_header CF-IPCountry;
     $srv"
check_conf "no DB at all" "" "$srv"
check_conf "a DB path relative to the configuration" "" \
    "vidorigin_geoip_db a.mmdb; $srv"
check_conf "a missing DB" \
    "vidorigin_geoip_db \"$dir/nosuch.mmdb\" cannot be used: Error opening the specified MaxMind DB file (2: No such file or directory)" \
    "vidorigin_geoip_db $dir/nosuch.mmdb; $srv"
check_conf "a file that is not a DB" \
    "vidorigin_geoip_db \"$dir/garbage.mmdb\" cannot be used: The MaxMind DB file contains invalid metadata" \
    "vidorigin_geoip_db $dir/garbage.mmdb; $srv"
check_conf "a truncated DB" \
    "vidorigin_geoip_db \"$dir/short.mmdb\" cannot be used: " \
    "vidorigin_geoip_db $dir/short.mmdb; $srv"
check_conf "a damaged search tree" \
    "vidorigin_geoip_db \"$dir/tree.mmdb\" cannot be used: its search tree is damaged at node" \
    "vidorigin_geoip_db $dir/tree.mmdb; $srv"
check_conf "a directory" \
    "vidorigin_geoip_db \"$dir\" cannot be used: " \
    "vidorigin_geoip_db $dir; $srv"
check_conf "two DBs" '"vidorigin_geoip_db" directive is duplicate' \
    "vidorigin_geoip_db $dir/a.mmdb; vidorigin_geoip_db $dir/a.mmdb; $srv"
check_conf "a DB in a server" '"vidorigin_geoip_db" directive is not allowed here' \
    "server { listen 127.0.0.1:1; vidorigin_geoip_db $dir/a.mmdb; }"
check_conf "a default of three letters" \
    'takes a country code of two letters, such as "ZZ"' \
    "vidorigin_region_default USA; $srv"
check_conf "a default with a digit" \
    'takes a country code of two letters, such as "ZZ"' \
    "vidorigin_region_default T1; $srv"
check_conf "two defaults" '"vidorigin_region_default" directive is duplicate' \
    "vidorigin_region_default US; vidorigin_region_default JP; $srv"
check_conf "a header name with a blank" \
    'takes a header name of letters, digits, "-" and "_"' \
    "vidorigin_region_header \"X Country\"; $srv"

finish "region config"
