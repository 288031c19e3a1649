/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The media description: what a packaged video contains.  It is stored as
 * "{id}/media.json" in the object store, written last and atomically by
 * the packager; its presence means "ready".  The format is documented in
 * docs/media-description.md.  Its fields are in vo_media_types.h, its
 * invariants in vo_media_check.h, the segment timeline it defines in
 * vo_timeline.h; this header brings the three and adds the JSON form.
 */

#ifndef VO_MEDIA_H
#define VO_MEDIA_H

#include "vo_core.h"
#include "vo_media_types.h"
#include "vo_media_check.h"
#include "vo_timeline.h"


/* Codec families of video renditions, from the RFC 6381 string's
 * sample entry: avc1/avc3, hvc1/hev1, av01. */
#define VO_CODEC_AVC         1
#define VO_CODEC_HEVC        2
#define VO_CODEC_AV1         3
#define VO_CODEC_FAMILIES    3

/* 0 when the codec is none of the above */
unsigned vo_codec_family(const char *codec);
/* "avc1", "hvc1", "av01" (the names policies use), or NULL */
const char *vo_codec_family_name(unsigned family);
unsigned vo_codec_family_parse(const u_char *p, size_t len);
/* (vo_select.c) */



/*
 * Parses a media description.  Strict: unknown versions, missing or
 * out-of-range fields, bad names, trailing garbage and files over
 * VO_MEDIA_FILE_MAX give VO_BAD_DATA with *err set.  m is fully written
 * on VO_OK and left undefined otherwise.  Never reads past data + len.
 */
vo_status_t vo_media_parse(const u_char *data, size_t len, vo_media_t *m,
    const char **err);

/* Serializes m as JSON into b (the packager writes this to the store).
 * vo_media_parse(vo_media_write(m)) gives m back.  VO_BAD_DATA, nothing
 * written, when m fails vo_media_check(); otherwise VO_OK, b's own
 * failure (vo_buf_failed) left for the caller to check. */
vo_status_t vo_media_write(const vo_media_t *m, vo_buf_t *b);

/* the rendition of m with that name, pointing into m, or NULL */
const vo_video_t *vo_media_video(const vo_media_t *m, vo_str_t *name);
const vo_audio_t *vo_media_audio(const vo_media_t *m, vo_str_t *name);


#endif /* VO_MEDIA_H */
