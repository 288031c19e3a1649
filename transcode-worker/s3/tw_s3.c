/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * S3 client: the configuration, the retry loop around one attempt
 * (tw_s3_request.c) and the operations on one object (see tw_s3.h for
 * the contract).
 */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "s3/tw_s3.h"
#include "s3/tw_s3_request.h"


static void tw_s3_global(void);
static int tw_s3_request(tw_s3_req_t *r);
static void tw_s3_sleep(uint32_t attempt);
static void tw_s3_op_init(tw_s3_op_t *op, const char *method,
    const char *key);


static pthread_once_t  tw_s3_once = PTHREAD_ONCE_INIT;
static CURLcode        tw_s3_init_rc;


static void
tw_s3_global(void)
{
    tw_s3_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}


int
tw_s3_init(void)
{
    pthread_once(&tw_s3_once, tw_s3_global);

    if (tw_s3_init_rc != CURLE_OK) {
        tw_log(TW_LOG_ERR, "curl_global_init() failed: %s",
               curl_easy_strerror(tw_s3_init_rc));
        return -1;
    }

    return 0;
}


void
tw_s3_cleanup(void)
{
    if (tw_s3_init_rc == CURLE_OK) {
        curl_global_cleanup();
    }
}


int
tw_s3_conf_check(tw_s3_conf_t *conf)
{
    size_t       n, slen, alen;
    const char  *a, *b;

    if (conf->endpoint == NULL
        || tw_s3_endpoint(conf->endpoint, &slen, &a, &alen) != 0)
    {
        tw_log(TW_LOG_ERR, "invalid s3 endpoint \"%s\": "
               "http(s)://host[:port] expected",
               conf->endpoint ? conf->endpoint : "");
        return -1;
    }

    /* S3's bucket naming rules, which also keep the name a valid host
     * label for virtual-hosted style */
    b = conf->bucket ? conf->bucket : "";
    n = strlen(b);

    if (n < 3 || n > 63
        || strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789.-") != n
        || b[0] == '.' || b[0] == '-' || b[n - 1] == '.' || b[n - 1] == '-')
    {
        tw_log(TW_LOG_ERR, "invalid s3 bucket name \"%s\"", b);
        return -1;
    }

    if (conf->access_key == NULL) {
        conf->access_key = getenv("AWS_ACCESS_KEY_ID");
    }

    if (conf->secret_key == NULL) {
        conf->secret_key = getenv("AWS_SECRET_ACCESS_KEY");
    }

    if (conf->session_token == NULL) {
        conf->session_token = getenv("AWS_SESSION_TOKEN");
    }

    if (conf->region == NULL) {
        conf->region = getenv("AWS_REGION");
    }

    if (conf->region == NULL || conf->region[0] == '\0') {
        conf->region = "us-east-1";
    }

    if (conf->access_key == NULL || conf->access_key[0] == '\0'
        || conf->secret_key == NULL || conf->secret_key[0] == '\0')
    {
        tw_log(TW_LOG_ERR, "no s3 credentials: set AWS_ACCESS_KEY_ID and "
               "AWS_SECRET_ACCESS_KEY");
        return -1;
    }

    if (strlen(conf->access_key) > TW_S3_MAX_ID
        || strlen(conf->secret_key) > TW_S3_MAX_ID
        || strlen(conf->region) > TW_S3_MAX_ID
        || (conf->session_token
            && strlen(conf->session_token) > TW_S3_MAX_TOKEN))
    {
        tw_log(TW_LOG_ERR, "s3 credentials or region too long");
        return -1;
    }

    if (conf->connect_timeout_ms <= 0) {
        conf->connect_timeout_ms = TW_S3_CONNECT_TIMEOUT;
    }

    if (conf->timeout_ms <= 0) {
        conf->timeout_ms = TW_S3_TIMEOUT;
    }

    return 0;
}


/*
 * The retry loop around tw_s3_attempt(): one line per failed attempt, a
 * warning while another one follows, the error when it is the last.
 */
static int
tw_s3_request(tw_s3_req_t *r)
{
    int                  rc;
    uint32_t             attempt, attempts;
    const u_char        *body;
    size_t               len;
    tw_s3_res_t          dummy;

    if (r->res == NULL) {
        r->res = &dummy;
    }

    body = r->body;
    len = r->left;
    attempts = 1 + (r->conf->retries < TW_S3_MAX_RETRIES
                    ? r->conf->retries : TW_S3_MAX_RETRIES);

    for (attempt = 1; ; attempt++) {
        r->body = body;
        r->left = len;
        r->nerr = 0;
        r->checked = 0;
        r->delivered = 0;
        r->abort_reason = NULL;
        r->retryable = 0;
        r->msg[0] = '\0';

        if (r->write == tw_s3_to_buf) {
            /* a GET into a buffer starts over in it */
            ((tw_s3_buf_t *) r->data)->len = 0;
        }

        memset(r->res, 0, sizeof(tw_s3_res_t));
        r->res->size = -1;

        /* logged: curl_global_init() failed */
        rc = tw_s3_init() == 0 ? tw_s3_attempt(r) : -1;
        r->res->attempts = attempt;

        if (rc != -1) {
            return rc;
        }

        if (r->msg[0] == '\0') {
            /* logged where it was found (a local failure) */
            return -1;
        }

        /* a receiver that already has part of a body cannot take it
         * back (but a buffer can): the caller starts over if it wants */
        if (!r->retryable || attempt >= attempts
            || (r->delivered && r->write != tw_s3_to_buf))
        {
            break;
        }

        tw_log(TW_LOG_WARN, "%s; retry %u of %u in %u ms", r->msg,
               attempt, attempts - 1,
               TW_S3_BACKOFF << (attempt - 1) < TW_S3_BACKOFF_MAX
               ? TW_S3_BACKOFF << (attempt - 1) : TW_S3_BACKOFF_MAX);

        tw_s3_sleep(attempt);
    }

    if (attempt > 1) {
        tw_log(TW_LOG_ERR, "%s (after %u attempts)", r->msg, attempt);

    } else {
        tw_log(TW_LOG_ERR, "%s", r->msg);
    }

    return -1;
}


/* TW_S3_BACKOFF << (attempt - 1), capped, minus up to a quarter of it
 * at random so that workers failing together do not retry together */
static void
tw_s3_sleep(uint32_t attempt)
{
    uint32_t         ms;
    struct timespec  ts;

    static __thread unsigned  seed;

    if (seed == 0) {
        seed = (unsigned) ((uint64_t) (tw_clock() * 1e9)
                           ^ (uintptr_t) &seed) | 1;
    }

    ms = attempt < 16 ? TW_S3_BACKOFF << (attempt - 1) : TW_S3_BACKOFF_MAX;
    if (ms > TW_S3_BACKOFF_MAX) {
        ms = TW_S3_BACKOFF_MAX;
    }

    ms -= (uint32_t) (rand_r(&seed) % (ms / 4 + 1));

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long) (ms % 1000) * 1000000;

    while (nanosleep(&ts, &ts) != 0) {
        /* EINTR: sleep the rest */
    }
}


int
tw_s3_call(const tw_s3_conf_t *conf, const tw_s3_op_t *op,
    tw_s3_res_t *res)
{
    tw_s3_req_t  *r;
    int           rc;

    if (op->last >= 0 && (op->first < 0 || op->first > op->last)) {
        tw_log(TW_LOG_ERR, "s3 %s \"%s\": invalid range %lld-%lld",
               op->method, op->key, (long long) op->first,
               (long long) op->last);
        return -1;
    }

    /* 5 KB with the error body: off the caller's stack */
    r = calloc(1, sizeof(tw_s3_req_t));
    if (r == NULL) {
        tw_log(TW_LOG_ERR, "s3 %s \"%s\": out of memory", op->method,
               op->key);
        return -1;
    }

    r->conf = conf;
    r->op = op;
    r->method = op->method;
    r->key = op->key;
    r->first = op->first;
    r->last = op->last;
    r->body = op->body ? op->body
                       : (op->len == 0 && (strcmp(op->method, "PUT") == 0
                                           || strcmp(op->method, "POST")
                                              == 0)
                          ? (const u_char *) "" : NULL);
    r->left = op->len;
    r->write = op->write;
    r->data = op->data;
    r->res = res;

    rc = tw_s3_request(r);

    free(r);

    return rc;
}


/* an operation on one object, without a body or a range: callers add
 * theirs */
static void
tw_s3_op_init(tw_s3_op_t *op, const char *method, const char *key)
{
    memset(op, 0, sizeof(tw_s3_op_t));
    op->method = method;
    op->key = key;
    op->last = -1;
}


int
tw_s3_head(const tw_s3_conf_t *conf, const char *key, tw_s3_res_t *res)
{
    tw_s3_op_t  op;

    tw_s3_op_init(&op, "HEAD", key);

    return tw_s3_call(conf, &op, res);
}


int
tw_s3_get(const tw_s3_conf_t *conf, const char *key, int64_t first,
    int64_t last, tw_s3_write_pt write, void *data, tw_s3_res_t *res)
{
    tw_s3_op_t  op;

    tw_s3_op_init(&op, "GET", key);
    op.first = first;
    op.last = last;
    op.write = write;
    op.data = data;

    return tw_s3_call(conf, &op, res);
}


int
tw_s3_get_buf(const tw_s3_conf_t *conf, const char *key, int64_t first,
    int64_t last, void *buf, size_t size, size_t *len, tw_s3_res_t *res)
{
    int           rc;
    tw_s3_buf_t   b;

    b.buf = buf;
    b.size = size;
    b.len = 0;

    rc = tw_s3_get(conf, key, first, last, tw_s3_to_buf, &b, res);

    *len = b.len;

    return rc;
}


int
tw_s3_put(const tw_s3_conf_t *conf, const char *key, const void *body,
    size_t len, tw_s3_res_t *res)
{
    tw_s3_op_t  op;

    tw_s3_op_init(&op, "PUT", key);
    op.body = body;
    op.len = len;

    return tw_s3_call(conf, &op, res);
}


int
tw_s3_delete(const tw_s3_conf_t *conf, const char *key, tw_s3_res_t *res)
{
    tw_s3_op_t  op;

    tw_s3_op_init(&op, "DELETE", key);

    return tw_s3_call(conf, &op, res);
}
