/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libFuzzer target: the media description parser, and everything that
 * consumes what it accepts.  Beyond "no crash, no sanitizer report":
 *   - an accepted description passes vo_media_check();
 *   - vo_media_write() of it parses back to the same struct;
 *   - every manifest of it is generated with VO_OK;
 *   - its timeline tiles the video exactly.
 * Build and run: scripts/run-fuzz.sh.
 */

#include <stdlib.h>
#include <string.h>

#include "vo_core.h"
#include "vo_media.h"
#include "vo_manifest.h"


static void
fuzz_fail(const char *what)
{
    __builtin_trap();
    (void) what;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t        i, n, count;
    uint64_t        first, next;
    vo_buf_t        b;
    vo_str_t        r;
    vo_media_t      m, m2;
    vo_arena_t     *a;
    const char     *err;
    vo_selection_t  sel;

    err = NULL;

    if (vo_media_parse(data, size, &m, &err) != VO_OK) {
        if (err == NULL) {
            fuzz_fail("refused without a reason");
        }

        return 0;
    }

    if (vo_media_check(&m, NULL) != VO_OK) {
        fuzz_fail("accepted but fails check");
    }

    a = vo_arena_create();
    if (a == NULL) {
        return 0;
    }

    vo_buf_init(&b, vo_arena_alloc(a), 0);

    if (vo_media_write(&m, &b) != VO_OK
        || vo_media_parse(b.start, vo_buf_len(&b), &m2, NULL) != VO_OK
        || memcmp(&m, &m2, sizeof(vo_media_t)) != 0)
    {
        fuzz_fail("write/parse round trip");
    }

    vo_selection_all(&m, &sel);

    vo_buf_init(&b, vo_arena_alloc(a), 0);
    if (vo_hls_master(&m, &sel, VO_FORMAT_FMP4, &b)
        != ((m.formats & VO_FORMAT_FMP4) ? VO_OK : VO_NOT_FOUND))
    {
        fuzz_fail("hls master");
    }

    vo_buf_init(&b, vo_arena_alloc(a), 0);
    if (vo_hls_master(&m, &sel, VO_FORMAT_TS, &b)
        != ((m.formats & VO_FORMAT_TS) ? VO_OK : VO_NOT_FOUND))
    {
        fuzz_fail("hls master ts");
    }

    vo_buf_init(&b, vo_arena_alloc(a), 0);
    if (vo_dash_mpd(&m, &sel, &b)
        != ((m.formats & VO_FORMAT_FMP4) ? VO_OK : VO_NOT_FOUND))
    {
        fuzz_fail("dash");
    }

    /* media playlists list every segment: bound the work per input */
    if (m.segment_count <= 20000) {
        for (i = 0; i < m.nvideo + m.naudio; i++) {
            r.data = (const u_char *) (i < m.nvideo
                                       ? m.video[i].name
                                       : m.audio[i - m.nvideo].name);
            r.len = strlen((const char *) r.data);

            vo_buf_init(&b, vo_arena_alloc(a), 0);
            if (vo_hls_media(&m, &r, VO_FORMAT_FMP4, NULL, &b)
                != ((m.formats & VO_FORMAT_FMP4) ? VO_OK : VO_NOT_FOUND))
            {
                fuzz_fail("hls media");
            }
        }

        next = 0;

        for (n = 0; n < m.segment_count; n++) {
            vo_video_segment(&m, n, &first, &count);

            if (first != next || count == 0) {
                fuzz_fail("video timeline");
            }

            next = first + count;
        }

        if (next != vo_video_frame_count(&m)) {
            fuzz_fail("video frame total");
        }
    }

    vo_arena_free(a);

    return 0;
}
