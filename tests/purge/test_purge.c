/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Purge prefixes, their ancestors and journal lines (vo_purge.c).
 */

#include "vo_test.h"
#include "vo_purge.h"


#define S(s)  (const u_char *) (s), sizeof(s) - 1


static void
check_prefixes(void)
{
    static const char  *good[] = {
        "/", "/v/", "/v/demo/", "/v/demo/720p/3.m4s", "/v/a-b_c.d~e/",
        "/v/demo/master.m3u8", "/v/..a/", "/v/a../"
    };

    static const char  *bad[] = {
        "", "v/", "//", "/v//", "/v/./", "/v/../", "/v/..", "/v/.",
        "/v/de mo/", "/v/%41/", "/v/\n/", "/v/?x", "/v/*", "/v/\xc3\xa9/"
    };

    const char  *err;
    u_char       big[VO_PURGE_PREFIX_MAX + 2];
    size_t       i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        err = NULL;
        VO_TEST_RESULT(vo_purge_prefix_check((const u_char *) good[i],
                                             strlen(good[i]), &err)
                       == VO_OK, "good prefix \"%s\" refused: %s", good[i],
                       err ? err : "");
    }

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = NULL;
        VO_TEST_RESULT(vo_purge_prefix_check((const u_char *) bad[i],
                                             strlen(bad[i]), &err)
                       == VO_BAD_REQUEST && err != NULL,
                       "bad prefix \"%s\" accepted", bad[i]);
    }

    big[0] = '/';
    memset(big + 1, 'a', sizeof(big) - 1);

    VO_CHECK(vo_purge_prefix_check(big, VO_PURGE_PREFIX_MAX, &err) == VO_OK);
    VO_CHECK(vo_purge_prefix_check(big, VO_PURGE_PREFIX_MAX + 1, &err)
             == VO_BAD_REQUEST);
}


static void
check_parent(void)
{
    VO_CHECK_UINT(vo_purge_parent(S("/v/demo/720p/3.m4s")),
                  sizeof("/v/demo/720p/") - 1);
    VO_CHECK_UINT(vo_purge_parent(S("/v/demo/720p/")),
                  sizeof("/v/demo/") - 1);
    VO_CHECK_UINT(vo_purge_parent(S("/v/demo/")), sizeof("/v/") - 1);
    VO_CHECK_UINT(vo_purge_parent(S("/v/")), 1);
    VO_CHECK_UINT(vo_purge_parent(S("/x")), 1);
    VO_CHECK_UINT(vo_purge_parent(S("/")), 0);
}


typedef struct {
    char    seen[8][64];
    int     n;
    int     stop_at;
} visit_t;


static int
visit(void *data, const u_char *p, size_t len)
{
    visit_t  *v = data;

    if (v->n < 8 && len < 64) {
        memcpy(v->seen[v->n], p, len);
        v->seen[v->n][len] = '\0';
    }

    v->n++;

    return v->n == v->stop_at;
}


static void
check_ancestors(void)
{
    visit_t  v;

    memset(&v, 0, sizeof(v));
    vo_purge_ancestors(S("/v/demo/720p/3.m4s"), visit, &v);

    VO_CHECK_INT(v.n, 5);
    VO_CHECK(strcmp(v.seen[0], "/") == 0);
    VO_CHECK(strcmp(v.seen[1], "/v/") == 0);
    VO_CHECK(strcmp(v.seen[2], "/v/demo/") == 0);
    VO_CHECK(strcmp(v.seen[3], "/v/demo/720p/") == 0);
    VO_CHECK(strcmp(v.seen[4], "/v/demo/720p/3.m4s") == 0);

    memset(&v, 0, sizeof(v));
    vo_purge_ancestors(S("/v/demo/"), visit, &v);

    VO_CHECK_INT(v.n, 3);
    VO_CHECK(strcmp(v.seen[2], "/v/demo/") == 0);

    memset(&v, 0, sizeof(v));
    v.stop_at = 2;
    vo_purge_ancestors(S("/v/demo/720p/3.m4s"), visit, &v);

    VO_CHECK_INT(v.n, 2);
}


static void
check_lines(void)
{
    u_char            line[VO_PURGE_LINE_MAX];
    size_t            len;
    const char       *err;
    vo_purge_entry_t  e, back;

    e.generation = 9999999999999999999ULL;       /* the largest read */
    e.time_ms = 1764688000123ULL;
    e.prefix.data = (const u_char *) "/v/demo/";
    e.prefix.len = 8;

    len = vo_purge_line(&e, line);

    VO_CHECK_MEM(line, len, "9999999999999999999 1764688000123 /v/demo/\n");

    VO_CHECK(vo_purge_parse_line(line, len - 1, &back, &err) == VO_OK);
    VO_CHECK_UINT(back.generation, e.generation);
    VO_CHECK_UINT(back.time_ms, e.time_ms);
    VO_CHECK_MEM(back.prefix.data, back.prefix.len, "/v/demo/");

    VO_CHECK(vo_purge_parse_line(S("7 0 /"), &back, &err) == VO_OK);
    VO_CHECK_UINT(back.generation, 7);

    VO_CHECK(vo_purge_parse_line(S(""), &back, &err) == VO_BAD_DATA);
    VO_CHECK(vo_purge_parse_line(S("0 1 /v/"), &back, &err) == VO_BAD_DATA);
    VO_CHECK(vo_purge_parse_line(S("1 1"), &back, &err) == VO_BAD_DATA);
    VO_CHECK(vo_purge_parse_line(S("1 1 "), &back, &err) == VO_BAD_DATA);
    VO_CHECK(vo_purge_parse_line(S("1 x /v/"), &back, &err) == VO_BAD_DATA);
    VO_CHECK(vo_purge_parse_line(S("-1 1 /v/"), &back, &err)
             == VO_BAD_DATA);
    VO_CHECK(vo_purge_parse_line(S("1 1 /v/ x"), &back, &err)
             == VO_BAD_DATA);
    VO_CHECK(vo_purge_parse_line(S("1  1 /v/"), &back, &err)
             == VO_BAD_DATA);
    VO_CHECK(vo_purge_parse_line(S("18446744073709551616 1 /v/"), &back,
                                 &err)
             == VO_BAD_DATA);
    VO_CHECK(vo_purge_parse_line(S("1 1 /v/\r"), &back, &err)
             == VO_BAD_DATA);

    /* at most 19 digits, as docs/cdn-purge.md says and the purger reads
     * (fuzz_journal: a 20-digit seq the module took, the purger refused,
     * so that purge never reached the CDN) */
    VO_CHECK(vo_purge_parse_line(S("9999999999999999999 1 /v/"), &back,
                                 &err)
             == VO_OK);
    VO_CHECK(vo_purge_parse_line(S("18446744073709551615 1 /v/"), &back,
                                 &err)
             == VO_BAD_DATA);
    VO_CHECK(vo_purge_parse_line(S("10000000000000000000 1 /v/"), &back,
                                 &err)
             == VO_BAD_DATA);
    VO_CHECK(vo_purge_parse_line(S("1 10000000000000000000 /v/"), &back,
                                 &err)
             == VO_BAD_DATA);
    VO_CHECK(vo_purge_parse_line(S("1 0000000000000000001 /v/"), &back,
                                 &err)
             == VO_OK);
}


/* the admin endpoint's answer: its bytes, and a broadened purge */
static void
check_answer(void)
{
    vo_buf_t     b;
    vo_str_t     req = vo_string("/v/demo/"), parent = vo_string("/v/"),
                 odd = vo_string("/v/a\"b\\/");
    vo_arena_t  *a;

    a = vo_arena_create();
    VO_CHECK(a != NULL);

    VO_CHECK(vo_buf_init(&b, vo_arena_alloc(a), 8) == VO_OK);
    vo_purge_answer(&b, &req, &req, 42);
    VO_CHECK(!vo_buf_failed(&b));
    VO_CHECK_MEM(b.start, vo_buf_len(&b),
                 "{\"requested\":\"/v/demo/\",\"purged\":\"/v/demo/\","
                 "\"generation\":42,\"broadened\":false}\n");

    VO_CHECK(vo_buf_init(&b, vo_arena_alloc(a), 8) == VO_OK);
    vo_purge_answer(&b, &req, &parent, 18446744073709551615ULL);
    VO_CHECK_MEM(b.start, vo_buf_len(&b),
                 "{\"requested\":\"/v/demo/\",\"purged\":\"/v/\","
                 "\"generation\":18446744073709551615,"
                 "\"broadened\":true}\n");

    /* prefixes are checked before, but the answer is valid JSON anyway */
    VO_CHECK(vo_buf_init(&b, vo_arena_alloc(a), 8) == VO_OK);
    vo_purge_answer(&b, &odd, &odd, 1);
    VO_CHECK_MEM(b.start, vo_buf_len(&b),
                 "{\"requested\":\"/v/a\\\"b\\\\/\",\"purged\":"
                 "\"/v/a\\\"b\\\\/\",\"generation\":1,"
                 "\"broadened\":false}\n");

    vo_arena_free(a);
}


int
main(void)
{
    check_prefixes();
    check_parent();
    check_ancestors();
    check_lines();
    check_answer();

    VO_TEST_DONE("test_purge");
}
