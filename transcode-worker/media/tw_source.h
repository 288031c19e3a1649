/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The master copy: probing, and decoding a time window of it onto the
 * output timeline.
 *
 * Timeline origin: source time t0 = the start time of the video stream
 * (0 for most MP4 files); output time 0 is source time t0, for video and
 * audio alike.  Every window is decoded with a fresh decoder after a seek
 * (to the last keyframe at or before the window start, or one before it
 * with a margin when that landing cannot be trusted), so the frames a window
 * produces do not depend on what was decoded before: this is what lets a
 * segment made alone equal the one made while packaging everything.
 */

#ifndef TW_SOURCE_H
#define TW_SOURCE_H

#include <stdint.h>

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>

#include "vo_media.h"


#define TW_AUDIO_RATE      48000
#define TW_AUDIO_CHANNELS  2


/* frees a custom AVIOContext (and what it reads from) */
typedef void (*tw_io_close_pt)(AVIOContext **pb);


typedef struct {
    AVFormatContext    *fmt;
    AVIOContext        *pb;              /* custom I/O, or NULL */
    tw_io_close_pt      io_close;
    int                 vidx;
    int                 aidx;            /* -1: no audio */
    int64_t             vstart;          /* t0, video time base */

    /* probed */
    int                 width;
    int                 height;
    AVRational          sar;
    AVRational          fps;             /* avg_frame_rate, may be 0/0 */
    uint64_t            duration_ms;
    char                lang[VO_LANG_MAX + 1];
    unsigned            threads;         /* decoder threads */
} tw_source_t;


/* Output frame i of the window: src is the source frame that covers it
 * (owned by the decoder, valid during the call only). */
typedef int (*tw_video_cb)(void *data, uint64_t i, const AVFrame *src);


/*
 * Opens and probes the master copy: the local file name when pb is NULL;
 * otherwise what pb reads (a custom AVIOContext, tw_s3_io.h), name then
 * being its name for the log and for probing by extension.  The source
 * owns pb from the call on, even when it fails: io_close frees it.
 * AVERROR code (logged) on failure, pb's own errors passed through, a
 * file without a decodable video stream being AVERROR_STREAM_NOT_FOUND.
 */
int tw_source_open(tw_source_t **src, const char *name, AVIOContext *pb,
    tw_io_close_pt io_close);
/* NULL-safe; *src is NULL after */
void tw_source_close(tw_source_t **src);

/* Calls cb for output frames [first, first + count) at m's frame rate,
 * in order: frame i shows the last source frame with pts <= i/fps (the
 * first source frame before that exists, the last one after the end).
 * 0, cb's negative return, or a negative AVERROR (logged): a source whose
 * video ends more than a second before the window is AVERROR_INVALIDDATA
 * (truncated). */
int tw_source_video(tw_source_t *src, const vo_media_t *m, uint64_t first,
    uint32_t count, tw_video_cb cb, void *data);

/* Fills planes[0..1] (float, nsamples each, zeroed by the caller) with
 * the timeline samples [start, start + nsamples) at 48 kHz stereo;
 * samples before 0 or past the source's end stay silent.  0 (also for a
 * source without audio) or a negative AVERROR (logged). */
int tw_source_audio(tw_source_t *src, int64_t start, size_t nsamples,
    float **planes);


#endif /* TW_SOURCE_H */
