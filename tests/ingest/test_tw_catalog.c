/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The worker's catalog JSON (tw_meta_json, catalog/tw_catalog.c), what
 * "catalog set --meta" and the upload server's admin body go through:
 * the inputs fuzz_catalog found wrong, kept, run under LeakSanitizer.
 */

#include <string.h>

#include "vo_test.h"
#include "catalog/tw_catalog.h"


static int
meta(const char *json, tw_meta_t *m)
{
    return tw_meta_json(m, (const u_char *) json, strlen(json), "test");
}


int
main(void)
{
    tw_meta_t  m;

    VO_CHECK_INT(meta("{\"title\":\"Demo\",\"thumbnails\":[{\"url\":"
                      "\"https://x/t.jpg\",\"width\":320,\"height\":180}]}",
                      &m), 0);
    VO_CHECK(m.value[TW_META_TITLE]
             && strcmp(m.value[TW_META_TITLE], "Demo") == 0);
    VO_CHECK(m.value[TW_META_THUMBNAILS] != NULL);
    tw_meta_free(&m);

    /* a thumbnail refused after its url was read: the url was leaked
     * (fuzz_catalog, LeakSanitizer) */
    VO_CHECK_INT(meta("{\"thumbnails\":[{\"url\":\"https://x/t.jpg\","
                      "\"width\":320,\"heigh       }]}", &m), -1);
    tw_meta_free(&m);
    VO_CHECK_INT(meta("{\"thumbnails\":[{\"url\":\"https://x/t.jpg\","
                      "\"width\":0}]}", &m), -1);
    tw_meta_free(&m);
    VO_CHECK_INT(meta("{\"thumbnails\":[{\"url\":\"a\",\"url\":\"b\"}]}",
                      &m), -1);
    tw_meta_free(&m);
    /* refused before any url */
    VO_CHECK_INT(meta("{\"thumbnails\":{}}", &m), -1);
    tw_meta_free(&m);

    VO_TEST_DONE("test_tw_catalog");
}
