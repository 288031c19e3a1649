/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Configuration of "placer": the "key value" file of serve and purger
 * ('#' starts a comment), and flags "--key value" of the same names that
 * override it; "--once" alone takes no value.  conf/placer.conf is the
 * commented sample.
 */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tw_log.h"
#include "placer/tw_placer.h"
#include "serve/tw_serve.h"


typedef enum {
    TW_PLCONF_STR,
    TW_PLCONF_U32,
    TW_PLCONF_MS,
    TW_PLCONF_SCORE,
    TW_PLCONF_TIME,
    TW_PLCONF_LEVEL
} tw_plconf_type_t;


typedef struct {
    const char         *name;
    tw_plconf_type_t    type;
    size_t              offset;
    uint32_t            min;
    uint32_t            max;
} tw_plconf_key_t;


static int tw_placer_conf_set(tw_placer_conf_t *conf, const char *name,
    const char *value, const char *where);
static int tw_placer_conf_file_set(void *data, char *name, char *value,
    const char *where);
static int tw_placer_score(const char *where, const char *value,
    uint64_t *milli);


#define tw_ploff(f)  offsetof(tw_placer_conf_t, f)

static const tw_plconf_key_t  tw_placer_keys[] = {
    { "redis",         TW_PLCONF_STR,   tw_ploff(redis), 0, 0 },
    { "log",           TW_PLCONF_STR,   tw_ploff(log), 0, 0 },
    { "status",        TW_PLCONF_STR,   tw_ploff(status), 0, 0 },
    { "interval",      TW_PLCONF_MS,    tw_ploff(interval_ms),
                                        1000, 86400000 },
    { "window",        TW_PLCONF_MS,    tw_ploff(window_ms),
                                        3600000, 2678400000u },
    { "half-life",     TW_PLCONF_MS,    tw_ploff(half_life_ms),
                                        60000, 2678400000u },
    { "threshold",     TW_PLCONF_SCORE, tw_ploff(threshold_milli), 0, 0 },
    { "scan-count",    TW_PLCONF_U32,   tw_ploff(scan_count), 10, 100000 },
    { "stream-max",    TW_PLCONF_U32,   tw_ploff(stream_max),
                                        100, 100000000 },
    { "redis-timeout", TW_PLCONF_MS,    tw_ploff(redis_timeout_ms),
                                        100, 60000 },
    { "max-pairs",     TW_PLCONF_U32,   tw_ploff(max_pairs),
                                        1, 100000000 },
    { "now",           TW_PLCONF_TIME,  tw_ploff(now), 0, 0 },
    { "log-level",     TW_PLCONF_LEVEL, 0, 0, 0 },
    { NULL, 0, 0, 0, 0 }
};


static int
tw_placer_conf_set(tw_placer_conf_t *conf, const char *name,
    const char *value, const char *where)
{
    char                   **str, *end;
    long long                t;
    const tw_plconf_key_t   *k;

    for (k = tw_placer_keys; k->name; k++) {
        if (strcmp(k->name, name) == 0) {
            break;
        }
    }

    if (k->name == NULL) {
        tw_log(TW_LOG_ERR, "%s: unknown setting \"%s\"", where, name);
        return -1;
    }

    switch (k->type) {

    case TW_PLCONF_STR:
        str = (char **) ((char *) conf + k->offset);
        free(*str);
        *str = strdup(value);
        if (*str == NULL) {
            tw_log(TW_LOG_ERR, "out of memory");
            return -1;
        }
        return 0;

    case TW_PLCONF_U32:
        return tw_conf_u32(where, name, value, k->min, k->max,
                           (uint32_t *) ((char *) conf + k->offset));

    case TW_PLCONF_MS:
        return tw_conf_ms(where, name, value, k->min, k->max,
                          (uint32_t *) ((char *) conf + k->offset));

    case TW_PLCONF_SCORE:
        return tw_placer_score(where, value, &conf->threshold_milli);

    case TW_PLCONF_TIME:
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

    case TW_PLCONF_LEVEL:
        if (tw_log_set_level(value) != 0) {
            tw_log(TW_LOG_ERR, "%s: invalid log-level \"%s\"", where, value);
            return -1;
        }
        return 0;
    }

    return -1;
}


/* decayed views: a decimal with at most 3 decimals, kept x 1000 so that
 * the comparison is the one of the written value */
static int
tw_placer_score(const char *where, const char *value, uint64_t *milli)
{
    size_t       n, d;
    uint64_t     v;
    const char  *p;

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

    *milli = v;

    return 0;
}


static int
tw_placer_conf_file_set(void *data, char *name, char *value,
    const char *where)
{
    return tw_placer_conf_set(data, name, value, where);
}


int
tw_placer_conf(int argc, char **argv, tw_placer_conf_t *conf)
{
    int          i;
    char        *s;
    size_t       n;
    const char  *file;

    memset(conf, 0, sizeof(tw_placer_conf_t));
    conf->interval_ms = 60000;
    conf->window_ms = 72 * 3600000u;
    conf->half_life_ms = 24 * 3600000u;
    conf->threshold_milli = 20000;
    conf->scan_count = 1000;
    conf->stream_max = 100000;
    conf->redis_timeout_ms = 2000;
    conf->max_pairs = 1000000;

    /* argv[0] is "placer"; flags come in pairs but --once */
    file = NULL;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0) {
            conf->once = 1;
            continue;
        }

        if (strncmp(argv[i], "--", 2) != 0 || i + 1 >= argc) {
            tw_log(TW_LOG_ERR, "unexpected argument \"%s\": placer takes "
                   "--name value pairs and --once", argv[i]);
            return -1;
        }

        if (strcmp(argv[i], "--config") == 0) {
            file = argv[i + 1];
        }

        i++;
    }

    if (file
        && tw_conf_read(file, tw_placer_conf_file_set, conf) != 0)
    {
        return -1;
    }

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0) {
            continue;
        }

        if (strcmp(argv[i], "--config") != 0
            && tw_placer_conf_set(conf, argv[i] + 2, argv[i + 1],
                                  "command line")
               != 0)
        {
            return -1;
        }

        i++;
    }

    if (conf->log == NULL) {
        tw_log(TW_LOG_ERR, "placer needs a placement log (--log FILE): "
               "every decision is appended to it");
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
}
