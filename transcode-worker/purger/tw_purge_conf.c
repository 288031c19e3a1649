/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Configuration of "purger": the same "key value" file as "serve" ('#'
 * starts a comment) and flags "--key value" of the same names, flags
 * overriding the file.  conf/purger.conf is the commented sample.
 * Secrets are never settings: they come from the environment only.
 */

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tw_log.h"
#include "purger/tw_purge.h"
#include "serve/tw_serve.h"


typedef enum {
    TW_PCONF_STR,
    TW_PCONF_U32,
    TW_PCONF_MS,
    TW_PCONF_LEVEL
} tw_pconf_type_t;


typedef struct {
    const char         *name;
    tw_pconf_type_t     type;
    size_t              offset;
    uint32_t            min;
    uint32_t            max;
} tw_pconf_key_t;


static int tw_purge_conf_set(tw_purge_conf_t *conf, const char *name,
    const char *value, const char *where);
static int tw_purge_conf_file_set(void *data, char *name, char *value,
    const char *where);
static int tw_purge_conf_default(char **field, const char *value);
static int tw_purge_origin(tw_purge_conf_t *conf);


#define tw_poff(f)  offsetof(tw_purge_conf_t, f)

static const tw_pconf_key_t  tw_purge_keys[] = {
    { "journal",         TW_PCONF_STR, tw_poff(journal), 0, 0 },
    { "state",           TW_PCONF_STR, tw_poff(state), 0, 0 },
    { "status",          TW_PCONF_STR, tw_poff(status), 0, 0 },
    { "origin",          TW_PCONF_STR, tw_poff(origin), 0, 0 },
    { "poll",            TW_PCONF_MS,  tw_poff(poll_ms), 10, 10000 },
    { "connect-timeout", TW_PCONF_MS,  tw_poff(connect_timeout_ms),
                                       100, 60000 },
    { "timeout",         TW_PCONF_MS,  tw_poff(timeout_ms), 200, 600000 },
    { "retry-delay",     TW_PCONF_MS,  tw_poff(retry_ms), 10, 3600000 },
    { "retry-max-delay", TW_PCONF_MS,  tw_poff(retry_max_ms), 10,
                                       86400000 },
    { "attempts",        TW_PCONF_U32, tw_poff(attempts), 1, 100 },
    { "failures-kept",   TW_PCONF_U32, tw_poff(failures), 1, 1000 },
    { "queue",           TW_PCONF_U32, tw_poff(queue), 16, 1000000 },
    { "cloudfront-distribution", TW_PCONF_STR,
                         tw_poff(cloudfront_distribution), 0, 0 },
    { "cloudfront-endpoint", TW_PCONF_STR,
                         tw_poff(cloudfront_endpoint), 0, 0 },
    { "cloudfront-batch", TW_PCONF_U32, tw_poff(cloudfront_batch), 1, 3000 },
    { "cloudflare-zone", TW_PCONF_STR, tw_poff(cloudflare_zone), 0, 0 },
    { "cloudflare-host", TW_PCONF_STR, tw_poff(cloudflare_host), 0, 0 },
    { "cloudflare-endpoint", TW_PCONF_STR,
                         tw_poff(cloudflare_endpoint), 0, 0 },
    { "cloudflare-batch", TW_PCONF_U32, tw_poff(cloudflare_batch), 1, 30 },
    { "log-level",       TW_PCONF_LEVEL, 0, 0, 0 },
    { NULL, 0, 0, 0, 0 }
};


static int
tw_purge_conf_set(tw_purge_conf_t *conf, const char *name,
    const char *value, const char *where)
{
    char                 **str;
    const tw_pconf_key_t  *k;

    for (k = tw_purge_keys; k->name; k++) {
        if (strcmp(k->name, name) == 0) {
            break;
        }
    }

    if (k->name == NULL) {
        tw_log(TW_LOG_ERR, "%s: unknown setting \"%s\"", where, name);
        return -1;
    }

    switch (k->type) {

    case TW_PCONF_STR:
        str = (char **) ((char *) conf + k->offset);
        free(*str);
        *str = strdup(value);
        if (*str == NULL) {
            tw_log(TW_LOG_ERR, "out of memory");
            return -1;
        }
        return 0;

    case TW_PCONF_U32:
        return tw_conf_u32(where, name, value, k->min, k->max,
                           (uint32_t *) ((char *) conf + k->offset));

    case TW_PCONF_MS:
        return tw_conf_ms(where, name, value, k->min, k->max,
                          (uint32_t *) ((char *) conf + k->offset));

    case TW_PCONF_LEVEL:
        if (tw_log_set_level(value) != 0) {
            tw_log(TW_LOG_ERR, "%s: invalid log-level \"%s\"", where, value);
            return -1;
        }
        return 0;
    }

    return -1;
}


static int
tw_purge_conf_file_set(void *data, char *name, char *value, const char *where)
{
    return tw_purge_conf_set(data, name, value, where);
}


static int
tw_purge_conf_default(char **field, const char *value)
{
    if (*field) {
        return 0;
    }

    *field = strdup(value);

    if (*field == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    return 0;
}


/* the name in CallerReferences: the configured one, checked, or the
 * host name with anything but letters, digits and "._-" made '-' */
static int
tw_purge_origin(tw_purge_conf_t *conf)
{
    char    host[TW_PURGE_ORIGIN_MAX + 1], *s;
    size_t  n;

    if (conf->origin) {
        n = strlen(conf->origin);

        if (n == 0 || n > TW_PURGE_ORIGIN_MAX
            || strspn(conf->origin, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
        {
            tw_log(TW_LOG_ERR, "invalid origin \"%s\": 1 to %d letters, "
                   "digits and \"._-\"", conf->origin, TW_PURGE_ORIGIN_MAX);
            return -1;
        }

        return 0;
    }

    if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0') {
        strcpy(host, "localhost");
    }

    host[sizeof(host) - 1] = '\0';

    for (s = host; *s; s++) {
        if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789._-", *s) == NULL)
        {
            *s = '-';
        }
    }

    conf->origin = strdup(host);

    if (conf->origin == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    return 0;
}


int
tw_purge_conf(int argc, char **argv, tw_purge_conf_t *conf)
{
    int          i;
    char        *s;
    size_t       n;
    const char  *file;

    memset(conf, 0, sizeof(tw_purge_conf_t));
    conf->poll_ms = 200;
    conf->connect_timeout_ms = 5000;
    conf->timeout_ms = 30000;
    conf->retry_ms = 1000;
    conf->retry_max_ms = 120000;
    conf->attempts = 10;
    conf->failures = 20;
    conf->queue = 10000;
    conf->cloudfront_batch = 15;
    conf->cloudflare_batch = 30;

    /* argv[0] is "purger"; flags come in pairs */
    file = NULL;

    for (i = 1; i < argc; i += 2) {
        if (strncmp(argv[i], "--", 2) != 0 || i + 1 >= argc) {
            tw_log(TW_LOG_ERR, "unexpected argument \"%s\": purger takes "
                   "--name value pairs", argv[i]);
            return -1;
        }

        if (strcmp(argv[i], "--config") == 0) {
            file = argv[i + 1];
        }
    }

    if (file && tw_conf_read(file, tw_purge_conf_file_set, conf) != 0) {
        return -1;
    }

    for (i = 1; i < argc; i += 2) {
        if (strcmp(argv[i], "--config") != 0
            && tw_purge_conf_set(conf, argv[i] + 2, argv[i + 1],
                                 "command line")
               != 0)
        {
            return -1;
        }
    }

    if (conf->journal == NULL) {
        tw_log(TW_LOG_ERR, "purger needs a journal (--journal FILE)");
        return -1;
    }

    if (conf->cloudfront_distribution == NULL
        && conf->cloudflare_zone == NULL)
    {
        tw_log(TW_LOG_ERR, "purger needs a CDN: cloudfront-distribution "
               "or cloudflare-zone (or both)");
        return -1;
    }

    if (conf->cloudflare_zone && conf->cloudflare_host == NULL) {
        tw_log(TW_LOG_ERR, "cloudflare-zone needs cloudflare-host, the "
               "public host name the purged paths are under");
        return -1;
    }

    if (conf->retry_max_ms < conf->retry_ms) {
        tw_log(TW_LOG_ERR, "retry-max-delay (%u ms) is below retry-delay "
               "(%u ms)", conf->retry_max_ms, conf->retry_ms);
        return -1;
    }

    n = strlen(conf->journal) + sizeof(".status");

    if (conf->state == NULL) {
        s = malloc(n);
        if (s == NULL) {
            tw_log(TW_LOG_ERR, "out of memory");
            return -1;
        }
        snprintf(s, n, "%s.state", conf->journal);
        conf->state = s;
    }

    if (conf->status == NULL) {
        s = malloc(n);
        if (s == NULL) {
            tw_log(TW_LOG_ERR, "out of memory");
            return -1;
        }
        snprintf(s, n, "%s.status", conf->journal);
        conf->status = s;
    }

    if (tw_purge_origin(conf) != 0
        || tw_purge_conf_default(&conf->cloudfront_endpoint,
                                 "https://cloudfront.amazonaws.com") != 0
        || tw_purge_conf_default(&conf->cloudflare_endpoint,
                                 "https://api.cloudflare.com") != 0)
    {
        return -1;
    }

    return 0;
}


void
tw_purge_conf_free(tw_purge_conf_t *conf)
{
    free(conf->journal);
    free(conf->state);
    free(conf->status);
    free(conf->origin);
    free(conf->cloudfront_distribution);
    free(conf->cloudfront_endpoint);
    free(conf->cloudflare_zone);
    free(conf->cloudflare_host);
    free(conf->cloudflare_endpoint);
}
