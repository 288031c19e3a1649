/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The worker's one logger: lines go to stderr as
 * "transcode-worker: [level] message".  The level is checked before
 * anything is formatted.  libav* messages are routed through it too
 * (tw_log_init() installs the av_log callback); their errors become
 * warnings (the caller of the failing call logs the one error line) and
 * their INFO chatter debug, so one packaging run does not print encoder
 * stats for every segment.
 */

#ifndef TW_LOG_H
#define TW_LOG_H

#include <stddef.h>


#define TW_LOG_ERR     0
#define TW_LOG_WARN    1
#define TW_LOG_INFO    2
#define TW_LOG_DEBUG   3


void tw_log_init(void);
int tw_log_set_level(const char *name);     /* -1 on an unknown name */
int tw_log_level(void);
void tw_log_write(int level, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#define tw_log(level, ...)                                                   \
    do {                                                                     \
        if ((level) <= tw_log_level()) {                                     \
            tw_log_write(level, __VA_ARGS__);                                \
        }                                                                    \
    } while (0)

/* Text of an AVERROR code (or -errno); the string lives in a
 * thread-local buffer until the same thread's next call. */
const char *tw_strerror(int err);

/* from now on, this thread's first error line (not libav's context) is
 * also copied into buf (emptied here), until tw_log_capture(NULL, 0): the
 * reason a job records */
void tw_log_capture(char *buf, size_t size);


#endif /* TW_LOG_H */
