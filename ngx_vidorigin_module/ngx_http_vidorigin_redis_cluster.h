/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A Redis Cluster from one nginx worker: one node connection
 * (ngx_http_vidorigin_redis_node.h) per master, the slot map, and the
 * routing of each command to the master of its key's slot.
 *
 * cluster_start connects to the seeds, reads the slot map (CLUSTER SLOTS)
 * from the first that is up, and keeps one connection per master.  A
 * command goes to the master of its key's slot (vo_cluster.h); when that
 * master is not up it is refused (NGX_DECLINED) as if Redis were down.
 * A MOVED reply sends the command again to the node it names (the slot is
 * routed there at once, and the map read again), an ASK reply sends
 * ASKING and the command to the node it names; at most
 * NGX_HTTP_VIDORIGIN_REDIS_TRIES sends, then the error is the reply that
 * fn sees.  The map is read again after a MOVED or CLUSTERDOWN, when a
 * master's connection goes (a failover promotes its replica), every
 * NGX_HTTP_VIDORIGIN_REDIS_REFRESH ms while a master of the map is not
 * up or the map leaves slots out (a cluster being made), and every
 * NGX_HTTP_VIDORIGIN_REDIS_REMAP ms anyway; a node no longer a master is
 * disconnected.  fn's ac is the node
 * that answered last; fn calls node_replied(ac) first, as for one node.
 */

#ifndef NGX_HTTP_VIDORIGIN_REDIS_CLUSTER_H
#define NGX_HTTP_VIDORIGIN_REDIS_CLUSTER_H

#include "ngx_http_vidorigin.h"
#include "ngx_http_vidorigin_redis_node.h"

#include <hiredis/async.h>


typedef struct {
    ngx_str_t                         *name;     /* as configured */
    ngx_int_t                          db;
    ngx_str_t                          password;
    ngx_http_vidorigin_redis_stats_t  *stats;
    ngx_log_t                         *log;
    void                              *data;     /* each node's data */

    ngx_http_vidorigin_redis_node_t   *nodes;    /* seeds first */
    ngx_uint_t                         nnodes;
    uint8_t                           *route;    /* each slot's index in
                                                    nodes, or 0xff */
    void                              *map;      /* vo_cluster_map_t */
    ngx_event_t                        tick;
    ngx_uint_t                         mapped;   /* a map was read */
    ngx_uint_t                         covered;  /* ... of so many slots */
    ngx_msec_t                         mapped_at;
    ngx_uint_t                         refresh;  /* ... should be again */
    ngx_uint_t                         refreshing;
    ngx_uint_t                         exiting;
    ngx_msec_t                         error_logged;
} ngx_http_vidorigin_redis_cluster_t;


/* cl's configuration fields set; seeds copied (their name, host, port) */
ngx_int_t ngx_http_vidorigin_redis_cluster_start(
    ngx_http_vidorigin_redis_cluster_t *cl, ngx_pool_t *pool,
    ngx_http_vidorigin_redis_node_t *seeds, ngx_uint_t nseeds);
void ngx_http_vidorigin_redis_cluster_stop(
    ngx_http_vidorigin_redis_cluster_t *cl);
ngx_int_t ngx_http_vidorigin_redis_cluster_command(
    ngx_http_vidorigin_redis_cluster_t *cl, redisCallbackFn *fn,
    void *privdata, int argc, const char **argv, const size_t *argvlen);
ngx_uint_t ngx_http_vidorigin_redis_cluster_pending(
    ngx_http_vidorigin_redis_cluster_t *cl);


#endif /* NGX_HTTP_VIDORIGIN_REDIS_CLUSTER_H */
