/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <string.h>

#include <libavutil/error.h>

#include "common/tw_log.h"
#include "media/tw_box.h"
#include "media/tw_codec.h"
#include "media/tw_mp4_init.h"


static void tw_matrix(tw_bytes_t *b);
static void tw_init_head(tw_box_t *w, uint32_t timescale, uint32_t width,
    uint32_t height, int video);
static void tw_init_tail(tw_box_t *w);
static int tw_avcc(tw_box_t *w, const uint8_t *extradata, int size);
static int tw_hvcc(tw_box_t *w, const uint8_t *extradata, int size);
static int tw_av1c(tw_box_t *w, const uint8_t *extradata, int size);
static void tw_descr(tw_bytes_t *b, uint32_t tag, uint32_t len);


static void
tw_matrix(tw_bytes_t *b)
{
    tw_w32(b, 0x00010000);
    tw_wzero(b, 12);
    tw_w32(b, 0x00010000);
    tw_wzero(b, 12);
    tw_w32(b, 0x40000000);
}


/* ftyp, then moov/mvhd, trak/tkhd, mdia/mdhd/hdlr, minf/[vs]mhd/dinf,
 * stbl/stsd with one entry; leaves moov, trak, mdia, minf, stbl and stsd
 * open for the caller's sample entry */
static void
tw_init_head(tw_box_t *w, uint32_t timescale, uint32_t width,
    uint32_t height, int video)
{
    tw_bytes_t  *b = w->b;

    tw_box_open(w, "ftyp");
    tw_wtag(b, "iso6");
    tw_w32(b, 0);
    tw_wtag(b, "iso6");
    tw_wtag(b, "cmfc");
    tw_wtag(b, "dash");
    tw_wtag(b, "mp41");
    tw_box_close(w);

    tw_box_open(w, "moov");

    tw_box_open_full(w, "mvhd", 0, 0);
    tw_w32(b, 0);                              /* creation_time */
    tw_w32(b, 0);                              /* modification_time */
    tw_w32(b, timescale);
    tw_w32(b, 0);                              /* duration: fragmented */
    tw_w32(b, 0x00010000);                     /* rate 1.0 */
    tw_w16(b, 0x0100);                         /* volume 1.0 */
    tw_wzero(b, 2 + 8);
    tw_matrix(b);
    tw_wzero(b, 24);                           /* pre_defined */
    tw_w32(b, 2);                              /* next_track_ID */
    tw_box_close(w);

    tw_box_open(w, "trak");

    tw_box_open_full(w, "tkhd", 0, 0x000003);  /* enabled, in movie */
    tw_w32(b, 0);
    tw_w32(b, 0);
    tw_w32(b, 1);                              /* track_ID */
    tw_w32(b, 0);
    tw_w32(b, 0);                              /* duration */
    tw_wzero(b, 8);
    tw_w16(b, 0);                              /* layer */
    tw_w16(b, 0);                              /* alternate_group */
    tw_w16(b, video ? 0 : 0x0100);             /* volume */
    tw_w16(b, 0);
    tw_matrix(b);
    tw_w32(b, width << 16);
    tw_w32(b, height << 16);
    tw_box_close(w);

    tw_box_open(w, "mdia");

    tw_box_open_full(w, "mdhd", 0, 0);
    tw_w32(b, 0);
    tw_w32(b, 0);
    tw_w32(b, timescale);
    tw_w32(b, 0);
    tw_w16(b, 0x55c4);                         /* "und" */
    tw_w16(b, 0);
    tw_box_close(w);

    tw_box_open_full(w, "hdlr", 0, 0);
    tw_w32(b, 0);
    tw_wtag(b, video ? "vide" : "soun");
    tw_wzero(b, 12);
    tw_bytes_append(b, video ? "VideoHandler" : "SoundHandler", 13);
    tw_box_close(w);

    tw_box_open(w, "minf");

    if (video) {
        tw_box_open_full(w, "vmhd", 0, 1);
        tw_wzero(b, 8);                        /* graphicsmode, opcolor */

    } else {
        tw_box_open_full(w, "smhd", 0, 0);
        tw_wzero(b, 4);                        /* balance, reserved */
    }
    tw_box_close(w);

    tw_box_open(w, "dinf");
    tw_box_open_full(w, "dref", 0, 0);
    tw_w32(b, 1);
    tw_box_open_full(w, "url ", 0, 1);         /* media in this file */
    tw_box_close(w);
    tw_box_close(w);
    tw_box_close(w);

    tw_box_open(w, "stbl");
    tw_box_open_full(w, "stsd", 0, 0);
    tw_w32(b, 1);
}


/* closes stsd, writes the empty sample tables, closes stbl, minf, mdia
 * and trak, writes mvex/trex and closes moov */
static void
tw_init_tail(tw_box_t *w)
{
    tw_bytes_t  *b = w->b;

    tw_box_close(w);                           /* stsd */

    tw_box_open_full(w, "stts", 0, 0);
    tw_w32(b, 0);
    tw_box_close(w);

    tw_box_open_full(w, "stsc", 0, 0);
    tw_w32(b, 0);
    tw_box_close(w);

    tw_box_open_full(w, "stsz", 0, 0);
    tw_w32(b, 0);
    tw_w32(b, 0);
    tw_box_close(w);

    tw_box_open_full(w, "stco", 0, 0);
    tw_w32(b, 0);
    tw_box_close(w);

    tw_box_close(w);                           /* stbl */
    tw_box_close(w);                           /* minf */
    tw_box_close(w);                           /* mdia */
    tw_box_close(w);                           /* trak */

    tw_box_open(w, "mvex");
    tw_box_open_full(w, "trex", 0, 0);
    tw_w32(b, 1);                              /* track_ID */
    tw_w32(b, 1);                              /* sample description */
    tw_w32(b, 0);                              /* duration */
    tw_w32(b, 0);                              /* size */
    tw_w32(b, 0);                              /* flags */
    tw_box_close(w);
    tw_box_close(w);

    tw_box_close(w);                           /* moov */
}


/* AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1) */
static int
tw_avcc(tw_box_t *w, const uint8_t *extradata, int size)
{
    size_t          pos, len, sps_len, pps_len;
    tw_bytes_t     *b = w->b;
    const uint8_t  *nal, *sps, *pps;

    sps = NULL;
    pps = NULL;
    sps_len = 0;
    pps_len = 0;
    pos = 0;

    while (tw_annexb_next(extradata, size, &pos, &nal, &len)) {
        if ((nal[0] & 0x1f) == 7 && sps == NULL && len >= 4) {
            sps = nal;
            sps_len = len;

        } else if ((nal[0] & 0x1f) == 8 && pps == NULL) {
            pps = nal;
            pps_len = len;
        }
    }

    if (sps == NULL || pps == NULL) {
        tw_log(TW_LOG_ERR, "encoder parameter sets lack an SPS or a PPS");
        return AVERROR_BUG;
    }

    tw_box_open(w, "avcC");
    tw_w8(b, 1);                               /* configurationVersion */
    tw_w8(b, sps[1]);                          /* AVCProfileIndication */
    tw_w8(b, sps[2]);                          /* profile_compatibility */
    tw_w8(b, sps[3]);                          /* AVCLevelIndication */
    tw_w8(b, 0xff);                            /* 4-byte NAL lengths */
    tw_w8(b, 0xe1);                            /* one SPS */
    tw_w16(b, sps_len);
    tw_bytes_append(b, sps, sps_len);
    tw_w8(b, 1);                               /* one PPS */
    tw_w16(b, pps_len);
    tw_bytes_append(b, pps, pps_len);

    if (sps[1] == 100 || sps[1] == 110 || sps[1] == 122 || sps[1] == 144) {
        tw_w8(b, 0xfc | 1);                    /* chroma_format_idc 4:2:0 */
        tw_w8(b, 0xf8 | 0);                    /* bit_depth_luma - 8 */
        tw_w8(b, 0xf8 | 0);                    /* bit_depth_chroma - 8 */
        tw_w8(b, 0);                           /* no SPS extensions */
    }

    tw_box_close(w);

    return 0;
}


/* HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1) */
static int
tw_hvcc(tw_box_t *w, const uint8_t *extradata, int size)
{
    int               i;
    tw_bytes_t       *b = w->b;
    tw_hevc_config_t  c;

    if (tw_hevc_config(extradata, size, &c) != 0) {
        return AVERROR_BUG;
    }

    tw_box_open(w, "hvcC");
    tw_w8(b, 1);                               /* configurationVersion */
    tw_w8(b, (c.profile_space << 6) | (c.tier << 5) | c.profile_idc);
    tw_w32(b, c.compat);
    tw_bytes_append(b, c.constraint, 6);
    tw_w8(b, c.level_idc);
    tw_w16(b, 0xf000);                         /* min_spatial_segmentation */
    tw_w8(b, 0xfc);                            /* parallelismType unknown */
    tw_w8(b, 0xfc | c.chroma_format_idc);
    tw_w8(b, 0xf8 | (c.bit_depth_luma - 8));
    tw_w8(b, 0xf8 | (c.bit_depth_chroma - 8));
    tw_w16(b, 0);                              /* avgFrameRate */
    /* constantFrameRate 0, numTemporalLayers, temporalIdNested, 4-byte
     * NAL lengths */
    tw_w8(b, (c.sub_layers << 3) | (c.temporal_id_nesting << 2) | 3);
    tw_w8(b, 3);                               /* VPS, SPS, PPS arrays */

    for (i = 0; i < 3; i++) {
        /* array_completeness: every parameter set is here, none in the
         * samples (hvc1) */
        tw_w8(b, 0x80 | tw_hevc_nal_types[i]);
        tw_w16(b, 1);
        tw_w16(b, c.nal_len[i]);
        tw_bytes_append(b, c.nal[i], c.nal_len[i]);
    }

    tw_box_close(w);

    return 0;
}


/* AV1CodecConfigurationRecord (AV1-ISOBMFF 2.3) */
static int
tw_av1c(tw_box_t *w, const uint8_t *extradata, int size)
{
    tw_bytes_t       *b = w->b;
    tw_av1_config_t   c;

    if (tw_av1_config(extradata, size, &c) != 0) {
        return AVERROR_BUG;
    }

    tw_box_open(w, "av1C");
    tw_w8(b, 0x81);                            /* marker, version 1 */
    tw_w8(b, (c.profile << 5) | c.level);
    tw_w8(b, (c.tier << 7) | ((c.bit_depth > 8) << 6)
             | ((c.bit_depth == 12) << 5) | (c.mono << 4) | (c.subx << 3)
             | (c.suby << 2) | c.chroma_position);
    tw_w8(b, 0);                               /* no presentation delay */
    tw_bytes_append(b, c.obu, c.obu_len);
    tw_box_close(w);

    return 0;
}


int
tw_mp4_init_video(const vo_media_t *m, const vo_video_t *v,
    const uint8_t *extradata, int size, tw_bytes_t *out)
{
    int          ret;
    unsigned     family;
    tw_box_t     w;
    tw_bytes_t  *b = out;

    memset(&w, 0, sizeof(tw_box_t));
    w.b = out;
    family = tw_video_family(v);

    tw_init_head(&w, m->video_timescale, v->width, v->height, 1);

    tw_box_open(&w, family == VO_CODEC_HEVC ? "hvc1"
                    : family == VO_CODEC_AV1 ? "av01" : "avc1");
    tw_wzero(b, 6);
    tw_w16(b, 1);                              /* data_reference_index */
    tw_wzero(b, 16);
    tw_w16(b, v->width);
    tw_w16(b, v->height);
    tw_w32(b, 0x00480000);                     /* 72 dpi */
    tw_w32(b, 0x00480000);
    tw_w32(b, 0);
    tw_w16(b, 1);                              /* frame_count */
    tw_wzero(b, 32);                           /* compressorname */
    tw_w16(b, 0x0018);                         /* depth */
    tw_w16(b, 0xffff);                         /* pre_defined = -1 */

    ret = family == VO_CODEC_HEVC ? tw_hvcc(&w, extradata, size)
          : family == VO_CODEC_AV1 ? tw_av1c(&w, extradata, size)
          : tw_avcc(&w, extradata, size);
    if (ret < 0) {
        return ret;
    }

    tw_box_open(&w, "pasp");
    tw_w32(b, 1);
    tw_w32(b, 1);
    tw_box_close(&w);

    tw_box_close(&w);                          /* sample entry */

    tw_init_tail(&w);

    return (b->failed || w.depth) ? AVERROR(ENOMEM) : 0;
}


/* an MPEG-4 descriptor header with a 4-byte size, as most muxers do */
static void
tw_descr(tw_bytes_t *b, uint32_t tag, uint32_t len)
{
    tw_w8(b, tag);
    tw_w8(b, 0x80 | ((len >> 21) & 0x7f));
    tw_w8(b, 0x80 | ((len >> 14) & 0x7f));
    tw_w8(b, 0x80 | ((len >> 7) & 0x7f));
    tw_w8(b, len & 0x7f);
}


int
tw_mp4_init_audio(const vo_audio_t *a, const uint8_t *asc, int size,
    tw_bytes_t *out)
{
    tw_box_t     w;
    tw_bytes_t  *b = out;

    memset(&w, 0, sizeof(tw_box_t));
    w.b = out;

    tw_init_head(&w, a->sample_rate, 0, 0, 0);

    tw_box_open(&w, "mp4a");
    tw_wzero(b, 6);
    tw_w16(b, 1);                              /* data_reference_index */
    tw_wzero(b, 8);
    tw_w16(b, a->channels);
    tw_w16(b, 16);                             /* samplesize */
    tw_w16(b, 0);
    tw_w16(b, 0);
    tw_w32(b, a->sample_rate << 16);

    /* esds: ES_Descriptor { DecoderConfigDescriptor { DecoderSpecific
     * Info = AudioSpecificConfig }, SLConfigDescriptor } */
    tw_box_open_full(&w, "esds", 0, 0);
    tw_descr(b, 0x03, 3 + (5 + 13 + 5 + size) + (5 + 1));
    tw_w16(b, 1);                              /* ES_ID */
    tw_w8(b, 0);                               /* no flags */
    tw_descr(b, 0x04, 13 + 5 + size);
    tw_w8(b, 0x40);                            /* MPEG-4 audio */
    tw_w8(b, 0x15);                            /* audio stream */
    tw_w24(b, 6144);                           /* bufferSizeDB */
    tw_w32(b, a->bitrate);                     /* maxBitrate */
    tw_w32(b, a->bitrate);                     /* avgBitrate */
    tw_descr(b, 0x05, size);
    tw_bytes_append(b, asc, size);
    tw_descr(b, 0x06, 1);
    tw_w8(b, 0x02);                            /* predefined: MP4 */
    tw_box_close(&w);

    tw_box_close(&w);                          /* mp4a */

    tw_init_tail(&w);

    return (b->failed || w.depth) ? AVERROR(ENOMEM) : 0;
}
