/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The media description: what a packaged video contains.  It is stored as
 * "{id}/media.json" in the object store, written last and atomically by
 * the packager; its presence means "ready".  The format is documented in
 * docs/media-description.md.
 *
 * vo_media_t is flat (no pointers) so that the nginx module can keep it in
 * shared memory and copy it out with one memcpy.
 *
 * The segment timeline is computed here, once, for the packager, the
 * just-in-time worker and the manifest generators alike:
 *   - video: output is constant frame rate fps_num/fps_den; frame i is
 *     presented at i * fps_den / fps_num seconds; segment n holds the
 *     frames presented in [n*D, (n+1)*D) clipped to [0, duration);
 *   - audio: AAC frames of VO_AAC_FRAME samples at sample_rate; frame j
 *     starts at j * VO_AAC_FRAME / sample_rate; segment n holds the frames
 *     that start in [n*D, (n+1)*D), clipped the same way.  There is no
 *     priming delay in the timeline: audio starts at 0, like video.
 */

#ifndef VO_MEDIA_H
#define VO_MEDIA_H

#include "vo_core.h"


#define VO_MEDIA_VERSION     1

#define VO_ID_MAX            64      /* [A-Za-z0-9_-]{1,64} */
#define VO_NAME_MAX          32      /* rendition names, [A-Za-z0-9_-] */
#define VO_CODEC_MAX         48      /* RFC 6381 codecs string */
#define VO_LANG_MAX          16      /* BCP 47 */
#define VO_SOURCE_MAX        128     /* store key of the master copy */
#define VO_PRESET_MAX        16

#define VO_MAX_VIDEO         16
#define VO_MAX_AUDIO         4

#define VO_AAC_FRAME         1024

/* description files larger than this are refused as corrupt */
#define VO_MEDIA_FILE_MAX    (64 * 1024)


typedef struct {
    char            name[VO_NAME_MAX + 1];   /* "720p": URL and store dir */
    char            codec[VO_CODEC_MAX + 1]; /* "avc1.64001f" */
    uint32_t        width;
    uint32_t        height;
    uint32_t        bandwidth;               /* peak, bits/s, video only */
    uint32_t        average_bandwidth;       /* bits/s, video only */
    uint32_t        maxrate;                 /* encoder cap, bits/s */
    uint32_t        crf;                     /* encoder quality */
} vo_video_t;


typedef struct {
    char            name[VO_NAME_MAX + 1];   /* "aac": URL and store dir */
    char            codec[VO_CODEC_MAX + 1]; /* "mp4a.40.2" */
    char            lang[VO_LANG_MAX + 1];   /* "und" when unknown */
    uint32_t        bandwidth;               /* bits/s */
    uint32_t        bitrate;                 /* encoder target, bits/s */
    uint32_t        sample_rate;
    uint32_t        channels;
} vo_audio_t;


typedef struct {
    uint32_t        version;
    char            id[VO_ID_MAX + 1];
    char            source[VO_SOURCE_MAX + 1];   /* "{id}/source.mp4" */

    uint64_t        duration_ms;
    uint32_t        segment_ms;                  /* D */
    uint32_t        segment_count;               /* ceil(duration / D) */

    uint32_t        fps_num;
    uint32_t        fps_den;
    uint32_t        video_timescale;             /* mdhd of video tracks */

    char            preset[VO_PRESET_MAX + 1];   /* x264 preset */
    uint32_t        threads;                     /* x264 threads, fixed */

    unsigned        formats;                     /* VO_FORMAT_* bits */

    uint32_t        nvideo;
    uint32_t        naudio;
    vo_video_t      video[VO_MAX_VIDEO];         /* highest first */
    vo_audio_t      audio[VO_MAX_AUDIO];
} vo_media_t;

#define VO_FORMAT_FMP4       0x01
#define VO_FORMAT_TS         0x02


/* Codec families of video renditions, from the RFC 6381 string's
 * sample entry: avc1/avc3, hvc1/hev1, av01. */
#define VO_CODEC_AVC         1
#define VO_CODEC_HEVC        2
#define VO_CODEC_AV1         3
#define VO_CODEC_FAMILIES    3

/* 0 when the codec is none of the above */
unsigned vo_codec_family(const char *codec);
/* "avc1", "hvc1", "av01" (the names policies use), or NULL */
const char *vo_codec_family_name(unsigned family);
unsigned vo_codec_family_parse(const u_char *p, size_t len);
/* (vo_select.c) */



/*
 * Parses a media description.  Strict: unknown versions, missing or
 * out-of-range fields, bad names, trailing garbage and files over
 * VO_MEDIA_FILE_MAX give VO_BAD_DATA with *err set.  m is fully written
 * on VO_OK and left undefined otherwise.  Never reads past data + len.
 */
vo_status_t vo_media_parse(const u_char *data, size_t len, vo_media_t *m,
    const char **err);

/* Serializes m as JSON into b (the packager writes this to the store).
 * vo_media_parse(vo_media_write(m)) gives m back. */
vo_status_t vo_media_write(const vo_media_t *m, vo_buf_t *b);

/* Checks the invariants vo_media_parse enforces (for the packager). */
vo_status_t vo_media_check(const vo_media_t *m, const char **err);

/* For the packager, before vo_media_check(): sets segment_count from
 * duration_ms and segment_ms, and when the last segment would hold no
 * frame of some track (it is shorter than the gap before that track's
 * next frame), drops it: duration_ms becomes a whole number of segments,
 * losing less than one frame.  Needs fps and sample rates set. */
void vo_media_fit_duration(vo_media_t *m);

/* [A-Za-z0-9_-]{1,max}: the alphabet of ids, rendition names and
 * presets, safe in URLs, store keys, playlists and XML unescaped. */
int vo_token_valid(const u_char *p, size_t len, size_t max);

const vo_video_t *vo_media_video(const vo_media_t *m, vo_str_t *name);
const vo_audio_t *vo_media_audio(const vo_media_t *m, vo_str_t *name);


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


#endif /* VO_MEDIA_H */
