/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The simulated world (tw_sim.h): a catalog and its views.
 *
 * Video i has popularity rank i * rank_step + 1 and an upload hour drawn
 * uniformly over the days before the simulation and during it.  Its
 * expected views over the simulated hours are
 *
 *     C * rank^-alpha * exp(sigma * z) * exposure
 *
 * z standard normal, exposure the part of its age decay (exponential:
 * fast-fading, time constant about 36 h, or for 30% of the videos
 * evergreen, 60 days) inside the simulated hours.  sigma is set so that
 * the top 10% of videos have 80% of the expected views, C so that 65% of
 * the videos expect under 100 (or, at scale, so that the views a day are
 * daily_views).  A home region takes either 72-97% of a video's views
 * (half the videos) or 30-70%, the rest goes to the other regions by
 * their audience, three times more where the language fits.  5% of the
 * videos have a 12-hour burst.  Views follow the region's local evening
 * peak.  Counts are drawn per (video, region) and kept sparse: one
 * entry per hour with views.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/tw_log.h"
#include "simulate/tw_sim.h"


const char  *tw_sim_region_names[TW_SIM_REGIONS] =
    { "US", "JP", "IN", "BR", "AU", "SG" };

static const double  tw_sim_audience[TW_SIM_REGIONS] =
    { 0.45, 0.10, 0.15, 0.12, 0.05, 0.13 };
static const int     tw_sim_utc_offset[TW_SIM_REGIONS] =
    { -5, 9, 5, -3, 10, 8 };
static const int     tw_sim_region_lang[TW_SIM_REGIONS] =
    { 0, 1, 2, 3, 0, 4 };                /* en ja hi pt en id */

#define TW_SIM_BITRATE  2.5e6            /* bits/s, the ladder's mean */


typedef struct {
    tw_sim_world_t     *w;
    tw_rng_t            rng;
    uint32_t           *hist;             /* per hour */
    size_t              acnt;
} tw_sim_gen_t;


static uint64_t
tw_splitmix(uint64_t *x)
{
    uint64_t  z;

    z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;

    return z ^ (z >> 31);
}


void
tw_rng_seed(tw_rng_t *r, uint64_t seed)
{
    int  i;

    for (i = 0; i < 4; i++) {
        r->s[i] = tw_splitmix(&seed);
    }
}


static uint64_t
tw_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}


/* xoshiro256** */
uint64_t
tw_rng_next(tw_rng_t *r)
{
    uint64_t  result, t;

    result = tw_rotl(r->s[1] * 5, 7) * 9;
    t = r->s[1] << 17;
    r->s[2] ^= r->s[0];
    r->s[3] ^= r->s[1];
    r->s[1] ^= r->s[2];
    r->s[0] ^= r->s[3];
    r->s[2] ^= t;
    r->s[3] = tw_rotl(r->s[3], 45);

    return result;
}


double
tw_rng_unit(tw_rng_t *r)
{
    return (tw_rng_next(r) >> 11) * 0x1.0p-53;
}


double
tw_rng_gauss(tw_rng_t *r)
{
    double  u, v;

    u = 1 - tw_rng_unit(r);
    v = tw_rng_unit(r);

    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}


uint32_t
tw_rng_poisson(tw_rng_t *r, double mean)
{
    double    l, p, x;
    uint32_t  k;

    if (mean <= 0) {
        return 0;
    }

    if (mean > 40) {
        x = floor(mean + sqrt(mean) * tw_rng_gauss(r) + 0.5);
        return x > 0 ? (uint32_t) x : 0;
    }

    l = exp(-mean);
    p = tw_rng_unit(r);

    for (k = 0; p > l; k++) {
        p *= tw_rng_unit(r);
    }

    return k;
}


static double
tw_sim_diurnal(int region, uint32_t hour)
{
    int            local, r, h;
    static double  table[TW_SIM_REGIONS][24];
    static int     made;

    if (!made) {
        for (r = 0; r < TW_SIM_REGIONS; r++) {
            for (h = 0; h < 24; h++) {
                local = (h + tw_sim_utc_offset[r] + 24) % 24;
                table[r][h] = 1 + 0.6 * cos(2 * M_PI * (local - 20) / 24.0);
            }
        }
        made = 1;
    }

    return table[region][hour % 24];
}


static int
tw_sim_fits(int lang, int region)
{
    return lang == tw_sim_region_lang[region] || (lang == 0 && region == 2);
}


static int
tw_dbl_desc(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return (x < y) - (x > y);
}


/* the share of the top 10% in e[0..n) (sorted into s) */
static double
tw_sim_top10(const double *e, double *s, uint32_t n)
{
    double    top, all;
    uint32_t  i;

    memcpy(s, e, n * sizeof(double));
    qsort(s, n, sizeof(double), tw_dbl_desc);

    top = all = 0;

    for (i = 0; i < n; i++) {
        all += s[i];
        top += i < n / 10 ? s[i] : 0;
    }

    return all > 0 ? top / all : 0;
}


/*
 * Expected views: base[i] = rank^-alpha * exposure, z[i]; sigma by
 * bisection for the top 10% at 80%, then the scale C.  e gets the
 * expected views.
 */
static void
tw_sim_calibrate(tw_sim_world_t *w, const double *base, const double *z,
    double *e, double *s)
{
    int       it;
    double    lo, hi, sig, c, total;
    uint32_t  i, n;

    n = w->nvideos;
    lo = 0;
    hi = 4;

    for (it = 0; it < 30; it++) {
        sig = (lo + hi) / 2;

        for (i = 0; i < n; i++) {
            e[i] = base[i] * exp(sig * z[i]);
        }

        if (tw_sim_top10(e, s, n) < 0.80) {
            lo = sig;
        } else {
            hi = sig;
        }
    }

    sig = (lo + hi) / 2;
    total = 0;

    for (i = 0; i < n; i++) {
        e[i] = base[i] * exp(sig * z[i]);
        total += e[i];
    }

    if (w->conf->daily_views > 0) {
        c = w->conf->daily_views * w->conf->days
            / w->conf->rank_step / total;

    } else {
        tw_sim_top10(e, s, n);
        c = 100 / s[(uint32_t) (n * 0.35)];  /* 65% below: 35% above */
    }

    for (i = 0; i < n; i++) {
        e[i] *= c;
    }

    w->calib.sigma = sig;
}


static int
tw_sim_push(tw_sim_gen_t *g, uint16_t hour, uint32_t views)
{
    tw_sim_cnt_t  *c;

    if (g->w->ncnt == g->acnt) {
        g->acnt = g->acnt ? g->acnt * 2 : 1 << 20;
        c = realloc(g->w->cnt, g->acnt * sizeof(tw_sim_cnt_t));

        if (c == NULL) {
            return -1;
        }

        g->w->cnt = c;
    }

    g->w->cnt[g->w->ncnt].hour = hour;
    g->w->cnt[g->w->ncnt++].views = views;

    return 0;
}


/* hist[] into counts, cleared: their number, or -1 */
static int64_t
tw_sim_flush(tw_sim_gen_t *g)
{
    uint32_t  h;
    int64_t   n;

    n = 0;

    for (h = 0; h < g->w->hours; h++) {
        if (g->hist[h] == 0) {
            continue;
        }

        if (tw_sim_push(g, (uint16_t) h, g->hist[h]) != 0) {
            return -1;
        }

        g->hist[h] = 0;
        n++;
    }

    return n;
}


/* n views of a video uploaded at up (decay tau) into hist */
static void
tw_sim_spread(tw_sim_gen_t *g, int region, uint32_t n, double up,
    double tau)
{
    int       tries;
    double    a0, e0, e1, a, mass[1024], sum;
    uint32_t  i, h, hours;

    hours = g->w->hours;
    a0 = up < 0 ? -up : 0;
    e0 = exp(-a0 / tau);
    e1 = exp(-(hours - up) / tau);

    if (n > 4 * hours && hours <= 1024) {
        sum = 0;

        for (h = 0; h < hours; h++) {
            a = h + 0.5 - up;
            mass[h] = a < 0 ? 0 : exp(-a / tau) * tw_sim_diurnal(region, h);
            sum += mass[h];
        }

        for (h = 0; h < hours && sum > 0; h++) {
            g->hist[h] += tw_rng_poisson(&g->rng, n * mass[h] / sum);
        }

        return;
    }

    for (i = 0; i < n; i++) {
        for (tries = 0; tries < 8; tries++) {
            a = -tau * log(e0 - tw_rng_unit(&g->rng) * (e0 - e1));
            h = (uint32_t) fmin(fmax(up + a, 0), hours - 1);

            if (tw_rng_unit(&g->rng) * 1.6 < tw_sim_diurnal(region, h)) {
                break;
            }
        }

        g->hist[h]++;
    }
}


/* the regions' shares of video v: home first */
static void
tw_sim_shares(tw_sim_gen_t *g, tw_sim_video_t *v, double share[])
{
    int     r;
    double  s, sum, u;

    u = tw_rng_unit(&g->rng);
    sum = 0;

    for (r = 0; r < TW_SIM_REGIONS; r++) {
        sum += tw_sim_audience[r];
        if (u < sum || r == TW_SIM_REGIONS - 1) {
            break;
        }
    }

    v->home = (uint8_t) r;
    v->lang = tw_rng_unit(&g->rng) < 0.75 ? tw_sim_region_lang[r] : 0;

    s = tw_rng_unit(&g->rng) < 0.5 ? 0.72 + 0.25 * tw_rng_unit(&g->rng)
                                    : 0.30 + 0.40 * tw_rng_unit(&g->rng);
    sum = 0;

    for (r = 0; r < TW_SIM_REGIONS; r++) {
        share[r] = r == v->home ? 0
                   : tw_sim_audience[r] * (tw_sim_fits(v->lang, r) ? 3 : 1)
                     * exp(0.5 * tw_rng_gauss(&g->rng));
        sum += share[r];
    }

    for (r = 0; r < TW_SIM_REGIONS; r++) {
        share[r] = r == v->home ? s : (1 - s) * share[r] / sum;
    }
}


void
tw_sim_typical(tw_sim_video_t *v)
{
    double  watched;

    /* the lognormal's median, 300 s, watched as tw_sim_video() does */
    memset(v, 0, sizeof(tw_sim_video_t));
    watched = 0.55 * 300;
    v->bytes = watched * TW_SIM_BITRATE / 8;
    v->object = 300 * TW_SIM_BITRATE / 8;
    v->requests = watched / 4 + 2;
}


/* video i's pairs and counts, expecting e views */
static int
tw_sim_video(tw_sim_gen_t *g, uint32_t i, double e, double up, double tau)
{
    int              r, burst_r;
    double           share[TW_SIM_REGIONS], d, watched, burst;
    int64_t          n;
    uint32_t         h, burst_h, k, views;
    tw_sim_pair_t   *p;
    tw_sim_video_t  *v;
    tw_sim_world_t  *w;

    w = g->w;
    v = &w->videos[i];
    tw_sim_shares(g, v, share);

    d = fmin(fmax(300 * exp(tw_rng_gauss(&g->rng)), 15), 7200);
    watched = fmin(0.55 * d, 1800);
    v->bytes = watched * TW_SIM_BITRATE / 8;
    v->object = d * TW_SIM_BITRATE / 8;
    v->requests = watched / 4 + 2;
    v->upload_h = (int32_t) floor(up);
    v->pair0 = w->npairs;

    burst = tw_rng_unit(&g->rng) < 0.05 ? e * (0.5 + 1.5 * tw_rng_unit(&g->rng))
                                        : 0;
    burst_h = (uint32_t) (tw_rng_unit(&g->rng) * (w->hours - 12));
    burst_r = tw_rng_unit(&g->rng) < 0.7 ? v->home
              : (int) (tw_rng_unit(&g->rng) * TW_SIM_REGIONS);

    if (up > burst_h) {
        burst = 0;
    }

    for (r = 0; r < TW_SIM_REGIONS; r++) {
        views = tw_rng_poisson(&g->rng, e * share[r]);
        tw_sim_spread(g, r, views, up, tau);

        if (r == burst_r && burst > 0) {
            k = tw_rng_poisson(&g->rng, burst * share[r] + burst * 0.2);

            while (k--) {
                h = burst_h + (uint32_t) (tw_rng_unit(&g->rng) * 12);
                g->hist[h]++;
            }
        }

        p = &w->pairs[w->npairs];
        p->first = (uint32_t) w->ncnt;
        n = tw_sim_flush(g);

        if (n < 0) {
            return -1;
        }

        if (n == 0) {
            continue;
        }

        p->video = i;
        p->region = (uint8_t) r;
        p->lang_fit = (uint8_t) tw_sim_fits(v->lang, r);
        p->n = (uint32_t) n;
        w->npairs++;
    }

    v->npairs = w->npairs - v->pair0;

    /* every region's counts together */
    for (k = v->pair0; k < w->npairs; k++) {
        p = &w->pairs[k];

        for (h = 0; h < p->n; h++) {
            g->hist[w->cnt[p->first + h].hour] += w->cnt[p->first + h].views;
        }
    }

    v->gfirst = (uint32_t) w->ncnt;
    n = tw_sim_flush(g);
    v->gn = (uint32_t) n;

    return n < 0 ? -1 : 0;
}


static void
tw_sim_figures(tw_sim_world_t *w, double *e, double *s)
{
    double          all, top, views, under, many, one;
    uint32_t        i, k;
    tw_sim_pair_t  *p;
    tw_sim_video_t *v;

    under = many = one = all = 0;

    for (i = 0; i < w->nvideos; i++) {
        v = &w->videos[i];
        views = top = 0;

        for (k = v->pair0; k < v->pair0 + v->npairs; k++) {
            p = &w->pairs[k];
            all = 0;

            for (uint32_t j = 0; j < p->n; j++) {
                all += w->cnt[p->first + j].views;
            }

            views += all;
            top = fmax(top, all);
        }

        e[i] = views;
        under += views < 100;

        if (views >= 20) {
            many++;
            one += top > 0.7 * views;
        }
    }

    w->calib.under100 = under / w->nvideos;
    w->calib.one_region70 = many > 0 ? one / many : 0;
    w->calib.top10 = tw_sim_top10(e, s, w->nvideos);

    for (i = 0, all = 0; i < w->nvideos; i++) {
        all += e[i];
    }

    w->calib.views = all;
}


int
tw_sim_world(tw_sim_world_t *w, const tw_sim_conf_t *conf, uint64_t seed)
{
    int             rc;
    double         *tmp, *base, *z, *e, *s, *up, *tau, a0, a1;
    uint32_t        i, n, back;
    tw_sim_gen_t    g;

    memset(w, 0, sizeof(*w));
    memset(&g, 0, sizeof(g));
    w->conf = conf;
    w->hours = conf->days * 24;
    back = conf->days * 24;
    n = conf->uploads_day > 0
        ? conf->uploads_day * conf->days * 2 / conf->rank_step
        : conf->videos;
    w->nvideos = n;
    g.w = w;
    tw_rng_seed(&g.rng, seed);

    tmp = malloc(6 * (size_t) n * sizeof(double));
    w->videos = calloc(n, sizeof(tw_sim_video_t));
    w->pairs = calloc((size_t) n * TW_SIM_REGIONS, sizeof(tw_sim_pair_t));
    g.hist = calloc(w->hours, sizeof(uint32_t));

    if (tmp == NULL || w->videos == NULL || w->pairs == NULL
        || g.hist == NULL || w->hours > 1024)
    {
        free(tmp);
        free(g.hist);
        tw_log(TW_LOG_ERR, "simulate: out of memory (or over 42 days)");
        return -1;
    }

    base = tmp; z = tmp + n; e = tmp + 2 * n; s = tmp + 3 * n;
    up = tmp + 4 * n; tau = tmp + 5 * n;

    for (i = 0; i < n; i++) {
        up[i] = tw_rng_unit(&g.rng) * (back + w->hours) - back;
        tau[i] = tw_rng_unit(&g.rng) < 0.3
                 ? 1440 : 36 * exp(0.7 * tw_rng_gauss(&g.rng));
        z[i] = tw_rng_gauss(&g.rng);
        a0 = up[i] < 0 ? -up[i] : 0;
        a1 = w->hours - up[i];
        base[i] = pow((double) i * conf->rank_step + 1, -conf->alpha)
                  * (exp(-a0 / tau[i]) - exp(-a1 / tau[i]));
    }

    tw_sim_calibrate(w, base, z, e, s);
    rc = 0;

    for (i = 0; i < n && rc == 0; i++) {
        rc = tw_sim_video(&g, i, e[i], up[i], tau[i]);
    }

    if (rc == 0) {
        tw_sim_figures(w, e, s);
        tw_sim_breakevens(w);

    } else {
        tw_log(TW_LOG_ERR, "simulate: out of memory");
    }

    free(tmp);
    free(g.hist);

    return rc;
}


void
tw_sim_world_free(tw_sim_world_t *w)
{
    free(w->videos);
    free(w->pairs);
    free(w->cnt);
    memset(w, 0, sizeof(*w));
}
