/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The S3 store, through nginx's own upstream machinery.
 *
 * "vidorigin_s3_pass @objects @descriptions" names two locations that
 * proxy_pass to the S3 endpoint; this file gives them what to send:
 *
 *   $vidorigin_s3_uri             "/bucket/key" (path style) or "/key"
 *   $vidorigin_s3_host            the Host the request is signed for
 *   $vidorigin_s3_date            x-amz-date
 *   $vidorigin_s3_content_sha256  x-amz-content-sha256 (of no body)
 *   $vidorigin_s3_token           x-amz-security-token, or empty
 *   $vidorigin_s3_authorization   the SigV4 Authorization header
 *
 * computed when the upstream request is made (a cache hit signs
 * nothing), from the settings of the playback location that sent the
 * request there.  Those locations keep their own proxy cache with
 * $vidorigin_cache_key, serve it stale when S3 fails, and send a missing
 * object on to the just-in-time location with error_page (see
 * conf/vidorigin-s3-locations.conf).
 *
 * Media descriptions are fetched by an in-memory subrequest from the
 * precontent phase when the shared media zone has no copy (the request
 * waits for it), or in the background when its copy is due for a check
 * (the request goes on with the copy, so an S3 outage never holds up a
 * video already seen).  The playback handler then finds the description
 * as with a local store.  An origin-direct request without a valid
 * signature fetches nothing (the handler refuses it), and a description
 * S3 does not have (404, or 403 from a bucket that does not grant
 * ListBucket) is "not ready", kept briefly by the proxy cache.
 * Subrequests get variables of their own: the fetch record of a
 * background refresh must not replace its parent's.
 */

#include "ngx_http_vidorigin_s3.h"
#include "ngx_http_vidorigin_direct.h"
#include "ngx_http_vidorigin_fetch.h"
#include "ngx_http_vidorigin_media_cache.h"
#include "vo_path.h"
#include "vo_sigv4_http.h"


/* this request's wait for a media description */
typedef struct {
    ngx_http_vidorigin_media_t      media;
    ngx_int_t                       rc;      /* of media_get */
    unsigned                        done:1;
    unsigned                        subrequest:1;   /* on the subrequest */
    unsigned                        background:1;
    vo_str_t                        id;
    ngx_str_t                       base;    /* the subrequest's URI base */
    u_char                          idbuf[VO_ID_MAX];
} ngx_http_vidorigin_s3_ctx_t;


static ngx_int_t ngx_http_vidorigin_s3_precontent(ngx_http_request_t *r);
static ngx_int_t ngx_http_vidorigin_s3_media_fetch(ngx_http_request_t *r,
    ngx_http_vidorigin_s3_ctx_t *ctx, ngx_uint_t background);
static ngx_int_t ngx_http_vidorigin_s3_media_done(ngx_http_request_t *r,
    void *data, ngx_int_t rc);
static ngx_int_t ngx_http_vidorigin_s3_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_vidorigin_s3_sign(ngx_http_request_t *r,
    ngx_http_vidorigin_fetch_t *f);


#define NGX_HTTP_VIDORIGIN_S3_URI            0
#define NGX_HTTP_VIDORIGIN_S3_HOST           1
#define NGX_HTTP_VIDORIGIN_S3_DATE           2
#define NGX_HTTP_VIDORIGIN_S3_SHA256         3
#define NGX_HTTP_VIDORIGIN_S3_TOKEN          4
#define NGX_HTTP_VIDORIGIN_S3_AUTHORIZATION  5


static ngx_http_variable_t  ngx_http_vidorigin_s3_vars[] = {

    { ngx_string("vidorigin_s3_uri"), NULL,
      ngx_http_vidorigin_s3_variable, NGX_HTTP_VIDORIGIN_S3_URI,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("vidorigin_s3_host"), NULL,
      ngx_http_vidorigin_s3_variable, NGX_HTTP_VIDORIGIN_S3_HOST,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("vidorigin_s3_date"), NULL,
      ngx_http_vidorigin_s3_variable, NGX_HTTP_VIDORIGIN_S3_DATE,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("vidorigin_s3_content_sha256"), NULL,
      ngx_http_vidorigin_s3_variable, NGX_HTTP_VIDORIGIN_S3_SHA256,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("vidorigin_s3_token"), NULL,
      ngx_http_vidorigin_s3_variable, NGX_HTTP_VIDORIGIN_S3_TOKEN,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("vidorigin_s3_authorization"), NULL,
      ngx_http_vidorigin_s3_variable, NGX_HTTP_VIDORIGIN_S3_AUTHORIZATION,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_vidorigin_s3_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_vidorigin_s3_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_vidorigin_s3_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_PRECONTENT_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_vidorigin_s3_precontent;

    return NGX_OK;
}


/*
 * Before the playback handler: when the video's description is not fresh
 * in the shared zone, fetch it with a subrequest and come back here (the
 * phase runs again when the subrequest is done).
 */
static ngx_int_t
ngx_http_vidorigin_s3_precontent(ngx_http_request_t *r)
{
    vo_str_t                        rest, query;
    ngx_int_t                       rc;
    vo_request_t                    req;
    const char                     *err;
    ngx_http_vidorigin_s3_ctx_t    *ctx;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    if (!vlcf->enable || vlcf->s3_media.len == 0 || r != r->main) {
        return NGX_DECLINED;
    }

    /* woken when the fetch is over: the phase runs again */

    ctx = ngx_http_get_module_ctx(r, ngx_http_vidorigin_module);

    if (ctx != NULL) {
        return ctx->done ? NGX_DECLINED : NGX_AGAIN;
    }

    /* the playback handler answers malformed paths */

    if (vo_path_below(r->uri.data, r->uri.len, vlcf->prefix.data,
                      vlcf->prefix.len, &rest)
        != VO_OK
        || vo_path_parse(rest.data, rest.len, &req, &err) != VO_OK)
    {
        return NGX_DECLINED;
    }

    /* an origin-direct viewer the handler refuses costs S3 nothing */

    rc = ngx_http_vidorigin_direct(r, &req.id, &query);

    if (rc != NGX_OK && rc != NGX_DECLINED) {
        return NGX_DECLINED;
    }

    return ngx_http_vidorigin_s3_prefetch(r, &req.id, &vlcf->prefix);
}


/*
 * The description of video id before a content handler looks for it
 * (the playback handler, or the playback API's): NGX_DECLINED when it is
 * fresh in the shared zone (or its fetch is over), NGX_AGAIN while a
 * subrequest to "{base}[/]{id}/media.json" fetches it.  base is a URI
 * of a location whose content handler passes that subrequest on
 * (ngx_http_vidorigin_s3_media_pass).
 */
ngx_int_t
ngx_http_vidorigin_s3_prefetch(ngx_http_request_t *r, vo_str_t *id,
    ngx_str_t *base)
{
    ngx_uint_t                    due;
    ngx_http_vidorigin_s3_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_vidorigin_module);

    if (ctx != NULL) {
        return ctx->done ? NGX_DECLINED : NGX_AGAIN;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_vidorigin_s3_ctx_t));
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(ctx->idbuf, id->data, id->len);
    ctx->id.data = ctx->idbuf;
    ctx->id.len = id->len;
    ctx->base = *base;

    ngx_http_set_ctx(r, ctx, ngx_http_vidorigin_module);

    if (ngx_http_vidorigin_media_fresh(r, &ctx->id, &ctx->media, &due)
        == NGX_OK)
    {
        ctx->done = 1;
        ctx->rc = NGX_OK;

        if (due) {
            /* a failure is logged; the copy serves meanwhile */
            (void) ngx_http_vidorigin_s3_media_fetch(r, ctx, 1);
        }

        return NGX_DECLINED;
    }

    if (ngx_http_vidorigin_s3_media_fetch(r, ctx, 0) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_AGAIN;
}


/* the media subrequest: "{base}[/]{id}/media.json" to the location of
 * base (for playback, the URI of the video's other objects: a purge
 * reaches it) */
static ngx_int_t
ngx_http_vidorigin_s3_media_fetch(ngx_http_request_t *r,
    ngx_http_vidorigin_s3_ctx_t *ctx, ngx_uint_t background)
{
    u_char                         *p;
    ngx_str_t                       uri;
    ngx_uint_t                      flags;
    ngx_http_request_t             *sr;
    ngx_http_vidorigin_s3_ctx_t    *sctx, *bctx;
    ngx_http_post_subrequest_t     *ps;
    ngx_http_core_main_conf_t      *cmcf;

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_core_module);

    uri.data = ngx_pnalloc(r->pool, ctx->base.len + 1 + ctx->id.len
                                    + sizeof("/media.json") - 1);
    if (uri.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(uri.data, ctx->base.data, ctx->base.len);

    if (ctx->base.len == 0 || p[-1] != '/') {
        *p++ = '/';
    }

    p = ngx_cpymem(p, ctx->id.data, ctx->id.len);
    uri.len = p - uri.data + sizeof("/media.json") - 1;
    ngx_memcpy(p, "/media.json", sizeof("/media.json") - 1);

    ps = ngx_palloc(r->pool, sizeof(ngx_http_post_subrequest_t));
    sctx = ngx_pcalloc(r->pool, sizeof(ngx_http_vidorigin_s3_ctx_t));
    if (ps == NULL || sctx == NULL) {
        return NGX_ERROR;
    }

    /* a background refresh reports to a record of its own */

    bctx = ctx;

    if (background) {
        bctx = ngx_pcalloc(r->pool, sizeof(ngx_http_vidorigin_s3_ctx_t));
        if (bctx == NULL) {
            return NGX_ERROR;
        }

        bctx->id = ctx->id;
        bctx->background = 1;
    }

    ps->handler = ngx_http_vidorigin_s3_media_done;
    ps->data = bctx;

    flags = NGX_HTTP_SUBREQUEST_IN_MEMORY
            | (background ? NGX_HTTP_SUBREQUEST_BACKGROUND
                          : NGX_HTTP_SUBREQUEST_WAITED);

    if (ngx_http_subrequest(r, &uri, NULL, &sr, ps, flags) != NGX_OK) {
        return NGX_ERROR;
    }

    sr->variables = ngx_pcalloc(r->pool, cmcf->variables.nelts
                                         * sizeof(ngx_http_variable_value_t));
    if (sr->variables == NULL) {
        return NGX_ERROR;
    }

    sctx->subrequest = 1;
    sctx->id = ctx->id;
    ngx_http_set_ctx(sr, sctx, ngx_http_vidorigin_module);

    return NGX_OK;
}


/*
 * The playback handler, on the media subrequest: hand it to the
 * descriptions location.  NGX_DECLINED when r is not one.
 */
ngx_int_t
ngx_http_vidorigin_s3_media_pass(ngx_http_request_t *r)
{
    u_char                         *p;
    ngx_str_t                       key;
    ngx_http_vidorigin_s3_ctx_t    *ctx;
    ngx_http_vidorigin_fetch_t     *f;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_vidorigin_module);

    if (ctx == NULL || !ctx->subrequest) {
        return NGX_DECLINED;
    }

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    key.len = ctx->id.len + sizeof("/media.json") - 1;
    key.data = ngx_pnalloc(r->pool, key.len);
    if (key.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(key.data, ctx->id.data, ctx->id.len);
    ngx_memcpy(p, "/media.json", sizeof("/media.json") - 1);

    f = ngx_http_vidorigin_fetch_stash(r, &key, NULL, NULL);
    if (f == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_named_location(r, &vlcf->s3_media);
}


/* the subrequest is over: its status and body are the description */
static ngx_int_t
ngx_http_vidorigin_s3_media_done(ngx_http_request_t *r, void *data,
    ngx_int_t rc)
{
    ngx_http_vidorigin_s3_ctx_t *ctx = data;

    u_char                     *body;
    size_t                      len;
    ngx_uint_t                  status, stale;
    ngx_http_request_t         *pr;

    if (ctx->done) {
        /* called again for the error page of a failed subrequest */
        return rc;
    }

    pr = r->parent;
    ctx->done = 1;
    ctx->rc = NGX_ERROR;

    if (!ctx->background) {
        /* the parent runs its phases again when woken */
        pr->write_event_handler = ngx_http_core_run_phases;
    }

    status = r->headers_out.status;

    if (rc != NGX_OK && rc != NGX_DONE && status == 0) {
        status = (rc >= NGX_HTTP_SPECIAL_RESPONSE) ? (ngx_uint_t) rc : 0;
    }

    /*
     * A bucket that does not grant ListBucket says 403 AccessDenied for
     * a missing key; other refusals (a wrong signature or key) are ours.
     */

    if (status == NGX_HTTP_NOT_FOUND
        || (status == NGX_HTTP_FORBIDDEN && r->out && r->out->buf
            && ngx_strnstr(r->out->buf->pos, "<Code>AccessDenied</Code>",
                           r->out->buf->last - r->out->buf->pos)))
    {
        ctx->rc = NGX_DECLINED;
        ngx_http_vidorigin_media_forget_id(pr, &ctx->id);
        return rc;
    }

    if (status != NGX_HTTP_OK || r->out == NULL || r->out->buf == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "vidorigin: media description of \"%*s\" not fetched "
                      "from the store: status %ui", ctx->id.len,
                      ctx->id.data, status);
        return rc;
    }

    body = r->out->buf->pos;
    len = r->out->buf->last - r->out->buf->pos;

    stale = 0;

#if (NGX_HTTP_CACHE)
    if (r->upstream && r->upstream->cache_status == NGX_HTTP_CACHE_STALE) {
        stale = 1;
    }
#endif

    ctx->rc = ngx_http_vidorigin_media_parse(pr, &ctx->id, body, len,
                                             r->headers_out.last_modified_time,
                                             stale, &ctx->media);
    return rc;
}


/* the playback handler's media lookup when the store is S3 */
ngx_int_t
ngx_http_vidorigin_s3_media_get(ngx_http_request_t *r, vo_str_t *id,
    ngx_http_vidorigin_media_t *out)
{
    ngx_uint_t                    due;
    ngx_http_vidorigin_s3_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_vidorigin_module);

    if (ctx != NULL && ctx->done && !ctx->subrequest
        && ctx->id.len == id->len
        && ngx_memcmp(ctx->id.data, id->data, id->len) == 0)
    {
        *out = ctx->media;
        return ctx->rc;
    }

    if (ngx_http_vidorigin_media_fresh(r, id, out, &due) == NGX_OK) {
        return NGX_OK;
    }

    /* evicted meanwhile, or not passed through the precontent phase */

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "vidorigin: media description of \"%*s\" unavailable",
                  id->len, id->data);

    return NGX_ERROR;
}


/* an init or media segment: to the objects location */
ngx_int_t
ngx_http_vidorigin_s3_fetch(ngx_http_request_t *r, vo_str_t *key,
    ngx_str_t *type, vo_str_t *id)
{
    ngx_str_t                       k;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    k.data = ngx_pnalloc(r->pool, key->len);
    if (k.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(k.data, key->data, key->len);
    k.len = key->len;

    if (ngx_http_vidorigin_fetch_stash(r, &k, type, id) == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_named_location(r, &vlcf->s3_objects);
}


static ngx_int_t
ngx_http_vidorigin_s3_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                   *s;
    ngx_http_vidorigin_fetch_t  *f;

    f = ngx_http_vidorigin_fetch_get(r);

    if (f == NULL || f->key.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (!f->s3_signed && ngx_http_vidorigin_s3_sign(r, f) != NGX_OK) {
        return NGX_ERROR;
    }

    switch (data) {

    case NGX_HTTP_VIDORIGIN_S3_URI:
        s = &f->s3_uri;
        break;

    case NGX_HTTP_VIDORIGIN_S3_HOST:
        s = &f->s3_host;
        break;

    case NGX_HTTP_VIDORIGIN_S3_DATE:
        s = &f->s3_date;
        break;

    case NGX_HTTP_VIDORIGIN_S3_SHA256:
        s = &f->s3_sha256;
        break;

    case NGX_HTTP_VIDORIGIN_S3_TOKEN:
        s = &f->vlcf->s3_token;
        break;

    default: /* NGX_HTTP_VIDORIGIN_S3_AUTHORIZATION */
        s = &f->s3_authorization;
        break;
    }

    v->data = s->data;
    v->len = s->len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * The URI, Host and headers of GET key, signed by the core's request
 * builder (vo_sigv4_http.h); the strings live in the request's pool.
 */
static ngx_int_t
ngx_http_vidorigin_s3_sign(ngx_http_request_t *r,
    ngx_http_vidorigin_fetch_t *f)
{
    u_char                         *buf;
    size_t                          size;
    time_t                          now;
    vo_str_t                        path[3];
    const char                     *err;
    vo_status_t                     rc;
    vo_sigv4_creds_t                creds;
    vo_sigv4_http_t                 http;
    vo_sigv4_signed_t               out;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = f->vlcf;
    now = ngx_time();

    creds.access_key.data = vlcf->s3_access_key.data;
    creds.access_key.len = vlcf->s3_access_key.len;
    creds.secret_key.data = vlcf->s3_secret_key.data;
    creds.secret_key.len = vlcf->s3_secret_key.len;
    creds.session_token.data = vlcf->s3_token.data;
    creds.session_token.len = vlcf->s3_token.len;
    creds.region.data = vlcf->s3_region.data;
    creds.region.len = vlcf->s3_region.len;
    creds.service = (vo_str_t) vo_string("s3");

    /* "/" [bucket] "/" key_prefix key */

    path[0] = (vo_str_t) vo_string("/");
    path[1].data = vlcf->s3_key_prefix.data;
    path[1].len = vlcf->s3_key_prefix.len;
    path[2].data = f->key.data;
    path[2].len = f->key.len;

    ngx_memzero(&http, sizeof(vo_sigv4_http_t));

    http.method = (vo_str_t) vo_string("GET");
    http.host.data = vlcf->s3_host.data;
    http.host.len = vlcf->s3_host.len;

    if (vlcf->s3_path_style) {
        http.bucket.data = vlcf->s3_bucket.data;
        http.bucket.len = vlcf->s3_bucket.len;
    }

    http.path = path;
    http.npath = 3;
    http.payload_hash = (vo_str_t) vo_string(VO_SIGV4_EMPTY_SHA256);
    http.time = now;

    /* the signing key changes once a day: derived again then */

    err = "";

    if (vo_sigv4_key_for(&creds, now, vlcf->s3_key, &err) != VO_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "vidorigin: S3 signing key not derived: %s", err);
        return NGX_ERROR;
    }

    size = vo_sigv4_http_size(&creds, &http);

    buf = ngx_pnalloc(r->pool, size);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    err = "";
    rc = vo_sigv4_http_sign(&creds, vlcf->s3_key, &http, buf, size, &out,
                            &err);

    if (rc != VO_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "vidorigin: S3 request for \"%V\" not signed: %s",
                      &f->key, err);
        return NGX_ERROR;
    }

    /* the strings are in buf, or the configuration's */

    f->s3_uri.data = (u_char *) out.path.data;
    f->s3_uri.len = out.path.len;
    f->s3_host = vlcf->s3_host;
    f->s3_date.data = (u_char *) out.timestamp.data;
    f->s3_date.len = out.timestamp.len;
    ngx_str_set(&f->s3_sha256, VO_SIGV4_EMPTY_SHA256);
    f->s3_authorization.data = (u_char *) out.authorization.data;
    f->s3_authorization.len = out.authorization.len;

    f->s3_signed = 1;

    return NGX_OK;
}
