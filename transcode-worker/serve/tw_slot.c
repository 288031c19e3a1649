/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The transcode slots of "serve": a fixed pool of threads that take jobs
 * from the queue (tw_jobs.c), requested ones before prefetches, and make
 * each job's object once: the Redis lock, tw_object_make(), the write to
 * the store, the answer to every waiting request, then the companions.
 *
 * In an s3 store the slot looks first (a GET: a present object answers
 * the job, as a local store's file answers on the HTTP thread).
 */

#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "common/tw_redis.h"
#include "package/tw_package.h"
#include "serve/tw_jobs.h"
#include "serve/tw_slot.h"
#include "store/tw_store.h"


/* temporary files of a key older than this were left by a dead writer */
#define TW_TEMP_MAX_AGE      60

/* the largest object answered from an s3 store */
#define TW_FETCH_MAX         ((size_t) 1 << 30)


typedef struct {
    tw_server_t        *sv;
    uint32_t            index;
    pthread_t           tid;
    unsigned            started:1;
    tw_redis_t          redis;
    uint64_t            nonce;
} tw_slot_t;


static void *tw_slot_main(void *data);
static int tw_slot_run(tw_slot_t *sl, tw_jit_job_t *job);
static int tw_slot_lock(tw_slot_t *sl, tw_jit_job_t *job);
static int tw_slot_make(tw_slot_t *sl, tw_jit_job_t *job);
static int tw_slot_fetch(tw_server_t *sv, tw_jit_job_t *job, int hit);
static void tw_slot_companions(tw_server_t *sv,
    const tw_store_t *store, tw_companion_t *comp);


int
tw_slots_start(tw_server_t *sv)
{
    uint32_t    i;
    tw_slot_t  *slots;

    slots = calloc(sv->conf.slots, sizeof(tw_slot_t));
    if (slots == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    sv->slots = slots;
    sv->nslots = sv->conf.slots;

    for (i = 0; i < sv->nslots; i++) {
        slots[i].sv = sv;
        slots[i].index = i;
        slots[i].redis.conf = &sv->redis;

        if (pthread_create(&slots[i].tid, NULL, tw_slot_main, &slots[i])
            != 0)
        {
            tw_log(TW_LOG_ERR, "cannot start transcode slot %u", i);
            return -1;
        }

        slots[i].started = 1;
    }

    return 0;
}


void
tw_slots_stop(tw_server_t *sv)
{
    uint32_t    i;
    tw_slot_t  *slots;

    slots = sv->slots;
    if (slots == NULL) {
        return;
    }

    pthread_mutex_lock(&sv->mutex);
    sv->quit = 1;
    pthread_cond_broadcast(&sv->cond);
    pthread_mutex_unlock(&sv->mutex);

    for (i = 0; i < sv->nslots; i++) {
        if (slots[i].started) {
            pthread_join(slots[i].tid, NULL);
        }
        tw_redis_close(&slots[i].redis);
    }

    free(slots);
    sv->slots = NULL;
}


static void *
tw_slot_main(void *data)
{
    int           next;
    unsigned      heavy;
    tw_jit_job_t *job;
    char          rendition[VO_NAME_MAX + 1];
    tw_slot_t    *sl = data;
    tw_server_t  *sv = sl->sv;
    vo_media_t    m;
    vo_request_t  req;

    for ( ;; ) {
        pthread_mutex_lock(&sv->mutex);

        /* what is queued is made before the slots quit; a heavy job
         * waits for a heavy slot to end (which wakes every slot) */
        while ((job = tw_jobs_take(sv)) == NULL
               && !(sv->quit && sv->qhead == NULL && sv->phead == NULL))
        {
            pthread_cond_wait(&sv->cond, &sv->mutex);
        }

        pthread_mutex_unlock(&sv->mutex);

        if (job == NULL) {
            break;
        }

        heavy = job->heavy;

        /* kept for the prefetch: the job is gone after the run */
        m = job->media;
        tw_job_request(job, &req);
        strcpy(rendition, job->rendition);
        req.rendition.data = (const u_char *) rendition;

        next = tw_slot_run(sl, job);

        tw_jobs_done(sv, heavy);

        if (next) {
            req.segment++;
            req.id.data = (const u_char *) m.id;
            tw_jobs_prefetch(sv, &m, &req);
        }
    }

    return NULL;
}


/*
 * Produces job's object, or hands the job to the main loop when another
 * process is producing it.  1 when the next segment is worth
 * prefetching.
 */
static int
tw_slot_run(tw_slot_t *sl, tw_jit_job_t *job)
{
    int                 rc, next;
    tw_server_t        *sv = sl->sv;
    const tw_store_t   *store = &sv->conf.store;

    if (tw_store_is_local(store)) {
        if (tw_store_exists(store, job->key)) {
            /* made since the request looked (by another process) */
            tw_job_finish(sv, job, 200, NULL, 1, 0, 0);
            return 0;
        }

    } else {
        /* a request answered from the store (unless it waited for
         * another producer) still reads on: prefetch the next one */
        pthread_mutex_lock(&sv->mutex);
        next = job->requested && !job->waited
               && (job->kind == VO_REQ_SEGMENT
                   || job->kind == VO_REQ_SEGMENT_TS);
        rc = job->waited;
        pthread_mutex_unlock(&sv->mutex);

        rc = tw_slot_fetch(sv, job, !rc);
        if (rc != 1) {
            return rc == 0 ? next : 0;
        }
    }

    if (tw_slot_lock(sl, job) != 0) {
        return 0;
    }

    return tw_slot_make(sl, job);
}


/*
 * The Redis lock of job's key: 0 when this slot makes the object (the
 * lock taken, or no Redis: the in-process single-flight only); 1 when
 * the job is not the slot's any more: another process holds the lock
 * (the job waits in the main loop, or is dropped if nobody waits), or
 * the object appeared meanwhile (the job is answered).
 */
static int
tw_slot_lock(tw_slot_t *sl, tw_jit_job_t *job)
{
    int                 lk;
    char                key[TW_KEY_MAX], owner[128];
    tw_server_t        *sv = sl->sv;
    const tw_store_t   *store = &sv->conf.store;

    snprintf(job->owner, sizeof(job->owner), "%s:%u:%llu", sv->host,
             sl->index, (unsigned long long) ++sl->nonce);

    lk = tw_lock_take(&sl->redis, job->key, job->owner, sv->conf.lock_ttl_ms);

    if (lk == TW_LOCK_BUSY) {
        pthread_mutex_lock(&sv->mutex);

        if (job->waiters == NULL) {
            /* a prefetch nobody waits for: the other producer will do */
            tw_job_unlink(sv, job);
            pthread_mutex_unlock(&sv->mutex);
            free(job);
            return 1;
        }

        job->state = TW_JOB_REMOTE;
        job->waited = 1;
        job->checked = tw_clock();

        pthread_mutex_unlock(&sv->mutex);

        tw_log(TW_LOG_DEBUG, "\"%s\" is being made elsewhere: waiting",
               job->key);
        return 1;
    }

    if (lk != TW_LOCK_TAKEN) {
        return 0;
    }

    /* the object may have been renamed into place (and its lock
     * released) between the look before and the SET: look again */
    if (tw_store_is_local(store)) {
        if (tw_store_exists(store, job->key)) {
            tw_lock_release(&sl->redis, job->key, job->owner);
            tw_job_finish(sv, job, 200, NULL, 1, 0, 0);
            return 1;
        }

    } else {
        /* the job is gone once answered: its lock's names kept */
        strcpy(key, job->key);
        strcpy(owner, job->owner);

        if (tw_slot_fetch(sv, job, 0) != 1) {
            /* made while this job was queued: not a hit */
            tw_lock_release(&sl->redis, key, owner);
            return 1;
        }
    }

    pthread_mutex_lock(&sv->mutex);
    job->locked = 1;
    job->refreshed = tw_clock();
    pthread_mutex_unlock(&sv->mutex);

    return 0;
}


/*
 * Makes job's object (tw_object_make), stores it, releases the lock and
 * answers the job, then stores the companions.  1 when the next segment
 * is worth prefetching.
 */
static int
tw_slot_make(tw_slot_t *sl, tw_jit_job_t *job)
{
    int                 rc;
    double              t0, spent;
    tw_blob_t          *blob;
    tw_bytes_t          out;
    tw_server_t        *sv = sl->sv;
    vo_request_t        req;
    tw_store_meta_t     meta;
    const tw_store_t   *store = &sv->conf.store;
    tw_companion_t      comp[TW_COMPANIONS];

    tw_store_clean_temp(store, job->key, TW_TEMP_MAX_AGE);

    tw_count(sv, started, 1);
    t0 = tw_clock();

    memset(&out, 0, sizeof(tw_bytes_t));
    tw_job_request(job, &req);

    rc = tw_object_make(store, &job->media, &req, &out, comp);

    if (rc == 0
        && tw_store_put(store, job->key, out.data, out.len, &meta) == 0)
    {
        tw_count(sv, bytes_written, out.len);

    } else {
        meta.etag[0] = '\0';
        meta.last_modified[0] = '\0';
    }

    /* the lock goes after the rename: whoever sees it free also sees the
     * object */
    if (job->locked) {
        pthread_mutex_lock(&sv->mutex);
        job->locked = 0;
        pthread_mutex_unlock(&sv->mutex);

        tw_lock_release(&sl->redis, job->key, job->owner);
    }

    spent = tw_clock() - t0;

    if (rc != 0) {
        tw_count(sv, failed, 1);
        tw_log(TW_LOG_ERR, "making \"%s\" failed%s", job->key,
               rc == TW_MAKE_SOURCE ? ": source unreadable" : "");
        tw_bytes_free(&out);
        tw_job_finish(sv, job, rc == TW_MAKE_SOURCE ? 502 : 500, NULL, 0, 0,
                      0);
        return 0;
    }

    tw_count(sv, finished, 1);
    tw_job_observe(sv, spent);

    tw_log(TW_LOG_INFO, "made \"%s\" (%zu bytes) in %.3f s%s", job->key,
           out.len, spent, job->prefetch ? " (prefetch)" : "");

    blob = malloc(sizeof(tw_blob_t));
    if (blob == NULL) {
        tw_bytes_free(&out);
        tw_job_finish(sv, job, 200, NULL, 1, 1, 0);
        tw_slot_companions(sv, store, comp);
        return 0;
    }

    /* the bytes move to the blob, which the answers share */
    blob->refs = 1;
    blob->data = out.data;
    blob->len = out.len;
    blob->meta = meta;

    /* a prefetch a request joined counts as requested: the player is
     * reading on, keep one segment ahead of it */
    pthread_mutex_lock(&sv->mutex);
    rc = job->requested && (job->kind == VO_REQ_SEGMENT
                            || job->kind == VO_REQ_SEGMENT_TS);
    pthread_mutex_unlock(&sv->mutex);

    tw_job_finish(sv, job, 200, blob, 0, 1, 0);
    tw_blob_unref(blob);

    /* after the answer: they are what the next requests will want */
    tw_slot_companions(sv, store, comp);

    return rc;
}


/*
 * s3 store: the object of job, when the store has it, answers the job
 * (hit: as a store hit).  1 when it is missing; 0 when the job was
 * answered; -1 when the store failed and the job was answered 502.  The
 * job is gone unless 1 comes back.
 */
static int
tw_slot_fetch(tw_server_t *sv, tw_jit_job_t *job, int hit)
{
    int               rc;
    size_t            len;
    uint8_t          *data;
    tw_blob_t        *blob;
    tw_store_meta_t   meta;

    rc = tw_store_get(&sv->conf.store, job->key, TW_FETCH_MAX, &data, &len,
                      &meta);
    if (rc == 1) {
        return 1;
    }

    if (rc != 0) {
        tw_count(sv, failed, 1);
        tw_job_finish(sv, job, 502, NULL, 0, 0, 0);
        return -1;
    }

    blob = malloc(sizeof(tw_blob_t));
    if (blob == NULL) {
        free(data);
        tw_job_finish(sv, job, 500, NULL, 0, 0, 0);
        return -1;
    }

    blob->refs = 1;
    blob->data = data;
    blob->len = len;
    blob->meta = meta;

    tw_log(TW_LOG_DEBUG, "\"%s\" from the store (%zu bytes)", job->key, len);

    tw_job_finish(sv, job, 200, blob, 1, 0, hit);
    tw_blob_unref(blob);

    return 0;
}


/*
 * Without a lock: a producer making the same object at the same time
 * writes the same bytes, and each write is an atomic rename (s3: a PUT).
 */
static void
tw_slot_companions(tw_server_t *sv, const tw_store_t *store,
    tw_companion_t *comp)
{
    int  i;

    for (i = 0; i < TW_COMPANIONS; i++) {

        if (comp[i].key[0] != '\0' && comp[i].bytes.len > 0
            && !tw_store_exists(store, comp[i].key)
            && tw_store_write(store, comp[i].key, comp[i].bytes.data,
                              comp[i].bytes.len) == 0)
        {
            tw_count(sv, companions, 1);
            tw_count(sv, bytes_written, comp[i].bytes.len);
            tw_log(TW_LOG_INFO, "stored \"%s\" (%zu bytes) from the same "
                   "encode", comp[i].key, comp[i].bytes.len);
        }

        tw_bytes_free(&comp[i].bytes);
    }
}
