/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Media description: parser strictness (every truncation, every
 * out-of-range field, JSON syntax), writer round trip, invariants and
 * lookups.  The timeline is test_timeline.c's.
 */

#include <stdint.h>

#include "vo_core.h"
#include "vo_media.h"
#include "vo_test.h"


#define DATA  "tests/core/data/"


static const char  *files[] = {
    DATA "demo.json", DATA "ntsc.json", DATA "noaudio.json",
    DATA "single.json", NULL
};


static u_char      *demo;
static size_t       demo_len;


/* parses a copy of exactly len bytes, so ASan sees any read past it */
static vo_status_t
parse_exact(const u_char *p, size_t len, vo_media_t *m, const char **err)
{
    u_char       *copy;
    vo_status_t   rc;

    copy = malloc(len ? len : 1);
    if (copy == NULL) {
        abort();
    }

    memcpy(copy, p, len);
    rc = vo_media_parse(copy, len, m, err);
    free(copy);

    return rc;
}


/* demo.json with the first "from" replaced by "to"; aborts the check
 * when "from" is missing (a broken test must not pass) */
static vo_status_t
parse_mutated(const char *from, const char *to, const char **err)
{
    char         *p, *out;
    size_t        flen, tlen;
    vo_media_t    m;
    vo_status_t   rc;

    p = strstr((const char *) demo, from);
    if (p == NULL) {
        fprintf(stderr, "mutation source not found: %s\n", from);
        *err = "test: mutation source not found";
        return VO_ERROR;
    }

    flen = strlen(from);
    tlen = strlen(to);
    out = malloc(demo_len - flen + tlen + 1);
    if (out == NULL) {
        abort();
    }

    memcpy(out, demo, (size_t) (p - (char *) demo));
    memcpy(out + (p - (char *) demo), to, tlen);
    memcpy(out + (p - (char *) demo) + tlen, p + flen,
           demo_len - (size_t) (p - (char *) demo) - flen);

    rc = parse_exact((u_char *) out, demo_len - flen + tlen, &m, err);
    free(out);

    return rc;
}


#define CHECK_BAD(from, to, why)                                             \
    do {                                                                     \
        const char  *e_ = NULL;                                              \
        vo_status_t  r_ = parse_mutated(from, to, &e_);                      \
        VO_TEST_RESULT(r_ == VO_BAD_DATA && e_ != NULL                       \
                       && strstr(e_, why) != NULL,                           \
                       "%s -> %s: rc %d, err \"%s\", want \"%s\"",           \
                       from, to, r_, e_ ? e_ : "(null)", why);               \
    } while (0)

#define CHECK_GOOD(from, to)                                                 \
    do {                                                                     \
        const char  *e_ = NULL;                                              \
        vo_status_t  r_ = parse_mutated(from, to, &e_);                      \
        VO_TEST_RESULT(r_ == VO_OK, "%s -> %s: rc %d, err \"%s\"",           \
                       from, to, r_, e_ ? e_ : "(null)");                    \
    } while (0)


static void
test_parse_demo(void)
{
    vo_media_t   m;
    const char  *err = NULL;

    VO_CHECK_INT(vo_media_parse(demo, demo_len, &m, &err), VO_OK);
    VO_CHECK(err == NULL);
    VO_CHECK_UINT(m.version, 1);
    VO_CHECK_STR(m.id, "demo");
    VO_CHECK_STR(m.source, "demo/source.mp4");
    VO_CHECK_UINT(m.duration_ms, 60000);
    VO_CHECK_UINT(m.segment_ms, 6000);
    VO_CHECK_UINT(m.segment_count, 10);
    VO_CHECK_UINT(m.fps_num, 30);
    VO_CHECK_UINT(m.fps_den, 1);
    VO_CHECK_UINT(m.video_timescale, 90000);
    VO_CHECK_STR(m.preset, "veryfast");
    VO_CHECK_UINT(m.threads, 2);
    VO_CHECK_UINT(m.formats, VO_FORMAT_FMP4 | VO_FORMAT_TS);
    VO_CHECK_UINT(m.nvideo, 5);
    VO_CHECK_UINT(m.naudio, 1);
    VO_CHECK_STR(m.video[0].name, "1080p");
    VO_CHECK_STR(m.video[0].codec, "avc1.640028");
    VO_CHECK_UINT(m.video[0].width, 1920);
    VO_CHECK_UINT(m.video[0].height, 1080);
    VO_CHECK_UINT(m.video[0].bandwidth, 5600000);
    VO_CHECK_UINT(m.video[0].average_bandwidth, 3100000);
    VO_CHECK_UINT(m.video[0].maxrate, 5000000);
    VO_CHECK_UINT(m.video[0].crf, 23);
    VO_CHECK_STR(m.video[4].name, "240p");
    VO_CHECK_UINT(m.video[4].width, 426);
    VO_CHECK_STR(m.audio[0].name, "aac");
    VO_CHECK_STR(m.audio[0].codec, "mp4a.40.2");
    VO_CHECK_STR(m.audio[0].lang, "und");
    VO_CHECK_UINT(m.audio[0].bandwidth, 134000);
    VO_CHECK_UINT(m.audio[0].bitrate, 128000);
    VO_CHECK_UINT(m.audio[0].sample_rate, 48000);
    VO_CHECK_UINT(m.audio[0].channels, 2);

    /* the NULL err pointer is allowed */
    VO_CHECK_INT(vo_media_parse(demo, demo_len, &m, NULL), VO_OK);
}


static void
test_prefixes(void)
{
    size_t       i, bad, end;
    vo_media_t   m;
    const char  *err;

    /* every truncation of a valid file fails cleanly, with a reason;
     * ASan catches any read past the exact-size copy */
    bad = 0;

    end = demo_len;

    while (end > 0 && demo[end - 1] != '}') {
        end--;
    }

    for (i = 0; i < end; i++) {
        err = NULL;

        if (parse_exact(demo, i, &m, &err) != VO_BAD_DATA || err == NULL) {
            if (bad++ == 0) {
                fprintf(stderr, "prefix of %zu bytes accepted\n", i);
            }
        }
    }

    VO_CHECK_UINT(bad, 0);

    /* from the closing brace on, only whitespace was cut */
    VO_CHECK(end > demo_len / 2);
    VO_CHECK_INT(parse_exact(demo, end, &m, &err), VO_OK);
    VO_CHECK_INT(parse_exact(demo, demo_len, &m, &err), VO_OK);

    /* a NUL after the document is garbage, not an end */
    {
        u_char  *p = malloc(demo_len + 1);

        memcpy(p, demo, demo_len);
        p[demo_len] = '\0';
        err = NULL;
        VO_CHECK_INT(parse_exact(p, demo_len + 1, &m, &err), VO_BAD_DATA);
        VO_CHECK(err && strstr(err, "trailing garbage"));
        free(p);
    }
}


static void
test_rejects(void)
{
    char  big[200];
    int   i;

    /* version and shape */
    CHECK_BAD("\"version\": 1", "\"version\": 2", "unsupported");
    CHECK_BAD("\"version\": 1", "\"version\": 0", "unsupported");
    CHECK_BAD("\"version\": 1", "\"version\": 1.0", "version");
    CHECK_BAD("\"version\": 1", "\"version\": \"1\"", "version");
    CHECK_BAD("\"version\": 1,", "", "missing \"version\"");
    CHECK_BAD("{", "[", "json: expected an object");
    CHECK_BAD("{", "", "json: expected an object");

    /* ranges */
    CHECK_BAD("\"duration_ms\": 60000", "\"duration_ms\": 0", "duration_ms");
    CHECK_BAD("\"duration_ms\": 60000", "\"duration_ms\": 604800001",
              "duration_ms");
    CHECK_BAD("\"duration_ms\": 60000", "\"duration_ms\": -60000",
              "duration_ms");
    CHECK_BAD("\"duration_ms\": 60000", "\"duration_ms\": 6e4",
              "duration_ms");
    CHECK_BAD("\"duration_ms\": 60000", "\"duration_ms\": 60000.0",
              "duration_ms");
    CHECK_BAD("\"duration_ms\": 60000",
              "\"duration_ms\": 18446744073709551616", "duration_ms");
    CHECK_BAD("\"duration_ms\": 60000",
              "\"duration_ms\": 99999999999999999999999999", "duration_ms");
    CHECK_BAD("\"duration_ms\": 60000",
              "\"duration_ms\": 18446744073709551615", "duration_ms");
    CHECK_BAD("\"duration_ms\": 60000", "\"duration_ms\": 060000",
              "json: invalid number");
    CHECK_BAD("\"segment_count\": 10", "\"segment_count\": 11",
              "segment_count");
    CHECK_BAD("\"segment_count\": 10", "\"segment_count\": 9",
              "segment_count");
    CHECK_BAD("\"segment_count\": 10", "\"segment_count\": 4294967306",
              "segment_count");
    CHECK_BAD("\"segment_ms\": 6000,\n  \"segment_count\": 10",
              "\"segment_ms\": 999,\n  \"segment_count\": 61", "segment_ms");
    CHECK_BAD("\"segment_ms\": 6000,\n  \"segment_count\": 10",
              "\"segment_ms\": 60001,\n  \"segment_count\": 1",
              "segment_ms");
    CHECK_BAD("\"fps_num\": 30", "\"fps_num\": 0", "frame rate");
    CHECK_BAD("\"fps_den\": 1", "\"fps_den\": 0", "frame rate");
    CHECK_BAD("\"fps_num\": 30", "\"fps_num\": 241", "frame rate");
    CHECK_BAD("\"fps_den\": 1,", "\"fps_den\": 31,", "frame rate");
    CHECK_BAD("\"fps_den\": 1,", "\"fps_den\": 1001001,", "frame rate");
    CHECK_BAD("\"video_timescale\": 90000", "\"video_timescale\": 1000",
              "video_timescale");
    CHECK_BAD("\"video_timescale\": 90000", "\"video_timescale\": 0",
              "video_timescale");
    CHECK_BAD("\"threads\": 2", "\"threads\": 0", "threads");
    CHECK_BAD("\"threads\": 2", "\"threads\": 257", "threads");
    CHECK_BAD("\"preset\": \"veryfast\"", "\"preset\": \"very fast\"",
              "preset");
    CHECK_BAD("\"preset\": \"veryfast\"",
              "\"preset\": \"veryveryveryveryfast\"", "preset");
    CHECK_BAD("\"preset\": \"veryfast\"", "\"preset\": \"v\\u00e9ryfast\"",
              "preset");

    /* encoder: nested, both keys required */
    CHECK_BAD("\"encoder\": { \"preset\": \"veryfast\", \"threads\": 2 }",
              "\"encoder\": { \"preset\": \"veryfast\" }", "threads");
    CHECK_BAD("\"encoder\": { \"preset\": \"veryfast\", \"threads\": 2 }",
              "\"encoder\": \"veryfast\"", "encoder");

    /* formats */
    CHECK_BAD("[\"fmp4\", \"ts\"]", "[]", "formats");
    CHECK_BAD("[\"fmp4\", \"ts\"]", "[\"fmp4\", \"fmp4\"]", "formats");
    CHECK_BAD("[\"fmp4\", \"ts\"]", "[\"mp4\"]", "formats");
    CHECK_BAD("[\"fmp4\", \"ts\"]", "[\"fmp4\", \"ts\",]", "trailing comma");
    CHECK_BAD("[\"fmp4\", \"ts\"]", "\"fmp4\"", "formats");
    CHECK_BAD("[\"fmp4\", \"ts\"]", "[\"fmp4\" \"ts\"]", "json");
    CHECK_GOOD("[\"fmp4\", \"ts\"]", "[\"ts\"]");
    CHECK_GOOD("[\"fmp4\", \"ts\"]", "[ \"ts\" , \"fmp4\" ]");

    /* names: charset, length, uniqueness across video and audio */
    CHECK_BAD("\"name\": \"720p\"", "\"name\": \"1080p\"", "duplicate");
    CHECK_BAD("\"name\": \"aac\"", "\"name\": \"240p\"", "duplicate");
    CHECK_BAD("\"name\": \"720p\"", "\"name\": \"../x\"", "video \"name\"");
    CHECK_BAD("\"name\": \"720p\"", "\"name\": \"7.2\"", "video \"name\"");
    CHECK_BAD("\"name\": \"720p\"", "\"name\": \"\"", "video \"name\"");
    CHECK_BAD("\"name\": \"720p\"", "\"name\": \"72\\u0000p\"",
              "video \"name\"");
    CHECK_BAD("\"name\": \"720p\"",
              "\"name\": \"abcdefghijabcdefghijabcdefghijabc\"",
              "video \"name\"");
    CHECK_GOOD("\"name\": \"720p\"",
               "\"name\": \"abcdefghijabcdefghijabcdefghij_-\"");
    CHECK_BAD("\"name\": \"aac\"", "\"name\": \"a/c\"", "audio \"name\"");
    CHECK_BAD("\"id\": \"demo\"", "\"id\": \"de mo\"", "\"id\"");
    CHECK_BAD("\"id\": \"demo\"", "\"id\": \"\"", "\"id\"");
    CHECK_GOOD("\"id\": \"demo\"", "\"id\": \"d\\u0065mo\"");

    /* codecs and languages */
    CHECK_BAD("\"codec\": \"avc1.640028\"", "\"codec\": \"avc1,mp4a\"",
              "codec");
    CHECK_BAD("\"codec\": \"avc1.640028\"", "\"codec\": \"avc1 x\"",
              "codec");
    CHECK_BAD("\"codec\": \"avc1.640028\"", "\"codec\": \"avc1\\\"x\"",
              "codec");
    CHECK_BAD("\"codec\": \"avc1.640028\"", "\"codec\": \"avc1<x>\"",
              "codec");
    CHECK_BAD("\"codec\": \"avc1.640028\"", "\"codec\": \"\"", "codec");
    CHECK_BAD("\"codec\": \"mp4a.40.2\"", "\"codec\": \"mp4a\\n\"", "codec");
    CHECK_BAD("\"lang\": \"und\"", "\"lang\": \"e n\"", "lang");
    CHECK_BAD("\"lang\": \"und\"", "\"lang\": \"abcdefghijklmnopq\"",
              "lang");
    CHECK_GOOD("\"lang\": \"und\"", "\"lang\": \"pt-BR\"");

    /* source is a store key the worker opens */
    CHECK_BAD("\"source\": \"demo/source.mp4\"",
              "\"source\": \"../etc/passwd\"", "source");
    CHECK_BAD("\"source\": \"demo/source.mp4\"",
              "\"source\": \"/etc/passwd\"", "source");
    CHECK_BAD("\"source\": \"demo/source.mp4\"",
              "\"source\": \"demo//source.mp4\"", "source");
    CHECK_BAD("\"source\": \"demo/source.mp4\"",
              "\"source\": \"demo/./source.mp4\"", "source");
    CHECK_BAD("\"source\": \"demo/source.mp4\"",
              "\"source\": \"demo/source.mp4/\"", "source");
    CHECK_BAD("\"source\": \"demo/source.mp4\"",
              "\"source\": \"demo/s%2e.mp4\"", "source");
    CHECK_GOOD("\"source\": \"demo/source.mp4\"",
               "\"source\": \"demo/..source.mp4\"");

    /* sizes and rates */
    CHECK_BAD("\"width\": 1920", "\"width\": 1919", "size");
    CHECK_BAD("\"width\": 1920", "\"width\": 0", "size");
    CHECK_BAD("\"width\": 1920", "\"width\": 8194", "size");
    CHECK_BAD("\"height\": 1080", "\"height\": 1081", "size");
    CHECK_GOOD("\"height\": 1080", "\"height\": 8192");
    CHECK_BAD("\"bandwidth\": 5600000", "\"bandwidth\": 0", "bandwidth");
    CHECK_BAD("\"bandwidth\": 5600000", "\"bandwidth\": 4294967296",
              "bandwidth");
    CHECK_BAD("\"crf\": 23", "\"crf\": 64", "crf");
    CHECK_BAD("\"sample_rate\": 48000", "\"sample_rate\": 48001",
              "sample_rate");
    CHECK_BAD("\"channels\": 2", "\"channels\": 0", "channels");
    CHECK_BAD("\"channels\": 2", "\"channels\": 9", "channels");

    /* track counts */
    CHECK_BAD("\"video\": [", "\"video\": [], \"x\": [", "no video");
    CHECK_BAD("\"audio\": [", "\"audio\": [{}, {}, {}, {}, {}], \"x\": [",
              "audio");
    CHECK_GOOD("\"audio\": [", "\"audio\": [], \"x\": [");
    CHECK_BAD("\n  \"audio\": [", "\n  \"naudio\": [", "missing \"audio\"");

    /* syntax around the document */
    CHECK_BAD("{", "\xef\xbb\xbf{", "json");
    CHECK_BAD("\n}\n", "\n}\nx", "trailing garbage");
    CHECK_BAD("\n}\n", "\n}}", "trailing garbage");
    CHECK_BAD("\n}\n", "\n} {}", "trailing garbage");
    CHECK_BAD("\n}\n", "\n", "unexpected end");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\",,", "json");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\"", "json");
    CHECK_BAD("\"id\": \"demo\"", "\"id\": \"de\tmo\"", "control");
    CHECK_BAD("\"id\": \"demo\"", "\"id\": 'demo'", "id");
    CHECK_BAD("\"id\": \"demo\"", "\"id\": \"demo\\x\"", "escape");

    /* duplicate keys are ambiguous */
    CHECK_BAD("\"duration_ms\": 60000,",
              "\"duration_ms\": 60000, \"duration_ms\": 60000,",
              "duplicate key");
    CHECK_BAD("\"crf\": 23 }", "\"crf\": 23, \"crf\": 23 }",
              "duplicate key");

    /* unknown keys are skipped, but their syntax is still checked */
    CHECK_GOOD("\"id\": \"demo\",",
               "\"id\": \"demo\", \"future\": {\"a\": [1, -2.5e+3, true, "
               "false, null, \"\\ud83d\\ude00\\u00e9\\/\", {}, []]},");
    CHECK_GOOD("\"id\": \"demo\",", "\"id\": \"demo\", \"\": 0,");
    CHECK_GOOD("\"id\": \"demo\",",
               "\"id\": \"demo\", \"a_key_much_longer_than_any_known_key_"
               "of_the_media_description\": 0,");
    CHECK_GOOD("\"crf\": 23 }", "\"crf\": 23, \"tune\": \"film\" }");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": [1,],",
              "trailing comma");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": {\"a\" 1},",
              "json");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": {\"a\":1,},",
              "json");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": tru,",
              "literal");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": 01,", "number");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": 1.,", "number");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": -,", "number");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": 1e,", "number");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": +1,",
              "expected a value");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": ,",
              "expected a value");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": \"\\ud800\",",
              "surrogate");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": \"\\udc00\",",
              "surrogate");
    CHECK_BAD("\"id\": \"demo\",",
              "\"id\": \"demo\", \"f\": \"\\ud800\\u0041\",", "surrogate");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": \"\\u12g4\",",
              "escape");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": \"\xff\",",
              "utf-8");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": \"\xc0\xaf\",",
              "utf-8");
    CHECK_BAD("\"id\": \"demo\",",
              "\"id\": \"demo\", \"f\": \"\xed\xa0\x80\",", "utf-8");
    CHECK_BAD("\"id\": \"demo\",",
              "\"id\": \"demo\", \"f\": \"\xf4\x90\x80\x80\",", "utf-8");
    CHECK_BAD("\"id\": \"demo\",", "\"id\": \"demo\", \"f\": \"\xe2\x82\",",
              "utf-8");
    CHECK_GOOD("\"id\": \"demo\",",
               "\"id\": \"demo\", \"f\": \"\xe2\x82\xac\xf0\x9f\x98\x80\",");

    /* nesting is bounded: 15 levels inside the top object pass, 16 not */
    strcpy(big, "\"id\": \"demo\", \"f\": ");
    for (i = 0; i < 15; i++) {
        strcat(big, "[");
    }
    for (i = 0; i < 15; i++) {
        strcat(big, "]");
    }
    strcat(big, ",");
    CHECK_GOOD("\"id\": \"demo\",", big);

    strcpy(big, "\"id\": \"demo\", \"f\": ");
    for (i = 0; i < 16; i++) {
        strcat(big, "[");
    }
    for (i = 0; i < 16; i++) {
        strcat(big, "]");
    }
    strcat(big, ",");
    CHECK_BAD("\"id\": \"demo\",", big, "too deep");
}


static void
test_limits(void)
{
    int           i;
    char         *p;
    size_t        len;
    vo_media_t    m;
    const char   *err;

    /* over VO_MEDIA_FILE_MAX is refused before it is read */
    len = VO_MEDIA_FILE_MAX + 1;
    p = malloc(len);
    memset(p, ' ', len);
    memcpy(p, demo, demo_len);
    err = NULL;
    VO_CHECK_INT(parse_exact((u_char *) p, len, &m, &err), VO_BAD_DATA);
    VO_CHECK(err && strstr(err, "too large"));

    /* ... and exactly the limit (whitespace padded) is fine */
    VO_CHECK_INT(parse_exact((u_char *) p, len - 1, &m, &err), VO_OK);
    free(p);

    /* empty and non-object documents */
    VO_CHECK_INT(vo_media_parse(NULL, 0, &m, &err), VO_BAD_DATA);
    VO_CHECK_INT(parse_exact((u_char *) "{}", 2, &m, &err), VO_BAD_DATA);
    VO_CHECK_INT(parse_exact((u_char *) "null", 4, &m, &err), VO_BAD_DATA);
    VO_CHECK_INT(parse_exact((u_char *) "[]", 2, &m, &err), VO_BAD_DATA);

    /* 16 video renditions pass, 17 do not */
    for (i = 16; i <= 17; i++) {
        int      k;
        char     *q, *doc;
        vo_media_t  mm;

        doc = malloc(8192);
        q = strstr((char *) demo, "\"video\": [");
        len = (size_t) (q - (char *) demo) + strlen("\"video\": [");
        memcpy(doc, demo, len);
        doc[len] = '\0';

        for (k = 0; k < i; k++) {
            sprintf(doc + strlen(doc), "%s{ \"name\": \"v%d\", \"codec\": "
                    "\"avc1.64001f\", \"width\": 2, \"height\": 2, "
                    "\"bandwidth\": 1, \"average_bandwidth\": 1, "
                    "\"maxrate\": 0, \"crf\": 0 }", k ? ", " : "", k);
        }

        strcat(doc, "], \"audio\": [] }");

        err = NULL;
        VO_CHECK_INT(parse_exact((u_char *) doc, strlen(doc), &mm, &err),
                     i == 16 ? VO_OK : VO_BAD_DATA);

        if (i == 16) {
            VO_CHECK_UINT(mm.nvideo, 16);
            VO_CHECK_STR(mm.video[15].name, "v15");

        } else {
            VO_CHECK(err && strstr(err, "too many video"));
        }

        free(doc);
    }
}


static void
test_roundtrip(void)
{
    int           i;
    u_char       *data;
    size_t        len;
    vo_buf_t      b;
    vo_media_t    m, m2;
    vo_arena_t   *a;
    const char   *err;

    a = vo_arena_create();

    for (i = 0; files[i]; i++) {
        data = vo_test_read_file(files[i], &len);
        VO_TEST_RESULT(data != NULL, "cannot read %s", files[i]);
        if (data == NULL) {
            continue;
        }

        err = NULL;
        VO_TEST_RESULT(vo_media_parse(data, len, &m, &err) == VO_OK,
                       "%s: %s", files[i], err ? err : "");
        free(data);

        VO_CHECK_INT(vo_buf_init(&b, vo_arena_alloc(a), 64), VO_OK);
        VO_CHECK_INT(vo_media_write(&m, &b), VO_OK);

        VO_CHECK_INT(parse_exact(b.start, vo_buf_len(&b), &m2, &err), VO_OK);
        VO_TEST_RESULT(memcmp(&m, &m2, sizeof(vo_media_t)) == 0,
                       "%s: write/parse changed the description", files[i]);

        VO_CHECK_INT(vo_media_check(&m, &err), VO_OK);
    }

    /* the writer refuses what the parser would refuse */
    data = vo_test_read_file(DATA "demo.json", &len);
    VO_CHECK_INT(vo_media_parse(data, len, &m, &err), VO_OK);
    free(data);

    m2 = m;
    strcpy(m2.video[1].name, m2.video[0].name);
    vo_buf_init(&b, vo_arena_alloc(a), 64);
    VO_CHECK_INT(vo_media_write(&m2, &b), VO_BAD_DATA);
    VO_CHECK_INT(vo_media_check(&m2, &err), VO_BAD_DATA);

    /* check() does not trust the arrays to be terminated */
    m2 = m;
    memset(m2.video[0].codec, 'a', sizeof(m2.video[0].codec));
    VO_CHECK_INT(vo_media_check(&m2, &err), VO_BAD_DATA);
    m2 = m;
    memset(m2.id, 'a', sizeof(m2.id));
    VO_CHECK_INT(vo_media_check(&m2, &err), VO_BAD_DATA);
    m2 = m;
    m2.nvideo = VO_MAX_VIDEO + 1;
    VO_CHECK_INT(vo_media_check(&m2, &err), VO_BAD_DATA);
    m2 = m;
    m2.naudio = VO_MAX_AUDIO + 1;
    VO_CHECK_INT(vo_media_check(&m2, &err), VO_BAD_DATA);
    m2 = m;
    m2.formats = 4;
    VO_CHECK_INT(vo_media_check(&m2, &err), VO_BAD_DATA);
    VO_CHECK_INT(vo_media_check(&m, NULL), VO_OK);

    /* the writer escapes what it writes: a lang with '-' survives */
    m2 = m;
    strcpy(m2.audio[0].lang, "pt-BR");
    vo_buf_init(&b, vo_arena_alloc(a), 64);
    VO_CHECK_INT(vo_media_write(&m2, &b), VO_OK);
    VO_CHECK_INT(parse_exact(b.start, vo_buf_len(&b), &m, &err), VO_OK);
    VO_CHECK_STR(m.audio[0].lang, "pt-BR");

    vo_arena_free(a);
}


static void
test_lookup(void)
{
    vo_media_t   m;
    vo_str_t     s1 = vo_string("720p"), s2 = vo_string("720"),
                 s3 = vo_string("720pp"), s4 = vo_string("aac"),
                 s5 = vo_string("");

    VO_CHECK_INT(vo_media_parse(demo, demo_len, &m, NULL), VO_OK);

    VO_CHECK(vo_media_video(&m, &s1) == &m.video[1]);
    VO_CHECK(vo_media_video(&m, &s2) == NULL);
    VO_CHECK(vo_media_video(&m, &s3) == NULL);
    VO_CHECK(vo_media_video(&m, &s4) == NULL);
    VO_CHECK(vo_media_video(&m, &s5) == NULL);
    VO_CHECK(vo_media_audio(&m, &s4) == &m.audio[0]);
    VO_CHECK(vo_media_audio(&m, &s1) == NULL);
}


int
main(void)
{
    demo = vo_test_read_file(DATA "demo.json", &demo_len);
    if (demo == NULL) {
        fprintf(stderr, "cannot read " DATA "demo.json (run from the "
                "repository root)\n");
        return 2;
    }

    test_parse_demo();
    test_prefixes();
    test_rejects();
    test_limits();
    test_roundtrip();
    test_lookup();

    free(demo);

    VO_TEST_DONE("test_media");
}
