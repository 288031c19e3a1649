/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The fetch record: what a request handed to another location (S3
 * objects, S3 media descriptions, just in time) still needs from the
 * playback location.  A named location clears module contexts but not
 * request variables, so the record, kept in the request pool, is found
 * through an internal variable, and the segment's Cache-Control values
 * go in $vidorigin_cache_control and $vidorigin_cdn_cache_control.
 *
 * add_variables runs at preconfiguration, init (the variables' indexes)
 * at postconfiguration.  stash makes this request's record (key NULL:
 * just in time; type and id may be NULL) and returns it, or NULL without
 * memory; get finds it (NULL if none).
 */

#ifndef NGX_HTTP_VIDORIGIN_FETCH_H
#define NGX_HTTP_VIDORIGIN_FETCH_H

#include "ngx_http_vidorigin.h"


typedef struct {
    ngx_http_vidorigin_loc_conf_t  *vlcf;      /* the playback location's */
    ngx_str_t           key;              /* store key; empty for JIT */
    ngx_str_t          *type;             /* Content-Type, or NULL */
    ngx_str_t           tag;              /* tag header value, or empty */

    unsigned            s3_signed:1;      /* the fields below are set */
    ngx_str_t           s3_uri;
    ngx_str_t           s3_host;
    ngx_str_t           s3_date;
    ngx_str_t           s3_sha256;
    ngx_str_t           s3_authorization;
} ngx_http_vidorigin_fetch_t;


ngx_int_t ngx_http_vidorigin_fetch_add_variables(ngx_conf_t *cf);
ngx_int_t ngx_http_vidorigin_fetch_init(ngx_conf_t *cf);
ngx_http_vidorigin_fetch_t *ngx_http_vidorigin_fetch_stash(
    ngx_http_request_t *r, ngx_str_t *key, ngx_str_t *type, vo_str_t *id);
ngx_http_vidorigin_fetch_t *ngx_http_vidorigin_fetch_get(
    ngx_http_request_t *r);


#endif /* NGX_HTTP_VIDORIGIN_FETCH_H */
