/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Generations of purged prefixes.
 *
 * purge_zone creates the shared zone (http{} configuration time; the
 * journal is read when the zone is first made): the zone's record, or
 * NULL (logged).  add_variables ($vidorigin_cache_key) runs at
 * preconfiguration.  purge_generation is the largest generation among
 * path's ancestors (0 without purges); purge_last the last one given,
 * which changes with every purge.  purge records a purge of a checked
 * prefix: NGX_OK with *res set (res->purged is prefix or a leading part
 * of it, pointing into prefix), or NGX_ERROR (logged) when the journal
 * could not keep it, in which case nothing changed (but the generation
 * it took is not given again).  purge_stats fills *st for the status
 * endpoint.  A prefix is kept for lifetime seconds after its last purge
 * (0: forever); cache_lifetime is the default (the cache paths'
 * longest inactive=, plus a minute), set_lifetime sets it once the
 * http{} block is read.
 */

#ifndef NGX_HTTP_VIDORIGIN_PURGE_H
#define NGX_HTTP_VIDORIGIN_PURGE_H

#include "ngx_http_vidorigin.h"


typedef struct {
    uint64_t            generation;
    ngx_str_t           purged;           /* the prefix, or a parent */
} ngx_http_vidorigin_purge_result_t;


typedef struct {
    uint64_t            generation;
    uint64_t            prefixes;
    uint64_t            purges;
    uint64_t            broadened;
    uint64_t            expired;
    time_t              lifetime;
    time_t              last_broadened;   /* 0: never */
    ngx_str_t           last_requested;   /* of the last one broadened */
    ngx_str_t           last_purged;
    ngx_str_t           cdn_status;       /* file path, or empty */
} ngx_http_vidorigin_purge_stats_t;


ngx_http_vidorigin_purge_t *ngx_http_vidorigin_purge_zone(ngx_conf_t *cf,
    ngx_str_t *name, size_t size, ngx_str_t *journal, ngx_str_t *cdn_status,
    time_t lifetime);
time_t ngx_http_vidorigin_purge_cache_lifetime(ngx_conf_t *cf);
void ngx_http_vidorigin_purge_set_lifetime(ngx_http_vidorigin_purge_t *pz,
    time_t lifetime);
ngx_int_t ngx_http_vidorigin_purge_add_variables(ngx_conf_t *cf);
uint64_t ngx_http_vidorigin_purge_generation(ngx_http_request_t *r,
    u_char *path, size_t len);
uint64_t ngx_http_vidorigin_purge_last(ngx_http_request_t *r);
ngx_int_t ngx_http_vidorigin_purge(ngx_http_request_t *r, ngx_str_t *prefix,
    ngx_http_vidorigin_purge_result_t *res);
void ngx_http_vidorigin_purge_stats(ngx_http_request_t *r,
    ngx_http_vidorigin_purge_stats_t *st);


#endif /* NGX_HTTP_VIDORIGIN_PURGE_H */
