/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Admin endpoints, in a location with "vidorigin_admin":
 *
 *   POST {location}purge   prefix=/v/demo/   (query or form body)
 *   GET  {location}status  Prometheus text
 *
 * Every request proves it knows vidorigin_admin_secret, one of two ways:
 *
 *   Authorization: Bearer <secret>
 *
 *   X-Vidorigin-Date: <unix seconds, within 5 minutes of ours>
 *   X-Vidorigin-Signature: <hex HMAC-SHA256(secret, date "\n" method
 *       "\n" Host header "\n" request URI with its query "\n" body)>
 *
 * The second never sends the secret and is good for one request: for
 * the window, the signatures accepted are kept in a shared zone
 * (ngx_http_vidorigin_replay.c) and a second use is refused (409), in
 * every worker; with every slot holding one still in its window, a new
 * signed request is refused too (429) rather than let in unrecorded.
 * The Host is signed, so a request made for one origin does not work on
 * another with the same secret.  Comparisons take the same time whatever
 * the bytes.  No proof: 401; a wrong one: 403; all logged.
 *
 * The same check guards other locations with "vidorigin_admin_auth on"
 * (the upload server's admin calls, proxied): an access-phase handler.
 */

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ngx_http_vidorigin_admin.h"
#include "ngx_http_vidorigin_headers.h"
#include "ngx_http_vidorigin_purge.h"
#include "ngx_http_vidorigin_redis.h"
#include "ngx_http_vidorigin_replay.h"
#include "vo_admin.h"
#include "vo_purge.h"


#define NGX_HTTP_VIDORIGIN_ADMIN_SKEW   300
#define NGX_HTTP_VIDORIGIN_ADMIN_BODY   4096
#define NGX_HTTP_VIDORIGIN_CDN_STATUS   (64 * 1024)
/* an authenticated body proxied on: catalog fields of 16 KiB each */
#define NGX_HTTP_VIDORIGIN_AUTH_BODY    (256 * 1024)


static void ngx_http_vidorigin_admin_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_vidorigin_admin_read(ngx_http_request_t *r,
    size_t max, ngx_str_t *body);
static void ngx_http_vidorigin_admin_access_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_vidorigin_admin_auth(ngx_http_request_t *r,
    ngx_str_t *body);
static ngx_int_t ngx_http_vidorigin_admin_hmac(ngx_http_request_t *r,
    ngx_str_t *secret, ngx_str_t *date, ngx_str_t *sig, ngx_str_t *body);
static ngx_int_t ngx_http_vidorigin_admin_purge(ngx_http_request_t *r,
    ngx_str_t *body);
static ngx_int_t ngx_http_vidorigin_admin_status(ngx_http_request_t *r);
static ngx_int_t ngx_http_vidorigin_admin_send(ngx_http_request_t *r,
    ngx_uint_t status, const char *type, ngx_buf_t *b);
static ngx_int_t ngx_http_vidorigin_admin_text(ngx_http_request_t *r,
    ngx_uint_t status, const char *text);


static ngx_str_t  ngx_http_vidorigin_purge_op = ngx_string("purge");
static ngx_str_t  ngx_http_vidorigin_status_op = ngx_string("status");

static ngx_str_t  ngx_http_vidorigin_signature_header =
    ngx_string("X-Vidorigin-Signature");
static ngx_str_t  ngx_http_vidorigin_date_header =
    ngx_string("X-Vidorigin-Date");


ngx_int_t
ngx_http_vidorigin_admin_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    if (r->uri.len >= ngx_http_vidorigin_purge_op.len
        && ngx_strncmp(r->uri.data + r->uri.len
                       - ngx_http_vidorigin_purge_op.len,
                       "purge", 5) == 0)
    {
        if (r->method != NGX_HTTP_POST) {
            return NGX_HTTP_NOT_ALLOWED;
        }

        r->request_body_in_single_buf = 1;

        rc = ngx_http_read_client_request_body(r,
                                          ngx_http_vidorigin_admin_body);

        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            return rc;
        }

        return NGX_DONE;
    }

    if (r->uri.len >= ngx_http_vidorigin_status_op.len
        && ngx_strncmp(r->uri.data + r->uri.len
                       - ngx_http_vidorigin_status_op.len,
                       "status", 6) == 0)
    {
        if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
            return NGX_HTTP_NOT_ALLOWED;
        }

        rc = ngx_http_discard_request_body(r);

        if (rc != NGX_OK) {
            return rc;
        }

        rc = ngx_http_vidorigin_admin_auth(r, NULL);

        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_vidorigin_admin_status(r);
    }

    return NGX_HTTP_NOT_FOUND;
}


static void
ngx_http_vidorigin_admin_body(ngx_http_request_t *r)
{
    ngx_int_t  rc;
    ngx_str_t  body;

    rc = ngx_http_vidorigin_admin_read(r, NGX_HTTP_VIDORIGIN_ADMIN_BODY,
                                       &body);

    if (rc == NGX_HTTP_REQUEST_ENTITY_TOO_LARGE) {
        ngx_http_finalize_request(r,
            ngx_http_vidorigin_admin_text(r, rc,
                                          "request body too large\n"));
        return;
    }

    if (rc == NGX_OK) {
        rc = ngx_http_vidorigin_admin_auth(r, &body);
    }

    if (rc == NGX_OK) {
        rc = ngx_http_vidorigin_admin_purge(r, &body);
    }

    ngx_http_finalize_request(r, rc);
}


/* the body read, in memory, as one string of at most max bytes (a body
 * nginx put in a file is over client_body_buffer_size: too large too) */
static ngx_int_t
ngx_http_vidorigin_admin_read(ngx_http_request_t *r, size_t max,
    ngx_str_t *body)
{
    size_t        len;
    u_char       *p;
    ngx_chain_t  *cl;

    body->len = 0;
    body->data = (u_char *) "";

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NGX_OK;
    }

    if (r->request_body->temp_file) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "vidorigin: admin request body too large");
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        len += cl->buf->last - cl->buf->pos;
    }

    if (len > max) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "vidorigin: admin request body of %uz bytes: at "
                      "most %uz", len, max);
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    body->data = p;
    body->len = len;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        p = ngx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
    }

    return NGX_OK;
}


/*
 * "vidorigin_admin_auth on": the access phase reads the body (it is
 * signed), checks it as vidorigin_admin does, then lets the phases run
 * on; the body stays for the content handler (proxy_pass sends it).
 * Entered a second time once the body is read, when the check is made.
 */
ngx_int_t
ngx_http_vidorigin_admin_access(ngx_http_request_t *r)
{
    ngx_int_t                       rc;
    ngx_str_t                       body;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    if (!vlcf->admin_auth) {
        return NGX_DECLINED;
    }

    if (r->request_body == NULL) {
        r->request_body_in_single_buf = 1;

        rc = ngx_http_read_client_request_body(r,
                                       ngx_http_vidorigin_admin_access_body);

        if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
            return rc;
        }

        ngx_http_finalize_request(r, NGX_DONE);

        return NGX_DONE;
    }

    if (r->reading_body) {
        return NGX_DONE;
    }

    rc = ngx_http_vidorigin_admin_read(r, NGX_HTTP_VIDORIGIN_AUTH_BODY,
                                       &body);

    if (rc != NGX_OK) {
        return rc;
    }

    return ngx_http_vidorigin_admin_auth(r, &body);
}


static void
ngx_http_vidorigin_admin_access_body(ngx_http_request_t *r)
{
    r->preserve_body = 1;
    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}


static ngx_int_t
ngx_http_vidorigin_admin_auth(ngx_http_request_t *r, ngx_str_t *body)
{
    u_char                          a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
    ngx_str_t                       token, empty;
    unsigned int                    alen, blen;
    ngx_table_elt_t                *date, *sig, *auth;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    ngx_str_set(&empty, "");

    if (body == NULL) {
        body = &empty;
    }

    sig = ngx_http_vidorigin_find_header(r,
                                         &ngx_http_vidorigin_signature_header);
    date = ngx_http_vidorigin_find_header(r, &ngx_http_vidorigin_date_header);

    if (sig != NULL) {
        if (date == NULL) {
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "vidorigin: admin request refused: signature "
                          "without X-Vidorigin-Date");
            return NGX_HTTP_FORBIDDEN;
        }

        return ngx_http_vidorigin_admin_hmac(r, &vlcf->admin_secret,
                                             &date->value, &sig->value,
                                             body);
    }

    auth = r->headers_in.authorization;

    if (auth == NULL
        || auth->value.len < sizeof("Bearer ") - 1
        || ngx_strncasecmp(auth->value.data, (u_char *) "Bearer ",
                           sizeof("Bearer ") - 1) != 0)
    {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "vidorigin: admin request refused: no credentials");

        r->headers_out.www_authenticate =
                                    ngx_list_push(&r->headers_out.headers);
        if (r->headers_out.www_authenticate == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        r->headers_out.www_authenticate->hash = 1;
        ngx_str_set(&r->headers_out.www_authenticate->key,
                    "WWW-Authenticate");
        ngx_str_set(&r->headers_out.www_authenticate->value,
                    "Bearer realm=\"vidorigin admin\"");
#if (nginx_version >= 1023000)
        r->headers_out.www_authenticate->next = NULL;
#endif

        return NGX_HTTP_UNAUTHORIZED;
    }

    token.data = auth->value.data + sizeof("Bearer ") - 1;
    token.len = auth->value.len - (sizeof("Bearer ") - 1);

    /*
     * Compared as HMACs under a fixed key: equal lengths, so the time
     * taken says nothing about the secret's length or bytes.
     */

    if (HMAC(EVP_sha256(), "vidorigin", 9, token.data, token.len, a, &alen)
        == NULL
        || HMAC(EVP_sha256(), "vidorigin", 9, vlcf->admin_secret.data,
                vlcf->admin_secret.len, b, &blen)
           == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (CRYPTO_memcmp(a, b, alen) != 0) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "vidorigin: admin request refused: wrong secret");
        return NGX_HTTP_FORBIDDEN;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_vidorigin_admin_hmac(ngx_http_request_t *r, ngx_str_t *secret,
    ngx_str_t *date, ngx_str_t *sig, ngx_str_t *body)
{
    u_char                          mac[EVP_MAX_MD_SIZE];
    u_char                         *msg, *p;
    size_t                          n;
    uint64_t                        t;
    ngx_int_t                       rc;
    ngx_str_t                       host;
    const char                     *err;
    unsigned int                    len;
    ngx_http_vidorigin_main_conf_t *vmcf;

    if (vo_admin_date(date->data, date->len, (uint64_t) ngx_time(),
                      NGX_HTTP_VIDORIGIN_ADMIN_SKEW, &t, &err)
        != VO_OK)
    {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "vidorigin: admin request refused: X-Vidorigin-Date "
                      "\"%V\" is not within %d s of now (%s)",
                      ngx_http_vidorigin_log_text(r, date),
                      NGX_HTTP_VIDORIGIN_ADMIN_SKEW, err);
        return NGX_HTTP_FORBIDDEN;
    }

    /* date "\n" method "\n" Host "\n" URI "\n" body (no Host: empty) */

    ngx_str_set(&host, "");

    if (r->headers_in.host) {
        host = r->headers_in.host->value;
    }

    n = date->len + r->method_name.len + host.len + r->unparsed_uri.len
        + body->len + 4;

    msg = ngx_pnalloc(r->pool, n);
    if (msg == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(msg, date->data, date->len);
    *p++ = '\n';
    p = ngx_cpymem(p, r->method_name.data, r->method_name.len);
    *p++ = '\n';
    p = ngx_cpymem(p, host.data, host.len);
    *p++ = '\n';
    p = ngx_cpymem(p, r->unparsed_uri.data, r->unparsed_uri.len);
    *p++ = '\n';
    ngx_memcpy(p, body->data, body->len);

    if (HMAC(EVP_sha256(), secret->data, (int) secret->len, msg, n, mac,
             &len)
        == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (vo_admin_signature(sig->data, sig->len, mac, len) != VO_OK) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "vidorigin: admin request refused: wrong signature");
        return NGX_HTTP_FORBIDDEN;
    }

    /* good until its date leaves the window: one use in that time */

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);

    rc = ngx_http_vidorigin_replay_use(vmcf->admin_seen, mac, len,
                                       (time_t) t
                                       + NGX_HTTP_VIDORIGIN_ADMIN_SKEW);

    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "vidorigin: admin request refused: signature "
                      "already used (a replay)");
        return NGX_HTTP_CONFLICT;
    }

    if (rc == NGX_BUSY) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "vidorigin: admin request refused: all %ui "
                      "vidorigin_admin_replay_slots hold signatures of "
                      "the last %d s", vmcf->admin_replay_slots,
                      2 * NGX_HTTP_VIDORIGIN_ADMIN_SKEW);
        return NGX_HTTP_TOO_MANY_REQUESTS;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_vidorigin_admin_purge(ngx_http_request_t *r, ngx_str_t *body)
{
    u_char                             *dst, *src;
    vo_buf_t                            vb;
    vo_str_t                            requested, purged;
    ngx_buf_t                          *b;
    ngx_str_t                           arg, prefix;
    vo_alloc_t                          alloc;
    const char                         *err;
    ngx_http_vidorigin_purge_result_t   res;

    /* prefix=... from the query, else from a form body */

    if (ngx_http_arg(r, (u_char *) "prefix", 6, &arg) != NGX_OK) {

        r->args = *body;          /* ngx_http_arg reads r->args */

        if (ngx_http_arg(r, (u_char *) "prefix", 6, &arg) != NGX_OK) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "vidorigin: purge without a prefix");
            return ngx_http_vidorigin_admin_text(r, NGX_HTTP_BAD_REQUEST,
                                                 "prefix is required\n");
        }
    }

    prefix.data = ngx_pnalloc(r->pool, arg.len);
    if (prefix.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    src = arg.data;
    dst = prefix.data;
    ngx_unescape_uri(&dst, &src, arg.len, 0);
    prefix.len = dst - prefix.data;

    if (vo_purge_prefix_check(prefix.data, prefix.len, &err) != VO_OK) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "vidorigin: purge refused: %s", err);
        return ngx_http_vidorigin_admin_text(r, NGX_HTTP_BAD_REQUEST, err);
    }

    if (ngx_http_vidorigin_purge(r, &prefix, &res) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "vidorigin: purged \"%V\", generation %uL",
                  &res.purged, res.generation);

    alloc.alloc = ngx_http_vidorigin_palloc;
    alloc.data = r->pool;

    requested.data = prefix.data;
    requested.len = prefix.len;
    purged.data = res.purged.data;
    purged.len = res.purged.len;

    if (vo_buf_init(&vb, &alloc, 2 * prefix.len + 160) != VO_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    vo_purge_answer(&vb, &requested, &purged, res.generation);

    if (vo_buf_failed(&vb)) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = vb.start;
    b->last = vb.pos;
    b->memory = 1;

    return ngx_http_vidorigin_admin_send(r, NGX_HTTP_OK, "application/json",
                                         b);
}


static ngx_int_t
ngx_http_vidorigin_admin_status(ngx_http_request_t *r)
{
    ssize_t                            n;
    ngx_fd_t                           fd;
    ngx_buf_t                         *b;
    ngx_http_vidorigin_purge_stats_t   st;

    ngx_http_vidorigin_purge_stats(r, &st);

    b = ngx_create_temp_buf(r->pool, 1536 + 2 * VO_PURGE_PREFIX_MAX
                                     + NGX_HTTP_VIDORIGIN_REDIS_STATUS_LEN
                                     + NGX_HTTP_VIDORIGIN_CDN_STATUS);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_sprintf(b->last,
        "# HELP vidorigin_purge_generation the last purge generation\n"
        "# TYPE vidorigin_purge_generation gauge\n"
        "vidorigin_purge_generation %uA\n"
        "# HELP vidorigin_purge_prefixes purged prefixes kept\n"
        "# TYPE vidorigin_purge_prefixes gauge\n"
        "vidorigin_purge_prefixes %uA\n"
        "# HELP vidorigin_purges_total purges since nginx started\n"
        "# TYPE vidorigin_purges_total counter\n"
        "vidorigin_purges_total %uA\n"
        "# HELP vidorigin_purge_broadened_total purges widened to a "
        "parent prefix for want of zone room\n"
        "# TYPE vidorigin_purge_broadened_total counter\n"
        "vidorigin_purge_broadened_total %uA\n"
        "# HELP vidorigin_purge_expired_total prefixes freed past their "
        "lifetime\n"
        "# TYPE vidorigin_purge_expired_total counter\n"
        "vidorigin_purge_expired_total %uA\n"
        "# HELP vidorigin_purge_lifetime_seconds how long a purged prefix "
        "is kept (0: forever)\n"
        "# TYPE vidorigin_purge_lifetime_seconds gauge\n"
        "vidorigin_purge_lifetime_seconds %T\n",
        st.generation, st.prefixes, st.purges, st.broadened, st.expired,
        st.lifetime);

    /* prefixes are checked: no quote or backslash to escape */

    if (st.last_broadened) {
        b->last = ngx_sprintf(b->last,
            "# HELP vidorigin_purge_last_broadened unix time of the last "
            "purge widened, with what was asked and what was purged\n"
            "# TYPE vidorigin_purge_last_broadened gauge\n"
            "vidorigin_purge_last_broadened{requested=\"%V\",purged=\"%V\"} "
            "%T\n", &st.last_requested, &st.last_purged, st.last_broadened);
    }

    b->last = ngx_http_vidorigin_redis_status(r, b->last);

    /* what "transcode-worker purger" last published, as it wrote it */

    if (st.cdn_status.len) {
        fd = ngx_open_file(st.cdn_status.data, NGX_FILE_RDONLY,
                           NGX_FILE_OPEN, 0);

        if (fd == NGX_INVALID_FILE) {
            b->last = ngx_sprintf(b->last,
                                  "vidorigin_cdn_status_available 0\n");

        } else {
            n = ngx_read_fd(fd, b->last, NGX_HTTP_VIDORIGIN_CDN_STATUS);

            if (n > 0) {
                b->last += n;

                if (b->last[-1] != '\n') {
                    *b->last++ = '\n';
                }
            }

            (void) ngx_close_file(fd);

            b->last = ngx_sprintf(b->last,
                                  "vidorigin_cdn_status_available 1\n");
        }
    }

    return ngx_http_vidorigin_admin_send(r, NGX_HTTP_OK,
                                         "text/plain; version=0.0.4", b);
}


static ngx_int_t
ngx_http_vidorigin_admin_text(ngx_http_request_t *r, ngx_uint_t status,
    const char *text)
{
    size_t      len;
    ngx_buf_t  *b;

    len = ngx_strlen(text);

    b = ngx_create_temp_buf(r->pool, len + 1);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->last, text, len);

    if (len == 0 || text[len - 1] != '\n') {
        *b->last++ = '\n';
    }

    return ngx_http_vidorigin_admin_send(r, status, "text/plain", b);
}


static ngx_int_t
ngx_http_vidorigin_admin_send(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, ngx_buf_t *b)
{
    ngx_int_t    rc;
    ngx_str_t    cc = ngx_string("no-store");
    ngx_chain_t  out;

    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;
    r->headers_out.content_type.data = (u_char *) type;
    r->headers_out.content_type.len = ngx_strlen(type);
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    if (ngx_http_vidorigin_add_header(r, "Cache-Control", &cc) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}
