/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Redis commands for requests, within the budget of "vidorigin_redis ...
 * budget=", and the vidorigin_redis_ping directive.
 *
 * redis_call sends one command for request r (the arguments are copied:
 * they may be freed on return) and holds r (its main request's count)
 * until resume runs, exactly once: with rc NGX_OK and the reply (valid
 * during the call only; it may be a Redis error reply), or NGX_BUSY when
 * the budget passed first, or NGX_DECLINED when the connection went away
 * meanwhile.  resume owns the reference taken: it ends with
 * ngx_http_finalize_request(r, ...).  A late reply after NGX_BUSY is
 * dropped.  redis_call returns NGX_OK (resume will run), NGX_DECLINED
 * (Redis is not up, or too many commands wait: go on without it; resume
 * will not run) or NGX_ERROR.
 */

#ifndef NGX_HTTP_VIDORIGIN_REDIS_CALL_H
#define NGX_HTTP_VIDORIGIN_REDIS_CALL_H

#include "ngx_http_vidorigin.h"

#include <hiredis/hiredis.h>


typedef void (*ngx_http_vidorigin_redis_resume_pt)(ngx_http_request_t *r,
    void *data, redisReply *reply, ngx_int_t rc);


ngx_int_t ngx_http_vidorigin_redis_call(ngx_http_request_t *r,
    ngx_http_vidorigin_redis_resume_pt resume, void *data, int argc,
    const char **argv, const size_t *argvlen);
char *ngx_http_vidorigin_redis_ping_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* NGX_HTTP_VIDORIGIN_REDIS_CALL_H */
