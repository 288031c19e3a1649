/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * DASH static MPD (ISO/IEC 23009-1), isoff-live profile: one Period, one
 * video AdaptationSet and one per audio track, each with a
 * SegmentTemplate and an exact SegmentTimeline computed from the same
 * timeline as the segments themselves (vo_video_segment(),
 * vo_audio_segment()), so every S@d is the true duration of that segment
 * in the track's own timescale.  m must have passed vo_media_check().
 */

#include <string.h>

#include "vo_manifest.h"


/* one run of equal, back-to-back segments: <S t d r/> */
typedef struct {
    uint64_t        t;
    uint64_t        d;
    uint64_t        r;
    uint64_t        next;        /* where a following segment would start */
    unsigned        open:1;      /* a run is pending */
    unsigned        started:1;   /* an S was begun: later ones may omit t */
    unsigned        with_t:1;    /* the pending S writes its t */
} vo_dash_run_t;


static void vo_dash_attr(vo_buf_t *b, const char *name, const char *value);
static void vo_dash_run_add(vo_buf_t *b, vo_dash_run_t *run, uint64_t t,
    uint64_t d);
static void vo_dash_run_flush(vo_buf_t *b, vo_dash_run_t *run);
static void vo_dash_template(vo_buf_t *b, uint64_t timescale);
static void vo_dash_video(const vo_media_t *m, const vo_selection_t *sel,
    uint32_t from, uint32_t to, uint32_t id, vo_buf_t *b);
static void vo_dash_audio(const vo_media_t *m, uint32_t i, vo_buf_t *b);
static uint64_t vo_gcd(uint64_t a, uint64_t b);


vo_status_t
vo_dash_mpd(const vo_media_t *m, const vo_selection_t *sel, vo_buf_t *b)
{
    uint32_t  i, from, nsets;

    /* DASH plays the CMAF segments; there is no TS profile here */
    if (!(m->formats & VO_FORMAT_FMP4)) {
        return VO_NOT_FOUND;
    }

    if (vo_selection_check(m, sel) != VO_OK) {
        return VO_ERROR;
    }

    nsets = 0;

    vo_buf_str(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\""
               " profiles=\"urn:mpeg:dash:profile:isoff-live:2011\""
               " type=\"static\" mediaPresentationDuration=\"PT");
    vo_buf_fixed(b, m->duration_ms, 3);
    vo_buf_str(b, "S\" minBufferTime=\"PT");
    vo_buf_fixed(b, m->segment_ms, 3);
    vo_buf_str(b, "S\">\n  <Period id=\"0\" start=\"PT0S\">\n");

    /*
     * One video set per codec family (a player does not switch codecs
     * inside a set), the class's preferred first with the highest
     * selectionPriority; audio sets are 1 to 4, so video sets after the
     * first are numbered from 5.
     */
    for (i = 0, from = 0; i < sel->nvideo; i++) {
        if (i + 1 == sel->nvideo || sel->rank[i + 1] != sel->rank[from]) {
            vo_dash_video(m, sel, from, i + 1, from ? 4 + nsets : 0, b);
            from = i + 1;
            nsets++;
        }
    }

    for (i = 0; i < m->naudio; i++) {
        vo_dash_audio(m, i, b);
    }

    vo_buf_str(b, "  </Period>\n</MPD>\n");

    return vo_buf_failed(b) ? VO_ERROR : VO_OK;
}


static void
vo_dash_video(const vo_media_t *m, const vo_selection_t *sel, uint32_t from,
    uint32_t to, uint32_t id, vo_buf_t *b)
{
    int                same;
    uint32_t           i, n, count, tpf, maxw, maxh;
    uint64_t           first, g;
    vo_dash_run_t      run;
    const vo_video_t  *v, *top;

    maxw = 0;
    maxh = 0;
    top = &m->video[sel->video[from]];
    same = 1;

    for (i = from; i < to; i++) {
        v = &m->video[sel->video[i]];

        maxw = v->width > maxw ? v->width : maxw;
        maxh = v->height > maxh ? v->height : maxh;

        /* @par on the set claims one picture aspect ratio for all */
        if ((uint64_t) v->width * top->height
            != (uint64_t) top->width * v->height)
        {
            same = 0;
        }
    }

    vo_buf_printf(b, "    <AdaptationSet id=\"%u\" contentType=\"video\""
                  " mimeType=\"video/mp4\" segmentAlignment=\"true\""
                  " startWithSAP=\"1\" maxWidth=\"%u\" maxHeight=\"%u\""
                  " frameRate=\"", id, maxw, maxh);

    g = vo_gcd(m->fps_num, m->fps_den);

    if (m->fps_den / g == 1) {
        vo_buf_printf(b, "%llu\"", (unsigned long long) (m->fps_num / g));

    } else {
        vo_buf_printf(b, "%llu/%llu\"", (unsigned long long) (m->fps_num / g),
                      (unsigned long long) (m->fps_den / g));
    }

    if (same) {
        g = vo_gcd(top->width, top->height);
        vo_buf_printf(b, " par=\"%llu:%llu\"",
                      (unsigned long long) (top->width / g),
                      (unsigned long long) (top->height / g));
    }

    if (sel->ranked) {
        vo_buf_printf(b, " selectionPriority=\"%u\"",
                      VO_CODEC_FAMILIES - sel->rank[from]);
    }

    vo_buf_str(b, ">\n");

    vo_dash_template(b, m->video_timescale);

    tpf = vo_video_frame_ticks(m);
    memset(&run, 0, sizeof(vo_dash_run_t));

    for (n = 0; n < m->segment_count; n++) {
        vo_video_segment(m, n, &first, &count);
        vo_dash_run_add(b, &run, first * tpf, (uint64_t) count * tpf);
    }

    vo_dash_run_flush(b, &run);

    vo_buf_str(b, "        </SegmentTimeline>\n"
               "      </SegmentTemplate>\n");

    for (i = from; i < to; i++) {
        v = &m->video[sel->video[i]];

        vo_buf_str(b, "      <Representation");
        vo_dash_attr(b, "id", v->name);
        vo_dash_attr(b, "codecs", v->codec);
        vo_buf_printf(b, " bandwidth=\"%u\" width=\"%u\" height=\"%u\""
                      " sar=\"1:1\"/>\n",
                      v->bandwidth, v->width, v->height);
    }

    vo_buf_str(b, "    </AdaptationSet>\n");
}


static void
vo_dash_audio(const vo_media_t *m, uint32_t i, vo_buf_t *b)
{
    uint32_t           n, count;
    uint64_t           first;
    vo_dash_run_t      run;
    const vo_audio_t  *a;

    a = &m->audio[i];

    vo_buf_printf(b, "    <AdaptationSet id=\"%u\" contentType=\"audio\""
                  " mimeType=\"audio/mp4\" segmentAlignment=\"true\""
                  " startWithSAP=\"1\"", i + 1);
    vo_dash_attr(b, "lang", a->lang);
    vo_buf_printf(b, ">\n"
                  "      <AudioChannelConfiguration schemeIdUri="
                  "\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\""
                  " value=\"%u\"/>\n", a->channels);

    /* the AAC track's timescale is its sample rate: a frame is exactly
     * VO_AAC_FRAME ticks */
    vo_dash_template(b, a->sample_rate);

    memset(&run, 0, sizeof(vo_dash_run_t));

    for (n = 0; n < m->segment_count; n++) {
        vo_audio_segment(m, a, n, &first, &count);
        vo_dash_run_add(b, &run, first * VO_AAC_FRAME,
                        (uint64_t) count * VO_AAC_FRAME);
    }

    vo_dash_run_flush(b, &run);

    vo_buf_str(b, "        </SegmentTimeline>\n"
               "      </SegmentTemplate>\n"
               "      <Representation");
    vo_dash_attr(b, "id", a->name);
    vo_dash_attr(b, "codecs", a->codec);
    vo_buf_printf(b, " bandwidth=\"%u\" audioSamplingRate=\"%u\"/>\n"
                  "    </AdaptationSet>\n", a->bandwidth, a->sample_rate);
}


static void
vo_dash_template(vo_buf_t *b, uint64_t timescale)
{
    vo_buf_printf(b, "      <SegmentTemplate timescale=\"%llu\""
                  " initialization=\"$RepresentationID$/init.mp4\""
                  " media=\"$RepresentationID$/$Number$.m4s\""
                  " startNumber=\"0\">\n"
                  "        <SegmentTimeline>\n",
                  (unsigned long long) timescale);
}


/*
 * Segments are added in order; equal durations that follow on are
 * folded into one S with r repeats.  S@t is written on the first S and
 * wherever a segment does not start where the previous one ended.
 */
static void
vo_dash_run_add(vo_buf_t *b, vo_dash_run_t *run, uint64_t t, uint64_t d)
{
    unsigned  with_t;

    if (run->open && d == run->d && t == run->next) {
        run->r++;
        run->next += d;
        return;
    }

    with_t = !run->started || t != run->next;

    vo_dash_run_flush(b, run);

    run->t = t;
    run->d = d;
    run->r = 0;
    run->next = t + d;
    run->open = 1;
    run->started = 1;
    run->with_t = with_t;
}


static void
vo_dash_run_flush(vo_buf_t *b, vo_dash_run_t *run)
{
    if (!run->open) {
        return;
    }

    vo_buf_str(b, "          <S");

    if (run->with_t) {
        vo_buf_printf(b, " t=\"%llu\"", (unsigned long long) run->t);
    }

    vo_buf_printf(b, " d=\"%llu\"", (unsigned long long) run->d);

    if (run->r) {
        vo_buf_printf(b, " r=\"%llu\"", (unsigned long long) run->r);
    }

    vo_buf_str(b, "/>\n");

    run->open = 0;
}


static void
vo_dash_attr(vo_buf_t *b, const char *name, const char *value)
{
    const char  *p;

    vo_buf_printf(b, " %s=\"", name);

    for (p = value; *p; p++) {
        switch (*p) {
        case '&':  vo_buf_str(b, "&amp;");  break;
        case '<':  vo_buf_str(b, "&lt;");   break;
        case '>':  vo_buf_str(b, "&gt;");   break;
        case '"':  vo_buf_str(b, "&quot;"); break;
        case '\'': vo_buf_str(b, "&apos;"); break;
        default:   vo_buf_append(b, p, 1);  break;
        }
    }

    vo_buf_append(b, "\"", 1);
}


static uint64_t
vo_gcd(uint64_t a, uint64_t b)
{
    uint64_t  t;

    while (b) {
        t = a % b;
        a = b;
        b = t;
    }

    return a;
}
