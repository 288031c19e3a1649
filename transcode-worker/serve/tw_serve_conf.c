/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Configuration of "serve": one table of keys beside the store's, read
 * by the worker's configuration reader (common/tw_conf.h) from the file
 * and the flags.  --listen given as a flag replaces every listen of the
 * file.
 */

#include <stdlib.h>
#include <string.h>

#include "common/tw_conf.h"
#include "common/tw_log.h"
#include "package/tw_package.h"
#include "serve/tw_serve_conf.h"


static int tw_serve_listen(void *data, const tw_conf_key_t *key,
    const char *value, const char *where, int first);
static int tw_serve_share(void *data, const tw_conf_key_t *key,
    const char *value, const char *where, int first);


#define tw_off(f)  offsetof(tw_serve_conf_t, f)

static const tw_conf_key_t  tw_serve_keys[] = {
    { "listen",      TW_CONF_CALL,  0, 0, 0, tw_serve_listen },
    { "slots",       TW_CONF_U32,   tw_off(slots), 1, 256, NULL },
    { "queue",       TW_CONF_U32,   tw_off(queue), 1, 100000, NULL },
    { "heavy-share", TW_CONF_CALL,  0, 0, 0, tw_serve_share },
    { "connections", TW_CONF_U32,   tw_off(connections), 4, 65536, NULL },
    { "redis",       TW_CONF_STR,   tw_off(redis), 0, 0, NULL },
    { "lock-ttl",    TW_CONF_MS,    tw_off(lock_ttl_ms), 500, 3600000,
                                    NULL },
    { "wait",        TW_CONF_MS,    tw_off(wait_ms), 100, 3600000, NULL },
    { "prefetch",    TW_CONF_BOOL,  tw_off(prefetch), 0, 0, NULL },
    { "listen-any",  TW_CONF_BOOL,  tw_off(listen_any), 0, 0, NULL },
    { "log-level",   TW_CONF_LEVEL, 0, 0, 0, NULL },
    { NULL, 0, 0, 0, 0, NULL }
};


/* a list: the file's lines add up, and so do the flags, which replace
 * the file's */
static int
tw_serve_listen(void *data, const tw_conf_key_t *key, const char *value,
    const char *where, int first)
{
    tw_serve_conf_t  *conf = data;

    if (first) {
        while (conf->nlisten) {
            free(conf->listen[--conf->nlisten]);
        }
    }

    if (conf->nlisten == TW_LISTEN_MAX) {
        tw_log(TW_LOG_ERR, "%s: more than %d listen addresses", where,
               TW_LISTEN_MAX);
        return -1;
    }

    conf->listen[conf->nlisten] = strdup(value);

    if (conf->listen[conf->nlisten] == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    conf->nlisten++;

    return 0;
}


/* a share: a decimal number above 0 and at most 1 */
static int
tw_serve_share(void *data, const tw_conf_key_t *key, const char *value,
    const char *where, int first)
{
    char             *end;
    double            v;
    tw_serve_conf_t  *conf = data;

    v = strtod(value, &end);

    if (end == value || *end != '\0' || !(v > 0.0 && v <= 1.0)) {
        tw_log(TW_LOG_ERR, "%s: %s \"%s\": a share above 0 and at most 1 "
               "(0.5: half of the slots)", where, key->name, value);
        return -1;
    }

    conf->heavy_share = v;

    return 0;
}


/* share of n, rounded down, at least 1 */
static uint32_t
tw_serve_part(double share, uint32_t n)
{
    uint32_t  k;

    k = (uint32_t) (share * n + 1e-9);

    return k ? k : 1;
}


int
tw_serve_conf(int argc, char **argv, tw_serve_conf_t *conf)
{
    tw_conf_table_t  tables[] = {
        { tw_serve_keys, conf, NULL },
        tw_store_table(&conf->store),
        { NULL, NULL, NULL }
    };

    memset(conf, 0, sizeof(tw_serve_conf_t));
    conf->lock_ttl_ms = 10000;
    conf->wait_ms = 20000;
    conf->connections = 1024;
    conf->prefetch = 1;
    conf->heavy_share = 0.5;

    if (tw_conf_args(argc, argv, tables) != 0) {
        return -1;
    }

    if (conf->store.spec == NULL) {
        tw_log(TW_LOG_ERR, "serve needs a store (--store DIR or "
               "s3://BUCKET[/PREFIX])");
        return -1;
    }

    if (tw_store_init(&conf->store) != 0) {
        return -1;
    }

    if (conf->nlisten == 0) {
        tw_log(TW_LOG_ERR, "serve needs at least one --listen "
               "(unix:/path or 127.0.0.1:PORT)");
        return -1;
    }

    if (conf->slots == 0) {
        conf->slots = tw_ncpus();
    }

    if (conf->queue == 0) {
        conf->queue = 2 * conf->slots;
    }

    conf->heavy_slots = tw_serve_part(conf->heavy_share, conf->slots);
    conf->heavy_queue = tw_serve_part(conf->heavy_share, conf->queue);

    return 0;
}


void
tw_serve_conf_free(tw_serve_conf_t *conf)
{
    tw_store_free(&conf->store);
    free(conf->redis);

    while (conf->nlisten) {
        free(conf->listen[--conf->nlisten]);
    }
}
