/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * What test_sigv4.c and test_sigv4_canon.c share: the S3 documentation's
 * credentials and "GET object" example, and the check that a description
 * is refused.  Include after vo_test.h, from one .c file per binary.
 */

#ifndef SIGV4_FIXTURES_H
#define SIGV4_FIXTURES_H

#include "vo_core.h"
#include "vo_sigv4.h"


#define S(s)         { sizeof(s) - 1, (const u_char *) (s) }
#define PAIR(n, v)   { S(n), S(v) }
#define NELTS(a)     (sizeof(a) / sizeof((a)[0]))

#define S3_HOST      "examplebucket.s3.amazonaws.com"
#define S3_TS        "20130524T000000Z"


static const vo_sigv4_creds_t  s3_creds = {
    S("AKIAIOSFODNN7EXAMPLE"), S("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    S(""), S("us-east-1"), S("s3")
};


/* the S3 "GET object" example: the first 10 bytes of test.txt */
static const vo_sigv4_pair_t  get_object_headers[] = {
    PAIR("Host", S3_HOST),
    PAIR("Range", "bytes=0-9"),
    PAIR("x-amz-content-sha256", VO_SIGV4_EMPTY_SHA256),
    PAIR("x-amz-date", S3_TS)
};

static const vo_sigv4_request_t  get_object = {
    S("GET"), S("/test.txt"), 0, NULL, 0,
    get_object_headers, NELTS(get_object_headers),
    S(VO_SIGV4_EMPTY_SHA256), S(S3_TS)
};


/* authorization (expires 0) or presigning refuses req, with a reason
 * (inline: not every test that includes this uses it) */
static inline void
check_refused(const char *name, const vo_sigv4_creds_t *creds,
    const vo_sigv4_request_t *req, unsigned expires)
{
    u_char        buf[1024];
    size_t        len;
    const char   *err;
    vo_status_t   rc;

    err = NULL;

    if (expires) {
        rc = vo_sigv4_presign(creds, NULL, req, expires, buf, sizeof(buf),
                              &len, &err);

    } else {
        rc = vo_sigv4_authorization(creds, NULL, req, buf, sizeof(buf),
                                    &len, &err);
    }

    VO_TEST_RESULT(rc == VO_BAD_REQUEST && err != NULL && len == 0,
                   "%s: rc %d (%s), want VO_BAD_REQUEST with a reason", name,
                   rc, err ? err : "no reason");
}


#endif /* SIGV4_FIXTURES_H */
