/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The SigV4 request builder (vo_sigv4_http.c):
 *   - AWS's published examples made through it: the S3 API reference's
 *     four Authorization headers and the generic test suite's cases, with
 *     the headers and request target it says to send;
 *   - each of its three callers' requests, as they assembled them by
 *     hand before the builder existed (the nginx module's S3 GET, the
 *     worker's S3 client, the purger's CloudFront invalidation): the same
 *     Authorization, headers, order and target for the same inputs;
 *   - buffers: vo_sigv4_http_size() is enough, anything shorter than what
 *     is written is VO_NO_SPACE without a byte past the end (ASan);
 *   - refusals, and the kept key of vo_sigv4_key_for().
 */

#include <stdint.h>

#include "vo_core.h"
#include "vo_sigv4_http.h"
#include "vo_test.h"
#include "sigv4_fixtures.h"


#define S3_SCOPE     "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"
#define S3_TIME      1369353600           /* 20130524T000000Z */
#define PUT_SHA256                                                           \
    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"

#define SUITE_HOST   "example.amazonaws.com"
#define SUITE_TIME   1440938160           /* 20150830T123600Z */
#define SUITE_CRED                                                           \
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"    \
    "aws4_request, "
#define SUITE_TOKEN  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x" \
    "4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qk" \
    "PpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VS" \
    "XDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZ" \
    "bqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxB" \
    "A=="

#define TEST_TIME    1764688000           /* 20251202T150640Z */


static const vo_sigv4_creds_t  suite_creds = {
    S("AKIDEXAMPLE"), S("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    S(""), S("us-east-1"), S("service")
};

static const vo_sigv4_creds_t  suite_token_creds = {
    S("AKIDEXAMPLE"), S("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    S(SUITE_TOKEN), S("us-east-1"), S("service")
};


/* a vo_str_t of a C string */
static vo_str_t
str(const char *s)
{
    vo_str_t  v;

    v.data = (const u_char *) s;
    v.len = strlen(s);

    return v;
}


/* out's headers as "Name: value\n" lines, for comparing a whole list */
static size_t
lines(const vo_sigv4_signed_t *out, size_t from, char *buf, size_t size)
{
    size_t   i;
    int      n;
    size_t   len;

    len = 0;
    buf[0] = '\0';

    for (i = from; i < out->nheaders && len < size; i++) {
        n = snprintf(buf + len, size - len, "%.*s: %.*s\n",
                     (int) out->headers[i].name.len,
                     (const char *) out->headers[i].name.data,
                     (int) out->headers[i].value.len,
                     (const char *) out->headers[i].value.data);
        len += (size_t) n;
    }

    return len;
}


/* signs http and checks target, Authorization and the headers sent
 * (every one before Authorization, which must come last) */
static void
check_http(const char *name, const vo_sigv4_creds_t *creds,
    const vo_sigv4_http_t *http, const char *target, const char *auth,
    const char *headers)
{
    u_char              buf[4096];
    char                got[8192], want[8192];
    size_t              n;
    const char         *err;
    vo_status_t         rc;
    vo_sigv4_signed_t   out;

    err = NULL;
    rc = vo_sigv4_http_sign(creds, NULL, http, buf, sizeof(buf), &out,
                            &err);

    VO_TEST_RESULT(rc == VO_OK, "%s: rc %d (%s)", name, rc,
                   err ? err : "");

    if (rc != VO_OK) {
        return;
    }

    VO_TEST_RESULT(out.target.len == strlen(target)
                   && memcmp(out.target.data, target, out.target.len) == 0,
                   "%s: target \"%.*s\"", name, (int) out.target.len,
                   (const char *) out.target.data);

    VO_TEST_RESULT(out.authorization.len == strlen(auth)
                   && memcmp(out.authorization.data, auth,
                             out.authorization.len) == 0,
                   "%s: Authorization \"%.*s\"", name,
                   (int) out.authorization.len,
                   (const char *) out.authorization.data);

    snprintf(want, sizeof(want), "%sAuthorization: %s\n", headers, auth);
    n = lines(&out, 0, got, sizeof(got));

    VO_TEST_RESULT(n == strlen(want) && memcmp(got, want, n) == 0,
                   "%s: headers\n%s", name, got);
}


/* the S3 API reference's four examples, through the builder */
static void
test_s3_examples(void)
{
    vo_str_t         path;
    vo_sigv4_http_t  http;

    static const vo_sigv4_pair_t  range[] = {
        PAIR("Range", "bytes=0-9")
    };

    static const vo_sigv4_pair_t  put_extra[] = {
        PAIR("Date", "Fri, 24 May 2013 00:00:00 GMT"),
        PAIR("x-amz-storage-class", "REDUCED_REDUNDANCY")
    };

    static const vo_sigv4_pair_t  lifecycle[] = {
        PAIR("lifecycle", "")
    };

    static const vo_sigv4_pair_t  list[] = {
        PAIR("prefix", "J"),
        PAIR("max-keys", "2")
    };

    memset(&http, 0, sizeof(http));
    http.method = str("GET");
    http.host = str(S3_HOST);
    path = str("/test.txt");
    http.path = &path;
    http.npath = 1;
    http.headers = range;
    http.nheaders = NELTS(range);
    http.payload_hash = str(VO_SIGV4_EMPTY_SHA256);
    http.time = S3_TIME;

    check_http("s3 get object", &s3_creds, &http, "/test.txt",
        "AWS4-HMAC-SHA256 Credential=" S3_SCOPE ", "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature="
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        "Host: " S3_HOST "\n"
        "Range: bytes=0-9\n"
        "x-amz-content-sha256: " VO_SIGV4_EMPTY_SHA256 "\n"
        "x-amz-date: " S3_TS "\n");

    /* '$' encoded once; the body's hash signed */
    http.method = str("PUT");
    path = str("/test$file.text");
    http.headers = put_extra;
    http.nheaders = NELTS(put_extra);
    http.payload_hash = str(PUT_SHA256);

    check_http("s3 put object", &s3_creds, &http, "/test%24file.text",
        "AWS4-HMAC-SHA256 Credential=" S3_SCOPE ", "
        "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-storage-class, Signature="
        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
        "Host: " S3_HOST "\n"
        "Date: Fri, 24 May 2013 00:00:00 GMT\n"
        "x-amz-storage-class: REDUCED_REDUNDANCY\n"
        "x-amz-content-sha256: " PUT_SHA256 "\n"
        "x-amz-date: " S3_TS "\n");

    /* the bucket itself: no path is "/"; a parameter without a value */
    http.method = str("GET");
    http.npath = 0;
    http.headers = NULL;
    http.nheaders = 0;
    http.payload_hash = str(VO_SIGV4_EMPTY_SHA256);
    http.query = lifecycle;
    http.nquery = NELTS(lifecycle);

    check_http("s3 lifecycle", &s3_creds, &http, "/?lifecycle=",
        "AWS4-HMAC-SHA256 Credential=" S3_SCOPE ", "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="
        "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
        "Host: " S3_HOST "\n"
        "x-amz-content-sha256: " VO_SIGV4_EMPTY_SHA256 "\n"
        "x-amz-date: " S3_TS "\n");

    /* sent in the caller's order, signed sorted */
    http.query = list;
    http.nquery = NELTS(list);

    check_http("s3 list objects", &s3_creds, &http,
        "/?prefix=J&max-keys=2",
        "AWS4-HMAC-SHA256 Credential=" S3_SCOPE ", "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
        "Host: " S3_HOST "\n"
        "x-amz-content-sha256: " VO_SIGV4_EMPTY_SHA256 "\n"
        "x-amz-date: " S3_TS "\n");
}


/* the generic suite: another service, so X-Amz-Date and no
 * x-amz-content-sha256 */
static void
test_suite(void)
{
    vo_str_t         path;
    vo_sigv4_http_t  http;

    static const vo_sigv4_pair_t  key_case[] = {
        PAIR("Param2", "value2"),
        PAIR("Param1", "value1")
    };

    static const vo_sigv4_pair_t  form[] = {
        PAIR("Content-Type", "application/x-www-form-urlencoded")
    };

    memset(&http, 0, sizeof(http));
    http.method = str("GET");
    http.host = str(SUITE_HOST);
    http.payload_hash = str(VO_SIGV4_EMPTY_SHA256);
    http.time = SUITE_TIME;

    check_http("get-vanilla", &suite_creds, &http, "/",
        SUITE_CRED "SignedHeaders=host;x-amz-date, Signature="
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        "Host: " SUITE_HOST "\n"
        "X-Amz-Date: 20150830T123600Z\n");

    http.query = key_case;
    http.nquery = NELTS(key_case);

    check_http("get-vanilla-query-order-key-case", &suite_creds, &http,
        "/?Param2=value2&Param1=value1",
        SUITE_CRED "SignedHeaders=host;x-amz-date, Signature="
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        "Host: " SUITE_HOST "\n"
        "X-Amz-Date: 20150830T123600Z\n");

    http.query = NULL;
    http.nquery = 0;
    path = str("/\xe1\x88\xb4");
    http.path = &path;
    http.npath = 1;

    check_http("get-utf8", &suite_creds, &http, "/%E1%88%B4",
        SUITE_CRED "SignedHeaders=host;x-amz-date, Signature="
        "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
        "Host: " SUITE_HOST "\n"
        "X-Amz-Date: 20150830T123600Z\n");

    http.npath = 0;
    http.method = str("POST");
    http.headers = form;
    http.nheaders = NELTS(form);
    http.payload_hash = str("9095672bbd1f56dfc5b65f3e153adc87"
                            "31a4a654192329106275f4c7b24d0b6e");

    check_http("post-x-www-form-urlencoded", &suite_creds, &http, "/",
        SUITE_CRED "SignedHeaders=content-type;host;x-amz-date, Signature="
        "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
        "Host: " SUITE_HOST "\n"
        "Content-Type: application/x-www-form-urlencoded\n"
        "X-Amz-Date: 20150830T123600Z\n");

    /* temporary credentials: the builder adds the token, signed */
    http.headers = NULL;
    http.nheaders = 0;
    http.payload_hash = str(VO_SIGV4_EMPTY_SHA256);

    check_http("post-sts-header-before", &suite_token_creds, &http, "/",
        SUITE_CRED "SignedHeaders=host;x-amz-date;x-amz-security-token, "
        "Signature="
        "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
        "Host: " SUITE_HOST "\n"
        "X-Amz-Date: 20150830T123600Z\n"
        "X-Amz-Security-Token: " SUITE_TOKEN "\n");
}


/*
 * A caller's request as it was assembled by hand before the builder:
 * the path already encoded, the headers in the order they were sent,
 * and what the builder must make of the same inputs.
 */
typedef struct {
    const char             *name;
    const vo_sigv4_creds_t *creds;
    const char             *method;
    const char             *path;          /* encoded, as it was sent */
    const char             *query;         /* as it was sent, "" */
    const vo_sigv4_pair_t  *qpairs;
    size_t                  nquery;
    vo_sigv4_pair_t         headers[8];    /* as they were sent */
    size_t                  nheaders;
    const char             *payload_hash;
} old_request_t;


/* the old request's Authorization, as the caller computed it */
static void
old_sign(const old_request_t *o, u_char *auth, size_t size, size_t *len)
{
    u_char              ts[VO_SIGV4_TIMESTAMP_LEN];
    vo_sigv4_request_t  req;

    VO_CHECK_INT(vo_sigv4_timestamp(TEST_TIME, ts), VO_OK);

    memset(&req, 0, sizeof(req));
    req.method = str(o->method);
    req.path = str(o->path);
    req.path_encoded = 1;
    req.query = o->qpairs;
    req.nquery = o->nquery;
    req.headers = o->headers;
    req.nheaders = o->nheaders;
    req.payload_hash = str(o->payload_hash);
    req.timestamp.data = ts;
    req.timestamp.len = sizeof(ts);

    VO_CHECK_INT(vo_sigv4_authorization(o->creds, NULL, &req, auth, size,
                                        len, NULL), VO_OK);
}


/* the builder's request against the old one: same Authorization, same
 * headers in the same order, same target */
static void
check_same(const old_request_t *o, const vo_sigv4_http_t *http)
{
    u_char              buf[4096], auth[1024];
    char                got[8192], want[8192], target[4096];
    size_t              i, alen, n, wlen;
    const char         *err;
    vo_status_t         rc;
    vo_sigv4_signed_t   out;

    old_sign(o, auth, sizeof(auth), &alen);

    err = NULL;
    rc = vo_sigv4_http_sign(o->creds, NULL, http, buf, sizeof(buf), &out,
                            &err);
    VO_TEST_RESULT(rc == VO_OK, "%s: rc %d (%s)", o->name, rc,
                   err ? err : "");

    if (rc != VO_OK) {
        return;
    }

    VO_TEST_RESULT(out.authorization.len == alen
                   && memcmp(out.authorization.data, auth, alen) == 0,
                   "%s: Authorization \"%.*s\", was \"%.*s\"", o->name,
                   (int) out.authorization.len,
                   (const char *) out.authorization.data, (int) alen,
                   (const char *) auth);

    snprintf(target, sizeof(target), "%s%s", o->path, o->query);
    VO_TEST_RESULT(out.target.len == strlen(target)
                   && memcmp(out.target.data, target, out.target.len) == 0,
                   "%s: target \"%.*s\", was \"%s\"", o->name,
                   (int) out.target.len, (const char *) out.target.data,
                   target);

    VO_CHECK_MEM(out.path.data, out.path.len, o->path);

    wlen = 0;

    for (i = 0; i < o->nheaders; i++) {
        wlen += (size_t) snprintf(want + wlen, sizeof(want) - wlen,
                                  "%.*s: %.*s\n",
                                  (int) o->headers[i].name.len,
                                  (const char *) o->headers[i].name.data,
                                  (int) o->headers[i].value.len,
                                  (const char *) o->headers[i].value.data);
    }

    wlen += (size_t) snprintf(want + wlen, sizeof(want) - wlen,
                              "Authorization: %.*s\n", (int) alen,
                              (const char *) auth);

    n = lines(&out, 0, got, sizeof(got));

    VO_TEST_RESULT(n == wlen && memcmp(got, want, n) == 0,
                   "%s: headers\n%s\nwere\n%s", o->name, got, want);
}


static const vo_sigv4_creds_t  test_creds = {
    S("AKIDVIDORIGINTEST"), S("vidorigin-test-secret"),
    S(""), S("eu-west-3"), S("s3")
};

static const vo_sigv4_creds_t  test_token_creds = {
    S("AKIDVIDORIGINTEST"), S("vidorigin-test-secret"),
    S("FwoGZXIvYXdzEBYaDHRva2VuLXZpZG9yaWdpbg=="), S("eu-west-3"), S("s3")
};


#define TEST_DATE    "20251202T150640Z"
#define TEST_HOST    "127.0.0.1:9000"
#define TEST_VHOST   "media.s3.localhost:9000"


/* ngx_http_vidorigin_s3_sign: GET "/" [bucket "/"] prefix key, with
 * host, x-amz-content-sha256, x-amz-date [, x-amz-security-token] */
static void
test_nginx(void)
{
    vo_str_t          path[3];
    old_request_t     o;
    vo_sigv4_http_t   http;

    memset(&o, 0, sizeof(o));
    o.name = "nginx, path style";
    o.creds = &test_creds;
    o.method = "GET";
    o.path = "/media/vod/demo/720p/3.m4s";
    o.query = "";
    o.headers[0] = (vo_sigv4_pair_t) PAIR("host", TEST_HOST);
    o.headers[1] = (vo_sigv4_pair_t) PAIR("x-amz-content-sha256",
                                          VO_SIGV4_EMPTY_SHA256);
    o.headers[2] = (vo_sigv4_pair_t) PAIR("x-amz-date", TEST_DATE);
    o.nheaders = 3;
    o.payload_hash = VO_SIGV4_EMPTY_SHA256;

    path[0] = str("/");
    path[1] = str("vod/");
    path[2] = str("demo/720p/3.m4s");

    memset(&http, 0, sizeof(http));
    http.method = str("GET");
    http.host = str(TEST_HOST);
    http.bucket = str("media");
    http.path = path;
    http.npath = 3;
    http.payload_hash = str(VO_SIGV4_EMPTY_SHA256);
    http.time = TEST_TIME;

    /* the builder names Host "Host"; nginx sends it from its own
     * configuration, and the name is signed lowercased either way */
    o.headers[0].name = str("Host");
    check_same(&o, &http);

    /* a bucket is one segment: a '/' in its name was always encoded */
    o.name = "nginx, a '/' in the bucket";
    o.path = "/me%2Fdia/vod/demo/720p/3.m4s";
    http.bucket = str("me/dia");

    check_same(&o, &http);

    /* virtual-hosted, a key that needs encoding, temporary credentials */
    o.name = "nginx, virtual-hosted, token";
    o.creds = &test_token_creds;
    o.path = "/vod/de%20mo%2B/720p/%C3%A9t%C3%A9.m4s";
    o.headers[0] = (vo_sigv4_pair_t) PAIR("Host", TEST_VHOST);
    o.headers[3].name = str("x-amz-security-token");
    o.headers[3].value = test_token_creds.session_token;
    o.nheaders = 4;

    path[2] = str("de mo+/720p/\xc3\xa9t\xc3\xa9.m4s");
    http.host = str(TEST_VHOST);
    http.bucket = str("");

    check_same(&o, &http);

    /* no key prefix */
    o.name = "nginx, no key prefix";
    o.path = "/demo/media.json";
    path[1] = str("");
    path[2] = str("demo/media.json");

    check_same(&o, &http);
}


/* tw_s3_attempt: Host, [Range,] x-amz-content-sha256, x-amz-date
 * [, x-amz-security-token]; the query as given */
static void
test_worker(void)
{
    vo_str_t          path[2];
    old_request_t     o;
    vo_sigv4_pair_t   range;
    vo_sigv4_http_t   http;

    static const vo_sigv4_pair_t  uploads[] = {
        PAIR("uploads", "")
    };

    static const vo_sigv4_pair_t  part[] = {
        PAIR("partNumber", "3"),
        PAIR("uploadId", "2~iCw_lDY8zXKzO-1ehb3zsKqu9cU1Yvl")
    };

    static const vo_sigv4_pair_t  list[] = {
        PAIR("list-type", "2"),
        PAIR("prefix", "vod/demo/"),
        PAIR("max-keys", "1000"),
        PAIR("continuation-token", "1/ab+c=d")
    };

    /* a ranged GET, path style */
    memset(&o, 0, sizeof(o));
    o.name = "worker, ranged GET";
    o.creds = &test_creds;
    o.method = "GET";
    o.path = "/media/vod/demo/source.mp4";
    o.query = "";
    o.headers[0] = (vo_sigv4_pair_t) PAIR("Host", TEST_HOST);
    o.headers[1] = (vo_sigv4_pair_t) PAIR("Range", "bytes=0-1048575");
    o.headers[2] = (vo_sigv4_pair_t) PAIR("x-amz-content-sha256",
                                          VO_SIGV4_EMPTY_SHA256);
    o.headers[3] = (vo_sigv4_pair_t) PAIR("x-amz-date", TEST_DATE);
    o.nheaders = 4;
    o.payload_hash = VO_SIGV4_EMPTY_SHA256;

    path[0] = str("/");
    path[1] = str("vod/demo/source.mp4");
    range = (vo_sigv4_pair_t) PAIR("Range", "bytes=0-1048575");

    memset(&http, 0, sizeof(http));
    http.method = str("GET");
    http.host = str(TEST_HOST);
    http.bucket = str("media");
    http.path = path;
    http.npath = 2;
    http.headers = &range;
    http.nheaders = 1;
    http.payload_hash = str(VO_SIGV4_EMPTY_SHA256);
    http.time = TEST_TIME;

    check_same(&o, &http);

    /* a PUT of a part, virtual-hosted, a token: the body's hash */
    o.name = "worker, UploadPart, token";
    o.creds = &test_token_creds;
    o.method = "PUT";
    o.path = "/vod/demo/source%20copy.mp4";
    o.query = "?partNumber=3&uploadId=2~iCw_lDY8zXKzO-1ehb3zsKqu9cU1Yvl";
    o.qpairs = part;
    o.nquery = NELTS(part);
    o.headers[0] = (vo_sigv4_pair_t) PAIR("Host", TEST_VHOST);
    o.headers[1] = (vo_sigv4_pair_t) PAIR("x-amz-content-sha256",
                                          PUT_SHA256);
    o.headers[2] = (vo_sigv4_pair_t) PAIR("x-amz-date", TEST_DATE);
    o.headers[3].name = str("x-amz-security-token");
    o.headers[3].value = test_token_creds.session_token;
    o.nheaders = 4;
    o.payload_hash = PUT_SHA256;

    path[1] = str("vod/demo/source copy.mp4");
    http.method = str("PUT");
    http.host = str(TEST_VHOST);
    http.bucket = str("");
    http.headers = NULL;
    http.nheaders = 0;
    http.query = part;
    http.nquery = NELTS(part);
    http.payload_hash = str(PUT_SHA256);

    check_same(&o, &http);

    /* CreateMultipartUpload: "?uploads=" */
    o.name = "worker, CreateMultipartUpload";
    o.creds = &test_creds;
    o.method = "POST";
    o.query = "?uploads=";
    o.qpairs = uploads;
    o.nquery = NELTS(uploads);
    o.headers[1] = (vo_sigv4_pair_t) PAIR("x-amz-content-sha256",
                                          VO_SIGV4_EMPTY_SHA256);
    o.nheaders = 3;
    o.payload_hash = VO_SIGV4_EMPTY_SHA256;

    http.method = str("POST");
    http.query = uploads;
    http.nquery = NELTS(uploads);
    http.payload_hash = str(VO_SIGV4_EMPTY_SHA256);

    check_same(&o, &http);

    /* ListObjectsV2 on the bucket itself, path style: "/media" */
    o.name = "worker, ListObjectsV2";
    o.method = "GET";
    o.path = "/media";
    o.query = "?list-type=2&prefix=vod%2Fdemo%2F&max-keys=1000"
              "&continuation-token=1%2Fab%2Bc%3Dd";
    o.qpairs = list;
    o.nquery = NELTS(list);
    o.headers[0] = (vo_sigv4_pair_t) PAIR("Host", TEST_HOST);

    http.method = str("GET");
    http.host = str(TEST_HOST);
    http.bucket = str("media");
    http.npath = 0;
    http.query = list;
    http.nquery = NELTS(list);

    check_same(&o, &http);

    /* the bucket itself, virtual-hosted: "/" */
    o.name = "worker, bucket, virtual-hosted";
    o.path = "/";
    o.query = "?list-type=2&prefix=vod%2Fdemo%2F&max-keys=1000"
              "&continuation-token=1%2Fab%2Bc%3Dd";
    o.headers[0] = (vo_sigv4_pair_t) PAIR("Host", TEST_VHOST);

    path[1] = str("");
    http.host = str(TEST_VHOST);
    http.bucket = str("");
    http.npath = 2;

    check_same(&o, &http);
}


/* tw_cloudfront_headers: POST, Host, Content-Type, X-Amz-Date
 * [, X-Amz-Security-Token], service cloudfront in us-east-1 */
static void
test_cloudfront(void)
{
    vo_str_t          path;
    old_request_t     o;
    vo_sigv4_pair_t   type;
    vo_sigv4_http_t   http;
    vo_sigv4_creds_t  creds, token_creds;

    creds = test_creds;
    creds.region = str("us-east-1");
    creds.service = str("cloudfront");
    token_creds = creds;
    token_creds.session_token = test_token_creds.session_token;

    memset(&o, 0, sizeof(o));
    o.name = "cloudfront";
    o.creds = &creds;
    o.method = "POST";
    o.path = "/2020-05-31/distribution/E2VIDORIGINTEST/invalidation";
    o.query = "";
    o.headers[0] = (vo_sigv4_pair_t) PAIR("Host", "127.0.0.1:8443");
    o.headers[1] = (vo_sigv4_pair_t) PAIR("Content-Type",
                                          "application/xml");
    o.headers[2] = (vo_sigv4_pair_t) PAIR("X-Amz-Date", TEST_DATE);
    o.nheaders = 3;
    o.payload_hash = PUT_SHA256;

    path = str(o.path);
    type = (vo_sigv4_pair_t) PAIR("Content-Type", "application/xml");

    memset(&http, 0, sizeof(http));
    http.method = str("POST");
    http.host = str("127.0.0.1:8443");
    http.path = &path;
    http.npath = 1;
    http.headers = &type;
    http.nheaders = 1;
    http.payload_hash = str(PUT_SHA256);
    http.time = TEST_TIME;

    check_same(&o, &http);

    o.name = "cloudfront, token";
    o.creds = &token_creds;
    o.headers[3].name = str("X-Amz-Security-Token");
    o.headers[3].value = token_creds.session_token;
    o.nheaders = 4;

    check_same(&o, &http);
}


/* vo_sigv4_http_size() holds the text; any buffer shorter than what is
 * written is refused without a byte past its end (each one malloc()ed
 * at exactly that size, so that ASan sees an overflow) */
static void
test_sizes(void)
{
    u_char             *b;
    size_t              size, used, n, bad;
    vo_str_t            path[3];
    vo_status_t         rc;
    vo_sigv4_pair_t     range;
    vo_sigv4_http_t     http;
    vo_sigv4_signed_t   out;

    static const vo_sigv4_pair_t  query[] = {
        PAIR("prefix", "v/\xc3\xa9 t/"),
        PAIR("uploads", "")
    };

    path[0] = str("/");
    path[1] = str("a prefix/");
    path[2] = str("\xff\xfe key/with $ and %/3.m4s");
    range = (vo_sigv4_pair_t) PAIR("Range", "bytes=1-2");

    memset(&http, 0, sizeof(http));
    http.method = str("GET");
    http.host = str(TEST_HOST);
    http.bucket = str("my bucket");
    http.path = path;
    http.npath = 3;
    http.query = query;
    http.nquery = NELTS(query);
    http.headers = &range;
    http.nheaders = 1;
    http.payload_hash = str(VO_SIGV4_EMPTY_SHA256);
    http.time = TEST_TIME;

    size = vo_sigv4_http_size(&test_token_creds, &http);
    b = malloc(size);
    VO_CHECK(b != NULL);

    if (b == NULL) {
        return;
    }

    rc = vo_sigv4_http_sign(&test_token_creds, NULL, &http, b, size, &out,
                            NULL);
    VO_CHECK_INT(rc, VO_OK);

    used = out.target.len + out.timestamp.len + out.authorization.len;
    VO_CHECK(used <= size);
    VO_CHECK(out.authorization.data + out.authorization.len <= b + used);
    free(b);

    bad = 0;

    for (n = 0; n < used; n++) {
        b = malloc(n ? n : 1);

        if (b == NULL
            || vo_sigv4_http_sign(&test_token_creds, NULL, &http, b, n, &out,
                                  NULL) != VO_NO_SPACE)
        {
            bad++;
        }

        free(b);
    }

    VO_CHECK_UINT(bad, 0);

    b = malloc(used);

    if (b) {
        VO_CHECK_INT(vo_sigv4_http_sign(&test_token_creds, NULL, &http, b,
                                        used, &out, NULL), VO_OK);
        free(b);
    }
}


static void
test_refused(void)
{
    u_char              buf[2048];
    size_t              i;
    const char         *err;
    vo_sigv4_pair_t     headers[VO_SIGV4_HTTP_MAX_HEADERS + 1];
    vo_sigv4_http_t     http;
    vo_sigv4_signed_t   out;

    for (i = 0; i < NELTS(headers); i++) {
        headers[i] = (vo_sigv4_pair_t) PAIR("X-Extra", "1");
    }

    memset(&http, 0, sizeof(http));
    http.method = str("GET");
    http.host = str(TEST_HOST);
    http.headers = headers;
    http.nheaders = NELTS(headers);
    http.payload_hash = str(VO_SIGV4_EMPTY_SHA256);
    http.time = TEST_TIME;

    err = NULL;
    VO_CHECK_INT(vo_sigv4_http_sign(&test_creds, NULL, &http, buf,
                                    sizeof(buf), &out, &err),
                 VO_BAD_REQUEST);
    VO_CHECK(err != NULL);

    http.nheaders = VO_SIGV4_HTTP_MAX_HEADERS;
    VO_CHECK_INT(vo_sigv4_http_sign(&test_creds, NULL, &http, buf,
                                    sizeof(buf), &out, NULL), VO_OK);

    /* what the signer refuses, the builder refuses */
    headers[0] = (vo_sigv4_pair_t) PAIR("X-Extra", "a\r\nInjected: 1");
    err = NULL;
    VO_CHECK_INT(vo_sigv4_http_sign(&test_creds, NULL, &http, buf,
                                    sizeof(buf), &out, &err),
                 VO_BAD_REQUEST);
    VO_CHECK(err != NULL);

    headers[0] = (vo_sigv4_pair_t) PAIR("Host", "other");
    VO_CHECK_INT(vo_sigv4_http_sign(&test_creds, NULL, &http, buf,
                                    sizeof(buf), &out, NULL),
                 VO_BAD_REQUEST);

    http.nheaders = 0;
    http.method = str("get");
    VO_CHECK_INT(vo_sigv4_http_sign(&test_creds, NULL, &http, buf,
                                    sizeof(buf), &out, NULL),
                 VO_BAD_REQUEST);

    http.method = str("GET");
    http.payload_hash = str("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    VO_CHECK_INT(vo_sigv4_http_sign(&test_creds, NULL, &http, buf,
                                    sizeof(buf), &out, NULL),
                 VO_BAD_REQUEST);
}


/* a kept key: derived when it is for another day, kept otherwise, and
 * the builder signs with it as without it */
static void
test_key_for(void)
{
    u_char              a[2048], b[2048];
    vo_sigv4_key_t      key, derived;
    vo_sigv4_http_t     http;
    vo_sigv4_signed_t   sa, sb;

    static const vo_str_t  day = S("20251202");

    memset(&key, 0, sizeof(key));
    VO_CHECK_INT(vo_sigv4_key_for(&test_creds, TEST_TIME, &key, NULL),
                 VO_OK);
    VO_CHECK_INT(vo_sigv4_derive_key(&test_creds, &day, &derived, NULL),
                 VO_OK);
    VO_CHECK(memcmp(&key, &derived, sizeof(key)) == 0);

    /* the same day: not derived again (a marked key stays marked) */
    key.key[0] ^= 1;
    VO_CHECK_INT(vo_sigv4_key_for(&test_creds, TEST_TIME + 3600, &key, NULL),
                 VO_OK);
    VO_CHECK(key.key[0] == (derived.key[0] ^ 1));
    key.key[0] ^= 1;

    memset(&http, 0, sizeof(http));
    http.method = str("GET");
    http.host = str(TEST_HOST);
    http.payload_hash = str(VO_SIGV4_EMPTY_SHA256);
    http.time = TEST_TIME;

    VO_CHECK_INT(vo_sigv4_http_sign(&test_creds, &key, &http, a, sizeof(a),
                                    &sa, NULL), VO_OK);
    VO_CHECK_INT(vo_sigv4_http_sign(&test_creds, NULL, &http, b, sizeof(b),
                                    &sb, NULL), VO_OK);
    VO_CHECK(sa.authorization.len == sb.authorization.len
             && memcmp(sa.authorization.data, sb.authorization.data,
                       sa.authorization.len) == 0);

    /* the next day: derived again; yesterday's key is refused */
    http.time = TEST_TIME + 86400;
    VO_CHECK_INT(vo_sigv4_http_sign(&test_creds, &key, &http, a, sizeof(a),
                                    &sa, NULL), VO_BAD_REQUEST);
    VO_CHECK_INT(vo_sigv4_key_for(&test_creds, TEST_TIME + 86400, &key,
                                  NULL), VO_OK);
    VO_CHECK(memcmp(key.date, "20251203", 8) == 0);
    VO_CHECK_INT(vo_sigv4_http_sign(&test_creds, &key, &http, a, sizeof(a),
                                    &sa, NULL), VO_OK);
}


int
main(void)
{
    test_s3_examples();
    test_suite();
    test_nginx();
    test_worker();
    test_cloudfront();
    test_sizes();
    test_refused();
    test_key_for();

    VO_TEST_DONE("test_sigv4_http");
}
