/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Redis: one hiredis async connection per nginx worker, driven by nginx's
 * event loop (connected in init_process, reconnected with backoff, freed
 * in exit_process), and the counters all workers share.
 *
 * redis_conf is the vidorigin_redis directive.  redis_command sends one
 * command for the module's own writes (the arguments are copied: they may
 * be freed on return): fn runs once with the reply or NULL, and must call
 * redis_replied(ac) first (it counts the reply and returns the record of
 * the connection).  It returns
 * NGX_OK, or NGX_DECLINED when the connection is not up or more than
 * "pending" commands wait.  redis_pending is how many wait for a reply;
 * redis_error logs a failed reply once in a while; redis_stats are the
 * shared counters; redis_status writes them at p as Prometheus text (at
 * most NGX_HTTP_VIDORIGIN_REDIS_STATUS_LEN bytes) and returns the end.
 * Requests send commands through ngx_http_vidorigin_redis_call.h.
 */

#ifndef NGX_HTTP_VIDORIGIN_REDIS_H
#define NGX_HTTP_VIDORIGIN_REDIS_H

#include "ngx_http_vidorigin.h"

#include <hiredis/async.h>


#define NGX_HTTP_VIDORIGIN_REDIS_STATUS_LEN  4096

/* a worker's connection: the adapter's and the request side's */

#define NGX_HTTP_VIDORIGIN_REDIS_DOWN        0
#define NGX_HTTP_VIDORIGIN_REDIS_CONNECTING  1
#define NGX_HTTP_VIDORIGIN_REDIS_UP          2

struct ngx_http_vidorigin_redis_s {
    /* configuration */
    ngx_str_t                          name;     /* as configured */
    char                              *host;     /* numeric, or NULL */
    int                                port;
    char                              *path;     /* unix socket, or NULL */
    ngx_int_t                          db;       /* -1: no SELECT */
    ngx_str_t                          password; /* empty: no AUTH */
    ngx_msec_t                         budget;
    ngx_shm_zone_t                    *zone;

    /* this worker's */
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
    ngx_uint_t                         exiting;
    ngx_msec_t                         error_logged;
    ngx_uint_t                         replies;  /* received, ever */
    ngx_uint_t                         replies_seen;  /* at the last tick */
    ngx_uint_t                         stalled;  /* ticks with commands
                                                    waiting, no reply */
    ngx_log_t                         *log;
};

typedef struct {
    ngx_atomic_t        connected;        /* workers connected now */
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
} ngx_http_vidorigin_redis_stats_t;


char *ngx_http_vidorigin_redis_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_vidorigin_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_vidorigin_redis_t *rd);
void ngx_http_vidorigin_redis_exit_process(ngx_http_vidorigin_redis_t *rd);
ngx_int_t ngx_http_vidorigin_redis_command(ngx_http_vidorigin_redis_t *rd,
    redisCallbackFn *fn, void *privdata, int argc, const char **argv,
    const size_t *argvlen);
ngx_http_vidorigin_redis_t *ngx_http_vidorigin_redis_replied(
    redisAsyncContext *ac);
ngx_uint_t ngx_http_vidorigin_redis_pending(ngx_http_vidorigin_redis_t *rd);
void ngx_http_vidorigin_redis_error(ngx_http_vidorigin_redis_t *rd,
    const char *what, redisReply *reply);
ngx_http_vidorigin_redis_stats_t *ngx_http_vidorigin_redis_stats(
    ngx_http_vidorigin_redis_t *rd);
u_char *ngx_http_vidorigin_redis_status(ngx_http_request_t *r, u_char *p);


#endif /* NGX_HTTP_VIDORIGIN_REDIS_H */
