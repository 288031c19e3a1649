/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Writing ISO-BMFF (ISO/IEC 14496-12): big-endian fields into a
 * tw_bytes_t, and boxes whose size is patched in when they are closed.
 * Errors (allocation, boxes nested deeper than TW_BOX_DEPTH, a close
 * without an open) mark the buffer failed, like tw_bytes_append().
 */

#ifndef TW_BOX_H
#define TW_BOX_H

#include <stddef.h>
#include <stdint.h>

#include "media/tw_bytes.h"


#define TW_BOX_DEPTH          12


/* a box writer into b: the boxes open, outermost first; zeroed with b
 * set before the first box */
typedef struct {
    tw_bytes_t  *b;
    size_t       open[TW_BOX_DEPTH];
    int          depth;
} tw_box_t;


void tw_w8(tw_bytes_t *b, uint32_t v);
void tw_w16(tw_bytes_t *b, uint32_t v);
void tw_w24(tw_bytes_t *b, uint32_t v);
void tw_w32(tw_bytes_t *b, uint32_t v);
void tw_w64(tw_bytes_t *b, uint64_t v);
/* a four-character code */
void tw_wtag(tw_bytes_t *b, const char *tag);
void tw_wzero(tw_bytes_t *b, size_t n);
/* overwrites the 32 bits at offset at, already written */
void tw_patch32(tw_bytes_t *b, size_t at, uint32_t v);

/* a box of that type (four characters), or a full box (version and
 * flags), left open for its contents */
void tw_box_open(tw_box_t *w, const char *type);
void tw_box_open_full(tw_box_t *w, const char *type, uint32_t version,
    uint32_t flags);
/* closes the innermost open box: its size is patched in */
void tw_box_close(tw_box_t *w);


#endif /* TW_BOX_H */
