// play-codec.js URL CODEC SCREENSHOT PROFILE_DIR
//
// Opens the demo page in headless Chromium (Debian's /usr/bin/chromium via
// playwright-core) with hls.js on its own: adaptive, no level forced, the
// way a viewer's browser would, on a master playlist whose device class
// prefers CODEC (a sample entry type: "av01").  Checks that hls.js picks a
// level of that codec, that fragments of it load and play past 6 s of
// media time with frames decoded, and that no fatal player error or
// <video> error happens.  Prints `ok - ...` / `not ok - ...` lines.
'use strict';
const path = require('path');
const { chromium } = require(path.join(process.env.NODE_MODULES, 'playwright-core'));

const [url, codec, shot, profile] = process.argv.slice(2);
const WALL_MS = +(process.env.PLAYER_WALL_MS || 90000);
const MEDIA_TIME = 6;
const started = Date.now();
const results = [];
const ok = (m) => results.push(`ok - ${codec} in hls.js: ${m}`);
const notOk = (m, diag) => {
    results.push(`not ok - ${codec} in hls.js: ${m}`);
    for (const d of [].concat(diag || [])) results.push(`#   ${d}`);
};

async function main() {
    const ctx = await chromium.launchPersistentContext(profile, {
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        headless: true,
        viewport: { width: 1280, height: 720 },
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
               '--disable-background-networking', '--disable-component-update',
               '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    });
    try {
        const page = ctx.pages()[0] || await ctx.newPage();
        const pageErrors = [];
        page.on('pageerror', (e) => pageErrors.push(String(e)));
        const state = () => page.evaluate(() => ({
            t: vo.video.currentTime, levels: vo.levels,
            playing: vo.state ? vo.state().playing : null,
            frags: vo.frags.filter((f) => f.type === 'main').map((f) => f.level),
            errors: vo.errors, err: vo.video.error && vo.video.error.code,
            frames: vo.video.getVideoPlaybackQuality().totalVideoFrames,
            mse: window.MediaSource
                ? MediaSource.isTypeSupported('video/mp4; codecs="av01.0.05M.08"') : null,
            log: vo.log.slice(-8),
        }));
        await page.goto(url, { timeout: 20000 });
        try {
            await page.waitForFunction(
                `window.vo && (vo.video.currentTime >= ${MEDIA_TIME} ||
                  vo.video.error !== null || vo.errors.some(e => e.fatal))`,
                null, { timeout: Math.max(1000, WALL_MS - (Date.now() - started)), polling: 250 });
        } catch (e) {
            notOk(`plays ${MEDIA_TIME} s (timed out)`, JSON.stringify(await state()));
            return;
        }
        const s = await state();
        await page.screenshot({ path: shot });
        const of = (i) => (s.levels[i] && s.levels[i].codec) || '?';
        const codecs = [...new Set(s.levels.map((l) => (l.codec || '').split('.')[0]))];
        // hls.js keeps its levels by bit rate, not in playlist order
        if (codecs.includes(codec)) {
            ok(`the playlist has ${codec} levels (level codecs: ${codecs.join(', ')})`);
        } else {
            notOk(`the playlist has ${codec} levels`, `level codecs: ${codecs.join(', ')}`);
        }
        const played = [...new Set(s.frags)].map(of);
        if (s.playing !== null && of(s.playing).startsWith(codec + '.') &&
            played.length && played.every((c) => c.startsWith(codec + '.'))) {
            ok(`hls.js chose ${of(s.playing)}: every fragment loaded is ${codec} ` +
               `(${s.frags.length} fragment(s))`);
        } else {
            notOk(`hls.js plays ${codec}`, [`playing level ${s.playing} (${of(s.playing)}), ` +
                  `fragments of ${played.join(', ')}; MSE av01: ${s.mse}`, ...s.log]);
        }
        if (s.t >= MEDIA_TIME && s.frames > 0) {
            ok(`played ${s.t.toFixed(1)} s of media, ${s.frames} frames decoded`);
        } else {
            notOk(`played ${s.t.toFixed(1)} s, ${s.frames} frames`);
        }
        if (s.err || s.errors.some((e) => e.fatal)) {
            notOk('no fatal player error and no <video> error', JSON.stringify(s.errors));
        } else {
            ok('no fatal player error and no <video> error');
        }
        if (pageErrors.length) notOk('no JavaScript error on the page', pageErrors.slice(0, 5));
    } finally {
        await ctx.close();
    }
}

const guard = setTimeout(() => {
    console.log(`not ok - ${codec} in hls.js: finished within ${(WALL_MS + 30000) / 1000} s`);
    process.exit(1);
}, WALL_MS + 30000);
main().catch((e) => notOk(`runs (${e.message.split('\n')[0]})`))
    .finally(() => {
        clearTimeout(guard);
        for (const l of results) console.log(l);
        process.exit(results.some((l) => l.startsWith('not ok')) ? 1 : 0);
    });
