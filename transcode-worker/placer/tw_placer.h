/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "placer": turns the view counts nginx keeps in Redis into placement
 * hints nginx reads back (the layout is docs/redis-layout.md, the policy
 * docs/placer.md).  Each run, every "interval":
 *
 *   1. SCAN vo:views:* (COUNT scan-count per call, never KEYS) and
 *      HGETALL each key, pipelined per SCAN batch: the hourly counts per
 *      (video, region) within "window" (tw_placer_scan.c);
 *   2. SCAN vo:hint:* and HGETALL each: the hints written before;
 *   3. per video: a decision per region, decayed views
 *      sum(count * 0.5^(age_h / half_life_h)) >= threshold: cdn, else
 *      origin, written with one pipeline (HSET, HDEL of lapsed fields,
 *      EXPIRE, an XADD per decision), then one JSON line per decision
 *      appended to the placement log (tw_placer_write.c);
 *   4. the status file (Prometheus text) rewritten.
 *
 * A run that loses Redis fails (logged, counted) and the next one tries
 * again; the process never exits on that.  SIGTERM / SIGINT set a flag:
 * the video being written is finished, then the process exits 0.
 *
 * One thread, everything owned by one tw_placer_t on the command's
 * stack; the table of a run is freed at its end.
 *
 * With "policy learned" step 3 decides by the model instead
 * (tw_placer_model.c; the scoring is tw_placer_policy.c's, which the
 * simulator uses too).
 *
 * Files: tw_placer_cmd.c the command (start, the runs, the status file,
 * stop), tw_placer_conf.c its configuration, tw_placer_redis.c the
 * connection, tw_placer_scan.c steps 1 and 2, tw_placer_write.c step 3,
 * tw_placer_model.c the learned policy, tw_placer_policy.c the scores,
 * tw_placer_fit.c the fit of its weights, tw_placer_train.c "placer
 * train" (the model fitted on the counts in Redis).
 * This header has the types they share.
 */

#ifndef TW_PLACER_H
#define TW_PLACER_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "vo_path.h"
#include "common/tw_redis.h"
#include "placer/tw_placer_conf.h"
#include "placer/tw_placer_policy.h"


#define TW_REGION_MAX        16          /* bytes of a region field */

#define TW_HINT_NONE         0
#define TW_HINT_CDN          1
#define TW_HINT_ORIGIN       2
#define TW_HINT_BAD          3           /* a field that does not parse */


typedef struct {
    char                name[TW_REGION_MAX + 1];
    tw_count_t         *counts;           /* within the window */
    uint32_t            ncounts;
    uint32_t            acounts;
    unsigned            seen:1;           /* some views key has it */
    unsigned            prev:2;           /* TW_HINT_* */
    uint64_t            prev_score;       /* x 1000 */
    int64_t             prev_expires;
} tw_region_t;


typedef struct {
    char                id[VO_ID_MAX + 1];
    tw_region_t        *regions;
    uint32_t            nregions;
    uint32_t            aregions;
} tw_video_t;


/* the videos of a run: open addressing, grown at half full */
typedef struct {
    tw_video_t        **slots;
    size_t              size;             /* a power of 2, or 0 */
    size_t              n;
    uint64_t            pairs;
} tw_table_t;


typedef struct {
    tw_placer_conf_t    conf;
    tw_redis_conf_t     rconf;
    void               *redis;            /* tw_rconn_t, kept across
                                             runs while it works */
    /* set by a signal: the run stops at its next safe point */
    const volatile sig_atomic_t  *stop;
    tw_table_t          table;
    FILE               *log;              /* during a run's writes */
    int64_t             now;              /* of the run */
    tw_model_t          model;            /* policy learned */

    /* since the start, for the status file */
    uint64_t            runs_ok;
    uint64_t            runs_failed;
    uint64_t            decisions[3];     /* by TW_HINT_CDN, _ORIGIN */
    uint64_t            redis_errors;
    uint64_t            skipped;          /* keys and fields ignored */
    uint64_t            log_errors;
    uint64_t            videos;           /* written in the last run */
    int64_t             last_run;         /* unix s, end of the last run */
    int64_t             last_ok;
    double              last_duration;
} tw_placer_t;


/* "placer ..." (tw_placer_cmd.c): argv[0] is "placer"; the exit
 * status */
int tw_placer_command(int argc, char **argv);


#endif /* TW_PLACER_H */
