/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * View counting: playback starts counted per (video, region, hour) in
 * the worker and flushed to Redis (vidorigin_views).
 *
 * views_conf is the directive; views_init (postconfiguration) adds the
 * log phase handler; init_process and exit_process start and drain this
 * worker's table.  views_count counts one playback start of video id, for
 * the request's region, now (never waits, never fails the request).
 */

#ifndef NGX_HTTP_VIDORIGIN_VIEWS_H
#define NGX_HTTP_VIDORIGIN_VIEWS_H

#include "ngx_http_vidorigin.h"


char *ngx_http_vidorigin_views_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_vidorigin_views_init(ngx_conf_t *cf);
ngx_int_t ngx_http_vidorigin_views_init_process(ngx_cycle_t *cycle,
    ngx_http_vidorigin_views_t *vw);
void ngx_http_vidorigin_views_exit_process(ngx_http_vidorigin_views_t *vw);
void ngx_http_vidorigin_views_count(ngx_http_request_t *r, vo_str_t *id);


#endif /* NGX_HTTP_VIDORIGIN_VIEWS_H */
