/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdio.h>

#include <libavutil/channel_layout.h>
#include <libavutil/cpu.h>
#include <libavutil/opt.h>

#include "tw_log.h"
#include "tw_encode.h"
#include "tw_source.h"


uint32_t
tw_video_keyint(const vo_media_t *m)
{
    uint64_t  num, den;

    /* ceil(D * fps): no segment holds more frames than this */
    num = (uint64_t) m->segment_ms * m->fps_num;
    den = (uint64_t) 1000 * m->fps_den;

    return (uint32_t) ((num + den - 1) / den);
}


int
tw_video_encoder(const vo_media_t *m, const vo_video_t *v,
    AVCodecContext **encp)
{
    int              ret;
    char             crf[16], params[128];
    uint32_t         keyint;
    AVCodecContext  *enc;
    const AVCodec   *codec;

    codec = avcodec_find_encoder_by_name("libx264");
    if (codec == NULL) {
        tw_log(TW_LOG_ERR, "libx264 encoder not available");
        return AVERROR_ENCODER_NOT_FOUND;
    }

    enc = avcodec_alloc_context3(codec);
    if (enc == NULL) {
        return AVERROR(ENOMEM);
    }

    keyint = tw_video_keyint(m);

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
     * libx264 0.164 is not deterministic (measured, tests/worker):
     * - with more than one thread, whenever its VBV constrains a frame
     *   (row-level rate control reads the sizes of the frames the other
     *   threads are encoding), so one thread; the cores are used by
     *   segments made in parallel (package --jobs, serve --slots);
     * - with its AVX-512 code, even with one thread, the output depends
     *   on what the thread encoded before, so never above AVX2 (as fast
     *   at 720p).
     */
    enc->thread_count = m->threads;
    enc->thread_type = FF_THREAD_FRAME;

    enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER | AV_CODEC_FLAG_BITEXACT;

    snprintf(crf, sizeof(crf), "%u", v->crf);

    /* min-keyint is clamped by x264 to keyint/2+1; with scenecut off it
     * does not matter: the only I frame is the first one.  asm: above. */
    snprintf(params, sizeof(params),
             "scenecut=0:open-gop=0:keyint=%u:min-keyint=%u%s", keyint, keyint,
             (av_get_cpu_flags() & AV_CPU_FLAG_AVX512) ? ":asm=avx2" : "");

    if ((ret = av_opt_set(enc->priv_data, "preset", m->preset, 0)) < 0
        || (ret = av_opt_set(enc->priv_data, "profile", "high", 0)) < 0
        || (ret = av_opt_set(enc->priv_data, "crf", crf, 0)) < 0
        || (ret = av_opt_set(enc->priv_data, "x264-params", params, 0)) < 0)
    {
        tw_log(TW_LOG_ERR, "cannot set libx264 options: %s",
               tw_strerror(ret));
        goto end;
    }

    ret = avcodec_open2(enc, codec, NULL);
    if (ret < 0) {
        tw_log(TW_LOG_ERR, "cannot open libx264 for \"%s\" (%ux%u): %s",
               v->name, v->width, v->height, tw_strerror(ret));
        goto end;
    }

    if (enc->extradata == NULL || enc->extradata_size < 8) {
        tw_log(TW_LOG_ERR, "libx264 gave no parameter sets");
        ret = AVERROR_BUG;
        goto end;
    }

    *encp = enc;
    enc = NULL;

end:

    avcodec_free_context(&enc);

    return ret;
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


int
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
