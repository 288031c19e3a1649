/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The SigV4 request builder (see vo_sigv4_http.h): the path and query as
 * sent, the required headers, and the Authorization of vo_sigv4.c, all
 * into the caller's buffer.
 */

#include <string.h>

#include "vo_sigv4_http.h"


/* "AWS4-HMAC-SHA256 Credential=" "/" date "/" "/" "/aws4_request"
 * ", SignedHeaders=" ", Signature=" and the signature */
#define VO_SIGV4_HTTP_AUTH_FIXED   (28 + 1 + 8 + 1 + 1 + 13 + 16 + 12 + 64)

/* the required headers' names in SignedHeaders, ';' included */
#define VO_SIGV4_HTTP_NAMES_FIXED  (sizeof("host;x-amz-content-sha256;"     \
                                           "x-amz-date;x-amz-security-token"))


/* where the text goes: buf, up to its end */
typedef struct {
    u_char         *pos;
    u_char         *end;
    unsigned        overflow:1;
} vo_sigv4_text_t;


static void vo_sigv4_text(vo_sigv4_text_t *t, const void *data, size_t len);
static void vo_sigv4_text_enc(vo_sigv4_text_t *t, const vo_str_t *s,
    int keep_slash);
static void vo_sigv4_http_target(vo_sigv4_text_t *t,
    const vo_sigv4_http_t *http, vo_sigv4_signed_t *out);
static void vo_sigv4_http_header(vo_sigv4_signed_t *out, const char *name,
    const vo_str_t *value);
static int vo_sigv4_is_s3(const vo_sigv4_creds_t *creds);


static void
vo_sigv4_text(vo_sigv4_text_t *t, const void *data, size_t len)
{
    if (t->overflow || len == 0) {
        return;
    }

    if ((size_t) (t->end - t->pos) < len) {
        t->overflow = 1;
        return;
    }

    memcpy(t->pos, data, len);
    t->pos += len;
}


static void
vo_sigv4_text_enc(vo_sigv4_text_t *t, const vo_str_t *s, int keep_slash)
{
    size_t  len;

    if (t->overflow || s->len == 0) {
        return;
    }

    /* nothing is written past the end; what was is covered by overflow */
    if (vo_sigv4_uri_encode(s->data, s->len, keep_slash, t->pos,
                            (size_t) (t->end - t->pos), &len)
        != VO_OK)
    {
        t->overflow = 1;
        return;
    }

    t->pos += len;
}


/* out->path and out->target: "/" [bucket] pieces ["?" query] */
static void
vo_sigv4_http_target(vo_sigv4_text_t *t, const vo_sigv4_http_t *http,
    vo_sigv4_signed_t *out)
{
    size_t         i;
    const u_char  *start;

    start = t->pos;

    if (http->bucket.len) {
        vo_sigv4_text(t, "/", 1);
        vo_sigv4_text_enc(t, &http->bucket, 0);
    }

    for (i = 0; i < http->npath; i++) {
        vo_sigv4_text_enc(t, &http->path[i], 1);
    }

    if (t->pos == start) {
        vo_sigv4_text(t, "/", 1);
    }

    out->path.data = start;
    out->path.len = (size_t) (t->pos - start);

    for (i = 0; i < http->nquery; i++) {
        vo_sigv4_text(t, i ? "&" : "?", 1);
        vo_sigv4_text_enc(t, &http->query[i].name, 0);
        vo_sigv4_text(t, "=", 1);
        vo_sigv4_text_enc(t, &http->query[i].value, 0);
    }

    out->target.data = start;
    out->target.len = (size_t) (t->pos - start);
}


static void
vo_sigv4_http_header(vo_sigv4_signed_t *out, const char *name,
    const vo_str_t *value)
{
    vo_sigv4_pair_t  *h;

    h = &out->headers[out->nheaders++];
    h->name.data = (const u_char *) name;
    h->name.len = strlen(name);
    h->value = *value;
}


static int
vo_sigv4_is_s3(const vo_sigv4_creds_t *creds)
{
    return creds->service.len == 2
           && memcmp(creds->service.data, "s3", 2) == 0;
}


vo_status_t
vo_sigv4_http_sign(const vo_sigv4_creds_t *creds, const vo_sigv4_key_t *key,
    const vo_sigv4_http_t *http, u_char *buf, size_t size,
    vo_sigv4_signed_t *out, const char **err)
{
    int                  s3;
    size_t               i, len;
    vo_status_t          rc;
    vo_sigv4_text_t      t;
    vo_sigv4_request_t   req;

    memset(out, 0, sizeof(vo_sigv4_signed_t));

    if (http->nheaders > VO_SIGV4_HTTP_MAX_HEADERS) {
        if (err) {
            *err = "too many headers";
        }

        return VO_BAD_REQUEST;
    }

    t.pos = buf;
    t.end = buf + size;
    t.overflow = 0;

    vo_sigv4_http_target(&t, http, out);

    if (t.overflow || size - (size_t) (t.pos - buf) < VO_SIGV4_TIMESTAMP_LEN)
    {
        return VO_NO_SPACE;
    }

    if (vo_sigv4_timestamp(http->time, t.pos) != VO_OK) {
        if (err) {
            *err = "clock out of range";
        }

        return VO_ERROR;
    }

    out->timestamp.data = t.pos;
    out->timestamp.len = VO_SIGV4_TIMESTAMP_LEN;
    t.pos += VO_SIGV4_TIMESTAMP_LEN;

    /* the headers to sign, in the order they are sent */
    s3 = vo_sigv4_is_s3(creds);

    vo_sigv4_http_header(out, "Host", &http->host);

    for (i = 0; i < http->nheaders; i++) {
        out->headers[out->nheaders++] = http->headers[i];
    }

    if (s3) {
        vo_sigv4_http_header(out, "x-amz-content-sha256",
                             &http->payload_hash);
    }

    vo_sigv4_http_header(out, s3 ? "x-amz-date" : "X-Amz-Date",
                         &out->timestamp);

    if (creds->session_token.len) {
        vo_sigv4_http_header(out, s3 ? "x-amz-security-token"
                                     : "X-Amz-Security-Token",
                             &creds->session_token);
    }

    memset(&req, 0, sizeof(vo_sigv4_request_t));
    req.method = http->method;
    req.path = out->path;
    req.path_encoded = 1;
    req.query = http->query;
    req.nquery = http->nquery;
    req.headers = out->headers;
    req.nheaders = out->nheaders;
    req.payload_hash = http->payload_hash;
    req.timestamp = out->timestamp;

    rc = vo_sigv4_authorization(creds, key, &req, t.pos,
                                (size_t) (t.end - t.pos), &len, err);
    if (rc != VO_OK) {
        return rc;
    }

    out->authorization.data = t.pos;
    out->authorization.len = len;

    vo_sigv4_http_header(out, "Authorization", &out->authorization);

    return VO_OK;
}


size_t
vo_sigv4_http_size(const vo_sigv4_creds_t *creds,
    const vo_sigv4_http_t *http)
{
    size_t  i, n;

    /* "/" bucket "/": every byte may become %XX */
    n = 2 + 3 * http->bucket.len;

    for (i = 0; i < http->npath; i++) {
        n += 3 * http->path[i].len;
    }

    for (i = 0; i < http->nquery; i++) {
        n += 2 + 3 * (http->query[i].name.len + http->query[i].value.len);
    }

    n += VO_SIGV4_TIMESTAMP_LEN;

    n += VO_SIGV4_HTTP_AUTH_FIXED + VO_SIGV4_HTTP_NAMES_FIXED
         + creds->access_key.len + creds->region.len + creds->service.len;

    for (i = 0; i < http->nheaders; i++) {
        n += http->headers[i].name.len + 1;
    }

    return n;
}


vo_status_t
vo_sigv4_key_for(const vo_sigv4_creds_t *creds, time_t t,
    vo_sigv4_key_t *key, const char **err)
{
    u_char    ts[VO_SIGV4_TIMESTAMP_LEN];
    vo_str_t  date;

    if (vo_sigv4_timestamp(t, ts) != VO_OK) {
        if (err) {
            *err = "clock out of range";
        }

        return VO_ERROR;
    }

    if (memcmp(key->date, ts, VO_SIGV4_DATE_LEN) == 0) {
        return VO_OK;
    }

    date.data = ts;
    date.len = sizeof(ts);

    return vo_sigv4_derive_key(creds, &date, key, err);
}
