/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The "simulate" command: two worlds of the same configuration, the
 * first (--seed) to train the model and tune the threshold on its first
 * train_days, the second (seed + 1) to play every policy on its days
 * after train_days; then the table (stdout, or stderr with --json), the
 * JSON (issue 16's shape), the CSV of each day's cost per policy.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/tw_log.h"
#include "simulate/tw_sim.h"
#include "simulate/tw_sim_cmd.h"


typedef struct {
    tw_sim_conf_t       conf;
    const char         *csv;
    const char         *out;              /* the model file written */
    const char         *model;            /* the model file used */
    int                 json;
    int                 train_only;
    int                 check;
    uint32_t            version;
    uint32_t            bench;            /* pairs to score, timed */
} tw_sim_opts_t;


typedef struct {
    double              ratio, capture, excess_cut, share_ratio, churn;
    int                 ok;
} tw_sim_targets_t;


static const char  tw_sim_usage[] =
"usage: transcode-worker simulate [--seed 1] [--videos 100000] [--days 28]\n"
"    [--train-days 14] [--window 6] [--alpha 0.8]\n"
"    [--preset aws|external|flat (external)] [--cdn-gb R=P,...]\n"
"    [--request-price 0.01] [--origin-gb P] [--fill-gb P]\n"
"    [--gbps-month 300] [--flat-gbps 10] [--cache-gb 1000]\n"
"    [--half-life 24] [--startup-origin 0.5] [--startup-miss 0.3]\n"
"    [--abandon 0.058] [--p-on P --p-off P (tuned)]\n"
"    [--train-samples 200000] [--scale] [--model FILE]\n"
"    [--train --out FILE] [--version 1] [--json] [--csv FILE] [--check]\n"
"    [--log-level error|warn|info|debug]\n"
"       transcode-worker simulate --bench N [--seed 1]: N pairs scored\n";


static int
tw_sim_cdn_prices(tw_sim_conf_t *c, const char *list)
{
    int          r;
    char        *end;
    size_t       n;
    const char  *p;

    for (p = list; *p; p = *end ? end + 1 : end) {
        for (r = 0; r < TW_SIM_REGIONS; r++) {
            n = strlen(tw_sim_region_names[r]);
            if (strncmp(p, tw_sim_region_names[r], n) == 0 && p[n] == '=') {
                break;
            }
        }

        if (r == TW_SIM_REGIONS) {
            return -1;
        }

        c->price.cdn_gb[r] = strtod(p + n + 1, &end);

        if (end == p + n + 1 || (*end && *end != ',')) {
            return -1;
        }
    }

    return 0;
}


static void
tw_sim_defaults(tw_sim_opts_t *o)
{
    tw_sim_conf_t  *c;

    memset(o, 0, sizeof(*o));
    c = &o->conf;
    c->seed = 1;
    c->videos = 100000;
    c->days = 28;
    c->train_days = 14;
    c->window_h = 6;
    c->alpha = 0.8;
    c->cache_gb = 1000;
    c->half_life_h = 24;
    c->startup_origin_s = 0.5;
    c->startup_miss_s = 0.3;
    c->abandon_per_s = 0.058;
    c->p_on = -1;                          /* tuned */
    c->p_off = -1;
    c->train_samples = 200000;
    c->rank_step = 1;
    o->version = 1;
    tw_sim_preset(c, "external");
}


/* the option at argv[i] (its value argv[i + 1]): 1 for a flag, 2 with a
 * value, -1 when unknown or invalid */
static int
tw_sim_option(tw_sim_opts_t *o, const char *k, const char *v)
{
    char           *end;
    double          x;
    tw_sim_conf_t  *c;

    struct { const char *name; double *d; uint32_t *u; double lo, hi; } num[] = {
        { "--videos", NULL, &o->conf.videos, 100, 2e6 },
        { "--days", NULL, &o->conf.days, 2, 42 },
        { "--train-days", NULL, &o->conf.train_days, 1, 41 },
        { "--window", NULL, &o->conf.window_h, 1, 24 },
        { "--train-samples", NULL, &o->conf.train_samples, 100, 1e7 },
        { "--version", NULL, &o->version, 1, 4e9 },
        { "--bench", NULL, &o->bench, 1, 1e8 },
        { "--alpha", &o->conf.alpha, NULL, 0.3, 1.5 },
        { "--request-price", &o->conf.price.request_10k, NULL, 0, 1 },
        { "--origin-gb", &o->conf.price.origin_gb, NULL, 0, 10 },
        { "--fill-gb", &o->conf.price.fill_gb, NULL, 0, 10 },
        { "--gbps-month", &o->conf.price.gbps_month, NULL, 0, 1e5 },
        { "--flat-gbps", &o->conf.price.flat_gbps, NULL, 0, 1e6 },
        { "--cache-gb", &o->conf.cache_gb, NULL, 0, 1e9 },
        { "--half-life", &o->conf.half_life_h, NULL, 0.1, 1000 },
        { "--startup-origin", &o->conf.startup_origin_s, NULL, 0, 60 },
        { "--startup-miss", &o->conf.startup_miss_s, NULL, 0, 60 },
        { "--abandon", &o->conf.abandon_per_s, NULL, 0, 1 },
        { "--p-on", &o->conf.p_on, NULL, 0, 1 },
        { "--p-off", &o->conf.p_off, NULL, 0, 1 },
    };
    size_t  i;

    c = &o->conf;

    if (strcmp(k, "--json") == 0 || strcmp(k, "--train") == 0
        || strcmp(k, "--check") == 0 || strcmp(k, "--scale") == 0)
    {
        o->json |= k[2] == 'j';
        o->train_only |= k[2] == 't';
        o->check |= k[3] == 'h';

        if (k[3] == 'c') {                /* --scale */
            c->uploads_day = 1000;
            c->daily_views = 20e6 * 2;
            c->rank_step = 20;
        }

        return 1;
    }

    if (v == NULL) {
        return -1;
    }

    for (i = 0; i < sizeof(num) / sizeof(num[0]); i++) {
        if (strcmp(k, num[i].name) == 0) {
            x = strtod(v, &end);
            if (end == v || *end || !(x >= num[i].lo && x <= num[i].hi)) {
                return -1;
            }
            if (num[i].d) {
                *num[i].d = x;
            } else {
                *num[i].u = (uint32_t) x;
            }
            return 2;
        }
    }

    if (strcmp(k, "--seed") == 0) {
        c->seed = strtoull(v, &end, 10);
        return *end ? -1 : 2;
    }

    if (strcmp(k, "--log-level") == 0) {
        return tw_log_set_level(v) == 0 ? 2 : -1;
    }

    if (strcmp(k, "--cdn-gb") == 0) {
        return tw_sim_cdn_prices(c, v) == 0 ? 2 : -1;
    }

    if (strcmp(k, "--csv") == 0 || strcmp(k, "--out") == 0
        || strcmp(k, "--model") == 0)
    {
        *(k[2] == 'c' ? &o->csv : k[2] == 'o' ? &o->out : &o->model) = v;
        return 2;
    }

    return -1;
}


static int
tw_sim_opts(tw_sim_opts_t *o, int argc, char **argv)
{
    int  i, n;

    tw_sim_defaults(o);

    /* the preset first: the other prices override it */
    for (i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--preset") == 0) {
            if (strcmp(argv[i + 1], "aws") && strcmp(argv[i + 1], "external")
                && strcmp(argv[i + 1], "flat"))
            {
                return -1;
            }
            tw_sim_preset(&o->conf, argv[i + 1]);
        }
    }

    for (i = 1; i < argc; i += n) {
        n = strcmp(argv[i], "--preset") == 0 ? 2
            : tw_sim_option(o, argv[i], i + 1 < argc ? argv[i + 1] : NULL);

        if (n < 0) {
            tw_log(TW_LOG_ERR, "simulate: bad option \"%s\"", argv[i]);
            return -1;
        }
    }

    if (o->conf.train_days >= o->conf.days
        || (o->conf.p_on < 0) != (o->conf.p_off < 0)
        || o->conf.p_off > o->conf.p_on
        || (o->train_only && o->out == NULL))
    {
        tw_log(TW_LOG_ERR, "simulate: needs train-days < days, p-off <= "
               "p-on, and --out with --train");
        return -1;
    }

    return 0;
}


static double
tw_sim_share(const tw_sim_result_t *r)
{
    return r->views > 0 ? r->origin_views / r->views : 0;
}


static double
tw_sim_abandon(const tw_sim_conf_t *c, const tw_sim_result_t *r)
{
    return r->views > 0
           ? c->abandon_per_s * (c->startup_origin_s * r->origin_views
                                 + c->startup_miss_s * r->miss_views)
             / r->views
           : 0;
}


static double
tw_sim_churn(const tw_sim_result_t *r)
{
    return r->pair_days > 0 ? r->flips / r->pair_days : 0;
}


static void
tw_sim_targets(const tw_sim_result_t *res, tw_sim_targets_t *t)
{
    const tw_sim_result_t  *cdn, *thr, *lrn, *orc;

    cdn = &res[TW_POL_ALL_CDN];
    thr = &res[TW_POL_THRESHOLD];
    lrn = &res[TW_POL_LEARNED];
    orc = &res[TW_POL_ORACLE];

    t->ratio = orc->cost > 0 ? lrn->cost / orc->cost : 1;
    t->capture = cdn->cost - orc->cost > 0
                 ? (cdn->cost - lrn->cost) / (cdn->cost - orc->cost) : 1;
    t->excess_cut = thr->cost - orc->cost > 0
                    ? 1 - (lrn->cost - orc->cost) / (thr->cost - orc->cost)
                    : 0;
    t->share_ratio = tw_sim_share(orc) > 0
                     ? tw_sim_share(lrn) / tw_sim_share(orc)
                     : (tw_sim_share(lrn) > 0 ? INFINITY : 1);
    t->churn = tw_sim_churn(lrn);
    t->ok = t->ratio <= 1.10 && t->capture >= 0.80 && t->excess_cut >= 0.10
            && t->share_ratio <= 1.2 && t->churn < 0.02;
}


static void
tw_sim_table(FILE *f, const tw_sim_opts_t *o, const tw_sim_calib_t *cal,
    const tw_sim_result_t *res, const tw_sim_targets_t *t)
{
    int                   pol;
    const tw_sim_conf_t  *c;

    c = &o->conf;
    fprintf(f, "simulate: preset %s, alpha %.2f, %u videos%s, %u days "
            "(trained on days 1-%u of seed %llu, played on days %u-%u of "
            "seed %llu), threshold %.4g\n", c->price.preset, c->alpha,
            c->uploads_day ? c->uploads_day * c->days * 2 / c->rank_step
                           : c->videos,
            c->rank_step > 1 ? " (a sample)" : "", c->days, c->train_days,
            (unsigned long long) c->seed, c->train_days + 1, c->days,
            (unsigned long long) c->seed + 1, res[0].threshold);
    fprintf(f, "calibration: %.1f%% of videos under 100 views (60-70), "
            "top 10%% of videos %.1f%% of views (75-85), %.1f%% of videos "
            "(>= 20 views) over 70%% from one region (40-60); %.0f views, "
            "sigma %.3f\n", 100 * cal->under100, 100 * cal->top10,
            100 * cal->one_region70, cal->views, cal->sigma);
    fprintf(f, "%-11s %14s %10s %11s %10s %12s %6s\n", "policy", "cost $",
            "origin %", "abandon %", "churn %/d", "peak Gb/s", "hosts");

    for (pol = 0; pol < TW_POL_N; pol++) {
        fprintf(f, "%-11s %14.2f %10.2f %11.3f %10.3f %12.3f %6.0f\n",
                tw_sim_policy_names[pol], res[pol].cost,
                100 * tw_sim_share(&res[pol]),
                100 * tw_sim_abandon(c, &res[pol]),
                100 * tw_sim_churn(&res[pol]), res[pol].peak_gbps,
                ceil(res[pol].peak_gbps / 25));
    }

    fprintf(f, "targets: learned/oracle %.3f (<= 1.10), saving captured "
            "%.1f%% (>= 80), excess cut vs threshold %.1f%% (>= 10), "
            "origin share/oracle's %.3f (<= 1.2), churn %.3f%%/day (< 2): "
            "%s\n", t->ratio, 100 * t->capture, 100 * t->excess_cut,
            t->share_ratio, 100 * t->churn, t->ok ? "met" : "MISSED");
}


static void
tw_sim_json(FILE *f, const tw_sim_opts_t *o, const tw_sim_calib_t *cal,
    const tw_sim_result_t *res)
{
    int                   pol;
    const tw_sim_conf_t  *c;

    c = &o->conf;
    fprintf(f, "{\"preset\":\"%s\",\"alpha\":%.4g,\"calibration\":{"
            "\"videos_under_100_views\":%.4f,\"top_10pct_view_share\":%.4f,"
            "\"videos_70pct_one_region\":%.4f,\"views\":%.0f},"
            "\"policies\":{", c->price.preset, c->alpha, cal->under100,
            cal->top10, cal->one_region70, cal->views);

    for (pol = 0; pol < TW_POL_N; pol++) {
        fprintf(f, "%s\"%s\":{\"cost\":%.4f,\"origin_view_share\":%.6f,"
                "\"abandonment\":%.6f,\"churn_per_day\":%.6f,"
                "\"origin_peak_gbps\":%.4f}", pol ? "," : "",
                tw_sim_policy_names[pol], res[pol].cost,
                tw_sim_share(&res[pol]), tw_sim_abandon(c, &res[pol]),
                tw_sim_churn(&res[pol]), res[pol].peak_gbps);
    }

    fprintf(f, "}}\n");
}


static int
tw_sim_csv(const tw_sim_opts_t *o, const tw_sim_result_t *res)
{
    int       pol;
    FILE     *f;
    uint32_t  d;

    f = fopen(o->csv, "w");

    if (f == NULL) {
        tw_log(TW_LOG_ERR, "simulate: cannot write %s", o->csv);
        return -1;
    }

    fprintf(f, "day");
    for (pol = 0; pol < TW_POL_N; pol++) {
        fprintf(f, ",%s", tw_sim_policy_names[pol]);
    }
    fprintf(f, "\n");

    for (d = 0; d < o->conf.days - o->conf.train_days; d++) {
        fprintf(f, "%u", o->conf.train_days + 1 + d);
        for (pol = 0; pol < TW_POL_N; pol++) {
            fprintf(f, ",%.4f", res[pol].day_cost[d]);
        }
        fprintf(f, "\n");
    }

    return fclose(f) == 0 ? 0 : -1;
}


/* --bench: n (video, region) pairs of random counts scored by the learned
 * policy as the placer scores them, timed on the CPU clock */
static int
tw_sim_bench(uint32_t n, uint64_t seed)
{
    int              i;
    double           t0, t, sum;
    uint32_t         k, cdn;
    tw_rng_t         rng;
    tw_model_t       m;
    tw_policy_in_t  *in;
    struct timespec  ts;

    in = malloc((size_t) n * sizeof(tw_policy_in_t));

    if (in == NULL) {
        tw_log(TW_LOG_ERR, "simulate: out of memory");
        return -1;
    }

    tw_rng_seed(&rng, seed);
    memset(&m, 0, sizeof(m));
    m.p_on = 0.5;
    m.p_off = 0.3;

    for (i = 0; i < TW_FEAT_N; i++) {
        m.w[i] = tw_rng_gauss(&rng);
    }

    for (k = 0; k < n; k++) {
        sum = 0;
        for (i = 0; i < TW_SPANS; i++) {
            sum += floor(exp(3 * tw_rng_unit(&rng) * (i + 1)));
            in[k].region[i] = sum;
            in[k].global[i] = sum * (1 + 5 * tw_rng_unit(&rng));
        }
        in[k].age_h = 1000 * tw_rng_unit(&rng);
        in[k].lang_fit = tw_rng_unit(&rng) < 0.5;
        in[k].hour = (int) (k % 24);
        in[k].breakeven = 20;
    }

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    t0 = ts.tv_sec + ts.tv_nsec / 1e9;

    for (k = 0, cdn = 0; k < n; k++) {
        cdn += (uint32_t) tw_policy_learned(&m, &in[k], k & 1, NULL);
    }

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    t = ts.tv_sec + ts.tv_nsec / 1e9 - t0;
    printf("simulate: scored %u (video, region) pairs in %.3f s of CPU "
           "(%.0f ns a pair; %u cdn)\n", n, t, t / n * 1e9, cdn);
    free(in);

    return 0;
}


/* the model and the threshold: trained on world seed, or read */
static int
tw_sim_learn(tw_sim_opts_t *o, tw_model_t *m, double *threshold)
{
    int             rc;
    char            err[128];
    double          grid[TW_SIM_THRESHOLDS];
    tw_sim_world_t  w;

    if (tw_sim_world(&w, &o->conf, o->conf.seed) != 0) {
        return -1;
    }

    rc = tw_sim_train(&w, m, threshold, grid);
    tw_sim_world_free(&w);
    m->version = o->version;

    if (rc == 0 && o->model != NULL
        && tw_model_load(o->model, m, err, sizeof(err)) != 0)
    {
        tw_log(TW_LOG_ERR, "simulate: %s: %s", o->model, err);
        return -1;
    }

    if (rc == 0 && o->out != NULL && tw_model_save(m, o->out) != 0) {
        tw_log(TW_LOG_ERR, "simulate: cannot write %s", o->out);
        return -1;
    }

    return rc;
}


int
tw_sim_command(int argc, char **argv)
{
    int               rc;
    double            threshold;
    tw_model_t        m;
    tw_sim_opts_t     o;
    tw_sim_world_t    w;
    tw_sim_result_t   res[TW_POL_N];
    tw_sim_targets_t  t;

    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        fputs(tw_sim_usage, stdout);
        return 0;
    }

    memset(&m, 0, sizeof(m));

    if (tw_sim_opts(&o, argc, argv) != 0) {
        fputs(tw_sim_usage, stderr);
        return 1;
    }

    if (o.bench > 0) {
        return tw_sim_bench(o.bench, o.conf.seed) == 0 ? 0 : 1;
    }

    if (tw_sim_learn(&o, &m, &threshold) != 0) {
        return 1;
    }

    if (o.train_only) {
        return 0;
    }

    if (tw_sim_world(&w, &o.conf, o.conf.seed + 1) != 0) {
        return 1;
    }

    rc = tw_sim_play(&w, &m, threshold, res);

    if (rc == 0) {
        tw_sim_targets(res, &t);
        tw_sim_table(o.json ? stderr : stdout, &o, &w.calib, res, &t);

        if (o.json) {
            tw_sim_json(stdout, &o, &w.calib, res);
        }

        if (o.csv != NULL && tw_sim_csv(&o, res) != 0) {
            rc = -1;
        }

        tw_sim_result_free(res);
    }

    tw_sim_world_free(&w);

    return rc != 0 ? 1 : (o.check && !t.ok) ? 4 : 0;
}
