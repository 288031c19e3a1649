/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The jobs of vo:jobs (README "Ingest"): "probe" (the source probed with
 * the packager's code, the description made, the job split into chunks
 * of segment numbers queued back on vo:jobs) and "chunk" (every object
 * of its segments of the eager renditions and the audio track made with
 * tw_object_make(), stored, the chunk recorded), and the dead letter of
 * an entry delivered too often.  Each answers whether the entry is acked.
 */

#ifndef TW_INGEST_JOB_H
#define TW_INGEST_JOB_H

#include <stdint.h>

#include "ingest/tw_ingest_conf.h"


typedef struct {
    const tw_ingest_conf_t  *conf;
    void                    *redis;      /* the thread's tw_rconn_t   */
    const char              *entry;      /* the stream entry's id */
    uint32_t                 deliveries;
    double                   touched;    /* when its idle time was reset */
} tw_ingest_ctx_t;

#define TW_JOB_ACK    0       /* done with: XACK */
#define TW_JOB_LEAVE  1       /* left pending: claimed again later */

/* runs the entry whose field/value array is kv */
int tw_ingest_job(tw_ingest_ctx_t *x, void *kv);

/* the entry kv, delivered more than max-deliveries times: to
 * vo:jobs:dead with its error, and its video failed */
int tw_ingest_dead(tw_ingest_ctx_t *x, void *kv);


#endif /* TW_INGEST_JOB_H */
