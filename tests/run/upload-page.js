// Copyright (C) vidorigin authors
// SPDX-License-Identifier: BSD-2-Clause
//
// node upload-page.js BASE FILE: the demo page in headless Chromium
// (Debian's), its "Upload a video" form given FILE; waits until the page
// says the upload is playable (at most 120 s), follows its link and lets
// hls.js play for a few seconds.  Prints one JSON line:
//   {"state", "id", "ms", "time", "height", "errors", "title"}
const path = require('path');
const os = require('os');
const fs = require('fs');
const { chromium } = require(path.join(process.env.NODE_MODULES, 'playwright-core'));

(async () => {
    const [base, file] = process.argv.slice(2);
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'vo-page-'));
    const ctx = await chromium.launchPersistentContext(profile, {
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run',
               '--autoplay-policy=no-user-gesture-required'],
    });
    const out = { state: 'none', errors: [] };
    try {
        const page = ctx.pages()[0] || await ctx.newPage();
        page.on('pageerror', (e) => out.errors.push(String(e)));
        await page.goto(base + '/');
        await page.click('#upload-box summary');
        await page.setInputFiles('#up-file', file);
        await page.fill('#up-title', 'uploaded by the page test');
        const t0 = Date.now();
        await page.click('#up-go');
        let s;
        while (Date.now() - t0 < 120000) {
            s = await page.evaluate(() => vo.upload);
            if (s.state === 'ready' || s.state === 'failed') break;
            await page.waitForTimeout(200);
        }
        Object.assign(out, { state: s.state, id: s.id, ms: Date.now() - t0,
                             error: s.error });
        if (s.state === 'ready') {
            await page.click('#up-state a');
            await page.waitForFunction(() => window.vo && vo.video &&
                vo.video.currentTime > 2, null, { timeout: 30000 })
                .catch(() => {});
            Object.assign(out, await page.evaluate(() => ({
                time: vo.video.currentTime, height: vo.video.videoHeight,
                title: vo.api && vo.api.title,
                playerErrors: vo.errors.filter((e) => e.fatal).length })));
        }
    } finally {
        await ctx.close();
        fs.rmSync(profile, { recursive: true, force: true });
    }
    console.log(JSON.stringify(out));
})().catch((e) => { console.log(JSON.stringify({ state: 'crash', error: String(e) })); });
