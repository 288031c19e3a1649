/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The invariants of a media description (vo_media_check.h).  Every bound
 * here also keeps the timeline arithmetic of vo_timeline.c far from
 * overflow.
 */

#include <string.h>

#include "vo_media_check.h"
#include "vo_timeline.h"


#define VO_DURATION_MAX      (7ULL * 24 * 3600 * 1000)
#define VO_SEGMENT_MS_MIN    1000
#define VO_SEGMENT_MS_MAX    60000
#define VO_FPS_NUM_MAX       240000
#define VO_FPS_DEN_MAX       (1001 * 1000)
#define VO_FPS_MAX           240
#define VO_DIM_MAX           8192
#define VO_CRF_MAX           63
#define VO_THREADS_MAX       256
#define VO_CHANNELS_MAX      8


/* the AAC sampling frequencies with an index in ISO/IEC 14496-3 */
static const uint32_t  vo_aac_rates[] = {
    8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000,
    88200, 96000, 0
};


/* the first reason a description is refused, in *err */
#define vo_fail(reason)  do { *err = reason; return VO_BAD_DATA; } while (0)


static vo_status_t vo_media_check_tracks(const vo_media_t *m,
    const char **err);
static vo_status_t vo_media_check_video(const vo_video_t *v,
    const char **err);
static vo_status_t vo_media_check_audio(const vo_audio_t *a,
    const char **err);
static int vo_media_last_empty(const vo_media_t *m, const char **err);
static int vo_name_valid(const char *s);
static int vo_codec_valid(const char *s);
static int vo_lang_valid(const char *s);
static int vo_key_valid(const char *s);
static int vo_cstr_ok(const char *s, size_t size);
static int vo_aac_rate_valid(uint32_t rate);


vo_status_t
vo_media_check(const vo_media_t *m, const char **err)
{
    uint64_t      ticks;
    const char   *dummy;

    if (err == NULL) {
        err = &dummy;
    }

    if (m->version != VO_MEDIA_VERSION) {
        vo_fail("unsupported media description version");
    }

    if (!vo_cstr_ok(m->id, sizeof(m->id))
        || !vo_token_valid((const u_char *) m->id, strlen(m->id),
                              VO_ID_MAX))
    {
        vo_fail("invalid \"id\"");
    }

    if (!vo_cstr_ok(m->source, sizeof(m->source)) || !vo_key_valid(m->source))
    {
        vo_fail("invalid \"source\"");
    }

    if (m->duration_ms == 0 || m->duration_ms > VO_DURATION_MAX) {
        vo_fail("\"duration_ms\" out of range");
    }

    if (m->segment_ms < VO_SEGMENT_MS_MIN || m->segment_ms > VO_SEGMENT_MS_MAX)
    {
        vo_fail("\"segment_ms\" out of range");
    }

    if (m->segment_count
        != (m->duration_ms + m->segment_ms - 1) / m->segment_ms)
    {
        vo_fail("\"segment_count\" is not ceil(duration_ms / segment_ms)");
    }

    /* at least one frame per second keeps every full segment non-empty */
    if (m->fps_num == 0 || m->fps_num > VO_FPS_NUM_MAX
        || m->fps_den == 0 || m->fps_den > VO_FPS_DEN_MAX
        || m->fps_num < m->fps_den
        || m->fps_num > (uint64_t) m->fps_den * VO_FPS_MAX)
    {
        vo_fail("frame rate out of range");
    }

    ticks = (uint64_t) m->video_timescale * m->fps_den;

    if (m->video_timescale == 0 || ticks % m->fps_num != 0) {
        vo_fail("\"video_timescale\" is not a whole number of ticks "
                "per frame");
    }

    if (!vo_cstr_ok(m->preset, sizeof(m->preset))
        || !vo_token_valid((const u_char *) m->preset, strlen(m->preset),
                              VO_PRESET_MAX))
    {
        vo_fail("invalid \"encoder.preset\"");
    }

    if (m->threads == 0 || m->threads > VO_THREADS_MAX) {
        vo_fail("\"encoder.threads\" out of range");
    }

    if (m->formats == 0
        || (m->formats & ~(unsigned) (VO_FORMAT_FMP4 | VO_FORMAT_TS)))
    {
        vo_fail("invalid \"formats\"");
    }

    if (vo_media_check_tracks(m, err) != VO_OK
        || vo_media_last_empty(m, err))
    {
        return VO_BAD_DATA;
    }

    return VO_OK;
}


/* the renditions and audio tracks, whose names must differ: they are
 * directories and URL components of the same video */
static vo_status_t
vo_media_check_tracks(const vo_media_t *m, const char **err)
{
    uint32_t           i, k, n;
    const char        *names[VO_MAX_VIDEO + VO_MAX_AUDIO];
    const vo_audio_t  *a;
    const vo_video_t  *v;

    if (m->nvideo == 0 || m->nvideo > VO_MAX_VIDEO) {
        vo_fail("no video rendition");
    }

    if (m->naudio > VO_MAX_AUDIO) {
        vo_fail("too many audio tracks");
    }

    n = 0;

    for (i = 0; i < m->nvideo; i++) {
        v = &m->video[i];

        if (vo_media_check_video(v, err) != VO_OK) {
            return VO_BAD_DATA;
        }

        names[n++] = v->name;
    }

    for (i = 0; i < m->naudio; i++) {
        a = &m->audio[i];

        if (vo_media_check_audio(a, err) != VO_OK) {
            return VO_BAD_DATA;
        }

        names[n++] = a->name;
    }

    for (i = 0; i < n; i++) {
        for (k = i + 1; k < n; k++) {
            if (strcmp(names[i], names[k]) == 0) {
                vo_fail("duplicate rendition name");
            }
        }
    }

    return VO_OK;
}


static vo_status_t
vo_media_check_video(const vo_video_t *v, const char **err)
{
    if (!vo_cstr_ok(v->name, sizeof(v->name)) || !vo_name_valid(v->name)) {
        vo_fail("invalid video \"name\"");
    }

    if (!vo_cstr_ok(v->codec, sizeof(v->codec)) || !vo_codec_valid(v->codec))
    {
        vo_fail("invalid video \"codec\"");
    }

    if (v->width < 2 || v->width > VO_DIM_MAX || v->width % 2
        || v->height < 2 || v->height > VO_DIM_MAX || v->height % 2)
    {
        vo_fail("video size out of range");
    }

    if (v->bandwidth == 0 || v->average_bandwidth == 0) {
        vo_fail("video bandwidth out of range");
    }

    if (v->crf > VO_CRF_MAX) {
        vo_fail("video \"crf\" out of range");
    }

    return VO_OK;
}


static vo_status_t
vo_media_check_audio(const vo_audio_t *a, const char **err)
{
    if (!vo_cstr_ok(a->name, sizeof(a->name)) || !vo_name_valid(a->name)) {
        vo_fail("invalid audio \"name\"");
    }

    if (!vo_cstr_ok(a->codec, sizeof(a->codec)) || !vo_codec_valid(a->codec))
    {
        vo_fail("invalid audio \"codec\"");
    }

    if (!vo_cstr_ok(a->lang, sizeof(a->lang)) || !vo_lang_valid(a->lang)) {
        vo_fail("invalid audio \"lang\"");
    }

    if (a->bandwidth == 0 || a->bitrate == 0) {
        vo_fail("audio bandwidth out of range");
    }

    if (!vo_aac_rate_valid(a->sample_rate)) {
        vo_fail("audio \"sample_rate\" is not an aac rate");
    }

    if (a->channels == 0 || a->channels > VO_CHANNELS_MAX) {
        vo_fail("audio \"channels\" out of range");
    }

    return VO_OK;
}


/*
 * The last segment may be shorter than a frame period; it must still
 * hold a frame of each track, or segment_count would promise a segment
 * that cannot be made.  Full segments always do: D >= 1 s, and a video
 * frame (fps >= 1) or an AAC frame (<= 128 ms) is at most 1 s long.
 */
static int
vo_media_last_empty(const vo_media_t *m, const char **err)
{
    uint32_t  i, last, count;
    uint64_t  first;

    last = m->segment_count - 1;

    vo_video_segment(m, last, &first, &count);

    if (count == 0) {
        *err = "last segment holds no video frame";
        return 1;
    }

    for (i = 0; i < m->naudio; i++) {
        if (m->audio[i].sample_rate == 0) {
            continue;
        }

        vo_audio_segment(m, &m->audio[i], last, &first, &count);

        if (count == 0) {
            *err = "last segment holds no audio frame";
            return 1;
        }
    }

    return 0;
}


void
vo_media_fit_duration(vo_media_t *m)
{
    const char  *err;

    if (m->segment_ms == 0 || m->duration_ms == 0 || m->fps_num == 0
        || m->fps_den == 0 || m->naudio > VO_MAX_AUDIO)
    {
        return;
    }

    m->segment_count = (uint32_t) ((m->duration_ms + m->segment_ms - 1)
                                   / m->segment_ms);

    /* segment 0 always holds frame 0 of every track */
    if (m->segment_count > 1 && vo_media_last_empty(m, &err)) {
        m->segment_count--;
        m->duration_ms = (uint64_t) m->segment_count * m->segment_ms;
    }
}


int
vo_token_valid(const u_char *p, size_t len, size_t max)
{
    size_t  i;
    u_char  c;

    if (len == 0 || len > max) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = p[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-'))
        {
            return 0;
        }
    }

    return 1;
}


/* the array holds a NUL terminated string */
static int
vo_cstr_ok(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}


static int
vo_name_valid(const char *s)
{
    return vo_token_valid((const u_char *) s, strlen(s), VO_NAME_MAX);
}


/*
 * RFC 6381 codecs are printable ASCII; quotes, commas and spaces are
 * refused because the value is written inside CODECS="a,b" in HLS and
 * codecs="..." in DASH, where they would end or split it.
 */
static int
vo_codec_valid(const char *s)
{
    size_t  i, len;
    u_char  c;

    len = strlen(s);

    if (len == 0 || len > VO_CODEC_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = (u_char) s[i];

        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\'' || c == ','
            || c == '\\' || c == '<' || c == '>' || c == '&')
        {
            return 0;
        }
    }

    return 1;
}


static int
vo_lang_valid(const char *s)
{
    size_t  i, len;
    u_char  c;

    len = strlen(s);

    if (len == 0 || len > VO_LANG_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = (u_char) s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '-'))
        {
            return 0;
        }
    }

    return 1;
}


/*
 * A store key the worker opens: relative, components of
 * [A-Za-z0-9_.-], none empty, "." or "..".
 */
static int
vo_key_valid(const char *s)
{
    size_t       i, len, clen;
    u_char       c;
    const char  *comp;

    len = strlen(s);

    if (len == 0 || len > VO_SOURCE_MAX) {
        return 0;
    }

    comp = s;

    for (i = 0; i <= len; i++) {
        c = (u_char) s[i];

        if (c == '/' || c == '\0') {
            clen = (size_t) (s + i - comp);

            if (clen == 0 || (clen == 1 && comp[0] == '.')
                || (clen == 2 && comp[0] == '.' && comp[1] == '.'))
            {
                return 0;
            }

            comp = s + i + 1;
            continue;
        }

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '-'
              || c == '.'))
        {
            return 0;
        }
    }

    return 1;
}


static int
vo_aac_rate_valid(uint32_t rate)
{
    const uint32_t  *r;

    for (r = vo_aac_rates; *r; r++) {
        if (*r == rate) {
            return 1;
        }
    }

    return 0;
}
