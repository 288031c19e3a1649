/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The media description's fields: what a packaged video contains
 * (docs/media-description.md).  Only types and limits, so that the
 * timeline, the checks, the parser and everything that reads a
 * description share them without depending on one another.
 *
 * vo_media_t is flat (no pointers) so that the nginx module can keep it in
 * shared memory and copy it out with one memcpy.
 */

#ifndef VO_MEDIA_TYPES_H
#define VO_MEDIA_TYPES_H

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


#endif /* VO_MEDIA_TYPES_H */
