/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * What a placer run reads from Redis (steps 1 and 2 of placer/tw_placer.h)
 * into the table of the run.
 */

#ifndef TW_PLACER_SCAN_H
#define TW_PLACER_SCAN_H

#include "placer/tw_placer.h"


/* the view counts and the hints into p->table (malloc()ed, freed by
 * tw_table_free()); 0, -1 (logged, the run fails), 1 stopped by a
 * signal */
int tw_placer_scan(tw_placer_t *p);
void tw_table_free(tw_table_t *t);


#endif /* TW_PLACER_SCAN_H */
