/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Configuration of "purger": its key table, read by the worker's
 * configuration reader (common/tw_conf.h) from the "key value" file of
 * --config and the flags "--key value" of the same names, flags
 * overriding the file.  conf/purger.conf is the commented sample.
 * Secrets are never settings: they come from the environment only.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tw_conf.h"
#include "common/tw_log.h"
#include "purger/tw_purge.h"


static int tw_purge_conf_default(char **field, const char *value);
static int tw_purge_origin(tw_purge_conf_t *conf);


#define tw_poff(f)  offsetof(tw_purge_conf_t, f)

static const tw_conf_key_t  tw_purge_keys[] = {
    { "journal",         TW_CONF_STR, tw_poff(journal), 0, 0, NULL },
    { "state",           TW_CONF_STR, tw_poff(state), 0, 0, NULL },
    { "status",          TW_CONF_STR, tw_poff(status), 0, 0, NULL },
    { "origin",          TW_CONF_STR, tw_poff(origin), 0, 0, NULL },
    { "poll",            TW_CONF_MS,  tw_poff(poll_ms), 10, 10000, NULL },
    { "connect-timeout", TW_CONF_MS,  tw_poff(connect_timeout_ms),
                                      100, 60000, NULL },
    { "timeout",         TW_CONF_MS,  tw_poff(timeout_ms), 200, 600000,
                                      NULL },
    { "retry-delay",     TW_CONF_MS,  tw_poff(retry_ms), 10, 3600000,
                                      NULL },
    { "retry-max-delay", TW_CONF_MS,  tw_poff(retry_max_ms), 10,
                                      86400000, NULL },
    { "attempts",        TW_CONF_U32, tw_poff(attempts), 1, 100, NULL },
    { "failures-kept",   TW_CONF_U32, tw_poff(failures), 1, 1000, NULL },
    { "queue",           TW_CONF_U32, tw_poff(queue), 16, 1000000, NULL },
    { "cloudfront-distribution", TW_CONF_STR,
                         tw_poff(cloudfront_distribution), 0, 0, NULL },
    { "cloudfront-endpoint", TW_CONF_STR,
                         tw_poff(cloudfront_endpoint), 0, 0, NULL },
    { "cloudfront-batch", TW_CONF_U32, tw_poff(cloudfront_batch), 1, 3000,
                         NULL },
    { "cloudflare-zone", TW_CONF_STR, tw_poff(cloudflare_zone), 0, 0,
                         NULL },
    { "cloudflare-host", TW_CONF_STR, tw_poff(cloudflare_host), 0, 0,
                         NULL },
    { "cloudflare-endpoint", TW_CONF_STR,
                         tw_poff(cloudflare_endpoint), 0, 0, NULL },
    { "cloudflare-batch", TW_CONF_U32, tw_poff(cloudflare_batch), 1, 30,
                         NULL },
    { "log-level",       TW_CONF_LEVEL, 0, 0, 0, NULL },
    { NULL, 0, 0, 0, 0, NULL }
};


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
    char              *s;
    size_t             n;
    tw_conf_table_t    tables[] = {
        { tw_purge_keys, conf, NULL },
        { NULL, NULL, NULL }
    };

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

    if (tw_conf_args(argc, argv, tables) != 0) {
        return -1;
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
