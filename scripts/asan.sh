#!/usr/bin/env bash
# asan.sh BUILD_DIR STORE_DIR: builds nginx (upstream source, the module
# as a dynamic module) and the transcode worker with AddressSanitizer and
# UndefinedBehaviorSanitizer, then runs under them the Test::Nginx
# suites, the worker's serve suites and the just-in-time suites.  Every
# report the sanitizers write (ASAN_OPTIONS/UBSAN_OPTIONS log_path, one
# file per process) fails the run, with the report shown.
#
# Leaks: LeakSanitizer checks the worker's processes; nginx is left to
# valgrind (make valgrind), because its master exits with the cycle's
# pools still allocated by design.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
store=$2
san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-common"
cflags="-O1 -g $san"
jobs=$(nproc 2>/dev/null || echo 2)

# --- nginx: the upstream tarball tests/build/upstream.sh fetches
if [ ! -d "$top/build/upstream/src" ]; then
    bash "$top/tests/build/upstream.sh" "$top/build/upstream" >/dev/null
fi
ngx=$out/nginx
# --with-debug as Debian's nginx: t/ reads debug-level lines
conf=(--with-compat --with-threads --with-pcre-jit --with-debug
      --with-http_ssl_module --with-http_realip_module)
stamp="$cflags ${conf[*]} $(cd "$top" && cat config ngx_vidorigin_module/*.[ch] \
    ngx_vidorigin_module/vo/*.[ch] | sha256sum | cut -c1-16)"
if [ ! -x "$ngx/objs/nginx" ] || [ "$(cat "$ngx/.stamp" 2>/dev/null)" != "$stamp" ]
then
    rm -rf "$ngx" && cp -a "$top/build/upstream/src" "$ngx"
    (cd "$ngx" && ./configure "${conf[@]}" \
        --with-cc-opt="$cflags -Wall -Werror" --with-ld-opt="$san" \
        --add-dynamic-module="$top" > "$out/nginx-configure.log" 2>&1 &&
     make -j"$jobs" -f objs/Makefile > "$out/nginx-make.log" 2>&1) || {
        tail -30 "$out/nginx-make.log" 2>/dev/null || tail -30 "$out/nginx-configure.log"
        echo "asan: 0 passed, 1 failed (nginx build)"; exit 1; }
    echo "$stamp" > "$ngx/.stamp"
fi

# --- the worker: the Makefile's own rules, in a build tree of its own
make -C "$top" --no-print-directory -j"$jobs" BUILD="$out/tw" \
    CFLAGS="$cflags" "$out/tw/transcode-worker" > "$out/worker-make.log" 2>&1 || {
    tail -30 "$out/worker-make.log"; echo "asan: 0 passed, 1 failed (worker build)"; exit 1; }

logs=$out/reports
rm -rf "$logs" && mkdir -p "$logs"
export NGINX=$ngx/objs/nginx     # un-exported by the suites before nginx runs
export MODULE_SO=$ngx/objs/ngx_http_vidorigin_module.so
export WORKER=$out/tw/transcode-worker
export STORE=$store
# detect_odr_violation=0: every nginx dynamic module defines its own
# ngx_modules and ngx_module_names, which the nginx binary defines too
# (nginx finds a module's with dlsym): by design, and reported otherwise
common="log_path=$logs/report:detect_stack_use_after_return=1:detect_odr_violation=0"
export UBSAN_OPTIONS="log_path=$logs/report:print_stacktrace=1:suppressions=$top/ubsan.suppress"

pass=0 fail=0
suite() {
    local name=$1 leaks=$2
    shift 2
    echo "# asan: $name"
    if ASAN_OPTIONS="$common:detect_leaks=$leaks" "$@"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1)); echo "not ok - $name under the sanitizers"
    fi
}

# the nginx suites: leaks left to valgrind (see above); the worker's
suite t 0 bash "$top/scripts/run-t.sh" "$MODULE_SO" "$store"
suite serve-module 0 bash "$top/scripts/run-suites.sh" serve-module \
    "$top"/tests/serve/test-module-*.sh
suite serve-worker 1 bash "$top/scripts/run-suites.sh" serve-worker \
    "$top"/tests/serve/test-worker-*.sh
suite serve-jit 0 bash "$top/scripts/run-suites.sh" serve-jit \
    "$top"/tests/serve/test-jit-*.sh

reports=$(ls "$logs" 2>/dev/null | wc -l)
if [ "$reports" -gt 0 ]; then
    for f in "$logs"/*; do
        echo "--- $f"
        head -60 "$f"
    done
    echo "not ok - $reports sanitizer report(s) in $logs"
    fail=$((fail + 1))
else
    echo "ok - no sanitizer report"
    pass=$((pass + 1))
fi
echo "asan: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
