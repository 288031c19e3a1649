/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The fit of the learned policy's weights, shared by the simulator
 * (simulate --train) and the placer (placer train): a weighted logistic
 * regression by IRLS (Newton's method with a small ridge term, each step
 * solved by Cholesky).
 */

#include <math.h>
#include <string.h>

#include "placer/tw_placer_fit.h"


/* a (Cholesky) x = b for the n x n symmetric positive a: 0, or -1 */
static int
tw_fit_solve(double *a, double *b, int n)
{
    int     i, j, k;
    double  s;

    for (j = 0; j < n; j++) {
        s = a[j * n + j];
        for (k = 0; k < j; k++) {
            s -= a[j * n + k] * a[j * n + k];
        }
        if (s <= 0) {
            return -1;
        }
        a[j * n + j] = sqrt(s);

        for (i = j + 1; i < n; i++) {
            s = a[i * n + j];
            for (k = 0; k < j; k++) {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / a[j * n + j];
        }
    }

    for (i = 0; i < n; i++) {
        for (k = 0; k < i; k++) {
            b[i] -= a[i * n + k] * b[k];
        }
        b[i] /= a[i * n + i];
    }

    for (i = n - 1; i >= 0; i--) {
        for (k = i + 1; k < n; k++) {
            b[i] -= a[k * n + i] * b[k];
        }
        b[i] /= a[i * n + i];
    }

    return 0;
}


int
tw_fit_irls(const float *x, const float *y, const float *wt, size_t n,
    double lambda, double w[TW_FEAT_N])
{
    int           it, i, j;
    double        h[TW_FEAT_N * TW_FEAT_N], g[TW_FEAT_N], z, p, s, step;
    size_t        k;
    const float  *r;

    memset(w, 0, TW_FEAT_N * sizeof(double));

    for (it = 0; it < 50; it++) {
        memset(h, 0, sizeof(h));

        for (i = 0; i < TW_FEAT_N; i++) {
            h[i * TW_FEAT_N + i] = lambda;
            g[i] = -lambda * w[i];
        }

        for (k = 0; k < n; k++) {
            r = x + k * TW_FEAT_N;
            for (z = 0, i = 0; i < TW_FEAT_N; i++) {
                z += w[i] * r[i];
            }
            p = 1 / (1 + exp(-z));
            s = wt[k] * fmax(p * (1 - p), 1e-9);

            for (i = 0; i < TW_FEAT_N; i++) {
                g[i] += wt[k] * (y[k] - p) * r[i];
                for (j = 0; j <= i; j++) {
                    h[i * TW_FEAT_N + j] += s * r[i] * r[j];
                }
            }
        }

        for (i = 0; i < TW_FEAT_N; i++) {
            for (j = i + 1; j < TW_FEAT_N; j++) {
                h[i * TW_FEAT_N + j] = h[j * TW_FEAT_N + i];
            }
        }

        if (tw_fit_solve(h, g, TW_FEAT_N) != 0) {
            return -1;
        }

        for (step = 0, i = 0; i < TW_FEAT_N; i++) {
            w[i] += g[i];
            step = fmax(step, fabs(g[i]));
        }

        if (step < 1e-7) {
            return 0;
        }
    }

    return -1;
}
