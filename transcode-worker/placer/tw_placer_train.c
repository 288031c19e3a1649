/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "placer train" (tw_placer_train.h).  The counts are read by the
 * placer's own scan (tw_placer_scan.c), every hour Redis still keeps.
 * At each boundary t of a window (multiples of --window since the epoch,
 * from a day after the oldest count to the last whole window before
 * now), every (video, region) with views in the 7 days before t is a
 * sample: its features those the placer computes at a run at t
 * (tw_placer_inputs, tw_policy_features), its label 1 when the views of
 * [t, t + window) in the region are above the region's break-even.  The
 * break-evens are the simulator's prices (simulate/tw_sim_price.c) for a
 * video of the catalog's median length (the placer does not read the
 * catalog).  Weighted by what is at stake, |next / breakeven - 1| (the
 * simulator's dollars over one fill), capped to max-samples by a
 * reservoir, fitted by tw_fit_irls() as the simulator does.
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "common/tw_conf.h"
#include "common/tw_log.h"
#include "common/tw_rconn.h"
#include "placer/tw_placer.h"
#include "placer/tw_placer_fit.h"
#include "placer/tw_placer_model.h"
#include "placer/tw_placer_redis.h"
#include "placer/tw_placer_scan.h"
#include "placer/tw_placer_train.h"
#include "simulate/tw_sim.h"


typedef struct {
    const char         *preset;
    uint32_t            window_ms;
    const char         *out;
    int                 publish;
    uint32_t            min_samples;
    uint32_t            max_samples;
    double              p_on, p_off;
} tw_train_opts_t;


typedef struct {
    float              *x, *y, *wt;
    size_t              n, max;
    uint64_t            seen;
    size_t              pos;              /* labels 1 */
    uint64_t            never;            /* pairs where the CDN never
                                             pays */
    tw_rng_t            rng;
} tw_train_set_t;


static const char  tw_train_usage[] =
"usage: transcode-worker placer train [--config FILE] [--redis ADDR]\n"
"    [--preset external|aws|flat (external)] [--window 6h] [--out FILE]\n"
"    [--publish] [--min-samples 200] [--max-samples 1000000]\n"
"    [--p-on 0.5] [--p-off 0.3] [--now UNIX] [--log-level LEVEL]\n";


static const volatile sig_atomic_t  tw_train_stop;


/* the options of train out of argv, the others (the placer's) into
 * rest: 0, or -1 logged */
static int
tw_train_opts(int argc, char **argv, tw_train_opts_t *o, char **rest,
    int *nrest)
{
    int          i;
    char        *end;
    double       d;
    const char  *k, *v;

    memset(o, 0, sizeof(tw_train_opts_t));
    o->preset = "external";
    o->window_ms = 6 * 3600000u;
    o->min_samples = 200;
    o->max_samples = 1000000;
    o->p_on = 0.5;
    o->p_off = 0.3;
    rest[0] = argv[0];
    *nrest = 1;

    for (i = 1; i < argc; i++) {
        k = argv[i];
        v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(k, "--publish") == 0) {
            o->publish = 1;
            continue;
        }

        if (strcmp(k, "--help") == 0) {
            fputs(tw_train_usage, stdout);
            exit(0);
        }

        if (v == NULL || (strcmp(k, "--preset") != 0
                          && strcmp(k, "--window") != 0
                          && strcmp(k, "--out") != 0
                          && strcmp(k, "--min-samples") != 0
                          && strcmp(k, "--max-samples") != 0
                          && strcmp(k, "--p-on") != 0
                          && strcmp(k, "--p-off") != 0))
        {
            rest[(*nrest)++] = argv[i];
            continue;
        }

        i++;
        errno = 0;
        d = strtod(v, &end);

        if (strcmp(k, "--preset") == 0) {
            if (strcmp(v, "external") != 0 && strcmp(v, "aws") != 0
                && strcmp(v, "flat") != 0)
            {
                goto bad;
            }
            o->preset = v;

        } else if (strcmp(k, "--window") == 0) {
            if (tw_parse_ms(v, &o->window_ms) != 0
                || o->window_ms < 3600000 || o->window_ms % 3600000)
            {
                goto bad;
            }

        } else if (strcmp(k, "--out") == 0) {
            o->out = v;

        } else if (*end || errno || end == v) {
            goto bad;

        } else if (strcmp(k, "--p-on") == 0 || strcmp(k, "--p-off") == 0) {
            if (d < 0 || d > 1) {
                goto bad;
            }
            *(k[6] == 'n' ? &o->p_on : &o->p_off) = d;

        } else {
            if (d < 1 || d > 1e8 || d != floor(d)) {
                goto bad;
            }
            *(k[2] == 'm' && k[3] == 'i' ? &o->min_samples
                                         : &o->max_samples) = (uint32_t) d;
        }
    }

    if (o->out == NULL && !o->publish) {
        tw_log(TW_LOG_ERR, "placer train: --out FILE, --publish or both");
        return -1;
    }

    if (o->p_off > o->p_on) {
        tw_log(TW_LOG_ERR, "placer train: --p-off above --p-on");
        return -1;
    }

    return 0;

bad:

    tw_log(TW_LOG_ERR, "placer train: bad %s \"%s\"\n%s", k, v,
           tw_train_usage);
    return -1;
}


/* the preset's break-evens into m, for a typical video */
static void
tw_train_prices(const char *preset, tw_model_t *m)
{
    int             r;
    size_t          len;
    tw_sim_conf_t   c;
    tw_sim_video_t  v;

    memset(&c, 0, sizeof(c));
    tw_sim_preset(&c, preset);
    tw_sim_typical(&v);

    for (len = 0, r = 0; r < TW_SIM_REGIONS; r++) {
        len += snprintf(m->regions + len, sizeof(m->regions) - len,
                        "%s%s=%.4g", r ? " " : "", tw_sim_region_names[r],
                        tw_sim_breakeven(&c, &v, r));
    }

    /* elsewhere (EU and the rest): the US price class */
    m->breakeven = tw_sim_breakeven(&c, &v, 0);
    snprintf(m->preset, sizeof(m->preset), "%s", preset);
}


static void
tw_train_add(tw_train_set_t *s, const double x[TW_FEAT_N], int label,
    double weight)
{
    int       i;
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
        s->pos -= s->y[at] > 0.5;
    }

    for (i = 0; i < TW_FEAT_N; i++) {
        s->x[at * TW_FEAT_N + i] = (float) x[i];
    }

    s->y[at] = (float) label;
    s->wt[at] = (float) weight;
    s->pos += label;
}


/* the samples of every pair at every boundary */
static void
tw_train_samples(tw_placer_t *p, const tw_train_opts_t *o,
    tw_train_set_t *s)
{
    double          x[TW_FEAT_N], next;
    size_t          i;
    int64_t         oldest, t, w, last;
    uint32_t        k, c;
    tw_video_t     *v;
    tw_region_t    *r;
    tw_policy_in_t  in;

    oldest = p->now;

    for (i = 0; i < p->table.size; i++) {
        v = p->table.slots[i];
        for (k = 0; v && k < v->nregions; k++) {
            for (c = 0; c < v->regions[k].ncounts; c++) {
                if (v->regions[k].counts[c].hour < oldest) {
                    oldest = v->regions[k].counts[c].hour;
                }
            }
        }
    }

    w = o->window_ms / 1000;
    last = p->now / 3600 * 3600 - w;

    for (t = (oldest + 86400 + w - 1) / w * w; t <= last; t += w) {
        for (i = 0; i < p->table.size; i++) {
            v = p->table.slots[i];

            for (k = 0; v && k < v->nregions; k++) {
                r = &v->regions[k];
                tw_placer_inputs(p, v, r, t, &in);

                if (in.region[TW_SPANS - 1] <= 0) {
                    continue;
                }

                if (in.breakeven >= TW_NEVER) {
                    s->never++;
                    continue;
                }

                for (next = 0, c = 0; c < r->ncounts; c++) {
                    if (r->counts[c].hour >= t && r->counts[c].hour < t + w) {
                        next += r->counts[c].views;
                    }
                }

                if (next == in.breakeven) {
                    continue;
                }

                tw_policy_features(&in, x);
                tw_train_add(s, x, next > in.breakeven,
                             fabs(next - in.breakeven)
                             / fmax(in.breakeven, 1));
            }
        }
    }
}


/* the version after Redis's (0 when none): 0, or -1 logged */
static int
tw_train_version(tw_placer_t *p, uint32_t *version)
{
    redisReply  *r;

    r = tw_redis_command(p->redis, "HGET %s version", TW_MODEL_KEY);

    if (r == NULL || (r->type != REDIS_REPLY_STRING
                      && r->type != REDIS_REPLY_NIL))
    {
        return tw_placer_redis_fail(p, "HGET " TW_MODEL_KEY, r);
    }

    *version = (r->type == REDIS_REPLY_STRING
                ? (uint32_t) strtoul(r->str, NULL, 10) : 0) + 1;
    freeReplyObject(r);

    return 0;
}


static int
tw_train_publish(tw_placer_t *p)
{
    char         json[2048], ver[16];
    redisReply  *r;

    if (tw_model_format(&p->model, json, sizeof(json)) < 0) {
        tw_log(TW_LOG_ERR, "placer train: the model does not format");
        return -1;
    }

    snprintf(ver, sizeof(ver), "%u", p->model.version);
    r = tw_redis_command(p->redis, "HSET %s version %s json %s",
                         TW_MODEL_KEY, ver, json);

    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        return tw_placer_redis_fail(p, "HSET " TW_MODEL_KEY, r);
    }

    freeReplyObject(r);

    return 0;
}


/* the samples fitted into p->model: 0, or -1 logged */
static int
tw_train_fit(tw_placer_t *p, const tw_train_opts_t *o, tw_train_set_t *s)
{
    double  mean;
    size_t  k;

    if (s->n == 0 && s->never > 0) {
        tw_log(TW_LOG_ERR, "placer train: under preset %s a CDN view costs "
               "more than an origin-direct one in every region of the "
               "history: nothing to learn (the policy is origin); nothing "
               "written", o->preset);
        return -1;
    }

    if (s->n < o->min_samples) {
        tw_log(TW_LOG_ERR, "placer train: too little history: %zu samples, "
               "%u needed (--min-samples); nothing written", s->n,
               o->min_samples);
        return -1;
    }

    if (s->pos == 0 || s->pos == s->n) {
        tw_log(TW_LOG_ERR, "placer train: too little history: every one "
               "of the %zu samples is %s under preset %s; nothing written",
               s->n, s->pos ? "above the break-even" : "below the break-even",
               o->preset);
        return -1;
    }

    /* the weights to a mean of 1, as the simulator does */
    for (mean = 0, k = 0; k < s->n; k++) {
        mean += s->wt[k];
    }

    for (mean /= s->n, k = 0; k < s->n; k++) {
        s->wt[k] = (float) (s->wt[k] / mean);
    }

    if (tw_fit_irls(s->x, s->y, s->wt, s->n, 1.0, p->model.w) != 0) {
        tw_log(TW_LOG_ERR, "placer train: the model does not converge");
        return -1;
    }

    p->model.p_on = o->p_on;
    p->model.p_off = o->p_off;

    return 0;
}


int
tw_placer_train(int argc, char **argv)
{
    int              rc, nrest;
    char           **rest;
    tw_placer_t      p;
    tw_train_set_t   s;
    tw_train_opts_t  o;

    memset(&p, 0, sizeof(tw_placer_t));
    memset(&s, 0, sizeof(tw_train_set_t));
    p.stop = &tw_train_stop;
    rc = 1;
    rest = calloc(argc + 1, sizeof(char *));

    if (rest == NULL || tw_train_opts(argc, argv, &o, rest, &nrest) != 0
        || tw_placer_conf(nrest, rest, &p.conf) != 0
        || tw_redis_conf(&p.rconf, p.conf.redis) != 0)
    {
        goto end;
    }

    /* every hour Redis keeps, up to the placer's longest window */
    p.conf.window_ms = 2678400000u;
    p.now = p.conf.now ? p.conf.now : (int64_t) time(NULL);
    tw_train_prices(o.preset, &p.model);

    s.max = o.max_samples;
    tw_rng_seed(&s.rng, 0x5eed);
    s.x = malloc(s.max * TW_FEAT_N * sizeof(float));
    s.y = malloc(s.max * sizeof(float));
    s.wt = malloc(s.max * sizeof(float));

    if (s.x == NULL || s.y == NULL || s.wt == NULL) {
        tw_log(TW_LOG_ERR, "placer train: out of memory");
        goto end;
    }

    if (tw_placer_connect(&p) != 0 || tw_placer_scan(&p) != 0) {
        goto end;
    }

    tw_train_samples(&p, &o, &s);

    tw_log(TW_LOG_INFO, "placer train: %zu (video, region) pairs, %llu "
           "samples (%zu kept, %zu above the break-even), preset %s, "
           "window %u s", (size_t) p.table.pairs,
           (unsigned long long) s.seen, s.n, s.pos, o.preset,
           o.window_ms / 1000);

    if (tw_train_fit(&p, &o, &s) != 0
        || tw_train_version(&p, &p.model.version) != 0)
    {
        goto end;
    }

    if (o.out && tw_model_save(&p.model, o.out) != 0) {
        tw_log(TW_LOG_ERR, "placer train: cannot write \"%s\": %s", o.out,
               strerror(errno));
        goto end;
    }

    if (o.publish && tw_train_publish(&p) != 0) {
        goto end;
    }

    tw_log(TW_LOG_INFO, "placer train: model version %u%s%s%s",
           p.model.version, o.out ? " written to " : "", o.out ? o.out : "",
           o.publish ? ", published in " TW_MODEL_KEY : "");
    rc = 0;

end:

    if (p.redis) {
        tw_redis_free(p.redis);
    }

    tw_table_free(&p.table);
    tw_placer_conf_free(&p.conf);
    free(rest);
    free(s.x);
    free(s.y);
    free(s.wt);

    return rc;
}
