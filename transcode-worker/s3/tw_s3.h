/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A small S3 client on libcurl, signing with the core's vo_sigv4: HEAD,
 * GET (whole or a byte range), PUT (the body hashed and signed whole) and
 * DELETE of one object, any other signed request (tw_s3_call), and in
 * tw_s3_upload.c multipart upload and listing.  The S3 store
 * (tw_store_s3.c) and the "s3" command are its callers.
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
 *   - every call is bounded by the conf's connect and total timeouts,
 *     times 1 + conf->retries attempts: a request that got no answer
 *     (connection refused or reset, timeout) or a 5xx, 408 or 429 is sent
 *     again after a backoff (TW_S3_BACKOFF ms, doubling, capped at
 *     TW_S3_BACKOFF_MAX, with jitter), each retry logged as a warning;
 *     any other 4xx is final at once.  A GET whose body has started to
 *     reach the receiver is not retried (the receiver cannot take it
 *     back), but for tw_s3_get_buf(), which starts over in its buffer.
 */

#ifndef TW_S3_H
#define TW_S3_H

#include <stddef.h>
#include <stdint.h>

#include "s3/tw_s3_types.h"


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

/* any request, with the contract above; op->last < 0 for no Range */
int tw_s3_call(const tw_s3_conf_t *conf, const tw_s3_op_t *op,
    tw_s3_res_t *res);

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

/*
 * tw_s3_upload.c.  An object of len bytes from memory: one PUT up to
 * conf->multipart_size, otherwise a multipart upload of conf->part_size
 * parts (larger when 10000 parts would not hold it).  Each request is
 * retried as above; when a part still fails, the upload is aborted
 * (AbortMultipartUpload), so no object and no pending upload remain.
 * 0 or -1 (logged).  res gets the final answer's ETag and Date.
 */
int tw_s3_upload(const tw_s3_conf_t *conf, const char *key,
    const void *body, size_t len, tw_s3_res_t *res);

/* the same from a file, read part by part (pread: fd's offset is kept);
 * the file must not change meanwhile */
int tw_s3_upload_fd(const tw_s3_conf_t *conf, const char *key, int fd,
    tw_s3_res_t *res);

/*
 * The steps of a multipart upload, for a writer whose bytes come over
 * time (the upload server): CreateMultipartUpload (the upload id into
 * id, of size >= TW_S3_UPLOAD_ID), UploadPart n (from 1; every part but
 * the last at least TW_S3_MIN_PART; its ETag into etag, of
 * TW_S3_ETAG_MAX), CompleteMultipartUpload of parts 1 to nparts, and
 * AbortMultipartUpload (its failure logged and left to the bucket's
 * lifecycle rule).  key is the bucket's key; each request is retried
 * as above.  0 or -1 (logged).
 */
int tw_s3_mp_create(const tw_s3_conf_t *conf, const char *key, char *id,
    size_t size);
int tw_s3_mp_part(const tw_s3_conf_t *conf, const char *key, const char *id,
    uint32_t n, const void *body, size_t len, char *etag);
int tw_s3_mp_complete(const tw_s3_conf_t *conf, const char *key,
    const char *id, char (*etags)[TW_S3_ETAG_MAX], uint32_t nparts,
    tw_s3_res_t *res);
void tw_s3_mp_abort(const tw_s3_conf_t *conf, const char *key,
    const char *id);

/* the ETag S3 gives an object of size bytes uploaded with conf by
 * tw_s3_upload*(): quoted MD5 hex for one PUT, MD5 of the parts' MD5s
 * and "-N" for N parts; of the file fd (pread).  -1 (logged) if
 * unreadable. */
int tw_s3_upload_etag(const tw_s3_conf_t *conf, int fd, int64_t size,
    int multipart, char *etag, size_t len);

/* receives one key of a listing; non-zero stops it (the list then
 * fails) */
typedef int (*tw_s3_key_pt)(void *data, const char *key);

/*
 * Every key that starts with prefix (ListObjectsV2, 1000 a page, at most
 * max keys: more is an error), in S3's order.  0 or -1 (logged).
 */
int tw_s3_list(const tw_s3_conf_t *conf, const char *prefix, size_t max,
    tw_s3_key_pt key, void *data);

/* "transcode-worker s3 ...": the operator's and the tests' command
 * (tw_s3_cmd.c) */
int tw_s3_command(int argc, char **argv);


#endif /* TW_S3_H */
