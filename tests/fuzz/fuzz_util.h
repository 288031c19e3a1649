/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * What the fuzz targets share: cutting an input into fields and failing
 * loudly (a trap, so libFuzzer keeps the input and names the line).
 */

#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vo_core.h"


/* the property that failed, for the report, then a trap */
#define fuzz_assert(cond)                                                    \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_fail: %s:%d: %s\n", __FILE__, __LINE__,    \
                    #cond);                                                  \
            __builtin_trap();                                                \
        }                                                                    \
    } while (0)


/* the next field of [*p, end) up to sep (or the end), sep skipped */
static inline vo_str_t
fuzz_field(const uint8_t **p, const uint8_t *end, uint8_t sep)
{
    vo_str_t        f;
    const uint8_t  *s;

    s = memchr(*p, sep, (size_t) (end - *p));
    f.data = *p;
    f.len = (size_t) ((s ? s : end) - *p);
    *p = s ? s + 1 : end;

    return f;
}


/* a malloc() copy of f with a NUL after it (the worker's C strings) */
static inline char *
fuzz_cstr(vo_str_t f)
{
    char  *s;

    s = malloc(f.len + 1);
    if (s == NULL) {
        abort();
    }

    memcpy(s, f.data, f.len);
    s[f.len] = '\0';

    return s;
}


#endif /* FUZZ_UTIL_H */
