/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Decoding one stream of an open demuxer: a fresh decoder, a seek, and
 * the read-and-decode loop the video and audio windows of tw_source.c
 * share.  Every function returns 0 or a negative AVERROR, libavformat's
 * and libavcodec's own passed through (what they refuse is logged).
 */

#ifndef TW_DEMUX_H
#define TW_DEMUX_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>


/* An open decoder for stream idx of fmt in *dec (the caller frees it
 * with avcodec_free_context()), decoding with that many threads. */
int tw_demux_decoder(AVFormatContext *fmt, int idx, int threads,
    AVCodecContext **dec);

/* To the last keyframe of stream idx at or before ts (its time base), or
 * the first one after it when there is none before. */
int tw_demux_seek(AVFormatContext *fmt, int idx, int64_t ts);


/*
 * The packets of stream idx, from where fmt stands, go to dec, except
 * those the packet handler skips, and every decoded frame to the frame
 * handler, until a handler ends the loop or the stream ends (the decoder
 * drained).  A handler returns 0 to go on, TW_DEMUX_SKIP (packet: not
 * decoded), TW_DEMUX_DONE (frame: the window is complete), or another
 * code of the caller's, positive above TW_DEMUX_DONE or a negative
 * AVERROR, which ends the loop and is returned.  The loop owns the
 * packet and the frame: a frame handler keeps a frame only by moving its
 * reference out.  0 when the stream ended or a handler said done.  A read
 * error is taken as the end of the stream, a packet the decoder refuses
 * is skipped (both logged as warnings).
 */
#define TW_DEMUX_SKIP  1
#define TW_DEMUX_DONE  1

typedef int (*tw_demux_packet_pt)(void *data, const AVPacket *pkt);
typedef int (*tw_demux_frame_pt)(void *data, AVFrame *frame);

typedef struct {
    AVFormatContext     *fmt;
    int                  idx;
    const char          *kind;         /* "video", "audio": for the log */
    AVCodecContext      *dec;
    tw_demux_packet_pt   packet;       /* NULL: every packet is decoded */
    tw_demux_frame_pt    frame;
    void                *data;         /* the handlers' */
} tw_demux_t;

int tw_demux_loop(tw_demux_t *d);


#endif /* TW_DEMUX_H */
