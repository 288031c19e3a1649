/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * MPEG-TS segments through libavformat's mpegts muxer, written to memory.
 * One TS segment holds video segment n of one rendition and audio segment
 * n of the first audio track.  Timestamps are the timeline's plus a fixed
 * offset (TW_TS_OFFSET) so they are never negative, the same in every
 * segment, hence continuous across segments made independently.
 */

#ifndef TW_TS_H
#define TW_TS_H

#include <libavcodec/avcodec.h>

#include "vo_media.h"
#include "media/tw_bytes.h"


#define TW_TS_OFFSET   (10 * 90000)     /* 10 s in 90 kHz */


/* venc/aenc give codec parameters (extradata); vpkts in decode order with
 * pts/dts in frames; apkts AAC frames with pts in samples; aenc NULL for
 * video only.  Appended to out: 0 or a negative AVERROR (logged),
 * libavformat's passed through */
int tw_ts_segment(const vo_media_t *m, AVCodecContext *venc,
    AVPacket **vpkts, size_t nv, AVCodecContext *aenc, AVPacket **apkts,
    size_t na, tw_bytes_t *out);


#endif /* TW_TS_H */
