/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libFuzzer target: the core's JSON reader and what the playback API
 * takes from Redis.  The whole input is one document; the first byte
 * also picks a catalog field for it.  Beyond "no crash, no sanitizer
 * report":
 *   - vo_json_valid() agrees with a walk of the document by the typed
 *     calls (objects, arrays, strings, integers, vo_json_skip for the
 *     rest): one grammar, whichever calls read it;
 *   - every string read, written again by vo_json_put_string(), reads
 *     back to the same bytes, and a decoded length never passes the
 *     buffer;
 *   - a catalog value vo_api_field() accepts, in the answer vo_api_write()
 *     makes of it, leaves the answer valid JSON; a JSON field accepted is
 *     valid JSON itself;
 *   - a placement hint vo_api_hint_parse() accepts starts with "cdn " or
 *     "origin " and ends in the digits of its expiry.
 */

#include "fuzz_util.h"
#include "vo_api.h"
#include "vo_json.h"
#include "vo_media.h"


static vo_media_t   demo;
static vo_policy_t  any;
static vo_arena_t  *arena;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    FILE        *f;
    size_t       n;
    static char  buf[65536];
    const char  *err;

    (void) argc;
    (void) argv;

    f = fopen("tests/core/data/demo.json", "rb");
    fuzz_assert(f != NULL);
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);

    fuzz_assert(vo_media_parse((u_char *) buf, n, &demo, &err) == VO_OK);

    any.ncodecs = 1;
    any.codecs[0] = VO_CODEC_AVC;
    any.format = VO_FORMAT_FMP4;

    return 0;
}


/* a string written and read again: the same bytes */
static void
fuzz_string_again(const u_char *s, size_t len)
{
    u_char      *buf;
    size_t       n;
    vo_buf_t     b;
    vo_json_t    j;

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    vo_json_put_string(&b, s, len);
    fuzz_assert(!vo_buf_failed(&b));

    buf = malloc(len + 1);
    fuzz_assert(buf != NULL);

    vo_json_init(&j, b.start, vo_buf_len(&b));
    fuzz_assert(vo_json_string(&j, buf, len + 1, &n) == VO_OK);
    fuzz_assert(vo_json_finish(&j) == VO_OK);
    fuzz_assert(n == len && memcmp(buf, s, len) == 0);

    free(buf);
}


/* one value by the typed calls; VO_OK or VO_BAD_DATA */
static vo_status_t
fuzz_walk(vo_json_t *j, unsigned depth)
{
    u_char       key[64], str[256];
    size_t       n;
    uint64_t     v;
    vo_str_t     k;
    vo_status_t  rc;
    const u_char *p;

    for (p = j->pos; p < j->end && (*p == ' ' || *p == '\t' || *p == '\n'
                                    || *p == '\r'); p++)
    {
        /* whitespace */
    }

    if (p == j->end || depth > VO_JSON_DEPTH_MAX + 1) {
        return vo_json_skip(j);
    }

    switch (*p) {

    case '{':
        if (vo_json_object_begin(j) != VO_OK) {
            return VO_BAD_DATA;
        }

        while ((rc = vo_json_object_next(j, &k, key, sizeof(key))) == VO_OK) {
            fuzz_assert(k.len <= sizeof(key));
            fuzz_assert((k.data == NULL) == (k.len == 0) || k.len == 0);

            if (k.data) {
                fuzz_string_again(k.data, k.len);
            }

            if ((rc = fuzz_walk(j, depth + 1)) != VO_OK) {
                return rc;
            }
        }

        return rc == VO_NOT_FOUND ? VO_OK : VO_BAD_DATA;

    case '[':
        if (vo_json_array_begin(j) != VO_OK) {
            return VO_BAD_DATA;
        }

        while ((rc = vo_json_array_next(j)) == VO_OK) {
            if ((rc = fuzz_walk(j, depth + 1)) != VO_OK) {
                return rc;
            }
        }

        return rc == VO_NOT_FOUND ? VO_OK : VO_BAD_DATA;

    case '"':
        n = sizeof(str) + 1;
        rc = vo_json_string(j, str, sizeof(str), &n);

        if (rc == VO_OK) {
            fuzz_assert(n < sizeof(str) && str[n] == '\0');
            fuzz_string_again(str, n);
            return VO_OK;
        }

        /* too long for the buffer is a type error: the document may
         * still be valid, so read it again as anything */
        if (j->type_error) {
            return VO_BAD_DATA + 100;
        }

        return VO_BAD_DATA;

    default:
        if (*p >= '0' && *p <= '9') {
            rc = vo_json_uint(j, &v);

            if (rc == VO_OK || !j->type_error) {
                return rc;
            }

            /* "1.5", "1e3", too large: a number, not an integer */
            return VO_BAD_DATA + 100;
        }

        return vo_json_skip(j);
    }
}


static void
fuzz_api(const uint8_t *data, size_t size, unsigned pick)
{
    unsigned          k;
    vo_buf_t          b;
    const char       *name;
    vo_api_answer_t   a;

    /* the field the first byte names, the value the document */
    name = vo_api_field_name(pick % VO_API_FIELDS);
    k = VO_API_FIELDS;

    if (vo_api_field((const u_char *) name, strlen(name), data, size, &k)
        != VO_OK)
    {
        return;
    }

    fuzz_assert(k == pick % VO_API_FIELDS);

    if (strcmp(vo_api_field_expect(k), "JSON") == 0) {
        fuzz_assert(vo_json_valid(data, size));
    }

    memset(&a, 0, sizeof(vo_api_answer_t));
    a.id.data = (const u_char *) "demo";
    a.id.len = 4;
    a.media = &demo;
    a.policy = &any;
    a.device.data = (const u_char *) "desktop";
    a.device.len = 7;
    a.region.data = (const u_char *) "FR";
    a.region.len = 2;
    a.catalog = 1;
    a.placement = VO_API_PLACE_CDN;
    a.cdn_host.data = (const u_char *) "https://cdn.example.com";
    a.cdn_host.len = 23;
    a.prefix.data = (const u_char *) "/v/";
    a.prefix.len = 3;
    a.now = 1764700000;
    a.field[k].data = size ? data : (const u_char *) "";
    a.field[k].len = size;

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    fuzz_assert(vo_api_write(&a, &b) == VO_OK);
    fuzz_assert(vo_buf_len(&b) > 1 && b.pos[-1] == '\n');
    fuzz_assert(vo_json_valid(b.start, vo_buf_len(&b) - 1));

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    if (vo_api_write_pending(&a, &b) == VO_OK) {
        fuzz_assert(vo_buf_len(&b) > 1 && b.pos[-1] == '\n');
        fuzz_assert(vo_json_valid(b.start, vo_buf_len(&b) - 1));
    }
}


static void
fuzz_hint(const uint8_t *data, size_t size)
{
    char       tail[24];
    int        n;
    unsigned   placement;
    uint64_t   expires;

    expires = UINT64_MAX;
    placement = vo_api_hint_parse(data, size, &expires);

    if (placement == VO_API_PLACE_NONE) {
        return;
    }

    fuzz_assert(placement == VO_API_PLACE_CDN
                || placement == VO_API_PLACE_ORIGIN);
    fuzz_assert(memcmp(data, placement == VO_API_PLACE_CDN ? "cdn " : "origin ",
                       placement == VO_API_PLACE_CDN ? 4 : 7) == 0);
    fuzz_assert(expires <= (uint64_t) INT64_MAX);

    /* the digits after the last blank are expires, maybe zero-padded */
    n = snprintf(tail, sizeof(tail), "%llu", (unsigned long long) expires);
    fuzz_assert(n > 0 && (size_t) n <= size);
    fuzz_assert(memcmp(data + size - n, tail, n) == 0);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int          valid;
    vo_json_t    j;
    vo_status_t  rc;

    arena = vo_arena_create();
    if (arena == NULL) {
        return 0;
    }

    valid = vo_json_valid(data, size);

    vo_json_init(&j, data, size);
    rc = fuzz_walk(&j, 0);

    if (rc == VO_OK) {
        rc = vo_json_finish(&j);
    }

    if (rc == VO_OK) {
        fuzz_assert(valid);
    } else if (rc == VO_BAD_DATA) {
        /* refused by the walk for its syntax: invalid for everyone */
        fuzz_assert(!valid);
    }

    fuzz_api(data, size, size ? data[0] : 0);
    fuzz_hint(data, size);

    vo_arena_free(arena);

    return 0;
}
