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


static redisContext *tw_redis_get(tw_redis_t *r);
static int tw_redis_env(tw_redis_conf_t *rc);
static int tw_redis_hello(const tw_redis_conf_t *rc, redisContext *c,
    char *err, size_t size);
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


/* AUTH and SELECT on a fresh connection: 0, or -1 with the reason */
static int
tw_redis_hello(const tw_redis_conf_t *rc, redisContext *c, char *err,
    size_t size)
{
    redisReply  *rp;

    rp = NULL;

    if (rc->password[0]) {
        rp = rc->user[0]
             ? redisCommand(c, "AUTH %s %s", rc->user, rc->password)
             : redisCommand(c, "AUTH %s", rc->password);
        if (rp == NULL || rp->type == REDIS_REPLY_ERROR) {
            goto failed;
        }
        freeReplyObject(rp);
    }

    if (rc->db) {
        rp = redisCommand(c, "SELECT %u", (unsigned) rc->db);
        if (rp == NULL || rp->type == REDIS_REPLY_ERROR) {
            goto failed;
        }
        freeReplyObject(rp);
    }

    return 0;

failed:

    snprintf(err, size, "%s", rp ? rp->str : c->errstr);
    if (rp) {
        freeReplyObject(rp);
    }

    return -1;
}


static redisContext *
tw_redis_get(tw_redis_t *r)
{
    char             err[256];
    double           now;
    redisContext    *c;
    struct timeval   tv;

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

    tv.tv_sec = 0;
    tv.tv_usec = TW_REDIS_TIMEOUT_MS * 1000;

    c = r->conf->path ? redisConnectUnixWithTimeout(r->conf->path, tv)
                      : redisConnectWithTimeout(r->conf->host, r->conf->port,
                                                tv);

    if (c == NULL || c->err || redisSetTimeout(c, tv) != REDIS_OK) {
        r->ctx = c;
        tw_redis_fail(r, c ? c->errstr : "out of memory");
        return NULL;
    }

    r->ctx = c;

    if (tw_redis_hello(r->conf, c, err, sizeof(err)) != 0) {
        tw_redis_fail(r, err);
        return NULL;
    }

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
        redisFree(r->ctx);
        r->ctx = NULL;
    }
}


void *
tw_redis_open(const tw_redis_conf_t *rc, uint32_t timeout_ms, char *err,
    size_t size)
{
    redisContext    *c;
    struct timeval   tv;

    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;

    c = rc->path ? redisConnectUnixWithTimeout(rc->path, tv)
                 : redisConnectWithTimeout(rc->host, rc->port, tv);

    if (c == NULL || c->err || redisSetTimeout(c, tv) != REDIS_OK) {
        snprintf(err, size, "%s", c ? c->errstr : "out of memory");
        if (c) {
            redisFree(c);
        }
        return NULL;
    }

    if (tw_redis_hello(rc, c, err, size) != 0) {
        redisFree(c);
        return NULL;
    }

    return c;
}


/* a reply, or NULL when Redis is not there (the connection is dropped on
 * I/O errors and error replies alike: a server that answers our
 * commands with errors is not one to lock with) */
static redisReply *
tw_redis_cmd(tw_redis_t *r, const char *what, const char *fmt, ...)
{
    va_list        ap;
    redisReply    *reply;
    redisContext  *c;

    c = tw_redis_get(r);
    if (c == NULL) {
        return NULL;
    }

    va_start(ap, fmt);
    reply = redisvCommand(c, fmt, ap);
    va_end(ap);

    if (reply == NULL) {
        tw_redis_fail(r, c->errstr[0] ? c->errstr : what);
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
