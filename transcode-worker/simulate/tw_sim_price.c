/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A view's prices (tw_sim.h), the preset's: at the CDN, bytes at the
 * region's price per GB plus its requests; origin-direct, bytes at the
 * origin's price; a CDN miss, the view's bytes at the fill price.  A
 * pair's break-even: the views of a window from which the CDN's saving
 * per view pays one fill back (TW_NEVER where a CDN view costs more).
 */

#include <math.h>

#include "simulate/tw_sim.h"


double
tw_sim_cdn_view(const tw_sim_conf_t *c, const tw_sim_video_t *v, int region)
{
    return v->bytes / 1e9 * c->price.cdn_gb[region]
           + v->requests * c->price.request_10k / 1e4;
}


double
tw_sim_origin_view(const tw_sim_conf_t *c, const tw_sim_video_t *v)
{
    return v->bytes / 1e9 * c->price.origin_gb;
}


double
tw_sim_fill(const tw_sim_conf_t *c, const tw_sim_video_t *v)
{
    return v->bytes / 1e9 * c->price.fill_gb;
}


void
tw_sim_breakevens(tw_sim_world_t *w)
{
    double           gain;
    uint32_t         i;
    tw_sim_pair_t   *p;
    tw_sim_video_t  *v;

    for (i = 0; i < w->npairs; i++) {
        p = &w->pairs[i];
        v = &w->videos[p->video];
        gain = tw_sim_origin_view(w->conf, v)
               - tw_sim_cdn_view(w->conf, v, p->region);
        p->breakeven = gain <= 0 ? TW_NEVER
                       : fmin(tw_sim_fill(w->conf, v) / gain, TW_NEVER);
    }
}
