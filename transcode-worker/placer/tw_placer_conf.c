/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Configuration of "placer": its key table, read by the worker's
 * configuration reader (common/tw_conf.h) from the "key value" file of
 * --config and the flags "--key value" of the same names that override
 * it; "--once" alone takes no value.  conf/placer.conf is the commented
 * sample.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tw_conf.h"
#include "common/tw_log.h"
#include "placer/tw_placer_conf.h"


static int tw_placer_score(void *data, const tw_conf_key_t *key,
    const char *value, const char *where, int first);
static int tw_placer_policy(void *data, const tw_conf_key_t *key,
    const char *value, const char *where, int first);
static int tw_placer_now(void *data, const tw_conf_key_t *key,
    const char *value, const char *where, int first);


#define tw_ploff(f)  offsetof(tw_placer_conf_t, f)

static const tw_conf_key_t  tw_placer_keys[] = {
    { "redis",         TW_CONF_STR,    tw_ploff(redis), 0, 0, NULL },
    { "log",           TW_CONF_STR,    tw_ploff(log), 0, 0, NULL },
    { "status",        TW_CONF_STR,    tw_ploff(status), 0, 0, NULL },
    { "interval",      TW_CONF_MS,     tw_ploff(interval_ms),
                                       1000, 86400000, NULL },
    { "window",        TW_CONF_MS,     tw_ploff(window_ms),
                                       3600000, 2678400000u, NULL },
    { "half-life",     TW_CONF_MS,     tw_ploff(half_life_ms),
                                       60000, 2678400000u, NULL },
    { "threshold",     TW_CONF_CALL,   0, 0, 0, tw_placer_score },
    { "policy",        TW_CONF_CALL,   0, 0, 0, tw_placer_policy },
    { "model",         TW_CONF_STR,    tw_ploff(model), 0, 0, NULL },
    { "scan-count",    TW_CONF_U32,    tw_ploff(scan_count), 10, 100000,
                                       NULL },
    { "stream-max",    TW_CONF_U32,    tw_ploff(stream_max),
                                       100, 100000000, NULL },
    { "redis-timeout", TW_CONF_MS,     tw_ploff(redis_timeout_ms),
                                       100, 60000, NULL },
    { "max-pairs",     TW_CONF_U32,    tw_ploff(max_pairs),
                                       1, 100000000, NULL },
    { "now",           TW_CONF_CALL,   0, 0, 0, tw_placer_now },
    { "log-level",     TW_CONF_LEVEL,  0, 0, 0, NULL },
    { "once",          TW_CONF_SWITCH, tw_ploff(once), 0, 0, NULL },
    { NULL, 0, 0, 0, 0, NULL }
};


/* decayed views: a decimal with at most 3 decimals, kept x 1000 so that
 * the comparison is the one of the written value */
static int
tw_placer_score(void *data, const tw_conf_key_t *key, const char *value,
    const char *where, int first)
{
    size_t             n, d;
    uint64_t           v;
    const char        *p;
    tw_placer_conf_t  *conf = data;

    n = strspn(value, "0123456789");
    p = value + n;
    d = 0;

    if (*p == '.') {
        d = strspn(p + 1, "0123456789");
        p += 1 + d;
    }

    if (n == 0 || n > 9 || d > 3 || *p) {
        tw_log(TW_LOG_ERR, "%s: \"threshold\" must be a decimal number of "
               "views (\"20\", \"2.5\"), at most 3 decimals", where);
        return -1;
    }

    v = strtoull(value, NULL, 10) * 1000;

    if (d) {
        v += strtoull(value + n + 1, NULL, 10) * (d == 1 ? 100 : d == 2 ? 10
                                                                      : 1);
    }

    conf->threshold_milli = v;

    return 0;
}


/* threshold or learned */
static int
tw_placer_policy(void *data, const tw_conf_key_t *key, const char *value,
    const char *where, int first)
{
    tw_placer_conf_t  *conf = data;

    if (strcmp(value, "threshold") != 0 && strcmp(value, "learned") != 0) {
        tw_log(TW_LOG_ERR, "%s: \"policy\" is \"threshold\" or "
               "\"learned\"", where);
        return -1;
    }

    conf->learned = value[0] == 'l';

    return 0;
}


/* a fixed time for the runs, for tests and replays */
static int
tw_placer_now(void *data, const tw_conf_key_t *key, const char *value,
    const char *where, int first)
{
    char              *end;
    long long          t;
    tw_placer_conf_t  *conf = data;

    errno = 0;
    t = strtoll(value, &end, 10);

    if (value[0] < '1' || value[0] > '9' || *end || errno
        || t > 4102444800LL)
    {
        tw_log(TW_LOG_ERR, "%s: \"now\" must be unix seconds", where);
        return -1;
    }

    conf->now = t;

    return 0;
}


int
tw_placer_conf(int argc, char **argv, tw_placer_conf_t *conf)
{
    char             *s;
    size_t            n;
    tw_conf_table_t   tables[] = {
        { tw_placer_keys, conf, NULL },
        { NULL, NULL, NULL }
    };

    memset(conf, 0, sizeof(tw_placer_conf_t));
    conf->interval_ms = 60000;
    conf->window_ms = 72 * 3600000u;
    conf->half_life_ms = 24 * 3600000u;
    conf->threshold_milli = 20000;
    conf->scan_count = 1000;
    conf->stream_max = 100000;
    conf->redis_timeout_ms = 2000;
    conf->max_pairs = 1000000;

    if (tw_conf_args(argc, argv, tables) != 0) {
        return -1;
    }

    /* placer train (argv[0] "train") writes no decisions */
    if (conf->log == NULL && strcmp(argv[0], "train") == 0) {
        conf->log = strdup("/dev/null");
    }

    if (conf->log == NULL) {
        tw_log(TW_LOG_ERR, "placer needs a placement log (--log FILE): "
               "every decision is appended to it");
        return -1;
    }

    if (conf->learned && conf->model == NULL
        && strcmp(argv[0], "train") != 0)
    {
        tw_log(TW_LOG_ERR, "placer: \"policy learned\" needs \"model "
               "FILE\" (transcode-worker simulate --train --out FILE)");
        return -1;
    }

    if (conf->redis == NULL) {
        conf->redis = strdup("127.0.0.1:6379");
    }

    if (conf->status == NULL) {
        n = strlen(conf->log) + sizeof(".status");
        s = malloc(n);
        if (s) {
            snprintf(s, n, "%s.status", conf->log);
        }
        conf->status = s;
    }

    if (conf->redis == NULL || conf->status == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    return 0;
}


void
tw_placer_conf_free(tw_placer_conf_t *conf)
{
    free(conf->redis);
    free(conf->log);
    free(conf->status);
    free(conf->model);
}
