/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/log.h>
#include <libavutil/error.h>

#include "common/tw_log.h"


static void tw_log_av(void *avcl, int level, const char *fmt, va_list vl);


/* the process-wide level: set once from the command line or the
 * configuration, before any thread starts, read-only afterwards */
static int  tw_level = TW_LOG_INFO;

static const char  *tw_level_names[] = { "error", "warn", "info", "debug" };


void
tw_log_init(void)
{
    av_log_set_level(AV_LOG_VERBOSE);
    av_log_set_callback(tw_log_av);
}


int
tw_log_set_level(const char *name)
{
    int  i;

    for (i = 0; i <= TW_LOG_DEBUG; i++) {
        if (strcmp(name, tw_level_names[i]) == 0) {
            tw_level = i;
            return 0;
        }
    }

    return -1;
}


int
tw_log_level(void)
{
    return tw_level;
}


void
tw_log_write(int level, const char *fmt, ...)
{
    char     line[2048];
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);

    fprintf(stderr, "transcode-worker: [%s] %s\n", tw_level_names[level],
            line);
}


static void
tw_log_av(void *avcl, int level, const char *fmt, va_list vl)
{
    int     our, print_prefix;
    char    line[1024];
    size_t  len;

    /* a failing libav* call is logged by its caller, once, as an error;
     * what the library says about it is context */
    if (level <= AV_LOG_FATAL) {
        our = TW_LOG_ERR;

    } else if (level <= AV_LOG_WARNING) {
        our = TW_LOG_WARN;

    } else if (level <= AV_LOG_VERBOSE) {
        our = TW_LOG_DEBUG;

    } else {
        return;
    }

    if (our > tw_level) {
        return;
    }

    print_prefix = 1;
    av_log_format_line2(avcl, level, fmt, vl, line, sizeof(line),
                        &print_prefix);

    len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        line[--len] = '\0';
    }

    if (len == 0) {
        return;
    }

    tw_log_write(our, "libav: %s", line);
}


const char *
tw_strerror(int err)
{
    /* per thread: the daemon's transcode slots log concurrently */
    static __thread char  buf[AV_ERROR_MAX_STRING_SIZE + 32];

    if (av_strerror(err, buf, sizeof(buf)) < 0) {
        snprintf(buf, sizeof(buf), "error %d", err);
    }

    return buf;
}
