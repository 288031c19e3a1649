/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Output buffers and the malloc-backed arena.
 *
 * Numbers are formatted here by hand rather than with snprintf(): the
 * output of manifests must not depend on the C locale, and the same bytes
 * must come out on every host (manifest ETags are hashes of them).
 */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vo_core.h"


#define VO_BUF_DEFAULT     256

/* every block handed out by the arena is aligned for any C object */
#define VO_ARENA_ALIGN     16
#define VO_ARENA_BLOCK     8192
/* requests above this get a block of their own, so that one large buffer
 * does not waste the rest of a shared block */
#define VO_ARENA_LARGE     (VO_ARENA_BLOCK / 4)

#define vo_align(n, a)     (((n) + ((a) - 1)) & ~((size_t) (a) - 1))


typedef struct vo_arena_block_s  vo_arena_block_t;

struct vo_arena_block_s {
    vo_arena_block_t   *next;
};

/* the block header is padded so that the data after it stays aligned */
#define VO_ARENA_HDR       vo_align(sizeof(vo_arena_block_t), VO_ARENA_ALIGN)


struct vo_arena_s {
    vo_alloc_t          alloc;
    vo_arena_block_t   *blocks;
    u_char             *pos;
    u_char             *end;
};


static int vo_buf_reserve(vo_buf_t *b, size_t len);
static void vo_buf_uint(vo_buf_t *b, unsigned long long v, int negative);
static void *vo_arena_palloc(void *data, size_t size);
static void *vo_arena_block(vo_arena_t *a, size_t size);


vo_status_t
vo_buf_init(vo_buf_t *b, vo_alloc_t *alloc, size_t size)
{
    b->alloc = alloc;
    b->failed = 0;

    if (size == 0) {
        size = VO_BUF_DEFAULT;
    }

    b->start = alloc->alloc(alloc->data, size);

    if (b->start == NULL) {
        b->pos = NULL;
        b->end = NULL;
        b->failed = 1;
        return VO_ERROR;
    }

    b->pos = b->start;
    b->end = b->start + size;

    return VO_OK;
}


/*
 * Makes room for len more bytes; 0 and the buffer marked failed when the
 * allocator gives up or the size would overflow.
 */
static int
vo_buf_reserve(vo_buf_t *b, size_t len)
{
    size_t   used, size, need;
    u_char  *p;

    if (b->failed) {
        return 0;
    }

    if ((size_t) (b->end - b->pos) >= len) {
        return 1;
    }

    used = vo_buf_len(b);

    if (len > (size_t) -1 / 2 - used) {
        b->failed = 1;
        return 0;
    }

    need = used + len;
    size = (size_t) (b->end - b->start) * 2;

    if (size < need) {
        size = need;
    }

    p = b->alloc->alloc(b->alloc->data, size);

    if (p == NULL) {
        b->failed = 1;
        return 0;
    }

    if (used) {
        memcpy(p, b->start, used);
    }

    b->start = p;
    b->pos = p + used;
    b->end = p + size;

    return 1;
}


void
vo_buf_append(vo_buf_t *b, const void *data, size_t len)
{
    if (len == 0 || !vo_buf_reserve(b, len)) {
        return;
    }

    memcpy(b->pos, data, len);
    b->pos += len;
}


void
vo_buf_str(vo_buf_t *b, const char *s)
{
    vo_buf_append(b, s, strlen(s));
}


static void
vo_buf_uint(vo_buf_t *b, unsigned long long v, int negative)
{
    u_char   tmp[24], *p;

    p = tmp + sizeof(tmp);

    do {
        *--p = (u_char) ('0' + v % 10);
        v /= 10;
    } while (v);

    if (negative) {
        *--p = '-';
    }

    vo_buf_append(b, p, (size_t) (tmp + sizeof(tmp) - p));
}


void
vo_buf_printf(vo_buf_t *b, const char *fmt, ...)
{
    int                  longs;
    long long            sv;
    const char          *s, *p;
    unsigned long long   uv;
    u_char               c;
    va_list              args;

    va_start(args, fmt);

    p = fmt;

    while (*p && !b->failed) {

        if (*p != '%') {
            s = p;

            while (*p && *p != '%') {
                p++;
            }

            vo_buf_append(b, s, (size_t) (p - s));
            continue;
        }

        p++;
        longs = 0;

        while (*p == 'l' && longs < 2) {
            longs++;
            p++;
        }

        switch (*p) {

        case 'd':
            if (longs == 2) {
                sv = va_arg(args, long long);

            } else if (longs == 1) {
                sv = va_arg(args, long);

            } else {
                sv = va_arg(args, int);
            }

            /* negate in unsigned arithmetic: LLONG_MIN has no positive
             * counterpart in long long */
            if (sv < 0) {
                vo_buf_uint(b, 0ULL - (unsigned long long) sv, 1);

            } else {
                vo_buf_uint(b, (unsigned long long) sv, 0);
            }

            break;

        case 'u':
            if (longs == 2) {
                uv = va_arg(args, unsigned long long);

            } else if (longs == 1) {
                uv = va_arg(args, unsigned long);

            } else {
                uv = va_arg(args, unsigned int);
            }

            vo_buf_uint(b, uv, 0);
            break;

        case 's':
            s = va_arg(args, const char *);
            vo_buf_str(b, s ? s : "(null)");
            break;

        case 'c':
            c = (u_char) va_arg(args, int);
            vo_buf_append(b, &c, 1);
            break;

        case '%':
            vo_buf_append(b, "%", 1);
            break;

        default:
            /* an unsupported conversion is a bug in the caller: fail
             * loudly instead of emitting a half-formatted manifest */
            b->failed = 1;
            va_end(args);
            return;
        }

        p++;
    }

    va_end(args);
}


void
vo_buf_fixed(vo_buf_t *b, uint64_t value, unsigned decimals)
{
    unsigned   i;
    uint64_t   scale;
    u_char     frac[20];

    if (decimals > 19) {
        /* 10^20 does not fit in 64 bits */
        b->failed = 1;
        return;
    }

    scale = 1;

    for (i = 0; i < decimals; i++) {
        scale *= 10;
    }

    vo_buf_uint(b, value / scale, 0);

    if (decimals == 0) {
        return;
    }

    value %= scale;

    for (i = decimals; i > 0; i--) {
        frac[i - 1] = (u_char) ('0' + value % 10);
        value /= 10;
    }

    vo_buf_append(b, ".", 1);
    vo_buf_append(b, frac, decimals);
}


vo_arena_t *
vo_arena_create(void)
{
    vo_arena_t  *a;

    a = malloc(sizeof(vo_arena_t));
    if (a == NULL) {
        return NULL;
    }

    a->alloc.alloc = vo_arena_palloc;
    a->alloc.data = a;
    a->blocks = NULL;
    a->pos = NULL;
    a->end = NULL;

    return a;
}


void
vo_arena_free(vo_arena_t *a)
{
    vo_arena_block_t  *blk, *next;

    if (a == NULL) {
        return;
    }

    for (blk = a->blocks; blk; blk = next) {
        next = blk->next;
        free(blk);
    }

    free(a);
}


vo_alloc_t *
vo_arena_alloc(vo_arena_t *a)
{
    return &a->alloc;
}


/* a fresh block of at least size usable bytes, linked for vo_arena_free */
static void *
vo_arena_block(vo_arena_t *a, size_t size)
{
    vo_arena_block_t  *blk;

    if (size > (size_t) -1 - VO_ARENA_HDR) {
        return NULL;
    }

    blk = malloc(VO_ARENA_HDR + size);
    if (blk == NULL) {
        return NULL;
    }

    blk->next = a->blocks;
    a->blocks = blk;

    return (u_char *) blk + VO_ARENA_HDR;
}


static void *
vo_arena_palloc(void *data, size_t size)
{
    u_char      *p;
    vo_arena_t  *a;

    a = data;

    if (size > (size_t) -1 - VO_ARENA_ALIGN) {
        return NULL;
    }

    /* zero-sized requests still get a distinct, valid pointer */
    size = vo_align(size ? size : 1, VO_ARENA_ALIGN);

    if (a->pos && (size_t) (a->end - a->pos) >= size) {
        p = a->pos;
        a->pos += size;
        return p;
    }

    if (size > VO_ARENA_LARGE) {
        return vo_arena_block(a, size);
    }

    p = vo_arena_block(a, VO_ARENA_BLOCK);
    if (p == NULL) {
        return NULL;
    }

    a->pos = p + size;
    a->end = p + VO_ARENA_BLOCK;

    return p;
}
