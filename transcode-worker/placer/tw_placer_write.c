/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The placer's decisions and their writes, one video at a time.
 *
 * Per region of a video:
 *   - views keys of it exist: score = sum over the hours within the
 *     window of count * 0.5^(age_h / half_life_h), the age of an hour
 *     counted from its end (clamped at 0); cdn when the score, rounded to
 *     3 decimals, is at least the threshold, else origin (a region whose
 *     counts are all older than the window scores 0: origin);
 *   - no views key, the previous hint cdn: origin ("no-views");
 *   - no views key, the previous hint origin: left as it is, to lapse
 *     at its expiry (removed once lapsed), so that the hints of videos
 *     nobody watches any more do not live forever;
 *   - a previous field that does not parse: removed.
 *
 * A decision's hint is "{cdn|origin} {score} {expires}", expires = now +
 * 3 x interval, so hints lapse back to nginx's default when the placer
 * stops.  The video's writes go in one pipeline:
 *
 *   HSET   vo:hint:{id} {region} {hint} ...
 *   HDEL   vo:hint:{id} {lapsed or invalid region} ...
 *   EXPIRE vo:hint:{id} {latest expiry - now + interval}
 *   XADD   vo:placements MAXLEN ~ {stream-max} * json {decision}   (each)
 *
 * and once Redis has answered them all, each decision is appended to the
 * placement log as the same JSON line.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "common/tw_rconn.h"

#include "common/tw_log.h"
#include "placer/tw_placer_model.h"
#include "placer/tw_placer_redis.h"
#include "placer/tw_placer_write.h"


typedef struct {
    tw_region_t    *region;
    int             decision;            /* TW_HINT_CDN, TW_HINT_ORIGIN */
    uint64_t        score;               /* x 1000 */
    const char     *reason;
    char            hint[64];
    vo_buf_t        line;                /* the JSON object */
} tw_decision_t;


static int tw_placer_video(tw_placer_t *p, tw_video_t *v);
static int tw_placer_decide(tw_placer_t *p, tw_video_t *v,
    tw_decision_t *dec, vo_arena_t *arena, int64_t expires,
    int64_t *latest);
static void tw_placer_logged(tw_placer_t *p, tw_video_t *v,
    tw_decision_t *dec, uint32_t nd);
static int tw_count_cmp(const void *a, const void *b);
static uint64_t tw_placer_score(tw_placer_t *p, tw_region_t *r);
static void tw_placer_line(tw_placer_t *p, tw_video_t *v, tw_decision_t *d,
    int64_t expires);
static void tw_placer_fixed(vo_buf_t *b, uint64_t milli);
static int tw_placer_send(tw_placer_t *p, int argc[], const char **argv[],
    size_t *argvlen[], int n);


int
tw_placer_write(tw_placer_t *p)
{
    size_t  i;

    for (i = 0; i < p->table.size; i++) {
        if (p->table.slots[i] == NULL) {
            continue;
        }

        if (tw_placer_video(p, p->table.slots[i]) != 0) {
            return -1;
        }

        /* the video written is whole: a stop may come now */
        if (*p->stop) {
            return 1;
        }
    }

    return 0;
}


static int
tw_count_cmp(const void *a, const void *b)
{
    const tw_count_t  *x = a, *y = b;

    return (x->hour > y->hour) - (x->hour < y->hour);
}


static uint64_t
tw_placer_score(tw_placer_t *p, tw_region_t *r)
{
    double  score;

    qsort(r->counts, r->ncounts, sizeof(tw_count_t), tw_count_cmp);

    score = tw_policy_decayed(r->counts, r->ncounts, p->now,
                              p->conf.half_life_ms / 3600000.0);

    return (uint64_t) llround(score * 1000);
}


static void
tw_placer_fixed(vo_buf_t *b, uint64_t milli)
{
    vo_buf_fixed(b, milli, 3);
}


static void
tw_placer_line(tw_placer_t *p, tw_video_t *v, tw_decision_t *d,
    int64_t expires)
{
    char          hour[16];
    time_t        t;
    uint32_t      i;
    vo_buf_t     *b;
    struct tm     tm;
    tw_region_t  *r;

    static const char  *names[] = { "none", "cdn", "origin", "invalid" };

    b = &d->line;
    r = d->region;

    /* ids and regions are [A-Za-z0-9_-]: nothing to escape */
    vo_buf_printf(b, "{\"time\":%lld,\"video\":\"%s\",\"region\":\"%s\","
                  "\"decision\":\"%s\",\"score\":", (long long) p->now,
                  v->id, r->name, names[d->decision]);
    tw_placer_fixed(b, d->score);

    if (p->conf.learned) {
        /* the score a probability x 1000, against p_on (p_off when the
         * hint was cdn) */
        vo_buf_printf(b, ",\"policy\":\"learned\",\"model_version\":%u,"
                      "\"threshold\":", p->model.version);
        tw_placer_fixed(b, (uint64_t) llround(1000 * (r->prev == TW_HINT_CDN
                                                      ? p->model.p_off
                                                      : p->model.p_on)));

    } else {
        vo_buf_str(b, ",\"policy\":\"threshold\",\"threshold\":");
        tw_placer_fixed(b, p->conf.threshold_milli);
    }

    vo_buf_printf(b, ",\"half_life_s\":%u,\"window_s\":%u,\"reason\":\"%s\","
                  "\"counts\":[", p->conf.half_life_ms / 1000,
                  p->conf.window_ms / 1000, d->reason);

    for (i = 0; i < r->ncounts; i++) {
        t = (time_t) r->counts[i].hour;
        gmtime_r(&t, &tm);
        strftime(hour, sizeof(hour), "%Y%m%d%H", &tm);

        vo_buf_printf(b, "%s{\"hour\":\"%s\",\"views\":%llu}", i ? "," : "",
                      hour, (unsigned long long) r->counts[i].views);
    }

    vo_buf_str(b, "],\"previous\":");

    if (r->prev == TW_HINT_CDN || r->prev == TW_HINT_ORIGIN) {
        vo_buf_printf(b, "{\"decision\":\"%s\",\"score\":",
                      names[r->prev]);
        tw_placer_fixed(b, r->prev_score);
        vo_buf_printf(b, ",\"expires\":%lld}", (long long) r->prev_expires);

    } else {
        vo_buf_str(b, "null");
    }

    vo_buf_printf(b, ",\"expires\":%lld}", (long long) expires);
}


/*
 * The decisions of v's regions into dec (each one's JSON line allocated
 * from arena), and in *latest the latest expiry of the hints that stay:
 * the number of decisions, or -1 (logged).
 */
static int
tw_placer_decide(tw_placer_t *p, tw_video_t *v, tw_decision_t *dec,
    vo_arena_t *arena, int64_t expires, int64_t *latest)
{
    uint32_t        i, nd;
    tw_region_t    *r;
    tw_decision_t  *d;

    nd = 0;

    for (i = 0; i < v->nregions; i++) {
        r = &v->regions[i];
        d = &dec[nd];

        if (r->seen && p->conf.learned) {
            qsort(r->counts, r->ncounts, sizeof(tw_count_t), tw_count_cmp);
            d->decision = tw_placer_learned(p, v, r, &d->score);
            d->reason = "model";

        } else if (r->seen) {
            d->score = tw_placer_score(p, r);
            d->decision = d->score >= p->conf.threshold_milli
                          ? TW_HINT_CDN : TW_HINT_ORIGIN;
            d->reason = "views";

        } else if (r->prev == TW_HINT_CDN) {
            d->score = 0;
            d->decision = TW_HINT_ORIGIN;
            d->reason = "no-views";

        } else {
            if (r->prev == TW_HINT_ORIGIN && r->prev_expires > p->now
                && r->prev_expires > *latest)
            {
                *latest = r->prev_expires;
            }
            continue;
        }

        d->region = r;
        snprintf(d->hint, sizeof(d->hint), "%s %llu.%03llu %lld",
                 d->decision == TW_HINT_CDN ? "cdn" : "origin",
                 (unsigned long long) (d->score / 1000),
                 (unsigned long long) (d->score % 1000),
                 (long long) expires);

        if (vo_buf_init(&d->line, vo_arena_alloc(arena), 512) != VO_OK) {
            tw_log(TW_LOG_ERR, "out of memory");
            return -1;
        }

        tw_placer_line(p, v, d, expires);
        vo_buf_append(&d->line, "", 1);

        if (vo_buf_failed(&d->line)) {
            tw_log(TW_LOG_ERR, "out of memory");
            return -1;
        }

        *latest = expires;
        nd++;
    }

    return (int) nd;
}


/* once Redis has taken them: counted, and appended to the placement
 * log */
static void
tw_placer_logged(tw_placer_t *p, tw_video_t *v, tw_decision_t *dec,
    uint32_t nd)
{
    uint32_t  i;

    if (nd) {
        p->videos++;
    }

    for (i = 0; i < nd; i++) {
        p->decisions[dec[i].decision]++;

        tw_log(TW_LOG_DEBUG, "\"%s\" %s: %s", v->id, dec[i].region->name,
               dec[i].hint);

        if (p->log
            && fprintf(p->log, "%s\n", (char *) dec[i].line.start) < 0)
        {
            p->log_errors++;
        }
    }

    if (p->log && nd && fflush(p->log) != 0) {
        p->log_errors++;
    }
}


static int
tw_placer_video(tw_placer_t *p, tw_video_t *v)
{
    int             rc, n, nd, nset, ndel, ncmd, *argc;
    char            key[VO_ID_MAX + 16], ttl[24], maxlen[24];
    size_t        **argvlen, *lens;
    int64_t         expires, latest;
    uint32_t        i;
    const char   ***argv, **args;
    vo_arena_t     *arena;
    tw_region_t    *r;
    tw_decision_t  *dec;

    snprintf(key, sizeof(key), "vo:hint:%s", v->id);
    snprintf(maxlen, sizeof(maxlen), "%u", p->conf.stream_max);

    expires = p->now + 3 * (int64_t) (p->conf.interval_ms / 1000);
    latest = 0;
    rc = -1;

    arena = vo_arena_create();
    dec = calloc(v->nregions + 1, sizeof(tw_decision_t));
    /* HSET key (f v)*, HDEL key f*: one array of arguments each, then
     * EXPIRE and the XADDs */
    args = calloc(4 * v->nregions + 4 + 3 + 8 * (v->nregions + 1),
                  sizeof(char *));
    lens = calloc(4 * v->nregions + 4 + 3 + 8 * (v->nregions + 1),
                  sizeof(size_t));
    argc = calloc(v->nregions + 4, sizeof(int));
    argv = calloc(v->nregions + 4, sizeof(char **));
    argvlen = calloc(v->nregions + 4, sizeof(size_t *));

    if (arena == NULL || dec == NULL || args == NULL || lens == NULL
        || argc == NULL || argv == NULL || argvlen == NULL)
    {
        tw_log(TW_LOG_ERR, "out of memory");
        goto end;
    }

    /* decisions, and the HSET */
    nd = tw_placer_decide(p, v, dec, arena, expires, &latest);
    if (nd < 0) {
        goto end;
    }

    n = 0;
    ncmd = 0;
    args[n++] = "HSET";
    args[n++] = key;

    for (i = 0; i < (uint32_t) nd; i++) {
        args[n++] = dec[i].region->name;
        args[n++] = dec[i].hint;
    }

    nset = n;

    if (nd) {
        argc[ncmd] = n;
        argv[ncmd++] = args;
    }

    /* the lapsed origins and the fields that do not parse */
    args[n++] = "HDEL";
    args[n++] = key;

    for (i = 0; i < v->nregions; i++) {
        r = &v->regions[i];

        if (!r->seen
            && (r->prev == TW_HINT_BAD
                || (r->prev == TW_HINT_ORIGIN && r->prev_expires <= p->now)))
        {
            args[n++] = r->name;
        }
    }

    ndel = n - nset;

    if (ndel > 2) {
        argc[ncmd] = ndel;
        argv[ncmd++] = args + nset;
    }

    if (latest) {
        snprintf(ttl, sizeof(ttl), "%lld", (long long) (latest - p->now
                 + p->conf.interval_ms / 1000));
        argc[ncmd] = 3;
        argv[ncmd++] = args + n;
        args[n++] = "EXPIRE";
        args[n++] = key;
        args[n++] = ttl;
    }

    for (i = 0; i < (uint32_t) nd; i++) {
        argc[ncmd] = 8;
        argv[ncmd++] = args + n;
        args[n++] = "XADD";
        args[n++] = "vo:placements";
        args[n++] = "MAXLEN";
        args[n++] = "~";
        args[n++] = maxlen;
        args[n++] = "*";
        args[n++] = "json";
        args[n++] = (const char *) dec[i].line.start;
    }

    if (ncmd == 0) {
        rc = 0;
        goto end;
    }

    for (i = 0; i < (uint32_t) n; i++) {
        lens[i] = strlen(args[i]);
    }

    for (i = 0; i < (uint32_t) ncmd; i++) {
        argvlen[i] = lens + (argv[i] - args);
    }

    if (tw_placer_send(p, argc, argv, argvlen, ncmd) != 0) {
        goto end;
    }

    tw_placer_logged(p, v, dec, nd);

    rc = 0;

end:

    free(argvlen);
    free(argv);
    free(argc);
    free(lens);
    free(args);
    free(dec);

    if (arena) {
        vo_arena_free(arena);
    }

    return rc;
}


/* n commands in one pipeline, every reply read; -1 when one failed */
static int
tw_placer_send(tw_placer_t *p, int argc[], const char **argv[],
    size_t *argvlen[], int n)
{
    int            i, bad;
    redisReply    *reply, *error;
    tw_rconn_t    *c;

    c = p->redis;

    for (i = 0; i < n; i++) {
        tw_redis_append_argv(c, argc[i], argv[i], argvlen[i]);
    }

    error = NULL;
    bad = 0;

    for (i = 0; i < n; i++) {
        if (tw_redis_reply(c, (void **) &reply) != REDIS_OK) {
            if (error) {
                freeReplyObject(error);
            }
            return tw_placer_redis_fail(p, argv[i][0], NULL);
        }

        /* the first error is kept, the other replies read */
        if (reply->type == REDIS_REPLY_ERROR && error == NULL) {
            error = reply;
            bad = i;
            continue;
        }

        freeReplyObject(reply);
    }

    if (error) {
        return tw_placer_redis_fail(p, argv[bad][0], error);
    }

    return 0;
}
