/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The S3 client's data and limits: its configuration, a request and its
 * result.  Types only, no functions: the client's layers share them, one
 * attempt (tw_s3_request.c) below the retries and operations (tw_s3.c)
 * below multipart upload and listing (tw_s3_upload.c).  Callers include
 * tw_s3.h, which includes this.
 */

#ifndef TW_S3_TYPES_H
#define TW_S3_TYPES_H

#include <stddef.h>
#include <stdint.h>


#define TW_S3_NOT_FOUND          1

#define TW_S3_CONNECT_TIMEOUT    5000     /* ms, when the conf says 0 */
#define TW_S3_TIMEOUT            60000    /* ms, a whole request */

#define TW_S3_MAX_ID             128      /* bytes of a key id, secret,
                                             region (the signer's limit) */
#define TW_S3_MAX_TOKEN          4096     /* a session token */
#define TW_S3_MAX_HOST           256
#define TW_S3_MAX_KEY            1024     /* S3's own limit, bytes */

#define TW_S3_BACKOFF            100      /* ms before the first retry */
#define TW_S3_BACKOFF_MAX        2000     /* ms, longest wait */
#define TW_S3_MAX_RETRIES        10

/* multipart upload (tw_s3_upload.c); S3's limits */
#define TW_S3_MIN_PART           ((size_t) 5 << 20)
#define TW_S3_MAX_PART           ((size_t) 5 << 30)
#define TW_S3_MAX_PARTS          10000
#define TW_S3_MULTIPART_SIZE     ((size_t) 16 << 20)   /* defaults */
#define TW_S3_PART_SIZE          ((size_t) 8 << 20)
#define TW_S3_ETAG_MAX           128      /* a part's ETag, quoted */
#define TW_S3_UPLOAD_ID          1024     /* a multipart upload id */


typedef struct {
    /* "http://127.0.0.1:9000" or "https://s3.eu-west-1.amazonaws.com":
     * scheme and authority only, no path */
    const char     *endpoint;
    const char     *region;         /* NULL: $AWS_REGION, else us-east-1 */
    const char     *bucket;

    /* path style: {endpoint}/{bucket}/{key}; otherwise virtual-hosted:
     * {scheme}://{bucket}.{authority}/{key} */
    unsigned        path_style:1;

    /* NULL: $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY and
     * $AWS_SESSION_TOKEN (the token is optional) */
    const char     *access_key;
    const char     *secret_key;
    const char     *session_token;

    long            connect_timeout_ms;     /* 0: TW_S3_CONNECT_TIMEOUT */
    long            timeout_ms;             /* 0: TW_S3_TIMEOUT */
    uint32_t        retries;                /* attempts after the first */

    /* tw_s3_upload*(): bodies above multipart_size go up in parts of
     * part_size (0: the defaults above) */
    size_t          multipart_size;
    size_t          part_size;
} tw_s3_conf_t;


typedef struct {
    long            status;         /* HTTP status, 0 without an answer */
    char            code[64];       /* S3 error Code, "" if none */
    int64_t         size;           /* Content-Length of HEAD/GET, or -1 */
    char            etag[128];      /* as sent, quotes included */
    char            last_modified[40];  /* as sent, "" if none */
    char            date[40];       /* the answer's Date, "" if none */
    uint32_t        attempts;       /* requests sent */
} tw_s3_res_t;


/* receives the body of a GET in pieces; a non-zero return aborts the
 * transfer (the call then fails) */
typedef int (*tw_s3_write_pt)(void *data, const void *buf, size_t len);


/* a query parameter, raw (encoded by the call); value "" for none */
typedef struct {
    const char     *name;
    const char     *value;
} tw_s3_param_t;


/* one signed request */
typedef struct {
    const char           *method;     /* "GET", "PUT", "POST", ... */
    const char           *key;        /* "": the bucket itself */
    const tw_s3_param_t  *query;
    size_t                nquery;
    int64_t               first;      /* Range, when last >= 0 */
    int64_t               last;
    const void           *body;       /* PUT and POST; NULL: none */
    size_t                len;
    tw_s3_write_pt        write;      /* a 2xx answer's body; NULL: drop */
    void                 *data;
} tw_s3_op_t;


#endif /* TW_S3_TYPES_H */
