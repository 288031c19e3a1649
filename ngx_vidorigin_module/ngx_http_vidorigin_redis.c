/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Redis from nginx without blocking: the vidorigin_redis directive, the
 * routing of commands to the node connections
 * (ngx_http_vidorigin_redis_node.c) and the counters.
 *
 * One node: every command goes to the one connection, as it comes.
 *
 * A Redis Cluster (cluster=): ngx_http_vidorigin_redis_cluster.c routes
 * each command to the master of its key's slot.
 *
 * Counters shared by all workers (and kept across reloads) live in a small
 * shared zone, shown by the admin status endpoint.
 */

#include "ngx_http_vidorigin_redis.h"
#include "vo_cluster.h"



static ngx_int_t ngx_http_vidorigin_redis_address(ngx_conf_t *cf,
    ngx_http_vidorigin_redis_t *rd, ngx_str_t *addr);
static ngx_int_t ngx_http_vidorigin_redis_seeds(ngx_conf_t *cf,
    ngx_http_vidorigin_redis_t *rd, ngx_str_t *list);
static ngx_int_t ngx_http_vidorigin_redis_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);


/*
 * vidorigin_redis ADDRESS [db=N] [password=TEXT] [budget=TIME];
 *
 * ADDRESS is host[:port] (6379 by default), unix:/path, or
 * cluster=host:port,host:port,... (a Redis Cluster's seeds; db 0 only).
 */
char *
ngx_http_vidorigin_redis_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_main_conf_t *vmcf = conf;

    ngx_str_t                   *value, s, name = ngx_string("vidorigin_redis");
    ngx_int_t                    n, rc;
    ngx_uint_t                   i;
    ngx_http_vidorigin_redis_t  *rd;

    if (vmcf->redis != NULL) {
        return "is duplicate";
    }

    rd = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_redis_t));
    if (rd == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;
    rd->name = value[1];
    rd->db = -1;
    rd->budget = 5;

    if (value[1].len > 8 && ngx_strncmp(value[1].data, "cluster=", 8) == 0) {
        s.data = value[1].data + 8;
        s.len = value[1].len - 8;
        rd->cluster = 1;
        rc = ngx_http_vidorigin_redis_seeds(cf, rd, &s);

    } else {
        rd->seeds = ngx_pcalloc(cf->pool,
                                sizeof(ngx_http_vidorigin_redis_node_t));
        if (rd->seeds == NULL) {
            return NGX_CONF_ERROR;
        }
        rd->nseeds = 1;
        rd->seeds->name = value[1];
        rc = ngx_http_vidorigin_redis_address(cf, rd, &value[1]);
    }

    if (rc != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "db=", 3) == 0) {
            n = ngx_atoi(value[i].data + 3, value[i].len - 3);
            if (n == NGX_ERROR) {
                goto invalid;
            }

            if (rd->cluster && n != 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "a Redis Cluster has database 0 only");
                return NGX_CONF_ERROR;
            }

            rd->db = rd->cluster ? -1 : n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "password=", 9) == 0
            && value[i].len > 9)
        {
            rd->password.data = value[i].data + 9;
            rd->password.len = value[i].len - 9;
            continue;
        }

        if (ngx_strncmp(value[i].data, "budget=", 7) == 0) {
            s.data = value[i].data + 7;
            s.len = value[i].len - 7;

            rd->budget = ngx_parse_time(&s, 0);
            if (rd->budget == (ngx_msec_t) NGX_ERROR || rd->budget == 0) {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    rd->zone = ngx_shared_memory_add(cf, &name, 8 * ngx_pagesize,
                                     &ngx_http_vidorigin_module);
    if (rd->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    rd->zone->init = ngx_http_vidorigin_redis_init_zone;

    vmcf->redis = rd;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);
    return NGX_CONF_ERROR;
}


/* resolved now, once: hiredis gets a numeric address and never waits */
static ngx_int_t
ngx_http_vidorigin_redis_address(ngx_conf_t *cf,
    ngx_http_vidorigin_redis_t *rd, ngx_str_t *addr)
{
    u_char                           text[NGX_SOCKADDR_STRLEN];
    size_t                           len;
    ngx_url_t                        u;
    ngx_http_vidorigin_redis_node_t *node;

    node = &rd->seeds[rd->nseeds - 1];

    if (!rd->cluster && addr->len > 5
        && ngx_strncmp(addr->data, "unix:", 5) == 0)
    {
        node->path = (char *) ngx_pnalloc(cf->pool, addr->len - 5 + 1);
        if (node->path == NULL) {
            return NGX_ERROR;
        }

        ngx_cpystrn((u_char *) node->path, addr->data + 5, addr->len - 5 + 1);
        return NGX_OK;
    }

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = *addr;
    u.default_port = 6379;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.naddrs == 0
        || (rd->cluster && u.addrs[0].sockaddr->sa_family == AF_UNIX))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid redis address \"%V\"%s%s", addr,
                           u.err ? ": " : "", u.err ? u.err : "");
        return NGX_ERROR;
    }

    len = ngx_sock_ntop(u.addrs[0].sockaddr, u.addrs[0].socklen, text,
                        NGX_SOCKADDR_STRLEN, 0);

    if (rd->cluster && len >= VO_CLUSTER_HOST_LEN) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "redis address \"%V\" too long", addr);
        return NGX_ERROR;
    }

    node->host = (char *) ngx_pnalloc(cf->pool, len + 1);
    if (node->host == NULL) {
        return NGX_ERROR;
    }

    ngx_cpystrn((u_char *) node->host, text, len + 1);
    node->port = ngx_inet_get_port(u.addrs[0].sockaddr);

    return NGX_OK;
}


/* cluster=host:port,host:port: each seed resolved as one address */
static ngx_int_t
ngx_http_vidorigin_redis_seeds(ngx_conf_t *cf, ngx_http_vidorigin_redis_t *rd,
    ngx_str_t *list)
{
    u_char     *p, *end, *comma;
    ngx_str_t   one;

    rd->seeds = ngx_pcalloc(cf->pool, VO_CLUSTER_MAX_NODES
                                      * sizeof(ngx_http_vidorigin_redis_node_t));
    if (rd->seeds == NULL) {
        return NGX_ERROR;
    }

    end = list->data + list->len;

    for (p = list->data; /* void */; p = comma + 1) {
        comma = ngx_strlchr(p, end, ',');
        if (comma == NULL) {
            comma = end;
        }

        one.data = p;
        one.len = comma - p;

        if (one.len == 0 || rd->nseeds == VO_CLUSTER_MAX_NODES) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid redis cluster seeds \"%V\": "
                               "cluster=host:port,host:port,...", list);
            return NGX_ERROR;
        }

        rd->seeds[rd->nseeds++].name = one;

        if (ngx_http_vidorigin_redis_address(cf, rd, &one) != NGX_OK) {
            return NGX_ERROR;
        }

        if (comma == end) {
            break;
        }
    }

    return rd->nseeds ? NGX_OK : NGX_ERROR;
}


static ngx_int_t
ngx_http_vidorigin_redis_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t                   *shpool;
    ngx_http_vidorigin_redis_stats_t  *st;

    if (data) {
        /* a reload: the counters go on */
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    st = ngx_slab_calloc(shpool, sizeof(ngx_http_vidorigin_redis_stats_t));
    if (st == NULL) {
        return NGX_ERROR;
    }

    shpool->data = st;
    shm_zone->data = st;

    return NGX_OK;
}


ngx_http_vidorigin_redis_stats_t *
ngx_http_vidorigin_redis_stats(ngx_http_vidorigin_redis_t *rd)
{
    return rd->zone->data;
}


ngx_int_t
ngx_http_vidorigin_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_vidorigin_redis_t *rd)
{
    ngx_http_vidorigin_redis_cluster_t  *cl;

    /* cache managers and loaders run init_process too: no connection */

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    rd->log = cycle->log;

    if (rd->cluster) {
        cl = ngx_pcalloc(cycle->pool,
                         sizeof(ngx_http_vidorigin_redis_cluster_t));
        if (cl == NULL) {
            return NGX_ERROR;
        }

        cl->name = &rd->name;
        cl->db = rd->db;
        cl->password = rd->password;
        cl->stats = ngx_http_vidorigin_redis_stats(rd);
        cl->log = cycle->log;
        cl->data = rd;

        rd->cl = cl;

        return ngx_http_vidorigin_redis_cluster_start(cl, cycle->pool,
                                                      rd->seeds, rd->nseeds);
    }

    rd->node = rd->seeds;
    rd->node->db = rd->db;
    rd->node->password = rd->password;
    rd->node->stats = ngx_http_vidorigin_redis_stats(rd);
    rd->node->log = cycle->log;
    rd->node->data = rd;

    ngx_http_vidorigin_redis_node_start(rd->node);

    return NGX_OK;
}


void
ngx_http_vidorigin_redis_exit_process(ngx_http_vidorigin_redis_t *rd)
{
    rd->exiting = 1;

    if (rd->cl) {
        ngx_http_vidorigin_redis_cluster_stop(rd->cl);

    } else if (rd->node) {
        ngx_http_vidorigin_redis_node_stop(rd->node);
    }
}


ngx_http_vidorigin_redis_t *
ngx_http_vidorigin_redis_replied(redisAsyncContext *ac)
{
    return ngx_http_vidorigin_redis_node_replied(ac)->data;
}


ngx_uint_t
ngx_http_vidorigin_redis_pending(ngx_http_vidorigin_redis_t *rd)
{
    if (rd->cl) {
        return ngx_http_vidorigin_redis_cluster_pending(rd->cl);
    }

    return rd->node ? rd->node->pending : 0;
}


/* an error reply to the module's own writes: logged at most once a second */
void
ngx_http_vidorigin_redis_error(ngx_http_vidorigin_redis_t *rd,
    const char *what, redisReply *reply)
{
    if (reply == NULL || reply->type != REDIS_REPLY_ERROR
        || ngx_current_msec - rd->error_logged < 1000)
    {
        return;
    }

    rd->error_logged = ngx_current_msec;

    ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                  "vidorigin: redis \"%V\" refused %s: %s",
                  &rd->name, what, reply->str);
}


ngx_int_t
ngx_http_vidorigin_redis_command(ngx_http_vidorigin_redis_t *rd,
    redisCallbackFn *fn, void *privdata, int argc, const char **argv,
    const size_t *argvlen)
{
    if (rd->cl) {
        return ngx_http_vidorigin_redis_cluster_command(rd->cl, fn, privdata,
                                                        argc, argv, argvlen);
    }

    if (rd->node == NULL) {
        return NGX_DECLINED;
    }

    return ngx_http_vidorigin_redis_node_command(rd->node, fn, privdata,
                                                 argc, argv, argvlen);
}


/* --- status: Prometheus text, summed over workers */

u_char *
ngx_http_vidorigin_redis_status(ngx_http_request_t *r, u_char *p)
{
    ngx_http_vidorigin_main_conf_t    *vmcf;
    ngx_http_vidorigin_redis_stats_t  *st;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);

    if (vmcf->redis == NULL) {
        return p;
    }

    st = ngx_http_vidorigin_redis_stats(vmcf->redis);

    p = ngx_sprintf(p,
        "# HELP vidorigin_redis_connected nginx workers connected to Redis\n"
        "# TYPE vidorigin_redis_connected gauge\n"
        "vidorigin_redis_connected %uA\n"
        "# HELP vidorigin_redis_connects_total connections made\n"
        "# TYPE vidorigin_redis_connects_total counter\n"
        "vidorigin_redis_connects_total %uA\n"
        "# HELP vidorigin_redis_disconnects_total connections lost\n"
        "# TYPE vidorigin_redis_disconnects_total counter\n"
        "vidorigin_redis_disconnects_total %uA\n"
        "# HELP vidorigin_redis_connect_failures_total failed attempts\n"
        "# TYPE vidorigin_redis_connect_failures_total counter\n"
        "vidorigin_redis_connect_failures_total %uA\n"
        "# HELP vidorigin_redis_calls_total Redis commands of requests\n"
        "# TYPE vidorigin_redis_calls_total counter\n"
        "vidorigin_redis_calls_total %uA\n"
        "# HELP vidorigin_redis_calls_failed_total commands of requests "
        "answered without Redis\n"
        "# TYPE vidorigin_redis_calls_failed_total counter\n"
        "vidorigin_redis_calls_failed_total{reason=\"budget\"} %uA\n"
        "vidorigin_redis_calls_failed_total{reason=\"down\"} %uA\n"
        "# HELP vidorigin_views_counted_total playback starts counted\n"
        "# TYPE vidorigin_views_counted_total counter\n"
        "vidorigin_views_counted_total %uA\n"
        "# HELP vidorigin_views_flushed_total views stored in Redis\n"
        "# TYPE vidorigin_views_flushed_total counter\n"
        "vidorigin_views_flushed_total %uA\n"
        "# HELP vidorigin_views_dropped_total views not stored\n"
        "# TYPE vidorigin_views_dropped_total counter\n"
        "vidorigin_views_dropped_total{reason=\"full\"} %uA\n"
        "vidorigin_views_dropped_total{reason=\"down\"} %uA\n"
        "vidorigin_views_dropped_total{reason=\"lost\"} %uA\n"
        "# HELP vidorigin_views_pending views not settled yet: in a "
        "worker's table, or sent with the reply due\n"
        "# TYPE vidorigin_views_pending gauge\n"
        "vidorigin_views_pending{state=\"queued\"} %uA\n"
        "vidorigin_views_pending{state=\"sent\"} %uA\n"
        "# HELP vidorigin_redis_redirects_total cluster MOVED and ASK "
        "replies followed\n"
        "# TYPE vidorigin_redis_redirects_total counter\n"
        "vidorigin_redis_redirects_total %uA\n"
        "# HELP vidorigin_redis_cluster_maps_total cluster slot maps read\n"
        "# TYPE vidorigin_redis_cluster_maps_total counter\n"
        "vidorigin_redis_cluster_maps_total %uA\n",
        st->connected, st->connects, st->disconnects, st->failures,
        st->calls, st->timeouts, st->down,
        st->views_counted, st->views_flushed, st->views_dropped_full,
        st->views_dropped_down, st->views_dropped_lost, st->views_queued,
        st->views_sent, st->redirects, st->map_refreshes);

    return p;
}
