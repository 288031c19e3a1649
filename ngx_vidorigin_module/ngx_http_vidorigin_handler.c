/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vidorigin playback handler: HLS and DASH manifests generated from the
 * media description by the vo_ core, init and media segments sent from the
 * store exactly as the static module sends files (open_file_cache,
 * sendfile, ranges, conditional requests), each class of answer with its
 * own Cache-Control; an object missing from the store goes to the
 * just-in-time location.  With an S3 store, objects go to the S3 objects
 * location instead (ngx_http_vidorigin_s3.c).
 */

#include "ngx_http_vidorigin_handler.h"
#include "ngx_http_vidorigin_device.h"
#include "ngx_http_vidorigin_direct.h"
#include "ngx_http_vidorigin_headers.h"
#include "ngx_http_vidorigin_jit.h"
#include "ngx_http_vidorigin_manifest_cache.h"
#include "ngx_http_vidorigin_media_cache.h"
#include "ngx_http_vidorigin_s3.h"
#include "vo_path.h"
#include "vo_manifest.h"


static ngx_int_t ngx_http_vidorigin_parse(ngx_http_request_t *r,
    vo_request_t *req, ngx_str_t *key);
static ngx_int_t ngx_http_vidorigin_manifest(ngx_http_request_t *r,
    vo_request_t *req, ngx_str_t *key, vo_str_t *query);
static ngx_int_t ngx_http_vidorigin_media(ngx_http_request_t *r,
    vo_request_t *req, ngx_http_vidorigin_media_t **vm);
static ngx_uint_t ngx_http_vidorigin_canonical(ngx_http_request_t *r);
static ngx_int_t ngx_http_vidorigin_device_key(ngx_http_request_t *r,
    ngx_str_t *key, ngx_http_vidorigin_device_class_t *device);
static ngx_int_t ngx_http_vidorigin_make_manifest(ngx_http_request_t *r,
    vo_request_t *req, ngx_http_vidorigin_media_t *vm,
    ngx_http_vidorigin_device_class_t *device, vo_str_t *query,
    ngx_http_vidorigin_manifest_t *m);
static ngx_int_t ngx_http_vidorigin_send_manifest(ngx_http_request_t *r,
    ngx_http_vidorigin_manifest_t *m, vo_str_t *id, ngx_str_t *vary);
static ngx_int_t ngx_http_vidorigin_send_object(ngx_http_request_t *r,
    vo_request_t *req, ngx_http_vidorigin_media_t *vm);
static ngx_str_t *ngx_http_vidorigin_object_type(vo_request_t *req,
    ngx_http_vidorigin_media_t *vm);
static ngx_int_t ngx_http_vidorigin_tag(ngx_http_request_t *r, vo_str_t *id);
static ngx_int_t ngx_http_vidorigin_fail(ngx_http_request_t *r,
    vo_status_t rc, const char *err);
static ngx_int_t ngx_http_vidorigin_set_cache_control(ngx_http_request_t *r,
    ngx_str_t *value, ngx_uint_t success);


/* one table from core status to HTTP status */
static ngx_uint_t  ngx_http_vidorigin_statuses[] = {
    NGX_HTTP_OK,                           /* VO_OK */
    NGX_HTTP_INTERNAL_SERVER_ERROR,        /* VO_ERROR */
    NGX_HTTP_BAD_REQUEST,                  /* VO_BAD_REQUEST */
    NGX_HTTP_NOT_FOUND,                    /* VO_NOT_FOUND */
    NGX_HTTP_INTERNAL_SERVER_ERROR,        /* VO_BAD_DATA */
    NGX_HTTP_NOT_FOUND,                    /* VO_RANGE */
    NGX_HTTP_INTERNAL_SERVER_ERROR,        /* VO_NO_SPACE */
    NGX_HTTP_FORBIDDEN                     /* VO_FORBIDDEN */
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


ngx_int_t
ngx_http_vidorigin_handler(ngx_http_request_t *r)
{
    ngx_int_t                    rc;
    ngx_str_t                    key;
    vo_str_t                     query;
    vo_request_t                 req;
    ngx_http_vidorigin_media_t  *vm;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    /* the media description subrequest of an S3 store */

    rc = ngx_http_vidorigin_s3_media_pass(r);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_vidorigin_parse(r, &req, &key);

    if (rc != NGX_OK) {
        return rc;
    }

    /* a viewer sent straight here holds a signed URL (logged if not) */
    rc = ngx_http_vidorigin_direct(r, &req.id, &query);

    if (rc == NGX_HTTP_FORBIDDEN) {
        return ngx_http_vidorigin_fail(r, VO_FORBIDDEN, NULL);
    }

    if (rc != NGX_OK && rc != NGX_DECLINED) {
        return rc;
    }

    if (vo_req_is_manifest(req.kind)) {
        return ngx_http_vidorigin_manifest(r, &req, &key, &query);
    }

    rc = ngx_http_vidorigin_media(r, &req, &vm);

    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_vidorigin_send_object(r, &req, vm);
}


/*
 * The request: its path below the location prefix, e.g.
 * "demo/720p/3.m4s" (*key), parsed.  NGX_OK, or the failed answer's
 * status.
 */
static ngx_int_t
ngx_http_vidorigin_parse(ngx_http_request_t *r, vo_request_t *req,
    ngx_str_t *key)
{
    vo_str_t                        rest;
    const char                     *err;
    vo_status_t                     vrc;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    /*
     * Playback URLs need no escaping, dot segments or empty components:
     * a client path that nginx had to decode or normalize is refused, so
     * that one object never has several URLs (and CDN cache keys).
     */

    if (!r->internal && !ngx_http_vidorigin_canonical(r)) {
        return ngx_http_vidorigin_fail(r, VO_BAD_REQUEST,
                                       "non-canonical path");
    }

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    if (vo_path_below(r->uri.data, r->uri.len, vlcf->prefix.data,
                      vlcf->prefix.len, &rest)
        != VO_OK)
    {
        return ngx_http_vidorigin_fail(r, VO_NOT_FOUND,
                                       "outside the location prefix");
    }

    err = "";
    vrc = vo_path_parse(rest.data, rest.len, req, &err);

    if (vrc != VO_OK) {
        return ngx_http_vidorigin_fail(r, vrc, err);
    }

    key->data = (u_char *) rest.data;
    key->len = rest.len;

    return NGX_OK;
}


/* a manifest: from this worker's cache, or made from the description */
static ngx_int_t
ngx_http_vidorigin_manifest(ngx_http_request_t *r, vo_request_t *req,
    ngx_str_t *key, vo_str_t *query)
{
    ngx_int_t                           rc;
    ngx_str_t                          *vary;
    ngx_http_vidorigin_media_t         *vm;
    ngx_http_vidorigin_manifest_t       m;
    ngx_http_vidorigin_main_conf_t     *vmcf;
    ngx_http_vidorigin_device_class_t  *device;

    device = NULL;
    vary = NULL;

    if (req->rendition.len == 0) {
        /* master.m3u8, master-ts.m3u8, manifest.mpd: per device */
        device = ngx_http_vidorigin_device(r, &req->device, &vary);

        if (device == NULL) {
            return ngx_http_vidorigin_fail(r, VO_NOT_FOUND,
                                           "unknown device class");
        }

        if (req->device.len == 0
            && ngx_http_vidorigin_device_key(r, key, device) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    /* signed manifests carry the viewer's token: never kept */
    rc = query->len ? NGX_DECLINED : ngx_http_vidorigin_mc_get(r, key, &m);

    if (rc == NGX_OK) {
        return ngx_http_vidorigin_send_manifest(r, &m, &req->id, vary);
    }

    if (rc == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_vidorigin_media(r, req, &vm);

    if (rc != NGX_OK) {
        return rc;
    }

    rc = ngx_http_vidorigin_make_manifest(r, req, vm, device, query, &m);

    if (rc != NGX_OK) {
        return rc;
    }

    if (vm->stale) {
        /* made from a description the store could not confirm */
        ngx_str_t  stale = ngx_string("STALE");

        if (ngx_http_vidorigin_add_header(r, "X-Vidorigin-Cache", &stale)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

    } else if (query->len == 0) {
        vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
        ngx_http_vidorigin_mc_put(r, key, &m,
                                  vm->checked + vmcf->media_valid);
    }

    return ngx_http_vidorigin_send_manifest(r, &m, &req->id, vary);
}


/*
 * The video's description, in the request pool (*vm), checked against
 * the request.  NGX_OK, or the failed answer's status.
 */
static ngx_int_t
ngx_http_vidorigin_media(ngx_http_request_t *r, vo_request_t *req,
    ngx_http_vidorigin_media_t **vm)
{
    ngx_int_t                       rc;
    const char                     *err;
    vo_status_t                     vrc;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    *vm = ngx_palloc(r->pool, sizeof(ngx_http_vidorigin_media_t));
    if (*vm == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (vlcf->s3_media.len) {
        rc = ngx_http_vidorigin_s3_media_get(r, &req->id, *vm);

        if (rc == NGX_ERROR) {
            /* the store failed or sent nonsense (logged): not our fault */
            return NGX_HTTP_BAD_GATEWAY;
        }

    } else {
        rc = ngx_http_vidorigin_media_get(r, &req->id, *vm);
    }

    if (rc == NGX_DECLINED) {
        return ngx_http_vidorigin_fail(r, VO_NOT_FOUND, "video not ready");
    }

    if (rc != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    err = "";
    vrc = vo_request_check(req, &(*vm)->media, &err);

    if (vrc != VO_OK) {
        return ngx_http_vidorigin_fail(r, vrc, err);
    }

    return NGX_OK;
}


/* the manifest cache key of a plain master for a device: "demo/master.m3u8
 * tv" (a space cannot be in a path) */
static ngx_int_t
ngx_http_vidorigin_device_key(ngx_http_request_t *r, ngx_str_t *key,
    ngx_http_vidorigin_device_class_t *device)
{
    u_char  *p;

    p = ngx_pnalloc(r->pool, key->len + 1 + device->name.len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    key->len = ngx_sprintf(p, "%V %V", key, &device->name) - p;
    key->data = p;

    return NGX_OK;
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
    ngx_http_vidorigin_media_t *vm, ngx_http_vidorigin_device_class_t *device,
    vo_str_t *query, ngx_http_vidorigin_manifest_t *m)
{
    unsigned         format;
    vo_buf_t         vb;
    vo_alloc_t       alloc;
    vo_status_t      vrc;
    vo_selection_t   sel;
    vo_policy_t     *policy;

    alloc.alloc = ngx_http_vidorigin_palloc;
    alloc.data = r->pool;

    if (vo_buf_init(&vb, &alloc, 4096) != VO_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    m->type = &ngx_http_vidorigin_m3u8_type;
    policy = device ? &device->policy : NULL;

    switch (req->kind) {

    case VO_REQ_HLS_MASTER:
    case VO_REQ_HLS_MASTER_TS:
        /* master.m3u8 is TS for a class that wants TS, when there is */
        format = req->kind == VO_REQ_HLS_MASTER_TS
                 || (policy && policy->format == VO_FORMAT_TS
                     && (vm->media.formats & VO_FORMAT_TS))
                 ? VO_FORMAT_TS : VO_FORMAT_FMP4;

        vrc = vo_select(&vm->media, policy, format, &sel);

        if (vrc == VO_OK) {
            sel.query = *query;
            vrc = vo_hls_master(&vm->media, &sel, format, &vb);
        }

        break;

    case VO_REQ_HLS_MEDIA:
        vrc = vo_hls_media(&vm->media, &req->rendition, VO_FORMAT_FMP4,
                           query, &vb);
        break;

    case VO_REQ_HLS_MEDIA_TS:
        vrc = vo_hls_media(&vm->media, &req->rendition, VO_FORMAT_TS,
                           query, &vb);
        break;

    default: /* VO_REQ_DASH_MPD */
        vrc = vo_select(&vm->media, policy, VO_FORMAT_FMP4, &sel);

        if (vrc == VO_OK) {
            sel.query = *query;
            vrc = vo_dash_mpd(&vm->media, &sel, &vb);
        }

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


/* the manifest of video id, with its tag and Vary (NULL: none) */
static ngx_int_t
ngx_http_vidorigin_send_manifest(ngx_http_request_t *r,
    ngx_http_vidorigin_manifest_t *m, vo_str_t *id, ngx_str_t *vary)
{
    u_char                         *etag;
    ngx_int_t                       rc;
    ngx_buf_t                      *b;
    ngx_chain_t                     out;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    if (ngx_http_vidorigin_tag(r, id) != NGX_OK
        || (vary && ngx_http_vidorigin_add_header(r, "Vary", vary) != NGX_OK))
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

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
    vo_str_t                        vkey;
    ngx_buf_t                      *b;
    ngx_str_t                       path, *type;
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

    type = ngx_http_vidorigin_object_type(req, vm);

    if (vlcf->s3_objects.len) {
        vkey.data = (u_char *) key;
        vkey.len = len;
        return ngx_http_vidorigin_s3_fetch(r, &vkey, type, &req->id);
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

            if (vlcf->jit.len) {
                return ngx_http_vidorigin_jit(r, &path, type, &req->id);
            }

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

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = of.size;
    r->headers_out.last_modified_time = of.mtime;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;
    r->headers_out.content_type_lowcase = NULL;

    if (ngx_http_set_etag(r) != NGX_OK
        || ngx_http_vidorigin_tag(r, &req->id) != NGX_OK)
    {
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


static ngx_str_t *
ngx_http_vidorigin_object_type(vo_request_t *req,
    ngx_http_vidorigin_media_t *vm)
{
    switch (req->kind) {

    case VO_REQ_INIT:
        return vo_media_audio(&vm->media, &req->rendition)
               ? &ngx_http_vidorigin_m4a_type : &ngx_http_vidorigin_mp4_type;

    case VO_REQ_SEGMENT_TS:
        return &ngx_http_vidorigin_ts_type;

    default: /* VO_REQ_SEGMENT */
        return &ngx_http_vidorigin_m4s_type;
    }
}


/* the vidorigin_tag_header of a video's answers, so CDNs purge by video */
static ngx_int_t
ngx_http_vidorigin_tag(ngx_http_request_t *r, vo_str_t *id)
{
    u_char                         *p;
    ngx_str_t                       value;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    if (vlcf->tag_header.len == 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, vlcf->tag_prefix.len + id->len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    value.data = p;
    p = ngx_cpymem(p, vlcf->tag_prefix.data, vlcf->tag_prefix.len);
    p = ngx_cpymem(p, id->data, id->len);
    value.len = p - value.data;

    return ngx_http_vidorigin_add_header(r, (char *) vlcf->tag_header.data,
                                         &value);
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

    if (rc > VO_OK || rc < VO_FORBIDDEN) {
        rc = VO_ERROR;
    }

    status = ngx_http_vidorigin_statuses[-rc];

    if (err != NULL) {
        level = (status >= NGX_HTTP_INTERNAL_SERVER_ERROR) ? NGX_LOG_ERR
                                                           : NGX_LOG_INFO;
        ngx_log_error(level, r->connection->log, 0,
                      "vidorigin: \"%V\": %s",
                      ngx_http_vidorigin_log_text(r, &r->uri), err);
    }

    if (status < NGX_HTTP_INTERNAL_SERVER_ERROR) {
        vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

        if (ngx_http_vidorigin_set_cache_control(r, &vlcf->error_cc, 0)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

    } else if (ngx_http_vidorigin_direct_headers(r) == NGX_ERROR) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return status;
}


/*
 * The Cache-Control of an answer (value, if not empty), and the
 * CDN-Cache-Control of a successful one, unless it is origin-direct: then
 * vidorigin_direct_header instead, whatever the answer.
 */
static ngx_int_t
ngx_http_vidorigin_set_cache_control(ngx_http_request_t *r, ngx_str_t *value,
    ngx_uint_t success)
{
    ngx_int_t                       rc;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    if (value->len
        && ngx_http_vidorigin_add_header(r, "Cache-Control", value) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* an origin-direct answer: the CDN must not keep it, whatever it is */
    rc = ngx_http_vidorigin_direct_headers(r);

    if (rc != NGX_DECLINED) {
        return rc;
    }

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    if (success && vlcf->cdn_cc.len) {
        return ngx_http_vidorigin_add_header(r, "CDN-Cache-Control",
                                             &vlcf->cdn_cc);
    }

    return NGX_OK;
}
