/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Configuration of "serve": one table of keys, read from a file of
 * "key value" lines ('#' starts a comment) and from flags "--key value"
 * with the same names.  Flags override the file; --listen given as a
 * flag replaces every listen of the file.  The store's keys ("store",
 * "s3-*") are tw_store_set()'s.  conf/transcode-worker.conf is the
 * commented sample.
 */

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tw_log.h"
#include "serve/tw_serve.h"


typedef enum {
    TW_CONF_STR,
    TW_CONF_LISTEN,
    TW_CONF_U32,
    TW_CONF_MS,
    TW_CONF_BOOL,
    TW_CONF_LEVEL
} tw_conf_type_t;


typedef struct {
    const char         *name;
    tw_conf_type_t      type;
    size_t              offset;
    uint32_t            min;
    uint32_t            max;
} tw_conf_key_t;


static int tw_conf_set(tw_serve_conf_t *conf, const char *name,
    const char *value, const char *where, int *listen_reset);
static int tw_conf_file_set(void *data, char *name, char *value,
    const char *where);


#define tw_off(f)  offsetof(tw_serve_conf_t, f)

static const tw_conf_key_t  tw_conf_keys[] = {
    { "listen",      TW_CONF_LISTEN, 0,                   0, 0 },
    { "slots",       TW_CONF_U32,    tw_off(slots),       1, 256 },
    { "queue",       TW_CONF_U32,    tw_off(queue),       1, 100000 },
    { "connections", TW_CONF_U32,    tw_off(connections), 4, 65536 },
    { "redis",       TW_CONF_STR,    tw_off(redis),       0, 0 },
    { "lock-ttl",    TW_CONF_MS,     tw_off(lock_ttl_ms), 500, 3600000 },
    { "wait",        TW_CONF_MS,     tw_off(wait_ms),     100, 3600000 },
    { "prefetch",    TW_CONF_BOOL,   tw_off(prefetch),    0, 0 },
    { "log-level",   TW_CONF_LEVEL,  0,                   0, 0 },
    { NULL, 0, 0, 0, 0 }
};


int
tw_parse_ms(const char *s, uint32_t *ms)
{
    char    *end;
    double   v;

    errno = 0;
    v = strtod(s, &end);

    if (end == s || errno || v < 0) {
        return -1;
    }

    if (strcmp(end, "ms") == 0) {
        /* void */

    } else if (strcmp(end, "s") == 0 || *end == '\0') {
        v *= 1000;

    } else if (strcmp(end, "m") == 0) {
        v *= 60000;

    } else if (strcmp(end, "h") == 0) {
        v *= 3600000;

    } else {
        return -1;
    }

    if (v > 4e9) {
        return -1;
    }

    *ms = (uint32_t) (v + 0.5);

    return 0;
}


static int
tw_conf_set(tw_serve_conf_t *conf, const char *name, const char *value,
    const char *where, int *listen_reset)
{
    int                   rc;
    char                **str;
    const tw_conf_key_t  *k;

    rc = tw_store_set(&conf->store, name, value, where);
    if (rc != 1) {
        return rc;
    }

    for (k = tw_conf_keys; k->name; k++) {
        if (strcmp(k->name, name) == 0) {
            break;
        }
    }

    if (k->name == NULL) {
        tw_log(TW_LOG_ERR, "%s: unknown setting \"%s\"", where, name);
        return -1;
    }

    switch (k->type) {

    case TW_CONF_STR:
        str = (char **) ((char *) conf + k->offset);
        free(*str);
        *str = strdup(value);
        return *str ? 0 : -1;

    case TW_CONF_LISTEN:
        if (listen_reset && *listen_reset) {
            while (conf->nlisten) {
                free(conf->listen[--conf->nlisten]);
            }
            *listen_reset = 0;
        }

        if (conf->nlisten == TW_LISTEN_MAX) {
            tw_log(TW_LOG_ERR, "%s: more than %d listen addresses", where,
                   TW_LISTEN_MAX);
            return -1;
        }

        conf->listen[conf->nlisten] = strdup(value);
        return conf->listen[conf->nlisten++] ? 0 : -1;

    case TW_CONF_U32:
        return tw_conf_u32(where, name, value, k->min, k->max,
                           (uint32_t *) ((char *) conf + k->offset));

    case TW_CONF_MS:
        return tw_conf_ms(where, name, value, k->min, k->max,
                          (uint32_t *) ((char *) conf + k->offset));

    case TW_CONF_BOOL:
        if (strcmp(value, "on") == 0) {
            conf->prefetch = 1;

        } else if (strcmp(value, "off") == 0) {
            conf->prefetch = 0;

        } else {
            tw_log(TW_LOG_ERR, "%s: \"%s\" takes on or off", where, name);
            return -1;
        }
        return 0;

    case TW_CONF_LEVEL:
        if (tw_log_set_level(value) != 0) {
            tw_log(TW_LOG_ERR, "%s: invalid log-level \"%s\"", where, value);
            return -1;
        }
        return 0;
    }

    return -1;
}


/* a number from min to max; logged with where and name when it is not */
int
tw_conf_u32(const char *where, const char *name, const char *value,
    uint32_t min, uint32_t max, uint32_t *u)
{
    char           *end;
    unsigned long   n;

    errno = 0;
    n = strtoul(value, &end, 10);

    if (!isdigit((unsigned char) value[0]) || *end || errno
        || n < min || n > max)
    {
        tw_log(TW_LOG_ERR, "%s: \"%s\" must be a number from %u to %u",
               where, name, min, max);
        return -1;
    }

    *u = (uint32_t) n;

    return 0;
}


/* a duration (tw_parse_ms) from min to max ms, logged likewise */
int
tw_conf_ms(const char *where, const char *name, const char *value,
    uint32_t min, uint32_t max, uint32_t *u)
{
    if (tw_parse_ms(value, u) != 0 || *u < min || *u > max) {
        tw_log(TW_LOG_ERR, "%s: \"%s\" must be a duration (\"500ms\", "
               "\"30s\", \"2m\") from %u ms to %u ms", where, name,
               min, max);
        return -1;
    }

    return 0;
}


/*
 * A "key value" configuration file ('#' starts a comment, blank lines
 * skipped): set gets each pair with "path:line" for its messages and
 * returns 0 or -1 (logged); the first failure stops the reading.
 */
int
tw_conf_read(const char *path, tw_conf_set_pt set, void *data)
{
    int       rc, line;
    char      buf[1024], where[1100], *p, *name, *value, *end;
    FILE     *f;

    f = fopen(path, "r");
    if (f == NULL) {
        tw_log(TW_LOG_ERR, "cannot open configuration \"%s\": %s", path,
               strerror(errno));
        return -1;
    }

    rc = 0;

    for (line = 1; fgets(buf, sizeof(buf), f); line++) {
        snprintf(where, sizeof(where), "%s:%d", path, line);

        if (strchr(buf, '\n') == NULL && !feof(f)) {
            tw_log(TW_LOG_ERR, "%s: line too long", where);
            rc = -1;
            break;
        }

        p = strchr(buf, '#');
        if (p) {
            *p = '\0';
        }

        for (name = buf; isspace((unsigned char) *name); name++) {
            /* void */
        }

        if (*name == '\0') {
            continue;
        }

        for (value = name; *value && !isspace((unsigned char) *value);
             value++)
        {
            /* void */
        }

        if (*value) {
            *value++ = '\0';
        }

        while (isspace((unsigned char) *value)) {
            value++;
        }

        for (end = value + strlen(value);
             end > value && isspace((unsigned char) end[-1]); end--)
        {
            /* void */
        }

        *end = '\0';

        if (*value == '\0') {
            tw_log(TW_LOG_ERR, "%s: \"%s\" needs a value", where, name);
            rc = -1;
            break;
        }

        if (set(data, name, value, where) != 0) {
            rc = -1;
            break;
        }
    }

    fclose(f);

    return rc;
}


static int
tw_conf_file_set(void *data, char *name, char *value, const char *where)
{
    return tw_conf_set(data, name, value, where, NULL);
}


int
tw_serve_conf(int argc, char **argv, tw_serve_conf_t *conf)
{
    int          i, reset;
    const char  *file;

    memset(conf, 0, sizeof(tw_serve_conf_t));
    conf->lock_ttl_ms = 10000;
    conf->wait_ms = 20000;
    conf->connections = 1024;
    conf->prefetch = 1;

    /* argv[0] is "serve"; flags come in pairs */
    file = NULL;

    for (i = 1; i < argc; i += 2) {
        if (strncmp(argv[i], "--", 2) != 0 || i + 1 >= argc) {
            tw_log(TW_LOG_ERR, "unexpected argument \"%s\": serve takes "
                   "--name value pairs", argv[i]);
            return -1;
        }

        if (strcmp(argv[i], "--config") == 0) {
            file = argv[i + 1];
        }
    }

    if (file && tw_conf_read(file, tw_conf_file_set, conf) != 0) {
        return -1;
    }

    reset = 1;

    for (i = 1; i < argc; i += 2) {
        if (strcmp(argv[i], "--config") != 0
            && tw_conf_set(conf, argv[i] + 2, argv[i + 1], "command line",
                           &reset) != 0)
        {
            return -1;
        }
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
