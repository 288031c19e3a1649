/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * CMAF (fragmented ISO-BMFF) writer: init segments and media segments,
 * one track each (track_ID 1), written box by box into a tw_bytes_t.
 * Output depends only on the arguments: no creation times, no names that
 * change between builds.
 */

#ifndef TW_MP4_H
#define TW_MP4_H

#include <stddef.h>
#include <stdint.h>

#include <libavcodec/packet.h>

#include "vo_media.h"


/* growable byte buffer (malloc); after a failed allocation it is marked
 * failed and further writes do nothing: check once at the end */
typedef struct {
    uint8_t    *data;
    size_t      len;
    size_t      cap;
    int         failed;
} tw_bytes_t;

void tw_bytes_free(tw_bytes_t *b);
void tw_bytes_append(tw_bytes_t *b, const void *data, size_t len);


/* init.mp4 of a video rendition (avc1, hvc1 or av01 from its codec);
 * extradata is the encoder's: Annex B SPS + PPS (H.264), VPS + SPS + PPS
 * (HEVC), the sequence header OBU (AV1) */
int tw_mp4_init_video(const vo_media_t *m, const vo_video_t *v,
    const uint8_t *extradata, int size, tw_bytes_t *out);

/* init.mp4 of an audio track; asc is the AudioSpecificConfig */
int tw_mp4_init_audio(const vo_audio_t *a, const uint8_t *asc, int size,
    tw_bytes_t *out);

/* Media segment n of a video rendition of that codec family: pkts in
 * decode order, pts in frames (Annex B payload for H.264 and HEVC, OBUs
 * for AV1).  Sample k has decode time
 * (first + k) * ticks, its composition offset is pts - (first + k)
 * frames (signed, trun version 1). */
int tw_mp4_video_segment(unsigned family, uint32_t n, uint64_t first,
    uint32_t ticks, AVPacket **pkts, size_t npkts, tw_bytes_t *out);

/* Media segment n of an audio track: AAC frames first.. in order, 1024
 * ticks each at the sample rate. */
int tw_mp4_audio_segment(uint32_t n, uint64_t first, AVPacket **pkts,
    size_t npkts, tw_bytes_t *out);


#endif /* TW_MP4_H */
