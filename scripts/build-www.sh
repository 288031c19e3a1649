#!/usr/bin/env bash
# build-www.sh OUTDIR
#
# Builds the demo page into OUTDIR: www/* plus the two players and the upload client
# (tus-js-client) taken from the npm registry at build time (never a CDN at run time).  The npm packages are
# installed with `npm ci` from www/package-lock.json into $NODE_DIR
# (default build/node), which also holds playwright-core for tests/e2e.
# Idempotent: npm ci runs again only when package.json or the lock changed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-www.sh OUTDIR}
node_dir=${NODE_DIR:-$top/build/node}

mkdir -p "$out" "$node_dir"
lock_sum=$(cat "$top/www/package.json" "$top/www/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$node_dir/.lock-sum" 2>/dev/null)" != "$lock_sum" ] ||
   [ ! -d "$node_dir/node_modules" ]; then
    cp "$top/www/package.json" "$top/www/package-lock.json" "$node_dir/"
    rm -f "$node_dir/.lock-sum"
    echo "build-www: npm ci in $node_dir"
    (cd "$node_dir" &&
     PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund \
        --loglevel=error </dev/null)
    echo "$lock_sum" > "$node_dir/.lock-sum"
fi

for f in node_modules/hls.js/dist/hls.min.js node_modules/dashjs/dist/dash.all.min.js \
         node_modules/tus-js-client/dist/tus.min.js; do
    [ -s "$node_dir/$f" ] || { echo "build-www: $node_dir/$f is missing" >&2; exit 1; }
done

# copy only what changed (cp -u), page files first, then the players
for f in "$top"/www/*; do
    case $(basename "$f") in
        package.json|package-lock.json|node_modules) continue ;;
    esac
    cp -u "$f" "$out/"
done
cp -u "$node_dir/node_modules/hls.js/dist/hls.min.js" \
      "$node_dir/node_modules/dashjs/dist/dash.all.min.js" \
      "$node_dir/node_modules/tus-js-client/dist/tus.min.js" "$out/"
