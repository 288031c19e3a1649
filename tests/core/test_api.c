/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The playback API's answers (vo_api_write, vo_api_error): byte for byte
 * what GET /api/v1/videos/{id} sends, whatever the catalog holds still
 * valid JSON; the catalog fields it accepts (vo_api_field) and the
 * placement hints it reads (vo_api_hint_parse).
 */

#include <string.h>

#include "vo_test.h"
#include "vo_api.h"
#include "vo_json.h"
#include "vo_sign.h"


#define DATA  "tests/core/data/"


static vo_arena_t  *arena;
static vo_media_t   demo, codecs;
static vo_policy_t  any;


static int
load(const char *path, vo_media_t *m)
{
    u_char       *data;
    size_t        len;
    const char   *err;
    vo_status_t   rc;

    data = vo_test_read_file(path, &len);
    if (data == NULL) {
        VO_TEST_RESULT(0, "cannot read %s", path);
        return 0;
    }

    err = NULL;
    rc = vo_media_parse(data, len, m, &err);
    free(data);

    VO_TEST_RESULT(rc == VO_OK, "%s: %s", path, err ? err : "");

    return rc == VO_OK;
}


static vo_str_t
str(const char *s)
{
    vo_str_t  v;

    v.data = (const u_char *) s;
    v.len = strlen(s);

    return v;
}


/* demo for a desktop in FR, on the CDN by default, no catalog */
static void
answer_init(vo_api_answer_t *a)
{
    memset(a, 0, sizeof(vo_api_answer_t));

    a->id = str("demo");
    a->media = &demo;
    a->policy = &any;
    a->device = str("desktop");
    a->region = str("FR");
    a->placement = VO_API_PLACE_CDN;
    a->placement_from = "default";
    a->cdn_host = str("https://cdn.example.com");
    a->origin_host = str("https://origin.example.com");
    a->prefix = str("/v/");
    a->now = 1764700000;
    a->sign_ttl = 6 * 3600;
}


/* writes a, checks the status, the bytes (want NULL: any) and that the
 * answer is one JSON value; returns the buffer */
static vo_buf_t
write_answer(const vo_api_answer_t *a, vo_status_t status, const char *want)
{
    vo_buf_t     b;
    vo_status_t  rc;

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    rc = vo_api_write(a, &b);

    VO_CHECK_INT(rc, status);

    if (rc != VO_OK) {
        return b;
    }

    if (want != NULL) {
        VO_CHECK_MEM(b.start, vo_buf_len(&b), want);
    }

    /* one value, and the line end nginx sends after it */
    VO_CHECK(vo_buf_len(&b) > 1 && b.pos[-1] == '\n');
    VO_CHECK(vo_json_valid(b.start, vo_buf_len(&b) - 1));

    return b;
}


#define DEMO_MEDIA                                                           \
    "{\"id\":\"demo\",\"ready\":true,\"duration_ms\":60000"
#define DEMO_RENDITIONS                                                      \
    "\"renditions\":["                                                       \
    "{\"name\":\"1080p\",\"codec\":\"avc1.640028\",\"width\":1920,"          \
    "\"height\":1080,\"bandwidth\":5600000},"                                \
    "{\"name\":\"720p\",\"codec\":\"avc1.64001f\",\"width\":1280,"           \
    "\"height\":720,\"bandwidth\":3400000},"                                 \
    "{\"name\":\"480p\",\"codec\":\"avc1.64001e\",\"width\":854,"            \
    "\"height\":480,\"bandwidth\":1700000},"                                 \
    "{\"name\":\"360p\",\"codec\":\"avc1.64001e\",\"width\":640,"            \
    "\"height\":360,\"bandwidth\":900000},"                                  \
    "{\"name\":\"240p\",\"codec\":\"avc1.640015\",\"width\":426,"            \
    "\"height\":240,\"bandwidth\":450000}],"                                 \
    "\"audio\":[{\"name\":\"aac\",\"codec\":\"mp4a.40.2\","                  \
    "\"language\":\"und\"}]"


static void
test_cdn(void)
{
    vo_api_answer_t  a;

    answer_init(&a);

    write_answer(&a, VO_OK,
        DEMO_MEDIA ",\"catalog\":false," DEMO_RENDITIONS
        ",\"region\":\"FR\",\"device\":\"desktop\","
        "\"placement\":\"cdn\",\"placement_from\":\"default\","
        "\"playback\":{"
        "\"hls\":\"https://cdn.example.com/v/demo/master.desktop.m3u8\","
        "\"dash\":\"https://cdn.example.com/v/demo/manifest.desktop.mpd\""
        "}}\n");

    /* a secret signs origin URLs only */
    a.secret = str("0123456789abcdef-direct");
    a.placement_from = "hint";

    write_answer(&a, VO_OK,
        DEMO_MEDIA ",\"catalog\":false," DEMO_RENDITIONS
        ",\"region\":\"FR\",\"device\":\"desktop\","
        "\"placement\":\"cdn\",\"placement_from\":\"hint\","
        "\"playback\":{"
        "\"hls\":\"https://cdn.example.com/v/demo/master.desktop.m3u8\","
        "\"dash\":\"https://cdn.example.com/v/demo/manifest.desktop.mpd\""
        "}}\n");
}


static void
test_origin(void)
{
    char             want[2048];
    u_char           query[VO_SIGN_QUERY_MAX];
    size_t           qlen;
    vo_api_answer_t  a;

    answer_init(&a);
    a.placement = VO_API_PLACE_ORIGIN;
    a.placement_from = "hint";

    /* no vidorigin_direct_secret: plain origin URLs, no expiry */
    write_answer(&a, VO_OK,
        DEMO_MEDIA ",\"catalog\":false," DEMO_RENDITIONS
        ",\"region\":\"FR\",\"device\":\"desktop\","
        "\"placement\":\"origin\",\"placement_from\":\"hint\","
        "\"playback\":{"
        "\"hls\":\"https://origin.example.com/v/demo/master.desktop.m3u8\","
        "\"dash\":\"https://origin.example.com/v/demo/manifest.desktop.mpd\""
        "}}\n");

    /* signed until now + ttl: the token of vo_sign_query on every URL */
    a.secret = str("0123456789abcdef-direct");

    VO_CHECK_INT(vo_sign_query(&a.secret, &a.id, 1764700000 + 6 * 3600,
                               query, &qlen),
                 VO_OK);

    snprintf(want, sizeof(want),
        DEMO_MEDIA ",\"catalog\":false," DEMO_RENDITIONS
        ",\"region\":\"FR\",\"device\":\"desktop\","
        "\"placement\":\"origin\",\"placement_from\":\"hint\","
        "\"playback\":{"
        "\"hls\":\"https://origin.example.com/v/demo/master.desktop.m3u8"
        "?%.*s\","
        "\"dash\":\"https://origin.example.com/v/demo/manifest.desktop.mpd"
        "?%.*s\","
        "\"expires\":1764721600}}\n",
        (int) qlen, (char *) query, (int) qlen, (char *) query);

    write_answer(&a, VO_OK, want);
    VO_CHECK_MEM(query, 15, "exp=1764721600&");
}


static void
test_catalog(void)
{
    vo_buf_t         b;
    vo_api_answer_t  a;

    answer_init(&a);
    a.catalog = 1;

    /* read, but empty */
    write_answer(&a, VO_OK,
        DEMO_MEDIA ",\"catalog\":true," DEMO_RENDITIONS
        ",\"region\":\"FR\",\"device\":\"desktop\","
        "\"placement\":\"cdn\",\"placement_from\":\"default\","
        "\"playback\":{"
        "\"hls\":\"https://cdn.example.com/v/demo/master.desktop.m3u8\","
        "\"dash\":\"https://cdn.example.com/v/demo/manifest.desktop.mpd\""
        "}}\n");

    /* in table order, whatever order they were set in; text escaped,
     * JSON as it is, an empty value kept */
    a.field[6] = str("[\"a\",\"b\"]");
    a.field[0] = str("Le \"grand\" film\n\xc3\xa9\xff");
    a.field[4] = str("{\"small\":\"s.jpg\"}");
    a.field[3] = str("");

    write_answer(&a, VO_OK,
        DEMO_MEDIA ",\"title\":\"Le \\\"grand\\\" film\\u000a\xc3\xa9\\ufffd\","
        "\"language\":\"\",\"thumbnails\":{\"small\":\"s.jpg\"},"
        "\"tags\":[\"a\",\"b\"],\"catalog\":true," DEMO_RENDITIONS
        ",\"region\":\"FR\",\"device\":\"desktop\","
        "\"placement\":\"cdn\",\"placement_from\":\"default\","
        "\"playback\":{"
        "\"hls\":\"https://cdn.example.com/v/demo/master.desktop.m3u8\","
        "\"dash\":\"https://cdn.example.com/v/demo/manifest.desktop.mpd\""
        "}}\n");

    /* hosts are configuration, not checked: still one JSON value */
    a.cdn_host = str("https://cdn\".example.com");
    b = write_answer(&a, VO_OK, NULL);
    vo_buf_append(&b, "", 1);
    VO_CHECK(!vo_buf_failed(&b)
             && strstr((char *) b.start, "cdn\\\".example.com") != NULL);
}


static void
test_renditions(void)
{
    vo_media_t       hevc;
    vo_policy_t      small, pref;
    vo_api_answer_t  a;

    /* a class's limits: what its manifests list */
    memset(&small, 0, sizeof(vo_policy_t));
    small.max_height = 480;
    small.ncodecs = 1;
    small.codecs[0] = VO_CODEC_AVC;
    small.format = VO_FORMAT_FMP4;

    answer_init(&a);
    a.policy = &small;
    a.device = str("mobile");

    write_answer(&a, VO_OK,
        DEMO_MEDIA ",\"catalog\":false,\"renditions\":["
        "{\"name\":\"480p\",\"codec\":\"avc1.64001e\",\"width\":854,"
        "\"height\":480,\"bandwidth\":1700000},"
        "{\"name\":\"360p\",\"codec\":\"avc1.64001e\",\"width\":640,"
        "\"height\":360,\"bandwidth\":900000},"
        "{\"name\":\"240p\",\"codec\":\"avc1.640015\",\"width\":426,"
        "\"height\":240,\"bandwidth\":450000}],"
        "\"audio\":[{\"name\":\"aac\",\"codec\":\"mp4a.40.2\","
        "\"language\":\"und\"}]"
        ",\"region\":\"FR\",\"device\":\"mobile\","
        "\"placement\":\"cdn\",\"placement_from\":\"default\","
        "\"playback\":{"
        "\"hls\":\"https://cdn.example.com/v/demo/master.mobile.m3u8\","
        "\"dash\":\"https://cdn.example.com/v/demo/manifest.mobile.mpd\""
        "}}\n");

    /* the preferred family first, H.264 last */
    memset(&pref, 0, sizeof(vo_policy_t));
    pref.max_height = 720;
    pref.ncodecs = 2;
    pref.codecs[0] = VO_CODEC_AV1;
    pref.codecs[1] = VO_CODEC_AVC;
    pref.format = VO_FORMAT_FMP4;

    a.media = &codecs;
    a.policy = &pref;
    a.id = str("codecs");
    a.device = str("tv");

    write_answer(&a, VO_OK,
        "{\"id\":\"codecs\",\"ready\":true,\"duration_ms\":"
        "12000,\"catalog\":false,\"renditions\":["
        "{\"name\":\"720p-av1\",\"codec\":\"av01.0.05M.08\",\"width\":1280,"
        "\"height\":720,\"bandwidth\":1900000},"
        "{\"name\":\"360p-av1\",\"codec\":\"av01.0.01M.08\",\"width\":640,"
        "\"height\":360,\"bandwidth\":500000},"
        "{\"name\":\"720p\",\"codec\":\"avc1.64001f\",\"width\":1280,"
        "\"height\":720,\"bandwidth\":3400000},"
        "{\"name\":\"360p\",\"codec\":\"avc1.64001e\",\"width\":640,"
        "\"height\":360,\"bandwidth\":900000}],"
        "\"audio\":[{\"name\":\"aac\",\"codec\":\"mp4a.40.2\","
        "\"language\":\"und\"}]"
        ",\"region\":\"FR\",\"device\":\"tv\","
        "\"placement\":\"cdn\",\"placement_from\":\"default\","
        "\"playback\":{"
        "\"hls\":\"https://cdn.example.com/v/codecs/master.tv.m3u8\","
        "\"dash\":\"https://cdn.example.com/v/codecs/manifest.tv.mpd\""
        "}}\n");

    /* no H.264 at all: nothing any class can be sure to play */
    hevc = demo;
    hevc.nvideo = 1;
    strcpy(hevc.video[0].codec, "hvc1.1.6.L93.B0");

    a.media = &hevc;
    a.policy = &any;
    write_answer(&a, VO_NOT_FOUND, NULL);
}


static void
test_error(void)
{
    vo_buf_t  b;

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_api_error("no such video", &b), VO_OK);
    VO_CHECK_MEM(b.start, vo_buf_len(&b), "{\"error\":\"no such video\"}\n");
}


static void
field(const char *name, const char *value, size_t len, vo_status_t status,
    unsigned want)
{
    unsigned     k;
    vo_status_t  rc;

    k = 99;
    rc = vo_api_field((const u_char *) name, strlen(name),
                      (const u_char *) value, len, &k);

    VO_TEST_RESULT(rc == status, "field %s: %d, not %d", name, rc, status);

    if (status != VO_NOT_FOUND) {
        VO_TEST_RESULT(k == want, "field %s: index %u, not %u", name, k,
                       want);
    }
}


static void
test_fields(void)
{
    static char  big[VO_API_FIELD_MAX + 2];

    field("title", "x", 1, VO_OK, 0);
    field("description", "not JSON, text", 14, VO_OK, 1);
    field("creator", "", 0, VO_OK, 2);
    field("language", "fr", 2, VO_OK, 3);
    field("thumbnails", "{\"a\":1}", 7, VO_OK, 4);
    field("ads", "[]", 2, VO_OK, 5);
    field("tags", "[\"x\"]", 5, VO_OK, 6);

    field("tags", "[\"x\"", 4, VO_BAD_DATA, 6);
    field("ads", "", 0, VO_BAD_DATA, 5);
    field("thumbnails", "{} {}", 5, VO_BAD_DATA, 4);

    /* names match whole and exactly; what the answer lacks is left out */
    field("Title", "x", 1, VO_NOT_FOUND, 0);
    field("titles", "x", 1, VO_NOT_FOUND, 0);
    field("tit", "x", 1, VO_NOT_FOUND, 0);
    field("views", "12", 2, VO_NOT_FOUND, 0);

    memset(big, 'a', sizeof(big));
    field("title", big, VO_API_FIELD_MAX, VO_OK, 0);
    field("title", big, VO_API_FIELD_MAX + 1, VO_NOT_FOUND, 0);

    /* ingest's: a status word, a fraction, text */
    field("status", "processing", 10, VO_OK, 7);
    field("status", "ready", 5, VO_OK, 7);
    field("status", "readyy", 6, VO_BAD_DATA, 7);
    field("status", "Ready", 5, VO_BAD_DATA, 7);
    field("status", "", 0, VO_BAD_DATA, 7);
    field("progress", "0", 1, VO_OK, 8);
    field("progress", "1", 1, VO_OK, 8);
    field("progress", "0.375", 5, VO_OK, 8);
    field("progress", "1.000", 5, VO_OK, 8);
    field("progress", "1.5", 3, VO_BAD_DATA, 8);
    field("progress", "0.", 2, VO_BAD_DATA, 8);
    field("progress", "2", 1, VO_BAD_DATA, 8);
    field("progress", "0.1234567", 9, VO_BAD_DATA, 8);
    field("progress", "0.5}", 4, VO_BAD_DATA, 8);
    field("progress", "-0", 2, VO_BAD_DATA, 8);
    field("error", "decode error in 3.m4s", 21, VO_OK, 9);

    VO_CHECK_STR(vo_api_field_name(0), "title");
    VO_CHECK_STR(vo_api_field_name(6), "tags");
    VO_CHECK_STR(vo_api_field_name(9), "error");
    VO_CHECK_STR(vo_api_field_name(10), "");
    VO_CHECK_STR(vo_api_field_expect(4), "JSON");
    VO_CHECK_STR(vo_api_field_expect(8), "a number from 0 to 1");
}


static void
test_pending(void)
{
    vo_buf_t         b;
    vo_api_answer_t  a;

    memset(&a, 0, sizeof(vo_api_answer_t));
    a.id = str("up1");
    a.catalog = 1;

    /* no status: the catalog alone does not make a video */
    a.field[0] = str("My \"film\"");
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_api_write_pending(&a, &b), VO_NOT_FOUND);

    a.field[7] = str("processing");
    a.field[8] = str("0.25");
    a.field[9] = str("");
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_api_write_pending(&a, &b), VO_OK);
    VO_CHECK_MEM(b.start, vo_buf_len(&b),
        "{\"id\":\"up1\",\"ready\":false,\"title\":\"My \\\"film\\\"\","
        "\"status\":\"processing\",\"progress\":0.25,\"error\":\"\","
        "\"catalog\":true}\n");
}


static void
hint(const char *s, unsigned placement, uint64_t expires)
{
    unsigned  p;
    uint64_t  e;

    e = 12345;
    p = vo_api_hint_parse((const u_char *) s, strlen(s), &e);

    VO_TEST_RESULT(p == placement, "hint \"%s\": %u, not %u", s, p,
                   placement);

    /* untouched when malformed */
    VO_TEST_RESULT(e == (placement ? expires : 12345),
                   "hint \"%s\": expires %llu", s, (unsigned long long) e);
}


static void
test_hints(void)
{
    hint("cdn 41.250 1764700000", VO_API_PLACE_CDN, 1764700000);
    hint("origin 0.5 17", VO_API_PLACE_ORIGIN, 17);
    hint("cdn  5", VO_API_PLACE_CDN, 5);
    hint("cdn x 0", VO_API_PLACE_CDN, 0);
    hint("origin 1 9223372036854775807", VO_API_PLACE_ORIGIN,
         UINT64_C(9223372036854775807));

    hint("origin 1 9223372036854775808", VO_API_PLACE_NONE, 0);
    hint("origin 1 99999999999999999999", VO_API_PLACE_NONE, 0);
    hint("cdn 41.250", VO_API_PLACE_NONE, 0);
    hint("cdn 41.250 ", VO_API_PLACE_NONE, 0);
    hint("cdn 41.250 17x", VO_API_PLACE_NONE, 0);
    hint("cdn 41.250 17 18", VO_API_PLACE_NONE, 0);
    hint("cdn 41.250 -17", VO_API_PLACE_NONE, 0);
    hint("cdn ", VO_API_PLACE_NONE, 0);
    hint("origin ", VO_API_PLACE_NONE, 0);
    hint("cdn", VO_API_PLACE_NONE, 0);
    hint("CDN 1 2", VO_API_PLACE_NONE, 0);
    hint("edge 1 2", VO_API_PLACE_NONE, 0);
    hint("", VO_API_PLACE_NONE, 0);
}


int
main(void)
{
    arena = vo_arena_create();
    if (arena == NULL) {
        return 2;
    }

    memset(&any, 0, sizeof(vo_policy_t));
    any.ncodecs = 1;
    any.codecs[0] = VO_CODEC_AVC;
    any.format = VO_FORMAT_FMP4;

    if (load(DATA "demo.json", &demo) && load(DATA "codecs.json", &codecs)) {
        test_cdn();
        test_origin();
        test_catalog();
        test_renditions();
    }

    test_error();
    test_fields();
    test_pending();
    test_hints();

    vo_arena_free(arena);

    VO_TEST_DONE("test_api");
}
