/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "media/tw_codec.h"
#include "media/tw_segment.h"
#include "media/tw_source.h"
#include "package/tw_pool.h"
#include "package/tw_request.h"


/* segments are made by --jobs threads, each with its own source (the
 * windows are independent: fresh decoder and encoders per segment) and
 * its own rates, merged at the end; a thread takes the next segment
 * number until none is left or one has failed */
typedef struct tw_pool_s  tw_pool_t;

typedef struct {
    tw_pool_t          *pool;
    pthread_t           tid;
    int                 started;
    int                 rc;
    tw_rate_t           rates[VO_MAX_VIDEO + 1];
} tw_pool_thread_t;

struct tw_pool_s {
    const tw_store_t   *store;
    const vo_media_t   *media;
    const char         *file;           /* a local copy of the master, or
                                           NULL: the store's */
    uint32_t            eager;
    pthread_mutex_t     lock;
    uint32_t            next;           /* next segment to make */
    uint32_t            done;
    int                 failed;
};


static void *tw_pool_thread(void *data);
static int tw_pool_segment(const tw_store_t *st, const vo_media_t *m,
    tw_source_t *src, uint32_t n, uint32_t eager, tw_rate_t *rates);
static void tw_rate_add(tw_rate_t *rate, size_t bytes, uint32_t frames,
    uint64_t frame_num, uint64_t frame_den);


int
tw_pool_run(const tw_store_t *st, const vo_media_t *m, const char *file,
    uint32_t eager, uint32_t jobs, tw_rate_t *rates)
{
    int                 rc;
    uint32_t            i, r, n;
    tw_pool_t           pool;
    tw_pool_thread_t   *thr;

    n = jobs < m->segment_count ? jobs : m->segment_count;

    thr = calloc(n, sizeof(tw_pool_thread_t));
    if (thr == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    memset(&pool, 0, sizeof(tw_pool_t));
    pool.store = st;
    pool.media = m;
    pool.file = file;
    pool.eager = eager;
    pthread_mutex_init(&pool.lock, NULL);

    rc = 0;

    for (i = 0; i < n; i++) {
        thr[i].pool = &pool;

        if (pthread_create(&thr[i].tid, NULL, tw_pool_thread, &thr[i]) != 0)
        {
            tw_log(TW_LOG_ERR, "cannot start a packaging thread");
            pthread_mutex_lock(&pool.lock);
            pool.failed = 1;
            pthread_mutex_unlock(&pool.lock);
            rc = -1;
            break;
        }

        thr[i].started = 1;
    }

    for (i = 0; i < n; i++) {
        if (!thr[i].started) {
            continue;
        }

        pthread_join(thr[i].tid, NULL);

        if (thr[i].rc != 0) {
            rc = -1;
        }

        for (r = 0; r < VO_MAX_VIDEO + 1; r++) {
            rates[r].bytes += thr[i].rates[r].bytes;
            rates[r].frames += thr[i].rates[r].frames;
            if (thr[i].rates[r].peak > rates[r].peak) {
                rates[r].peak = thr[i].rates[r].peak;
            }
        }
    }

    pthread_mutex_destroy(&pool.lock);
    free(thr);

    return rc;
}


static void *
tw_pool_thread(void *data)
{
    int                ret;
    double             t1;
    uint32_t           n;
    tw_pool_t         *pool;
    tw_source_t       *src;
    tw_pool_thread_t  *thr;

    thr = data;
    pool = thr->pool;
    src = NULL;

    if ((pool->file ? tw_source_open(&src, pool->file, NULL, NULL)
                    : tw_store_source(pool->store, pool->media->source, &src))
        < 0)
    {
        thr->rc = -1;
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

        if (tw_pool_segment(pool->store, pool->media, src, n, pool->eager,
                            thr->rates) != 0)
        {
            tw_log(TW_LOG_ERR, "packaging \"%s\" failed at segment %u",
                   pool->media->id, n);
            thr->rc = -1;
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


/* segment n of every eager rendition and of the audio track, stored */
static int
tw_pool_segment(const tw_store_t *st, const vo_media_t *m, tw_source_t *src,
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
                || tw_store_write(st, key, out.data, out.len) != 0))
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
                || tw_store_write(st, key, out.data, out.len) != 0)
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
                || tw_store_write(st, key, out.data, out.len) != 0))
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
