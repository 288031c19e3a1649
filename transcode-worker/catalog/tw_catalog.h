/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The catalog: a video's metadata in Redis, the hash vo:video:{id}
 * (docs/redis-layout.md), written by "package" after media.json and by
 * "catalog set", read by nginx's playback API.
 *
 *   title, description, creator, language     strings
 *   thumbnails    JSON text: [{"url": "...", "width": W, "height": H}]
 *   ads           JSON text: any array or object, kept as given
 *   tags          JSON text: ["...", ...]
 *   updated       unix seconds of the write
 *
 * Every value is valid UTF-8 of at most TW_META_FIELD_MAX bytes (the
 * title TW_META_TITLE_MAX); anything else is refused before Redis or the
 * store is touched.  The fields come from a JSON file (--meta, an object
 * with the keys above; unknown keys refused) and from flags, which
 * override the file's.
 */

#ifndef TW_CATALOG_H
#define TW_CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vo_core.h"
#include "common/tw_redis.h"


#define TW_META_FIELD_MAX    16384
#define TW_META_TITLE_MAX    512
#define TW_META_REPEAT_MAX   64          /* --tag, --thumbnail */
#define TW_META_FILE_MAX     262144      /* bytes of a --meta file */
#define TW_META_TIMEOUT_MS   2000        /* connect and each command */

/* exit status of "package" when the video is packaged (media.json
 * written) but its catalog entry could not be written */
#define TW_EXIT_NO_CATALOG   3


typedef enum {
    TW_META_TITLE = 0,
    TW_META_DESCRIPTION,
    TW_META_CREATOR,
    TW_META_LANGUAGE,
    TW_META_THUMBNAILS,
    TW_META_ADS,
    TW_META_TAGS,
    TW_META_NFIELDS
} tw_meta_field_t;

#define TW_META_NTEXT  (TW_META_LANGUAGE + 1)    /* the string fields */


/* the catalog options as given (pointers into argv) */
typedef struct {
    const char     *file;                         /* --meta */
    const char     *text[TW_META_NTEXT];          /* --title ... */
    const char     *tags[TW_META_REPEAT_MAX];
    uint32_t        ntags;
    const char     *thumbnails[TW_META_REPEAT_MAX];
    uint32_t        nthumbnails;
    const char     *redis;                        /* --redis */
    const char     *config;                       /* --config: its
                                                     "redis" line */
    char           *redis_buf;                    /* malloc(): the
                                                     config's address */
    unsigned        fields:1;                     /* a field was given */
} tw_meta_args_t;


/* the values to store, malloc() and NUL terminated; NULL: not given */
typedef struct {
    char           *value[TW_META_NFIELDS];
} tw_meta_t;


extern const char *const  tw_meta_names[TW_META_NFIELDS];


/*
 * One option "--name value" of the catalog's: 1 when name is one of
 * them (meta, title, description, creator, language, tag, thumbnail,
 * redis, config) and value was taken, 0 when name is not one, -1
 * (logged) when there are too many --tag or --thumbnail.
 */
int tw_meta_option(tw_meta_args_t *a, const char *name, const char *value);
void tw_meta_args_free(tw_meta_args_t *a);

/* reads and checks the file and the flags into m; 0, or -1 logged with
 * the field and the reason; m is freed by tw_meta_free() either way */
int tw_meta_build(tw_meta_t *m, const tw_meta_args_t *a);
void tw_meta_free(tw_meta_t *m);

/* the same checks of a JSON object in memory (the --meta file's form:
 * an upload's catalog fields), where naming it in the log lines; 0, or
 * -1 logged; m is freed by tw_meta_free() either way */
int tw_meta_json(tw_meta_t *m, const u_char *data, size_t len,
    const char *where);

/* the Redis address: --redis, else the "redis" line of --config; 0, or
 * -1 logged (neither given, malformed, "off") */
int tw_catalog_redis(tw_meta_args_t *a, tw_redis_conf_t *rc);

/*
 * Writes the given fields of m and "updated" to vo:video:{id} with one
 * HSET; replace: the other fields removed in the same MULTI/EXEC.  0, or
 * -1 with the reason in err (not logged).
 */
int tw_catalog_write(const tw_redis_conf_t *rc, const char *id,
    const tw_meta_t *m, int replace, char *err, size_t size);

/* "catalog get|set|delete ID ..." (tw_catalog_cmd.c): the exit status */
int tw_catalog_command(int argc, char **argv);


#endif /* TW_CATALOG_H */
