/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hiredis/hiredis.h>

#include "vo_path.h"
#include "common/tw_log.h"
#include "ingest/tw_ingest_conf.h"
#include "ingest/tw_ingest_queue.h"
#include "ingest/tw_ingest_state.h"


/* how far back vo:events is searched for an event a dead publisher
 * added (its clock may differ from the state's node) */
#define TW_EVENT_MARGIN_MS  60000
#define TW_EVENT_SCAN_MAX   100000

/* the time of the state's node, in ms, as a string */
#define TW_LUA_NOW                                                           \
    "local t = redis.call('TIME') "                                          \
    "local now = string.format('%d', t[1] * 1000 + math.floor(t[2] / 1000)) "

static const char  tw_lua_reset[] =
    "redis.call('DEL', KEYS[2], KEYS[3]) "
    "redis.call('HDEL', KEYS[1], 'outcome', 'event', 'lease', 'decided', "
    "'queued') "
    TW_LUA_NOW
    "if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'source', ARGV[2]) "
    "end "
    "redis.call('HSET', KEYS[1], 'gen', ARGV[1], 'status', 'processing', "
    "'media', ARGV[3], 'chunks', ARGV[4], "
    "'segments', ARGV[5], 'chunk_segments', ARGV[6], 'eager', ARGV[7], "
    "'ready_policy', ARGV[8], 'progress', '0', 'error', '', "
    "'updated', t[1]) "
    "return 1";

static const char  tw_lua_queued[] =
    "if redis.call('HGET', KEYS[1], 'gen') ~= ARGV[1] then return 0 end "
    "redis.call('HSET', KEYS[1], 'queued', ARGV[1]) "
    "return 1";

static const char  tw_lua_done[] =
    "local s = redis.call('HMGET', KEYS[1], 'gen', 'chunks', 'outcome') "
    "if s[1] ~= ARGV[1] then return {0, ''} end "
    "if ARGV[2] ~= '' then redis.call('SADD', KEYS[2], ARGV[2]) end "
    "local total = tonumber(s[2] or '0') or 0 "
    "local n = redis.call('SCARD', KEYS[2]) "
    "local p = '1' "
    "if total > 0 and n < total then "
    "  p = string.format('%.6f', n / total) "
    "  p = string.gsub(p, '0+$', '') "
    "  p = string.gsub(p, '%.$', '') "
    "end "
    TW_LUA_NOW
    "if s[3] == 'failed' then return {0, p} end "
    "redis.call('HSET', KEYS[1], 'progress', p, 'updated', t[1]) "
    "if n >= total and not s[3] then "
    "  redis.call('HSET', KEYS[1], 'outcome', 'ready', 'status', 'ready', "
    "             'decided', now) "
    "end "
    "return {1, p}";

static const char  tw_lua_fail[] =
    "local s = redis.call('HMGET', KEYS[1], 'gen', 'outcome') "
    "if s[1] ~= ARGV[1] or s[2] then return 0 end "
    TW_LUA_NOW
    "redis.call('HSET', KEYS[1], 'outcome', 'failed', 'status', 'failed', "
    "'error', ARGV[2], 'decided', now, 'updated', t[1]) "
    "return 1";

/* {outcome, decided, error, policy, gen} when the caller publishes;
 * {"none"}, {"done"} or {"busy"} otherwise */
static const char  tw_lua_take[] =
    "local s = redis.call('HMGET', KEYS[1], 'outcome', 'event', 'lease', "
    "'decided', 'error', 'ready_policy', 'gen') "
    "if not s[1] then return {'none'} end "
    "if s[2] then return {'done'} end "
    TW_LUA_NOW
    "if s[3] and tonumber(s[3]) > tonumber(now) then return {'busy'} end "
    "redis.call('HSET', KEYS[1], 'lease', "
    "           string.format('%d', tonumber(now) + tonumber(ARGV[1]))) "
    "return {s[1], s[4] or '0', s[5] or '', s[6] or '0', s[7] or ''}";

static const char  tw_lua_published[] =
    "if redis.call('HGET', KEYS[1], 'gen') ~= ARGV[1] then return 0 end "
    "redis.call('HSET', KEYS[1], 'event', ARGV[2]) "
    "redis.call('HDEL', KEYS[1], 'lease') "
    "return 1";

/* {gen, segments, chunk_segments, policy, chunks} of a job whose chunk
 * ARGV[1] is queued again; its "failed" undone */
static const char  tw_lua_reopen[] =
    "local s = redis.call('HMGET', KEYS[1], 'gen', 'segments', "
    "'chunk_segments', 'ready_policy', 'chunks', 'outcome') "
    "if not s[1] or not s[5] then return {} end "
    "if tonumber(ARGV[1]) >= tonumber(s[5]) then return {} end "
    "if s[6] == 'failed' then "
    "  redis.call('HDEL', KEYS[1], 'outcome', 'event', 'lease', 'decided') "
    "  redis.call('HSET', KEYS[1], 'status', 'processing', 'error', '') "
    "end "
    "return {s[1], s[2], s[3], s[4], s[5]}";

/* the catalog's progress only grows, and only while processing */
static const char  tw_lua_progress[] =
    "local s = redis.call('HMGET', KEYS[1], 'status', 'progress') "
    "if s[1] ~= 'processing' then return 0 end "
    "if (tonumber(s[2] or '0') or 0) > tonumber(ARGV[1]) then return 0 end "
    "redis.call('HSET', KEYS[1], 'progress', ARGV[1]) "
    "return 1";


static int tw_state_side(tw_rconn_t   *c, const tw_store_t *st,
    const char *id, redisReply *take, char *err, size_t size);
static int tw_state_seen(tw_rconn_t   *c, const char *id, const char *type,
    const char *decided, char *xid, size_t xsize, char *err, size_t size);


int
tw_ingest_reset(void *redis, const char *id, const tw_ingest_job_t *j,
    char *err, size_t size)
{
    char           key[96], done[96], errs[96], n[4][16], pol[4];
    redisReply    *reply;
    tw_rconn_t    *c = redis;

    snprintf(key, sizeof(key), TW_INGEST_KEY, id);
    snprintf(done, sizeof(done), TW_INGEST_DONE, id);
    snprintf(errs, sizeof(errs), TW_INGEST_ERRORS, id);
    snprintf(n[0], sizeof(n[0]), "%u", j->chunks);
    snprintf(n[1], sizeof(n[1]), "%u", j->segments);
    snprintf(n[2], sizeof(n[2]), "%u", j->chunk_segments);
    snprintf(n[3], sizeof(n[3]), "%u", j->eager);
    snprintf(pol, sizeof(pol), "%d", j->policy);

    reply = tw_redis_command(c, "EVAL %s 3 %s %s %s %s %s %s %s %s %s %s %s",
                         tw_lua_reset, key, done, errs, j->gen, j->source,
                         j->media ? j->media : "", n[0], n[1], n[2], n[3],
                         pol);
    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        return tw_redis_failed(c, reply, "job reset", err, size);
    }

    freeReplyObject(reply);
    return 0;
}


int
tw_ingest_queued(void *redis, const char *id, const char *gen, char *err,
    size_t size)
{
    char           key[96];
    redisReply    *reply;
    tw_rconn_t    *c = redis;

    snprintf(key, sizeof(key), TW_INGEST_KEY, id);

    reply = tw_redis_command(c, "EVAL %s 1 %s %s", tw_lua_queued, key, gen);
    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        return tw_redis_failed(c, reply, "job queued", err, size);
    }

    freeReplyObject(reply);
    return 0;
}


int
tw_ingest_done(void *redis, const char *id, const char *gen,
    const char *chunk, char *progress, size_t psize, char *err, size_t size)
{
    int            rc;
    char           key[96], done[96];
    redisReply    *reply;
    tw_rconn_t    *c = redis;

    snprintf(key, sizeof(key), TW_INGEST_KEY, id);
    snprintf(done, sizeof(done), TW_INGEST_DONE, id);

    reply = tw_redis_command(c, "EVAL %s 2 %s %s %s %s", tw_lua_done, key, done,
                         gen, chunk);
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY
        || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_INTEGER
        || reply->element[1]->type != REDIS_REPLY_STRING)
    {
        return tw_redis_failed(c, reply, "chunk done", err, size);
    }

    rc = (int) reply->element[0]->integer;
    snprintf(progress, psize, "%s", reply->element[1]->str);
    freeReplyObject(reply);

    return rc;
}


int
tw_ingest_fail(void *redis, const char *id, const char *gen,
    const char *reason, char *err, size_t size)
{
    int            rc;
    char           key[96];
    redisReply    *reply;
    tw_rconn_t    *c = redis;

    snprintf(key, sizeof(key), TW_INGEST_KEY, id);

    reply = tw_redis_command(c, "EVAL %s 1 %s %s %s", tw_lua_fail, key, gen,
                         reason);
    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        return tw_redis_failed(c, reply, "job failed", err, size);
    }

    rc = (int) reply->integer;
    freeReplyObject(reply);
    return rc;
}


int
tw_ingest_chunk_error(void *redis, const char *id, const char *chunk,
    const char *reason, char *err, size_t size)
{
    char           key[96];
    redisReply    *reply;
    tw_rconn_t    *c = redis;

    snprintf(key, sizeof(key), TW_INGEST_ERRORS, id);

    reply = tw_redis_command(c, "HSET %s %s %s", key, chunk, reason);
    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        return tw_redis_failed(c, reply, "chunk error", err, size);
    }

    freeReplyObject(reply);
    return 0;
}


int
tw_ingest_progress(void *redis, const char *id, const char *progress,
    char *err, size_t size)
{
    char           key[96];
    redisReply    *reply;
    tw_rconn_t    *c = redis;

    snprintf(key, sizeof(key), TW_CATALOG_KEY, id);

    reply = tw_redis_command(c, "EVAL %s 1 %s %s", tw_lua_progress, key,
                         progress);
    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        return tw_redis_failed(c, reply, "catalog progress", err, size);
    }

    freeReplyObject(reply);
    return 0;
}


int
tw_ingest_publish(void *redis, const tw_store_t *st, const char *id,
    uint32_t lease_ms, char *err, size_t size)
{
    int            rc;
    char           key[96], xid[64], lease[16];
    const char    *outcome;
    redisReply    *take, *reply;
    tw_rconn_t    *c = redis;

    snprintf(key, sizeof(key), TW_INGEST_KEY, id);
    snprintf(lease, sizeof(lease), "%u", lease_ms);

    take = tw_redis_command(c, "EVAL %s 1 %s %s", tw_lua_take, key, lease);
    if (take == NULL || take->type != REDIS_REPLY_ARRAY
        || take->elements < 1 || take->element[0]->type != REDIS_REPLY_STRING)
    {
        return tw_redis_failed(c, take, "publish", err, size);
    }

    outcome = take->element[0]->str;

    if (take->elements == 1) {
        rc = strcmp(outcome, "busy") == 0 ? TW_PUB_WAIT : TW_PUB_ACK;
        freeReplyObject(take);
        return rc;
    }

    rc = -1;

    if (take->elements != 5 || tw_state_side(c, st, id, take, err, size) != 0)
    {
        goto end;
    }

    /* a holder that died between its XADD and the record of its id left
     * the event there: found, not added again */
    xid[0] = '\0';
    if (tw_state_seen(c, id, outcome, take->element[1]->str, xid,
                      sizeof(xid), err, size) != 0)
    {
        goto end;
    }

    if (xid[0] == '\0') {
        reply = strcmp(outcome, "failed") == 0
            ? tw_redis_command(c, "XADD %s * type failed id %s error %s",
                           TW_EVENTS, id, take->element[2]->str)
            : tw_redis_command(c, "XADD %s * type ready id %s", TW_EVENTS, id);

        if (reply == NULL || reply->type != REDIS_REPLY_STRING) {
            tw_redis_failed(c, reply, "XADD " TW_EVENTS, err, size);
            goto end;
        }

        snprintf(xid, sizeof(xid), "%s", reply->str);
        freeReplyObject(reply);
        tw_log(TW_LOG_INFO, "\"%s\" %s: event %s on " TW_EVENTS, id, outcome,
               xid);
    }

    reply = tw_redis_command(c, "EVAL %s 1 %s %s %s", tw_lua_published, key,
                         take->element[4]->str, xid);
    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        tw_redis_failed(c, reply, "publish record", err, size);
        goto end;
    }

    freeReplyObject(reply);
    rc = TW_PUB_ACK;

end:

    freeReplyObject(take);
    return rc;
}


/* what the outcome means outside the state: media.json and the catalog */
static int
tw_state_side(tw_rconn_t   *c, const tw_store_t *st, const char *id,
    redisReply *take, char *err, size_t size)
{
    int          ready;
    char         mkey[TW_KEY_MAX], key[96];
    vo_str_t     vid;
    redisReply  *reply;

    ready = strcmp(take->element[0]->str, "ready") == 0;

    vid.data = (const u_char *) id;
    vid.len = strlen(id);

    if (vo_media_key(&vid, mkey, sizeof(mkey)) == 0) {
        snprintf(err, size, "no media key for \"%s\"", id);
        return -1;
    }

    snprintf(key, sizeof(key), TW_INGEST_KEY, id);

    if (ready && atoi(take->element[3]->str) == TW_READY_EAGER) {
        reply = tw_redis_command(c, "HGET %s media", key);
        if (reply == NULL || reply->type != REDIS_REPLY_STRING) {
            return tw_redis_failed(c, reply, "HGET media", err, size);
        }

        if (tw_store_write(st, mkey, reply->str, reply->len) != 0) {
            freeReplyObject(reply);
            snprintf(err, size, "cannot write %s", mkey);
            return -1;
        }

        freeReplyObject(reply);

    } else if (!ready && tw_store_remove(st, mkey) != 0) {
        snprintf(err, size, "cannot remove %s", mkey);
        return -1;
    }

    snprintf(key, sizeof(key), TW_CATALOG_KEY, id);

    reply = ready
        ? tw_redis_command(c, "HSET %s status ready progress 1 error %s", key, "")
        : tw_redis_command(c, "HSET %s status failed error %s", key,
                       take->element[2]->str);

    if (reply == NULL || reply->type != REDIS_REPLY_INTEGER) {
        return tw_redis_failed(c, reply, "catalog status", err, size);
    }

    freeReplyObject(reply);
    return 0;
}


/* an event of type for id on vo:events since decided (ms), into xid */
static int
tw_state_seen(tw_rconn_t   *c, const char *id, const char *type,
    const char *decided, char *xid, size_t xsize, char *err, size_t size)
{
    int          found;
    char         from[48];
    size_t       i, f, seen;
    long long    ms;
    redisReply  *reply, *e, *kv;

    ms = atoll(decided) - TW_EVENT_MARGIN_MS;
    snprintf(from, sizeof(from), "%lld", ms > 0 ? ms : 0);

    for (seen = 0; seen < TW_EVENT_SCAN_MAX; ) {
        reply = tw_redis_command(c, "XRANGE %s %s + COUNT 500", TW_EVENTS, from);
        if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
            return tw_redis_failed(c, reply, "XRANGE " TW_EVENTS, err, size);
        }

        if (reply->elements == 0) {
            freeReplyObject(reply);
            return 0;
        }

        for (i = 0; i < reply->elements; i++) {
            e = reply->element[i];
            if (e->type != REDIS_REPLY_ARRAY || e->elements != 2) {
                continue;
            }

            kv = e->element[1];
            found = 0;

            for (f = 0; kv->type == REDIS_REPLY_ARRAY && f + 1 < kv->elements;
                 f += 2)
            {
                if (strcmp(kv->element[f]->str, "type") == 0) {
                    found += strcmp(kv->element[f + 1]->str, type) == 0;
                } else if (strcmp(kv->element[f]->str, "id") == 0) {
                    found += strcmp(kv->element[f + 1]->str, id) == 0;
                }
            }

            if (found == 2) {
                snprintf(xid, xsize, "%s", e->element[0]->str);
                freeReplyObject(reply);
                return 0;
            }
        }

        seen += reply->elements;
        e = reply->element[reply->elements - 1];
        /* exclusive from the last one seen (Redis 6.2+) */
        snprintf(from, sizeof(from), "(%s", e->element[0]->str);
        i = reply->elements;
        freeReplyObject(reply);

        if (i < 500) {
            return 0;
        }
    }

    return 0;
}


int
tw_ingest_reopen(void *redis, const char *id, uint32_t chunk,
    char *gen, size_t gsize, uint32_t *first, uint32_t *last, int *policy,
    char *err, size_t size)
{
    char           key[96], k[16];
    uint32_t       segs, cs;
    redisReply    *reply;
    tw_rconn_t    *c = redis;

    snprintf(key, sizeof(key), TW_INGEST_KEY, id);
    snprintf(k, sizeof(k), "%u", chunk);

    reply = tw_redis_command(c, "EVAL %s 1 %s %s", tw_lua_reopen, key, k);
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
        return tw_redis_failed(c, reply, "reopen", err, size);
    }

    if (reply->elements != 5) {
        freeReplyObject(reply);
        snprintf(err, size, "no job for \"%s\" with a chunk %u", id, chunk);
        return 1;
    }

    snprintf(gen, gsize, "%s", reply->element[0]->str);
    segs = (uint32_t) strtoul(reply->element[1]->str, NULL, 10);
    cs = (uint32_t) strtoul(reply->element[2]->str, NULL, 10);
    *policy = atoi(reply->element[3]->str);
    freeReplyObject(reply);

    *first = chunk * cs;
    *last = *first + cs - 1;
    if (*last >= segs) {
        *last = segs - 1;
    }

    return 0;
}
