/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * nginx glue of vidorigin: the types its files share (the module's main
 * and location configuration, the device class) and the module tables
 * of the shared object.  Media logic lives in the vo_ core (vo/); the
 * glue reads configuration and the request, calls one core function and
 * maps its status.  Each glue file declares its own functions in its own
 * header (ngx_http_vidorigin_handler.h, ...); this one has no .c.
 */

#ifndef NGX_HTTP_VIDORIGIN_H
#define NGX_HTTP_VIDORIGIN_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "vo_core.h"
#include "vo_media.h"
#include "vo_manifest.h"
#include "vo_sigv4.h"


/*
 * The hex MD5 of a store's identity ("file\n{root}", or "s3\n{endpoint}\n
 * {bucket}\n{key prefix}"), computed at configuration time: part of
 * every key of what the module keeps of a store (media descriptions,
 * manifests, $vidorigin_cache_key), so that two stores holding the same
 * id never answer for each other.
 */
#define NGX_HTTP_VIDORIGIN_TAG_LEN  32


/* kept by the main configuration; each is its file's */
typedef struct ngx_http_vidorigin_mc_s  ngx_http_vidorigin_mc_t;
typedef struct ngx_http_vidorigin_purge_s  ngx_http_vidorigin_purge_t;
typedef struct ngx_http_vidorigin_redis_s  ngx_http_vidorigin_redis_t;
typedef struct ngx_http_vidorigin_views_s  ngx_http_vidorigin_views_t;


typedef struct {
    ngx_shm_zone_t     *media_zone;
    time_t              media_valid;
    ngx_http_vidorigin_mc_t  *mc;         /* this worker's manifests */
    ngx_http_vidorigin_purge_t  *purge;   /* vidorigin_purge, or NULL */
    ngx_int_t           cc_index;         /* $vidorigin_cache_control */
    ngx_int_t           cdn_cc_index;     /* $vidorigin_cdn_cache_control */
    ngx_int_t           fetch_index;      /* the fetch record */
    ngx_http_vidorigin_redis_t  *redis;   /* vidorigin_redis, or NULL */
    ngx_http_vidorigin_views_t  *views;   /* vidorigin_views, or NULL */
    ngx_shm_zone_t     *admin_seen;       /* used admin signatures, or
                                             NULL (no admin location) */
    ngx_uint_t          admin_replay_slots;
} ngx_http_vidorigin_main_conf_t;


typedef struct {
    ngx_flag_t          enable;
    ngx_uint_t          api;        /* a vidorigin_api location (it
                                       reads descriptions from S3 too) */
    ngx_flag_t          admin;            /* vidorigin_admin here */
    ngx_flag_t          admin_auth;       /* vidorigin_admin_auth */
    ngx_flag_t          redis_ping;       /* vidorigin_redis_ping here */
    ngx_str_t           prefix;           /* of the outermost vidorigin
                                             location: "/v/" */
    ngx_str_t           store;            /* local store root, no '/' at end */
    ngx_str_t           store_tag;        /* the store's identity, hashed:
                                             NGX_HTTP_VIDORIGIN_TAG_LEN hex
                                             digits, or empty (no store) */
    ngx_str_t           jit;              /* named location, or empty */

    ngx_str_t           segment_cc;       /* configured Cache-Control texts */
    ngx_str_t           manifest_cc;
    ngx_str_t           error_cc;
    ngx_str_t           cdn_cc;
    time_t              stale_if_error;

    ngx_str_t           segment_cc_sent;  /* with stale-if-error appended */
    ngx_str_t           manifest_cc_sent;

    ngx_str_t           tag_header;       /* vidorigin_tag_header name */
    ngx_str_t           tag_prefix;       /* and the text before the id */

    ngx_str_t           admin_secret;

    /* the S3 store (ngx_http_vidorigin_s3.c) */
    ngx_str_t           s3_objects;       /* named locations, or empty */
    ngx_str_t           s3_media;
    ngx_str_t           s3_bucket;
    ngx_str_t           s3_endpoint;      /* host[:port] */
    ngx_str_t           s3_host;          /* Host signed: [bucket.]endpoint */
    ngx_str_t           s3_region;
    ngx_str_t           s3_key_prefix;
    ngx_str_t           s3_access_key;
    ngx_str_t           s3_secret_key;
    ngx_str_t           s3_token;
    ngx_flag_t          s3_path_style;
    ngx_array_t        *s3_credentials;   /* the directive's arguments */
    vo_sigv4_key_t     *s3_key;           /* this worker's, of one day */
} ngx_http_vidorigin_loc_conf_t;


/* a device class and what its manifests list (vo_manifest.h) */
typedef struct {
    ngx_str_t           name;
    vo_policy_t         policy;
    ngx_uint_t          defined;          /* by vidorigin_device_class */
} ngx_http_vidorigin_device_class_t;


/* the modules of the shared object (config: ngx_module_name) */
extern ngx_module_t  ngx_http_vidorigin_module;
extern ngx_module_t  ngx_http_vidorigin_device_module;
extern ngx_module_t  ngx_http_vidorigin_cdn_module;
extern ngx_module_t  ngx_http_vidorigin_direct_module;
extern ngx_module_t  ngx_http_vidorigin_region_module;
extern ngx_module_t  ngx_http_vidorigin_api_module;


/* the vo_ core's allocator (vo_core.h) on an nginx pool: what it takes
 * lives as long as the pool */
static ngx_inline void *
ngx_http_vidorigin_palloc(void *pool, size_t size)
{
    return ngx_palloc(pool, size);
}


#endif /* NGX_HTTP_VIDORIGIN_H */
