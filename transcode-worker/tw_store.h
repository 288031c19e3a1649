/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The local object store: a directory whose files are the objects, named
 * by their keys ("demo/720p/3.m4s").  Every write is atomic: the bytes go
 * to a temporary name in the object's own directory (".{name}.tmp.{pid}.{seq}"),
 * are fsync()ed, renamed into place and the directory is fsync()ed, so a
 * reader sees the whole old object, the whole new one, or nothing.  A
 * failed write removes its temporary file.
 *
 * Functions return 0 or -1; they log the failure themselves (once, with
 * the path and errno), so callers only propagate.
 */

#ifndef TW_STORE_H
#define TW_STORE_H

#include <stddef.h>
#include <stdint.h>


/* mkdir -p of a directory path */
int tw_mkdir_p(const char *path);

int tw_store_write(const char *root, const char *key, const void *data,
    size_t len);

/* copies the file at src to key, atomically */
int tw_store_copy(const char *root, const char *key, const char *src);

/* reads key into a malloc()ed buffer (caller frees), at most max bytes:
 * a larger object is an error.  Returns 1 (and logs nothing) when the
 * object does not exist, so callers can give their own message. */
int tw_store_read(const char *root, const char *key, size_t max,
    uint8_t **data, size_t *len);

int tw_store_exists(const char *root, const char *key);

/* 1 when the object exists and has the same bytes as the file at path */
int tw_store_same(const char *root, const char *key, const char *path);

/* removes an object; a missing object is not an error */
int tw_store_remove(const char *root, const char *key);

/* removes the directory key and everything below it */
int tw_store_remove_tree(const char *root, const char *key);

/* removes the temporary files of key (".{name}.tmp.*" beside it) older
 * than max_age seconds: what a process killed while writing it left.
 * Only files that old: a live writer renames its file within
 * milliseconds of creating it. */
void tw_store_clean_temp(const char *root, const char *key, int max_age);

/* writes data to a plain file (atomically, like the store) or to stdout
 * when path is "-" */
int tw_write_out(const char *path, const void *data, size_t len);


#endif /* TW_STORE_H */
