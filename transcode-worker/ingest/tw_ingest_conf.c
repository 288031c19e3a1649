/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tw_conf.h"
#include "common/tw_log.h"
#include "ingest/tw_ingest_conf.h"
#include "package/tw_package_cmd.h"


#define tw_ingoff(f)  offsetof(tw_ingest_conf_t, f)

static const tw_conf_key_t  tw_ingest_keys[] = {
    { "redis",            TW_CONF_STR,   tw_ingoff(redis), 0, 0, NULL },
    { "redis-timeout",    TW_CONF_MS,    tw_ingoff(redis_timeout_ms), 100,
                                         60000, NULL },
    { "consumer",         TW_CONF_STR,   tw_ingoff(consumer), 0, 0, NULL },
    { "jobs",             TW_CONF_U32,   tw_ingoff(jobs), 1, 256, NULL },
    { "chunk-segments",   TW_CONF_U32,   tw_ingoff(chunk_segments), 1,
                                         100000, NULL },
    { "eager",            TW_CONF_STR,   tw_ingoff(eager), 0, 0, NULL },
    { "ready",            TW_CONF_STR,   tw_ingoff(ready), 0, 0, NULL },
    { "claim-idle",       TW_CONF_MS,    tw_ingoff(claim_idle_ms), 100,
                                         86400000, NULL },
    { "max-deliveries",   TW_CONF_U32,   tw_ingoff(max_deliveries), 1, 1000,
                                         NULL },
    { "block",            TW_CONF_MS,    tw_ingoff(block_ms), 10, 60000,
                                         NULL },
    { "trim-interval",    TW_CONF_MS,    tw_ingoff(trim_ms), 1000, 86400000,
                                         NULL },
    { "metrics",          TW_CONF_STR,   tw_ingoff(metrics), 0, 0, NULL },
    { "listen-any",       TW_CONF_BOOL,  tw_ingoff(listen_any), 0, 0, NULL },
    { "segment-duration", TW_CONF_MS,    tw_ingoff(segment_ms), 1000, 60000,
                                         NULL },
    { "ladder",           TW_CONF_STR,   tw_ingoff(ladder), 0, 0, NULL },
    { "preset",           TW_CONF_STR,   tw_ingoff(preset), 0, 0, NULL },
    { "threads",          TW_CONF_U32,   tw_ingoff(threads), 1, 64, NULL },
    { "crf",              TW_CONF_U32,   tw_ingoff(crf), 0, 51, NULL },
    { "audio-bitrate",    TW_CONF_U32,   tw_ingoff(audio_kbps), 16, 512,
                                         NULL },
    { "formats",          TW_CONF_STR,   tw_ingoff(formats_name), 0, 0,
                                         NULL },
    { "log-level",        TW_CONF_LEVEL, 0, 0, 0, NULL },
    { NULL, 0, 0, 0, 0, NULL }
};


static int tw_ingest_default(char **field, const char *value);


int
tw_ingest_conf(int argc, char **argv, tw_ingest_conf_t *conf)
{
    char              host[200], name[256];
    tw_conf_table_t   tables[] = {
        { tw_ingest_keys, conf, NULL },
        tw_store_table(&conf->store),
        { NULL, NULL, NULL }
    };

    memset(conf, 0, sizeof(tw_ingest_conf_t));
    conf->redis_timeout_ms = 2000;
    conf->jobs = 1;
    conf->chunk_segments = 10;
    conf->claim_idle_ms = 60000;
    conf->max_deliveries = 3;
    conf->block_ms = 1000;
    conf->trim_ms = 60000;
    conf->segment_ms = 6000;
    conf->threads = 1;
    conf->crf = 23;
    conf->audio_kbps = 128;

    if (tw_conf_args(argc, argv, tables) != 0) {
        return -1;
    }

    if (gethostname(host, sizeof(host)) != 0) {
        strcpy(host, "localhost");
    }
    host[sizeof(host) - 1] = '\0';
    snprintf(name, sizeof(name), "%s:%ld", host, (long) getpid());

    if (tw_ingest_default(&conf->redis, "127.0.0.1:6379") != 0
        || tw_ingest_default(&conf->consumer, name) != 0
        || tw_ingest_default(&conf->eager, "lowest") != 0
        || tw_ingest_default(&conf->ready, "probe") != 0
        || tw_ingest_default(&conf->ladder, TW_DEFAULT_LADDER) != 0
        || tw_ingest_default(&conf->preset, "veryfast") != 0
        || tw_ingest_default(&conf->formats_name, "fmp4,ts") != 0)
    {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    if (strcmp(conf->ready, "probe") == 0) {
        conf->ready_policy = TW_READY_PROBE;

    } else if (strcmp(conf->ready, "eager") == 0) {
        conf->ready_policy = TW_READY_EAGER;

    } else {
        tw_log(TW_LOG_ERR, "ready \"%s\": probe or eager", conf->ready);
        return -1;
    }

    if (tw_parse_formats(conf->formats_name, &conf->formats) != 0) {
        return -1;
    }

    if (conf->store.spec == NULL) {
        tw_log(TW_LOG_ERR, "ingest needs a store (--store DIR or "
               "s3://BUCKET[/PREFIX])");
        return -1;
    }

    if (tw_store_init(&conf->store) != 0
        || tw_redis_conf(&conf->rconf, conf->redis) != 0)
    {
        return -1;
    }

    if (conf->rconf.addr == NULL) {
        tw_log(TW_LOG_ERR, "ingest needs Redis: \"redis\" is \"%s\"",
               conf->redis);
        return -1;
    }

    return 0;
}


static int
tw_ingest_default(char **field, const char *value)
{
    if (*field == NULL) {
        *field = strdup(value);
    }

    return *field ? 0 : -1;
}


void
tw_ingest_package_opts(const tw_ingest_conf_t *conf, const char *id,
    const char *source, tw_package_opts_t *o)
{
    memset(o, 0, sizeof(tw_package_opts_t));
    o->store = conf->store;
    o->id = id;
    o->source = source;
    o->segment_ms = conf->segment_ms;
    o->ladder = conf->ladder;
    o->preset = conf->preset;
    o->threads = conf->threads;
    o->jobs = 1;
    o->crf = conf->crf;
    o->audio_kbps = conf->audio_kbps;
    o->formats = conf->formats;
    o->eager = "none";
}


void
tw_ingest_conf_free(tw_ingest_conf_t *conf)
{
    tw_store_free(&conf->store);
    free(conf->redis);
    free(conf->consumer);
    free(conf->eager);
    free(conf->ready);
    free(conf->metrics);
    free(conf->ladder);
    free(conf->preset);
    free(conf->formats_name);
}
