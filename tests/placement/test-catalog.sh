#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# The catalog: package with --meta and flags writes vo:video:{id} with the
# right fields, never before media.json; invalid metadata is refused
# before anything is made or written; Redis down gives exit status 3 with
# the video packaged; "catalog get|set|delete" round trip.

. "$(dirname "$0")/lib.sh"

start_redis_port || exit 1
SRC=$(fixture_mute)
STORE=$TMP/store
FAST="--ladder 180p:180:300 --formats fmp4 --jobs 1"

cat > "$TMP/meta.json" <<'JSON'
{
  "title": "Démo \"one\"",
  "description": "First line\nsecond line, ünïcödé, 日本語",
  "creator": "vidorigin",
  "language": "pt-BR",
  "thumbnails": [
    {"url": "https://img.example.com/demo-1280.jpg", "width": 1280, "height": 720},
    {"url": "https://img.example.com/demo-320.jpg", "width": 320, "height": 180}
  ],
  "ads": {"vmap": "https://ads.example.com/vmap.xml", "breaks": [0, 30000]},
  "tags": ["nature", "4k"]
}
JSON

field() {
    R hget "vo:video:$1" "$2"
}

# --- package with --meta and a flag overriding the file's title; while
# it runs, the entry must never exist without media.json
"$WORKER" package --store "$STORE" --id v1 --source "$SRC" $FAST \
    --redis "127.0.0.1:$RPORT" --meta "$TMP/meta.json" \
    --title "Flag title" --tag flagged \
    2>"$TMP/v1.log" &
PKG=$!
early=0
for i in $(seq 1 3000); do
    kill -0 "$PKG" 2>/dev/null || break
    if [ "$(R exists vo:video:v1)" = 1 ] && [ ! -f "$STORE/v1/media.json" ]
    then
        early=1
    fi
    sleep 0.01
done
wait "$PKG"
check "package --meta: exit 0" [ $? = 0 ]
check "never in the catalog before media.json" [ "$early" = 0 ]
check "media.json written" [ -f "$STORE/v1/media.json" ]
check "title from the flag" [ "$(field v1 title)" = "Flag title" ]
check "description from the file, UTF-8 and newline kept" \
    [ "$(field v1 description)" = "$(printf 'First line\nsecond line, ünïcödé, 日本語')" ]
check "creator" [ "$(field v1 creator)" = vidorigin ]
check "language" [ "$(field v1 language)" = pt-BR ]
check "thumbnails: canonical JSON" [ "$(field v1 thumbnails)" = \
    '[{"url":"https://img.example.com/demo-1280.jpg","width":1280,"height":720},{"url":"https://img.example.com/demo-320.jpg","width":320,"height":180}]' ]
check "ads: kept as given, valid JSON" eval \
    '[ "$(field v1 ads | jq -c .)" = "{\"vmap\":\"https://ads.example.com/vmap.xml\",\"breaks\":[0,30000]}" ]'
check "tags: a --tag replaces the file's list" \
    [ "$(field v1 tags)" = '["flagged"]' ]
check "updated: unix seconds, now" eval \
    '[ $(( $(date +%s) - $(field v1 updated) )) -lt 60 ]'
check "nothing else in the entry" [ "$(R hlen vo:video:v1)" = 8 ]
check "package says it wrote the catalog" \
    grep -q 'catalog entry of "v1" written' "$TMP/v1.log"

# --- flags only, the address from the serve configuration's redis line
printf 'store %s\nredis 127.0.0.1:%s\n' "$STORE" "$RPORT" > "$TMP/worker.conf"
"$WORKER" package --store "$STORE" --id v2 --source "$SRC" $FAST \
    --eager none --config "$TMP/worker.conf" --title "Two" \
    --description "Desc" --creator "me" --language en --tag a --tag "b c" \
    --thumbnail "https://img.example.com/x:y.jpg:640x360" \
    2>"$TMP/v2.log"
check "package with flags: exit 0" [ $? = 0 ]
check "flags: fields" eval '[ "$(field v2 title)|$(field v2 description)|$(field v2 creator)|$(field v2 language)" = "Two|Desc|me|en" ]'
check "flags: tags" [ "$(field v2 tags)" = '["a","b c"]' ]
check "flags: a thumbnail URL with colons" [ "$(field v2 thumbnails)" = \
    '[{"url":"https://img.example.com/x:y.jpg","width":640,"height":360}]' ]
check "flags: no ads" [ "$(R hexists vo:video:v2 ads)" = 0 ]

# --- refused: exit 1, one clear line, nothing packaged, nothing written
# refused MESSAGE ARGS...
refused() {
    local msg=$1
    shift
    rm -rf "$STORE/bad"
    "$WORKER" package --store "$STORE" --id bad --source "$SRC" $FAST \
        --eager none --redis "127.0.0.1:$RPORT" "$@" >"$TMP/out" \
        2>"$TMP/err" </dev/null
    [ $? = 1 ] && grep -qF -- "$msg" "$TMP/err" \
        && [ ! -e "$STORE/bad/media.json" ] \
        && [ "$(R exists vo:video:bad)" = 0 ] \
        || { cat "$TMP/err" >&2; return 1; }
}

printf '{"title": "x", "colour": "red"}' > "$TMP/unknown.json"
check "unknown key" refused 'unknown key "colour"' --meta "$TMP/unknown.json"
printf '{"title": "x",}' > "$TMP/syntax.json"
check "invalid JSON" refused 'invalid JSON at byte 14' --meta "$TMP/syntax.json"
printf '["title"]' > "$TMP/array.json"
check "not an object" refused 'not a JSON object' --meta "$TMP/array.json"
printf '{"title": "a", "title": "b"}' > "$TMP/dup.json"
check "duplicate key" refused 'duplicate key "title"' --meta "$TMP/dup.json"
printf '{"title": "caf\xe9"}' > "$TMP/latin1.json"
check "bad UTF-8 in the file" refused 'invalid utf-8' --meta "$TMP/latin1.json"
printf '{"title": "a\\u0000b"}' > "$TMP/nul.json"
check "NUL in a string" refused '"title" is not valid UTF-8 text' \
    --meta "$TMP/nul.json"
check "bad UTF-8 in a flag" refused '"creator" is not valid UTF-8 text' \
    --creator "$(printf 'caf\xe9')"
check "title of 513 bytes" refused 'title is 513 bytes: at most 512' \
    --title "$(head -c 513 /dev/zero | tr '\0' t)"
python3 -c 'import json; print(json.dumps({"description": "d" * 16385}))' \
    > "$TMP/big.json"
check "description of 16385 bytes" \
    refused '"description" must be a string of at most 16384 bytes' \
    --meta "$TMP/big.json"
check "16 KiB field built from flags" refused 'tags is' \
    $(for i in $(seq 1 60); do printf -- '--tag %0300d ' "$i"; done)
check "title not a string" refused '"title" must be a string' \
    --meta <(printf '{"title": 3}')
check "ads neither array nor object" refused '"ads" must be a JSON array or object' \
    --meta <(printf '{"ads": "x"}')
check "ads that do not parse" refused 'invalid JSON in "ads"' \
    --meta <(printf '{"ads": [1, }')
check "thumbnail without height" refused '"thumbnails" must be an array' \
    --meta <(printf '{"thumbnails": [{"url": "u", "width": 1}]}')
check "thumbnail with an extra key" refused '"thumbnails" must be an array' \
    --meta <(printf '{"thumbnails": [{"url": "u", "width": 1, "height": 1, "alt": ""}]}')
check "tags not strings" refused '"tags" must be an array of non-empty strings' \
    --meta <(printf '{"tags": ["a", 2]}')
check "bad language" refused 'invalid language "english language"' \
    --language "english language"
check "bad --thumbnail" refused 'invalid --thumbnail "https://x/a.jpg"' \
    --thumbnail https://x/a.jpg
check "missing --meta file" refused 'cannot open --meta' --meta "$TMP/none.json"
"$WORKER" package --store "$STORE" --id bad --source "$SRC" $FAST \
    --title T 2>"$TMP/err"; rc=$?
check "a field without an address" eval '[ $rc = 1 ] && grep -q "give --redis" "$TMP/err"'
"$WORKER" segment --store "$STORE" --id v1 --rendition 180p --init \
    --title T --out "$TMP/x" 2>"$TMP/err"; rc=$?
check "segment takes no catalog option" eval '[ $rc = 1 ] && grep -q "not accepted by \"segment\"" "$TMP/err"'

# --- a package that fails writes no entry
"$WORKER" package --store "$STORE" --id broken --source "$TMP/none.mp4" \
    $FAST --redis "127.0.0.1:$RPORT" --title T 2>"$TMP/err"; rc=$?
check "failed package: exit 1, no entry" \
    eval '[ $rc = 1 ] && [ "$(R exists vo:video:broken)" = 0 ]'

# --- Redis down: packaged, exit 3, a clear line
DOWN=$(free_port)
"$WORKER" package --store "$STORE" --id v3 --source "$SRC" $FAST \
    --eager none --redis "127.0.0.1:$DOWN" --title "Three" 2>"$TMP/v3.log"
check "Redis down: exit status 3" [ $? = 3 ]
check "Redis down: media.json written" [ -f "$STORE/v3/media.json" ]
check "Redis down: says the catalog was NOT written" \
    grep -q '"v3" is packaged, but its catalog entry was NOT written' \
    "$TMP/v3.log"

# --- catalog get / set / delete
C="$WORKER catalog"
A="--redis 127.0.0.1:$RPORT"
$C get v1 $A > "$TMP/v1.json" 2>"$TMP/err"
check "get: exit 0" [ $? = 0 ]
check "get: valid JSON with every field" eval \
    '[ "$(jq -r "keys_unsorted | join(\",\")" "$TMP/v1.json")" = "title,description,creator,language,thumbnails,ads,tags,updated" ]'
check "get: JSON-text fields as JSON" eval \
    '[ "$(jq -r ".thumbnails[1].width" "$TMP/v1.json")" = 320 ] && [ "$(jq -r ".ads.breaks[1]" "$TMP/v1.json")" = 30000 ]'
check "get: strings escaped" eval \
    '[ "$(jq -r .title "$TMP/v1.json")" = "Flag title" ] && [ "$(jq -r .description "$TMP/v1.json")" = "$(field v1 description)" ]'
$C set copy $A --meta "$TMP/v1.json" 2>"$TMP/err"
check "set from get's output: exit 0" [ $? = 0 ]
for f in title description creator language thumbnails ads tags; do
    check "round trip: $f" [ "$(field copy "$f")" = "$(field v1 "$f")" ]
done
$C set copy $A --title "New" 2>/dev/null
check "set merges: title changed, the rest kept" eval \
    '[ "$(field copy title)" = New ] && [ "$(field copy creator)" = vidorigin ]'
$C set copy $A --title "Only" --replace 2>/dev/null
check "set --replace: only the given fields and updated" eval \
    '[ "$(R hlen vo:video:copy)" = 2 ] && [ "$(field copy title)" = Only ]'
$C set copy $A --meta "$TMP/unknown.json" 2>"$TMP/err"; rc=$?
check "set refuses an unknown key, entry unchanged" eval \
    '[ $rc = 1 ] && grep -q "unknown key" "$TMP/err" && [ "$(field copy title)" = Only ]'
$C delete copy $A 2>/dev/null; rc=$?
check "delete: exit 0, gone" eval '[ $rc = 0 ] && [ "$(R exists vo:video:copy)" = 0 ]'
$C get copy $A >/dev/null 2>"$TMP/err"; rc=$?
check "get after delete: exit 2" eval '[ $rc = 2 ] && grep -q "no catalog entry for \"copy\"" "$TMP/err"'
$C delete copy $A 2>/dev/null
check "delete of none: exit 2" [ $? = 2 ]
$C get v1 --redis "127.0.0.1:$DOWN" >/dev/null 2>"$TMP/err"; rc=$?
check "get with Redis down: exit 3" eval '[ $rc = 3 ] && grep -q unreachable "$TMP/err"'
$C set v1 --redis "127.0.0.1:$DOWN" --title x 2>"$TMP/err"
check "set with Redis down: exit 3" [ $? = 3 ]
$C set v1 $A 2>"$TMP/err"; rc=$?
check "set without fields: exit 1" eval '[ $rc = 1 ] && grep -q "needs --meta" "$TMP/err"'
$C get 'a/b' $A 2>"$TMP/err"; rc=$?
check "invalid ID: exit 1" eval '[ $rc = 1 ] && grep -q "invalid ID" "$TMP/err"'

finish placer-catalog
