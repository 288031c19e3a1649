/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The invariants of a media description, shared by the parser (a stored
 * description must pass them) and the packager (which checks what it is
 * about to store).  Every bound also keeps the timeline arithmetic of
 * vo_timeline.c far from overflow.
 */

#ifndef VO_MEDIA_CHECK_H
#define VO_MEDIA_CHECK_H

#include "vo_media_types.h"


/* VO_OK, or VO_BAD_DATA with *err (when err is not NULL) set to a static
 * string that names the first field at fault. */
vo_status_t vo_media_check(const vo_media_t *m, const char **err);

/* For the packager, before vo_media_check(): sets segment_count from
 * duration_ms and segment_ms, and when the last segment would hold no
 * frame of some track (it is shorter than the gap before that track's
 * next frame), drops it: duration_ms becomes a whole number of segments,
 * losing less than one frame.  Needs fps and sample rates set. */
void vo_media_fit_duration(vo_media_t *m);

/* [A-Za-z0-9_-]{1,max}: the alphabet of ids, rendition names and
 * presets, safe in URLs, store keys, playlists and XML unescaped. */
int vo_token_valid(const u_char *p, size_t len, size_t max);


#endif /* VO_MEDIA_CHECK_H */
