/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Manifest generators: HLS (multivariant and media playlists) and DASH
 * (static MPD).  Output goes into a vo_buf_t; every URL written is
 * relative to the manifest's own URL, so nothing depends on the Host of
 * the request.  Output is a pure function of the inputs (byte-identical
 * for identical inputs), which is what makes manifest ETags stable.
 */

#ifndef VO_MANIFEST_H
#define VO_MANIFEST_H

#include "vo_core.h"
#include "vo_media.h"


/*
 * What a device class may be offered: renditions up to max_height and
 * max_bitrate (peak bits/s of the video; 0: no limit), of the codec
 * families in codecs[] (preferred first), as fMP4 or TS when it asks
 * for the plain master.m3u8.  H.264 is always offered: a policy that
 * does not list it gets it last, and when its limits leave no H.264
 * rendition, the smallest one is offered anyway, so that a device put in
 * the wrong class still plays.
 */
typedef struct {
    uint32_t        max_height;
    uint32_t        max_bitrate;
    uint32_t        ncodecs;
    uint8_t         codecs[VO_CODEC_FAMILIES];
    unsigned        format;                  /* VO_FORMAT_FMP4 or _TS */
} vo_policy_t;


/* Which renditions a manifest lists, and in what order; rank[i] is the
 * preference of entry i's codec family (0: the first listed in the
 * policy).  ranked: more than one family is listed, so the manifests say
 * which is preferred (HLS SCORE, DASH selectionPriority). */
typedef struct {
    uint32_t        nvideo;
    uint8_t         video[VO_MAX_VIDEO];     /* indexes into m->video */
    uint8_t         rank[VO_MAX_VIDEO];
    uint32_t        ranked;
} vo_selection_t;

/* every video rendition, highest first, whatever its codec (tests) */
void vo_selection_all(const vo_media_t *m, vo_selection_t *sel);

/* The renditions policy p gets in a manifest of format (VO_FORMAT_TS:
 * H.264 only, whatever the policy says).  p NULL: every H.264 rendition.
 * VO_NOT_FOUND when the video has no H.264 rendition for the format. */
vo_status_t vo_select(const vo_media_t *m, const vo_policy_t *p,
    unsigned format, vo_selection_t *sel);

/* A selection the generators accept: 1 to m->nvideo entries, each an
 * index below m->nvideo, none twice.  VO_ERROR otherwise (a bug in the
 * policy that built it, not the client's fault). */
vo_status_t vo_selection_check(const vo_media_t *m,
    const vo_selection_t *sel);


/* master.m3u8 (format VO_FORMAT_FMP4: audio as an EXT-X-MEDIA group,
 * EXT-X-VERSION 7) or master-ts.m3u8 (VO_FORMAT_TS: audio muxed into
 * each variant, EXT-X-VERSION 3). */
vo_status_t vo_hls_master(const vo_media_t *m, const vo_selection_t *sel,
    unsigned format, vo_buf_t *b);

/* {r}/index.m3u8 or {r}/index-ts.m3u8 for the video or audio rendition
 * named r (TS: video only). VO_NOT_FOUND when r does not exist. */
vo_status_t vo_hls_media(const vo_media_t *m, vo_str_t *rendition,
    unsigned format, vo_buf_t *b);

/* manifest.mpd: static, isoff-live profile, SegmentTemplate with an
 * exact SegmentTimeline per adaptation set. */
vo_status_t vo_dash_mpd(const vo_media_t *m, const vo_selection_t *sel,
    vo_buf_t *b);


#endif /* VO_MANIFEST_H */
