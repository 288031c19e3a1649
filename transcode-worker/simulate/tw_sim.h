/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "simulate": a long-tail workload and what each placement policy costs
 * on it (README "Placement simulator").  Deterministic for a seed: its
 * own PRNG (splitmix64 seeding xoshiro256**), no rand(), no clock.
 *
 *   tw_sim_world.c   the catalog and the views per (video, region, hour),
 *                    kept sparse, and the calibration figures;
 *   tw_sim_sweep.c   the windows: per (video, region) the features the
 *                    placer would see, the oracle's choices;
 *   tw_sim_train.c   the learned model (logistic regression, IRLS) and
 *                    the threshold tuned, on the training days;
 *   tw_sim_cost.c    the policies played on the evaluation days, each
 *                    region's CDN an LRU: dollars, shares, churn, peaks;
 *   tw_sim_price.c   a view's prices under the preset, break-evens;
 *   tw_sim_cmd.c     the command: options, presets, table, JSON, CSV.
 *
 * The policies' decisions are placer/tw_placer_policy.c's.
 */

#ifndef TW_SIM_H
#define TW_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "placer/tw_placer_policy.h"


#define TW_SIM_REGIONS    6
#define TW_SIM_T0         1764547200      /* hour 0: 2025-12-01 00:00 UTC */
#define TW_SIM_THRESHOLDS 16

enum { TW_POL_ALL_CDN, TW_POL_ALL_ORIGIN, TW_POL_THRESHOLD, TW_POL_LEARNED,
       TW_POL_ORACLE, TW_POL_N };


typedef struct {
    uint64_t            s[4];
} tw_rng_t;


typedef struct {
    const char         *preset;           /* aws, external, flat */
    double              cdn_gb[TW_SIM_REGIONS];
    double              request_10k;      /* per 10,000 HTTPS requests */
    double              origin_gb;        /* origin-direct egress */
    double              fill_gb;          /* CDN fill from the origin */
    double              gbps_month;       /* flat: per Gb/s a month */
    double              flat_gbps;        /* flat: capacity bought */
} tw_sim_prices_t;


typedef struct {
    uint64_t            seed;
    uint32_t            videos;
    uint32_t            days;
    uint32_t            train_days;
    uint32_t            window_h;         /* a decision per window */
    double              alpha;            /* Zipf */
    double              cache_gb;         /* each region's CDN */
    double              half_life_h;      /* threshold policy */
    double              startup_origin_s; /* added startup, origin */
    double              startup_miss_s;   /* added startup, a CDN miss */
    double              abandon_per_s;    /* 0.058: IMC'12 */
    double              p_on, p_off;      /* learned hysteresis */
    uint32_t            train_samples;
    /* scale: rank_step > 1 simulates every rank_step-th video of the
     * catalog and multiplies the aggregates back */
    uint32_t            rank_step;
    double              daily_views;      /* > 0: total views a day
                                             instead of the 65% < 100
                                             calibration */
    uint32_t            uploads_day;      /* > 0: the catalog is that
                                             many uploads a day */
    tw_sim_prices_t     price;
} tw_sim_conf_t;


typedef struct {
    uint16_t            hour;             /* since hour 0 */
    uint32_t            views;
} tw_sim_cnt_t;


typedef struct {
    uint32_t            video;
    uint8_t             region;
    uint8_t             lang_fit;
    uint32_t            first, n;         /* its counts in world.cnt */
    double              breakeven;        /* views of a window */
} tw_sim_pair_t;


typedef struct {
    double              bytes;            /* watched per view */
    double              object;           /* kept by a CDN */
    double              requests;         /* per view */
    int32_t             upload_h;         /* may be before hour 0 */
    uint8_t             home, lang;
    uint32_t            pair0, npairs;
    uint32_t            gfirst, gn;       /* counts of every region */
} tw_sim_video_t;


typedef struct {
    double              under100;         /* share of videos */
    double              top10;            /* share of views */
    double              one_region70;     /* of videos with >= 20 views */
    double              views;
    double              sigma;            /* the lognormal calibrated */
} tw_sim_calib_t;


typedef struct {
    const tw_sim_conf_t *conf;
    uint32_t            hours;
    tw_sim_video_t     *videos;
    uint32_t            nvideos;
    tw_sim_pair_t      *pairs;
    uint32_t            npairs;
    tw_sim_cnt_t       *cnt;              /* per pair, then per video */
    size_t              ncnt;
    tw_sim_calib_t      calib;
} tw_sim_world_t;


typedef struct {
    double              cost;
    double              views, origin_views, miss_views;
    double              flips, pair_days;
    double              peak_gbps;
    double              threshold;        /* of the threshold policy */
    double             *day_cost;         /* per day of the evaluation */
} tw_sim_result_t;


/* a (video, region)'s or a video's spans, slid window by window */
typedef struct {
    uint32_t            head;             /* first count at or past t */
    uint32_t            tail[TW_SPANS];
    uint32_t            ttail;            /* the threshold's 72 h */
    double              sum[TW_SPANS];
} tw_sim_slide_t;


/* what the placer would see of a pair at the start of a window */
typedef struct {
    tw_policy_in_t      in;
    double              score;            /* decayed views, threshold */
    double              next;             /* views of the window */
    double              prev;             /* of the window before */
    int                 active;           /* views within 7 d */
} tw_sim_obs_t;


typedef struct {
    const tw_sim_world_t *w;
    tw_sim_slide_t     *ps, *vs;          /* per pair, per video */
    uint32_t            t;
} tw_sim_sweep_t;


/* tw_sim_sweep.c */
int tw_sim_sweep_init(tw_sim_sweep_t *s, const tw_sim_world_t *w);
void tw_sim_sweep_free(tw_sim_sweep_t *s);
void tw_sim_sweep_to(tw_sim_sweep_t *s, uint32_t t);   /* ascending t */
void tw_sim_observe(tw_sim_sweep_t *s, uint32_t pair, tw_sim_obs_t *o,
    int score);
/* the window's cost estimate of a decision: a fill when the pair was not
 * on the CDN or idle in the window before */
double tw_sim_window_cost(const tw_sim_world_t *w, uint32_t pair, int cdn,
    int prev_cdn, double next, double prev);

/* tw_sim_world.c */
void tw_rng_seed(tw_rng_t *r, uint64_t seed);
uint64_t tw_rng_next(tw_rng_t *r);
double tw_rng_unit(tw_rng_t *r);           /* [0, 1) */
double tw_rng_gauss(tw_rng_t *r);
uint32_t tw_rng_poisson(tw_rng_t *r, double mean);
extern const char  *tw_sim_region_names[TW_SIM_REGIONS];
/* a video of the catalog's median length, its bytes and requests a
 * view: the placer's training, which does not read the catalog */
void tw_sim_typical(tw_sim_video_t *v);
int tw_sim_world(tw_sim_world_t *w, const tw_sim_conf_t *conf,
    uint64_t seed);
void tw_sim_world_free(tw_sim_world_t *w);

/* tw_sim_cost.c: the evaluation days played, every policy at once */
int tw_sim_play(const tw_sim_world_t *w, const tw_model_t *m,
    double threshold, tw_sim_result_t res[TW_POL_N]);
void tw_sim_result_free(tw_sim_result_t res[TW_POL_N]);
extern const char  *tw_sim_policy_names[TW_POL_N];

/* tw_sim_train.c: on the training days of w, the model (p_on and p_off
 * the configuration's, or tuned when those are < 0) and the cheapest
 * threshold of the
 * grid (into *threshold; grid_cost[] the estimate of each) */
int tw_sim_train(const tw_sim_world_t *w, tw_model_t *m, double *threshold,
    double grid_cost[TW_SIM_THRESHOLDS]);
extern const double  tw_sim_grid[TW_SIM_THRESHOLDS];
/* tw_sim_price.c: a view's prices */
double tw_sim_cdn_view(const tw_sim_conf_t *c, const tw_sim_video_t *v,
    int region);
double tw_sim_origin_view(const tw_sim_conf_t *c, const tw_sim_video_t *v);
double tw_sim_fill(const tw_sim_conf_t *c, const tw_sim_video_t *v);
/* the views of a window from which the CDN pays for v in region */
double tw_sim_breakeven(const tw_sim_conf_t *c, const tw_sim_video_t *v,
    int region);
void tw_sim_breakevens(tw_sim_world_t *w);
/* c's prices to the preset name's (aws, external or flat) */
void tw_sim_preset(tw_sim_conf_t *c, const char *name);

#endif /* TW_SIM_H */
