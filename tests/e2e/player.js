// player.js URL KIND SCREENSHOT PROFILE_DIR
//
// Drives the demo page in headless Chromium (Debian's /usr/bin/chromium via
// playwright-core, never a downloaded browser).  The page starts on the
// lowest level with adaptive switching off (URL level=min), so that no
// switch can come from the player's ABR; at 3 s of playback the test forces
// a switch to the highest level through the page's picker API (hls.js:
// hls.currentLevel = i; dash.js: ABR off + setQualityFor), then checks that
// the new level's fragments load, that the new level is what is rendered
// (video.videoHeight), that playback goes on past the switch point and
// reaches 10 s of media time, and that no fatal player error or <video>
// error happened.  Prints `ok - ...` / `not ok - ...` lines.
'use strict';
const path = require('path');
const { chromium } = require(path.join(process.env.NODE_MODULES, 'playwright-core'));

const [url, kind, shot, profile] = process.argv.slice(2);
const WALL_MS = +(process.env.PLAYER_WALL_MS || 60000);  // whole run, wall clock
const MIN_MEDIA_TIME = 10;       // seconds of media time to play
const AFTER_SWITCH = 3;          // seconds to play on the new level
const started = Date.now();
const left = () => Math.max(1000, WALL_MS - (Date.now() - started));

const results = [];
const ok = (msg) => results.push(`ok - browser ${kind}: ${msg}`);
const notOk = (msg, diag) => {
    results.push(`not ok - browser ${kind}: ${msg}`);
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
    const pageErrors = [];
    try {
        const page = ctx.pages()[0] || await ctx.newPage();
        page.on('pageerror', (e) => pageErrors.push(String(e)));
        const state = () => page.evaluate(() => ({
            t: vo.video.currentTime, paused: vo.video.paused,
            height: vo.video.videoHeight, err: vo.video.error && vo.video.error.code,
            playing: vo.state ? vo.state().playing : null,
            levels: vo.levels, nfrags: vo.frags.length,
            errors: vo.errors, switches: vo.switches,
            frames: vo.video.getVideoPlaybackQuality().totalVideoFrames,
            log: vo.log.slice(-8),
        }));
        const dump = async () => {
            try {
                const s = await state();
                return [`t=${s.t.toFixed(2)} paused=${s.paused} height=${s.height} ` +
                        `playing=${s.playing} frags=${s.nfrags} frames=${s.frames} ` +
                        `videoError=${s.err}`,
                        ...s.errors.map((e) => `player error: ${JSON.stringify(e)}`),
                        ...s.log.map((l) => `log: ${l}`)];
            } catch (e) { return [`(no state: ${e.message})`]; }
        };
        const wait = async (what, fn, arg) => {
            try {
                await page.waitForFunction(fn, arg, { timeout: left(), polling: 200 });
                return true;
            } catch (e) {
                notOk(`${what} (timed out after ${((Date.now() - started) / 1000).toFixed(0)} s)`,
                      await dump());
                return false;
            }
        };
        // a fatal error ends the wait at once instead of waiting for the timeout
        const noFatal = 'vo.video.error === null && !vo.errors.some(e => e.fatal)';

        await page.goto(url, { timeout: 20000 });
        if (!await wait('page loads the manifest and lists the levels',
            `window.vo && (vo.levels.length > 0 || !(${noFatal}))`)) return;
        let s = await state();
        if (s.levels.length < 2) {
            notOk(`needs at least 2 levels to switch, has ${s.levels.length}`, await dump());
            return;
        }
        if (!await wait('playback starts and reaches 3 s',
            `vo.video.currentTime >= 3 && vo.state().playing !== null || !(${noFatal})`)) return;
        s = await state();
        if (s.err || s.errors.some((e) => e.fatal)) {
            notOk('fatal error before the switch', await dump());
            return;
        }
        // the switch target: a level of another height than the one playing,
        // the highest when a lower one plays, else the lowest
        const byRate = s.levels.slice().sort((a, b) => a.bitrate - b.bitrate);
        const lowest = byRate[0], target = byRate[byRate.length - 1];
        const early = await page.evaluate(() => vo.frags
            .filter((f) => f.type === 'main' || f.type === 'video').map((f) => f.level));
        if (s.playing !== lowest.index || s.height !== lowest.height ||
            early.some((l) => l !== lowest.index)) {
            notOk(`starts on the lowest level ${lowest.height}p with ABR off ` +
                  `(playing level ${s.playing}, ${s.height}p, fragments of levels ` +
                  `${[...new Set(early)].join(',')})`, await dump());
            return;
        }
        ok(`starts on the lowest level ${lowest.height}p with ABR off ` +
           `(${early.length} fragment(s), all of that level)`);
        const from = `${lowest.height}p`;
        const switchAt = s.t;
        const fragsBefore = s.nfrags;
        await page.evaluate((i) => vo.setLevel(i), target.index);

        const cond = `(function (a) {
            var t = vo.video.currentTime;
            var loaded = vo.frags.slice(a.fragsBefore).some(function (f) {
                return f.level === a.target && (f.type === 'main' || f.type === 'video'); });
            return loaded && vo.state().playing === a.target &&
                vo.video.videoHeight === a.height &&
                t >= Math.max(${MIN_MEDIA_TIME}, a.switchAt + ${AFTER_SWITCH}) &&
                !vo.video.paused;
        })(arguments[0]) || !(${noFatal})`;
        const arg = { target: target.index, height: target.height, switchAt, fragsBefore };
        const switched = await wait(
            `switch ${from} -> ${target.height}p at ${switchAt.toFixed(1)} s: new level loads, renders and plays on`,
            cond.replace('arguments[0]', JSON.stringify(arg)));
        s = await state();
        await page.screenshot({ path: shot });

        const fatal = s.err || s.errors.some((e) => e.fatal);
        if (switched && !fatal) {
            const newFrags = (await page.evaluate((a) => vo.frags.slice(a.b)
                .filter((f) => f.level === a.t && (f.type === 'main' || f.type === 'video')).length,
                { b: fragsBefore, t: target.index }));
            ok(`switch ${from} -> ${target.height}p at ${switchAt.toFixed(1)} s: ` +
               `${newFrags} fragment(s) of the new level loaded, rendering ` +
               `${s.height}p, playing on to ${s.t.toFixed(1)} s`);
        } else if (switched) {
            notOk(`switch ${from} -> ${target.height}p`, await dump());
        }
        if (s.t >= MIN_MEDIA_TIME && s.frames > 0) {
            ok(`played ${s.t.toFixed(1)} s of media (${s.frames} frames decoded)`);
        } else {
            notOk(`played ${s.t.toFixed(1)} s of media, want >= ${MIN_MEDIA_TIME}`);
        }
        if (fatal) {
            notOk('no fatal player error and no <video> error', await dump());
        } else {
            const nonFatal = s.errors.length;
            ok(`no fatal player error and no <video> error` +
               (nonFatal ? ` (${nonFatal} non-fatal)` : ''));
        }
        if (pageErrors.length) notOk('no JavaScript error on the page', pageErrors.slice(0, 5));
    } finally {
        await ctx.close();
    }
}

const guard = setTimeout(() => {
    console.log(`not ok - browser ${kind}: finished within ${(WALL_MS + 30000) / 1000} s`);
    process.exit(1);
}, WALL_MS + 30000);
main().catch((e) => notOk(`runs (${e.message.split('\n')[0]})`))
    .finally(() => {
        clearTimeout(guard);
        for (const l of results) console.log(l);
        process.exit(results.some((l) => l.startsWith('not ok')) ? 1 : 0);
    });
