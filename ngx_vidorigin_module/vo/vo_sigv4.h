/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * AWS Signature Version 4 (AWS4-HMAC-SHA256) for S3 and S3-compatible
 * stores, with OpenSSL's libcrypto.  One signer for the nginx module and
 * the transcode worker.
 *
 * Contract, for every function here:
 *   - nothing global is written and nothing is allocated but one libcrypto
 *     digest context per call, freed before it returns: results go to the
 *     caller's memory, bounded by the size it passes, so the functions are
 *     reentrant and may run in several threads at once;
 *   - text outputs are not NUL terminated; *len gets their length.  When
 *     the output does not fit, nothing is written past size, the call
 *     returns VO_NO_SPACE and *len is the size the whole output needs, so
 *     the caller can retry with that much;
 *   - VO_BAD_REQUEST means the description cannot be signed (a malformed
 *     timestamp, a header value with CR or LF, a required header missing,
 *     ...); *err, when err is not NULL, says why (static, lowercase);
 *   - VO_ERROR means libcrypto failed.
 *
 * What is signed is what the caller describes: the headers in the
 * description are exactly the signed headers, and the caller sends the
 * same ones (plus Authorization).  The signer checks that the ones SigV4
 * and S3 insist on are there and agree with the rest (see
 * vo_sigv4_authorization).  Chunked (STREAMING-*) payload signing is not
 * implemented.
 */

#ifndef VO_SIGV4_H
#define VO_SIGV4_H

#include <time.h>

#include "vo_core.h"
#include "vo_sigv4_types.h"


/*
 * Derives the key for date ("YYYYMMDD", or a whole timestamp, of which
 * the first 8 characters are used) and the region and service of creds.
 */
vo_status_t vo_sigv4_derive_key(const vo_sigv4_creds_t *creds,
    const vo_str_t *date, vo_sigv4_key_t *key, const char **err);

/*
 * The value of the Authorization header:
 *
 *   AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request,
 *   SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,
 *   Signature=<64 hex>                          (on one line, ", " apart)
 *
 * key is a key from vo_sigv4_derive_key() for the day of req->timestamp
 * and the creds' region and service, or NULL to derive one for this call;
 * a key for another day is refused.  Required among the headers: host;
 * x-amz-date, equal to the timestamp; x-amz-security-token, equal to the
 * token, when creds carry one; for service "s3", x-amz-content-sha256,
 * equal to the payload hash.
 */
vo_status_t vo_sigv4_authorization(const vo_sigv4_creds_t *creds,
    const vo_sigv4_key_t *key, const vo_sigv4_request_t *req, u_char *out,
    size_t size, size_t *len, const char **err);

/*
 * The query string of a presigned URL, valid for expires seconds (1 to
 * 7 days): the request's own parameters and X-Amz-Algorithm, -Credential,
 * -Date, -Expires, [-Security-Token,] -SignedHeaders, all encoded and in
 * canonical order, then &X-Amz-Signature=<64 hex>.  The URL is the path
 * (encoded as in the signature), '?', and this.  The headers are usually
 * host alone; the payload hash is usually UNSIGNED-PAYLOAD.  The request's
 * own query must not carry X-Amz-* authentication parameters.
 */
vo_status_t vo_sigv4_presign(const vo_sigv4_creds_t *creds,
    const vo_sigv4_key_t *key, const vo_sigv4_request_t *req,
    unsigned expires, u_char *out, size_t size, size_t *len,
    const char **err);

/*
 * The canonical request that vo_sigv4_authorization (expires 0) or
 * vo_sigv4_presign (expires > 0) hashes: for tests, and for comparing
 * with the one an S3 error answer shows.
 */
vo_status_t vo_sigv4_canonical_request(const vo_sigv4_creds_t *creds,
    const vo_sigv4_request_t *req, unsigned expires, u_char *out,
    size_t size, size_t *len, const char **err);


/* helpers, exposed because callers and tests need them too */

/* hex[64] = lowercase hex SHA-256 of data */
vo_status_t vo_sigv4_sha256_hex(const u_char *data, size_t len,
    u_char *hex);

/* t as "YYYYMMDDTHHMMSSZ" (UTC) into ts[16]; VO_ERROR if t is out of
 * range */
vo_status_t vo_sigv4_timestamp(time_t t, u_char *ts);

/*
 * SigV4 URI encoding: A-Z a-z 0-9 - _ . ~ stay, every other byte becomes
 * %XX (uppercase hex); '/' stays too when keep_slash is set (paths), and
 * is encoded otherwise (query names and values).  ' ' is %20, never '+'.
 */
vo_status_t vo_sigv4_uri_encode(const u_char *src, size_t slen,
    int keep_slash, u_char *out, size_t size, size_t *len);

/* a header value as signed: leading and trailing blanks removed, inner
 * runs of blanks (space, tab) made one space */
vo_status_t vo_sigv4_trim(const u_char *src, size_t slen, u_char *out,
    size_t size, size_t *len);

/* the SignedHeaders value of req: lowercase names, sorted, unique, ';'
 * apart */
vo_status_t vo_sigv4_signed_headers(const vo_sigv4_request_t *req,
    u_char *out, size_t size, size_t *len, const char **err);


#endif /* VO_SIGV4_H */
