/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Playback URL grammar and store keys.  URLs below the playback prefix
 * ("/v/") mirror store keys below the store root, so one parser serves the
 * module (URL -> request) and the worker (request -> store key).
 *
 *   {id}/master.m3u8            HLS multivariant, CMAF (fMP4) variants
 *   {id}/master-ts.m3u8         HLS multivariant, MPEG-TS variants (legacy)
 *   {id}/manifest.mpd           DASH, static
 *   {id}/{r}/index.m3u8         media playlist, fMP4 (video or audio r)
 *   {id}/{r}/index-ts.m3u8      media playlist, TS (video r, audio muxed)
 *   {id}/{r}/init.mp4           CMAF init segment
 *   {id}/{r}/{n}.m4s            CMAF media segment n
 *   {id}/{r}/{n}.ts             MPEG-TS segment n (video r + first audio)
 *
 * id is [A-Za-z0-9_-]{1,64}, r is [A-Za-z0-9_-]{1,32}, n is decimal with
 * no sign and no leading zero, below 10^9.
 */

#ifndef VO_PATH_H
#define VO_PATH_H

#include "vo_core.h"
#include "vo_media.h"


typedef enum {
    VO_REQ_HLS_MASTER = 1,
    VO_REQ_HLS_MASTER_TS,
    VO_REQ_DASH_MPD,
    VO_REQ_HLS_MEDIA,
    VO_REQ_HLS_MEDIA_TS,
    VO_REQ_INIT,
    VO_REQ_SEGMENT,
    VO_REQ_SEGMENT_TS
} vo_req_kind_t;


typedef struct {
    vo_req_kind_t   kind;
    vo_str_t        id;           /* points into the parsed path */
    vo_str_t        rendition;    /* empty for manifests */
    vo_str_t        device;       /* "tv" of master.tv.m3u8; else empty */
    uint32_t        segment;      /* VO_REQ_SEGMENT and VO_REQ_SEGMENT_TS */
} vo_request_t;

#define vo_req_is_manifest(k)  ((k) <= VO_REQ_HLS_MEDIA_TS)


/*
 * The part of a playback path below the location prefix (in path):
 * VO_OK with *rest when path starts with prefix and, unless prefix ends
 * in '/', a '/' follows it (not part of *rest); VO_NOT_FOUND otherwise,
 * so that "location /v" serves "/v/demo/..." and not "/vdemo/...": one
 * object, one URL.
 */
vo_status_t vo_path_below(const u_char *path, size_t len,
    const u_char *prefix, size_t plen, vo_str_t *rest);

/*
 * Parses the part of a playback path after the prefix, e.g.
 * "demo/720p/3.m4s".  VO_BAD_REQUEST for a malformed id, rendition or
 * number (bad characters, too long, leading zero, overflow), VO_NOT_FOUND
 * for a well-formed path that names nothing (unknown file name or
 * extension, extra components).  *err says why.
 */
vo_status_t vo_path_parse(const u_char *p, size_t len, vo_request_t *req,
    const char **err);

/* Valid id: [A-Za-z0-9_-]{1,64} */
int vo_id_valid(const u_char *p, size_t len);

/*
 * Checks req against the video: the rendition exists and fits the kind
 * (TS only for video renditions and only if the video has TS), the
 * segment is below segment_count.  VO_NOT_FOUND or VO_RANGE otherwise;
 * VO_BAD_DATA when m is another video's description.
 */
vo_status_t vo_request_check(const vo_request_t *req, const vo_media_t *m,
    const char **err);

/*
 * Writes the store key of req ("demo/720p/3.m4s") into buf, NUL
 * terminated.  Returns its length without the NUL, or 0 when it does not
 * fit.  Manifests have no store key (0).
 */
size_t vo_request_key(const vo_request_t *req, char *buf, size_t size);

/* "{id}/media.json" */
size_t vo_media_key(vo_str_t *id, char *buf, size_t size);


#endif /* VO_PATH_H */
