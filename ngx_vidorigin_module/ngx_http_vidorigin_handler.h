/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The playback content handler of a "vidorigin" location: manifests,
 * init and media segments (an HTTP status, or what sending returned).
 */

#ifndef NGX_HTTP_VIDORIGIN_HANDLER_H
#define NGX_HTTP_VIDORIGIN_HANDLER_H

#include "ngx_http_vidorigin.h"


ngx_int_t ngx_http_vidorigin_handler(ngx_http_request_t *r);


#endif /* NGX_HTTP_VIDORIGIN_HANDLER_H */
