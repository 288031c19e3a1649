/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The data of AWS Signature Version 4: credentials, a request description
 * and a signing key, and the signer's limits.  Types only, no functions:
 * the signer's two halves (vo_sigv4.c and its canonical form,
 * vo_sigv4_canon.c) and the request builder (vo_sigv4_http.c) share them.
 * Callers include vo_sigv4.h or vo_sigv4_http.h, which include this.
 */

#ifndef VO_SIGV4_TYPES_H
#define VO_SIGV4_TYPES_H

#include "vo_core.h"


#define VO_SIGV4_KEY_LEN          32    /* HMAC-SHA256 output, bytes */
#define VO_SIGV4_HEX_LEN          64    /* the same, in hex */
#define VO_SIGV4_TIMESTAMP_LEN    16    /* "YYYYMMDDTHHMMSSZ" */
#define VO_SIGV4_DATE_LEN         8     /* "YYYYMMDD" */

/* limits, so that every intermediate fits on the stack */
#define VO_SIGV4_MAX_PAIRS        64    /* headers, or query parameters */
#define VO_SIGV4_MAX_ID           128   /* access key, secret, region,
                                           service */
#define VO_SIGV4_MAX_EXPIRES      604800  /* presigned URLs: 7 days */

#define VO_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
/* SHA-256 of no bytes: the payload hash of a GET, HEAD or DELETE */
#define VO_SIGV4_EMPTY_SHA256                                                \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


typedef struct {
    vo_str_t        access_key;     /* AKIA... */
    vo_str_t        secret_key;
    vo_str_t        session_token;  /* temporary credentials; len 0: none */
    vo_str_t        region;         /* "us-east-1"; "auto" for some stores */
    vo_str_t        service;        /* "s3" */
} vo_sigv4_creds_t;


/* a header, or a query parameter (raw: the signer encodes it) */
typedef struct {
    vo_str_t        name;
    vo_str_t        value;
} vo_sigv4_pair_t;


typedef struct {
    vo_str_t            method;       /* "GET", "PUT", ... */

    /*
     * The path, "/bucket/key" or "/key".  Raw by default: every byte but
     * A-Z a-z 0-9 - _ . ~ and '/' becomes %XX, once (S3 neither decodes
     * nor normalizes it, and does not encode it twice).  With
     * path_encoded set it is used as given, and must then consist of
     * those characters and %XX escapes only.  Empty means "/".
     */
    vo_str_t            path;
    unsigned            path_encoded:1;

    /* query parameters, raw and in any order; a parameter without a
     * value ("?lifecycle") has an empty value */
    const vo_sigv4_pair_t  *query;
    size_t              nquery;

    /* the headers to sign, names in any case, values as sent; repeated
     * names are joined with ',' in the order given */
    const vo_sigv4_pair_t  *headers;
    size_t              nheaders;

    /* lowercase hex SHA-256 of the body (VO_SIGV4_EMPTY_SHA256 for
     * none), or VO_SIGV4_UNSIGNED_PAYLOAD */
    vo_str_t            payload_hash;

    vo_str_t            timestamp;    /* "YYYYMMDDTHHMMSSZ", UTC */
} vo_sigv4_request_t;


/*
 * The signing key depends only on the secret, the day, the region and the
 * service: callers derive it once a day and keep it (it is as sensitive as
 * the secret itself).
 */
typedef struct {
    u_char          date[VO_SIGV4_DATE_LEN];
    u_char          key[VO_SIGV4_KEY_LEN];
} vo_sigv4_key_t;


#endif /* VO_SIGV4_TYPES_H */
