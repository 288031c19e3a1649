/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Just-in-time objects.  jit hands a missing object (store path "path")
 * to the vidorigin_jit named location and returns what
 * ngx_http_named_location does (NGX_DONE), or 500 without memory.  init
 * (postconfiguration, after ngx_http_vidorigin_fetch_init) installs the
 * header filter that gives the answer the playback location's headers.
 */

#ifndef NGX_HTTP_VIDORIGIN_JIT_H
#define NGX_HTTP_VIDORIGIN_JIT_H

#include "ngx_http_vidorigin.h"


ngx_int_t ngx_http_vidorigin_jit(ngx_http_request_t *r, ngx_str_t *path,
    ngx_str_t *type, vo_str_t *id);
ngx_int_t ngx_http_vidorigin_jit_init(ngx_conf_t *cf);


#endif /* NGX_HTTP_VIDORIGIN_JIT_H */
