/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/mathematics.h>

#include "vo_path.h"
#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "media/tw_segment.h"
#include "media/tw_source.h"
#include "store/tw_store.h"
#include "package/tw_ladder.h"
#include "package/tw_package.h"
#include "package/tw_pool.h"


static void tw_package_source_key(const tw_package_opts_t *o, char *key,
    size_t size);
static int tw_package_media(const tw_package_opts_t *o, tw_source_t *src,
    const char *source_key, vo_media_t *m);
static int tw_package_probe_cb(void *data, uint64_t i, const AVFrame *f);
static int tw_package_same(const tw_package_opts_t *o, const vo_media_t *m,
    const char *key);


int
tw_package(const tw_package_opts_t *o)
{
    int            rc, existed, written;
    char           key[TW_KEY_MAX], path[PATH_MAX];
    uint32_t       eager;
    double         t0;
    vo_str_t       id;
    tw_rate_t      rates[VO_MAX_VIDEO + 1];
    vo_media_t     m;
    tw_source_t   *src;

    rc = 1;
    src = NULL;
    written = 0;
    existed = 1;
    memset(rates, 0, sizeof(rates));
    t0 = tw_clock();

    /* everything that can be refused is checked before the store is
     * touched */
    if (tw_source_open(&src, o->source, NULL, NULL) < 0) {
        goto end;
    }

    tw_package_source_key(o, key, sizeof(key));

    if (tw_package_probe(o, src, key, &m) != 0
        || tw_ladder_eager(o->eager, o->ladder, &m, &eager) != 0)
    {
        goto end;
    }

    tw_source_close(&src);

    tw_log(TW_LOG_INFO, "packaging \"%s\": %llu ms, %u/%u fps, %u segments "
           "of %u ms, %u video rendition(s) (%ux%u first), %u audio",
           m.id, (unsigned long long) m.duration_ms, m.fps_num, m.fps_den,
           m.segment_count, m.segment_ms, m.nvideo, m.video[0].width,
           m.video[0].height, m.naudio);

    /* a store that cannot tell stops here: a failure later would
     * otherwise remove a video that did exist */
    existed = tw_store_exists_tree(&o->store, o->id);
    if (existed < 0) {
        goto end;
    }

    written = 1;

    id.data = (const u_char *) m.id;
    id.len = strlen(m.id);

    if (vo_media_key(&id, path, sizeof(path)) == 0) {
        goto end;
    }

    /* same source and settings: the same bytes are rewritten and the
     * video stays ready; otherwise it is made not ready first (media.json
     * removed), then emptied, so no object of other settings survives */
    if (existed && tw_package_same(o, &m, path)) {
        tw_log(TW_LOG_INFO, "\"%s\" is already packaged from the same "
               "source and settings: its objects are rewritten in place",
               m.id);

    } else if (tw_store_remove(&o->store, path) != 0
               || tw_store_remove_tree(&o->store, m.id) != 0
               || tw_store_copy(&o->store, m.source, o->source) != 0)
    {
        goto end;
    }

    /* from here on, segments come from the store's copy, as they will
     * just in time; but not back from S3, where reading the file just
     * uploaded gives the same bytes for the price of a local read */

    if (tw_package_init(&o->store, &m, eager) != 0) {
        goto end;
    }

    if (eager
        && tw_pool_run(&o->store, &m, tw_store_is_local(&o->store)
                                      ? NULL : o->source,
                       eager, o->jobs, rates)
           != 0)
    {
        goto end;
    }

    tw_package_bandwidth(&m, eager, rates);

    if (tw_package_describe(&o->store, &m) != 0) {
        goto end;
    }

    tw_log(TW_LOG_INFO, "packaged \"%s\" in %.1f s", m.id, tw_clock() - t0);

    rc = 0;

end:

    if (rc != 0 && written && !existed) {
        /* a video that did not exist before leaves nothing behind */
        (void) tw_store_remove_tree(&o->store, o->id);
    }

    tw_source_close(&src);

    return rc;
}


int
tw_package_probe(const tw_package_opts_t *o, tw_source_t *src,
    const char *source_key, vo_media_t *m)
{
    if (tw_package_media(o, src, source_key, m) != 0) {
        return -1;
    }

    if (tw_source_video(src, m, 0, 1, tw_package_probe_cb, NULL) < 0) {
        tw_log(TW_LOG_ERR, "source \"%s\" has no decodable video frame",
               o->source);
        return -1;
    }

    return 0;
}


/* "{id}/source.{ext}": the extension of the source file, lowercase, when
 * it is short and alphanumeric, otherwise "bin" */
static void
tw_package_source_key(const tw_package_opts_t *o, char *key, size_t size)
{
    char         ext[16];
    uint32_t     n;
    const char  *dot, *slash;

    slash = strrchr(o->source, '/');
    dot = strrchr(slash ? slash : o->source, '.');
    ext[0] = '\0';

    if (dot && strlen(dot + 1) > 0 && strlen(dot + 1) < 8) {
        for (n = 0; dot[1 + n]; n++) {
            if (!isalnum((unsigned char) dot[1 + n])) {
                break;
            }
            ext[n] = (char) tolower((unsigned char) dot[1 + n]);
        }
        ext[dot[1 + n] ? 0 : n] = '\0';
    }

    snprintf(key, size, "%s/source.%s", o->id, ext[0] ? ext : "bin");
}


static int
tw_package_media(const tw_package_opts_t *o, tw_source_t *src,
    const char *source_key, vo_media_t *m)
{
    int          num, den;
    vo_audio_t  *a;

    memset(m, 0, sizeof(vo_media_t));

    m->version = VO_MEDIA_VERSION;
    strcpy(m->id, o->id);
    strcpy(m->source, source_key);
    m->segment_ms = o->segment_ms;
    snprintf(m->preset, sizeof(m->preset), "%s", o->preset);
    m->threads = o->threads;

    if (m->threads > 1) {
        tw_log(TW_LOG_WARN, "--threads %u: x264 is not deterministic with "
               "more than one thread, segments made just in time may differ "
               "from packaged ones", m->threads);
    }
    m->formats = o->formats;

    /* constant output frame rate: the source's average, halved while
     * above 60 */
    num = src->fps.num;
    den = src->fps.den;

    if (num <= 0 || den <= 0) {
        tw_log(TW_LOG_WARN, "source frame rate unknown, using 25");
        num = 25;
        den = 1;
    }

    while ((int64_t) num > (int64_t) den * 60) {
        if (num % 2 == 0) {
            num /= 2;
        } else {
            den *= 2;
        }
    }

    if (num < den) {
        tw_log(TW_LOG_ERR, "source frame rate %d/%d below 1 fps", num, den);
        return -1;
    }

    av_reduce(&num, &den, num, den, 240000);
    m->fps_num = num;
    m->fps_den = den;

    m->video_timescale = (90000ULL * den % num == 0) ? 90000 : num;

    if (tw_ladder_build(o->ladder, o->formats, o->crf, src, m) != 0) {
        return -1;
    }

    if (src->aidx >= 0) {
        a = &m->audio[m->naudio++];
        strcpy(a->name, "aac");
        strcpy(a->codec, "mp4a.40.2");
        strcpy(a->lang, src->lang);
        a->bitrate = o->audio_kbps * 1000;
        a->sample_rate = TW_AUDIO_RATE;
        a->channels = TW_AUDIO_CHANNELS;
    }

    m->duration_ms = src->duration_ms;

    /* a last segment too short to hold a frame of every track is dropped
     * (at most a frame period of the end is lost) */
    vo_media_fit_duration(m);

    return 0;
}


static int
tw_package_probe_cb(void *data, uint64_t i, const AVFrame *f)
{
    return 0;
}


/*
 * Re-packaging: 1 when the video in the store was made from the same
 * source bytes with the same settings, so every object will be rewritten
 * with the same bytes and the old media.json may stay in place (the
 * video stays ready).  Otherwise the caller removes media.json first:
 * a description must never describe a mix of old and new objects.
 */
static int
tw_package_same(const tw_package_opts_t *o, const vo_media_t *m,
    const char *key)
{
    int          ret;
    size_t       len;
    uint8_t     *json;
    uint32_t     i;
    vo_buf_t     a, b;
    vo_media_t   old, cur;
    vo_arena_t  *arena;
    const char  *err;

    if (tw_store_read(&o->store, key, VO_MEDIA_FILE_MAX, &json, &len) != 0) {
        return 0;
    }

    ret = vo_media_parse(json, len, &old, &err);
    free(json);

    if (ret != VO_OK) {
        tw_log(TW_LOG_DEBUG, "packaged description unreadable: %s", err);
        return 0;
    }

    if (!tw_store_same(&o->store, m->source, o->source)) {
        tw_log(TW_LOG_DEBUG, "the source changed");
        return 0;
    }

    /* the measured fields are results, not settings; compared as text
     * so that no padding or bytes after a NUL count */
    cur = *m;

    for (i = 0; i < VO_MAX_VIDEO; i++) {
        memcpy(cur.video[i].codec, old.video[i].codec, VO_CODEC_MAX + 1);
        cur.video[i].bandwidth = old.video[i].bandwidth;
        cur.video[i].average_bandwidth = old.video[i].average_bandwidth;
    }

    for (i = 0; i < VO_MAX_AUDIO; i++) {
        cur.audio[i].bandwidth = old.audio[i].bandwidth;
    }

    arena = vo_arena_create();
    if (arena == NULL) {
        return 0;
    }

    ret = vo_buf_init(&a, vo_arena_alloc(arena), 4096) == VO_OK
          && vo_buf_init(&b, vo_arena_alloc(arena), 4096) == VO_OK
          && vo_media_write(&old, &a) == VO_OK
          && vo_media_write(&cur, &b) == VO_OK
          && !vo_buf_failed(&a) && !vo_buf_failed(&b)
          && vo_buf_len(&a) == vo_buf_len(&b)
          && memcmp(a.start, b.start, vo_buf_len(&a)) == 0;

    if (!ret && tw_log_level() >= TW_LOG_DEBUG) {
        tw_log(TW_LOG_DEBUG, "settings differ from the packaged ones:\n"
               "%.*s\n---\n%.*s", (int) vo_buf_len(&a), a.start,
               (int) vo_buf_len(&b), b.start);
    }

    vo_arena_free(arena);

    return ret;
}


/*
 * Init segments: every rendition's codec string comes from its encoder's
 * SPS (opening x264 with global headers writes it; no frame needed), so a
 * rendition left for later is described exactly as the just-in-time
 * worker will make it; only the eager ones are stored.  The audio track
 * is made when any rendition is.
 */
int
tw_package_init(const tw_store_t *st, vo_media_t *m, uint32_t eager)
{
    int          rc;
    char         key[TW_KEY_MAX];
    uint32_t     r;
    tw_bytes_t   out;

    rc = -1;
    memset(&out, 0, sizeof(tw_bytes_t));

    for (r = 0; r < m->nvideo + m->naudio; r++) {
        out.len = 0;

        if (r < m->nvideo) {
            if (tw_init_segment(m, r, &out, m->video[r].codec,
                                sizeof(m->video[r].codec)) < 0
                || tw_object_key(m, VO_REQ_INIT, m->video[r].name, 0, key,
                                 sizeof(key)) != 0)
            {
                goto end;
            }

            if (!(eager & (1u << r))) {
                continue;
            }

        } else if (eager == 0) {
            continue;

        } else if (tw_init_segment(m, VO_MAX_VIDEO, &out, NULL, 0) < 0
                   || tw_object_key(m, VO_REQ_INIT, m->audio[0].name, 0,
                                    key, sizeof(key)) != 0)
        {
            goto end;
        }

        if ((m->formats & VO_FORMAT_FMP4)
            && tw_store_write(st, key, out.data, out.len) != 0)
        {
            goto end;
        }
    }

    rc = 0;

end:

    tw_bytes_free(&out);

    return rc;
}


/*
 * Measured when made; otherwise the encoder's bounds: the VBV (bufsize =
 * maxrate) lets one segment carry up to maxrate plus one buffer,
 * maxrate * D + maxrate bits over D seconds, hence maxrate + maxrate / D;
 * crf keeps the average under the cap, taken as 3/4 of it.  Audio
 * likewise from its bitrate.
 */
void
tw_package_bandwidth(vo_media_t *m, uint32_t eager, const tw_rate_t *rates)
{
    uint32_t     r;
    vo_video_t  *v;

    for (r = 0; r < m->nvideo; r++) {
        v = &m->video[r];

        if (!(eager & (1u << r))) {
            v->bandwidth = (uint32_t) (v->maxrate
                + (uint64_t) v->maxrate * 1000 / m->segment_ms);
            v->average_bandwidth = (uint32_t)
                ((uint64_t) v->maxrate * 3 / 4);
            continue;
        }

        v->bandwidth = (uint32_t) rates[r].peak;
        v->average_bandwidth = (uint32_t)
            ((rates[r].bytes * 8 * m->fps_num + rates[r].frames * m->fps_den
              - 1) / (rates[r].frames * m->fps_den));
    }

    if (m->naudio) {
        m->audio[0].bandwidth = eager
            ? (uint32_t) rates[VO_MAX_VIDEO].peak
            : (uint32_t) (m->audio[0].bitrate
                          + (uint64_t) m->audio[0].bitrate * 1000
                            / m->segment_ms);
    }
}


int
tw_package_json(const vo_media_t *m, char **json, size_t *len)
{
    int          rc;
    vo_buf_t     b;
    vo_arena_t  *arena;
    const char  *err;

    if (vo_media_check(m, &err) != VO_OK) {
        tw_log(TW_LOG_ERR, "media description of \"%s\" invalid: %s", m->id,
               err);
        return -1;
    }

    rc = -1;
    *json = NULL;

    arena = vo_arena_create();
    if (arena == NULL
        || vo_buf_init(&b, vo_arena_alloc(arena), 4096) != VO_OK
        || vo_media_write(m, &b) != VO_OK || vo_buf_failed(&b))
    {
        tw_log(TW_LOG_ERR, "cannot serialize the media description");
        goto end;
    }

    *len = vo_buf_len(&b);
    *json = malloc(*len + 1);
    if (*json == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        goto end;
    }

    memcpy(*json, b.start, *len);
    (*json)[*len] = '\0';
    rc = 0;

end:

    if (arena) {
        vo_arena_free(arena);
    }

    return rc;
}


/* media.json, checked as the parser will, written last: the video is
 * ready from then on */
int
tw_package_describe(const tw_store_t *st, const vo_media_t *m)
{
    int          rc;
    char         key[TW_KEY_MAX], *json;
    size_t       len;
    vo_str_t     id;

    if (tw_package_json(m, &json, &len) != 0) {
        return -1;
    }

    id.data = (const u_char *) m->id;
    id.len = strlen(m->id);

    rc = (vo_media_key(&id, key, sizeof(key)) == 0
          || tw_store_write(st, key, json, len) != 0) ? -1 : 0;

    free(json);

    return rc;
}
