/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * What "serve" makes of a request's URL, apart from libmicrohttpd (the
 * pure part of tw_http.c, fuzzed by tests/fuzz/fuzz_request.c):
 *
 *   /healthz, /metrics
 *   /v/{id}/{r}/init.mp4 | {n}.m4s | {n}.ts     (vo_path_parse)
 *
 * Manifests are the module's, made from media.json, never the worker's.
 */

#ifndef TW_ROUTE_H
#define TW_ROUTE_H

#include <stddef.h>

#include "vo_media.h"
#include "vo_path.h"


typedef enum {
    TW_ROUTE_NOT_FOUND = 0,
    TW_ROUTE_BAD_REQUEST,             /* *err says why */
    TW_ROUTE_HEALTHZ,
    TW_ROUTE_METRICS,
    TW_ROUTE_OBJECT                   /* *req: a segment or an init */
} tw_route_t;


tw_route_t tw_route(const char *url, vo_request_t *req, const char **err);

/*
 * The object req names in m: 0 with its store key (in key, size bytes)
 * and its content type; 404 (no such object, *err says why; or an audio
 * track the packager does not make, *err untouched), or 500 with *err.
 */
unsigned tw_route_object(const vo_media_t *m, const vo_request_t *req,
    char *key, size_t size, const char **ctype, const char **err);


#endif /* TW_ROUTE_H */
