/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "common/tw_rconn.h"


#define TW_RCONN_TRIES  3


typedef struct {
    char              *cmd;       /* RESP, from redisFormatCommand */
    int                len;
    int                slot;      /* -1: no key */
    int                unit;      /* commands in its unit, at its first */
    int                node;      /* where it was sent, -1: not sent */
    int                io;        /* no reply: the connection failed */
    redisReply        *reply;
} tw_rcmd_t;

struct tw_rconn_s {
    const tw_redis_conf_t  *conf;
    struct timeval          tv;
    redisContext           *single;

    vo_cluster_map_t        map;
    redisContext           *node[VO_CLUSTER_MAX_NODES];

    tw_rcmd_t              *q;        /* appended commands */
    size_t                  nq;
    size_t                  cap;
    size_t                  next;     /* the next reply handed back */
    int                     sent;
    int                     remapped; /* maps read in this flush */

    char                    err[256];
};


static redisContext *tw_rconn_connect(const tw_redis_conf_t *rc,
    const char *host, int port, const char *path, struct timeval tv,
    char *err, size_t size);
static int tw_rconn_refresh(tw_rconn_t *c);
static int tw_rconn_slots(tw_rconn_t *c, redisContext *ctx,
    const char *host);
static redisContext *tw_rconn_node(tw_rconn_t *c, int i);
static int tw_rconn_route(tw_rconn_t *c, int slot);
static int tw_rconn_push(tw_rconn_t *c, char *cmd, int len);
static int tw_rconn_is(const tw_rcmd_t *q, const char *name);
static void tw_rconn_units(tw_rconn_t *c);
static void tw_rconn_flush(tw_rconn_t *c);
static void tw_rconn_drop(tw_rconn_t *c, int node);
static int tw_rconn_redo(tw_rconn_t *c, size_t first);
static int tw_rconn_send(tw_rconn_t *c, size_t first, int node, int ask);
static void tw_rconn_clear(tw_rconn_t *c);


/* AUTH and SELECT on a fresh connection: the context, or NULL and err */
static redisContext *
tw_rconn_connect(const tw_redis_conf_t *rc, const char *host, int port,
    const char *path, struct timeval tv, char *err, size_t size)
{
    redisReply    *rp;
    redisContext  *ctx;

    ctx = path ? redisConnectUnixWithTimeout(path, tv)
               : redisConnectWithTimeout(host, port, tv);

    if (ctx == NULL || ctx->err || redisSetTimeout(ctx, tv) != REDIS_OK) {
        snprintf(err, size, "%s", ctx ? ctx->errstr : "out of memory");
        goto failed;
    }

    rp = NULL;

    if (rc->password[0]) {
        rp = rc->user[0]
             ? redisCommand(ctx, "AUTH %s %s", rc->user, rc->password)
             : redisCommand(ctx, "AUTH %s", rc->password);
        if (rp == NULL || rp->type == REDIS_REPLY_ERROR) {
            goto refused;
        }
        freeReplyObject(rp);
        rp = NULL;
    }

    if (rc->db) {
        rp = redisCommand(ctx, "SELECT %u", (unsigned) rc->db);
        if (rp == NULL || rp->type == REDIS_REPLY_ERROR) {
            goto refused;
        }
        freeReplyObject(rp);
    }

    return ctx;

refused:

    snprintf(err, size, "%s", rp ? rp->str : ctx->errstr);
    if (rp) {
        freeReplyObject(rp);
    }

failed:

    if (ctx) {
        redisFree(ctx);
    }

    return NULL;
}


tw_rconn_t *
tw_redis_open(const tw_redis_conf_t *rc, uint32_t timeout_ms, char *err,
    size_t size)
{
    tw_rconn_t  *c;

    c = calloc(1, sizeof(tw_rconn_t));
    if (c == NULL) {
        snprintf(err, size, "out of memory");
        return NULL;
    }

    c->conf = rc;
    c->tv.tv_sec = timeout_ms / 1000;
    c->tv.tv_usec = (timeout_ms % 1000) * 1000;
    vo_cluster_map_init(&c->map);

    if (rc->nseeds == 0) {
        c->single = tw_rconn_connect(rc, rc->host, rc->port, rc->path, c->tv,
                                     err, size);
        if (c->single == NULL) {
            free(c);
            return NULL;
        }
        return c;
    }

    if (tw_rconn_refresh(c) != 0) {
        snprintf(err, size, "%s", c->err);
        tw_redis_free(c);
        return NULL;
    }

    return c;
}


void
tw_redis_free(tw_rconn_t *c)
{
    unsigned  i;

    if (c == NULL) {
        return;
    }

    tw_rconn_clear(c);
    free(c->q);

    if (c->single) {
        redisFree(c->single);
    }

    for (i = 0; i < VO_CLUSTER_MAX_NODES; i++) {
        if (c->node[i]) {
            redisFree(c->node[i]);
        }
    }

    free(c);
}


const char *
tw_redis_errstr(const tw_rconn_t *c)
{
    if (c->single) {
        return c->single->errstr;
    }

    return c->err;
}


int
tw_redis_failed(tw_rconn_t *c, redisReply *reply, const char *what,
    char *err, size_t size)
{
    if (reply == NULL) {
        snprintf(err, size, "%s: %s", what,
                 tw_redis_errstr(c)[0] ? tw_redis_errstr(c) : "no reply");
    } else {
        snprintf(err, size, "%s: %s", what,
                 reply->type == REDIS_REPLY_ERROR ? reply->str
                                                  : "unexpected reply");
        freeReplyObject(reply);
    }

    return -1;
}


/* the map read again: from a master we know, else from a seed; 0 or -1
 * with the reason in c->err (the old map kept) */
static int
tw_rconn_refresh(tw_rconn_t *c)
{
    int            port;
    char           host[VO_CLUSTER_HOST_LEN];
    unsigned       i;
    redisContext  *ctx;

    for (i = 0; i < c->map.nnodes; i++) {
        if (c->node[i] && tw_rconn_slots(c, c->node[i], c->map.nodes[i].host)
                          == 0)
        {
            return 0;
        }
    }

    for (i = 0; i < c->map.nnodes + c->conf->nseeds; i++) {
        if (i < c->map.nnodes) {
            if (c->node[i]) {
                continue;   /* asked above */
            }
            memcpy(host, c->map.nodes[i].host, sizeof(host));
            port = c->map.nodes[i].port;

        } else {
            memcpy(host, c->conf->seeds[i - c->map.nnodes].host,
                   sizeof(host));
            port = c->conf->seeds[i - c->map.nnodes].port;
        }

        ctx = tw_rconn_connect(c->conf, host, port, NULL, c->tv, c->err,
                               sizeof(c->err));
        if (ctx == NULL) {
            continue;
        }

        if (tw_rconn_slots(c, ctx, host) == 0) {
            redisFree(ctx);
            return 0;
        }

        redisFree(ctx);
    }

    if (c->err[0] == '\0') {
        snprintf(c->err, sizeof(c->err), "no cluster node answered");
    }

    return -1;
}


/* CLUSTER SLOTS on ctx: the new map, the connections to masters that
 * stay kept in their new places, the others closed */
static int
tw_rconn_slots(tw_rconn_t *c, redisContext *ctx, const char *host)
{
    int                i;
    unsigned           j;
    const char        *err;
    redisReply        *reply;
    redisContext      *kept[VO_CLUSTER_MAX_NODES];
    vo_cluster_map_t  *map;

    reply = redisCommand(ctx, "CLUSTER SLOTS");
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        snprintf(c->err, sizeof(c->err), "CLUSTER SLOTS: %s",
                 reply ? reply->str : ctx->errstr);
        if (reply) {
            freeReplyObject(reply);
        }
        return -1;
    }

    map = malloc(sizeof(vo_cluster_map_t));
    if (map == NULL) {
        freeReplyObject(reply);
        snprintf(c->err, sizeof(c->err), "out of memory");
        return -1;
    }

    if (vo_cluster_map_from_slots(map, reply, host, &err) != VO_OK) {
        freeReplyObject(reply);
        free(map);
        snprintf(c->err, sizeof(c->err), "%s", err);
        return -1;
    }

    freeReplyObject(reply);

    memset(kept, 0, sizeof(kept));

    for (j = 0; j < c->map.nnodes; j++) {
        if (c->node[j] == NULL) {
            continue;
        }

        i = vo_cluster_map_find(map, c->map.nodes[j].host,
                                c->map.nodes[j].port);
        if (i >= 0) {
            kept[i] = c->node[j];
        } else {
            redisFree(c->node[j]);
        }
    }

    memcpy(c->node, kept, sizeof(kept));
    memcpy(&c->map, map, sizeof(vo_cluster_map_t));
    free(map);

    return 0;
}


/* the connection to master i, made when missing; NULL (c->err) */
static redisContext *
tw_rconn_node(tw_rconn_t *c, int i)
{
    if (c->node[i] == NULL) {
        c->node[i] = tw_rconn_connect(c->conf, c->map.nodes[i].host,
                                      c->map.nodes[i].port, NULL, c->tv,
                                      c->err, sizeof(c->err));
    }

    return c->node[i];
}


/* the master of a slot (-1: any, the first we are connected to) */
static int
tw_rconn_route(tw_rconn_t *c, int slot)
{
    unsigned  i;

    if (slot >= 0 && c->map.slot[slot] != VO_CLUSTER_NO_NODE) {
        return c->map.slot[slot];
    }

    for (i = 0; i < c->map.nnodes; i++) {
        if (c->node[i]) {
            return (int) i;
        }
    }

    return 0;
}


static int
tw_rconn_push(tw_rconn_t *c, char *cmd, int len)
{
    int         rc;
    vo_str_t    key;
    tw_rcmd_t  *q;

    if (len < 0) {
        snprintf(c->err, sizeof(c->err), "invalid command");
        return REDIS_ERR;
    }

    /* the replies of an earlier pipeline not all read: dropped */
    if (c->sent) {
        tw_rconn_clear(c);
    }

    if (c->nq == c->cap) {
        q = realloc(c->q, (c->cap ? c->cap * 2 : 8) * sizeof(tw_rcmd_t));
        if (q == NULL) {
            redisFreeCommand(cmd);
            snprintf(c->err, sizeof(c->err), "out of memory");
            return REDIS_ERR;
        }
        c->q = q;
        c->cap = c->cap ? c->cap * 2 : 8;
    }

    q = &c->q[c->nq++];
    memset(q, 0, sizeof(tw_rcmd_t));
    q->cmd = cmd;
    q->len = len;
    q->node = -1;

    rc = vo_cluster_resp_key((u_char *) cmd, len, &key);
    q->slot = rc == 1 ? (int) vo_cluster_slot(key.data, key.len) : -1;

    return REDIS_OK;
}


int
tw_redis_append(tw_rconn_t *c, const char *fmt, ...)
{
    int      rc, len;
    char    *cmd;
    va_list  ap;

    va_start(ap, fmt);

    if (c->single) {
        rc = redisvAppendCommand(c->single, fmt, ap);
        va_end(ap);
        return rc;
    }

    len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);

    return tw_rconn_push(c, cmd, len);
}


int
tw_redis_append_argv(tw_rconn_t *c, int argc, const char **argv,
    const size_t *argvlen)
{
    int    len;
    char  *cmd;

    if (c->single) {
        return redisAppendCommandArgv(c->single, argc, argv, argvlen);
    }

    len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);

    return tw_rconn_push(c, cmd, len);
}


redisReply *
tw_redis_vcommand(tw_rconn_t *c, const char *fmt, va_list ap)
{
    int    len;
    char  *cmd;
    void  *reply;

    if (c->single) {
        return redisvCommand(c->single, fmt, ap);
    }

    len = redisvFormatCommand(&cmd, fmt, ap);

    if (tw_rconn_push(c, cmd, len) != REDIS_OK
        || tw_redis_reply(c, &reply) != REDIS_OK)
    {
        return NULL;
    }

    return reply;
}


redisReply *
tw_redis_command(tw_rconn_t *c, const char *fmt, ...)
{
    va_list      ap;
    redisReply  *reply;

    va_start(ap, fmt);
    reply = tw_redis_vcommand(c, fmt, ap);
    va_end(ap);

    return reply;
}


int
tw_redis_reply(tw_rconn_t *c, void **reply)
{
    tw_rcmd_t  *q;

    *reply = NULL;

    if (c->single) {
        return redisGetReply(c->single, reply);
    }

    if (!c->sent) {
        if (c->nq == 0) {
            snprintf(c->err, sizeof(c->err), "no command was sent");
            return REDIS_ERR;
        }
        tw_rconn_flush(c);
    }

    if (c->next == c->nq) {
        snprintf(c->err, sizeof(c->err), "no reply is due");
        return REDIS_ERR;
    }

    q = &c->q[c->next++];
    *reply = q->reply;
    q->reply = NULL;

    if (c->next == c->nq) {
        tw_rconn_clear(c);
    }

    if (*reply == NULL) {
        return REDIS_ERR;
    }

    return REDIS_OK;
}


/* whether the command in RESP form is name (in any case) */
static int
tw_rconn_is(const tw_rcmd_t *q, const char *name)
{
    size_t       n;
    const char  *p, *end;

    n = strlen(name);
    end = q->cmd + q->len;

    /* "*N\r\n$L\r\n" then the name */
    p = memchr(q->cmd, '\n', q->len);
    if (p == NULL || (p = memchr(p + 1, '\n', end - p - 1)) == NULL) {
        return 0;
    }

    p++;

    return (size_t) (end - p) > n + 1 && strncasecmp(p, name, n) == 0
           && p[n] == '\r';
}


/* the units: a MULTI ... EXEC (or DISCARD) block, or one command; the
 * slot of a unit is that of its first key */
static void
tw_rconn_units(tw_rconn_t *c)
{
    int     slot;
    size_t  i, j, k;

    for (i = 0; i < c->nq; i = j) {
        j = i + 1;

        if (tw_rconn_is(&c->q[i], "MULTI")) {
            while (j < c->nq && !tw_rconn_is(&c->q[j], "EXEC")
                   && !tw_rconn_is(&c->q[j], "DISCARD"))
            {
                j++;
            }
            if (j < c->nq) {
                j++;
            }
        }

        slot = -1;
        for (k = i; k < j && slot < 0; k++) {
            slot = c->q[k].slot;
        }

        c->q[i].unit = (int) (j - i);
        c->q[i].slot = slot;
    }
}


/* every command sent, split per master, every reply read; then what was
 * redirected or cut sent again */
static void
tw_rconn_flush(tw_rconn_t *c)
{
    int            n;
    size_t         i, k;
    redisContext  *ctx;

    c->sent = 1;
    c->remapped = 0;
    c->next = 0;

    tw_rconn_units(c);

    for (i = 0; i < c->nq; i += c->q[i].unit) {
        n = tw_rconn_route(c, c->q[i].slot);
        ctx = tw_rconn_node(c, n);

        for (k = i; k < i + c->q[i].unit; k++) {
            c->q[k].node = n;
            if (ctx == NULL || redisAppendFormattedCommand(ctx, c->q[k].cmd,
                                                      c->q[k].len)
                               != REDIS_OK)
            {
                c->q[k].io = 1;
            }
        }
    }

    for (i = 0; i < c->nq; i++) {
        n = c->q[i].node;

        if (c->q[i].io || c->node[n] == NULL) {
            c->q[i].io = 1;
            continue;
        }

        if (redisGetReply(c->node[n], (void **) &c->q[i].reply) != REDIS_OK) {
            snprintf(c->err, sizeof(c->err), "%s", c->node[n]->errstr);
            c->q[i].io = 1;
            tw_rconn_drop(c, n);
        }
    }

    /* what is still redirected or cut after its tries is handed back
     * as it is: the error reply, or no reply */
    for (i = 0; i < c->nq; i += c->q[i].unit) {
        (void) tw_rconn_redo(c, i);
    }
}


static void
tw_rconn_drop(tw_rconn_t *c, int node)
{
    if (c->node[node]) {
        redisFree(c->node[node]);
        c->node[node] = NULL;
    }
}


/* the unit at first, sent again while it is redirected or cut */
static int
tw_rconn_redo(tw_rconn_t *c, size_t first)
{
    int                     ask, node, tries, io, moved;
    size_t                  k, end;
    redisReply             *r;
    vo_cluster_redirect_t   rd;

    end = first + c->q[first].unit;

    for (tries = 1; ; tries++) {
        io = 0;
        moved = 0;
        ask = 0;
        node = -1;

        for (k = first; k < end; k++) {
            r = c->q[k].reply;

            if (c->q[k].io) {
                io = 1;

            } else if (r->type == REDIS_REPLY_ERROR
                       && vo_cluster_redirect((u_char *) r->str, r->len, &rd)
                          == VO_OK && node < 0)
            {
                if (rd.host[0] == '\0') {
                    memcpy(rd.host, c->map.nodes[c->q[k].node].host,
                           sizeof(rd.host));
                }
                ask = rd.ask;
                moved = !rd.ask;
                node = vo_cluster_map_node(&c->map, rd.host, strlen(rd.host),
                                           rd.port);

            } else if (r->type == REDIS_REPLY_ERROR
                       && (strncmp(r->str, "CLUSTERDOWN", 11) == 0
                           || strncmp(r->str, "TRYAGAIN", 8) == 0))
            {
                moved = 1;
            }
        }

        if (!io && !moved && !ask) {
            return 0;
        }

        if (tries == TW_RCONN_TRIES) {
            return -1;
        }

        /* a MOVED, a cut or a cluster down: the map changed (read at
         * most twice per pipeline, not for every command in it: the
         * other units use the same new map) */
        if ((io || moved) && c->remapped < TW_RCONN_TRIES - 1) {
            c->remapped++;
            if (tw_rconn_refresh(c) == 0 && !ask) {
                node = tw_rconn_route(c, c->q[first].slot);
            }
        }

        if (node < 0) {
            node = tw_rconn_route(c, c->q[first].slot);
        }

        if (tw_rconn_send(c, first, node, ask) != 0) {
            continue;
        }
    }
}


/* the unit at first to master node (after ASKING when ask), its replies
 * read in place of the old ones; -1 when the connection failed */
static int
tw_rconn_send(tw_rconn_t *c, size_t first, int node, int ask)
{
    size_t         k, end;
    redisReply    *r;
    redisContext  *ctx;

    end = first + c->q[first].unit;

    for (k = first; k < end; k++) {
        if (c->q[k].reply) {
            freeReplyObject(c->q[k].reply);
            c->q[k].reply = NULL;
        }
        c->q[k].io = 1;
        c->q[k].node = node;
    }

    ctx = tw_rconn_node(c, node);
    if (ctx == NULL) {
        return -1;
    }

    for (k = first; k < end; k++) {
        if ((ask && redisAppendCommand(ctx, "ASKING") != REDIS_OK)
            || redisAppendFormattedCommand(ctx, c->q[k].cmd, c->q[k].len)
               != REDIS_OK)
        {
            goto failed;
        }
    }

    for (k = first; k < end; k++) {
        if (ask) {
            if (redisGetReply(ctx, (void **) &r) != REDIS_OK) {
                goto failed;
            }
            freeReplyObject(r);
        }

        if (redisGetReply(ctx, (void **) &c->q[k].reply) != REDIS_OK) {
            goto failed;
        }

        c->q[k].io = 0;
    }

    return 0;

failed:

    snprintf(c->err, sizeof(c->err), "%s", ctx->errstr);
    tw_rconn_drop(c, node);

    return -1;
}


static void
tw_rconn_clear(tw_rconn_t *c)
{
    size_t  i;

    for (i = 0; i < c->nq; i++) {
        redisFreeCommand(c->q[i].cmd);
        if (c->q[i].reply) {
            freeReplyObject(c->q[i].reply);
        }
    }

    c->nq = 0;
    c->next = 0;
    c->sent = 0;
}


redisReply *
tw_redis_scan(tw_rconn_t *c, tw_redis_scan_t *s, const char *match,
    unsigned count)
{
    redisReply    *reply;
    redisContext  *ctx;

    if (s->cursor[0] == '\0') {
        strcpy(s->cursor, "0");
    }

    if (c->single) {
        ctx = c->single;

    } else {
        if (s->node >= c->map.nnodes) {
            s->done = 1;
            snprintf(c->err, sizeof(c->err), "the cluster lost a master");
            return NULL;
        }

        ctx = tw_rconn_node(c, (int) s->node);
        if (ctx == NULL) {
            return NULL;
        }
    }

    reply = redisCommand(ctx, "SCAN %s MATCH %s COUNT %u", s->cursor, match,
                         count);

    if (reply == NULL) {
        if (!c->single) {
            snprintf(c->err, sizeof(c->err), "%s", ctx->errstr);
            tw_rconn_drop(c, (int) s->node);
        }
        return NULL;
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[0]->len >= sizeof(s->cursor)
        || reply->element[1]->type != REDIS_REPLY_ARRAY)
    {
        return reply;
    }

    memcpy(s->cursor, reply->element[0]->str, reply->element[0]->len + 1);

    if (strcmp(s->cursor, "0") == 0) {
        s->node++;
        s->done = c->single || s->node >= c->map.nnodes;
    }

    return reply;
}
