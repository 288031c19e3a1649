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
 * or NGX_DECLINED (not origin-direct; query empty); checked (and
 * logged) once per request, later calls give the same answer.
 *
 * direct_headers adds the vidorigin_direct_header of an origin-direct
 * answer: NGX_OK, NGX_DECLINED (not origin-direct: send the usual
 * CDN-Cache-Control), NGX_ERROR.
 *
 * direct_secret: the secret the location's URLs are signed with (the
 * first of vidorigin_direct_secret; not copied): NGX_OK, or NGX_DECLINED
 * when there is none.
 *
 * direct_conf_check, at configuration time in a location that plays
 * videos or signs URLs for them (what names its directive, sign_ttl the
 * lifetime of the URLs it signs, 0 for none): NGX_CONF_OK, or
 * NGX_CONF_ERROR (logged) when origin-direct playback is configured
 * somewhere and this location has no secret and no "off", or when
 * sign_ttl is beyond its vidorigin_direct_max_ttl.  The direct module's
 * configuration of the location must be merged already.
 */

#ifndef NGX_HTTP_VIDORIGIN_DIRECT_H
#define NGX_HTTP_VIDORIGIN_DIRECT_H

#include "ngx_http_vidorigin.h"


ngx_int_t ngx_http_vidorigin_direct(ngx_http_request_t *r, vo_str_t *id,
    vo_str_t *query);
ngx_int_t ngx_http_vidorigin_direct_headers(ngx_http_request_t *r);
ngx_int_t ngx_http_vidorigin_direct_secret(ngx_http_request_t *r,
    vo_str_t *secret);
char *ngx_http_vidorigin_direct_conf_check(ngx_conf_t *cf, const char *what,
    time_t sign_ttl);


#endif /* NGX_HTTP_VIDORIGIN_DIRECT_H */
