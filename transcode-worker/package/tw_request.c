/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * One object of a packaged video, made from the master copy with every
 * setting read from its media description: tw_object_make(), used by the
 * "segment" command and by the "serve" daemon alike.  It goes through the
 * same tw_segment_encode() as the packager, so the bytes are the packaged
 * ones.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vo_path.h"
#include "common/tw_log.h"
#include "store/tw_store.h"
#include "media/tw_source.h"
#include "media/tw_segment.h"
#include "package/tw_package.h"


static void tw_companions(const tw_store_t *st, tw_segment_t *s, uint32_t r,
    const vo_request_t *req, tw_companion_t *comp);


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


int
tw_segment_command(const tw_opts_t *o)
{
    int                 rc, ret;
    char                key[TW_KEY_MAX];
    size_t              len;
    uint8_t            *json;
    vo_str_t            id;
    const char         *err;
    vo_media_t          m;
    tw_bytes_t          out;
    vo_request_t        req;

    rc = 1;
    json = NULL;
    memset(&out, 0, sizeof(tw_bytes_t));

    id.data = (const u_char *) o->id;
    id.len = strlen(o->id);

    if (vo_media_key(&id, key, sizeof(key)) == 0) {
        tw_log(TW_LOG_ERR, "invalid id \"%s\"", o->id);
        goto end;
    }

    ret = tw_store_read(&o->store, key, VO_MEDIA_FILE_MAX, &json, &len);
    if (ret == 1) {
        tw_log(TW_LOG_ERR, "video \"%s\" is not packaged (no \"%s\")",
               o->id, key);
    }
    if (ret != 0) {
        goto end;
    }

    if (vo_media_parse(json, len, &m, &err) != VO_OK) {
        tw_log(TW_LOG_ERR, "media description \"%s\" invalid: %s", key, err);
        goto end;
    }

    req.kind = o->init ? VO_REQ_INIT
                       : (o->format == VO_FORMAT_TS ? VO_REQ_SEGMENT_TS
                                                    : VO_REQ_SEGMENT);
    req.id = id;
    req.rendition.data = (const u_char *) o->rendition;
    req.rendition.len = strlen(o->rendition);
    req.segment = o->init ? 0 : (uint32_t) o->segment;

    if (!o->init && (o->segment < 0 || o->segment > UINT32_MAX)) {
        tw_log(TW_LOG_ERR, "segment number out of range");
        goto end;
    }

    if (vo_request_check(&req, &m, &err) != VO_OK) {
        tw_log(TW_LOG_ERR, "no such object: \"%s\" rendition \"%s\": %s",
               o->id, o->rendition, err);
        goto end;
    }

    if (vo_request_key(&req, key, sizeof(key)) == 0) {
        tw_log(TW_LOG_ERR, "no store key for the object");
        goto end;
    }

    if (tw_object_make(&o->store, &m, &req, &out, NULL) != 0) {
        tw_log(TW_LOG_ERR, "making \"%s\" failed", key);
        goto end;
    }

    if (o->out) {
        if (tw_write_out(o->out, out.data, out.len) != 0) {
            goto end;
        }

    } else if (tw_store_write(&o->store, key, out.data, out.len) != 0) {
        goto end;
    }

    tw_log(TW_LOG_INFO, "made \"%s\" (%zu bytes)", key, out.len);

    rc = 0;

end:

    free(json);
    tw_bytes_free(&out);

    return rc;
}
