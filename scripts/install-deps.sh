#!/usr/bin/env bash
# Installs the Debian 12 packages vidorigin needs to build, run and test,
# only those missing.  Runs with no stdin (CI); needs root to install.
set -euo pipefail

pkgs=(
    # build
    gcc make pkg-config nginx nginx-dev libpcre2-dev zlib1g-dev libssl-dev
    libavformat-dev libavcodec-dev libavfilter-dev libswscale-dev
    libswresample-dev libavutil-dev libx264-dev
    libmicrohttpd-dev libhiredis-dev libcurl4-openssl-dev
    libmaxminddb-dev
    # run and test
    redis-server ffmpeg curl procps valgrind wrk libxml2-utils python3 jq
    clang libclang-rt-14-dev strace
    libtest-base-perl libtest-longstring-perl liburi-perl
    libmaxmind-db-writer-perl
    nodejs chromium fonts-dejavu-core
    gnuplot-nox
)

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null \
            | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

# some images ship a nodejs that bundles npm (and conflicts with Debian's)
command -v npm >/dev/null 2>&1 || missing+=(npm)

[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: not root; install these packages first" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q "${missing[@]}" >/dev/null
echo "install-deps: done"
