/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The CDN trust test (a module of its own: vidorigin_cdn_secret,
 * vidorigin_cdn_from), shared by the device class, the region and
 * origin-direct playback.
 *
 * trusted: 1 when the request proves it came through the CDN (it carries
 * the origin secret header, or it came from an address of the CDN), so
 * that the CDN's headers about the viewer can be believed; 0 otherwise.
 *
 * configured (configuration time, after the http{} block is read): 1
 * when either directive is set, that is, when any request can be trusted.
 */

#ifndef NGX_HTTP_VIDORIGIN_CDN_H
#define NGX_HTTP_VIDORIGIN_CDN_H

#include "ngx_http_vidorigin.h"


ngx_int_t ngx_http_vidorigin_cdn_trusted(ngx_http_request_t *r);
ngx_uint_t ngx_http_vidorigin_cdn_configured(ngx_conf_t *cf);


#endif /* NGX_HTTP_VIDORIGIN_CDN_H */
