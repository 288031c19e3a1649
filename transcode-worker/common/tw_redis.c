/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "common/tw_redis.h"


#define TW_BACKOFF_MIN   0.1
#define TW_BACKOFF_MAX   5.0


static tw_rconn_t *tw_redis_get(tw_redis_t *r);
static int tw_redis_seeds(tw_redis_conf_t *rc, const char *list);
static int tw_redis_env(tw_redis_conf_t *rc);
static void tw_redis_fail(tw_redis_t *r, const char *what);
static redisReply *tw_redis_cmd(tw_redis_t *r, const char *what,
    const char *fmt, ...);


/* compare-and-delete and compare-and-expire: only the owner's value
 * releases or extends the lock */
static const char  tw_lua_release[] =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) else return 0 end";

static const char  tw_lua_refresh[] =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";


int
tw_redis_conf(tw_redis_conf_t *rc, char *addr)
{
    char  *colon, *end;
    long   port;

    memset(rc, 0, sizeof(tw_redis_conf_t));

    if (addr == NULL || strcmp(addr, "off") == 0 || addr[0] == '\0') {
        return 0;
    }

    rc->addr = addr;

    if (tw_redis_env(rc) != 0) {
        return -1;
    }

    if (strncmp(addr, "cluster=", 8) == 0) {
        return tw_redis_seeds(rc, addr + 8);
    }

    if (strncmp(addr, "unix:", 5) == 0) {
        rc->path = addr + 5;
        if (rc->path[0] != '/') {
            goto invalid;
        }
        return 0;
    }

    colon = strrchr(addr, ':');
    if (colon == NULL || (size_t) (colon - addr) >= sizeof(rc->host)
        || colon == addr)
    {
        goto invalid;
    }

    port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535) {
        goto invalid;
    }

    memcpy(rc->host, addr, colon - addr);
    rc->host[colon - addr] = '\0';
    rc->port = (int) port;

    return 0;

invalid:

    tw_log(TW_LOG_ERR, "invalid redis address \"%s\": host:port or "
           "unix:/path", addr);

    return -1;
}


/* "host:port,host:port": the seeds of a cluster */
static int
tw_redis_seeds(tw_redis_conf_t *rc, const char *list)
{
    char               *end;
    long                port;
    size_t              len;
    const char         *p, *comma, *colon;
    vo_cluster_node_t  *seed;

    if (rc->db) {
        tw_log(TW_LOG_ERR, "a Redis Cluster has database 0 only: "
               "VIDORIGIN_REDIS_DB must be 0 or unset");
        return -1;
    }

    for (p = list; ; p = comma + 1) {
        comma = strchr(p, ',');
        len = comma ? (size_t) (comma - p) : strlen(p);

        for (colon = p + len; colon > p && colon[-1] != ':'; colon--) {
            /* void */
        }
        colon = colon > p ? colon - 1 : NULL;

        if (colon == NULL || colon == p || rc->nseeds == TW_REDIS_SEEDS
            || (size_t) (colon - p) >= sizeof(seed->host))
        {
            goto invalid;
        }

        port = strtol(colon + 1, &end, 10);
        if (end != p + len || end == colon + 1 || port < 1 || port > 65535)
        {
            goto invalid;
        }

        seed = &rc->seeds[rc->nseeds++];
        memcpy(seed->host, p, colon - p);
        seed->host[colon - p] = '\0';
        seed->port = (int) port;

        if (comma == NULL) {
            return 0;
        }
    }

invalid:

    tw_log(TW_LOG_ERR, "invalid redis cluster seeds \"%s\": "
           "cluster=host:port,host:port,... (at most %d)", list,
           TW_REDIS_SEEDS);

    return -1;
}


static int
tw_redis_env(tw_redis_conf_t *rc)
{
    char        *end;
    FILE        *f;
    size_t       len;
    const char  *v;
    long         db;

    v = getenv("VIDORIGIN_REDIS_DB");
    if (v && v[0]) {
        db = strtol(v, &end, 10);
        if (*end || db < 0 || db > 65535) {
            tw_log(TW_LOG_ERR, "invalid VIDORIGIN_REDIS_DB \"%s\"", v);
            return -1;
        }
        rc->db = (uint32_t) db;
    }

    v = getenv("VIDORIGIN_REDIS_USER");
    if (v && snprintf(rc->user, sizeof(rc->user), "%s", v)
             >= (int) sizeof(rc->user))
    {
        tw_log(TW_LOG_ERR, "VIDORIGIN_REDIS_USER too long");
        return -1;
    }

    v = getenv("VIDORIGIN_REDIS_PASSWORD_FILE");
    if (v && v[0]) {
        f = fopen(v, "re");
        if (f == NULL) {
            tw_log(TW_LOG_ERR, "redis password file \"%s\": %s", v,
                   strerror(errno));
            return -1;
        }

        if (fgets(rc->password, sizeof(rc->password), f) == NULL) {
            rc->password[0] = '\0';
        }
        fclose(f);

        len = strcspn(rc->password, "\r\n");
        rc->password[len] = '\0';
        return 0;
    }

    v = getenv("VIDORIGIN_REDIS_PASSWORD");
    if (v && snprintf(rc->password, sizeof(rc->password), "%s", v)
             >= (int) sizeof(rc->password))
    {
        tw_log(TW_LOG_ERR, "VIDORIGIN_REDIS_PASSWORD too long");
        return -1;
    }

    return 0;
}


static tw_rconn_t *
tw_redis_get(tw_redis_t *r)
{
    char         err[256];
    double       now;
    tw_rconn_t    *c;

    if (r->conf == NULL || r->conf->addr == NULL) {
        return NULL;
    }

    if (r->ctx) {
        return r->ctx;
    }

    now = tw_clock();
    if (now < r->retry) {
        return NULL;
    }

    c = tw_redis_open(r->conf, TW_REDIS_TIMEOUT_MS, err, sizeof(err));
    if (c == NULL) {
        tw_redis_fail(r, err);
        return NULL;
    }

    r->ctx = c;
    r->backoff = 0;

    if (__atomic_exchange_n(&r->conf->down, 0, __ATOMIC_RELAXED)) {
        tw_log(TW_LOG_WARN, "redis at \"%s\" is reachable again: "
               "cross-process locking resumes", r->conf->addr);
    }

    return c;
}


static void
tw_redis_fail(tw_redis_t *r, const char *what)
{
    if (__atomic_exchange_n(&r->conf->down, 1, __ATOMIC_RELAXED) == 0) {
        tw_log(TW_LOG_WARN, "redis at \"%s\" unreachable (%s): single-flight "
               "within this process only, until it is back", r->conf->addr,
               what);
    }

    tw_redis_close(r);

    r->backoff = r->backoff ? r->backoff * 2 : TW_BACKOFF_MIN;
    if (r->backoff > TW_BACKOFF_MAX) {
        r->backoff = TW_BACKOFF_MAX;
    }

    r->retry = tw_clock() + r->backoff;
}


void
tw_redis_close(tw_redis_t *r)
{
    if (r->ctx) {
        tw_redis_free(r->ctx);
        r->ctx = NULL;
    }
}


/* a reply, or NULL when Redis is not there (the connection is dropped on
 * I/O errors and error replies alike: a server that answers our
 * commands with errors is not one to lock with) */
static redisReply *
tw_redis_cmd(tw_redis_t *r, const char *what, const char *fmt, ...)
{
    va_list        ap;
    redisReply    *reply;
    tw_rconn_t      *c;

    c = tw_redis_get(r);
    if (c == NULL) {
        return NULL;
    }

    va_start(ap, fmt);
    reply = tw_redis_vcommand(c, fmt, ap);
    va_end(ap);

    if (reply == NULL) {
        tw_redis_fail(r, tw_redis_errstr(c)[0] ? tw_redis_errstr(c) : what);
        return NULL;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        tw_log(TW_LOG_ERR, "redis %s failed: %s", what, reply->str);
        freeReplyObject(reply);
        tw_redis_fail(r, what);
        return NULL;
    }

    return reply;
}


int
tw_lock_take(tw_redis_t *r, const char *key, const char *owner,
    uint32_t ttl_ms)
{
    int          rc;
    redisReply  *reply;

    reply = tw_redis_cmd(r, "SET", "SET vo:lock:%s %s NX PX %u", key, owner,
                         ttl_ms);
    if (reply == NULL) {
        return TW_LOCK_NONE;
    }

    /* OK when set, nil when another owner holds it */
    rc = (reply->type == REDIS_REPLY_STATUS) ? TW_LOCK_TAKEN : TW_LOCK_BUSY;

    freeReplyObject(reply);

    return rc;
}


int
tw_lock_refresh(tw_redis_t *r, const char *key, const char *owner,
    uint32_t ttl_ms)
{
    int          rc;
    redisReply  *reply;

    reply = tw_redis_cmd(r, "EVAL", "EVAL %s 1 vo:lock:%s %s %u",
                         tw_lua_refresh, key, owner, ttl_ms);
    if (reply == NULL) {
        return TW_LOCK_NONE;
    }

    rc = (reply->type == REDIS_REPLY_INTEGER && reply->integer == 1);

    freeReplyObject(reply);

    return rc;
}


void
tw_lock_release(tw_redis_t *r, const char *key, const char *owner)
{
    redisReply  *reply;

    reply = tw_redis_cmd(r, "EVAL", "EVAL %s 1 vo:lock:%s %s",
                         tw_lua_release, key, owner);
    if (reply) {
        freeReplyObject(reply);
    }
}


int
tw_lock_exists(tw_redis_t *r, const char *key)
{
    int          rc;
    redisReply  *reply;

    reply = tw_redis_cmd(r, "EXISTS", "EXISTS vo:lock:%s", key);
    if (reply == NULL) {
        return TW_LOCK_NONE;
    }

    rc = (reply->type == REDIS_REPLY_INTEGER && reply->integer > 0);

    freeReplyObject(reply);

    return rc;
}
