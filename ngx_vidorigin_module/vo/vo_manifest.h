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


/* Which renditions a manifest lists, and in what order (a device policy
 * will fill this; by default every video rendition, highest first). */
typedef struct {
    uint32_t        nvideo;
    uint8_t         video[VO_MAX_VIDEO];     /* indexes into m->video */
} vo_selection_t;

void vo_selection_all(const vo_media_t *m, vo_selection_t *sel);

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
