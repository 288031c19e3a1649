/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Jobs: one per missing object (its store key) in the process, however
 * many requests wait for it.  A job is QUEUED (bounded queue), RUNNING
 * (a slot produces it, holding the Redis lock when Redis is up; the
 * slots are tw_slot.c) or REMOTE (another process holds the lock: the
 * main loop polls the store every tick and the lock every TW_LOCK_CHECK
 * seconds; if the lock goes without the object appearing, the job is
 * queued again and a slot tries the lock again).  Its requests are
 * suspended HTTP connections; the job's end resumes them all with the
 * same result.
 *
 * In an s3 store the main loop polls only the lock (Redis): when it
 * goes, the job is queued again and its slot's GET finds the object, or
 * makes it.
 */

#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "common/tw_redis.h"
#include "serve/tw_jobs.h"
#include "store/tw_store.h"


/* seconds between two looks at a remote producer's lock */
#define TW_LOCK_CHECK        0.25

/* remote jobs and lock refreshes handled per tick */
#define TW_TICK_MAX          256


typedef struct {
    char                key[TW_KEY_MAX];
    char                owner[128];
} tw_refresh_t;


static tw_jit_job_t *tw_job_find(tw_server_t *sv, const char *key);
static unsigned tw_job_heavy(const vo_media_t *m, const vo_request_t *req);
static void tw_queue_push(tw_server_t *sv, tw_jit_job_t *job, int front);
static tw_jit_job_t *tw_queue_take(tw_server_t *sv, tw_jit_job_t **head,
    tw_jit_job_t **tail, tw_jit_job_t *job);
static int tw_job_drop(tw_server_t *sv, tw_jit_job_t *job);


void
tw_blob_unref(tw_blob_t *b)
{
    if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        free(b->data);
        free(b);
    }
}


static tw_jit_job_t *
tw_job_find(tw_server_t *sv, const char *key)
{
    tw_jit_job_t  *job;

    for (job = sv->jobs; job; job = job->next) {
        if (strcmp(job->key, key) == 0) {
            return job;
        }
    }

    return NULL;
}


/* HEVC and AV1 cost several times H.264: they get --heavy-share */
static unsigned
tw_job_heavy(const vo_media_t *m, const vo_request_t *req)
{
    unsigned           f;
    vo_str_t           name;
    const vo_video_t  *v;

    name = req->rendition;
    v = vo_media_video(m, &name);
    f = v ? vo_codec_family(v->codec) : 0;

    return f == VO_CODEC_HEVC || f == VO_CODEC_AV1;
}


/* job into the queue of requested jobs, at its end or (front) its head */
static void
tw_queue_push(tw_server_t *sv, tw_jit_job_t *job, int front)
{
    job->state = TW_JOB_QUEUED;

    if (front) {
        job->qnext = sv->qhead;
        sv->qhead = job;
        if (sv->qtail == NULL) {
            sv->qtail = job;
        }

    } else {
        job->qnext = NULL;
        if (sv->qtail) {
            sv->qtail->qnext = job;
        } else {
            sv->qhead = job;
        }
        sv->qtail = job;
    }

    sv->queued++;
    sv->heavy_queued += job->heavy;

    pthread_cond_signal(&sv->cond);
}


/*
 * Out of the queue head..tail: job, or (job NULL) the first job a slot
 * may start now (a heavy one only while the heavy slots are not all
 * busy).  NULL when there is none.  With the mutex held.
 */
static tw_jit_job_t *
tw_queue_take(tw_server_t *sv, tw_jit_job_t **head, tw_jit_job_t **tail,
    tw_jit_job_t *job)
{
    tw_jit_job_t  *j, *prev;

    for (prev = NULL, j = *head; j; prev = j, j = j->qnext) {
        if (job ? j == job
                : !j->heavy || sv->heavy_busy < sv->conf.heavy_slots)
        {
            break;
        }
    }

    if (j == NULL) {
        return NULL;
    }

    if (prev) {
        prev->qnext = j->qnext;
    } else {
        *head = j->qnext;
    }

    if (*tail == j) {
        *tail = prev;
    }

    j->qnext = NULL;

    if (head == &sv->qhead) {
        sv->queued--;
        sv->heavy_queued -= j->heavy;
    }

    return j;
}


tw_jit_job_t *
tw_jobs_take(tw_server_t *sv)
{
    tw_jit_job_t  *job;

    /* requested first, then prefetches, which go behind requested work:
     * one starts only on an idle pool, or leaving a slot idle for the
     * next request */
    job = tw_queue_take(sv, &sv->qhead, &sv->qtail, NULL);
    if (job == NULL && (sv->busy == 0 || sv->busy + 1 < sv->nslots)) {
        job = tw_queue_take(sv, &sv->phead, &sv->ptail, NULL);
    }

    if (job) {
        job->state = TW_JOB_RUNNING;
        sv->busy++;
        sv->heavy_busy += job->heavy;
    }

    return job;
}


void
tw_jobs_done(tw_server_t *sv, unsigned heavy)
{
    pthread_mutex_lock(&sv->mutex);

    sv->busy--;
    sv->heavy_busy -= heavy;

    if (heavy || sv->phead) {
        /* a heavy job queued behind the share, or a prefetch behind the
         * busy slots, may start now */
        pthread_cond_broadcast(&sv->cond);
    }

    pthread_mutex_unlock(&sv->mutex);
}


/*
 * A queued job whose requests have all left (or timed out) is not made:
 * out of its queue and the table, freed.  A prefetch nobody joined stays
 * (it never had a waiter); one that a request joined goes as the others.
 * With the mutex held; 1 when job was dropped (it is gone).
 */
static int
tw_job_drop(tw_server_t *sv, tw_jit_job_t *job)
{
    if (job->state != TW_JOB_QUEUED || job->waiters || !job->requested) {
        return 0;
    }

    if (tw_queue_take(sv, &sv->qhead, &sv->qtail, job) == NULL
        && tw_queue_take(sv, &sv->phead, &sv->ptail, job) == NULL)
    {
        return 0;
    }

    tw_job_unlink(sv, job);
    tw_count(sv, dropped, 1);
    tw_log(TW_LOG_INFO, "\"%s\" dropped: every request for it left",
           job->key);
    free(job);

    return 1;
}


/* removes job from the table (the queue no longer holds it) */
void
tw_job_unlink(tw_server_t *sv, tw_jit_job_t *job)
{
    tw_jit_job_t  **pp;

    for (pp = &sv->jobs; *pp; pp = &(*pp)->next) {
        if (*pp == job) {
            *pp = job->next;
            return;
        }
    }
}


void
tw_job_request(const tw_jit_job_t *job, vo_request_t *req)
{
    req->kind = job->kind;
    req->id.data = (const u_char *) job->media.id;
    req->id.len = strlen(job->media.id);
    req->rendition.data = (const u_char *) job->rendition;
    req->rendition.len = strlen(job->rendition);
    req->segment = job->n;
}


int
tw_jobs_submit(tw_server_t *sv, tw_ctx_t *ctx, const vo_media_t *m,
    const vo_request_t *req)
{
    int        rc;
    tw_jit_job_t  *job, *fresh;

    /* allocated outside the lock; usually needed (a cold key) */
    fresh = malloc(sizeof(tw_jit_job_t));
    if (fresh == NULL) {
        return TW_SUBMIT_REJECTED;
    }

    pthread_mutex_lock(&sv->mutex);

    ctx->deadline = tw_clock() + sv->conf.wait_ms / 1000.0;

    job = tw_job_find(sv, ctx->key);

    if (job) {
        /* the first request to join a prefetch counts as its requester */
        ctx->first = !job->requested;
        job->requested = 1;
        rc = TW_SUBMIT_ATTACHED;

    } else if (sv->stopping
               || sv->queued >= sv->conf.queue + (sv->nslots - sv->busy))
    {
        /* full: every slot busy (or about to be, with the jobs queued
         * before their slots woke up) and the queue full */
        if (!sv->stopping) {
            tw_count(sv, refused_queue, 1);
        }
        pthread_mutex_unlock(&sv->mutex);
        free(fresh);
        return TW_SUBMIT_REJECTED;

    } else if (tw_job_heavy(m, req)
               && sv->heavy_queued >= sv->conf.heavy_queue)
    {
        /* HEVC and AV1 may hold their share of the queue only: the rest
         * is H.264's */
        tw_count(sv, refused_heavy, 1);
        pthread_mutex_unlock(&sv->mutex);
        free(fresh);
        return TW_SUBMIT_REJECTED;

    } else {
        job = fresh;
        fresh = NULL;

        memset(job, 0, sizeof(tw_jit_job_t));
        strcpy(job->key, ctx->key);
        job->media = *m;
        job->kind = req->kind;
        memcpy(job->rendition, req->rendition.data, req->rendition.len);
        job->rendition[req->rendition.len] = '\0';
        job->n = req->segment;
        job->heavy = tw_job_heavy(m, req);
        job->requested = 1;

        job->next = sv->jobs;
        sv->jobs = job;

        tw_queue_push(sv, job, 0);

        ctx->first = 1;
        rc = TW_SUBMIT_QUEUED;
    }

    ctx->job = job;
    ctx->next = job->waiters;
    job->waiters = ctx;

    pthread_mutex_unlock(&sv->mutex);

    free(fresh);

    return rc;
}


void
tw_jobs_detach(tw_server_t *sv, tw_ctx_t *ctx)
{
    tw_ctx_t      **pp;
    tw_jit_job_t   *job;

    pthread_mutex_lock(&sv->mutex);

    job = ctx->job;

    if (job) {
        for (pp = &job->waiters; *pp; pp = &(*pp)->next) {
            if (*pp == ctx) {
                *pp = ctx->next;
                break;
            }
        }
        ctx->job = NULL;
        (void) tw_job_drop(sv, job);
    }

    pthread_mutex_unlock(&sv->mutex);
}


void
tw_jobs_prefetch(tw_server_t *sv, const vo_media_t *m,
    const vo_request_t *req)
{
    char       key[TW_KEY_MAX];
    tw_jit_job_t  *job;

    if (!sv->conf.prefetch || req->segment >= m->segment_count
        || vo_request_key(req, key, sizeof(key)) == 0)
    {
        return;
    }

    /* cheap checks first, without the store */
    pthread_mutex_lock(&sv->mutex);
    job = (sv->stopping || sv->qhead || sv->phead || sv->busy >= sv->nslots
           || tw_job_find(sv, key)) ? NULL : (tw_jit_job_t *) 1;
    pthread_mutex_unlock(&sv->mutex);

    if (job == NULL || tw_store_exists(&sv->conf.store, key)) {
        return;
    }

    job = calloc(1, sizeof(tw_jit_job_t));
    if (job == NULL) {
        return;
    }

    strcpy(job->key, key);
    job->media = *m;
    job->kind = req->kind;
    memcpy(job->rendition, req->rendition.data, req->rendition.len);
    job->n = req->segment;
    job->heavy = tw_job_heavy(m, req);
    job->prefetch = 1;

    pthread_mutex_lock(&sv->mutex);

    if (sv->stopping || sv->qhead || sv->phead || sv->busy >= sv->nslots
        || tw_job_find(sv, key))
    {
        pthread_mutex_unlock(&sv->mutex);
        free(job);
        return;
    }

    job->next = sv->jobs;
    sv->jobs = job;
    sv->phead = sv->ptail = job;
    pthread_cond_signal(&sv->cond);

    pthread_mutex_unlock(&sv->mutex);

    tw_count(sv, prefetched, 1);
    tw_log(TW_LOG_DEBUG, "prefetching \"%s\"", key);
}


/*
 * Ends job: out of the table, and every request waiting for it gets the
 * result and is resumed.  Called by the thread that owns the job (its
 * slot, or the main loop for a remote one).  hit: the object was in the
 * store when the requests came (an s3 store's), they count as store hits.
 */
void
tw_job_finish(tw_server_t *sv, tw_jit_job_t *job, int status, tw_blob_t *blob,
    int from_store, int transcoded, int hit)
{
    tw_ctx_t  *w, *next, *list;

    pthread_mutex_lock(&sv->mutex);

    tw_job_unlink(sv, job);
    list = job->waiters;
    job->waiters = NULL;

    for (w = list; w; w = w->next) {
        w->job = NULL;
        w->done = 1;
        w->status = status;
        w->from_store = from_store;
        w->transcoded = transcoded && w->first;

        if (blob) {
            __atomic_add_fetch(&blob->refs, 1, __ATOMIC_RELAXED);
            w->blob = blob;
        }

        if (status == 200 && hit) {
            tw_count(sv, store_hits, 1);

        } else if (status == 200 && !w->transcoded) {
            tw_count(sv, deduplicated, 1);
        }
    }

    pthread_mutex_unlock(&sv->mutex);

    /* outside the mutex: a resumed request may be answered and freed at
     * once, so next is read first */
    for (w = list; w; w = next) {
        next = w->next;
        sv->resume(w);
    }

    free(job);
}


void
tw_job_observe(tw_server_t *sv, double seconds)
{
    int            i;
    static const double  le[] = { 0.5, 1, 2, 4, 8, 16, 32 };

    for (i = 0; i < 7 && seconds > le[i]; i++) {
        /* void */
    }

    pthread_mutex_lock(&sv->mutex);
    sv->metrics.buckets[i]++;
    sv->metrics.seconds_count++;
    sv->metrics.seconds_sum += seconds;
    pthread_mutex_unlock(&sv->mutex);
}


uint32_t
tw_jobs_tick(tw_server_t *sv, tw_redis_t *redis)
{
    int            lk, local;
    double         now;
    uint32_t       live, nremote, nrefresh, i;
    tw_ctx_t      *w, **pp, *expired, *next;
    tw_jit_job_t  *job, *jnext, *remote[TW_TICK_MAX];
    tw_refresh_t  *refresh;

    now = tw_clock();
    expired = NULL;
    live = nremote = nrefresh = 0;

    refresh = malloc(TW_TICK_MAX * sizeof(tw_refresh_t));

    pthread_mutex_lock(&sv->mutex);

    for (job = sv->jobs; job; job = jnext) {
        jnext = job->next;
        live++;

        /* requests that waited long enough: 503, retry later; those of
         * a job not started yet whose client left: answered as well (to
         * nobody), so that the job goes if nobody is left */
        for (pp = &job->waiters; *pp; /* void */) {
            w = *pp;
            if (w->deadline > now
                && (job->state != TW_JOB_QUEUED || !sv->gone(w)))
            {
                pp = &w->next;
                continue;
            }

            *pp = w->next;
            w->job = NULL;
            w->done = 1;
            w->status = 503;
            w->next = expired;
            expired = w;

            if (w->deadline > now) {
                tw_count(sv, abandoned, 1);
            } else {
                tw_count(sv, wait_timeouts, 1);
            }
        }

        if (tw_job_drop(sv, job)) {
            live--;
            continue;
        }

        if (job->state == TW_JOB_REMOTE && nremote < TW_TICK_MAX) {
            remote[nremote++] = job;
        }

        if (job->locked && refresh && nrefresh < TW_TICK_MAX
            && now - job->refreshed >= sv->conf.lock_ttl_ms / 3000.0)
        {
            strcpy(refresh[nrefresh].key, job->key);
            strcpy(refresh[nrefresh].owner, job->owner);
            nrefresh++;
            job->refreshed = now;
        }
    }

    pthread_mutex_unlock(&sv->mutex);

    for (w = expired; w; w = next) {
        next = w->next;
        if (w->deadline <= now) {
            tw_log(TW_LOG_WARN, "\"%s\" not ready after %u ms: 503", w->key,
                   sv->conf.wait_ms);
        }
        sv->resume(w);
    }

    /* the producer may outlive the lock's TTL: push it while encoding */
    for (i = 0; i < nrefresh; i++) {
        if (tw_lock_refresh(redis, refresh[i].key, refresh[i].owner,
                            sv->conf.lock_ttl_ms) == 0)
        {
            tw_log(TW_LOG_WARN, "lock of \"%s\" lost while making it",
                   refresh[i].key);
        }
    }

    free(refresh);

    /* remote jobs belong to this thread: nobody else frees them.  An s3
     * store is not polled from here (a HEAD per job per tick): the lock
     * is, and its release sends the job back to a slot */
    local = tw_store_is_local(&sv->conf.store);

    for (i = 0; i < nremote; i++) {
        job = remote[i];

        if (local && tw_store_exists(&sv->conf.store, job->key)) {
            tw_job_finish(sv, job, 200, NULL, 1, 0, 0);
            continue;
        }

        pthread_mutex_lock(&sv->mutex);

        if (job->waiters == NULL) {
            tw_job_unlink(sv, job);
            pthread_mutex_unlock(&sv->mutex);
            free(job);
            continue;
        }

        pthread_mutex_unlock(&sv->mutex);

        if (now - job->checked < TW_LOCK_CHECK) {
            continue;
        }

        job->checked = now;
        lk = tw_lock_exists(redis, job->key);

        if (lk == 1
            || (local && tw_store_exists(&sv->conf.store, job->key)))
        {
            continue;
        }

        /* the producer is gone (or Redis is): try to produce it here,
         * ahead of the queue, which it had already passed */
        if (local) {
            tw_log(TW_LOG_INFO, "lock of \"%s\" gone without the object: "
                   "taking it over", job->key);

        } else {
            tw_log(TW_LOG_DEBUG, "lock of \"%s\" gone: fetching it, or "
                   "making it here", job->key);
        }

        pthread_mutex_lock(&sv->mutex);
        tw_queue_push(sv, job, 1);
        pthread_mutex_unlock(&sv->mutex);
    }

    return live;
}
