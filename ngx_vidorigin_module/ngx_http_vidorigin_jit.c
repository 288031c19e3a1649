/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Just-in-time objects: an init or media segment that the media
 * description lists but the store lacks is handed to a named location
 * (vidorigin_jit @name), where nginx's own upstream machinery (proxy_pass
 * to the worker pool: timeouts, failover, keepalive) fetches it.  The
 * worker produces it once, stores it, and answers with its bytes; later
 * requests find it in the store.
 *
 * The answer must carry the segment's Cache-Control, which is configured
 * in the playback location, not in the named one.  A named location
 * clears module contexts but not request variables, so the handler leaves
 * the values in $vidorigin_cache_control and $vidorigin_cdn_cache_control,
 * and a header filter puts them on a successful answer in place of
 * whatever the upstream sent.  Server errors (503 from a busy worker,
 * 502/504 when none answers) get "no-store" instead, so that a CDN keeps
 * none of them and serves what it has (stale-if-error) or asks again.
 */

#include "ngx_http_vidorigin_module.h"


static ngx_int_t ngx_http_vidorigin_jit_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_vidorigin_jit_header_filter(ngx_http_request_t *r);
static void ngx_http_vidorigin_jit_stash(ngx_http_request_t *r,
    ngx_int_t index, ngx_str_t *value);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;

static ngx_str_t  ngx_http_vidorigin_no_store = ngx_string("no-store");
static ngx_str_t  ngx_http_vidorigin_empty = ngx_null_string;


static ngx_str_t  ngx_http_vidorigin_cc_var =
    ngx_string("vidorigin_cache_control");
static ngx_str_t  ngx_http_vidorigin_cdn_cc_var =
    ngx_string("vidorigin_cdn_cache_control");


ngx_int_t
ngx_http_vidorigin_jit_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &ngx_http_vidorigin_cc_var, 0);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_vidorigin_jit_variable;

    var = ngx_http_add_variable(cf, &ngx_http_vidorigin_cdn_cc_var, 0);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_vidorigin_jit_variable;

    return NGX_OK;
}


ngx_int_t
ngx_http_vidorigin_jit_init(ngx_conf_t *cf)
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

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_vidorigin_jit_header_filter;

    return NGX_OK;
}


/* unset unless a playback request was handed to the JIT location */
static ngx_int_t
ngx_http_vidorigin_jit_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    v->not_found = 1;
    return NGX_OK;
}


ngx_int_t
ngx_http_vidorigin_jit(ngx_http_request_t *r, ngx_str_t *path)
{
    ngx_http_vidorigin_loc_conf_t   *vlcf;
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);
    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "vidorigin: \"%V\" is not in the store yet, "
                  "asking \"%V\"", path, &vlcf->jit);

    ngx_http_vidorigin_jit_stash(r, vmcf->cc_index, &vlcf->segment_cc_sent);
    ngx_http_vidorigin_jit_stash(r, vmcf->cdn_cc_index, &vlcf->cdn_cc);

    return ngx_http_named_location(r, &vlcf->jit);
}


static void
ngx_http_vidorigin_jit_stash(ngx_http_request_t *r, ngx_int_t index,
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


static ngx_int_t
ngx_http_vidorigin_jit_header_filter(ngx_http_request_t *r)
{
    ngx_str_t                        value;
    ngx_uint_t                       i, status;
    ngx_list_part_t                 *part;
    ngx_table_elt_t                 *h;
    ngx_http_variable_value_t       *cc, *cdn_value;
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);

    if (vmcf == NULL || vmcf->cc_index == NGX_CONF_UNSET || r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    cc = &r->variables[vmcf->cc_index];

    if (!cc->valid) {
        return ngx_http_next_header_filter(r);
    }

    status = r->headers_out.status;

    if (status >= NGX_HTTP_INTERNAL_SERVER_ERROR) {
        /* busy or unreachable workers: nothing a CDN should keep */
        value = ngx_http_vidorigin_no_store;
        cdn_value = NULL;

    } else if (status == NGX_HTTP_OK || status == NGX_HTTP_PARTIAL_CONTENT
               || status == NGX_HTTP_NOT_MODIFIED)
    {
        value = cc->not_found ? ngx_http_vidorigin_empty
                              : (ngx_str_t) { cc->len, cc->data };
        cdn_value = &r->variables[vmcf->cdn_cc_index];

    } else {
        return ngx_http_next_header_filter(r);
    }

    /* the origin's headers, not the worker's */

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash != 0
            && ((h[i].key.len == sizeof("Cache-Control") - 1
                 && ngx_strncasecmp(h[i].key.data, (u_char *) "Cache-Control",
                                    h[i].key.len) == 0)
                || (h[i].key.len == sizeof("CDN-Cache-Control") - 1
                    && ngx_strncasecmp(h[i].key.data,
                                       (u_char *) "CDN-Cache-Control",
                                       h[i].key.len) == 0)))
        {
            h[i].hash = 0;
        }
    }

#if (nginx_version >= 1023000)
    r->headers_out.cache_control = NULL;
#else
    r->headers_out.cache_control.nelts = 0;
#endif

    if (value.len
        && ngx_http_vidorigin_add_header(r, "Cache-Control", &value)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (cdn_value && cdn_value->valid && !cdn_value->not_found
        && ngx_http_vidorigin_add_header(r, "CDN-Cache-Control",
                            &(ngx_str_t) { cdn_value->len, cdn_value->data })
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_next_header_filter(r);
}
