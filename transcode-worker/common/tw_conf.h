/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The worker's one configuration reader, for every subcommand that has a
 * configuration (serve, purger, placer; the catalog's --config; the
 * store's settings of package and segment).
 *
 * A subcommand describes its settings in key tables: a name, a type and
 * where the value goes (an offset in the subcommand's own struct).  The
 * values come from a file of "key value" lines ('#' starts a comment,
 * blank lines are skipped) and from flags "--key value" of the same
 * names; flags override the file.  A table that is shared (the store's
 * keys) is listed by every subcommand that takes it, beside its own.
 *
 * Every failure is logged here, once, as "where: reason", where being
 * "path:line" or "command line"; functions return 0 or -1.  Strings set
 * are malloc()ed and owned by the subcommand's struct (it frees them).
 */

#ifndef TW_CONF_H
#define TW_CONF_H

#include <stddef.h>
#include <stdint.h>


typedef enum {
    TW_CONF_STR = 0,       /* char *: a copy, the previous one freed */
    TW_CONF_U32,           /* uint32_t: a number from min to max */
    TW_CONF_MS,            /* uint32_t: a duration in ms (tw_parse_ms),
                              from min to max */
    TW_CONF_SIZE,          /* size_t: a size (tw_parse_size), from min
                              to max bytes */
    TW_CONF_BOOL,          /* int: "on" 1, "off" 0 */
    TW_CONF_LEVEL,         /* no field: the log level (tw_log.h) */
    TW_CONF_SWITCH,        /* int set to 1 by the flag "--name" alone,
                              which takes no value; not a file key */
    TW_CONF_CALL           /* key->set() parses and stores it */
} tw_conf_type_t;


typedef struct tw_conf_key_s  tw_conf_key_t;

/*
 * A key of a kind of its own (TW_CONF_CALL): conf is the table's struct.
 * first is 1 for the first value the command line gives for the key, so
 * that a key given several times (a list) drops what the file gave.
 * 0, or -1 logged with where.
 */
typedef int (*tw_conf_set_pt)(void *conf, const tw_conf_key_t *key,
    const char *value, const char *where, int first);

struct tw_conf_key_s {
    const char         *name;            /* NULL ends a table */
    tw_conf_type_t      type;
    size_t              offset;          /* of the field in the struct */
    uint64_t            min;             /* U32, MS, SIZE */
    uint64_t            max;
    tw_conf_set_pt      set;             /* CALL */
};


/* the keys and the struct they are read into; an array of tables ends
 * with one whose keys is NULL */
typedef struct {
    const tw_conf_key_t  *keys;
    void                 *conf;
    uint32_t             *given;         /* NULL, or bit i set once keys[i]
                                            is (32 keys at most) */
} tw_conf_table_t;


/* tw_conf_file(): keys no table has are passed over, not refused (a
 * reader of one key of another subcommand's file) */
#define TW_CONF_ANY_KEY   1


/*
 * The command line of a subcommand: argv[0] is its name, then "--name
 * value" pairs and the switches.  "--config FILE" is read first
 * (tw_conf_file), then every other flag overrides it.  0, or -1 logged.
 */
int tw_conf_args(int argc, char **argv, const tw_conf_table_t *tables);

/* reads the file at path into the tables; the first failure stops the
 * reading: 0, or -1 logged */
int tw_conf_file(const char *path, const tw_conf_table_t *tables,
    unsigned flags);

/* one setting: 0, -1 (logged with where) for a bad value, or 1 when no
 * table has name (not logged: the caller knows what else it may be) */
int tw_conf_set(const tw_conf_table_t *tables, const char *name,
    const char *value, const char *where, int first);

/* a duration, "30s", "500ms", "2m", "24h", a bare number being seconds
 * (fractions too), into ms; -1 when malformed or above 4e9 ms */
int tw_parse_ms(const char *s, uint32_t *ms);

/* "16m", "512k", "1g" (binary multiples) or bytes, from min to max; -1
 * when malformed or out of range (the caller logs) */
int tw_parse_size(const char *s, size_t min, size_t max, size_t *v);

/* online CPUs, at least 1: the default of settings that scale with the
 * machine (serve's slots, the packager's jobs) */
uint32_t tw_ncpus(void);


#endif /* TW_CONF_H */
