/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vidorigin nginx module: directives, configuration and the module's
 * tables.  The request handler is in ngx_http_vidorigin_handler.c, the
 * shared zones' directives in ngx_http_vidorigin_zone_conf.c.
 */

#include "ngx_http_vidorigin.h"
#include "ngx_http_vidorigin_admin.h"
#include "ngx_http_vidorigin_replay.h"
#include "ngx_http_vidorigin_fetch.h"
#include "ngx_http_vidorigin_handler.h"
#include "ngx_http_vidorigin_jit.h"
#include "ngx_http_vidorigin_manifest_cache.h"
#include "ngx_http_vidorigin_media_cache.h"
#include "ngx_http_vidorigin_purge.h"
#include "ngx_http_vidorigin_redis.h"
#include "ngx_http_vidorigin_redis_call.h"
#include "ngx_http_vidorigin_s3.h"
#include "ngx_http_vidorigin_s3_conf.h"
#include "ngx_http_vidorigin_views.h"
#include "ngx_http_vidorigin_zone_conf.h"

#include <ngx_md5.h>


#define NGX_HTTP_VIDORIGIN_ZONE_SIZE   (16 * 1024 * 1024)


static ngx_int_t ngx_http_vidorigin_init_process(ngx_cycle_t *cycle);
static void ngx_http_vidorigin_exit_process(ngx_cycle_t *cycle);
static void *ngx_http_vidorigin_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_vidorigin_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_vidorigin_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_vidorigin_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_vidorigin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_vidorigin_store(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_vidorigin_preconfiguration(ngx_conf_t *cf);
static char *ngx_http_vidorigin_admin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_vidorigin_tag_header(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_vidorigin_postconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_vidorigin_cc_join(ngx_conf_t *cf, ngx_str_t *cc,
    time_t stale_if_error, ngx_str_t *out);
static ngx_int_t ngx_http_vidorigin_store_tag(ngx_conf_t *cf,
    ngx_http_vidorigin_loc_conf_t *conf);


static ngx_command_t  ngx_http_vidorigin_commands[] = {

    { ngx_string("vidorigin"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_vidorigin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_store"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_vidorigin_store,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, store),
      NULL },

    { ngx_string("vidorigin_jit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, jit),
      NULL },

    { ngx_string("vidorigin_media_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_vidorigin_media_cache,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_segment_cache_control"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, segment_cc),
      NULL },

    { ngx_string("vidorigin_manifest_cache_control"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, manifest_cc),
      NULL },

    { ngx_string("vidorigin_error_cache_control"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, error_cc),
      NULL },

    { ngx_string("vidorigin_cdn_cache_control"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, cdn_cc),
      NULL },

    { ngx_string("vidorigin_stale_if_error"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, stale_if_error),
      NULL },

    { ngx_string("vidorigin_tag_header"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_vidorigin_tag_header,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_s3_pass"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_vidorigin_s3_pass,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_s3_bucket"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, s3_bucket),
      NULL },

    { ngx_string("vidorigin_s3_endpoint"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, s3_endpoint),
      NULL },

    { ngx_string("vidorigin_s3_region"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, s3_region),
      NULL },

    { ngx_string("vidorigin_s3_key_prefix"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, s3_key_prefix),
      NULL },

    { ngx_string("vidorigin_s3_path_style"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, s3_path_style),
      NULL },

    { ngx_string("vidorigin_s3_credentials"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE123,
      ngx_http_vidorigin_s3_credentials,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_purge"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_vidorigin_purge_conf,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_admin"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_vidorigin_admin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_admin_auth"),
      NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, admin_auth),
      NULL },

    { ngx_string("vidorigin_admin_secret"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, admin_secret),
      NULL },

    { ngx_string("vidorigin_admin_replay_slots"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_main_conf_t, admin_replay_slots),
      NULL },

    { ngx_string("vidorigin_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_vidorigin_redis_conf,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_redis_ping"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_vidorigin_redis_ping_conf,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_views"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_vidorigin_views_conf,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_vidorigin_module_ctx = {
    ngx_http_vidorigin_preconfiguration,   /* preconfiguration */
    ngx_http_vidorigin_postconfiguration,  /* postconfiguration */

    ngx_http_vidorigin_create_main_conf,   /* create main configuration */
    ngx_http_vidorigin_init_main_conf,     /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_vidorigin_create_loc_conf,    /* create location configuration */
    ngx_http_vidorigin_merge_loc_conf      /* merge location configuration */
};


ngx_module_t  ngx_http_vidorigin_module = {
    NGX_MODULE_V1,
    &ngx_http_vidorigin_module_ctx,        /* module context */
    ngx_http_vidorigin_commands,           /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_vidorigin_init_process,       /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_vidorigin_exit_process,       /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_vidorigin_preconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_vidorigin_purge_add_variables(cf) != NGX_OK
        || ngx_http_vidorigin_s3_add_variables(cf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_vidorigin_fetch_add_variables(cf);
}


static ngx_int_t
ngx_http_vidorigin_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_vidorigin_admin_access;

    if (ngx_http_vidorigin_s3_init(cf) != NGX_OK
        || ngx_http_vidorigin_views_init(cf) != NGX_OK
        || ngx_http_vidorigin_fetch_init(cf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_vidorigin_jit_init(cf);
}


static ngx_int_t
ngx_http_vidorigin_init_process(ngx_cycle_t *cycle)
{
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_vidorigin_module);
    if (vmcf == NULL) {
        return NGX_OK;
    }

    if (vmcf->redis != NULL
        && ngx_http_vidorigin_redis_init_process(cycle, vmcf->redis)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (vmcf->views != NULL
        && ngx_http_vidorigin_views_init_process(cycle, vmcf->views)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_vidorigin_mc_init(cycle, vmcf);
}


static void
ngx_http_vidorigin_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_vidorigin_module);
    if (vmcf == NULL) {
        return;
    }

    ngx_http_vidorigin_mc_free(vmcf);

    /* replies due count as lost; views never sent, as dropped */

    if (vmcf->redis != NULL) {
        ngx_http_vidorigin_redis_exit_process(vmcf->redis);
    }

    if (vmcf->views != NULL) {
        ngx_http_vidorigin_views_exit_process(vmcf->views);
    }
}


static void *
ngx_http_vidorigin_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_main_conf_t));
    if (vmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     vmcf->media_zone = NULL;
     *     vmcf->mc = NULL;
     */

    vmcf->media_valid = NGX_CONF_UNSET;
    vmcf->cc_index = NGX_CONF_UNSET;
    vmcf->cdn_cc_index = NGX_CONF_UNSET;
    vmcf->fetch_index = NGX_CONF_UNSET;
    vmcf->admin_replay_slots = NGX_CONF_UNSET_UINT;

    return vmcf;
}


static char *
ngx_http_vidorigin_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_vidorigin_main_conf_t *vmcf = conf;

    ngx_str_t  name = ngx_string("vidorigin_media");

    ngx_conf_init_value(vmcf->media_valid, 5);

    if (vmcf->purge) {
        ngx_http_vidorigin_purge_set_lifetime(vmcf->purge,
                               ngx_http_vidorigin_purge_cache_lifetime(cf));
    }
    ngx_conf_init_uint_value(vmcf->admin_replay_slots,
                             NGX_HTTP_VIDORIGIN_REPLAY_SLOTS);

    if (vmcf->admin_replay_slots == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"vidorigin_admin_replay_slots\" must be at "
                           "least 1");
        return NGX_CONF_ERROR;
    }

    if (vmcf->media_zone == NULL) {
        vmcf->media_zone = ngx_http_vidorigin_media_zone(cf, &name,
                                                NGX_HTTP_VIDORIGIN_ZONE_SIZE);
        if (vmcf->media_zone == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_vidorigin_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_loc_conf_t));
    if (vlcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     vlcf->prefix = { 0, NULL };
     *     vlcf->store = { 0, NULL };
     *     vlcf->jit = { 0, NULL };
     *     vlcf->segment_cc = { 0, NULL };
     *     vlcf->manifest_cc = { 0, NULL };
     *     vlcf->error_cc = { 0, NULL };
     *     vlcf->cdn_cc = { 0, NULL };
     *     vlcf->segment_cc_sent = { 0, NULL };
     *     vlcf->manifest_cc_sent = { 0, NULL };
     *     vlcf->tag_header = { 0, NULL };
     *     vlcf->tag_prefix = { 0, NULL };
     *     vlcf->admin_secret = { 0, NULL };
     *     vlcf->s3_* = { 0, NULL };
     *     vlcf->s3_key = NULL;
     */

    vlcf->enable = NGX_CONF_UNSET;
    vlcf->admin = NGX_CONF_UNSET;
    vlcf->admin_auth = NGX_CONF_UNSET;
    vlcf->s3_path_style = NGX_CONF_UNSET;
    vlcf->s3_credentials = NGX_CONF_UNSET_PTR;
    vlcf->stale_if_error = NGX_CONF_UNSET;

    return vlcf;
}


static char *
ngx_http_vidorigin_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_vidorigin_loc_conf_t *prev = parent;
    ngx_http_vidorigin_loc_conf_t *conf = child;

    ngx_http_vidorigin_main_conf_t  *vmcf;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_value(conf->admin, prev->admin, 0);
    ngx_conf_merge_value(conf->admin_auth, prev->admin_auth, 0);
    ngx_conf_merge_str_value(conf->admin_secret, prev->admin_secret, "");

    if (conf->tag_header.data == NULL) {
        conf->tag_header = prev->tag_header;
        conf->tag_prefix = prev->tag_prefix;
    }

    if (conf->admin) {
        vmcf = ngx_http_conf_get_module_main_conf(cf,
                                                  ngx_http_vidorigin_module);

        if (vmcf->purge == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"vidorigin_admin\" requires "
                               "\"vidorigin_purge\" at http level");
            return NGX_CONF_ERROR;
        }

        if (conf->admin_secret.len < 16) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"vidorigin_admin\" requires "
                               "\"vidorigin_admin_secret\" of at least "
                               "16 bytes");
            return NGX_CONF_ERROR;
        }
    }

    if (conf->admin_auth && conf->admin_secret.len < 16) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"vidorigin_admin_auth\" requires "
                           "\"vidorigin_admin_secret\" of at least "
                           "16 bytes");
        return NGX_CONF_ERROR;
    }

    /* the signatures they accept are remembered, to refuse replays */

    if (conf->admin || conf->admin_auth) {
        vmcf = ngx_http_conf_get_module_main_conf(cf,
                                                  ngx_http_vidorigin_module);

        if (vmcf->admin_seen == NULL) {
            vmcf->admin_seen = ngx_http_vidorigin_replay_zone(cf,
                                                 vmcf->admin_replay_slots);
            if (vmcf->admin_seen == NULL) {
                return NGX_CONF_ERROR;
            }
        }
    }

    /*
     * a location nested in a vidorigin location serves the same URL space
     * (with other settings): URLs stay relative to the outer prefix
     */

    if (prev->prefix.len) {
        conf->prefix = prev->prefix;
    }
    ngx_conf_merge_str_value(conf->store, prev->store, "");
    ngx_conf_merge_str_value(conf->jit, prev->jit, "off");

    if (ngx_strcmp(conf->jit.data, "off") == 0) {
        ngx_str_null(&conf->jit);

    } else if (conf->jit.data[0] != '@') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"vidorigin_jit\" takes a named location "
                           "such as \"@vidorigin_jit\", or \"off\"");
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_str_value(conf->segment_cc, prev->segment_cc,
                             "public, max-age=31536000, immutable");
    ngx_conf_merge_str_value(conf->manifest_cc, prev->manifest_cc,
                             "public, max-age=60, stale-while-revalidate=600");
    ngx_conf_merge_str_value(conf->error_cc, prev->error_cc,
                             "public, max-age=10");
    ngx_conf_merge_str_value(conf->cdn_cc, prev->cdn_cc, "off");
    ngx_conf_merge_sec_value(conf->stale_if_error, prev->stale_if_error,
                             86400);

    /* "off" turns a header off, in every class */

    if (ngx_strcmp(conf->segment_cc.data, "off") == 0) {
        ngx_str_null(&conf->segment_cc);
    }

    if (ngx_strcmp(conf->manifest_cc.data, "off") == 0) {
        ngx_str_null(&conf->manifest_cc);
    }

    if (ngx_strcmp(conf->error_cc.data, "off") == 0) {
        ngx_str_null(&conf->error_cc);
    }

    if (ngx_strcmp(conf->cdn_cc.data, "off") == 0) {
        ngx_str_null(&conf->cdn_cc);
    }

    if (ngx_http_vidorigin_s3_merge(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    if (conf->enable && conf->store.len == 0 && conf->s3_objects.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"vidorigin\" requires \"vidorigin_store\" "
                           "or \"vidorigin_s3_pass\"");
        return NGX_CONF_ERROR;
    }

    if (ngx_http_vidorigin_store_tag(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_vidorigin_cc_join(cf, &conf->segment_cc,
                                   conf->stale_if_error,
                                   &conf->segment_cc_sent)
        != NGX_OK
        || ngx_http_vidorigin_cc_join(cf, &conf->manifest_cc,
                                      conf->stale_if_error,
                                      &conf->manifest_cc_sent)
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* "<cc>, stale-if-error=<sec>", computed once instead of per request */
static ngx_int_t
ngx_http_vidorigin_cc_join(ngx_conf_t *cf, ngx_str_t *cc,
    time_t stale_if_error, ngx_str_t *out)
{
    u_char  *p;

    if (cc->len == 0 || stale_if_error == 0) {
        *out = *cc;
        return NGX_OK;
    }

    p = ngx_pnalloc(cf->pool,
                    cc->len + sizeof(", stale-if-error=") + NGX_TIME_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    out->data = p;
    out->len = ngx_sprintf(p, "%V, stale-if-error=%T", cc, stale_if_error)
               - p;

    return NGX_OK;
}


/* conf->store_tag (ngx_http_vidorigin.h): S3 when the location uses S3,
 * else the local store, else none */
static ngx_int_t
ngx_http_vidorigin_store_tag(ngx_conf_t *cf,
    ngx_http_vidorigin_loc_conf_t *conf)
{
    u_char     digest[16];
    ngx_md5_t  md5;

    ngx_md5_init(&md5);

    if (conf->s3_objects.len) {
        ngx_md5_update(&md5, "s3\n", 3);
        ngx_md5_update(&md5, conf->s3_endpoint.data, conf->s3_endpoint.len);
        ngx_md5_update(&md5, "\n", 1);
        ngx_md5_update(&md5, conf->s3_bucket.data, conf->s3_bucket.len);
        ngx_md5_update(&md5, "\n", 1);
        ngx_md5_update(&md5, conf->s3_key_prefix.data,
                       conf->s3_key_prefix.len);

    } else if (conf->store.len) {
        ngx_md5_update(&md5, "file\n", 5);
        ngx_md5_update(&md5, conf->store.data, conf->store.len);

    } else {
        ngx_str_null(&conf->store_tag);
        return NGX_OK;
    }

    ngx_md5_final(digest, &md5);

    conf->store_tag.data = ngx_pnalloc(cf->pool, NGX_HTTP_VIDORIGIN_TAG_LEN);
    if (conf->store_tag.data == NULL) {
        return NGX_ERROR;
    }

    ngx_hex_dump(conf->store_tag.data, digest, 16);
    conf->store_tag.len = NGX_HTTP_VIDORIGIN_TAG_LEN;

    return NGX_OK;
}


static char *
ngx_http_vidorigin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_loc_conf_t *vlcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (vlcf->enable != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

#if (NGX_PCRE)
    if (clcf->regex) {
        return "is not allowed in a regex location: "
               "use a prefix location such as \"location /v/\"";
    }
#endif

    clcf->handler = ngx_http_vidorigin_handler;
    vlcf->enable = 1;
    vlcf->prefix = clcf->name;

    return NGX_CONF_OK;
}


static char *
ngx_http_vidorigin_store(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_loc_conf_t *vlcf = conf;

    ngx_str_t  *value;

    if (vlcf->store.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    vlcf->store = value[1];

    /* relative paths are relative to the nginx prefix, like "root" */

    if (ngx_conf_full_name(cf->cycle, &vlcf->store, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    while (vlcf->store.len > 1
           && vlcf->store.data[vlcf->store.len - 1] == '/')
    {
        vlcf->store.len--;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_vidorigin_admin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_loc_conf_t *vlcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (vlcf->admin != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_vidorigin_admin_handler;
    vlcf->admin = 1;

    return NGX_CONF_OK;
}


/* vidorigin_tag_header NAME [PREFIX] | off; */
static char *
ngx_http_vidorigin_tag_header(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_loc_conf_t *vlcf = conf;

    u_char      *p;
    ngx_str_t   *value;

    if (vlcf->tag_header.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&vlcf->tag_header, "");
        return NGX_CONF_OK;
    }

    for (p = value[1].data; p < value[1].data + value[1].len; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '-'))
        {
            return "takes a header name of letters, digits and \"-\"";
        }
    }

    vlcf->tag_header = value[1];

    if (cf->args->nelts == 3) {
        for (p = value[2].data; p < value[2].data + value[2].len; p++) {
            if (*p <= ' ' || *p >= 0x7f || *p == ',') {
                return "takes a tag prefix without blanks or commas";
            }
        }

        vlcf->tag_prefix = value[2];
    }

    return NGX_CONF_OK;
}
