/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * An upload's state (docs/redis-layout.md, "Uploads"): the hash
 * vo:upload:{ID} (ID in literal braces, a hash tag), the sorted set
 * vo:uploads of deadlines the sweep reads, and the upload's file in the
 * spool.  Redis holds what was acknowledged; the spool file may hold
 * more (bytes written but not acknowledged before a crash), which the
 * next write cuts off.
 *
 *   issued      POST /admin/uploads handed out a creation URL
 *   uploading   the URL was used (once): length, offset, deadline
 *   done        whole, in the store, queued; kept until the URL's and
 *               the upload's expiries are past (single use)
 *
 * Redis calls take a tw_rconn_t and return 0, 1 where said, or -1
 * with the reason in err (not logged: the caller answers 503 and logs).
 */

#ifndef TW_UPLOAD_STATE_H
#define TW_UPLOAD_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/tw_upload_types.h"


#define TW_UPLOAD_KEY     "vo:upload:{%s}"
#define TW_UPLOADS_ZSET   "vo:uploads"


/* id's record into u: 0, 1 when there is none */
int tw_up_load(void *redis, const char *id, tw_upload_t *u, char *err,
    size_t size);
/* a creation URL for id, valid until url_expires */
int tw_up_issue(void *redis, const char *id, uint64_t url_expires,
    char *err, size_t size);
/* issued -> uploading with u's length, deadline and spool file: 0, 1
 * when id is not issued (its URL used, or never handed out) */
int tw_up_begin(void *redis, const char *id, const tw_upload_t *u,
    char *err, size_t size);
/* offset from -> to: 0, 1 when it is not from any more */
int tw_up_advance(void *redis, const char *id, uint64_t from, uint64_t to,
    char *err, size_t size);
/* uploading -> done, kept until keep (unix seconds) */
int tw_up_done(void *redis, const char *id, uint64_t keep, char *err,
    size_t size);
/* the record removed */
int tw_up_drop(void *redis, const char *id, char *err, size_t size);
/* up to max ids whose deadline is before now; their count */
int tw_up_expired(void *redis, uint64_t now, char (*ids)[VO_ID_MAX + 1],
    int max, char *err, size_t size);
/* the catalog's status of id (error "" unless failed) */
int tw_up_status(void *redis, const char *id, const char *status,
    const char *error, char *err, size_t size);

/* one request at a time per upload: 0 taken, -1 busy (or too many) */
int tw_up_lock(tw_upload_srv_t *srv, const char *id);
/* the same, waiting up to ms for the request that holds the upload */
#define TW_UP_LOCK_WAIT_MS  20000
int tw_up_lock_wait(tw_upload_srv_t *srv, const char *id, unsigned ms);
void tw_up_unlock(tw_upload_srv_t *srv, const char *id);
int tw_up_locked(tw_upload_srv_t *srv, const char *id);

/* n random characters of [A-Za-z0-9_-] and a NUL: 0, or -1 */
int tw_up_random(char *buf, size_t n);

/* the path of u's spool file: 0, or -1 logged */
int tw_up_spool_path(const tw_upload_srv_t *srv, const tw_upload_t *u,
    char *buf, size_t size);

/*
 * A whole upload (offset = length in Redis) made the store object
 * {id}/source.bin (local: the spool file renamed, then the directory
 * fsync()ed; s3: copied up, multipart), queued for its probe
 * (tw_ingest_enqueue) and marked done.  Run again after a crash, it
 * completes what is left.  0, or -1 logged.
 */
int tw_up_finish(tw_upload_srv_t *srv, void *redis, const char *id,
    tw_upload_t *u);

/* an abandoned or terminated upload: its file and record removed, the
 * catalog says failed with why.  0, or -1 logged */
int tw_up_remove(tw_upload_srv_t *srv, void *redis, const char *id,
    const tw_upload_t *u, const char *why);


#endif /* TW_UPLOAD_STATE_H */
