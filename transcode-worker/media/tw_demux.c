/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <libavutil/frame.h>

#include "common/tw_log.h"
#include "media/tw_demux.h"


int
tw_demux_decoder(AVFormatContext *fmt, int idx, int threads,
    AVCodecContext **decp)
{
    int              ret;
    AVStream        *st;
    AVCodecContext  *dec;
    const AVCodec   *codec;

    st = fmt->streams[idx];

    codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (codec == NULL) {
        return AVERROR_DECODER_NOT_FOUND;
    }

    dec = avcodec_alloc_context3(codec);
    if (dec == NULL) {
        return AVERROR(ENOMEM);
    }

    ret = avcodec_parameters_to_context(dec, st->codecpar);
    if (ret < 0) {
        goto end;
    }

    /* one thread: frame-threaded decoders are bit-exact on valid streams,
     * but their concealment of missing references (the leading pictures
     * of an open GOP after a seek) is not promised to be */
    dec->thread_count = threads;
    dec->pkt_timebase = st->time_base;

    ret = avcodec_open2(dec, codec, NULL);
    if (ret < 0) {
        goto end;
    }

    *decp = dec;
    dec = NULL;

end:

    if (ret < 0) {
        tw_log(TW_LOG_ERR, "cannot open the %s decoder: %s",
               avcodec_get_name(st->codecpar->codec_id), tw_strerror(ret));
    }

    avcodec_free_context(&dec);

    return ret;
}


int
tw_demux_seek(AVFormatContext *fmt, int idx, int64_t ts)
{
    int  ret;

    ret = avformat_seek_file(fmt, idx, INT64_MIN, ts, ts, 0);
    if (ret < 0) {
        ret = avformat_seek_file(fmt, idx, INT64_MIN, ts, INT64_MAX, 0);
    }

    if (ret < 0) {
        tw_log(TW_LOG_ERR, "seek in source failed: %s", tw_strerror(ret));
    }

    return ret;
}


int
tw_demux_loop(tw_demux_t *d)
{
    int        ret, eof;
    AVFrame   *frame;
    AVPacket  *pkt;

    frame = av_frame_alloc();
    pkt = av_packet_alloc();

    if (frame == NULL || pkt == NULL) {
        ret = AVERROR(ENOMEM);
        goto end;
    }

    eof = 0;

    for ( ;; ) {

        if (!eof) {
            ret = av_read_frame(d->fmt, pkt);

            if (ret < 0) {
                if (ret != AVERROR_EOF) {
                    tw_log(TW_LOG_WARN, "reading source stopped early: %s",
                           tw_strerror(ret));
                }
                eof = 1;
                ret = avcodec_send_packet(d->dec, NULL);

            } else {
                ret = (pkt->stream_index != d->idx) ? TW_DEMUX_SKIP
                      : d->packet ? d->packet(d->data, pkt) : 0;

                if (ret != 0) {
                    av_packet_unref(pkt);

                    if (ret == TW_DEMUX_SKIP) {
                        continue;
                    }

                    goto end;
                }

                ret = avcodec_send_packet(d->dec, pkt);
                av_packet_unref(pkt);

                if (ret < 0 && ret != AVERROR(EAGAIN)) {
                    /* a corrupt packet: skip it, like players do */
                    tw_log(TW_LOG_WARN, "%s packet skipped: %s", d->kind,
                           tw_strerror(ret));
                }
            }
        }

        for ( ;; ) {
            ret = avcodec_receive_frame(d->dec, frame);
            if (ret < 0) {
                break;
            }

            ret = d->frame(d->data, frame);
            av_frame_unref(frame);

            if (ret == TW_DEMUX_DONE) {
                ret = 0;
                goto end;
            }

            if (ret != 0) {
                goto end;
            }
        }

        if (ret == AVERROR_EOF) {
            ret = 0;
            break;
        }

        if (ret < 0 && ret != AVERROR(EAGAIN)) {
            tw_log(TW_LOG_ERR, "decoding %s failed: %s", d->kind,
                   tw_strerror(ret));
            goto end;
        }
    }

end:

    av_frame_free(&frame);
    av_packet_free(&pkt);

    return ret;
}
