/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The fetch record and the variables that carry it past a named
 * location (ngx_http_vidorigin_fetch.h); the just-in-time header filter
 * (ngx_http_vidorigin_jit.c) and the S3 variables (ngx_http_vidorigin_s3.c)
 * read it.
 */

#include "ngx_http_vidorigin_fetch.h"


static ngx_int_t ngx_http_vidorigin_fetch_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static void ngx_http_vidorigin_fetch_set(ngx_http_request_t *r,
    ngx_int_t index, ngx_str_t *value);


static ngx_str_t  ngx_http_vidorigin_cc_var =
    ngx_string("vidorigin_cache_control");
static ngx_str_t  ngx_http_vidorigin_cdn_cc_var =
    ngx_string("vidorigin_cdn_cache_control");
static ngx_str_t  ngx_http_vidorigin_fetch_var =
    ngx_string("vidorigin_internal_fetch");


ngx_int_t
ngx_http_vidorigin_fetch_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &ngx_http_vidorigin_cc_var, 0);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_vidorigin_fetch_variable;

    var = ngx_http_add_variable(cf, &ngx_http_vidorigin_cdn_cc_var, 0);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_vidorigin_fetch_variable;

    var = ngx_http_add_variable(cf, &ngx_http_vidorigin_fetch_var,
                                NGX_HTTP_VAR_NOHASH);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_vidorigin_fetch_variable;

    return NGX_OK;
}


ngx_int_t
ngx_http_vidorigin_fetch_init(ngx_conf_t *cf)
{
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_vidorigin_module);

    vmcf->cc_index = ngx_http_get_variable_index(cf,
                                                 &ngx_http_vidorigin_cc_var);
    if (vmcf->cc_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    vmcf->cdn_cc_index = ngx_http_get_variable_index(cf,
                                              &ngx_http_vidorigin_cdn_cc_var);
    if (vmcf->cdn_cc_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    vmcf->fetch_index = ngx_http_get_variable_index(cf,
                                              &ngx_http_vidorigin_fetch_var);
    if (vmcf->fetch_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* unset unless a playback request was handed to another location */
static ngx_int_t
ngx_http_vidorigin_fetch_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    v->not_found = 1;
    return NGX_OK;
}


ngx_http_vidorigin_fetch_t *
ngx_http_vidorigin_fetch_stash(ngx_http_request_t *r, ngx_str_t *key,
    ngx_str_t *type, vo_str_t *id)
{
    u_char                          *p;
    ngx_http_vidorigin_fetch_t      *f;
    ngx_http_variable_value_t       *v;
    ngx_http_vidorigin_loc_conf_t   *vlcf;
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);
    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);

    f = ngx_pcalloc(r->pool, sizeof(ngx_http_vidorigin_fetch_t));
    if (f == NULL) {
        return NULL;
    }

    f->vlcf = vlcf;
    f->type = type;

    if (key) {
        f->key = *key;
    }

    if (id && vlcf->tag_header.len) {
        p = ngx_pnalloc(r->pool, vlcf->tag_prefix.len + id->len);
        if (p == NULL) {
            return NULL;
        }

        f->tag.data = p;
        p = ngx_cpymem(p, vlcf->tag_prefix.data, vlcf->tag_prefix.len);
        p = ngx_cpymem(p, id->data, id->len);
        f->tag.len = p - f->tag.data;
    }

    /* a pointer in a variable: the record outlives the module contexts */

    v = &r->variables[vmcf->fetch_index];

    v->data = (u_char *) f;
    v->len = 0;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->escape = 0;

    if (key == NULL || r == r->main) {
        ngx_http_vidorigin_fetch_set(r, vmcf->cc_index,
                                     &vlcf->segment_cc_sent);
        ngx_http_vidorigin_fetch_set(r, vmcf->cdn_cc_index, &vlcf->cdn_cc);
    }

    return f;
}


ngx_http_vidorigin_fetch_t *
ngx_http_vidorigin_fetch_get(ngx_http_request_t *r)
{
    ngx_http_variable_value_t       *v;
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);

    if (vmcf == NULL || vmcf->fetch_index == NGX_CONF_UNSET) {
        return NULL;
    }

    v = &r->variables[vmcf->fetch_index];

    if (!v->valid || v->not_found || v->data == NULL) {
        return NULL;
    }

    return (ngx_http_vidorigin_fetch_t *) v->data;
}


static void
ngx_http_vidorigin_fetch_set(ngx_http_request_t *r, ngx_int_t index,
    ngx_str_t *value)
{
    ngx_http_variable_value_t  *v;

    v = &r->variables[index];

    v->data = value->data;
    v->len = value->len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = (value->len == 0);
    v->escape = 0;
}
