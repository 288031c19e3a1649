/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The ladder: the video renditions of a source, from "--ladder"
 * (name:height:maxrate_kbps[:avc1|hvc1|av01],...), and which of them
 * "--eager" makes while packaging.  Both return 0, or -1 after logging
 * why the option is refused (the messages name the option).
 */

#ifndef TW_LADDER_H
#define TW_LADDER_H

#include <stdint.h>

#include "vo_media.h"
#include "media/tw_source.h"


/*
 * m->video and m->nvideo for a source of src's size: rungs taller than
 * the source dropped, and when no H.264 rung is left, one at the
 * source's height (named "{h}p", the lowest H.264 rung's maxrate); widths
 * from the source's display aspect ratio, rounded to even; each
 * rendition's crf from crf (on x264's scale) for its codec; highest
 * first.  formats is the description's: HEVC and AV1 need VO_FORMAT_FMP4.
 * The codec is the family name ("avc1", ...) until the encoder gives
 * the whole codecs string.
 */
int tw_ladder_build(const char *ladder, unsigned formats, uint32_t crf,
    const tw_source_t *src, vo_media_t *m);

/*
 * Which renditions are made now (bit r: m->video[r]); the others are
 * left to the just-in-time worker.  eager NULL or "all" (every H.264
 * rendition), "none", or names (any codec); a name the ladder has but
 * this source dropped (taller than the source) is skipped with a
 * warning, an unknown one refused.
 */
int tw_ladder_eager(const char *eager, const char *ladder,
    const vo_media_t *m, uint32_t *mask);


#endif /* TW_LADDER_H */
