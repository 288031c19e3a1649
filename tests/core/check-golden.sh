#!/usr/bin/env bash
#
# Sanity checks of the golden manifests, independent of the C code that
# wrote them: run after VO_UPDATE_GOLDEN=1, before keeping the new files.
#
#   - every MPD is well-formed XML (xmllint --noout; Debian package
#     libxml2-utils);
#   - every playlist starts with #EXTM3U and uses only LF line ends;
#   - in media playlists, every EXTINF rounded to the nearest integer is
#     at most EXT-X-TARGETDURATION (RFC 8216, 4.3.3.1), and the list ends
#     with EXT-X-ENDLIST.
#
# Exit status 0 when everything passes.

set -u

cd "$(dirname "$0")/golden" || exit 2

rc=0

if command -v xmllint > /dev/null; then
    for f in */*.mpd; do
        xmllint --noout "$f" || { echo "$f: not well-formed"; rc=1; }
    done
else
    echo "xmllint missing (apt-get install -y libxml2-utils)" >&2
    rc=1
fi

for f in */*.m3u8; do
    if [ "$(head -n 1 "$f")" != "#EXTM3U" ]; then
        echo "$f: does not start with #EXTM3U"
        rc=1
    fi

    if grep -q $'\r' "$f"; then
        echo "$f: CR in playlist"
        rc=1
    fi

    case "$f" in
    */master*.m3u8) continue ;;
    esac

    awk -F'[:,]' -v f="$f" '
        /^#EXT-X-TARGETDURATION:/ { target = $2 }
        /^#EXTINF:/ {
            split($2, p, ".")
            ms = p[1] * 1000 + p[2]
            if (int((ms + 500) / 1000) > target) {
                printf "%s: EXTINF %s above target %s\n", f, $2, target
                bad = 1
            }
        }
        { last = $0 }
        END {
            if (last != "#EXT-X-ENDLIST") {
                printf "%s: no EXT-X-ENDLIST\n", f
                bad = 1
            }
            exit bad
        }' "$f" || rc=1
done

[ "$rc" -eq 0 ] && echo "golden: all manifests pass"

exit "$rc"
