/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Segment production: THE function that turns segment n of the source
 * into encoded packets, used alike by the packager (all renditions at
 * once) and by the single-object "segment" command (one rendition).  It
 * depends only on (media description, source, n): a fresh decoder after a
 * seek, a fresh encoder per (rendition, segment), so any subset of
 * renditions made alone gives the same bytes as all made together.
 *
 * See docs/segments.md for the design.
 */

#ifndef TW_SEGMENT_H
#define TW_SEGMENT_H

#include <libavcodec/avcodec.h>

#include "vo_media.h"
#include "media/tw_source.h"
#include "media/tw_bytes.h"


/* AAC frames fed before a segment's first frame so that the encoder's
 * psychoacoustic and bit-reservoir state is warm (no click at the
 * boundary), and after its last one so the last kept frame's MDCT window
 * sees the real signal (not the encoder's zero flush) */
#define TW_AAC_PREROLL    4
#define TW_AAC_POSTROLL   2


typedef struct {
    AVCodecContext     *enc;         /* kept for extradata / parameters */
    AVPacket          **pkts;        /* decode order */
    size_t              npkts;
    size_t              nalloc;
    uint64_t            first;       /* first frame of the segment */
    uint32_t            count;
} tw_track_t;


typedef struct tw_encq_s  tw_encq_t;

typedef struct {
    /* in */
    const vo_media_t   *media;
    tw_source_t        *source;
    uint32_t            n;
    uint32_t            video_mask;  /* bit i: media->video[i] */
    unsigned            audio:1;     /* media->audio[0] */

    /* out */
    tw_track_t          video[VO_MAX_VIDEO];
    tw_track_t          aac;

    /* private */
    struct SwsContext  *sws[VO_MAX_VIDEO];
    AVFrame            *scaled[VO_MAX_VIDEO];
    const AVFrame      *last_src;
    int64_t             last_src_pts;
    tw_encq_t          *encq;        /* the encoder threads' queues */
} tw_segment_t;


/* Encodes segment s->n of the selected tracks: s zeroed, then its "in"
 * fields set.  0 or a negative AVERROR (logged); either way the caller
 * calls tw_segment_free(). */
int tw_segment_encode(tw_segment_t *s);
/* frees what encoding allocated (packets, encoders, scalers) */
void tw_segment_free(tw_segment_t *s);

/* Writers of the encoded segment, appending to out: the fMP4 segment of
 * video rendition r or of the audio track, the TS segment of rendition r
 * (with the audio when s->audio).  0 or a negative AVERROR. */
int tw_segment_mp4_video(tw_segment_t *s, uint32_t r, tw_bytes_t *out);
int tw_segment_mp4_audio(tw_segment_t *s, tw_bytes_t *out);
int tw_segment_ts(tw_segment_t *s, uint32_t r, tw_bytes_t *out);

/* init.mp4 of video rendition r (r < nvideo) or, r == VO_MAX_VIDEO, of
 * the audio track, appended to out; codec, when not NULL, receives the
 * RFC 6381 string (len bytes).  0 or a negative AVERROR (logged). */
int tw_init_segment(const vo_media_t *m, uint32_t r, tw_bytes_t *out,
    char *codec, size_t len);


#endif /* TW_SEGMENT_H */
