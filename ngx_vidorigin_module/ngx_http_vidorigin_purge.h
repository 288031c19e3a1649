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
 * could not keep it, in which case nothing changed.  purge_stats fills
 * *st for the status endpoint.
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
    ngx_str_t           cdn_status;       /* file path, or empty */
} ngx_http_vidorigin_purge_stats_t;


ngx_http_vidorigin_purge_t *ngx_http_vidorigin_purge_zone(ngx_conf_t *cf,
    ngx_str_t *name, size_t size, ngx_str_t *journal, ngx_str_t *cdn_status);
ngx_int_t ngx_http_vidorigin_purge_add_variables(ngx_conf_t *cf);
uint64_t ngx_http_vidorigin_purge_generation(ngx_http_request_t *r,
    u_char *path, size_t len);
uint64_t ngx_http_vidorigin_purge_last(ngx_http_request_t *r);
ngx_int_t ngx_http_vidorigin_purge(ngx_http_request_t *r, ngx_str_t *prefix,
    ngx_http_vidorigin_purge_result_t *res);
void ngx_http_vidorigin_purge_stats(ngx_http_request_t *r,
    ngx_http_vidorigin_purge_stats_t *st);


#endif /* NGX_HTTP_VIDORIGIN_PURGE_H */
