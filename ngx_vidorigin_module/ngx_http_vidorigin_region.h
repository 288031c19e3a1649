/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The viewer's region (a module of its own).
 *
 * region: the request's region ($vidorigin_region), two upper-case
 * letters in request memory (NGX_OK; NGX_ERROR without memory): a
 * trusted CDN header, the MaxMind DB, or the default.
 */

#ifndef NGX_HTTP_VIDORIGIN_REGION_H
#define NGX_HTTP_VIDORIGIN_REGION_H

#include "ngx_http_vidorigin.h"


ngx_int_t ngx_http_vidorigin_region(ngx_http_request_t *r, ngx_str_t *region);


#endif /* NGX_HTTP_VIDORIGIN_REGION_H */
