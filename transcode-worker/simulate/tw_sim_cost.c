/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The evaluation days played (tw_sim.h).  At the start of each window
 * every policy decides each (video, region); then hour by hour each
 * (video, region, hour) with views costs, under each policy:
 *
 *   origin  views * bytes * origin price (flat: nothing per byte);
 *   cdn     views * (bytes * the region's CDN price + requests * the
 *           request price), plus, when the video is not in the region's
 *           CDN (an LRU of cache_gb, in bytes of whole videos), one fill
 *           (bytes * fill price), and the video goes to the LRU's head.
 *
 * Origin egress per hour (origin-direct views and fills) gives the peak
 * in Gb/s (an hour's average).  flat: the origin capacity bought
 * (flat_gbps at gbps_month) is a fixed cost; what an hour needs over it
 * spills to the CDN at its dearest price.  Abandonment: 5.8% of viewers
 * per added second of startup (an origin-direct view, a CDN miss).
 * The oracle knows the window's views and the region's CDN: per (video,
 * region, window) the cheaper choice (a lower bound only per window: it
 * does not plan fills across windows, nor for the LRU's evictions).
 * Churn: decisions that change from one window to the next, per (video,
 * region) watched in the evaluation days, per day.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/tw_log.h"
#include "simulate/tw_sim.h"


const char  *tw_sim_policy_names[TW_POL_N] =
    { "all_cdn", "all_origin", "threshold", "learned", "oracle" };


typedef struct {
    uint32_t           *prev, *next;      /* per pair; UINT32_MAX: none */
    uint8_t            *in;
    uint32_t            head[TW_SIM_REGIONS], tail[TW_SIM_REGIONS];
    double              used[TW_SIM_REGIONS];
} tw_sim_lru_t;


typedef struct {
    uint32_t            pair;
    uint32_t            views;
} tw_sim_hit_t;


typedef struct {
    const tw_sim_world_t *w;
    uint32_t            t0, nwin;
    uint8_t            *dec[TW_POL_N];
    tw_sim_lru_t        lru[TW_POL_N];
    uint32_t           *hour_first;       /* per hour from t0, + 1 */
    tw_sim_hit_t       *hits;
    double              origin_bytes[TW_POL_N];
} tw_sim_play_t;


static void
tw_lru_unlink(tw_sim_lru_t *l, uint32_t i, int r)
{
    if (l->prev[i] != UINT32_MAX) {
        l->next[l->prev[i]] = l->next[i];
    } else {
        l->head[r] = l->next[i];
    }

    if (l->next[i] != UINT32_MAX) {
        l->prev[l->next[i]] = l->prev[i];
    } else {
        l->tail[r] = l->prev[i];
    }
}


/* pair i watched through region r's CDN: 1 when it was a miss */
static int
tw_lru_touch(tw_sim_play_t *g, tw_sim_lru_t *l, uint32_t i)
{
    int                    r, miss;
    uint32_t               t;
    const tw_sim_world_t  *w;

    w = g->w;
    r = w->pairs[i].region;
    miss = !l->in[i];

    if (!miss) {
        tw_lru_unlink(l, i, r);

    } else {
        l->in[i] = 1;
        l->used[r] += w->videos[w->pairs[i].video].object;
    }

    l->prev[i] = UINT32_MAX;
    l->next[i] = l->head[r];

    if (l->head[r] != UINT32_MAX) {
        l->prev[l->head[r]] = i;
    } else {
        l->tail[r] = i;
    }

    l->head[r] = i;

    while (l->used[r] > w->conf->cache_gb * 1e9 && l->tail[r] != i) {
        t = l->tail[r];
        tw_lru_unlink(l, t, r);
        l->in[t] = 0;
        l->used[r] -= w->videos[w->pairs[t].video].object;
    }

    return miss;
}


/* the (pair, views) of each hour from t0, by hour */
static int
tw_sim_hours(tw_sim_play_t *g)
{
    uint32_t               i, j, h, nh, *at;
    const tw_sim_cnt_t    *c;
    const tw_sim_world_t  *w;

    w = g->w;
    nh = w->hours - g->t0;
    g->hour_first = calloc(nh + 1, sizeof(uint32_t));
    at = calloc(nh + 1, sizeof(uint32_t));

    for (i = 0; g->hour_first && at && i < w->npairs; i++) {
        c = w->cnt + w->pairs[i].first;
        for (j = 0; j < w->pairs[i].n; j++) {
            if (c[j].hour >= g->t0) {
                g->hour_first[c[j].hour - g->t0 + 1]++;
            }
        }
    }

    for (h = 0; g->hour_first && h < nh; h++) {
        g->hour_first[h + 1] += g->hour_first[h];
    }

    g->hits = g->hour_first && at
              ? malloc((g->hour_first[nh] + 1) * sizeof(tw_sim_hit_t)) : NULL;

    if (g->hits == NULL) {
        free(at);
        return -1;
    }

    memcpy(at, g->hour_first, nh * sizeof(uint32_t));

    for (i = 0; i < w->npairs; i++) {
        c = w->cnt + w->pairs[i].first;
        for (j = 0; j < w->pairs[i].n; j++) {
            if (c[j].hour >= g->t0) {
                h = at[c[j].hour - g->t0]++;
                g->hits[h].pair = i;
                g->hits[h].views = c[j].views;
            }
        }
    }

    free(at);

    return 0;
}


/* the oracle: the cheaper choice for the window's views, knowing whether
 * the region's CDN has the video; without views, as it was */
static int
tw_sim_oracle(tw_sim_play_t *g, uint32_t i, const tw_sim_obs_t *o)
{
    double                 cdn, origin;
    const tw_sim_conf_t   *c;
    const tw_sim_video_t  *v;

    if (o->next == 0) {
        return g->dec[TW_POL_ORACLE][i];
    }

    c = g->w->conf;
    v = &g->w->videos[g->w->pairs[i].video];
    cdn = o->next * tw_sim_cdn_view(c, v, g->w->pairs[i].region)
          + (g->lru[TW_POL_ORACLE].in[i] ? 0 : tw_sim_fill(c, v));
    origin = o->next * tw_sim_origin_view(c, v);

    return cdn < origin;
}


/* every policy's decisions at the start of window k */
static void
tw_sim_decide(tw_sim_play_t *g, tw_sim_sweep_t *sw, uint32_t k,
    const tw_model_t *m, double threshold, tw_sim_result_t res[])
{
    int           d[TW_POL_N], pol;
    uint32_t      i;
    tw_sim_obs_t  o;

    for (i = 0; i < g->w->npairs; i++) {
        tw_sim_observe(sw, i, &o, 1);

        d[TW_POL_ALL_CDN] = 1;
        d[TW_POL_ALL_ORIGIN] = 0;
        d[TW_POL_THRESHOLD] = o.active && o.score >= threshold;
        d[TW_POL_LEARNED] = o.active
                            && tw_policy_learned(m, &o.in,
                                   g->dec[TW_POL_LEARNED][i], NULL);
        d[TW_POL_ORACLE] = tw_sim_oracle(g, i, &o);

        for (pol = 0; pol < TW_POL_N; pol++) {
            if (k > 0 && d[pol] != g->dec[pol][i]) {
                res[pol].flips++;
            }
            g->dec[pol][i] = (uint8_t) d[pol];
        }
    }
}


/* hour h's views under every policy */
static void
tw_sim_hour(tw_sim_play_t *g, uint32_t h, tw_sim_result_t res[])
{
    int                    pol, r;
    double                 cost, views;
    uint32_t               j, i, day;
    const tw_sim_conf_t   *c;
    const tw_sim_video_t  *v;
    const tw_sim_world_t  *w;

    w = g->w;
    c = w->conf;
    day = h / 24;

    for (pol = 0; pol < TW_POL_N; pol++) {
        g->origin_bytes[pol] = 0;
    }

    for (j = g->hour_first[h]; j < g->hour_first[h + 1]; j++) {
        i = g->hits[j].pair;
        views = g->hits[j].views;
        v = &w->videos[w->pairs[i].video];
        r = w->pairs[i].region;

        for (pol = 0; pol < TW_POL_N; pol++) {
            res[pol].views += views;

            if (!g->dec[pol][i]) {
                cost = views * tw_sim_origin_view(c, v);
                res[pol].origin_views += views;
                g->origin_bytes[pol] += views * v->bytes;

            } else {
                cost = views * tw_sim_cdn_view(c, v, r);

                if (tw_lru_touch(g, &g->lru[pol], i)) {
                    cost += tw_sim_fill(c, v);
                    res[pol].miss_views += 1;
                    g->origin_bytes[pol] += v->bytes;
                }
            }

            res[pol].day_cost[day] += cost * c->rank_step;
        }
    }
}


/* the hour's origin egress: the peak, and flat's capacity and spill */
static void
tw_sim_hour_origin(tw_sim_play_t *g, uint32_t h, tw_sim_result_t res[])
{
    int                   pol;
    double                gbps, spill, dearest;
    const tw_sim_conf_t  *c;

    c = g->w->conf;
    dearest = 0;

    for (pol = 0; pol < TW_SIM_REGIONS; pol++) {
        dearest = fmax(dearest, c->price.cdn_gb[pol]);
    }

    for (pol = 0; pol < TW_POL_N; pol++) {
        gbps = g->origin_bytes[pol] * c->rank_step * 8 / 3600 / 1e9;
        res[pol].peak_gbps = fmax(res[pol].peak_gbps, gbps);

        if (c->price.flat_gbps > 0) {
            spill = fmax(gbps - c->price.flat_gbps, 0) * 1e9 / 8 * 3600;
            res[pol].day_cost[h / 24] += spill / 1e9 * dearest
                + c->price.flat_gbps * c->price.gbps_month / (30 * 24);
        }
    }
}


static int
tw_sim_play_init(tw_sim_play_t *g, const tw_sim_world_t *w,
    tw_sim_result_t res[])
{
    int       pol, r;
    uint32_t  days;

    memset(g, 0, sizeof(*g));
    g->w = w;
    g->t0 = w->conf->train_days * 24;
    g->nwin = (w->hours - g->t0) / w->conf->window_h;
    days = w->conf->days - w->conf->train_days;
    if (tw_sim_hours(g) != 0) {
        return -1;
    }

    for (pol = 0; pol < TW_POL_N; pol++) {
        memset(&res[pol], 0, sizeof(res[pol]));
        res[pol].day_cost = calloc(days, sizeof(double));
        g->dec[pol] = calloc(w->npairs, 1);
        g->lru[pol].in = calloc(w->npairs, 1);
        g->lru[pol].prev = malloc(w->npairs * sizeof(uint32_t) + 4);
        g->lru[pol].next = malloc(w->npairs * sizeof(uint32_t) + 4);

        if (res[pol].day_cost == NULL || g->dec[pol] == NULL
            || g->lru[pol].in == NULL || g->lru[pol].prev == NULL
            || g->lru[pol].next == NULL)
        {
            return -1;
        }

        for (r = 0; r < TW_SIM_REGIONS; r++) {
            g->lru[pol].head[r] = g->lru[pol].tail[r] = UINT32_MAX;
        }
    }

    return 0;
}


static void
tw_sim_play_free(tw_sim_play_t *g)
{
    int  pol;

    for (pol = 0; pol < TW_POL_N; pol++) {
        free(g->dec[pol]);
        free(g->lru[pol].in);
        free(g->lru[pol].prev);
        free(g->lru[pol].next);
    }

    free(g->hour_first);
    free(g->hits);
}


int
tw_sim_play(const tw_sim_world_t *w, const tw_model_t *m, double threshold,
    tw_sim_result_t res[TW_POL_N])
{
    int             pol, rc;
    double          watched;
    uint32_t        k, h, i, days, wh;
    tw_sim_play_t   g;
    tw_sim_sweep_t  sw;

    memset(res, 0, TW_POL_N * sizeof(tw_sim_result_t));
    rc = tw_sim_play_init(&g, w, res);

    if (rc != 0 || tw_sim_sweep_init(&sw, w) != 0) {
        tw_log(TW_LOG_ERR, "simulate: out of memory");
        tw_sim_play_free(&g);
        tw_sim_result_free(res);
        return -1;
    }

    wh = w->conf->window_h;

    for (h = 0; h < g.t0; h += wh) {
        tw_sim_sweep_to(&sw, h);
    }

    for (k = 0; k < g.nwin; k++) {
        tw_sim_sweep_to(&sw, g.t0 + k * wh);
        tw_sim_decide(&g, &sw, k, m, threshold, res);

        for (h = k * wh; h < (k + 1) * wh; h++) {
            tw_sim_hour(&g, h, res);
            tw_sim_hour_origin(&g, h, res);
        }
    }

    /* the pairs watched in the evaluation days, for churn */
    for (i = 0, watched = 0; i < w->npairs; i++) {
        watched += w->cnt[w->pairs[i].first + w->pairs[i].n - 1].hour
                   >= g.t0;
    }

    days = w->conf->days - w->conf->train_days;

    for (pol = 0; pol < TW_POL_N; pol++) {
        res[pol].pair_days = watched * days;
        res[pol].threshold = threshold;

        for (k = 0; k < days; k++) {
            res[pol].cost += res[pol].day_cost[k];
        }
    }

    tw_sim_sweep_free(&sw);
    tw_sim_play_free(&g);

    return 0;
}


void
tw_sim_result_free(tw_sim_result_t res[TW_POL_N])
{
    int  pol;

    for (pol = 0; pol < TW_POL_N; pol++) {
        free(res[pol].day_cost);
        res[pol].day_cost = NULL;
    }
}
