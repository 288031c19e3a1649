/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The canonical request of SigV4: encoding, trimming, ordering, and the
 * writers that put it into a digest or a buffer piece by piece, so that
 * it is never held in memory whole.  Headers and query parameters are put
 * in canonical order through arrays of indexes on the stack; the caller's
 * arrays stay as given.
 */

#include <string.h>

#include "vo_sigv4_canon.h"


#define vo_sigv4_blank(c)    ((c) == ' ' || (c) == '\t')


/* the authentication parameters of a presigned URL, in canonical order */
typedef enum {
    VO_SIGV4_P_ALGORITHM = 0,
    VO_SIGV4_P_CREDENTIAL,
    VO_SIGV4_P_DATE,
    VO_SIGV4_P_EXPIRES,
    VO_SIGV4_P_TOKEN,
    VO_SIGV4_P_SIGNED_HEADERS,
    VO_SIGV4_P_N
} vo_sigv4_param_e;

static const vo_str_t  vo_sigv4_params[] = {
    vo_string("X-Amz-Algorithm"),
    vo_string("X-Amz-Credential"),
    vo_string("X-Amz-Date"),
    vo_string("X-Amz-Expires"),
    vo_string("X-Amz-Security-Token"),
    vo_string("X-Amz-SignedHeaders"),
    vo_string("X-Amz-Signature")        /* not signed; only refused */
};


static void vo_sigv4_put_lower(vo_sigv4_out_t *o, const vo_str_t *name,
    int encode);
static void vo_sigv4_put_uint(vo_sigv4_out_t *o, unsigned v);
static void vo_sigv4_put_headers(vo_sigv4_out_t *o, const vo_sigv4_ctx_t *c);
static void vo_sigv4_put_param(vo_sigv4_out_t *o, const vo_sigv4_ctx_t *c,
    vo_sigv4_param_e p);
static int vo_sigv4_enc_cmp(const vo_str_t *a, const vo_str_t *b);


void
vo_sigv4_out_init(vo_sigv4_out_t *o, u_char *buf, size_t size)
{
    o->md = NULL;
    o->pos = buf;
    o->room = buf ? size : 0;
    o->len = 0;
    o->copy = 1;
    o->overflow = 0;
    o->failed = 0;
}


vo_status_t
vo_sigv4_out_done(vo_sigv4_out_t *o, size_t *len)
{
    *len = o->len;

    if (o->failed) {
        return VO_ERROR;
    }

    return o->overflow ? VO_NO_SPACE : VO_OK;
}


void
vo_sigv4_put(vo_sigv4_out_t *o, const void *data, size_t len)
{
    if (len == 0) {
        return;
    }

    o->len += len;

    if (o->md && !o->failed && EVP_DigestUpdate(o->md, data, len) != 1) {
        o->failed = 1;
    }

    if (!o->copy || o->overflow) {
        return;
    }

    if (o->room < len) {
        o->overflow = 1;
        return;
    }

    memcpy(o->pos, data, len);
    o->pos += len;
    o->room -= len;
}


/* runs of unreserved bytes go out in one piece: a digest update per byte
 * would cost more than the encoding */
void
vo_sigv4_put_enc(vo_sigv4_out_t *o, const u_char *p, size_t len,
    int keep_slash)
{
    u_char         esc[3];
    const u_char  *end, *run;

    static const u_char  hex[] = "0123456789ABCDEF";

    /* an empty string may come as { 0, NULL } */
    if (len == 0) {
        return;
    }

    end = p + len;
    run = p;

    for ( ;; ) {
        while (p < end
               && (vo_sigv4_unreserved(*p) || (keep_slash && *p == '/')))
        {
            p++;
        }

        vo_sigv4_put(o, run, (size_t) (p - run));

        if (p == end) {
            return;
        }

        esc[0] = '%';
        esc[1] = hex[*p >> 4];
        esc[2] = hex[*p & 0x0f];
        vo_sigv4_put(o, esc, 3);

        run = ++p;
    }
}


static void
vo_sigv4_put_lower(vo_sigv4_out_t *o, const vo_str_t *name, int encode)
{
    size_t   i;
    u_char   c;

    for (i = 0; i < name->len; i++) {
        c = vo_sigv4_lower(name->data[i]);

        if (encode) {
            vo_sigv4_put_enc(o, &c, 1, 0);

        } else {
            vo_sigv4_put(o, &c, 1);
        }
    }
}


void
vo_sigv4_put_trimmed(vo_sigv4_out_t *o, const u_char *p, size_t len)
{
    const u_char  *end, *word;

    if (len == 0) {
        return;
    }

    end = p + len;

    while (p < end && vo_sigv4_blank(*p)) {
        p++;
    }

    while (end > p && vo_sigv4_blank(end[-1])) {
        end--;
    }

    word = p;

    while (p < end) {
        if (!vo_sigv4_blank(*p)) {
            p++;
            continue;
        }

        vo_sigv4_put(o, word, (size_t) (p - word));
        vo_sigv4_put(o, " ", 1);

        /* end was trimmed: a word follows every inner run of blanks */
        while (vo_sigv4_blank(*p)) {
            p++;
        }

        word = p;
    }

    vo_sigv4_put(o, word, (size_t) (p - word));
}


void
vo_sigv4_put_hex(vo_sigv4_out_t *o, const u_char *p, size_t n)
{
    size_t   i;
    u_char   buf[2 * EVP_MAX_MD_SIZE];

    static const u_char  hex[] = "0123456789abcdef";

    for (i = 0; i < n && i < EVP_MAX_MD_SIZE; i++) {
        buf[2 * i] = hex[p[i] >> 4];
        buf[2 * i + 1] = hex[p[i] & 0x0f];
    }

    vo_sigv4_put(o, buf, 2 * i);
}


static void
vo_sigv4_put_uint(vo_sigv4_out_t *o, unsigned v)
{
    u_char   tmp[16], *p;

    p = tmp + sizeof(tmp);

    do {
        *--p = (u_char) ('0' + v % 10);
        v /= 10;
    } while (v);

    vo_sigv4_put(o, p, (size_t) (tmp + sizeof(tmp) - p));
}


/* "20130524/us-east-1/s3/aws4_request", or encoded for a query value */
void
vo_sigv4_put_scope(vo_sigv4_out_t *o, const vo_sigv4_ctx_t *c, int encode)
{
    const char              *sep;
    size_t                   slen;
    const vo_sigv4_creds_t  *creds;

    creds = c->creds;
    sep = encode ? "%2F" : "/";
    slen = strlen(sep);

    vo_sigv4_put(o, c->req->timestamp.data, VO_SIGV4_DATE_LEN);
    vo_sigv4_put(o, sep, slen);

    if (encode) {
        vo_sigv4_put_enc(o, creds->region.data, creds->region.len, 0);
        vo_sigv4_put(o, sep, slen);
        vo_sigv4_put_enc(o, creds->service.data, creds->service.len, 0);

    } else {
        vo_sigv4_put(o, creds->region.data, creds->region.len);
        vo_sigv4_put(o, sep, slen);
        vo_sigv4_put(o, creds->service.data, creds->service.len);
    }

    vo_sigv4_put(o, sep, slen);
    vo_sigv4_put(o, VO_SIGV4_TERMINATOR, sizeof(VO_SIGV4_TERMINATOR) - 1);
}


/* unique lowercase names in canonical order */
void
vo_sigv4_put_signed_headers(vo_sigv4_out_t *o, const vo_sigv4_ctx_t *c,
    const char *sep, int encode)
{
    size_t                  i;
    const vo_sigv4_pair_t  *h, *prev;

    prev = NULL;

    for (i = 0; i < c->req->nheaders; i++) {
        h = &c->req->headers[c->hidx[i]];

        if (prev && vo_sigv4_lower_cmp(&prev->name, &h->name) == 0) {
            continue;
        }

        if (prev) {
            vo_sigv4_put(o, sep, strlen(sep));
        }

        vo_sigv4_put_lower(o, &h->name, encode);
        prev = h;
    }
}


/* "name:value\n" per name; repeated names are one line, "a:v1,v2\n" */
static void
vo_sigv4_put_headers(vo_sigv4_out_t *o, const vo_sigv4_ctx_t *c)
{
    size_t                  i;
    const vo_sigv4_pair_t  *h, *prev;

    prev = NULL;

    for (i = 0; i < c->req->nheaders; i++) {
        h = &c->req->headers[c->hidx[i]];

        if (prev && vo_sigv4_lower_cmp(&prev->name, &h->name) == 0) {
            vo_sigv4_put(o, ",", 1);

        } else {
            if (prev) {
                vo_sigv4_put(o, "\n", 1);
            }

            vo_sigv4_put_lower(o, &h->name, 0);
            vo_sigv4_put(o, ":", 1);
        }

        vo_sigv4_put_trimmed(o, h->value.data, h->value.len);
        prev = h;
    }

    if (prev) {
        vo_sigv4_put(o, "\n", 1);
    }
}


static void
vo_sigv4_put_param(vo_sigv4_out_t *o, const vo_sigv4_ctx_t *c,
    vo_sigv4_param_e p)
{
    const vo_sigv4_creds_t  *creds;

    creds = c->creds;

    vo_sigv4_put(o, vo_sigv4_params[p].data, vo_sigv4_params[p].len);
    vo_sigv4_put(o, "=", 1);

    switch (p) {

    case VO_SIGV4_P_ALGORITHM:
        vo_sigv4_put(o, VO_SIGV4_ALGORITHM, sizeof(VO_SIGV4_ALGORITHM) - 1);
        break;

    case VO_SIGV4_P_CREDENTIAL:
        vo_sigv4_put_enc(o, creds->access_key.data, creds->access_key.len, 0);
        vo_sigv4_put(o, "%2F", 3);
        vo_sigv4_put_scope(o, c, 1);
        break;

    case VO_SIGV4_P_DATE:
        vo_sigv4_put(o, c->req->timestamp.data, c->req->timestamp.len);
        break;

    case VO_SIGV4_P_EXPIRES:
        vo_sigv4_put_uint(o, c->expires);
        break;

    case VO_SIGV4_P_TOKEN:
        vo_sigv4_put_enc(o, creds->session_token.data,
                         creds->session_token.len, 0);
        break;

    default: /* VO_SIGV4_P_SIGNED_HEADERS */
        vo_sigv4_put_signed_headers(o, c, "%3B", 1);
        break;
    }
}


/*
 * The request's parameters, encoded and sorted; for a presigned URL merged
 * with the X-Amz-* ones (whose names the request cannot repeat, so names
 * alone decide between the two lists).
 */
void
vo_sigv4_put_query(vo_sigv4_out_t *o, const vo_sigv4_ctx_t *c)
{
    int                     first;
    size_t                  i, nq;
    unsigned                p, np;
    const vo_sigv4_pair_t  *q;

    nq = c->req->nquery;
    np = c->expires ? VO_SIGV4_P_N : 0;
    i = 0;
    p = 0;
    first = 1;

    for ( ;; ) {
        if (p == VO_SIGV4_P_TOKEN && c->creds->session_token.len == 0) {
            p++;
        }

        if (i == nq && p >= np) {
            break;
        }

        if (!first) {
            vo_sigv4_put(o, "&", 1);
        }

        first = 0;
        q = (i < nq) ? &c->req->query[c->qidx[i]] : NULL;

        if (q && (p >= np
                  || vo_sigv4_enc_cmp(&q->name, &vo_sigv4_params[p]) < 0))
        {
            vo_sigv4_put_enc(o, q->name.data, q->name.len, 0);
            vo_sigv4_put(o, "=", 1);
            vo_sigv4_put_enc(o, q->value.data, q->value.len, 0);
            i++;

        } else {
            vo_sigv4_put_param(o, c, (vo_sigv4_param_e) p);
            p++;
        }
    }
}


void
vo_sigv4_put_canonical(vo_sigv4_out_t *o, const vo_sigv4_ctx_t *c)
{
    const vo_sigv4_request_t  *req;

    req = c->req;

    vo_sigv4_put(o, req->method.data, req->method.len);
    vo_sigv4_put(o, "\n", 1);

    if (req->path.len == 0) {
        vo_sigv4_put(o, "/", 1);

    } else if (req->path_encoded) {
        vo_sigv4_put(o, req->path.data, req->path.len);

    } else {
        vo_sigv4_put_enc(o, req->path.data, req->path.len, 1);
    }

    vo_sigv4_put(o, "\n", 1);
    vo_sigv4_put_query(o, c);
    vo_sigv4_put(o, "\n", 1);
    vo_sigv4_put_headers(o, c);
    vo_sigv4_put(o, "\n", 1);
    vo_sigv4_put_signed_headers(o, c, ";", 0);
    vo_sigv4_put(o, "\n", 1);
    vo_sigv4_put(o, req->payload_hash.data, req->payload_hash.len);
}


int
vo_sigv4_lower_cmp(const vo_str_t *a, const vo_str_t *b)
{
    size_t   i, n;
    u_char   ca, cb;

    n = a->len < b->len ? a->len : b->len;

    for (i = 0; i < n; i++) {
        ca = vo_sigv4_lower(a->data[i]);
        cb = vo_sigv4_lower(b->data[i]);

        if (ca != cb) {
            return ca < cb ? -1 : 1;
        }
    }

    return a->len < b->len ? -1 : (a->len > b->len);
}


/*
 * Orders two raw strings as their encoded forms order, without encoding
 * them.  An escape starts with '%' (0x25), below every unreserved
 * character, and two escapes order as the bytes they stand for (uppercase
 * hex digits sort in numeric order); so at the first differing byte an
 * unreserved one ranks above any other, and two of the same kind compare
 * by value.  Raw order would differ: '{' sorts after 'a', "%7B" before.
 */
static int
vo_sigv4_enc_cmp(const vo_str_t *a, const vo_str_t *b)
{
    size_t     i, n;
    unsigned   ra, rb;

    n = a->len < b->len ? a->len : b->len;

    for (i = 0; i < n; i++) {
        if (a->data[i] != b->data[i]) {
            ra = a->data[i] + (vo_sigv4_unreserved(a->data[i]) ? 256u : 0u);
            rb = b->data[i] + (vo_sigv4_unreserved(b->data[i]) ? 256u : 0u);
            return ra < rb ? -1 : 1;
        }
    }

    return a->len < b->len ? -1 : (a->len > b->len);
}


/* a header value goes out as sent: no CR, LF or other control byte */
vo_status_t
vo_sigv4_check_value(const vo_str_t *s)
{
    size_t  i;

    for (i = 0; i < s->len; i++) {
        if ((s->data[i] < ' ' && s->data[i] != '\t') || s->data[i] == 0x7f) {
            return VO_BAD_REQUEST;
        }
    }

    return VO_OK;
}


/* checks the names and values, and sorts the indexes (stable) */
vo_status_t
vo_sigv4_sort_headers(vo_sigv4_ctx_t *c, const char **err)
{
    size_t                  i, j, k;
    u_char                  ch;
    const vo_sigv4_pair_t  *h;

    static const char  tchar[] = "!#$%&'*+-.^_`|~";

    if (c->req->nheaders > VO_SIGV4_MAX_PAIRS) {
        vo_sigv4_fail("too many headers");
    }

    for (i = 0; i < c->req->nheaders; i++) {
        h = &c->req->headers[i];

        if (h->name.len == 0) {
            vo_sigv4_fail("empty header name");
        }

        for (k = 0; k < h->name.len; k++) {
            ch = h->name.data[k];

            if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
                  || (ch >= '0' && ch <= '9')
                  || (ch != '\0' && strchr(tchar, ch) != NULL)))
            {
                vo_sigv4_fail("bad character in header name");
            }
        }

        if (vo_sigv4_check_value(&h->value) != VO_OK) {
            vo_sigv4_fail("control character in header value");
        }

        /* insertion sort: a few headers, and stable for repeated names */
        for (j = i; j > 0; j--) {
            if (vo_sigv4_lower_cmp(&c->req->headers[c->hidx[j - 1]].name,
                                   &h->name) <= 0)
            {
                break;
            }

            c->hidx[j] = c->hidx[j - 1];
        }

        c->hidx[j] = (uint8_t) i;
    }

    return VO_OK;
}


/* checks the parameters and sorts them: by encoded name, then encoded
 * value (AWS sorts repeated names by value), stable for equal pairs */
vo_status_t
vo_sigv4_sort_query(vo_sigv4_ctx_t *c, const char **err)
{
    int                     cmp;
    size_t                  i, j, k;
    const vo_sigv4_pair_t  *q, *prev;

    if (c->req->nquery > VO_SIGV4_MAX_PAIRS) {
        vo_sigv4_fail("too many query parameters");
    }

    for (i = 0; i < c->req->nquery; i++) {
        q = &c->req->query[i];

        if (q->name.len == 0) {
            vo_sigv4_fail("empty query parameter name");
        }

        for (k = 0; c->expires && k < sizeof(vo_sigv4_params)
                                      / sizeof(vo_sigv4_params[0]); k++)
        {
            if (vo_sigv4_lower_cmp(&q->name, &vo_sigv4_params[k]) == 0) {
                vo_sigv4_fail("query already carries authentication");
            }
        }

        for (j = i; j > 0; j--) {
            prev = &c->req->query[c->qidx[j - 1]];
            cmp = vo_sigv4_enc_cmp(&prev->name, &q->name);

            if (cmp < 0 || (cmp == 0 && vo_sigv4_enc_cmp(&prev->value,
                                                          &q->value) <= 0))
            {
                break;
            }

            c->qidx[j] = c->qidx[j - 1];
        }

        c->qidx[j] = (uint8_t) i;
    }

    return VO_OK;
}
