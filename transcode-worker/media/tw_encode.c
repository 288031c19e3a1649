/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdio.h>
#include <string.h>

#include <libavutil/channel_layout.h>
#include <libavutil/cpu.h>
#include <libavutil/opt.h>

#include "common/tw_log.h"
#include "media/tw_codec.h"
#include "media/tw_encode.h"


uint32_t
tw_video_keyint(const vo_media_t *m)
{
    uint64_t  num, den;

    /* ceil(D * fps): no segment holds more frames than this */
    num = (uint64_t) m->segment_ms * m->fps_num;
    den = (uint64_t) 1000 * m->fps_den;

    return (uint32_t) ((num + den - 1) / den);
}


/*
 * HEVC and AV1 encoders are set from the same media description fields
 * as H.264: the preset is an x264 name, mapped to x265 one step faster
 * (x265's presets cost several times x264's of the same name) and to the
 * SVT-AV1 preset of about the same speed; the rendition's crf is its own
 * (the packager maps --crf to each codec's scale).
 */
static const char  *tw_x264_presets[] = {
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium",
    "slow", "slower", "veryslow", "placebo", NULL
};

static const char  *tw_x265_presets[] = {
    "ultrafast", "ultrafast", "superfast", "veryfast", "faster", "fast",
    "medium", "slow", "slower", "veryslow"
};

static const char  *tw_svt_presets[] = {
    "12", "11", "10", "9", "8", "7", "6", "5", "4", "3"
};


static int
tw_preset_index(const char *preset)
{
    int  i;

    for (i = 0; tw_x264_presets[i]; i++) {
        if (strcmp(tw_x264_presets[i], preset) == 0) {
            return i;
        }
    }

    return 2;                                   /* veryfast */
}


int
tw_video_encoder(const vo_media_t *m, const vo_video_t *v,
    AVCodecContext **encp)
{
    int              ret, p;
    char             crf[16], params[192];
    unsigned         family;
    uint32_t         keyint;
    const char      *name, *preset, *profile, *params_opt;
    AVCodecContext  *enc;
    const AVCodec   *codec;

    family = tw_video_family(v);
    name = family == VO_CODEC_HEVC ? "libx265"
           : family == VO_CODEC_AV1 ? "libsvtav1" : "libx264";

    if (family == 0) {
        tw_log(TW_LOG_ERR, "rendition \"%s\": unknown codec \"%s\"", v->name,
               v->codec);
        return AVERROR(EINVAL);
    }

    codec = avcodec_find_encoder_by_name(name);
    if (codec == NULL) {
        tw_log(TW_LOG_ERR, "%s encoder not available", name);
        return AVERROR_ENCODER_NOT_FOUND;
    }

    enc = avcodec_alloc_context3(codec);
    if (enc == NULL) {
        return AVERROR(ENOMEM);
    }

    keyint = tw_video_keyint(m);
    p = tw_preset_index(m->preset);

    enc->width = v->width;
    enc->height = v->height;
    enc->pix_fmt = AV_PIX_FMT_YUV420P;
    enc->sample_aspect_ratio = (AVRational) { 1, 1 };
    enc->time_base = (AVRational) { m->fps_den, m->fps_num };
    enc->framerate = (AVRational) { m->fps_num, m->fps_den };
    enc->gop_size = keyint;
    enc->keyint_min = keyint;
    enc->max_b_frames = -1;               /* the preset's */
    enc->rc_max_rate = (int64_t) v->maxrate;
    enc->rc_buffer_size = v->maxrate;
    enc->color_range = AVCOL_RANGE_MPEG;

    /*
     * A segment made just in time must equal the packaged one, and
     * libx264 0.164 is not deterministic (measured,
     * tests/package/test-determinism.sh):
     * - with more than one thread, whenever its VBV constrains a frame
     *   (row-level rate control reads the sizes of the frames the other
     *   threads are encoding), so one thread; the cores are used by
     *   segments made in parallel (package --jobs, serve --slots);
     * - with its AVX-512 code, even with one thread, the output depends
     *   on what the thread encoded before, so never above AVX2 (as fast
     *   at 720p).
     * x265 and SVT-AV1 get the same fixed thread count (a pool of that
     * many threads, one frame at a time; SVT's "lp").
     */
    enc->thread_count = m->threads;
    enc->thread_type = FF_THREAD_FRAME;

    enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER | AV_CODEC_FLAG_BITEXACT;

    snprintf(crf, sizeof(crf), "%u", v->crf);

    /* per encoder: its preset, its parameter string and the option that
     * takes it; the same crf option everywhere */
    profile = NULL;

    switch (family) {

    case VO_CODEC_HEVC:
        /* closed GOP, one IDR per segment; no SEI with the encoder's
         * version and options; parameter sets in extradata only; VBV from
         * rc_max_rate and rc_buffer_size */
        preset = tw_x265_presets[p];
        params_opt = "x265-params";
        snprintf(params, sizeof(params),
                 "keyint=%u:min-keyint=%u:scenecut=0:open-gop=0:info=0:"
                 "repeat-headers=0:aud=0:pools=%u:frame-threads=1:"
                 "log-level=error", keyint, keyint, m->threads);
        enc->profile = FF_PROFILE_HEVC_MAIN;
        break;

    case VO_CODEC_AV1:
        /* gop_size is SVT's intra period: one key frame (closed, IDR
         * refresh) per segment, no scene change key frames; capped crf
         * (rc_max_rate) */
        preset = tw_svt_presets[p];
        params_opt = "svtav1-params";
        snprintf(params, sizeof(params), "lp=%u:scd=0:irefresh-type=2",
                 m->threads);
        break;

    default:
        /* min-keyint is clamped by x264 to keyint/2+1; with scenecut off
         * it does not matter: the only I frame is the first one.  asm:
         * above. */
        preset = m->preset;
        profile = "high";
        params_opt = "x264-params";
        snprintf(params, sizeof(params),
                 "scenecut=0:open-gop=0:keyint=%u:min-keyint=%u%s", keyint,
                 keyint,
                 (av_get_cpu_flags() & AV_CPU_FLAG_AVX512) ? ":asm=avx2" : "");
    }

    if ((ret = av_opt_set(enc->priv_data, "preset", preset, 0)) < 0
        || (profile
            && (ret = av_opt_set(enc->priv_data, "profile", profile, 0)) < 0)
        || (ret = av_opt_set(enc->priv_data, "crf", crf, 0)) < 0
        || (ret = av_opt_set(enc->priv_data, params_opt, params, 0)) < 0)
    {
        tw_log(TW_LOG_ERR, "cannot set %s options: %s", name,
               tw_strerror(ret));
        goto end;
    }

    ret = avcodec_open2(enc, codec, NULL);
    if (ret < 0) {
        tw_log(TW_LOG_ERR, "cannot open %s for \"%s\" (%ux%u): %s", name,
               v->name, v->width, v->height, tw_strerror(ret));
        goto end;
    }

    if (enc->extradata == NULL || enc->extradata_size < 8) {
        tw_log(TW_LOG_ERR, "%s gave no parameter sets", name);
        ret = AVERROR_BUG;
        goto end;
    }

    *encp = enc;
    enc = NULL;

end:

    tw_encoder_free(&enc);

    return ret;
}


void
tw_encoder_free(AVCodecContext **encp)
{
    int              ret;
    AVFrame         *frame;
    AVPacket        *pkt;
    AVCodecContext  *enc = *encp;

    /* SVT-AV1 1.4 waits forever in its deinit for the end of a stream
     * that never ended, and in its flush for a stream that never began:
     * one gray frame (refused with EOF when the stream has ended), the
     * end, and the packets drained (thrown away: the encode is over or
     * was never more than its headers) */
    if (enc == NULL || !avcodec_is_open(enc)
        || enc->codec_id != AV_CODEC_ID_AV1)
    {
        avcodec_free_context(encp);
        return;
    }

    frame = av_frame_alloc();
    pkt = av_packet_alloc();

    if (frame && pkt) {
        frame->format = enc->pix_fmt;
        frame->width = enc->width;
        frame->height = enc->height;
        frame->pts = 0;

        if (av_frame_get_buffer(frame, 0) == 0) {
            memset(frame->data[0], 128, frame->linesize[0] * frame->height);
            memset(frame->data[1], 128,
                   frame->linesize[1] * ((frame->height + 1) / 2));
            memset(frame->data[2], 128,
                   frame->linesize[2] * ((frame->height + 1) / 2));
            (void) avcodec_send_frame(enc, frame);
        }

        ret = avcodec_send_frame(enc, NULL);

        while (ret >= 0 || ret == AVERROR(EAGAIN)) {
            ret = avcodec_receive_packet(enc, pkt);
            av_packet_unref(pkt);
        }
    }

    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(encp);
}


int
tw_audio_encoder(const vo_audio_t *a, AVCodecContext **encp)
{
    int              ret;
    AVCodecContext  *enc;
    const AVCodec   *codec;

    codec = avcodec_find_encoder_by_name("aac");
    if (codec == NULL) {
        tw_log(TW_LOG_ERR, "aac encoder not available");
        return AVERROR_ENCODER_NOT_FOUND;
    }

    enc = avcodec_alloc_context3(codec);
    if (enc == NULL) {
        return AVERROR(ENOMEM);
    }

    enc->sample_fmt = AV_SAMPLE_FMT_FLTP;
    enc->sample_rate = a->sample_rate;
    av_channel_layout_default(&enc->ch_layout, a->channels);
    enc->bit_rate = a->bitrate;
    enc->profile = FF_PROFILE_AAC_LOW;
    enc->time_base = (AVRational) { 1, a->sample_rate };
    enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER | AV_CODEC_FLAG_BITEXACT;

    ret = avcodec_open2(enc, codec, NULL);
    if (ret < 0) {
        tw_log(TW_LOG_ERR, "cannot open the aac encoder: %s",
               tw_strerror(ret));
        goto end;
    }

    if (enc->frame_size != VO_AAC_FRAME || enc->extradata_size < 2) {
        tw_log(TW_LOG_ERR, "unexpected aac encoder frame size %d",
               enc->frame_size);
        ret = AVERROR_BUG;
        goto end;
    }

    *encp = enc;
    enc = NULL;

end:

    avcodec_free_context(&enc);

    return ret;
}
