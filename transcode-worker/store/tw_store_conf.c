/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The store's settings: one key table (tw_store.h lists the keys), read
 * by the configuration reader of every subcommand with a store (serve's
 * file and flags; package's and segment's flags, one by one), then
 * checked and completed by tw_store_init().
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tw_conf.h"
#include "common/tw_log.h"
#include "store/tw_store.h"


/* bits of tw_store_t.given: the index of the key in tw_store_keys */
#define TW_STORE_GIVEN_SPEC     (1u << 0)
#define TW_STORE_GIVEN_RETRIES  (1u << 6)


static int tw_store_spec(void *data, const tw_conf_key_t *key,
    const char *value, const char *where, int first);


#define tw_soff(f)  offsetof(tw_store_t, f)

const tw_conf_key_t  tw_store_keys[] = {
    { "store",              TW_CONF_CALL, 0, 0, 0, tw_store_spec },
    { "s3-endpoint",        TW_CONF_STR,  tw_soff(endpoint), 0, 0, NULL },
    { "s3-region",          TW_CONF_STR,  tw_soff(region), 0, 0, NULL },
    { "s3-path-style",      TW_CONF_BOOL, tw_soff(path_style), 0, 0, NULL },
    { "s3-connect-timeout", TW_CONF_MS,   tw_soff(connect_timeout_ms),
                                          100, 3600000, NULL },
    { "s3-timeout",         TW_CONF_MS,   tw_soff(timeout_ms),
                                          100, 3600000, NULL },
    { "s3-retries",         TW_CONF_U32,  tw_soff(retries),
                                          0, TW_S3_MAX_RETRIES, NULL },
    { "s3-multipart-size",  TW_CONF_SIZE, tw_soff(multipart_size),
                                          TW_S3_MIN_PART, TW_S3_MAX_PART,
                                          NULL },
    { "s3-part-size",       TW_CONF_SIZE, tw_soff(part_size),
                                          TW_S3_MIN_PART, TW_S3_MAX_PART,
                                          NULL },
    { "s3-read-ahead",      TW_CONF_SIZE, tw_soff(read_ahead),
                                          (size_t) 64 << 10,
                                          (size_t) 64 << 20, NULL },
    { NULL, 0, 0, 0, 0, NULL }
};


/* "DIR" or "s3://BUCKET[/PREFIX]" */
static int
tw_store_spec(void *data, const tw_conf_key_t *key, const char *value,
    const char *where, int first)
{
    char        *p;
    size_t       n;
    const char  *b, *slash;
    tw_store_t  *st = data;

    free(st->spec);
    free(st->root);
    free(st->bucket);
    free(st->prefix);
    st->spec = st->root = st->bucket = st->prefix = NULL;

    st->spec = strdup(value);
    if (st->spec == NULL) {
        goto nomem;
    }

    if (strncmp(value, "s3://", 5) != 0) {
        if (value[0] == '\0' || strstr(value, "://") != NULL) {
            tw_log(TW_LOG_ERR, "%s: invalid store \"%s\": a directory or "
                   "s3://BUCKET[/PREFIX]", where, value);
            return -1;
        }

        st->kind = TW_STORE_LOCAL;
        st->root = strdup(value);

        return st->root ? 0 : -1;
    }

    st->kind = TW_STORE_S3;

    b = value + 5;
    slash = strchr(b, '/');
    n = slash ? (size_t) (slash - b) : strlen(b);

    st->bucket = strndup(b, n);
    if (st->bucket == NULL) {
        goto nomem;
    }

    /* the prefix: "" or "a/b/", no empty, "." or ".." part */
    b = slash ? slash + 1 : "";
    n = strlen(b);

    st->prefix = malloc(n + 2);
    if (st->prefix == NULL) {
        goto nomem;
    }

    memcpy(st->prefix, b, n + 1);

    if (n && st->prefix[n - 1] != '/') {
        st->prefix[n++] = '/';
        st->prefix[n] = '\0';
    }

    for (p = st->prefix; *p; p = strchr(p, '/') + 1) {
        if (*p == '/' || strncmp(p, "./", 2) == 0
            || strncmp(p, "../", 3) == 0)
        {
            tw_log(TW_LOG_ERR, "%s: invalid prefix in store \"%s\"", where,
                   value);
            return -1;
        }
    }

    if (n > TW_S3_MAX_KEY / 2) {
        tw_log(TW_LOG_ERR, "%s: prefix too long in store \"%s\"", where,
               value);
        return -1;
    }

    return 0;

nomem:

    tw_log(TW_LOG_ERR, "out of memory");

    return -1;
}


int
tw_store_set(tw_store_t *st, const char *name, const char *value,
    const char *where)
{
    tw_conf_table_t  tables[] = { tw_store_table(st), { NULL, NULL, NULL } };

    return tw_conf_set(tables, name, value, where, 0);
}


int
tw_store_init(tw_store_t *st)
{
    size_t  n;

    if (st->spec == NULL) {
        tw_log(TW_LOG_ERR, "a store is required: --store DIR or "
               "--store s3://BUCKET[/PREFIX]");
        return -1;
    }

    if (st->kind == TW_STORE_LOCAL) {
        if (st->given & ~TW_STORE_GIVEN_SPEC) {
            tw_log(TW_LOG_ERR, "s3-* settings given with the local store "
                   "\"%s\"", st->spec);
            return -1;
        }

        return 0;
    }

    if (st->region == NULL) {
        st->region = getenv("AWS_REGION") ? strdup(getenv("AWS_REGION"))
                                          : NULL;
    }

    if (st->region == NULL || st->region[0] == '\0') {
        free(st->region);
        st->region = strdup("us-east-1");
    }

    if (st->endpoint == NULL && st->region) {
        /* AWS itself: the regional endpoint, virtual-hosted */
        n = strlen(st->region) + 32;
        st->endpoint = malloc(n);
        if (st->endpoint) {
            snprintf(st->endpoint, n, "https://s3.%s.amazonaws.com",
                     st->region);
        }
    }

    if (st->region == NULL || st->endpoint == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    st->s3.endpoint = st->endpoint;
    st->s3.region = st->region;
    st->s3.bucket = st->bucket;
    st->s3.path_style = st->path_style;
    st->s3.connect_timeout_ms = st->connect_timeout_ms;
    st->s3.timeout_ms = st->timeout_ms;
    st->s3.retries = (st->given & TW_STORE_GIVEN_RETRIES)
                     ? st->retries : TW_STORE_RETRIES;
    st->s3.multipart_size = st->multipart_size ? st->multipart_size
                                               : TW_S3_MULTIPART_SIZE;
    st->s3.part_size = st->part_size ? st->part_size : TW_S3_PART_SIZE;

    if (st->read_ahead == 0) {
        st->read_ahead = TW_STORE_READ_AHEAD;
    }

    if (tw_s3_conf_check(&st->s3) != 0 || tw_s3_init() != 0) {
        return -1;
    }

    return 0;
}


void
tw_store_free(tw_store_t *st)
{
    free(st->spec);
    free(st->root);
    free(st->bucket);
    free(st->prefix);
    free(st->endpoint);
    free(st->region);

    memset(st, 0, sizeof(tw_store_t));
}
