/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The fit of the learned policy's weights, shared by the simulator
 * (simulate --train) and the placer (placer train): a weighted logistic
 * regression by IRLS (Newton's method with a small ridge term, each step
 * solved by Cholesky).
 */

#ifndef TW_PLACER_FIT_H
#define TW_PLACER_FIT_H

#include <stddef.h>

#include "placer/tw_placer_policy.h"


/* weighted logistic regression on n rows of x (TW_FEAT_N each), labels
 * y (0 or 1), weights wt, ridge lambda: the weights into w; 0, or -1
 * when it does not converge */
int tw_fit_irls(const float *x, const float *y, const float *wt, size_t n,
    double lambda, double w[TW_FEAT_N]);


#endif /* TW_PLACER_FIT_H */
