/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The cross-process production lock in Redis (hiredis, synchronous API).
 *
 *   take:     SET vo:lock:{key} {host:pid:nonce} NX PX ttl
 *   refresh:  EVAL "if get == owner then pexpire" (compare-and-expire)
 *   release:  EVAL "if get == owner then del"     (compare-and-delete)
 *   exists:   EXISTS vo:lock:{key}
 *
 * One tw_redis_t per thread (a slot, the main loop): each is one
 * connection (tw_rconn.h: one node, or one per master of a Redis
 * Cluster) with connect and command timeouts of TW_REDIS_TIMEOUT_MS.
 * When Redis cannot be reached the connection is dropped and tried again
 * after a backoff (100 ms doubling to 5 s); meanwhile every call answers
 * TW_LOCK_NONE at once, and callers fall back to the in-process
 * single-flight.  "Redis unreachable" is logged once per outage for the
 * whole process (tw_redis_conf_t.down), not per request, and "reachable
 * again" once when a connection succeeds after it.
 */

#ifndef TW_REDIS_H
#define TW_REDIS_H

#include <stdint.h>

#include "common/tw_rconn.h"


#define TW_REDIS_TIMEOUT_MS  300

#define TW_LOCK_NONE    -1     /* no Redis (not configured or down) */
#define TW_LOCK_BUSY     0     /* another owner holds it */
#define TW_LOCK_TAKEN    1     /* ours */


typedef struct {
    tw_redis_conf_t *conf;
    tw_rconn_t        *ctx;
    double           retry;     /* monotonic time of the next attempt */
    double           backoff;   /* seconds */
} tw_redis_t;


/* parses "host:port", "unix:/path" or "cluster=host:port,host:port,..."
 * (the seeds of a Redis Cluster: at most TW_REDIS_SEEDS, numeric or
 * named hosts) into rc, which points into addr (addr must outlive it);
 * NULL, "" and "off" leave rc->addr NULL: no Redis.  The database and
 * credentials come from the environment: VIDORIGIN_REDIS_DB (a number;
 * 0 with a cluster), VIDORIGIN_REDIS_USER (an ACL user),
 * VIDORIGIN_REDIS_PASSWORD_FILE (the password is the file's first line)
 * or VIDORIGIN_REDIS_PASSWORD.  Every connection then sends AUTH and
 * SELECT before anything else.  0, or -1 (logged) if malformed */
int tw_redis_conf(tw_redis_conf_t *rc, char *addr);
/* closes r's connection, if any; r may be used again */
void tw_redis_close(tw_redis_t *r);

/* A connection of the caller's own (the catalog writer, the placer), not
 * tied to the lock's backoff: tw_redis_open() in common/tw_rconn.h. */

/* TW_LOCK_TAKEN, TW_LOCK_BUSY or TW_LOCK_NONE; owner is the value that
 * refresh and release compare */
int tw_lock_take(tw_redis_t *r, const char *key, const char *owner,
    uint32_t ttl_ms);
/* 1 still ours (expiry pushed), 0 lost, TW_LOCK_NONE */
int tw_lock_refresh(tw_redis_t *r, const char *key, const char *owner,
    uint32_t ttl_ms);
/* deletes it only if owner still holds it */
void tw_lock_release(tw_redis_t *r, const char *key, const char *owner);
/* 1 held, 0 free, TW_LOCK_NONE */
int tw_lock_exists(tw_redis_t *r, const char *key);


#endif /* TW_REDIS_H */
