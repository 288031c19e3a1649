/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Following the purge journal (tw_purge_journal.c), for the purger's
 * loop.  The format is in docs/cdn-purge.md.
 */

#ifndef TW_PURGE_JOURNAL_H
#define TW_PURGE_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "purger/tw_purge.h"


/*
 * open() follows path from offset when the file there is still (dev,
 * ino) and offset is the start of a line, from the start otherwise; a
 * missing journal is waited for (logged once).  read() takes at most max
 * bytes of complete lines, hands each valid purge with a seq above every
 * one before it to emit (which owns nothing it is given: it copies the
 * prefix) and skips the other lines, each logged once; a line not yet
 * ended by '\n' is left for later.  emit returns 0 to go on, 1 when it
 * has no room: that line is read again next time.  It returns the number
 * of purges emitted.
 */
typedef int (*tw_journal_emit_pt)(void *data, const tw_purge_t *purge);

void tw_journal_open(tw_journal_t *j, const char *path, uint64_t dev,
    uint64_t ino, int64_t offset);
int tw_journal_read(tw_journal_t *j, size_t max, tw_journal_emit_pt emit,
    void *data);
void tw_journal_close(tw_journal_t *j);

/*
 * One line without its '\n' ("<seq> <unix_ms> <prefix>"): NULL with
 * purge's seq, time_ms, exact and prefix (pointing into s, not copied,
 * not NUL terminated: it runs to the end of the line), or the reason it
 * is refused.
 */
const char *tw_journal_parse(const char *s, size_t len, tw_purge_t *purge);


#endif /* TW_PURGE_JOURNAL_H */
