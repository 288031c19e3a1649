/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <string.h>

#include "common/tw_log.h"
#include "media/tw_segment.h"
#include "media/tw_source.h"
#include "package/tw_request.h"


static void tw_companions(const tw_store_t *st, tw_segment_t *s, uint32_t r,
    const vo_request_t *req, tw_companion_t *comp);


int
tw_object_key(const vo_media_t *m, vo_req_kind_t kind, const char *name,
    uint32_t n, char *key, size_t size)
{
    vo_request_t  req;

    req.kind = kind;
    req.id.data = (const u_char *) m->id;
    req.id.len = strlen(m->id);
    req.rendition.data = (const u_char *) name;
    req.rendition.len = strlen(name);
    req.segment = n;

    if (vo_request_key(&req, key, size) == 0) {
        tw_log(TW_LOG_ERR, "no store key for \"%s\" of \"%s\"", name, m->id);
        return -1;
    }

    return 0;
}


int
tw_object_make(const tw_store_t *st, const vo_media_t *m,
    const vo_request_t *req, tw_bytes_t *out, tw_companion_t *comp)
{
    int                 rc, ret;
    uint32_t            r;
    tw_segment_t        s;
    tw_source_t        *src;
    const vo_video_t   *v;
    const vo_audio_t   *a;

    src = NULL;
    memset(&s, 0, sizeof(tw_segment_t));

    if (comp) {
        memset(comp, 0, TW_COMPANIONS * sizeof(tw_companion_t));
    }

    v = vo_media_video(m, (vo_str_t *) &req->rendition);
    a = v ? NULL : vo_media_audio(m, (vo_str_t *) &req->rendition);

    if (v == NULL && a == NULL) {
        tw_log(TW_LOG_ERR, "no rendition \"%.*s\" in \"%s\"",
               (int) req->rendition.len, req->rendition.data, m->id);
        return TW_MAKE_ERROR;
    }

    if (a && a != &m->audio[0]) {
        tw_log(TW_LOG_ERR, "only the first audio track can be made");
        return TW_MAKE_ERROR;
    }

    r = v ? (uint32_t) (v - m->video) : VO_MAX_VIDEO;

    if (req->kind == VO_REQ_INIT) {
        return tw_init_segment(m, r, out, NULL, 0) < 0 ? TW_MAKE_ERROR : 0;
    }

    rc = TW_MAKE_SOURCE;

    if (tw_store_source(st, m->source, &src) < 0) {
        goto end;
    }

    s.media = m;
    s.source = src;
    s.n = req->segment;
    s.video_mask = v ? 1u << r : 0;
    s.audio = (a != NULL) || (req->kind == VO_REQ_SEGMENT_TS
                              && m->naudio > 0);

    if (tw_segment_encode(&s) < 0) {
        goto end;
    }

    rc = TW_MAKE_ERROR;

    if (req->kind == VO_REQ_SEGMENT_TS) {
        ret = tw_segment_ts(&s, r, out);

    } else if (v) {
        ret = tw_segment_mp4_video(&s, r, out);

    } else {
        ret = tw_segment_mp4_audio(&s, out);
    }

    if (ret < 0 || out->failed) {
        goto end;
    }

    rc = 0;

    if (comp && req->kind == VO_REQ_SEGMENT_TS) {
        tw_companions(st, &s, r, req, comp);
    }

end:

    tw_segment_free(&s);
    tw_source_close(&src);

    return rc;
}


/* the fMP4 segments of a TS segment's encode, those the store lacks */
static void
tw_companions(const tw_store_t *st, tw_segment_t *s, uint32_t r,
    const vo_request_t *req, tw_companion_t *comp)
{
    int                 i, ret;
    const vo_media_t   *m = s->media;

    if (!(m->formats & VO_FORMAT_FMP4)) {
        return;
    }

    for (i = 0; i < TW_COMPANIONS; i++) {

        if (i == 1 && !s->audio) {
            break;
        }

        if (tw_object_key(m, VO_REQ_SEGMENT,
                          i == 0 ? m->video[r].name : m->audio[0].name,
                          req->segment, comp[i].key, TW_KEY_MAX) < 0
            || tw_store_exists(st, comp[i].key))
        {
            comp[i].key[0] = '\0';
            continue;
        }

        ret = (i == 0) ? tw_segment_mp4_video(s, r, &comp[i].bytes)
                       : tw_segment_mp4_audio(s, &comp[i].bytes);

        if (ret < 0 || comp[i].bytes.failed) {
            /* the object asked for is made; a companion is only a bonus */
            tw_bytes_free(&comp[i].bytes);
            comp[i].key[0] = '\0';
        }
    }
}
