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

int tw_video_encoder(const vo_media_t *m, const vo_video_t *v,
    AVCodecContext **enc);
int tw_audio_encoder(const vo_audio_t *a, AVCodecContext **enc);
/* avcodec_free_context() for encoders, whatever state they are in */
void tw_encoder_free(AVCodecContext **enc);

/* "avc1.PPCCLL" from the SPS in Annex B extradata */
int tw_avc_codec_string(const uint8_t *extradata, int size, char *buf,
    size_t len);

/* next NAL unit of an Annex B buffer at or after *pos: sets *nal, *len
 * (without trailing zero bytes) and advances *pos; 0 at the end */
int tw_annexb_next(const uint8_t *data, size_t size, size_t *pos,
    const uint8_t **nal, size_t *len);


#endif /* TW_ENCODE_H */
