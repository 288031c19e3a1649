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


/*
 * The media description of id into m (a copy): revalidated by inode,
 * size and mtime in a local store, fetched again after TW_MCACHE_S3_TTL
 * seconds from an s3 one.  0; 1 when the video is not packaged; -1
 * (logged) when media.json is unreadable or invalid; -2 (logged) when an
 * s3 store could not be read.  Any thread.
 */
int tw_media_get(tw_server_t *sv, const vo_str_t *id, vo_media_t *m);


#endif /* TW_MCACHE_H */
