/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The worker's clocks, one of each: tw_clock() is monotonic (deadlines,
 * durations, backoff: never moves back when the wall clock is set), in
 * seconds; tw_clock_ms() the same in milliseconds; tw_wall_ms() is the
 * wall clock in milliseconds since the epoch (what is written down for
 * people and for other hosts to read).  Thread-safe, no allocation.
 */

#ifndef TW_CLOCK_H
#define TW_CLOCK_H

#include <stdint.h>


double tw_clock(void);
int64_t tw_clock_ms(void);
int64_t tw_wall_ms(void);


#endif /* TW_CLOCK_H */
