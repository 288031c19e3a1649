#!/usr/bin/env bash
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# Bad input: a file that is not media, an audio-only file, a truncated
# MP4, a missing file, bad arguments.  Each one exits 1 with one clear
# error line, and leaves nothing in the store: no media.json, no source
# copy, no temporary file.

. "$(dirname "$0")/../lib/worker.sh"

S=$TMP/store
mkdir -p "$S"

# refused FILE PATTERN DESCRIPTION: package fails cleanly
refused() {
    local src=$1 pattern=$2 what=$3 rc

    "$WORKER" package --store "$S" --id bad --source "$src" \
        2>"$TMP/err"
    rc=$?

    check "$what: exit 1" [ "$rc" -eq 1 ]
    check "$what: logs \"$pattern\"" \
        grep -q "\[error\] .*$pattern" "$TMP/err"
    check "$what: nothing left in the store" \
        [ ! -e "$S/bad" -a -z "$(find "$S" -mindepth 1)" ]
}

printf 'this is not a video\n%.0s' $(seq 1 200) > "$TMP/notes.txt"
refused "$TMP/notes.txt" 'cannot open source' "text file"

ffmpeg -nostdin -v error -y -f lavfi -i sine=duration=2 "$TMP/tone.wav"
refused "$TMP/tone.wav" 'has no decodable video stream' "audio-only file"

# an MP4 whose moov (at the end) is cut off
ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=160x120:duration=2 \
    -c:v libx264 -preset ultrafast -threads 2 "$TMP/whole.mp4"
head -c $(( $(stat -c %s "$TMP/whole.mp4") / 2 )) "$TMP/whole.mp4" \
    > "$TMP/truncated.mp4"
refused "$TMP/truncated.mp4" 'cannot open source' "truncated mp4"

# the same with the moov in front: opens, but the media stops at 25 %
ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=160x120:duration=4 \
    -c:v libx264 -preset ultrafast -threads 2 -movflags +faststart \
    "$TMP/faststart.mp4"
head -c $(( $(stat -c %s "$TMP/faststart.mp4") / 4 )) "$TMP/faststart.mp4" \
    > "$TMP/cut.mp4"
refused "$TMP/cut.mp4" 'truncated or broken source' "mp4 cut after its moov"

refused "$TMP/does-not-exist.mp4" 'No such file or directory' "missing file"

: > "$TMP/empty.mp4"
refused "$TMP/empty.mp4" 'cannot open source' "empty file"

# arguments
"$WORKER" package --store "$S" --id '../x' --source "$TMP/whole.mp4" \
    2>"$TMP/err"
check "id with a slash: exit 1" [ $? -eq 1 ]
check "id with a slash: says why" grep -q 'invalid --id' "$TMP/err"

"$WORKER" package --store "$S" --id ok --source "$TMP/whole.mp4" \
    --ladder 720p:720 2>"$TMP/err"
check "malformed ladder: exit 1, nothing stored" \
    [ $? -eq 1 -a -z "$(find "$S" -mindepth 1)" ]

"$WORKER" package --store "$S" --id ok --source "$TMP/whole.mp4" \
    --bogus 2>"$TMP/err"
check "unknown option: exit 1" [ $? -eq 1 ]

"$WORKER" segment --store "$S" --id nothing --rendition 240p --segment 0 \
    2>"$TMP/err"
check "segment of a video never packaged: exit 1" [ $? -eq 1 ]
check "segment of a video never packaged: says why" \
    grep -q 'is not packaged' "$TMP/err"

# a store that cannot be written (a file where a directory should be)
"$WORKER" package --store "$TMP/notes.txt" --id wr \
    --source "$TMP/whole.mp4" 2>"$TMP/err"
check "unwritable store: exit 1" [ $? -eq 1 ]
check "unwritable store: says why" grep -q 'Not a directory' "$TMP/err"

# a good source still works in the same store afterwards
check "a good source packages" \
    "$WORKER" package --store "$S" --id good --source "$TMP/whole.mp4" \
        --segment-duration 1 --log-level warn
check "and is ready" [ -f "$S/good/media.json" ]

check "--help exits 0" "$WORKER" --help >/dev/null
check "--version exits 0" "$WORKER" --version >/dev/null

finish worker-bad-input
