/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vo_buf_* and the arena: growth, the printf subset, fixed-point output,
 * the failed flag, and allocator alignment.
 */

#include <limits.h>
#include <stdint.h>

#include "vo_core.h"
#include "vo_test.h"


/* an allocator that gives up after a number of calls */
typedef struct {
    vo_alloc_t  *real;
    int          left;
} test_limit_t;


/* one that counts them */
typedef struct {
    vo_alloc_t  *real;
    int          calls;
} test_count_t;


static void *
test_counted_alloc(void *data, size_t size)
{
    test_count_t  *c = data;

    c->calls++;

    return c->real->alloc(c->real->data, size);
}


static void *
test_limited_alloc(void *data, size_t size)
{
    test_limit_t  *l = data;

    if (l->left-- <= 0) {
        return NULL;
    }

    return l->real->alloc(l->real->data, size);
}


#define CHECK_BUF(b, s)  VO_CHECK_MEM((b)->start, vo_buf_len(b), s)


static void
test_printf(vo_alloc_t *alloc)
{
    vo_buf_t  b;

    vo_buf_init(&b, alloc, 0);
    vo_buf_printf(&b, "a%db%uc%sd%ce%%f", -42, 42u, "str", 'x');
    CHECK_BUF(&b, "a-42b42cstrdxe%f");

    vo_buf_init(&b, alloc, 0);
    vo_buf_printf(&b, "%d %d %d", 0, INT_MAX, INT_MIN);
    CHECK_BUF(&b, "0 2147483647 -2147483648");

    vo_buf_init(&b, alloc, 0);
    vo_buf_printf(&b, "%u %u", 0u, UINT_MAX);
    CHECK_BUF(&b, "0 4294967295");

    vo_buf_init(&b, alloc, 0);
    vo_buf_printf(&b, "%lld %lld %llu", LLONG_MIN, LLONG_MAX, ULLONG_MAX);
    CHECK_BUF(&b, "-9223372036854775808 9223372036854775807 "
              "18446744073709551615");

    /* a conversion outside the subset: call through a pointer so that
     * -Wformat does not refuse it at compile time */
    {
        void  (*pf)(vo_buf_t *, const char *, ...) = vo_buf_printf;

        /* an unknown conversion (%V was one once) marks the buffer failed */
        vo_buf_init(&b, alloc, 0);
        pf(&b, "x%qy");
        VO_CHECK(vo_buf_failed(&b));
    }

    /* no locale: no thousands separators, ever */
    vo_buf_init(&b, alloc, 0);
    vo_buf_printf(&b, "%u", 1234567u);
    CHECK_BUF(&b, "1234567");
}


static void
test_fixed(vo_alloc_t *alloc)
{
    vo_buf_t  b;

    vo_buf_init(&b, alloc, 0);
    vo_buf_fixed(&b, 6000, 3);
    CHECK_BUF(&b, "6.000");

    vo_buf_init(&b, alloc, 0);
    vo_buf_fixed(&b, 6006, 3);
    vo_buf_str(&b, " ");
    vo_buf_fixed(&b, 5, 3);
    vo_buf_str(&b, " ");
    vo_buf_fixed(&b, 0, 3);
    vo_buf_str(&b, " ");
    vo_buf_fixed(&b, 29970, 3);
    vo_buf_str(&b, " ");
    vo_buf_fixed(&b, 7, 0);
    vo_buf_str(&b, " ");
    vo_buf_fixed(&b, 123456789, 6);
    CHECK_BUF(&b, "6.006 0.005 0.000 29.970 7 123.456789");

    vo_buf_init(&b, alloc, 0);
    vo_buf_fixed(&b, UINT64_MAX, 19);
    CHECK_BUF(&b, "1.8446744073709551615");
    VO_CHECK(!vo_buf_failed(&b));

    vo_buf_init(&b, alloc, 0);
    vo_buf_fixed(&b, 1, 20);
    VO_CHECK(vo_buf_failed(&b));
}


static void
test_growth(vo_alloc_t *alloc)
{
    int       i;
    vo_buf_t  b;
    u_char    expect[5000];

    /* a 1-byte buffer grows by doubling and keeps what was written */
    VO_CHECK_INT(vo_buf_init(&b, alloc, 1), VO_OK);

    for (i = 0; i < 5000; i++) {
        expect[i] = (u_char) ('a' + i % 26);
        vo_buf_append(&b, &expect[i], 1);
    }

    VO_CHECK(!vo_buf_failed(&b));
    VO_CHECK_UINT(vo_buf_len(&b), 5000);
    VO_CHECK(memcmp(b.start, expect, 5000) == 0);
    VO_CHECK(b.end >= b.pos);

    /* growth doubles: 1 MB one byte at a time from 1 byte takes about
     * 20 allocations, not one per append (the copies are quadratic
     * otherwise) */
    {
        vo_alloc_t    counting;
        test_count_t  cnt;

        cnt.real = alloc;
        cnt.calls = 0;
        counting.alloc = test_counted_alloc;
        counting.data = &cnt;

        vo_buf_init(&b, &counting, 1);

        for (i = 0; i < 1 << 20; i++) {
            vo_buf_append(&b, "x", 1);
        }

        VO_CHECK_UINT(vo_buf_len(&b), 1 << 20);
        VO_CHECK(cnt.calls <= 22);
    }

    /* one append larger than twice the buffer */
    vo_buf_init(&b, alloc, 4);
    vo_buf_append(&b, expect, 3000);
    VO_CHECK_UINT(vo_buf_len(&b), 3000);
    VO_CHECK(memcmp(b.start, expect, 3000) == 0);

    /* zero-length appends are harmless */
    vo_buf_init(&b, alloc, 4);
    vo_buf_append(&b, NULL, 0);
    vo_buf_str(&b, "");
    VO_CHECK_UINT(vo_buf_len(&b), 0);
    VO_CHECK(!vo_buf_failed(&b));
}


static void
test_failure(vo_alloc_t *alloc)
{
    vo_buf_t      b;
    vo_alloc_t    limited;
    test_limit_t  lim;

    lim.real = alloc;
    limited.alloc = test_limited_alloc;
    limited.data = &lim;

    /* init fails cleanly */
    lim.left = 0;
    VO_CHECK_INT(vo_buf_init(&b, &limited, 16), VO_ERROR);
    VO_CHECK(vo_buf_failed(&b));
    vo_buf_str(&b, "after");
    VO_CHECK(vo_buf_failed(&b));

    /* growth fails: the flag sticks and later appends do nothing, even
     * ones that would fit */
    lim.left = 1;
    VO_CHECK_INT(vo_buf_init(&b, &limited, 4), VO_OK);
    vo_buf_str(&b, "abc");
    vo_buf_str(&b, "defgh");
    VO_CHECK(vo_buf_failed(&b));
    vo_buf_str(&b, "");
    vo_buf_printf(&b, "%d", 1);
    VO_CHECK(vo_buf_failed(&b));
    CHECK_BUF(&b, "abc");
}


static void
test_arena(void)
{
    int          i, bad;
    u_char      *p, *q;
    vo_arena_t  *a;
    vo_alloc_t  *al;

    a = vo_arena_create();
    VO_CHECK(a != NULL);

    al = vo_arena_alloc(a);

    bad = 0;

    for (i = 0; i < 1000; i++) {
        p = al->alloc(al->data, (size_t) (i % 37) + 1);

        if (p == NULL || ((uintptr_t) p % 16) != 0) {
            bad++;
            continue;
        }

        /* ASan flags it if blocks overlap their neighbours' headers */
        memset(p, 0xaa, (size_t) (i % 37) + 1);
    }

    VO_CHECK_INT(bad, 0);

    /* large blocks, and small ones after them, are distinct */
    p = al->alloc(al->data, 100000);
    q = al->alloc(al->data, 8);
    VO_CHECK(p != NULL && q != NULL && (q < p || q >= p + 100000));
    memset(p, 0, 100000);

    VO_CHECK(al->alloc(al->data, 0) != NULL);
    VO_CHECK(al->alloc(al->data, (size_t) -1) == NULL);
    VO_CHECK(al->alloc(al->data, (size_t) -1 - 8) == NULL);

    /* LeakSanitizer checks at exit that this frees every block */
    vo_arena_free(a);
    vo_arena_free(NULL);
}


int
main(void)
{
    vo_arena_t  *a;

    a = vo_arena_create();
    if (a == NULL) {
        return 2;
    }

    test_printf(vo_arena_alloc(a));
    test_fixed(vo_arena_alloc(a));
    test_growth(vo_arena_alloc(a));
    test_failure(vo_arena_alloc(a));
    test_arena();

    vo_arena_free(a);

    VO_TEST_DONE("test_buf");
}
