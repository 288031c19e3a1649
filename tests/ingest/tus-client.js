// Copyright (C) vidorigin authors
// SPDX-License-Identifier: BSD-2-Clause
//
// A real tus client (tus-js-client, from www/package.json) for
// tests/ingest:
//
//   node tus-client.js MODE URL FILE CHUNK [DELAY_MS]
//
//   MODE  create   URL is the creation URL: upload FILE whole
//         abort    the same, aborted once half the bytes are sent
//         resume   URL is the upload's own URL: HEAD, then the rest
//   CHUNK bytes per PATCH; DELAY_MS a wait before each request (a slow
//   client, for a server killed mid-upload)
//
// Prints "url URL" once the upload exists, "head OFFSET" for each HEAD
// answer, "patch OFFSET" for each PATCH sent, then "done" or "aborted";
// exits 1 on an error.  Bounded: gives up after 60 s.
'use strict';

const fs = require('fs');
const path = require('path');
const tus = require(path.join(process.env.NODE_MODULES, 'tus-js-client'));

const [mode, url, file, chunk, delay] = process.argv.slice(2);
const data = fs.readFileSync(file);
const wait = Number(delay || 0);
let aborted = false;

const timer = setTimeout(() => {
    console.log('error timeout');
    process.exit(1);
}, 60000);

const options = {
    chunkSize: Number(chunk),
    // the first retry late enough for a server killed -9 to be back:
    // tus-js-client makes a new upload when the HEAD of a resume fails
    retryDelays: [1000, 1000, 1000, 2000, 2000, 2000],
    metadata: { filename: path.basename(file), title: 'tus upload' },
    onBeforeRequest(req) {
        if (req.getMethod() === 'PATCH') {
            console.log('patch ' + req.getHeader('Upload-Offset'));
        }
        if (wait) {
            return new Promise((ok) => setTimeout(ok, wait));
        }
        return undefined;
    },
    onAfterResponse(req, res) {
        if (req.getMethod() === 'HEAD') {
            console.log('head ' + res.getHeader('Upload-Offset'));
        }
    },
    onUploadUrlAvailable() {
        console.log('url ' + upload.url);
    },
    onProgress(sent) {
        if (mode === 'abort' && !aborted && sent >= data.length / 2) {
            aborted = true;
            upload.abort(false).then(() => {
                console.log('aborted');
                clearTimeout(timer);
            });
        }
    },
    onSuccess() {
        console.log('done');
        clearTimeout(timer);
    },
    onError(err) {
        console.log('error ' + String(err).split('\n')[0]);
        clearTimeout(timer);
        process.exitCode = 1;
    },
};

if (mode === 'resume') {
    options.uploadUrl = url;
} else {
    options.endpoint = url;
}

const upload = new tus.Upload(data, options);
upload.start();
