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
static void tw_log_escape(char *dst, size_t size, const char *src);


/* the process-wide level: set once from the command line or the
 * configuration, before any thread starts, read-only afterwards */
static int  tw_level = TW_LOG_INFO;

static const char  *tw_level_names[] = { "error", "warn", "info", "debug" };

/* tw_log_capture()'s buffer, per thread */
static __thread char    *tw_capture;
static __thread size_t   tw_capture_size;


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
    char     line[2048], safe[2048];
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);

    tw_log_escape(safe, sizeof(safe), line);

    if (level == TW_LOG_ERR && tw_capture && tw_capture[0] == '\0'
        && strncmp(safe, "libav: ", 7) != 0)
    {
        snprintf(tw_capture, tw_capture_size, "%s", safe);
    }

    fprintf(stderr, "transcode-worker: [%s] %s\n", tw_level_names[level],
            safe);
}


/* control bytes and DEL as \xNN, so that what a client put in a request
 * (a decoded %0A) can neither split nor forge a log line; truncated at a
 * whole escape when it does not fit */
static void
tw_log_escape(char *dst, size_t size, const char *src)
{
    size_t          n;
    unsigned char   c;

    for (n = 0; *src != '\0'; src++) {
        c = (unsigned char) *src;

        if (c >= 0x20 && c != 0x7f) {
            if (n + 1 >= size) {
                break;
            }

            dst[n++] = (char) c;
            continue;
        }

        if (n + 4 >= size) {
            break;
        }

        snprintf(dst + n, 5, "\\x%02x", c);
        n += 4;
    }

    dst[n] = '\0';
}


void
tw_log_capture(char *buf, size_t size)
{
    if (buf && size) {
        buf[0] = '\0';
    }

    tw_capture = buf;
    tw_capture_size = size;
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
