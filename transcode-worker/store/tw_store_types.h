/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A store's description and an object's validators: types only, no
 * functions, so that the interface (tw_store.h, tw_store.c) and the s3
 * store under it (tw_store_s3.h) share them without the s3 store
 * depending on the interface it serves.
 */

#ifndef TW_STORE_TYPES_H
#define TW_STORE_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "s3/tw_s3_types.h"


#define TW_STORE_LOCAL        0
#define TW_STORE_S3           1


typedef struct {
    int             kind;            /* TW_STORE_LOCAL or TW_STORE_S3 */
    char           *spec;            /* the "store" setting as given */

    char           *root;            /* local: the directory */

    /* s3: "s3://BUCKET[/PREFIX]"; the prefix is "" or ends with '/' */
    char           *bucket;
    char           *prefix;
    char           *endpoint;        /* NULL: AWS's, for the region */
    char           *region;
    tw_s3_conf_t    s3;              /* made by tw_store_init() */
    size_t          read_ahead;      /* ranged GETs of the master copy */

    /* the s3-* settings as given, for tw_store_init() */
    int             path_style;
    uint32_t        connect_timeout_ms;
    uint32_t        timeout_ms;
    uint32_t        retries;
    size_t          multipart_size;
    size_t          part_size;
    uint32_t        given;           /* bit i: tw_store_keys[i] given */
} tw_store_t;


/* the validators of a stored object (tw_store_put, tw_store_get) */
typedef struct {
    char            etag[128];
    char            last_modified[40];
} tw_store_meta_t;


#endif /* TW_STORE_TYPES_H */
