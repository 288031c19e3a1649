/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The segment pool of "package": every media segment of the eager
 * renditions and of the audio track, made --jobs at a time and written to
 * the store, with the sizes the bandwidths are measured from.
 */

#ifndef TW_POOL_H
#define TW_POOL_H

#include <stdint.h>

#include "vo_media.h"
#include "store/tw_store.h"


/* the fMP4 segments of one track (even when only TS is stored) */
typedef struct {
    uint64_t        bytes;
    uint64_t        frames;           /* of the track: video or AAC */
    uint64_t        peak;             /* bits/s, of the largest segment */
} tw_rate_t;

/*
 * Makes every segment of m's renditions in eager (bit r: m->video[r]) and
 * of its audio track, in each of m's formats, into st: jobs threads at
 * once, each reading file (a local copy of the master) or, when NULL, the
 * master in st.  rates[r] (r < VO_MAX_VIDEO; VO_MAX_VIDEO: the audio
 * track) are zeroed by the caller and receive the segments' sizes.  0, or
 * -1 after logging which segment failed; what was written stays.
 */
int tw_pool_run(const tw_store_t *st, const vo_media_t *m, const char *file,
    uint32_t eager, uint32_t jobs, tw_rate_t *rates);


#endif /* TW_POOL_H */
