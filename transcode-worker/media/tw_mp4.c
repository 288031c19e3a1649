/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdlib.h>
#include <string.h>

#include <libavutil/error.h>

#include "common/tw_log.h"
#include "media/tw_codec.h"
#include "media/tw_encode.h"
#include "media/tw_mp4.h"


/* sample_flags (ISO/IEC 14496-12 8.8.3.1) */
#define TW_FLAGS_SYNC         0x02000000   /* depends on no other sample */
#define TW_FLAGS_NONSYNC      0x01010000   /* depends on others, non-sync */

#define TW_TRUN_DATA_OFFSET   0x000001
#define TW_TRUN_DURATION      0x000100
#define TW_TRUN_SIZE          0x000200
#define TW_TRUN_FLAGS         0x000400
#define TW_TRUN_CTS           0x000800

#define TW_TFHD_BASE_IS_MOOF  0x020000

#define TW_BOX_DEPTH          12


/* a box writer: open boxes are kept on a stack and their sizes patched
 * when they are closed */
typedef struct {
    tw_bytes_t  *b;
    size_t       open[TW_BOX_DEPTH];
    int          depth;
} tw_mp4_t;


static void tw_w8(tw_bytes_t *b, uint32_t v);
static void tw_w16(tw_bytes_t *b, uint32_t v);
static void tw_w24(tw_bytes_t *b, uint32_t v);
static void tw_w32(tw_bytes_t *b, uint32_t v);
static void tw_w64(tw_bytes_t *b, uint64_t v);
static void tw_wtag(tw_bytes_t *b, const char *tag);
static void tw_wzero(tw_bytes_t *b, size_t n);
static void tw_patch32(tw_bytes_t *b, size_t at, uint32_t v);
static void tw_open(tw_mp4_t *w, const char *type);
static void tw_open_full(tw_mp4_t *w, const char *type, uint32_t version,
    uint32_t flags);
static void tw_close(tw_mp4_t *w);
static void tw_matrix(tw_bytes_t *b);
static void tw_init_head(tw_mp4_t *w, uint32_t timescale, uint32_t width,
    uint32_t height, int video);
static void tw_init_tail(tw_mp4_t *w);
static int tw_avcc(tw_mp4_t *w, const uint8_t *extradata, int size);
static int tw_hvcc(tw_mp4_t *w, const uint8_t *extradata, int size);
static int tw_av1c(tw_mp4_t *w, const uint8_t *extradata, int size);
static void tw_sample_nals(unsigned family, const AVPacket *pkt,
    tw_bytes_t *mdat);
static int tw_sample_obus(const AVPacket *pkt, tw_bytes_t *mdat);
static void tw_descr(tw_bytes_t *b, uint32_t tag, uint32_t len);
static int tw_fragment(uint32_t n, uint64_t tfdt, uint32_t trun_flags,
    uint32_t nsamples, const uint32_t *sizes, const uint32_t *durations,
    const uint32_t *flags, const int32_t *cts, tw_bytes_t *mdat,
    tw_bytes_t *out);


void
tw_bytes_free(tw_bytes_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}


void
tw_bytes_append(tw_bytes_t *b, const void *data, size_t len)
{
    size_t    cap;
    uint8_t  *p;

    if (b->failed || len == 0) {
        return;
    }

    if (b->len + len > b->cap) {
        cap = b->cap ? b->cap : 4096;
        while (cap < b->len + len) {
            cap *= 2;
        }

        p = realloc(b->data, cap);
        if (p == NULL) {
            b->failed = 1;
            return;
        }

        b->data = p;
        b->cap = cap;
    }

    memcpy(b->data + b->len, data, len);
    b->len += len;
}


static void
tw_w8(tw_bytes_t *b, uint32_t v)
{
    uint8_t  c = (uint8_t) v;

    tw_bytes_append(b, &c, 1);
}


static void
tw_w16(tw_bytes_t *b, uint32_t v)
{
    uint8_t  c[2] = { (uint8_t) (v >> 8), (uint8_t) v };

    tw_bytes_append(b, c, 2);
}


static void
tw_w24(tw_bytes_t *b, uint32_t v)
{
    uint8_t  c[3] = { (uint8_t) (v >> 16), (uint8_t) (v >> 8), (uint8_t) v };

    tw_bytes_append(b, c, 3);
}


static void
tw_w32(tw_bytes_t *b, uint32_t v)
{
    uint8_t  c[4] = { (uint8_t) (v >> 24), (uint8_t) (v >> 16),
                      (uint8_t) (v >> 8), (uint8_t) v };

    tw_bytes_append(b, c, 4);
}


static void
tw_w64(tw_bytes_t *b, uint64_t v)
{
    tw_w32(b, (uint32_t) (v >> 32));
    tw_w32(b, (uint32_t) v);
}


static void
tw_wtag(tw_bytes_t *b, const char *tag)
{
    tw_bytes_append(b, tag, 4);
}


static void
tw_wzero(tw_bytes_t *b, size_t n)
{
    static const uint8_t  zero[64];

    while (n > sizeof(zero)) {
        tw_bytes_append(b, zero, sizeof(zero));
        n -= sizeof(zero);
    }

    tw_bytes_append(b, zero, n);
}


static void
tw_patch32(tw_bytes_t *b, size_t at, uint32_t v)
{
    if (b->failed || at + 4 > b->len) {
        return;
    }

    b->data[at] = (uint8_t) (v >> 24);
    b->data[at + 1] = (uint8_t) (v >> 16);
    b->data[at + 2] = (uint8_t) (v >> 8);
    b->data[at + 3] = (uint8_t) v;
}


static void
tw_open(tw_mp4_t *w, const char *type)
{
    if (w->depth == TW_BOX_DEPTH) {
        w->b->failed = 1;
        return;
    }

    w->open[w->depth++] = w->b->len;
    tw_w32(w->b, 0);
    tw_wtag(w->b, type);
}


static void
tw_open_full(tw_mp4_t *w, const char *type, uint32_t version,
    uint32_t flags)
{
    tw_open(w, type);
    tw_w8(w->b, version);
    tw_w24(w->b, flags);
}


static void
tw_close(tw_mp4_t *w)
{
    size_t  start;

    if (w->depth == 0) {
        w->b->failed = 1;
        return;
    }

    start = w->open[--w->depth];
    tw_patch32(w->b, start, (uint32_t) (w->b->len - start));
}


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
tw_init_head(tw_mp4_t *w, uint32_t timescale, uint32_t width,
    uint32_t height, int video)
{
    tw_bytes_t  *b = w->b;

    tw_open(w, "ftyp");
    tw_wtag(b, "iso6");
    tw_w32(b, 0);
    tw_wtag(b, "iso6");
    tw_wtag(b, "cmfc");
    tw_wtag(b, "dash");
    tw_wtag(b, "mp41");
    tw_close(w);

    tw_open(w, "moov");

    tw_open_full(w, "mvhd", 0, 0);
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
    tw_close(w);

    tw_open(w, "trak");

    tw_open_full(w, "tkhd", 0, 0x000003);      /* enabled, in movie */
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
    tw_close(w);

    tw_open(w, "mdia");

    tw_open_full(w, "mdhd", 0, 0);
    tw_w32(b, 0);
    tw_w32(b, 0);
    tw_w32(b, timescale);
    tw_w32(b, 0);
    tw_w16(b, 0x55c4);                         /* "und" */
    tw_w16(b, 0);
    tw_close(w);

    tw_open_full(w, "hdlr", 0, 0);
    tw_w32(b, 0);
    tw_wtag(b, video ? "vide" : "soun");
    tw_wzero(b, 12);
    tw_bytes_append(b, video ? "VideoHandler" : "SoundHandler", 13);
    tw_close(w);

    tw_open(w, "minf");

    if (video) {
        tw_open_full(w, "vmhd", 0, 1);
        tw_wzero(b, 8);                        /* graphicsmode, opcolor */

    } else {
        tw_open_full(w, "smhd", 0, 0);
        tw_wzero(b, 4);                        /* balance, reserved */
    }
    tw_close(w);

    tw_open(w, "dinf");
    tw_open_full(w, "dref", 0, 0);
    tw_w32(b, 1);
    tw_open_full(w, "url ", 0, 1);             /* media in this file */
    tw_close(w);
    tw_close(w);
    tw_close(w);

    tw_open(w, "stbl");
    tw_open_full(w, "stsd", 0, 0);
    tw_w32(b, 1);
}


/* closes stsd, writes the empty sample tables, closes stbl, minf, mdia
 * and trak, writes mvex/trex and closes moov */
static void
tw_init_tail(tw_mp4_t *w)
{
    tw_bytes_t  *b = w->b;

    tw_close(w);                               /* stsd */

    tw_open_full(w, "stts", 0, 0);
    tw_w32(b, 0);
    tw_close(w);

    tw_open_full(w, "stsc", 0, 0);
    tw_w32(b, 0);
    tw_close(w);

    tw_open_full(w, "stsz", 0, 0);
    tw_w32(b, 0);
    tw_w32(b, 0);
    tw_close(w);

    tw_open_full(w, "stco", 0, 0);
    tw_w32(b, 0);
    tw_close(w);

    tw_close(w);                               /* stbl */
    tw_close(w);                               /* minf */
    tw_close(w);                               /* mdia */
    tw_close(w);                               /* trak */

    tw_open(w, "mvex");
    tw_open_full(w, "trex", 0, 0);
    tw_w32(b, 1);                              /* track_ID */
    tw_w32(b, 1);                              /* sample description */
    tw_w32(b, 0);                              /* duration */
    tw_w32(b, 0);                              /* size */
    tw_w32(b, 0);                              /* flags */
    tw_close(w);
    tw_close(w);

    tw_close(w);                               /* moov */
}


/* AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1) */
static int
tw_avcc(tw_mp4_t *w, const uint8_t *extradata, int size)
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

    tw_open(w, "avcC");
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

    tw_close(w);

    return 0;
}


/* HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1) */
static int
tw_hvcc(tw_mp4_t *w, const uint8_t *extradata, int size)
{
    int               i;
    tw_bytes_t       *b = w->b;
    tw_hevc_config_t  c;

    if (tw_hevc_config(extradata, size, &c) != 0) {
        return AVERROR_BUG;
    }

    tw_open(w, "hvcC");
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

    tw_close(w);

    return 0;
}


/* AV1CodecConfigurationRecord (AV1-ISOBMFF 2.3) */
static int
tw_av1c(tw_mp4_t *w, const uint8_t *extradata, int size)
{
    tw_bytes_t       *b = w->b;
    tw_av1_config_t   c;

    if (tw_av1_config(extradata, size, &c) != 0) {
        return AVERROR_BUG;
    }

    tw_open(w, "av1C");
    tw_w8(b, 0x81);                            /* marker, version 1 */
    tw_w8(b, (c.profile << 5) | c.level);
    tw_w8(b, (c.tier << 7) | ((c.bit_depth > 8) << 6)
             | ((c.bit_depth == 12) << 5) | (c.mono << 4) | (c.subx << 3)
             | (c.suby << 2) | c.chroma_position);
    tw_w8(b, 0);                               /* no presentation delay */
    tw_bytes_append(b, c.obu, c.obu_len);
    tw_close(w);

    return 0;
}


int
tw_mp4_init_video(const vo_media_t *m, const vo_video_t *v,
    const uint8_t *extradata, int size, tw_bytes_t *out)
{
    int          ret;
    unsigned     family;
    tw_mp4_t     w;
    tw_bytes_t  *b = out;

    memset(&w, 0, sizeof(tw_mp4_t));
    w.b = out;
    family = tw_video_family(v);

    tw_init_head(&w, m->video_timescale, v->width, v->height, 1);

    tw_open(&w, family == VO_CODEC_HEVC ? "hvc1"
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

    tw_open(&w, "pasp");
    tw_w32(b, 1);
    tw_w32(b, 1);
    tw_close(&w);

    tw_close(&w);                              /* sample entry */

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
    tw_mp4_t     w;
    tw_bytes_t  *b = out;

    memset(&w, 0, sizeof(tw_mp4_t));
    w.b = out;

    tw_init_head(&w, a->sample_rate, 0, 0, 0);

    tw_open(&w, "mp4a");
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
    tw_open_full(&w, "esds", 0, 0);
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
    tw_close(&w);

    tw_close(&w);                              /* mp4a */

    tw_init_tail(&w);

    return (b->failed || w.depth) ? AVERROR(ENOMEM) : 0;
}


/* styp + moof(mfhd, traf(tfhd, tfdt, trun)) + mdat */
static int
tw_fragment(uint32_t n, uint64_t tfdt, uint32_t trun_flags,
    uint32_t nsamples, const uint32_t *sizes, const uint32_t *durations,
    const uint32_t *flags, const int32_t *cts, tw_bytes_t *mdat,
    tw_bytes_t *out)
{
    size_t       moof, offset_at;
    uint32_t     k;
    tw_mp4_t     w;
    tw_bytes_t  *b = out;

    memset(&w, 0, sizeof(tw_mp4_t));
    w.b = out;

    tw_open(&w, "styp");
    tw_wtag(b, "msdh");
    tw_w32(b, 0);
    tw_wtag(b, "msdh");
    tw_wtag(b, "cmfs");
    tw_close(&w);

    moof = b->len;
    tw_open(&w, "moof");

    tw_open_full(&w, "mfhd", 0, 0);
    tw_w32(b, n + 1);                          /* sequence_number */
    tw_close(&w);

    tw_open(&w, "traf");

    tw_open_full(&w, "tfhd", 0, TW_TFHD_BASE_IS_MOOF);
    tw_w32(b, 1);                              /* track_ID */
    tw_close(&w);

    tw_open_full(&w, "tfdt", 1, 0);
    tw_w64(b, tfdt);
    tw_close(&w);

    tw_open_full(&w, "trun", 1, trun_flags);
    tw_w32(b, nsamples);
    offset_at = b->len;
    tw_w32(b, 0);                              /* data_offset, below */

    for (k = 0; k < nsamples; k++) {
        if (trun_flags & TW_TRUN_DURATION) {
            tw_w32(b, durations[k]);
        }
        if (trun_flags & TW_TRUN_SIZE) {
            tw_w32(b, sizes[k]);
        }
        if (trun_flags & TW_TRUN_FLAGS) {
            tw_w32(b, flags[k]);
        }
        if (trun_flags & TW_TRUN_CTS) {
            tw_w32(b, (uint32_t) cts[k]);
        }
    }

    tw_close(&w);                              /* trun */
    tw_close(&w);                              /* traf */
    tw_close(&w);                              /* moof */

    /* the first sample follows the mdat header */
    tw_patch32(b, offset_at, (uint32_t) (b->len - moof + 8));

    tw_w32(b, (uint32_t) (8 + mdat->len));
    tw_wtag(b, "mdat");
    tw_bytes_append(b, mdat->data, mdat->len);

    return (b->failed || mdat->failed) ? AVERROR(ENOMEM) : 0;
}


/* an H.264 or HEVC sample: Annex B to 4-byte length prefixes; access
 * unit delimiters and (HEVC, hvc1) parameter sets dropped, SEI kept */
static void
tw_sample_nals(unsigned family, const AVPacket *pkt, tw_bytes_t *mdat)
{
    size_t          pos, len;
    unsigned        type;
    const uint8_t  *nal;
    uint8_t         hdr[4];

    pos = 0;

    while (tw_annexb_next(pkt->data, pkt->size, &pos, &nal, &len)) {
        if (len == 0) {
            continue;
        }

        if (family == VO_CODEC_HEVC) {
            type = (nal[0] >> 1) & 0x3f;
            if (type == 35 || (type >= 32 && type <= 34)) {
                continue;
            }

        } else if ((nal[0] & 0x1f) == 9) {
            continue;
        }

        hdr[0] = (uint8_t) (len >> 24);
        hdr[1] = (uint8_t) (len >> 16);
        hdr[2] = (uint8_t) (len >> 8);
        hdr[3] = (uint8_t) len;
        tw_bytes_append(mdat, hdr, 4);
        tw_bytes_append(mdat, nal, len);
    }
}


/* an AV1 sample: the temporal unit's OBUs without temporal delimiters
 * and padding (AV1-ISOBMFF 2.4) */
static int
tw_sample_obus(const AVPacket *pkt, tw_bytes_t *mdat)
{
    int             rc;
    size_t          pos, len, hdr;
    unsigned        type;
    const uint8_t  *obu;

    pos = 0;

    while ((rc = tw_av1_next_obu(pkt->data, pkt->size, &pos, &obu, &len,
                                 &hdr, &type)) > 0)
    {
        if (type != TW_OBU_TEMPORAL_DELIMITER && type != TW_OBU_PADDING) {
            tw_bytes_append(mdat, obu, len);
        }
    }

    if (rc < 0) {
        tw_log(TW_LOG_ERR, "AV1 encoder gave a malformed temporal unit");
        return AVERROR_BUG;
    }

    return 0;
}


int
tw_mp4_video_segment(unsigned family, uint32_t n, uint64_t first,
    uint32_t ticks, AVPacket **pkts, size_t npkts, tw_bytes_t *out)
{
    int              ret;
    size_t           k, before;
    uint32_t        *sizes, *durations, *flags;
    int32_t         *cts;
    tw_bytes_t       mdat;

    memset(&mdat, 0, sizeof(tw_bytes_t));

    sizes = calloc(npkts ? npkts : 1, 3 * sizeof(uint32_t)
                                      + sizeof(int32_t));
    if (sizes == NULL) {
        return AVERROR(ENOMEM);
    }

    durations = sizes + npkts;
    flags = durations + npkts;
    cts = (int32_t *) (flags + npkts);
    ret = 0;

    for (k = 0; k < npkts; k++) {
        before = mdat.len;

        if (family == VO_CODEC_AV1) {
            ret = tw_sample_obus(pkts[k], &mdat);
            if (ret < 0) {
                goto end;
            }

        } else {
            tw_sample_nals(family, pkts[k], &mdat);
        }

        sizes[k] = (uint32_t) (mdat.len - before);
        durations[k] = ticks;
        flags[k] = (pkts[k]->flags & AV_PKT_FLAG_KEY) ? TW_FLAGS_SYNC
                                                      : TW_FLAGS_NONSYNC;
        cts[k] = (int32_t) ((pkts[k]->pts - (int64_t) (first + k))
                            * (int64_t) ticks);
    }

    ret = tw_fragment(n, first * ticks,
                      TW_TRUN_DATA_OFFSET | TW_TRUN_DURATION | TW_TRUN_SIZE
                      | TW_TRUN_FLAGS | TW_TRUN_CTS,
                      (uint32_t) npkts, sizes, durations, flags, cts, &mdat,
                      out);

end:

    tw_bytes_free(&mdat);
    free(sizes);

    return ret;
}


int
tw_mp4_audio_segment(uint32_t n, uint64_t first, AVPacket **pkts,
    size_t npkts, tw_bytes_t *out)
{
    int          ret;
    size_t       k;
    uint32_t    *sizes, *durations;
    tw_bytes_t   mdat;

    memset(&mdat, 0, sizeof(tw_bytes_t));

    sizes = calloc(npkts ? npkts : 1, 2 * sizeof(uint32_t));
    if (sizes == NULL) {
        return AVERROR(ENOMEM);
    }

    durations = sizes + npkts;

    for (k = 0; k < npkts; k++) {
        sizes[k] = pkts[k]->size;
        durations[k] = VO_AAC_FRAME;
        tw_bytes_append(&mdat, pkts[k]->data, pkts[k]->size);
    }

    /* every AAC frame is a sync sample: trex's default flags (0) */
    ret = tw_fragment(n, first * VO_AAC_FRAME,
                      TW_TRUN_DATA_OFFSET | TW_TRUN_DURATION | TW_TRUN_SIZE,
                      (uint32_t) npkts, sizes, durations, NULL, NULL, &mdat,
                      out);

    tw_bytes_free(&mdat);
    free(sizes);

    return ret;
}
