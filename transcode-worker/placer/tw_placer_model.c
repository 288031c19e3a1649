/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The learned policy in the placer (tw_placer_model.h).
 *
 * The model: the "model" file (written by transcode-worker placer train
 * or simulate --train --out FILE), and in Redis the hash vo:model:placement with
 * fields version (a decimal) and json (the file's text).  Each run the
 * placer reads the version there: higher than its own, it takes the json
 * (a model trained elsewhere and published); lower or missing, it writes
 * its own.  So every placer of a Redis runs the newest model.
 *
 * The inputs of a (video, region), from the counts of the run (those
 * within "window": keep it at 7 days or more, and nginx's views TTL too,
 * for the 7-day span): per span (1 h, 6 h, 24 h, 7 d) the views of the
 * hours that overlap it, in the region and in every region of the video;
 * the age, in hours since the start of the video's oldest counted hour
 * (the placer does not read the catalog: a video older than the window
 * looks as old as the window); the language fit, 0 (not read either);
 * the UTC hour of the run; the region's break-even views from the model
 * file.  The previous hint, when cdn, keeps it cdn down to p_off.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "common/tw_log.h"
#include "common/tw_rconn.h"
#include "placer/tw_placer_model.h"
#include "placer/tw_placer_redis.h"


int
tw_placer_model_load(tw_placer_t *p)
{
    char  err[128];

    if (tw_model_load(p->conf.model, &p->model, err, sizeof(err)) != 0) {
        tw_log(TW_LOG_ERR, "placer: model \"%s\": %s", p->conf.model, err);
        return -1;
    }

    tw_log(TW_LOG_INFO, "placer: learned policy, model \"%s\" version %u "
           "(%s), p_on %.3f, p_off %.3f", p->conf.model, p->model.version,
           p->model.preset, p->model.p_on, p->model.p_off);

    return 0;
}


/* the newer model of Redis, json: taken when it parses */
static void
tw_placer_model_take(tw_placer_t *p, const char *json)
{
    char        err[128];
    tw_model_t  m;

    if (tw_model_parse(json, &m, err, sizeof(err)) != 0) {
        tw_log(TW_LOG_WARN, "placer: %s: %s: kept version %u", TW_MODEL_KEY,
               err, p->model.version);
        p->skipped++;
        return;
    }

    tw_log(TW_LOG_INFO, "placer: model version %u from %s (was %u)",
           m.version, TW_MODEL_KEY, p->model.version);
    p->model = m;
}


int
tw_placer_model_sync(tw_placer_t *p)
{
    int           n;
    char          json[2048], ver[16];
    unsigned long v;
    redisReply   *r;

    if (!p->conf.learned) {
        return 0;
    }

    r = tw_redis_command(p->redis, "HMGET %s version json", TW_MODEL_KEY);

    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        return tw_placer_redis_fail(p, "HMGET " TW_MODEL_KEY, r);
    }

    v = r->element[0]->type == REDIS_REPLY_STRING
        ? strtoul(r->element[0]->str, NULL, 10) : 0;

    if (v > p->model.version && r->element[1]->type == REDIS_REPLY_STRING) {
        tw_placer_model_take(p, r->element[1]->str);
    }

    freeReplyObject(r);

    if (v >= p->model.version) {
        return 0;
    }

    n = tw_model_format(&p->model, json, sizeof(json));
    snprintf(ver, sizeof(ver), "%u", p->model.version);
    r = n < 0 ? NULL
        : tw_redis_command(p->redis, "HSET %s version %s json %s",
                           TW_MODEL_KEY, ver, json);

    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        return tw_placer_redis_fail(p, "HSET " TW_MODEL_KEY, r);
    }

    freeReplyObject(r);

    return 0;
}


/* the views of counts that overlap each span ending at now (those of
 * hours from now on left out: placer train looks back from the past) */
static void
tw_placer_spans(const tw_region_t *r, int64_t now, double sum[TW_SPANS],
    int64_t *oldest)
{
    int       s;
    uint32_t  i;

    for (i = 0; i < r->ncounts; i++) {
        if (r->counts[i].hour >= now) {
            continue;
        }

        for (s = 0; s < TW_SPANS; s++) {
            if (r->counts[i].hour + 3600 > now - tw_policy_spans[s] * 3600) {
                sum[s] += r->counts[i].views;
            }
        }

        if (r->counts[i].hour < *oldest) {
            *oldest = r->counts[i].hour;
        }
    }
}


void
tw_placer_inputs(tw_placer_t *p, tw_video_t *v, tw_region_t *r,
    int64_t now, tw_policy_in_t *in)
{
    int64_t   oldest;
    uint32_t  i;

    memset(in, 0, sizeof(tw_policy_in_t));
    oldest = now;

    for (i = 0; i < v->nregions; i++) {
        tw_placer_spans(&v->regions[i], now, in->global, &oldest);
    }

    tw_placer_spans(r, now, in->region, &oldest);

    in->age_h = (now - oldest) / 3600.0;
    in->lang_fit = 0;
    in->hour = (int) ((now / 3600) % 24);
    in->breakeven = tw_model_breakeven(&p->model, r->name);
}


int
tw_placer_learned(tw_placer_t *p, tw_video_t *v, tw_region_t *r,
    uint64_t *score)
{
    int             d;
    double          prob;
    tw_policy_in_t  in;

    tw_placer_inputs(p, v, r, p->now, &in);

    d = tw_policy_learned(&p->model, &in, r->prev == TW_HINT_CDN, &prob);
    *score = (uint64_t) llround(prob * 1000);

    return d ? TW_HINT_CDN : TW_HINT_ORIGIN;
}
