/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Redis from nginx without blocking: hiredis's async API driven by nginx's
 * event loop.
 *
 * Each worker has one connection, made in init_process: hiredis opens a
 * nonblocking socket, and its ev.addRead/delRead/addWrite/delWrite hooks
 * become level-triggered nginx events on an ngx_connection_t wrapping that
 * socket (hiredis reads at most 16 KB per call, so an edge would be lost).
 * The cleanup hook, run by hiredis whenever it frees the context (Redis
 * went away, a failed connect, exit_process), gives the ngx_connection_t
 * back and, unless the worker is leaving, arms the reconnect timer:
 * 100 ms, doubled on every failure up to 2 s, back to 100 ms once
 * connected.  Addresses are resolved at configuration time, so a
 * reconnect never waits for DNS.  Commands are pipelined: hiredis queues
 * them and writes what it has on each write event.  At most
 * NGX_HTTP_VIDORIGIN_REDIS_PENDING commands wait for replies; past that,
 * commands are refused as if Redis were down, so a hung Redis costs
 * bounded memory; commands left with no reply at all for 3 s drop the
 * connection (a hung Redis, a host gone without a reset).
 *
 * Counters shared by all workers (and kept across reloads) live in a small
 * shared zone, shown by the admin status endpoint.
 */

#include "ngx_http_vidorigin_redis.h"


#define NGX_HTTP_VIDORIGIN_REDIS_PENDING          16384
#define NGX_HTTP_VIDORIGIN_REDIS_BACKOFF_MIN      100
#define NGX_HTTP_VIDORIGIN_REDIS_BACKOFF_MAX      2000
#define NGX_HTTP_VIDORIGIN_REDIS_CONNECT_TIMEOUT  1000
#define NGX_HTTP_VIDORIGIN_REDIS_TICK             1000
#define NGX_HTTP_VIDORIGIN_REDIS_STALLED          3




static ngx_int_t ngx_http_vidorigin_redis_address(ngx_conf_t *cf,
    ngx_http_vidorigin_redis_t *rd, ngx_str_t *addr);
static ngx_int_t ngx_http_vidorigin_redis_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_vidorigin_redis_connect(ngx_http_vidorigin_redis_t *rd);
static void ngx_http_vidorigin_redis_retry(ngx_http_vidorigin_redis_t *rd);
static void ngx_http_vidorigin_redis_timer(ngx_event_t *ev);
static void ngx_http_vidorigin_redis_watchdog(ngx_http_vidorigin_redis_t *rd);
static void ngx_http_vidorigin_redis_on_connect(const redisAsyncContext *ac,
    int status);
static void ngx_http_vidorigin_redis_on_disconnect(
    const redisAsyncContext *ac, int status);
static void ngx_http_vidorigin_redis_setup_reply(redisAsyncContext *ac,
    void *reply, void *privdata);
static void ngx_http_vidorigin_redis_read(ngx_event_t *ev);
static void ngx_http_vidorigin_redis_write(ngx_event_t *ev);
static void ngx_http_vidorigin_redis_add_read(void *data);
static void ngx_http_vidorigin_redis_del_read(void *data);
static void ngx_http_vidorigin_redis_add_write(void *data);
static void ngx_http_vidorigin_redis_del_write(void *data);
static void ngx_http_vidorigin_redis_cleanup(void *data);


/*
 * vidorigin_redis ADDRESS [db=N] [password=TEXT] [budget=TIME];
 *
 * ADDRESS is host[:port] (6379 by default) or unix:/path.
 */
char *
ngx_http_vidorigin_redis_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_main_conf_t *vmcf = conf;

    ngx_str_t                   *value, s, name = ngx_string("vidorigin_redis");
    ngx_int_t                    n;
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

    if (ngx_http_vidorigin_redis_address(cf, rd, &value[1]) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "db=", 3) == 0) {
            n = ngx_atoi(value[i].data + 3, value[i].len - 3);
            if (n == NGX_ERROR) {
                goto invalid;
            }

            rd->db = n;
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
    u_char     text[NGX_SOCKADDR_STRLEN];
    size_t     len;
    ngx_url_t  u;

    if (addr->len > 5 && ngx_strncmp(addr->data, "unix:", 5) == 0) {
        rd->path = (char *) ngx_pnalloc(cf->pool, addr->len - 5 + 1);
        if (rd->path == NULL) {
            return NGX_ERROR;
        }

        ngx_cpystrn((u_char *) rd->path, addr->data + 5, addr->len - 5 + 1);
        return NGX_OK;
    }

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = *addr;
    u.default_port = 6379;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK || u.naddrs == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid redis address \"%V\"%s%s", addr,
                           u.err ? ": " : "", u.err ? u.err : "");
        return NGX_ERROR;
    }

    len = ngx_sock_ntop(u.addrs[0].sockaddr, u.addrs[0].socklen, text,
                        NGX_SOCKADDR_STRLEN, 0);

    rd->host = (char *) ngx_pnalloc(cf->pool, len + 1);
    if (rd->host == NULL) {
        return NGX_ERROR;
    }

    ngx_cpystrn((u_char *) rd->host, text, len + 1);
    rd->port = ngx_inet_get_port(u.addrs[0].sockaddr);

    return NGX_OK;
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
    /* cache managers and loaders run init_process too: no connection */

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    rd->log = cycle->log;
    rd->backoff = NGX_HTTP_VIDORIGIN_REDIS_BACKOFF_MIN;

    rd->timer.handler = ngx_http_vidorigin_redis_timer;
    rd->timer.data = rd;
    rd->timer.log = cycle->log;
    rd->timer.cancelable = 1;

    ngx_http_vidorigin_redis_connect(rd);

    return NGX_OK;
}


void
ngx_http_vidorigin_redis_exit_process(ngx_http_vidorigin_redis_t *rd)
{
    rd->exiting = 1;

    if (rd->timer.timer_set) {
        ngx_del_timer(&rd->timer);
    }

    if (rd->ac != NULL) {
        /* replies still due are called with NULL; cleanup closes */
        redisAsyncFree(rd->ac);
    }
}


static void
ngx_http_vidorigin_redis_connect(ngx_http_vidorigin_redis_t *rd)
{
    redisAsyncContext  *ac;
    ngx_connection_t   *c;
    const char         *argv[2];
    size_t              argvlen[2];
    u_char              db[NGX_INT_T_LEN];

    if (rd->path) {
        ac = redisAsyncConnectUnix(rd->path);

    } else {
        ac = redisAsyncConnect(rd->host, rd->port);
    }

    if (ac == NULL) {
        ngx_log_error(NGX_LOG_ALERT, rd->log, 0,
                      "vidorigin: redis \"%V\": no memory", &rd->name);
        ngx_http_vidorigin_redis_retry(rd);
        return;
    }

    if (ac->err) {
        if (rd->failed++ == 0) {
            ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                          "vidorigin: redis \"%V\" unreachable: %s; "
                          "retrying", &rd->name, ac->errstr);
        }

        (void) ngx_atomic_fetch_add(
                         &ngx_http_vidorigin_redis_stats(rd)->failures, 1);
        redisAsyncFree(ac);
        ngx_http_vidorigin_redis_retry(rd);
        return;
    }

    c = ngx_get_connection(ac->c.fd, rd->log);
    if (c == NULL) {
        redisAsyncFree(ac);
        ngx_http_vidorigin_redis_retry(rd);
        return;
    }

    c->data = rd;
    c->read->handler = ngx_http_vidorigin_redis_read;
    c->write->handler = ngx_http_vidorigin_redis_write;
    c->read->log = rd->log;
    c->write->log = rd->log;

    rd->ac = ac;
    rd->conn = c;
    rd->state = NGX_HTTP_VIDORIGIN_REDIS_CONNECTING;
    rd->pending = 0;

    ac->data = rd;
    ac->ev.data = rd;
    ac->ev.addRead = ngx_http_vidorigin_redis_add_read;
    ac->ev.delRead = ngx_http_vidorigin_redis_del_read;
    ac->ev.addWrite = ngx_http_vidorigin_redis_add_write;
    ac->ev.delWrite = ngx_http_vidorigin_redis_del_write;
    ac->ev.cleanup = ngx_http_vidorigin_redis_cleanup;

    /* hiredis waits for the first write event: the connect completed */

    redisAsyncSetConnectCallback(ac, ngx_http_vidorigin_redis_on_connect);
    redisAsyncSetDisconnectCallback(ac,
                                    ngx_http_vidorigin_redis_on_disconnect);

    /* queued now, sent first once connected */

    if (rd->password.len) {
        argv[0] = "AUTH";
        argvlen[0] = 4;
        argv[1] = (const char *) rd->password.data;
        argvlen[1] = rd->password.len;

        if (redisAsyncCommandArgv(ac, ngx_http_vidorigin_redis_setup_reply,
                                  "AUTH", 2, argv, argvlen)
            == REDIS_OK)
        {
            rd->pending++;
        }
    }

    if (rd->db >= 0) {
        argv[0] = "SELECT";
        argvlen[0] = 6;
        argv[1] = (const char *) db;
        argvlen[1] = ngx_sprintf(db, "%i", rd->db) - db;

        if (redisAsyncCommandArgv(ac, ngx_http_vidorigin_redis_setup_reply,
                                  "SELECT", 2, argv, argvlen)
            == REDIS_OK)
        {
            rd->pending++;
        }
    }

    ngx_add_timer(&rd->timer, NGX_HTTP_VIDORIGIN_REDIS_CONNECT_TIMEOUT);
}


static void
ngx_http_vidorigin_redis_retry(ngx_http_vidorigin_redis_t *rd)
{
    if (rd->exiting || ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (rd->timer.timer_set) {
        ngx_del_timer(&rd->timer);
    }

    ngx_add_timer(&rd->timer, rd->backoff);

    rd->backoff = ngx_min(2 * rd->backoff,
                          NGX_HTTP_VIDORIGIN_REDIS_BACKOFF_MAX);
}


static void
ngx_http_vidorigin_redis_timer(ngx_event_t *ev)
{
    ngx_http_vidorigin_redis_t *rd = ev->data;

    if (rd->state == NGX_HTTP_VIDORIGIN_REDIS_CONNECTING) {
        if (rd->failed++ == 0) {
            ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                          "vidorigin: redis \"%V\": connect timed out; "
                          "retrying", &rd->name);
        }

        (void) ngx_atomic_fetch_add(
                         &ngx_http_vidorigin_redis_stats(rd)->failures, 1);

        /* the cleanup hook arms the retry */
        redisAsyncFree(rd->ac);
        return;
    }

    if (rd->state == NGX_HTTP_VIDORIGIN_REDIS_UP) {
        ngx_http_vidorigin_redis_watchdog(rd);
        return;
    }

    if (rd->ac == NULL) {
        ngx_http_vidorigin_redis_connect(rd);
    }
}


/*
 * A Redis that is hung, or a host that vanished without a reset, would
 * keep the connection open and every command waiting for good: commands
 * waiting with no reply at all for NGX_HTTP_VIDORIGIN_REDIS_STALLED ticks
 * drop the connection, and the usual retries follow.
 */
static void
ngx_http_vidorigin_redis_watchdog(ngx_http_vidorigin_redis_t *rd)
{
    if (rd->pending == 0 || rd->replies != rd->replies_seen) {
        rd->stalled = 0;

    } else if (++rd->stalled >= NGX_HTTP_VIDORIGIN_REDIS_STALLED) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "vidorigin: redis \"%V\" answered nothing for %ui s "
                      "(%ui commands waiting); reconnecting", &rd->name,
                      rd->stalled * NGX_HTTP_VIDORIGIN_REDIS_TICK / 1000,
                      rd->pending);

        /* replies due are called with NULL; the cleanup hook retries */
        rd->failed = 1;
        redisAsyncFree(rd->ac);
        return;
    }

    rd->replies_seen = rd->replies;
    ngx_add_timer(&rd->timer, NGX_HTTP_VIDORIGIN_REDIS_TICK);
}


static void
ngx_http_vidorigin_redis_on_connect(const redisAsyncContext *ac, int status)
{
    ngx_http_vidorigin_redis_t *rd = ac->data;

    if (status != REDIS_OK) {
        /* hiredis frees the context next: the cleanup hook retries */
        if (rd->failed++ == 0) {
            ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                          "vidorigin: redis \"%V\" unreachable: %s; "
                          "retrying", &rd->name, ac->errstr);
        }

        (void) ngx_atomic_fetch_add(
                         &ngx_http_vidorigin_redis_stats(rd)->failures, 1);
        return;
    }

    if (rd->timer.timer_set) {
        ngx_del_timer(&rd->timer);
    }

    if (rd->failed) {
        ngx_log_error(NGX_LOG_NOTICE, rd->log, 0,
                      "vidorigin: redis \"%V\" connected", &rd->name);
    }

    rd->state = NGX_HTTP_VIDORIGIN_REDIS_UP;
    rd->failed = 0;
    rd->backoff = NGX_HTTP_VIDORIGIN_REDIS_BACKOFF_MIN;
    rd->stalled = 0;
    rd->replies_seen = rd->replies;

    ngx_add_timer(&rd->timer, NGX_HTTP_VIDORIGIN_REDIS_TICK);

    (void) ngx_atomic_fetch_add(
                         &ngx_http_vidorigin_redis_stats(rd)->connected, 1);
    (void) ngx_atomic_fetch_add(
                         &ngx_http_vidorigin_redis_stats(rd)->connects, 1);
}


static void
ngx_http_vidorigin_redis_on_disconnect(const redisAsyncContext *ac,
    int status)
{
    ngx_http_vidorigin_redis_t *rd = ac->data;

    if (status != REDIS_OK && !rd->exiting) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "vidorigin: redis \"%V\" connection lost: %s; "
                      "reconnecting", &rd->name,
                      ac->errstr ? ac->errstr : "closed");
    }
}


/* AUTH and SELECT: a refusal is logged; later commands then fail too */
static void
ngx_http_vidorigin_redis_setup_reply(redisAsyncContext *ac, void *reply,
    void *privdata)
{
    redisReply                  *rp = reply;
    ngx_http_vidorigin_redis_t  *rd;

    rd = ngx_http_vidorigin_redis_replied(ac);

    if (rp != NULL && rp->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                      "vidorigin: redis \"%V\" refused %s: %s",
                      &rd->name, (char *) privdata, rp->str);
    }
}


ngx_http_vidorigin_redis_t *
ngx_http_vidorigin_redis_replied(redisAsyncContext *ac)
{
    ngx_http_vidorigin_redis_t *rd = ac->data;

    if (rd->pending) {
        rd->pending--;
    }

    rd->replies++;

    return rd;
}


ngx_uint_t
ngx_http_vidorigin_redis_pending(ngx_http_vidorigin_redis_t *rd)
{
    return rd->pending;
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
    if (rd->state != NGX_HTTP_VIDORIGIN_REDIS_UP
        || rd->pending >= NGX_HTTP_VIDORIGIN_REDIS_PENDING)
    {
        return NGX_DECLINED;
    }

    if (redisAsyncCommandArgv(rd->ac, fn, privdata, argc, argv, argvlen)
        != REDIS_OK)
    {
        return NGX_DECLINED;
    }

    rd->pending++;

    return NGX_OK;
}


/* --- the event hooks: hiredis's socket as an nginx connection */

static void
ngx_http_vidorigin_redis_read(ngx_event_t *ev)
{
    ngx_connection_t            *c = ev->data;
    ngx_http_vidorigin_redis_t  *rd = c->data;

    /* may free the context, and c with it: touch neither after */
    redisAsyncHandleRead(rd->ac);
}


static void
ngx_http_vidorigin_redis_write(ngx_event_t *ev)
{
    ngx_connection_t            *c = ev->data;
    ngx_http_vidorigin_redis_t  *rd = c->data;

    redisAsyncHandleWrite(rd->ac);
}


static void
ngx_http_vidorigin_redis_add_read(void *data)
{
    ngx_http_vidorigin_redis_t *rd = data;

    if (!rd->conn->read->active) {
        /* level-triggered */
        (void) ngx_add_event(rd->conn->read, NGX_READ_EVENT, 0);
    }
}


static void
ngx_http_vidorigin_redis_del_read(void *data)
{
    ngx_http_vidorigin_redis_t *rd = data;

    if (rd->conn->read->active) {
        (void) ngx_del_event(rd->conn->read, NGX_READ_EVENT, 0);
    }
}


static void
ngx_http_vidorigin_redis_add_write(void *data)
{
    ngx_http_vidorigin_redis_t *rd = data;

    if (!rd->conn->write->active) {
        (void) ngx_add_event(rd->conn->write, NGX_WRITE_EVENT, 0);
    }
}


static void
ngx_http_vidorigin_redis_del_write(void *data)
{
    ngx_http_vidorigin_redis_t *rd = data;

    if (rd->conn->write->active) {
        (void) ngx_del_event(rd->conn->write, NGX_WRITE_EVENT, 0);
    }
}


/* hiredis frees the context and closes the socket right after this */
static void
ngx_http_vidorigin_redis_cleanup(void *data)
{
    ngx_http_vidorigin_redis_t *rd = data;

    ngx_connection_t  *c;

    c = rd->conn;

    if (c->read->active) {
        (void) ngx_del_event(c->read, NGX_READ_EVENT, NGX_CLOSE_EVENT);
    }

    if (c->write->active) {
        (void) ngx_del_event(c->write, NGX_WRITE_EVENT, NGX_CLOSE_EVENT);
    }

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    ngx_free_connection(c);
    c->fd = (ngx_socket_t) -1;       /* events of this batch are stale */

    if (rd->state == NGX_HTTP_VIDORIGIN_REDIS_UP) {
        (void) ngx_atomic_fetch_add(
                       &ngx_http_vidorigin_redis_stats(rd)->connected, -1);
        (void) ngx_atomic_fetch_add(
                       &ngx_http_vidorigin_redis_stats(rd)->disconnects, 1);
    }

    rd->conn = NULL;
    rd->ac = NULL;
    rd->state = NGX_HTTP_VIDORIGIN_REDIS_DOWN;
    rd->pending = 0;

    if (rd->timer.timer_set) {
        ngx_del_timer(&rd->timer);
    }

    ngx_http_vidorigin_redis_retry(rd);
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
        "vidorigin_views_pending{state=\"sent\"} %uA\n",
        st->connected, st->connects, st->disconnects, st->failures,
        st->calls, st->timeouts, st->down,
        st->views_counted, st->views_flushed, st->views_dropped_full,
        st->views_dropped_down, st->views_dropped_lost, st->views_queued,
        st->views_sent);

    return p;
}
