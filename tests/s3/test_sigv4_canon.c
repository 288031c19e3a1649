/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The canonical form of SigV4 (vo_sigv4_canon.c): URI encoding, header
 * value trimming, the order of query parameters and headers, what names
 * and values are refused, and outputs that do not fit.  The published
 * AWS examples are in test_sigv4.c.
 */

#include <stdint.h>

#include "vo_core.h"
#include "vo_sigv4.h"
#include "vo_test.h"
#include "sigv4_fixtures.h"


#define S3_SCOPE_ENC                                                         \
    "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"


#define CHECK_ENC(in, slash, want)                                           \
    do {                                                                     \
        u_char  b_[256];                                                     \
        size_t  l_;                                                          \
        VO_CHECK_INT(vo_sigv4_uri_encode((const u_char *) (in),              \
                                         sizeof(in) - 1, (slash), b_,        \
                                         sizeof(b_), &l_), VO_OK);           \
        VO_CHECK_MEM(b_, l_, (want));                                        \
    } while (0)

#define CHECK_TRIM(in, want)                                                 \
    do {                                                                     \
        u_char  b_[256];                                                     \
        size_t  l_;                                                          \
        VO_CHECK_INT(vo_sigv4_trim((const u_char *) (in), sizeof(in) - 1,    \
                                   b_, sizeof(b_), &l_), VO_OK);             \
        VO_CHECK_MEM(b_, l_, (want));                                        \
    } while (0)


static void
test_encoding(void)
{
    CHECK_ENC("", 0, "");
    CHECK_ENC("a b", 0, "a%20b");
    CHECK_ENC("a+b", 0, "a%2Bb");
    CHECK_ENC("a*b", 0, "a%2Ab");
    CHECK_ENC("~-_.", 0, "~-_.");
    CHECK_ENC("100%", 0, "100%25");
    CHECK_ENC("=&?#:@!$'()[],;", 0,
              "%3D%26%3F%23%3A%40%21%24%27%28%29%5B%5D%2C%3B");
    CHECK_ENC("caf\xc3\xa9", 0, "caf%C3%A9");
    CHECK_ENC("\x00\x7f\xff", 0, "%00%7F%FF");
    CHECK_ENC("v/x/0.m4s", 1, "v/x/0.m4s");
    CHECK_ENC("v/x/0.m4s", 0, "v%2Fx%2F0.m4s");
    CHECK_ENC("/a b/c~d", 1, "/a%20b/c~d");

    CHECK_TRIM("", "");
    CHECK_TRIM("   ", "");
    CHECK_TRIM("value1", "value1");
    CHECK_TRIM("  a   b  ", "a b");
    CHECK_TRIM("\t a \t\t b\t", "a b");
    CHECK_TRIM("\"a   b   c\"", "\"a b c\"");
}


/* the third line of the canonical request */
static void
check_query(const char *name, const vo_sigv4_pair_t *query, size_t n,
    const char *want)
{
    u_char              buf[1024], *p, *q;
    size_t              len;
    vo_status_t         rc;
    vo_sigv4_request_t  req;

    req = get_object;
    req.query = query;
    req.nquery = n;

    rc = vo_sigv4_canonical_request(&s3_creds, &req, 0, buf, sizeof(buf),
                                    &len, NULL);
    p = NULL;
    q = NULL;

    if (rc == VO_OK) {
        p = memchr(buf, '\n', len);
        p = p ? memchr(p + 1, '\n', (size_t) (buf + len - p - 1)) : NULL;
        q = p ? memchr(p + 1, '\n', (size_t) (buf + len - p - 1)) : NULL;
    }

    VO_TEST_RESULT(q != NULL && (size_t) (q - p - 1) == strlen(want)
                   && memcmp(p + 1, want, strlen(want)) == 0,
                   "%s: rc %d, got \"%.*s\"", name, rc,
                   q ? (int) (q - p - 1) : 0, q ? (char *) p + 1 : "");
}


static void
test_query_order(void)
{
    u_char        buf[1024];
    size_t        len;
    vo_status_t   rc;

    static const vo_sigv4_pair_t  dup[] = {
        PAIR("b", "2"), PAIR("a", "z"), PAIR("a", "y"), PAIR("a", "")
    };

    static const vo_sigv4_pair_t  spaces[] = {
        PAIR("prefix", "my file/"), PAIR("continuation-token", "1+2=3")
    };

    /* raw, '{' sorts after 'a'; encoded, "%7B" sorts before */
    static const vo_sigv4_pair_t  encoded_order[] = {
        PAIR("a", "1"), PAIR("{", "2"), PAIR("~", "3"), PAIR("Z", "4"),
        PAIR("\xc3\xa9", "5")
    };

    static const vo_sigv4_pair_t  same[] = {
        PAIR("k", "v"), PAIR("k", "v")
    };

    static const vo_sigv4_pair_t  null_value[] = {
        { S("uploads"), { 0, NULL } }
    };

    static const vo_sigv4_pair_t  extra[] = {
        PAIR("response-content-type", "video/mp4"), PAIR("A", "1")
    };

    static const vo_sigv4_pair_t  host[] = {
        PAIR("host", S3_HOST)
    };

    vo_sigv4_request_t  req = {
        S("GET"), S("/v/demo/0.m4s"), 0, extra, NELTS(extra),
        host, NELTS(host), S(VO_SIGV4_UNSIGNED_PAYLOAD), S(S3_TS)
    };

    check_query("duplicate names sort by value", dup, NELTS(dup),
                "a=&a=y&a=z&b=2");
    check_query("space and plus", spaces, NELTS(spaces),
                "continuation-token=1%2B2%3D3&prefix=my%20file%2F");
    check_query("encoded order", encoded_order, NELTS(encoded_order),
                "%7B=2&%C3%A9=5&Z=4&a=1&~=3");
    check_query("equal pairs", same, NELTS(same), "k=v&k=v");
    check_query("value { 0, NULL }", null_value, NELTS(null_value),
                "uploads=");
    check_query("none", NULL, 0, "");

    /* a presigned URL merges its own parameters in order */
    rc = vo_sigv4_presign(&s3_creds, NULL, &req, 3600, buf, sizeof(buf),
                          &len, NULL);
    VO_CHECK_INT(rc, VO_OK);
    VO_CHECK_MEM(buf, len > 64 ? len - 64 : 0,
        "A=1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
        S3_SCOPE_ENC "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=3600&"
        "X-Amz-SignedHeaders=host&response-content-type=video%2Fmp4&"
        "X-Amz-Signature=");
}


/* temporary credentials in a presigned URL: the token is a parameter */
static void
test_presign_token(void)
{
    u_char            buf[2048];
    size_t            len;
    vo_sigv4_creds_t  creds;

    static const vo_sigv4_pair_t  headers[] = {
        PAIR("Host", S3_HOST)
    };

    static const vo_sigv4_request_t  req = {
        S("GET"), S("/test.txt"), 0, NULL, 0, headers, NELTS(headers),
        S(VO_SIGV4_UNSIGNED_PAYLOAD), S(S3_TS)
    };

    creds = s3_creds;
    creds.session_token.data = (const u_char *) "a/b+c=";
    creds.session_token.len = 6;

    VO_CHECK_INT(vo_sigv4_presign(&creds, NULL, &req, 60, buf, sizeof(buf),
                                  &len, NULL), VO_OK);
    VO_CHECK_MEM(buf, len > 64 ? len - 64 : 0,
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" S3_SCOPE_ENC
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60&"
        "X-Amz-Security-Token=a%2Fb%2Bc%3D&X-Amz-SignedHeaders=host&"
        "X-Amz-Signature=");
}


static void
test_signed_headers(void)
{
    u_char              buf[64];
    size_t              len;
    const char         *err;
    vo_sigv4_request_t  req;

    static const vo_sigv4_pair_t  headers[] = {
        PAIR("X-B", "1"), PAIR("a", "2"), PAIR("x-b", "3"), PAIR("HOST", "h"),
        PAIR("x-a", "4")
    };

    static const vo_sigv4_pair_t  bad[] = {
        PAIR("Ho st", "h")
    };

    memset(&req, 0, sizeof(req));
    req.headers = headers;
    req.nheaders = NELTS(headers);

    VO_CHECK_INT(vo_sigv4_signed_headers(&req, buf, sizeof(buf), &len, NULL),
                 VO_OK);
    VO_CHECK_MEM(buf, len, "a;host;x-a;x-b");

    req.headers = bad;
    req.nheaders = NELTS(bad);
    err = NULL;
    VO_CHECK_INT(vo_sigv4_signed_headers(&req, buf, sizeof(buf), &len, &err),
                 VO_BAD_REQUEST);
    VO_CHECK(err != NULL);
}


/* what the canonical form cannot carry */
static void
test_refused_pairs(void)
{
    size_t              i;
    vo_sigv4_request_t  req;
    vo_sigv4_pair_t     h[VO_SIGV4_MAX_PAIRS + 1];

    static const vo_sigv4_pair_t  crlf[] = {
        PAIR("Host", S3_HOST), PAIR("Range", "bytes=0-9\r\nX-Evil: 1"),
        PAIR("x-amz-content-sha256", VO_SIGV4_EMPTY_SHA256),
        PAIR("x-amz-date", S3_TS)
    };

    static const vo_sigv4_pair_t  bad_name[] = {
        PAIR("Host", S3_HOST), PAIR("Ra:nge", "bytes=0-9"),
        PAIR("x-amz-content-sha256", VO_SIGV4_EMPTY_SHA256),
        PAIR("x-amz-date", S3_TS)
    };

    static const vo_sigv4_pair_t  signature_param[] = {
        PAIR("x-amz-signature", "0")
    };

    static const vo_sigv4_pair_t  empty_name[] = {
        PAIR("", "0")
    };

    req = get_object;
    req.headers = crlf;
    req.nheaders = NELTS(crlf);
    check_refused("CR LF in a value", &s3_creds, &req, 0);

    req.headers = bad_name;
    req.nheaders = NELTS(bad_name);
    check_refused("colon in a name", &s3_creds, &req, 0);

    req = get_object;
    req.query = signature_param;
    req.nquery = NELTS(signature_param);
    check_refused("query with a signature", &s3_creds, &req, 60);

    req.query = empty_name;
    req.nquery = NELTS(empty_name);
    check_refused("empty parameter name", &s3_creds, &req, 0);

    /* one over the limit */
    for (i = 0; i < NELTS(h); i++) {
        h[i] = get_object_headers[i % NELTS(get_object_headers)];
    }

    req = get_object;
    req.headers = h;
    req.nheaders = NELTS(h);
    check_refused("too many headers", &s3_creds, &req, 0);
}


/*
 * Every size short of the answer: VO_NO_SPACE, the size needed in *len,
 * and nothing written past the end (the buffer is allocated to the exact
 * size, so ASan and valgrind see any byte beyond it); what was written is
 * the start of the answer.
 */
static void
test_overflow(void)
{
    u_char       *p, full[1024];
    size_t        size, need, len, bad;
    vo_status_t   rc;

    VO_CHECK_INT(vo_sigv4_authorization(&s3_creds, NULL, &get_object, full,
                                        sizeof(full), &need, NULL), VO_OK);
    VO_CHECK_INT(vo_sigv4_authorization(&s3_creds, NULL, &get_object, NULL,
                                        0, &len, NULL), VO_NO_SPACE);
    VO_CHECK_UINT(len, need);

    bad = 0;

    for (size = 0; size <= need; size++) {
        p = malloc(size ? size : 1);
        memset(p, 'X', size);

        rc = vo_sigv4_authorization(&s3_creds, NULL, &get_object, p, size,
                                    &len, NULL);

        if ((size < need && (rc != VO_NO_SPACE || len != need))
            || (size == need && (rc != VO_OK || len != need
                                 || memcmp(p, full, need) != 0)))
        {
            bad++;
        }

        /* the bytes before the first one that did not fit are right */
        if (size < need && memchr(p, 'X', size) != NULL
            && memcmp(p, full, (size_t) ((u_char *) memchr(p, 'X', size)
                                         - p)) != 0)
        {
            bad++;
        }

        free(p);
    }

    VO_CHECK_UINT(bad, 0);

    /* the same for a presigned query and for plain encoding */
    VO_CHECK_INT(vo_sigv4_presign(&s3_creds, NULL, &get_object, 60, full,
                                  sizeof(full), &need, NULL), VO_OK);
    bad = 0;

    for (size = 0; size < need; size++) {
        p = malloc(size ? size : 1);
        rc = vo_sigv4_presign(&s3_creds, NULL, &get_object, 60, p, size,
                              &len, NULL);
        bad += (rc != VO_NO_SPACE || len != need);
        free(p);
    }

    VO_CHECK_UINT(bad, 0);

    p = malloc(8);
    VO_CHECK_INT(vo_sigv4_uri_encode((const u_char *) "a b c", 5, 0, p, 8,
                                     &len), VO_NO_SPACE);
    VO_CHECK_UINT(len, 9);
    VO_CHECK_INT(vo_sigv4_uri_encode((const u_char *) "a b", 3, 0, p, 5,
                                     &len), VO_OK);
    VO_CHECK_MEM(p, len, "a%20b");
    VO_CHECK_INT(vo_sigv4_trim((const u_char *) " 0123456789 ", 12, p, 8,
                               &len), VO_NO_SPACE);
    VO_CHECK_UINT(len, 10);
    free(p);
}

int
main(void)
{
    test_encoding();
    test_query_order();
    test_presign_token();
    test_signed_headers();
    test_refused_pairs();
    test_overflow();

    VO_TEST_DONE("test_sigv4_canon");
}
