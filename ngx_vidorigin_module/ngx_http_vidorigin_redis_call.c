/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Redis commands for requests, each within the time budget of
 * "vidorigin_redis ... budget=": the request is held while the command
 * waits and resumed with the reply, or without it when the budget passes
 * or the connection goes; the connection itself is in
 * ngx_http_vidorigin_redis.c.  "vidorigin_redis_ping" makes a location
 * answer Redis's PING that way (a health check, and the test of the
 * budget).
 */

#include "ngx_http_vidorigin_redis_call.h"
#include "ngx_http_vidorigin_redis.h"


/* a request waiting for a reply: on the heap, freed by the reply */
typedef struct {
    ngx_http_request_t                  *r;      /* NULL once resumed */
    ngx_http_vidorigin_redis_resume_pt   resume;
    void                                *data;
    ngx_http_vidorigin_redis_t          *rd;
    ngx_event_t                          timer;  /* the budget */
    ngx_pool_cleanup_t                  *cln;
} ngx_http_vidorigin_redis_wait_t;


static void ngx_http_vidorigin_redis_wait_reply(redisAsyncContext *ac,
    void *reply, void *privdata);
static void ngx_http_vidorigin_redis_wait_timeout(ngx_event_t *ev);
static void ngx_http_vidorigin_redis_wait_cleanup(void *data);
static void ngx_http_vidorigin_redis_resume(
    ngx_http_vidorigin_redis_wait_t *w, redisReply *reply, ngx_int_t rc);
static ngx_int_t ngx_http_vidorigin_redis_ping_handler(ngx_http_request_t *r);
static void ngx_http_vidorigin_redis_ping_done(ngx_http_request_t *r,
    void *data, redisReply *reply, ngx_int_t rc);


/* --- commands for requests, within the budget */

ngx_int_t
ngx_http_vidorigin_redis_call(ngx_http_request_t *r,
    ngx_http_vidorigin_redis_resume_pt resume, void *data, int argc,
    const char **argv, const size_t *argvlen)
{
    ngx_pool_cleanup_t                *cln;
    ngx_http_vidorigin_redis_t        *rd;
    ngx_http_vidorigin_redis_wait_t   *w;
    ngx_http_vidorigin_main_conf_t    *vmcf;
    ngx_http_vidorigin_redis_stats_t  *st;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
    rd = vmcf->redis;

    if (rd == NULL) {
        return NGX_DECLINED;
    }

    st = ngx_http_vidorigin_redis_stats(rd);
    (void) ngx_atomic_fetch_add(&st->calls, 1);

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    w = ngx_calloc(sizeof(ngx_http_vidorigin_redis_wait_t),
                   r->connection->log);
    if (w == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_vidorigin_redis_command(rd,
                                         ngx_http_vidorigin_redis_wait_reply,
                                         w, argc, argv, argvlen)
        != NGX_OK)
    {
        ngx_free(w);
        (void) ngx_atomic_fetch_add(&st->down, 1);
        return NGX_DECLINED;
    }

    w->r = r;
    w->resume = resume;
    w->data = data;
    w->rd = rd;
    w->cln = cln;

    w->timer.handler = ngx_http_vidorigin_redis_wait_timeout;
    w->timer.data = w;
    w->timer.log = r->connection->log;
    ngx_add_timer(&w->timer, rd->budget);

    cln->handler = ngx_http_vidorigin_redis_wait_cleanup;
    cln->data = w;

    r->main->count++;

    return NGX_OK;
}


static void
ngx_http_vidorigin_redis_wait_reply(redisAsyncContext *ac, void *reply,
    void *privdata)
{
    ngx_http_vidorigin_redis_wait_t *w = privdata;

    ngx_http_vidorigin_redis_t  *rd;

    rd = ngx_http_vidorigin_redis_replied(ac);

    if (w->r != NULL && !rd->exiting) {
        if (reply == NULL) {
            (void) ngx_atomic_fetch_add(
                              &ngx_http_vidorigin_redis_stats(rd)->down, 1);
        }

        ngx_http_vidorigin_redis_resume(w, reply,
                                        reply ? NGX_OK : NGX_DECLINED);
    }

    if (w->timer.timer_set) {
        ngx_del_timer(&w->timer);
    }

    if (w->cln != NULL) {
        w->cln->handler = NULL;
    }

    ngx_free(w);
}


static void
ngx_http_vidorigin_redis_wait_timeout(ngx_event_t *ev)
{
    ngx_http_vidorigin_redis_wait_t *w = ev->data;

    /* the reply, when it comes, only frees w */

    (void) ngx_atomic_fetch_add(&ngx_http_vidorigin_redis_stats(w->rd)
                                ->timeouts, 1);

    ngx_http_vidorigin_redis_resume(w, NULL, NGX_BUSY);
}


/* the request went away first (terminated): the reply only frees w */
static void
ngx_http_vidorigin_redis_wait_cleanup(void *data)
{
    ngx_http_vidorigin_redis_wait_t *w = data;

    if (w->timer.timer_set) {
        ngx_del_timer(&w->timer);
    }

    w->r = NULL;
    w->cln = NULL;
}


static void
ngx_http_vidorigin_redis_resume(ngx_http_vidorigin_redis_wait_t *w,
    redisReply *reply, ngx_int_t rc)
{
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = w->r;
    c = r->connection;

    w->r = NULL;
    w->cln->handler = NULL;
    w->cln = NULL;

    if (w->timer.timer_set) {
        ngx_del_timer(&w->timer);
    }

    w->resume(r, w->data, reply, rc);

    ngx_http_run_posted_requests(c);
}


/* --- vidorigin_redis_ping: a location answering Redis's PING */

char *
ngx_http_vidorigin_redis_ping_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_vidorigin_loc_conf_t *vlcf = conf;

    ngx_http_core_loc_conf_t        *clcf;
    ngx_http_vidorigin_main_conf_t  *vmcf;

    if (vlcf->redis_ping) {
        return "is duplicate";
    }

    vmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_vidorigin_module);

    if (vmcf->redis == NULL) {
        return "requires \"vidorigin_redis\" before it at http level";
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_vidorigin_redis_ping_handler;
    vlcf->redis_ping = 1;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_vidorigin_redis_ping_handler(ngx_http_request_t *r)
{
    ngx_int_t    rc;
    const char  *argv[1] = { "PING" };
    size_t       argvlen[1] = { 4 };

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    rc = ngx_http_vidorigin_redis_call(r, ngx_http_vidorigin_redis_ping_done,
                                       NULL, 1, argv, argvlen);

    if (rc == NGX_OK) {
        return NGX_DONE;
    }

    if (rc == NGX_DECLINED) {
        /* the same answer as a connection lost while waiting */
        r->main->count++;
        ngx_http_vidorigin_redis_ping_done(r, NULL, NULL, NGX_DECLINED);
        return NGX_DONE;
    }

    return NGX_HTTP_INTERNAL_SERVER_ERROR;
}


/* 200 with the reply, 504 past the budget, 503 without Redis */
static void
ngx_http_vidorigin_redis_ping_done(ngx_http_request_t *r, void *data,
    redisReply *reply, ngx_int_t rc)
{
    ngx_buf_t    *b;
    ngx_int_t     status;
    ngx_chain_t   out;

    b = ngx_create_temp_buf(r->pool, 64);
    if (b == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (rc == NGX_OK && reply->type == REDIS_REPLY_STATUS) {
        status = NGX_HTTP_OK;
        b->last = ngx_slprintf(b->last, b->end - 1, "%s", reply->str);

    } else if (rc == NGX_OK) {
        status = NGX_HTTP_BAD_GATEWAY;
        b->last = ngx_cpymem(b->last, "error", 5);

    } else if (rc == NGX_BUSY) {
        status = NGX_HTTP_GATEWAY_TIME_OUT;
        b->last = ngx_cpymem(b->last, "timed out", 9);

    } else {
        status = NGX_HTTP_SERVICE_UNAVAILABLE;
        b->last = ngx_cpymem(b->last, "down", 4);
    }

    *b->last++ = '\n';
    b->last_buf = (r == r->main);
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "text/plain");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ngx_http_finalize_request(r, rc);
        return;
    }

    out.buf = b;
    out.next = NULL;

    ngx_http_finalize_request(r, ngx_http_output_filter(r, &out));
}
