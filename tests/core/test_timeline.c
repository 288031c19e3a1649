/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The segment timeline: exact frame ranges at 30 and 29.97 fps and for
 * AAC at 44.1 and 48 kHz, segments that tile the tracks with no gap or
 * overlap, the short last segment, and extreme valid descriptions.
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


/*
 * Checks the timeline of m against its definition, by cross
 * multiplication rather than by the formula under test:
 *   - the segments tile the frames: contiguous, summing to the total;
 *   - each holds exactly the frames presented in its window;
 *   - none is empty.
 */
static void
check_timeline(const vo_media_t *m, const char *what)
{
    uint32_t    n, i, count;
    uint64_t    first, next, total, lo, hi, bad;

    bad = 0;
    next = 0;

    for (n = 0; n < m->segment_count; n++) {
        vo_video_segment(m, n, &first, &count);

        lo = (uint64_t) n * m->segment_ms;
        hi = lo + m->segment_ms < m->duration_ms ? lo + m->segment_ms
                                                 : m->duration_ms;

        /* frame f is in [lo, hi) ms iff lo <= f*den*1000/num < hi */
        if (first != next || count == 0
            || first * m->fps_den * 1000 < lo * m->fps_num
            || (first && (first - 1) * m->fps_den * 1000 >= lo * m->fps_num)
            || (first + count - 1) * m->fps_den * 1000 >= hi * m->fps_num
            || (first + count) * m->fps_den * 1000 < hi * m->fps_num)
        {
            if (bad++ == 0) {
                fprintf(stderr, "%s: video segment %u: %llu+%u\n", what, n,
                        (unsigned long long) first, count);
            }
        }

        next = first + count;
    }

    total = vo_video_frame_count(m);
    VO_TEST_RESULT(bad == 0 && next == total, "%s: video timeline", what);

    for (i = 0; i < m->naudio; i++) {
        const vo_audio_t  *a = &m->audio[i];

        bad = 0;
        next = 0;

        for (n = 0; n < m->segment_count; n++) {
            vo_audio_segment(m, a, n, &first, &count);

            lo = (uint64_t) n * m->segment_ms;
            hi = lo + m->segment_ms < m->duration_ms ? lo + m->segment_ms
                                                     : m->duration_ms;

            if (first != next || count == 0
                || first * 1024 * 1000 < lo * a->sample_rate
                || (first && (first - 1) * 1024000 >= lo * a->sample_rate)
                || (first + count - 1) * 1024000 >= hi * a->sample_rate
                || (first + count) * 1024000 < hi * a->sample_rate)
            {
                if (bad++ == 0) {
                    fprintf(stderr, "%s: audio segment %u: %llu+%u\n", what,
                            n, (unsigned long long) first, count);
                }
            }

            next = first + count;
        }

        total = vo_audio_frame_count(m, a);
        VO_TEST_RESULT(bad == 0 && next == total, "%s: audio timeline",
                       what);
    }

    /* past the end: empty, at the end */
    vo_video_segment(m, m->segment_count, &first, &count);
    VO_TEST_RESULT(count == 0 && first == vo_video_frame_count(m),
                   "%s: segment past the end", what);
}


static void
test_timeline(void)
{
    int          i;
    u_char      *data;
    size_t       len;
    uint32_t     count;
    uint64_t     first;
    vo_media_t   m;
    const char  *err;

    for (i = 0; files[i]; i++) {
        data = vo_test_read_file(files[i], &len);
        if (data && vo_media_parse(data, len, &m, &err) == VO_OK) {
            check_timeline(&m, files[i]);
        }
        free(data);
    }

    /* demo: 30 fps, 6 s: 180 frames each, 3000 ticks of 90 kHz */
    VO_CHECK_INT(vo_media_parse(demo, demo_len, &m, NULL), VO_OK);
    VO_CHECK_UINT(vo_video_frame_count(&m), 1800);
    VO_CHECK_UINT(vo_video_frame_ticks(&m), 3000);
    vo_video_segment(&m, 0, &first, &count);
    VO_CHECK(first == 0 && count == 180);
    vo_video_segment(&m, 9, &first, &count);
    VO_CHECK(first == 1620 && count == 180);

    /* 48 kHz AAC: 6 s is 281.25 frames: 282, 281, 281, 281, 282, ... */
    VO_CHECK_UINT(vo_audio_frame_count(&m, &m.audio[0]), 2813);
    vo_audio_segment(&m, &m.audio[0], 0, &first, &count);
    VO_CHECK(first == 0 && count == 282);
    vo_audio_segment(&m, &m.audio[0], 1, &first, &count);
    VO_CHECK(first == 282 && count == 281);
    vo_audio_segment(&m, &m.audio[0], 3, &first, &count);
    VO_CHECK(first == 844 && count == 281);
    vo_audio_segment(&m, &m.audio[0], 4, &first, &count);
    VO_CHECK(first == 1125 && count == 282);

    /* 29.97: 6 s is 179.82 frames; segment 5 is the first with 179 */
    data = vo_test_read_file(DATA "ntsc.json", &len);
    VO_CHECK_INT(vo_media_parse(data, len, &m, &err), VO_OK);
    free(data);
    VO_CHECK_UINT(vo_video_frame_ticks(&m), 1001);
    VO_CHECK_UINT(vo_video_frame_count(&m), 1874);
    vo_video_segment(&m, 0, &first, &count);
    VO_CHECK(first == 0 && count == 180);
    vo_video_segment(&m, 4, &first, &count);
    VO_CHECK(first == 720 && count == 180);
    vo_video_segment(&m, 5, &first, &count);
    VO_CHECK(first == 900 && count == 179);
    /* the short last segment: 60 s to 62.5 s */
    vo_video_segment(&m, 10, &first, &count);
    VO_CHECK(first == 1799 && count == 75);
}


/* a last segment shorter than the gap to the next frame cannot exist */
static void
test_empty_last_segment(void)
{
    vo_media_t   m;
    const char  *err;

    VO_CHECK_INT(vo_media_parse(demo, demo_len, &m, NULL), VO_OK);

    /* 29.97 fps: frame 1799 is at 60.0267 s, nothing in [60 s, 60.003 s) */
    m.fps_num = 30000;
    m.fps_den = 1001;
    m.video_timescale = 30000;
    m.duration_ms = 60003;
    m.segment_count = 11;
    err = NULL;
    VO_CHECK_INT(vo_media_check(&m, &err), VO_BAD_DATA);
    VO_CHECK(err && strstr(err, "no video frame"));

    /* at 30 fps, frame 1800 is at exactly 60 s: one frame */
    m.fps_num = 30;
    m.fps_den = 1;
    m.video_timescale = 90000;
    m.duration_ms = 60001;
    m.naudio = 0;
    VO_CHECK_INT(vo_media_check(&m, &err), VO_OK);

    /* 48 kHz AAC: frame 2813 starts at 60.0107 s, outside [60, 60.001) */
    m.naudio = 1;
    err = NULL;
    VO_CHECK_INT(vo_media_check(&m, &err), VO_BAD_DATA);
    VO_CHECK(err && strstr(err, "no audio frame"));

    m.duration_ms = 60011;
    VO_CHECK_INT(vo_media_check(&m, &err), VO_OK);

    /* the packager's way out: drop the sliver */
    m.duration_ms = 60010;
    vo_media_fit_duration(&m);
    VO_CHECK_UINT(m.duration_ms, 60000);
    VO_CHECK_UINT(m.segment_count, 10);
    VO_CHECK_INT(vo_media_check(&m, &err), VO_OK);

    m.duration_ms = 60011;
    vo_media_fit_duration(&m);
    VO_CHECK_UINT(m.duration_ms, 60011);
    VO_CHECK_UINT(m.segment_count, 11);

    m.duration_ms = 59999;
    vo_media_fit_duration(&m);
    VO_CHECK_UINT(m.duration_ms, 59999);
    VO_CHECK_UINT(m.segment_count, 10);
}


/* extreme but valid descriptions: 7 days at 240 fps, 1 fps, 1 s segments */
static void
test_timeline_extremes(void)
{
    static const uint32_t  rates[][3] = {
        /* fps_num, fps_den, video_timescale */
        { 240000, 1000, 240 },
        { 30000, 1001, 30000 },
        { 24000, 1001, 24000 },
        { 60000, 1001, 60000 },
        { 1, 1, 1 },
        { 25, 1, 90000 },
        { 240000, 1001, 240000 },
    };
    static const uint64_t  durations[] = {
        1, 999, 1000, 1001, 5999, 6000, 6001, 86399999,
        7ULL * 24 * 3600 * 1000
    };
    static const uint32_t  segments[] = { 1000, 2000, 6000, 60000 };

    size_t       r, d, s;
    vo_media_t   m;
    const char  *err;
    char         what[128];
    unsigned     checked;

    VO_CHECK_INT(vo_media_parse(demo, demo_len, &m, NULL), VO_OK);
    m.audio[0].sample_rate = 44100;
    checked = 0;

    for (r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
        for (d = 0; d < sizeof(durations) / sizeof(durations[0]); d++) {
            for (s = 0; s < sizeof(segments) / sizeof(segments[0]); s++) {
                m.fps_num = rates[r][0];
                m.fps_den = rates[r][1];
                m.video_timescale = rates[r][2];
                m.duration_ms = durations[d];
                m.segment_ms = segments[s];
                m.segment_count = (uint32_t) ((m.duration_ms + m.segment_ms
                                               - 1) / m.segment_ms);

                /* some have an empty last segment: those are refused,
                 * the rest must tile exactly */
                if (vo_media_check(&m, &err) != VO_OK) {
                    VO_TEST_RESULT(strstr(err, "holds no") != NULL,
                                   "unexpected: %s", err);
                    continue;
                }

                snprintf(what, sizeof(what), "%u/%u %llu ms D=%u",
                         m.fps_num, m.fps_den,
                         (unsigned long long) m.duration_ms, m.segment_ms);
                check_timeline(&m, what);
                checked++;
            }
        }
    }

    /* most combinations are valid; make sure the loop did test them */
    VO_CHECK(checked > 150);
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

    test_timeline();
    test_empty_last_segment();
    test_timeline_extremes();

    free(demo);

    VO_TEST_DONE("test_timeline");
}
