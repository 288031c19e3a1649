/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Encoder setup.  Everything that shapes the bitstream comes from the
 * media description (never from the machine), so two workers anywhere
 * make the same bytes:
 *   - H.264 (libx264): a fresh encoder per (rendition, segment), one
 *     closed GOP per segment with the IDR first, keyint fixed for the
 *     whole video (so SPS/PPS, hence the init segment, are the same for
 *     every segment, the shorter last one included), scenecut off, a
 *     FIXED thread count, crf with a VBV cap (bufsize = maxrate), profile
 *     high, parameter sets in extradata only;
 *   - HEVC (libx265) and AV1 (libsvtav1) alike: one closed GOP per
 *     segment, fixed keyint, no scene cuts, fixed threads, crf capped at
 *     maxrate; their presets follow the x264 one (tw_encode.c);
 *   - AAC-LC (FFmpeg's native encoder), 48 kHz stereo, bit-exact mode.
 */

#ifndef TW_ENCODE_H
#define TW_ENCODE_H

#include <libavcodec/avcodec.h>

#include "vo_media.h"


/* frames of the longest segment: the keyint of every segment */
uint32_t tw_video_keyint(const vo_media_t *m);

/* An open encoder for rendition v of m (or audio track a) in *enc, its
 * parameter sets in extradata; the caller frees it with
 * tw_encoder_free().  0, or a negative AVERROR (logged), libavcodec's
 * own passed through; *enc is untouched on failure. */
int tw_video_encoder(const vo_media_t *m, const vo_video_t *v,
    AVCodecContext **enc);
int tw_audio_encoder(const vo_audio_t *a, AVCodecContext **enc);

/* avcodec_free_context() for encoders, whatever state they are in (an
 * SVT-AV1 encoder is ended and drained first, see tw_encode.c); *enc
 * may be NULL, and is NULL after */
void tw_encoder_free(AVCodecContext **enc);


#endif /* TW_ENCODE_H */
