/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * CMAF init segments (init.mp4): ftyp and moov, one track (track_ID 1),
 * no samples (fragmented), written box by box.  The output depends only
 * on the arguments: no creation times, no names that change between
 * builds.
 */

#ifndef TW_MP4_INIT_H
#define TW_MP4_INIT_H

#include <stdint.h>

#include "vo_media.h"
#include "media/tw_bytes.h"


/* init.mp4 of a video rendition (avc1, hvc1 or av01 from its codec);
 * extradata is the encoder's: Annex B SPS + PPS (H.264), VPS + SPS + PPS
 * (HEVC), the sequence header OBU (AV1).  Appended to out: 0, or
 * AVERROR_BUG (logged) for parameter sets not understood, AVERROR(ENOMEM)
 * when out failed */
int tw_mp4_init_video(const vo_media_t *m, const vo_video_t *v,
    const uint8_t *extradata, int size, tw_bytes_t *out);

/* init.mp4 of an audio track; asc is the AudioSpecificConfig.  0 or
 * AVERROR(ENOMEM) */
int tw_mp4_init_audio(const vo_audio_t *a, const uint8_t *asc, int size,
    tw_bytes_t *out);


#endif /* TW_MP4_INIT_H */
