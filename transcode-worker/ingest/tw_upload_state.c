/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <hiredis/hiredis.h>

#include "common/tw_rconn.h"

#include "common/tw_log.h"
#include "ingest/tw_ingest_queue.h"
#include "ingest/tw_upload_s3.h"
#include "ingest/tw_upload_state.h"
#include "store/tw_store.h"


static int tw_up_place(tw_upload_srv_t *srv, const char *id,
    const char *spool, const char *key);


/* a transition checked and made in one step: the state it expects */
static const char  tw_up_begin_lua[] =
    "if redis.call('HGET', KEYS[1], 'state') ~= 'issued' then "
    "return 0 end "
    "redis.call('HSET', KEYS[1], 'state', 'uploading', 'length', ARGV[1], "
    "'offset', '0', 'expires', ARGV[2], 'spool', ARGV[3], "
    "'updated', ARGV[4], 'part_size', ARGV[6]) "
    "redis.call('EXPIREAT', KEYS[1], ARGV[5]) "
    "return 1";

static const char  tw_up_advance_lua[] =
    "if redis.call('HGET', KEYS[1], 'state') ~= 'uploading' "
    "or redis.call('HGET', KEYS[1], 'offset') ~= ARGV[1] then "
    "return 0 end "
    "redis.call('HSET', KEYS[1], 'offset', ARGV[2], 'updated', ARGV[3]) "
    "return 1";


/* the reply of a command whose answer is not read; 0 or -1 */
static int
tw_up_ok(tw_rconn_t *c, redisReply *reply, const char *what, char *err,
    size_t size)
{
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        return tw_redis_failed(c, reply, what, err, size);
    }

    freeReplyObject(reply);
    return 0;
}


int
tw_up_load(void *redis, const char *id, tw_upload_t *u, char *err,
    size_t size)
{
    char            key[96];
    const char     *v;
    redisReply     *reply, *e;
    tw_rconn_t     *c = redis;

    memset(u, 0, sizeof(tw_upload_t));
    snprintf(key, sizeof(key), TW_UPLOAD_KEY, id);

    reply = tw_redis_command(c, "HMGET %s state url_expires expires length "
                         "offset spool s3_id parts part_size", key);
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY
        || reply->elements != 9)
    {
        return tw_redis_failed(c, reply, "HMGET", err, size);
    }

    e = reply->element[0];
    v = e->type == REDIS_REPLY_STRING ? e->str : "";

    u->state = strcmp(v, "issued") == 0 ? TW_UP_ISSUED
               : strcmp(v, "uploading") == 0 ? TW_UP_UPLOADING
               : strcmp(v, "done") == 0 ? TW_UP_DONE : TW_UP_NONE;

#define tw_up_u64(i)                                                         \
    (reply->element[i]->type == REDIS_REPLY_STRING                           \
     ? strtoull(reply->element[i]->str, NULL, 10) : 0)

    u->url_expires = tw_up_u64(1);
    u->expires = tw_up_u64(2);
    u->length = tw_up_u64(3);
    u->offset = tw_up_u64(4);

    u->parts = (uint32_t) tw_up_u64(7);
    u->part_size = tw_up_u64(8);

    e = reply->element[5];
    if (e->type == REDIS_REPLY_STRING && e->len < sizeof(u->spool)) {
        memcpy(u->spool, e->str, e->len + 1);
    }

    e = reply->element[6];
    if (e->type == REDIS_REPLY_STRING && e->len < sizeof(u->s3_id)) {
        memcpy(u->s3_id, e->str, e->len + 1);
    }

    freeReplyObject(reply);

    return u->state == TW_UP_NONE ? 1 : 0;
}


int
tw_up_issue(void *redis, const char *id, uint64_t url_expires, char *err,
    size_t size)
{
    char            key[96], exp[24], now[24];
    tw_rconn_t     *c = redis;

    snprintf(key, sizeof(key), TW_UPLOAD_KEY, id);
    snprintf(exp, sizeof(exp), "%llu", (unsigned long long) url_expires);
    snprintf(now, sizeof(now), "%lld", (long long) time(NULL));

    /* the record outlives the URL by a minute: the sweep removes it */
    if (tw_up_ok(c, tw_redis_command(c, "HSET %s state issued url_expires %s "
                                 "created %s updated %s", key, exp, now,
                                 now), "HSET", err, size) != 0
        || tw_up_ok(c, tw_redis_command(c, "EXPIREAT %s %llu", key,
                                    (unsigned long long) url_expires
                                    + 86400), "EXPIREAT", err, size) != 0)
    {
        return -1;
    }

    return tw_up_ok(c, tw_redis_command(c, "ZADD %s %s %s", TW_UPLOADS_ZSET,
                                    exp, id), "ZADD", err, size);
}


int
tw_up_begin(void *redis, const char *id, const tw_upload_t *u, char *err,
    size_t size)
{
    int             rc;
    char            key[96];
    redisReply     *reply;
    tw_rconn_t     *c = redis;

    snprintf(key, sizeof(key), TW_UPLOAD_KEY, id);

    reply = tw_redis_command(c, "EVAL %s 1 %s %llu %llu %s %lld %llu %llu",
                         tw_up_begin_lua, key,
                         (unsigned long long) u->length,
                         (unsigned long long) u->expires, u->spool,
                         (long long) time(NULL),
                         (unsigned long long) u->expires + 86400,
                         (unsigned long long) u->part_size);

    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        return tw_redis_failed(c, reply, "EVAL (begin)", err, size);
    }

    rc = reply->integer == 1 ? 0 : 1;
    freeReplyObject(reply);

    if (rc != 0) {
        return rc;
    }

    return tw_up_ok(c, tw_redis_command(c, "ZADD %s %llu %s", TW_UPLOADS_ZSET,
                                    (unsigned long long) u->expires, id),
                    "ZADD", err, size);
}


int
tw_up_advance(void *redis, const char *id, uint64_t from, uint64_t to,
    char *err, size_t size)
{
    int             rc;
    char            key[96];
    redisReply     *reply;
    tw_rconn_t     *c = redis;

    snprintf(key, sizeof(key), TW_UPLOAD_KEY, id);

    reply = tw_redis_command(c, "EVAL %s 1 %s %llu %llu %lld", tw_up_advance_lua,
                         key, (unsigned long long) from,
                         (unsigned long long) to, (long long) time(NULL));

    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        return tw_redis_failed(c, reply, "EVAL (advance)", err, size);
    }

    rc = reply->integer == 1 ? 0 : 1;
    freeReplyObject(reply);

    return rc;
}


int
tw_up_done(void *redis, const char *id, uint64_t keep, char *err,
    size_t size)
{
    char            key[96];
    tw_rconn_t     *c = redis;

    snprintf(key, sizeof(key), TW_UPLOAD_KEY, id);

    if (tw_up_ok(c, tw_redis_command(c, "HSET %s state done updated %lld", key,
                                 (long long) time(NULL)), "HSET", err, size)
        != 0
        || tw_up_ok(c, tw_redis_command(c, "EXPIREAT %s %llu", key,
                                    (unsigned long long) keep + 60),
                    "EXPIREAT", err, size) != 0)
    {
        return -1;
    }

    return tw_up_ok(c, tw_redis_command(c, "ZREM %s %s", TW_UPLOADS_ZSET, id),
                    "ZREM", err, size);
}


int
tw_up_drop(void *redis, const char *id, char *err, size_t size)
{
    char            key[96];
    tw_rconn_t     *c = redis;

    snprintf(key, sizeof(key), TW_UPLOAD_KEY, id);

    if (tw_up_ok(c, tw_redis_command(c, "DEL %s", key), "DEL", err, size) != 0) {
        return -1;
    }

    return tw_up_ok(c, tw_redis_command(c, "ZREM %s %s", TW_UPLOADS_ZSET, id),
                    "ZREM", err, size);
}


int
tw_up_expired(void *redis, uint64_t now, char (*ids)[VO_ID_MAX + 1],
    int max, char *err, size_t size)
{
    int             n;
    size_t          i;
    redisReply     *reply, *e;
    tw_rconn_t     *c = redis;

    reply = tw_redis_command(c, "ZRANGEBYSCORE %s -inf (%llu LIMIT 0 %d",
                         TW_UPLOADS_ZSET, (unsigned long long) now, max);
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        return tw_redis_failed(c, reply, "ZRANGEBYSCORE", err, size);
    }

    n = 0;

    for (i = 0; i < reply->elements && n < max; i++) {
        e = reply->element[i];

        if (e->type == REDIS_REPLY_STRING && e->len && e->len <= VO_ID_MAX) {
            memcpy(ids[n++], e->str, e->len + 1);
        }
    }

    freeReplyObject(reply);

    return n;
}


int
tw_up_status(void *redis, const char *id, const char *status,
    const char *error, char *err, size_t size)
{
    char            key[96];
    tw_rconn_t     *c = redis;

    snprintf(key, sizeof(key), TW_CATALOG_KEY, id);

    return tw_up_ok(c, tw_redis_command(c, "HSET %s status %s progress 0 "
                                    "error %s updated %lld", key, status,
                                    error, (long long) time(NULL)),
                    "HSET", err, size);
}


int
tw_up_lock(tw_upload_srv_t *srv, const char *id)
{
    int  i, free_slot;

    free_slot = -1;
    pthread_mutex_lock(&srv->mutex);

    for (i = 0; i < TW_UPLOAD_BUSY_MAX; i++) {
        if (srv->busy[i][0] == '\0') {
            if (free_slot == -1) {
                free_slot = i;
            }

        } else if (strcmp(srv->busy[i], id) == 0) {
            free_slot = -2;
            break;
        }
    }

    if (free_slot >= 0) {
        strcpy(srv->busy[free_slot], id);
    }

    pthread_mutex_unlock(&srv->mutex);

    return free_slot >= 0 ? 0 : -1;
}


/* tw_up_lock, waiting up to ms for the request that holds it */
int
tw_up_lock_wait(tw_upload_srv_t *srv, const char *id, unsigned ms)
{
    unsigned         waited;
    struct timespec  ts = { 0, 20 * 1000000L };

    for (waited = 0; tw_up_lock(srv, id) != 0; waited += 20) {
        if (waited >= ms) {
            return -1;
        }

        nanosleep(&ts, NULL);
    }

    return 0;
}


void
tw_up_unlock(tw_upload_srv_t *srv, const char *id)
{
    int  i;

    pthread_mutex_lock(&srv->mutex);

    for (i = 0; i < TW_UPLOAD_BUSY_MAX; i++) {
        if (strcmp(srv->busy[i], id) == 0) {
            srv->busy[i][0] = '\0';
            break;
        }
    }

    pthread_mutex_unlock(&srv->mutex);
}


int
tw_up_locked(tw_upload_srv_t *srv, const char *id)
{
    int  i, found;

    found = 0;
    pthread_mutex_lock(&srv->mutex);

    for (i = 0; i < TW_UPLOAD_BUSY_MAX && !found; i++) {
        found = strcmp(srv->busy[i], id) == 0;
    }

    pthread_mutex_unlock(&srv->mutex);

    return found;
}


int
tw_up_random(char *buf, size_t n)
{
    size_t         i;
    unsigned char  r[128];

    static const char  chars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    if (n > sizeof(r) || getrandom(r, n, 0) != (ssize_t) n) {
        tw_log(TW_LOG_ERR, "getrandom failed: %s", strerror(errno));
        return -1;
    }

    for (i = 0; i < n; i++) {
        buf[i] = chars[r[i] & 63];
    }

    buf[n] = '\0';

    return 0;
}


int
tw_up_spool_path(const tw_upload_srv_t *srv, const tw_upload_t *u,
    char *buf, size_t size)
{
    int  n;

    if (u->spool[0] == '\0' || strchr(u->spool, '/') || u->spool[0] == '.')
    {
        tw_log(TW_LOG_ERR, "invalid spool name \"%s\"", u->spool);
        return -1;
    }

    n = snprintf(buf, size, "%s/%s", srv->conf.spool, u->spool);
    if (n < 0 || (size_t) n >= size) {
        tw_log(TW_LOG_ERR, "spool path too long");
        return -1;
    }

    return 0;
}


/* the spool file becomes the object key: renamed within a local store,
 * copied up to s3 (then removed).  A spool file already gone with the
 * object there is a finish run again after a crash. */
static int
tw_up_place(tw_upload_srv_t *srv, const char *id, const char *spool,
    const char *key)
{
    int          fd;
    char         path[PATH_MAX], dir[PATH_MAX];
    struct stat  st;

    if (stat(spool, &st) != 0) {
        if (errno == ENOENT && tw_store_exists(&srv->conf.store, key)) {
            return 0;
        }

        tw_log(TW_LOG_ERR, "upload \"%s\": spool file \"%s\": %s", id,
               spool, strerror(errno));
        return -1;
    }

    if (tw_store_path(&srv->conf.store, key, path, sizeof(path)) != 0) {
        return -1;
    }

    snprintf(dir, sizeof(dir), "%s/%s", srv->conf.store.root, id);

    if (tw_mkdir_p(dir) != 0) {
        return -1;
    }

    if (rename(spool, path) != 0) {
        if (errno != EXDEV) {
            tw_log(TW_LOG_ERR, "rename \"%s\" to \"%s\" failed: %s", spool,
                   path, strerror(errno));
            return -1;
        }

        /* a spool on another file system: a copy, atomic too */
        if (tw_store_copy(&srv->conf.store, key, spool) != 0) {
            return -1;
        }

        unlink(spool);
        return 0;
    }

    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd == -1 || fsync(fd) != 0) {
        tw_log(TW_LOG_ERR, "fsync of \"%s\" failed: %s", dir,
               strerror(errno));
        if (fd != -1) {
            close(fd);
        }
        return -1;
    }

    close(fd);

    return 0;
}


int
tw_up_finish(tw_upload_srv_t *srv, void *redis, const char *id,
    tw_upload_t *u)
{
    char      spool[PATH_MAX], key[VO_ID_MAX + 16], err[256];
    uint64_t  keep;

    snprintf(key, sizeof(key), "%s/source.bin", id);

    if (tw_up_spool_path(srv, u, spool, sizeof(spool)) != 0) {
        return -1;
    }

    if (tw_store_is_local(&srv->conf.store)
        ? tw_up_place(srv, id, spool, key) != 0
        : tw_up_s3_finish(srv, redis, id, u, spool, key) != 0)
    {
        return -1;
    }

    if (tw_ingest_enqueue(redis, id, key, err, sizeof(err)) != 0) {
        tw_log(TW_LOG_ERR, "upload \"%s\" stored as \"%s\", not queued: %s",
               id, key, err);
        return -1;
    }

    keep = u->url_expires > u->expires ? u->url_expires : u->expires;

    if (tw_up_done(redis, id, keep, err, sizeof(err)) != 0) {
        tw_log(TW_LOG_ERR, "upload \"%s\" queued, not marked done: %s", id,
               err);
        return -1;
    }

    tw_log(TW_LOG_INFO, "upload \"%s\" complete: %llu bytes stored as "
           "\"%s\", probe queued", id, (unsigned long long) u->length, key);

    return 0;
}


int
tw_up_remove(tw_upload_srv_t *srv, void *redis, const char *id,
    const tw_upload_t *u, const char *why)
{
    char  spool[PATH_MAX], err[256];

    if (u->s3_id[0]) {
        tw_up_s3_abort(srv, id, u);
    }

    if (u->spool[0]
        && tw_up_spool_path(srv, u, spool, sizeof(spool)) == 0
        && unlink(spool) != 0 && errno != ENOENT)
    {
        tw_log(TW_LOG_WARN, "unlink \"%s\" failed: %s", spool,
               strerror(errno));
    }

    if (tw_up_drop(redis, id, err, sizeof(err)) != 0
        || tw_up_status(redis, id, "failed", why, err, sizeof(err)) != 0)
    {
        tw_log(TW_LOG_ERR, "upload \"%s\" not removed: %s", id, err);
        return -1;
    }

    tw_log(TW_LOG_INFO, "upload \"%s\" removed: %s", id, why);

    return 0;
}
