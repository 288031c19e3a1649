/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * One signed SigV4 request, whole: the one place that gives a request its
 * shape.  The nginx module's S3 locations, the worker's S3 client and the
 * purger's CloudFront invalidations describe what they want to send
 * (vo_sigv4_http_t); vo_sigv4_http_sign() encodes the path and the query,
 * adds the headers SigV4 and the service require, signs with vo_sigv4.h,
 * and says what to put on the wire (vo_sigv4_signed_t).
 *
 * The headers, in the order they are to be sent:
 *
 *   Host                    the description's host
 *   (the extra headers)     as given: Range, Content-Type, ...
 *   x-amz-content-sha256    the payload hash; service "s3" only
 *   x-amz-date              the time, "YYYYMMDDTHHMMSSZ"
 *   x-amz-security-token    temporary credentials only
 *   Authorization           AWS4-HMAC-SHA256 Credential=..., SignedHeaders=
 *                           ..., Signature=...
 *
 * every one but Authorization signed.  For "s3" the x-amz-* names are
 * written as the S3 API reference writes them (lowercase); for other
 * services as the generic SigV4 documentation does (X-Amz-Date,
 * X-Amz-Security-Token).  SigV4 signs names lowercased, so the spelling
 * changes no signature; it is kept so that every caller sends what it
 * has always sent.
 *
 * Contract, as in vo_sigv4.h:
 *   - nothing is allocated but the signer's digest context: the text
 *     (encoded path and query, timestamp, Authorization) goes into the
 *     caller's buf; out's strings point into buf, or into the
 *     description and creds (host, header values, payload hash, session
 *     token), which must outlive out;
 *   - VO_NO_SPACE when buf is too small: vo_sigv4_http_size() bytes are
 *     always enough; nothing is written past size;
 *   - VO_BAD_REQUEST when the description cannot be signed, *err (static,
 *     lowercase) saying why when err is not NULL; VO_ERROR when libcrypto
 *     failed or the time cannot be written as a timestamp.
 * Reentrant: several threads may sign at once.
 */

#ifndef VO_SIGV4_HTTP_H
#define VO_SIGV4_HTTP_H

#include <time.h>

#include "vo_core.h"
#include "vo_sigv4.h"


#define VO_SIGV4_HTTP_MAX_HEADERS  8     /* extra headers */

/* Host, the extra headers, three x-amz-* and Authorization */
#define VO_SIGV4_HTTP_MAX_SENT     (VO_SIGV4_HTTP_MAX_HEADERS + 5)


typedef struct {
    vo_str_t                method;      /* "GET", "PUT", "POST", ... */
    vo_str_t                host;        /* "bucket.s3.amazonaws.com",
                                            "127.0.0.1:9000" */

    /*
     * The path: "/" and the bucket when bucket is not empty (S3's path
     * style; the name is one segment, a '/' in it is encoded), then the
     * pieces of path, joined.  Everything is raw: every byte but
     * A-Z a-z 0-9 - _ . ~ and, in the pieces, '/' becomes %XX, once, as
     * S3 wants it (no normalization, no second encoding).  Pieces spare
     * the callers joining "/", a key prefix and a key themselves.  An
     * empty path is "/".
     */
    vo_str_t                bucket;
    const vo_str_t         *path;
    size_t                  npath;

    /* raw; sent in this order, names and values encoded, "name=value"
     * apart by '&' ("uploads" is sent "uploads="); signed sorted */
    const vo_sigv4_pair_t  *query;
    size_t                  nquery;

    /* signed and sent after Host, in this order; at most
     * VO_SIGV4_HTTP_MAX_HEADERS */
    const vo_sigv4_pair_t  *headers;
    size_t                  nheaders;

    /* lowercase hex SHA-256 of the body (VO_SIGV4_EMPTY_SHA256 for none,
     * vo_sigv4_sha256_hex() for one), or VO_SIGV4_UNSIGNED_PAYLOAD */
    vo_str_t                payload_hash;

    time_t                  time;        /* of the signature: now */
} vo_sigv4_http_t;


typedef struct {
    vo_str_t                target;      /* the request line's: the path,
                                            then '?' and the query */
    vo_str_t                path;        /* the encoded path alone, the
                                            start of target */
    vo_str_t                timestamp;   /* x-amz-date's value */
    vo_str_t                authorization;

    /* what to send, in order, Authorization last (see above) */
    vo_sigv4_pair_t         headers[VO_SIGV4_HTTP_MAX_SENT];
    size_t                  nheaders;
} vo_sigv4_signed_t;


/*
 * Signs http into out, with key (from vo_sigv4_derive_key() or
 * vo_sigv4_key_for(), for the day of http->time) or NULL to derive one
 * for this call.  buf holds the text; see the contract above.  The
 * Authorization value is a credential for the request until it expires:
 * callers wipe buf when done.
 */
vo_status_t vo_sigv4_http_sign(const vo_sigv4_creds_t *creds,
    const vo_sigv4_key_t *key, const vo_sigv4_http_t *http, u_char *buf,
    size_t size, vo_sigv4_signed_t *out, const char **err);

/* bytes of buf that always hold what vo_sigv4_http_sign() writes for
 * http and creds */
size_t vo_sigv4_http_size(const vo_sigv4_creds_t *creds,
    const vo_sigv4_http_t *http);

/*
 * A kept signing key, derived again when it is not for the day of t (at
 * most once a day): what a caller that signs often keeps, such as the
 * nginx module, one per location.  VO_OK, or as vo_sigv4_derive_key();
 * VO_ERROR when t cannot be written as a timestamp.  A key never derived
 * must start zeroed.
 */
vo_status_t vo_sigv4_key_for(const vo_sigv4_creds_t *creds, time_t t,
    vo_sigv4_key_t *key, const char **err);


#endif /* VO_SIGV4_HTTP_H */
