/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The S3 store.
 *
 * add_variables ($vidorigin_s3_*) runs at preconfiguration, init (the
 * precontent handler that fetches media descriptions) at
 * postconfiguration.  media_pass hands the media subrequest on to the
 * descriptions location (what ngx_http_named_location returns, or an
 * HTTP status), and returns NGX_DECLINED for any other request.
 * media_get is the playback handler's description lookup: NGX_OK with
 * *out set, NGX_DECLINED when the store has no such video, NGX_ERROR
 * (logged) when the store failed.  fetch sends an object to the objects
 * location (returns what ngx_http_named_location does, or 500).
 */

#ifndef NGX_HTTP_VIDORIGIN_S3_H
#define NGX_HTTP_VIDORIGIN_S3_H

#include "ngx_http_vidorigin.h"
#include "ngx_http_vidorigin_media_cache.h"


ngx_int_t ngx_http_vidorigin_s3_add_variables(ngx_conf_t *cf);
ngx_int_t ngx_http_vidorigin_s3_init(ngx_conf_t *cf);
ngx_int_t ngx_http_vidorigin_s3_prefetch(ngx_http_request_t *r, vo_str_t *id,
    ngx_str_t *base);
ngx_int_t ngx_http_vidorigin_s3_media_pass(ngx_http_request_t *r);
ngx_int_t ngx_http_vidorigin_s3_media_get(ngx_http_request_t *r,
    vo_str_t *id, ngx_http_vidorigin_media_t *out);
ngx_int_t ngx_http_vidorigin_s3_fetch(ngx_http_request_t *r, vo_str_t *key,
    ngx_str_t *type, vo_str_t *id);


#endif /* NGX_HTTP_VIDORIGIN_S3_H */
