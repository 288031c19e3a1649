/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * One Redis node from nginx without blocking: a hiredis async connection
 * driven by nginx's event loop, per worker.  vidorigin_redis to one node
 * has one; to a Redis Cluster, one per master (ngx_http_vidorigin_redis.c
 * routes the commands).
 *
 * node_start connects (AUTH and SELECT queued first) and keeps the
 * connection: reconnected with backoff when it goes, dropped when replies
 * stop coming for 3 s (a hung node); node_stop closes it for good (until
 * node_start again).  on_change, when set, runs each time the node comes
 * up (up 1) or goes down (up 0).  node_command sends a command (argv, or
 * in RESP form from redisFormatCommand: cmd) with hiredis's callback fn:
 * NGX_OK, or NGX_DECLINED when the node is not up (nor connecting, with
 * queue) or too many commands wait.  fn must call node_replied(ac) first;
 * it returns the node.
 */

#ifndef NGX_HTTP_VIDORIGIN_REDIS_NODE_H
#define NGX_HTTP_VIDORIGIN_REDIS_NODE_H

#include "ngx_http_vidorigin.h"

#include <hiredis/async.h>


#define NGX_HTTP_VIDORIGIN_REDIS_DOWN        0
#define NGX_HTTP_VIDORIGIN_REDIS_CONNECTING  1
#define NGX_HTTP_VIDORIGIN_REDIS_UP          2


/* the counters all workers share (the vidorigin_redis zone) */
typedef struct {
    ngx_atomic_t        connected;        /* connections up now */
    ngx_atomic_t        connects;         /* connections made */
    ngx_atomic_t        disconnects;      /* lost after being made */
    ngx_atomic_t        failures;         /* attempts that failed */
    ngx_atomic_t        calls;            /* redis_call by requests */
    ngx_atomic_t        timeouts;         /* ... past their budget */
    ngx_atomic_t        down;             /* ... refused or cut: no Redis */
    ngx_atomic_t        views_counted;
    ngx_atomic_t        views_flushed;    /* confirmed by Redis */
    ngx_atomic_t        views_dropped_full;    /* worker table full */
    ngx_atomic_t        views_dropped_down;    /* Redis down at flush */
    ngx_atomic_t        views_dropped_lost;    /* sent, no good reply */
    /* not settled yet: counted = flushed + dropped + queued + sent */
    ngx_atomic_t        views_queued;     /* in a worker's table */
    ngx_atomic_t        views_sent;       /* HINCRBY sent, reply due */
    ngx_atomic_t        redirects;        /* MOVED and ASK followed */
    ngx_atomic_t        map_refreshes;    /* cluster slot maps read */
} ngx_http_vidorigin_redis_stats_t;

typedef struct ngx_http_vidorigin_redis_node_s
    ngx_http_vidorigin_redis_node_t;

typedef void (*ngx_http_vidorigin_redis_node_pt)(
    ngx_http_vidorigin_redis_node_t *node, ngx_uint_t up);

struct ngx_http_vidorigin_redis_node_s {
    /* set before node_start */
    ngx_str_t                          name;     /* for the logs */
    char                              *host;     /* numeric, or NULL */
    int                                port;
    char                              *path;     /* unix socket, or NULL */
    ngx_int_t                          db;       /* -1: no SELECT */
    ngx_str_t                          password; /* empty: no AUTH */
    ngx_http_vidorigin_redis_stats_t  *stats;
    ngx_log_t                         *log;
    void                              *data;     /* the owner's */
    void                              *cluster;  /* its cluster, or NULL */
    ngx_http_vidorigin_redis_node_pt   on_change;

    /* the connection's */
    redisAsyncContext                 *ac;
    ngx_connection_t                  *conn;
    ngx_event_t                        timer;    /* reconnect, connect
                                                    timeout, or watchdog */
    ngx_msec_t                         backoff;
    ngx_uint_t                         state;
    ngx_uint_t                         pending;  /* commands sent, no
                                                    reply yet */
    ngx_uint_t                         failed;   /* failures since the
                                                    last connection */
    ngx_uint_t                         stopped;
    ngx_uint_t                         replies;  /* received, ever */
    ngx_uint_t                         replies_seen;  /* at the last tick */
    ngx_uint_t                         stalled;  /* ticks with commands
                                                    waiting, no reply */
};


void ngx_http_vidorigin_redis_node_start(
    ngx_http_vidorigin_redis_node_t *node);
void ngx_http_vidorigin_redis_node_stop(ngx_http_vidorigin_redis_node_t *node);
ngx_int_t ngx_http_vidorigin_redis_node_command(
    ngx_http_vidorigin_redis_node_t *node, redisCallbackFn *fn,
    void *privdata, int argc, const char **argv, const size_t *argvlen);
ngx_int_t ngx_http_vidorigin_redis_node_formatted(
    ngx_http_vidorigin_redis_node_t *node, redisCallbackFn *fn,
    void *privdata, const char *cmd, size_t len, ngx_uint_t queue);
ngx_http_vidorigin_redis_node_t *ngx_http_vidorigin_redis_node_replied(
    redisAsyncContext *ac);


#endif /* NGX_HTTP_VIDORIGIN_REDIS_NODE_H */
