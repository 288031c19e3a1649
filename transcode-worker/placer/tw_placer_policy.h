/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The placement policies, shared by the placer (real counts from Redis)
 * and the simulator (simulated counts), so that what is measured is what
 * runs:
 *
 *   threshold  decayed views sum(count * 0.5^(age_h / half_life_h)) of
 *              the hours given, the age of an hour counted from its end;
 *              cdn when at least the threshold;
 *   learned    a logistic regression over the features below; cdn when
 *              the probability that the next window's views pass the
 *              preset's break-even count is at least p_on, kept cdn
 *              until it falls under p_off (hysteresis: p_off <= p_on);
 *              always origin where the break-even is TW_NEVER (a CDN
 *              view costs more there than an origin-direct one).
 *
 * Features (tw_policy_features), each log-scaled where it is a count:
 *   1      bias
 *   4      log1p(views in the region over the last 1 h, 6 h, 24 h, 7 d)
 *   4      log1p(views everywhere over the same spans)
 *   1      log1p(age in hours)
 *   1      the region's share of the video's views over 7 d
 *   1      the catalog language fits the region (0 or 1)
 *   2      sin and cos of the hour of day (UTC)
 *   1      log1p(the break-even views of a window in the region, at most
 *          1e6: what the cost preset implies, from the model file)
 *
 * A model file (tw_model_save / tw_model_load) is JSON:
 *   {"version": N, "features": 14, "p_on": P, "p_off": P,
 *    "breakeven": VIEWS, "regions": "US=V JP=V ...", "preset": "NAME",
 *    "weights": [w0, ..., w14]}
 * breakeven the views of a window from which the CDN pays, regions the
 * same per region where it differs (1e6: never).
 */

#ifndef TW_PLACER_POLICY_H
#define TW_PLACER_POLICY_H

#include <stdint.h>
#include <stdio.h>


#define TW_FEAT_N       15
#define TW_SPANS        4                 /* 1 h, 6 h, 24 h, 7 d */
#define TW_NEVER        1e6               /* break-even: the CDN never pays */


typedef struct {
    int64_t             hour;             /* unix time of its start */
    uint64_t            views;
} tw_count_t;


typedef struct {
    double              region[TW_SPANS]; /* views over each span */
    double              global[TW_SPANS];
    double              age_h;            /* since the upload */
    int                 lang_fit;
    int                 hour;             /* of day, 0..23 UTC */
    double              breakeven;        /* views of a window */
} tw_policy_in_t;


typedef struct {
    uint32_t            version;
    double              w[TW_FEAT_N];
    double              p_on;
    double              p_off;
    double              breakeven;        /* views a window, for the label */
    char                preset[16];
    char                regions[256];     /* "US=18.5 JP=1e+06" */
} tw_model_t;


/* the spans of tw_policy_in_t, in hours */
extern const int  tw_policy_spans[TW_SPANS];

/* threshold: decayed views of counts[0..n) at now (unix s) */
double tw_policy_decayed(const tw_count_t *counts, uint32_t n, int64_t now,
    double half_life_h);

void tw_policy_features(const tw_policy_in_t *in, double x[TW_FEAT_N]);

/* the model's probability for x */
double tw_policy_prob(const tw_model_t *m, const double x[TW_FEAT_N]);

/* learned: 1 (cdn) or 0 (origin), prev the current decision (1 cdn);
 * *prob gets the probability when not NULL */
int tw_policy_learned(const tw_model_t *m, const tw_policy_in_t *in,
    int prev, double *prob);

/* the break-even views of region under m */
double tw_model_breakeven(const tw_model_t *m, const char *region);

/* the model as JSON (no newline) into buf: its length, or -1 when buf is
 * too small */
int tw_model_format(const tw_model_t *m, char *buf, size_t size);
int tw_model_save(const tw_model_t *m, const char *path);
/* from JSON text or a file: 0, or -1 with the reason in err */
int tw_model_parse(const char *text, tw_model_t *m, char *err, size_t esize);
int tw_model_load(const char *path, tw_model_t *m, char *err, size_t esize);


#endif /* TW_PLACER_POLICY_H */
