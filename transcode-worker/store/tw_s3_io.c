/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The master copy read from S3 by ranged GETs (see tw_s3_io.h).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/error.h>
#include <libavutil/mem.h>

#include "common/tw_log.h"
#include "s3/tw_s3.h"
#include "store/tw_s3_io.h"


/* libavformat's own buffer, in front of the read-ahead blocks */
#define TW_S3_IO_BUFFER  (64 * 1024)

/*
 * Read-ahead blocks kept, allocated as needed, the least recently used
 * one replaced: up to 16, within 32 MiB.  Making a segment reads its
 * window once per track (video, then audio; each from its own seek) and
 * an MP4 whose index is at the end is read at 0, at the end, then from
 * the start: with the window's blocks kept, each is fetched once.
 */
#define TW_S3_IO_BLOCKS  16
#define TW_S3_IO_CACHE   ((size_t) 32 << 20)


typedef struct {
    uint8_t             *data;
    int64_t              pos;
    size_t               len;
    uint64_t             used;           /* the io's clock when last read */
} tw_s3_block_t;


typedef struct {
    const tw_s3_conf_t  *conf;
    char                 key[TW_S3_MAX_KEY + 1];
    int64_t              size;
    int64_t              pos;

    size_t               block_size;
    tw_s3_block_t        blocks[TW_S3_IO_BLOCKS];
    int                  nblocks;
    uint64_t             clock;

    tw_s3_io_stats_t     stats;
} tw_s3_io_t;


static int tw_s3_io_fetch(tw_s3_io_t *io, int64_t first, size_t len,
    uint8_t *buf);
static int tw_s3_io_read(void *opaque, uint8_t *buf, int size);
static int64_t tw_s3_io_seek(void *opaque, int64_t offset, int whence);
static void tw_s3_io_free(tw_s3_io_t *io);


int
tw_s3_io_open(AVIOContext **pb, const tw_s3_conf_t *conf, const char *key,
    size_t read_ahead)
{
    int           rc;
    uint8_t      *buffer;
    tw_s3_io_t   *io;
    tw_s3_res_t   res;

    *pb = NULL;
    buffer = NULL;

    if (strlen(key) > TW_S3_MAX_KEY) {
        tw_log(TW_LOG_ERR, "s3 key \"%s\" too long", key);
        return AVERROR(EINVAL);
    }

    io = calloc(1, sizeof(tw_s3_io_t));
    if (io == NULL) {
        return AVERROR(ENOMEM);
    }

    io->conf = conf;
    strcpy(io->key, key);
    io->block_size = read_ahead;
    io->nblocks = (int) (TW_S3_IO_CACHE / read_ahead);

    if (io->nblocks > TW_S3_IO_BLOCKS) {
        io->nblocks = TW_S3_IO_BLOCKS;

    } else if (io->nblocks < 2) {
        io->nblocks = 2;
    }

    buffer = av_malloc(TW_S3_IO_BUFFER);
    if (buffer == NULL) {
        rc = AVERROR(ENOMEM);
        goto failed;
    }

    rc = tw_s3_head(conf, key, &res);

    if (rc == TW_S3_NOT_FOUND) {
        tw_log(TW_LOG_ERR, "s3 object \"%s\" not found", key);
        rc = AVERROR(ENOENT);
        goto failed;
    }

    if (rc != 0 || res.size < 0) {
        if (rc == 0) {
            tw_log(TW_LOG_ERR, "s3 HEAD \"%s\": no Content-Length", key);
        }
        rc = AVERROR(EIO);
        goto failed;
    }

    io->size = res.size;
    io->stats.size = res.size;

    *pb = avio_alloc_context(buffer, TW_S3_IO_BUFFER, 0, io, tw_s3_io_read,
                             NULL, tw_s3_io_seek);
    if (*pb == NULL) {
        rc = AVERROR(ENOMEM);
        goto failed;
    }

    return 0;

failed:

    av_free(buffer);
    tw_s3_io_free(io);

    return rc;
}


static void
tw_s3_io_free(tw_s3_io_t *io)
{
    int  i;

    for (i = 0; i < TW_S3_IO_BLOCKS; i++) {
        free(io->blocks[i].data);
    }

    free(io);
}


void
tw_s3_io_close(AVIOContext **pb)
{
    tw_s3_io_t  *io;

    if (*pb == NULL) {
        return;
    }

    io = (*pb)->opaque;

    tw_log(TW_LOG_DEBUG, "s3 source \"%s\": %" PRIu64 " of %" PRId64
           " bytes read in %" PRIu64 " ranged GET(s)", io->key,
           io->stats.bytes, io->size, io->stats.requests);

    av_freep(&(*pb)->buffer);
    avio_context_free(pb);

    tw_s3_io_free(io);
}


void
tw_s3_io_stats(AVIOContext *pb, tw_s3_io_stats_t *stats)
{
    tw_s3_io_t  *io = pb->opaque;

    *stats = io->stats;
}


/* bytes [first, first + len) into buf, all of them */
static int
tw_s3_io_fetch(tw_s3_io_t *io, int64_t first, size_t len, uint8_t *buf)
{
    int           rc;
    size_t        got;
    tw_s3_res_t   res;

    io->stats.requests++;

    rc = tw_s3_get_buf(io->conf, io->key, first, first + (int64_t) len - 1,
                       buf, len, &got, &res);

    if (rc == TW_S3_NOT_FOUND) {
        tw_log(TW_LOG_ERR, "s3 object \"%s\" is gone", io->key);
        return AVERROR(ENOENT);
    }

    if (rc != 0) {
        return AVERROR(EIO);
    }

    io->stats.bytes += got;

    if (got != len) {
        /* within the size HEAD gave: the object changed under us */
        tw_log(TW_LOG_ERR, "s3 GET \"%s\": %zu bytes at %" PRId64 " instead "
               "of %zu: the object changed", io->key, got, first, len);
        return AVERROR(EIO);
    }

    return 0;
}


static int
tw_s3_io_read(void *opaque, uint8_t *buf, int size)
{
    int             i, rc;
    size_t          want, n;
    tw_s3_io_t     *io = opaque;
    tw_s3_block_t  *b, *lru;

    if (io->pos >= io->size || size <= 0) {
        return AVERROR_EOF;
    }

    want = (size_t) size;
    if ((int64_t) want > io->size - io->pos) {
        want = (size_t) (io->size - io->pos);
    }

    b = NULL;
    lru = &io->blocks[0];

    /* unused blocks have used == 0: they are taken before any is
     * replaced */
    for (i = 0; i < io->nblocks; i++) {
        if (io->pos >= io->blocks[i].pos
            && io->pos < io->blocks[i].pos + (int64_t) io->blocks[i].len)
        {
            b = &io->blocks[i];
            break;
        }

        if (io->blocks[i].used < lru->used) {
            lru = &io->blocks[i];
        }
    }

    if (b == NULL) {
        if (want >= io->block_size) {
            /* as large as a block: no copy through one */
            rc = tw_s3_io_fetch(io, io->pos, want, buf);
            if (rc < 0) {
                return rc;
            }

            io->pos += want;

            return (int) want;
        }

        b = lru;

        if (b->data == NULL) {
            b->data = malloc(io->block_size);
            if (b->data == NULL) {
                return AVERROR(ENOMEM);
            }
        }

        /* up to the end, or to the next block already here (a track
         * read from an earlier seek point than another one) */
        n = io->block_size;
        if ((int64_t) n > io->size - io->pos) {
            n = (size_t) (io->size - io->pos);
        }

        for (i = 0; i < io->nblocks; i++) {
            if (io->blocks[i].len && io->blocks[i].pos > io->pos
                && io->blocks[i].pos - io->pos < (int64_t) n)
            {
                n = (size_t) (io->blocks[i].pos - io->pos);
            }
        }

        b->len = 0;

        rc = tw_s3_io_fetch(io, io->pos, n, b->data);
        if (rc < 0) {
            return rc;
        }

        b->pos = io->pos;
        b->len = n;
    }

    b->used = ++io->clock;

    n = (size_t) (b->pos + (int64_t) b->len - io->pos);
    if (n > want) {
        n = want;
    }

    memcpy(buf, b->data + (io->pos - b->pos), n);
    io->pos += n;

    return (int) n;
}


static int64_t
tw_s3_io_seek(void *opaque, int64_t offset, int whence)
{
    int64_t      pos;
    tw_s3_io_t  *io = opaque;

    switch (whence & ~AVSEEK_FORCE) {

    case AVSEEK_SIZE:
        return io->size;

    case SEEK_SET:
        pos = offset;
        break;

    case SEEK_CUR:
        pos = io->pos + offset;
        break;

    case SEEK_END:
        pos = io->size + offset;
        break;

    default:
        return AVERROR(EINVAL);
    }

    if (pos < 0) {
        return AVERROR(EINVAL);
    }

    /* no request: the next read fetches from there */
    io->pos = pos;

    return pos;
}
