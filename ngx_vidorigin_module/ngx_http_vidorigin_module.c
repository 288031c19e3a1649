/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vidorigin playback handler: HLS and DASH manifests generated from the
 * media description by the vo_ core, init and media segments sent from the
 * store exactly as the static module sends files (open_file_cache,
 * sendfile, ranges, conditional requests), each class of answer with its
 * own Cache-Control.
 */

#include "ngx_http_vidorigin_module.h"
#include "vo_path.h"
#include "vo_manifest.h"


#define NGX_HTTP_VIDORIGIN_ZONE_SIZE   (16 * 1024 * 1024)


static ngx_int_t ngx_http_vidorigin_handler(ngx_http_request_t *r);
static ngx_uint_t ngx_http_vidorigin_canonical(ngx_http_request_t *r);
static ngx_int_t ngx_http_vidorigin_make_manifest(ngx_http_request_t *r,
    vo_request_t *req, ngx_http_vidorigin_media_t *vm,
    ngx_http_vidorigin_manifest_t *m);
static ngx_int_t ngx_http_vidorigin_send_manifest(ngx_http_request_t *r,
    ngx_http_vidorigin_manifest_t *m);
static ngx_int_t ngx_http_vidorigin_send_object(ngx_http_request_t *r,
    vo_request_t *req, ngx_http_vidorigin_media_t *vm);
static ngx_int_t ngx_http_vidorigin_fail(ngx_http_request_t *r,
    vo_status_t rc, const char *err);
static ngx_int_t ngx_http_vidorigin_set_cache_control(ngx_http_request_t *r,
    ngx_str_t *value, ngx_uint_t success);
static ngx_int_t ngx_http_vidorigin_add_header(ngx_http_request_t *r,
    const char *name, ngx_str_t *value);
static void *ngx_http_vidorigin_palloc(void *pool, size_t size);

static ngx_int_t ngx_http_vidorigin_init_process(ngx_cycle_t *cycle);
static void ngx_http_vidorigin_exit_process(ngx_cycle_t *cycle);
static void *ngx_http_vidorigin_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_vidorigin_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_vidorigin_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_vidorigin_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_vidorigin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_vidorigin_store(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_vidorigin_media_cache(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_vidorigin_cc_join(ngx_conf_t *cf, ngx_str_t *cc,
    time_t stale_if_error, ngx_str_t *out);


static ngx_command_t  ngx_http_vidorigin_commands[] = {

    { ngx_string("vidorigin"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_vidorigin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_store"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_vidorigin_store,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, store),
      NULL },

    { ngx_string("vidorigin_media_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_vidorigin_media_cache,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("vidorigin_segment_cache_control"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, segment_cc),
      NULL },

    { ngx_string("vidorigin_manifest_cache_control"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, manifest_cc),
      NULL },

    { ngx_string("vidorigin_error_cache_control"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, error_cc),
      NULL },

    { ngx_string("vidorigin_cdn_cache_control"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, cdn_cc),
      NULL },

    { ngx_string("vidorigin_stale_if_error"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_vidorigin_loc_conf_t, stale_if_error),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_vidorigin_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_http_vidorigin_create_main_conf,   /* create main configuration */
    ngx_http_vidorigin_init_main_conf,     /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_vidorigin_create_loc_conf,    /* create location configuration */
    ngx_http_vidorigin_merge_loc_conf      /* merge location configuration */
};


ngx_module_t  ngx_http_vidorigin_module = {
    NGX_MODULE_V1,
    &ngx_http_vidorigin_module_ctx,        /* module context */
    ngx_http_vidorigin_commands,           /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_vidorigin_init_process,       /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_vidorigin_exit_process,       /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/* one table from core status to HTTP status */
static ngx_uint_t  ngx_http_vidorigin_statuses[] = {
    NGX_HTTP_OK,                           /* VO_OK */
    NGX_HTTP_INTERNAL_SERVER_ERROR,        /* VO_ERROR */
    NGX_HTTP_BAD_REQUEST,                  /* VO_BAD_REQUEST */
    NGX_HTTP_NOT_FOUND,                    /* VO_NOT_FOUND */
    NGX_HTTP_INTERNAL_SERVER_ERROR,        /* VO_BAD_DATA */
    NGX_HTTP_NOT_FOUND                     /* VO_RANGE */
};


static ngx_str_t  ngx_http_vidorigin_m3u8_type =
    ngx_string("application/vnd.apple.mpegurl");
static ngx_str_t  ngx_http_vidorigin_mpd_type =
    ngx_string("application/dash+xml");
static ngx_str_t  ngx_http_vidorigin_mp4_type = ngx_string("video/mp4");
static ngx_str_t  ngx_http_vidorigin_m4a_type = ngx_string("audio/mp4");
static ngx_str_t  ngx_http_vidorigin_m4s_type =
    ngx_string("video/iso.segment");
static ngx_str_t  ngx_http_vidorigin_ts_type = ngx_string("video/mp2t");


static ngx_int_t
ngx_http_vidorigin_handler(ngx_http_request_t *r)
{
    u_char                         *p;
    size_t                          len;
    ngx_int_t                       rc;
    const char                     *err;
    vo_status_t                     vrc;
    ngx_str_t                       key;
    vo_request_t                    req;
    ngx_http_vidorigin_media_t     *vm;
    ngx_http_vidorigin_manifest_t   m;
    ngx_http_vidorigin_loc_conf_t  *vlcf;
    ngx_http_vidorigin_main_conf_t *vmcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    /*
     * Playback URLs need no escaping, dot segments or empty components:
     * a client path that nginx had to decode or normalize is refused, so
     * that one object never has several URLs (and CDN cache keys).
     */

    if (!r->internal && !ngx_http_vidorigin_canonical(r)) {
        return ngx_http_vidorigin_fail(r, VO_BAD_REQUEST,
                                       "non-canonical path");
    }

    /* the path below the location prefix, e.g. "demo/720p/3.m4s" */

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    if (r->uri.len < vlcf->prefix.len
        || ngx_strncmp(r->uri.data, vlcf->prefix.data, vlcf->prefix.len) != 0)
    {
        return ngx_http_vidorigin_fail(r, VO_NOT_FOUND,
                                       "outside the location prefix");
    }

    p = r->uri.data + vlcf->prefix.len;
    len = r->uri.len - vlcf->prefix.len;

    if (len && *p == '/'
        && (vlcf->prefix.len == 0
            || vlcf->prefix.data[vlcf->prefix.len - 1] != '/'))
    {
        p++;
        len--;
    }

    err = "";
    vrc = vo_path_parse(p, len, &req, &err);

    if (vrc != VO_OK) {
        return ngx_http_vidorigin_fail(r, vrc, err);
    }

    if (vo_req_is_manifest(req.kind)) {
        key.data = p;
        key.len = len;

        rc = ngx_http_vidorigin_mc_get(r, &key, &m);

        if (rc == NGX_OK) {
            return ngx_http_vidorigin_send_manifest(r, &m);
        }

        if (rc == NGX_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    vm = ngx_palloc(r->pool, sizeof(ngx_http_vidorigin_media_t));
    if (vm == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_vidorigin_media_get(r, &req.id, vm);

    if (rc == NGX_DECLINED) {
        return ngx_http_vidorigin_fail(r, VO_NOT_FOUND, "video not ready");
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    vrc = vo_request_check(&req, &vm->media, &err);

    if (vrc != VO_OK) {
        return ngx_http_vidorigin_fail(r, vrc, err);
    }

    if (!vo_req_is_manifest(req.kind)) {
        return ngx_http_vidorigin_send_object(r, &req, vm);
    }

    rc = ngx_http_vidorigin_make_manifest(r, &req, vm, &m);

    if (rc != NGX_OK) {
        return rc;
    }

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
    ngx_http_vidorigin_mc_put(r, &key, &m, vm->checked + vmcf->media_valid);

    return ngx_http_vidorigin_send_manifest(r, &m);
}


/* the path as the client sent it is the one nginx routed on */
static ngx_uint_t
ngx_http_vidorigin_canonical(ngx_http_request_t *r)
{
    u_char  *q;
    size_t   len;

    len = r->unparsed_uri.len;
    q = ngx_strlchr(r->unparsed_uri.data, r->unparsed_uri.data + len, '?');

    if (q != NULL) {
        len = q - r->unparsed_uri.data;
    }

    return len == r->uri.len
           && ngx_strncmp(r->unparsed_uri.data, r->uri.data, len) == 0;
}


static ngx_int_t
ngx_http_vidorigin_make_manifest(ngx_http_request_t *r, vo_request_t *req,
    ngx_http_vidorigin_media_t *vm, ngx_http_vidorigin_manifest_t *m)
{
    vo_buf_t         vb;
    vo_alloc_t       alloc;
    vo_status_t      vrc;
    vo_selection_t   sel;

    alloc.alloc = ngx_http_vidorigin_palloc;
    alloc.data = r->pool;

    if (vo_buf_init(&vb, &alloc, 4096) != VO_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    vo_selection_all(&vm->media, &sel);
    m->type = &ngx_http_vidorigin_m3u8_type;

    switch (req->kind) {

    case VO_REQ_HLS_MASTER:
        vrc = vo_hls_master(&vm->media, &sel, VO_FORMAT_FMP4, &vb);
        break;

    case VO_REQ_HLS_MASTER_TS:
        vrc = vo_hls_master(&vm->media, &sel, VO_FORMAT_TS, &vb);
        break;

    case VO_REQ_HLS_MEDIA:
        vrc = vo_hls_media(&vm->media, &req->rendition, VO_FORMAT_FMP4, &vb);
        break;

    case VO_REQ_HLS_MEDIA_TS:
        vrc = vo_hls_media(&vm->media, &req->rendition, VO_FORMAT_TS, &vb);
        break;

    default: /* VO_REQ_DASH_MPD */
        vrc = vo_dash_mpd(&vm->media, &sel, &vb);
        m->type = &ngx_http_vidorigin_mpd_type;
        break;
    }

    if (vrc == VO_OK && vo_buf_failed(&vb)) {
        vrc = VO_ERROR;
    }

    if (vrc != VO_OK) {
        return ngx_http_vidorigin_fail(r, vrc, "manifest not generated");
    }

    m->body.data = vb.start;
    m->body.len = vo_buf_len(&vb);
    m->mtime = vm->mtime;

    /* a strong validator from the bytes themselves */
    m->crc = ngx_crc32_long(m->body.data, m->body.len);

    return NGX_OK;
}


static ngx_int_t
ngx_http_vidorigin_send_manifest(ngx_http_request_t *r,
    ngx_http_vidorigin_manifest_t *m)
{
    u_char                         *etag;
    ngx_int_t                       rc;
    ngx_buf_t                      *b;
    ngx_chain_t                     out;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    etag = ngx_pnalloc(r->pool, sizeof("\"m-ffffffff-\"") + NGX_SIZE_T_LEN);
    if (etag == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.etag = ngx_list_push(&r->headers_out.headers);
    if (r->headers_out.etag == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.etag->hash = 1;
    ngx_str_set(&r->headers_out.etag->key, "ETag");
    r->headers_out.etag->value.data = etag;
    r->headers_out.etag->value.len =
        ngx_sprintf(etag, "\"m-%08xD-%xz\"", m->crc, m->body.len) - etag;
#if (nginx_version >= 1023000)
    r->headers_out.etag->next = NULL;
#endif

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = m->body.len;
    r->headers_out.last_modified_time = m->mtime;
    r->headers_out.content_type = *m->type;
    r->headers_out.content_type_len = m->type->len;
    r->headers_out.content_type_lowcase = NULL;

    if (ngx_http_vidorigin_set_cache_control(r, &vlcf->manifest_cc_sent, 1)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->allow_ranges = 1;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b->pos = m->body.data;
    b->last = m->body.data + m->body.len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static ngx_int_t
ngx_http_vidorigin_send_object(ngx_http_request_t *r, vo_request_t *req,
    ngx_http_vidorigin_media_t *vm)
{
    u_char                         *p;
    char                            key[VO_ID_MAX + VO_NAME_MAX + 32];
    size_t                          len;
    ngx_int_t                       rc;
    ngx_buf_t                      *b;
    ngx_str_t                       path, *type;
    ngx_uint_t                      audio;
    ngx_chain_t                     out;
    ngx_open_file_info_t            of;
    ngx_http_core_loc_conf_t       *clcf;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    len = vo_request_key(req, key, sizeof(key));
    if (len == 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    path.len = vlcf->store.len + 1 + len;
    path.data = ngx_pnalloc(r->pool, path.len + 1);
    if (path.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(path.data, vlcf->store.data, vlcf->store.len);
    *p++ = '/';
    ngx_memcpy(p, key, len + 1);

    ngx_memzero(&of, sizeof(ngx_open_file_info_t));

    of.read_ahead = clcf->read_ahead;
    of.directio = clcf->directio;
    of.valid = clcf->open_file_cache_valid;
    of.min_uses = clcf->open_file_cache_min_uses;
    of.errors = clcf->open_file_cache_errors;
    of.events = clcf->open_file_cache_events;

    if (ngx_http_set_disable_symlinks(r, clcf, &path, &of) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_open_cached_file(clcf->open_file_cache, &path, &of, r->pool)
        != NGX_OK)
    {
        if (of.err == NGX_ENOENT || of.err == NGX_ENOTDIR) {
            /* the description lists it, the store lacks it */
            ngx_log_error(NGX_LOG_ERR, r->connection->log, of.err,
                          "vidorigin: \"%V\" is missing from the store",
                          &path);
            return ngx_http_vidorigin_fail(r, VO_NOT_FOUND, NULL);
        }

        ngx_log_error(NGX_LOG_CRIT, r->connection->log, of.err,
                      "%s \"%V\" failed", of.failed, &path);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (!of.is_file) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "vidorigin: \"%V\" is not a regular file", &path);
        return ngx_http_vidorigin_fail(r, VO_NOT_FOUND, NULL);
    }

    audio = (vo_media_audio(&vm->media, &req->rendition) != NULL);

    switch (req->kind) {

    case VO_REQ_INIT:
        type = audio ? &ngx_http_vidorigin_m4a_type
                     : &ngx_http_vidorigin_mp4_type;
        break;

    case VO_REQ_SEGMENT_TS:
        type = &ngx_http_vidorigin_ts_type;
        break;

    default: /* VO_REQ_SEGMENT */
        type = &ngx_http_vidorigin_m4s_type;
        break;
    }

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = of.size;
    r->headers_out.last_modified_time = of.mtime;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;
    r->headers_out.content_type_lowcase = NULL;

    if (ngx_http_set_etag(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_vidorigin_set_cache_control(r, &vlcf->segment_cc_sent, 1)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->allow_ranges = 1;

    /* allocate everything before the header is sent */

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->file = ngx_pcalloc(r->pool, sizeof(ngx_file_t));
    if (b->file == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b->file_pos = 0;
    b->file_last = of.size;
    b->in_file = b->file_last ? 1 : 0;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    b->file->fd = of.fd;
    b->file->name = path;
    b->file->log = r->connection->log;
    b->file->directio = of.is_directio;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * A failed playback request: what the client did wrong is logged at info
 * level with the reason (once, here); 4xx answers carry the short
 * negative-caching Cache-Control.
 */
static ngx_int_t
ngx_http_vidorigin_fail(ngx_http_request_t *r, vo_status_t rc,
    const char *err)
{
    ngx_uint_t                      status, level;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    if (rc > VO_OK || rc < VO_RANGE) {
        rc = VO_ERROR;
    }

    status = ngx_http_vidorigin_statuses[-rc];

    if (err != NULL) {
        level = (status >= NGX_HTTP_INTERNAL_SERVER_ERROR) ? NGX_LOG_ERR
                                                           : NGX_LOG_INFO;
        ngx_log_error(level, r->connection->log, 0,
                      "vidorigin: \"%V\": %s", &r->uri, err);
    }

    if (status < NGX_HTTP_INTERNAL_SERVER_ERROR) {
        vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

        if (ngx_http_vidorigin_set_cache_control(r, &vlcf->error_cc, 0)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return status;
}


static ngx_int_t
ngx_http_vidorigin_set_cache_control(ngx_http_request_t *r, ngx_str_t *value,
    ngx_uint_t success)
{
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    if (value->len
        && ngx_http_vidorigin_add_header(r, "Cache-Control", value) != NGX_OK)
    {
        return NGX_ERROR;
    }

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    if (success && vlcf->cdn_cc.len) {
        return ngx_http_vidorigin_add_header(r, "CDN-Cache-Control",
                                             &vlcf->cdn_cc);
    }

    return NGX_OK;
}


static ngx_int_t
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


static void *
ngx_http_vidorigin_palloc(void *pool, size_t size)
{
    return ngx_palloc(pool, size);
}


static ngx_int_t
ngx_http_vidorigin_init_process(ngx_cycle_t *cycle)
{
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_vidorigin_module);
    if (vmcf == NULL) {
        return NGX_OK;
    }

    return ngx_http_vidorigin_mc_init(cycle, vmcf);
}


static void
ngx_http_vidorigin_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_vidorigin_module);
    if (vmcf != NULL) {
        ngx_http_vidorigin_mc_free(vmcf);
    }
}


static void *
ngx_http_vidorigin_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_main_conf_t));
    if (vmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     vmcf->media_zone = NULL;
     *     vmcf->mc = NULL;
     */

    vmcf->media_valid = NGX_CONF_UNSET;

    return vmcf;
}


static char *
ngx_http_vidorigin_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_vidorigin_main_conf_t *vmcf = conf;

    ngx_str_t  name = ngx_string("vidorigin_media");

    ngx_conf_init_value(vmcf->media_valid, 5);

    if (vmcf->media_zone == NULL) {
        vmcf->media_zone = ngx_http_vidorigin_media_zone(cf, &name,
                                                NGX_HTTP_VIDORIGIN_ZONE_SIZE);
        if (vmcf->media_zone == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_vidorigin_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_loc_conf_t));
    if (vlcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     vlcf->prefix = { 0, NULL };
     *     vlcf->store = { 0, NULL };
     *     vlcf->segment_cc = { 0, NULL };
     *     vlcf->manifest_cc = { 0, NULL };
     *     vlcf->error_cc = { 0, NULL };
     *     vlcf->cdn_cc = { 0, NULL };
     *     vlcf->segment_cc_sent = { 0, NULL };
     *     vlcf->manifest_cc_sent = { 0, NULL };
     */

    vlcf->enable = NGX_CONF_UNSET;
    vlcf->stale_if_error = NGX_CONF_UNSET;

    return vlcf;
}


static char *
ngx_http_vidorigin_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_vidorigin_loc_conf_t *prev = parent;
    ngx_http_vidorigin_loc_conf_t *conf = child;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);

    /*
     * a location nested in a vidorigin location serves the same URL space
     * (with other settings): URLs stay relative to the outer prefix
     */

    if (prev->prefix.len) {
        conf->prefix = prev->prefix;
    }
    ngx_conf_merge_str_value(conf->store, prev->store, "");

    ngx_conf_merge_str_value(conf->segment_cc, prev->segment_cc,
                             "public, max-age=31536000, immutable");
    ngx_conf_merge_str_value(conf->manifest_cc, prev->manifest_cc,
                             "public, max-age=60, stale-while-revalidate=600");
    ngx_conf_merge_str_value(conf->error_cc, prev->error_cc,
                             "public, max-age=10");
    ngx_conf_merge_str_value(conf->cdn_cc, prev->cdn_cc, "off");
    ngx_conf_merge_sec_value(conf->stale_if_error, prev->stale_if_error,
                             86400);

    /* "off" turns a header off, in every class */

    if (ngx_strcmp(conf->segment_cc.data, "off") == 0) {
        ngx_str_null(&conf->segment_cc);
    }

    if (ngx_strcmp(conf->manifest_cc.data, "off") == 0) {
        ngx_str_null(&conf->manifest_cc);
    }

    if (ngx_strcmp(conf->error_cc.data, "off") == 0) {
        ngx_str_null(&conf->error_cc);
    }

    if (ngx_strcmp(conf->cdn_cc.data, "off") == 0) {
        ngx_str_null(&conf->cdn_cc);
    }

    if (conf->enable && conf->store.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"vidorigin\" requires \"vidorigin_store\"");
        return NGX_CONF_ERROR;
    }

    if (ngx_http_vidorigin_cc_join(cf, &conf->segment_cc,
                                   conf->stale_if_error,
                                   &conf->segment_cc_sent)
        != NGX_OK
        || ngx_http_vidorigin_cc_join(cf, &conf->manifest_cc,
                                      conf->stale_if_error,
                                      &conf->manifest_cc_sent)
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* "<cc>, stale-if-error=<sec>", computed once instead of per request */
static ngx_int_t
ngx_http_vidorigin_cc_join(ngx_conf_t *cf, ngx_str_t *cc,
    time_t stale_if_error, ngx_str_t *out)
{
    u_char  *p;

    if (cc->len == 0 || stale_if_error == 0) {
        *out = *cc;
        return NGX_OK;
    }

    p = ngx_pnalloc(cf->pool,
                    cc->len + sizeof(", stale-if-error=") + NGX_TIME_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    out->data = p;
    out->len = ngx_sprintf(p, "%V, stale-if-error=%T", cc, stale_if_error)
               - p;

    return NGX_OK;
}


static char *
ngx_http_vidorigin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_loc_conf_t *vlcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (vlcf->enable != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

#if (NGX_PCRE)
    if (clcf->regex) {
        return "is not allowed in a regex location: "
               "use a prefix location such as \"location /v/\"";
    }
#endif

    clcf->handler = ngx_http_vidorigin_handler;
    vlcf->enable = 1;
    vlcf->prefix = clcf->name;

    return NGX_CONF_OK;
}


static char *
ngx_http_vidorigin_store(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_loc_conf_t *vlcf = conf;

    ngx_str_t  *value;

    if (vlcf->store.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    vlcf->store = value[1];

    /* relative paths are relative to the nginx prefix, like "root" */

    if (ngx_conf_full_name(cf->cycle, &vlcf->store, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    while (vlcf->store.len > 1
           && vlcf->store.data[vlcf->store.len - 1] == '/')
    {
        vlcf->store.len--;
    }

    return NGX_CONF_OK;
}


/* vidorigin_media_cache zone=NAME:SIZE [valid=TIME]; */
static char *
ngx_http_vidorigin_media_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_vidorigin_main_conf_t *vmcf = conf;

    u_char      *p;
    time_t       valid;
    ssize_t      size;
    ngx_str_t   *value, name, s;
    ngx_uint_t   i;

    if (vmcf->media_zone != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    size = 0;
    name.len = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {

            name.data = value[i].data + 5;
            p = (u_char *) ngx_strchr(name.data, ':');

            if (p == NULL) {
                goto invalid;
            }

            name.len = p - name.data;

            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;

            size = ngx_parse_size(&s);

            if (size == NGX_ERROR || name.len == 0) {
                goto invalid;
            }

            if (size < (ssize_t) (8 * ngx_pagesize)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "zone \"%V\" is too small", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "valid=", 6) == 0) {

            s.len = value[i].len - 6;
            s.data = value[i].data + 6;

            valid = ngx_parse_time(&s, 1);
            if (valid == (time_t) NGX_ERROR) {
                goto invalid;
            }

            vmcf->media_valid = valid;
            continue;
        }

        goto invalid;
    }

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"zone\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    vmcf->media_zone = ngx_http_vidorigin_media_zone(cf, &name, size);
    if (vmcf->media_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);
    return NGX_CONF_ERROR;
}
