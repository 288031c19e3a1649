/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The ingest worker's /metrics (Prometheus text): every consumer group of
 * vo:jobs with its lag, pending count and consumers (XINFO GROUPS), the
 * stream's length, the dead letters, and this process's jobs; what an
 * autoscaler reads.  A small libmicrohttpd listener of its own.
 */

#ifndef TW_INGEST_METRICS_H
#define TW_INGEST_METRICS_H

#include <stdint.h>

#include "ingest/tw_ingest_conf.h"


typedef struct {
    const tw_ingest_conf_t  *conf;
    void                    *daemon;
    char                    *unix_path;
    uint64_t                 acked;      /* atomics: entries acked */
    uint64_t                 left;       /* left pending */
    uint64_t                 dead;       /* sent to vo:jobs:dead */
    uint32_t                 busy;       /* jobs running */
} tw_ingest_metrics_t;


/* on conf->metrics (no-op when NULL): 0, or -1 logged */
int tw_ingest_metrics_start(tw_ingest_metrics_t *mx);
void tw_ingest_metrics_stop(tw_ingest_metrics_t *mx);


#endif /* TW_INGEST_METRICS_H */
