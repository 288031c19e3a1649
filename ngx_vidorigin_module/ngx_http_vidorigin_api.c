/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The playback API: GET {location}{id} answers JSON for one viewer: the
 * catalog metadata (Redis hash vo:video:{id}), the duration and the
 * renditions of the viewer's device class (the media description), and
 * playback URLs: on the CDN host when the placement hint for the viewer's
 * region says "cdn" (or there is none and the default says so), on the
 * origin host, signed (vidorigin_direct_secret), when it says "origin".
 * Hints (Redis hash vo:hint:{id}, field region: "cdn|origin score
 * expires", written by "transcode-worker placer") are kept a few seconds
 * in shared memory (ngx_http_vidorigin_hint_cache.c).  Every Redis read
 * has the vidorigin_redis budget; past it, or with Redis down, the answer
 * comes from what is known: the media description, a stale hint or the
 * default, no catalog fields.  The JSON is written by the core (vo_api.h).
 * A module of its own in the vidorigin .so.
 *
 *     vidorigin_api;                          (location)
 *     vidorigin_api_cdn_host URL;             (http, server, location)
 *     vidorigin_api_origin_host URL;
 *     vidorigin_api_default cdn | origin;     (cdn)
 *     vidorigin_api_sign_ttl TIME;            (6h)
 *     vidorigin_api_playback_prefix /v/;      (/v/)
 *     vidorigin_hint_cache zone=NAME:SIZE [valid=TIME];   (http)
 */

#include "ngx_http_vidorigin.h"
#include "ngx_http_vidorigin_device.h"
#include "ngx_http_vidorigin_direct.h"
#include "ngx_http_vidorigin_headers.h"
#include "ngx_http_vidorigin_hint_cache.h"
#include "ngx_http_vidorigin_media_cache.h"
#include "ngx_http_vidorigin_redis.h"
#include "ngx_http_vidorigin_redis_call.h"
#include "ngx_http_vidorigin_region.h"
#include "ngx_http_vidorigin_s3.h"
#include "ngx_http_vidorigin_views.h"
#include "vo_api.h"
#include "vo_path.h"


typedef struct {
    ngx_flag_t          enable;
    ngx_str_t           cdn_host;         /* "https://cdn.example.com" */
    ngx_str_t           origin_host;
    ngx_uint_t          placement;        /* the default */
    time_t              sign_ttl;
    ngx_str_t           prefix;           /* of playback URLs: "/v/" */
} ngx_http_vidorigin_api_conf_t;


/* one viewer's answer while Redis is read */
typedef struct {
    vo_api_answer_t                     answer;   /* id, catalog fields,
                                                     placement so far */
    ngx_http_vidorigin_media_t          vm;
    ngx_str_t                           region;
    ngx_http_vidorigin_device_class_t  *device;
    ngx_uint_t                          pending;  /* no media description:
                                                     the catalog's status */
} ngx_http_vidorigin_api_ctx_t;


static ngx_int_t ngx_http_vidorigin_api_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_vidorigin_api_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_vidorigin_api_precontent(ngx_http_request_t *r);
static ngx_int_t ngx_http_vidorigin_api_start(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx);
static void ngx_http_vidorigin_api_catalog(ngx_http_request_t *r, void *data,
    redisReply *reply, ngx_int_t rc);
static ngx_int_t ngx_http_vidorigin_api_hint(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx);
static void ngx_http_vidorigin_api_hint_done(ngx_http_request_t *r,
    void *data, redisReply *reply, ngx_int_t rc);
static ngx_int_t ngx_http_vidorigin_api_known(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx, ngx_uint_t fresh_only);
static void ngx_http_vidorigin_api_place(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx, ngx_uint_t placement);
static ngx_int_t ngx_http_vidorigin_api_send(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx);
static ngx_int_t ngx_http_vidorigin_api_pending(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx);
static ngx_int_t ngx_http_vidorigin_api_reply(ngx_http_request_t *r,
    vo_status_t rc, vo_buf_t *b, const char *missing);
static vo_status_t ngx_http_vidorigin_api_buf(ngx_http_request_t *r,
    vo_buf_t *b, size_t size);
static ngx_int_t ngx_http_vidorigin_api_error(ngx_http_request_t *r,
    ngx_uint_t status, const char *text);
static ngx_int_t ngx_http_vidorigin_api_out(ngx_http_request_t *r,
    ngx_uint_t status, vo_buf_t *b);
static void *ngx_http_vidorigin_api_create_conf(ngx_conf_t *cf);
static char *ngx_http_vidorigin_api_merge_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_vidorigin_api(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


static ngx_conf_enum_t  ngx_http_vidorigin_api_placements[] = {
    { ngx_string("cdn"), VO_API_PLACE_CDN },
    { ngx_string("origin"), VO_API_PLACE_ORIGIN },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_vidorigin_api_commands[] = {

    { ngx_string("vidorigin_api"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_vidorigin_api,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_api_cdn_host"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_api_conf_t, cdn_host),
      NULL },

    { ngx_string("vidorigin_api_origin_host"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_api_conf_t, origin_host),
      NULL },

    { ngx_string("vidorigin_api_default"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_api_conf_t, placement),
      &ngx_http_vidorigin_api_placements },

    { ngx_string("vidorigin_api_sign_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_api_conf_t, sign_ttl),
      NULL },

    { ngx_string("vidorigin_api_playback_prefix"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_api_conf_t, prefix),
      NULL },

    { ngx_string("vidorigin_hint_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_vidorigin_hint_cache,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_vidorigin_api_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_vidorigin_api_init,           /* postconfiguration */

    ngx_http_vidorigin_hint_cache_create_conf, /* create main configuration */
    ngx_http_vidorigin_hint_cache_init_conf, /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_vidorigin_api_create_conf,    /* create location configuration */
    ngx_http_vidorigin_api_merge_conf      /* merge location configuration */
};


ngx_module_t  ngx_http_vidorigin_api_module = {
    NGX_MODULE_V1,
    &ngx_http_vidorigin_api_module_ctx,    /* module context */
    ngx_http_vidorigin_api_commands,       /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_vidorigin_api_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_vidorigin_api_precontent;

    return NGX_OK;
}


/*
 * With the S3 store, the description is fetched before the handler looks
 * for it, as for playback: by a subrequest to "{location}{id}/media.json",
 * which the handler passes on to the descriptions location.
 */
static ngx_int_t
ngx_http_vidorigin_api_precontent(ngx_http_request_t *r)
{
    vo_str_t                        id;
    ngx_http_core_loc_conf_t       *clcf;
    ngx_http_vidorigin_api_conf_t  *acf;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    acf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_api_module);
    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    if (acf->enable != 1 || vlcf->s3_media.len == 0 || r != r->main
        || !(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)))
    {
        return NGX_DECLINED;
    }

    /* the handler answers what is not {location}{id} */

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (r->uri.len <= clcf->name.len
        || !vo_id_valid(r->uri.data + clcf->name.len,
                        r->uri.len - clcf->name.len))
    {
        return NGX_DECLINED;
    }

    id.data = r->uri.data + clcf->name.len;
    id.len = r->uri.len - clcf->name.len;

    return ngx_http_vidorigin_s3_prefetch(r, &id, &clcf->name);
}


static ngx_int_t
ngx_http_vidorigin_api_handler(ngx_http_request_t *r)
{
    size_t                           len;
    ngx_int_t                        rc;
    vo_str_t                         none;
    ngx_str_t                       *vary;
    ngx_http_core_loc_conf_t        *clcf;
    ngx_http_vidorigin_api_ctx_t    *ctx;
    ngx_http_vidorigin_loc_conf_t   *vlcf;

    /* the description's subrequest (S3 store) */

    rc = ngx_http_vidorigin_s3_media_pass(r);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_vidorigin_api_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* {location}{id}: nothing else */

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
    len = clcf->name.len;

    if (r->uri.len <= len
        || !vo_id_valid(r->uri.data + len, r->uri.len - len))
    {
        return ngx_http_vidorigin_api_error(r, NGX_HTTP_NOT_FOUND,
                                            "no such video");
    }

    ctx->answer.id.data = r->uri.data + len;
    ctx->answer.id.len = r->uri.len - len;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    rc = vlcf->s3_media.len
         ? ngx_http_vidorigin_s3_media_get(r, &ctx->answer.id, &ctx->vm)
         : ngx_http_vidorigin_media_get(r, &ctx->answer.id, &ctx->vm);

    if (rc == NGX_DECLINED) {
        /* not playable: the catalog may know it (uploading, processing,
         * failed); no view, no placement */
        ctx->pending = 1;
        return ngx_http_vidorigin_api_start(r, ctx);
    }

    if (rc != NGX_OK) {
        return ngx_http_vidorigin_api_error(r, vlcf->s3_media.len
                                               ? NGX_HTTP_BAD_GATEWAY
                                               : NGX_HTTP_INTERNAL_SERVER_ERROR,
                                            "media description unavailable");
    }

    /* a playback start: one view for (video, region, hour) */
    ngx_http_vidorigin_views_count(r, &ctx->answer.id);

    if (ngx_http_vidorigin_region(r, &ctx->region) != NGX_OK
        || ctx->region.len != 2)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    none.len = 0;
    none.data = NULL;
    ctx->device = ngx_http_vidorigin_device(r, &none, &vary);

    if (ctx->device == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_vidorigin_api_start(r, ctx);
}


/* the catalog, HGETALL vo:video:{id}, then the hint; without Redis what
 * is known, at once */
static ngx_int_t
ngx_http_vidorigin_api_start(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx)
{
    ngx_int_t                        rc;
    ngx_str_t                        key;
    vo_str_t                        *id;
    const char                      *argv[2];
    size_t                           argvlen[2];
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
    id = &ctx->answer.id;

    if (vmcf->redis == NULL) {
        return ctx->pending ? ngx_http_vidorigin_api_pending(r, ctx)
               : ngx_http_vidorigin_api_hint(r, ctx) == NGX_DONE
               ? NGX_DONE : ngx_http_vidorigin_api_send(r, ctx);
    }

    key.len = sizeof("vo:video:") - 1 + id->len;
    key.data = ngx_pnalloc(r->pool, key.len);
    if (key.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(ngx_cpymem(key.data, "vo:video:", sizeof("vo:video:") - 1),
               id->data, id->len);

    argv[0] = "HGETALL";
    argvlen[0] = 7;
    argv[1] = (const char *) key.data;
    argvlen[1] = key.len;

    rc = ngx_http_vidorigin_redis_call(r, ngx_http_vidorigin_api_catalog,
                                       ctx, 2, argv, argvlen);

    if (rc == NGX_OK) {
        return NGX_DONE;
    }

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* Redis is not up: what is known, at once */
    return ctx->pending ? ngx_http_vidorigin_api_pending(r, ctx)
           : ngx_http_vidorigin_api_hint(r, ctx) == NGX_DONE
           ? NGX_DONE : ngx_http_vidorigin_api_send(r, ctx);
}


static void
ngx_http_vidorigin_api_catalog(ngx_http_request_t *r, void *data,
    redisReply *reply, ngx_int_t rc)
{
    ngx_http_vidorigin_api_ctx_t *ctx = data;

    size_t                           i;
    u_char                          *p;
    unsigned                         k;
    vo_status_t                      vrc;
    redisReply                      *name, *value;
    vo_api_answer_t                 *a;
    ngx_http_vidorigin_main_conf_t  *vmcf;

    a = &ctx->answer;

    if (rc == NGX_OK && reply->type == REDIS_REPLY_ARRAY) {
        a->catalog = 1;

        for (i = 0; i + 1 < reply->elements; i += 2) {
            name = reply->element[i];
            value = reply->element[i + 1];

            if (name->type != REDIS_REPLY_STRING
                || value->type != REDIS_REPLY_STRING)
            {
                continue;
            }

            vrc = vo_api_field((u_char *) name->str, name->len,
                               (u_char *) value->str, value->len, &k);

            if (vrc == VO_NOT_FOUND) {
                continue;
            }

            if (vrc != VO_OK) {
                ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                              "vidorigin: catalog of \"%*s\": field \"%s\" "
                              "is not %s, left out", a->id.len, a->id.data,
                              vo_api_field_name(k), vo_api_field_expect(k));
                continue;
            }

            /* the reply goes when this returns */
            p = ngx_pnalloc(r->pool, value->len);
            if (p == NULL) {
                ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
                return;
            }

            ngx_memcpy(p, value->str, value->len);
            a->field[k].data = p;
            a->field[k].len = value->len;
        }

    } else if (rc == NGX_OK) {
        vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
        ngx_http_vidorigin_redis_error(vmcf->redis, "catalog read", reply);
    }

    if (ctx->pending) {
        ngx_http_finalize_request(r, ngx_http_vidorigin_api_pending(r, ctx));
        return;
    }

    /* past the budget: Redis is slow now, do not wait for it twice */
    rc = (rc == NGX_OK) ? ngx_http_vidorigin_api_hint(r, ctx)
                        : ngx_http_vidorigin_api_known(r, ctx, 0);

    if (rc == NGX_DONE) {
        /* the hint read holds the request now */
        ngx_http_finalize_request(r, NGX_DONE);
        return;
    }

    ngx_http_finalize_request(r, ngx_http_vidorigin_api_send(r, ctx));
}


/* The placement for the viewer's region: from the shared cache when it
 * is fresh, else HGET vo:hint:{id} {region} (NGX_DONE: the reply will
 * go on); NGX_OK when the placement is set without waiting. */
static ngx_int_t
ngx_http_vidorigin_api_hint(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx)
{
    ngx_int_t                        rc;
    ngx_str_t                        key;
    vo_str_t                        *id;
    const char                      *argv[3];
    size_t                           argvlen[3];
    ngx_http_vidorigin_main_conf_t  *vmcf;

    if (ngx_http_vidorigin_api_known(r, ctx, 1) == NGX_OK) {
        return NGX_OK;
    }

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);

    if (vmcf->redis == NULL) {
        return ngx_http_vidorigin_api_known(r, ctx, 0);
    }

    id = &ctx->answer.id;

    key.len = sizeof("vo:hint:") - 1 + id->len;
    key.data = ngx_pnalloc(r->pool, key.len);
    if (key.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(ngx_cpymem(key.data, "vo:hint:", sizeof("vo:hint:") - 1),
               id->data, id->len);

    argv[0] = "HGET";
    argvlen[0] = 4;
    argv[1] = (const char *) key.data;
    argvlen[1] = key.len;
    argv[2] = (const char *) ctx->region.data;
    argvlen[2] = ctx->region.len;

    rc = ngx_http_vidorigin_redis_call(r, ngx_http_vidorigin_api_hint_done,
                                       ctx, 3, argv, argvlen);

    if (rc == NGX_OK) {
        return NGX_DONE;
    }

    return ngx_http_vidorigin_api_known(r, ctx, 0);
}


static void
ngx_http_vidorigin_api_hint_done(ngx_http_request_t *r, void *data,
    redisReply *reply, ngx_int_t rc)
{
    ngx_http_vidorigin_api_ctx_t *ctx = data;

    uint64_t     expires;
    ngx_uint_t   placement;
    vo_str_t    *id;

    expires = 0;
    id = &ctx->answer.id;

    if (rc == NGX_OK
        && (reply->type == REDIS_REPLY_NIL
            || reply->type == REDIS_REPLY_STRING))
    {
        /* no hint for this region: the default, remembered as such */
        placement = VO_API_PLACE_NONE;

        if (reply->type == REDIS_REPLY_STRING) {
            placement = vo_api_hint_parse((u_char *) reply->str, reply->len,
                                          &expires);

            if (placement == VO_API_PLACE_NONE) {
                ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                              "vidorigin: hint of \"%*s\" for %V is "
                              "malformed: \"%*s\"", id->len, id->data,
                              &ctx->region, (size_t) ngx_min(reply->len, 64),
                              reply->str);
            }
        }

        ngx_http_vidorigin_hint_put(r, id, &ctx->region, placement,
                                    (time_t) expires);

        if ((time_t) expires <= ngx_time()) {
            placement = VO_API_PLACE_NONE;
        }

        ngx_http_vidorigin_api_place(r, ctx, placement);

    } else {
        /* Redis slow, down or answering nonsense: a stale hint, or the
         * default */
        (void) ngx_http_vidorigin_api_known(r, ctx, 0);
    }

    ngx_http_finalize_request(r, ngx_http_vidorigin_api_send(r, ctx));
}


/*
 * The placement from the hint cache (ngx_http_vidorigin_hint_cache.h),
 * or the default.  fresh_only: NGX_OK only for an entry fetched less than
 * "valid" seconds ago; otherwise any entry whose hint has not expired
 * counts, and the answer is always NGX_OK.
 */
static ngx_int_t
ngx_http_vidorigin_api_known(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx, ngx_uint_t fresh_only)
{
    ngx_int_t   rc;
    ngx_uint_t  placement;

    rc = ngx_http_vidorigin_hint_get(r, &ctx->answer.id, &ctx->region,
                                     fresh_only, &placement);

    ngx_http_vidorigin_api_place(r, ctx, placement);

    return fresh_only ? rc : NGX_OK;
}


/* a hint's placement, or VO_API_PLACE_NONE: the default */
static void
ngx_http_vidorigin_api_place(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx, ngx_uint_t placement)
{
    ngx_http_vidorigin_api_conf_t  *acf;

    if (placement != VO_API_PLACE_NONE) {
        ctx->answer.placement = placement;
        ctx->answer.placement_from = "hint";
        return;
    }

    acf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_api_module);

    ctx->answer.placement = acf->placement;
    ctx->answer.placement_from = "default";
}


/* the answer (vo_api.h) from what the request found and the location */
static ngx_int_t
ngx_http_vidorigin_api_send(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx)
{
    vo_buf_t                        b;
    vo_str_t                        secret;
    vo_api_answer_t                *a;
    ngx_http_vidorigin_api_conf_t  *acf;

    acf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_api_module);
    a = &ctx->answer;

    a->media = &ctx->vm.media;
    a->policy = &ctx->device->policy;
    a->device.data = ctx->device->name.data;
    a->device.len = ctx->device->name.len;
    a->region.data = ctx->region.data;
    a->region.len = ctx->region.len;
    a->cdn_host.data = acf->cdn_host.data;
    a->cdn_host.len = acf->cdn_host.len;
    a->origin_host.data = acf->origin_host.data;
    a->origin_host.len = acf->origin_host.len;
    a->prefix.data = acf->prefix.data;
    a->prefix.len = acf->prefix.len;

    if (ngx_http_vidorigin_direct_secret(r, &secret) != NGX_OK) {
        secret.len = 0;
        secret.data = NULL;
    }

    a->secret = secret;
    a->now = (uint64_t) ngx_time();
    a->sign_ttl = (uint64_t) acf->sign_ttl;

    if (ngx_http_vidorigin_api_buf(r, &b, 2048) != VO_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_vidorigin_api_reply(r, vo_api_write(a, &b), &b,
                                        "no playable rendition");
}


/* a video with no media description: its catalog status, or 404 */
static ngx_int_t
ngx_http_vidorigin_api_pending(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx)
{
    vo_buf_t  b;

    if (ngx_http_vidorigin_api_buf(r, &b, 1024) != VO_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_vidorigin_api_reply(r,
                                        vo_api_write_pending(&ctx->answer, &b),
                                        &b, "no such video");
}


/* what vo_api_write*() answered: 200 with b, or 404 {"error":missing} */
static ngx_int_t
ngx_http_vidorigin_api_reply(ngx_http_request_t *r, vo_status_t rc,
    vo_buf_t *b, const char *missing)
{
    if (rc == VO_NOT_FOUND) {
        return ngx_http_vidorigin_api_error(r, NGX_HTTP_NOT_FOUND, missing);
    }

    if (rc != VO_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_vidorigin_api_out(r, NGX_HTTP_OK, b);
}


/* an answer's buffer in the request's pool */
static vo_status_t
ngx_http_vidorigin_api_buf(ngx_http_request_t *r, vo_buf_t *b, size_t size)
{
    vo_alloc_t  alloc;

    alloc.alloc = ngx_http_vidorigin_palloc;
    alloc.data = r->pool;

    return vo_buf_init(b, &alloc, size);
}


static ngx_int_t
ngx_http_vidorigin_api_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *text)
{
    vo_buf_t  b;

    if (ngx_http_vidorigin_api_buf(r, &b, 64) != VO_OK
        || vo_api_error(text, &b) != VO_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_vidorigin_api_out(r, status, &b);
}


/* JSON for one viewer: no cache may keep it */
static ngx_int_t
ngx_http_vidorigin_api_out(ngx_http_request_t *r, ngx_uint_t status,
    vo_buf_t *vb)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;
    ngx_str_t     cc = ngx_string("no-store");

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = vb->start;
    b->last = vb->pos;
    b->memory = 1;
    b->last_buf = (r == r->main);
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    if (ngx_http_vidorigin_add_header(r, "Cache-Control", &cc) != NGX_OK
        || ngx_http_vidorigin_add_header(r, "CDN-Cache-Control", &cc)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static void *
ngx_http_vidorigin_api_create_conf(ngx_conf_t *cf)
{
    ngx_http_vidorigin_api_conf_t  *acf;

    acf = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_api_conf_t));
    if (acf == NULL) {
        return NULL;
    }

    acf->enable = NGX_CONF_UNSET;
    acf->placement = NGX_CONF_UNSET_UINT;
    acf->sign_ttl = NGX_CONF_UNSET;

    return acf;
}


static char *
ngx_http_vidorigin_api_merge_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_vidorigin_api_conf_t *prev = parent;
    ngx_http_vidorigin_api_conf_t *conf = child;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_str_value(conf->cdn_host, prev->cdn_host, "");
    ngx_conf_merge_str_value(conf->origin_host, prev->origin_host, "");
    ngx_conf_merge_uint_value(conf->placement, prev->placement,
                              VO_API_PLACE_CDN);
    ngx_conf_merge_sec_value(conf->sign_ttl, prev->sign_ttl, 6 * 3600);
    ngx_conf_merge_str_value(conf->prefix, prev->prefix, "/v/");

    if (conf->enable && conf->origin_host.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "vidorigin_api needs vidorigin_api_origin_host "
                           "(and vidorigin_api_cdn_host)");
        return NGX_CONF_ERROR;
    }

    if (conf->prefix.len == 0 || conf->prefix.data[0] != '/'
        || conf->prefix.data[conf->prefix.len - 1] != '/')
    {
        return "has a vidorigin_api_playback_prefix not in slashes: \"/v/\"";
    }

    /* it signs origin URLs (the direct module is merged before this one) */
    if (conf->enable) {
        return ngx_http_vidorigin_direct_conf_check(cf, "vidorigin_api",
                                                    conf->sign_ttl);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_vidorigin_api(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_api_conf_t *acf = conf;

    ngx_http_core_loc_conf_t       *clcf;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    if (acf->enable != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->name.len == 0 || clcf->name.data[clcf->name.len - 1] != '/') {
        return "needs a prefix location ending in \"/\": "
               "location /api/v1/videos/";
    }

    clcf->handler = ngx_http_vidorigin_api_handler;
    acf->enable = 1;

    /* its S3 settings are made ready as a playback location's */
    vlcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_vidorigin_module);
    vlcf->api = 1;

    return NGX_CONF_OK;
}
