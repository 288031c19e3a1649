/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * User-Agent rules of the device classes (vidorigin_device_ua REGEX
 * CLASS: case-insensitive, the first that matches wins), with this
 * worker's cache of their answers.
 *
 * init (configuration time) readies an empty set of rules in the
 * configuration's pool; the cache, taken from the heap at a worker's
 * first match, is freed with that pool, so a reload starts with an empty
 * one.  rule compiles the directive's REGEX and adds it with the name of
 * its CLASS, which the device module resolves into class once every
 * class is defined (NGX_CONF_OK, or NGX_CONF_ERROR logged).
 *
 * match: the class of the first rule matching agent (at most
 * NGX_HTTP_VIDORIGIN_UA_MAX bytes), or NGX_DECLINED when none does.
 */

#ifndef NGX_HTTP_VIDORIGIN_UA_H
#define NGX_HTTP_VIDORIGIN_UA_H

#include "ngx_http_vidorigin.h"


#define NGX_HTTP_VIDORIGIN_UA_MAX       512     /* bytes matched */


typedef struct ngx_http_vidorigin_ua_slot_s  ngx_http_vidorigin_ua_slot_t;


typedef struct {
    ngx_regex_t        *regex;
    ngx_str_t           pattern;
    ngx_str_t           class_name;
    ngx_uint_t          class;
} ngx_http_vidorigin_ua_rule_t;


typedef struct {
    ngx_array_t                    rules;   /* ngx_http_vidorigin_ua_rule_t */
    ngx_http_vidorigin_ua_slot_t  *cache;   /* this worker's, or NULL */
} ngx_http_vidorigin_ua_t;


ngx_int_t ngx_http_vidorigin_ua_init(ngx_conf_t *cf,
    ngx_http_vidorigin_ua_t *ua);
char *ngx_http_vidorigin_ua_rule(ngx_conf_t *cf, ngx_http_vidorigin_ua_t *ua,
    ngx_str_t *regex, ngx_str_t *class_name);
ngx_int_t ngx_http_vidorigin_ua_match(ngx_http_request_t *r,
    ngx_http_vidorigin_ua_t *ua, ngx_str_t *agent);


#endif /* NGX_HTTP_VIDORIGIN_UA_H */
