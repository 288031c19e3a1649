/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vo_sign.h"
#include "common/tw_conf.h"
#include "common/tw_log.h"
#include "ingest/tw_upload_conf.h"
#include "store/tw_store.h"


static int tw_upload_secret(tw_upload_conf_t *conf);


#define tw_upoff(f)  offsetof(tw_upload_conf_t, f)

static const tw_conf_key_t  tw_upload_keys[] = {
    { "listen",         TW_CONF_STR,   tw_upoff(listen), 0, 0, NULL },
    { "listen-any",     TW_CONF_BOOL,  tw_upoff(listen_any), 0, 0, NULL },
    { "connections",    TW_CONF_U32,   tw_upoff(connections), 4,
                                       TW_UPLOAD_BUSY_MAX, NULL },
    { "redis",          TW_CONF_STR,   tw_upoff(redis), 0, 0, NULL },
    { "redis-timeout",  TW_CONF_MS,    tw_upoff(redis_timeout_ms), 100,
                                       60000, NULL },
    { "secret-file",    TW_CONF_STR,   tw_upoff(secret_file), 0, 0, NULL },
    { "spool",          TW_CONF_STR,   tw_upoff(spool), 0, 0, NULL },
    { "public-url",     TW_CONF_STR,   tw_upoff(public_url), 0, 0, NULL },
    { "cors-origin",    TW_CONF_STR,   tw_upoff(cors_origin), 0, 0, NULL },
    { "max-size",       TW_CONF_SIZE,  tw_upoff(max_size), 1,
                                       (uint64_t) 1 << 50, NULL },
    { "url-ttl",        TW_CONF_MS,    tw_upoff(url_ttl_ms), 1000,
                                       2592000000u, NULL },
    { "expiry",         TW_CONF_MS,    tw_upoff(expiry_ms), 1000,
                                       2592000000u, NULL },
    { "sweep-interval", TW_CONF_MS,    tw_upoff(sweep_ms), 100, 3600000,
                                       NULL },
    { "log-level",      TW_CONF_LEVEL, 0, 0, 0, NULL },
    { NULL, 0, 0, 0, 0, NULL }
};


int
tw_upload_conf(int argc, char **argv, tw_upload_conf_t *conf)
{
    size_t            n;
    tw_conf_table_t   tables[] = {
        { tw_upload_keys, conf, NULL },
        tw_store_table(&conf->store),
        { NULL, NULL, NULL }
    };

    memset(conf, 0, sizeof(tw_upload_conf_t));
    conf->connections = 256;
    conf->redis_timeout_ms = 1000;
    conf->max_size = (size_t) 10 << 30;
    conf->url_ttl_ms = 86400000u;
    conf->expiry_ms = 86400000u;
    conf->sweep_ms = 60000;

    if (tw_conf_args(argc, argv, tables) != 0) {
        return -1;
    }

    if (conf->listen == NULL) {
        tw_log(TW_LOG_ERR, "upload needs --listen (unix:/path or "
               "127.0.0.1:PORT)");
        return -1;
    }

    if (conf->store.spec == NULL) {
        tw_log(TW_LOG_ERR, "upload needs a store (--store DIR or "
               "s3://BUCKET[/PREFIX])");
        return -1;
    }

    if (tw_store_init(&conf->store) != 0 || tw_upload_secret(conf) != 0) {
        return -1;
    }

    if (conf->redis == NULL && (conf->redis = strdup("127.0.0.1:6379"))
                               == NULL)
    {
        goto nomem;
    }

    if (conf->public_url == NULL
        && (conf->public_url = strdup("/uploads")) == NULL)
    {
        goto nomem;
    }

    n = strlen(conf->public_url);
    while (n && conf->public_url[n - 1] == '/') {
        conf->public_url[--n] = '\0';
    }

    if (conf->cors_origin == NULL
        && (conf->cors_origin = strdup("*")) == NULL)
    {
        goto nomem;
    }

    /* a local store's spool is in its root, on its file system (a
     * rename makes the source), under a name no video id can have */
    if (conf->spool == NULL) {
        if (!tw_store_is_local(&conf->store)) {
            tw_log(TW_LOG_ERR, "upload to an s3 store needs --spool DIR");
            return -1;
        }

        n = strlen(conf->store.root) + sizeof("/.uploads");
        conf->spool = malloc(n);
        if (conf->spool == NULL) {
            goto nomem;
        }

        snprintf(conf->spool, n, "%s/.uploads", conf->store.root);
    }

    if (tw_mkdir_p(conf->spool) != 0) {
        return -1;
    }

    return 0;

nomem:

    tw_log(TW_LOG_ERR, "out of memory");
    return -1;
}


/* the URLs' HMAC secret: the file's first line, at least 16 bytes */
static int
tw_upload_secret(tw_upload_conf_t *conf)
{
    FILE    *f;
    size_t   n;

    if (conf->secret_file == NULL) {
        tw_log(TW_LOG_ERR, "upload needs --secret-file FILE: the secret "
               "that signs its upload URLs");
        return -1;
    }

    f = fopen(conf->secret_file, "r");
    if (f == NULL) {
        tw_log(TW_LOG_ERR, "cannot open secret-file \"%s\": %s",
               conf->secret_file, strerror(errno));
        return -1;
    }

    if (fgets(conf->secret, sizeof(conf->secret), f) == NULL) {
        conf->secret[0] = '\0';
    }

    fclose(f);

    n = strcspn(conf->secret, "\r\n");
    conf->secret[n] = '\0';
    conf->secret_len = n;

    if (n < VO_SIGN_SECRET_MIN) {
        tw_log(TW_LOG_ERR, "secret-file \"%s\": the first line must be at "
               "least %d bytes", conf->secret_file, VO_SIGN_SECRET_MIN);
        return -1;
    }

    return 0;
}


void
tw_upload_conf_free(tw_upload_conf_t *conf)
{
    tw_store_free(&conf->store);
    free(conf->listen);
    free(conf->redis);
    free(conf->secret_file);
    free(conf->spool);
    free(conf->public_url);
    free(conf->cors_origin);
    memset(conf->secret, 0, sizeof(conf->secret));
}
