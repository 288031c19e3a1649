/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The playback API's hint cache: placement hints (vo:hint:{id}, field
 * region) kept a few seconds in shared memory, one slot per (video,
 * region), direct-mapped (vidorigin_hint_cache zone=NAME:SIZE
 * [valid=TIME]).  Its configuration is the API module's main
 * configuration: create_conf and init_conf are that module's.
 *
 * get looks up (id, region): NGX_OK when the cache has an entry, fetched
 * less than "valid" seconds ago when fresh_only, with *placement the
 * entry's placement when its hint has not expired, else
 * VO_API_PLACE_NONE; NGX_DECLINED when there is no such entry (or no
 * cache), *placement VO_API_PLACE_NONE.  put keeps what Redis said,
 * VO_API_PLACE_NONE for "no hint" (nothing without a cache).  region is
 * two letters.
 */

#ifndef NGX_HTTP_VIDORIGIN_HINT_CACHE_H
#define NGX_HTTP_VIDORIGIN_HINT_CACHE_H

#include "ngx_http_vidorigin.h"


void *ngx_http_vidorigin_hint_cache_create_conf(ngx_conf_t *cf);
char *ngx_http_vidorigin_hint_cache_init_conf(ngx_conf_t *cf, void *conf);
char *ngx_http_vidorigin_hint_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_vidorigin_hint_get(ngx_http_request_t *r, vo_str_t *id,
    ngx_str_t *region, ngx_uint_t fresh_only, ngx_uint_t *placement);
void ngx_http_vidorigin_hint_put(ngx_http_request_t *r, vo_str_t *id,
    ngx_str_t *region, ngx_uint_t placement, time_t expires);


#endif /* NGX_HTTP_VIDORIGIN_HINT_CACHE_H */
