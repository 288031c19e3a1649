/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The shared-memory cache of parsed media descriptions.
 *
 * media_zone creates the shared zone (http{} configuration time): the
 * zone, or NULL (logged).
 *
 * media_get copies the media description of video id into *out, from
 * shared memory when it was checked less than media_valid seconds ago,
 * else after a stat (and a parse when media.json changed).  Returns
 * NGX_OK, NGX_DECLINED when the video is not ready (no media.json), or
 * NGX_ERROR when media.json is unreadable or invalid (logged here, once
 * per check).
 *
 * For stores the module does not read itself (S3): fresh copies the
 * entry kept since the last purge (NGX_OK; NGX_DECLINED if none), and
 * sets *due when it was checked media_valid seconds ago or more: the
 * caller then refreshes it, and other requests see it as checked now
 * meanwhile.  parse checks and keeps a fetched media.json (NGX_OK, or
 * NGX_ERROR logged); forget_id drops an entry (the description is gone).
 */

#ifndef NGX_HTTP_VIDORIGIN_MEDIA_CACHE_H
#define NGX_HTTP_VIDORIGIN_MEDIA_CACHE_H

#include "ngx_http_vidorigin.h"


/* what the media cache hands out: a private copy, owned by the caller */
typedef struct {
    vo_media_t          media;
    time_t              mtime;            /* of media.json */
    time_t              checked;          /* when media.json was last seen */
    ngx_uint_t          stale;            /* fetched stale from the cache */
} ngx_http_vidorigin_media_t;


ngx_shm_zone_t *ngx_http_vidorigin_media_zone(ngx_conf_t *cf, ngx_str_t *name,
    size_t size);
ngx_int_t ngx_http_vidorigin_media_get(ngx_http_request_t *r, vo_str_t *id,
    ngx_http_vidorigin_media_t *out);
ngx_int_t ngx_http_vidorigin_media_fresh(ngx_http_request_t *r, vo_str_t *id,
    ngx_http_vidorigin_media_t *out, ngx_uint_t *due);
ngx_int_t ngx_http_vidorigin_media_parse(ngx_http_request_t *r, vo_str_t *id,
    u_char *body, size_t len, time_t mtime, ngx_uint_t stale,
    ngx_http_vidorigin_media_t *out);
void ngx_http_vidorigin_media_forget_id(ngx_http_request_t *r, vo_str_t *id);


#endif /* NGX_HTTP_VIDORIGIN_MEDIA_CACHE_H */
