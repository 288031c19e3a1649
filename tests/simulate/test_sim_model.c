/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The learned placement policy's parts: the IRLS fit against a tiny
 * separable set and against a reference fit, the model file, the
 * placer's decayed views, the hysteresis, the PRNG's determinism.
 *
 * The reference: the same 10 weighted rows (below) fitted once in
 * Python by plain gradient descent (a different method: 200,000 steps
 * of 0.02, final gradient 5e-15) on
 *     sum wt * (log(1 + e^z) - y z) + 0.1 / 2 * |w|^2:
 *     w = (-1.3459579949, 0.7338456160, 0.2039473949).
 */

#include <math.h>
#include <stdarg.h>

#include "vo_test.h"
#include "placer/tw_placer_policy.h"
#include "placer/tw_placer_fit.h"
#include "simulate/tw_sim.h"


/* tw_log without libavutil */
int
tw_log_level(void)
{
    return 0;
}


void
tw_log_write(int level, const char *fmt, ...)
{
    va_list  ap;

    (void) level;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}


static void
test_reference(void)
{
    int     i;
    float   x[10 * TW_FEAT_N], y[10], wt[10];
    double  w[TW_FEAT_N];

    static const float  a[10] = { 0.1f, 0.5f, 0.9f, 1.3f, 1.7f, 2.1f, 2.5f,
                                  2.9f, 3.3f, 3.7f };
    static const float  b[10] = { 1, 0, 1, 1, 0, 0, 1, 0, 1, 0 };
    static const float  l[10] = { 0, 0, 1, 0, 1, 0, 1, 1, 0, 1 };
    static const float  s[10] = { 1, 2, 1, 0.5f, 1, 1, 2, 1, 1, 0.5f };

    memset(x, 0, sizeof(x));

    for (i = 0; i < 10; i++) {
        x[i * TW_FEAT_N] = 1;
        x[i * TW_FEAT_N + 1] = a[i];
        x[i * TW_FEAT_N + 2] = b[i];
        y[i] = l[i];
        wt[i] = s[i];
    }

    VO_CHECK(tw_fit_irls(x, y, wt, 10, 0.1, w) == 0);
    VO_CHECK(fabs(w[0] - -1.3459579949) < 1e-6);
    VO_CHECK(fabs(w[1] - 0.7338456160) < 1e-6);
    VO_CHECK(fabs(w[2] - 0.2039473949) < 1e-6);

    for (i = 3; i < TW_FEAT_N; i++) {
        VO_CHECK(fabs(w[i]) < 1e-12);      /* features that are all 0 */
    }
}


static void
test_separable(void)
{
    int         i, right;
    float       x[40 * TW_FEAT_N], y[40], wt[40];
    double      w[TW_FEAT_N], xd[TW_FEAT_N];
    tw_model_t  m;

    memset(x, 0, sizeof(x));

    for (i = 0; i < 40; i++) {
        x[i * TW_FEAT_N] = 1;
        x[i * TW_FEAT_N + 1] = (float) (i / 10.0);   /* 0 .. 3.9 */
        y[i] = i >= 20;                              /* x > 1.95 */
        wt[i] = 1;
    }

    VO_CHECK(tw_fit_irls(x, y, wt, 40, 1e-3, w) == 0);

    memset(&m, 0, sizeof(m));
    memcpy(m.w, w, sizeof(w));

    for (i = 0, right = 0; i < 40; i++) {
        memset(xd, 0, sizeof(xd));
        xd[0] = 1;
        xd[1] = i / 10.0;
        right += (tw_policy_prob(&m, xd) >= 0.5) == (i >= 20);
    }

    VO_CHECK_INT(right, 40);
    VO_CHECK(w[1] > 10);                 /* a steep boundary */
    VO_CHECK(fabs(-w[0] / w[1] - 1.95) < 0.01);
}


static void
test_model_file(void)
{
    int         i;
    char        buf[2048], err[128];
    tw_model_t  m, r;

    memset(&m, 0, sizeof(m));
    m.version = 7;
    m.p_on = 0.5;
    m.p_off = 0.3;
    m.breakeven = 18.25;
    snprintf(m.preset, sizeof(m.preset), "external");
    snprintf(m.regions, sizeof(m.regions), "US=18.25 JP=1e+06");

    for (i = 0; i < TW_FEAT_N; i++) {
        m.w[i] = (i - 7) * 0.123456789;
    }

    VO_CHECK(tw_model_format(&m, buf, sizeof(buf)) > 0);
    VO_CHECK(tw_model_parse(buf, &r, err, sizeof(err)) == 0);
    VO_CHECK_INT(r.version, 7);
    VO_CHECK_STR(r.preset, "external");
    VO_CHECK_STR(r.regions, "US=18.25 JP=1e+06");
    VO_CHECK(tw_model_breakeven(&r, "JP") == 1e6);
    VO_CHECK(tw_model_breakeven(&r, "US") == 18.25);
    VO_CHECK(tw_model_breakeven(&r, "BR") == 18.25);   /* the default */

    for (i = 0; i < TW_FEAT_N; i++) {
        VO_CHECK(fabs(r.w[i] - m.w[i]) < 1e-8);
    }

    VO_CHECK(tw_model_format(&m, buf, 40) == -1);
    VO_CHECK(tw_model_parse("{\"version\":1}", &r, err, sizeof(err)) == -1);
    VO_CHECK(tw_model_parse("{\"version\":1,\"features\":14,\"p_on\":0.5,"
                            "\"p_off\":0.3,\"breakeven\":1,\"weights\":[]}",
                            &r, err, sizeof(err)) == -1);
    VO_CHECK(tw_model_parse("{\"version\":1,\"features\":15,\"p_on\":0.2,"
                            "\"p_off\":0.3,\"breakeven\":1,\"weights\":[]}",
                            &r, err, sizeof(err)) == -1);
    VO_CHECK(tw_model_parse("{\"version\":1,\"features\":15,\"p_on\":0.5,"
                            "\"p_off\":0.3,\"breakeven\":1,"
                            "\"weights\":[1,2,3]}", &r, err,
                            sizeof(err)) == -1);
}


static void
test_policy(void)
{
    int             i;
    double          x[TW_FEAT_N], p;
    tw_model_t      m;
    tw_count_t      c[2];
    tw_policy_in_t  in;

    /* an hour that ended 24 h ago counts half, one ending now whole */
    c[0].hour = 1000000 - 25 * 3600;
    c[0].views = 8;
    c[1].hour = 1000000 - 3600;
    c[1].views = 3;
    VO_CHECK(fabs(tw_policy_decayed(c, 2, 1000000, 24) - 7) < 1e-12);
    VO_CHECK(fabs(tw_policy_decayed(c, 1, 1000000, 12) - 2) < 1e-12);

    memset(&in, 0, sizeof(in));
    in.region[0] = M_E - 1;
    in.global[3] = 4;
    in.region[3] = 1;
    in.lang_fit = 1;
    in.hour = 6;
    in.breakeven = 2e6;
    tw_policy_features(&in, x);
    VO_CHECK(x[0] == 1 && fabs(x[1] - 1) < 1e-12 && x[10] == 0.25);
    VO_CHECK(x[11] == 1 && fabs(x[12] - 1) < 1e-12 && fabs(x[13]) < 1e-12);
    VO_CHECK(fabs(x[14] - log1p(1e6)) < 1e-12);

    /* probability 0.4: between p_off 0.3 and p_on 0.5 */
    memset(&m, 0, sizeof(m));
    m.p_on = 0.5;
    m.p_off = 0.3;
    m.w[0] = log(0.4 / 0.6);
    memset(&in, 0, sizeof(in));
    VO_CHECK(tw_policy_learned(&m, &in, 1, &p) == 1);
    VO_CHECK(fabs(p - 0.4) < 1e-12);
    VO_CHECK(tw_policy_learned(&m, &in, 0, NULL) == 0);
    m.w[0] = log(0.6 / 0.4);
    VO_CHECK(tw_policy_learned(&m, &in, 0, NULL) == 1);
    m.w[0] = log(0.2 / 0.8);
    VO_CHECK(tw_policy_learned(&m, &in, 1, NULL) == 0);

    for (i = 0; i < TW_FEAT_N; i++) {
        VO_CHECK(isfinite(x[i]));
    }
}


static void
test_rng(void)
{
    int       i;
    double    sum;
    uint64_t  first;
    tw_rng_t  a, b;

    tw_rng_seed(&a, 42);
    tw_rng_seed(&b, 42);
    first = tw_rng_next(&a);
    VO_CHECK(first == tw_rng_next(&b));

    tw_rng_seed(&b, 43);
    VO_CHECK(first != tw_rng_next(&b));

    for (i = 0, sum = 0; i < 100000; i++) {
        sum += tw_rng_poisson(&a, 3.5);
    }

    VO_CHECK(fabs(sum / 100000 - 3.5) < 0.03);

    for (i = 0, sum = 0; i < 10000; i++) {
        sum += tw_rng_poisson(&a, 1000);
    }

    VO_CHECK(fabs(sum / 10000 - 1000) < 2);
}


int
main(void)
{
    test_reference();
    test_separable();
    test_model_file();
    test_policy();
    test_rng();

    VO_TEST_DONE("test_sim_model");
}
