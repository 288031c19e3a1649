/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Training on the first train_days of a world (tw_sim.h).
 *
 * Every window from the second day on, every (video, region) with views
 * in the last 7 days is a sample: its features (tw_policy_features) and
 * its label, 1 when the next window's views in the region are above the
 * break-even count of the cost preset (the views from which the CDN's
 * lower price pays the fill back).  Each sample is weighted by the
 * dollars at stake, |next * (origin price - CDN price) - fill|, so that
 * the model is right where it matters.  A reservoir keeps
 * train_samples of them (Algorithm R, the world's seed).  The model is
 * a weighted logistic regression fitted by IRLS (placer/tw_placer_fit.c,
 * which the placer's own training uses too).
 *
 * The threshold policy is tuned on the same windows: for each threshold
 * of the grid, the window cost estimate (tw_sim_window_cost) of its
 * decisions; the cheapest wins.  So is the learned policy's hysteresis,
 * once the model is fitted: a second pass over the windows, the cheapest
 * (p_on, p_off) of a grid.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/tw_log.h"
#include "placer/tw_placer_fit.h"
#include "simulate/tw_sim.h"


const double  tw_sim_grid[TW_SIM_THRESHOLDS] = {
    1, 2, 3, 5, 8, 12, 20, 30, 50, 100, 200, 500, 1000, 3000, 1e4, 1e6
};


typedef struct {
    float              *x, *y, *wt;
    size_t              n, max;
    uint64_t            seen;
    tw_rng_t            rng;
} tw_sim_samples_t;


static void
tw_sim_sample(tw_sim_samples_t *s, const tw_sim_obs_t *o, double label,
    double weight)
{
    int       i;
    double    x[TW_FEAT_N];
    size_t    at;
    uint64_t  j;

    s->seen++;

    if (s->n < s->max) {
        at = s->n++;

    } else {
        j = tw_rng_next(&s->rng) % s->seen;
        if (j >= s->max) {
            return;
        }
        at = (size_t) j;
    }

    tw_policy_features(&o->in, x);

    for (i = 0; i < TW_FEAT_N; i++) {
        s->x[at * TW_FEAT_N + i] = (float) x[i];
    }

    s->y[at] = (float) label;
    s->wt[at] = (float) weight;
}


/* one window at t: the samples, and the grid's costs */
static void
tw_sim_train_window(const tw_sim_world_t *w, tw_sim_sweep_t *sw,
    tw_sim_samples_t *s, uint8_t *prev, double grid_cost[])
{
    int                    d, g;
    double                 gain, fill, stake;
    uint32_t               i;
    tw_sim_obs_t           o;
    const tw_sim_pair_t   *p;
    const tw_sim_video_t  *v;

    for (i = 0; i < w->npairs; i++) {
        tw_sim_observe(sw, i, &o, 1);

        for (g = 0; g < TW_SIM_THRESHOLDS; g++) {
            d = o.active && o.score >= tw_sim_grid[g];
            grid_cost[g] += tw_sim_window_cost(w, i, d,
                                prev[(size_t) i * TW_SIM_THRESHOLDS + g],
                                o.next, o.prev);
            prev[(size_t) i * TW_SIM_THRESHOLDS + g] = (uint8_t) d;
        }

        p = &w->pairs[i];

        if (!o.active || p->breakeven >= TW_NEVER) {
            continue;
        }

        v = &w->videos[p->video];
        gain = tw_sim_origin_view(w->conf, v)
               - tw_sim_cdn_view(w->conf, v, p->region);
        fill = tw_sim_fill(w->conf, v);
        stake = fabs(o.next * gain - fill);

        if (stake > 0) {
            tw_sim_sample(s, &o, o.next > p->breakeven && o.next > 0,
                          stake);
        }
    }
}


#define TW_SIM_HYST  14

/* (p_on, p_off): p_on 0.3 to 0.9, p_off 0.1 or 0.2 below */
static void
tw_sim_hyst(int g, double *on, double *off)
{
    *on = 0.3 + 0.1 * (g / 2);
    *off = *on - (g % 2 ? 0.2 : 0.1);
}


/* the cheapest hysteresis of the grid for m, on the training days */
static int
tw_sim_tune(const tw_sim_world_t *w, tw_model_t *m)
{
    int             g, best, d;
    double          cost[TW_SIM_HYST], x[TW_FEAT_N], p, on, off;
    uint8_t        *prev;
    uint32_t        t, i, wh;
    tw_sim_obs_t    o;
    tw_sim_sweep_t  sw;

    prev = calloc((size_t) w->npairs * TW_SIM_HYST, 1);

    if (prev == NULL || tw_sim_sweep_init(&sw, w) != 0) {
        free(prev);
        return -1;
    }

    memset(cost, 0, sizeof(cost));
    wh = w->conf->window_h;

    for (t = 0; t + wh <= w->conf->train_days * 24; t += wh) {
        tw_sim_sweep_to(&sw, t);

        for (i = 0; t >= 24 && i < w->npairs; i++) {
            tw_sim_observe(&sw, i, &o, 0);
            p = 0;

            if (o.active && o.in.breakeven < TW_NEVER) {
                tw_policy_features(&o.in, x);
                p = tw_policy_prob(m, x);
            }

            for (g = 0; g < TW_SIM_HYST; g++) {
                tw_sim_hyst(g, &on, &off);
                d = o.active
                    && p >= (prev[(size_t) i * TW_SIM_HYST + g] ? off : on);
                cost[g] += tw_sim_window_cost(w, i, d,
                               prev[(size_t) i * TW_SIM_HYST + g],
                               o.next, o.prev);
                prev[(size_t) i * TW_SIM_HYST + g] = (uint8_t) d;
            }
        }
    }

    for (best = 0, g = 1; g < TW_SIM_HYST; g++) {
        best = cost[g] < cost[best] ? g : best;
    }

    for (g = 0; g < TW_SIM_HYST; g++) {
        tw_log(TW_LOG_DEBUG, "simulate: hysteresis %d: %.2f", g, cost[g]);
    }

    tw_sim_hyst(best, &m->p_on, &m->p_off);
    tw_sim_sweep_free(&sw);
    free(prev);

    return 0;
}


/* the mean break-even views per region, for the model file */
static void
tw_sim_model_regions(const tw_sim_world_t *w, tw_model_t *m)
{
    int       r;
    double    sum[TW_SIM_REGIONS], n[TW_SIM_REGIONS], all, alln;
    size_t    len;
    uint32_t  i;

    memset(sum, 0, sizeof(sum));
    memset(n, 0, sizeof(n));

    for (i = 0; i < w->npairs; i++) {
        sum[w->pairs[i].region] += w->pairs[i].breakeven;
        n[w->pairs[i].region]++;
    }

    all = alln = 0;
    len = 0;

    for (r = 0; r < TW_SIM_REGIONS; r++) {
        all += sum[r];
        alln += n[r];
        len += snprintf(m->regions + len, sizeof(m->regions) - len,
                        "%s%s=%.4g", r ? " " : "", tw_sim_region_names[r],
                        n[r] > 0 ? sum[r] / n[r] : 1e6);
    }

    m->breakeven = alln > 0 ? sum[0] / fmax(n[0], 1) : 1e6;
    (void) all;
}


int
tw_sim_train(const tw_sim_world_t *w, tw_model_t *m, double *threshold,
    double grid_cost[TW_SIM_THRESHOLDS])
{
    int                g, rc;
    double             mean;
    size_t             k;
    uint8_t           *prev;
    uint32_t           t, end, wh;
    tw_sim_sweep_t     sw;
    tw_sim_samples_t   s;

    memset(&s, 0, sizeof(s));
    memset(grid_cost, 0, TW_SIM_THRESHOLDS * sizeof(double));
    s.max = w->conf->train_samples;
    tw_rng_seed(&s.rng, w->conf->seed ^ 0x5eed);
    s.x = malloc(s.max * TW_FEAT_N * sizeof(float));
    s.y = malloc(s.max * sizeof(float));
    s.wt = malloc(s.max * sizeof(float));
    prev = calloc((size_t) w->npairs * TW_SIM_THRESHOLDS, 1);
    rc = -1;

    if (s.x == NULL || s.y == NULL || s.wt == NULL || prev == NULL
        || tw_sim_sweep_init(&sw, w) != 0)
    {
        tw_log(TW_LOG_ERR, "simulate: out of memory");
        goto done;
    }

    wh = w->conf->window_h;
    end = w->conf->train_days * 24;

    for (t = 0; t + wh <= end; t += wh) {
        tw_sim_sweep_to(&sw, t);
        if (t >= 24) {
            tw_sim_train_window(w, &sw, &s, prev, grid_cost);
        }
    }

    tw_sim_sweep_free(&sw);

    /* the weights to a mean of 1, so that the ridge term means the same
     * whatever the prices */
    for (mean = 0, k = 0; k < s.n; k++) {
        mean += s.wt[k];
    }

    for (mean = s.n ? mean / s.n : 1, k = 0; k < s.n; k++) {
        s.wt[k] = (float) (s.wt[k] / mean);
    }

    if (tw_fit_irls(s.x, s.y, s.wt, s.n, 1.0, m->w) != 0)
    {
        tw_log(TW_LOG_ERR, "simulate: the model does not converge");
        goto done;
    }

    tw_sim_model_regions(w, m);
    m->p_on = w->conf->p_on;
    m->p_off = w->conf->p_off;

    if (m->p_on < 0 && tw_sim_tune(w, m) != 0) {
        tw_log(TW_LOG_ERR, "simulate: out of memory");
        goto done;
    }
    snprintf(m->preset, sizeof(m->preset), "%s", w->conf->price.preset);

    for (g = 0, rc = 0; g < TW_SIM_THRESHOLDS; g++) {
        if (grid_cost[g] < grid_cost[rc]) {
            rc = g;
        }
    }

    *threshold = tw_sim_grid[rc];

    for (g = 0; g < TW_SIM_THRESHOLDS; g++) {
        tw_log(TW_LOG_DEBUG, "simulate: threshold %g: %.2f", tw_sim_grid[g],
               grid_cost[g]);
    }
    rc = 0;

done:
    free(s.x);
    free(s.y);
    free(s.wt);
    free(prev);

    return rc;
}
