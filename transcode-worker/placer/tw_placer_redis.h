/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The placer's Redis connection (p->redis): kept across runs while it
 * works, dropped at the first failure, opened again by the next run.
 */

#ifndef TW_PLACER_REDIS_H
#define TW_PLACER_REDIS_H

#include "placer/tw_placer.h"


/* opens p->redis unless it is open: 0, or -1 logged and counted */
int tw_placer_connect(tw_placer_t *p);

/* a failed Redis call: logged with what, reply (a redisReply, or NULL)
 * freed, counted, the connection dropped; returns -1 */
int tw_placer_redis_fail(tw_placer_t *p, const char *what, void *reply);


#endif /* TW_PLACER_REDIS_H */
