/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The playback API's answers (GET /api/v1/videos/{id}): JSON for one
 * viewer, written here so that the nginx glue only gathers what goes in
 * it (the media description, the catalog fields read from Redis, the
 * placement, the configured hosts) and sends what comes out.
 *
 *   {"id":..,"ready":true,"duration_ms":..,[catalog fields,]
 *    "catalog":true|false,"renditions":[..],"audio":[..],"region":..,
 *    "device":..,"placement":"cdn|origin","placement_from":"hint|default",
 *    "playback":{"hls":..,"dash":..[,"expires":..]}}
 *
 * and, for a video the catalog knows that has no media description yet
 * (uploading, processing, failed: SPEC section 8):
 *
 *   {"id":..,"ready":false,[catalog fields,]"catalog":true}
 *
 * Output goes into the caller's vo_buf_t (its allocator, its memory);
 * strings from data pass through vo_json_put_string, so the answer is
 * valid JSON whatever the catalog holds.  Output is a pure function of
 * the description.
 */

#ifndef VO_API_H
#define VO_API_H

#include "vo_core.h"
#include "vo_media.h"
#include "vo_manifest.h"


/* where a viewer plays; NONE: no usable hint (the default applies) */
#define VO_API_PLACE_NONE    0
#define VO_API_PLACE_CDN     1
#define VO_API_PLACE_ORIGIN  2


/*
 * Catalog fields (Redis hash vo:video:{id}), in the order they are
 * written: title, description, creator and language are text;
 * thumbnails, ads and tags hold JSON text, sent as it is; status
 * (uploading, processing, ready, failed), progress (0 to 1) and error are
 * ingest's (docs/redis-layout.md).
 */
#define VO_API_FIELDS        10
#define VO_API_STATUS        7               /* index of "status" */
#define VO_API_FIELD_MAX     (16 * 1024)     /* longer values: left out */


typedef struct {
    vo_str_t            id;
    const vo_media_t   *media;
    const vo_policy_t  *policy;       /* the viewer's device class */
    vo_str_t            device;       /* and its name */
    vo_str_t            region;       /* two letters */

    /* data NULL: not in the catalog (an empty value is len 0, data not
     * NULL); values accepted by vo_api_field() */
    vo_str_t            field[VO_API_FIELDS];
    unsigned            catalog;      /* the catalog was read */

    unsigned            placement;    /* VO_API_PLACE_CDN or _ORIGIN */
    const char         *placement_from;    /* "hint", "default" (NULL) */

    /* playback URLs: {host}{prefix}{id}/master.{device}.m3u8, on cdn_host
     * or, placed on the origin, on origin_host, signed with secret (len
     * 0: unsigned) until now + sign_ttl */
    vo_str_t            cdn_host;     /* "https://cdn.example.com" */
    vo_str_t            origin_host;
    vo_str_t            prefix;       /* "/v/" */
    vo_str_t            secret;
    uint64_t            now;
    uint64_t            sign_ttl;     /* seconds */
} vo_api_answer_t;


/*
 * The answer for a.  VO_NOT_FOUND when the viewer's class has no
 * rendition to play (nothing useful written); VO_ERROR when signing or
 * the buffer failed.  On any failure b holds no usable answer.
 */
vo_status_t vo_api_write(const vo_api_answer_t *a, vo_buf_t *b);

/*
 * The answer for a video with no media description (a.media unused)
 * whose catalog entry has a status: "ready":false and the catalog
 * fields.  VO_NOT_FOUND when the entry has no status (no such video).
 */
vo_status_t vo_api_write_pending(const vo_api_answer_t *a, vo_buf_t *b);

/* {"error":text}: text is a short static reason */
vo_status_t vo_api_error(const char *text, vo_buf_t *b);

/*
 * A catalog entry (name, value): VO_OK with *k its index in a.field;
 * VO_NOT_FOUND for a name the answer does not carry or a value over
 * VO_API_FIELD_MAX (left out, nothing to say); VO_BAD_DATA with *k set
 * when the value is not what the field holds (a JSON field's not JSON, a
 * status not one of the four, a progress not from 0 to 1: left out, the
 * caller says so, naming vo_api_field_name(*k) and what it expected,
 * vo_api_field_expect(*k): "JSON").
 */
vo_status_t vo_api_field(const u_char *name, size_t name_len,
    const u_char *value, size_t len, unsigned *k);
const char *vo_api_field_name(unsigned k);
const char *vo_api_field_expect(unsigned k);

/*
 * A placement hint, "cdn|origin SCORE EXPIRES" (written by
 * "transcode-worker placer"): its placement, with *expires set (unix
 * seconds), or VO_API_PLACE_NONE when malformed.  Whether it has expired
 * is the caller's to say.
 */
unsigned vo_api_hint_parse(const u_char *s, size_t len, uint64_t *expires);


#endif /* VO_API_H */
