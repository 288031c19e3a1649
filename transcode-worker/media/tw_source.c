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
#include "media/tw_demux.h"
#include "media/tw_source.h"


/* how far before the file start the seek of the first video window aims,
 * and the warm-up of audio decoders */
#define TW_VIDEO_MARGIN_MS   500
#define TW_AUDIO_MARGIN_MS   500

/* returned by a video window's handlers: decoding must start earlier */
#define TW_SOURCE_RETRY      (TW_DEMUX_DONE + 1)

/* the last source frame is held to the end of the timeline for at most
 * this long; a source whose video stops earlier is truncated */
#define TW_VIDEO_HOLD_MS     1000

/* Containers accepted as a master copy.  Everything else (text files the
 * "tty" demuxer would happily play, playlists that open other files or
 * URLs: hls, concat, ...) is refused, and only local files are opened. */
#define TW_FORMATS  "mov,mp4,matroska,webm,mpegts,avi,flv,mxf,ogg,mpeg,"     \
                    "asf,dv,m4v,h264,hevc,yuv4mpegpipe,wav,mp3,aac,flac"


/* output frames [first, end) of a video window */
typedef struct {
    tw_source_t        *src;
    AVStream           *st;
    AVRational          fpsq;            /* the output frame period */
    uint64_t            first;
    uint64_t            next;            /* the next output frame */
    uint64_t            end;
    AVFrame            *cur;             /* the last frame decoded */
    int64_t             last;            /* its pts from t0 */
    unsigned            check:1;
    unsigned            have:1;          /* cur holds a frame */
    unsigned            bad:1;           /* cur was concealed */
    uint32_t            npkt;            /* packets decoded */
    tw_video_cb         cb;
    void               *data;
} tw_video_window_t;


/* timeline samples [start, start + nsamples) of an audio window */
typedef struct {
    AVStream           *st;
    AVRational          rate;            /* 1 / TW_AUDIO_RATE */
    int64_t             t0;              /* the video's start, st units */
    int64_t             start;
    size_t              nsamples;
    float             **planes;
    int64_t             pos;             /* of the next resampled sample;
                                            INT64_MIN before the first */
    SwrContext         *swr;             /* set up by the first frame */
    uint8_t            *tmp[TW_AUDIO_CHANNELS];
    int                 cap;             /* samples tmp holds */
} tw_audio_window_t;


static int tw_source_probe_video(tw_source_t *src, const char *path);
static void tw_source_probe_audio(tw_source_t *src, const char *path);
static int tw_video_packet(void *data, const AVPacket *pkt);
static int tw_video_frame(void *data, AVFrame *frame);
static int tw_video_bad(const AVFrame *frame);
static int tw_video_corrupt(tw_video_window_t *w);
static int tw_source_decode(tw_source_t *src, AVCodecContext *dec,
    const vo_media_t *m, uint64_t first, uint32_t count, tw_video_cb cb,
    void *data, int check);
static int tw_audio_frame(void *data, AVFrame *frame);
static int tw_audio_room(tw_audio_window_t *w, int want);
static void tw_source_place(float **planes, int64_t start, size_t nsamples,
    uint8_t **tmp, int n, int64_t pos);


int
tw_source_open(tw_source_t **srcp, const char *path, AVIOContext *pb,
    tw_io_close_pt io_close)
{
    int            ret;
    tw_source_t   *src;
    AVDictionary  *opts;

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

    ret = tw_source_probe_video(src, path);
    if (ret < 0) {
        goto end;
    }

    tw_source_probe_audio(src, path);

    *srcp = src;
    src = NULL;
    ret = 0;

end:

    tw_source_close(&src);

    return ret;
}


/* the video stream, its size, aspect ratio, frame rate and duration */
static int
tw_source_probe_video(tw_source_t *src, const char *path)
{
    int        i, idx;
    int64_t    dur;
    AVStream  *st;

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
        return AVERROR_STREAM_NOT_FOUND;
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
        return AVERROR_INVALIDDATA;
    }

    src->duration_ms = dur;

    return 0;
}


/* the audio stream, when there is one that can be decoded, and its
 * language; a source without one gives no audio track */
static void
tw_source_probe_audio(tw_source_t *src, const char *path)
{
    int                 idx;
    AVStream           *ast;
    const char         *p;
    AVDictionaryEntry  *lang;

    idx = av_find_best_stream(src->fmt, AVMEDIA_TYPE_AUDIO, -1, src->vidx,
                              NULL, 0);
    if (idx < 0) {
        return;
    }

    ast = src->fmt->streams[idx];

    if (avcodec_find_decoder(ast->codecpar->codec_id) == NULL
        || ast->codecpar->sample_rate <= 0
        || ast->codecpar->ch_layout.nb_channels <= 0)
    {
        tw_log(TW_LOG_WARN, "audio of source \"%s\" cannot be decoded, "
               "ignored", path);
        return;
    }

    src->aidx = idx;

    lang = av_dict_get(ast->metadata, "language", NULL, 0);
    if (lang == NULL || strlen(lang->value) < 2
        || strlen(lang->value) > VO_LANG_MAX)
    {
        return;
    }

    for (p = lang->value; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || *p == '-'))
        {
            return;
        }
    }

    strcpy(src->lang, lang->value);
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


/* with "check", packets before the first keyframe are skipped, and
 * decoding must start earlier when that keyframe is after the window
 * start */
static int
tw_video_packet(void *data, const AVPacket *pkt)
{
    tw_video_window_t  *w = data;

    if (w->check && w->npkt == 0) {
        if (!(pkt->flags & AV_PKT_FLAG_KEY)) {
            return TW_DEMUX_SKIP;
        }

        if (pkt->pts == AV_NOPTS_VALUE
            || av_compare_ts(pkt->pts - w->src->vstart, w->st->time_base,
                             w->first, w->fpsq) > 0)
        {
            tw_log(TW_LOG_DEBUG, "frame %llu: first keyframe after the seek "
                   "is at %lld, too late", (unsigned long long) w->first,
                   (long long) pkt->pts);
            return TW_SOURCE_RETRY;
        }
    }

    if (w->npkt++ == 0) {
        tw_log(TW_LOG_DEBUG, "frame %llu: decoding from %lld",
               (unsigned long long) w->first, (long long) pkt->pts);
    }

    return 0;
}


/*
 * A frame the decoder had to conceal errors in (the bitstream was
 * invalid: a corrupt source) is never shown: the window fails, so that
 * no object is made of a broken picture.  Frames decoded only to reach
 * the window (before a later one at its start) do not count.
 */
static int
tw_video_bad(const AVFrame *frame)
{
    return (frame->decode_error_flags & (FF_DECODE_ERROR_INVALID_BITSTREAM
                                         | FF_DECODE_ERROR_CONCEALMENT_ACTIVE))
           || (frame->flags & AV_FRAME_FLAG_CORRUPT);
}


static int
tw_video_corrupt(tw_video_window_t *w)
{
    tw_log(TW_LOG_ERR, "corrupt source video at %.3f s: the decoder found "
           "an invalid bitstream", w->last * av_q2d(w->st->time_base));
    return AVERROR_INVALIDDATA;
}


/* the output frames shown before this frame's time show the previous
 * one (or this one when there is none); this one becomes cur */
static int
tw_video_frame(void *data, AVFrame *frame)
{
    int                 ret;
    int64_t             p;
    tw_video_window_t  *w = data;

    p = frame->best_effort_timestamp;
    if (p == AV_NOPTS_VALUE) {
        return 0;
    }

    p -= w->src->vstart;

    if (w->check && !w->have
        && av_compare_ts(p, w->st->time_base, w->first, w->fpsq) > 0)
    {
        /* the frame the window starts on was not decoded */
        return TW_SOURCE_RETRY;
    }

    while (w->next < w->end
           && av_compare_ts(p, w->st->time_base, w->next, w->fpsq) > 0)
    {
        if (w->have ? w->bad : tw_video_bad(frame)) {
            return tw_video_corrupt(w);
        }

        ret = w->cb(w->data, w->next, w->have ? w->cur : frame);
        if (ret < 0) {
            return ret;
        }
        w->next++;
    }

    w->bad = tw_video_bad(frame);
    av_frame_unref(w->cur);
    av_frame_move_ref(w->cur, frame);
    w->last = p;
    w->have = 1;

    return w->next == w->end ? TW_DEMUX_DONE : 0;
}


/*
 * Decodes after a seek already done: frame i of [first, first + count)
 * shows the last source frame with pts <= i/fps.  With "check",
 * TW_SOURCE_RETRY, returned before anything was given to cb, tells that
 * decoding must start earlier: the first keyframe read is after the
 * window start, or the frame the window starts on was not decoded.
 */
static int
tw_source_decode(tw_source_t *src, AVCodecContext *dec, const vo_media_t *m,
    uint64_t first, uint32_t count, tw_video_cb cb, void *data, int check)
{
    int                 ret;
    uint64_t            next_ms;
    tw_demux_t          d;
    tw_video_window_t   w;

    memset(&w, 0, sizeof(tw_video_window_t));
    w.src = src;
    w.st = src->fmt->streams[src->vidx];
    w.fpsq = (AVRational) { m->fps_den, m->fps_num };
    w.first = first;
    w.next = first;
    w.end = first + count;
    w.check = check ? 1 : 0;
    w.cb = cb;
    w.data = data;

    w.cur = av_frame_alloc();
    if (w.cur == NULL) {
        return AVERROR(ENOMEM);
    }

    d.fmt = src->fmt;
    d.idx = src->vidx;
    d.kind = "video";
    d.dec = dec;
    d.packet = tw_video_packet;
    d.frame = tw_video_frame;
    d.data = &w;

    ret = tw_demux_loop(&d);
    if (ret != 0) {
        goto end;
    }

    if (!w.have) {
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
    next_ms = (w.end - 1) * 1000 * m->fps_den / m->fps_num;

    if (w.next < w.end
        && (int64_t) next_ms - av_rescale_q(w.last, w.st->time_base,
                                            (AVRational) { 1, 1000 })
           > TW_VIDEO_HOLD_MS)
    {
        tw_log(TW_LOG_ERR, "source video ends at %.3f s, before frame at "
               "%.3f s: truncated or broken source",
               w.last * av_q2d(w.st->time_base), next_ms / 1000.0);
        ret = AVERROR_INVALIDDATA;
        goto end;
    }

    /* past the end of the source: hold the last frame */
    for ( /* void */ ; w.next < w.end; w.next++) {
        ret = w.bad ? tw_video_corrupt(&w) : cb(data, w.next, w.cur);
        if (ret < 0) {
            goto end;
        }
    }

    ret = 0;

end:

    av_frame_free(&w.cur);

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

        ret = tw_demux_decoder(src->fmt, src->vidx, src->threads, &dec);
        if (ret < 0 || (ret = tw_demux_seek(src->fmt, src->vidx, target)) < 0)
        {
            goto end;
        }

        ret = tw_source_decode(src, dec, m, first, count, cb, data, 1);
        if (ret != TW_SOURCE_RETRY) {
            goto end;
        }
    }

    avcodec_free_context(&dec);

    target = src->vstart - av_rescale_q(TW_VIDEO_MARGIN_MS,
                                        (AVRational) { 1, 1000 },
                                        st->time_base);

    ret = tw_demux_decoder(src->fmt, src->vidx, src->threads, &dec);
    if (ret < 0 || (ret = tw_demux_seek(src->fmt, src->vidx, target)) < 0) {
        goto end;
    }

    ret = tw_source_decode(src, dec, m, first, count, cb, data, 0);

end:

    avcodec_free_context(&dec);

    return ret;
}


int
tw_source_audio(tw_source_t *src, int64_t start, size_t nsamples,
    float **planes)
{
    int                 ret, n, want;
    int64_t             target;
    tw_demux_t          d;
    AVCodecContext     *dec;
    tw_audio_window_t   w;

    if (src->aidx < 0) {
        return 0;
    }

    memset(&w, 0, sizeof(tw_audio_window_t));
    w.st = src->fmt->streams[src->aidx];
    w.rate = (AVRational) { 1, TW_AUDIO_RATE };
    w.start = start;
    w.nsamples = nsamples;
    w.planes = planes;
    w.pos = INT64_MIN;

    dec = NULL;

    ret = tw_demux_decoder(src->fmt, src->aidx, src->threads, &dec);
    if (ret < 0) {
        goto end;
    }

    /* t0 is the video's start; audio is placed relative to it */
    w.t0 = av_rescale_q(src->vstart, src->fmt->streams[src->vidx]->time_base,
                        w.st->time_base);

    target = w.t0 + av_rescale_q(start, w.rate, w.st->time_base)
             - av_rescale_q(TW_AUDIO_MARGIN_MS, (AVRational) { 1, 1000 },
                            w.st->time_base);

    ret = tw_demux_seek(src->fmt, src->aidx, target);
    if (ret < 0) {
        goto end;
    }

    d.fmt = src->fmt;
    d.idx = src->aidx;
    d.kind = "audio";
    d.dec = dec;
    d.packet = NULL;
    d.frame = tw_audio_frame;
    d.data = &w;

    ret = tw_demux_loop(&d);
    if (ret < 0) {
        goto end;
    }

    if (w.swr && w.pos < start + (int64_t) nsamples) {
        /* the source's end: what the resampler still holds */
        want = swr_get_out_samples(w.swr, 0);
        if (want > 0) {
            ret = tw_audio_room(&w, want);
            if (ret < 0) {
                goto end;
            }

            n = swr_convert(w.swr, w.tmp, w.cap, NULL, 0);
            if (n > 0) {
                tw_source_place(planes, start, nsamples, w.tmp, n, w.pos);
            }
        }
    }

    ret = 0;

end:

    av_freep(&w.tmp[0]);
    swr_free(&w.swr);
    avcodec_free_context(&dec);

    return ret;
}


/* resampled into the window: the first frame with a timestamp anchors
 * it, the following ones are taken as contiguous */
static int
tw_audio_frame(void *data, AVFrame *frame)
{
    int                 ret, n;
    int64_t             p;
    tw_audio_window_t  *w = data;
    AVChannelLayout     stereo = AV_CHANNEL_LAYOUT_STEREO;

    if (w->swr == NULL) {
        p = frame->best_effort_timestamp;
        if (p == AV_NOPTS_VALUE) {
            return 0;
        }

        w->pos = av_rescale_q(p - w->t0, w->st->time_base, w->rate);

        tw_log(TW_LOG_DEBUG, "audio window at %lld: first frame pts %lld "
               "(%d samples) placed at %lld", (long long) w->start,
               (long long) p, frame->nb_samples, (long long) w->pos);

        ret = swr_alloc_set_opts2(&w->swr, &stereo, AV_SAMPLE_FMT_FLTP,
                                  TW_AUDIO_RATE, &frame->ch_layout,
                                  frame->format, frame->sample_rate, 0, NULL);
        if (ret < 0 || (ret = swr_init(w->swr)) < 0) {
            tw_log(TW_LOG_ERR, "cannot set up the audio resampler: %s",
                   tw_strerror(ret));
            return ret;
        }
    }

    ret = tw_audio_room(w, swr_get_out_samples(w->swr, frame->nb_samples));
    if (ret < 0) {
        return ret;
    }

    n = swr_convert(w->swr, w->tmp, w->cap,
                    (const uint8_t **) frame->extended_data,
                    frame->nb_samples);
    if (n < 0) {
        tw_log(TW_LOG_ERR, "resampling audio failed: %s", tw_strerror(n));
        return n;
    }

    tw_source_place(w->planes, w->start, w->nsamples, w->tmp, n, w->pos);
    w->pos += n;

    return w->pos >= w->start + (int64_t) w->nsamples ? TW_DEMUX_DONE : 0;
}


/* room for want samples in w->tmp */
static int
tw_audio_room(tw_audio_window_t *w, int want)
{
    int  ret;

    if (want <= w->cap) {
        return 0;
    }

    av_freep(&w->tmp[0]);

    ret = av_samples_alloc(w->tmp, NULL, TW_AUDIO_CHANNELS, want,
                           AV_SAMPLE_FMT_FLTP, 0);
    if (ret < 0) {
        return ret;
    }

    w->cap = want;

    return 0;
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
