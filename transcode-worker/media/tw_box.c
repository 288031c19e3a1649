/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include "media/tw_box.h"


void
tw_w8(tw_bytes_t *b, uint32_t v)
{
    uint8_t  c = (uint8_t) v;

    tw_bytes_append(b, &c, 1);
}


void
tw_w16(tw_bytes_t *b, uint32_t v)
{
    uint8_t  c[2] = { (uint8_t) (v >> 8), (uint8_t) v };

    tw_bytes_append(b, c, 2);
}


void
tw_w24(tw_bytes_t *b, uint32_t v)
{
    uint8_t  c[3] = { (uint8_t) (v >> 16), (uint8_t) (v >> 8), (uint8_t) v };

    tw_bytes_append(b, c, 3);
}


void
tw_w32(tw_bytes_t *b, uint32_t v)
{
    uint8_t  c[4] = { (uint8_t) (v >> 24), (uint8_t) (v >> 16),
                      (uint8_t) (v >> 8), (uint8_t) v };

    tw_bytes_append(b, c, 4);
}


void
tw_w64(tw_bytes_t *b, uint64_t v)
{
    tw_w32(b, (uint32_t) (v >> 32));
    tw_w32(b, (uint32_t) v);
}


void
tw_wtag(tw_bytes_t *b, const char *tag)
{
    tw_bytes_append(b, tag, 4);
}


void
tw_wzero(tw_bytes_t *b, size_t n)
{
    static const uint8_t  zero[64];

    while (n > sizeof(zero)) {
        tw_bytes_append(b, zero, sizeof(zero));
        n -= sizeof(zero);
    }

    tw_bytes_append(b, zero, n);
}


void
tw_patch32(tw_bytes_t *b, size_t at, uint32_t v)
{
    if (b->failed || at + 4 > b->len) {
        return;
    }

    b->data[at] = (uint8_t) (v >> 24);
    b->data[at + 1] = (uint8_t) (v >> 16);
    b->data[at + 2] = (uint8_t) (v >> 8);
    b->data[at + 3] = (uint8_t) v;
}


void
tw_box_open(tw_box_t *w, const char *type)
{
    if (w->depth == TW_BOX_DEPTH) {
        w->b->failed = 1;
        return;
    }

    w->open[w->depth++] = w->b->len;
    tw_w32(w->b, 0);
    tw_wtag(w->b, type);
}


void
tw_box_open_full(tw_box_t *w, const char *type, uint32_t version,
    uint32_t flags)
{
    tw_box_open(w, type);
    tw_w8(w->b, version);
    tw_w24(w->b, flags);
}


void
tw_box_close(tw_box_t *w)
{
    size_t  start;

    if (w->depth == 0) {
        w->b->failed = 1;
        return;
    }

    start = w->open[--w->depth];
    tw_patch32(w->b, start, (uint32_t) (w->b->len - start));
}
