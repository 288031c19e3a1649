/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdlib.h>
#include <string.h>

#include <libavutil/error.h>

#include "common/tw_log.h"
#include "media/tw_box.h"
#include "media/tw_codec.h"
#include "media/tw_mp4_fragment.h"


/* sample_flags (ISO/IEC 14496-12 8.8.3.1) */
#define TW_FLAGS_SYNC         0x02000000   /* depends on no other sample */
#define TW_FLAGS_NONSYNC      0x01010000   /* depends on others, non-sync */

#define TW_TRUN_DATA_OFFSET   0x000001
#define TW_TRUN_DURATION      0x000100
#define TW_TRUN_SIZE          0x000200
#define TW_TRUN_FLAGS         0x000400
#define TW_TRUN_CTS           0x000800

#define TW_TFHD_BASE_IS_MOOF  0x020000


static int tw_fragment(uint32_t n, uint64_t tfdt, uint32_t trun_flags,
    uint32_t nsamples, const uint32_t *sizes, const uint32_t *durations,
    const uint32_t *flags, const int32_t *cts, tw_bytes_t *mdat,
    tw_bytes_t *out);
static void tw_sample_nals(unsigned family, const AVPacket *pkt,
    tw_bytes_t *mdat);
static int tw_sample_obus(const AVPacket *pkt, tw_bytes_t *mdat);


/* styp + moof(mfhd, traf(tfhd, tfdt, trun)) + mdat */
static int
tw_fragment(uint32_t n, uint64_t tfdt, uint32_t trun_flags,
    uint32_t nsamples, const uint32_t *sizes, const uint32_t *durations,
    const uint32_t *flags, const int32_t *cts, tw_bytes_t *mdat,
    tw_bytes_t *out)
{
    size_t       moof, offset_at;
    uint32_t     k;
    tw_box_t     w;
    tw_bytes_t  *b = out;

    memset(&w, 0, sizeof(tw_box_t));
    w.b = out;

    tw_box_open(&w, "styp");
    tw_wtag(b, "msdh");
    tw_w32(b, 0);
    tw_wtag(b, "msdh");
    tw_wtag(b, "cmfs");
    tw_box_close(&w);

    moof = b->len;
    tw_box_open(&w, "moof");

    tw_box_open_full(&w, "mfhd", 0, 0);
    tw_w32(b, n + 1);                          /* sequence_number */
    tw_box_close(&w);

    tw_box_open(&w, "traf");

    tw_box_open_full(&w, "tfhd", 0, TW_TFHD_BASE_IS_MOOF);
    tw_w32(b, 1);                              /* track_ID */
    tw_box_close(&w);

    tw_box_open_full(&w, "tfdt", 1, 0);
    tw_w64(b, tfdt);
    tw_box_close(&w);

    tw_box_open_full(&w, "trun", 1, trun_flags);
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

    tw_box_close(&w);                          /* trun */
    tw_box_close(&w);                          /* traf */
    tw_box_close(&w);                          /* moof */

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
