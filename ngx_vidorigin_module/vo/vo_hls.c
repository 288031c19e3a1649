/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * HLS playlists (RFC 8216).  m must have passed vo_media_check(), which
 * vo_media_parse() guarantees: the names, codecs and languages written
 * here unquoted were restricted there to characters that cannot end a
 * quoted-string or a line.
 *
 * Durations are exact rationals turned into milliseconds, rounded to
 * nearest, with integer arithmetic: the same media gives the same bytes
 * on every host, so the manifests' ETags agree across origins.
 */

#include <string.h>

#include "vo_manifest.h"


/*
 * MPEG-TS costs more than the elementary streams it carries: 188-byte
 * packets with 4-byte headers (2.1%), adaptation fields and PCR, PES
 * headers per frame and PAT/PMT repeated per segment.  For the bit rates
 * of this ladder that is 5-8%; BANDWIDTH must not be below the real peak
 * (players measure against it), so TS variants announce 8% more.
 */
#define VO_TS_OVERHEAD_PCT   108


static void vo_hls_header(vo_buf_t *b, unsigned format);
static uint64_t vo_hls_video_ms(const vo_media_t *m, uint32_t n);
static uint64_t vo_hls_audio_ms(const vo_media_t *m, const vo_audio_t *a,
    uint32_t n);
static void vo_hls_audio_media(const vo_media_t *m, vo_buf_t *b);
static void vo_hls_frame_rate(const vo_media_t *m, vo_buf_t *b);
static const char *vo_hls_audio_label(const vo_media_t *m, uint32_t i);
static int vo_hls_codec_listed(const vo_media_t *m, uint32_t k);


static void
vo_hls_header(vo_buf_t *b, unsigned format)
{
    /* version 7 for EXT-X-MAP with fMP4 segments (RFC 8216, 7); TS with
     * decimal EXTINF needs version 3, and old devices want no more */
    vo_buf_printf(b, "#EXTM3U\n#EXT-X-VERSION:%u\n",
                  format == VO_FORMAT_FMP4 ? 7u : 3u);
}


vo_status_t
vo_hls_master(const vo_media_t *m, const vo_selection_t *sel,
    unsigned format, vo_buf_t *b)
{
    uint32_t           i, k, top;
    uint64_t           abw, bw, avg;
    const vo_video_t  *v;
    const vo_audio_t  *a;

    if (format != VO_FORMAT_FMP4 && format != VO_FORMAT_TS) {
        return VO_ERROR;
    }

    if (!(m->formats & format)) {
        return VO_NOT_FOUND;
    }

    if (vo_selection_check(m, sel) != VO_OK) {
        return VO_ERROR;
    }

    top = 0;

    for (i = 0; i < sel->nvideo; i++) {
        top = sel->rank[i] + 1u > top ? sel->rank[i] + 1u : top;
    }

    vo_hls_header(b, format);
    vo_buf_str(b, "#EXT-X-INDEPENDENT-SEGMENTS\n");

    /*
     * fMP4: audio is a group of renditions of its own and a variant plays
     * one of them at a time, so its peak is the video plus the largest
     * audio.  TS: the first audio track is muxed into every variant.
     */
    abw = 0;

    if (format == VO_FORMAT_FMP4) {
        vo_hls_audio_media(m, b);

        for (i = 0; i < m->naudio; i++) {
            if (m->audio[i].bandwidth > abw) {
                abw = m->audio[i].bandwidth;
            }
        }

    } else if (m->naudio) {
        abw = m->audio[0].bandwidth;
    }

    for (i = 0; i < sel->nvideo; i++) {
        v = &m->video[sel->video[i]];

        bw = (uint64_t) v->bandwidth + abw;
        avg = (uint64_t) v->average_bandwidth + abw;

        if (format == VO_FORMAT_TS) {
            bw = bw * VO_TS_OVERHEAD_PCT / 100;
            avg = avg * VO_TS_OVERHEAD_PCT / 100;
        }

        vo_buf_printf(b, "#EXT-X-STREAM-INF:BANDWIDTH=%llu,"
                      "AVERAGE-BANDWIDTH=%llu,CODECS=\"%s",
                      (unsigned long long) bw, (unsigned long long) avg,
                      v->codec);

        /* CODECS lists every codec a variant may need, so for fMP4 each
         * distinct codec of the audio group, once */
        for (k = 0; k < m->naudio; k++) {
            a = &m->audio[k];

            if (format == VO_FORMAT_TS && k > 0) {
                break;
            }

            if (!vo_hls_codec_listed(m, k)) {
                vo_buf_printf(b, ",%s", a->codec);
            }
        }

        vo_buf_printf(b, "\",RESOLUTION=%ux%u,FRAME-RATE=",
                      v->width, v->height);
        vo_hls_frame_rate(m, b);

        /* several codecs: the class's preferred one scores highest (a
         * player picks among the variants it can decode) */
        if (sel->ranked) {
            vo_buf_printf(b, ",SCORE=%u", top - sel->rank[i]);
        }

        if (format == VO_FORMAT_FMP4) {
            vo_buf_printf(b, "%s\n%s/index.m3u8\n",
                          m->naudio ? ",AUDIO=\"audio\"" : "", v->name);

        } else {
            vo_buf_printf(b, "\n%s/index-ts.m3u8\n", v->name);
        }
    }

    return vo_buf_failed(b) ? VO_ERROR : VO_OK;
}


static void
vo_hls_audio_media(const vo_media_t *m, vo_buf_t *b)
{
    uint32_t           i;
    const vo_audio_t  *a;

    for (i = 0; i < m->naudio; i++) {
        a = &m->audio[i];

        vo_buf_printf(b, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\","
                      "NAME=\"%s\",", vo_hls_audio_label(m, i));

        /* "und" is what the packager writes when it does not know; an
         * absent LANGUAGE says the same thing to players */
        if (strcmp(a->lang, "und") != 0) {
            vo_buf_printf(b, "LANGUAGE=\"%s\",", a->lang);
        }

        vo_buf_printf(b, "DEFAULT=%s,AUTOSELECT=YES,CHANNELS=\"%u\","
                      "URI=\"%s/index.m3u8\"\n",
                      i == 0 ? "YES" : "NO", a->channels, a->name);
    }
}


/*
 * NAME must be unique in its group (RFC 8216, 4.3.4.1.1): the language
 * when it is known and no other track has it, the track name otherwise.
 */
static const char *
vo_hls_audio_label(const vo_media_t *m, uint32_t i)
{
    uint32_t  k;

    if (strcmp(m->audio[i].lang, "und") == 0) {
        return m->audio[i].name;
    }

    for (k = 0; k < m->naudio; k++) {
        if (k != i && strcmp(m->audio[k].lang, m->audio[i].lang) == 0) {
            return m->audio[i].name;
        }
    }

    return m->audio[i].lang;
}


/* whether an audio track before k has the same codec as track k */
static int
vo_hls_codec_listed(const vo_media_t *m, uint32_t k)
{
    uint32_t  i;

    for (i = 0; i < k; i++) {
        if (strcmp(m->audio[i].codec, m->audio[k].codec) == 0) {
            return 1;
        }
    }

    return 0;
}


/* fps with exactly three decimals, rounded to nearest: 29.970 */
static void
vo_hls_frame_rate(const vo_media_t *m, vo_buf_t *b)
{
    uint64_t  millis;

    millis = (2000ULL * m->fps_num + m->fps_den) / (2ULL * m->fps_den);

    vo_buf_fixed(b, millis, 3);
}


/* video segment n in milliseconds, rounded to nearest */
static uint64_t
vo_hls_video_ms(const vo_media_t *m, uint32_t n)
{
    uint32_t  count;
    uint64_t  first;

    vo_video_segment(m, n, &first, &count);

    return (2000ULL * count * m->fps_den + m->fps_num)
           / (2ULL * m->fps_num);
}


static uint64_t
vo_hls_audio_ms(const vo_media_t *m, const vo_audio_t *a, uint32_t n)
{
    uint32_t  count;
    uint64_t  first;

    vo_audio_segment(m, a, n, &first, &count);

    return (2000ULL * count * VO_AAC_FRAME + a->sample_rate)
           / (2ULL * a->sample_rate);
}


vo_status_t
vo_hls_media(const vo_media_t *m, vo_str_t *rendition, unsigned format,
    vo_buf_t *b)
{
    uint32_t           n;
    uint64_t           ms, target;
    const vo_audio_t  *a;
    const vo_video_t  *v;

    if (format != VO_FORMAT_FMP4 && format != VO_FORMAT_TS) {
        return VO_ERROR;
    }

    if (!(m->formats & format)) {
        return VO_NOT_FOUND;
    }

    v = vo_media_video(m, rendition);
    a = v ? NULL : vo_media_audio(m, rendition);

    /* TS carries audio inside each video variant: no audio playlist */
    if (v == NULL && (a == NULL || format == VO_FORMAT_TS)) {
        return VO_NOT_FOUND;
    }

    /* and only H.264 video: HEVC and AV1 renditions are CMAF only */
    if (format == VO_FORMAT_TS && vo_codec_family(v->codec) != VO_CODEC_AVC) {
        return VO_NOT_FOUND;
    }

    /* the rounded EXTINF of every segment must not exceed the target
     * duration (RFC 8216, 4.3.3.1) */
    target = 1;

    for (n = 0; n < m->segment_count; n++) {
        ms = v ? vo_hls_video_ms(m, n) : vo_hls_audio_ms(m, a, n);

        if ((ms + 500) / 1000 > target) {
            target = (ms + 500) / 1000;
        }
    }

    vo_hls_header(b, format);
    vo_buf_printf(b, "#EXT-X-TARGETDURATION:%llu\n"
                  "#EXT-X-MEDIA-SEQUENCE:0\n"
                  "#EXT-X-PLAYLIST-TYPE:VOD\n"
                  "#EXT-X-INDEPENDENT-SEGMENTS\n",
                  (unsigned long long) target);

    if (format == VO_FORMAT_FMP4) {
        vo_buf_str(b, "#EXT-X-MAP:URI=\"init.mp4\"\n");
    }

    for (n = 0; n < m->segment_count && !vo_buf_failed(b); n++) {
        ms = v ? vo_hls_video_ms(m, n) : vo_hls_audio_ms(m, a, n);

        vo_buf_str(b, "#EXTINF:");
        vo_buf_fixed(b, ms, 3);
        vo_buf_printf(b, ",\n%u%s\n", n,
                      format == VO_FORMAT_FMP4 ? ".m4s" : ".ts");
    }

    vo_buf_str(b, "#EXT-X-ENDLIST\n");

    return vo_buf_failed(b) ? VO_ERROR : VO_OK;
}
