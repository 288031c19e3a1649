/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The configuration of "serve": its keys and the store's, from the file
 * of --config and the flags (common/tw_conf.h); conf/transcode-worker.conf
 * is the commented sample.
 */

#ifndef TW_SERVE_CONF_H
#define TW_SERVE_CONF_H

#include <stdint.h>

#include "store/tw_store.h"


#define TW_LISTEN_MAX       8


typedef struct {
    tw_store_t          store;           /* "store" and the s3-* keys */
    char               *listen[TW_LISTEN_MAX];
    uint32_t            nlisten;
    uint32_t            slots;           /* 0: number of cores */
    uint32_t            queue;           /* 0: 2 * slots */
    double              heavy_share;     /* of the slots and the queue */
    uint32_t            heavy_slots;     /* from it: HEVC and AV1 jobs */
    uint32_t            heavy_queue;     /* running, and queued */
    char               *redis;           /* NULL: no Redis */
    uint32_t            lock_ttl_ms;
    uint32_t            wait_ms;
    uint32_t            connections;     /* HTTP connection limit */
    int                 prefetch;
    int                 listen_any;      /* "*:port" / "0.0.0.0:port" */
} tw_serve_conf_t;


/*
 * Fills conf from argv (argv[0] "serve"): defaults, the file, the flags,
 * then the checks (a store, a listen address) and the store's own
 * (tw_store_init).  0, or -1 logged.  The strings and the store are
 * conf's, freed by tw_serve_conf_free() in either case.
 */
int tw_serve_conf(int argc, char **argv, tw_serve_conf_t *conf);
void tw_serve_conf_free(tw_serve_conf_t *conf);


#endif /* TW_SERVE_CONF_H */
