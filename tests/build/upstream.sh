#!/usr/bin/env bash
# upstream.sh BUILD_DIR: builds the module as a dynamic module against
# upstream nginx source (./configure --add-dynamic-module), the way users
# without Debian's nginx-dev build it.  The source is the upstream tarball
# Debian ships as nginx's orig.tar.gz, fetched with apt-get source through a
# private deb-src list made from this machine's own apt sources.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
apt="$out/apt"

if [ ! -d "$out/src" ]; then
    mkdir -p "$apt/lists/partial" "$apt/sources.list.d" "$out/dl"
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -e "$f" ] || continue
        sed 's/^Types: deb$/Types: deb-src/' "$f" \
            > "$apt/sources.list.d/$(basename "$f")"
    done
    if [ -s /etc/apt/sources.list ]; then
        sed -n 's/^deb /deb-src /p' /etc/apt/sources.list \
            > "$apt/sources.list.d/main.list"
    fi
    opts=(-o Dir::Etc::sourcelist=/dev/null
          -o "Dir::Etc::sourceparts=$apt/sources.list.d"
          -o "Dir::State::lists=$apt/lists"
          -o Debug::NoLocking=1)
    apt-get "${opts[@]}" -q update > "$out/apt.log" 2>&1
    # only the upstream tarball is needed; a mirror may lack the Debian
    # parts (.dsc, .debian.tar.xz) of a security update
    (cd "$out/dl" && apt-get "${opts[@]}" -q source --download-only \
        nginx >> "$out/apt.log" 2>&1) || true
    tarball=$(ls "$out"/dl/nginx_*.orig.tar.gz 2>/dev/null | head -1)
    if [ -z "$tarball" ]; then
        tail -5 "$out/apt.log"
        echo "upstream: 0 passed, 1 failed"
        exit 1
    fi
    mkdir -p "$out/src.tmp"
    tar -xzf "$tarball" -C "$out/src.tmp" --strip-components=1
    mv "$out/src.tmp" "$out/src"
fi

cd "$out/src"
./configure --with-compat --with-threads --with-http_ssl_module \
    --with-cc-opt="-Wall -Werror" \
    --add-dynamic-module="$top" > "$out/configure.log" 2>&1
make -f objs/Makefile modules > "$out/make.log" 2>&1 || {
    tail -30 "$out/make.log"; echo "upstream: 0 passed, 1 failed"; exit 1; }
ls -l objs/ngx_http_vidorigin_module.so
echo "upstream: 1 passed, 0 failed"
