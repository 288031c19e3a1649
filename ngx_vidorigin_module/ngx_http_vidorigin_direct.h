/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Origin-direct playback (a module of its own).
 *
 * direct: a request not proven to come through the CDN, where
 * vidorigin_direct_secret is set, must carry a valid signature for video
 * id: NGX_OK (*query: the token, in the request pool, for the manifests
 * to carry on), NGX_HTTP_FORBIDDEN (logged), NGX_HTTP_INTERNAL_SERVER_ERROR,
 * or NGX_DECLINED (not origin-direct; query empty).
 *
 * direct_headers adds the vidorigin_direct_header of an origin-direct
 * answer: NGX_OK, NGX_DECLINED (not origin-direct: send the usual
 * CDN-Cache-Control), NGX_ERROR.
 *
 * direct_secret: the location's vidorigin_direct_secret (not copied):
 * NGX_OK, or NGX_DECLINED when there is none.
 */

#ifndef NGX_HTTP_VIDORIGIN_DIRECT_H
#define NGX_HTTP_VIDORIGIN_DIRECT_H

#include "ngx_http_vidorigin.h"


ngx_int_t ngx_http_vidorigin_direct(ngx_http_request_t *r, vo_str_t *id,
    vo_str_t *query);
ngx_int_t ngx_http_vidorigin_direct_headers(ngx_http_request_t *r);
ngx_int_t ngx_http_vidorigin_direct_secret(ngx_http_request_t *r,
    vo_str_t *secret);


#endif /* NGX_HTTP_VIDORIGIN_DIRECT_H */
