/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * CMAF media segments: styp, moof (mfhd, traf with tfhd, tfdt and trun)
 * and mdat, one track (track_ID 1), from encoded packets.  The output
 * depends only on the arguments.
 */

#ifndef TW_MP4_FRAGMENT_H
#define TW_MP4_FRAGMENT_H

#include <stddef.h>
#include <stdint.h>

#include <libavcodec/packet.h>

#include "media/tw_bytes.h"


/* Media segment n of a video rendition of that codec family: pkts in
 * decode order, pts in frames (Annex B payload for H.264 and HEVC, OBUs
 * for AV1).  Sample k has decode time
 * (first + k) * ticks, its composition offset is pts - (first + k)
 * frames (signed, trun version 1).  Appended to out: 0,
 * AVERROR(ENOMEM), or AVERROR_BUG (logged) for a malformed AV1 packet. */
int tw_mp4_video_segment(unsigned family, uint32_t n, uint64_t first,
    uint32_t ticks, AVPacket **pkts, size_t npkts, tw_bytes_t *out);

/* Media segment n of an audio track: AAC frames first.. in order, 1024
 * ticks each at the sample rate.  0 or AVERROR(ENOMEM). */
int tw_mp4_audio_segment(uint32_t n, uint64_t first, AVPacket **pkts,
    size_t npkts, tw_bytes_t *out);


#endif /* TW_MP4_FRAGMENT_H */
