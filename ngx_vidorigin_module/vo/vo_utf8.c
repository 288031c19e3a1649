/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include "vo_utf8.h"


size_t
vo_utf8_len(const u_char *p, const u_char *end, int *truncated)
{
    u_char  c, lo, hi;
    size_t  i, n;

    *truncated = 0;
    c = *p;

    if (c < 0x80) {
        return 1;
    }

    /* the second byte's range is narrowed for a few lead bytes: that is
     * what rules out overlong forms, surrogates and values past 10FFFF */
    lo = 0x80;
    hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 1;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 2;

        if (c == 0xe0) {
            lo = 0xa0;

        } else if (c == 0xed) {
            hi = 0x9f;
        }

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 3;

        if (c == 0xf0) {
            lo = 0x90;

        } else if (c == 0xf4) {
            hi = 0x8f;
        }

    } else {
        return 0;
    }

    if ((size_t) (end - p) < n + 1) {
        *truncated = 1;
        return 0;
    }

    if (p[1] < lo || p[1] > hi) {
        return 0;
    }

    for (i = 2; i <= n; i++) {
        if (p[i] < 0x80 || p[i] > 0xbf) {
            return 0;
        }
    }

    return n + 1;
}


int
vo_utf8_valid(const u_char *p, size_t len)
{
    int            truncated;
    size_t         n;
    const u_char  *end;

    end = p + len;

    while (p < end) {
        n = vo_utf8_len(p, end, &truncated);

        if (n == 0) {
            return 0;
        }

        p += n;
    }

    return 1;
}
