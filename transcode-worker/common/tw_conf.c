/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The configuration reader (tw_conf.h): key tables, a "key value" file,
 * "--key value" flags over it.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tw_conf.h"
#include "common/tw_log.h"


static const tw_conf_key_t *tw_conf_find(const tw_conf_table_t *tables,
    const char *name, const tw_conf_table_t **table);
static const tw_conf_key_t *tw_conf_switch(const tw_conf_table_t *tables,
    const char *arg, const tw_conf_table_t **table);
static int tw_conf_value(void *conf, const tw_conf_key_t *k,
    const char *value, const char *where, int first);
static int tw_conf_line(char *buf, char **name, char **value);


/* the key called name that takes a value, and its table */
static const tw_conf_key_t *
tw_conf_find(const tw_conf_table_t *tables, const char *name,
    const tw_conf_table_t **table)
{
    const tw_conf_key_t    *k;
    const tw_conf_table_t  *t;

    for (t = tables; t->keys; t++) {
        for (k = t->keys; k->name; k++) {
            if (k->type != TW_CONF_SWITCH && strcmp(k->name, name) == 0) {
                *table = t;
                return k;
            }
        }
    }

    return NULL;
}


/* the switch arg ("--once") is, or NULL */
static const tw_conf_key_t *
tw_conf_switch(const tw_conf_table_t *tables, const char *arg,
    const tw_conf_table_t **table)
{
    const tw_conf_key_t    *k;
    const tw_conf_table_t  *t;

    if (strncmp(arg, "--", 2) != 0) {
        return NULL;
    }

    for (t = tables; t->keys; t++) {
        for (k = t->keys; k->name; k++) {
            if (k->type == TW_CONF_SWITCH && strcmp(k->name, arg + 2) == 0) {
                *table = t;
                return k;
            }
        }
    }

    return NULL;
}


int
tw_conf_set(const tw_conf_table_t *tables, const char *name,
    const char *value, const char *where, int first)
{
    const tw_conf_key_t    *k;
    const tw_conf_table_t  *t;

    k = tw_conf_find(tables, name, &t);
    if (k == NULL) {
        return 1;
    }

    if (t->given) {
        *t->given |= 1u << (k - t->keys);
    }

    return tw_conf_value(t->conf, k, value, where, first);
}


static int
tw_conf_value(void *conf, const tw_conf_key_t *k, const char *value,
    const char *where, int first)
{
    char           *end, **str;
    size_t          size;
    uint32_t        ms;
    unsigned long   n;
    void           *field;

    field = (char *) conf + k->offset;

    switch (k->type) {

    case TW_CONF_STR:
        str = field;
        free(*str);
        *str = strdup(value);
        if (*str == NULL) {
            tw_log(TW_LOG_ERR, "out of memory");
            return -1;
        }
        return 0;

    case TW_CONF_U32:
        errno = 0;
        n = strtoul(value, &end, 10);

        if (!isdigit((unsigned char) value[0]) || *end || errno
            || n < k->min || n > k->max)
        {
            tw_log(TW_LOG_ERR, "%s: \"%s\" must be a number from %llu to "
                   "%llu", where, k->name, (unsigned long long) k->min,
                   (unsigned long long) k->max);
            return -1;
        }

        *(uint32_t *) field = (uint32_t) n;
        return 0;

    case TW_CONF_MS:
        if (tw_parse_ms(value, &ms) != 0 || ms < k->min || ms > k->max) {
            tw_log(TW_LOG_ERR, "%s: \"%s\" must be a duration (\"500ms\", "
                   "\"30s\", \"2m\") from %llu ms to %llu ms", where,
                   k->name, (unsigned long long) k->min,
                   (unsigned long long) k->max);
            return -1;
        }

        *(uint32_t *) field = ms;
        return 0;

    case TW_CONF_SIZE:
        if (tw_parse_size(value, k->min, k->max, &size) != 0) {
            tw_log(TW_LOG_ERR, "%s: \"%s\" must be a size (\"512k\", "
                   "\"16m\", \"1g\") from %llu KiB to %llu MiB", where,
                   k->name, (unsigned long long) (k->min >> 10),
                   (unsigned long long) (k->max >> 20));
            return -1;
        }

        *(size_t *) field = size;
        return 0;

    case TW_CONF_BOOL:
        if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0) {
            tw_log(TW_LOG_ERR, "%s: \"%s\" takes on or off", where,
                   k->name);
            return -1;
        }

        *(int *) field = (value[1] == 'n');
        return 0;

    case TW_CONF_LEVEL:
        if (tw_log_set_level(value) != 0) {
            tw_log(TW_LOG_ERR, "%s: invalid log-level \"%s\"", where, value);
            return -1;
        }
        return 0;

    case TW_CONF_CALL:
        return k->set(conf, k, value, where, first);

    case TW_CONF_SWITCH:
        break;
    }

    return -1;
}


/* splits a line in place: 0 blank or a comment, 1 a pair (value may be
 * "") */
static int
tw_conf_line(char *buf, char **name, char **value)
{
    char  *p, *end;

    p = strchr(buf, '#');
    if (p) {
        *p = '\0';
    }

    for (p = buf; isspace((unsigned char) *p); p++) {
        /* void */
    }

    if (*p == '\0') {
        return 0;
    }

    *name = p;

    while (*p && !isspace((unsigned char) *p)) {
        p++;
    }

    if (*p) {
        *p++ = '\0';
    }

    while (isspace((unsigned char) *p)) {
        p++;
    }

    for (end = p + strlen(p); end > p && isspace((unsigned char) end[-1]);
         end--)
    {
        /* void */
    }

    *end = '\0';
    *value = p;

    return 1;
}


int
tw_conf_file(const char *path, const tw_conf_table_t *tables,
    unsigned flags)
{
    int       rc, line, set;
    char      buf[1024], where[1100], *name, *value;
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

        if (tw_conf_line(buf, &name, &value) == 0) {
            continue;
        }

        if (*value == '\0') {
            tw_log(TW_LOG_ERR, "%s: \"%s\" needs a value", where, name);
            rc = -1;
            break;
        }

        set = tw_conf_set(tables, name, value, where, 0);

        if (set == 1 && !(flags & TW_CONF_ANY_KEY)) {
            tw_log(TW_LOG_ERR, "%s: unknown setting \"%s\"", where, name);
            rc = -1;
            break;
        }

        if (set == -1) {
            rc = -1;
            break;
        }
    }

    fclose(f);

    return rc;
}


int
tw_conf_args(int argc, char **argv, const tw_conf_table_t *tables)
{
    int                     i, j, first;
    char                    also[128];
    size_t                  n;
    const char             *file;
    const tw_conf_key_t    *k;
    const tw_conf_table_t  *t;

    /* flags come in pairs, but the switches */
    file = NULL;

    for (i = 1; i < argc; i++) {
        if (tw_conf_switch(tables, argv[i], &t)) {
            continue;
        }

        if (strncmp(argv[i], "--", 2) != 0 || i + 1 >= argc) {
            also[0] = '\0';

            for (t = tables, n = 0; t->keys; t++) {
                for (k = t->keys; k->name; k++) {
                    if (k->type == TW_CONF_SWITCH && n < sizeof(also)) {
                        n += snprintf(also + n, sizeof(also) - n,
                                      " and --%s", k->name);
                    }
                }
            }

            tw_log(TW_LOG_ERR, "unexpected argument \"%s\": %s takes "
                   "--name value pairs%s", argv[i], argv[0], also);
            return -1;
        }

        if (strcmp(argv[i], "--config") == 0) {
            file = argv[i + 1];
        }

        i++;
    }

    if (file && tw_conf_file(file, tables, 0) != 0) {
        return -1;
    }

    for (i = 1; i < argc; i++) {
        k = tw_conf_switch(tables, argv[i], &t);

        if (k) {
            *(int *) ((char *) t->conf + k->offset) = 1;
            continue;
        }

        if (strcmp(argv[i], "--config") == 0) {
            i++;
            continue;
        }

        /* the first of its name on the command line */
        first = 1;

        for (j = 1; j < i; j++) {
            if (tw_conf_switch(tables, argv[j], &t)) {
                continue;
            }

            if (strcmp(argv[j], argv[i]) == 0) {
                first = 0;
            }

            j++;
        }

        switch (tw_conf_set(tables, argv[i] + 2, argv[i + 1],
                            "command line", first))
        {
        case 0:
            break;

        case 1:
            tw_log(TW_LOG_ERR, "command line: unknown setting \"%s\"",
                   argv[i] + 2);
            return -1;

        default:
            return -1;
        }

        i++;
    }

    return 0;
}


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


uint32_t
tw_ncpus(void)
{
    long  n;

    n = sysconf(_SC_NPROCESSORS_ONLN);

    return n > 0 ? (uint32_t) n : 1;
}
