/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The jobs of "serve": the job table (one job per missing key) and the
 * queue, between the HTTP requests that wait (tw_http.c) and the slots
 * that make the objects (tw_slot.c).  Every function takes the server
 * mutex itself; none is called with it held.
 */

#ifndef TW_JOBS_H
#define TW_JOBS_H

#include "serve/tw_server.h"


#define TW_SUBMIT_QUEUED     0          /* a new job, ctx first */
#define TW_SUBMIT_ATTACHED   1          /* ctx waits on an existing one */
#define TW_SUBMIT_REJECTED   2          /* queue full (or its share of
                                           it for HEVC and AV1): 503 */

/* attaches ctx (its key set, its connection suspended) to the job of
 * its key, made from m and req if there is none; ctx is resumed through
 * sv->resume once the job ends or its wait is over */
int tw_jobs_submit(tw_server_t *sv, tw_ctx_t *ctx, const vo_media_t *m,
    const vo_request_t *req);
/* prefetch the object of req if the pool is idle and it is missing */
void tw_jobs_prefetch(tw_server_t *sv, const vo_media_t *m,
    const vo_request_t *req);
/* a finished request leaves its job (client gone or answered); a job
 * still queued that nobody waits for any more is dropped */
void tw_jobs_detach(tw_server_t *sv, tw_ctx_t *ctx);
/* the main loop's tick: deadlines, remote waits, lock refreshes, with
 * the main thread's Redis connection; returns the number of live jobs */
uint32_t tw_jobs_tick(tw_server_t *sv, tw_redis_t *redis);

/* drops a reference; the last one frees the blob (NULL: nothing) */
void tw_blob_unref(tw_blob_t *b);


/*
 * For the thread that owns a job (its slot, or the main loop for a
 * remote one).  tw_job_finish() ends it: out of the table, every waiting
 * request gets the result (a reference of blob each, the caller keeps
 * its own) and is resumed, the job is freed (hit: the object was in the
 * store when the requests came, they count as store hits).
 * tw_job_unlink() takes it out of the table only (called with the
 * server mutex held; the caller frees it).  tw_job_request() describes
 * its object in req (pointing into the job).
 */
void tw_job_finish(tw_server_t *sv, tw_jit_job_t *job, int status,
    tw_blob_t *blob, int from_store, int transcoded, int hit);
void tw_job_unlink(tw_server_t *sv, tw_jit_job_t *job);
void tw_job_request(const tw_jit_job_t *job, vo_request_t *req);

/*
 * For the slots: tw_jobs_take() (with the server mutex held) gives the
 * next job a slot may start, requested ones first, then prefetches
 * (only when the pool is idle or keeps an idle slot beside it), heavy
 * ones (HEVC, AV1) only while fewer than conf.heavy_slots run;
 * NULL when none may start now.  The job is RUNNING and counted busy
 * until tw_jobs_done() (without the mutex; heavy: the job's) once the
 * slot is done with it.
 */
tw_jit_job_t *tw_jobs_take(tw_server_t *sv);
void tw_jobs_done(tw_server_t *sv, unsigned heavy);
/* the time one object took, into the histogram */
void tw_job_observe(tw_server_t *sv, double seconds);


#endif /* TW_JOBS_H */
