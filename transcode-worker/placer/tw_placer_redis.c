/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The placer's Redis connection (tw_placer_redis.h).
 */

#include <stdlib.h>

#include <hiredis/hiredis.h>

#include "common/tw_log.h"
#include "common/tw_redis.h"
#include "placer/tw_placer_redis.h"


int
tw_placer_connect(tw_placer_t *p)
{
    char  err[256];

    if (p->redis) {
        return 0;
    }

    p->redis = tw_redis_open(&p->rconf, p->conf.redis_timeout_ms, err,
                             sizeof(err));
    if (p->redis == NULL) {
        tw_log(TW_LOG_ERR, "redis at \"%s\" unreachable: %s", p->rconf.addr,
               err);
        p->redis_errors++;
        return -1;
    }

    return 0;
}


int
tw_placer_redis_fail(tw_placer_t *p, const char *what, void *reply)
{
    redisReply    *r;
    tw_rconn_t    *c;

    r = reply;
    c = p->redis;

    tw_log(TW_LOG_ERR, "redis %s at \"%s\" failed: %s", what,
           p->rconf.addr,
           r && r->type == REDIS_REPLY_ERROR ? r->str
           : r ? "unexpected reply"
           : c && tw_redis_errstr(c)[0] ? tw_redis_errstr(c) : "connection lost");

    if (r) {
        freeReplyObject(r);
    }

    p->redis_errors++;

    /* a connection in an unknown state is not used again */
    if (c) {
        tw_redis_free(c);
        p->redis = NULL;
    }

    return -1;
}
