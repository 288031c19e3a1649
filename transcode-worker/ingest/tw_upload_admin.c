/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <microhttpd.h>

#include "vo_json.h"
#include "catalog/tw_catalog.h"
#include "common/tw_log.h"
#include "ingest/tw_ingest_queue.h"
#include "ingest/tw_upload_admin.h"
#include "ingest/tw_upload_reply.h"
#include "ingest/tw_upload_state.h"
#include "ingest/tw_upload_tus.h"
#include "store/tw_store.h"


#define TW_UP_KEY_MAX   1024


static int tw_admin_uploads(tw_up_req_t *r);
static int tw_admin_ingest(tw_up_req_t *r);
static int tw_admin_redis(tw_up_req_t *r);
static int tw_admin_json(tw_up_req_t *r, unsigned status, const char *id,
    const char *name, const char *value, const char *num_name,
    unsigned long long num);
static const char *tw_admin_arg(tw_up_req_t *r, const char *name,
    char *buf, size_t size);
static int tw_admin_key(const tw_store_t *st, const char *source,
    char *key, size_t size, const char **why);


int
tw_admin_match(tw_up_req_t *r, const char *url)
{
    if (strcmp(url, "/admin/uploads") != 0
        && strcmp(url, "/admin/ingest") != 0)
    {
        return 0;
    }

    if (r->method != TW_UP_POST) {
        r->status = 405;
        r->text = "method not allowed";
    }

    return 1;
}


void
tw_admin_data(tw_up_req_t *r, const char *data, size_t len)
{
    char  *p;

    if (r->status) {
        return;
    }

    if (r->body_len + len > TW_UP_ADMIN_BODY) {
        tw_log(TW_LOG_INFO, "admin request body over %d bytes",
               TW_UP_ADMIN_BODY);
        r->status = 413;
        r->text = "request body too large";
        return;
    }

    p = realloc(r->body, r->body_len + len + 1);
    if (p == NULL) {
        r->status = 500;
        r->text = "out of memory";
        return;
    }

    memcpy(p + r->body_len, data, len);
    r->body = p;
    r->body_len += len;
    r->body[r->body_len] = '\0';
}


int
tw_admin_end(tw_up_req_t *r, const char *url)
{
    if (r->status) {
        return tw_up_text(r, r->status, r->text);
    }

    return strcmp(url, "/admin/uploads") == 0 ? tw_admin_uploads(r)
                                               : tw_admin_ingest(r);
}


static int
tw_admin_redis(tw_up_req_t *r)
{
    char  err[256];

    r->redis = tw_redis_open(&r->srv->redis, r->srv->conf.redis_timeout_ms,
                             err, sizeof(err));
    if (r->redis == NULL) {
        tw_log(TW_LOG_ERR, "redis at \"%s\" unreachable: %s",
               r->srv->redis.addr, err);
        return -1;
    }

    return 0;
}


static int
tw_admin_uploads(tw_up_req_t *r)
{
    int         rc, fields;
    char        id[TW_UPLOAD_ID_LEN + 1], url[1024], err[256];
    size_t      i;
    uint64_t    expires;
    tw_meta_t   m;

    memset(&m, 0, sizeof(m));
    fields = 0;

    for (i = 0; i < r->body_len && strchr(" \t\r\n", r->body[i]); i++) {
        /* void */
    }

    if (i < r->body_len) {
        if (tw_meta_json(&m, (const u_char *) r->body, r->body_len,
                         "POST /admin/uploads") != 0)
        {
            tw_meta_free(&m);
            return tw_up_text(r, 400, "invalid catalog fields (the upload "
                              "server's log says which)");
        }

        for (i = 0; i < TW_META_NFIELDS; i++) {
            fields += m.value[i] != NULL;
        }
    }

    if (tw_admin_redis(r) != 0) {
        tw_meta_free(&m);
        return tw_up_text(r, 503, "upload state unavailable (redis)");
    }

    expires = (uint64_t) time(NULL) + r->srv->conf.url_ttl_ms / 1000;

    if (tw_up_random(id, TW_UPLOAD_ID_LEN) != 0
        || tw_tus_url(r->srv, id, 1, expires, url, sizeof(url)) != 0)
    {
        tw_meta_free(&m);
        return tw_up_text(r, 500, "cannot make an upload URL");
    }

    /* the record first: a catalog entry without it would be a video
     * "uploading" that nobody can upload */
    rc = tw_up_issue(r->redis, id, expires, err, sizeof(err));

    if (rc == 0) {
        rc = tw_up_status(r->redis, id, "uploading", "", err, sizeof(err));
    }

    if (rc == 0 && fields) {
        rc = tw_catalog_write(&r->srv->redis, id, &m, 0, err, sizeof(err));
    }

    tw_meta_free(&m);

    if (rc != 0) {
        tw_log(TW_LOG_ERR, "upload URL not issued: redis: %s", err);
        (void) tw_up_drop(r->redis, id, err, sizeof(err));
        return tw_up_text(r, 503, "upload state unavailable (redis)");
    }

    tw_log(TW_LOG_INFO, "upload URL issued for \"%s\", until %llu", id,
           (unsigned long long) expires);

    return tw_admin_json(r, 201, id, "upload_url", url, "expires",
                         (unsigned long long) expires);
}


static int
tw_admin_ingest(tw_up_req_t *r)
{
    char         key[TW_UP_KEY_MAX + 1], gen[TW_UPLOAD_ID_LEN + 1],
                 err[256], sbuf[TW_UP_KEY_MAX + 64], ibuf[VO_ID_MAX + 2];
    size_t       n;
    const char  *source, *id, *why;

    source = tw_admin_arg(r, "source", sbuf, sizeof(sbuf));
    id = tw_admin_arg(r, "id", ibuf, sizeof(ibuf));

    if (source == NULL || source[0] == '\0') {
        tw_log(TW_LOG_INFO, "ingest without a source");
        return tw_up_text(r, 400, "source is required");
    }

    if (tw_admin_key(&r->srv->conf.store, source, key, sizeof(key), &why)
        != 0)
    {
        tw_log(TW_LOG_INFO, "ingest of \"%s\" refused: %s", source, why);
        return tw_up_text(r, 400, why);
    }

    if (id == NULL) {
        if (tw_up_random(gen, TW_UPLOAD_ID_LEN) != 0) {
            return tw_up_text(r, 500, "no randomness");
        }
        id = gen;
    }

    n = strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789_-");

    if (n == 0 || n > VO_ID_MAX || id[n] != '\0') {
        tw_log(TW_LOG_INFO, "ingest refused: invalid id");
        return tw_up_text(r, 400, "id must be [A-Za-z0-9_-]{1,64}");
    }

    if (!tw_store_exists(&r->srv->conf.store, key)) {
        tw_log(TW_LOG_INFO, "ingest of \"%s\" refused: no such object",
               key);
        return tw_up_text(r, 404, "no such object in the store");
    }

    if (tw_admin_redis(r) != 0) {
        return tw_up_text(r, 503, "job queue unavailable (redis)");
    }

    if (tw_ingest_enqueue(r->redis, id, key, err, sizeof(err)) != 0) {
        tw_log(TW_LOG_ERR, "ingest of \"%s\" not queued: %s", key, err);
        return tw_up_text(r, 503, "job queue unavailable (redis)");
    }

    tw_log(TW_LOG_INFO, "ingest of \"%s\" as \"%s\" queued", key, id);

    return tw_admin_json(r, 202, id, "source", key, NULL, 0);
}


/* a store key from "KEY" or "s3://BUCKET/KEY" (the store's bucket, under
 * its prefix): 0, or -1 with why */
static int
tw_admin_key(const tw_store_t *st, const char *source, char *key,
    size_t size, const char **why)
{
    size_t       n, i;
    const char  *k;

    k = source;

    if (strncmp(source, "s3://", 5) == 0) {
        n = strlen(st->bucket ? st->bucket : "");

        if (tw_store_is_local(st)) {
            *why = "an s3:// source needs an s3 store";
            return -1;
        }

        if (strncmp(source + 5, st->bucket, n) != 0 || source[5 + n] != '/')
        {
            *why = "the source is not in the store's bucket";
            return -1;
        }

        k = source + 5 + n + 1;
        n = strlen(st->prefix);

        if (strncmp(k, st->prefix, n) != 0) {
            *why = "the source is not under the store's prefix";
            return -1;
        }

        k += n;
    }

    n = strlen(k);

    if (n == 0 || n >= size || k[0] == '/' || strstr(k, "..")
        || k[n - 1] == '/')
    {
        *why = "the source must be a store key (no \"..\", no leading "
               "or trailing '/')";
        return -1;
    }

    for (i = 0; i < n; i++) {
        if ((unsigned char) k[i] < 0x21 || (unsigned char) k[i] == 0x7f) {
            *why = "the source must be a store key (no spaces or control "
                   "bytes)";
            return -1;
        }
    }

    memcpy(key, k, n + 1);

    return 0;
}


/* an argument of the query, else of a form body, decoded into buf (NUL
 * terminated); NULL when there is none, or it does not fit */
static const char *
tw_admin_arg(tw_up_req_t *r, const char *name, char *buf, size_t size)
{
    char        *v;
    size_t       n, len;
    const char  *p, *amp, *eq, *q;

    q = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);

    if (q) {
        len = strlen(q);
        if (len >= size) {
            return NULL;
        }

        memcpy(buf, q, len + 1);
        return buf;
    }

    n = strlen(name);

    for (p = r->body; p && *p; p = amp ? amp + 1 : NULL) {
        amp = strchr(p, '&');
        eq = strchr(p, '=');

        if (eq == NULL || (amp && eq > amp) || (size_t) (eq - p) != n
            || memcmp(p, name, n) != 0)
        {
            continue;
        }

        len = amp ? (size_t) (amp - eq - 1) : strlen(eq + 1);
        if (len >= size) {
            return NULL;
        }

        memcpy(buf, eq + 1, len);
        buf[len] = '\0';

        for (v = buf; *v; v++) {
            if (*v == '+') {
                *v = ' ';
            }
        }

        MHD_http_unescape(buf);

        return buf;
    }

    return NULL;
}


static int
tw_admin_json(tw_up_req_t *r, unsigned status, const char *id,
    const char *name, const char *value, const char *num_name,
    unsigned long long num)
{
    int          rc;
    vo_buf_t     b;
    vo_arena_t  *arena;

    arena = vo_arena_create();
    if (arena == NULL
        || vo_buf_init(&b, vo_arena_alloc(arena), 1024) != VO_OK)
    {
        if (arena) {
            vo_arena_free(arena);
        }
        return tw_up_text(r, 500, "out of memory");
    }

    vo_buf_str(&b, "{\"id\":");
    vo_json_put_cstring(&b, id);
    vo_buf_printf(&b, ",\"%s\":", name);
    vo_json_put_cstring(&b, value);

    if (num_name) {
        vo_buf_printf(&b, ",\"%s\":%llu", num_name, num);
    }

    vo_buf_str(&b, "}\n");

    rc = vo_buf_failed(&b)
         ? tw_up_text(r, 500, "out of memory")
         : tw_up_reply(r, status, "application/json", (char *) b.start,
                       vo_buf_len(&b), NULL);

    vo_arena_free(arena);

    return rc;
}
