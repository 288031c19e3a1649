/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A small S3 client on libcurl, signing with the core's vo_sigv4: HEAD,
 * GET (whole or a byte range), PUT (the body hashed and signed whole) and
 * DELETE of one object.  It is the first brick of the S3 store; nothing
 * else in the worker calls it yet but the "s3" command.
 *
 * Contract, for every tw_s3_* operation:
 *   - it returns 0 on success (2xx), TW_S3_NOT_FOUND on a 404 without
 *     logging anything (callers word "missing" themselves, as with
 *     tw_store_read), and -1 on any other failure, logged once through
 *     tw_log with the method, the key, the HTTP status and S3's error
 *     Code and Message when the peer sent an XML error body, or curl's
 *     reason when there was no answer;
 *   - res, when not NULL, gets the status, the S3 error code (also on
 *     404) and, on success, the object's size and ETag;
 *   - one CURL easy handle is made and freed per call, and nothing global
 *     is written after tw_s3_init(), so calls may run in several threads
 *     at once; the conf is only read;
 *   - every call is bounded by the conf's connect and total timeouts.
 */

#ifndef TW_S3_H
#define TW_S3_H

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
} tw_s3_conf_t;


typedef struct {
    long            status;         /* HTTP status, 0 without an answer */
    char            code[64];       /* S3 error Code, "" if none */
    int64_t         size;           /* Content-Length of HEAD/GET, or -1 */
    char            etag[128];      /* as sent, quotes included */
} tw_s3_res_t;


/* receives the body of a GET in pieces; a non-zero return aborts the
 * transfer (the call then fails) */
typedef int (*tw_s3_write_pt)(void *data, const void *buf, size_t len);


/* curl_global_init, once per process (pthread_once); called by every
 * operation, so calling it first is optional.  tw_s3_cleanup() at exit,
 * when no call runs any more. */
int tw_s3_init(void);
void tw_s3_cleanup(void);

/*
 * Completes conf from the environment (see tw_s3_conf_t) and checks it:
 * endpoint scheme and authority, bucket, credentials present and within
 * the signer's limits.  Logs and returns -1 when it is unusable.
 */
int tw_s3_conf_check(tw_s3_conf_t *conf);

int tw_s3_head(const tw_s3_conf_t *conf, const char *key, tw_s3_res_t *res);

/*
 * GET of key, or of bytes first..last (inclusive) when last >= 0; a
 * ranged GET must be answered 206, so a peer that ignores Range fails
 * rather than delivering the whole object.
 */
int tw_s3_get(const tw_s3_conf_t *conf, const char *key, int64_t first,
    int64_t last, tw_s3_write_pt write, void *data, tw_s3_res_t *res);

/* the same into buf; a body larger than size fails; *len gets its
 * length */
int tw_s3_get_buf(const tw_s3_conf_t *conf, const char *key, int64_t first,
    int64_t last, void *buf, size_t size, size_t *len, tw_s3_res_t *res);

/* PUT of len bytes, their SHA-256 in x-amz-content-sha256 (signed) */
int tw_s3_put(const tw_s3_conf_t *conf, const char *key, const void *body,
    size_t len, tw_s3_res_t *res);

/* DELETE; S3 answers 204 for a missing key too */
int tw_s3_delete(const tw_s3_conf_t *conf, const char *key,
    tw_s3_res_t *res);

/* "transcode-worker s3 ...": the operator's and the tests' command
 * (tw_s3_cmd.c) */
int tw_s3_command(int argc, char **argv);


#endif /* TW_S3_H */
