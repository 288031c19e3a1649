/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The placement policies the placer and the simulator share
 * (tw_placer_policy.h).
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "placer/tw_placer_policy.h"


const int  tw_policy_spans[TW_SPANS] = { 1, 6, 24, 168 };


double
tw_policy_decayed(const tw_count_t *counts, uint32_t n, int64_t now,
    double half_life_h)
{
    double    score, age;
    int64_t   a;
    uint32_t  i;

    score = 0;

    for (i = 0; i < n; i++) {
        a = now - (counts[i].hour + 3600);
        age = a > 0 ? a / 3600.0 : 0;
        score += counts[i].views * exp2(-age / half_life_h);
    }

    return score;
}


void
tw_policy_features(const tw_policy_in_t *in, double x[TW_FEAT_N])
{
    int  i;

    x[0] = 1;

    for (i = 0; i < TW_SPANS; i++) {
        x[1 + i] = log1p(in->region[i]);
        x[1 + TW_SPANS + i] = log1p(in->global[i]);
    }

    x[9] = log1p(in->age_h > 0 ? in->age_h : 0);
    x[10] = in->global[3] > 0 ? in->region[3] / in->global[3] : 0;
    x[11] = in->lang_fit ? 1 : 0;
    x[12] = sin(in->hour * (M_PI / 12));
    x[13] = cos(in->hour * (M_PI / 12));
    x[14] = log1p(fmin(fmax(in->breakeven, 0), TW_NEVER));
}


double
tw_policy_prob(const tw_model_t *m, const double x[TW_FEAT_N])
{
    int     i;
    double  z;

    z = 0;

    for (i = 0; i < TW_FEAT_N; i++) {
        z += m->w[i] * x[i];
    }

    return 1 / (1 + exp(-z));
}


int
tw_policy_learned(const tw_model_t *m, const tw_policy_in_t *in, int prev,
    double *prob)
{
    double  x[TW_FEAT_N], p;

    /* where a CDN view costs more than an origin one, no count pays */
    if (in->breakeven >= TW_NEVER) {
        if (prob != NULL) {
            *prob = 0;
        }
        return 0;
    }

    tw_policy_features(in, x);
    p = tw_policy_prob(m, x);

    if (prob != NULL) {
        *prob = p;
    }

    return prev ? p >= m->p_off : p >= m->p_on;
}


int
tw_model_format(const tw_model_t *m, char *buf, size_t size)
{
    int     i, n, k;

    n = snprintf(buf, size, "{\"version\":%u,\"features\":%d,\"p_on\":%.6g,"
                 "\"p_off\":%.6g,\"breakeven\":%.6g,\"regions\":\"%s\","
                 "\"preset\":\"%s\",\"weights\":[", m->version, TW_FEAT_N,
                 m->p_on, m->p_off, m->breakeven, m->regions, m->preset);

    for (i = 0; i < TW_FEAT_N && n >= 0 && (size_t) n < size; i++) {
        k = snprintf(buf + n, size - n, "%s%.9g", i ? "," : "", m->w[i]);
        n = k < 0 ? -1 : n + k;
    }

    if (n < 0 || (size_t) n + 2 > size) {
        return -1;
    }

    buf[n++] = ']';
    buf[n++] = '}';
    buf[n] = '\0';

    return n;
}


int
tw_model_save(const tw_model_t *m, const char *path)
{
    int    n;
    char   buf[2048];
    FILE  *f;

    n = tw_model_format(m, buf, sizeof(buf));
    f = n < 0 ? NULL : fopen(path, "w");

    if (f == NULL) {
        return -1;
    }

    fprintf(f, "%s\n", buf);

    return fclose(f) == 0 ? 0 : -1;
}


/* the number after "key": in text, into *v: 0, or -1 */
static int
tw_model_number(const char *text, const char *key, double *v)
{
    char         k[32], *end;
    const char  *p;

    snprintf(k, sizeof(k), "\"%s\"", key);
    p = strstr(text, k);

    if (p == NULL) {
        return -1;
    }

    p += strlen(k);
    p += strspn(p, " \t\r\n");

    if (*p++ != ':') {
        return -1;
    }

    *v = strtod(p, &end);

    return end == p || !isfinite(*v) ? -1 : 0;
}


/* the string after "key": in text into buf (up to size - 1 bytes) */
static void
tw_model_string(const char *text, const char *key, char *buf, size_t size)
{
    char         k[32];
    size_t       i;
    const char  *p;

    snprintf(k, sizeof(k), "\"%s\"", key);
    p = strstr(text, k);
    p = p ? strchr(p + strlen(k), '"') : NULL;

    for (i = 0; p != NULL && *++p && *p != '"' && i + 1 < size; i++) {
        buf[i] = *p;
    }

    buf[i] = '\0';
}


double
tw_model_breakeven(const tw_model_t *m, const char *region)
{
    char        *end;
    size_t       n;
    double       v;
    const char  *p;

    n = strlen(region);

    for (p = m->regions; (p = strstr(p, region)) != NULL; p += n) {
        if ((p == m->regions || p[-1] == ' ') && p[n] == '=') {
            v = strtod(p + n + 1, &end);
            return end == p + n + 1 ? m->breakeven : v;
        }
    }

    return m->breakeven;
}


int
tw_model_parse(const char *text, tw_model_t *m, char *err, size_t esize)
{
    int          i;
    char        *end;
    double       v, n;
    const char  *p;

    memset(m, 0, sizeof(*m));

    if (tw_model_number(text, "version", &v) != 0 || v < 1 || v > 4e9
        || tw_model_number(text, "features", &n) != 0 || n != TW_FEAT_N
        || tw_model_number(text, "p_on", &m->p_on) != 0
        || tw_model_number(text, "p_off", &m->p_off) != 0
        || tw_model_number(text, "breakeven", &m->breakeven) != 0)
    {
        snprintf(err, esize, "version, features (%d), p_on, p_off or "
                 "breakeven missing or invalid", TW_FEAT_N);
        return -1;
    }

    m->version = (uint32_t) v;

    if (!(m->p_off >= 0 && m->p_off <= m->p_on && m->p_on <= 1)) {
        snprintf(err, esize, "needs 0 <= p_off <= p_on <= 1");
        return -1;
    }

    tw_model_string(text, "preset", m->preset, sizeof(m->preset));
    tw_model_string(text, "regions", m->regions, sizeof(m->regions));

    p = strstr(text, "\"weights\"");
    p = p ? strchr(p, '[') : NULL;

    for (i = 0; p != NULL && i < TW_FEAT_N; i++) {
        p++;
        m->w[i] = strtod(p, &end);
        p = (end == p || !isfinite(m->w[i])) ? NULL : end + strspn(end, " ");

        if (p != NULL && *p != (i == TW_FEAT_N - 1 ? ']' : ',')) {
            p = NULL;
        }
    }

    if (p == NULL) {
        snprintf(err, esize, "\"weights\" is not an array of %d numbers",
                 TW_FEAT_N);
        return -1;
    }

    return 0;
}


int
tw_model_load(const char *path, tw_model_t *m, char *err, size_t esize)
{
    char    buf[4096];
    size_t  n;
    FILE   *f;

    f = fopen(path, "r");

    if (f == NULL) {
        snprintf(err, esize, "cannot open %s", path);
        return -1;
    }

    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';

    return tw_model_parse(buf, m, err, esize);
}
