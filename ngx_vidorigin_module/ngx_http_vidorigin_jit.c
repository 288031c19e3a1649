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
 * whatever the upstream sent.  The same goes for objects fetched from S3
 * (ngx_http_vidorigin_s3.c): both leave a "fetch" record in an internal
 * variable (ngx_http_vidorigin_fetch.h), with the playback location's
 * configuration, the object's key and Content-Type, and the video's tag,
 * which the filter also applies.
 * Server errors (503 from a busy worker, 502/504 when none answers) get
 * "no-store" instead, so that a CDN keeps none of them and serves what it
 * has (stale-if-error) or asks again.  Whatever the status, an answer
 * fetched from S3 loses S3's own x-amz-* headers (x-amz-meta-*, the
 * lifecycle's x-amz-expiration, ...): they are the store's business, and
 * their names cannot all be listed in proxy_hide_header.
 */

#include "ngx_http_vidorigin_jit.h"
#include "ngx_http_vidorigin_direct.h"
#include "ngx_http_vidorigin_fetch.h"
#include "ngx_http_vidorigin_headers.h"


static ngx_int_t ngx_http_vidorigin_jit_header_filter(ngx_http_request_t *r);
static void ngx_http_vidorigin_jit_hide(ngx_http_request_t *r,
    ngx_uint_t cache_control, ngx_uint_t amz);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;

static ngx_str_t  ngx_http_vidorigin_no_store = ngx_string("no-store");
static ngx_str_t  ngx_http_vidorigin_empty = ngx_null_string;


ngx_int_t
ngx_http_vidorigin_jit_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_vidorigin_jit_header_filter;

    return NGX_OK;
}


ngx_int_t
ngx_http_vidorigin_jit(ngx_http_request_t *r, ngx_str_t *path,
    ngx_str_t *type, vo_str_t *id)
{
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "vidorigin: \"%V\" is not in the store yet, "
                  "asking \"%V\"", path, &vlcf->jit);

    if (ngx_http_vidorigin_fetch_stash(r, NULL, type, id) == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_named_location(r, &vlcf->jit);
}


static ngx_int_t
ngx_http_vidorigin_jit_header_filter(ngx_http_request_t *r)
{
    ngx_int_t                        rc;
    ngx_str_t                        value;
    ngx_uint_t                       status;
    ngx_http_variable_value_t       *cc, *cdn_value;
    ngx_http_vidorigin_fetch_t      *f;
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);

    if (vmcf == NULL || vmcf->cc_index == NGX_CONF_UNSET || r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    cc = &r->variables[vmcf->cc_index];

    if (!cc->valid) {
        return ngx_http_next_header_filter(r);
    }

    f = ngx_http_vidorigin_fetch_get(r);
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
        ngx_http_vidorigin_jit_hide(r, 0, f && f->key.len);
        return ngx_http_next_header_filter(r);
    }

    /* the origin's headers, not the worker's */

    ngx_http_vidorigin_jit_hide(r, 1, f && f->key.len);

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

    /* an origin-direct answer: the CDN must not keep it, whatever it is */
    rc = ngx_http_vidorigin_direct_headers(r);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc == NGX_DECLINED && cdn_value && cdn_value->valid
        && !cdn_value->not_found
        && ngx_http_vidorigin_add_header(r, "CDN-Cache-Control",
                            &(ngx_str_t) { cdn_value->len, cdn_value->data })
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (cdn_value && f != NULL) {

        /* what the store says the type is does not matter: ours does */

        if (f->type) {
            r->headers_out.content_type = *f->type;
            r->headers_out.content_type_len = f->type->len;
            r->headers_out.content_type_lowcase = NULL;
            r->headers_out.charset.len = 0;
        }

        if (f->tag.len
            && ngx_http_vidorigin_add_header(r,
                                     (char *) f->vlcf->tag_header.data,
                                     &f->tag)
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    return ngx_http_next_header_filter(r);
}


/* drops the answer's Cache-Control and CDN-Cache-Control (cache_control),
 * its x-amz-* headers (amz) */
static void
ngx_http_vidorigin_jit_hide(ngx_http_request_t *r, ngx_uint_t cache_control,
    ngx_uint_t amz)
{
    ngx_uint_t        i;
    ngx_str_t        *k;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

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

        k = &h[i].key;

        if (h[i].hash == 0) {
            continue;
        }

        if (cache_control
            && ((k->len == sizeof("Cache-Control") - 1
                 && ngx_strncasecmp(k->data, (u_char *) "Cache-Control",
                                    k->len) == 0)
                || (k->len == sizeof("CDN-Cache-Control") - 1
                    && ngx_strncasecmp(k->data, (u_char *) "CDN-Cache-Control",
                                       k->len) == 0)))
        {
            h[i].hash = 0;
        }

        if (amz && k->len > sizeof("x-amz-") - 1
            && ngx_strncasecmp(k->data, (u_char *) "x-amz-",
                               sizeof("x-amz-") - 1) == 0)
        {
            h[i].hash = 0;
        }
    }
}
