/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <openssl/crypto.h>

#include "vo_admin.h"


vo_status_t
vo_admin_date(const u_char *p, size_t len, uint64_t now, uint64_t skew,
    uint64_t *t, const char **err)
{
    size_t    i;
    uint64_t  v;

    if (len == 0 || len > VO_ADMIN_DATE_MAX) {
        *err = "not 1 to 19 digits";
        return VO_FORBIDDEN;
    }

    v = 0;

    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            *err = "not a number";
            return VO_FORBIDDEN;
        }

        v = v * 10 + (uint64_t) (p[i] - '0');
    }

    /* 19 digits cannot wrap a uint64_t, but can pass a time_t */
    if (v > (uint64_t) INT64_MAX) {
        *err = "too large";
        return VO_FORBIDDEN;
    }

    if ((v < now && now - v > skew) || (v > now && v - now > skew)) {
        *err = "not within the allowed skew of now";
        return VO_FORBIDDEN;
    }

    *t = v;

    return VO_OK;
}


vo_status_t
vo_admin_signature(const u_char *sig, size_t len, const u_char *mac,
    size_t maclen)
{
    u_char  hex[128];
    size_t  i;

    static const char  digits[] = "0123456789abcdef";

    if (maclen == 0 || maclen > sizeof(hex) / 2 || len != 2 * maclen) {
        return VO_FORBIDDEN;
    }

    for (i = 0; i < maclen; i++) {
        hex[2 * i] = (u_char) digits[mac[i] >> 4];
        hex[2 * i + 1] = (u_char) digits[mac[i] & 0xf];
    }

    return CRYPTO_memcmp(hex, sig, len) == 0 ? VO_OK : VO_FORBIDDEN;
}
