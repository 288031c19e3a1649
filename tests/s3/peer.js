// Copyright (C) vidorigin authors
// SPDX-License-Identifier: BSD-2-Clause
//
// node peer.js DIR BUCKET [--allow-mismatched-signatures] [--port N]: an
// S3 peer (s3rver) on 127.0.0.1, on port N or one the system picks,
// keeping its objects in DIR, with BUCKET created at start.  Prints "port N" once it listens;
// stops on SIGTERM.  Credentials: S3RVER / S3RVER, as s3rver hardcodes.
// The package ships no runnable bin, hence this launcher.

'use strict';

const S3rver = require('@20minutes/s3rver');

const [dir, bucket, ...args] = process.argv.slice(2);
let mismatched = false;
let port = 0;

for (let i = 0; i < args.length; i++) {
  if (args[i] === '--allow-mismatched-signatures') {
    mismatched = true;
  } else if (args[i] === '--port') {
    port = Number(args[++i]);
  } else {
    process.stderr.write(`peer.js: unknown option ${args[i]}\n`);
    process.exit(2);
  }
}

const server = new S3rver({
  address: '127.0.0.1',
  port,
  silent: true,
  directory: dir,
  configureBuckets: [{ name: bucket, configs: [] }],
  allowMismatchedSignatures: mismatched,
  serviceEndpoint: 'localhost',
});

server.run().then(({ port }) => {
  process.stdout.write(`port ${port}\n`);
});

process.on('SIGTERM', () => {
  server.close().then(() => process.exit(0));
});
