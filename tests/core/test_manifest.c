/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * HLS and DASH manifests: byte-for-byte against the golden files under
 * tests/core/golden/, plus properties the golden files cannot show on
 * their own (durations add up, bandwidth math, selection order, errors).
 *
 * VO_UPDATE_GOLDEN=1 rewrites the golden files from the current output;
 * review the diff by eye before keeping it (tests/core/check-golden.sh
 * checks the MPDs are well-formed XML).
 */

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>

#include "vo_core.h"
#include "vo_media.h"
#include "vo_manifest.h"
#include "vo_test.h"


#define DATA    "tests/core/data/"
#define GOLDEN  "tests/core/golden/"


static const char  *cases[] = { "demo", "ntsc", "noaudio", "single", "codecs",
                                NULL };

static int          update;
static vo_arena_t  *arena;


static int
load(const char *name, vo_media_t *m)
{
    char         path[256];
    u_char      *data;
    size_t       len;
    const char  *err;
    vo_status_t  rc;

    snprintf(path, sizeof(path), DATA "%s.json", name);

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


static void
golden(const char *name, const char *file, vo_buf_t *b)
{
    char     path[256];
    FILE    *f;
    u_char  *want;
    size_t   len;

    snprintf(path, sizeof(path), GOLDEN "%s", name);

    if (update) {
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            VO_TEST_RESULT(0, "mkdir %s", path);
            return;
        }

        snprintf(path, sizeof(path), GOLDEN "%s/%s", name, file);
        f = fopen(path, "wb");
        VO_TEST_RESULT(f != NULL
                       && fwrite(b->start, 1, vo_buf_len(b), f)
                          == vo_buf_len(b)
                       && fclose(f) == 0,
                       "cannot write %s", path);
        return;
    }

    snprintf(path, sizeof(path), GOLDEN "%s/%s", name, file);
    want = vo_test_read_file(path, &len);

    VO_TEST_RESULT(want != NULL && len == vo_buf_len(b)
                   && memcmp(want, b->start, len) == 0,
                   "%s differs from the generated output "
                   "(VO_UPDATE_GOLDEN=1 rewrites it):\n%.*s", path,
                   (int) vo_buf_len(b), (const char *) b->start);
    free(want);
}


/* every manifest of one media description, against its golden file */
static void
test_golden(const char *name)
{
    char            file[64];
    uint32_t        i;
    vo_buf_t        b;
    vo_str_t        r;
    vo_media_t      m;
    vo_status_t     rc;
    vo_selection_t  sel;

    if (!load(name, &m)) {
        return;
    }

    /* no device policy: every H.264 rendition */
    VO_CHECK_INT(vo_select(&m, NULL, VO_FORMAT_FMP4, &sel), VO_OK);

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_media_write(&m, &b), VO_OK);
    golden(name, "media.json", &b);

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    rc = vo_hls_master(&m, &sel, VO_FORMAT_FMP4, &b);

    if (m.formats & VO_FORMAT_FMP4) {
        VO_CHECK_INT(rc, VO_OK);
        golden(name, "master.m3u8", &b);

    } else {
        VO_CHECK_INT(rc, VO_NOT_FOUND);
    }

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_select(&m, NULL, VO_FORMAT_TS, &sel), VO_OK);
    rc = vo_hls_master(&m, &sel, VO_FORMAT_TS, &b);

    if (m.formats & VO_FORMAT_TS) {
        VO_CHECK_INT(rc, VO_OK);
        golden(name, "master-ts.m3u8", &b);

    } else {
        VO_CHECK_INT(rc, VO_NOT_FOUND);
    }

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_select(&m, NULL, VO_FORMAT_FMP4, &sel), VO_OK);
    rc = vo_dash_mpd(&m, &sel, &b);

    if (m.formats & VO_FORMAT_FMP4) {
        VO_CHECK_INT(rc, VO_OK);
        golden(name, "manifest.mpd", &b);

    } else {
        VO_CHECK_INT(rc, VO_NOT_FOUND);
    }

    for (i = 0; i < m.nvideo + m.naudio; i++) {
        r.data = (const u_char *) (i < m.nvideo ? m.video[i].name
                                             : m.audio[i - m.nvideo].name);
        r.len = strlen((const char *) r.data);

        vo_buf_init(&b, vo_arena_alloc(arena), 0);
        rc = vo_hls_media(&m, &r, VO_FORMAT_FMP4, NULL, &b);

        if (m.formats & VO_FORMAT_FMP4) {
            VO_CHECK_INT(rc, VO_OK);
            snprintf(file, sizeof(file), "%s-index.m3u8", r.data);
            golden(name, file, &b);

        } else {
            VO_CHECK_INT(rc, VO_NOT_FOUND);
        }

        vo_buf_init(&b, vo_arena_alloc(arena), 0);
        rc = vo_hls_media(&m, &r, VO_FORMAT_TS, NULL, &b);

        if ((m.formats & VO_FORMAT_TS) && i < m.nvideo
            && vo_codec_family(m.video[i].codec) == VO_CODEC_AVC)
        {
            VO_CHECK_INT(rc, VO_OK);
            snprintf(file, sizeof(file), "%s-index-ts.m3u8", r.data);
            golden(name, file, &b);

        } else {
            VO_CHECK_INT(rc, VO_NOT_FOUND);
        }
    }
}


/* the multivariant playlist of the brief, written out by hand: the golden
 * file must not be the only thing that says what is right */
static void
test_demo_master(void)
{
    vo_buf_t        b;
    vo_media_t      m;
    vo_selection_t  sel;

    static const char  want[] =
        "#EXTM3U\n"
        "#EXT-X-VERSION:7\n"
        "#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"aac\","
        "DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"2\",URI=\"aac/index.m3u8\"\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=5734000,AVERAGE-BANDWIDTH=3234000,"
        "CODECS=\"avc1.640028,mp4a.40.2\",RESOLUTION=1920x1080,"
        "FRAME-RATE=30.000,AUDIO=\"audio\"\n"
        "1080p/index.m3u8\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=1034000,AVERAGE-BANDWIDTH=654000,"
        "CODECS=\"avc1.64001e,mp4a.40.2\",RESOLUTION=640x360,"
        "FRAME-RATE=30.000,AUDIO=\"audio\"\n"
        "360p/index.m3u8\n";

    static const char  want_ts[] =
        "#EXTM3U\n"
        "#EXT-X-VERSION:3\n"
        "#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=6192720,AVERAGE-BANDWIDTH=3492720,"
        "CODECS=\"avc1.640028,mp4a.40.2\",RESOLUTION=1920x1080,"
        "FRAME-RATE=30.000\n"
        "1080p/index-ts.m3u8\n";

    static const char  want_media[] =
        "#EXTM3U\n"
        "#EXT-X-VERSION:7\n"
        "#EXT-X-TARGETDURATION:6\n"
        "#EXT-X-MEDIA-SEQUENCE:0\n"
        "#EXT-X-PLAYLIST-TYPE:VOD\n"
        "#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-MAP:URI=\"init.mp4\"\n"
        "#EXTINF:6.000,\n0.m4s\n#EXTINF:6.000,\n1.m4s\n"
        "#EXTINF:6.000,\n2.m4s\n#EXTINF:6.000,\n3.m4s\n"
        "#EXTINF:6.000,\n4.m4s\n#EXTINF:6.000,\n5.m4s\n"
        "#EXTINF:6.000,\n6.m4s\n#EXTINF:6.000,\n7.m4s\n"
        "#EXTINF:6.000,\n8.m4s\n#EXTINF:6.000,\n9.m4s\n"
        "#EXT-X-ENDLIST\n";

    vo_str_t  r720 = vo_string("720p");

    if (!load("demo", &m)) {
        return;
    }

    /* selection order is the order of the variants */
    memset(&sel, 0, sizeof(vo_selection_t));
    sel.nvideo = 2;
    sel.video[0] = 0;
    sel.video[1] = 3;

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_master(&m, &sel, VO_FORMAT_FMP4, &b), VO_OK);
    VO_CHECK_MEM(b.start, vo_buf_len(&b), want);

    sel.nvideo = 1;
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_master(&m, &sel, VO_FORMAT_TS, &b), VO_OK);
    VO_CHECK_MEM(b.start, vo_buf_len(&b), want_ts);

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_media(&m, &r720, VO_FORMAT_FMP4, NULL, &b), VO_OK);
    VO_CHECK_MEM(b.start, vo_buf_len(&b), want_media);
}


/* the lines of text that start with prefix, as one string */
static int
count_lines(vo_buf_t *b, const char *prefix)
{
    int      n;
    u_char  *p;
    size_t   plen;

    n = 0;
    plen = strlen(prefix);

    for (p = b->start; p < b->pos; p++) {
        if ((p == b->start || p[-1] == '\n')
            && (size_t) (b->pos - p) >= plen && memcmp(p, prefix, plen) == 0)
        {
            n++;
        }
    }

    return n;
}


/* EXTINF values add up to the track's real length (each rounded to the
 * millisecond, so within half a millisecond per segment) */
static void
check_extinf_sum(vo_buf_t *b, uint64_t exact_us, uint32_t nseg,
    const char *what)
{
    u_char    *p;
    uint64_t   ms, sum, diff;
    unsigned   n;

    sum = 0;
    n = 0;

    for (p = b->start; p + 8 < b->pos; p++) {
        if (memcmp(p, "#EXTINF:", 8) != 0) {
            continue;
        }

        p += 8;
        ms = 0;

        while (*p != ',') {
            if (*p != '.') {
                ms = ms * 10 + (uint64_t) (*p - '0');
            }
            p++;
        }

        sum += ms;
        n++;
    }

    diff = sum * 1000 > exact_us ? sum * 1000 - exact_us
                                 : exact_us - sum * 1000;

    VO_TEST_RESULT(n == nseg && diff <= 500ULL * nseg,
                   "%s: %u EXTINF summing to %llu ms, exact %llu us", what,
                   n, (unsigned long long) sum,
                   (unsigned long long) exact_us);
}


static void
test_ntsc(void)
{
    vo_buf_t     b;
    vo_str_t     r = vo_string("720p"), a = vo_string("aac_en");
    vo_media_t   m;
    uint64_t     us;

    if (!load("ntsc", &m)) {
        return;
    }

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_media(&m, &r, VO_FORMAT_FMP4, NULL, &b), VO_OK);

    /* 180 frames: 6.006 s; 179: 5.9726 -> 5.973; last 75: 2.5025 ->
     * 2.503 (half up) */
    VO_CHECK(strstr((char *) b.start, "#EXTINF:6.006,\n0.m4s\n") != NULL);
    VO_CHECK(strstr((char *) b.start, "#EXTINF:5.973,\n5.m4s\n") != NULL);
    VO_CHECK(strstr((char *) b.start, "#EXTINF:2.503,\n10.m4s\n") != NULL);
    VO_CHECK(strstr((char *) b.start, "#EXT-X-TARGETDURATION:6\n") != NULL);
    VO_CHECK_INT(count_lines(&b, "#EXTINF:"), 11);

    us = vo_video_frame_count(&m) * 1001 * 1000000 / 30000;
    check_extinf_sum(&b, us, 11, "ntsc video");

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_media(&m, &a, VO_FORMAT_FMP4, NULL, &b), VO_OK);
    us = vo_audio_frame_count(&m, &m.audio[0]) * 1024 * 1000000 / 44100;
    check_extinf_sum(&b, us, 11, "ntsc audio");
}


static void
test_master_details(void)
{
    vo_buf_t        b;
    vo_media_t      m;
    vo_selection_t  sel;

    if (!load("ntsc", &m)) {
        return;
    }

    vo_selection_all(&m, &sel);
    VO_CHECK_UINT(sel.nvideo, 2);

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_master(&m, &sel, VO_FORMAT_FMP4, &b), VO_OK);

    VO_CHECK(strstr((char *) b.start, "FRAME-RATE=29.970,") != NULL);
    VO_CHECK(strstr((char *) b.start, "NAME=\"en\",LANGUAGE=\"en\","
                    "DEFAULT=YES,") != NULL);
    VO_CHECK(strstr((char *) b.start, "NAME=\"fr\",LANGUAGE=\"fr\","
                    "DEFAULT=NO,") != NULL);
    /* peak: video + the largest audio; one codec listed once */
    VO_CHECK(strstr((char *) b.start, "BANDWIDTH=3534000,AVERAGE-BANDWIDTH="
                    "2034000,CODECS=\"avc1.64001f,mp4a.40.2\"") != NULL);
    VO_CHECK_INT(count_lines(&b, "#EXT-X-MEDIA:"), 2);
    VO_CHECK_INT(count_lines(&b, "#EXT-X-STREAM-INF:"), 2);

    /* two tracks in one language: NAME falls back to the unique name */
    strcpy(m.audio[1].lang, "en");
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_master(&m, &sel, VO_FORMAT_FMP4, &b), VO_OK);
    VO_CHECK(strstr((char *) b.start, "NAME=\"aac_en\",LANGUAGE=\"en\"")
             != NULL);
    VO_CHECK(strstr((char *) b.start, "NAME=\"aac_fr\",LANGUAGE=\"en\"")
             != NULL);

    /* different audio codecs are all listed */
    strcpy(m.audio[1].codec, "ac-3");
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_master(&m, &sel, VO_FORMAT_FMP4, &b), VO_OK);
    VO_CHECK(strstr((char *) b.start, "CODECS=\"avc1.64001f,mp4a.40.2,ac-3\"")
             != NULL);

    /* no audio: no group, no AUDIO attribute, only the video codec */
    if (!load("noaudio", &m)) {
        return;
    }

    vo_selection_all(&m, &sel);
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_master(&m, &sel, VO_FORMAT_FMP4, &b), VO_OK);
    VO_CHECK(strstr((char *) b.start, "EXT-X-MEDIA") == NULL);
    VO_CHECK(strstr((char *) b.start, "AUDIO") == NULL);
    VO_CHECK(strstr((char *) b.start, "CODECS=\"avc1.64001f\"") != NULL);

    /* TS without audio: video * 1.08 */
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_master(&m, &sel, VO_FORMAT_TS, &b), VO_OK);
    VO_CHECK(strstr((char *) b.start, "BANDWIDTH=3672000,AVERAGE-BANDWIDTH="
                    "2052000,CODECS=\"avc1.64001f\"") != NULL);
}


/* EXT-X-TARGETDURATION is the largest EXTINF rounded to nearest */
static void
test_target_duration(void)
{
    vo_buf_t    b;
    vo_str_t    v = vo_string("720p"), a = vo_string("aac");
    vo_media_t  m;

    if (!load("demo", &m)) {
        return;
    }

    /* 6.5 s segments: 7, not 6 (truncated) */
    m.segment_ms = 6500;
    m.duration_ms = 65000;
    m.segment_count = 10;
    VO_CHECK_INT(vo_media_check(&m, NULL), VO_OK);

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_media(&m, &v, VO_FORMAT_FMP4, NULL, &b), VO_OK);
    VO_CHECK(strstr((char *) b.start, "#EXT-X-TARGETDURATION:7\n") != NULL);
    VO_CHECK(strstr((char *) b.start, "#EXTINF:6.500,\n0.m4s\n") != NULL);

    /* 6.4 s: 6 */
    m.segment_ms = 6400;
    m.duration_ms = 64000;
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_media(&m, &v, VO_FORMAT_FMP4, NULL, &b), VO_OK);
    VO_CHECK(strstr((char *) b.start, "#EXT-X-TARGETDURATION:6\n") != NULL);

    /* audio is measured on its own frames: 6.4 s at 48 kHz is 300
     * frames, 6.400 s exactly; at 44.1 kHz 276 frames, 6.409 s */
    m.audio[0].sample_rate = 44100;
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_media(&m, &a, VO_FORMAT_FMP4, NULL, &b), VO_OK);
    VO_CHECK(strstr((char *) b.start, "#EXTINF:6.409,\n0.m4s\n") != NULL);

    /* a 1 s video never says 0 */
    m.segment_ms = 1000;
    m.duration_ms = 400;
    m.segment_count = 1;
    m.naudio = 0;
    VO_CHECK_INT(vo_media_check(&m, NULL), VO_OK);
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_media(&m, &v, VO_FORMAT_TS, NULL, &b), VO_OK);
    VO_CHECK(strstr((char *) b.start, "#EXT-X-TARGETDURATION:1\n") != NULL);
    VO_CHECK(strstr((char *) b.start, "#EXTINF:0.400,\n0.ts\n") != NULL);
}


static void
test_dash_details(void)
{
    char            *p;
    vo_buf_t         b;
    uint64_t         t, d, r, next, total;
    vo_media_t       m;
    vo_selection_t   sel;

    if (!load("ntsc", &m)) {
        return;
    }

    vo_selection_all(&m, &sel);
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_dash_mpd(&m, &sel, &b), VO_OK);
    vo_buf_append(&b, "", 1);

    VO_CHECK(strstr((char *) b.start, "frameRate=\"30000/1001\"") != NULL);
    VO_CHECK(strstr((char *) b.start, "mediaPresentationDuration=\"PT62.500S\"")
             != NULL);
    VO_CHECK(strstr((char *) b.start, " par=\"16:9\"") != NULL);

    /* the video SegmentTimeline covers every frame exactly once: the
     * first S has t, later ones follow on, and d * (r + 1) add up */
    p = strstr((char *) b.start, "<SegmentTimeline>");
    VO_CHECK(p != NULL);
    next = 0;
    total = 0;

    while (p && (p = strstr(p, "<S ")) != NULL
           && p < strstr((char *) b.start, "</SegmentTimeline>"))
    {
        t = next;
        r = 0;

        if (strncmp(p, "<S t=\"", 6) == 0) {
            t = strtoull(p + 6, NULL, 10);
            VO_CHECK(total == 0);
        }

        d = strtoull(strstr(p, "d=\"") + 3, NULL, 10);

        if (strstr(p, " r=\"") && strstr(p, " r=\"") < strstr(p, "/>")) {
            r = strtoull(strstr(p, " r=\"") + 4, NULL, 10);
        }

        VO_CHECK(t == next);
        next = t + d * (r + 1);
        total += r + 1;
        p++;
    }

    VO_CHECK_UINT(total, 11);
    VO_CHECK_UINT(next, vo_video_frame_count(&m) * 1001);

    /* @par is left out when the renditions disagree on it (854x480) */
    if (!load("demo", &m)) {
        return;
    }

    vo_selection_all(&m, &sel);
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_dash_mpd(&m, &sel, &b), VO_OK);
    vo_buf_append(&b, "", 1);
    VO_CHECK(strstr((char *) b.start, " par=") == NULL);
    VO_CHECK(strstr((char *) b.start, "maxWidth=\"1920\" maxHeight=\"1080\"")
             != NULL);
    VO_CHECK(strstr((char *) b.start,
                    "<S t=\"0\" d=\"540000\" r=\"9\"/>") != NULL);

    /* maxWidth follows the selection */
    sel.nvideo = 1;
    sel.video[0] = 4;
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_dash_mpd(&m, &sel, &b), VO_OK);
    vo_buf_append(&b, "", 1);
    VO_CHECK(strstr((char *) b.start, "maxWidth=\"426\" maxHeight=\"240\""
                    " frameRate=\"30\" par=\"71:40\"") != NULL);
    VO_CHECK(strstr((char *) b.start, "id=\"1080p\"") == NULL);

    /* codec and lang go through the XML escaper */
    strcpy(m.audio[0].codec, "a&b");
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_dash_mpd(&m, &sel, &b), VO_OK);
    vo_buf_append(&b, "", 1);
    VO_CHECK(strstr((char *) b.start, "codecs=\"a&amp;b\"") != NULL);
}


/* a pool that gives up after n allocations */
typedef struct {
    int  left;
} test_limit_t;


static void *
test_limited_alloc(void *data, size_t size)
{
    test_limit_t  *l = data;
    vo_alloc_t    *al;

    if (l->left-- <= 0) {
        return NULL;
    }

    al = vo_arena_alloc(arena);

    return al->alloc(al->data, size);
}


static void
test_errors(void)
{
    int             n, ok;
    vo_buf_t        b;
    vo_str_t        r = vo_string("nope"), a = vo_string("aac");
    vo_alloc_t      limited;
    vo_media_t      m;
    test_limit_t    lim;
    vo_selection_t  sel;

    if (!load("demo", &m)) {
        return;
    }

    vo_buf_init(&b, vo_arena_alloc(arena), 0);

    memset(&sel, 0, sizeof(vo_selection_t));
    sel.nvideo = 0;
    VO_CHECK_INT(vo_hls_master(&m, &sel, VO_FORMAT_FMP4, &b), VO_ERROR);
    VO_CHECK_INT(vo_dash_mpd(&m, &sel, &b), VO_ERROR);
    sel.nvideo = 1;
    sel.video[0] = 5;
    VO_CHECK_INT(vo_hls_master(&m, &sel, VO_FORMAT_FMP4, &b), VO_ERROR);
    VO_CHECK_INT(vo_selection_check(&m, &sel), VO_ERROR);
    sel.nvideo = 2;
    sel.video[0] = 1;
    sel.video[1] = 1;
    VO_CHECK_INT(vo_selection_check(&m, &sel), VO_ERROR);
    sel.nvideo = 6;
    VO_CHECK_INT(vo_selection_check(&m, &sel), VO_ERROR);
    vo_selection_all(&m, &sel);
    VO_CHECK_INT(vo_selection_check(&m, &sel), VO_OK);

    VO_CHECK_INT(vo_hls_master(&m, &sel, 0, &b), VO_ERROR);
    VO_CHECK_INT(vo_hls_master(&m, &sel, 3, &b), VO_ERROR);
    VO_CHECK_INT(vo_hls_media(&m, &r, VO_FORMAT_FMP4, NULL, &b), VO_NOT_FOUND);
    VO_CHECK_INT(vo_hls_media(&m, &a, VO_FORMAT_TS, NULL, &b), VO_NOT_FOUND);
    VO_CHECK_INT(vo_hls_media(&m, &a, 3, NULL, &b), VO_ERROR);

    /* every allocation failure point gives VO_ERROR, never a short
     * manifest with VO_OK */
    limited.alloc = test_limited_alloc;
    limited.data = &lim;
    ok = 1;

    for (n = 0; n < 6; n++) {
        lim.left = n;
        vo_buf_init(&b, &limited, 16);
        if (vo_dash_mpd(&m, &sel, &b) != VO_ERROR) {
            ok = 0;
        }

        lim.left = n;
        vo_buf_init(&b, &limited, 16);
        if (vo_hls_master(&m, &sel, VO_FORMAT_FMP4, &b) != VO_ERROR) {
            ok = 0;
        }

        lim.left = n;
        vo_buf_init(&b, &limited, 16);
        if (vo_hls_media(&m, &a, VO_FORMAT_FMP4, NULL, &b) != VO_ERROR) {
            ok = 0;
        }
    }

    VO_CHECK(ok);
}


/* same input, same bytes: manifest ETags depend on it */
/* names of the selected renditions, comma-separated, with their ranks */
static void
selected(const vo_media_t *m, const vo_selection_t *sel, char *out,
    size_t size)
{
    size_t    len;
    uint32_t  i;

    out[0] = '\0';
    len = 0;

    for (i = 0; i < sel->nvideo && len < size; i++) {
        len += snprintf(out + len, size - len, "%s%s:%u", i ? "," : "",
                        m->video[sel->video[i]].name, sel->rank[i]);
    }
}


#define CHECK_SELECT(pol, fmt, want, want_ranked)                             \
    do {                                                                     \
        VO_CHECK_INT(vo_select(&m, pol, fmt, &sel), VO_OK);                  \
        selected(&m, &sel, got, sizeof(got));                                \
        VO_TEST_RESULT(strcmp(got, want) == 0, "selected %s, want %s",       \
                       got, want);                                           \
        VO_CHECK_UINT(sel.ranked, want_ranked);                              \
        VO_CHECK_INT(vo_selection_check(&m, &sel), VO_OK);                   \
    } while (0)


/* device policies: codec order, limits, the H.264 fallback, TS */
static void
test_select(void)
{
    char            got[256];
    vo_buf_t        b;
    vo_media_t      m;
    vo_policy_t     p;
    vo_selection_t  sel;

    if (!load("codecs", &m)) {
        return;
    }

    VO_CHECK_UINT(vo_codec_family("avc1.640028"), VO_CODEC_AVC);
    VO_CHECK_UINT(vo_codec_family("avc3.640028"), VO_CODEC_AVC);
    VO_CHECK_UINT(vo_codec_family("hev1.1.6.L93.B0"), VO_CODEC_HEVC);
    VO_CHECK_UINT(vo_codec_family("av01.0.05M.08"), VO_CODEC_AV1);
    VO_CHECK_UINT(vo_codec_family("avc1"), 0);
    VO_CHECK_UINT(vo_codec_family("vp09.00.10.08"), 0);
    VO_CHECK_UINT(vo_codec_family_parse((const u_char *) "hvc1", 4),
                  VO_CODEC_HEVC);
    VO_CHECK_UINT(vo_codec_family_parse((const u_char *) "hvc", 3), 0);

    /* no policy: H.264 only, highest first, whatever else exists */
    CHECK_SELECT(NULL, VO_FORMAT_FMP4, "1080p:0,720p:0,360p:0", 0);
    CHECK_SELECT(NULL, VO_FORMAT_TS, "1080p:0,720p:0,360p:0", 0);

    memset(&p, 0, sizeof(vo_policy_t));
    p.format = VO_FORMAT_FMP4;
    p.ncodecs = 2;
    p.codecs[0] = VO_CODEC_AV1;
    p.codecs[1] = VO_CODEC_AVC;
    p.max_height = 1080;
    CHECK_SELECT(&p, VO_FORMAT_FMP4,
                 "720p-av1:0,360p-av1:0,1080p:1,720p:1,360p:1", 1);

    /* TS: H.264 only, unranked */
    CHECK_SELECT(&p, VO_FORMAT_TS, "1080p:0,720p:0,360p:0", 0);

    /* H.264 not listed: last; limits apply to every family */
    p.ncodecs = 2;
    p.codecs[0] = VO_CODEC_HEVC;
    p.codecs[1] = VO_CODEC_AV1;
    p.max_height = 720;
    p.max_bitrate = 2000000;
    CHECK_SELECT(&p, VO_FORMAT_FMP4,
                 "360p-hevc:0,720p-av1:1,360p-av1:1,360p:2", 1);

    /* limits that leave no H.264: the smallest H.264 anyway */
    p.ncodecs = 1;
    p.codecs[0] = VO_CODEC_AVC;
    p.max_height = 240;
    p.max_bitrate = 0;
    CHECK_SELECT(&p, VO_FORMAT_FMP4, "360p:0", 0);

    p.ncodecs = 2;
    p.codecs[0] = VO_CODEC_AVC;
    p.codecs[1] = VO_CODEC_AV1;
    p.max_height = 0;
    p.max_bitrate = 600000;
    CHECK_SELECT(&p, VO_FORMAT_FMP4, "360p-av1:1,360p:0", 1);

    /* a family the video lacks is simply absent */
    memset(&p, 0, sizeof(vo_policy_t));
    p.ncodecs = 2;
    p.codecs[0] = VO_CODEC_AV1;
    p.codecs[1] = VO_CODEC_AVC;
    VO_CHECK(load("demo", &m));
    CHECK_SELECT(&p, VO_FORMAT_FMP4,
                 "1080p:1,720p:1,480p:1,360p:1,240p:1", 0);

    /* the manifests of a ranked selection, against golden files and by
     * hand: SCORE per variant, one DASH video set per family */
    VO_CHECK(load("codecs", &m));
    p.ncodecs = 3;
    p.codecs[0] = VO_CODEC_AV1;
    p.codecs[1] = VO_CODEC_HEVC;
    p.codecs[2] = VO_CODEC_AVC;
    p.max_height = 720;
    CHECK_SELECT(&p, VO_FORMAT_FMP4, "720p-av1:0,360p-av1:0,720p-hevc:1,"
                 "360p-hevc:1,720p:2,360p:2", 1);

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_hls_master(&m, &sel, VO_FORMAT_FMP4, &b), VO_OK);
    golden("codecs", "master.tablet.m3u8", &b);
    vo_buf_append(&b, "", 1);               /* NUL: strstr */
    VO_CHECK(strstr((char *) b.start, "CODECS=\"av01.0.05M.08,mp4a.40.2\","
                    "RESOLUTION=1280x720,FRAME-RATE=30.000,SCORE=3,"
                    "AUDIO=\"audio\"\n720p-av1/index.m3u8\n") != NULL);
    VO_CHECK(strstr((char *) b.start, "SCORE=2,AUDIO=\"audio\"\n"
                    "360p-hevc/index.m3u8\n") != NULL);
    VO_CHECK(strstr((char *) b.start, "SCORE=1,AUDIO=\"audio\"\n"
                    "360p/index.m3u8\n") != NULL);

    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_dash_mpd(&m, &sel, &b), VO_OK);
    golden("codecs", "manifest.tablet.mpd", &b);
    vo_buf_append(&b, "", 1);
    VO_CHECK(strstr((char *) b.start, "<AdaptationSet id=\"0\"") != NULL);
    VO_CHECK(strstr((char *) b.start, "<AdaptationSet id=\"5\"") != NULL);
    VO_CHECK(strstr((char *) b.start, "<AdaptationSet id=\"6\"") != NULL);
    VO_CHECK(strstr((char *) b.start, " selectionPriority=\"3\">") != NULL);
    VO_CHECK(strstr((char *) b.start, " selectionPriority=\"1\">") != NULL);

    /* a TS master never lists HEVC or AV1, whatever the selection */
    vo_buf_init(&b, vo_arena_alloc(arena), 0);
    VO_CHECK_INT(vo_select(&m, &p, VO_FORMAT_TS, &sel), VO_OK);
    VO_CHECK_INT(vo_hls_master(&m, &sel, VO_FORMAT_TS, &b), VO_OK);
    vo_buf_append(&b, "", 1);               /* NUL: strstr */
    VO_CHECK(strstr((char *) b.start, "hvc1") == NULL);
    VO_CHECK(strstr((char *) b.start, "av01") == NULL);
    VO_CHECK(strstr((char *) b.start, "SCORE") == NULL);
}


static void
test_deterministic(void)
{
    vo_buf_t        b1, b2;
    vo_media_t      m, m2;
    vo_selection_t  sel;

    if (!load("ntsc", &m)) {
        return;
    }

    /* a copy with garbage in the unused slots still gives the same */
    m2 = m;
    memset(&m2.video[m2.nvideo], 0x5a,
           sizeof(m2.video) - m2.nvideo * sizeof(vo_video_t));

    vo_selection_all(&m, &sel);
    vo_buf_init(&b1, vo_arena_alloc(arena), 0);
    vo_buf_init(&b2, vo_arena_alloc(arena), 7);
    VO_CHECK_INT(vo_dash_mpd(&m, &sel, &b1), VO_OK);
    VO_CHECK_INT(vo_dash_mpd(&m2, &sel, &b2), VO_OK);
    VO_CHECK(vo_buf_len(&b1) == vo_buf_len(&b2)
             && memcmp(b1.start, b2.start, vo_buf_len(&b1)) == 0);
}


int
main(void)
{
    int  i;

    update = getenv("VO_UPDATE_GOLDEN") != NULL
             && strcmp(getenv("VO_UPDATE_GOLDEN"), "1") == 0;

    arena = vo_arena_create();
    if (arena == NULL) {
        return 2;
    }

    for (i = 0; cases[i]; i++) {
        test_golden(cases[i]);
    }

    test_demo_master();
    test_ntsc();
    test_master_details();
    test_target_duration();
    test_dash_details();
    test_errors();
    test_deterministic();
    test_select();

    vo_arena_free(arena);

    if (update) {
        printf("golden files rewritten under " GOLDEN ": review the diff\n");
    }

    VO_TEST_DONE("test_manifest");
}
