/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include "ngx_http_vidorigin_redis_cluster.h"
#include "vo_cluster.h"


#define NGX_HTTP_VIDORIGIN_REDIS_TRIES    3
#define NGX_HTTP_VIDORIGIN_REDIS_REFRESH  200
#define NGX_HTTP_VIDORIGIN_REDIS_REMAP    10000
#define NGX_HTTP_VIDORIGIN_REDIS_ARGS     16


/* a command: kept for the sends after MOVED and ASK */
typedef struct {
    redisCallbackFn                      *fn;
    void                                 *privdata;
    ngx_http_vidorigin_redis_cluster_t   *cl;
    char                                 *cmd;       /* RESP */
    size_t                                len;
    ngx_uint_t                            tries;
} ngx_http_vidorigin_redis_cmd_t;


static void ngx_http_vidorigin_redis_node_init(
    ngx_http_vidorigin_redis_cluster_t *cl,
    ngx_http_vidorigin_redis_node_t *node);
static ngx_http_vidorigin_redis_node_t *ngx_http_vidorigin_redis_node_get(
    ngx_http_vidorigin_redis_cluster_t *cl, const char *host, int port);
static void ngx_http_vidorigin_redis_on_change(
    ngx_http_vidorigin_redis_node_t *node, ngx_uint_t up);
static void ngx_http_vidorigin_redis_tick(ngx_event_t *ev);
static void ngx_http_vidorigin_redis_refresh(
    ngx_http_vidorigin_redis_cluster_t *cl);
static void ngx_http_vidorigin_redis_slots_reply(redisAsyncContext *ac,
    void *reply, void *privdata);
static void ngx_http_vidorigin_redis_apply(
    ngx_http_vidorigin_redis_cluster_t *cl, vo_cluster_map_t *map);
static ngx_http_vidorigin_redis_node_t *ngx_http_vidorigin_redis_pick(
    ngx_http_vidorigin_redis_cluster_t *cl, int argc, const char **argv,
    const size_t *argvlen);
static void ngx_http_vidorigin_redis_cluster_reply(redisAsyncContext *ac,
    void *reply, void *privdata);
static ngx_int_t ngx_http_vidorigin_redis_redirect(
    ngx_http_vidorigin_redis_cmd_t *w, redisAsyncContext *ac,
    redisReply *reply);
static void ngx_http_vidorigin_redis_asking_reply(redisAsyncContext *ac,
    void *reply, void *privdata);


ngx_int_t
ngx_http_vidorigin_redis_cluster_start(ngx_http_vidorigin_redis_cluster_t *cl,
    ngx_pool_t *pool, ngx_http_vidorigin_redis_node_t *seeds,
    ngx_uint_t nseeds)
{
    ngx_uint_t                        i;
    ngx_http_vidorigin_redis_node_t  *node;

    cl->nodes = ngx_pcalloc(pool, VO_CLUSTER_MAX_NODES
                                  * sizeof(ngx_http_vidorigin_redis_node_t));
    cl->route = ngx_palloc(pool, VO_CLUSTER_SLOTS);
    cl->map = ngx_palloc(pool, sizeof(vo_cluster_map_t));

    if (cl->nodes == NULL || cl->route == NULL || cl->map == NULL) {
        return NGX_ERROR;
    }

    ngx_memset(cl->route, VO_CLUSTER_NO_NODE, VO_CLUSTER_SLOTS);

    for (i = 0; i < nseeds && i < VO_CLUSTER_MAX_NODES; i++) {
        node = &cl->nodes[cl->nnodes++];
        node->name = seeds[i].name;
        node->host = seeds[i].host;
        node->port = seeds[i].port;
        ngx_http_vidorigin_redis_node_init(cl, node);
    }

    cl->tick.handler = ngx_http_vidorigin_redis_tick;
    cl->tick.data = cl;
    cl->tick.log = cl->log;
    cl->tick.cancelable = 1;
    ngx_add_timer(&cl->tick, NGX_HTTP_VIDORIGIN_REDIS_REFRESH);

    for (i = 0; i < cl->nnodes; i++) {
        ngx_http_vidorigin_redis_node_start(&cl->nodes[i]);
    }

    return NGX_OK;
}


void
ngx_http_vidorigin_redis_cluster_stop(ngx_http_vidorigin_redis_cluster_t *cl)
{
    ngx_uint_t  i;

    cl->exiting = 1;

    if (cl->tick.timer_set) {
        ngx_del_timer(&cl->tick);
    }

    for (i = 0; i < cl->nnodes; i++) {
        ngx_http_vidorigin_redis_node_stop(&cl->nodes[i]);
    }
}


ngx_uint_t
ngx_http_vidorigin_redis_cluster_pending(
    ngx_http_vidorigin_redis_cluster_t *cl)
{
    ngx_uint_t  i, n;

    n = 0;

    for (i = 0; i < cl->nnodes; i++) {
        n += cl->nodes[i].pending;
    }

    return n;
}


static void
ngx_http_vidorigin_redis_node_init(ngx_http_vidorigin_redis_cluster_t *cl,
    ngx_http_vidorigin_redis_node_t *node)
{
    node->db = cl->db;
    node->password = cl->password;
    node->stats = cl->stats;
    node->log = cl->log;
    node->data = cl->data;
    node->cluster = cl;
    node->on_change = ngx_http_vidorigin_redis_on_change;
}


/* the node at host:port, added when new (not started); NULL when full */
static ngx_http_vidorigin_redis_node_t *
ngx_http_vidorigin_redis_node_get(ngx_http_vidorigin_redis_cluster_t *cl,
    const char *host, int port)
{
    u_char                           *p;
    size_t                            len;
    ngx_uint_t                        i;
    ngx_http_vidorigin_redis_node_t  *node;

    for (i = 0; i < cl->nnodes; i++) {
        node = &cl->nodes[i];

        if (node->port == port && ngx_strcmp(node->host, host) == 0) {
            return node;
        }
    }

    len = ngx_strlen(host);

    if (cl->nnodes == VO_CLUSTER_MAX_NODES || len >= VO_CLUSTER_HOST_LEN) {
        return NULL;
    }

    /* "host:port" for the logs, then host alone for hiredis */
    p = ngx_pnalloc(ngx_cycle->pool, 2 * len + sizeof(":65535") + 1);
    if (p == NULL) {
        return NULL;
    }

    node = &cl->nodes[cl->nnodes++];
    ngx_memzero(node, sizeof(ngx_http_vidorigin_redis_node_t));

    node->name.data = p;
    node->name.len = ngx_sprintf(p, "%s:%d", host, port) - p;
    node->host = (char *) p + node->name.len + 1;
    ngx_memcpy(node->host, host, len + 1);
    node->port = port;

    ngx_http_vidorigin_redis_node_init(cl, node);

    return node;
}


/* --- the slot map */

static void
ngx_http_vidorigin_redis_on_change(ngx_http_vidorigin_redis_node_t *node,
    ngx_uint_t up)
{
    ngx_http_vidorigin_redis_cluster_t *cl = node->cluster;

    if (cl->exiting) {
        return;
    }

    if (!up || !cl->mapped) {
        cl->refresh = 1;
    }

    if (up && cl->refresh) {
        ngx_http_vidorigin_redis_refresh(cl);
    }
}


static void
ngx_http_vidorigin_redis_tick(ngx_event_t *ev)
{
    ngx_http_vidorigin_redis_cluster_t *cl = ev->data;

    ngx_uint_t  i;

    if (cl->exiting || ngx_exiting) {
        return;
    }

    /* a master of the map down: its replica may be promoted by now */
    for (i = 0; i < cl->nnodes && !cl->refresh; i++) {
        if (!cl->nodes[i].stopped
            && cl->nodes[i].state != NGX_HTTP_VIDORIGIN_REDIS_UP)
        {
            cl->refresh = 1;
        }
    }

    if (cl->refresh || !cl->mapped || cl->covered < VO_CLUSTER_SLOTS
        || ngx_current_msec - cl->mapped_at >= NGX_HTTP_VIDORIGIN_REDIS_REMAP)
    {
        ngx_http_vidorigin_redis_refresh(cl);
    }

    ngx_add_timer(&cl->tick, NGX_HTTP_VIDORIGIN_REDIS_REFRESH);
}


/* CLUSTER SLOTS to a node that is up; none up: every node known is
 * started again, and the first up asks */
static void
ngx_http_vidorigin_redis_refresh(ngx_http_vidorigin_redis_cluster_t *cl)
{
    ngx_uint_t   i;
    const char  *argv[2] = { "CLUSTER", "SLOTS" };
    size_t       argvlen[2] = { 7, 5 };

    if (cl->refreshing) {
        return;
    }

    for (i = 0; i < cl->nnodes; i++) {
        if (ngx_http_vidorigin_redis_node_command(&cl->nodes[i],
                ngx_http_vidorigin_redis_slots_reply, cl, 2, argv, argvlen)
            == NGX_OK)
        {
            cl->refreshing = 1;
            return;
        }
    }

    for (i = 0; i < cl->nnodes; i++) {
        ngx_http_vidorigin_redis_node_start(&cl->nodes[i]);
    }
}


static void
ngx_http_vidorigin_redis_slots_reply(redisAsyncContext *ac, void *reply,
    void *privdata)
{
    ngx_http_vidorigin_redis_cluster_t *cl = privdata;

    redisReply                       *rp = reply;
    const char                       *err;
    ngx_http_vidorigin_redis_node_t  *node;

    node = ngx_http_vidorigin_redis_node_replied(ac);
    cl->refreshing = 0;

    if (rp == NULL || cl->exiting) {
        return;
    }

    if (vo_cluster_map_from_slots(cl->map, rp, node->host, &err) != VO_OK) {
        if (ngx_current_msec - cl->error_logged >= 1000) {
            cl->error_logged = ngx_current_msec;
            ngx_log_error(NGX_LOG_ERR, cl->log, 0,
                          "vidorigin: redis \"%V\": no slot map from "
                          "\"%V\": %s", cl->name, &node->name,
                          rp->type == REDIS_REPLY_ERROR ? rp->str : err);
        }
        return;
    }

    ngx_http_vidorigin_redis_apply(cl, cl->map);
}


/* the routes from a new map; masters connected, the others stopped */
static void
ngx_http_vidorigin_redis_apply(ngx_http_vidorigin_redis_cluster_t *cl,
    vo_cluster_map_t *map)
{
    ngx_uint_t                        i, s;
    uint8_t                           idx[VO_CLUSTER_MAX_NODES];
    u_char                            used[VO_CLUSTER_MAX_NODES];
    ngx_http_vidorigin_redis_node_t  *node;

    ngx_memzero(used, sizeof(used));

    for (i = 0; i < map->nnodes; i++) {
        node = ngx_http_vidorigin_redis_node_get(cl, map->nodes[i].host,
                                                 map->nodes[i].port);
        if (node == NULL) {
            ngx_log_error(NGX_LOG_ERR, cl->log, 0,
                          "vidorigin: redis \"%V\": more than %d nodes",
                          cl->name, VO_CLUSTER_MAX_NODES);
            return;
        }

        idx[i] = (uint8_t) (node - cl->nodes);
        used[idx[i]] = 1;
    }

    cl->covered = 0;

    for (s = 0; s < VO_CLUSTER_SLOTS; s++) {
        if (map->slot[s] == VO_CLUSTER_NO_NODE) {
            cl->route[s] = VO_CLUSTER_NO_NODE;

        } else {
            cl->route[s] = idx[map->slot[s]];
            cl->covered++;
        }
    }

    cl->mapped = 1;
    cl->mapped_at = ngx_current_msec;
    cl->refresh = 0;

    (void) ngx_atomic_fetch_add(&cl->stats->map_refreshes, 1);

    for (i = 0; i < cl->nnodes; i++) {
        if (used[i]) {
            ngx_http_vidorigin_redis_node_start(&cl->nodes[i]);

        } else if (!cl->nodes[i].stopped) {
            /* a replica, or a master gone: no connection to keep */
            ngx_http_vidorigin_redis_node_stop(&cl->nodes[i]);
        }
    }
}


/* --- commands */

ngx_int_t
ngx_http_vidorigin_redis_cluster_command(
    ngx_http_vidorigin_redis_cluster_t *cl, redisCallbackFn *fn,
    void *privdata, int argc, const char **argv, const size_t *argvlen)
{
    int                               len;
    char                             *cmd;
    ngx_http_vidorigin_redis_cmd_t   *w;
    ngx_http_vidorigin_redis_node_t  *node;

    node = ngx_http_vidorigin_redis_pick(cl, argc, argv, argvlen);

    if (node == NULL || node->state != NGX_HTTP_VIDORIGIN_REDIS_UP) {
        cl->refresh = 1;
        return NGX_DECLINED;
    }

    w = ngx_alloc(sizeof(ngx_http_vidorigin_redis_cmd_t), cl->log);
    if (w == NULL) {
        return NGX_DECLINED;
    }

    len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
    if (len < 0) {
        ngx_free(w);
        return NGX_DECLINED;
    }

    w->fn = fn;
    w->privdata = privdata;
    w->cl = cl;
    w->cmd = cmd;
    w->len = (size_t) len;
    w->tries = 1;

    if (ngx_http_vidorigin_redis_node_formatted(node,
                                    ngx_http_vidorigin_redis_cluster_reply,
                                    w, cmd, w->len, 0)
        != NGX_OK)
    {
        redisFreeCommand(cmd);
        ngx_free(w);
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* the master of the command's key; no key, or a slot not mapped yet: any
 * node up (a MOVED then says where) */
static ngx_http_vidorigin_redis_node_t *
ngx_http_vidorigin_redis_pick(ngx_http_vidorigin_redis_cluster_t *cl,
    int argc, const char **argv, const size_t *argvlen)
{
    int         i, k, n;
    unsigned    slot;
    vo_str_t    a[NGX_HTTP_VIDORIGIN_REDIS_ARGS];
    ngx_uint_t  j;

    n = ngx_min(argc, NGX_HTTP_VIDORIGIN_REDIS_ARGS);

    for (i = 0; i < n; i++) {
        a[i].data = (const u_char *) argv[i];
        a[i].len = argvlen[i];
    }

    k = vo_cluster_key_index(n, a);

    if (k >= 0) {
        slot = vo_cluster_slot(a[k].data, a[k].len);

        if (cl->route[slot] != VO_CLUSTER_NO_NODE) {
            return &cl->nodes[cl->route[slot]];
        }
    }

    for (j = 0; j < cl->nnodes; j++) {
        if (cl->nodes[j].state == NGX_HTTP_VIDORIGIN_REDIS_UP) {
            return &cl->nodes[j];
        }
    }

    return NULL;
}


static void
ngx_http_vidorigin_redis_cluster_reply(redisAsyncContext *ac, void *reply,
    void *privdata)
{
    ngx_http_vidorigin_redis_cmd_t *w = privdata;

    redisReply                          *rp = reply;
    ngx_http_vidorigin_redis_cluster_t  *cl;

    cl = w->cl;

    if (rp != NULL && rp->type == REDIS_REPLY_ERROR && !cl->exiting
        && w->tries < NGX_HTTP_VIDORIGIN_REDIS_TRIES
        && ngx_http_vidorigin_redis_redirect(w, ac, rp) == NGX_OK)
    {
        /* sent again: this reply was only the way there */
        (void) ngx_http_vidorigin_redis_node_replied(ac);
        return;
    }

    if (rp == NULL
        || (rp->type == REDIS_REPLY_ERROR
            && (ngx_strncmp(rp->str, "MOVED", 5) == 0
                || ngx_strncmp(rp->str, "CLUSTERDOWN", 11) == 0
                || ngx_strncmp(rp->str, "TRYAGAIN", 8) == 0)))
    {
        cl->refresh = 1;
    }

    w->fn(ac, reply, w->privdata);

    redisFreeCommand(w->cmd);
    ngx_free(w);
}


/* MOVED or ASK: w sent to the node named; NGX_DECLINED for any other
 * error, or when it cannot be sent there */
static ngx_int_t
ngx_http_vidorigin_redis_redirect(ngx_http_vidorigin_redis_cmd_t *w,
    redisAsyncContext *ac, redisReply *reply)
{
    const char                          *host;
    vo_cluster_redirect_t                r;
    ngx_http_vidorigin_redis_cluster_t  *cl;
    ngx_http_vidorigin_redis_node_t     *from, *to;

    if (vo_cluster_redirect((const u_char *) reply->str, reply->len, &r)
        != VO_OK)
    {
        return NGX_DECLINED;
    }

    cl = w->cl;
    from = ac->data;
    host = r.host[0] ? r.host : from->host;

    to = ngx_http_vidorigin_redis_node_get(cl, host, r.port);
    if (to == NULL) {
        return NGX_DECLINED;
    }

    /* a node not connected yet: connected now, the command queued */
    ngx_http_vidorigin_redis_node_start(to);

    if (!r.ask) {
        /* the slot is there now; the map is read again for the rest */
        cl->route[r.slot] = (uint8_t) (to - cl->nodes);
        cl->refresh = 1;

    } else if (ngx_http_vidorigin_redis_node_formatted(to,
                   ngx_http_vidorigin_redis_asking_reply, NULL,
                   "*1\r\n$6\r\nASKING\r\n", 16, 1)
               != NGX_OK)
    {
        return NGX_DECLINED;
    }

    if (ngx_http_vidorigin_redis_node_formatted(to,
                                    ngx_http_vidorigin_redis_cluster_reply,
                                    w, w->cmd, w->len, 1)
        != NGX_OK)
    {
        return NGX_DECLINED;
    }

    w->tries++;

    (void) ngx_atomic_fetch_add(&cl->stats->redirects, 1);

    return NGX_OK;
}


static void
ngx_http_vidorigin_redis_asking_reply(redisAsyncContext *ac, void *reply,
    void *privdata)
{
    (void) ngx_http_vidorigin_redis_node_replied(ac);
}
