/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The object store, behind one interface: objects named by their keys
 * ("demo/720p/3.m4s"), in one of two stores.
 *
 *   local  a directory whose files are the objects (tw_store.c).  Every
 *          write is atomic: the bytes go to a temporary name in the
 *          object's own directory (".{name}.tmp.{pid}.{seq}"), are
 *          fsync()ed, renamed into place and the directory is fsync()ed,
 *          so a reader sees the whole old object, the whole new one, or
 *          nothing.  A failed write removes its temporary file.
 *
 *   s3     a bucket of an S3-compatible service, keys optionally below a
 *          prefix (tw_store_s3.c).  A PUT is atomic by S3's own rules;
 *          above s3-multipart-size an object goes up in parts and is
 *          aborted when a part fails for good, so a failed write leaves
 *          neither an object nor a pending upload.  The master copy is
 *          read with ranged GETs through a read-ahead block
 *          (tw_s3_io.c), never downloaded whole.
 *
 * Functions return 0 or -1; they log the failure themselves (once, with
 * the key or path and the reason), so callers only propagate.  A store is
 * configured from its settings (tw_store_keys, read by the configuration
 * reader of a subcommand, or one by one with tw_store_set()), checked by
 * tw_store_init(), then only read: every operation may run in several
 * threads at once.
 */

#ifndef TW_STORE_H
#define TW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/tw_conf.h"
#include "s3/tw_s3.h"
#include "media/tw_source.h"
#include "store/tw_store_types.h"


#define TW_STORE_READ_AHEAD   ((size_t) 1 << 20)     /* default */
#define TW_STORE_RETRIES      3                      /* default */


/*
 * Store settings, as flags ("--s3-region x") and the configuration files
 * ("s3-region x") name them: the table tw_store_keys, read into a
 * tw_store_t with its given bits (tw_conf.h):
 *
 *   store               DIR or s3://BUCKET[/PREFIX]
 *   s3-endpoint         http(s)://host[:port]
 *   s3-region           region ($AWS_REGION, us-east-1)
 *   s3-path-style       on|off
 *   s3-connect-timeout  duration (5s)
 *   s3-timeout          duration of one request (60s)
 *   s3-retries          0..10 (3)
 *   s3-multipart-size   size (16m)
 *   s3-part-size        size (8m)
 *   s3-read-ahead       size (1m)
 *
 * Credentials are never settings: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN only.
 */
extern const tw_conf_key_t  tw_store_keys[];

#define tw_store_table(st)  { tw_store_keys, (st), &(st)->given }

/* one setting (a getopt flag): 0, -1 (logged, with where: "command
 * line") for a bad value, or 1 when name is not a store setting */
int tw_store_set(tw_store_t *st, const char *name, const char *value,
    const char *where);

/* checks the settings together and completes them (defaults, the
 * environment's credentials); -1 (logged) when the store is unusable */
int tw_store_init(tw_store_t *st);
void tw_store_free(tw_store_t *st);

#define tw_store_is_local(st)  ((st)->kind == TW_STORE_LOCAL)


/* mkdir -p of a directory path */
int tw_mkdir_p(const char *path);

/* writes data as key; meta, when not NULL, gets the validators of the
 * stored object where the store gives them (s3: ETag, and the answer's
 * Date as Last-Modified; local: left empty, callers stat the file);
 * tw_store_meta_t is in tw_store_types.h */
int tw_store_put(const tw_store_t *st, const char *key, const void *data,
    size_t len, tw_store_meta_t *meta);
#define tw_store_write(st, key, data, len)                                   \
    tw_store_put(st, key, data, len, NULL)

/* copies the file at src to key, atomically (s3: multipart above the
 * multipart size) */
int tw_store_copy(const tw_store_t *st, const char *key, const char *src);

/* reads key into a malloc()ed buffer (caller frees, NUL-terminated past
 * *len), at most max bytes: a larger object is an error.  Returns 1 (and
 * logs nothing) when the object does not exist, so callers can give
 * their own message.  meta as for tw_store_put (s3: from the GET). */
int tw_store_get(const tw_store_t *st, const char *key, size_t max,
    uint8_t **data, size_t *len, tw_store_meta_t *meta);
#define tw_store_read(st, key, max, data, len)                               \
    tw_store_get(st, key, max, data, len, NULL)

/* 1 when the object exists (s3: HEAD); 0 when not, or when the store
 * cannot tell (logged) */
int tw_store_exists(const tw_store_t *st, const char *key);

/* 1 when anything is stored below key/ (local: the directory exists;
 * s3: a listing of the prefix has a key), 0 when nothing is, -1 (logged)
 * when the store cannot tell */
int tw_store_exists_tree(const tw_store_t *st, const char *key);

/* 1 when the object exists and has the same bytes as the file at path
 * (s3: same size and the ETag an upload of the file would get) */
int tw_store_same(const tw_store_t *st, const char *key, const char *path);

/* removes an object; a missing object is not an error */
int tw_store_remove(const tw_store_t *st, const char *key);

/* removes the directory key and everything below it (s3: every key
 * under "key/") */
int tw_store_remove_tree(const tw_store_t *st, const char *key);

/* removes the temporary files of key (".{name}.tmp.*" beside it) older
 * than max_age seconds: what a process killed while writing it left.
 * Only files that old: a live writer renames its file within
 * milliseconds of creating it.  Nothing to do for s3 (an interrupted
 * multipart upload is the bucket's lifecycle rule's). */
void tw_store_clean_temp(const tw_store_t *st, const char *key,
    int max_age);

/*
 * Opens the object key as a source (tw_source_open): local, the file;
 * s3, ranged GETs through a read-ahead block.  AVERROR code (logged).
 */
int tw_store_source(const tw_store_t *st, const char *key,
    tw_source_t **src);

/* local only: the path of key, -1 (logged) if it does not fit or the key
 * could leave the root */
int tw_store_path(const tw_store_t *st, const char *key, char *buf,
    size_t size);

/* writes data to a plain file (atomically, like the store) or to stdout
 * when path is "-" */
int tw_write_out(const char *path, const void *data, size_t len);


#endif /* TW_STORE_H */
