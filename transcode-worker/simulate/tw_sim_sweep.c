/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The windows of a simulation (tw_sim.h).  A decision is made for every
 * (video, region) at the start of every window (window_h hours) from the
 * counts of the hours before it, the way the placer sees them: per span
 * (1 h, 6 h, 24 h, 7 d) a sliding sum, for the region and for the whole
 * video, and the threshold's decayed views of the last 72 h (the
 * placer's default window) computed by the placer's own function.
 *
 * The window cost estimate (for tuning the threshold): a CDN window
 * pays its views at the CDN's price and one fill unless the pair was on
 * the CDN and watched in the window before; an origin window pays its
 * views at the origin's price.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simulate/tw_sim.h"


int
tw_sim_sweep_init(tw_sim_sweep_t *s, const tw_sim_world_t *w)
{
    s->w = w;
    s->t = 0;
    s->ps = calloc(w->npairs, sizeof(tw_sim_slide_t));
    s->vs = calloc(w->nvideos, sizeof(tw_sim_slide_t));

    if (s->ps == NULL || s->vs == NULL) {
        tw_sim_sweep_free(s);
        return -1;
    }

    return 0;
}


void
tw_sim_sweep_free(tw_sim_sweep_t *s)
{
    free(s->ps);
    free(s->vs);
    s->ps = s->vs = NULL;
}


static void
tw_sim_slide(const tw_sim_cnt_t *c, uint32_t n, tw_sim_slide_t *s,
    uint32_t t)
{
    int  i;

    /* nothing within 7 d, and nothing new: most pairs, most windows */
    if (s->tail[TW_SPANS - 1] == s->head
        && (s->head == n || c[s->head].hour >= t))
    {
        s->ttail = s->head;
        return;
    }

    while (s->head < n && c[s->head].hour < t) {
        for (i = 0; i < TW_SPANS; i++) {
            s->sum[i] += c[s->head].views;
        }
        s->head++;
    }

    for (i = 0; i < TW_SPANS; i++) {
        while (s->tail[i] < s->head
               && c[s->tail[i]].hour + (uint32_t) tw_policy_spans[i] < t)
        {
            s->sum[i] -= c[s->tail[i]++].views;
        }
    }

    while (s->ttail < s->head && c[s->ttail].hour + 72u < t) {
        s->ttail++;
    }
}


void
tw_sim_sweep_to(tw_sim_sweep_t *s, uint32_t t)
{
    uint32_t               i;
    const tw_sim_world_t  *w;

    w = s->w;

    for (i = 0; i < w->npairs; i++) {
        tw_sim_slide(w->cnt + w->pairs[i].first, w->pairs[i].n, &s->ps[i], t);
    }

    for (i = 0; i < w->nvideos; i++) {
        tw_sim_slide(w->cnt + w->videos[i].gfirst, w->videos[i].gn,
                     &s->vs[i], t);
    }

    s->t = t;
}


void
tw_sim_observe(tw_sim_sweep_t *s, uint32_t pair, tw_sim_obs_t *o, int score)
{
    int                    i;
    uint32_t               k, n, end;
    tw_count_t             last[80];
    tw_sim_slide_t        *ps, *vs;
    const tw_sim_cnt_t    *c;
    const tw_sim_pair_t   *p;
    const tw_sim_world_t  *w;

    w = s->w;
    p = &w->pairs[pair];
    c = w->cnt + p->first;
    ps = &s->ps[pair];
    vs = &s->vs[p->video];

    for (i = 0; i < TW_SPANS; i++) {
        o->in.region[i] = ps->sum[i];
        o->in.global[i] = vs->sum[i];
    }

    o->in.age_h = (double) s->t - w->videos[p->video].upload_h;
    o->in.lang_fit = p->lang_fit;
    o->in.hour = (int) (s->t % 24);
    o->in.breakeven = p->breakeven;
    o->active = ps->sum[TW_SPANS - 1] > 0;

    end = s->t + w->conf->window_h;
    o->next = 0;

    for (k = ps->head; k < p->n && c[k].hour < end; k++) {
        o->next += c[k].views;
    }

    o->prev = 0;

    for (k = ps->head; k > 0 && c[k - 1].hour + w->conf->window_h >= s->t
         + 0u; k--)
    {
        o->prev += c[k - 1].views;
    }

    o->score = 0;

    if (!score || !o->active) {
        return;
    }

    for (n = 0, k = ps->ttail; k < ps->head && n < 80; k++, n++) {
        last[n].hour = TW_SIM_T0 + 3600 * (int64_t) c[k].hour;
        last[n].views = c[k].views;
    }

    o->score = tw_policy_decayed(last, n, TW_SIM_T0 + 3600 * (int64_t) s->t,
                                 w->conf->half_life_h);
}


double
tw_sim_window_cost(const tw_sim_world_t *w, uint32_t pair, int cdn,
    int prev_cdn, double next, double prev)
{
    const tw_sim_pair_t   *p;
    const tw_sim_video_t  *v;

    p = &w->pairs[pair];
    v = &w->videos[p->video];

    if (!cdn) {
        return next * tw_sim_origin_view(w->conf, v);
    }

    return next * tw_sim_cdn_view(w->conf, v, p->region)
           + (next > 0 && (!prev_cdn || prev == 0) ? tw_sim_fill(w->conf, v)
                                                   : 0);
}

