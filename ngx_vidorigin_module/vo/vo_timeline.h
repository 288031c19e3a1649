/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The segment timeline, computed here, once, for the packager, the
 * just-in-time worker and the manifest generators alike
 * (docs/media-description.md, "Timeline"):
 *   - video: output is constant frame rate fps_num/fps_den; frame i is
 *     presented at i * fps_den / fps_num seconds; segment n holds the
 *     frames presented in [n*D, (n+1)*D) clipped to [0, duration);
 *   - audio: AAC frames of VO_AAC_FRAME samples at sample_rate; frame j
 *     starts at j * VO_AAC_FRAME / sample_rate; segment n holds the frames
 *     that start in [n*D, (n+1)*D), clipped the same way.  There is no
 *     priming delay in the timeline: audio starts at 0, like video.
 * These functions trust m to have passed vo_media_check(): they divide
 * by fps_num, fps_den and sample_rate.
 */

#ifndef VO_TIMELINE_H
#define VO_TIMELINE_H

#include "vo_media_types.h"


/* Segment n of video: frames [*first, *first + *count). n must be below
 * segment_count.  Times in video_timescale units: start = first * tpf. */
void vo_video_segment(const vo_media_t *m, uint32_t n, uint64_t *first,
    uint32_t *count);
uint64_t vo_video_frame_count(const vo_media_t *m);
/* ticks of video_timescale per frame; the packager picks a timescale
 * where this is an integer */
uint32_t vo_video_frame_ticks(const vo_media_t *m);

/* Segment n of audio track a: AAC frames [*first, *first + *count). */
void vo_audio_segment(const vo_media_t *m, const vo_audio_t *a, uint32_t n,
    uint64_t *first, uint32_t *count);
uint64_t vo_audio_frame_count(const vo_media_t *m, const vo_audio_t *a);


#endif /* VO_TIMELINE_H */
