/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "vo_sign.h"


static const char  vo_sign_context[] = "vidorigin-v1\n";


vo_status_t
vo_sign(const vo_str_t *secret, const vo_str_t *id, uint64_t expires,
    u_char *hex)
{
    int             n;
    u_char          msg[sizeof(vo_sign_context) + 64 + 1 + 20];
    u_char          mac[EVP_MAX_MD_SIZE];
    size_t          len, i;
    unsigned int    maclen;

    static const char  digits[] = "0123456789abcdef";

    if (id->len > 64) {
        return VO_ERROR;
    }

    len = sizeof(vo_sign_context) - 1;
    memcpy(msg, vo_sign_context, len);
    memcpy(msg + len, id->data, id->len);
    len += id->len;

    n = snprintf((char *) msg + len, sizeof(msg) - len, "\n%llu",
                 (unsigned long long) expires);
    if (n < 0 || (size_t) n >= sizeof(msg) - len) {
        return VO_ERROR;
    }

    len += n;

    if (HMAC(EVP_sha256(), secret->data, (int) secret->len, msg, len, mac,
             &maclen)
        == NULL || maclen != VO_SIGN_HEX / 2)
    {
        return VO_ERROR;
    }

    for (i = 0; i < maclen; i++) {
        hex[2 * i] = digits[mac[i] >> 4];
        hex[2 * i + 1] = digits[mac[i] & 0xf];
    }

    return VO_OK;
}


vo_status_t
vo_sign_query(const vo_str_t *secret, const vo_str_t *id, uint64_t expires,
    u_char *buf, size_t *len)
{
    int  n;

    n = snprintf((char *) buf, VO_SIGN_QUERY_MAX, "exp=%llu&sig=",
                 (unsigned long long) expires);
    if (n < 0 || (size_t) n + VO_SIGN_HEX > VO_SIGN_QUERY_MAX) {
        return VO_ERROR;
    }

    if (vo_sign(secret, id, expires, buf + n) != VO_OK) {
        return VO_ERROR;
    }

    *len = n + VO_SIGN_HEX;

    return VO_OK;
}


vo_status_t
vo_sign_check(const vo_str_t *secrets, size_t nsecrets, const vo_str_t *id,
    const vo_str_t *exp, const vo_str_t *sig, uint64_t now, uint64_t max_ttl,
    const char **err)
{
    int       match;
    u_char    want[VO_SIGN_HEX];
    size_t    i;
    uint64_t  expires;

    if (exp->len == 0 || sig->len == 0) {
        *err = "unsigned request";
        return VO_FORBIDDEN;
    }

    /* 1 to 20 digits, no leading zero, no overflow */
    if (exp->len > 20 || exp->data[0] == '0') {
        *err = "malformed exp";
        return VO_FORBIDDEN;
    }

    expires = 0;

    for (i = 0; i < exp->len; i++) {
        if (exp->data[i] < '0' || exp->data[i] > '9'
            || expires > (UINT64_MAX - (exp->data[i] - '0')) / 10)
        {
            *err = "malformed exp";
            return VO_FORBIDDEN;
        }

        expires = expires * 10 + (exp->data[i] - '0');
    }

    if (sig->len != VO_SIGN_HEX) {
        *err = "malformed sig";
        return VO_FORBIDDEN;
    }

    /* a signature is lower-case hex, as vo_sign writes it */

    match = 0;

    for (i = 0; i < nsecrets; i++) {
        if (vo_sign(&secrets[i], id, expires, want) != VO_OK) {
            *err = "cannot compute the signature";
            return VO_ERROR;
        }

        match |= CRYPTO_memcmp(want, sig->data, VO_SIGN_HEX) == 0;
    }

    if (!match) {
        *err = "wrong signature";
        return VO_FORBIDDEN;
    }

    if (expires <= now) {
        *err = "expired signature";
        return VO_FORBIDDEN;
    }

    /* a token for years ahead is a leaked key's, not the API's */
    if (max_ttl && expires - now > max_ttl) {
        *err = "expiry beyond the maximum lifetime";
        return VO_FORBIDDEN;
    }

    return VO_OK;
}
