/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdlib.h>
#include <string.h>

#include "media/tw_bytes.h"


void
tw_bytes_free(tw_bytes_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}


void
tw_bytes_append(tw_bytes_t *b, const void *data, size_t len)
{
    size_t    cap;
    uint8_t  *p;

    if (b->failed || len == 0) {
        return;
    }

    if (b->len + len > b->cap) {
        cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len) {
            cap *= 2;
        }

        p = realloc(b->data, cap);
        if (p == NULL) {
            b->failed = 1;
            return;
        }

        b->data = p;
        b->cap = cap;
    }

    memcpy(b->data + b->len, data, len);
    b->len += len;
}
