/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A growable byte buffer (malloc), what the segment writers fill and the
 * store and the daemon send.
 */

#ifndef TW_BYTES_H
#define TW_BYTES_H

#include <stddef.h>
#include <stdint.h>


/* zeroed before the first write; after a failed allocation it is marked
 * failed and further writes do nothing: check once at the end */
typedef struct {
    uint8_t    *data;
    size_t      len;
    size_t      cap;
    int         failed;
} tw_bytes_t;

/* frees data and zeroes b, which may be written again */
void tw_bytes_free(tw_bytes_t *b);
void tw_bytes_append(tw_bytes_t *b, const void *data, size_t len);


#endif /* TW_BYTES_H */
