/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The "vidorigin_admin" content handler: POST {location}purge and
 * GET {location}status, each proving it knows vidorigin_admin_secret.
 */

#ifndef NGX_HTTP_VIDORIGIN_ADMIN_H
#define NGX_HTTP_VIDORIGIN_ADMIN_H

#include "ngx_http_vidorigin.h"


ngx_int_t ngx_http_vidorigin_admin_handler(ngx_http_request_t *r);


#endif /* NGX_HTTP_VIDORIGIN_ADMIN_H */
