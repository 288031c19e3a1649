/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "package": probe the source, copy it into the store (the master copy
 * the segments are made from, now and just in time later), build the
 * ladder, make every object, and write media.json last.
 */

#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libavutil/mathematics.h>

#include "vo_path.h"
#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "media/tw_codec.h"
#include "store/tw_store.h"
#include "media/tw_source.h"
#include "media/tw_segment.h"
#include "package/tw_package.h"


typedef struct {
    uint64_t        bytes;
    uint64_t        frames;
    uint64_t        peak;             /* bits/s */
} tw_rate_t;


/* segments are made by --jobs threads, each with its own source (the
 * windows are independent: fresh decoder and encoders per segment) and
 * its own rates, merged at the end */
typedef struct tw_pool_s  tw_pool_t;

typedef struct {
    tw_pool_t      *pool;
    pthread_t       tid;
    int             started;
    int             rc;
    tw_rate_t       rates[VO_MAX_VIDEO + 1];
} tw_job_t;

struct tw_pool_s {
    const tw_opts_t  *opts;
    vo_media_t       *media;
    const char       *file;           /* a local copy of the master, or
                                         NULL: the store's */
    uint32_t          eager;
    pthread_mutex_t   lock;
    uint32_t          next;           /* next segment to make */
    uint32_t          done;
    int               failed;
};


static int tw_package_ladder(const tw_opts_t *o, tw_source_t *src,
    vo_media_t *m);
static int tw_package_media(const tw_opts_t *o, tw_source_t *src,
    const char *source_key, vo_media_t *m);
static int tw_package_probe_cb(void *data, uint64_t i, const AVFrame *f);
static int tw_package_eager(const tw_opts_t *o, const vo_media_t *m,
    uint32_t *mask);
static int tw_package_segment(const tw_opts_t *o, vo_media_t *m,
    tw_source_t *src, uint32_t n, uint32_t eager, tw_rate_t *rates);
static void tw_rate_add(tw_rate_t *rate, size_t bytes, uint32_t frames,
    uint64_t frame_num, uint64_t frame_den);
static void *tw_package_job(void *data);
static int tw_package_segments(const tw_opts_t *o, vo_media_t *m,
    const char *file, uint32_t eager, tw_rate_t *rates);
static int tw_package_same(const tw_opts_t *o, const vo_media_t *m,
    const char *key);


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


static int
tw_package_ladder(const tw_opts_t *o, tw_source_t *src, vo_media_t *m)
{
    char          buf[1024], *rung, *save, *name, *h, *rate, *codec, *end;
    unsigned      family;
    uint32_t      i, k, height, maxrate, lowest;
    uint64_t      num, den;
    vo_video_t   *v, tmp;

    if (strlen(o->ladder) >= sizeof(buf)) {
        tw_log(TW_LOG_ERR, "--ladder too long");
        return -1;
    }

    strcpy(buf, o->ladder);
    m->nvideo = 0;
    lowest = 0;

    for (rung = strtok_r(buf, ",", &save); rung;
         rung = strtok_r(NULL, ",", &save))
    {
        name = rung;
        h = strchr(name, ':');
        rate = h ? strchr(h + 1, ':') : NULL;

        if (rate == NULL) {
            goto invalid;
        }

        *h++ = '\0';
        *rate++ = '\0';

        /* an optional fourth field: the codec, H.264 by default */
        codec = strchr(rate, ':');
        family = VO_CODEC_AVC;

        if (codec) {
            *codec++ = '\0';
            family = vo_codec_family_parse((u_char *) codec, strlen(codec));

            if (family == 0) {
                goto invalid;
            }

            if (family != VO_CODEC_AVC && !(o->formats & VO_FORMAT_FMP4)) {
                tw_log(TW_LOG_ERR, "--ladder: \"%s\" is %s, which is CMAF "
                       "only, and --formats has no fmp4", name, codec);
                return -1;
            }
        }

        height = strtoul(h, &end, 10);
        if (*end || height < 2 || height > 8192 || height % 2) {
            goto invalid;
        }

        maxrate = strtoul(rate, &end, 10);
        if (*end || maxrate == 0 || maxrate > 1000000) {
            goto invalid;
        }

        if (strlen(name) == 0 || strlen(name) > VO_NAME_MAX
            || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
                            "VWXYZ0123456789_-") != strlen(name)
            || strcmp(name, "aac") == 0)
        {
            goto invalid;
        }

        for (i = 0; i < m->nvideo; i++) {
            if (strcmp(m->video[i].name, name) == 0) {
                tw_log(TW_LOG_ERR, "--ladder names \"%s\" twice", name);
                return -1;
            }
        }

        if (family == VO_CODEC_AVC && (lowest == 0 || maxrate < lowest)) {
            lowest = maxrate;
        }

        if (height > (uint32_t) src->height) {
            continue;
        }

        if (m->nvideo == VO_MAX_VIDEO) {
            tw_log(TW_LOG_ERR, "--ladder has more than %d rungs",
                   VO_MAX_VIDEO);
            return -1;
        }

        v = &m->video[m->nvideo++];
        memset(v, 0, sizeof(vo_video_t));
        strcpy(v->name, name);
        v->height = height;
        v->maxrate = maxrate * 1000;
        /* the family until the encoder gives the whole codecs string */
        strcpy(v->codec, vo_codec_family_name(family));
    }

    if (lowest == 0) {
        goto invalid;
    }

    for (i = 0; i < m->nvideo; i++) {
        if (tw_video_family(&m->video[i]) == VO_CODEC_AVC) {
            break;
        }
    }

    if (i == m->nvideo) {
        /* no H.264 rung at or below the source's height: one H.264
         * rendition at its size, the fallback every device plays */
        if (m->nvideo == VO_MAX_VIDEO) {
            tw_log(TW_LOG_ERR, "--ladder has more than %d rungs",
                   VO_MAX_VIDEO);
            return -1;
        }

        v = &m->video[m->nvideo++];
        memset(v, 0, sizeof(vo_video_t));
        v->height = src->height & ~1;
        v->maxrate = lowest * 1000;
        snprintf(v->name, sizeof(v->name), "%up", v->height);
        strcpy(v->codec, "avc1");

        for (i = 0; i + 1 < m->nvideo; i++) {
            if (strcmp(m->video[i].name, v->name) == 0) {
                tw_log(TW_LOG_ERR, "--ladder: the source is below every "
                       "H.264 rung and \"%s\" is taken", v->name);
                return -1;
            }
        }
    }

    /* width from the display aspect ratio, rounded to even */
    num = (uint64_t) src->width * src->sar.num;
    den = (uint64_t) src->height * src->sar.den;

    for (i = 0; i < m->nvideo; i++) {
        v = &m->video[i];
        v->width = (uint32_t) ((v->height * num + den) / (2 * den) * 2);
        if (v->width < 2) {
            v->width = 2;
        }
        v->crf = tw_codec_crf(tw_video_family(v), o->crf);
    }

    /* highest first */
    for (i = 1; i < m->nvideo; i++) {
        for (k = i; k > 0 && m->video[k].height > m->video[k - 1].height;
             k--)
        {
            tmp = m->video[k];
            m->video[k] = m->video[k - 1];
            m->video[k - 1] = tmp;
        }
    }

    return 0;

invalid:

    tw_log(TW_LOG_ERR, "invalid --ladder \"%s\": expected "
           "name:height:maxrate_kbps[:avc1|hvc1|av01],... with at least one "
           "H.264 rung", o->ladder);

    return -1;
}


static int
tw_package_media(const tw_opts_t *o, tw_source_t *src,
    const char *source_key, vo_media_t *m)
{
    int          num, den;
    uint32_t     last, count;
    uint64_t     first;
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

    if (tw_package_ladder(o, src, m) != 0) {
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
    m->segment_count = (m->duration_ms + m->segment_ms - 1) / m->segment_ms;

    /* a last segment too short to hold a frame of every track is dropped
     * (at most a frame period of the end is lost) */
    last = m->segment_count - 1;
    vo_video_segment(m, last, &first, &count);

    if (count && m->naudio) {
        vo_audio_segment(m, &m->audio[0], last, &first, &count);
    }

    if (count == 0 && m->segment_count > 1) {
        m->duration_ms = (uint64_t) last * m->segment_ms;
        m->segment_count = last;
    }

    return 0;
}


static int
tw_package_probe_cb(void *data, uint64_t i, const AVFrame *f)
{
    return 0;
}


static void
tw_rate_add(tw_rate_t *rate, size_t bytes, uint32_t frames,
    uint64_t frame_num, uint64_t frame_den)
{
    uint64_t  bps;

    /* bits over the segment's duration, frames * frame_num / frame_den */
    bps = ((uint64_t) bytes * 8 * frame_den + (uint64_t) frames * frame_num
           - 1) / ((uint64_t) frames * frame_num);

    if (bps > rate->peak) {
        rate->peak = bps;
    }

    rate->bytes += bytes;
    rate->frames += frames;
}


/*
 * Which renditions are made now (bit r: m->video[r]); the others are
 * left to the just-in-time worker.  "all" (the default: every H.264
 * rendition), "none", or names (any codec); a name the ladder has but
 * this source dropped (taller than the source) is skipped with a
 * warning, an unknown one refused.
 */
static int
tw_package_eager(const tw_opts_t *o, const vo_media_t *m, uint32_t *mask)
{
    char       buf[1024], *name, *save;
    uint32_t   r;

    if (o->eager == NULL || strcmp(o->eager, "all") == 0) {
        /* every H.264 rendition: HEVC and AV1 only when a device asks */
        *mask = 0;
        for (r = 0; r < m->nvideo; r++) {
            if (tw_video_family(&m->video[r]) == VO_CODEC_AVC) {
                *mask |= 1u << r;
            }
        }
        return 0;
    }

    *mask = 0;

    if (strcmp(o->eager, "none") == 0) {
        return 0;
    }

    if (strlen(o->eager) >= sizeof(buf)) {
        goto invalid;
    }

    strcpy(buf, o->eager);

    for (name = strtok_r(buf, ",", &save); name;
         name = strtok_r(NULL, ",", &save))
    {
        for (r = 0; r < m->nvideo; r++) {
            if (strcmp(m->video[r].name, name) == 0) {
                *mask |= 1u << r;
                break;
            }
        }

        if (r < m->nvideo) {
            continue;
        }

        if (strstr(o->ladder, name) == NULL) {
            goto invalid;
        }

        tw_log(TW_LOG_WARN, "eager rendition \"%s\" is above the source: "
               "skipped", name);
    }

    return 0;

invalid:

    tw_log(TW_LOG_ERR, "invalid --eager \"%s\": all, none or rendition "
           "names of the ladder", o->eager);

    return -1;
}


static int
tw_package_segment(const tw_opts_t *o, vo_media_t *m, tw_source_t *src,
    uint32_t n, uint32_t eager, tw_rate_t *rates)
{
    int            ret;
    char           key[TW_KEY_MAX];
    uint32_t       r;
    tw_bytes_t     out;
    tw_segment_t   s;

    memset(&s, 0, sizeof(tw_segment_t));
    memset(&out, 0, sizeof(tw_bytes_t));

    s.media = m;
    s.source = src;
    s.n = n;
    s.video_mask = eager;
    s.audio = m->naudio > 0;

    ret = tw_segment_encode(&s);
    if (ret < 0) {
        goto end;
    }

    ret = -1;

    for (r = 0; r < m->nvideo; r++) {
        if (!(eager & (1u << r))) {
            continue;
        }

        /* made even for TS only: the bandwidths are measured on it */
        out.len = 0;
        if (tw_segment_mp4_video(&s, r, &out) < 0) {
            goto end;
        }

        tw_rate_add(&rates[r], out.len, s.video[r].count, m->fps_den,
                    m->fps_num);

        if ((m->formats & VO_FORMAT_FMP4)
            && (tw_object_key(m, VO_REQ_SEGMENT, m->video[r].name, n, key,
                              sizeof(key)) != 0
                || tw_store_write(&o->store, key, out.data, out.len) != 0))
        {
            goto end;
        }

        if ((m->formats & VO_FORMAT_TS)
            && tw_video_family(&m->video[r]) == VO_CODEC_AVC)
        {
            out.len = 0;
            if (tw_segment_ts(&s, r, &out) < 0
                || tw_object_key(m, VO_REQ_SEGMENT_TS, m->video[r].name, n,
                                 key, sizeof(key)) != 0
                || tw_store_write(&o->store, key, out.data, out.len) != 0)
            {
                goto end;
            }
        }
    }

    if (m->naudio) {
        out.len = 0;
        if (tw_segment_mp4_audio(&s, &out) < 0) {
            goto end;
        }

        tw_rate_add(&rates[VO_MAX_VIDEO], out.len, s.aac.count, VO_AAC_FRAME,
                    m->audio[0].sample_rate);

        if ((m->formats & VO_FORMAT_FMP4)
            && (tw_object_key(m, VO_REQ_SEGMENT, m->audio[0].name, n, key,
                              sizeof(key)) != 0
                || tw_store_write(&o->store, key, out.data, out.len) != 0))
        {
            goto end;
        }
    }

    ret = 0;

end:

    tw_bytes_free(&out);
    tw_segment_free(&s);

    return ret;
}


uint32_t
tw_ncpus(void)
{
    long  n;

    n = sysconf(_SC_NPROCESSORS_ONLN);

    return n > 0 ? (uint32_t) n : 1;
}


static void *
tw_package_job(void *data)
{
    int           ret;
    double        t1;
    uint32_t      n;
    tw_job_t     *job;
    tw_pool_t    *pool;
    tw_source_t  *src;

    job = data;
    pool = job->pool;
    src = NULL;

    if ((pool->file ? tw_source_open(&src, pool->file, NULL, NULL)
                    : tw_store_source(&pool->opts->store, pool->media->source,
                                      &src))
        < 0)
    {
        job->rc = -1;
        pthread_mutex_lock(&pool->lock);
        pool->failed = 1;
        pthread_mutex_unlock(&pool->lock);
        return NULL;
    }

    for ( ;; ) {
        pthread_mutex_lock(&pool->lock);
        n = pool->next++;
        ret = pool->failed || n >= pool->media->segment_count;
        pthread_mutex_unlock(&pool->lock);

        if (ret) {
            break;
        }

        t1 = tw_clock();

        if (tw_package_segment(pool->opts, pool->media, src, n, pool->eager,
                               job->rates) != 0)
        {
            tw_log(TW_LOG_ERR, "packaging \"%s\" failed at segment %u",
                   pool->media->id, n);
            job->rc = -1;
            pthread_mutex_lock(&pool->lock);
            pool->failed = 1;
            pthread_mutex_unlock(&pool->lock);
            break;
        }

        pthread_mutex_lock(&pool->lock);
        pool->done++;
        tw_log(TW_LOG_INFO, "segment %u done in %.2f s (%u/%u)", n,
               tw_clock() - t1, pool->done, pool->media->segment_count);
        pthread_mutex_unlock(&pool->lock);
    }

    tw_source_close(&src);

    return NULL;
}


static int
tw_package_segments(const tw_opts_t *o, vo_media_t *m, const char *file,
    uint32_t eager, tw_rate_t *rates)
{
    int         rc;
    uint32_t    i, r, njobs;
    tw_job_t   *jobs;
    tw_pool_t   pool;

    njobs = o->jobs < m->segment_count ? o->jobs : m->segment_count;

    jobs = calloc(njobs, sizeof(tw_job_t));
    if (jobs == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    memset(&pool, 0, sizeof(tw_pool_t));
    pool.opts = o;
    pool.media = m;
    pool.file = file;
    pool.eager = eager;
    pthread_mutex_init(&pool.lock, NULL);

    rc = 0;

    for (i = 0; i < njobs; i++) {
        jobs[i].pool = &pool;

        if (pthread_create(&jobs[i].tid, NULL, tw_package_job, &jobs[i])
            != 0)
        {
            tw_log(TW_LOG_ERR, "cannot start a packaging thread");
            pthread_mutex_lock(&pool.lock);
            pool.failed = 1;
            pthread_mutex_unlock(&pool.lock);
            rc = -1;
            break;
        }

        jobs[i].started = 1;
    }

    for (i = 0; i < njobs; i++) {
        if (!jobs[i].started) {
            continue;
        }

        pthread_join(jobs[i].tid, NULL);

        if (jobs[i].rc != 0) {
            rc = -1;
        }

        for (r = 0; r < VO_MAX_VIDEO + 1; r++) {
            rates[r].bytes += jobs[i].rates[r].bytes;
            rates[r].frames += jobs[i].rates[r].frames;
            if (jobs[i].rates[r].peak > rates[r].peak) {
                rates[r].peak = jobs[i].rates[r].peak;
            }
        }
    }

    pthread_mutex_destroy(&pool.lock);
    free(jobs);

    return rc;
}


/*
 * Re-packaging: 1 when the video in the store was made from the same
 * source bytes with the same settings, so every object will be rewritten
 * with the same bytes and the old media.json may stay in place (the
 * video stays ready).  Otherwise the caller removes media.json first:
 * a description must never describe a mix of old and new objects.
 */
static int
tw_package_same(const tw_opts_t *o, const vo_media_t *m, const char *key)
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


int
tw_package(const tw_opts_t *o)
{
    int            rc, existed, written;
    char           key[TW_KEY_MAX], ext[16], path[PATH_MAX];
    const char    *dot, *slash, *err;
    uint32_t       r, n, eager;
    double         t0;
    vo_str_t       id;
    vo_buf_t       b;
    tw_rate_t      rates[VO_MAX_VIDEO + 1];
    vo_media_t     m;
    tw_bytes_t     out;
    vo_arena_t    *arena;
    tw_source_t   *src;

    rc = 1;
    src = NULL;
    arena = NULL;
    written = 0;
    existed = 1;
    memset(&out, 0, sizeof(tw_bytes_t));
    memset(rates, 0, sizeof(rates));
    t0 = tw_clock();

    /* everything that can be refused is checked before the store is
     * touched */
    if (tw_source_open(&src, o->source, NULL, NULL) < 0) {
        goto end;
    }

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

    snprintf(key, sizeof(key), "%s/source.%s", o->id, ext[0] ? ext : "bin");

    if (tw_package_media(o, src, key, &m) != 0) {
        goto end;
    }

    if (tw_package_eager(o, &m, &eager) != 0) {
        goto end;
    }

    if (tw_source_video(src, &m, 0, 1, tw_package_probe_cb, NULL) < 0) {
        tw_log(TW_LOG_ERR, "source \"%s\" has no decodable video frame",
               o->source);
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

    /* init segments: every rendition's codec string comes from its
     * encoder's SPS (opening x264 with global headers writes it; no frame
     * needed), so a rendition left for later is described exactly as the
     * just-in-time worker will make it; only the eager ones are stored.
     * The audio track is made when any rendition is. */
    for (r = 0; r < m.nvideo + m.naudio; r++) {
        out.len = 0;

        if (r < m.nvideo) {
            if (tw_init_segment(&m, r, &out, m.video[r].codec,
                                sizeof(m.video[r].codec)) < 0
                || tw_object_key(&m, VO_REQ_INIT, m.video[r].name, 0, key,
                                 sizeof(key)) != 0)
            {
                goto end;
            }

            if (!(eager & (1u << r))) {
                continue;
            }

        } else if (eager == 0) {
            continue;

        } else if (tw_init_segment(&m, VO_MAX_VIDEO, &out, NULL, 0) < 0
                   || tw_object_key(&m, VO_REQ_INIT, m.audio[0].name, 0,
                                    key, sizeof(key)) != 0)
        {
            goto end;
        }

        if ((m.formats & VO_FORMAT_FMP4)
            && tw_store_write(&o->store, key, out.data, out.len) != 0)
        {
            goto end;
        }
    }

    if (eager
        && tw_package_segments(o, &m, tw_store_is_local(&o->store)
                                      ? NULL : o->source, eager, rates)
           != 0)
    {
        goto end;
    }

    /* measured when made; otherwise the encoder's bounds: the VBV
     * (bufsize = maxrate) lets one segment carry up to maxrate plus one
     * buffer, maxrate * D + maxrate bits over D seconds, hence
     * maxrate + maxrate / D; crf keeps the average under the cap, taken
     * as 3/4 of it.  Audio likewise from its bitrate. */
    for (r = 0; r < m.nvideo; r++) {
        if (!(eager & (1u << r))) {
            m.video[r].bandwidth = (uint32_t) (m.video[r].maxrate
                + (uint64_t) m.video[r].maxrate * 1000 / m.segment_ms);
            m.video[r].average_bandwidth = (uint32_t)
                ((uint64_t) m.video[r].maxrate * 3 / 4);
            continue;
        }

        m.video[r].bandwidth = (uint32_t) rates[r].peak;
        m.video[r].average_bandwidth = (uint32_t)
            ((rates[r].bytes * 8 * m.fps_num + rates[r].frames * m.fps_den
              - 1) / (rates[r].frames * m.fps_den));
    }

    if (m.naudio) {
        m.audio[0].bandwidth = eager
            ? (uint32_t) rates[VO_MAX_VIDEO].peak
            : (uint32_t) (m.audio[0].bitrate
                          + (uint64_t) m.audio[0].bitrate * 1000
                            / m.segment_ms);
    }

    if (vo_media_check(&m, &err) != VO_OK) {
        tw_log(TW_LOG_ERR, "media description of \"%s\" invalid: %s", m.id,
               err);
        goto end;
    }

    arena = vo_arena_create();
    if (arena == NULL
        || vo_buf_init(&b, vo_arena_alloc(arena), 4096) != VO_OK
        || vo_media_write(&m, &b) != VO_OK || vo_buf_failed(&b))
    {
        tw_log(TW_LOG_ERR, "cannot serialize the media description");
        goto end;
    }

    if (vo_media_key(&id, key, sizeof(key)) == 0
        || tw_store_write(&o->store, key, b.start, vo_buf_len(&b)) != 0)
    {
        goto end;
    }

    tw_log(TW_LOG_INFO, "packaged \"%s\" in %.1f s", m.id, tw_clock() - t0);

    rc = 0;

end:

    if (rc != 0 && written && !existed) {
        /* a video that did not exist before leaves nothing behind */
        (void) tw_store_remove_tree(&o->store, o->id);
    }

    if (arena) {
        vo_arena_free(arena);
    }

    tw_bytes_free(&out);
    tw_source_close(&src);

    return rc;
}
