/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Text checks of the catalog: UTF-8, the shape of a BCP 47 language
 * tag.  (Its JSON strings are vo_json_put_string()'s.)
 */

#include <string.h>

#include "catalog/tw_catalog_text.h"


/* BCP 47's shape, not its registry: a primary subtag of 2 to 8 letters,
 * then subtags of 1 to 8 letters or digits */
int
tw_language_valid(const char *s)
{
    size_t  n, i;

    for (i = 0; ; i++) {
        n = strspn(s, i ? "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                          "WXYZ0123456789"
                        : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                          "WXYZ");

        if (n < (i ? 1u : 2u) || n > 8) {
            return 0;
        }

        s += n;

        if (*s == '\0') {
            return 1;
        }

        if (*s++ != '-') {
            return 0;
        }
    }
}


int
tw_utf8_valid(const u_char *s, size_t len)
{
    size_t    i, n, k;
    uint32_t  cp, min;

    for (i = 0; i < len; i += n) {
        if (s[i] < 0x80) {
            n = 1;
            continue;
        }

        if ((s[i] & 0xe0) == 0xc0) {
            n = 2; cp = s[i] & 0x1f; min = 0x80;

        } else if ((s[i] & 0xf0) == 0xe0) {
            n = 3; cp = s[i] & 0x0f; min = 0x800;

        } else if ((s[i] & 0xf8) == 0xf0) {
            n = 4; cp = s[i] & 0x07; min = 0x10000;

        } else {
            return 0;
        }

        if (len - i < n) {
            return 0;
        }

        for (k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }

        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
    }

    return 1;
}
