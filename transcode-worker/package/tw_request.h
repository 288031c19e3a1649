/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * One object of a packaged video (an init segment, an fMP4 or a TS media
 * segment), made from the master copy with every setting read from its
 * media description: what "segment" and the "serve" daemon make, through
 * the same tw_segment_encode() as the packager, so the bytes are the
 * packaged ones.  And the store key of any object.
 */

#ifndef TW_REQUEST_H
#define TW_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "vo_media.h"
#include "vo_path.h"
#include "media/tw_bytes.h"
#include "store/tw_store.h"


#define TW_KEY_MAX  (VO_ID_MAX + VO_NAME_MAX + 32)

/* store key of an object of m (vo_request_key) into key: 0, or -1
 * (logged) if none */
int tw_object_key(const vo_media_t *m, vo_req_kind_t kind, const char *name,
    uint32_t n, char *key, size_t size);


/*
 * Objects that one encode gives besides the one asked for, at the cost of
 * muxing only: the encode of a TS segment holds the fMP4 segment of the
 * same rendition and, since TS carries the audio, the fMP4 audio segment.
 */
typedef struct {
    char                key[TW_KEY_MAX];  /* "" when none */
    tw_bytes_t          bytes;
} tw_companion_t;

#define TW_COMPANIONS  2

/*
 * Makes the object req of m (already accepted by vo_request_check) into
 * out, from the master copy in store st.  0; TW_MAKE_SOURCE when the source
 * cannot be opened or decoded (a failed backend: 502); TW_MAKE_ERROR for
 * anything else.  Logged.  Thread-safe: it shares nothing between calls.
 * comp, when not NULL, is an array of TW_COMPANIONS that receives the
 * companions missing from the store (the caller stores and frees them).
 */
int tw_object_make(const tw_store_t *st, const vo_media_t *m,
    const vo_request_t *req, tw_bytes_t *out, tw_companion_t *comp);

#define TW_MAKE_ERROR   -1
#define TW_MAKE_SOURCE  -2


#endif /* TW_REQUEST_H */
