/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * "placer train": the learned policy's model fitted on the view counts
 * in Redis (docs/placer.md "Training on the history").
 */

#ifndef TW_PLACER_TRAIN_H
#define TW_PLACER_TRAIN_H


/* argv[0] is "train"; the exit status */
int tw_placer_train(int argc, char **argv);


#endif /* TW_PLACER_TRAIN_H */
