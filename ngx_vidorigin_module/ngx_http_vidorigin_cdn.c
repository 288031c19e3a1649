/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Whether a request came through the CDN.  Anybody can send the CDN's
 * viewer headers (device, country); they are believed only on a request
 * that carries the origin secret header the CDN adds (CloudFront: an
 * origin custom header; Cloudflare: a transform rule), or that came from
 * an address of the CDN: the peer nginx accepted, before the realip
 * module put the viewer's address in its place.  A module of its own in
 * the vidorigin .so.
 *
 *     vidorigin_cdn_secret HEADER VALUE;      (http)
 *     vidorigin_cdn_from CIDR | realip;       (http, repeated)
 */

#include "ngx_http_vidorigin_cdn.h"
#include "ngx_http_vidorigin_headers.h"

#include <openssl/crypto.h>


typedef struct {
    ngx_str_t           secret_header;    /* vidorigin_cdn_secret */
    ngx_str_t           secret;
    ngx_array_t        *from;             /* ngx_cidr_t */
    ngx_flag_t          from_realip;
    ngx_int_t           realip_index;     /* $realip_remote_addr, or -1 */
} ngx_http_vidorigin_cdn_conf_t;


static void *ngx_http_vidorigin_cdn_create_conf(ngx_conf_t *cf);
static char *ngx_http_vidorigin_cdn_init_conf(ngx_conf_t *cf, void *conf);
static char *ngx_http_vidorigin_cdn_secret(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_vidorigin_cdn_from(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_vidorigin_cdn_address(ngx_http_request_t *r,
    ngx_http_vidorigin_cdn_conf_t *ccf);


static ngx_command_t  ngx_http_vidorigin_cdn_commands[] = {

    { ngx_string("vidorigin_cdn_secret"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_vidorigin_cdn_secret,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_cdn_from"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_vidorigin_cdn_from,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_vidorigin_cdn_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_http_vidorigin_cdn_create_conf,    /* create main configuration */
    ngx_http_vidorigin_cdn_init_conf,      /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_vidorigin_cdn_module = {
    NGX_MODULE_V1,
    &ngx_http_vidorigin_cdn_module_ctx,    /* module context */
    ngx_http_vidorigin_cdn_commands,       /* module directives */
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


static void *
ngx_http_vidorigin_cdn_create_conf(ngx_conf_t *cf)
{
    ngx_http_vidorigin_cdn_conf_t  *ccf;

    ccf = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_cdn_conf_t));
    if (ccf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     ccf->secret_header = { 0, NULL };
     *     ccf->secret = { 0, NULL };
     *     ccf->from = NULL;
     *     ccf->from_realip = 0;
     */

    ccf->realip_index = NGX_ERROR;

    return ccf;
}


static char *
ngx_http_vidorigin_cdn_init_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_vidorigin_cdn_conf_t *ccf = conf;

    ngx_str_t                   realip = ngx_string("realip_remote_addr");
    ngx_uint_t                  i;
    ngx_hash_key_t             *key;
    ngx_http_core_main_conf_t  *cmcf;

    if (ccf->from == NULL && !ccf->from_realip) {
        return NGX_CONF_OK;
    }

    /*
     * An address of a shared CDN is every customer's: anyone with a
     * distribution of their own on it reaches the origin from those
     * ranges and would be believed.  Only the secret header tells this
     * origin's distribution apart.
     */

    if (ccf->secret_header.len == 0) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "\"vidorigin_cdn_from\" without "
                           "\"vidorigin_cdn_secret\": any distribution on "
                           "the same CDN is trusted (to skip signatures, "
                           "set device and country); add the secret header");
    }

    /* the address the CDN connected from, before realip replaced it */

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
    key = cmcf->variables_keys->keys.elts;

    for (i = 0; i < cmcf->variables_keys->keys.nelts; i++) {
        if (key[i].key.len == realip.len
            && ngx_strncmp(key[i].key.data, realip.data, realip.len) == 0)
        {
            ccf->realip_index = ngx_http_get_variable_index(cf, &realip);
            if (ccf->realip_index == NGX_ERROR) {
                return NGX_CONF_ERROR;
            }

            break;
        }
    }

    if (ccf->from_realip && ccf->realip_index == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"vidorigin_cdn_from realip\" needs nginx's "
                           "realip module");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* vidorigin_cdn_secret HEADER VALUE; the CDN adds it to every request */
static char *
ngx_http_vidorigin_cdn_secret(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_vidorigin_cdn_conf_t *ccf = conf;

    ngx_str_t  *value;

    if (ccf->secret.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0 || value[2].len < 16) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "vidorigin_cdn_secret needs a header name and a "
                           "secret of at least 16 bytes");
        return NGX_CONF_ERROR;
    }

    ccf->secret_header = value[1];
    ccf->secret = value[2];

    return NGX_CONF_OK;
}


/* vidorigin_cdn_from CIDR | realip; */
static char *
ngx_http_vidorigin_cdn_from(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_cdn_conf_t *ccf = conf;

    ngx_int_t    rc;
    ngx_str_t   *value;
    ngx_cidr_t  *cidr;

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "realip") == 0) {
        ccf->from_realip = 1;
        return NGX_CONF_OK;
    }

    if (ccf->from == NULL) {
        ccf->from = ngx_array_create(cf->pool, 4, sizeof(ngx_cidr_t));
        if (ccf->from == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    cidr = ngx_array_push(ccf->from);
    if (cidr == NULL) {
        return NGX_CONF_ERROR;
    }

    rc = ngx_ptocidr(&value[1], cidr);

    if (rc == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid address \"%V\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (rc == NGX_DONE) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "low address bits of %V are meaningless",
                           &value[1]);
    }

    return NGX_CONF_OK;
}


ngx_uint_t
ngx_http_vidorigin_cdn_configured(ngx_conf_t *cf)
{
    ngx_http_vidorigin_cdn_conf_t  *ccf;

    ccf = ngx_http_conf_get_module_main_conf(cf, ngx_http_vidorigin_cdn_module);

    return ccf->secret.len || ccf->from || ccf->from_realip;
}


ngx_int_t
ngx_http_vidorigin_cdn_trusted(ngx_http_request_t *r)
{
    ngx_table_elt_t                *h;
    ngx_http_vidorigin_cdn_conf_t  *ccf;

    ccf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_cdn_module);

    if (ccf->secret.len) {
        h = ngx_http_vidorigin_find_header(r, &ccf->secret_header);

        if (h != NULL && h->value.len == ccf->secret.len
            && CRYPTO_memcmp(h->value.data, ccf->secret.data,
                             ccf->secret.len) == 0)
        {
            return 1;
        }
    }

    if (ccf->from || ccf->from_realip) {
        return ngx_http_vidorigin_cdn_address(r, ccf);
    }

    return 0;
}


static ngx_int_t
ngx_http_vidorigin_cdn_address(ngx_http_request_t *r,
    ngx_http_vidorigin_cdn_conf_t *ccf)
{
    ngx_addr_t                  addr;
    ngx_http_variable_value_t  *vv;

    /* the peer nginx accepted, before realip put the viewer's address in
     * its place */
    addr.sockaddr = r->connection->sockaddr;
    addr.socklen = r->connection->socklen;
    vv = NULL;

    if (ccf->realip_index != NGX_ERROR) {
        vv = ngx_http_get_indexed_variable(r, ccf->realip_index);

        if (vv != NULL && !vv->not_found
            && ngx_parse_addr(r->pool, &addr, vv->data, vv->len) != NGX_OK)
        {
            return 0;
        }
    }

    /* "realip": realip replaced the address, so the peer was one of its
     * set_real_ip_from addresses, and it sent the viewer's */
    if (ccf->from_realip && vv != NULL && !vv->not_found
        && ngx_cmp_sockaddr(addr.sockaddr, addr.socklen,
                            r->connection->sockaddr, r->connection->socklen,
                            0)
           != NGX_OK)
    {
        return 1;
    }

    return ccf->from != NULL
           && ngx_cidr_match(addr.sockaddr, ccf->from) == NGX_OK;
}
