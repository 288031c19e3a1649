/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Text checks of the catalog: the shape of a BCP 47 language tag.  (Its
 * UTF-8 check is vo_utf8_valid()'s, its JSON strings
 * vo_json_put_string()'s.)
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
