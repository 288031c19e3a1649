/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libFuzzer target: the playback path parser, a security boundary.
 * Beyond "no crash, no sanitizer report":
 *   - a refused path always has a reason and a 4xx status;
 *   - an accepted path is canonical: the store key (or manifest name,
 *     with its device class) rebuilt from the request is byte-for-byte
 *     the input;
 *   - nothing accepted holds "..", '\\', '%' or NUL;
 *   - vo_request_check() of it answers one of its documented codes.
 * Build and run: scripts/run-fuzz.sh.
 */

#include <stdio.h>
#include <string.h>

#include "vo_core.h"
#include "vo_media.h"
#include "vo_path.h"


static const char  *names[] = {
    "", "master.m3u8", "master-ts.m3u8", "manifest.mpd",
    "index.m3u8", "index-ts.m3u8", "init.mp4"
};


static void
fuzz_fail(void)
{
    __builtin_trap();
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char          key[256];
    size_t        n, klen;
    const char   *dot;
    vo_media_t    m;
    vo_status_t   rc;
    const char   *err;
    vo_request_t  req;

    err = NULL;
    rc = vo_path_parse(data, size, &req, &err);

    if (rc != VO_OK) {
        if (err == NULL || (rc != VO_BAD_REQUEST && rc != VO_NOT_FOUND)) {
            fuzz_fail();
        }

        return 0;
    }

    if (memchr(data, '\\', size) || memchr(data, '%', size)
        || memchr(data, '\0', size))
    {
        fuzz_fail();
    }

    for (n = 0; n + 1 < size; n++) {
        if (data[n] == '.' && data[n + 1] == '.') {
            fuzz_fail();
        }
    }

    if (vo_req_is_manifest(req.kind) && req.kind != VO_REQ_HLS_MASTER
        && req.kind != VO_REQ_HLS_MASTER_TS && req.kind != VO_REQ_DASH_MPD)
    {
        klen = (size_t) snprintf(key, sizeof(key), "%.*s/%.*s/%s",
                                 (int) req.id.len, req.id.data,
                                 (int) req.rendition.len,
                                 req.rendition.data, names[req.kind]);

    } else if (vo_req_is_manifest(req.kind) && req.device.len) {
        /* a device class's manifest: its name before the extension,
         * "master.tv.m3u8" */
        dot = strrchr(names[req.kind], '.');
        klen = (size_t) snprintf(key, sizeof(key), "%.*s/%.*s.%.*s%s",
                                 (int) req.id.len, req.id.data,
                                 (int) (dot - names[req.kind]),
                                 names[req.kind], (int) req.device.len,
                                 req.device.data, dot);

    } else if (vo_req_is_manifest(req.kind)) {
        klen = (size_t) snprintf(key, sizeof(key), "%.*s/%s",
                                 (int) req.id.len, req.id.data,
                                 names[req.kind]);

    } else {
        klen = vo_request_key(&req, key, sizeof(key));
    }

    if (klen != size || memcmp(key, data, size) != 0) {
        fuzz_fail();
    }

    /* a small, valid description with the request's own id */
    memset(&m, 0, sizeof(vo_media_t));
    m.version = 1;
    memcpy(m.id, req.id.data, req.id.len);
    strcpy(m.source, "s/source.mp4");
    m.duration_ms = 60000;
    m.segment_ms = 6000;
    m.segment_count = 10;
    m.fps_num = 30;
    m.fps_den = 1;
    m.video_timescale = 90000;
    strcpy(m.preset, "veryfast");
    m.threads = 1;
    m.formats = VO_FORMAT_FMP4 | VO_FORMAT_TS;
    m.nvideo = 1;
    strcpy(m.video[0].name, "v");
    strcpy(m.video[0].codec, "avc1.64001f");
    m.video[0].width = 2;
    m.video[0].height = 2;
    m.video[0].bandwidth = 1;
    m.video[0].average_bandwidth = 1;
    m.naudio = 1;
    strcpy(m.audio[0].name, "a");
    strcpy(m.audio[0].codec, "mp4a.40.2");
    strcpy(m.audio[0].lang, "und");
    m.audio[0].bandwidth = 1;
    m.audio[0].bitrate = 1;
    m.audio[0].sample_rate = 48000;
    m.audio[0].channels = 2;

    if (vo_media_check(&m, NULL) != VO_OK) {
        fuzz_fail();
    }

    rc = vo_request_check(&req, &m, &err);

    if (rc != VO_OK && rc != VO_NOT_FOUND && rc != VO_RANGE) {
        fuzz_fail();
    }

    return 0;
}
