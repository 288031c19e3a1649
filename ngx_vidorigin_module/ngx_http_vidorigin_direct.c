/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Origin-direct playback (the long tail): viewers sent straight to the
 * origin, not through the CDN, must hold a signed URL (vo_sign.h), and
 * every answer they get says "CDN, do not keep this" (CDN-Cache-Control:
 * no-store by default), so that a CDN in front never stores a cold video.
 * Requests that prove they come through the CDN (ngx_http_vidorigin_cdn.h)
 * need no signature.  A module of its own in the vidorigin .so.
 *
 *     vidorigin_direct_secret SECRET [PREVIOUS] | off;   (http, server,
 *     vidorigin_direct_max_ttl TIME;               (1d)   location)
 *     vidorigin_direct_header NAME VALUE | off;    (CDN-Cache-Control no-store)
 *
 * URLs are signed with SECRET; PREVIOUS is accepted too while keys
 * rotate.  A token is refused when its expiry is more than max_ttl ahead.
 * Once origin-direct playback is configured anywhere (a secret, or the
 * header), every playback and API location must have a secret or say
 * "off": a location that merely lacks one would serve viewers unsigned
 * while the API hands out signed URLs for it (nginx -t refuses it).
 */

#include "ngx_http_vidorigin_direct.h"
#include "ngx_http_vidorigin_cdn.h"
#include "ngx_http_vidorigin_headers.h"
#include "vo_sign.h"


typedef struct {
    vo_str_t            secrets[2];       /* signing, accepted too */
    ngx_uint_t          nsecrets;         /* 0: off */
    ngx_flag_t          secret_set;       /* a secret, or "off" */
    time_t              max_ttl;
    ngx_str_t           header;           /* empty: off */
    ngx_str_t           value;
    ngx_flag_t          header_set;
} ngx_http_vidorigin_direct_conf_t;


/* a request's answer, given once (the S3 precontent phase asks first) */
typedef struct {
    ngx_int_t           rc;
    vo_str_t            query;
} ngx_http_vidorigin_direct_ctx_t;


typedef struct {
    ngx_int_t           index;            /* the request's direct record */
    ngx_flag_t          used;             /* a secret or header anywhere */
} ngx_http_vidorigin_direct_main_conf_t;


static ngx_int_t ngx_http_vidorigin_direct_add_variables(ngx_conf_t *cf);
static void *ngx_http_vidorigin_direct_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_vidorigin_direct_create_conf(ngx_conf_t *cf);
static char *ngx_http_vidorigin_direct_merge_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_vidorigin_direct_secret_conf(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_vidorigin_direct_header(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_vidorigin_direct_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_vidorigin_direct_check(ngx_http_request_t *r,
    vo_str_t *id, vo_str_t *query);


static ngx_command_t  ngx_http_vidorigin_direct_commands[] = {

    { ngx_string("vidorigin_direct_secret"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_vidorigin_direct_secret_conf,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_direct_max_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_direct_conf_t, max_ttl),
      NULL },

    { ngx_string("vidorigin_direct_header"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_vidorigin_direct_header,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_vidorigin_direct_module_ctx = {
    ngx_http_vidorigin_direct_add_variables, /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_http_vidorigin_direct_create_main_conf, /* create main conf */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_vidorigin_direct_create_conf, /* create location configuration */
    ngx_http_vidorigin_direct_merge_conf   /* merge location configuration */
};


ngx_module_t  ngx_http_vidorigin_direct_module = {
    NGX_MODULE_V1,
    &ngx_http_vidorigin_direct_module_ctx, /* module context */
    ngx_http_vidorigin_direct_commands,    /* module directives */
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


/* internal: the pointer to the location's conf, for answers made after a
 * named location cleared the module contexts (just in time, S3) */
static ngx_str_t  ngx_http_vidorigin_direct_var =
    ngx_string("vidorigin_direct_record");


static ngx_int_t
ngx_http_vidorigin_direct_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t                    *var;
    ngx_http_vidorigin_direct_main_conf_t  *dmcf;

    var = ngx_http_add_variable(cf, &ngx_http_vidorigin_direct_var,
                                NGX_HTTP_VAR_NOHASH);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_vidorigin_direct_variable;

    dmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_vidorigin_direct_module);

    dmcf->index = ngx_http_get_variable_index(cf,
                                              &ngx_http_vidorigin_direct_var);
    if (dmcf->index == NGX_ERROR) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_vidorigin_direct_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    /* set only by ngx_http_vidorigin_direct() */
    v->not_found = 1;

    return NGX_OK;
}


static void *
ngx_http_vidorigin_direct_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_vidorigin_direct_main_conf_t  *dmcf;

    dmcf = ngx_pcalloc(cf->pool,
                       sizeof(ngx_http_vidorigin_direct_main_conf_t));
    if (dmcf == NULL) {
        return NULL;
    }

    /* set by the preconfiguration, when the variables can be indexed */
    dmcf->index = NGX_ERROR;

    return dmcf;
}


static void *
ngx_http_vidorigin_direct_create_conf(ngx_conf_t *cf)
{
    ngx_http_vidorigin_direct_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_direct_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->secrets = { { 0, NULL }, { 0, NULL } };
     *     conf->nsecrets = 0;
     */

    conf->secret_set = NGX_CONF_UNSET;
    conf->max_ttl = NGX_CONF_UNSET;
    conf->header_set = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_vidorigin_direct_merge_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_vidorigin_direct_conf_t *prev = parent;
    ngx_http_vidorigin_direct_conf_t *conf = child;

    ngx_http_vidorigin_loc_conf_t  *vlcf;

    if (conf->secret_set == NGX_CONF_UNSET) {
        conf->secret_set = prev->secret_set;
        conf->secrets[0] = prev->secrets[0];
        conf->secrets[1] = prev->secrets[1];
        conf->nsecrets = prev->nsecrets;
    }

    ngx_conf_merge_sec_value(conf->max_ttl, prev->max_ttl, 86400);

    if (conf->header_set == NGX_CONF_UNSET) {
        if (prev->header_set == NGX_CONF_UNSET) {
            ngx_str_set(&conf->header, "CDN-Cache-Control");
            ngx_str_set(&conf->value, "no-store");

        } else {
            conf->header = prev->header;
            conf->value = prev->value;
        }

        conf->header_set = 1;
    }

    /* a playback location (merged before this module) */
    vlcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_vidorigin_module);

    if (vlcf->enable == 1) {
        return ngx_http_vidorigin_direct_conf_check(cf, "vidorigin", 0);
    }

    return NGX_CONF_OK;
}


char *
ngx_http_vidorigin_direct_conf_check(ngx_conf_t *cf, const char *what,
    time_t sign_ttl)
{
    ngx_http_core_loc_conf_t               *clcf;
    ngx_http_vidorigin_direct_conf_t       *dcf;
    ngx_http_vidorigin_direct_main_conf_t  *dmcf;

    dcf = ngx_http_conf_get_module_loc_conf(cf,
                                            ngx_http_vidorigin_direct_module);
    dmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_vidorigin_direct_module);
    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (dmcf->used && dcf->secret_set == NGX_CONF_UNSET) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%s\" in location \"%V\" has no "
                           "\"vidorigin_direct_secret\" while origin-direct "
                           "playback is configured: its viewers would not "
                           "need signed URLs; set the secret here too, or "
                           "\"vidorigin_direct_secret off\" to serve "
                           "unsigned on purpose", what, &clcf->name);
        return NGX_CONF_ERROR;
    }

    if (dcf->nsecrets && sign_ttl > dcf->max_ttl) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"vidorigin_api_sign_ttl\" of %T s in location "
                           "\"%V\" is longer than \"vidorigin_direct_max_ttl\""
                           " (%T s): the origin would refuse the URLs it signs",
                           sign_ttl, &clcf->name, dcf->max_ttl);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_vidorigin_direct_secret_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_vidorigin_direct_conf_t *dcf = conf;

    ngx_str_t                              *value;
    ngx_uint_t                              i;
    ngx_http_vidorigin_direct_main_conf_t  *dmcf;

    if (dcf->secret_set != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    dcf->secret_set = 1;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        return NGX_CONF_OK;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        if (value[i].len < VO_SIGN_SECRET_MIN) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "vidorigin_direct_secret must be at least %d "
                               "bytes", VO_SIGN_SECRET_MIN);
            return NGX_CONF_ERROR;
        }

        dcf->secrets[i - 1].data = value[i].data;
        dcf->secrets[i - 1].len = value[i].len;
    }

    dcf->nsecrets = cf->args->nelts - 1;

    dmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_vidorigin_direct_module);
    dmcf->used = 1;

    return NGX_CONF_OK;
}


/* vidorigin_direct_header NAME VALUE | off; */
static char *
ngx_http_vidorigin_direct_header(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_vidorigin_direct_conf_t *dcf = conf;

    ngx_str_t                              *value;
    ngx_http_vidorigin_direct_main_conf_t  *dmcf;

    if (dcf->header_set != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;
    dcf->header_set = 1;

    if (cf->args->nelts == 2) {
        if (ngx_strcmp(value[1].data, "off") != 0) {
            return "takes a header name and a value, or \"off\"";
        }

        return NGX_CONF_OK;
    }

    if (value[1].len == 0 || value[2].len == 0) {
        return "has an empty header name or value";
    }

    dcf->header = value[1];
    dcf->value = value[2];

    /* configured for origin-direct answers: origin-direct is in use */
    dmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_vidorigin_direct_module);
    dmcf->used = 1;

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_vidorigin_direct(ngx_http_request_t *r, vo_str_t *id,
    vo_str_t *query)
{
    ngx_http_vidorigin_direct_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_vidorigin_direct_module);

    if (ctx == NULL) {
        ctx = ngx_palloc(r->pool, sizeof(ngx_http_vidorigin_direct_ctx_t));
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ctx->rc = ngx_http_vidorigin_direct_check(r, id, &ctx->query);
        ngx_http_set_ctx(r, ctx, ngx_http_vidorigin_direct_module);
    }

    *query = ctx->query;

    return ctx->rc;
}


static ngx_int_t
ngx_http_vidorigin_direct_check(ngx_http_request_t *r, vo_str_t *id,
    vo_str_t *query)
{
    u_char                                 *p;
    ngx_str_t                               exp, sig;
    ngx_uint_t                              level;
    vo_str_t                                e, s;
    const char                             *err;
    vo_status_t                             rc;
    ngx_http_variable_value_t              *v;
    ngx_http_vidorigin_direct_conf_t       *dcf;
    ngx_http_vidorigin_direct_main_conf_t  *dmcf;

    query->len = 0;

    dcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_direct_module);

    if (dcf->nsecrets == 0 || ngx_http_vidorigin_cdn_trusted(r)) {
        return NGX_DECLINED;
    }

    if (ngx_http_arg(r, (u_char *) "exp", 3, &exp) != NGX_OK) {
        exp.len = 0;
    }

    if (ngx_http_arg(r, (u_char *) "sig", 3, &sig) != NGX_OK) {
        sig.len = 0;
    }

    e.data = exp.data;
    e.len = exp.len;
    s.data = sig.data;
    s.len = sig.len;
    err = "";

    rc = vo_sign_check(dcf->secrets, dcf->nsecrets, id, &e, &s,
                       (uint64_t) ngx_time(), (uint64_t) dcf->max_ttl, &err);

    /* the answer, even a 403, is for this viewer only */
    dmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_direct_module);
    v = &r->variables[dmcf->index];
    v->data = (u_char *) dcf;
    v->len = 0;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    if (rc != VO_OK) {
        level = (rc == VO_FORBIDDEN) ? NGX_LOG_INFO : NGX_LOG_ERR;
        ngx_log_error(level, r->connection->log, 0,
                      "vidorigin: \"%V\": origin-direct request refused: %s",
                      ngx_http_vidorigin_log_text(r, &r->uri), err);
        return rc == VO_FORBIDDEN ? NGX_HTTP_FORBIDDEN
                                  : NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the manifests carry the token on to every URL they list */
    p = ngx_pnalloc(r->pool, exp.len + sig.len + sizeof("exp=&sig=") - 1);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    query->data = p;
    p = ngx_cpymem(p, "exp=", 4);
    p = ngx_cpymem(p, exp.data, exp.len);
    p = ngx_cpymem(p, "&sig=", 5);
    p = ngx_cpymem(p, sig.data, sig.len);
    query->len = p - query->data;

    return NGX_OK;
}


ngx_int_t
ngx_http_vidorigin_direct_headers(ngx_http_request_t *r)
{
    ngx_http_variable_value_t              *v;
    ngx_http_vidorigin_direct_conf_t       *dcf;
    ngx_http_vidorigin_direct_main_conf_t  *dmcf;

    dmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_direct_module);

    if (dmcf == NULL) {
        return NGX_DECLINED;
    }

    v = &r->variables[dmcf->index];

    if (!v->valid || v->not_found || v->data == NULL) {
        return NGX_DECLINED;
    }

    dcf = (ngx_http_vidorigin_direct_conf_t *) v->data;

    if (dcf->header.len
        && ngx_http_vidorigin_add_header(r, (char *) dcf->header.data,
                                         &dcf->value)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the secret origin-direct URLs of this location are signed with */
ngx_int_t
ngx_http_vidorigin_direct_secret(ngx_http_request_t *r, vo_str_t *secret)
{
    ngx_http_vidorigin_direct_conf_t  *dcf;

    dcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_direct_module);

    if (dcf->nsecrets == 0) {
        return NGX_DECLINED;
    }

    *secret = dcf->secrets[0];

    return NGX_OK;
}
