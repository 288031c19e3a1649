#!/usr/bin/env bash
#
# Builds the libFuzzer targets under tests/fuzz/ with clang (ASan and
# UBSan, every UB report fatal) and runs each for a bounded time.
#
#   scripts/run-fuzz.sh [seconds per target]     (default 60, or $FUZZ_TIME)
#
# Seeds: the media descriptions of the unit tests and a list of playback
# paths.  Corpora persist under build/fuzz/corpus/, so later runs start
# where earlier ones stopped; a crashing input lands in build/fuzz/ as
# crash-<sha1> and the script exits non-zero.  Replay one with
#   build/fuzz/fuzz_media build/fuzz/crash-...

set -u

cd "$(dirname "$0")/.." || exit 2

secs=${1:-${FUZZ_TIME:-60}}
out=build/fuzz
CC=${FUZZ_CC:-clang}
CFLAGS="-g -O1 -fno-omit-frame-pointer -std=gnu99 -Wall -Wextra -Werror
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        -Ingx_vidorigin_module/vo"

if ! command -v "$CC" > /dev/null; then
    echo "run-fuzz: $CC not found (apt-get install -y clang)" >&2
    exit 2
fi

mkdir -p "$out/corpus/media" "$out/corpus/path"

for t in fuzz_media fuzz_path; do
    # shellcheck disable=SC2086
    $CC $CFLAGS -o "$out/$t" "tests/fuzz/$t.c" \
        ngx_vidorigin_module/vo/vo_*.c -lcrypto || exit 2
done

cp tests/core/data/*.json "$out/corpus/media/"

for p in demo/master.m3u8 demo/master-ts.m3u8 demo/manifest.mpd \
         demo/v/index.m3u8 demo/v/index-ts.m3u8 demo/a/init.mp4 \
         demo/v/0.m4s demo/v/9.ts demo/v/999999999.m4s demo/v/10.m4s \
         demo/../x demo/v/00.m4s demo/v/1.m4s.bak demo/master.tv.m3u8 \
         demo/master-ts.tv.m3u8 demo/manifest.tv.mpd d-mo/master.m3.m3u8; do
    seed=$(printf '%s' "$p" | tr '/.' '__')
    printf '%s' "$p" > "$out/corpus/path/seed-$seed"
done

rc=0

for t in fuzz_media fuzz_path; do
    name=${t#fuzz_}
    echo "run-fuzz: $t for ${secs}s"

    "$out/$t" -max_total_time="$secs" -max_len=8192 -timeout=10 \
        -dict="tests/fuzz/$name.dict" -artifact_prefix="$out/" \
        -print_final_stats=1 "$out/corpus/$name" \
        > "$out/$t.log" 2>&1
    status=$?

    grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$out/$t.log"
    echo "run-fuzz: $t corpus $(ls "$out/corpus/$name" | wc -l) inputs," \
         "exit status $status"

    if [ "$status" -ne 0 ]; then
        grep -E 'ERROR|SUMMARY|Test unit written' "$out/$t.log" | head -n 5
        rc=1
    fi
done

exit "$rc"
