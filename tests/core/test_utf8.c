/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vo_utf8: the one UTF-8 check (JSON reader and writer, catalog text).
 */

#include <string.h>

#include "vo_test.h"
#include "vo_utf8.h"


#define U(s)  (const u_char *) (s), sizeof(s) - 1


static void
check_len(const char *s, size_t len, size_t want, int want_truncated)
{
    int     truncated;
    size_t  n;

    truncated = -1;
    n = vo_utf8_len((const u_char *) s, (const u_char *) s + len,
                    &truncated);

    VO_TEST_RESULT(n == want && truncated == want_truncated,
                   "vo_utf8_len of %zu bytes (first 0x%02x): %zu, truncated "
                   "%d (want %zu, %d)", len, (unsigned) (u_char) s[0], n,
                   truncated, want, want_truncated);
}


int
main(void)
{
    /* one sequence of each length, at each edge of its range */
    check_len("A", 1, 1, 0);
    check_len("\x7f", 1, 1, 0);
    check_len("\xc2\x80", 2, 2, 0);
    check_len("\xdf\xbf", 2, 2, 0);
    check_len("\xe0\xa0\x80", 3, 3, 0);
    check_len("\xed\x9f\xbf", 3, 3, 0);           /* U+D7FF */
    check_len("\xef\xbf\xbf", 3, 3, 0);
    check_len("\xf0\x90\x80\x80", 4, 4, 0);       /* U+10000 */
    check_len("\xf4\x8f\xbf\xbf", 4, 4, 0);       /* U+10FFFF */

    /* what RFC 3629 rules out */
    check_len("\x80", 1, 0, 0);                   /* a lone continuation */
    check_len("\xc0\xaf", 2, 0, 0);               /* overlong '/' */
    check_len("\xc1\xbf", 2, 0, 0);
    check_len("\xe0\x9f\xbf", 3, 0, 0);           /* overlong */
    check_len("\xed\xa0\x80", 3, 0, 0);           /* U+D800, a surrogate */
    check_len("\xf0\x8f\xbf\xbf", 4, 0, 0);       /* overlong */
    check_len("\xf4\x90\x80\x80", 4, 0, 0);       /* above U+10FFFF */
    check_len("\xf5\x80\x80\x80", 4, 0, 0);
    check_len("\xff", 1, 0, 0);
    check_len("\xc3\x28", 2, 0, 0);               /* not a continuation */
    check_len("\xe2\x82\x28", 3, 0, 0);

    /* the bytes end inside a sequence */
    check_len("\xc3", 1, 0, 1);
    check_len("\xe2\x82", 2, 0, 1);
    check_len("\xf0\x9f\x98", 3, 0, 1);

    VO_CHECK(vo_utf8_valid(U("")));
    VO_CHECK(vo_utf8_valid(U("plain ascii")));
    VO_CHECK(vo_utf8_valid(U("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
                             "\xf0\x9f\x8e\xac")));
    VO_CHECK(!vo_utf8_valid(U("caf\xe9")));       /* Latin-1 */
    VO_CHECK(!vo_utf8_valid(U("ok\xed\xbf\xbf")));
    VO_CHECK(!vo_utf8_valid(U("cut \xe6\x97")));
    /* a NUL byte is a character like any other here */
    VO_CHECK(vo_utf8_valid((const u_char *) "a\0b", 3));

    VO_TEST_DONE("test_utf8");
}
