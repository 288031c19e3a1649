/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * AWS Signature Version 4.  The expected values are AWS's published ones:
 *   - the S3 API reference, "Signature Calculations for the Authorization
 *     Header: Transferring Payload in a Single Chunk" (GET object with
 *     Range, PUT object, GET bucket lifecycle, list objects) and
 *     "Authenticating Requests: Using Query Parameters" (presigned GET);
 *   - the generic Signature Version 4 test suite (get-vanilla, ...), whose
 *     requests use service "service" and the key AKIDEXAMPLE;
 *   - the IAM guide's signing key derivation example.
 * Canonical requests are compared byte for byte where AWS prints them.
 * Then key derivation against OpenSSL's HMAC(), what is refused, and
 * signing from several threads.  Encoding, ordering and output bounds
 * are in test_sigv4_canon.c.
 */

#include <pthread.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "vo_core.h"
#include "vo_sigv4.h"
#include "vo_test.h"
#include "sigv4_fixtures.h"


#define UNRESERVED                                                           \
    "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

#define S3_SCOPE     "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"
#define PUT_SHA256                                                           \
    "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"

#define SUITE_HOST   "example.amazonaws.com"
#define SUITE_TS     "20150830T123600Z"
#define SUITE_CRED                                                           \
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"    \
    "aws4_request, "

#define SUITE_TOKEN                                                          \
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLW"  \
    "sKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmG"  \
    "deehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlR"  \
    "d8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlz"  \
    "m8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="


static const vo_sigv4_creds_t  suite_creds = {
    S("AKIDEXAMPLE"), S("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    S(""), S("us-east-1"), S("service")
};

static const vo_sigv4_creds_t  suite_token_creds = {
    S("AKIDEXAMPLE"), S("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    S(SUITE_TOKEN), S("us-east-1"), S("service")
};


static void
check_canonical(const char *name, const vo_sigv4_creds_t *creds,
    const vo_sigv4_request_t *req, unsigned expires, const char *want,
    const char *want_sha256)
{
    u_char        buf[2048], hex[VO_SIGV4_HEX_LEN];
    size_t        len;
    const char   *err;
    vo_status_t   rc;

    err = NULL;
    rc = vo_sigv4_canonical_request(creds, req, expires, buf, sizeof(buf),
                                    &len, &err);

    VO_TEST_RESULT(rc == VO_OK && len == strlen(want)
                   && memcmp(buf, want, len) == 0,
                   "%s: canonical request, rc %d (%s):\n%.*s", name, rc,
                   err ? err : "", (int) len, (const char *) buf);

    if (rc == VO_OK && want_sha256) {
        VO_CHECK_INT(vo_sigv4_sha256_hex(buf, len, hex), VO_OK);
        VO_TEST_RESULT(memcmp(hex, want_sha256, VO_SIGV4_HEX_LEN) == 0,
                       "%s: canonical request hash %.64s", name,
                       (const char *) hex);
    }
}


static void
check_auth(const char *name, const vo_sigv4_creds_t *creds,
    const vo_sigv4_request_t *req, const char *want)
{
    u_char        buf[1024];
    size_t        len;
    const char   *err;
    vo_status_t   rc;

    err = NULL;
    rc = vo_sigv4_authorization(creds, NULL, req, buf, sizeof(buf), &len,
                                &err);

    VO_TEST_RESULT(rc == VO_OK && len == strlen(want)
                   && memcmp(buf, want, len) == 0,
                   "%s: rc %d (%s), got \"%.*s\"", name, rc,
                   err ? err : "", (int) len, (const char *) buf);
}


/*
 * The four Authorization header examples of the S3 API reference.  The
 * page prints the header with "," between its parts; the signer puts
 * ", " (as the generic suite and the SDKs do), which S3 accepts alike.
 */
static void
test_s3_examples(void)
{
    u_char  hex[VO_SIGV4_HEX_LEN];

    static const vo_sigv4_pair_t  put_headers[] = {
        PAIR("Host", S3_HOST),
        PAIR("Date", "Fri, 24 May 2013 00:00:00 GMT"),
        PAIR("x-amz-date", S3_TS),
        PAIR("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        PAIR("x-amz-content-sha256", PUT_SHA256)
    };

    static const vo_sigv4_request_t  put_object = {
        S("PUT"), S("/test$file.text"), 0, NULL, 0,
        put_headers, NELTS(put_headers), S(PUT_SHA256), S(S3_TS)
    };

    static const vo_sigv4_pair_t  bucket_headers[] = {
        PAIR("Host", S3_HOST),
        PAIR("x-amz-date", S3_TS),
        PAIR("x-amz-content-sha256", VO_SIGV4_EMPTY_SHA256)
    };

    static const vo_sigv4_pair_t  lifecycle_query[] = {
        PAIR("lifecycle", "")
    };

    static const vo_sigv4_request_t  lifecycle = {
        S("GET"), S("/"), 0, lifecycle_query, NELTS(lifecycle_query),
        bucket_headers, NELTS(bucket_headers),
        S(VO_SIGV4_EMPTY_SHA256), S(S3_TS)
    };

    /* out of order on purpose: the signer sorts */
    static const vo_sigv4_pair_t  list_query[] = {
        PAIR("prefix", "J"),
        PAIR("max-keys", "2")
    };

    static const vo_sigv4_request_t  list = {
        S("GET"), S(""), 0, list_query, NELTS(list_query),
        bucket_headers, NELTS(bucket_headers),
        S(VO_SIGV4_EMPTY_SHA256), S(S3_TS)
    };

    /* GET object, with Range */
    check_canonical("s3 get object", &s3_creds, &get_object, 0,
        "GET\n"
        "/test.txt\n"
        "\n"
        "host:examplebucket.s3.amazonaws.com\n"
        "range:bytes=0-9\n"
        "x-amz-content-sha256:" VO_SIGV4_EMPTY_SHA256 "\n"
        "x-amz-date:20130524T000000Z\n"
        "\n"
        "host;range;x-amz-content-sha256;x-amz-date\n"
        VO_SIGV4_EMPTY_SHA256,
        "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");

    check_auth("s3 get object", &s3_creds, &get_object,
        "AWS4-HMAC-SHA256 Credential=" S3_SCOPE ", "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature="
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");

    /* PUT object: '$' in the key is encoded once, the body is signed */
    VO_CHECK_INT(vo_sigv4_sha256_hex((const u_char *) "Welcome to Amazon S3.",
                                     21, hex), VO_OK);
    VO_CHECK_MEM(hex, sizeof(hex), PUT_SHA256);

    check_canonical("s3 put object", &s3_creds, &put_object, 0,
        "PUT\n"
        "/test%24file.text\n"
        "\n"
        "date:Fri, 24 May 2013 00:00:00 GMT\n"
        "host:examplebucket.s3.amazonaws.com\n"
        "x-amz-content-sha256:" PUT_SHA256 "\n"
        "x-amz-date:20130524T000000Z\n"
        "x-amz-storage-class:REDUCED_REDUNDANCY\n"
        "\n"
        "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
        PUT_SHA256,
        "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");

    check_auth("s3 put object", &s3_creds, &put_object,
        "AWS4-HMAC-SHA256 Credential=" S3_SCOPE ", "
        "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-storage-class, Signature="
        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");

    /* GET bucket lifecycle: a parameter without a value is "lifecycle=" */
    check_canonical("s3 lifecycle", &s3_creds, &lifecycle, 0,
        "GET\n"
        "/\n"
        "lifecycle=\n"
        "host:examplebucket.s3.amazonaws.com\n"
        "x-amz-content-sha256:" VO_SIGV4_EMPTY_SHA256 "\n"
        "x-amz-date:20130524T000000Z\n"
        "\n"
        "host;x-amz-content-sha256;x-amz-date\n"
        VO_SIGV4_EMPTY_SHA256,
        "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");

    check_auth("s3 lifecycle", &s3_creds, &lifecycle,
        "AWS4-HMAC-SHA256 Credential=" S3_SCOPE ", "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="
        "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");

    /* GET bucket (list objects): parameters sorted; empty path is "/" */
    check_canonical("s3 list objects", &s3_creds, &list, 0,
        "GET\n"
        "/\n"
        "max-keys=2&prefix=J\n"
        "host:examplebucket.s3.amazonaws.com\n"
        "x-amz-content-sha256:" VO_SIGV4_EMPTY_SHA256 "\n"
        "x-amz-date:20130524T000000Z\n"
        "\n"
        "host;x-amz-content-sha256;x-amz-date\n"
        VO_SIGV4_EMPTY_SHA256,
        "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");

    check_auth("s3 list objects", &s3_creds, &list,
        "AWS4-HMAC-SHA256 Credential=" S3_SCOPE ", "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}


/* "Authenticating Requests: Using Query Parameters": GET /test.txt */
static void
test_s3_presign(void)
{
    u_char        buf[1024];
    size_t        len;
    const char   *err;
    vo_status_t   rc;

    static const vo_sigv4_pair_t  headers[] = {
        PAIR("Host", S3_HOST)
    };

    static const vo_sigv4_request_t  req = {
        S("GET"), S("/test.txt"), 0, NULL, 0, headers, NELTS(headers),
        S(VO_SIGV4_UNSIGNED_PAYLOAD), S(S3_TS)
    };

    check_canonical("s3 presign", &s3_creds, &req, 86400,
        "GET\n"
        "/test.txt\n"
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
        "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&"
        "X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
        "X-Amz-SignedHeaders=host\n"
        "host:examplebucket.s3.amazonaws.com\n"
        "\n"
        "host\n"
        "UNSIGNED-PAYLOAD",
        "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");

    err = NULL;
    rc = vo_sigv4_presign(&s3_creds, NULL, &req, 86400, buf, sizeof(buf),
                          &len, &err);
    VO_CHECK_INT(rc, VO_OK);
    VO_CHECK_MEM(buf, len,
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
        "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&"
        "X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
        "X-Amz-SignedHeaders=host&X-Amz-Signature="
        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}


/* the generic test suite: GET / or POST / on example.amazonaws.com */
static void
suite(const char *name, const char *method, const char *path,
    const vo_sigv4_pair_t *query, size_t nquery,
    const vo_sigv4_pair_t *extra, size_t nextra,
    const vo_sigv4_creds_t *creds, const char *payload_hash,
    const char *want)
{
    size_t              i, n;
    vo_sigv4_pair_t     headers[8];
    vo_sigv4_request_t  req;

    static const vo_sigv4_pair_t  base[] = {
        PAIR("Host", SUITE_HOST),
        PAIR("X-Amz-Date", SUITE_TS)
    };

    n = 0;
    headers[n++] = base[0];

    for (i = 0; i < nextra && n < NELTS(headers) - 1; i++) {
        headers[n++] = extra[i];
    }

    headers[n++] = base[1];

    memset(&req, 0, sizeof(req));
    req.method.data = (const u_char *) method;
    req.method.len = strlen(method);
    req.path.data = (const u_char *) path;
    req.path.len = strlen(path);
    req.query = query;
    req.nquery = nquery;
    req.headers = headers;
    req.nheaders = n;
    req.payload_hash.data = (const u_char *) payload_hash;
    req.payload_hash.len = strlen(payload_hash);
    req.timestamp.data = (const u_char *) SUITE_TS;
    req.timestamp.len = sizeof(SUITE_TS) - 1;

    check_auth(name, creds, &req, want);
}


static void
test_suite(void)
{
    u_char  hex[VO_SIGV4_HEX_LEN];

    static const vo_sigv4_pair_t  key_case[] = {
        PAIR("Param2", "value2"),
        PAIR("Param1", "value1")
    };

    static const vo_sigv4_pair_t  value_order[] = {
        PAIR("Param1", "value2"),
        PAIR("Param1", "value1")
    };

    static const vo_sigv4_pair_t  one[] = {
        PAIR("Param1", "value1")
    };

    static const vo_sigv4_pair_t  unreserved[] = {
        PAIR(UNRESERVED, UNRESERVED)
    };

    static const vo_sigv4_pair_t  utf8[] = {
        PAIR("\xe1\x88\xb4", "bar")
    };

    static const vo_sigv4_pair_t  trim[] = {
        PAIR("My-Header1", " value1"),
        PAIR("My-Header2", " \"a   b   c\"")
    };

    static const vo_sigv4_pair_t  duplicate[] = {
        PAIR("My-Header1", "value2"),
        PAIR("My-Header1", "value2"),
        PAIR("My-Header1", "value1")
    };

    static const vo_sigv4_pair_t  form[] = {
        PAIR("Content-Type", "application/x-www-form-urlencoded")
    };

    static const vo_sigv4_pair_t  token[] = {
        PAIR("X-Amz-Security-Token", SUITE_TOKEN)
    };

    suite("get-vanilla", "GET", "/", NULL, 0, NULL, 0, &suite_creds,
          VO_SIGV4_EMPTY_SHA256,
          SUITE_CRED "SignedHeaders=host;x-amz-date, Signature="
          "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");

    suite("get-vanilla-query-order-key-case", "GET", "/", key_case,
          NELTS(key_case), NULL, 0, &suite_creds, VO_SIGV4_EMPTY_SHA256,
          SUITE_CRED "SignedHeaders=host;x-amz-date, Signature="
          "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");

    suite("get-vanilla-query-order-value", "GET", "/", value_order,
          NELTS(value_order), NULL, 0, &suite_creds, VO_SIGV4_EMPTY_SHA256,
          SUITE_CRED "SignedHeaders=host;x-amz-date, Signature="
          "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694");

    suite("get-vanilla-empty-query-key", "GET", "/", one, NELTS(one), NULL,
          0, &suite_creds, VO_SIGV4_EMPTY_SHA256,
          SUITE_CRED "SignedHeaders=host;x-amz-date, Signature="
          "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb");

    suite("get-vanilla-query-unreserved", "GET", "/", unreserved,
          NELTS(unreserved), NULL, 0, &suite_creds, VO_SIGV4_EMPTY_SHA256,
          SUITE_CRED "SignedHeaders=host;x-amz-date, Signature="
          "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197");

    suite("get-vanilla-utf8-query", "GET", "/", utf8, NELTS(utf8), NULL, 0,
          &suite_creds, VO_SIGV4_EMPTY_SHA256,
          SUITE_CRED "SignedHeaders=host;x-amz-date, Signature="
          "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04");

    suite("get-unreserved", "GET", "/" UNRESERVED, NULL, 0, NULL, 0,
          &suite_creds, VO_SIGV4_EMPTY_SHA256,
          SUITE_CRED "SignedHeaders=host;x-amz-date, Signature="
          "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f");

    suite("get-utf8", "GET", "/\xe1\x88\xb4", NULL, 0, NULL, 0,
          &suite_creds, VO_SIGV4_EMPTY_SHA256,
          SUITE_CRED "SignedHeaders=host;x-amz-date, Signature="
          "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");

    suite("get-header-value-trim", "GET", "/", NULL, 0, trim, NELTS(trim),
          &suite_creds, VO_SIGV4_EMPTY_SHA256,
          SUITE_CRED "SignedHeaders=host;my-header1;my-header2;x-amz-date, "
          "Signature="
          "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");

    suite("get-header-key-duplicate", "GET", "/", NULL, 0, duplicate,
          NELTS(duplicate), &suite_creds, VO_SIGV4_EMPTY_SHA256,
          SUITE_CRED "SignedHeaders=host;my-header1;x-amz-date, Signature="
          "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");

    suite("post-vanilla", "POST", "/", NULL, 0, NULL, 0, &suite_creds,
          VO_SIGV4_EMPTY_SHA256,
          SUITE_CRED "SignedHeaders=host;x-amz-date, Signature="
          "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");

    VO_CHECK_INT(vo_sigv4_sha256_hex((const u_char *) "Param1=value1", 13,
                                     hex), VO_OK);
    VO_CHECK_MEM(hex, sizeof(hex),
        "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");

    suite("post-x-www-form-urlencoded", "POST", "/", NULL, 0, form,
          NELTS(form), &suite_creds,
          "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
          SUITE_CRED "SignedHeaders=content-type;host;x-amz-date, Signature="
          "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");

    /* temporary credentials: the token is a signed header */
    suite("post-sts-header-before", "POST", "/", NULL, 0, token,
          NELTS(token), &suite_token_creds, VO_SIGV4_EMPTY_SHA256,
          SUITE_CRED "SignedHeaders=host;x-amz-date;x-amz-security-token, "
          "Signature="
          "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
}


/* the IAM guide's key derivation example; and a kept key signs alike */
static void
test_key(void)
{
    u_char            a[1024], b[1024];
    size_t            alen, blen;
    const char       *err;
    vo_sigv4_key_t    key;
    vo_sigv4_creds_t  iam;

    static const vo_str_t  date = S("20150830");
    static const vo_str_t  s3_date = S("20130524");
    static const vo_str_t  other = S("20130525");

    static const u_char  iam_key[] = {
        0xc4, 0xaf, 0xb1, 0xcc, 0x57, 0x71, 0xd8, 0x71,
        0x76, 0x3a, 0x39, 0x3e, 0x44, 0xb7, 0x03, 0x57,
        0x1b, 0x55, 0xcc, 0x28, 0x42, 0x4d, 0x1a, 0x5e,
        0x86, 0xda, 0x6e, 0xd3, 0xc1, 0x54, 0xa4, 0xb9
    };

    iam = suite_creds;
    iam.service.data = (const u_char *) "iam";
    iam.service.len = 3;

    VO_CHECK_INT(vo_sigv4_derive_key(&iam, &date, &key, NULL), VO_OK);
    VO_CHECK(memcmp(key.key, iam_key, sizeof(iam_key)) == 0);
    VO_CHECK(memcmp(key.date, "20150830", 8) == 0);

    /* a whole timestamp works as the date */
    VO_CHECK_INT(vo_sigv4_derive_key(&s3_creds, &get_object.timestamp, &key,
                                     NULL), VO_OK);
    VO_CHECK(memcmp(key.date, "20130524", 8) == 0);

    VO_CHECK_INT(vo_sigv4_authorization(&s3_creds, NULL, &get_object, a,
                                        sizeof(a), &alen, NULL), VO_OK);
    VO_CHECK_INT(vo_sigv4_authorization(&s3_creds, &key, &get_object, b,
                                        sizeof(b), &blen, NULL), VO_OK);
    VO_CHECK(alen == blen && memcmp(a, b, alen) == 0);

    VO_CHECK_INT(vo_sigv4_derive_key(&s3_creds, &s3_date, &key, NULL),
                 VO_OK);
    VO_CHECK_INT(vo_sigv4_presign(&s3_creds, &key, &get_object, 60, b,
                                  sizeof(b), &blen, NULL), VO_OK);

    /* a key kept past midnight is refused, not used */
    VO_CHECK_INT(vo_sigv4_derive_key(&s3_creds, &other, &key, NULL), VO_OK);
    err = NULL;
    VO_CHECK_INT(vo_sigv4_authorization(&s3_creds, &key, &get_object, b,
                                        sizeof(b), &blen, &err),
                 VO_BAD_REQUEST);
    VO_CHECK(err != NULL);

    VO_CHECK_INT(vo_sigv4_derive_key(&s3_creds, &(vo_str_t) S("2013052"),
                                     &key, NULL), VO_BAD_REQUEST);
    VO_CHECK_INT(vo_sigv4_derive_key(&s3_creds, &(vo_str_t) S("2013o524"),
                                     &key, NULL), VO_BAD_REQUEST);
}


/*
 * The signer does HMAC itself on one digest context; here the key chain
 * is computed again with OpenSSL's HMAC() for secrets of every allowed
 * length, so that "AWS4" + secret goes past the 64-byte block (a key that
 * is hashed first) as well as below it.
 */
static void
test_key_lengths(void)
{
    size_t            i, n, bad;
    u_char            secret[VO_SIGV4_MAX_ID], k[4 + VO_SIGV4_MAX_ID];
    u_char            a[32], b[32];
    unsigned int      len;
    vo_sigv4_key_t    key;
    vo_sigv4_creds_t  creds;

    static const vo_str_t  date = S("20130524");

    for (i = 0; i < sizeof(secret); i++) {
        secret[i] = (u_char) (i * 37 + 11);
    }

    creds = s3_creds;
    creds.secret_key.data = secret;
    bad = 0;

    for (n = 1; n <= VO_SIGV4_MAX_ID; n++) {
        creds.secret_key.len = n;

        memcpy(k, "AWS4", 4);
        memcpy(k + 4, secret, n);

        HMAC(EVP_sha256(), k, (int) (4 + n), date.data, date.len, a, &len);
        HMAC(EVP_sha256(), a, 32, (const u_char *) "us-east-1", 9, b, &len);
        HMAC(EVP_sha256(), b, 32, (const u_char *) "s3", 2, a, &len);
        HMAC(EVP_sha256(), a, 32, (const u_char *) "aws4_request", 12, b,
             &len);

        if (vo_sigv4_derive_key(&creds, &date, &key, NULL) != VO_OK
            || memcmp(key.key, b, 32) != 0)
        {
            bad++;
        }
    }

    VO_CHECK_UINT(bad, 0);
}


static void
test_refused(void)
{
    vo_sigv4_creds_t    creds;
    vo_sigv4_request_t  req;

    static const vo_sigv4_pair_t  no_host[] = {
        PAIR("x-amz-content-sha256", VO_SIGV4_EMPTY_SHA256),
        PAIR("x-amz-date", S3_TS)
    };

    static const vo_sigv4_pair_t  two_hosts[] = {
        PAIR("Host", S3_HOST), PAIR("host", S3_HOST),
        PAIR("x-amz-content-sha256", VO_SIGV4_EMPTY_SHA256),
        PAIR("x-amz-date", S3_TS)
    };

    static const vo_sigv4_pair_t  other_date[] = {
        PAIR("Host", S3_HOST),
        PAIR("x-amz-content-sha256", VO_SIGV4_EMPTY_SHA256),
        PAIR("x-amz-date", "20130524T000001Z")
    };

    static const vo_sigv4_pair_t  no_content_sha[] = {
        PAIR("Host", S3_HOST), PAIR("x-amz-date", S3_TS)
    };

    req = get_object;
    req.timestamp.len--;
    check_refused("short timestamp", &s3_creds, &req, 0);

    req = get_object;
    req.timestamp.data = (const u_char *) "20130524 000000Z";
    check_refused("timestamp without T", &s3_creds, &req, 0);

    req = get_object;
    req.method.data = (const u_char *) "get";
    check_refused("lowercase method", &s3_creds, &req, 0);

    req = get_object;
    req.path.data = (const u_char *) "test.txt";
    req.path.len = 8;
    check_refused("relative path", &s3_creds, &req, 0);

    req = get_object;
    req.path.data = (const u_char *) "/test$file.text";
    req.path.len = 15;
    req.path_encoded = 1;
    check_refused("raw path said encoded", &s3_creds, &req, 0);

    req.path.data = (const u_char *) "/test%2ffile.text";
    req.path.len = 17;
    check_refused("lowercase escape", &s3_creds, &req, 0);

    req.path.data = (const u_char *) "/test%2";
    req.path.len = 7;
    check_refused("cut escape", &s3_creds, &req, 0);

    req = get_object;
    req.payload_hash.data =
        (const u_char *) "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    req.payload_hash.len = 34;
    check_refused("streaming payload", &s3_creds, &req, 0);

    req = get_object;
    req.payload_hash.data = (const u_char *)
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
    check_refused("uppercase payload hash", &s3_creds, &req, 0);

    req = get_object;
    req.headers = no_host;
    req.nheaders = NELTS(no_host);
    check_refused("no host", &s3_creds, &req, 0);

    req.headers = two_hosts;
    req.nheaders = NELTS(two_hosts);
    check_refused("two hosts", &s3_creds, &req, 0);

    req.headers = other_date;
    req.nheaders = NELTS(other_date);
    check_refused("x-amz-date is not the timestamp", &s3_creds, &req, 0);

    req.headers = no_content_sha;
    req.nheaders = NELTS(no_content_sha);
    check_refused("s3 without x-amz-content-sha256", &s3_creds, &req, 0);

    /* temporary credentials whose token is not among the headers */
    creds = s3_creds;
    creds.session_token.data = (const u_char *) "token";
    creds.session_token.len = 5;
    check_refused("token not signed", &creds, &get_object, 0);

    creds = s3_creds;
    creds.region.data = (const u_char *) "us/east";
    creds.region.len = 7;
    check_refused("slash in region", &creds, &get_object, 0);

    creds = s3_creds;
    creds.access_key.len = 0;
    check_refused("no access key", &creds, &get_object, 0);

    creds = s3_creds;
    creds.secret_key.len = VO_SIGV4_MAX_ID + 1;
    check_refused("long secret", &creds, &get_object, 0);

    req = get_object;
    check_refused("expiry over 7 days", &s3_creds, &req,
                  VO_SIGV4_MAX_EXPIRES + 1);
}


static void
test_helpers(void)
{
    u_char  ts[VO_SIGV4_TIMESTAMP_LEN], hex[VO_SIGV4_HEX_LEN];

    VO_CHECK_INT(vo_sigv4_timestamp(1369353600, ts), VO_OK);
    VO_CHECK_MEM(ts, sizeof(ts), S3_TS);
    VO_CHECK_INT(vo_sigv4_timestamp(1440938160, ts), VO_OK);
    VO_CHECK_MEM(ts, sizeof(ts), SUITE_TS);
    VO_CHECK_INT(vo_sigv4_timestamp(0, ts), VO_OK);
    VO_CHECK_MEM(ts, sizeof(ts), "19700101T000000Z");
    VO_CHECK_INT(vo_sigv4_timestamp(951782399, ts), VO_OK);
    VO_CHECK_MEM(ts, sizeof(ts), "20000228T235959Z");
    VO_CHECK_INT(vo_sigv4_timestamp(951782400, ts), VO_OK);
    VO_CHECK_MEM(ts, sizeof(ts), "20000229T000000Z");

    VO_CHECK_INT(vo_sigv4_sha256_hex((const u_char *) "", 0, hex), VO_OK);
    VO_CHECK_MEM(hex, sizeof(hex), VO_SIGV4_EMPTY_SHA256);
}


/* the worker signs from several threads: same answers, no shared state */
static void *
sign_thread(void *arg)
{
    int      i;
    u_char   buf[256];
    size_t   len;
    long     bad;

    (void) arg;
    bad = 0;

    for (i = 0; i < 200; i++) {
        if (vo_sigv4_authorization(&s3_creds, NULL, &get_object, buf,
                                   sizeof(buf), &len, NULL) != VO_OK
            || len < 64
            || memcmp(buf + len - 64, "f0e8bdb87c964420e857bd35b5d6ed31"
                      "0bd44f0170aba48dd91039c6036bdb41", 64) != 0)
        {
            bad++;
        }
    }

    return (void *) bad;
}


static void
test_threads(void)
{
    int        i, started;
    void      *ret;
    long       bad;
    pthread_t  t[4];

    bad = 0;
    started = 0;

    for (i = 0; i < 4; i++) {
        if (pthread_create(&t[i], NULL, sign_thread, NULL) != 0) {
            break;
        }

        started++;
    }

    VO_CHECK_INT(started, 4);

    for (i = 0; i < started; i++) {
        pthread_join(t[i], &ret);
        bad += (long) ret;
    }

    VO_CHECK_INT(bad, 0);
}

int
main(void)
{
    test_s3_examples();
    test_s3_presign();
    test_suite();
    test_key();
    test_key_lengths();
    test_refused();
    test_helpers();
    test_threads();

    VO_TEST_DONE("test_sigv4");
}
