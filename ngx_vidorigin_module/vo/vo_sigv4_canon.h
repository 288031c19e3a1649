/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Inside the signer: the canonical form of a request (vo_sigv4_canon.c),
 * which vo_sigv4.c validates, hashes and signs.  Not for callers: they
 * include vo_sigv4.h.  The layer below vo_sigv4.c: it knows the types
 * (vo_sigv4_types.h) and nothing of the signer's functions.
 */

#ifndef VO_SIGV4_CANON_H
#define VO_SIGV4_CANON_H

#include <openssl/evp.h>

#include "vo_sigv4_types.h"


#define VO_SIGV4_ALGORITHM   "AWS4-HMAC-SHA256"
#define VO_SIGV4_TERMINATOR  "aws4_request"

#define vo_sigv4_unreserved(c)                                               \
    (((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z')                \
     || ((c) >= '0' && (c) <= '9') || (c) == '-' || (c) == '_'               \
     || (c) == '.' || (c) == '~')

#define vo_sigv4_lower(c)    (((c) >= 'A' && (c) <= 'Z') ? (c) | 0x20 : (c))

/* in a function with a "const char **err" argument */
#define vo_sigv4_fail(reason)                                                \
    do {                                                                     \
        if (err) {                                                           \
            *err = reason;                                                   \
        }                                                                    \
        return VO_BAD_REQUEST;                                               \
    } while (0)


/*
 * Where text goes: into a digest, into the caller's buffer, or both.
 * len counts every byte written, including those that did not fit, so
 * that VO_NO_SPACE can tell the size needed.  After the first byte that
 * does not fit nothing more is copied: the buffer never holds text with
 * a hole in it.
 */
typedef struct {
    EVP_MD_CTX     *md;
    u_char         *pos;
    size_t          room;
    size_t          len;
    unsigned        copy:1;
    unsigned        overflow:1;
    unsigned        failed:1;       /* the digest failed */
} vo_sigv4_out_t;


/* a request being signed, with its headers and parameters in canonical
 * order (indexes into the caller's arrays) */
typedef struct {
    const vo_sigv4_creds_t    *creds;
    const vo_sigv4_request_t  *req;
    unsigned                   expires;     /* 0: Authorization header */
    uint8_t                    hidx[VO_SIGV4_MAX_PAIRS];
    uint8_t                    qidx[VO_SIGV4_MAX_PAIRS];
} vo_sigv4_ctx_t;


void vo_sigv4_out_init(vo_sigv4_out_t *o, u_char *buf, size_t size);
vo_status_t vo_sigv4_out_done(vo_sigv4_out_t *o, size_t *len);
void vo_sigv4_put(vo_sigv4_out_t *o, const void *data, size_t len);
void vo_sigv4_put_hex(vo_sigv4_out_t *o, const u_char *p, size_t n);
/* SigV4 URI encoding (see vo_sigv4_uri_encode) */
void vo_sigv4_put_enc(vo_sigv4_out_t *o, const u_char *p, size_t len,
    int keep_slash);
/* a header value as signed (see vo_sigv4_trim) */
void vo_sigv4_put_trimmed(vo_sigv4_out_t *o, const u_char *p, size_t len);

/* "20130524/us-east-1/s3/aws4_request", or encoded for a query value */
void vo_sigv4_put_scope(vo_sigv4_out_t *o, const vo_sigv4_ctx_t *c,
    int encode);
/* "host;range;x-amz-date" */
void vo_sigv4_put_signed_headers(vo_sigv4_out_t *o, const vo_sigv4_ctx_t *c,
    const char *sep, int encode);
/* the canonical query; with c->expires, the presigned one */
void vo_sigv4_put_query(vo_sigv4_out_t *o, const vo_sigv4_ctx_t *c);
void vo_sigv4_put_canonical(vo_sigv4_out_t *o, const vo_sigv4_ctx_t *c);

int vo_sigv4_lower_cmp(const vo_str_t *a, const vo_str_t *b);
vo_status_t vo_sigv4_check_value(const vo_str_t *s);

/* check names and values, and fill c->hidx and c->qidx */
vo_status_t vo_sigv4_sort_headers(vo_sigv4_ctx_t *c, const char **err);
vo_status_t vo_sigv4_sort_query(vo_sigv4_ctx_t *c, const char **err);


#endif /* VO_SIGV4_CANON_H */
