#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# make run, as a user runs it (scripts/run.sh, on a port of its own and a
# scratch var/ that links the sample): every entry point of SPEC section
# 3 answers (the manifests, the playback API, /admin/purge,
# /admin/status, /admin/uploads, tus at the upload URL, /admin/ingest),
# a source ingested through POST /admin/ingest becomes ready, and the
# demo page's upload form (tus-js-client in headless Chromium) uploads a
# file that then plays with hls.js.  Ctrl-C (SIGTERM) stops everything
# make run started.
#
#   WORKER=... MODULE_SO=... STORE=... WWW=... tests/run/test-run.sh

. "$(dirname "$0")/../lib/worker.sh"
. "$(dirname "$0")/../lib/nginx.sh"
NAME=run
STORE=${STORE:-$ROOT/var/store}
WWW=${WWW:-$ROOT/build/www}
for f in "$STORE/demo/media.json" "$ROOT/var/fixtures/demo-source.mp4" \
         "$WWW/index.html" "$WWW/tus.min.js"; do
    [ -e "$f" ] || bail $NAME "$f exists (make sample www)"
done

# a var/ of its own: the packaged sample copied in (the page plays it,
# and what just in time makes of it stays here), everything else new
V=$TMP/var
mkdir -p "$V/store" "$V/fixtures"
cp -r "$STORE/demo" "$V/store/demo"
ln -s "$ROOT/var/fixtures/demo-source.mp4" "$V/fixtures/demo-source.mp4"
PORT=$(free_port)
B=http://127.0.0.1:$PORT
PORT=$PORT NGINX=$NGINX bash "$ROOT/scripts/run.sh" "$MODULE_SO" "$WORKER" \
    "$V" "$WWW" > "$TMP/run.out" 2>&1 &
RUN=$!
stop_run() {
    kill -TERM "$RUN" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$RUN" 2>/dev/null || break; sleep 0.1; done
}
on_exit stop_run
wait_for 600 grep -q "Ctrl-C stops it" "$TMP/run.out" \
    || bail $NAME "make run started: $(tail -3 "$TMP/run.out")"
ok "make run started on $B"
ADMIN=$(cat "$V/admin.secret")
AUTH=(-H "Authorization: Bearer $ADMIN")
jqt() { jq -e "$@" >/dev/null; }
code() { curl -s -o "$TMP/body" -D "$TMP/hdrs" -w '%{http_code}' --max-time 30 "$@"; }

check "GET /v/demo/master.m3u8: 200" [ "$(code "$B/v/demo/master.m3u8")" = 200 ]
check "GET /v/demo/manifest.mpd: 200" [ "$(code "$B/v/demo/manifest.mpd")" = 200 ]
check "GET /api/v1/videos/demo: 200" [ "$(code "$B/api/v1/videos/demo")" = 200 ]
check "the API's playback.hls and .dash" \
    jqt '.playback.hls and .playback.dash and .region == "JP"' "$TMP/body"
check "GET /admin/status: 200" [ "$(code "${AUTH[@]}" "$B/admin/status")" = 200 ]
check "POST /admin/purge: 200" \
    [ "$(code -X POST "${AUTH[@]}" "$B/admin/purge?prefix=/v/lazy/")" = 200 ]
check "POST /admin/uploads without the secret: 401" \
    [ "$(code -X POST "$B/admin/uploads")" = 401 ]
check "POST /admin/uploads: 201" \
    [ "$(code -X POST "${AUTH[@]}" -d '{"title":"t"}' "$B/admin/uploads")" = 201 ]
URL=$(jq -r .upload_url "$TMP/body")
check "tus OPTIONS at the upload URL: Tus-Version 1.0.0" \
    bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS -D '$TMP/o' '$URL')\" = 204 ] && grep -qi '^Tus-Version: 1.0.0' '$TMP/o'"

# ingest of a source already in the store
mkdir -p "$V/store/incoming"
$FF -f lavfi -i testsrc2=size=320x240:rate=25:duration=8 \
    -f lavfi -i "sine=frequency=440:duration=8" -c:v libx264 -preset ultrafast \
    -pix_fmt yuv420p -c:a aac "$V/store/incoming/clip.mp4" \
    || bail $NAME "a source made"
check "POST /admin/ingest: 202" \
    [ "$(code -X POST "${AUTH[@]}" "$B/admin/ingest?source=incoming/clip.mp4&id=clip")" = 202 ]
ready() { code "$B/api/v1/videos/clip" >/dev/null; jq -e '.ready' "$TMP/body" >/dev/null 2>&1; }
wait_for 600 ready
check "the ingested video plays: the API says ready" jqt '.ready' "$TMP/body"
check "its master.m3u8: 200" [ "$(code "$B/v/clip/master.m3u8")" = 200 ]

# the demo page's upload form, in Chromium
$FF -f lavfi -i testsrc2=size=320x240:rate=25:duration=8 \
    -f lavfi -i "sine=frequency=660:duration=8" -c:v libx264 -preset ultrafast \
    -pix_fmt yuv420p -c:a aac "$TMP/page.mp4" || bail $NAME "an upload made"
NODE_MODULES=${NODE_MODULES:-$ROOT/build/node/node_modules} \
    node "$HERE/upload-page.js" "$B" "$TMP/page.mp4" > "$TMP/page.json" 2>"$TMP/page.err"
echo "# page: $(cat "$TMP/page.json")"
check "the page's upload became ready" jqt '.state == "ready"' "$TMP/page.json"
check "hls.js plays it (past 2 s, 240 lines, no fatal error)" \
    jqt '.time > 2 and .height == 240 and .playerErrors == 0' "$TMP/page.json"
check "the page had no script error" jqt '.errors | length == 0' "$TMP/page.json"
id=$(jq -r .id "$TMP/page.json")
check "the stored source is the file" cmp -s "$V/store/$id/source.bin" "$TMP/page.mp4"

# Ctrl-C stops what make run started
kill -TERM "$RUN"
wait_for 100 bash -c "! kill -0 $RUN 2>/dev/null"
check "make run stopped on SIGTERM" bash -c "! kill -0 $RUN 2>/dev/null"
left=$(pgrep -f "$V/" | wc -l)
pgrep -fa "$V/" | sed 's/^/# left: /'
check "nothing it started is left ($left)" [ "$left" -eq 0 ]
check "no alert or crash in nginx's log" \
    bash -c "! grep -qE '\[alert\]|\[emerg\]|exited on signal' '$V/log/error.log'"
finish $NAME
