/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Header helpers every answer of the module uses; they call nothing else
 * of the module.
 *
 * add_header appends "name: value" to the answer's headers (name and
 * value are not copied: they must live as long as the request);
 * NGX_OK, or NGX_ERROR without memory.  find_header returns the first
 * request header called name (case-insensitive), or NULL.
 */

#ifndef NGX_HTTP_VIDORIGIN_HEADERS_H
#define NGX_HTTP_VIDORIGIN_HEADERS_H

#include "ngx_http_vidorigin.h"


ngx_int_t ngx_http_vidorigin_add_header(ngx_http_request_t *r,
    const char *name, ngx_str_t *value);
ngx_table_elt_t *ngx_http_vidorigin_find_header(ngx_http_request_t *r,
    ngx_str_t *name);


#endif /* NGX_HTTP_VIDORIGIN_HEADERS_H */
