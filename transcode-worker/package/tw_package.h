/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "package": a source file into a ready video in the store.  The source
 * is probed (everything that can be refused is refused before the store
 * is touched), copied into the store as the master copy the segments are
 * made from, now and just in time later; the ladder is built, every
 * object of the eager renditions made, and media.json written last.
 * The command line is tw_package_cmd.c's.
 */

#ifndef TW_PACKAGE_H
#define TW_PACKAGE_H

#include <stdint.h>

#include "vo_media.h"
#include "vo_path.h"
#include "media/tw_bytes.h"
#include "store/tw_store.h"
#include "package/tw_request.h"


/* the settings of a packaging (README "The packager") */
typedef struct {
    tw_store_t      store;             /* --store and the s3-* flags */
    const char     *id;
    const char     *source;
    uint32_t        segment_ms;
    const char     *ladder;
    const char     *preset;
    uint32_t        threads;           /* x264's: 1 for determinism */
    uint32_t        jobs;              /* segments made in parallel */
    uint32_t        crf;
    uint32_t        audio_kbps;
    unsigned        formats;           /* VO_FORMAT_* */
    const char     *eager;             /* "all" (NULL), "none", names */
} tw_package_opts_t;


/* The process exit code: 0 once media.json is written, or 1 after
 * logging why; a video that did not exist before leaves nothing behind,
 * one that did is left as it was or not ready (media.json removed). */
int tw_package(const tw_package_opts_t *o);



#endif /* TW_PACKAGE_H */
