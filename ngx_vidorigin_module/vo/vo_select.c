/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Which video renditions a manifest lists for a device class: its codec
 * families in its order, within its limits, H.264 always among them.
 */

#include <string.h>

#include "vo_manifest.h"


static const char  *vo_family_names[VO_CODEC_FAMILIES + 1] = {
    NULL, "avc1", "hvc1", "av01"
};


unsigned
vo_codec_family(const char *codec)
{
    /* the sample entry type: the codecs string up to its first dot */
    if (strncmp(codec, "avc1.", 5) == 0 || strncmp(codec, "avc3.", 5) == 0) {
        return VO_CODEC_AVC;
    }

    if (strncmp(codec, "hvc1.", 5) == 0 || strncmp(codec, "hev1.", 5) == 0) {
        return VO_CODEC_HEVC;
    }

    if (strncmp(codec, "av01.", 5) == 0) {
        return VO_CODEC_AV1;
    }

    return 0;
}


const char *
vo_codec_family_name(unsigned family)
{
    return family <= VO_CODEC_FAMILIES ? vo_family_names[family] : NULL;
}


unsigned
vo_codec_family_parse(const u_char *p, size_t len)
{
    unsigned  f;

    for (f = 1; f <= VO_CODEC_FAMILIES; f++) {
        if (len == 4 && memcmp(p, vo_family_names[f], 4) == 0) {
            return f;
        }
    }

    return 0;
}


void
vo_selection_all(const vo_media_t *m, vo_selection_t *sel)
{
    uint32_t  i;

    memset(sel, 0, sizeof(vo_selection_t));

    for (i = 0; i < m->nvideo && i < VO_MAX_VIDEO; i++) {
        sel->video[i] = (uint8_t) i;
    }

    sel->nvideo = i;
}


vo_status_t
vo_select(const vo_media_t *m, const vo_policy_t *p, unsigned format,
    vo_selection_t *sel)
{
    uint8_t            order[VO_CODEC_FAMILIES + 1];
    uint32_t           i, n, r, norder, smallest, avc, avc_rank;
    const vo_video_t  *v;

    memset(sel, 0, sizeof(vo_selection_t));

    /* the families in preference order, H.264 last if not listed; TS
     * carries H.264 only */
    norder = 0;

    if (p != NULL && format != VO_FORMAT_TS) {
        for (i = 0; i < p->ncodecs && i < VO_CODEC_FAMILIES; i++) {
            order[norder++] = p->codecs[i];
        }
    }

    for (avc_rank = 0; avc_rank < norder; avc_rank++) {
        if (order[avc_rank] == VO_CODEC_AVC) {
            break;
        }
    }

    if (avc_rank == norder) {
        order[norder++] = VO_CODEC_AVC;
    }

    n = 0;
    avc = 0;
    smallest = m->nvideo;

    for (r = 0; r < norder; r++) {
        if (format == VO_FORMAT_TS && order[r] != VO_CODEC_AVC) {
            continue;
        }

        for (i = 0; i < m->nvideo && n < VO_MAX_VIDEO; i++) {
            v = &m->video[i];

            if (vo_codec_family(v->codec) != order[r]) {
                continue;
            }

            if (order[r] == VO_CODEC_AVC
                && (smallest == m->nvideo
                    || v->height < m->video[smallest].height))
            {
                smallest = i;
            }

            if (p != NULL
                && ((p->max_height && v->height > p->max_height)
                    || (p->max_bitrate && v->bandwidth > p->max_bitrate)))
            {
                continue;
            }

            sel->video[n] = (uint8_t) i;
            sel->rank[n] = (uint8_t) r;
            n++;

            if (order[r] == VO_CODEC_AVC) {
                avc++;
            }
        }
    }

    if (smallest == m->nvideo) {
        return VO_NOT_FOUND;
    }

    if (avc == 0) {
        /* the limits left no H.264: the smallest one, as the fallback */
        sel->video[n] = (uint8_t) smallest;
        sel->rank[n] = (uint8_t) avc_rank;
        n++;
    }

    sel->nvideo = n;
    sel->ranked = n > 1 && sel->rank[0] != sel->rank[n - 1];

    return VO_OK;
}


vo_status_t
vo_selection_check(const vo_media_t *m, const vo_selection_t *sel)
{
    uint32_t  i, seen;

    if (sel->nvideo == 0 || sel->nvideo > m->nvideo) {
        return VO_ERROR;
    }

    seen = 0;

    for (i = 0; i < sel->nvideo; i++) {
        if (sel->video[i] >= m->nvideo || (seen & (1u << sel->video[i]))) {
            return VO_ERROR;
        }

        seen |= 1u << sel->video[i];
    }

    return VO_OK;
}
