// Copyright (C) vidorigin authors
// SPDX-License-Identifier: BSD-2-Clause
//
// node peer.js DIR BUCKET [--allow-mismatched-signatures]: an S3 peer
// (s3rver) on 127.0.0.1, on a port the system picks, keeping its objects
// in DIR, with BUCKET created at start.  Prints "port N" once it listens;
// stops on SIGTERM.  Credentials: S3RVER / S3RVER, as s3rver hardcodes.
// The package ships no runnable bin, hence this launcher.

'use strict';

const S3rver = require('@20minutes/s3rver');

const [dir, bucket, flag] = process.argv.slice(2);

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: dir,
  configureBuckets: [{ name: bucket, configs: [] }],
  allowMismatchedSignatures: flag === '--allow-mismatched-signatures',
  serviceEndpoint: 'localhost',
});

server.run().then(({ port }) => {
  process.stdout.write(`port ${port}\n`);
});

process.on('SIGTERM', () => {
  server.close().then(() => process.exit(0));
});
