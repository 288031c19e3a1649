/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * JSON written by the core (vo_json_put_string, vo_json_valid): what the
 * playback API's answers are made of.
 */

#include <string.h>

#include "vo_test.h"
#include "vo_json.h"


static vo_arena_t  *arena;


static void
put(const char *in, size_t len, const char *want)
{
    vo_buf_t  b;

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    vo_json_put_string(&b, (const u_char *) in, len);

    VO_TEST_RESULT(vo_buf_len(&b) == strlen(want)
                   && memcmp(b.start, want, vo_buf_len(&b)) == 0,
                   "put %s: got %.*s", want, (int) vo_buf_len(&b),
                   (char *) b.start);

    /* whatever went in, what comes out is one valid JSON value */
    VO_CHECK(vo_json_valid(b.start, vo_buf_len(&b)));
}


int
main(void)
{
    arena = vo_arena_create();
    if (arena == NULL) {
        return 2;
    }

    put("", 0, "\"\"");
    put("plain", 5, "\"plain\"");
    put("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
    put("tab\tnl\ncr\r", 10, "\"tab\\u0009nl\\u000acr\\u000d\"");
    put("nul\0x", 5, "\"nul\\u0000x\"");
    put("del\x7f", 4, "\"del\\u007f\"");
    /* UTF-8 kept as it is: é, ∑, 😀 */
    put("\xc3\xa9\xe2\x88\x91\xf0\x9f\x98\x80", 9,
        "\"\xc3\xa9\xe2\x88\x91\xf0\x9f\x98\x80\"");
    /* invalid: a lone continuation byte, an overlong '/', a surrogate,
     * a truncated sequence at the end */
    put("a\x80z", 3, "\"a\\ufffdz\"");
    put("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
    put("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
    put("ok\xe2\x88", 4, "\"ok\\ufffd\\ufffd\"");
    put("</script>", 9, "\"</script>\"");

    VO_CHECK(vo_json_valid((const u_char *) "[1,\"a\",{\"b\":null}]", 18));
    VO_CHECK(vo_json_valid((const u_char *) " {} ", 4));
    VO_CHECK(!vo_json_valid((const u_char *) "[1,]", 4));
    VO_CHECK(!vo_json_valid((const u_char *) "{} {}", 5));
    VO_CHECK(!vo_json_valid((const u_char *) "", 0));
    VO_CHECK(!vo_json_valid((const u_char *) "\"\xff\"", 3));

    vo_arena_free(arena);

    VO_TEST_DONE("test_json_out");
}
