/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * What the CMAF writer and the media description need to know of an
 * encoder's global headers, for each video codec family:
 *   - H.264: SPS and PPS (Annex B), "avc1.PPCCLL";
 *   - HEVC: VPS, SPS and PPS (Annex B), the SPS's profile_tier_level,
 *     "hvc1.P.C.TL.B..." (ISO/IEC 14496-15 annex E);
 *   - AV1: the sequence header OBU, "av01.P.LLT.DD" (AV1-ISOBMFF 5).
 * The parsers read the headers our encoders write; anything else they do
 * not understand is refused (AVERROR_BUG, logged), never guessed.
 */

#ifndef TW_CODEC_H
#define TW_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "vo_media.h"


/* the family of a video rendition: from its codecs string, or, while the
 * packager has not filled that in yet, from the family name it holds
 * ("avc1", "hvc1", "av01"); 0 when none */
unsigned tw_video_family(const vo_video_t *v);


/* next NAL unit of an Annex B buffer at or after *pos: sets *nal, *len
 * (without trailing zero bytes) and advances *pos; 0 at the end */
int tw_annexb_next(const uint8_t *data, size_t size, size_t *pos,
    const uint8_t **nal, size_t *len);


typedef struct {
    uint8_t          profile_space;
    uint8_t          tier;
    uint8_t          profile_idc;
    uint32_t         compat;             /* general_profile_compatibility */
    uint8_t          constraint[6];      /* the 48 flag bits after it */
    uint8_t          level_idc;
    uint8_t          chroma_format_idc;
    uint8_t          bit_depth_luma;
    uint8_t          bit_depth_chroma;
    uint8_t          sub_layers;         /* sps_max_sub_layers_minus1 + 1 */
    uint8_t          temporal_id_nesting;

    /* the parameter sets, in the order of nal_types */
    const uint8_t   *nal[3];
    size_t           nal_len[3];
} tw_hevc_config_t;

/* nal_unit_type of VPS, SPS, PPS */
extern const uint8_t  tw_hevc_nal_types[3];

/* c from the Annex B extradata of libx265; c->nal point into extradata
 * (valid as long as it is).  0, or AVERROR_BUG (logged) */
int tw_hevc_config(const uint8_t *extradata, size_t size,
    tw_hevc_config_t *c);


typedef struct {
    uint8_t          profile;
    uint8_t          level;              /* seq_level_idx[0] */
    uint8_t          tier;               /* seq_tier[0] */
    uint8_t          bit_depth;          /* 8, 10, 12 */
    uint8_t          mono;
    uint8_t          subx;
    uint8_t          suby;
    uint8_t          chroma_position;

    const uint8_t   *obu;                /* the sequence header OBU */
    size_t           obu_len;
} tw_av1_config_t;

/* c from the extradata of libsvtav1 (the OBUs, with or without an
 * av1C record before them); c->obu points into extradata.  0, or
 * AVERROR_BUG (logged) */
int tw_av1_config(const uint8_t *extradata, size_t size, tw_av1_config_t *c);

/* next OBU of a low-overhead bitstream at or after *pos (every OBU with
 * its size field): sets *obu, *len (header included), *hdr (the header
 * and size field: where the payload starts), *type; 0 at the end, -1
 * when malformed */
int tw_av1_next_obu(const uint8_t *data, size_t size, size_t *pos,
    const uint8_t **obu, size_t *len, size_t *hdr, unsigned *type);

#define TW_OBU_SEQUENCE_HEADER   1
#define TW_OBU_TEMPORAL_DELIMITER 2
#define TW_OBU_PADDING           15


/* a rendition's crf from --crf, which is on x264's scale: x265's of
 * about the same quality is 4 above, SVT-AV1's (0-63) 22 above */
uint32_t tw_codec_crf(unsigned family, uint32_t crf);


/* the RFC 6381 codecs string of a rendition of that family from its
 * encoder's extradata, NUL-terminated into buf: 0, or AVERROR_BUG
 * (logged) when the headers are not understood or buf is too short */
int tw_codec_string(unsigned family, const uint8_t *extradata, int size,
    char *buf, size_t len);


#endif /* TW_CODEC_H */
