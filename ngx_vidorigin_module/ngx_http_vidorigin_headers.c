/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Header and log helpers (ngx_http_vidorigin_headers.h).
 */

#include "ngx_http_vidorigin_headers.h"


/* what a log line may carry as it is (ngx_http_vidorigin_log_text) */
#define ngx_http_vidorigin_log_plain(c)                                       \
    ((c) >= 0x20 && (c) < 0x7f && (c) != '"' && (c) != '\\')


ngx_int_t
ngx_http_vidorigin_add_header(ngx_http_request_t *r, const char *name,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.len = ngx_strlen(name);
    h->key.data = (u_char *) name;
    h->value = *value;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


ngx_table_elt_t *
ngx_http_vidorigin_find_header(ngx_http_request_t *r, ngx_str_t *name)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == name->len
            && ngx_strncasecmp(h[i].key.data, name->data, name->len) == 0)
        {
            return &h[i];
        }
    }
}


ngx_str_t *
ngx_http_vidorigin_log_text(ngx_http_request_t *r, ngx_str_t *in)
{
    u_char     *p, *q, *end;
    size_t      n;
    ngx_str_t  *out;

    static u_char     hex[] = "0123456789abcdef";
    static ngx_str_t  unprintable = ngx_string("(unprintable)");

    end = in->data + in->len;
    n = 0;

    for (p = in->data; p < end; p++) {
        if (!ngx_http_vidorigin_log_plain(*p)) {
            n++;
        }
    }

    if (n == 0) {
        return in;
    }

    out = ngx_palloc(r->pool, sizeof(ngx_str_t));
    if (out == NULL) {
        return &unprintable;
    }

    out->data = ngx_pnalloc(r->pool, in->len + 3 * n);
    if (out->data == NULL) {
        return &unprintable;
    }

    for (p = in->data, q = out->data; p < end; p++) {
        if (ngx_http_vidorigin_log_plain(*p)) {
            *q++ = *p;
            continue;
        }

        *q++ = '\\';
        *q++ = 'x';
        *q++ = hex[*p >> 4];
        *q++ = hex[*p & 0xf];
    }

    out->len = q - out->data;

    return out;
}
