/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * hiredis's async API driven by nginx's event loop, one node.
 *
 * hiredis opens a nonblocking socket, and its ev.addRead/delRead/
 * addWrite/delWrite hooks become level-triggered nginx events on an
 * ngx_connection_t wrapping that socket (hiredis reads at most 16 KB per
 * call, so an edge would be lost).  The cleanup hook, run by hiredis
 * whenever it frees the context (the node went away, a failed connect,
 * node_stop), gives the ngx_connection_t back and, unless the node is
 * stopped, arms the reconnect timer: 100 ms, doubled on every failure up
 * to 2 s, back to 100 ms once connected.  Addresses are numeric (resolved
 * at configuration time, or as the cluster gives them), so a reconnect
 * never waits for DNS.  Commands are pipelined: hiredis queues them and
 * writes what it has on each write event.  At most
 * NGX_HTTP_VIDORIGIN_REDIS_PENDING commands wait for replies; past that,
 * commands are refused as if the node were down, so a hung node costs
 * bounded memory; commands left with no reply at all for 3 s drop the
 * connection (a hung node, a host gone without a reset).
 */

#include "ngx_http_vidorigin_redis_node.h"


#define NGX_HTTP_VIDORIGIN_REDIS_PENDING          16384
#define NGX_HTTP_VIDORIGIN_REDIS_BACKOFF_MIN      100
#define NGX_HTTP_VIDORIGIN_REDIS_BACKOFF_MAX      2000
#define NGX_HTTP_VIDORIGIN_REDIS_CONNECT_TIMEOUT  1000
#define NGX_HTTP_VIDORIGIN_REDIS_TICK             1000
#define NGX_HTTP_VIDORIGIN_REDIS_STALLED          3


static void ngx_http_vidorigin_redis_connect(
    ngx_http_vidorigin_redis_node_t *node);
static void ngx_http_vidorigin_redis_retry(
    ngx_http_vidorigin_redis_node_t *node);
static void ngx_http_vidorigin_redis_timer(ngx_event_t *ev);
static void ngx_http_vidorigin_redis_watchdog(
    ngx_http_vidorigin_redis_node_t *node);
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


void
ngx_http_vidorigin_redis_node_start(ngx_http_vidorigin_redis_node_t *node)
{
    node->stopped = 0;

    if (node->ac != NULL || node->timer.timer_set) {
        return;     /* up, connecting, or waiting to retry */
    }

    node->backoff = NGX_HTTP_VIDORIGIN_REDIS_BACKOFF_MIN;

    node->timer.handler = ngx_http_vidorigin_redis_timer;
    node->timer.data = node;
    node->timer.log = node->log;
    node->timer.cancelable = 1;

    ngx_http_vidorigin_redis_connect(node);
}


void
ngx_http_vidorigin_redis_node_stop(ngx_http_vidorigin_redis_node_t *node)
{
    node->stopped = 1;

    if (node->timer.timer_set) {
        ngx_del_timer(&node->timer);
    }

    if (node->ac != NULL) {
        /* replies still due are called with NULL; cleanup closes */
        redisAsyncFree(node->ac);
    }
}


static void
ngx_http_vidorigin_redis_connect(ngx_http_vidorigin_redis_node_t *node)
{
    redisAsyncContext  *ac;
    ngx_connection_t   *c;
    const char         *argv[2];
    size_t              argvlen[2];
    u_char              db[NGX_INT_T_LEN];

    if (node->path) {
        ac = redisAsyncConnectUnix(node->path);

    } else {
        ac = redisAsyncConnect(node->host, node->port);
    }

    if (ac == NULL) {
        ngx_log_error(NGX_LOG_ALERT, node->log, 0,
                      "vidorigin: redis \"%V\": no memory", &node->name);
        ngx_http_vidorigin_redis_retry(node);
        return;
    }

    if (ac->err) {
        if (node->failed++ == 0) {
            ngx_log_error(NGX_LOG_ERR, node->log, 0,
                          "vidorigin: redis \"%V\" unreachable: %s; "
                          "retrying", &node->name, ac->errstr);
        }

        (void) ngx_atomic_fetch_add(&node->stats->failures, 1);
        redisAsyncFree(ac);
        ngx_http_vidorigin_redis_retry(node);
        return;
    }

    c = ngx_get_connection(ac->c.fd, node->log);
    if (c == NULL) {
        redisAsyncFree(ac);
        ngx_http_vidorigin_redis_retry(node);
        return;
    }

    c->data = node;
    c->read->handler = ngx_http_vidorigin_redis_read;
    c->write->handler = ngx_http_vidorigin_redis_write;
    c->read->log = node->log;
    c->write->log = node->log;

    node->ac = ac;
    node->conn = c;
    node->state = NGX_HTTP_VIDORIGIN_REDIS_CONNECTING;
    node->pending = 0;

    ac->data = node;
    ac->ev.data = node;
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

    if (node->password.len) {
        argv[0] = "AUTH";
        argvlen[0] = 4;
        argv[1] = (const char *) node->password.data;
        argvlen[1] = node->password.len;

        if (redisAsyncCommandArgv(ac, ngx_http_vidorigin_redis_setup_reply,
                                  "AUTH", 2, argv, argvlen)
            == REDIS_OK)
        {
            node->pending++;
        }
    }

    if (node->db >= 0) {
        argv[0] = "SELECT";
        argvlen[0] = 6;
        argv[1] = (const char *) db;
        argvlen[1] = ngx_sprintf(db, "%i", node->db) - db;

        if (redisAsyncCommandArgv(ac, ngx_http_vidorigin_redis_setup_reply,
                                  "SELECT", 2, argv, argvlen)
            == REDIS_OK)
        {
            node->pending++;
        }
    }

    ngx_add_timer(&node->timer, NGX_HTTP_VIDORIGIN_REDIS_CONNECT_TIMEOUT);
}


static void
ngx_http_vidorigin_redis_retry(ngx_http_vidorigin_redis_node_t *node)
{
    if (node->stopped || ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (node->timer.timer_set) {
        ngx_del_timer(&node->timer);
    }

    ngx_add_timer(&node->timer, node->backoff);

    node->backoff = ngx_min(2 * node->backoff,
                            NGX_HTTP_VIDORIGIN_REDIS_BACKOFF_MAX);
}


static void
ngx_http_vidorigin_redis_timer(ngx_event_t *ev)
{
    ngx_http_vidorigin_redis_node_t *node = ev->data;

    if (node->state == NGX_HTTP_VIDORIGIN_REDIS_CONNECTING) {
        if (node->failed++ == 0) {
            ngx_log_error(NGX_LOG_ERR, node->log, 0,
                          "vidorigin: redis \"%V\": connect timed out; "
                          "retrying", &node->name);
        }

        (void) ngx_atomic_fetch_add(&node->stats->failures, 1);

        /* the cleanup hook arms the retry */
        redisAsyncFree(node->ac);
        return;
    }

    if (node->state == NGX_HTTP_VIDORIGIN_REDIS_UP) {
        ngx_http_vidorigin_redis_watchdog(node);
        return;
    }

    if (node->ac == NULL) {
        ngx_http_vidorigin_redis_connect(node);
    }
}


/*
 * A node that is hung, or a host that vanished without a reset, would
 * keep the connection open and every command waiting for good: commands
 * waiting with no reply at all for NGX_HTTP_VIDORIGIN_REDIS_STALLED ticks
 * drop the connection, and the usual retries follow.
 */
static void
ngx_http_vidorigin_redis_watchdog(ngx_http_vidorigin_redis_node_t *node)
{
    if (node->pending == 0 || node->replies != node->replies_seen) {
        node->stalled = 0;

    } else if (++node->stalled >= NGX_HTTP_VIDORIGIN_REDIS_STALLED) {
        ngx_log_error(NGX_LOG_ERR, node->log, 0,
                      "vidorigin: redis \"%V\" answered nothing for %ui s "
                      "(%ui commands waiting); reconnecting", &node->name,
                      node->stalled * NGX_HTTP_VIDORIGIN_REDIS_TICK / 1000,
                      node->pending);

        /* replies due are called with NULL; the cleanup hook retries */
        node->failed = 1;
        redisAsyncFree(node->ac);
        return;
    }

    node->replies_seen = node->replies;
    ngx_add_timer(&node->timer, NGX_HTTP_VIDORIGIN_REDIS_TICK);
}


static void
ngx_http_vidorigin_redis_on_connect(const redisAsyncContext *ac, int status)
{
    ngx_http_vidorigin_redis_node_t *node = ac->data;

    if (status != REDIS_OK) {
        /* hiredis frees the context next: the cleanup hook retries */
        if (node->failed++ == 0) {
            ngx_log_error(NGX_LOG_ERR, node->log, 0,
                          "vidorigin: redis \"%V\" unreachable: %s; "
                          "retrying", &node->name, ac->errstr);
        }

        (void) ngx_atomic_fetch_add(&node->stats->failures, 1);
        return;
    }

    if (node->timer.timer_set) {
        ngx_del_timer(&node->timer);
    }

    if (node->failed) {
        ngx_log_error(NGX_LOG_NOTICE, node->log, 0,
                      "vidorigin: redis \"%V\" connected", &node->name);
    }

    node->state = NGX_HTTP_VIDORIGIN_REDIS_UP;
    node->failed = 0;
    node->backoff = NGX_HTTP_VIDORIGIN_REDIS_BACKOFF_MIN;
    node->stalled = 0;
    node->replies_seen = node->replies;

    ngx_add_timer(&node->timer, NGX_HTTP_VIDORIGIN_REDIS_TICK);

    (void) ngx_atomic_fetch_add(&node->stats->connected, 1);
    (void) ngx_atomic_fetch_add(&node->stats->connects, 1);

    if (node->on_change) {
        node->on_change(node, 1);
    }
}


static void
ngx_http_vidorigin_redis_on_disconnect(const redisAsyncContext *ac,
    int status)
{
    ngx_http_vidorigin_redis_node_t *node = ac->data;

    if (status != REDIS_OK && !node->stopped) {
        ngx_log_error(NGX_LOG_ERR, node->log, 0,
                      "vidorigin: redis \"%V\" connection lost: %s; "
                      "reconnecting", &node->name,
                      ac->errstr ? ac->errstr : "closed");
    }
}


/* AUTH and SELECT: a refusal is logged; later commands then fail too */
static void
ngx_http_vidorigin_redis_setup_reply(redisAsyncContext *ac, void *reply,
    void *privdata)
{
    redisReply                       *rp = reply;
    ngx_http_vidorigin_redis_node_t  *node;

    node = ngx_http_vidorigin_redis_node_replied(ac);

    if (rp != NULL && rp->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, node->log, 0,
                      "vidorigin: redis \"%V\" refused %s: %s",
                      &node->name, (char *) privdata, rp->str);
    }
}


ngx_http_vidorigin_redis_node_t *
ngx_http_vidorigin_redis_node_replied(redisAsyncContext *ac)
{
    ngx_http_vidorigin_redis_node_t *node = ac->data;

    if (node->pending) {
        node->pending--;
    }

    node->replies++;

    return node;
}


ngx_int_t
ngx_http_vidorigin_redis_node_command(ngx_http_vidorigin_redis_node_t *node,
    redisCallbackFn *fn, void *privdata, int argc, const char **argv,
    const size_t *argvlen)
{
    if (node->state != NGX_HTTP_VIDORIGIN_REDIS_UP
        || node->pending >= NGX_HTTP_VIDORIGIN_REDIS_PENDING)
    {
        return NGX_DECLINED;
    }

    if (redisAsyncCommandArgv(node->ac, fn, privdata, argc, argv, argvlen)
        != REDIS_OK)
    {
        return NGX_DECLINED;
    }

    node->pending++;

    return NGX_OK;
}


ngx_int_t
ngx_http_vidorigin_redis_node_formatted(ngx_http_vidorigin_redis_node_t *node,
    redisCallbackFn *fn, void *privdata, const char *cmd, size_t len,
    ngx_uint_t queue)
{
    if (node->ac == NULL
        || (node->state != NGX_HTTP_VIDORIGIN_REDIS_UP && !queue)
        || node->pending >= NGX_HTTP_VIDORIGIN_REDIS_PENDING)
    {
        return NGX_DECLINED;
    }

    if (redisAsyncFormattedCommand(node->ac, fn, privdata, cmd, len)
        != REDIS_OK)
    {
        return NGX_DECLINED;
    }

    node->pending++;

    return NGX_OK;
}


/* --- the event hooks: hiredis's socket as an nginx connection */

static void
ngx_http_vidorigin_redis_read(ngx_event_t *ev)
{
    ngx_connection_t                 *c = ev->data;
    ngx_http_vidorigin_redis_node_t  *node = c->data;

    /* may free the context, and c with it: touch neither after */
    redisAsyncHandleRead(node->ac);
}


static void
ngx_http_vidorigin_redis_write(ngx_event_t *ev)
{
    ngx_connection_t                 *c = ev->data;
    ngx_http_vidorigin_redis_node_t  *node = c->data;

    redisAsyncHandleWrite(node->ac);
}


static void
ngx_http_vidorigin_redis_add_read(void *data)
{
    ngx_http_vidorigin_redis_node_t *node = data;

    if (!node->conn->read->active) {
        /* level-triggered */
        (void) ngx_add_event(node->conn->read, NGX_READ_EVENT, 0);
    }
}


static void
ngx_http_vidorigin_redis_del_read(void *data)
{
    ngx_http_vidorigin_redis_node_t *node = data;

    if (node->conn->read->active) {
        (void) ngx_del_event(node->conn->read, NGX_READ_EVENT, 0);
    }
}


static void
ngx_http_vidorigin_redis_add_write(void *data)
{
    ngx_http_vidorigin_redis_node_t *node = data;

    if (!node->conn->write->active) {
        (void) ngx_add_event(node->conn->write, NGX_WRITE_EVENT, 0);
    }
}


static void
ngx_http_vidorigin_redis_del_write(void *data)
{
    ngx_http_vidorigin_redis_node_t *node = data;

    if (node->conn->write->active) {
        (void) ngx_del_event(node->conn->write, NGX_WRITE_EVENT, 0);
    }
}


/* hiredis frees the context and closes the socket right after this */
static void
ngx_http_vidorigin_redis_cleanup(void *data)
{
    ngx_http_vidorigin_redis_node_t *node = data;

    ngx_uint_t         was_up;
    ngx_connection_t  *c;

    c = node->conn;

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

    was_up = (node->state == NGX_HTTP_VIDORIGIN_REDIS_UP);

    if (was_up) {
        (void) ngx_atomic_fetch_add(&node->stats->connected, -1);
        (void) ngx_atomic_fetch_add(&node->stats->disconnects, 1);
    }

    node->conn = NULL;
    node->ac = NULL;
    node->state = NGX_HTTP_VIDORIGIN_REDIS_DOWN;
    node->pending = 0;

    if (node->timer.timer_set) {
        ngx_del_timer(&node->timer);
    }

    ngx_http_vidorigin_redis_retry(node);

    if (node->on_change && !node->stopped) {
        node->on_change(node, 0);
    }
}
