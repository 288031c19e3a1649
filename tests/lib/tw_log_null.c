/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The worker's log (common/tw_log.h) for the fuzz targets and the
 * worker's unit tests (tests/{concern}/test_tw_*.c): every line is
 * formatted, so the format strings and their arguments run under the
 * sanitizers, then dropped (no FFmpeg to link, no log to fill).
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/tw_log.h"


void
tw_log_init(void)
{
}


int
tw_log_set_level(const char *name)
{
    (void) name;
    return 0;
}


int
tw_log_level(void)
{
    return TW_LOG_DEBUG;
}


void
tw_log_write(int level, const char *fmt, ...)
{
    char     line[2048];
    va_list  ap;

    (void) level;

    va_start(ap, fmt);
    (void) vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
}


const char *
tw_strerror(int err)
{
    return strerror(err);
}
