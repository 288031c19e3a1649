#!/usr/bin/env bash
#
# Builds the libFuzzer targets under tests/fuzz/ with clang (ASan and
# UBSan, every UB report fatal) and runs each for a bounded time, one
# after the other.
#
#   scripts/run-fuzz.sh [seconds per target] [target...]
#       seconds: default 60, or $FUZZ_TIME; targets: default all
#
# The targets, each a parser of untrusted input (tests/fuzz/fuzz_*.c
# says what each one asserts beyond "no crash"):
#   media     media.json (vo_media_parse), its manifests and timeline
#   path      playback paths (vo_path_parse), the module's and worker's
#   json      the JSON reader (vo_json_*), catalog values as the playback
#             API takes them (vo_api_field) and writes them (vo_api_write),
#             placement hints (vo_api_hint_parse)
#   catalog   the worker's catalog JSON (tw_meta_json: catalog set --meta,
#             the admin upload body), checked against the API's reader
#   sigv4     SigV4 canonicalisation (vo_sigv4_*), module and worker
#   sign      signed-URL tokens (vo_sign_check)
#   admin     the admin HMAC headers (vo_admin_*) and purge prefixes
#   journal   purge journal lines: the module's reader (vo_purge_*) and
#             the purger's (tw_journal_parse), against each other
#   request   the worker's URL routing (tw_route) and store keys
#   upload    the tus headers (tw_up_number, tw_up_checksum, tw_up_id,
#             Upload-Metadata by tw_up_meta)
#
# Seeds: tests/fuzz/corpus/<target>/ (committed; media also takes the
# unit tests' descriptions), copied into build/fuzz/corpus/<target>/,
# where the corpora persist, so later runs start where earlier ones
# stopped.  A dictionary tests/fuzz/<target>.dict is used when present.
# Objects are built once into build/fuzz/obj/ (again when a source or a
# header is newer).  A crashing input lands in build/fuzz/ as
# crash-<sha1> and the script exits non-zero.  Replay one with
#   build/fuzz/fuzz_media build/fuzz/crash-...

set -u

cd "$(dirname "$0")/.." || exit 2

secs=${1:-${FUZZ_TIME:-60}}
shift || true
out=${FUZZ_OUT:-build/fuzz}
CC=${FUZZ_CC:-clang}
CFLAGS="-g -O1 -fno-omit-frame-pointer -std=gnu99 -Wall -Wextra -Werror
        -fsanitize=address,undefined -fno-sanitize-recover=undefined
        -Ingx_vidorigin_module/vo -Itranscode-worker -Itests/fuzz"

core=ngx_vidorigin_module/vo
tw=transcode-worker

# target: the sources it needs beyond the core (vo/*.c)
declare -A extra=(
    [media]="" [path]="" [json]="" [sigv4]="" [sign]="" [admin]=""
    [journal]="$tw/purger/tw_purge_journal.c tests/lib/tw_log_null.c"
    [request]="$tw/serve/tw_route.c tests/lib/tw_log_null.c"
    [catalog]="$tw/catalog/tw_catalog.c $tw/catalog/tw_catalog_text.c
               tests/lib/tw_log_null.c"
    [upload]="$tw/ingest/tw_upload_parse.c $tw/ingest/tw_upload_meta.c
              $tw/catalog/tw_catalog.c $tw/catalog/tw_catalog_text.c
              tests/lib/tw_log_null.c"
)
all="media path json catalog sigv4 sign admin journal request upload"
targets=${*:-$all}

if ! command -v "$CC" > /dev/null; then
    echo "run-fuzz: $CC not found (apt-get install -y clang)" >&2
    exit 2
fi

# the newest header: an object older than it is built again
newest=$(ls -t $core/*.h $tw/*/*.h tests/fuzz/*.h 2>/dev/null | head -n 1)

obj() {
    local src=$1 o=$out/obj/${1%.c}.o
    mkdir -p "$(dirname "$o")"
    if [ ! -e "$o" ] || [ "$src" -nt "$o" ] || [ "$newest" -nt "$o" ]; then
        # shellcheck disable=SC2086
        $CC $CFLAGS -fsanitize=fuzzer-no-link -c -o "$o" "$src" || return 1
    fi
    echo "$o"
}

core_objs=
for s in "$core"/vo_*.c; do
    o=$(obj "$s") || exit 2
    core_objs="$core_objs $o"
done

for name in $targets; do
    if [ -z "${extra[$name]+x}" ]; then
        echo "run-fuzz: no target \"$name\" (targets: $all)" >&2
        exit 2
    fi

    objs=
    for s in ${extra[$name]}; do
        o=$(obj "$s") || exit 2
        objs="$objs $o"
    done

    # shellcheck disable=SC2086
    $CC $CFLAGS -fsanitize=fuzzer -o "$out/fuzz_$name" \
        "tests/fuzz/fuzz_$name.c" $objs $core_objs -lcrypto || exit 2

    mkdir -p "$out/corpus/$name"
    if compgen -G "tests/fuzz/corpus/$name/*" > /dev/null; then
        cp tests/fuzz/corpus/"$name"/* "$out/corpus/$name/"
    fi
done

if [[ " $targets " == *" media "* ]]; then
    cp tests/core/data/*.json "$out/corpus/media/"
fi

rc=0

for name in $targets; do
    t=fuzz_$name
    dict=
    if [ -f "tests/fuzz/$name.dict" ]; then
        dict=-dict=tests/fuzz/$name.dict
    fi

    echo "run-fuzz: $t for ${secs}s"

    # shellcheck disable=SC2086
    "$out/$t" -max_total_time="$secs" -max_len=8192 -timeout=10 \
        $dict -artifact_prefix="$out/" -print_final_stats=1 \
        "$out/corpus/$name" > "$out/$t.log" 2>&1
    status=$?

    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
        "$out/$t.log"
    grep -E '^#[0-9]+.*(DONE|pulse|REDUCE|NEW)' "$out/$t.log" | tail -n 1
    echo "run-fuzz: $t corpus $(ls "$out/corpus/$name" | wc -l) inputs," \
         "exit status $status"

    if [ "$status" -ne 0 ]; then
        grep -E 'ERROR|SUMMARY|Test unit written|fuzz_fail' "$out/$t.log" \
            | head -n 5
        rc=1
    fi
done

exit "$rc"
