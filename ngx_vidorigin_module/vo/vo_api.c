/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <string.h>

#include "vo_api.h"
#include "vo_json.h"
#include "vo_sign.h"


/* the catalog fields, in the order written; the text ones first */
static const char  *vo_api_fields[VO_API_FIELDS] = {
    "title", "description", "creator", "language",
    "thumbnails", "ads", "tags"
};

#define VO_API_TEXT_FIELDS  4


/* the two playback URLs: key, manifest name, extension */
static const char  *vo_api_urls[][3] = {
    { "hls", "master", "m3u8" },
    { "dash", "manifest", "mpd" }
};


static void vo_api_catalog(const vo_api_answer_t *a, vo_buf_t *b);
static void vo_api_renditions(const vo_api_answer_t *a,
    const vo_selection_t *sel, vo_buf_t *b);
static vo_status_t vo_api_playback(const vo_api_answer_t *a, vo_buf_t *b);


vo_status_t
vo_api_write(const vo_api_answer_t *a, vo_buf_t *b)
{
    vo_selection_t  sel;

    if (vo_select(a->media, a->policy, VO_FORMAT_FMP4, &sel) != VO_OK) {
        return VO_NOT_FOUND;
    }

    vo_buf_str(b, "{\"id\":");
    vo_json_put_string(b, a->id.data, a->id.len);
    vo_buf_printf(b, ",\"ready\":true,\"duration_ms\":%llu",
                  (unsigned long long) a->media->duration_ms);

    vo_api_catalog(a, b);
    vo_api_renditions(a, &sel, b);

    vo_buf_str(b, ",\"region\":");
    vo_json_put_string(b, a->region.data, a->region.len);
    vo_buf_str(b, ",\"device\":");
    vo_json_put_string(b, a->device.data, a->device.len);

    if (vo_api_playback(a, b) != VO_OK) {
        return VO_ERROR;
    }

    vo_buf_str(b, "}\n");

    return vo_buf_failed(b) ? VO_ERROR : VO_OK;
}


vo_status_t
vo_api_error(const char *text, vo_buf_t *b)
{
    vo_buf_str(b, "{\"error\":");
    vo_json_put_cstring(b, text);
    vo_buf_str(b, "}\n");

    return vo_buf_failed(b) ? VO_ERROR : VO_OK;
}


/* the fields found in the catalog, then whether it was read at all */
static void
vo_api_catalog(const vo_api_answer_t *a, vo_buf_t *b)
{
    unsigned  k;

    for (k = 0; k < VO_API_FIELDS; k++) {
        if (a->field[k].data == NULL) {
            continue;
        }

        vo_buf_printf(b, ",\"%s\":", vo_api_fields[k]);

        if (k < VO_API_TEXT_FIELDS) {
            vo_json_put_string(b, a->field[k].data, a->field[k].len);

        } else {
            /* checked by vo_api_field(): JSON already */
            vo_buf_append(b, a->field[k].data, a->field[k].len);
        }
    }

    vo_buf_printf(b, ",\"catalog\":%s", a->catalog ? "true" : "false");
}


/* the video renditions the viewer's class gets, and every audio one */
static void
vo_api_renditions(const vo_api_answer_t *a, const vo_selection_t *sel,
    vo_buf_t *b)
{
    uint32_t           i;
    const vo_audio_t  *au;
    const vo_video_t  *v;

    vo_buf_str(b, ",\"renditions\":[");

    for (i = 0; i < sel->nvideo; i++) {
        v = &a->media->video[sel->video[i]];

        vo_buf_str(b, i ? ",{\"name\":" : "{\"name\":");
        vo_json_put_cstring(b, v->name);
        vo_buf_str(b, ",\"codec\":");
        vo_json_put_cstring(b, v->codec);
        vo_buf_printf(b, ",\"width\":%u,\"height\":%u,\"bandwidth\":%u}",
                      v->width, v->height, v->bandwidth);
    }

    vo_buf_str(b, "],\"audio\":[");

    for (i = 0; i < a->media->naudio; i++) {
        au = &a->media->audio[i];

        vo_buf_str(b, i ? ",{\"name\":" : "{\"name\":");
        vo_json_put_cstring(b, au->name);
        vo_buf_str(b, ",\"codec\":");
        vo_json_put_cstring(b, au->codec);
        vo_buf_str(b, ",\"language\":");
        vo_json_put_cstring(b, au->lang);
        vo_buf_str(b, "}");
    }

    vo_buf_str(b, "]");
}


/*
 * Where to play: the CDN, or the origin with a signed URL.  The device
 * class is in the URL, so that a CDN's cache key stays the URL.
 */
static vo_status_t
vo_api_playback(const vo_api_answer_t *a, vo_buf_t *b)
{
    u_char          query[VO_SIGN_QUERY_MAX];
    size_t          qlen;
    unsigned        i;
    uint64_t        expires;
    vo_buf_t        url;
    const char     *from;
    const vo_str_t *host;

    qlen = 0;
    expires = 0;

    if (a->placement == VO_API_PLACE_ORIGIN) {
        host = &a->origin_host;

        if (a->secret.len) {
            expires = a->now + a->sign_ttl;

            if (vo_sign_query(&a->secret, &a->id, expires, query, &qlen)
                != VO_OK)
            {
                return VO_ERROR;
            }
        }

    } else {
        host = &a->cdn_host;
    }

    from = a->placement_from ? a->placement_from : "default";

    vo_buf_printf(b, ",\"placement\":\"%s\",\"placement_from\":",
                  a->placement == VO_API_PLACE_ORIGIN ? "origin" : "cdn");
    vo_json_put_cstring(b, from);
    vo_buf_str(b, ",\"playback\":{");

    for (i = 0; i < sizeof(vo_api_urls) / sizeof(vo_api_urls[0]); i++) {
        if (vo_buf_init(&url, b->alloc, 256) != VO_OK) {
            return VO_ERROR;
        }

        vo_buf_append(&url, host->data, host->len);
        vo_buf_append(&url, a->prefix.data, a->prefix.len);
        vo_buf_append(&url, a->id.data, a->id.len);
        vo_buf_printf(&url, "/%s.", vo_api_urls[i][1]);
        vo_buf_append(&url, a->device.data, a->device.len);
        vo_buf_printf(&url, ".%s", vo_api_urls[i][2]);

        if (qlen) {
            vo_buf_str(&url, "?");
            vo_buf_append(&url, query, qlen);
        }

        if (vo_buf_failed(&url)) {
            return VO_ERROR;
        }

        vo_buf_printf(b, "%s\"%s\":", i ? "," : "", vo_api_urls[i][0]);
        vo_json_put_string(b, url.start, vo_buf_len(&url));
    }

    if (expires) {
        vo_buf_printf(b, ",\"expires\":%llu", (unsigned long long) expires);
    }

    vo_buf_str(b, "}");

    return VO_OK;
}


vo_status_t
vo_api_field(const u_char *name, size_t name_len, const u_char *value,
    size_t len, unsigned *k)
{
    unsigned  i;

    if (len > VO_API_FIELD_MAX) {
        return VO_NOT_FOUND;
    }

    for (i = 0; i < VO_API_FIELDS; i++) {
        if (strlen(vo_api_fields[i]) == name_len
            && memcmp(vo_api_fields[i], name, name_len) == 0)
        {
            break;
        }
    }

    if (i == VO_API_FIELDS) {
        return VO_NOT_FOUND;
    }

    *k = i;

    /* JSON fields are sent as they are: only when they are JSON */
    if (i >= VO_API_TEXT_FIELDS && !vo_json_valid(value, len)) {
        return VO_BAD_DATA;
    }

    return VO_OK;
}


const char *
vo_api_field_name(unsigned k)
{
    return k < VO_API_FIELDS ? vo_api_fields[k] : "";
}


unsigned
vo_api_hint_parse(const u_char *s, size_t len, uint64_t *expires)
{
    uint64_t        n;
    unsigned        placement;
    const u_char   *p, *last, *sp;

    p = s;
    last = s + len;

    if (len > 4 && memcmp(p, "cdn ", 4) == 0) {
        placement = VO_API_PLACE_CDN;
        p += 4;

    } else if (len > 7 && memcmp(p, "origin ", 7) == 0) {
        placement = VO_API_PLACE_ORIGIN;
        p += 7;

    } else {
        return VO_API_PLACE_NONE;
    }

    /* the score is for the log and for models: skipped here */
    sp = memchr(p, ' ', last - p);

    if (sp == NULL || sp + 1 == last) {
        return VO_API_PLACE_NONE;
    }

    /* unix seconds: digits only, no more than a signed 64-bit time */
    n = 0;

    for (p = sp + 1; p < last; p++) {
        if (*p < '0' || *p > '9'
            || n > (UINT64_C(0x7fffffffffffffff) - (*p - '0')) / 10)
        {
            return VO_API_PLACE_NONE;
        }

        n = n * 10 + (*p - '0');
    }

    *expires = n;

    return placement;
}
