/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * This worker's generated manifests.
 *
 * init (init_process) takes the table from the heap (NGX_OK, or NGX_ERROR
 * logged), free (exit_process) gives it back.  Entries are keyed by the
 * store of the request's location and key.  get copies a live entry's
 * body into the request pool (NGX_OK), or returns NGX_DECLINED (none) or
 * NGX_ERROR (no memory); put keeps a copy until expires (best effort).
 */

#ifndef NGX_HTTP_VIDORIGIN_MANIFEST_CACHE_H
#define NGX_HTTP_VIDORIGIN_MANIFEST_CACHE_H

#include "ngx_http_vidorigin.h"


/* a generated manifest: what is sent, and what the cache keeps */
typedef struct {
    ngx_str_t           key;              /* path below the prefix */
    ngx_str_t           body;
    ngx_str_t          *type;
    uint32_t            crc;              /* of body: the ETag */
    time_t              mtime;            /* Last-Modified */
} ngx_http_vidorigin_manifest_t;


ngx_int_t ngx_http_vidorigin_mc_init(ngx_cycle_t *cycle,
    ngx_http_vidorigin_main_conf_t *vmcf);
void ngx_http_vidorigin_mc_free(ngx_http_vidorigin_main_conf_t *vmcf);
ngx_int_t ngx_http_vidorigin_mc_get(ngx_http_request_t *r, ngx_str_t *key,
    ngx_http_vidorigin_manifest_t *out);
void ngx_http_vidorigin_mc_put(ngx_http_request_t *r, ngx_str_t *key,
    ngx_http_vidorigin_manifest_t *m, time_t expires);


#endif /* NGX_HTTP_VIDORIGIN_MANIFEST_CACHE_H */
