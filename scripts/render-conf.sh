#!/usr/bin/env bash
# render-conf.sh OUTDIR NAME=VALUE...
#
# Renders conf/nginx.conf.in and conf/vidorigin-locations.conf into OUTDIR,
# replacing each @NAME@ with its value.  Needed: MODULE VAR PORT STORE WWW.
# Optional: WORKERS (2), LOG_LEVEL (info), EXTRA (text inside the server
# block, for tests and benchmarks), UPSTREAM (the server lines of the
# upstream of transcode workers; default the socket of the one worker
# `make run` starts, VAR/run/transcode-worker.sock).  Prints the path of
# nginx.conf.
set -euo pipefail
# bash 5.2 would put the matched text for each "&" in a replacement value
shopt -u patsub_replacement 2>/dev/null || true
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1; shift
mkdir -p "$out"
declare -A v=([WORKERS]=2 [LOG_LEVEL]=info [EXTRA]="" [CONF]="$out")
for kv in "$@"; do v[${kv%%=*}]=${kv#*=}; done
for need in MODULE VAR PORT STORE WWW; do
    [ -n "${v[$need]:-}" ] || { echo "render-conf: $need is not set" >&2; exit 2; }
done
[ -n "${v[UPSTREAM]:-}" ] || v[UPSTREAM]="server unix:${v[VAR]}/run/transcode-worker.sock max_fails=1 fail_timeout=2s;"
mkdir -p "${v[VAR]}/log" "${v[VAR]}/tmp" "${v[VAR]}/run"
render() {
    local text
    text=$(cat "$1")
    for k in "${!v[@]}"; do text=${text//@$k@/${v[$k]}}; done
    if grep -q '@[A-Z_]*@' <<<"$text"; then
        echo "render-conf: $1: unfilled field $(grep -o '@[A-Z_]*@' <<<"$text" | head -1)" >&2
        exit 2
    fi
    printf '%s\n' "$text" > "$2"
}
render "$top/conf/nginx.conf.in" "$out/nginx.conf"
render "$top/conf/vidorigin-locations.conf" "$out/vidorigin-locations.conf"
echo "$out/nginx.conf"
