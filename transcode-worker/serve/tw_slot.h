/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The transcode slots of "serve": sv->conf.slots threads that take the
 * queued jobs (serve/tw_jobs.h) and make their objects.
 */

#ifndef TW_SLOT_H
#define TW_SLOT_H

#include "serve/tw_server.h"


/* starts the threads (sv->slots, sv->nslots); -1 (logged) when one
 * cannot start: tw_slots_stop() still ends those that did */
int tw_slots_start(tw_server_t *sv);
/* the slots make what is still queued, then end; joined and freed */
void tw_slots_stop(tw_server_t *sv);


#endif /* TW_SLOT_H */
