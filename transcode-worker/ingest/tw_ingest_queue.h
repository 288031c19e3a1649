/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The ingest job queue's entry point (docs/redis-layout.md, "Ingest"):
 * a source that is whole in the store becomes a "probe" job on the
 * stream vo:jobs, read by the consumer group vo-workers.  The upload
 * server calls it when an upload completes, and for POST /admin/ingest;
 * the fleet ("transcode-worker ingest") takes it from there.
 *
 * Every per-video key carries the video id as a hash tag
 * (vo:ingest:{ID}), so that a video's keys share one Redis Cluster slot.
 */

#ifndef TW_INGEST_QUEUE_H
#define TW_INGEST_QUEUE_H

#include <stddef.h>


#define TW_JOBS_STREAM   "vo:jobs"
#define TW_JOBS_GROUP    "vo-workers"
#define TW_JOBS_DEAD     "vo:jobs:dead"
#define TW_EVENTS        "vo:events"

/* snprintf()s of the per-video keys; id is [A-Za-z0-9_-]{1,64} */
#define TW_INGEST_KEY    "vo:ingest:{%s}"        /* hash: the job's state */
#define TW_INGEST_DONE   "vo:ingest:{%s}:done"   /* set: chunks done */
#define TW_INGEST_ERRORS "vo:ingest:{%s}:errors" /* hash: chunk's error */
#define TW_CATALOG_KEY   "vo:video:%s"           /* the catalog's hash */


/* creates the stream and its group if missing (from the stream's first
 * entry, so nothing added before is skipped): 0, or -1 with err */
int tw_ingest_group(void *redis, char *err, size_t size);

/*
 * Queues the probe of id's source, the store key source (whole and
 * final): the job's state and the catalog say "processing", then the
 * entry is added.  0, or -1 with the reason in err (nothing logged: the
 * caller answers or logs it).  redis is a tw_rconn_t.
 */
int tw_ingest_enqueue(void *redis, const char *id, const char *source,
    char *err, size_t size);


#endif /* TW_INGEST_QUEUE_H */
