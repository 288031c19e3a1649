/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <string.h>

#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/mathematics.h>
#include <libavutil/mem.h>
#include <libswresample/swresample.h>

#include "common/tw_log.h"
#include "media/tw_source.h"


/* how far before the file start the seek of the first video window aims,
 * and the warm-up of audio decoders */
#define TW_VIDEO_MARGIN_MS   500
#define TW_AUDIO_MARGIN_MS   500

/* the last source frame is held to the end of the timeline for at most
 * this long; a source whose video stops earlier is truncated */
#define TW_VIDEO_HOLD_MS     1000

/* Containers accepted as a master copy.  Everything else (text files the
 * "tty" demuxer would happily play, playlists that open other files or
 * URLs: hls, concat, ...) is refused, and only local files are opened. */
#define TW_FORMATS  "mov,mp4,matroska,webm,mpegts,avi,flv,mxf,ogg,mpeg,"     \
                    "asf,dv,m4v,h264,hevc,yuv4mpegpipe,wav,mp3,aac,flac"


static int tw_source_decoder(tw_source_t *src, int idx,
    AVCodecContext **dec);
static int tw_source_seek(tw_source_t *src, int idx, int64_t ts);
static void tw_source_place(float **planes, int64_t start, size_t nsamples,
    uint8_t **tmp, int n, int64_t pos);


int
tw_source_open(tw_source_t **srcp, const char *path, AVIOContext *pb,
    tw_io_close_pt io_close)
{
    int                 ret, i, idx;
    AVStream           *st, *ast;
    tw_source_t        *src;
    const char         *p;
    AVDictionaryEntry  *lang;
    AVDictionary       *opts;
    int64_t             dur;

    src = av_mallocz(sizeof(tw_source_t));
    if (src == NULL) {
        if (pb) {
            io_close(&pb);
        }
        return AVERROR(ENOMEM);
    }

    src->pb = pb;
    src->io_close = io_close;
    opts = NULL;
    src->vidx = -1;
    src->aidx = -1;
    src->threads = 1;
    strcpy(src->lang, "und");

    av_dict_set(&opts, "format_whitelist", TW_FORMATS, 0);

    if (pb) {
        /* nothing but pb: a demuxer may open no other file or URL */
        src->fmt = avformat_alloc_context();
        if (src->fmt == NULL) {
            av_dict_free(&opts);
            ret = AVERROR(ENOMEM);
            goto end;
        }

        src->fmt->pb = pb;
        src->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
        av_dict_set(&opts, "protocol_whitelist", "none", 0);

    } else {
        av_dict_set(&opts, "protocol_whitelist", "file", 0);
    }

    ret = avformat_open_input(&src->fmt, path, NULL, &opts);
    av_dict_free(&opts);

    if (ret < 0) {
        /* a format outside the list is refused with EINVAL */
        tw_log(TW_LOG_ERR, "cannot open source \"%s\": %s", path,
               ret == AVERROR(EINVAL) || ret == AVERROR_INVALIDDATA
               ? "not a media file in a supported container"
               : tw_strerror(ret));
        goto end;
    }

    ret = avformat_find_stream_info(src->fmt, NULL);
    if (ret < 0) {
        tw_log(TW_LOG_ERR, "cannot read streams of source \"%s\": %s", path,
               tw_strerror(ret));
        goto end;
    }

    idx = av_find_best_stream(src->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);

    for (i = 0; idx < 0 && i < (int) src->fmt->nb_streams; i++) {
        st = src->fmt->streams[i];
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO
            && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
        {
            idx = i;
        }
    }

    if (idx < 0
        || (src->fmt->streams[idx]->disposition & AV_DISPOSITION_ATTACHED_PIC)
        || avcodec_find_decoder(src->fmt->streams[idx]->codecpar->codec_id)
           == NULL
        || src->fmt->streams[idx]->codecpar->width <= 0
        || src->fmt->streams[idx]->codecpar->height <= 0)
    {
        tw_log(TW_LOG_ERR, "source \"%s\" has no decodable video stream",
               path);
        ret = AVERROR_STREAM_NOT_FOUND;
        goto end;
    }

    src->vidx = idx;
    st = src->fmt->streams[idx];

    src->vstart = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    src->width = st->codecpar->width;
    src->height = st->codecpar->height;
    src->sar = av_guess_sample_aspect_ratio(src->fmt, st, NULL);
    if (src->sar.num <= 0 || src->sar.den <= 0) {
        src->sar = (AVRational) { 1, 1 };
    }

    src->fps = st->avg_frame_rate;
    if (src->fps.num <= 0 || src->fps.den <= 0) {
        src->fps = st->r_frame_rate;
    }

    if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
        dur = av_rescale_q(st->duration, st->time_base,
                           (AVRational) { 1, 1000 });

    } else if (src->fmt->duration != AV_NOPTS_VALUE) {
        dur = src->fmt->duration / 1000;
        if (src->fmt->start_time != AV_NOPTS_VALUE) {
            dur -= av_rescale_q(src->vstart, st->time_base,
                                (AVRational) { 1, 1000 })
                   - src->fmt->start_time / 1000;
        }

    } else {
        dur = 0;
    }

    if (dur <= 0) {
        tw_log(TW_LOG_ERR, "source \"%s\" has no duration", path);
        ret = AVERROR_INVALIDDATA;
        goto end;
    }

    src->duration_ms = dur;

    idx = av_find_best_stream(src->fmt, AVMEDIA_TYPE_AUDIO, -1, src->vidx,
                              NULL, 0);
    if (idx >= 0) {
        ast = src->fmt->streams[idx];

        if (avcodec_find_decoder(ast->codecpar->codec_id) == NULL
            || ast->codecpar->sample_rate <= 0
            || ast->codecpar->ch_layout.nb_channels <= 0)
        {
            tw_log(TW_LOG_WARN, "audio of source \"%s\" cannot be decoded, "
                   "ignored", path);

        } else {
            src->aidx = idx;

            lang = av_dict_get(ast->metadata, "language", NULL, 0);
            if (lang && strlen(lang->value) >= 2
                && strlen(lang->value) <= VO_LANG_MAX)
            {
                for (p = lang->value; *p; p++) {
                    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                          || *p == '-'))
                    {
                        break;
                    }
                }
                if (*p == '\0') {
                    strcpy(src->lang, lang->value);
                }
            }
        }
    }

    *srcp = src;
    src = NULL;
    ret = 0;

end:

    tw_source_close(&src);

    return ret;
}


void
tw_source_close(tw_source_t **srcp)
{
    if (*srcp == NULL) {
        return;
    }

    /* a custom pb is the caller's to free, after the demuxer */
    avformat_close_input(&(*srcp)->fmt);

    if ((*srcp)->pb) {
        (*srcp)->io_close(&(*srcp)->pb);
    }

    av_freep(srcp);
}


static int
tw_source_decoder(tw_source_t *src, int idx, AVCodecContext **decp)
{
    int              ret;
    AVStream        *st;
    AVCodecContext  *dec;
    const AVCodec   *codec;

    st = src->fmt->streams[idx];

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
    dec->thread_count = src->threads;
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


/* to the last keyframe at or before ts, or the first one after it when
 * there is none before (ts before the first keyframe) */
static int
tw_source_seek(tw_source_t *src, int idx, int64_t ts)
{
    int  ret;

    ret = avformat_seek_file(src->fmt, idx, INT64_MIN, ts, ts, 0);
    if (ret < 0) {
        ret = avformat_seek_file(src->fmt, idx, INT64_MIN, ts, INT64_MAX, 0);
    }

    if (ret < 0) {
        tw_log(TW_LOG_ERR, "seek in source failed: %s", tw_strerror(ret));
    }

    return ret;
}


/*
 * Decodes after a seek already done: frame i of [first, first + count)
 * shows the last source frame with pts <= i/fps.  With "check", video
 * packets before the first keyframe are skipped, and TW_SOURCE_RETRY,
 * returned before anything was given to cb, tells that decoding must
 * start earlier: that keyframe is after the window start, or the frame
 * the window starts on was not decoded.
 */
#define TW_SOURCE_RETRY  1

static int
tw_source_decode(tw_source_t *src, AVCodecContext *dec, const vo_media_t *m,
    uint64_t first, uint32_t count, tw_video_cb cb, void *data, int check)
{
    int          ret, eof, have, npkt;
    int64_t      p, last;
    uint64_t     next, end, next_ms;
    AVFrame     *frame, *cur;
    AVPacket    *pkt;
    AVStream    *st;
    AVRational   fpsq;

    st = src->fmt->streams[src->vidx];
    fpsq = (AVRational) { m->fps_den, m->fps_num };

    frame = av_frame_alloc();
    cur = av_frame_alloc();
    pkt = av_packet_alloc();

    if (frame == NULL || cur == NULL || pkt == NULL) {
        ret = AVERROR(ENOMEM);
        goto end;
    }

    next = first;
    end = first + count;
    eof = 0;
    have = 0;
    npkt = 0;
    last = 0;

    while (next < end) {

        if (!eof) {
            ret = av_read_frame(src->fmt, pkt);

            if (ret < 0) {
                if (ret != AVERROR_EOF) {
                    tw_log(TW_LOG_WARN, "reading source stopped early: %s",
                           tw_strerror(ret));
                }
                eof = 1;
                ret = avcodec_send_packet(dec, NULL);

            } else if (pkt->stream_index != src->vidx) {
                av_packet_unref(pkt);
                continue;

            } else {
                if (check && npkt == 0) {
                    if (!(pkt->flags & AV_PKT_FLAG_KEY)) {
                        av_packet_unref(pkt);
                        continue;
                    }

                    if (pkt->pts == AV_NOPTS_VALUE
                        || av_compare_ts(pkt->pts - src->vstart,
                                         st->time_base, first, fpsq) > 0)
                    {
                        tw_log(TW_LOG_DEBUG, "frame %llu: first keyframe "
                               "after the seek is at %lld, too late",
                               (unsigned long long) first,
                               (long long) pkt->pts);
                        av_packet_unref(pkt);
                        ret = TW_SOURCE_RETRY;
                        goto end;
                    }
                }

                if (npkt++ == 0) {
                    tw_log(TW_LOG_DEBUG, "frame %llu: decoding from %lld",
                           (unsigned long long) first, (long long) pkt->pts);
                }

                ret = avcodec_send_packet(dec, pkt);
                av_packet_unref(pkt);

                if (ret < 0 && ret != AVERROR(EAGAIN)) {
                    /* a corrupt packet: skip it, like players do */
                    tw_log(TW_LOG_WARN, "video packet skipped: %s",
                           tw_strerror(ret));
                }
            }
        }

        for ( ;; ) {
            ret = avcodec_receive_frame(dec, frame);
            if (ret < 0) {
                break;
            }

            p = frame->best_effort_timestamp;
            if (p == AV_NOPTS_VALUE) {
                av_frame_unref(frame);
                continue;
            }

            p -= src->vstart;

            if (check && !have
                && av_compare_ts(p, st->time_base, first, fpsq) > 0)
            {
                /* the frame the window starts on was not decoded */
                ret = TW_SOURCE_RETRY;
                goto end;
            }

            /* outputs shown before this frame's time show the previous
             * frame (or this one when there is none) */
            while (next < end && av_compare_ts(p, st->time_base,
                                               next, fpsq) > 0)
            {
                ret = cb(data, next, have ? cur : frame);
                if (ret < 0) {
                    goto end;
                }
                next++;
            }

            av_frame_unref(cur);
            av_frame_move_ref(cur, frame);
            last = p;
            have = 1;

            if (next == end) {
                break;
            }
        }

        if (ret == AVERROR_EOF) {
            break;
        }

        if (ret < 0 && ret != AVERROR(EAGAIN)) {
            tw_log(TW_LOG_ERR, "decoding video failed: %s",
                   tw_strerror(ret));
            goto end;
        }
    }

    if (!have) {
        if (check) {
            ret = TW_SOURCE_RETRY;
            goto end;
        }

        tw_log(TW_LOG_ERR, "no video frame decoded for frames %llu-%llu",
               (unsigned long long) first,
               (unsigned long long) (first + count - 1));
        ret = AVERROR_INVALIDDATA;
        goto end;
    }

    /* the window's last frame must not be far past the source's end */
    next_ms = (end - 1) * 1000 * m->fps_den / m->fps_num;

    if (next < end
        && (int64_t) next_ms - av_rescale_q(last, st->time_base,
                                            (AVRational) { 1, 1000 })
           > TW_VIDEO_HOLD_MS)
    {
        tw_log(TW_LOG_ERR, "source video ends at %.3f s, before frame at "
               "%.3f s: truncated or broken source",
               last * av_q2d(st->time_base), next_ms / 1000.0);
        ret = AVERROR_INVALIDDATA;
        goto end;
    }

    /* past the end of the source: hold the last frame */
    for ( /* void */ ; next < end; next++) {
        ret = cb(data, next, cur);
        if (ret < 0) {
            goto end;
        }
    }

    ret = 0;

end:

    av_frame_free(&frame);
    av_frame_free(&cur);
    av_packet_free(&pkt);

    return ret;
}


/*
 * A window after the first one is decoded from the last keyframe at or
 * before its start: the seek aims at the start, then at points further
 * back, until the first keyframe read after it is at or before the start
 * and the frame the window starts on is decoded (seeks in MPEG-TS and
 * other files without an index land near, not on, a keyframe; open GOPs
 * and B-frames shown before their keyframe).  From any such keyframe the
 * decoded frames of the window are the same, so the result does not
 * depend on where a seek lands.  The last resort, and the only way for
 * the first window, is decoding from the beginning of the file.
 */
int
tw_source_video(tw_source_t *src, const vo_media_t *m, uint64_t first,
    uint32_t count, tw_video_cb cb, void *data)
{
    int              ret, i;
    int64_t          start, target;
    AVStream        *st;
    AVRational       fpsq;
    AVCodecContext  *dec;

    static const int  back_ms[] = { 0, 500, 2000, 8000, 30000 };

    st = src->fmt->streams[src->vidx];
    fpsq = (AVRational) { m->fps_den, m->fps_num };
    start = src->vstart + av_rescale_q(first, fpsq, st->time_base);

    dec = NULL;
    ret = TW_SOURCE_RETRY;

    for (i = 0; first > 0 && i < (int) (sizeof(back_ms) / sizeof(int)); i++) {
        target = start - av_rescale_q(back_ms[i], (AVRational) { 1, 1000 },
                                      st->time_base);

        if (target <= src->vstart) {
            break;
        }

        /* a fresh decoder for every try */
        avcodec_free_context(&dec);

        if (tw_source_decoder(src, src->vidx, &dec) < 0
            || tw_source_seek(src, src->vidx, target) < 0)
        {
            ret = AVERROR_EXTERNAL;
            goto end;
        }

        ret = tw_source_decode(src, dec, m, first, count, cb, data, 1);
        if (ret != TW_SOURCE_RETRY) {
            goto end;
        }
    }

    avcodec_free_context(&dec);

    if (tw_source_decoder(src, src->vidx, &dec) < 0
        || tw_source_seek(src, src->vidx,
                          src->vstart - av_rescale_q(TW_VIDEO_MARGIN_MS,
                                                     (AVRational) { 1, 1000 },
                                                     st->time_base)) < 0)
    {
        ret = AVERROR_EXTERNAL;
        goto end;
    }

    ret = tw_source_decode(src, dec, m, first, count, cb, data, 0);

end:

    avcodec_free_context(&dec);

    return ret;
}


static void
tw_source_place(float **planes, int64_t start, size_t nsamples,
    uint8_t **tmp, int n, int64_t pos)
{
    int64_t  from, to;
    int      c;

    from = pos > start ? pos : start;
    to = pos + n;
    if (to > start + (int64_t) nsamples) {
        to = start + nsamples;
    }

    if (from >= to) {
        return;
    }

    for (c = 0; c < TW_AUDIO_CHANNELS; c++) {
        memcpy(planes[c] + (from - start), (float *) tmp[c] + (from - pos),
               (to - from) * sizeof(float));
    }
}


int
tw_source_audio(tw_source_t *src, int64_t start, size_t nsamples,
    float **planes)
{
    int               ret, eof, n, cap, want;
    int64_t           t0, target, pos, p;
    uint8_t          *tmp[TW_AUDIO_CHANNELS];
    AVFrame          *frame;
    AVPacket         *pkt;
    AVStream         *st;
    SwrContext       *swr;
    AVRational        rate;
    AVCodecContext   *dec;
    AVChannelLayout   stereo = AV_CHANNEL_LAYOUT_STEREO;

    if (src->aidx < 0) {
        return 0;
    }

    st = src->fmt->streams[src->aidx];
    rate = (AVRational) { 1, TW_AUDIO_RATE };

    dec = NULL;
    swr = NULL;
    tmp[0] = NULL;
    tmp[1] = NULL;
    cap = 0;
    frame = av_frame_alloc();
    pkt = av_packet_alloc();

    if (frame == NULL || pkt == NULL) {
        ret = AVERROR(ENOMEM);
        goto end;
    }

    ret = tw_source_decoder(src, src->aidx, &dec);
    if (ret < 0) {
        goto end;
    }

    /* t0 is the video's start; audio is placed relative to it */
    t0 = av_rescale_q(src->vstart, src->fmt->streams[src->vidx]->time_base,
                      st->time_base);

    target = t0 + av_rescale_q(start, rate, st->time_base)
             - av_rescale_q(TW_AUDIO_MARGIN_MS, (AVRational) { 1, 1000 },
                            st->time_base);

    ret = tw_source_seek(src, src->aidx, target);
    if (ret < 0) {
        goto end;
    }

    pos = INT64_MIN;
    eof = 0;

    while (pos == INT64_MIN || pos < start + (int64_t) nsamples) {

        if (!eof) {
            ret = av_read_frame(src->fmt, pkt);

            if (ret < 0) {
                if (ret != AVERROR_EOF) {
                    tw_log(TW_LOG_WARN, "reading source stopped early: %s",
                           tw_strerror(ret));
                }
                eof = 1;
                ret = avcodec_send_packet(dec, NULL);

            } else if (pkt->stream_index != src->aidx) {
                av_packet_unref(pkt);
                continue;

            } else {
                ret = avcodec_send_packet(dec, pkt);
                av_packet_unref(pkt);

                if (ret < 0 && ret != AVERROR(EAGAIN)) {
                    tw_log(TW_LOG_WARN, "audio packet skipped: %s",
                           tw_strerror(ret));
                }
            }
        }

        for ( ;; ) {
            ret = avcodec_receive_frame(dec, frame);
            if (ret < 0) {
                break;
            }

            if (swr == NULL) {
                p = frame->best_effort_timestamp;
                if (p == AV_NOPTS_VALUE) {
                    av_frame_unref(frame);
                    continue;
                }

                /* the first frame anchors the window; the following ones
                 * are taken as contiguous */
                pos = av_rescale_q(p - t0, st->time_base, rate);

                tw_log(TW_LOG_DEBUG, "audio window at %lld: first frame "
                       "pts %lld (%d samples) placed at %lld", (long long)
                       start, (long long) p, frame->nb_samples,
                       (long long) pos);

                ret = swr_alloc_set_opts2(&swr, &stereo, AV_SAMPLE_FMT_FLTP,
                                          TW_AUDIO_RATE, &frame->ch_layout,
                                          frame->format, frame->sample_rate,
                                          0, NULL);
                if (ret < 0 || (ret = swr_init(swr)) < 0) {
                    tw_log(TW_LOG_ERR, "cannot set up the audio resampler: "
                           "%s", tw_strerror(ret));
                    goto end;
                }
            }

            want = swr_get_out_samples(swr, frame->nb_samples);
            if (want > cap) {
                av_freep(&tmp[0]);
                ret = av_samples_alloc(tmp, NULL, TW_AUDIO_CHANNELS, want,
                                       AV_SAMPLE_FMT_FLTP, 0);
                if (ret < 0) {
                    goto end;
                }
                cap = want;
            }

            n = swr_convert(swr, tmp, cap,
                            (const uint8_t **) frame->extended_data,
                            frame->nb_samples);
            av_frame_unref(frame);

            if (n < 0) {
                ret = n;
                tw_log(TW_LOG_ERR, "resampling audio failed: %s",
                       tw_strerror(ret));
                goto end;
            }

            tw_source_place(planes, start, nsamples, tmp, n, pos);
            pos += n;
        }

        if (ret == AVERROR_EOF) {
            break;
        }

        if (ret < 0 && ret != AVERROR(EAGAIN)) {
            tw_log(TW_LOG_ERR, "decoding audio failed: %s",
                   tw_strerror(ret));
            goto end;
        }
    }

    if (swr && pos < start + (int64_t) nsamples) {
        /* the source's end: what the resampler still holds */
        want = swr_get_out_samples(swr, 0);
        if (want > 0) {
            if (want > cap) {
                av_freep(&tmp[0]);
                ret = av_samples_alloc(tmp, NULL, TW_AUDIO_CHANNELS, want,
                                       AV_SAMPLE_FMT_FLTP, 0);
                if (ret < 0) {
                    goto end;
                }
                cap = want;
            }

            n = swr_convert(swr, tmp, cap, NULL, 0);
            if (n > 0) {
                tw_source_place(planes, start, nsamples, tmp, n, pos);
            }
        }
    }

    ret = 0;

end:

    if (tmp[0]) {
        av_freep(&tmp[0]);
    }
    swr_free(&swr);
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);

    return ret;
}
