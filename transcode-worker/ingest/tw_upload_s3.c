/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "common/tw_rconn.h"

#include "common/tw_log.h"
#include "ingest/tw_upload_s3.h"
#include "s3/tw_s3.h"
#include "store/tw_store.h"


static int tw_up_s3_key(const tw_upload_srv_t *srv, const char *id,
    char *buf, size_t size);
static int tw_up_s3_send(tw_upload_srv_t *srv, tw_rconn_t *c,
    const char *id, tw_upload_t *u, int fd, uint64_t len);


uint64_t
tw_up_s3_part_size(const tw_upload_srv_t *srv, uint64_t length)
{
    uint64_t  p, mib;

    p = srv->conf.store.s3.part_size ? srv->conf.store.s3.part_size
                                     : TW_S3_PART_SIZE;
    if (p < TW_S3_MIN_PART) {
        p = TW_S3_MIN_PART;
    }

    /* S3 takes 10000 parts: larger ones for a larger upload */
    if (length / p >= TW_S3_MAX_PARTS) {
        mib = (uint64_t) 1 << 20;
        p = (length / (TW_S3_MAX_PARTS - 1) + mib) / mib * mib;
    }

    return p;
}


/* the bucket's key of {id}/source.bin */
static int
tw_up_s3_key(const tw_upload_srv_t *srv, const char *id, char *buf,
    size_t size)
{
    int  n;

    n = snprintf(buf, size, "%s%s/source.bin", srv->conf.store.prefix, id);

    return (n < 0 || (size_t) n >= size) ? -1 : 0;
}


/* part u->parts + 1, len bytes from the spool file: sent, recorded,
 * punched out of the file */
static int
tw_up_s3_send(tw_upload_srv_t *srv, tw_rconn_t *c, const char *id,
    tw_upload_t *u, int fd, uint64_t len)
{
    int          rc;
    char         key[TW_S3_MAX_KEY + 1], hkey[96], etag[TW_S3_ETAG_MAX];
    u_char      *buf;
    off_t        off;
    ssize_t      n;
    uint64_t     got;
    redisReply  *reply;

    const tw_s3_conf_t  *s3 = &srv->conf.store.s3;

    if (tw_up_s3_key(srv, id, key, sizeof(key)) != 0) {
        tw_log(TW_LOG_ERR, "upload \"%s\": s3 key too long", id);
        return -1;
    }

    snprintf(hkey, sizeof(hkey), "vo:upload:{%s}", id);

    /* the multipart upload at its first part, recorded at once: a
     * crash after this line is an upload the bucket's lifecycle rule
     * cleans up */
    if (u->s3_id[0] == '\0') {
        if (tw_s3_mp_create(s3, key, u->s3_id, sizeof(u->s3_id)) != 0) {
            return -1;
        }

        reply = tw_redis_command(c, "HSET %s s3_id %s parts 0", hkey, u->s3_id);
        rc = reply && reply->type != REDIS_REPLY_ERROR ? 0 : -1;
        if (reply) {
            freeReplyObject(reply);
        }

        if (rc != 0) {
            tw_log(TW_LOG_ERR, "upload \"%s\": s3 upload id not recorded",
                   id);
            tw_s3_mp_abort(s3, key, u->s3_id);
            u->s3_id[0] = '\0';
            return -1;
        }
    }

    buf = malloc(len ? len : 1);
    if (buf == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    off = (off_t) ((uint64_t) u->parts * u->part_size);

    for (got = 0; got < len; got += (uint64_t) n) {
        n = pread(fd, buf + got, len - got, off + (off_t) got);

        if (n <= 0) {
            tw_log(TW_LOG_ERR, "upload \"%s\": spool read failed: %s", id,
                   n == 0 ? "short file" : strerror(errno));
            free(buf);
            return -1;
        }
    }

    rc = tw_s3_mp_part(s3, key, u->s3_id, u->parts + 1, buf, len, etag);
    free(buf);

    if (rc != 0) {
        return -1;
    }

    reply = tw_redis_command(c, "HSET %s etag:%u %s parts %u", hkey,
                         u->parts + 1, etag, u->parts + 1);
    rc = reply && reply->type != REDIS_REPLY_ERROR ? 0 : -1;
    if (reply) {
        freeReplyObject(reply);
    }

    if (rc != 0) {
        tw_log(TW_LOG_ERR, "upload \"%s\": part %u sent, not recorded", id,
               u->parts + 1);
        return -1;
    }

    u->parts++;

    tw_log(TW_LOG_DEBUG, "upload \"%s\": part %u (%llu bytes) sent", id,
           u->parts, (unsigned long long) len);

    /* the file keeps its size (offsets stay), not the bytes */
    if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
                  (off_t) len) != 0
        && errno != EOPNOTSUPP)
    {
        tw_log(TW_LOG_WARN, "upload \"%s\": spool hole not punched: %s", id,
               strerror(errno));
    }

    return 0;
}


int
tw_up_s3_parts(tw_upload_srv_t *srv, void *redis, const char *id,
    tw_upload_t *u, int fd)
{
    while ((uint64_t) (u->parts + 1) * u->part_size <= u->offset
           && (uint64_t) (u->parts + 1) * u->part_size < u->length)
    {
        if (tw_up_s3_send(srv, redis, id, u, fd, u->part_size) != 0) {
            return -1;
        }
    }

    return 0;
}


int
tw_up_s3_finish(tw_upload_srv_t *srv, void *redis, const char *id,
    tw_upload_t *u, const char *spool, const char *key)
{
    int           fd, rc;
    char          bkey[TW_S3_MAX_KEY + 1], hkey[96];
    char        (*etags)[TW_S3_ETAG_MAX];
    size_t        i;
    uint64_t      done;
    redisReply   *reply;
    tw_rconn_t *c = redis;

    /* read and write: the parts' holes are punched */
    fd = open(spool, O_RDWR | O_CLOEXEC);

    if (fd == -1) {
        if (errno == ENOENT && tw_store_exists(&srv->conf.store, key)) {
            return 0;
        }

        tw_log(TW_LOG_ERR, "upload \"%s\": spool file \"%s\": %s", id, spool,
               strerror(errno));
        return -1;
    }

    rc = -1;
    etags = NULL;
    reply = NULL;

    if (tw_up_s3_parts(srv, redis, id, u, fd) != 0) {
        goto end;
    }

    /* the last part, shorter (or the only one) */
    done = (uint64_t) u->parts * u->part_size;

    if (done < u->length
        && tw_up_s3_send(srv, redis, id, u, fd, u->length - done) != 0)
    {
        goto end;
    }

    etags = calloc(u->parts, TW_S3_ETAG_MAX);
    if (etags == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        goto end;
    }

    snprintf(hkey, sizeof(hkey), "vo:upload:{%s}", id);

    for (i = 0; i < u->parts; i++) {
        reply = tw_redis_command(c, "HGET %s etag:%u", hkey, (unsigned) i + 1);

        if (reply == NULL || reply->type != REDIS_REPLY_STRING
            || reply->len >= TW_S3_ETAG_MAX)
        {
            tw_log(TW_LOG_ERR, "upload \"%s\": no ETag of part %zu", id,
                   i + 1);
            goto end;
        }

        memcpy(etags[i], reply->str, reply->len + 1);
        freeReplyObject(reply);
        reply = NULL;
    }

    if (tw_up_s3_key(srv, id, bkey, sizeof(bkey)) != 0
        || tw_s3_mp_complete(&srv->conf.store.s3, bkey, u->s3_id, etags,
                             u->parts, NULL) != 0)
    {
        goto end;
    }

    unlink(spool);
    rc = 0;

end:

    if (reply) {
        freeReplyObject(reply);
    }

    free(etags);
    close(fd);

    return rc;
}


void
tw_up_s3_abort(tw_upload_srv_t *srv, const char *id, const tw_upload_t *u)
{
    char  key[TW_S3_MAX_KEY + 1];

    if (tw_up_s3_key(srv, id, key, sizeof(key)) == 0) {
        tw_s3_mp_abort(&srv->conf.store.s3, key, u->s3_id);
    }
}
