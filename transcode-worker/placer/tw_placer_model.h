/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The placer's learned policy ("policy learned", docs/placer.md): its
 * model, read from the "model" file at start and kept in step with
 * Redis (vo:model:placement, docs/redis-layout.md), and the decision of a
 * (video, region) from its counts, by tw_placer_policy.c's scoring, the
 * simulator's.
 */

#ifndef TW_PLACER_MODEL_H
#define TW_PLACER_MODEL_H

#include "placer/tw_placer.h"


#define TW_MODEL_KEY  "vo:model:placement"

/* the model file into p->model: 0, or -1 logged */
int tw_placer_model_load(tw_placer_t *p);

/* once a run: a newer version in Redis replaces p->model; an older one,
 * or none, is replaced by p->model's.  0, or -1 (Redis failed) */
int tw_placer_model_sync(tw_placer_t *p);

/* the policy's inputs of r of v at now, from the counts of the hours
 * before now (the break-even p->model's): the placer's scoring and
 * placer train's samples */
void tw_placer_inputs(tw_placer_t *p, tw_video_t *v, tw_region_t *r,
    int64_t now, tw_policy_in_t *in);

/* r of v: TW_HINT_CDN or TW_HINT_ORIGIN, *score the probability x 1000 */
int tw_placer_learned(tw_placer_t *p, tw_video_t *v, tw_region_t *r,
    uint64_t *score);

#endif /* TW_PLACER_MODEL_H */
