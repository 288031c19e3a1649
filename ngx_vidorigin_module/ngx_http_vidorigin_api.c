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
 * in shared memory.  Every Redis read has the vidorigin_redis budget;
 * past it, or with Redis down, the answer comes from what is known: the
 * media description, a stale hint or the default, no catalog fields.
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
#include "ngx_http_vidorigin_media_cache.h"
#include "ngx_http_vidorigin_redis.h"
#include "ngx_http_vidorigin_redis_call.h"
#include "ngx_http_vidorigin_region.h"
#include "ngx_http_vidorigin_s3.h"
#include "ngx_http_vidorigin_views.h"
#include "vo_json.h"
#include "vo_path.h"
#include "vo_sign.h"


#define NGX_HTTP_VIDORIGIN_PLACE_NONE    0
#define NGX_HTTP_VIDORIGIN_PLACE_CDN     1
#define NGX_HTTP_VIDORIGIN_PLACE_ORIGIN  2

#define NGX_HTTP_VIDORIGIN_FIELD_MAX     (16 * 1024)


typedef struct {
    ngx_flag_t          enable;
    ngx_str_t           cdn_host;         /* "https://cdn.example.com" */
    ngx_str_t           origin_host;
    ngx_uint_t          placement;        /* the default */
    time_t              sign_ttl;
    ngx_str_t           prefix;           /* of playback URLs: "/v/" */
} ngx_http_vidorigin_api_conf_t;


/* one (video, region) hint, in shared memory */
typedef struct {
    uint32_t            hash;             /* 0: empty */
    u_char              id[VO_ID_MAX];
    u_char              id_len;
    u_char              region[2];
    u_char              placement;
    time_t              expires;          /* of the hint */
    time_t              fetched;
} ngx_http_vidorigin_hint_slot_t;

typedef struct {
    ngx_uint_t          nslots;
    ngx_http_vidorigin_hint_slot_t  slots[1];
} ngx_http_vidorigin_hint_table_t;


typedef struct {
    ngx_shm_zone_t     *zone;
    time_t              valid;
} ngx_http_vidorigin_api_main_conf_t;


/* catalog fields: the strings, then those holding JSON text */
static ngx_str_t  ngx_http_vidorigin_api_fields[] = {
    ngx_string("title"),
    ngx_string("description"),
    ngx_string("creator"),
    ngx_string("language"),
    ngx_string("thumbnails"),
    ngx_string("ads"),
    ngx_string("tags"),
    ngx_null_string
};

#define NGX_HTTP_VIDORIGIN_API_TEXT_FIELDS  4
#define NGX_HTTP_VIDORIGIN_API_NFIELDS      7


typedef struct {
    vo_str_t                            id;
    ngx_http_vidorigin_media_t          vm;
    ngx_str_t                           region;
    ngx_http_vidorigin_device_class_t  *device;
    ngx_str_t                           field[NGX_HTTP_VIDORIGIN_API_NFIELDS];
    ngx_uint_t                          catalog;     /* read from Redis */
    ngx_uint_t                          placement;
    const char                         *placement_from;
} ngx_http_vidorigin_api_ctx_t;


static ngx_int_t ngx_http_vidorigin_api_handler(ngx_http_request_t *r);
static void ngx_http_vidorigin_api_catalog(ngx_http_request_t *r, void *data,
    redisReply *reply, ngx_int_t rc);
static ngx_int_t ngx_http_vidorigin_api_hint(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx);
static void ngx_http_vidorigin_api_hint_done(ngx_http_request_t *r,
    void *data, redisReply *reply, ngx_int_t rc);
static ngx_uint_t ngx_http_vidorigin_api_hint_parse(const char *s,
    size_t len, time_t *expires);
static ngx_int_t ngx_http_vidorigin_hint_get(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx, ngx_uint_t fresh_only);
static void ngx_http_vidorigin_hint_put(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx, ngx_uint_t placement, time_t expires);
static ngx_int_t ngx_http_vidorigin_api_send(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx);
static ngx_int_t ngx_http_vidorigin_api_error(ngx_http_request_t *r,
    ngx_uint_t status, const char *text);
static ngx_int_t ngx_http_vidorigin_api_out(ngx_http_request_t *r,
    ngx_uint_t status, vo_buf_t *b);
static void *ngx_http_vidorigin_api_alloc(void *pool, size_t size);
static void *ngx_http_vidorigin_api_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_vidorigin_api_create_conf(ngx_conf_t *cf);
static char *ngx_http_vidorigin_api_merge_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_vidorigin_api(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_vidorigin_hint_cache(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_vidorigin_hint_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);


static ngx_conf_enum_t  ngx_http_vidorigin_api_placements[] = {
    { ngx_string("cdn"), NGX_HTTP_VIDORIGIN_PLACE_CDN },
    { ngx_string("origin"), NGX_HTTP_VIDORIGIN_PLACE_ORIGIN },
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
    NULL,                                  /* postconfiguration */

    ngx_http_vidorigin_api_create_main_conf, /* create main configuration */
    NULL,                                  /* init main configuration */

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
ngx_http_vidorigin_api_handler(ngx_http_request_t *r)
{
    size_t                           len;
    ngx_int_t                        rc;
    vo_str_t                         none;
    ngx_str_t                       *vary, key;
    const char                      *argv[2];
    size_t                           argvlen[2];
    ngx_http_core_loc_conf_t        *clcf;
    ngx_http_vidorigin_api_ctx_t    *ctx;
    ngx_http_vidorigin_loc_conf_t   *vlcf;
    ngx_http_vidorigin_main_conf_t  *vmcf;

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

    ctx->id.data = r->uri.data + len;
    ctx->id.len = r->uri.len - len;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    rc = vlcf->s3_media.len
         ? ngx_http_vidorigin_s3_media_get(r, &ctx->id, &ctx->vm)
         : ngx_http_vidorigin_media_get(r, &ctx->id, &ctx->vm);

    if (rc == NGX_DECLINED) {
        return ngx_http_vidorigin_api_error(r, NGX_HTTP_NOT_FOUND,
                                            "no such video");
    }

    if (rc != NGX_OK) {
        return ngx_http_vidorigin_api_error(r, vlcf->s3_media.len
                                               ? NGX_HTTP_BAD_GATEWAY
                                               : NGX_HTTP_INTERNAL_SERVER_ERROR,
                                            "media description unavailable");
    }

    /* a playback start: one view for (video, region, hour) */
    ngx_http_vidorigin_views_count(r, &ctx->id);

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

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);

    if (vmcf->redis == NULL) {
        return ngx_http_vidorigin_api_hint(r, ctx) == NGX_DONE
               ? NGX_DONE : ngx_http_vidorigin_api_send(r, ctx);
    }

    /* the catalog: HGETALL vo:video:{id} */

    key.len = sizeof("vo:video:") - 1 + ctx->id.len;
    key.data = ngx_pnalloc(r->pool, key.len);
    if (key.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(ngx_cpymem(key.data, "vo:video:", sizeof("vo:video:") - 1),
               ctx->id.data, ctx->id.len);

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
    return ngx_http_vidorigin_api_hint(r, ctx) == NGX_DONE
           ? NGX_DONE : ngx_http_vidorigin_api_send(r, ctx);
}


static void
ngx_http_vidorigin_api_catalog(ngx_http_request_t *r, void *data,
    redisReply *reply, ngx_int_t rc)
{
    ngx_http_vidorigin_api_ctx_t *ctx = data;

    size_t                           i, k, len;
    u_char                          *p;
    redisReply                      *name, *value;
    ngx_http_vidorigin_main_conf_t  *vmcf;

    if (rc == NGX_OK && reply->type == REDIS_REPLY_ARRAY) {
        ctx->catalog = 1;

        for (i = 0; i + 1 < reply->elements; i += 2) {
            name = reply->element[i];
            value = reply->element[i + 1];

            if (name->type != REDIS_REPLY_STRING
                || value->type != REDIS_REPLY_STRING
                || value->len > NGX_HTTP_VIDORIGIN_FIELD_MAX)
            {
                continue;
            }

            for (k = 0; k < NGX_HTTP_VIDORIGIN_API_NFIELDS; k++) {
                len = ngx_http_vidorigin_api_fields[k].len;

                if ((size_t) name->len == len
                    && ngx_strncmp(name->str,
                                   ngx_http_vidorigin_api_fields[k].data,
                                   len) == 0)
                {
                    break;
                }
            }

            if (k == NGX_HTTP_VIDORIGIN_API_NFIELDS) {
                continue;
            }

            /* JSON fields are sent as they are: only when they are JSON */
            if (k >= NGX_HTTP_VIDORIGIN_API_TEXT_FIELDS
                && !vo_json_valid((u_char *) value->str, value->len))
            {
                ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                              "vidorigin: catalog of \"%*s\": field \"%V\" "
                              "is not JSON, left out", ctx->id.len,
                              ctx->id.data, &ngx_http_vidorigin_api_fields[k]);
                continue;
            }

            p = ngx_pnalloc(r->pool, value->len);
            if (p == NULL) {
                ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
                return;
            }

            ngx_memcpy(p, value->str, value->len);
            ctx->field[k].data = p;
            ctx->field[k].len = value->len;
        }

    } else if (rc == NGX_OK) {
        vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
        ngx_http_vidorigin_redis_error(vmcf->redis, "catalog read", reply);
    }

    /* past the budget: Redis is slow now, do not wait for it twice */
    rc = (rc == NGX_OK) ? ngx_http_vidorigin_api_hint(r, ctx)
                        : ngx_http_vidorigin_hint_get(r, ctx, 0);

    if (rc == NGX_DONE) {
        /* the hint read holds the request now */
        ngx_http_finalize_request(r, NGX_DONE);
        return;
    }

    ngx_http_finalize_request(r, ngx_http_vidorigin_api_send(r, ctx));
}


/* The placement for the viewer's region: from the shared cache when it
 * is fresh, else HGET vo:hint:{id} {region} (NGX_DONE: the reply will
 * go on); NGX_OK when ctx->placement is set without waiting. */
static ngx_int_t
ngx_http_vidorigin_api_hint(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx)
{
    ngx_int_t                        rc;
    ngx_str_t                        key;
    const char                      *argv[3];
    size_t                           argvlen[3];
    ngx_http_vidorigin_main_conf_t  *vmcf;

    if (ngx_http_vidorigin_hint_get(r, ctx, 1) == NGX_OK) {
        return NGX_OK;
    }

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);

    if (vmcf->redis == NULL) {
        return ngx_http_vidorigin_hint_get(r, ctx, 0);
    }

    key.len = sizeof("vo:hint:") - 1 + ctx->id.len;
    key.data = ngx_pnalloc(r->pool, key.len);
    if (key.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(ngx_cpymem(key.data, "vo:hint:", sizeof("vo:hint:") - 1),
               ctx->id.data, ctx->id.len);

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

    return ngx_http_vidorigin_hint_get(r, ctx, 0);
}


static void
ngx_http_vidorigin_api_hint_done(ngx_http_request_t *r, void *data,
    redisReply *reply, ngx_int_t rc)
{
    ngx_http_vidorigin_api_ctx_t *ctx = data;

    time_t                          expires;
    ngx_uint_t                      placement;
    ngx_http_vidorigin_api_conf_t  *acf;

    expires = 0;

    if (rc == NGX_OK
        && (reply->type == REDIS_REPLY_NIL
            || reply->type == REDIS_REPLY_STRING))
    {
        /* no hint for this region: the default, remembered as such */
        placement = NGX_HTTP_VIDORIGIN_PLACE_NONE;

        if (reply->type == REDIS_REPLY_STRING) {
            placement = ngx_http_vidorigin_api_hint_parse(reply->str,
                                                          reply->len,
                                                          &expires);

            if (placement == NGX_HTTP_VIDORIGIN_PLACE_NONE) {
                ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                              "vidorigin: hint of \"%*s\" for %V is "
                              "malformed: \"%*s\"", ctx->id.len, ctx->id.data,
                              &ctx->region, (size_t) ngx_min(reply->len, 64),
                              reply->str);
            }
        }

        ngx_http_vidorigin_hint_put(r, ctx, placement, expires);

        acf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_api_module);
        ctx->placement = acf->placement;
        ctx->placement_from = "default";

        if (placement != NGX_HTTP_VIDORIGIN_PLACE_NONE
            && expires > ngx_time())
        {
            ctx->placement = placement;
            ctx->placement_from = "hint";
        }

    } else {
        /* Redis slow, down or answering nonsense: a stale hint, or the
         * default */
        (void) ngx_http_vidorigin_hint_get(r, ctx, 0);
    }

    ngx_http_finalize_request(r, ngx_http_vidorigin_api_send(r, ctx));
}


/* "cdn 41.250 1764700000": the placement, or NONE when malformed or past
 * its expiry */
static ngx_uint_t
ngx_http_vidorigin_api_hint_parse(const char *s, size_t len, time_t *expires)
{
    u_char      *p, *last, *sp;
    ngx_int_t    n;
    ngx_uint_t   placement;

    p = (u_char *) s;
    last = p + len;

    if (len > 4 && ngx_strncmp(p, "cdn ", 4) == 0) {
        placement = NGX_HTTP_VIDORIGIN_PLACE_CDN;
        p += 4;

    } else if (len > 7 && ngx_strncmp(p, "origin ", 7) == 0) {
        placement = NGX_HTTP_VIDORIGIN_PLACE_ORIGIN;
        p += 7;

    } else {
        return NGX_HTTP_VIDORIGIN_PLACE_NONE;
    }

    /* the score is for the log and for models: skipped here */
    sp = ngx_strlchr(p, last, ' ');

    if (sp == NULL) {
        return NGX_HTTP_VIDORIGIN_PLACE_NONE;
    }

    n = ngx_atotm(sp + 1, last - sp - 1);

    if (n == NGX_ERROR) {
        return NGX_HTTP_VIDORIGIN_PLACE_NONE;
    }

    *expires = (time_t) n;

    return placement;
}


/*
 * The shared hint cache: one slot per (video, region), direct-mapped.
 * fresh_only: NGX_OK only for an entry fetched less than "valid" seconds
 * ago; otherwise any entry whose hint has not expired counts.  Sets
 * ctx->placement (the default when nothing is known).
 */
static ngx_int_t
ngx_http_vidorigin_hint_get(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx, ngx_uint_t fresh_only)
{
    time_t                               now;
    uint32_t                             hash;
    ngx_int_t                            rc;
    ngx_slab_pool_t                     *shpool;
    ngx_http_vidorigin_hint_slot_t      *s;
    ngx_http_vidorigin_hint_table_t     *t;
    ngx_http_vidorigin_api_conf_t       *acf;
    ngx_http_vidorigin_api_main_conf_t  *amcf;

    acf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_api_module);
    amcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_api_module);

    ctx->placement = acf->placement;
    ctx->placement_from = "default";

    if (amcf->zone == NULL) {
        return fresh_only ? NGX_DECLINED : NGX_OK;
    }

    now = ngx_time();
    hash = ngx_crc32_short((u_char *) ctx->id.data, ctx->id.len) ^ (ctx->region.data[0]
                           << 8 | ctx->region.data[1]);
    hash |= 1;

    shpool = (ngx_slab_pool_t *) amcf->zone->shm.addr;
    t = amcf->zone->data;
    s = &t->slots[hash % t->nslots];
    rc = NGX_DECLINED;

    ngx_shmtx_lock(&shpool->mutex);

    if (s->hash == hash && s->id_len == ctx->id.len
        && ngx_memcmp(s->id, ctx->id.data, ctx->id.len) == 0
        && s->region[0] == ctx->region.data[0]
        && s->region[1] == ctx->region.data[1]
        && (!fresh_only || now - s->fetched < amcf->valid))
    {
        rc = NGX_OK;

        if (s->placement != NGX_HTTP_VIDORIGIN_PLACE_NONE
            && s->expires > now)
        {
            ctx->placement = s->placement;
            ctx->placement_from = "hint";
        }
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return fresh_only ? rc : NGX_OK;
}


static void
ngx_http_vidorigin_hint_put(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx, ngx_uint_t placement, time_t expires)
{
    uint32_t                             hash;
    ngx_slab_pool_t                     *shpool;
    ngx_http_vidorigin_hint_slot_t      *s;
    ngx_http_vidorigin_hint_table_t     *t;
    ngx_http_vidorigin_api_main_conf_t  *amcf;

    amcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_api_module);

    if (amcf->zone == NULL) {
        return;
    }

    hash = ngx_crc32_short((u_char *) ctx->id.data, ctx->id.len) ^ (ctx->region.data[0]
                           << 8 | ctx->region.data[1]);
    hash |= 1;

    shpool = (ngx_slab_pool_t *) amcf->zone->shm.addr;
    t = amcf->zone->data;
    s = &t->slots[hash % t->nslots];

    ngx_shmtx_lock(&shpool->mutex);

    s->hash = hash;
    s->id_len = (u_char) ctx->id.len;
    ngx_memcpy(s->id, ctx->id.data, ctx->id.len);
    s->region[0] = ctx->region.data[0];
    s->region[1] = ctx->region.data[1];
    s->placement = (u_char) placement;
    s->expires = expires;
    s->fetched = ngx_time();

    ngx_shmtx_unlock(&shpool->mutex);
}


static ngx_int_t
ngx_http_vidorigin_api_send(ngx_http_request_t *r,
    ngx_http_vidorigin_api_ctx_t *ctx)
{
    size_t                           len;
    time_t                           expires;
    ngx_str_t                       *host, name;
    ngx_uint_t                       i, k;
    vo_buf_t                         b;
    vo_str_t                         secret;
    vo_alloc_t                       alloc;
    vo_selection_t                   sel;
    const vo_media_t                *m;
    const vo_video_t                *v;
    u_char                           query[VO_SIGN_QUERY_MAX];
    ngx_http_vidorigin_api_conf_t   *acf;

    static const char  *kinds[] = { "hls", "master", "m3u8",
                                    "dash", "manifest", "mpd" };

    acf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_api_module);
    m = &ctx->vm.media;

    if (vo_select(m, &ctx->device->policy, VO_FORMAT_FMP4, &sel) != VO_OK) {
        return ngx_http_vidorigin_api_error(r, NGX_HTTP_NOT_FOUND,
                                            "no playable rendition");
    }

    alloc.alloc = ngx_http_vidorigin_api_alloc;
    alloc.data = r->pool;

    if (vo_buf_init(&b, &alloc, 2048) != VO_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    vo_buf_str(&b, "{\"id\":");
    vo_json_put_string(&b, ctx->id.data, ctx->id.len);
    vo_buf_printf(&b, ",\"ready\":true,\"duration_ms\":%llu",
                  (unsigned long long) m->duration_ms);

    for (k = 0; k < NGX_HTTP_VIDORIGIN_API_NFIELDS; k++) {
        if (ctx->field[k].data == NULL) {
            continue;
        }

        name = ngx_http_vidorigin_api_fields[k];
        vo_buf_printf(&b, ",\"%s\":", (char *) name.data);

        if (k < NGX_HTTP_VIDORIGIN_API_TEXT_FIELDS) {
            vo_json_put_string(&b, ctx->field[k].data, ctx->field[k].len);

        } else {
            vo_buf_append(&b, ctx->field[k].data, ctx->field[k].len);
        }
    }

    vo_buf_printf(&b, ",\"catalog\":%s,\"renditions\":[",
                  ctx->catalog ? "true" : "false");

    for (i = 0; i < sel.nvideo; i++) {
        v = &m->video[sel.video[i]];
        vo_buf_printf(&b, "%s{\"name\":\"%s\",\"codec\":\"%s\",\"width\":%u,"
                      "\"height\":%u,\"bandwidth\":%u}", i ? "," : "",
                      v->name, v->codec, v->width, v->height, v->bandwidth);
    }

    vo_buf_str(&b, "],\"audio\":[");

    for (i = 0; i < m->naudio; i++) {
        vo_buf_printf(&b, "%s{\"name\":\"%s\",\"codec\":\"%s\","
                      "\"language\":\"%s\"}", i ? "," : "",
                      m->audio[i].name, m->audio[i].codec, m->audio[i].lang);
    }

    vo_buf_str(&b, "],\"region\":");
    vo_json_put_string(&b, ctx->region.data, ctx->region.len);
    vo_buf_str(&b, ",\"device\":");
    vo_json_put_string(&b, ctx->device->name.data, ctx->device->name.len);

    /* where to play: the CDN, or the origin with a signed URL */

    len = 0;
    expires = 0;

    if (ctx->placement == NGX_HTTP_VIDORIGIN_PLACE_ORIGIN) {
        host = &acf->origin_host;

        if (ngx_http_vidorigin_direct_secret(r, &secret) == NGX_OK) {
            expires = ngx_time() + acf->sign_ttl;

            if (vo_sign_query(&secret, &ctx->id, (uint64_t) expires, query,
                              &len)
                != VO_OK)
            {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
        }

    } else {
        host = &acf->cdn_host;
    }

    vo_buf_printf(&b, ",\"placement\":\"%s\",\"placement_from\":\"%s\","
                  "\"playback\":{",
                  ctx->placement == NGX_HTTP_VIDORIGIN_PLACE_ORIGIN
                  ? "origin" : "cdn", ctx->placement_from);

    /* device URLs: the class is in the URL, the CDN's key stays the URL */
    for (i = 0; i < 6; i += 3) {
        vo_buf_printf(&b, "%s\"%s\":\"", i ? "," : "", kinds[i]);
        vo_buf_append(&b, host->data, host->len);
        vo_buf_append(&b, acf->prefix.data, acf->prefix.len);
        vo_buf_append(&b, ctx->id.data, ctx->id.len);
        vo_buf_printf(&b, "/%s.", kinds[i + 1]);
        vo_buf_append(&b, ctx->device->name.data, ctx->device->name.len);
        vo_buf_printf(&b, ".%s", kinds[i + 2]);

        if (len) {
            vo_buf_str(&b, "?");
            vo_buf_append(&b, query, len);
        }

        vo_buf_str(&b, "\"");
    }

    if (expires) {
        vo_buf_printf(&b, ",\"expires\":%llu", (unsigned long long) expires);
    }

    vo_buf_str(&b, "}}\n");

    if (vo_buf_failed(&b)) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_vidorigin_api_out(r, NGX_HTTP_OK, &b);
}


static ngx_int_t
ngx_http_vidorigin_api_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *text)
{
    vo_buf_t    b;
    vo_alloc_t  alloc;

    alloc.alloc = ngx_http_vidorigin_api_alloc;
    alloc.data = r->pool;

    if (vo_buf_init(&b, &alloc, 64) != VO_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    vo_buf_printf(&b, "{\"error\":\"%s\"}\n", text);

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

    if (vo_buf_failed(vb)) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

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
ngx_http_vidorigin_api_alloc(void *pool, size_t size)
{
    return ngx_palloc(pool, size);
}


static void *
ngx_http_vidorigin_api_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_vidorigin_api_main_conf_t  *amcf;

    amcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_api_main_conf_t));
    if (amcf == NULL) {
        return NULL;
    }

    amcf->valid = 5;

    return amcf;
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
                              NGX_HTTP_VIDORIGIN_PLACE_CDN);
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

    return NGX_CONF_OK;
}


static char *
ngx_http_vidorigin_api(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_api_conf_t *acf = conf;

    ngx_http_core_loc_conf_t  *clcf;

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

    return NGX_CONF_OK;
}


/* vidorigin_hint_cache zone=NAME:SIZE [valid=TIME]; */
static char *
ngx_http_vidorigin_hint_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_api_main_conf_t *amcf = conf;

    u_char      *colon;
    ssize_t      size;
    ngx_str_t   *value, name, s;
    ngx_uint_t   i;

    if (amcf->zone) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name.len = 0;
    size = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            name.data = value[i].data + 5;
            colon = (u_char *) ngx_strchr(name.data, ':');

            if (colon == NULL) {
                goto invalid;
            }

            name.len = colon - name.data;
            s.data = colon + 1;
            s.len = value[i].data + value[i].len - s.data;
            size = ngx_parse_size(&s);

            if (name.len == 0 || size < (ssize_t) (8 * ngx_pagesize)) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "valid=", 6) == 0) {
            s.data = value[i].data + 6;
            s.len = value[i].len - 6;
            amcf->valid = ngx_parse_time(&s, 1);

            if (amcf->valid == (time_t) NGX_ERROR || amcf->valid < 1) {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    if (name.len == 0) {
        return "needs zone=NAME:SIZE";
    }

    amcf->zone = ngx_shared_memory_add(cf, &name, size,
                                       &ngx_http_vidorigin_api_module);
    if (amcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    amcf->zone->init = ngx_http_vidorigin_hint_init_zone;
    amcf->zone->data = NULL;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\" "
                       "(zone=NAME:SIZE of at least 8 pages, valid=TIME)",
                       &value[i]);
    return NGX_CONF_ERROR;
}


static ngx_int_t
ngx_http_vidorigin_hint_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    size_t                            n;
    ngx_slab_pool_t                  *shpool;
    ngx_http_vidorigin_hint_table_t  *t;

    if (data) {
        /* a reload: the table of the old cycle goes on */
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    /* most of the zone: the slab allocator keeps a page descriptor per
     * page (under 1%) and its own header */
    n = (shm_zone->shm.size / 100 * 95 - 2 * ngx_pagesize)
        / sizeof(ngx_http_vidorigin_hint_slot_t);

    t = ngx_slab_calloc(shpool, sizeof(ngx_http_vidorigin_hint_table_t)
                                + (n - 1)
                                  * sizeof(ngx_http_vidorigin_hint_slot_t));
    if (t == NULL) {
        return NGX_ERROR;
    }

    t->nslots = n;
    shpool->data = t;
    shm_zone->data = t;

    return NGX_OK;
}
