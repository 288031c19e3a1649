#!/usr/bin/env bash
# run-t.sh MODULE_SO STORE_DIR
#
# Runs the Test::Nginx suites under t/ against the distro nginx with the
# module loaded:
#
#   TEST_NGINX_BINARY        $NGINX or /usr/sbin/nginx
#   TEST_NGINX_LOAD_MODULES  absolute MODULE_SO (an explicitly set
#                            TEST_NGINX_LOAD_MODULES, even empty, wins: that
#                            runs the harness self-tests with stock nginx)
#   TEST_NGINX_STORE         absolute STORE_DIR (created)
#   TEST_NGINX_SERVROOT      build/t-servroot (absolute)
#   TEST_NGINX_PORT          a free loopback port
#   VALGRIND=1               also TEST_NGINX_USE_VALGRIND=1
#
# The project's own Test::Nginx subset (t/lib) is used only when the genuine
# CPAN module is not installed.  Exits with prove's status.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

if [ $# -ne 2 ]; then
    echo "usage: $0 MODULE_SO STORE_DIR" >&2
    exit 2
fi
module=$1
store=$2

abspath() {
    case $1 in
        /*) printf '%s\n' "$1" ;;
        *)  printf '%s\n' "$PWD/$1" ;;
    esac
}

if [ "${TEST_NGINX_LOAD_MODULES+set}" != set ]; then
    if [ ! -f "$module" ]; then
        echo "run-t: module $module not found (build it first, or set" \
             "TEST_NGINX_LOAD_MODULES to override)" >&2
        exit 2
    fi
    TEST_NGINX_LOAD_MODULES=$(abspath "$module")
fi
export TEST_NGINX_LOAD_MODULES

mkdir -p "$store" "$top/build"
export TEST_NGINX_STORE
TEST_NGINX_STORE=$(cd "$store" && pwd)
export TEST_NGINX_BINARY=${NGINX:-/usr/sbin/nginx}
# nginx reads $NGINX itself (sockets inherited on upgrade): not in its env
export -n NGINX 2>/dev/null || true
export TEST_NGINX_SERVROOT=$top/build/t-servroot

# a free port outside the ephemeral range, so that no outgoing connection
# takes it while the suites run
export TEST_NGINX_PORT
TEST_NGINX_PORT=$(perl -MIO::Socket::INET -e '
    for (1 .. 200) {
        my $p = 10000 + int rand 20000;
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                                      LocalPort => $p, Listen => 1,
                                      ReuseAddr => 1) or next;
        print $p;
        exit 0;
    }
    die "run-t: no free port on 127.0.0.1\n";')

if [ "${VALGRIND:-0}" = 1 ]; then
    command -v valgrind >/dev/null || {
        echo "run-t: VALGRIND=1 but valgrind is not installed" >&2
        exit 2
    }
    export TEST_NGINX_USE_VALGRIND=1
fi

cd "$top"
inc=()
if ! perl -MTest::Nginx::Socket -e1 2>/dev/null; then
    inc=(-I t/lib)
fi

harness=${inc[*]:-genuine Test::Nginx}
echo "run-t: nginx $TEST_NGINX_BINARY, port $TEST_NGINX_PORT," \
     "modules '${TEST_NGINX_LOAD_MODULES}', store $TEST_NGINX_STORE," \
     "harness $harness${TEST_NGINX_USE_VALGRIND:+, valgrind}"
# TESTS="t/004-segments.t ..." runs a subset
exec prove "${inc[@]}" ${TESTS:--r t/}
