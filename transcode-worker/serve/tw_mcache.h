/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The media descriptions "serve" checks requests against, cached by id
 * in sv->mcache (TW_MCACHE_SIZE entries, allocated by the caller).
 */

#ifndef TW_MCACHE_H
#define TW_MCACHE_H

#include "serve/tw_server.h"


#define TW_MEDIA_FETCH      2        /* s3: not cached, tw_media_fetch() */
#define TW_MEDIA_BUSY      -3        /* s3: too many fetches, or stopping */


/*
 * The media description of id into m (a copy): revalidated by inode,
 * size and mtime in a local store, fetched again after TW_MCACHE_S3_TTL
 * seconds from an s3 one.  0; 1 when the video is not packaged; -1
 * (logged) when media.json is unreadable or invalid; in an s3 store,
 * TW_MEDIA_FETCH when it is not cached (this call never waits on S3).
 * Any thread.
 */
int tw_media_get(tw_server_t *sv, const vo_str_t *id, vo_media_t *m);

/*
 * s3: ctx (suspended) waits for the fetch of id's media.json, one for
 * every request that wants it at once; when it ends (or at once, when
 * it cannot be queued), ctx->mrc is set as tw_media_get()'s result, or
 * -2 (logged) when the store could not be read, TW_MEDIA_BUSY when too
 * many are being fetched; ctx->media is the description when 0;
 * ctx->mready is set and ctx resumed through sv->resume.
 */
void tw_media_fetch(tw_server_t *sv, tw_ctx_t *ctx, const vo_str_t *id);
/* a request that ends: out of its fetch's waiters, ctx->media freed */
void tw_media_detach(tw_server_t *sv, tw_ctx_t *ctx);

/* the fetch threads (none for a local store); -1 logged */
int tw_mcache_start(tw_server_t *sv);
/* they answer what is pending (TW_MEDIA_BUSY), finish and are joined */
void tw_mcache_stop(tw_server_t *sv);


#endif /* TW_MCACHE_H */
