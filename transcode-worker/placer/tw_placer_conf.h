/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The configuration of "placer" (the keys are docs/placer.md's and
 * conf/placer.conf's, the commented sample).
 */

#ifndef TW_PLACER_CONF_H
#define TW_PLACER_CONF_H

#include <stdint.h>


typedef struct {
    char               *redis;
    char               *log;              /* the placement log: required */
    char               *status;           /* NULL: log + ".status" */
    uint32_t            interval_ms;
    uint32_t            window_ms;
    uint32_t            half_life_ms;
    uint64_t            threshold_milli;  /* decayed views x 1000 */
    int                 learned;          /* policy learned (else
                                             threshold) */
    char               *model;            /* its model file */
    uint32_t            scan_count;
    uint32_t            stream_max;       /* MAXLEN ~ of vo:placements */
    uint32_t            redis_timeout_ms;
    uint32_t            max_pairs;        /* (video, region) per run */
    int64_t             now;              /* 0: the clock (else tests and
                                             replays: a fixed time) */
    int                 once;             /* --once */
} tw_placer_conf_t;


/* defaults, the file of --config, the flags (argv[0] "placer"), the
 * checks: 0, or -1 logged.  The strings are conf's, freed by
 * tw_placer_conf_free() in either case. */
int tw_placer_conf(int argc, char **argv, tw_placer_conf_t *conf);
void tw_placer_conf_free(tw_placer_conf_t *conf);


#endif /* TW_PLACER_CONF_H */
