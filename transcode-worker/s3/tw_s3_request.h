/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Inside the S3 client: one attempt of a request (tw_s3_request.c), for
 * the retry loop and the operations of tw_s3.c.  Not for other callers.
 * The bottom layer of the client: it knows the client's types
 * (tw_s3_types.h), the core's request builder and libcurl, and nothing of
 * tw_s3.c.
 */

#ifndef TW_S3_REQUEST_H
#define TW_S3_REQUEST_H

#include <stdint.h>
#include <sys/types.h>

#include "s3/tw_s3_types.h"


#define TW_S3_ERR_BODY   4096    /* bytes of an error answer kept */
#define TW_S3_MAX_PATH   (3 * (TW_S3_MAX_KEY + 70) + 1)
#define TW_S3_MAX_QUERY  (3 * TW_S3_MAX_KEY + 1024)
#define TW_S3_MAX_PARAMS 8


typedef struct {
    const tw_s3_conf_t  *conf;
    const tw_s3_op_t    *op;
    const char          *method;
    const char          *key;
    int64_t              first;
    int64_t              last;          /* < 0: no Range */

    const u_char        *body;          /* PUT, POST: what is left */
    size_t               left;

    tw_s3_write_pt       write;         /* a 2xx body */
    void                *data;
    const char          *abort_reason;
    unsigned             checked:1;
    size_t               delivered;     /* bytes given to write */

    int64_t              cr_first;      /* Content-Range of a 206 */
    int64_t              cr_last;
    char                 abort_text[160];

    tw_s3_res_t         *res;
    size_t               nerr;
    char                 err[TW_S3_ERR_BODY + 1];

    /* the outcome of one attempt, logged by the retry loop */
    unsigned             retryable:1;
    char                 msg[512];
} tw_s3_req_t;


typedef struct {
    u_char              *buf;
    size_t               size;
    size_t               len;
} tw_s3_buf_t;


/*
 * One request: built and signed, sent, and its answer classified.  0,
 * TW_S3_NOT_FOUND, or -1 with r->msg set (and r->retryable) for the retry
 * loop to log; -1 with r->msg empty when the failure was local and is
 * logged already.  r->res must not be NULL; the loop resets it, and
 * makes sure curl is initialized (tw_s3_init), before each attempt.
 */
int tw_s3_attempt(tw_s3_req_t *r);

/* "http(s)://authority[/]": where the authority starts and how long; -1
 * when endpoint is not that */
int tw_s3_endpoint(const char *endpoint, size_t *scheme_len,
    const char **authority, size_t *alen);

/* the receiver of tw_s3_get_buf (data: a tw_s3_buf_t), which the retry
 * loop empties before each attempt */
int tw_s3_to_buf(void *data, const void *buf, size_t len);


#endif /* TW_S3_REQUEST_H */
