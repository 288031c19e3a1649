/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The two commands: "package" (a source file into a ready video in the
 * store) and "segment" (one object of a packaged video, from its media
 * description: the just-in-time path).  Both return the process exit
 * code: 0, or 1 after logging why.
 */

#ifndef TW_PACKAGE_H
#define TW_PACKAGE_H

#include <stdint.h>

#include "vo_media.h"
#include "vo_path.h"
#include "catalog/tw_catalog.h"
#include "media/tw_bytes.h"
#include "store/tw_store.h"


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
    tw_meta_args_t  catalog;           /* --meta, --title, ..., --redis */
    tw_redis_conf_t redis;             /* the catalog's */

    /* segment */
    const char     *rendition;
    int64_t         segment;           /* -1: none */
    unsigned        init:1;
    unsigned        format;            /* VO_FORMAT_FMP4 or VO_FORMAT_TS */
    const char     *out;
} tw_opts_t;


int tw_package(const tw_opts_t *o);

/* online CPUs, at least 1 */
uint32_t tw_ncpus(void);
/* (tw_segment_command() and tw_object_make() are in tw_request.c) */
int tw_segment_command(const tw_opts_t *o);

#define TW_KEY_MAX  (VO_ID_MAX + VO_NAME_MAX + 32)

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

/* "serve": the just-in-time daemon (tw_serve.c) */
int tw_serve_command(int argc, char **argv);

/* store key of an object of m (vo_request_key); -1 (logged) if none */
int tw_object_key(const vo_media_t *m, vo_req_kind_t kind, const char *name,
    uint32_t n, char *key, size_t size);



#endif /* TW_PACKAGE_H */
