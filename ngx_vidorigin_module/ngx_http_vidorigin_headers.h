/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Header and log helpers every answer of the module uses; they call
 * nothing else of the module.
 *
 * add_header appends "name: value" to the answer's headers (name and
 * value are not copied: they must live as long as the request);
 * NGX_OK, or NGX_ERROR without memory.  find_header returns the first
 * request header called name (case-insensitive), or NULL.
 *
 * log_text makes a request's text (its decoded URI: "%0A" is a newline
 * there) safe to put in a log line: every byte below 0x20, from 0x7f
 * up, '"' and '\\' written as \xNN, so that a client cannot end the
 * line and forge the next one.  It returns in, the escaped copy in the
 * request pool, or "(unprintable)" when out of memory.
 */

#ifndef NGX_HTTP_VIDORIGIN_HEADERS_H
#define NGX_HTTP_VIDORIGIN_HEADERS_H

#include "ngx_http_vidorigin.h"


ngx_int_t ngx_http_vidorigin_add_header(ngx_http_request_t *r,
    const char *name, ngx_str_t *value);
ngx_table_elt_t *ngx_http_vidorigin_find_header(ngx_http_request_t *r,
    ngx_str_t *name);
ngx_str_t *ngx_http_vidorigin_log_text(ngx_http_request_t *r, ngx_str_t *in);


#endif /* NGX_HTTP_VIDORIGIN_HEADERS_H */
