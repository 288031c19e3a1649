/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A synchronous Redis connection (hiredis) to one node or to a Redis
 * Cluster, for every worker subcommand.  The calls mirror hiredis's:
 * tw_redis_command is redisCommand, tw_redis_append / _append_argv and
 * tw_redis_reply are redisAppendCommand / ...Argv and redisGetReply,
 * tw_redis_free is redisFree; a reply is freed with freeReplyObject.
 *
 * One node (the default): the calls are hiredis's own, on one
 * redisContext.
 *
 * Cluster ("cluster=host:port,host:port"): the slot map is read from the
 * first seed that answers CLUSTER SLOTS; there is one connection per
 * master, made when first needed; each command goes to the master of
 * its key's slot (vo_cluster.h).  Appended commands are held until the
 * first tw_redis_reply, then sent, split per master, and every reply is
 * read before any is handed back.  A command (or a MULTI ... EXEC block,
 * routed by its first key) answered MOVED is sent again to the node
 * named, after the map is read again (at most twice per pipeline); ASK sends it once more to the node
 * named, after ASKING; a connection that fails is closed, the map read
 * again and the command sent once more where the new map says (the
 * replica promoted after a failover).  At most three tries, then the
 * last error is the reply (or REDIS_ERR with the reason in
 * tw_redis_errstr).  SELECT is refused in cluster mode (db must be 0).
 */

#ifndef TW_RCONN_H
#define TW_RCONN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "vo_cluster.h"


#define TW_REDIS_SEEDS  16


typedef struct {
    char              *addr;      /* NULL: no Redis */
    char               host[256];
    int                port;
    const char        *path;      /* unix socket, or NULL */
    int                down;      /* atomic: an outage was logged */
    uint32_t           db;        /* SELECT after connect when not 0 */
    char               user[128];      /* AUTH user (ACL), or "" */
    char               password[256];  /* AUTH password, or "": no AUTH */
    unsigned           nseeds;    /* > 0: a cluster, these its seeds */
    vo_cluster_node_t  seeds[TW_REDIS_SEEDS];
} tw_redis_conf_t;

typedef struct tw_rconn_s  tw_rconn_t;

/* a SCAN over every master of a cluster (one node: plain SCAN) */
typedef struct {
    unsigned           node;
    char               cursor[32];
    int                done;
} tw_redis_scan_t;


/*
 * A connection with connect and command timeouts of timeout_ms, AUTH and
 * SELECT sent; a cluster's slot map read.  NULL when Redis cannot be
 * reached, with the reason in err (not logged: the caller knows what the
 * outage costs and says so).
 */
tw_rconn_t *tw_redis_open(const tw_redis_conf_t *rc, uint32_t timeout_ms,
    char *err, size_t size);
void tw_redis_free(tw_rconn_t *c);

redisReply *tw_redis_command(tw_rconn_t *c, const char *fmt, ...);
redisReply *tw_redis_vcommand(tw_rconn_t *c, const char *fmt, va_list ap);
/* REDIS_OK or REDIS_ERR */
int tw_redis_append(tw_rconn_t *c, const char *fmt, ...);
int tw_redis_append_argv(tw_rconn_t *c, int argc, const char **argv,
    const size_t *argvlen);
int tw_redis_reply(tw_rconn_t *c, void **reply);
/* why the last call failed, or "" */
const char *tw_redis_errstr(const tw_rconn_t *c);
/* "what: " and the reply's error (or the connection's, when reply is
 * NULL) into err; frees reply; -1 */
int tw_redis_failed(tw_rconn_t *c, redisReply *reply, const char *what,
    char *err, size_t size);

/* s zeroed first; the SCAN reply of the next step (an array of the
 * cursor and the keys), NULL or an error reply on failure; s->done once
 * every node has been scanned through */
redisReply *tw_redis_scan(tw_rconn_t *c, tw_redis_scan_t *s,
    const char *match, unsigned count);


#endif /* TW_RCONN_H */
