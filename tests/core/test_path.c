/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Playback path grammar, request checks and store keys.  The parser is
 * a security boundary: traversal in every spelling, bad numbers and
 * stray bytes must be refused with the documented status.
 */

#include <stdint.h>

#include "vo_core.h"
#include "vo_media.h"
#include "vo_path.h"
#include "vo_test.h"


#define DATA  "tests/core/data/"


/* the copy the last request points into; freed by the next parse() */
static u_char  *last_copy;


/* parses an exact-size copy so that ASan sees any over-read */
static vo_status_t
parse(const char *s, size_t len, vo_request_t *req, const char **err)
{
    free(last_copy);

    last_copy = malloc(len ? len : 1);
    memcpy(last_copy, s, len);

    return vo_path_parse(last_copy, len, req, err);
}


#define CHECK_PATH(s, want)                                                  \
    do {                                                                     \
        vo_request_t  r_;                                                    \
        const char   *e_ = NULL;                                             \
        vo_status_t   rc_ = parse((s), sizeof(s) - 1, &r_, &e_);             \
        VO_TEST_RESULT(rc_ == (want) && (rc_ == VO_OK || e_ != NULL),        \
                       "\"%s\": rc %d (%s), want %d", (s), rc_,              \
                       e_ ? e_ : "no reason", (want));                       \
    } while (0)

#define CHECK_OK(s, k, id_, r, n)                                            \
    do {                                                                     \
        vo_request_t  r_;                                                    \
        vo_status_t   rc_ = parse((s), sizeof(s) - 1, &r_, NULL);            \
        VO_TEST_RESULT(rc_ == VO_OK && r_.kind == (k)                        \
                       && r_.id.len == strlen(id_)                           \
                       && memcmp(r_.id.data, id_, r_.id.len) == 0            \
                       && r_.rendition.len == strlen(r)                      \
                       && (r_.rendition.len == 0                             \
                           || memcmp(r_.rendition.data, r,                   \
                                     r_.rendition.len) == 0)                 \
                       && r_.segment == (n),                                 \
                       "\"%s\": rc %d kind %d seg %u", (s), rc_,             \
                       (int) r_.kind, r_.segment);                           \
    } while (0)


static void
test_device(const char *path, const char *device)
{
    vo_request_t  req;

    VO_CHECK_INT(parse(path, strlen(path), &req, NULL), VO_OK);
    VO_CHECK_UINT(req.device.len, strlen(device));
    VO_CHECK(req.device.len == 0
             || memcmp(req.device.data, device, req.device.len) == 0);
}


static void
test_valid(void)
{
    vo_request_t  req;

    CHECK_OK("demo/master.m3u8", VO_REQ_HLS_MASTER, "demo", "", 0);
    CHECK_OK("demo/master-ts.m3u8", VO_REQ_HLS_MASTER_TS, "demo", "", 0);
    CHECK_OK("demo/manifest.mpd", VO_REQ_DASH_MPD, "demo", "", 0);
    CHECK_OK("demo/720p/index.m3u8", VO_REQ_HLS_MEDIA, "demo", "720p", 0);
    CHECK_OK("demo/720p/index-ts.m3u8", VO_REQ_HLS_MEDIA_TS, "demo", "720p",
             0);
    CHECK_OK("demo/aac/init.mp4", VO_REQ_INIT, "demo", "aac", 0);
    CHECK_OK("demo/720p/0.m4s", VO_REQ_SEGMENT, "demo", "720p", 0);
    CHECK_OK("demo/720p/3.m4s", VO_REQ_SEGMENT, "demo", "720p", 3);
    CHECK_OK("demo/720p/10.m4s", VO_REQ_SEGMENT, "demo", "720p", 10);
    CHECK_OK("demo/720p/12.ts", VO_REQ_SEGMENT_TS, "demo", "720p", 12);
    CHECK_OK("demo/720p/999999999.m4s", VO_REQ_SEGMENT, "demo", "720p",
             999999999);
    CHECK_OK("a/b/0.ts", VO_REQ_SEGMENT_TS, "a", "b", 0);
    CHECK_OK("A-Z_a-z-0-9/R_-9/index.m3u8", VO_REQ_HLS_MEDIA, "A-Z_a-z-0-9",
             "R_-9", 0);
    /* 64-character id, 32-character rendition */
    CHECK_OK("0123456789012345678901234567890123456789012345678901234567890123"
             "/01234567890123456789012345678901/1.m4s", VO_REQ_SEGMENT,
             "0123456789012345678901234567890123456789012345678901234567890123",
             "01234567890123456789012345678901", 1);

    /* device manifests: the class before the extension */
    CHECK_OK("demo/master.tv.m3u8", VO_REQ_HLS_MASTER, "demo", "", 0);
    CHECK_OK("demo/master-ts.legacy.m3u8", VO_REQ_HLS_MASTER_TS, "demo", "",
             0);
    CHECK_OK("demo/manifest.mobile.mpd", VO_REQ_DASH_MPD, "demo", "", 0);
    test_device("demo/master.tv.m3u8", "tv");
    test_device("demo/master-ts.x_1-Y.m3u8", "x_1-Y");
    test_device("demo/manifest.01234567890123456789012345678901.mpd",
                "01234567890123456789012345678901");
    test_device("demo/master.m3u8", "");
    test_device("demo/720p/index.m3u8", "");
    VO_CHECK_INT(parse("demo/master..m3u8", 17, &req, NULL), VO_NOT_FOUND);
    VO_CHECK_INT(parse("demo/master.a.b.m3u8", 20, &req, NULL),
                 VO_NOT_FOUND);
    VO_CHECK_INT(parse("demo/manifest.tv.m3u8", 21, &req, NULL),
                 VO_NOT_FOUND);
    VO_CHECK_INT(parse("demo/master.tv.mpd", 18, &req, NULL), VO_NOT_FOUND);
    VO_CHECK_INT(parse("demo/master.012345678901234567890123456789012.m3u8",
                       50, &req, NULL), VO_NOT_FOUND);
    VO_CHECK_INT(parse("demo/720p/index.tv.m3u8", 23, &req, NULL),
                 VO_NOT_FOUND);

    VO_CHECK(vo_req_is_manifest(VO_REQ_HLS_MASTER));
    VO_CHECK(vo_req_is_manifest(VO_REQ_HLS_MEDIA_TS));
    VO_CHECK(!vo_req_is_manifest(VO_REQ_INIT));
    VO_CHECK(!vo_req_is_manifest(VO_REQ_SEGMENT_TS));
}


static void
test_bad_request(void)
{
    vo_request_t  req;
    const char   *err;

    /* traversal, in every spelling nginx could hand over */
    CHECK_PATH("..", VO_BAD_REQUEST);
    CHECK_PATH(".", VO_BAD_REQUEST);
    CHECK_PATH("../etc/passwd", VO_BAD_REQUEST);
    CHECK_PATH("demo/../master.m3u8", VO_BAD_REQUEST);
    CHECK_PATH("demo/./master.m3u8", VO_BAD_REQUEST);
    CHECK_PATH("./demo/master.m3u8", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/../../x", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/..", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/0.m4s/..", VO_BAD_REQUEST);
    CHECK_PATH("demo/..%2f..%2fetc/passwd", VO_BAD_REQUEST);
    CHECK_PATH("demo/%2e%2e/master.m3u8", VO_BAD_REQUEST);
    CHECK_PATH("demo\\..\\master.m3u8", VO_BAD_REQUEST);
    CHECK_PATH("demo/..\\x/0.m4s", VO_BAD_REQUEST);
    CHECK_PATH("/demo/master.m3u8", VO_BAD_REQUEST);
    CHECK_PATH("//demo/master.m3u8", VO_BAD_REQUEST);
    CHECK_PATH("demo//master.m3u8", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p//0.m4s", VO_BAD_REQUEST);
    CHECK_PATH("/", VO_BAD_REQUEST);
    CHECK_PATH("", VO_BAD_REQUEST);
    CHECK_PATH("demo/72\0p/0.m4s", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/0.m4s\0", VO_BAD_REQUEST);
    CHECK_PATH("demo\0/master.m3u8", VO_BAD_REQUEST);

    /* ids and renditions: only [A-Za-z0-9_-] */
    CHECK_PATH("de.mo/master.m3u8", VO_BAD_REQUEST);
    CHECK_PATH("de mo/master.m3u8", VO_BAD_REQUEST);
    CHECK_PATH("d%65mo/master.m3u8", VO_BAD_REQUEST);
    CHECK_PATH("d\xc3\xa9mo/master.m3u8", VO_BAD_REQUEST);
    CHECK_PATH("demo/7.2/0.m4s", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p+/0.m4s", VO_BAD_REQUEST);
    CHECK_PATH("demo/master.m3u8/0.m4s", VO_BAD_REQUEST);
    CHECK_PATH("01234567890123456789012345678901234567890123456789"
               "012345678901234/master.m3u8", VO_BAD_REQUEST);
    CHECK_PATH("demo/012345678901234567890123456789012/1.m4s",
               VO_BAD_REQUEST);
    CHECK_PATH("demo/master.m3u8?x=1", VO_BAD_REQUEST);
    CHECK_PATH("demo/master.m3u8#x", VO_BAD_REQUEST);
    CHECK_PATH("demo/master.m3u8;x", VO_BAD_REQUEST);
    CHECK_PATH("demo/master.m3u8\r\nX: y", VO_BAD_REQUEST);

    /* segment numbers */
    CHECK_PATH("demo/720p/00.m4s", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/01.m4s", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/007.ts", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/-1.m4s", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/+1.m4s", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/1a.m4s", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/1_.ts", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/x.m4s", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/.m4s", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/ 1.m4s", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/1000000000.m4s", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/4294967296.m4s", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/99999999999999999999999999.ts", VO_BAD_REQUEST);
    CHECK_PATH("demo/720p/0x10.m4s", VO_BAD_REQUEST);

    /* the reason pointer is optional */
    VO_CHECK_INT(vo_path_parse((const u_char *) "..", 2, &req, NULL),
                 VO_BAD_REQUEST);
    err = NULL;
    VO_CHECK_INT(vo_path_parse(NULL, 0, &req, &err), VO_BAD_REQUEST);
    VO_CHECK(err != NULL);
}


static void
test_not_found(void)
{
    CHECK_PATH("demo", VO_NOT_FOUND);
    CHECK_PATH("demo/", VO_NOT_FOUND);
    CHECK_PATH("demo/720p/", VO_NOT_FOUND);
    CHECK_PATH("demo/720p/0.m4s/", VO_NOT_FOUND);
    CHECK_PATH("demo/720p", VO_NOT_FOUND);
    CHECK_PATH("demo/index.m3u8", VO_NOT_FOUND);
    CHECK_PATH("demo/init.mp4", VO_NOT_FOUND);
    CHECK_PATH("demo/1.m4s", VO_NOT_FOUND);
    CHECK_PATH("demo/media.json", VO_NOT_FOUND);
    CHECK_PATH("demo/source.mp4", VO_NOT_FOUND);
    CHECK_PATH("demo/MASTER.M3U8", VO_NOT_FOUND);
    CHECK_PATH("demo/master.m3u8x", VO_NOT_FOUND);
    CHECK_PATH("demo/master.m3u", VO_NOT_FOUND);
    CHECK_PATH("demo/720p/master.m3u8", VO_NOT_FOUND);
    CHECK_PATH("demo/720p/manifest.mpd", VO_NOT_FOUND);
    CHECK_PATH("demo/720p/1.m4s.bak", VO_NOT_FOUND);
    CHECK_PATH("demo/720p/1.m4", VO_NOT_FOUND);
    CHECK_PATH("demo/720p/1.M4S", VO_NOT_FOUND);
    CHECK_PATH("demo/720p/1.mp4", VO_NOT_FOUND);
    CHECK_PATH("demo/720p/1", VO_NOT_FOUND);
    CHECK_PATH("demo/720p/1.", VO_NOT_FOUND);
    CHECK_PATH("demo/720p/init.mp4.tmp", VO_NOT_FOUND);
    CHECK_PATH("demo/720p/index.m3u8.gz", VO_NOT_FOUND);
    CHECK_PATH("demo/720p/0.m4s/x", VO_NOT_FOUND);
    CHECK_PATH("demo/720p/x/0.m4s", VO_NOT_FOUND);
    CHECK_PATH("demo/a/b/c/d", VO_NOT_FOUND);
}


/*
 * Property: whatever the parser accepts is exactly the canonical path of
 * what it returned.  Random paths over a hostile alphabet, from a fixed
 * seed so that a failure reproduces.
 */
static void
test_canonical(void)
{
    /* paths are components made of these pieces, joined by '/': close
     * enough to the grammar that many are accepted, hostile enough to
     * probe every branch */
    static const char *pieces[] = {
        "v", "r", "720p", "master.m3u8", "master-ts.m3u8", "manifest.mpd",
        "index.m3u8", "index-ts.m3u8", "init.mp4", "0.m4s", "12.ts",
        "999999999.m4s", "..", ".", "", "00.m4s", "1a.ts", "%2e", "\\",
        "\xff", " ", "1000000000.ts", "x.m4s", ".m4s", "1.m4s.bak", "-",
        "_", "0", ".ts", "+1.m4s", "a.b", "\0", "master.tv.m3u8",
        "manifest.", "master", ".mpd", "master-ts.x-1.m3u8", "tv.m3u8"
    };
    static const char *names[] = {
        "", "master.m3u8", "master-ts.m3u8", "manifest.mpd",
        "index.m3u8", "index-ts.m3u8", "init.mp4"
    };

    char          path[128], canon[160];
    size_t        len, i, j, k, npieces, plen;
    uint64_t      x;
    unsigned      ok, bad;
    const char   *piece, *dot;
    vo_request_t  req;

    x = 0x9e3779b97f4a7c15ULL;
    ok = 0;
    bad = 0;
    npieces = sizeof(pieces) / sizeof(pieces[0]);

    for (i = 0; i < 300000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;

        len = 0;

        for (k = x % 5; k > 0; k--) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;

            /* one piece, sometimes two glued together */
            for (j = (x >> 32) % 4 == 0 ? 2 : 1; j > 0; j--) {
                piece = pieces[(x >> (8 * j)) % npieces];
                plen = piece ? strlen(piece) : 1;

                if (len + plen + 1 > sizeof(path)) {
                    break;
                }

                memcpy(path + len, piece ? piece : "", plen);
                len += plen;
            }

            if (k > 1) {
                path[len++] = '/';
            }
        }

        if (parse(path, len, &req, NULL) != VO_OK) {
            continue;
        }

        ok++;

        if (req.kind == VO_REQ_SEGMENT || req.kind == VO_REQ_SEGMENT_TS) {
            snprintf(canon, sizeof(canon), "%.*s/%.*s/%u.%s",
                     (int) req.id.len, req.id.data,
                     (int) req.rendition.len, req.rendition.data,
                     req.segment,
                     req.kind == VO_REQ_SEGMENT ? "m4s" : "ts");

        } else if (req.rendition.len) {
            snprintf(canon, sizeof(canon), "%.*s/%.*s/%s",
                     (int) req.id.len, req.id.data,
                     (int) req.rendition.len, req.rendition.data,
                     names[req.kind]);

        } else if (req.device.len) {
            /* "master.tv.m3u8": the class before the extension */
            dot = strrchr(names[req.kind], '.');
            snprintf(canon, sizeof(canon), "%.*s/%.*s.%.*s%s",
                     (int) req.id.len, req.id.data,
                     (int) (dot - names[req.kind]), names[req.kind],
                     (int) req.device.len, req.device.data, dot);

        } else {
            snprintf(canon, sizeof(canon), "%.*s/%s",
                     (int) req.id.len, req.id.data, names[req.kind]);
        }

        if (strlen(canon) != len || memcmp(canon, path, len) != 0) {
            if (bad++ == 0) {
                fprintf(stderr, "accepted \"%.*s\" as \"%s\"\n",
                        (int) len, path, canon);
            }
        }
    }

    VO_CHECK_UINT(bad, 0);
    VO_CHECK(ok > 500);
    printf("random paths: %u of 300000 accepted, all canonical\n",
           ok);
}


static void
test_id_valid(void)
{
    VO_CHECK(vo_id_valid((const u_char *) "demo", 4));
    VO_CHECK(vo_id_valid((const u_char *) "a", 1));
    VO_CHECK(vo_id_valid((const u_char *) "A_b-9", 5));
    VO_CHECK(!vo_id_valid((const u_char *) "", 0));
    VO_CHECK(!vo_id_valid(NULL, 0));
    VO_CHECK(!vo_id_valid((const u_char *) "..", 2));
    VO_CHECK(!vo_id_valid((const u_char *) "a/b", 3));
    VO_CHECK(!vo_id_valid((const u_char *) "a\0b", 3));
    VO_CHECK(!vo_id_valid((const u_char *) "a%2e", 4));
    VO_CHECK(vo_id_valid((const u_char *)
             "0123456789012345678901234567890123456789012345678901234567890123",
             64));
    VO_CHECK(!vo_id_valid((const u_char *)
             "01234567890123456789012345678901234567890123456789"
             "012345678901234", 65));
}


static vo_status_t
check_req(const char *path, const vo_media_t *m)
{
    vo_request_t  req;
    const char   *err;
    vo_status_t   rc;

    rc = parse(path, strlen(path), &req, NULL);
    if (rc != VO_OK) {
        return 100 + rc;
    }

    err = NULL;
    rc = vo_request_check(&req, m, &err);

    if (rc != VO_OK && err == NULL) {
        return 200;
    }

    return rc;
}


static void
test_request_check(void)
{
    u_char      *data;
    size_t       len;
    vo_media_t   demo, single;

    data = vo_test_read_file(DATA "demo.json", &len);
    VO_CHECK_INT(vo_media_parse(data, len, &demo, NULL), VO_OK);
    free(data);
    data = vo_test_read_file(DATA "single.json", &len);
    VO_CHECK_INT(vo_media_parse(data, len, &single, NULL), VO_OK);
    free(data);

    VO_CHECK_INT(check_req("demo/master.m3u8", &demo), VO_OK);
    VO_CHECK_INT(check_req("demo/master-ts.m3u8", &demo), VO_OK);
    VO_CHECK_INT(check_req("demo/manifest.mpd", &demo), VO_OK);
    VO_CHECK_INT(check_req("demo/720p/index.m3u8", &demo), VO_OK);
    VO_CHECK_INT(check_req("demo/720p/index-ts.m3u8", &demo), VO_OK);
    VO_CHECK_INT(check_req("demo/720p/init.mp4", &demo), VO_OK);
    VO_CHECK_INT(check_req("demo/720p/0.m4s", &demo), VO_OK);
    VO_CHECK_INT(check_req("demo/240p/9.m4s", &demo), VO_OK);
    VO_CHECK_INT(check_req("demo/240p/9.ts", &demo), VO_OK);
    VO_CHECK_INT(check_req("demo/aac/index.m3u8", &demo), VO_OK);
    VO_CHECK_INT(check_req("demo/aac/init.mp4", &demo), VO_OK);
    VO_CHECK_INT(check_req("demo/aac/9.m4s", &demo), VO_OK);

    /* segment range: 10 segments, 0..9 */
    VO_CHECK_INT(check_req("demo/720p/10.m4s", &demo), VO_RANGE);
    VO_CHECK_INT(check_req("demo/720p/10.ts", &demo), VO_RANGE);
    VO_CHECK_INT(check_req("demo/aac/10.m4s", &demo), VO_RANGE);
    VO_CHECK_INT(check_req("demo/720p/999999999.m4s", &demo), VO_RANGE);

    /* unknown renditions; audio has no TS of its own */
    VO_CHECK_INT(check_req("demo/1440p/0.m4s", &demo), VO_NOT_FOUND);
    VO_CHECK_INT(check_req("demo/1440p/index.m3u8", &demo), VO_NOT_FOUND);
    VO_CHECK_INT(check_req("demo/720P/init.mp4", &demo), VO_NOT_FOUND);
    VO_CHECK_INT(check_req("demo/aac/index-ts.m3u8", &demo), VO_NOT_FOUND);
    VO_CHECK_INT(check_req("demo/aac/0.ts", &demo), VO_NOT_FOUND);
    /* the bad rendition is refused before the range is looked at */
    VO_CHECK_INT(check_req("demo/1440p/99.m4s", &demo), VO_NOT_FOUND);

    /* a video without TS */
    VO_CHECK_INT(check_req("single/master.m3u8", &single), VO_OK);
    VO_CHECK_INT(check_req("single/master-ts.m3u8", &single), VO_NOT_FOUND);
    VO_CHECK_INT(check_req("single/480p/index-ts.m3u8", &single),
                 VO_NOT_FOUND);
    VO_CHECK_INT(check_req("single/480p/0.ts", &single), VO_NOT_FOUND);
    VO_CHECK_INT(check_req("single/480p/1.m4s", &single), VO_OK);
    VO_CHECK_INT(check_req("single/480p/2.m4s", &single), VO_RANGE);

    /* and one without fMP4 */
    single.formats = VO_FORMAT_TS;
    VO_CHECK_INT(check_req("single/master.m3u8", &single), VO_NOT_FOUND);
    VO_CHECK_INT(check_req("single/manifest.mpd", &single), VO_NOT_FOUND);
    VO_CHECK_INT(check_req("single/480p/0.m4s", &single), VO_NOT_FOUND);
    VO_CHECK_INT(check_req("single/480p/init.mp4", &single), VO_NOT_FOUND);
    VO_CHECK_INT(check_req("single/480p/0.ts", &single), VO_OK);

    /* a description found under another id is inconsistent data */
    VO_CHECK_INT(check_req("demo2/master.m3u8", &demo), VO_BAD_DATA);
    VO_CHECK_INT(check_req("dem/720p/0.m4s", &demo), VO_BAD_DATA);
}


static void
test_keys(void)
{
    char          buf[64], canary[80];
    size_t        n, size, want;
    unsigned      bad;
    vo_str_t      id = vo_string("demo"), badid = vo_string("../x");
    vo_request_t  req;

    VO_CHECK_INT(parse("demo/720p/3.m4s", 15, &req, NULL), VO_OK);
    VO_CHECK_UINT(vo_request_key(&req, buf, sizeof(buf)), 15);
    VO_CHECK_STR(buf, "demo/720p/3.m4s");

    VO_CHECK_INT(parse("demo/720p/12.ts", 15, &req, NULL), VO_OK);
    VO_CHECK_UINT(vo_request_key(&req, buf, sizeof(buf)), 15);
    VO_CHECK_STR(buf, "demo/720p/12.ts");

    VO_CHECK_INT(parse("demo/aac/init.mp4", 17, &req, NULL), VO_OK);
    VO_CHECK_UINT(vo_request_key(&req, buf, sizeof(buf)), 17);
    VO_CHECK_STR(buf, "demo/aac/init.mp4");

    VO_CHECK_INT(parse("demo/720p/999999999.m4s", 23, &req, NULL), VO_OK);
    VO_CHECK_UINT(vo_request_key(&req, buf, sizeof(buf)), 23);
    VO_CHECK_STR(buf, "demo/720p/999999999.m4s");

    /* manifests have no key */
    VO_CHECK_INT(parse("demo/master.m3u8", 16, &req, NULL), VO_OK);
    VO_CHECK_UINT(vo_request_key(&req, buf, sizeof(buf)), 0);
    VO_CHECK_INT(parse("demo/720p/index.m3u8", 20, &req, NULL), VO_OK);
    VO_CHECK_UINT(vo_request_key(&req, buf, sizeof(buf)), 0);

    /* every buffer size: the full key with its NUL, or 0, and never a
     * byte written past size */
    VO_CHECK_INT(parse("demo/720p/3.m4s", 15, &req, NULL), VO_OK);
    want = 15;
    bad = 0;

    for (size = 0; size < 40; size++) {
        memset(canary, 'X', sizeof(canary));
        n = vo_request_key(&req, canary, size);

        if ((size > want && (n != want || strcmp(canary, "demo/720p/3.m4s")))
            || (size <= want && n != 0)
            || memchr(canary + size, 'X', sizeof(canary) - size) == NULL
            || canary[size] != 'X')
        {
            bad++;
        }
    }

    VO_CHECK_UINT(bad, 0);

    /* a forged request never becomes a key outside the store */
    req.id = badid;
    VO_CHECK_UINT(vo_request_key(&req, buf, sizeof(buf)), 0);
    req.id = id;
    req.rendition = badid;
    VO_CHECK_UINT(vo_request_key(&req, buf, sizeof(buf)), 0);

    VO_CHECK_UINT(vo_media_key(&id, buf, sizeof(buf)), 15);
    VO_CHECK_STR(buf, "demo/media.json");
    VO_CHECK_UINT(vo_media_key(&id, buf, 16), 15);
    VO_CHECK_UINT(vo_media_key(&id, buf, 15), 0);
    VO_CHECK_UINT(vo_media_key(&id, buf, 0), 0);
    VO_CHECK_UINT(vo_media_key(&badid, buf, sizeof(buf)), 0);
}


/* the path below a location prefix: after a '/' that follows the prefix
 * when the prefix does not end in one ("location /v") */
static void
test_below(void)
{
    vo_str_t  rest;

#define BELOW(path, prefix)                                                  \
    vo_path_below((u_char *) (path), sizeof(path) - 1, (u_char *) (prefix),  \
                  sizeof(prefix) - 1, &rest)

    VO_CHECK_INT(BELOW("/v/demo/master.m3u8", "/v/"), VO_OK);
    VO_CHECK_MEM(rest.data, rest.len, "demo/master.m3u8");
    VO_CHECK_INT(BELOW("/v/demo/master.m3u8", "/v"), VO_OK);
    VO_CHECK_MEM(rest.data, rest.len, "demo/master.m3u8");
    VO_CHECK_INT(BELOW("/v/", "/v"), VO_OK);
    VO_CHECK_UINT(rest.len, 0);
    VO_CHECK_INT(BELOW("/v/", "/v/"), VO_OK);
    VO_CHECK_UINT(rest.len, 0);
    VO_CHECK_INT(BELOW("/demo/master.m3u8", ""), VO_OK);
    VO_CHECK_MEM(rest.data, rest.len, "demo/master.m3u8");

    /* one object, one URL: "/vdemo/..." is not "/v/demo/..." */
    VO_CHECK_INT(BELOW("/vdemo/master.m3u8", "/v"), VO_NOT_FOUND);
    VO_CHECK_INT(BELOW("/v", "/v"), VO_NOT_FOUND);
    VO_CHECK_INT(BELOW("/w/demo/master.m3u8", "/v/"), VO_NOT_FOUND);
    VO_CHECK_INT(BELOW("/v", "/v/"), VO_NOT_FOUND);
    VO_CHECK_INT(BELOW("demo", ""), VO_NOT_FOUND);

#undef BELOW
}


int
main(void)
{
    test_valid();
    test_bad_request();
    test_not_found();
    test_canonical();
    test_id_valid();
    test_request_check();
    test_keys();
    test_below();

    free(last_copy);

    VO_TEST_DONE("test_path");
}
