/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The purger's two files (tw_purge_state.c): the state file, what
 * survives a restart, and the status file for nginx's /admin/status; and
 * the failures each CDN keeps for both.
 */

#ifndef TW_PURGE_STATE_H
#define TW_PURGE_STATE_H

#include <stdint.h>

#include "purger/tw_purge.h"


/*
 * load() reads the state file into the CDNs (done, inflight, failures)
 * and the journal position; a missing file is a first start (0), an
 * unreadable or invalid one -1 (logged): the purger must not guess.
 * save() and status_write() write their file through a temporary name,
 * fsync and rename; -1 logged.
 */
int tw_purge_state_load(tw_purger_t *p, uint64_t *dev, uint64_t *ino,
    int64_t *offset);
int tw_purge_state_save(tw_purger_t *p);
int tw_purge_status_write(tw_purger_t *p);

/* keeps a failure in cdn's ring (copies prefix and message, the
 * message made printable); failures_free() frees the ring */
void tw_purge_failure_keep(tw_purger_t *p, tw_cdn_t *cdn, uint64_t seq,
    long status, int64_t time_ms, const char *prefix, const char *message);
void tw_purge_failures_free(tw_purger_t *p, tw_cdn_t *cdn);


#endif /* TW_PURGE_STATE_H */
