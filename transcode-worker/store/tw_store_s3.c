/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The s3 store (tw_store_s3.h): store keys below the store's prefix in
 * its bucket, through tw_s3.  S3 has no directories: a "tree" is every key
 * under "key/", found by listing.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "common/tw_log.h"
#include "s3/tw_s3.h"
#include "store/tw_s3_io.h"
#include "store/tw_store_s3.h"


/* keys listed for one removal: a video has a few thousand at most */
#define TW_STORE_TREE_MAX   1000000


/* a growing buffer for a GET */
typedef struct {
    uint8_t            *data;
    size_t              len;
    size_t              size;
    size_t              max;
} tw_store_buf_t;


/* the keys of a listing */
typedef struct {
    char              **keys;
    size_t              n;
    size_t              size;
} tw_store_keys_t;


static int tw_store_s3_key(const tw_store_t *st, const char *key, char *buf,
    size_t size);
static int tw_store_s3_collect(void *data, const void *buf, size_t len);
static int tw_store_s3_any(void *data, const char *key);
static int tw_store_s3_add(void *data, const char *key);
static void tw_store_s3_meta(const tw_s3_res_t *res, tw_store_meta_t *meta,
    int put);


/* the bucket's key of a store key: the prefix, then the key */
static int
tw_store_s3_key(const tw_store_t *st, const char *key, char *buf,
    size_t size)
{
    int  n;

    if (key[0] == '/' || strstr(key, "..") != NULL) {
        tw_log(TW_LOG_ERR, "store key \"%s\" refused", key);
        return -1;
    }

    n = snprintf(buf, size, "%s%s", st->prefix, key);
    if (n < 0 || (size_t) n >= size || n > TW_S3_MAX_KEY) {
        tw_log(TW_LOG_ERR, "s3 key too long for \"%s\"", key);
        return -1;
    }

    return 0;
}


static void
tw_store_s3_meta(const tw_s3_res_t *res, tw_store_meta_t *meta, int put)
{
    if (meta == NULL) {
        return;
    }

    snprintf(meta->etag, sizeof(meta->etag), "%s", res->etag);

    /* a PUT's answer has no Last-Modified; S3 sets it to the time the
     * upload completed, which is the answer's Date to the second */
    snprintf(meta->last_modified, sizeof(meta->last_modified), "%s",
             put ? res->date : res->last_modified);
}


int
tw_store_s3_put(const tw_store_t *st, const char *key, const void *data,
    size_t len, tw_store_meta_t *meta)
{
    char         full[TW_S3_MAX_KEY + 1];
    tw_s3_res_t  res;

    if (tw_store_s3_key(st, key, full, sizeof(full)) != 0) {
        return -1;
    }

    if (tw_s3_upload(&st->s3, full, data, len, &res) != 0) {
        if (res.status == 404) {
            /* tw_s3 leaves 404 to its callers: the bucket is missing */
            tw_log(TW_LOG_ERR, "s3 PUT \"%s\": HTTP 404 %s", full, res.code);
        }
        return -1;
    }

    tw_store_s3_meta(&res, meta, 1);

    return 0;
}


int
tw_store_s3_copy(const tw_store_t *st, const char *key, const char *src)
{
    int          fd, rc;
    char         full[TW_S3_MAX_KEY + 1];
    tw_s3_res_t  res;

    if (tw_store_s3_key(st, key, full, sizeof(full)) != 0) {
        return -1;
    }

    fd = open(src, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        tw_log(TW_LOG_ERR, "open \"%s\" failed: %s", src, strerror(errno));
        return -1;
    }

    rc = tw_s3_upload_fd(&st->s3, full, fd, &res);
    close(fd);

    if (rc != 0 && res.status == 404) {
        tw_log(TW_LOG_ERR, "s3 PUT \"%s\": HTTP 404 %s", full, res.code);
    }

    return rc == 0 ? 0 : -1;
}


static int
tw_store_s3_collect(void *data, const void *buf, size_t len)
{
    size_t           size;
    uint8_t         *p;
    tw_store_buf_t  *b = data;

    if (len > b->max - b->len) {
        return -1;
    }

    if (b->len + len + 1 > b->size) {
        size = b->size ? b->size : 65536;
        while (size < b->len + len + 1) {
            size *= 2;
        }

        p = realloc(b->data, size);
        if (p == NULL) {
            return -1;
        }

        b->data = p;
        b->size = size;
    }

    memcpy(b->data + b->len, buf, len);
    b->len += len;

    return 0;
}


int
tw_store_s3_get(const tw_store_t *st, const char *key, size_t max,
    uint8_t **data, size_t *len, tw_store_meta_t *meta)
{
    int             rc;
    char            full[TW_S3_MAX_KEY + 1];
    tw_s3_res_t     res;
    tw_store_buf_t  b;

    if (tw_store_s3_key(st, key, full, sizeof(full)) != 0) {
        return -1;
    }

    memset(&b, 0, sizeof(tw_store_buf_t));
    b.max = max;

    rc = tw_s3_get(&st->s3, full, 0, -1, tw_store_s3_collect, &b, &res);

    if (rc != 0) {
        free(b.data);
        return rc == TW_S3_NOT_FOUND ? 1 : -1;
    }

    /* an empty object left no buffer */
    if (b.data == NULL && (b.data = malloc(1)) == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    b.data[b.len] = '\0';
    *data = b.data;
    *len = b.len;

    tw_store_s3_meta(&res, meta, 0);

    return 0;
}


int
tw_store_s3_exists(const tw_store_t *st, const char *key)
{
    char         full[TW_S3_MAX_KEY + 1];
    tw_s3_res_t  res;

    if (tw_store_s3_key(st, key, full, sizeof(full)) != 0) {
        return 0;
    }

    return tw_s3_head(&st->s3, full, &res) == 0;
}


static int
tw_store_s3_any(void *data, const char *key)
{
    *(int *) data = 1;

    /* one is enough: stop the listing */
    return -1;
}


int
tw_store_s3_exists_tree(const tw_store_t *st, const char *key)
{
    int   found;
    char  full[TW_S3_MAX_KEY + 1];

    if (tw_store_s3_key(st, key, full, sizeof(full) - 1) != 0) {
        return -1;
    }

    strcat(full, "/");
    found = 0;

    /* stopped at the first key (a failure for tw_s3_list) */
    if (tw_s3_list(&st->s3, full, 1, tw_store_s3_any, &found) != 0
        && !found)
    {
        return -1;
    }

    return found;
}


int
tw_store_s3_same(const tw_store_t *st, const char *key, const char *path)
{
    int          fd, same;
    char         full[TW_S3_MAX_KEY + 1], etag[128];
    tw_s3_res_t  res;
    struct stat  sb;

    if (tw_store_s3_key(st, key, full, sizeof(full)) != 0
        || tw_s3_head(&st->s3, full, &res) != 0)
    {
        return 0;
    }

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return 0;
    }

    /* an ETag with "-N" was made by a multipart upload: the MD5 of the
     * parts' MD5s, with the part size this store uses; another part
     * size, or a store whose ETags are not MD5s (SSE-KMS), reads as
     * "changed" and only costs a full re-packaging */
    same = fstat(fd, &sb) == 0 && sb.st_size == res.size
           && tw_s3_upload_etag(&st->s3, fd, sb.st_size,
                                strchr(res.etag, '-') != NULL, etag,
                                sizeof(etag)) == 0
           && strcmp(etag, res.etag) == 0;

    close(fd);

    return same;
}


int
tw_store_s3_remove(const tw_store_t *st, const char *key)
{
    int          rc;
    char         full[TW_S3_MAX_KEY + 1];
    tw_s3_res_t  res;

    if (tw_store_s3_key(st, key, full, sizeof(full)) != 0) {
        return -1;
    }

    rc = tw_s3_delete(&st->s3, full, &res);

    return rc == 0 || rc == TW_S3_NOT_FOUND ? 0 : -1;
}


static int
tw_store_s3_add(void *data, const char *key)
{
    char             **p;
    size_t             size;
    tw_store_keys_t   *k = data;

    if (k->n == k->size) {
        size = k->size ? 2 * k->size : 256;
        p = realloc(k->keys, size * sizeof(char *));
        if (p == NULL) {
            tw_log(TW_LOG_ERR, "out of memory");
            return -1;
        }
        k->keys = p;
        k->size = size;
    }

    k->keys[k->n] = strdup(key);
    if (k->keys[k->n] == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    k->n++;

    return 0;
}


/* listed first, then deleted: a listing does not run over keys that
 * disappear under it */
int
tw_store_s3_remove_tree(const tw_store_t *st, const char *key)
{
    int              rc;
    char             full[TW_S3_MAX_KEY + 1];
    size_t           i;
    tw_s3_res_t      res;
    tw_store_keys_t  k;

    if (tw_store_s3_key(st, key, full, sizeof(full) - 1) != 0) {
        return -1;
    }

    strcat(full, "/");
    memset(&k, 0, sizeof(tw_store_keys_t));

    rc = tw_s3_list(&st->s3, full, TW_STORE_TREE_MAX, tw_store_s3_add, &k);

    for (i = 0; rc == 0 && i < k.n; i++) {
        if (tw_s3_delete(&st->s3, k.keys[i], &res) < 0) {
            rc = -1;
        }
    }

    if (rc == 0 && k.n) {
        tw_log(TW_LOG_INFO, "removed %zu object(s) under \"%s\"", k.n, full);
    }

    for (i = 0; i < k.n; i++) {
        free(k.keys[i]);
    }

    free(k.keys);

    return rc;
}


int
tw_store_s3_source(const tw_store_t *st, const char *key, tw_source_t **src)
{
    int           rc;
    char          full[TW_S3_MAX_KEY + 1];
    AVIOContext  *pb;

    if (tw_store_s3_key(st, key, full, sizeof(full)) != 0) {
        return AVERROR(EINVAL);
    }

    rc = tw_s3_io_open(&pb, &st->s3, full, st->read_ahead);
    if (rc < 0) {
        return rc;
    }

    /* named by the key: probing sees the same extension as for a local
     * store's file */
    return tw_source_open(src, full, pb, tw_s3_io_close);
}
