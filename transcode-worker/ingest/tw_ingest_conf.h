/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Configuration of "ingest" (README "Ingest"): its key table beside the
 * store's, read by the worker's configuration reader (common/tw_conf.h)
 * from the file of --config and the flags of the same names;
 * conf/ingest.conf is the commented sample.
 */

#ifndef TW_INGEST_CONF_H
#define TW_INGEST_CONF_H

#include <stdint.h>

#include "common/tw_redis.h"
#include "package/tw_package.h"


#define TW_READY_PROBE  0      /* media.json right after the probe */
#define TW_READY_EAGER  1      /* media.json once the eager ones are made */

typedef struct {
    tw_store_t          store;
    char               *redis;
    uint32_t            redis_timeout_ms;
    tw_redis_conf_t     rconf;
    char               *consumer;          /* default host:pid */
    uint32_t            jobs;              /* jobs at once, a thread each */
    uint32_t            chunk_segments;
    char               *eager;             /* lowest[:N], all, none, names */
    char               *ready;             /* "probe" or "eager" */
    int                 ready_policy;      /* TW_READY_* */
    uint32_t            claim_idle_ms;
    uint32_t            max_deliveries;
    uint32_t            block_ms;
    uint32_t            trim_ms;
    char               *metrics;           /* listen address, or NULL */
    int                 listen_any;

    /* what "package" takes, with its defaults */
    uint32_t            segment_ms;
    char               *ladder;
    char               *preset;
    uint32_t            threads;
    uint32_t            crf;
    uint32_t            audio_kbps;
    char               *formats_name;
    unsigned            formats;
} tw_ingest_conf_t;


/* reads and checks conf from the flags argv[1..] (and --config): 0, or
 * -1 logged; freed by tw_ingest_conf_free() either way */
int tw_ingest_conf(int argc, char **argv, tw_ingest_conf_t *conf);
void tw_ingest_conf_free(tw_ingest_conf_t *conf);

/* conf's packaging settings as the packager takes them, for id and
 * source (the store key of its master copy) */
void tw_ingest_package_opts(const tw_ingest_conf_t *conf, const char *id,
    const char *source, tw_package_opts_t *o);


#endif /* TW_INGEST_CONF_H */
