/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The decisions of a placer run and their writes (step 3 of
 * placer/tw_placer.h).
 */

#ifndef TW_PLACER_WRITE_H
#define TW_PLACER_WRITE_H

#include "placer/tw_placer.h"


/* decides and writes every video of p->table, one pipeline per video,
 * then its lines to p->log (when open); 0, -1 (logged, the run fails),
 * 1 stopped by a signal after a whole video */
int tw_placer_write(tw_placer_t *p);


#endif /* TW_PLACER_WRITE_H */
