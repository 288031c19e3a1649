/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "common/tw_rconn.h"

#include "ingest/tw_ingest_queue.h"


int
tw_ingest_group(void *redis, char *err, size_t size)
{
    tw_rconn_t    *c = redis;
    redisReply    *reply;

    reply = tw_redis_command(c, "XGROUP CREATE %s %s 0 MKSTREAM",
                         TW_JOBS_STREAM, TW_JOBS_GROUP);
    if (reply != NULL && (reply->type == REDIS_REPLY_STATUS
                          || (reply->type == REDIS_REPLY_ERROR
                              && strncmp(reply->str, "BUSYGROUP", 9) == 0)))
    {
        freeReplyObject(reply);
        return 0;
    }
    return tw_redis_failed(c, reply, "XGROUP CREATE " TW_JOBS_STREAM,
                            err, size);
}


int
tw_ingest_enqueue(void *redis, const char *id, const char *source,
    char *err, size_t size)
{
    char           key[96], catalog[96], now[24];
    tw_rconn_t    *c = redis;
    redisReply    *reply;

    if (tw_ingest_group(c, err, size) != 0) {
        return -1;
    }

    snprintf(key, sizeof(key), TW_INGEST_KEY, id);
    snprintf(catalog, sizeof(catalog), TW_CATALOG_KEY, id);
    snprintf(now, sizeof(now), "%lld", (long long) time(NULL));

    reply = tw_redis_command(c, "HSET %s status processing source %s error %s "
                         "updated %s", key, source, "", now);
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        return tw_redis_failed(c, reply, "HSET", err, size);
    }
    freeReplyObject(reply);

    reply = tw_redis_command(c, "HSET %s status processing progress 0 error %s "
                         "updated %s", catalog, "", now);
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        return tw_redis_failed(c, reply, "HSET", err, size);
    }
    freeReplyObject(reply);

    reply = tw_redis_command(c, "XADD %s * type probe id %s source %s",
                         TW_JOBS_STREAM, id, source);
    if (reply == NULL || reply->type != REDIS_REPLY_STRING) {
        return tw_redis_failed(c, reply, "XADD " TW_JOBS_STREAM, err, size);
    }
    freeReplyObject(reply);
    return 0;
}
