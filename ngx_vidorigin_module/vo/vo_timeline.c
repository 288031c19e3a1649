/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The segment timeline (docs/media-description.md, "Timeline").
 *
 * Integer arithmetic only: the packager, the worker and the manifest
 * generators must agree on every frame of every segment on every host,
 * which floating point does not promise.  With the bounds
 * vo_media_check() enforces (duration <= 7 days, fps_num <= 240000,
 * sample_rate <= 96000), every product below stays under 2^50.
 *
 * These functions trust m to have passed vo_media_check(): they divide
 * by fps_num, fps_den and sample_rate.
 */

#include "vo_timeline.h"


static uint64_t vo_video_frames_before(const vo_media_t *m, uint64_t ms);
static uint64_t vo_audio_frames_before(const vo_audio_t *a, uint64_t ms);


/*
 * Number of video frames presented before ms milliseconds: frame i is at
 * i * fps_den / fps_num s, so this is ceil(ms * fps_num / (1000 * fps_den))
 * -- the index of the first frame at or after ms.
 */
static uint64_t
vo_video_frames_before(const vo_media_t *m, uint64_t ms)
{
    uint64_t  num, den;

    num = ms * m->fps_num;
    den = 1000ULL * m->fps_den;

    return (num + den - 1) / den;
}


/* the same for AAC frames: frame j starts at j * 1024 / sample_rate s */
static uint64_t
vo_audio_frames_before(const vo_audio_t *a, uint64_t ms)
{
    uint64_t  num, den;

    num = ms * a->sample_rate;
    den = 1000ULL * VO_AAC_FRAME;

    return (num + den - 1) / den;
}


void
vo_video_segment(const vo_media_t *m, uint32_t n, uint64_t *first,
    uint32_t *count)
{
    uint64_t  start, end, a, b;

    if (n >= m->segment_count) {
        *first = vo_video_frame_count(m);
        *count = 0;
        return;
    }

    start = (uint64_t) n * m->segment_ms;
    end = start + m->segment_ms;

    if (end > m->duration_ms) {
        end = m->duration_ms;
    }

    a = vo_video_frames_before(m, start);
    b = vo_video_frames_before(m, end);

    *first = a;
    *count = (uint32_t) (b - a);
}


uint64_t
vo_video_frame_count(const vo_media_t *m)
{
    return vo_video_frames_before(m, m->duration_ms);
}


uint32_t
vo_video_frame_ticks(const vo_media_t *m)
{
    return (uint32_t) ((uint64_t) m->video_timescale * m->fps_den
                       / m->fps_num);
}


void
vo_audio_segment(const vo_media_t *m, const vo_audio_t *a, uint32_t n,
    uint64_t *first, uint32_t *count)
{
    uint64_t  start, end, f, l;

    if (n >= m->segment_count) {
        *first = vo_audio_frame_count(m, a);
        *count = 0;
        return;
    }

    start = (uint64_t) n * m->segment_ms;
    end = start + m->segment_ms;

    if (end > m->duration_ms) {
        end = m->duration_ms;
    }

    f = vo_audio_frames_before(a, start);
    l = vo_audio_frames_before(a, end);

    *first = f;
    *count = (uint32_t) (l - f);
}


uint64_t
vo_audio_frame_count(const vo_media_t *m, const vo_audio_t *a)
{
    return vo_audio_frames_before(a, m->duration_ms);
}
