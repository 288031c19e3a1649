/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A video's ingest state in Redis (docs/redis-layout.md, "Ingest"): the
 * hash vo:ingest:{ID}, the set of its chunks done vo:ingest:{ID}:done and
 * the hash of their errors vo:ingest:{ID}:errors, changed only by Lua
 * scripts over those keys (one hash tag, one Cluster slot), so that one
 * step decides the outcome however many workers finish at once; then the
 * catalog (vo:video:{id}) and the one event on vo:events, which live on
 * other slots.
 *
 * A generation (gen) is the stream entry id of the probe that made the
 * job: entries of an older generation (the video was resubmitted) change
 * nothing.  Every function returns -1 on a Redis error, with err.
 */

#ifndef TW_INGEST_STATE_H
#define TW_INGEST_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "store/tw_store.h"


typedef struct {
    const char     *gen;
    const char     *source;
    const char     *media;             /* media.json's text */
    uint32_t        chunks;
    uint32_t        segments;
    uint32_t        chunk_segments;
    uint32_t        eager;             /* bit r: video[r] made eagerly */
    int             policy;            /* TW_READY_* */
} tw_ingest_job_t;


/* a new job for id: the chunks done, the outcome and the errors of any
 * earlier one forgotten.  0 */
int tw_ingest_reset(void *redis, const char *id, const tw_ingest_job_t *j,
    char *err, size_t size);

/* the probe of gen has queued all its chunks: 0 */
int tw_ingest_queued(void *redis, const char *id, const char *gen,
    char *err, size_t size);

/*
 * Chunk chunk ("" for none: a job of no chunk) of gen is done: recorded,
 * the progress (into progress) updated, and when it was the last, the
 * outcome "ready" decided.  1; 0 when gen is not the job's or it failed.
 */
int tw_ingest_done(void *redis, const char *id, const char *gen,
    const char *chunk, char *progress, size_t psize, char *err, size_t size);

/* gen failed with reason, unless an outcome was decided before: 1 when
 * this call decided it, else 0 */
int tw_ingest_fail(void *redis, const char *id, const char *gen,
    const char *reason, char *err, size_t size);

/* the last error of a chunk, kept for the dead-letter entry: 0 */
int tw_ingest_chunk_error(void *redis, const char *id, const char *chunk,
    const char *reason, char *err, size_t size);

/*
 * Publishes the outcome's event, once: when an outcome is decided and its
 * event not yet recorded, this caller takes a lease of lease_ms on the
 * publication, writes the video's store and catalog side (media.json for
 * a "ready" of the eager policy, media.json removed for "failed";
 * status, progress, error), adds the event to vo:events unless a
 * previous holder that died after adding it did, and records the event's
 * id.  The stream entry that led here is acked only after: TW_PUB_ACK
 * (nothing to publish, or published), TW_PUB_WAIT (another holds the
 * lease: leave the entry pending, its holder or a later claim finishes).
 */
int tw_ingest_publish(void *redis, const tw_store_t *st, const char *id,
    uint32_t lease_ms, char *err, size_t size);

#define TW_PUB_ACK    0
#define TW_PUB_WAIT   1

/* chunk of id's job to be made again (ingest retry): its generation into
 * gen, its segments and the job's ready policy; a "failed" outcome
 * undone.  0; 1 (err) when there is no such job or chunk */
int tw_ingest_reopen(void *redis, const char *id, uint32_t chunk,
    char *gen, size_t gsize, uint32_t *first, uint32_t *last, int *policy,
    char *err, size_t size);

/* the catalog's progress, while its status is processing: 0 */
int tw_ingest_progress(void *redis, const char *id, const char *progress,
    char *err, size_t size);


#endif /* TW_INGEST_STATE_H */
