/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdio.h>
#include <string.h>

#include <libavutil/error.h>

#include "common/tw_log.h"
#include "media/tw_codec.h"


/* a most-significant-bit-first reader; reading past the end sets
 * overrun and gives zeros */
typedef struct {
    const uint8_t  *p;
    size_t          size;      /* bytes */
    size_t          pos;       /* bits */
    int             overrun;
} tw_bits_t;


static uint32_t tw_bits(tw_bits_t *br, unsigned n);
static uint32_t tw_bits_ue(tw_bits_t *br);
static uint64_t tw_leb128(const uint8_t *p, size_t size, size_t *pos);
static int tw_av1_parse(tw_bits_t *br, tw_av1_config_t *c);
static int tw_av1_color(tw_bits_t *br, tw_av1_config_t *c);
static int tw_avc_codec_string(const uint8_t *extradata, int size, char *buf,
    size_t len);


const uint8_t  tw_hevc_nal_types[3] = { 32, 33, 34 };


unsigned
tw_video_family(const vo_video_t *v)
{
    unsigned  family;

    family = vo_codec_family(v->codec);

    /* "hvc1" alone: the packager's rung before the encoder gave the
     * whole string */
    return family ? family
                  : vo_codec_family_parse((u_char *) v->codec,
                                          strlen(v->codec));
}


int
tw_annexb_next(const uint8_t *data, size_t size, size_t *pos,
    const uint8_t **nal, size_t *len)
{
    size_t  i, start, end;

    /* find the start code at or after *pos */
    for (i = *pos; i + 3 <= size; i++) {
        if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
            break;
        }
    }

    if (i + 3 > size) {
        *pos = size;
        return 0;
    }

    start = i + 3;

    for (i = start; i + 3 <= size; i++) {
        if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] <= 1) {
            break;
        }
    }

    end = (i + 3 <= size) ? i : size;
    *pos = end;

    /* trailing_zero_8bits and the first zero of a 4-byte start code */
    while (end > start && data[end - 1] == 0) {
        end--;
    }

    *nal = data + start;
    *len = end - start;

    return 1;
}


/* "avc1.PPCCLL": profile_idc, the constraint flags and level_idc of the
 * SPS */
static int
tw_avc_codec_string(const uint8_t *extradata, int size, char *buf,
    size_t len)
{
    size_t          pos, n;
    const uint8_t  *nal;

    pos = 0;

    while (tw_annexb_next(extradata, size, &pos, &nal, &n)) {
        if ((nal[0] & 0x1f) == 7 && n >= 4) {
            snprintf(buf, len, "avc1.%02x%02x%02x", nal[1], nal[2], nal[3]);
            return 0;
        }
    }

    tw_log(TW_LOG_ERR, "no SPS in the encoder's parameter sets");

    return AVERROR_BUG;
}



static uint32_t
tw_bits(tw_bits_t *br, unsigned n)
{
    uint32_t  v;
    size_t    byte;

    v = 0;

    while (n--) {
        byte = br->pos >> 3;

        if (byte >= br->size) {
            br->overrun = 1;
            v <<= 1;
            continue;
        }

        v = (v << 1) | ((br->p[byte] >> (7 - (br->pos & 7))) & 1);
        br->pos++;
    }

    return v;
}


/* ue(v), up to 31 bits of value */
static uint32_t
tw_bits_ue(tw_bits_t *br)
{
    unsigned  zeros;

    zeros = 0;

    while (tw_bits(br, 1) == 0) {
        if (++zeros > 31 || br->overrun) {
            br->overrun = 1;
            return 0;
        }
    }

    return ((1u << zeros) - 1) + tw_bits(br, zeros);
}


int
tw_hevc_config(const uint8_t *extradata, size_t size, tw_hevc_config_t *c)
{
    int             i, found;
    size_t          pos, len, k, n;
    uint8_t         rbsp[256];
    unsigned        type, sub, zeros, profile_present[8], level_present[8];
    tw_bits_t       br;
    const uint8_t  *nal, *sps;

    memset(c, 0, sizeof(tw_hevc_config_t));
    sps = NULL;
    len = 0;
    pos = 0;

    while (tw_annexb_next(extradata, size, &pos, &nal, &len)) {
        if (len < 3) {
            continue;
        }

        type = (nal[0] >> 1) & 0x3f;

        for (i = 0; i < 3; i++) {
            if (type == tw_hevc_nal_types[i] && c->nal[i] == NULL) {
                c->nal[i] = nal;
                c->nal_len[i] = len;
            }
        }
    }

    for (i = 0, found = 0; i < 3; i++) {
        found += c->nal[i] != NULL;
    }

    if (found != 3) {
        tw_log(TW_LOG_ERR, "HEVC encoder headers lack a VPS, SPS or PPS");
        return AVERROR_BUG;
    }

    /* the SPS's RBSP: emulation prevention bytes (00 00 03) removed, as
     * far as the fields read here go */
    sps = c->nal[1];
    len = c->nal_len[1];

    for (k = 2, n = 0, zeros = 0; k < len && n < sizeof(rbsp); k++) {
        if (zeros >= 2 && sps[k] == 3) {
            zeros = 0;
            continue;
        }

        zeros = sps[k] == 0 ? zeros + 1 : 0;
        rbsp[n++] = sps[k];
    }

    memset(&br, 0, sizeof(tw_bits_t));
    br.p = rbsp;
    br.size = n;

    (void) tw_bits(&br, 4);                         /* sps_vps_id */
    c->sub_layers = (uint8_t) (tw_bits(&br, 3) + 1);
    c->temporal_id_nesting = (uint8_t) tw_bits(&br, 1);

    /* profile_tier_level(1, sps_max_sub_layers_minus1) */
    c->profile_space = (uint8_t) tw_bits(&br, 2);
    c->tier = (uint8_t) tw_bits(&br, 1);
    c->profile_idc = (uint8_t) tw_bits(&br, 5);
    c->compat = tw_bits(&br, 32);

    for (i = 0; i < 6; i++) {
        c->constraint[i] = (uint8_t) tw_bits(&br, 8);
    }

    c->level_idc = (uint8_t) tw_bits(&br, 8);

    for (sub = 0; sub + 1 < c->sub_layers; sub++) {
        profile_present[sub] = tw_bits(&br, 1);
        level_present[sub] = tw_bits(&br, 1);
    }

    if (c->sub_layers > 1) {
        for (sub = c->sub_layers - 1; sub < 8; sub++) {
            (void) tw_bits(&br, 2);
        }
    }

    for (sub = 0; sub + 1 < c->sub_layers; sub++) {
        if (profile_present[sub]) {
            (void) tw_bits(&br, 32);
            (void) tw_bits(&br, 32);
            (void) tw_bits(&br, 24);
        }
        if (level_present[sub]) {
            (void) tw_bits(&br, 8);
        }
    }

    (void) tw_bits_ue(&br);                         /* sps_id */
    c->chroma_format_idc = (uint8_t) tw_bits_ue(&br);

    if (c->chroma_format_idc == 3) {
        (void) tw_bits(&br, 1);                     /* separate planes */
    }

    (void) tw_bits_ue(&br);                         /* width */
    (void) tw_bits_ue(&br);                         /* height */

    if (tw_bits(&br, 1)) {                          /* conformance window */
        for (i = 0; i < 4; i++) {
            (void) tw_bits_ue(&br);
        }
    }

    c->bit_depth_luma = (uint8_t) (tw_bits_ue(&br) + 8);
    c->bit_depth_chroma = (uint8_t) (tw_bits_ue(&br) + 8);

    if (br.overrun || c->chroma_format_idc > 3 || c->bit_depth_luma > 16
        || c->bit_depth_chroma > 16)
    {
        tw_log(TW_LOG_ERR, "HEVC SPS not understood");
        return AVERROR_BUG;
    }

    return 0;
}


static uint64_t
tw_leb128(const uint8_t *p, size_t size, size_t *pos)
{
    int       i;
    uint64_t  v;

    v = 0;

    for (i = 0; i < 8; i++) {
        if (*pos >= size) {
            *pos = SIZE_MAX;
            return 0;
        }

        v |= (uint64_t) (p[*pos] & 0x7f) << (7 * i);

        if (!(p[(*pos)++] & 0x80)) {
            return v;
        }
    }

    *pos = SIZE_MAX;

    return 0;
}


int
tw_av1_next_obu(const uint8_t *data, size_t size, size_t *pos,
    const uint8_t **obu, size_t *len, size_t *hdr, unsigned *type)
{
    size_t    start, p;
    uint64_t  payload;

    start = *pos;

    if (start >= size) {
        return 0;
    }

    /* forbidden bit clear and obu_has_size_field set */
    if ((data[start] & 0x80) || !(data[start] & 0x02)) {
        return -1;
    }

    p = start + 1 + ((data[start] & 0x04) ? 1 : 0);
    payload = tw_leb128(data, size, &p);

    if (p == SIZE_MAX || p > size || payload > size - p) {
        return -1;
    }

    *type = (data[start] >> 3) & 0x0f;
    *obu = data + start;
    *len = p + payload - start;
    *hdr = p - start;
    *pos = p + payload;

    return 1;
}


int
tw_av1_config(const uint8_t *extradata, size_t size, tw_av1_config_t *c)
{
    int             rc;
    size_t          pos, len, hdr;
    unsigned        type;
    tw_bits_t       br;
    const uint8_t  *obu;

    memset(c, 0, sizeof(tw_av1_config_t));
    pos = 0;

    /* an AV1CodecConfigurationRecord (marker bit set) before the OBUs */
    if (size >= 4 && (extradata[0] & 0x80)) {
        pos = 4;
    }

    while ((rc = tw_av1_next_obu(extradata, size, &pos, &obu, &len, &hdr,
                                 &type))
           > 0)
    {
        if (type == TW_OBU_SEQUENCE_HEADER) {
            break;
        }
    }

    if (rc <= 0) {
        tw_log(TW_LOG_ERR, "AV1 encoder headers lack a sequence header");
        return AVERROR_BUG;
    }

    c->obu = obu;
    c->obu_len = len;

    memset(&br, 0, sizeof(tw_bits_t));
    br.p = obu + hdr;
    br.size = len - hdr;

    if (tw_av1_parse(&br, c) != 0 || br.overrun) {
        tw_log(TW_LOG_ERR, "AV1 sequence header not understood");
        return AVERROR_BUG;
    }

    return 0;
}


/* sequence_header_obu() (AV1 5.5) as far as color_config() */
static int
tw_av1_parse(tw_bits_t *br, tw_av1_config_t *c)
{
    unsigned  i, reduced, timing, decoder_model, display_delay, points;
    unsigned  idc, level, tier, delay_len, wbits, hbits, order_hint;
    unsigned  screen;

    c->profile = (uint8_t) tw_bits(br, 3);
    (void) tw_bits(br, 1);                          /* still_picture */
    reduced = tw_bits(br, 1);
    decoder_model = 0;
    delay_len = 0;

    if (reduced) {
        c->level = (uint8_t) tw_bits(br, 5);

    } else {
        timing = tw_bits(br, 1);

        if (timing) {
            (void) tw_bits(br, 32);                 /* units per tick */
            (void) tw_bits(br, 32);                 /* time_scale */

            if (tw_bits(br, 1)) {                   /* equal intervals */
                /* num_ticks_per_picture_minus_1, uvlc() */
                for (i = 0; i < 32 && !tw_bits(br, 1); i++) {
                    /* leading zeros */
                }
                if (i < 32) {
                    (void) tw_bits(br, i);
                }
            }

            decoder_model = tw_bits(br, 1);

            if (decoder_model) {
                delay_len = tw_bits(br, 5) + 1;
                (void) tw_bits(br, 32);             /* decoding tick */
                (void) tw_bits(br, 5);              /* removal time len */
                (void) tw_bits(br, 5);              /* presentation len */
            }
        }

        display_delay = tw_bits(br, 1);
        points = tw_bits(br, 5) + 1;

        for (i = 0; i < points; i++) {
            idc = tw_bits(br, 12);
            level = tw_bits(br, 5);
            tier = level > 7 ? tw_bits(br, 1) : 0;
            (void) idc;

            if (i == 0) {
                c->level = (uint8_t) level;
                c->tier = (uint8_t) tier;
            }

            if (decoder_model && tw_bits(br, 1)) {
                (void) tw_bits(br, delay_len);      /* decoder delay */
                (void) tw_bits(br, delay_len);      /* encoder delay */
                (void) tw_bits(br, 1);              /* low delay */
            }

            if (display_delay && tw_bits(br, 1)) {
                (void) tw_bits(br, 4);
            }
        }
    }

    wbits = tw_bits(br, 4) + 1;
    hbits = tw_bits(br, 4) + 1;
    (void) tw_bits(br, wbits);
    (void) tw_bits(br, hbits);

    if (!reduced && tw_bits(br, 1)) {               /* frame ids */
        (void) tw_bits(br, 4);
        (void) tw_bits(br, 3);
    }

    (void) tw_bits(br, 3);        /* 128x128 sb, filter intra, edge filter */

    if (!reduced) {
        (void) tw_bits(br, 4);    /* interintra, masked, warped, dual */
        order_hint = tw_bits(br, 1);

        if (order_hint) {
            (void) tw_bits(br, 2);                  /* jnt_comp, ref mvs */
        }

        screen = tw_bits(br, 1) ? 2 : tw_bits(br, 1);

        if (screen > 0 && !tw_bits(br, 1)) {        /* choose integer mv */
            (void) tw_bits(br, 1);
        }

        if (order_hint) {
            (void) tw_bits(br, 3);
        }
    }

    (void) tw_bits(br, 3);                /* superres, cdef, restoration */

    return tw_av1_color(br, c);
}


/* color_config() (AV1 5.5.2): bit depth, monochrome, chroma subsampling
 * and sample position, what av1C records */
static int
tw_av1_color(tw_bits_t *br, tw_av1_config_t *c)
{
    unsigned  high, twelve, primaries, transfer, matrix;

    high = tw_bits(br, 1);
    twelve = (c->profile == 2 && high) ? tw_bits(br, 1) : 0;
    c->bit_depth = (uint8_t) (twelve ? 12 : high ? 10 : 8);
    c->mono = (uint8_t) (c->profile == 1 ? 0 : tw_bits(br, 1));

    primaries = 2;                                  /* unspecified */
    transfer = 2;
    matrix = 2;

    if (tw_bits(br, 1)) {
        primaries = tw_bits(br, 8);
        transfer = tw_bits(br, 8);
        matrix = tw_bits(br, 8);
    }

    if (c->mono) {
        (void) tw_bits(br, 1);                      /* color_range */
        c->subx = 1;
        c->suby = 1;
        return 0;
    }

    if (primaries == 1 && transfer == 13 && matrix == 0) {
        /* sRGB: 4:4:4, full range */
        return 0;
    }

    (void) tw_bits(br, 1);                          /* color_range */

    if (c->profile == 0) {
        c->subx = 1;
        c->suby = 1;

    } else if (c->profile == 1) {
        c->subx = 0;
        c->suby = 0;

    } else if (c->bit_depth == 12) {
        c->subx = (uint8_t) tw_bits(br, 1);
        c->suby = c->subx ? (uint8_t) tw_bits(br, 1) : 0;

    } else {
        c->subx = 1;
        c->suby = 0;
    }

    if (c->subx && c->suby) {
        c->chroma_position = (uint8_t) tw_bits(br, 2);
    }

    return 0;
}


uint32_t
tw_codec_crf(unsigned family, uint32_t crf)
{
    /* measured on the demo's first 6 s at 360p, PSNR against the source
     * (x264 veryfast crf 23: 40.5 dB): x265 superfast crf 26 40.7 dB in
     * 13% fewer bits, crf 27 40.0 dB in 22% fewer; SVT-AV1 preset 10
     * crf 45 40.8 dB in 35% fewer */
    switch (family) {

    case VO_CODEC_HEVC:
        return crf + 4 > 51 ? 51 : crf + 4;

    case VO_CODEC_AV1:
        return crf + 22 > 63 ? 63 : crf + 22;

    default:
        return crf;
    }
}


int
tw_codec_string(unsigned family, const uint8_t *extradata, int size,
    char *buf, size_t len)
{
    int               i, last, n;
    uint32_t          rev;
    tw_av1_config_t   av1;
    tw_hevc_config_t  hevc;

    switch (family) {

    case VO_CODEC_AVC:
        return tw_avc_codec_string(extradata, size, buf, len);

    case VO_CODEC_HEVC:
        if (tw_hevc_config(extradata, size, &hevc) != 0) {
            return AVERROR_BUG;
        }

        /* ISO/IEC 14496-15 E.3: the compatibility flags bit-reversed,
         * in hex; the constraint bytes up to the last non-zero one */
        for (i = 0, rev = 0; i < 32; i++) {
            rev |= ((hevc.compat >> i) & 1) << (31 - i);
        }

        n = snprintf(buf, len, "hvc1.%s%u.%X.%c%u",
                     hevc.profile_space == 0 ? ""
                     : (const char *[]) { "", "A", "B", "C" }
                       [hevc.profile_space],
                     hevc.profile_idc, rev, hevc.tier ? 'H' : 'L',
                     hevc.level_idc);

        for (last = 5; last >= 0 && hevc.constraint[last] == 0; last--) {
            /* trailing zero bytes are omitted */
        }

        for (i = 0; i <= last && n > 0 && (size_t) n < len; i++) {
            n += snprintf(buf + n, len - n, ".%02X", hevc.constraint[i]);
        }

        break;

    case VO_CODEC_AV1:
        if (tw_av1_config(extradata, size, &av1) != 0) {
            return AVERROR_BUG;
        }

        n = snprintf(buf, len, "av01.%u.%02u%c.%02u", av1.profile, av1.level,
                     av1.tier ? 'H' : 'M', av1.bit_depth);
        break;

    default:
        tw_log(TW_LOG_ERR, "unknown video codec family %u", family);
        return AVERROR_BUG;
    }

    if (n <= 0 || (size_t) n >= len) {
        tw_log(TW_LOG_ERR, "codecs string too long");
        return AVERROR_BUG;
    }

    return 0;
}
