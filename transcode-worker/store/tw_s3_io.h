/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * An AVIOContext over one S3 object, for libavformat to read the master
 * copy without downloading it: its size comes from a HEAD (AVSEEK_SIZE),
 * seeks only move a position, and reads are ranged GETs of read-ahead
 * blocks of read_ahead bytes (so libavformat's many small reads cost one
 * request per block), up to 16 of them (32 MiB at most) kept and reused,
 * or straight into the caller's buffer for a read at least as large as a
 * block.  Failures are AVERROR codes (logged once, by tw_s3): ENOENT
 * when the object is gone, EIO otherwise; AVERROR_EOF at the end.
 *
 * One context per reader (one thread); the conf must outlive it.
 */

#ifndef TW_S3_IO_H
#define TW_S3_IO_H

#include <libavformat/avio.h>

#include "s3/tw_s3.h"


/* what one context read: for the log and the tests */
typedef struct {
    uint64_t        requests;        /* ranged GETs */
    uint64_t        bytes;           /* bytes they brought */
    int64_t         size;            /* the object's */
} tw_s3_io_stats_t;


/* *pb gets the context; AVERROR code (AVERROR(ENOENT): no such object) */
int tw_s3_io_open(AVIOContext **pb, const tw_s3_conf_t *conf,
    const char *key, size_t read_ahead);

/* frees the context and everything it holds; *pb NULL is a no-op */
void tw_s3_io_close(AVIOContext **pb);

void tw_s3_io_stats(AVIOContext *pb, tw_s3_io_stats_t *stats);


#endif /* TW_S3_IO_H */
