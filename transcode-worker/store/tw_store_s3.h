/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The s3 store (tw_store_s3.c): the operations of tw_store.h for a
 * store of kind TW_STORE_S3, which tw_store.c hands to these.  Same keys
 * and results as there; the store's prefix is added here.  Built on the
 * S3 client (tw_s3.h) and its AVIOContext (tw_s3_io.h).
 */

#ifndef TW_STORE_S3_H
#define TW_STORE_S3_H

#include <stddef.h>
#include <stdint.h>

#include "media/tw_source.h"
#include "store/tw_store_types.h"


int tw_store_s3_put(const tw_store_t *st, const char *key, const void *data,
    size_t len, tw_store_meta_t *meta);
int tw_store_s3_copy(const tw_store_t *st, const char *key, const char *src);
int tw_store_s3_get(const tw_store_t *st, const char *key, size_t max,
    uint8_t **data, size_t *len, tw_store_meta_t *meta);
int tw_store_s3_exists(const tw_store_t *st, const char *key);
int tw_store_s3_exists_tree(const tw_store_t *st, const char *key);
int tw_store_s3_same(const tw_store_t *st, const char *key,
    const char *path);
int tw_store_s3_remove(const tw_store_t *st, const char *key);
int tw_store_s3_remove_tree(const tw_store_t *st, const char *key);
int tw_store_s3_source(const tw_store_t *st, const char *key,
    tw_source_t **src);


#endif /* TW_STORE_S3_H */
