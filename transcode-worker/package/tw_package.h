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
#include "package/tw_pool.h"
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


/*
 * The steps of tw_package() that ingest (ingest/tw_ingest_job.c) runs
 * too, so that both make the same description and the same bytes.  Each
 * returns 0, or -1 after logging why.
 *
 * probe: m from the open source src (o's settings; o->source names it in
 * the messages), its master copy at the store key source_key; refused
 * when no video frame decodes.
 * init: every rendition's codec string from its encoder, and the init
 * segments of the renditions in eager (bit r: m->video[r]) and of the
 * audio track (when eager is not 0) stored in st.
 * bandwidth: the description's bandwidths, measured (rates, of
 * tw_pool_run()) for the renditions in eager, the encoder's bounds for
 * the others.
 * json: the description as media.json holds it, checked, into *json
 * (malloc()ed, NUL-terminated).  describe: that written to {id}/media.json
 * in st, after which the video is playable.
 */
int tw_package_probe(const tw_package_opts_t *o, tw_source_t *src,
    const char *source_key, vo_media_t *m);
int tw_package_init(const tw_store_t *st, vo_media_t *m, uint32_t eager);
void tw_package_bandwidth(vo_media_t *m, uint32_t eager,
    const tw_rate_t *rates);
int tw_package_json(const vo_media_t *m, char **json, size_t *len);
int tw_package_describe(const tw_store_t *st, const vo_media_t *m);



#endif /* TW_PACKAGE_H */
