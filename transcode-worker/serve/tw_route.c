/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <string.h>

#include "serve/tw_route.h"


tw_route_t
tw_route(const char *url, vo_request_t *req, const char **err)
{
    size_t       len;
    vo_status_t  rc;

    if (strcmp(url, "/healthz") == 0) {
        return TW_ROUTE_HEALTHZ;
    }

    if (strcmp(url, "/metrics") == 0) {
        return TW_ROUTE_METRICS;
    }

    len = strlen(url);

    if (len < 3 || memcmp(url, "/v/", 3) != 0) {
        return TW_ROUTE_NOT_FOUND;
    }

    rc = vo_path_parse((const u_char *) url + 3, len - 3, req, err);

    if (rc == VO_BAD_REQUEST) {
        return TW_ROUTE_BAD_REQUEST;
    }

    if (rc != VO_OK || vo_req_is_manifest(req->kind)) {
        return TW_ROUTE_NOT_FOUND;
    }

    return TW_ROUTE_OBJECT;
}


unsigned
tw_route_object(const vo_media_t *m, const vo_request_t *req, char *key,
    size_t size, const char **ctype, const char **err)
{
    vo_str_t          r;
    vo_status_t       rc;
    const vo_video_t  *v;
    const vo_audio_t  *a;

    rc = vo_request_check(req, m, err);

    if (rc == VO_NOT_FOUND || rc == VO_RANGE) {
        return 404;
    }

    if (rc != VO_OK) {
        return 500;
    }

    if (vo_request_key(req, key, size) == 0) {
        *err = "no store key";
        return 500;
    }

    r = req->rendition;
    v = vo_media_video(m, &r);
    a = v ? NULL : vo_media_audio(m, &r);

    if (a && a != &m->audio[0]) {
        /* the packager makes the first audio track only */
        return 404;
    }

    *ctype = req->kind == VO_REQ_SEGMENT_TS ? "video/mp2t"
             : req->kind == VO_REQ_SEGMENT ? "video/iso.segment"
             : v ? "video/mp4" : "audio/mp4";

    return 0;
}
