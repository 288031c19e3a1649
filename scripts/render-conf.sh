#!/usr/bin/env bash
# render-conf.sh OUTDIR NAME=VALUE...
#
# Renders conf/nginx.conf.in and conf/vidorigin-locations.conf into OUTDIR,
# replacing each @NAME@ with its value.  Needed: MODULE VAR PORT STORE WWW.
# Optional: WORKERS (2), LOG_LEVEL (info), EXTRA (text inside the server
# block, for tests and benchmarks), UPSTREAM (the server lines of the
# upstream of transcode workers; default the socket of the one worker
# `make run` starts, VAR/run/transcode-worker.sock), ADMIN_SECRET (default:
# the one in VAR/admin.secret, made there if missing), HTTP_EXTRA (text at
# http level).  STORE=s3 serves from S3 (conf/vidorigin-s3-*.conf) and
# needs S3_ENDPOINT (host:port) and S3_BUCKET; optional S3_REGION
# (us-east-1), S3_PATH_STYLE (on), S3_CONNECT_TIMEOUT (1s), S3_TIMEOUT
# (5s), SEGMENT_VALID (1y), CACHE_SIZE (10g), S3_CA (the CA bundle S3's
# certificate is checked against, /etc/ssl/certs/ca-certificates.crt).  DEVICES=on includes the
# shipped device classes (conf/vidorigin-devices.conf); off (the default):
# every viewer gets the H.264 ladder.  Prints the path of nginx.conf.
set -euo pipefail
# bash 5.2 would put the matched text for each "&" in a replacement value
shopt -u patsub_replacement 2>/dev/null || true
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1; shift
mkdir -p "$out"
declare -A v=([WORKERS]=2 [LOG_LEVEL]=info [EXTRA]="" [HTTP_EXTRA]="" [CONF]="$out"
              [S3_REGION]=us-east-1 [S3_PATH_STYLE]=on [S3_CONNECT_TIMEOUT]=1s
              [S3_TIMEOUT]=5s [SEGMENT_VALID]=1y [CACHE_SIZE]=10g
              [S3_CA]=/etc/ssl/certs/ca-certificates.crt)
for kv in "$@"; do v[${kv%%=*}]=${kv#*=}; done
for need in MODULE VAR PORT STORE WWW; do
    [ -n "${v[$need]:-}" ] || { echo "render-conf: $need is not set" >&2; exit 2; }
done
[ -n "${v[UPSTREAM]:-}" ] || v[UPSTREAM]="server unix:${v[VAR]}/run/transcode-worker.sock max_fails=1 fail_timeout=2s;"
mkdir -p "${v[VAR]}/log" "${v[VAR]}/tmp" "${v[VAR]}/run" "${v[VAR]}/cache"
if [ -z "${v[ADMIN_SECRET]:-}" ]; then
    secret=${v[VAR]}/admin.secret
    if [ ! -s "$secret" ]; then
        (umask 077; openssl rand -hex 24 > "$secret")
    fi
    v[ADMIN_SECRET]=$(cat "$secret")
fi
s3=
if [ "${v[STORE]}" = s3 ]; then
    s3=1
    for need in S3_ENDPOINT S3_BUCKET; do
        [ -n "${v[$need]:-}" ] || { echo "render-conf: $need is not set" >&2; exit 2; }
    done
    v[HTTP_EXTRA]="include $out/vidorigin-s3-http.conf;
${v[HTTP_EXTRA]}"
fi
if [ "${v[DEVICES]:-off}" = on ]; then
    cp "$top/conf/vidorigin-devices.conf" "$out/vidorigin-devices.conf"
    v[HTTP_EXTRA]="include $out/vidorigin-devices.conf;
${v[HTTP_EXTRA]}"
fi
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
if [ -n "$s3" ]; then
    render "$top/conf/vidorigin-s3-locations.conf" "$out/vidorigin-locations.conf"
    render "$top/conf/vidorigin-s3-request.conf" "$out/vidorigin-s3-request.conf"
    render "$top/conf/vidorigin-s3-http.conf" "$out/vidorigin-s3-http.conf"
else
    render "$top/conf/vidorigin-locations.conf" "$out/vidorigin-locations.conf"
fi
echo "$out/nginx.conf"
