/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The one UTF-8 check (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), for the JSON reader and writer and for the
 * worker's catalog text.  Reads only within [p, end); allocates nothing.
 */

#ifndef VO_UTF8_H
#define VO_UTF8_H

#include "vo_core.h"


/*
 * The length (1 to 4) of the well-formed sequence that starts at p (p is
 * before end), or 0 when none does; *truncated is set to 1 when the bytes
 * end inside what would have been a sequence (p's first byte is a lead
 * byte but fewer bytes follow than it announces), to 0 otherwise.
 */
size_t vo_utf8_len(const u_char *p, const u_char *end, int *truncated);

/* whether the len bytes at p are well-formed UTF-8 */
int vo_utf8_valid(const u_char *p, size_t len);


#endif /* VO_UTF8_H */
