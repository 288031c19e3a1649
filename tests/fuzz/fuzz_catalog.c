/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libFuzzer target: the worker's catalog JSON (tw_meta_json), what
 * "catalog set --meta" and the upload server's admin body go through
 * before a value is written to vo:video:{id}.  Beyond "no crash, no
 * sanitizer report, no leak":
 *   - every value it keeps is one the playback API takes from Redis
 *     (vo_api_field() of the same name says VO_OK): the catalog never
 *     writes what the API leaves out;
 *   - a kept value is a C string: no NUL inside, at most its limit;
 *   - the kept values, written again as a JSON object (text fields as
 *     strings, the others as they are kept), parse to the same values:
 *     what tw_meta_json keeps is its own fixed point.
 */

#include "fuzz_util.h"
#include "vo_api.h"
#include "vo_json.h"
#include "catalog/tw_catalog.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          i, n;
    unsigned     k;
    size_t       len;
    vo_buf_t     b;
    tw_meta_t    m, again;
    vo_arena_t  *a;

    if (tw_meta_json(&m, data, size, "fuzz") != 0) {
        tw_meta_free(&m);
        return 0;
    }

    a = vo_arena_create();
    fuzz_assert(a != NULL);
    vo_buf_init(&b, vo_arena_alloc(a), 0);
    vo_buf_str(&b, "{");
    n = 0;

    for (i = 0; i < TW_META_NFIELDS; i++) {
        if (m.value[i] == NULL) {
            continue;
        }

        len = strlen(m.value[i]);
        fuzz_assert(len <= TW_META_FIELD_MAX);

        k = VO_API_FIELDS;
        fuzz_assert(vo_api_field((const u_char *) tw_meta_names[i],
                                 strlen(tw_meta_names[i]),
                                 (const u_char *) m.value[i], len, &k)
                    == VO_OK);
        fuzz_assert(strcmp(vo_api_field_name(k), tw_meta_names[i]) == 0);

        if (n++) {
            vo_buf_str(&b, ",");
        }

        vo_json_put_cstring(&b, tw_meta_names[i]);
        vo_buf_str(&b, ":");

        if (i < TW_META_NTEXT) {
            vo_json_put_string(&b, (const u_char *) m.value[i], len);
        } else {
            vo_buf_append(&b, (const u_char *) m.value[i], len);
        }
    }

    vo_buf_str(&b, "}");
    fuzz_assert(!vo_buf_failed(&b));

    fuzz_assert(tw_meta_json(&again, b.start, vo_buf_len(&b), "again") == 0);

    for (i = 0; i < TW_META_NFIELDS; i++) {
        fuzz_assert((m.value[i] == NULL) == (again.value[i] == NULL));
        fuzz_assert(m.value[i] == NULL
                    || strcmp(m.value[i], again.value[i]) == 0);
    }

    tw_meta_free(&again);
    tw_meta_free(&m);
    vo_arena_free(a);

    return 0;
}
