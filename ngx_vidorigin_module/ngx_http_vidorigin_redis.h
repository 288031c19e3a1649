/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Redis: one hiredis async connection per nginx worker, driven by nginx's
 * event loop (connected in init_process, reconnected with backoff, freed
 * in exit_process: ngx_http_vidorigin_redis_node.c), or with
 * "cluster=host:port,..." one per master of a Redis Cluster, each command
 * sent to the master of its key's slot; and the counters all workers
 * share.
 *
 * redis_conf is the vidorigin_redis directive.  redis_command sends one
 * command for the module's own writes (the arguments are copied: they may
 * be freed on return): fn runs once with the reply or NULL, and must call
 * redis_replied(ac) first (it counts the reply and returns the record of
 * the connection; in a cluster, the command may have been sent again
 * after MOVED or ASK, and ac is the node that answered last).  It returns
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
#include "ngx_http_vidorigin_redis_node.h"
#include "ngx_http_vidorigin_redis_cluster.h"

#include <hiredis/async.h>


#define NGX_HTTP_VIDORIGIN_REDIS_STATUS_LEN  4096


struct ngx_http_vidorigin_redis_s {
    /* configuration */
    ngx_str_t                          name;     /* as configured */
    ngx_int_t                          db;       /* -1: no SELECT */
    ngx_str_t                          password; /* empty: no AUTH */
    ngx_msec_t                         budget;
    ngx_shm_zone_t                    *zone;
    ngx_uint_t                         cluster;  /* cluster=: seeds */
    ngx_http_vidorigin_redis_node_t   *seeds;    /* the one node, or the
                                                    cluster's seeds */
    ngx_uint_t                         nseeds;

    /* this worker's */
    ngx_http_vidorigin_redis_node_t   *node;     /* one node */
    ngx_http_vidorigin_redis_cluster_t  *cl;     /* or a cluster */
    ngx_uint_t                         exiting;
    ngx_msec_t                         error_logged;
    ngx_log_t                         *log;
};


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
