/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The store's settings: one table shared by the flags of package and
 * segment and by serve's configuration file and flags (tw_store.h lists
 * them).
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tw_log.h"
#include "serve/tw_serve.h"
#include "store/tw_store.h"


typedef enum {
    TW_STORE_SPEC,
    TW_STORE_STR,
    TW_STORE_BOOL,
    TW_STORE_MS,
    TW_STORE_COUNT,
    TW_STORE_SIZE
} tw_store_type_t;


typedef struct {
    const char         *name;
    tw_store_type_t     type;
    size_t              min;
    size_t              max;
} tw_store_key_t;


static int tw_store_spec(tw_store_t *st, const char *value,
    const char *where);


static const tw_store_key_t  tw_store_keys[] = {
    { "store",              TW_STORE_SPEC,  0, 0 },
    { "s3-endpoint",        TW_STORE_STR,   0, 0 },
    { "s3-region",          TW_STORE_STR,   0, 0 },
    { "s3-path-style",      TW_STORE_BOOL,  0, 0 },
    { "s3-connect-timeout", TW_STORE_MS,    100, 3600000 },
    { "s3-timeout",         TW_STORE_MS,    100, 3600000 },
    { "s3-retries",         TW_STORE_COUNT, 0, TW_S3_MAX_RETRIES },
    { "s3-multipart-size",  TW_STORE_SIZE,  TW_S3_MIN_PART, TW_S3_MAX_PART },
    { "s3-part-size",       TW_STORE_SIZE,  TW_S3_MIN_PART, TW_S3_MAX_PART },
    { "s3-read-ahead",      TW_STORE_SIZE,  (size_t) 64 << 10,
                                            (size_t) 64 << 20 },
    { NULL, 0, 0, 0 }
};


int
tw_parse_size(const char *s, size_t min, size_t max, size_t *v)
{
    char                *end;
    unsigned long long   n, mult;

    if (!isdigit((unsigned char) s[0])) {
        return -1;
    }

    errno = 0;
    n = strtoull(s, &end, 10);

    if (errno) {
        return -1;
    }

    switch (tolower((unsigned char) *end)) {
    case '\0':
        mult = 1;
        break;
    case 'k':
        mult = 1ULL << 10;
        break;
    case 'm':
        mult = 1ULL << 20;
        break;
    case 'g':
        mult = 1ULL << 30;
        break;
    default:
        return -1;
    }

    if (*end != '\0' && end[1] != '\0') {
        return -1;
    }

    if (n > (unsigned long long) SIZE_MAX / mult
        || n * mult < min || n * mult > max)
    {
        return -1;
    }

    *v = (size_t) (n * mult);

    return 0;
}


/* "DIR" or "s3://BUCKET[/PREFIX]" */
static int
tw_store_spec(tw_store_t *st, const char *value, const char *where)
{
    char        *p;
    size_t       n;
    const char  *b, *slash;

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
    char                 **str;
    size_t                 n;
    uint32_t               ms;
    const tw_store_key_t  *k;

    for (k = tw_store_keys; k->name; k++) {
        if (strcmp(k->name, name) == 0) {
            break;
        }
    }

    if (k->name == NULL) {
        return 1;
    }

    if (k->type != TW_STORE_SPEC) {
        st->s3_set = 1;
    }

    switch (k->type) {

    case TW_STORE_SPEC:
        return tw_store_spec(st, value, where);

    case TW_STORE_STR:
        str = strcmp(name, "s3-endpoint") == 0 ? &st->endpoint : &st->region;
        free(*str);
        *str = strdup(value);
        return *str ? 0 : -1;

    case TW_STORE_BOOL:
        if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
            tw_log(TW_LOG_ERR, "%s: \"%s\" takes on or off", where, name);
            return -1;
        }
        st->s3.path_style = value[1] == 'n';
        return 0;

    case TW_STORE_MS:
        if (tw_parse_ms(value, &ms) != 0 || ms < k->min || ms > k->max) {
            tw_log(TW_LOG_ERR, "%s: \"%s\" must be a duration (\"500ms\", "
                   "\"30s\", \"2m\") from %zu ms to %zu ms", where, name,
                   k->min, k->max);
            return -1;
        }

        if (strcmp(name, "s3-timeout") == 0) {
            st->s3.timeout_ms = ms;

        } else {
            st->s3.connect_timeout_ms = ms;
        }
        return 0;

    case TW_STORE_COUNT:
        if (tw_parse_size(value, k->min, k->max, &n) != 0
            || !isdigit((unsigned char) value[strlen(value) - 1]))
        {
            tw_log(TW_LOG_ERR, "%s: \"%s\" must be a number from %zu to %zu",
                   where, name, k->min, k->max);
            return -1;
        }
        st->s3.retries = (uint32_t) n;
        st->retries_set = 1;
        return 0;

    case TW_STORE_SIZE:
        if (tw_parse_size(value, k->min, k->max, &n) != 0) {
            tw_log(TW_LOG_ERR, "%s: \"%s\" must be a size (\"512k\", "
                   "\"16m\", \"1g\") from %zu KiB to %zu MiB", where, name,
                   k->min >> 10, k->max >> 20);
            return -1;
        }

        if (strcmp(name, "s3-multipart-size") == 0) {
            st->s3.multipart_size = n;

        } else if (strcmp(name, "s3-part-size") == 0) {
            st->s3.part_size = n;

        } else {
            st->read_ahead = n;
        }
        return 0;
    }

    return -1;
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
        if (st->s3_set) {
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

    if (!st->retries_set) {
        st->s3.retries = TW_STORE_RETRIES;
    }

    if (st->s3.multipart_size == 0) {
        st->s3.multipart_size = TW_S3_MULTIPART_SIZE;
    }

    if (st->s3.part_size == 0) {
        st->s3.part_size = TW_S3_PART_SIZE;
    }

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
