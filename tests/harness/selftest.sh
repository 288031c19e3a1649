#!/usr/bin/env bash
# selftest.sh - proves the t/ harness tells passing from failing.
#
#   1. t/000-harness*.t (every supported section, correct expectations) pass;
#   2. tests/harness/fail.t (one wrong expectation per block) fails, with at
#      least one "not ok" naming every one of its blocks (or, for its last,
#      the genuine harness's bail-out);
#   3. the valgrind report scanner picks the right records of a sample;
#   4. no nginx started for these runs is left behind.
#
# Uses /usr/sbin/nginx (or $NGINX) and stock modules only.  Closes with
# "harness: N passed, M failed" (one per numbered step that ran).  Exit 0
# = OK.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

export TEST_NGINX_BINARY=${NGINX:-/usr/sbin/nginx}
# nginx reads $NGINX itself (sockets inherited on upgrade): not in its env
export -n NGINX 2>/dev/null || true
export TEST_NGINX_SERVROOT=$top/build/harness-servroot
export TEST_NGINX_PORT
TEST_NGINX_PORT=$(perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
                                  Listen => 1) or die "no port: $!\n";
    print $s->sockport;')
unset TEST_NGINX_LOAD_MODULES TEST_NGINX_USE_VALGRIND TEST_NGINX_NO_CLEAN

inc=()
perl -MTest::Nginx::Socket -e1 2>/dev/null || inc=(-I t/lib)
mkdir -p build
status=0
passed=0
failed=0

# step: counts the step just done (its checks set status=1 on failure)
step() {
    if [ "$status" -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
    total_status=$((${total_status:-0} | status))
    status=0
}

echo "== t/000-harness*.t must pass"
if ! prove "${inc[@]}" t/000-harness*.t; then
    echo "selftest: FAILED: t/000-harness*.t do not pass" >&2
    status=1
fi
step

echo "== tests/harness/fail.t must fail in every block"
out=build/harness-fail.tap
set +e
prove "${inc[@]}" -v tests/harness/fail.t > "$out" 2>&1
rc=$?
set -e
if [ "$rc" -eq 0 ] || ! grep -q '^Result: FAIL' "$out"; then
    echo "selftest: FAILED: prove did not report failure for fail.t" >&2
    status=1
fi
titles=$(sed -n 's/^=== \(FAIL [0-9]*:.*\)$/\1/p' tests/harness/fail.t)
if [ "$(grep -c . <<<"$titles")" -lt 17 ]; then
    echo "selftest: FAILED: cannot read the block titles of fail.t" >&2
    status=1
fi
# a "not ok" naming each block; the genuine harness gives up on the file
# when nginx does not start (fail.t has that block last): its bail-out
# names the block instead
while IFS= read -r title; do
    if ! grep -F -- "$title" "$out" \
            | grep -Eq '^(not ok|Bailout called)'; then
        echo "selftest: FAILED: no failing assertion for \"$title\"" >&2
        status=1
    fi
done <<<"$titles"
grep '^not ok' "$out" | sed 's/^/    /' || true
step

if [ ${#inc[@]} -gt 0 ]; then
    echo "== valgrind report scanner (project harness only)"
    # 3 of the 6 records count: an invalid read and two definite leaks in
    # our frames (one right after a suppression template)
    n=$(perl -I t/lib -MTest::Nginx::Valgrind -e '
        print scalar(() = Test::Nginx::Valgrind::errors($ARGV[0],
                                                        "/x/mod_y.so"));
    ' tests/harness/valgrind-sample.log)
    if [ "$n" != 3 ]; then
        echo "selftest: FAILED: valgrind scanner found $n errors, not 3" >&2
        status=1
    fi
    step
fi

if pgrep -f -- "-p $TEST_NGINX_SERVROOT/" >/dev/null; then
    echo "selftest: FAILED: nginx processes left behind:" >&2
    pgrep -a -f -- "-p $TEST_NGINX_SERVROOT/" >&2
    status=1
fi

step
status=$total_status

[ "$status" -eq 0 ] && echo "selftest: OK" || echo "selftest: FAILED"
echo "harness: $passed passed, $failed failed"
exit "$status"
