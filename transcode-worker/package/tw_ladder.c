/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tw_log.h"
#include "media/tw_codec.h"
#include "package/tw_ladder.h"


/* a rung refused with the message that shows the whole --ladder */
#define TW_LADDER_INVALID  -2


static vo_video_t *tw_ladder_push(vo_media_t *m);
static int tw_ladder_rung(char *rung, unsigned formats,
    const tw_source_t *src, vo_media_t *m, uint32_t *lowest);
static int tw_ladder_fallback(const tw_source_t *src, vo_media_t *m,
    uint32_t lowest);
static void tw_ladder_size(uint32_t crf, const tw_source_t *src,
    vo_media_t *m);


int
tw_ladder_build(const char *ladder, unsigned formats, uint32_t crf,
    const tw_source_t *src, vo_media_t *m)
{
    int        rc;
    char       buf[1024], *rung, *save;
    uint32_t   lowest;

    if (strlen(ladder) >= sizeof(buf)) {
        tw_log(TW_LOG_ERR, "--ladder too long");
        return -1;
    }

    strcpy(buf, ladder);
    m->nvideo = 0;
    lowest = 0;

    for (rung = strtok_r(buf, ",", &save); rung;
         rung = strtok_r(NULL, ",", &save))
    {
        rc = tw_ladder_rung(rung, formats, src, m, &lowest);

        if (rc == TW_LADDER_INVALID) {
            goto invalid;
        }

        if (rc != 0) {
            return -1;
        }
    }

    if (lowest == 0) {
        goto invalid;
    }

    if (tw_ladder_fallback(src, m, lowest) != 0) {
        return -1;
    }

    tw_ladder_size(crf, src, m);

    return 0;

invalid:

    tw_log(TW_LOG_ERR, "invalid --ladder \"%s\": expected "
           "name:height:maxrate_kbps[:avc1|hvc1|av01],... with at least one "
           "H.264 rung", ladder);

    return -1;
}


/* a new, zeroed rendition at the end of the ladder; NULL (logged) when
 * the ladder is full */
static vo_video_t *
tw_ladder_push(vo_media_t *m)
{
    vo_video_t  *v;

    if (m->nvideo == VO_MAX_VIDEO) {
        tw_log(TW_LOG_ERR, "--ladder has more than %d rungs", VO_MAX_VIDEO);
        return NULL;
    }

    v = &m->video[m->nvideo++];
    memset(v, 0, sizeof(vo_video_t));

    return v;
}


/* one rung, added to m unless taller than the source; *lowest is the
 * lowest H.264 maxrate seen, kbit/s, 0 while none */
static int
tw_ladder_rung(char *rung, unsigned formats, const tw_source_t *src,
    vo_media_t *m, uint32_t *lowest)
{
    char         *name, *h, *rate, *codec, *end;
    unsigned      family;
    uint32_t      i, height, maxrate;
    vo_video_t   *v;

    name = rung;
    h = strchr(name, ':');
    rate = h ? strchr(h + 1, ':') : NULL;

    if (rate == NULL) {
        return TW_LADDER_INVALID;
    }

    *h++ = '\0';
    *rate++ = '\0';

    /* an optional fourth field: the codec, H.264 by default */
    codec = strchr(rate, ':');
    family = VO_CODEC_AVC;

    if (codec) {
        *codec++ = '\0';
        family = vo_codec_family_parse((u_char *) codec, strlen(codec));

        if (family == 0) {
            return TW_LADDER_INVALID;
        }

        if (family != VO_CODEC_AVC && !(formats & VO_FORMAT_FMP4)) {
            tw_log(TW_LOG_ERR, "--ladder: \"%s\" is %s, which is CMAF "
                   "only, and --formats has no fmp4", name, codec);
            return -1;
        }
    }

    height = strtoul(h, &end, 10);
    if (*end || height < 2 || height > 8192 || height % 2) {
        return TW_LADDER_INVALID;
    }

    maxrate = strtoul(rate, &end, 10);
    if (*end || maxrate == 0 || maxrate > 1000000) {
        return TW_LADDER_INVALID;
    }

    if (strlen(name) == 0 || strlen(name) > VO_NAME_MAX
        || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
                        "VWXYZ0123456789_-") != strlen(name)
        || strcmp(name, "aac") == 0)
    {
        return TW_LADDER_INVALID;
    }

    for (i = 0; i < m->nvideo; i++) {
        if (strcmp(m->video[i].name, name) == 0) {
            tw_log(TW_LOG_ERR, "--ladder names \"%s\" twice", name);
            return -1;
        }
    }

    if (family == VO_CODEC_AVC && (*lowest == 0 || maxrate < *lowest)) {
        *lowest = maxrate;
    }

    if (height > (uint32_t) src->height) {
        return 0;
    }

    v = tw_ladder_push(m);
    if (v == NULL) {
        return -1;
    }

    strcpy(v->name, name);
    v->height = height;
    v->maxrate = maxrate * 1000;
    /* the family until the encoder gives the whole codecs string */
    strcpy(v->codec, vo_codec_family_name(family));

    return 0;
}


/* no H.264 rung at or below the source's height: one H.264 rendition at
 * its size, the fallback every device plays */
static int
tw_ladder_fallback(const tw_source_t *src, vo_media_t *m, uint32_t lowest)
{
    uint32_t     i;
    vo_video_t  *v;

    for (i = 0; i < m->nvideo; i++) {
        if (tw_video_family(&m->video[i]) == VO_CODEC_AVC) {
            return 0;
        }
    }

    v = tw_ladder_push(m);
    if (v == NULL) {
        return -1;
    }

    v->height = src->height & ~1;
    v->maxrate = lowest * 1000;
    snprintf(v->name, sizeof(v->name), "%up", v->height);
    strcpy(v->codec, "avc1");

    for (i = 0; i + 1 < m->nvideo; i++) {
        if (strcmp(m->video[i].name, v->name) == 0) {
            tw_log(TW_LOG_ERR, "--ladder: the source is below every "
                   "H.264 rung and \"%s\" is taken", v->name);
            return -1;
        }
    }

    return 0;
}


/* widths from the display aspect ratio, crf, highest rendition first */
static void
tw_ladder_size(uint32_t crf, const tw_source_t *src, vo_media_t *m)
{
    uint32_t     i, k;
    uint64_t     num, den;
    vo_video_t  *v, tmp;

    /* rounded to even */
    num = (uint64_t) src->width * src->sar.num;
    den = (uint64_t) src->height * src->sar.den;

    for (i = 0; i < m->nvideo; i++) {
        v = &m->video[i];
        v->width = (uint32_t) ((v->height * num + den) / (2 * den) * 2);
        if (v->width < 2) {
            v->width = 2;
        }
        v->crf = tw_codec_crf(tw_video_family(v), crf);
    }

    for (i = 1; i < m->nvideo; i++) {
        for (k = i; k > 0 && m->video[k].height > m->video[k - 1].height;
             k--)
        {
            tmp = m->video[k];
            m->video[k] = m->video[k - 1];
            m->video[k - 1] = tmp;
        }
    }
}


int
tw_ladder_eager(const char *eager, const char *ladder, const vo_media_t *m,
    uint32_t *mask)
{
    char       buf[1024], *name, *save;
    uint32_t   r;

    if (eager == NULL || strcmp(eager, "all") == 0) {
        /* every H.264 rendition: HEVC and AV1 only when a device asks */
        *mask = 0;
        for (r = 0; r < m->nvideo; r++) {
            if (tw_video_family(&m->video[r]) == VO_CODEC_AVC) {
                *mask |= 1u << r;
            }
        }
        return 0;
    }

    *mask = 0;

    if (strcmp(eager, "none") == 0) {
        return 0;
    }

    if (strlen(eager) >= sizeof(buf)) {
        goto invalid;
    }

    strcpy(buf, eager);

    for (name = strtok_r(buf, ",", &save); name;
         name = strtok_r(NULL, ",", &save))
    {
        for (r = 0; r < m->nvideo; r++) {
            if (strcmp(m->video[r].name, name) == 0) {
                *mask |= 1u << r;
                break;
            }
        }

        if (r < m->nvideo) {
            continue;
        }

        if (strstr(ladder, name) == NULL) {
            goto invalid;
        }

        tw_log(TW_LOG_WARN, "eager rendition \"%s\" is above the source: "
               "skipped", name);
    }

    return 0;

invalid:

    tw_log(TW_LOG_ERR, "invalid --eager \"%s\": all, none or rendition "
           "names of the ladder", eager);

    return -1;
}
