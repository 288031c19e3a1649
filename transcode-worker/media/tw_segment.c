/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <pthread.h>
#include <string.h>

#include <libavutil/channel_layout.h>
#include <libavutil/mem.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "common/tw_log.h"
#include "media/tw_codec.h"
#include "media/tw_encode.h"
#include "media/tw_mp4_fragment.h"
#include "media/tw_mp4_init.h"
#include "media/tw_segment.h"
#include "media/tw_ts.h"


/* fixed scaler flags: bit-exact paths, so the pixels do not depend on
 * the CPU's SIMD extensions */
#define TW_SWS_FLAGS  (SWS_BICUBIC | SWS_ACCURATE_RND | SWS_BITEXACT)


/*
 * Each video rendition is encoded by a thread of its own, fed by the
 * thread that decodes and scales through a small queue: the decoder and
 * the encoders, each single-threaded and each given the same frames in
 * the same order, give the same bytes as one thread doing it all, in
 * about the time of the slowest of them when cores are idle (a segment
 * just in time: decoding and scaling 1080p cost about as much as x264
 * encoding 720p).  A NULL frame ends the queue and flushes the encoder.
 */
#define TW_ENCQ_LEN  8

struct tw_encq_s {
    pthread_t           tid;
    pthread_mutex_t     lock;
    pthread_cond_t      cond;
    AVFrame            *frames[TW_ENCQ_LEN];
    unsigned            head;
    unsigned            n;
    int                 err;        /* the encoder's first error */
    int                 started;
    tw_track_t         *track;
    const char         *name;
};


static int tw_track_add(tw_track_t *t, AVPacket *pkt);
static int tw_track_drain(tw_track_t *t);
static void *tw_encq_run(void *data);
static int tw_encq_push(tw_encq_t *q, AVFrame *frame);
static int tw_segment_frame(void *data, uint64_t i, const AVFrame *src);
static int tw_segment_video(tw_segment_t *s);
static int tw_segment_audio(tw_segment_t *s);
static int tw_segment_aac(tw_segment_t *s, const float **planes,
    int64_t start, uint32_t nframes);


static int
tw_track_add(tw_track_t *t, AVPacket *pkt)
{
    size_t     n;
    AVPacket **p, *copy;

    if (t->npkts == t->nalloc) {
        n = t->nalloc ? t->nalloc * 2 : 256;
        p = av_realloc_array(t->pkts, n, sizeof(AVPacket *));
        if (p == NULL) {
            return AVERROR(ENOMEM);
        }
        t->pkts = p;
        t->nalloc = n;
    }

    copy = av_packet_alloc();
    if (copy == NULL) {
        return AVERROR(ENOMEM);
    }

    av_packet_move_ref(copy, pkt);
    t->pkts[t->npkts++] = copy;

    return 0;
}


/* collects what the encoder has ready */
static int
tw_track_drain(tw_track_t *t)
{
    int        ret;
    AVPacket  *pkt;

    pkt = av_packet_alloc();
    if (pkt == NULL) {
        return AVERROR(ENOMEM);
    }

    for ( ;; ) {
        ret = avcodec_receive_packet(t->enc, pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) {
            ret = 0;
            break;
        }

        if (ret < 0) {
            tw_log(TW_LOG_ERR, "encoding failed: %s", tw_strerror(ret));
            break;
        }

        ret = tw_track_add(t, pkt);
        if (ret < 0) {
            break;
        }
    }

    av_packet_free(&pkt);

    return ret;
}


static void *
tw_encq_run(void *data)
{
    int          ret;
    AVFrame     *frame;
    tw_encq_t   *q = data;

    ret = 0;

    for ( ;; ) {
        pthread_mutex_lock(&q->lock);

        while (q->n == 0) {
            pthread_cond_wait(&q->cond, &q->lock);
        }

        frame = q->frames[q->head];
        q->head = (q->head + 1) % TW_ENCQ_LEN;
        q->n--;

        pthread_cond_signal(&q->cond);
        pthread_mutex_unlock(&q->lock);

        /* after an error, frames are only taken, so the feeder never
         * waits for room that will not come */
        if (ret == 0) {
            ret = avcodec_send_frame(q->track->enc, frame);

            if (ret < 0) {
                tw_log(TW_LOG_ERR, "encoding \"%s\" failed: %s", q->name,
                       tw_strerror(ret));
            } else {
                ret = tw_track_drain(q->track);
            }

            if (ret < 0) {
                pthread_mutex_lock(&q->lock);
                q->err = ret;
                pthread_mutex_unlock(&q->lock);
            }
        }

        if (frame == NULL) {
            break;
        }

        av_frame_free(&frame);
    }

    return NULL;
}


/* takes frame (NULL: the end); the encoder's error, if any yet */
static int
tw_encq_push(tw_encq_t *q, AVFrame *frame)
{
    int  err;

    pthread_mutex_lock(&q->lock);

    while (q->n == TW_ENCQ_LEN) {
        pthread_cond_wait(&q->cond, &q->lock);
    }

    q->frames[(q->head + q->n) % TW_ENCQ_LEN] = frame;
    q->n++;
    err = q->err;

    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);

    return err;
}


/* output frame i of every selected rendition shows source frame src */
static int
tw_segment_frame(void *data, uint64_t i, const AVFrame *src)
{
    int           ret;
    uint32_t      r;
    AVFrame      *dst;
    tw_segment_t *s = data;
    const vo_media_t *m = s->media;

    /* a held frame (constant frame rate output) is scaled once */
    if (src != s->last_src || src->best_effort_timestamp != s->last_src_pts)
    {
        for (r = 0; r < m->nvideo; r++) {
            if (!(s->video_mask & (1u << r))) {
                continue;
            }

            s->sws[r] = sws_getCachedContext(s->sws[r], src->width,
                                             src->height, src->format,
                                             m->video[r].width,
                                             m->video[r].height,
                                             AV_PIX_FMT_YUV420P,
                                             TW_SWS_FLAGS, NULL, NULL, NULL);
            if (s->sws[r] == NULL) {
                tw_log(TW_LOG_ERR, "cannot scale %dx%d %s to %ux%u",
                       src->width, src->height,
                       av_get_pix_fmt_name(src->format), m->video[r].width,
                       m->video[r].height);
                return AVERROR(EINVAL);
            }

            /* a new frame each time: the encoder may still hold a
             * reference to the previous one */
            av_frame_free(&s->scaled[r]);

            dst = av_frame_alloc();
            if (dst == NULL) {
                return AVERROR(ENOMEM);
            }
            s->scaled[r] = dst;

            dst->width = m->video[r].width;
            dst->height = m->video[r].height;
            dst->format = AV_PIX_FMT_YUV420P;

            ret = av_frame_get_buffer(dst, 0);
            if (ret < 0) {
                return ret;
            }

            sws_scale(s->sws[r], (const uint8_t * const *) src->data,
                      src->linesize, 0, src->height, dst->data,
                      dst->linesize);
        }

        s->last_src = src;
        s->last_src_pts = src->best_effort_timestamp;
    }

    for (r = 0; r < m->nvideo; r++) {
        if (!(s->video_mask & (1u << r))) {
            continue;
        }

        /* a new reference: a held frame is queued more than once */
        dst = av_frame_clone(s->scaled[r]);
        if (dst == NULL) {
            return AVERROR(ENOMEM);
        }

        dst->pts = (int64_t) i;
        dst->pict_type = AV_PICTURE_TYPE_NONE;

        ret = tw_encq_push(&s->encq[r], dst);
        if (ret < 0) {
            return ret;
        }
    }

    return 0;
}


static int
tw_segment_video(tw_segment_t *s)
{
    int                ret, err;
    uint32_t           r, count;
    uint64_t           first;
    tw_encq_t          encq[VO_MAX_VIDEO];
    tw_track_t        *t;
    const vo_media_t  *m = s->media;

    vo_video_segment(m, s->n, &first, &count);
    if (count == 0) {
        tw_log(TW_LOG_ERR, "video segment %u has no frame", s->n);
        return AVERROR(EINVAL);
    }

    for (r = 0; r < m->nvideo; r++) {
        if (!(s->video_mask & (1u << r))) {
            continue;
        }

        t = &s->video[r];
        t->first = first;
        t->count = count;

        ret = tw_video_encoder(m, &m->video[r], &t->enc);
        if (ret < 0) {
            return ret;
        }
    }

    memset(encq, 0, sizeof(encq));
    s->encq = encq;
    ret = 0;

    for (r = 0; r < m->nvideo; r++) {
        if (!(s->video_mask & (1u << r))) {
            continue;
        }

        encq[r].track = &s->video[r];
        encq[r].name = m->video[r].name;
        pthread_mutex_init(&encq[r].lock, NULL);
        pthread_cond_init(&encq[r].cond, NULL);

        if (pthread_create(&encq[r].tid, NULL, tw_encq_run, &encq[r]) != 0) {
            tw_log(TW_LOG_ERR, "cannot start an encoder thread");
            ret = AVERROR(EAGAIN);
            break;
        }

        encq[r].started = 1;
    }

    s->last_src = NULL;

    if (ret == 0) {
        ret = tw_source_video(s->source, m, first, count, tw_segment_frame,
                              s);
    }

    /* every started encoder is flushed and joined, whatever happened */

    for (r = 0; r < m->nvideo; r++) {
        if (!(s->video_mask & (1u << r))) {
            continue;
        }

        if (encq[r].started) {
            (void) tw_encq_push(&encq[r], NULL);
            pthread_join(encq[r].tid, NULL);

            /* it took every frame: it stops only at the NULL */
            err = encq[r].err;

            if (ret >= 0 && err < 0) {
                ret = err;
            }
        }

        pthread_mutex_destroy(&encq[r].lock);
        pthread_cond_destroy(&encq[r].cond);
    }

    s->encq = NULL;

    if (ret < 0) {
        return ret;
    }

    for (r = 0; r < m->nvideo; r++) {
        if (!(s->video_mask & (1u << r))) {
            continue;
        }

        t = &s->video[r];

        if (t->npkts != count || !(t->pkts[0]->flags & AV_PKT_FLAG_KEY)
            || t->pkts[0]->pts != (int64_t) first)
        {
            tw_log(TW_LOG_ERR, "\"%s\" segment %u: encoder gave %zu frames "
                   "for %u, or no keyframe first", m->video[r].name, s->n,
                   t->npkts, count);
            return AVERROR_BUG;
        }
    }

    return 0;
}


static int
tw_segment_audio(tw_segment_t *s)
{
    int                ret;
    uint32_t           count, nframes;
    uint64_t           first;
    int64_t            start;
    size_t             c;
    float             *planes[TW_AUDIO_CHANNELS];
    tw_track_t        *t;
    const vo_audio_t  *a;
    const vo_media_t  *m = s->media;

    a = &m->audio[0];
    t = &s->aac;

    if (a->sample_rate != TW_AUDIO_RATE || a->channels != TW_AUDIO_CHANNELS)
    {
        tw_log(TW_LOG_ERR, "audio track \"%s\": only %d Hz stereo is made",
               a->name, TW_AUDIO_RATE);
        return AVERROR_PATCHWELCOME;
    }

    vo_audio_segment(m, a, s->n, &first, &count);
    if (count == 0) {
        tw_log(TW_LOG_ERR, "audio segment %u has no frame", s->n);
        return AVERROR(EINVAL);
    }

    t->first = first;
    t->count = count;

    start = (int64_t) first - TW_AAC_PREROLL;
    nframes = TW_AAC_PREROLL + count + TW_AAC_POSTROLL;

    planes[0] = NULL;
    planes[1] = NULL;

    for (c = 0; c < TW_AUDIO_CHANNELS; c++) {
        planes[c] = av_calloc((size_t) nframes * VO_AAC_FRAME, sizeof(float));
        if (planes[c] == NULL) {
            ret = AVERROR(ENOMEM);
            goto end;
        }
    }

    ret = tw_source_audio(s->source, start * VO_AAC_FRAME,
                          (size_t) nframes * VO_AAC_FRAME, planes);
    if (ret < 0) {
        goto end;
    }

    ret = tw_audio_encoder(a, &t->enc);
    if (ret < 0) {
        goto end;
    }

    ret = tw_segment_aac(s, (const float **) planes, start, nframes);

end:

    av_freep(&planes[0]);
    av_freep(&planes[1]);

    return ret;
}


/*
 * Encodes the nframes AAC frames of planes, timeline frames from start
 * on, and keeps frames [first, first + count) of the segment.  The
 * encoder labels each packet with the timeline position of the samples
 * it decodes to (input pts minus its initial_padding of 1024), so
 * keeping packets by pts keeps exactly those frames.
 */
static int
tw_segment_aac(tw_segment_t *s, const float **planes, int64_t start,
    uint32_t nframes)
{
    int              ret;
    size_t           c;
    int64_t          lo, hi;
    uint32_t         f;
    AVFrame         *frame;
    AVPacket        *pkt;
    tw_track_t      *t;
    AVChannelLayout  stereo = AV_CHANNEL_LAYOUT_STEREO;

    t = &s->aac;

    frame = av_frame_alloc();
    pkt = av_packet_alloc();
    if (frame == NULL || pkt == NULL) {
        ret = AVERROR(ENOMEM);
        goto end;
    }

    lo = (int64_t) t->first * VO_AAC_FRAME;
    hi = (int64_t) (t->first + t->count) * VO_AAC_FRAME;

    for (f = 0; f <= nframes; f++) {
        if (f < nframes) {
            av_frame_unref(frame);
            frame->nb_samples = VO_AAC_FRAME;
            frame->format = AV_SAMPLE_FMT_FLTP;
            frame->sample_rate = TW_AUDIO_RATE;
            ret = av_channel_layout_copy(&frame->ch_layout, &stereo);
            if (ret < 0 || (ret = av_frame_get_buffer(frame, 0)) < 0) {
                goto end;
            }

            for (c = 0; c < TW_AUDIO_CHANNELS; c++) {
                memcpy(frame->extended_data[c],
                       planes[c] + (size_t) f * VO_AAC_FRAME,
                       VO_AAC_FRAME * sizeof(float));
            }

            frame->pts = (start + f) * VO_AAC_FRAME;
            ret = avcodec_send_frame(t->enc, frame);

        } else {
            ret = avcodec_send_frame(t->enc, NULL);
        }

        if (ret < 0) {
            tw_log(TW_LOG_ERR, "encoding audio failed: %s",
                   tw_strerror(ret));
            goto end;
        }

        for ( ;; ) {
            ret = avcodec_receive_packet(t->enc, pkt);
            if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) {
                ret = 0;
                break;
            }
            if (ret < 0) {
                tw_log(TW_LOG_ERR, "encoding audio failed: %s",
                       tw_strerror(ret));
                goto end;
            }

            if (pkt->pts < lo || pkt->pts >= hi) {
                av_packet_unref(pkt);
                continue;
            }

            if (pkt->pts != lo + (int64_t) t->npkts * VO_AAC_FRAME) {
                tw_log(TW_LOG_ERR, "audio segment %u: aac packet at %lld, "
                       "expected %lld", s->n, (long long) pkt->pts,
                       (long long) (lo + t->npkts * VO_AAC_FRAME));
                ret = AVERROR_BUG;
                goto end;
            }

            ret = tw_track_add(t, pkt);
            if (ret < 0) {
                goto end;
            }
        }
    }

    if (t->npkts != t->count) {
        tw_log(TW_LOG_ERR, "audio segment %u: %zu aac frames for %u", s->n,
               t->npkts, t->count);
        ret = AVERROR_BUG;
        goto end;
    }

    ret = 0;

end:

    av_frame_free(&frame);
    av_packet_free(&pkt);

    return ret;
}


int
tw_segment_encode(tw_segment_t *s)
{
    int  ret;

    if (s->video_mask) {
        ret = tw_segment_video(s);
        if (ret < 0) {
            return ret;
        }
    }

    if (s->audio) {
        ret = tw_segment_audio(s);
        if (ret < 0) {
            return ret;
        }
    }

    return 0;
}


void
tw_segment_free(tw_segment_t *s)
{
    size_t       k;
    uint32_t     r;
    tw_track_t  *t;

    for (r = 0; r <= VO_MAX_VIDEO; r++) {
        t = (r < VO_MAX_VIDEO) ? &s->video[r] : &s->aac;

        for (k = 0; k < t->npkts; k++) {
            av_packet_free(&t->pkts[k]);
        }

        av_freep(&t->pkts);
        t->npkts = 0;
        t->nalloc = 0;
        tw_encoder_free(&t->enc);

        if (r < VO_MAX_VIDEO) {
            sws_freeContext(s->sws[r]);
            s->sws[r] = NULL;
            av_frame_free(&s->scaled[r]);
        }
    }
}


int
tw_segment_mp4_video(tw_segment_t *s, uint32_t r, tw_bytes_t *out)
{
    tw_track_t  *t = &s->video[r];

    return tw_mp4_video_segment(tw_video_family(&s->media->video[r]), s->n,
                                t->first, vo_video_frame_ticks(s->media),
                                t->pkts, t->npkts, out);
}


int
tw_segment_mp4_audio(tw_segment_t *s, tw_bytes_t *out)
{
    return tw_mp4_audio_segment(s->n, s->aac.first, s->aac.pkts,
                                s->aac.npkts, out);
}


int
tw_segment_ts(tw_segment_t *s, uint32_t r, tw_bytes_t *out)
{
    tw_track_t  *t = &s->video[r];

    return tw_ts_segment(s->media, t->enc, t->pkts, t->npkts,
                         s->audio ? s->aac.enc : NULL, s->aac.pkts,
                         s->aac.npkts, out);
}


int
tw_init_segment(const vo_media_t *m, uint32_t r, tw_bytes_t *out,
    char *codec, size_t len)
{
    int              ret;
    AVCodecContext  *enc;

    enc = NULL;

    if (r < m->nvideo) {
        ret = tw_video_encoder(m, &m->video[r], &enc);
        if (ret < 0) {
            goto end;
        }

        ret = tw_mp4_init_video(m, &m->video[r], enc->extradata,
                                enc->extradata_size, out);
        if (ret < 0) {
            goto end;
        }

        if (codec) {
            ret = tw_codec_string(tw_video_family(&m->video[r]),
                                  enc->extradata, enc->extradata_size, codec,
                                  len);
        }

    } else {
        ret = tw_audio_encoder(&m->audio[0], &enc);
        if (ret < 0) {
            goto end;
        }

        ret = tw_mp4_init_audio(&m->audio[0], enc->extradata,
                                enc->extradata_size, out);

        if (ret == 0 && codec) {
            snprintf(codec, len, "mp4a.40.2");
        }
    }

end:

    tw_encoder_free(&enc);

    return ret;
}
