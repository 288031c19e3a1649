/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Jobs: one per missing object (its store key) in the process, however
 * many requests wait for it.  A job is QUEUED (bounded queue), RUNNING
 * (a slot produces it, holding the Redis lock when Redis is up) or
 * REMOTE (another process holds the lock: the main loop polls the store
 * every tick and the lock every TW_LOCK_CHECK seconds; if the lock goes
 * without the object appearing, the job is queued again and a slot tries
 * the lock again).  Its requests are suspended HTTP connections; the job's
 * end resumes them all with the same result.
 */

#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tw_log.h"
#include "tw_store.h"
#include "tw_serve.h"


/* seconds between two looks at a remote producer's lock */
#define TW_LOCK_CHECK        0.25

/* temporary files of a key older than this were left by a dead writer */
#define TW_TEMP_MAX_AGE      60

/* remote jobs and lock refreshes handled per tick */
#define TW_TICK_MAX          256


typedef struct {
    tw_server_t        *sv;
    uint32_t            index;
    pthread_t           tid;
    unsigned            started:1;
    tw_redis_t          redis;
    uint64_t            nonce;
} tw_slot_t;


typedef struct {
    char                key[TW_KEY_MAX];
    char                owner[128];
} tw_refresh_t;


static void *tw_slot_main(void *data);
static int tw_slot_run(tw_slot_t *sl, tw_job_t *job);
static tw_job_t *tw_job_find(tw_server_t *sv, const char *key);
static void tw_job_unlink(tw_server_t *sv, tw_job_t *job);
static void tw_job_finish(tw_server_t *sv, tw_job_t *job, int status,
    tw_blob_t *blob, int from_store, int transcoded);
static void tw_job_observe(tw_server_t *sv, double seconds);
static void tw_job_request(const tw_job_t *job, vo_request_t *req);
static void tw_jobs_store_companions(tw_server_t *sv, const char *store,
    tw_companion_t *comp);


double
tw_clock(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


void
tw_blob_unref(tw_blob_t *b)
{
    if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        free(b->data);
        free(b);
    }
}


int
tw_jobs_start(tw_server_t *sv)
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
tw_jobs_stop(tw_server_t *sv)
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


static tw_job_t *
tw_job_find(tw_server_t *sv, const char *key)
{
    tw_job_t  *job;

    for (job = sv->jobs; job; job = job->next) {
        if (strcmp(job->key, key) == 0) {
            return job;
        }
    }

    return NULL;
}


/* removes job from the table (the queue no longer holds it) */
static void
tw_job_unlink(tw_server_t *sv, tw_job_t *job)
{
    tw_job_t  **pp;

    for (pp = &sv->jobs; *pp; pp = &(*pp)->next) {
        if (*pp == job) {
            *pp = job->next;
            return;
        }
    }
}


static void
tw_job_request(const tw_job_t *job, vo_request_t *req)
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
    tw_job_t  *job, *fresh;

    /* allocated outside the lock; usually needed (a cold key) */
    fresh = malloc(sizeof(tw_job_t));
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
        pthread_mutex_unlock(&sv->mutex);
        free(fresh);
        return TW_SUBMIT_REJECTED;

    } else {
        job = fresh;
        fresh = NULL;

        memset(job, 0, sizeof(tw_job_t));
        strcpy(job->key, ctx->key);
        job->media = *m;
        job->kind = req->kind;
        memcpy(job->rendition, req->rendition.data, req->rendition.len);
        job->rendition[req->rendition.len] = '\0';
        job->n = req->segment;
        job->state = TW_JOB_QUEUED;
        job->requested = 1;

        job->next = sv->jobs;
        sv->jobs = job;

        if (sv->qtail) {
            sv->qtail->qnext = job;
        } else {
            sv->qhead = job;
        }
        sv->qtail = job;
        sv->queued++;

        pthread_cond_signal(&sv->cond);

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
    tw_ctx_t  **pp;

    pthread_mutex_lock(&sv->mutex);

    if (ctx->job) {
        for (pp = &ctx->job->waiters; *pp; pp = &(*pp)->next) {
            if (*pp == ctx) {
                *pp = ctx->next;
                break;
            }
        }
        ctx->job = NULL;
    }

    pthread_mutex_unlock(&sv->mutex);
}


void
tw_jobs_prefetch(tw_server_t *sv, const vo_media_t *m,
    const vo_request_t *req)
{
    char       key[TW_KEY_MAX];
    tw_job_t  *job;

    if (!sv->conf.prefetch || req->segment >= m->segment_count
        || vo_request_key(req, key, sizeof(key)) == 0)
    {
        return;
    }

    /* cheap checks first, without the store */
    pthread_mutex_lock(&sv->mutex);
    job = (sv->stopping || sv->qhead || sv->phead || sv->busy >= sv->nslots
           || tw_job_find(sv, key)) ? NULL : (tw_job_t *) 1;
    pthread_mutex_unlock(&sv->mutex);

    if (job == NULL || tw_store_exists(sv->conf.store, key)) {
        return;
    }

    job = calloc(1, sizeof(tw_job_t));
    if (job == NULL) {
        return;
    }

    strcpy(job->key, key);
    job->media = *m;
    job->kind = req->kind;
    memcpy(job->rendition, req->rendition.data, req->rendition.len);
    job->n = req->segment;
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
 * slot, or the main loop for a remote one).
 */
static void
tw_job_finish(tw_server_t *sv, tw_job_t *job, int status, tw_blob_t *blob,
    int from_store, int transcoded)
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

        if (status == 200 && !w->transcoded) {
            tw_count(sv, deduplicated, 1);
        }
    }

    pthread_mutex_unlock(&sv->mutex);

    /* outside the mutex: a resumed request may be answered and freed at
     * once, so next is read first */
    for (w = list; w; w = next) {
        next = w->next;
        tw_http_resume(w);
    }

    free(job);
}


static void
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


static void *
tw_slot_main(void *data)
{
    int           next;
    tw_job_t     *job;
    char          rendition[VO_NAME_MAX + 1];
    tw_slot_t    *sl = data;
    tw_server_t  *sv = sl->sv;
    vo_media_t    m;
    vo_request_t  req;

    for ( ;; ) {
        pthread_mutex_lock(&sv->mutex);

        while (!sv->quit && sv->qhead == NULL && sv->phead == NULL) {
            pthread_cond_wait(&sv->cond, &sv->mutex);
        }

        if (sv->qhead) {
            job = sv->qhead;
            sv->qhead = job->qnext;
            if (sv->qhead == NULL) {
                sv->qtail = NULL;
            }
            sv->queued--;

        } else if (sv->phead) {
            job = sv->phead;
            sv->phead = job->qnext;
            if (sv->phead == NULL) {
                sv->ptail = NULL;
            }

        } else {
            pthread_mutex_unlock(&sv->mutex);
            break;
        }

        job->qnext = NULL;
        job->state = TW_JOB_RUNNING;
        sv->busy++;

        pthread_mutex_unlock(&sv->mutex);

        /* kept for the prefetch: the job is gone after the run */
        m = job->media;
        tw_job_request(job, &req);
        strcpy(rendition, job->rendition);
        req.rendition.data = (const u_char *) rendition;

        next = tw_slot_run(sl, job);

        pthread_mutex_lock(&sv->mutex);
        sv->busy--;
        pthread_mutex_unlock(&sv->mutex);

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
tw_slot_run(tw_slot_t *sl, tw_job_t *job)
{
    int            lk, rc;
    double         t0, spent;
    tw_blob_t       *blob;
    tw_bytes_t       out;
    tw_server_t     *sv = sl->sv;
    vo_request_t     req;
    const char      *store = sv->conf.store;
    tw_companion_t   comp[TW_COMPANIONS];

    if (tw_store_exists(store, job->key)) {
        /* made since the request looked (by another process) */
        tw_job_finish(sv, job, 200, NULL, 1, 0);
        return 0;
    }

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
            return 0;
        }

        job->state = TW_JOB_REMOTE;
        job->checked = tw_clock();

        pthread_mutex_unlock(&sv->mutex);

        tw_log(TW_LOG_DEBUG, "\"%s\" is being made elsewhere: waiting",
               job->key);
        return 0;
    }

    if (lk == TW_LOCK_TAKEN) {
        /* the object may have been renamed into place (and its lock
         * released) between the look above and the SET: look again */
        if (tw_store_exists(store, job->key)) {
            tw_lock_release(&sl->redis, job->key, job->owner);
            tw_job_finish(sv, job, 200, NULL, 1, 0);
            return 0;
        }

        pthread_mutex_lock(&sv->mutex);
        job->locked = 1;
        job->refreshed = tw_clock();
        pthread_mutex_unlock(&sv->mutex);
    }

    tw_store_clean_temp(store, job->key, TW_TEMP_MAX_AGE);

    tw_count(sv, started, 1);
    t0 = tw_clock();

    memset(&out, 0, sizeof(tw_bytes_t));
    tw_job_request(job, &req);

    rc = tw_object_make(store, &job->media, &req, &out, comp);

    if (rc == 0 && tw_store_write(store, job->key, out.data, out.len) == 0) {
        tw_count(sv, bytes_written, out.len);
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
        tw_job_finish(sv, job, rc == TW_MAKE_SOURCE ? 502 : 500, NULL, 0, 0);
        return 0;
    }

    tw_count(sv, finished, 1);
    tw_job_observe(sv, spent);

    tw_log(TW_LOG_INFO, "made \"%s\" (%zu bytes) in %.3f s%s", job->key,
           out.len, spent, job->prefetch ? " (prefetch)" : "");

    blob = malloc(sizeof(tw_blob_t));
    if (blob == NULL) {
        tw_bytes_free(&out);
        tw_job_finish(sv, job, 200, NULL, 1, 1);
        tw_jobs_store_companions(sv, store, comp);
        return 0;
    }

    /* the bytes move to the blob, which the answers share */
    blob->refs = 1;
    blob->data = out.data;
    blob->len = out.len;

    /* a prefetch a request joined counts as requested: the player is
     * reading on, keep one segment ahead of it */
    pthread_mutex_lock(&sv->mutex);
    rc = job->requested && (job->kind == VO_REQ_SEGMENT
                            || job->kind == VO_REQ_SEGMENT_TS);
    pthread_mutex_unlock(&sv->mutex);

    tw_job_finish(sv, job, 200, blob, 0, 1);
    tw_blob_unref(blob);

    /* after the answer: they are what the next requests will want */
    tw_jobs_store_companions(sv, store, comp);

    return rc;
}


/*
 * Without a lock: a producer making the same object at the same time
 * writes the same bytes, and each write is an atomic rename.
 */
static void
tw_jobs_store_companions(tw_server_t *sv, const char *store,
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


uint32_t
tw_jobs_tick(tw_server_t *sv, tw_redis_t *redis)
{
    int            lk;
    double         now;
    uint32_t       live, nremote, nrefresh, i;
    tw_ctx_t      *w, **pp, *expired, *next;
    tw_job_t      *job, *remote[TW_TICK_MAX];
    tw_refresh_t  *refresh;

    now = tw_clock();
    expired = NULL;
    live = nremote = nrefresh = 0;

    refresh = malloc(TW_TICK_MAX * sizeof(tw_refresh_t));

    pthread_mutex_lock(&sv->mutex);

    for (job = sv->jobs; job; job = job->next) {
        live++;

        /* requests that waited long enough: 503, retry later */
        for (pp = &job->waiters; *pp; /* void */) {
            w = *pp;
            if (w->deadline > now) {
                pp = &w->next;
                continue;
            }

            *pp = w->next;
            w->job = NULL;
            w->done = 1;
            w->status = 503;
            w->next = expired;
            expired = w;
            tw_count(sv, wait_timeouts, 1);
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
        tw_log(TW_LOG_WARN, "\"%s\" not ready after %u ms: 503", w->key,
               sv->conf.wait_ms);
        tw_http_resume(w);
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

    /* remote jobs belong to this thread: nobody else frees them */
    for (i = 0; i < nremote; i++) {
        job = remote[i];

        if (tw_store_exists(sv->conf.store, job->key)) {
            tw_job_finish(sv, job, 200, NULL, 1, 0);
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

        if (lk == 1 || tw_store_exists(sv->conf.store, job->key)) {
            continue;
        }

        /* the producer is gone (or Redis is): try to produce it here,
         * ahead of the queue, which it had already passed */
        tw_log(TW_LOG_INFO, "lock of \"%s\" gone without the object: "
               "taking it over", job->key);

        pthread_mutex_lock(&sv->mutex);
        job->state = TW_JOB_QUEUED;
        job->qnext = sv->qhead;
        sv->qhead = job;
        if (sv->qtail == NULL) {
            sv->qtail = job;
        }
        sv->queued++;
        pthread_cond_signal(&sv->cond);
        pthread_mutex_unlock(&sv->mutex);
    }

    return live;
}
