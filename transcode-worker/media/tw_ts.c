/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <string.h>

#include <libavformat/avformat.h>
#include <libavutil/mathematics.h>

#include "common/tw_log.h"
#include "media/tw_source.h"
#include "media/tw_ts.h"


static int tw_ts_stream(AVFormatContext *oc, AVCodecContext *enc);


static int
tw_ts_stream(AVFormatContext *oc, AVCodecContext *enc)
{
    int        ret;
    AVStream  *st;

    st = avformat_new_stream(oc, NULL);
    if (st == NULL) {
        return AVERROR(ENOMEM);
    }

    ret = avcodec_parameters_from_context(st->codecpar, enc);
    if (ret < 0) {
        return ret;
    }

    st->time_base = (AVRational) { 1, 90000 };

    return 0;
}


int
tw_ts_segment(const vo_media_t *m, AVCodecContext *venc, AVPacket **vpkts,
    size_t nv, AVCodecContext *aenc, AVPacket **apkts, size_t na,
    tw_bytes_t *out)
{
    int               ret, len;
    size_t            iv, ia;
    uint8_t          *buf;
    int64_t           vts, ats;
    AVPacket         *pkt;
    AVDictionary     *opts;
    AVFormatContext  *oc;

    oc = NULL;
    opts = NULL;
    buf = NULL;
    pkt = av_packet_alloc();
    if (pkt == NULL) {
        return AVERROR(ENOMEM);
    }

    ret = avformat_alloc_output_context2(&oc, NULL, "mpegts", NULL);
    if (ret < 0) {
        goto end;
    }

    oc->flags |= AVFMT_FLAG_BITEXACT;
    oc->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;

    if ((ret = tw_ts_stream(oc, venc)) < 0
        || (aenc && (ret = tw_ts_stream(oc, aenc)) < 0))
    {
        goto end;
    }

    ret = avio_open_dyn_buf(&oc->pb);
    if (ret < 0) {
        goto end;
    }

    /* our timestamps as given: the offset is added below */
    av_dict_set(&opts, "mpegts_copyts", "1", 0);

    /*
     * Continuity counters start again in every segment (segments are made
     * independently); flagging each PID's first packet as a discontinuity
     * tells demuxers reading segment after segment that this is expected.
     */
    av_dict_set(&opts, "mpegts_flags", "initial_discontinuity", 0);

    ret = avformat_write_header(oc, &opts);
    if (ret < 0) {
        goto end;
    }

    /* interleave by decode time ourselves: the output does not depend on
     * the muxer's interleaving queue */
    iv = 0;
    ia = 0;

    while (iv < nv || ia < na) {
        vts = INT64_MAX;
        ats = INT64_MAX;

        if (iv < nv) {
            vts = av_rescale(vpkts[iv]->dts, 90000LL * m->fps_den,
                             m->fps_num);
        }

        if (ia < na) {
            ats = av_rescale(apkts[ia]->pts, 90000, TW_AUDIO_RATE);
        }

        if (vts <= ats) {
            ret = av_packet_ref(pkt, vpkts[iv]);
            if (ret < 0) {
                goto end;
            }

            if (pkt->flags & AV_PKT_FLAG_KEY) {
                /* SPS and PPS in front of every IDR: each segment decodes
                 * on its own */
                ret = av_grow_packet(pkt, venc->extradata_size);
                if (ret < 0) {
                    goto end;
                }
                memmove(pkt->data + venc->extradata_size, pkt->data,
                        pkt->size - venc->extradata_size);
                memcpy(pkt->data, venc->extradata, venc->extradata_size);
            }

            pkt->stream_index = 0;
            pkt->pts = av_rescale(vpkts[iv]->pts, 90000LL * m->fps_den,
                                  m->fps_num) + TW_TS_OFFSET;
            pkt->dts = vts + TW_TS_OFFSET;
            pkt->duration = av_rescale(1, 90000LL * m->fps_den, m->fps_num);
            iv++;

        } else {
            ret = av_packet_ref(pkt, apkts[ia]);
            if (ret < 0) {
                goto end;
            }

            pkt->stream_index = 1;
            pkt->pts = ats + TW_TS_OFFSET;
            pkt->dts = pkt->pts;
            pkt->duration = av_rescale(VO_AAC_FRAME, 90000,
                                       TW_AUDIO_RATE);
            ia++;
        }

        ret = av_write_frame(oc, pkt);
        av_packet_unref(pkt);
        if (ret < 0) {
            goto end;
        }
    }

    ret = av_write_trailer(oc);
    if (ret < 0) {
        goto end;
    }

    len = avio_close_dyn_buf(oc->pb, &buf);
    oc->pb = NULL;

    tw_bytes_append(out, buf, len);
    ret = out->failed ? AVERROR(ENOMEM) : 0;

end:

    if (ret < 0) {
        tw_log(TW_LOG_ERR, "writing a TS segment failed: %s",
               tw_strerror(ret));
    }

    if (oc && oc->pb) {
        len = avio_close_dyn_buf(oc->pb, &buf);
        oc->pb = NULL;
    }

    av_free(buf);
    av_dict_free(&opts);
    avformat_free_context(oc);
    av_packet_free(&pkt);

    return ret;
}
