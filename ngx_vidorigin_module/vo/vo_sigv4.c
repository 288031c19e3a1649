/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * AWS Signature Version 4: checks a request description, hashes its
 * canonical form (vo_sigv4_canon.c) and signs it with a key derived from
 * the secret, with libcrypto's SHA-256.  Nothing is allocated here but
 * one libcrypto digest context per call; secrets and keys on the stack
 * are wiped before returning.
 */

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "vo_sigv4.h"
#include "vo_sigv4_canon.h"


#define VO_SIGV4_BLOCK       64    /* SHA-256 block size, for HMAC */

#define vo_sigv4_upper_hex(c)                                                \
    (((c) >= '0' && (c) <= '9') || ((c) >= 'A' && (c) <= 'F'))

/* the string to sign: algorithm, timestamp, scope and a hash, 4 lines */
#define VO_SIGV4_STS_SIZE                                                    \
    (sizeof(VO_SIGV4_ALGORITHM) + VO_SIGV4_TIMESTAMP_LEN + 1                 \
     + VO_SIGV4_DATE_LEN + 2 * (VO_SIGV4_MAX_ID + 1)                         \
     + sizeof(VO_SIGV4_TERMINATOR) + 1 + VO_SIGV4_HEX_LEN)


static int vo_sigv4_str_eq(const vo_str_t *a, const vo_str_t *b);
static vo_status_t vo_sigv4_check_id(const vo_str_t *s);
static vo_status_t vo_sigv4_check_creds(const vo_sigv4_creds_t *creds,
    const char **err);
static vo_status_t vo_sigv4_check_path(const vo_str_t *path);
static vo_status_t vo_sigv4_require(const vo_sigv4_request_t *req,
    const char *name, const vo_str_t *value);
static vo_status_t vo_sigv4_prepare(vo_sigv4_ctx_t *c,
    const vo_sigv4_creds_t *creds, const vo_sigv4_request_t *req,
    unsigned expires, const char **err);
static vo_status_t vo_sigv4_digest(EVP_MD_CTX *md, const u_char *a,
    size_t alen, const u_char *b, size_t blen, u_char *out);
static vo_status_t vo_sigv4_hmac(EVP_MD_CTX *md, const u_char *key,
    size_t klen, const u_char *data, size_t dlen, u_char *mac);
static vo_status_t vo_sigv4_derive(EVP_MD_CTX *md,
    const vo_sigv4_creds_t *creds, const u_char *date, vo_sigv4_key_t *key);
static vo_status_t vo_sigv4_signature(const vo_sigv4_ctx_t *c,
    const vo_sigv4_key_t *key, u_char *sig, const char **err);
static u_char *vo_sigv4_digits(u_char *p, int v, int width);


static int
vo_sigv4_str_eq(const vo_str_t *a, const vo_str_t *b)
{
    return a->len == b->len
           && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}


/* access key, region, service: they sit between '/' in Credential= */
static vo_status_t
vo_sigv4_check_id(const vo_str_t *s)
{
    size_t  i;

    if (s->len == 0 || s->len > VO_SIGV4_MAX_ID) {
        return VO_BAD_REQUEST;
    }

    for (i = 0; i < s->len; i++) {
        if (s->data[i] <= ' ' || s->data[i] >= 0x7f || s->data[i] == '/'
            || s->data[i] == ',')
        {
            return VO_BAD_REQUEST;
        }
    }

    return VO_OK;
}


static vo_status_t
vo_sigv4_check_creds(const vo_sigv4_creds_t *creds, const char **err)
{
    if (vo_sigv4_check_id(&creds->access_key) != VO_OK) {
        vo_sigv4_fail("bad access key id");
    }

    if (creds->secret_key.len == 0
        || creds->secret_key.len > VO_SIGV4_MAX_ID)
    {
        vo_sigv4_fail("bad secret key length");
    }

    if (vo_sigv4_check_id(&creds->region) != VO_OK) {
        vo_sigv4_fail("bad region");
    }

    if (vo_sigv4_check_id(&creds->service) != VO_OK) {
        vo_sigv4_fail("bad service");
    }

    if (vo_sigv4_check_value(&creds->session_token) != VO_OK) {
        vo_sigv4_fail("control character in session token");
    }

    return VO_OK;
}


/* an encoded path is what vo_sigv4_uri_encode() makes of one: '/',
 * unreserved characters, and %XX with uppercase digits */
static vo_status_t
vo_sigv4_check_path(const vo_str_t *path)
{
    size_t         i;
    const u_char  *p;

    p = path->data;

    for (i = 0; i < path->len; i++) {
        if (vo_sigv4_unreserved(p[i]) || p[i] == '/') {
            continue;
        }

        if (p[i] != '%' || path->len - i < 3
            || !vo_sigv4_upper_hex(p[i + 1]) || !vo_sigv4_upper_hex(p[i + 2]))
        {
            return VO_BAD_REQUEST;
        }

        i += 2;
    }

    return VO_OK;
}


/* exactly one header name, with this value */
static vo_status_t
vo_sigv4_require(const vo_sigv4_request_t *req, const char *name,
    const vo_str_t *value)
{
    size_t    i, n;
    vo_str_t  want;

    want.data = (const u_char *) name;
    want.len = strlen(name);
    n = 0;

    for (i = 0; i < req->nheaders; i++) {
        if (vo_sigv4_lower_cmp(&req->headers[i].name, &want) != 0) {
            continue;
        }

        if (++n > 1
            || (value && !vo_sigv4_str_eq(&req->headers[i].value, value)))
        {
            return VO_BAD_REQUEST;
        }
    }

    return n == 1 ? VO_OK : VO_BAD_REQUEST;
}


static vo_status_t
vo_sigv4_prepare(vo_sigv4_ctx_t *c, const vo_sigv4_creds_t *creds,
    const vo_sigv4_request_t *req, unsigned expires, const char **err)
{
    size_t          i;
    u_char          ch;
    vo_status_t     rc;
    const u_char   *p;

    static const vo_str_t  unsigned_payload =
                               vo_string(VO_SIGV4_UNSIGNED_PAYLOAD);

    c->creds = creds;
    c->req = req;
    c->expires = expires;

    rc = vo_sigv4_check_creds(creds, err);
    if (rc != VO_OK) {
        return rc;
    }

    if (req->method.len == 0 || req->method.len > 16) {
        vo_sigv4_fail("bad method");
    }

    for (i = 0; i < req->method.len; i++) {
        if (req->method.data[i] < 'A' || req->method.data[i] > 'Z') {
            vo_sigv4_fail("bad method");
        }
    }

    /* YYYYMMDDTHHMMSSZ */
    p = req->timestamp.data;

    if (req->timestamp.len != VO_SIGV4_TIMESTAMP_LEN
        || p[8] != 'T' || p[15] != 'Z')
    {
        vo_sigv4_fail("bad timestamp");
    }

    for (i = 0; i < 15; i++) {
        if (i != 8 && (p[i] < '0' || p[i] > '9')) {
            vo_sigv4_fail("bad timestamp");
        }
    }

    if (req->path.len && req->path.data[0] != '/') {
        vo_sigv4_fail("path does not start with /");
    }

    if (req->path_encoded && vo_sigv4_check_path(&req->path) != VO_OK) {
        vo_sigv4_fail("path is not encoded");
    }

    if (req->payload_hash.len == VO_SIGV4_HEX_LEN) {
        for (i = 0; i < VO_SIGV4_HEX_LEN; i++) {
            ch = req->payload_hash.data[i];

            if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) {
                vo_sigv4_fail("bad payload hash");
            }
        }

    } else if (!vo_sigv4_str_eq(&req->payload_hash, &unsigned_payload)) {
        vo_sigv4_fail("bad payload hash");
    }

    rc = vo_sigv4_sort_query(c, err);
    if (rc != VO_OK) {
        return rc;
    }

    rc = vo_sigv4_sort_headers(c, err);
    if (rc != VO_OK) {
        return rc;
    }

    if (vo_sigv4_require(req, "host", NULL) != VO_OK) {
        vo_sigv4_fail("no single host header");
    }

    if (expires) {
        if (expires > VO_SIGV4_MAX_EXPIRES) {
            vo_sigv4_fail("expiry longer than 7 days");
        }

        return VO_OK;
    }

    if (vo_sigv4_require(req, "x-amz-date", &req->timestamp) != VO_OK) {
        vo_sigv4_fail("x-amz-date header missing or not the timestamp");
    }

    if (creds->session_token.len
        && vo_sigv4_require(req, "x-amz-security-token",
                            &creds->session_token) != VO_OK)
    {
        vo_sigv4_fail("x-amz-security-token header missing or not the "
                      "session token");
    }

    if (creds->service.len == 2 && memcmp(creds->service.data, "s3", 2) == 0
        && vo_sigv4_require(req, "x-amz-content-sha256", &req->payload_hash)
           != VO_OK)
    {
        vo_sigv4_fail("x-amz-content-sha256 header missing or not the "
                      "payload hash");
    }

    return VO_OK;
}


/* out = SHA-256(a || b) */
static vo_status_t
vo_sigv4_digest(EVP_MD_CTX *md, const u_char *a, size_t alen,
    const u_char *b, size_t blen, u_char *out)
{
    unsigned int  n;

    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1
        || EVP_DigestUpdate(md, a, alen) != 1
        || (blen && EVP_DigestUpdate(md, b, blen) != 1)
        || EVP_DigestFinal_ex(md, out, &n) != 1
        || n != VO_SIGV4_KEY_LEN)
    {
        return VO_ERROR;
    }

    return VO_OK;
}


/*
 * HMAC-SHA256 (RFC 2104) on the caller's digest context.  OpenSSL 3's
 * one-shot HMAC() fetches a MAC implementation and allocates a dozen
 * times per call, and a signature takes up to five HMACs: on a reused
 * context the whole signature costs a few allocations instead of ~70.
 * mac may not overlap key or data.
 */
static vo_status_t
vo_sigv4_hmac(EVP_MD_CTX *md, const u_char *key, size_t klen,
    const u_char *data, size_t dlen, u_char *mac)
{
    size_t        i;
    u_char        pad[VO_SIGV4_BLOCK], hkey[VO_SIGV4_KEY_LEN];
    u_char        inner[VO_SIGV4_KEY_LEN];
    vo_status_t   rc;

    rc = VO_ERROR;

    /* a key longer than a block is replaced by its hash */
    if (klen > VO_SIGV4_BLOCK) {
        if (vo_sigv4_digest(md, key, klen, NULL, 0, hkey) != VO_OK) {
            goto end;
        }

        key = hkey;
        klen = sizeof(hkey);
    }

    for (i = 0; i < VO_SIGV4_BLOCK; i++) {
        pad[i] = (u_char) ((i < klen ? key[i] : 0) ^ 0x36);
    }

    if (vo_sigv4_digest(md, pad, sizeof(pad), data, dlen, inner) != VO_OK) {
        goto end;
    }

    for (i = 0; i < VO_SIGV4_BLOCK; i++) {
        pad[i] = (u_char) ((i < klen ? key[i] : 0) ^ 0x5c);
    }

    rc = vo_sigv4_digest(md, pad, sizeof(pad), inner, sizeof(inner), mac);

end:

    OPENSSL_cleanse(pad, sizeof(pad));
    OPENSSL_cleanse(hkey, sizeof(hkey));
    OPENSSL_cleanse(inner, sizeof(inner));

    return rc;
}


/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" secret, date), region), service),
 * "aws4_request"); creds and date are checked */
static vo_status_t
vo_sigv4_derive(EVP_MD_CTX *md, const vo_sigv4_creds_t *creds,
    const u_char *date, vo_sigv4_key_t *key)
{
    u_char        secret[4 + VO_SIGV4_MAX_ID];
    u_char        k1[VO_SIGV4_KEY_LEN], k2[VO_SIGV4_KEY_LEN];
    vo_status_t   rc;

    rc = VO_ERROR;

    memcpy(secret, "AWS4", 4);
    memcpy(secret + 4, creds->secret_key.data, creds->secret_key.len);

    if (vo_sigv4_hmac(md, secret, 4 + creds->secret_key.len, date,
                      VO_SIGV4_DATE_LEN, k1) != VO_OK
        || vo_sigv4_hmac(md, k1, sizeof(k1), creds->region.data,
                         creds->region.len, k2) != VO_OK
        || vo_sigv4_hmac(md, k2, sizeof(k2), creds->service.data,
                         creds->service.len, k1) != VO_OK
        || vo_sigv4_hmac(md, k1, sizeof(k1),
                         (const u_char *) VO_SIGV4_TERMINATOR,
                         sizeof(VO_SIGV4_TERMINATOR) - 1, key->key) != VO_OK)
    {
        goto end;
    }

    memcpy(key->date, date, VO_SIGV4_DATE_LEN);
    rc = VO_OK;

end:

    /* the secret and the intermediate keys do not outlive the call */
    OPENSSL_cleanse(secret, sizeof(secret));
    OPENSSL_cleanse(k1, sizeof(k1));
    OPENSSL_cleanse(k2, sizeof(k2));

    return rc;
}


vo_status_t
vo_sigv4_derive_key(const vo_sigv4_creds_t *creds, const vo_str_t *date,
    vo_sigv4_key_t *key, const char **err)
{
    size_t         i;
    vo_status_t    rc;
    EVP_MD_CTX    *md;

    rc = vo_sigv4_check_creds(creds, err);
    if (rc != VO_OK) {
        return rc;
    }

    if (date->len < VO_SIGV4_DATE_LEN) {
        vo_sigv4_fail("bad date");
    }

    for (i = 0; i < VO_SIGV4_DATE_LEN; i++) {
        if (date->data[i] < '0' || date->data[i] > '9') {
            vo_sigv4_fail("bad date");
        }
    }

    md = EVP_MD_CTX_new();
    if (md == NULL) {
        return VO_ERROR;
    }

    rc = vo_sigv4_derive(md, creds, date->data, key);

    EVP_MD_CTX_free(md);

    return rc;
}


/* sig[64]: the hex signature of the prepared request */
static vo_status_t
vo_sigv4_signature(const vo_sigv4_ctx_t *c, const vo_sigv4_key_t *key,
    u_char *sig, const char **err)
{
    size_t           len;
    u_char           digest[VO_SIGV4_KEY_LEN], sts[VO_SIGV4_STS_SIZE];
    u_char           mac[VO_SIGV4_KEY_LEN];
    unsigned int     dlen;
    vo_status_t      rc;
    EVP_MD_CTX      *md;
    vo_sigv4_key_t   local;
    vo_sigv4_out_t   o;

    if (key
        && memcmp(key->date, c->req->timestamp.data, VO_SIGV4_DATE_LEN) != 0)
    {
        vo_sigv4_fail("signing key is for another day");
    }

    /* one context for the canonical request, the key and the HMAC */
    md = EVP_MD_CTX_new();
    if (md == NULL) {
        return VO_ERROR;
    }

    rc = VO_ERROR;

    if (key == NULL) {
        if (vo_sigv4_derive(md, c->creds, c->req->timestamp.data, &local)
            != VO_OK)
        {
            goto end;
        }

        key = &local;
    }

    vo_sigv4_out_init(&o, NULL, 0);
    o.md = md;
    o.copy = 0;

    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        goto end;
    }

    vo_sigv4_put_canonical(&o, c);

    if (o.failed || EVP_DigestFinal_ex(md, digest, &dlen) != 1
        || dlen != VO_SIGV4_KEY_LEN)
    {
        goto end;
    }

    vo_sigv4_out_init(&o, sts, sizeof(sts));
    vo_sigv4_put(&o, VO_SIGV4_ALGORITHM "\n",
                 sizeof(VO_SIGV4_ALGORITHM "\n") - 1);
    vo_sigv4_put(&o, c->req->timestamp.data, c->req->timestamp.len);
    vo_sigv4_put(&o, "\n", 1);
    vo_sigv4_put_scope(&o, c, 0);
    vo_sigv4_put(&o, "\n", 1);
    vo_sigv4_put_hex(&o, digest, dlen);

    /* cannot fail: the parts are bounded by the checks */
    if (vo_sigv4_out_done(&o, &len) != VO_OK) {
        goto end;
    }

    if (vo_sigv4_hmac(md, key->key, VO_SIGV4_KEY_LEN, sts, len, mac)
        != VO_OK)
    {
        goto end;
    }

    vo_sigv4_out_init(&o, sig, VO_SIGV4_HEX_LEN);
    vo_sigv4_put_hex(&o, mac, sizeof(mac));
    rc = VO_OK;

end:

    EVP_MD_CTX_free(md);
    OPENSSL_cleanse(&local, sizeof(local));

    return rc;
}


vo_status_t
vo_sigv4_authorization(const vo_sigv4_creds_t *creds,
    const vo_sigv4_key_t *key, const vo_sigv4_request_t *req, u_char *out,
    size_t size, size_t *len, const char **err)
{
    u_char           sig[VO_SIGV4_HEX_LEN];
    vo_status_t      rc;
    vo_sigv4_ctx_t   c;
    vo_sigv4_out_t   o;

    *len = 0;

    rc = vo_sigv4_prepare(&c, creds, req, 0, err);
    if (rc != VO_OK) {
        return rc;
    }

    rc = vo_sigv4_signature(&c, key, sig, err);
    if (rc != VO_OK) {
        return rc;
    }

    vo_sigv4_out_init(&o, out, size);
    vo_sigv4_put(&o, VO_SIGV4_ALGORITHM " Credential=",
                 sizeof(VO_SIGV4_ALGORITHM " Credential=") - 1);
    vo_sigv4_put(&o, creds->access_key.data, creds->access_key.len);
    vo_sigv4_put(&o, "/", 1);
    vo_sigv4_put_scope(&o, &c, 0);
    vo_sigv4_put(&o, ", SignedHeaders=", sizeof(", SignedHeaders=") - 1);
    vo_sigv4_put_signed_headers(&o, &c, ";", 0);
    vo_sigv4_put(&o, ", Signature=", sizeof(", Signature=") - 1);
    vo_sigv4_put(&o, sig, sizeof(sig));

    return vo_sigv4_out_done(&o, len);
}


vo_status_t
vo_sigv4_presign(const vo_sigv4_creds_t *creds, const vo_sigv4_key_t *key,
    const vo_sigv4_request_t *req, unsigned expires, u_char *out,
    size_t size, size_t *len, const char **err)
{
    u_char           sig[VO_SIGV4_HEX_LEN];
    vo_status_t      rc;
    vo_sigv4_ctx_t   c;
    vo_sigv4_out_t   o;

    *len = 0;

    if (expires == 0) {
        vo_sigv4_fail("zero expiry");
    }

    rc = vo_sigv4_prepare(&c, creds, req, expires, err);
    if (rc != VO_OK) {
        return rc;
    }

    rc = vo_sigv4_signature(&c, key, sig, err);
    if (rc != VO_OK) {
        return rc;
    }

    vo_sigv4_out_init(&o, out, size);
    vo_sigv4_put_query(&o, &c);
    vo_sigv4_put(&o, "&X-Amz-Signature=", sizeof("&X-Amz-Signature=") - 1);
    vo_sigv4_put(&o, sig, sizeof(sig));

    return vo_sigv4_out_done(&o, len);
}


vo_status_t
vo_sigv4_canonical_request(const vo_sigv4_creds_t *creds,
    const vo_sigv4_request_t *req, unsigned expires, u_char *out,
    size_t size, size_t *len, const char **err)
{
    vo_status_t      rc;
    vo_sigv4_ctx_t   c;
    vo_sigv4_out_t   o;

    *len = 0;

    rc = vo_sigv4_prepare(&c, creds, req, expires, err);
    if (rc != VO_OK) {
        return rc;
    }

    vo_sigv4_out_init(&o, out, size);
    vo_sigv4_put_canonical(&o, &c);

    return vo_sigv4_out_done(&o, len);
}


vo_status_t
vo_sigv4_sha256_hex(const u_char *data, size_t len, u_char *hex)
{
    u_char           digest[EVP_MAX_MD_SIZE];
    unsigned int     dlen;
    vo_sigv4_out_t   o;

    if (EVP_Digest(data, len, digest, &dlen, EVP_sha256(), NULL) != 1
        || dlen != VO_SIGV4_KEY_LEN)
    {
        return VO_ERROR;
    }

    vo_sigv4_out_init(&o, hex, VO_SIGV4_HEX_LEN);
    vo_sigv4_put_hex(&o, digest, dlen);

    return VO_OK;
}


/* v, zero-padded to width digits; returns the end */
static u_char *
vo_sigv4_digits(u_char *p, int v, int width)
{
    int  i;

    for (i = width; i > 0; i--) {
        p[i - 1] = (u_char) ('0' + v % 10);
        v /= 10;
    }

    return p + width;
}


vo_status_t
vo_sigv4_timestamp(time_t t, u_char *ts)
{
    u_char     *p;
    struct tm   tm;

    /* gmtime_r, not gmtime: the worker signs from several threads */
    if (gmtime_r(&t, &tm) == NULL
        || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
    {
        return VO_ERROR;
    }

    p = vo_sigv4_digits(ts, tm.tm_year + 1900, 4);
    p = vo_sigv4_digits(p, tm.tm_mon + 1, 2);
    p = vo_sigv4_digits(p, tm.tm_mday, 2);
    *p++ = 'T';
    p = vo_sigv4_digits(p, tm.tm_hour, 2);
    p = vo_sigv4_digits(p, tm.tm_min, 2);
    p = vo_sigv4_digits(p, tm.tm_sec, 2);
    *p = 'Z';

    return VO_OK;
}


vo_status_t
vo_sigv4_uri_encode(const u_char *src, size_t slen, int keep_slash,
    u_char *out, size_t size, size_t *len)
{
    vo_sigv4_out_t  o;

    vo_sigv4_out_init(&o, out, size);
    vo_sigv4_put_enc(&o, src, slen, keep_slash);

    return vo_sigv4_out_done(&o, len);
}


vo_status_t
vo_sigv4_trim(const u_char *src, size_t slen, u_char *out, size_t size,
    size_t *len)
{
    vo_sigv4_out_t  o;

    vo_sigv4_out_init(&o, out, size);
    vo_sigv4_put_trimmed(&o, src, slen);

    return vo_sigv4_out_done(&o, len);
}


vo_status_t
vo_sigv4_signed_headers(const vo_sigv4_request_t *req, u_char *out,
    size_t size, size_t *len, const char **err)
{
    vo_status_t      rc;
    vo_sigv4_ctx_t   c;
    vo_sigv4_out_t   o;

    *len = 0;
    c.creds = NULL;
    c.req = req;
    c.expires = 0;

    rc = vo_sigv4_sort_headers(&c, err);
    if (rc != VO_OK) {
        return rc;
    }

    vo_sigv4_out_init(&o, out, size);
    vo_sigv4_put_signed_headers(&o, &c, ";", 0);

    return vo_sigv4_out_done(&o, len);
}
