/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The "vidorigin_admin" content handler: POST {location}purge and
 * GET {location}status, each proving it knows vidorigin_admin_secret;
 * and the access-phase check of "vidorigin_admin_auth on", the same
 * proof for a location whose content handler is another (proxy_pass).
 */

#ifndef NGX_HTTP_VIDORIGIN_ADMIN_H
#define NGX_HTTP_VIDORIGIN_ADMIN_H

#include "ngx_http_vidorigin.h"


ngx_int_t ngx_http_vidorigin_admin_handler(ngx_http_request_t *r);
/* NGX_DECLINED where vidorigin_admin_auth is off, NGX_OK once the body
 * is read and proves it, NGX_DONE while it is read, or 401/403/413 */
ngx_int_t ngx_http_vidorigin_admin_access(ngx_http_request_t *r);


#endif /* NGX_HTTP_VIDORIGIN_ADMIN_H */
