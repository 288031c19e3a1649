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
#include <string.h>

#include "simulate/tw_sim.h"


void
tw_sim_preset(tw_sim_conf_t *c, const char *name)
{
    static const double  cdn[TW_SIM_REGIONS] =
        { 0.085, 0.114, 0.109, 0.110, 0.114, 0.120 };

    memcpy(c->price.cdn_gb, cdn, sizeof(cdn));
    c->price.preset = name;
    c->price.request_10k = 0.01;
    c->price.origin_gb = 0.09;
    c->price.fill_gb = strcmp(name, "aws") == 0 ? 0 : 0.09;
    c->price.gbps_month = 300;
    c->price.flat_gbps = 0;

    if (strcmp(name, "flat") == 0) {
        /* bought per Gb/s: a GB costs what a Gb/s costs a month over
         * the 324,000 GB it carries at full use */
        c->price.flat_gbps = 10;
        c->price.origin_gb = c->price.fill_gb = 300 / 324000.0;
    }
}


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


double
tw_sim_breakeven(const tw_sim_conf_t *c, const tw_sim_video_t *v,
    int region)
{
    double  gain;

    gain = tw_sim_origin_view(c, v) - tw_sim_cdn_view(c, v, region);

    return gain <= 0 ? TW_NEVER : fmin(tw_sim_fill(c, v) / gain, TW_NEVER);
}


void
tw_sim_breakevens(tw_sim_world_t *w)
{
    uint32_t         i;
    tw_sim_pair_t   *p;

    for (i = 0; i < w->npairs; i++) {
        p = &w->pairs[i];
        p->breakeven = tw_sim_breakeven(w->conf, &w->videos[p->video],
                                        p->region);
    }
}
