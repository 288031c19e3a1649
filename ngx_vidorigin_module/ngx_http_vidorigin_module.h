/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * nginx glue of vidorigin: configuration shared by the module's files.
 * Media logic lives in the vo_ core (vo/); this side reads configuration
 * and the request, calls one core function and maps its status.
 */

#ifndef NGX_HTTP_VIDORIGIN_MODULE_H
#define NGX_HTTP_VIDORIGIN_MODULE_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "vo_core.h"
#include "vo_media.h"


typedef struct ngx_http_vidorigin_mc_s  ngx_http_vidorigin_mc_t;


typedef struct {
    ngx_shm_zone_t     *media_zone;
    time_t              media_valid;
    ngx_http_vidorigin_mc_t  *mc;         /* this worker's manifests */
    ngx_int_t           cc_index;         /* $vidorigin_cache_control */
    ngx_int_t           cdn_cc_index;     /* $vidorigin_cdn_cache_control */
} ngx_http_vidorigin_main_conf_t;


typedef struct {
    ngx_flag_t          enable;
    ngx_str_t           prefix;           /* of the outermost vidorigin
                                             location: "/v/" */
    ngx_str_t           store;            /* local store root, no '/' at end */
    ngx_str_t           jit;              /* named location, or empty */

    ngx_str_t           segment_cc;       /* configured Cache-Control texts */
    ngx_str_t           manifest_cc;
    ngx_str_t           error_cc;
    ngx_str_t           cdn_cc;
    time_t              stale_if_error;

    ngx_str_t           segment_cc_sent;  /* with stale-if-error appended */
    ngx_str_t           manifest_cc_sent;
} ngx_http_vidorigin_loc_conf_t;


/* what the media cache hands out: a private copy, owned by the caller */
typedef struct {
    vo_media_t          media;
    time_t              mtime;            /* of media.json */
    time_t              checked;          /* when media.json was last seen */
} ngx_http_vidorigin_media_t;


/* a generated manifest: what is sent, and what the cache keeps */
typedef struct {
    ngx_str_t           key;              /* path below the prefix */
    ngx_str_t           body;
    ngx_str_t          *type;
    uint32_t            crc;              /* of body: the ETag */
    time_t              mtime;            /* Last-Modified */
} ngx_http_vidorigin_manifest_t;


extern ngx_module_t  ngx_http_vidorigin_module;


/* ngx_http_vidorigin_handler.c: the content handler and its helpers */
ngx_int_t ngx_http_vidorigin_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_vidorigin_set_cache_control(ngx_http_request_t *r,
    ngx_str_t *value, ngx_uint_t success);
ngx_int_t ngx_http_vidorigin_add_header(ngx_http_request_t *r,
    const char *name, ngx_str_t *value);


/*
 * ngx_http_vidorigin_jit.c: hands a missing object (store path "path") to
 * the vidorigin_jit named location; returns what ngx_http_named_location
 * does (NGX_DONE).  add_variables runs at preconfiguration, init (the
 * header filter) at postconfiguration.
 */
ngx_int_t ngx_http_vidorigin_jit(ngx_http_request_t *r, ngx_str_t *path);
ngx_int_t ngx_http_vidorigin_jit_add_variables(ngx_conf_t *cf);
ngx_int_t ngx_http_vidorigin_jit_init(ngx_conf_t *cf);


/*
 * ngx_http_vidorigin_media_cache.c
 *
 * Creates the shared zone (http{} configuration time).
 */
ngx_shm_zone_t *ngx_http_vidorigin_media_zone(ngx_conf_t *cf, ngx_str_t *name,
    size_t size);

/*
 * Copies the media description of video id into *out, from shared memory
 * when it was checked less than media_valid seconds ago, else after a
 * stat (and a parse when media.json changed).  Returns NGX_OK,
 * NGX_DECLINED when the video is not ready (no media.json), or NGX_ERROR
 * when media.json is unreadable or invalid (logged here, once per check).
 */
ngx_int_t ngx_http_vidorigin_media_get(ngx_http_request_t *r, vo_str_t *id,
    ngx_http_vidorigin_media_t *out);


/*
 * ngx_http_vidorigin_manifest_cache.c: this worker's generated manifests.
 * get copies a live entry's body into the request pool (NGX_OK) or
 * returns NGX_DECLINED; put keeps a copy until expires (best effort).
 */
ngx_int_t ngx_http_vidorigin_mc_init(ngx_cycle_t *cycle,
    ngx_http_vidorigin_main_conf_t *vmcf);
void ngx_http_vidorigin_mc_free(ngx_http_vidorigin_main_conf_t *vmcf);
ngx_int_t ngx_http_vidorigin_mc_get(ngx_http_request_t *r, ngx_str_t *key,
    ngx_http_vidorigin_manifest_t *out);
void ngx_http_vidorigin_mc_put(ngx_http_request_t *r, ngx_str_t *key,
    ngx_http_vidorigin_manifest_t *m, time_t expires);


#endif /* NGX_HTTP_VIDORIGIN_MODULE_H */
