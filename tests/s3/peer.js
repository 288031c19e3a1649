// Copyright (C) vidorigin authors
// SPDX-License-Identifier: BSD-2-Clause
//
// node peer.js DIR BUCKET [OPTIONS]: an S3 peer (s3rver) on 127.0.0.1, on a
// port the system picks (or N with --port N), keeping its objects in DIR, with BUCKET created at
// start.  Prints "port N" once it listens; stops on SIGTERM.  Credentials:
// S3RVER / S3RVER, as s3rver hardcodes.  The package ships no runnable
// bin, hence this launcher.
//
// Options:
//   --allow-mismatched-signatures   s3rver accepts any signature
//   --port N          listen on N (the printed port: the proxy's, if any),
//                     so that a peer can come back where it was
//   --log FILE        a proxy in front of s3rver (the printed port is the
//                     proxy's) writes one JSON line per request to FILE:
//                     method, path, query, range, status, bytes in and out
//   --fail-first-part the proxy answers 500 InternalError to the first
//                     attempt of every UploadPart (each part, each upload)
//   --fail-first-put  ... to the first attempt of every PUT, object or part
//   --fail-part N     ... to every attempt of part N
//
// With a proxy, AbortMultipartUpload works: s3rver does not implement it
// (it answers 405 MethodNotAllowed once the signature is checked), so the
// proxy forwards the request, and when s3rver accepted its signature it
// removes the pending upload from s3rver's directory itself (204, or 404
// NoSuchUpload).  s3rver keeps pending uploads in
// DIR/BUCKET/._S3rver_uploads/{uploadId}/.

'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const S3rver = require('@20minutes/s3rver');

const [dir, bucket, ...args] = process.argv.slice(2);
const opt = {
  mismatched: false, log: null, failFirst: false, failPut: false, failPart: 0,
  port: 0,
};

for (let i = 0; i < args.length; i++) {
  switch (args[i]) {
    case '--allow-mismatched-signatures':
      opt.mismatched = true;
      break;
    case '--port':
      opt.port = Number(args[++i]);
      break;
    case '--log':
      opt.log = args[++i];
      break;
    case '--fail-first-part':
      opt.failFirst = true;
      break;
    case '--fail-first-put':
      opt.failPut = true;
      break;
    case '--fail-part':
      opt.failPart = Number(args[++i]);
      break;
    default:
      process.stderr.write(`peer.js: unknown option ${args[i]}\n`);
      process.exit(2);
  }
}

const proxied = opt.log !== null || opt.failFirst || opt.failPut ||
  opt.failPart > 0;

const server = new S3rver({
  address: '127.0.0.1',
  port: proxied ? 0 : opt.port,
  silent: true,
  directory: dir,
  configureBuckets: [{ name: bucket, configs: [] }],
  allowMismatchedSignatures: opt.mismatched,
  serviceEndpoint: 'localhost',
});

function s3error(res, status, code, message) {
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
  return Buffer.byteLength(body);
}

function startProxy(upstreamPort) {
  const logFd = opt.log ? fs.openSync(opt.log, 'a') : null;
  const seen = new Set();

  const proxy = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const query = Object.fromEntries(url.searchParams);
    const chunks = [];

    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry = {
        method: req.method,
        path: decodeURIComponent(url.pathname),
        query,
        range: req.headers.range || null,
        in: body.length,
        status: 0,
        out: 0,
      };
      const done = () => {
        if (logFd !== null) {
          fs.writeSync(logFd, JSON.stringify(entry) + '\n');
        }
      };

      // fault injection, on PUT only
      const isPart = req.method === 'PUT' && 'uploadId' in query &&
        'partNumber' in query;
      if (req.method === 'PUT') {
        const id = isPart ? `${query.uploadId}/${query.partNumber}`
          : url.pathname;
        const first = !seen.has(id);
        seen.add(id);
        if ((first && (opt.failPut || (opt.failFirst && isPart))) ||
            (isPart && Number(query.partNumber) === opt.failPart)) {
          entry.status = 500;
          entry.out = s3error(res, 500, 'InternalError',
            'injected by peer.js');
          entry.injected = true;
          done();
          return;
        }
      }

      const up = http.request({
        host: '127.0.0.1',
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
      }, (ures) => {
        const isAbort = req.method === 'DELETE' && 'uploadId' in query &&
          !('partNumber' in query);
        if (isAbort && ures.statusCode === 405) {
          // signature checked by s3rver; the abort is done here
          ures.resume();
          const upload = path.join(dir, bucket, '._S3rver_uploads',
            path.basename(query.uploadId));
          if (fs.existsSync(upload)) {
            fs.rmSync(upload, { recursive: true, force: true });
            res.writeHead(204);
            res.end();
            entry.status = 204;
          } else {
            entry.status = 404;
            entry.out = s3error(res, 404, 'NoSuchUpload',
              'The specified upload does not exist.');
          }
          entry.abort = true;
          done();
          return;
        }
        res.writeHead(ures.statusCode, ures.headers);
        entry.status = ures.statusCode;
        ures.on('data', (c) => {
          entry.out += c.length;
          res.write(c);
        });
        ures.on('end', () => {
          res.end();
          done();
        });
      });

      up.on('error', (err) => {
        entry.status = 502;
        entry.error = String(err);
        done();
        res.destroy();
      });
      up.end(body);
    });
  });

  return new Promise((resolve) => {
    proxy.listen(opt.port, '127.0.0.1', () => resolve(proxy.address().port));
  });
}

server.run().then(async ({ port }) => {
  const shown = proxied ? await startProxy(port) : port;
  process.stdout.write(`port ${shown}\n`);
});

process.on('SIGTERM', () => {
  server.close().then(() => process.exit(0));
});
