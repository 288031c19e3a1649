/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The viewer's region: $vidorigin_region, an ISO 3166 alpha-2 country code
 * in upper case, and $vidorigin_region_source, where it came from
 * ("header", "db" or "default").
 *
 * In order: the country header of a CDN (CloudFront-Viewer-Country,
 * CF-IPCountry, or those set by vidorigin_region_header), only when the
 * request proves that it came through the CDN, since anybody can send the
 * header (ngx_http_vidorigin_cdn_trusted, in ngx_http_vidorigin_cdn.c:
 * vidorigin_cdn_secret, vidorigin_cdn_from); otherwise a lookup of the
 * client address, as the realip module left it, in a MaxMind DB;
 * otherwise vidorigin_region_default.  "XX" (unknown)
 * and "T1" (Tor) from a CDN, and anything but two letters, count as no
 * header.
 *
 * A separate nginx module in the same shared object, so that its
 * configuration is its own.  The DB is opened at configuration time
 * (nginx -t refuses a missing or damaged file), belongs to the
 * configuration cycle and is closed by a cleanup of the cycle's pool, so a
 * reload opens the new file and releases the old one with the old cycle.
 * Each worker keeps its answers per address in a bounded table of the
 * configuration, which therefore starts empty with every reload.
 */

#include "ngx_http_vidorigin_region.h"
#include "ngx_http_vidorigin_cdn.h"

#include <maxminddb.h>


#define NGX_HTTP_VIDORIGIN_REGION_SLOTS  4096      /* a power of 2 */


/* one remembered lookup; len 0: free */
typedef struct {
    u_char              addr[16];
    u_char              len;              /* 4 or 16 */
    u_char              found;            /* the DB had a country */
    u_char              region[2];
} ngx_http_vidorigin_region_slot_t;


typedef struct {
    MMDB_s             *mmdb;             /* NULL without a DB */
    ngx_str_t           db;               /* its full path */
    ngx_http_vidorigin_region_slot_t  *slots;

    ngx_str_t           deflt;            /* vidorigin_region_default */
    ngx_array_t        *headers;          /* of ngx_str_t, in order */
} ngx_http_vidorigin_region_main_conf_t;


typedef struct {
    u_char              region[2];
    ngx_str_t          *source;
} ngx_http_vidorigin_region_ctx_t;


static ngx_int_t ngx_http_vidorigin_region_add_variables(ngx_conf_t *cf);
static void *ngx_http_vidorigin_region_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_vidorigin_region_init_main_conf(ngx_conf_t *cf,
    void *conf);
static char *ngx_http_vidorigin_geoip_db(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_vidorigin_region_default(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_vidorigin_region_header(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_vidorigin_region_check_tree(ngx_conf_t *cf,
    MMDB_s *mmdb);
static void ngx_http_vidorigin_region_close(void *data);
static ngx_int_t ngx_http_vidorigin_region_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_http_vidorigin_region_ctx_t *ngx_http_vidorigin_region_find(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_vidorigin_region_from_header(ngx_http_request_t *r,
    ngx_http_vidorigin_region_main_conf_t *rmcf, u_char *region);
static ngx_int_t ngx_http_vidorigin_region_from_db(ngx_http_request_t *r,
    ngx_http_vidorigin_region_main_conf_t *rmcf, u_char *region);
static ngx_int_t ngx_http_vidorigin_region_lookup(ngx_http_request_t *r,
    ngx_http_vidorigin_region_main_conf_t *rmcf, u_char *region);
static ngx_int_t ngx_http_vidorigin_region_code(u_char *p, size_t len,
    u_char *region);


static ngx_command_t  ngx_http_vidorigin_region_commands[] = {

    { ngx_string("vidorigin_geoip_db"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_vidorigin_geoip_db,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_region_default"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_vidorigin_region_default,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_region_header"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_vidorigin_region_header,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_vidorigin_region_module_ctx = {
    ngx_http_vidorigin_region_add_variables, /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_http_vidorigin_region_create_main_conf, /* create main configuration */
    ngx_http_vidorigin_region_init_main_conf,   /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    NULL,                                  /* create location configuration */
    NULL                                   /* merge location configuration */
};


ngx_module_t  ngx_http_vidorigin_region_module = {
    NGX_MODULE_V1,
    &ngx_http_vidorigin_region_module_ctx, /* module context */
    ngx_http_vidorigin_region_commands,    /* module directives */
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


static ngx_str_t  ngx_http_vidorigin_region_var =
    ngx_string("vidorigin_region");
static ngx_str_t  ngx_http_vidorigin_region_source_var =
    ngx_string("vidorigin_region_source");

static ngx_str_t  ngx_http_vidorigin_region_header_src = ngx_string("header");
static ngx_str_t  ngx_http_vidorigin_region_db_src = ngx_string("db");
static ngx_str_t  ngx_http_vidorigin_region_default_src =
    ngx_string("default");


static ngx_int_t
ngx_http_vidorigin_region_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &ngx_http_vidorigin_region_var, 0);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_vidorigin_region_variable;
    var->data = 0;

    var = ngx_http_add_variable(cf, &ngx_http_vidorigin_region_source_var, 0);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_vidorigin_region_variable;
    var->data = 1;

    return NGX_OK;
}


static void *
ngx_http_vidorigin_region_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_vidorigin_region_main_conf_t  *rmcf;

    rmcf = ngx_pcalloc(cf->pool,
                       sizeof(ngx_http_vidorigin_region_main_conf_t));
    if (rmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     rmcf->mmdb = NULL;
     *     rmcf->db = { 0, NULL };
     *     rmcf->slots = NULL;
     *     rmcf->deflt = { 0, NULL };
     */

    rmcf->headers = NGX_CONF_UNSET_PTR;

    return rmcf;
}


static char *
ngx_http_vidorigin_region_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_vidorigin_region_main_conf_t *rmcf = conf;

    ngx_str_t  *h;

    if (rmcf->deflt.data == NULL) {
        ngx_str_set(&rmcf->deflt, "ZZ");
    }

    if (rmcf->headers == NGX_CONF_UNSET_PTR) {
        rmcf->headers = ngx_array_create(cf->pool, 2, sizeof(ngx_str_t));
        if (rmcf->headers == NULL) {
            return NGX_CONF_ERROR;
        }

        h = ngx_array_push_n(rmcf->headers, 2);
        if (h == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_str_set(&h[0], "CloudFront-Viewer-Country");
        ngx_str_set(&h[1], "CF-IPCountry");
    }

    return NGX_CONF_OK;
}


/* vidorigin_geoip_db PATH; */
static char *
ngx_http_vidorigin_geoip_db(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_region_main_conf_t *rmcf = conf;

    int                  rc;
    ngx_err_t            err;
    ngx_str_t           *value;
    ngx_pool_cleanup_t  *cln;

    if (rmcf->mmdb != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    rmcf->db = value[1];

    /* relative to the configuration's directory, like ssl_certificate */

    if (ngx_conf_full_name(cf->cycle, &rmcf->db, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, sizeof(MMDB_s));
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_set_errno(0);
    rc = MMDB_open((char *) rmcf->db.data, MMDB_MODE_MMAP, cln->data);
    err = ngx_errno;

    if (rc != MMDB_SUCCESS) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf,
                           rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR
                           ? err : 0,
                           "vidorigin_geoip_db \"%V\" cannot be used: %s",
                           &rmcf->db, MMDB_strerror(rc));
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_vidorigin_region_close;

    if (ngx_http_vidorigin_region_check_tree(cf, cln->data) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    rmcf->slots = ngx_pcalloc(cf->pool,
                              NGX_HTTP_VIDORIGIN_REGION_SLOTS
                              * sizeof(ngx_http_vidorigin_region_slot_t));
    if (rmcf->slots == NULL) {
        return NGX_CONF_ERROR;
    }

    rmcf->mmdb = cln->data;

    return NGX_CONF_OK;
}


/*
 * MMDB_open checks the metadata and the sizes; a damaged search tree
 * would only show at lookups, one address at a time.  Every record of
 * every node must be another node, empty, or inside the data section:
 * one pass over the tree at configuration time (milliseconds for a
 * country DB) says so.
 */
static ngx_int_t
ngx_http_vidorigin_region_check_tree(ngx_conf_t *cf, MMDB_s *mmdb)
{
    int                  rc;
    uint32_t             n;
    MMDB_search_node_s   node;

    for (n = 0; n < mmdb->metadata.node_count; n++) {

        rc = MMDB_read_node(mmdb, n, &node);

        if (rc != MMDB_SUCCESS
            || node.left_record_type == MMDB_RECORD_TYPE_INVALID
            || node.right_record_type == MMDB_RECORD_TYPE_INVALID)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "vidorigin_geoip_db \"%s\" cannot be used: "
                               "its search tree is damaged at node %uD",
                               mmdb->filename, n);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static void
ngx_http_vidorigin_region_close(void *data)
{
    MMDB_close(data);
}


/* vidorigin_region_default CC; */
static char *
ngx_http_vidorigin_region_default(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_vidorigin_region_main_conf_t *rmcf = conf;

    u_char      *p;
    ngx_str_t   *value;

    if (rmcf->deflt.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    p = ngx_pnalloc(cf->pool, 2);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_vidorigin_region_code(value[1].data, value[1].len, p)
        != NGX_OK)
    {
        return "takes a country code of two letters, such as \"ZZ\"";
    }

    rmcf->deflt.data = p;
    rmcf->deflt.len = 2;

    return NGX_CONF_OK;
}


/* vidorigin_region_header NAME; (repeated: tried in order) */
static char *
ngx_http_vidorigin_region_header(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_vidorigin_region_main_conf_t *rmcf = conf;

    u_char      *p;
    ngx_str_t   *value, *h;

    value = cf->args->elts;

    for (p = value[1].data; p < value[1].data + value[1].len; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
        {
            return "takes a header name of letters, digits, \"-\" and \"_\"";
        }
    }

    if (rmcf->headers == NGX_CONF_UNSET_PTR) {
        rmcf->headers = ngx_array_create(cf->pool, 2, sizeof(ngx_str_t));
        if (rmcf->headers == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    h = ngx_array_push(rmcf->headers);
    if (h == NULL) {
        return NGX_CONF_ERROR;
    }

    *h = value[1];

    return NGX_CONF_OK;
}


/*
 * The region of this request, found once (kept in the module's context):
 * region 2 letters, source one of the three names.  NULL when out of
 * memory.
 */
static ngx_http_vidorigin_region_ctx_t *
ngx_http_vidorigin_region_find(ngx_http_request_t *r)
{
    ngx_http_vidorigin_region_ctx_t        *ctx;
    ngx_http_vidorigin_region_main_conf_t  *rmcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_vidorigin_region_module);
    if (ctx != NULL) {
        return ctx;
    }

    ctx = ngx_palloc(r->pool, sizeof(ngx_http_vidorigin_region_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    rmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_region_module);

    if (ngx_http_vidorigin_region_from_header(r, rmcf, ctx->region)
        == NGX_OK)
    {
        ctx->source = &ngx_http_vidorigin_region_header_src;

    } else if (ngx_http_vidorigin_region_from_db(r, rmcf, ctx->region)
               == NGX_OK)
    {
        ctx->source = &ngx_http_vidorigin_region_db_src;

    } else {
        ngx_memcpy(ctx->region, rmcf->deflt.data, 2);
        ctx->source = &ngx_http_vidorigin_region_default_src;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_vidorigin_region_module);

    return ctx;
}


ngx_int_t
ngx_http_vidorigin_region(ngx_http_request_t *r, ngx_str_t *region)
{
    ngx_http_vidorigin_region_ctx_t  *ctx;

    ctx = ngx_http_vidorigin_region_find(r);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    region->data = ctx->region;
    region->len = 2;

    return NGX_OK;
}


static ngx_int_t
ngx_http_vidorigin_region_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_vidorigin_region_ctx_t  *ctx;

    ctx = ngx_http_vidorigin_region_find(r);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    if (data == 0) {
        v->data = ctx->region;
        v->len = 2;

    } else {
        v->data = ctx->source->data;
        v->len = ctx->source->len;
    }

    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * The first configured header present with a usable code, if the request
 * came through the CDN: NGX_OK, or NGX_DECLINED.
 */
static ngx_int_t
ngx_http_vidorigin_region_from_header(ngx_http_request_t *r,
    ngx_http_vidorigin_region_main_conf_t *rmcf, u_char *region)
{
    u_char            code[2];
    ngx_str_t        *names;
    ngx_uint_t        i, n, best;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    names = rmcf->headers->elts;
    best = rmcf->headers->nelts;

    part = &r->headers_in.headers.part;
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

        for (n = 0; n < best; n++) {
            if (h[i].key.len == names[n].len
                && ngx_strncasecmp(h[i].key.data, names[n].data,
                                   names[n].len)
                   == 0)
            {
                break;
            }
        }

        if (n == best
            || ngx_http_vidorigin_region_code(h[i].value.data,
                                              h[i].value.len, code)
               != NGX_OK)
        {
            continue;
        }

        /* what the CDN does not know is no answer */

        if (code[0] == 'X' && code[1] == 'X') {
            continue;
        }

        best = n;
        region[0] = code[0];
        region[1] = code[1];
    }

    if (best == rmcf->headers->nelts) {
        return NGX_DECLINED;
    }

    if (ngx_http_vidorigin_cdn_trusted(r) != 1) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "vidorigin: \"%V\" not from the CDN, ignored",
                       &names[best]);
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* the DB's country of the client address: NGX_OK, or NGX_DECLINED */
static ngx_int_t
ngx_http_vidorigin_region_from_db(ngx_http_request_t *r,
    ngx_http_vidorigin_region_main_conf_t *rmcf, u_char *region)
{
    u_char                             *addr;
    size_t                              len;
    uint32_t                            hash;
    ngx_int_t                           rc;
    struct sockaddr                    *sa;
    ngx_http_vidorigin_region_slot_t   *slot;

    if (rmcf->mmdb == NULL) {
        return NGX_DECLINED;
    }

    sa = r->connection->sockaddr;

    switch (sa->sa_family) {

    case AF_INET:
        addr = (u_char *) &((struct sockaddr_in *) sa)->sin_addr;
        len = 4;
        break;

#if (NGX_HAVE_INET6)
    case AF_INET6:
        addr = (u_char *) &((struct sockaddr_in6 *) sa)->sin6_addr;
        len = 16;
        break;
#endif

    default:  /* a unix socket: no address to look up */
        return NGX_DECLINED;
    }

    hash = ngx_murmur_hash2(addr, len);
    slot = &rmcf->slots[hash & (NGX_HTTP_VIDORIGIN_REGION_SLOTS - 1)];

    if (slot->len == len && ngx_memcmp(slot->addr, addr, len) == 0) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "vidorigin region: %V from the cache",
                       &r->connection->addr_text);

        if (!slot->found) {
            return NGX_DECLINED;
        }

        region[0] = slot->region[0];
        region[1] = slot->region[1];
        return NGX_OK;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "vidorigin region: %V looked up",
                   &r->connection->addr_text);

    rc = ngx_http_vidorigin_region_lookup(r, rmcf, region);

    /* a failed lookup is not kept: it is logged, and tried again */

    if (rc != NGX_ERROR) {
        ngx_memcpy(slot->addr, addr, len);
        slot->len = (u_char) len;
        slot->found = (rc == NGX_OK);
        slot->region[0] = region[0];
        slot->region[1] = region[1];
    }

    return rc == NGX_OK ? NGX_OK : NGX_DECLINED;
}


/*
 * country.iso_code of the client address, or registered_country.iso_code
 * when the record has no country (satellite and some anycast networks):
 * NGX_OK, NGX_DECLINED when the DB does not know, NGX_ERROR (logged) when
 * the DB could not answer.
 */
static ngx_int_t
ngx_http_vidorigin_region_lookup(ngx_http_request_t *r,
    ngx_http_vidorigin_region_main_conf_t *rmcf, u_char *region)
{
    int                    mmdb_err;
    MMDB_entry_data_s      data;
    MMDB_lookup_result_s   res;

    res = MMDB_lookup_sockaddr(rmcf->mmdb, r->connection->sockaddr,
                               &mmdb_err);

    if (mmdb_err == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR) {
        return NGX_DECLINED;
    }

    if (mmdb_err != MMDB_SUCCESS) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "vidorigin: lookup of %V in \"%V\" failed: %s",
                      &r->connection->addr_text, &rmcf->db,
                      MMDB_strerror(mmdb_err));
        return NGX_ERROR;
    }

    if (!res.found_entry) {
        return NGX_DECLINED;
    }

    mmdb_err = MMDB_get_value(&res.entry, &data, "country", "iso_code", NULL);

    if ((mmdb_err == MMDB_SUCCESS && !data.has_data)
        || mmdb_err == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
    {
        mmdb_err = MMDB_get_value(&res.entry, &data, "registered_country",
                                  "iso_code", NULL);
    }

    if (mmdb_err != MMDB_SUCCESS
        && mmdb_err != MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
    {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "vidorigin: record of %V in \"%V\" unreadable: %s",
                      &r->connection->addr_text, &rmcf->db,
                      MMDB_strerror(mmdb_err));
        return NGX_ERROR;
    }

    if (mmdb_err != MMDB_SUCCESS
        || !data.has_data
        || data.type != MMDB_DATA_TYPE_UTF8_STRING
        || ngx_http_vidorigin_region_code((u_char *) data.utf8_string,
                                          data.data_size, region)
           != NGX_OK
        || (region[0] == 'X' && region[1] == 'X'))
    {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * A country code: two ASCII letters, upper-cased into region (NGX_OK);
 * anything else (so "T1", Tor, too) is NGX_DECLINED.
 */
static ngx_int_t
ngx_http_vidorigin_region_code(u_char *p, size_t len, u_char *region)
{
    ngx_uint_t  i;
    u_char      c;

    if (len != 2) {
        return NGX_DECLINED;
    }

    for (i = 0; i < 2; i++) {
        c = (u_char) (p[i] & ~0x20);

        if (c < 'A' || c > 'Z') {
            return NGX_DECLINED;
        }

        region[i] = c;
    }

    return NGX_OK;
}
