/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <string.h>

#include "vo_api.h"
#include "vo_json.h"
#include "vo_sign.h"


/* how a catalog field is checked and written */
typedef enum {
    VO_API_TEXT = 0,          /* any text: a JSON string */
    VO_API_JSON,              /* JSON text, sent as it is */
    VO_API_WORD,              /* one of the words of vo_api_statuses */
    VO_API_FRACTION           /* a number from 0 to 1, sent as it is */
} vo_api_kind_t;


/* the catalog fields, in the order written */
static const struct {
    const char     *name;
    vo_api_kind_t   kind;
} vo_api_fields[VO_API_FIELDS] = {
    { "title", VO_API_TEXT },
    { "description", VO_API_TEXT },
    { "creator", VO_API_TEXT },
    { "language", VO_API_TEXT },
    { "thumbnails", VO_API_JSON },
    { "ads", VO_API_JSON },
    { "tags", VO_API_JSON },
    { "status", VO_API_WORD },
    { "progress", VO_API_FRACTION },
    { "error", VO_API_TEXT }
};


static const char  *vo_api_statuses[] = {
    "uploading", "processing", "ready", "failed", NULL
};


/* the two playback URLs: key, manifest name, extension */
static const char  *vo_api_urls[][3] = {
    { "hls", "master", "m3u8" },
    { "dash", "manifest", "mpd" }
};


static void vo_api_catalog(const vo_api_answer_t *a, vo_buf_t *b);
static int vo_api_word(const u_char *value, size_t len);
static int vo_api_fraction(const u_char *value, size_t len);
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
vo_api_write_pending(const vo_api_answer_t *a, vo_buf_t *b)
{
    if (a->field[VO_API_STATUS].data == NULL) {
        return VO_NOT_FOUND;
    }

    vo_buf_str(b, "{\"id\":");
    vo_json_put_string(b, a->id.data, a->id.len);
    vo_buf_str(b, ",\"ready\":false");
    vo_api_catalog(a, b);
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

        vo_buf_printf(b, ",\"%s\":", vo_api_fields[k].name);

        switch (vo_api_fields[k].kind) {

        case VO_API_JSON:
        case VO_API_FRACTION:
            /* checked by vo_api_field(): JSON already */
            vo_buf_append(b, a->field[k].data, a->field[k].len);
            break;

        default:
            vo_json_put_string(b, a->field[k].data, a->field[k].len);
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
        if (strlen(vo_api_fields[i].name) == name_len
            && memcmp(vo_api_fields[i].name, name, name_len) == 0)
        {
            break;
        }
    }

    if (i == VO_API_FIELDS) {
        return VO_NOT_FOUND;
    }

    *k = i;

    switch (vo_api_fields[i].kind) {

    case VO_API_JSON:
        /* sent as they are: only when they are JSON */
        return vo_json_valid(value, len) ? VO_OK : VO_BAD_DATA;

    case VO_API_WORD:
        return vo_api_word(value, len) ? VO_OK : VO_BAD_DATA;

    case VO_API_FRACTION:
        return vo_api_fraction(value, len) ? VO_OK : VO_BAD_DATA;

    default:
        return VO_OK;
    }
}


/* one of vo_api_statuses */
static int
vo_api_word(const u_char *value, size_t len)
{
    const char  **w;

    for (w = vo_api_statuses; *w != NULL; w++) {
        if (strlen(*w) == len && memcmp(*w, value, len) == 0) {
            return 1;
        }
    }

    return 0;
}


/* "0", "1", "0.25", "1.0": a decimal from 0 to 1, at most 6 decimals */
static int
vo_api_fraction(const u_char *value, size_t len)
{
    size_t  i;

    if (len == 0 || len > 8 || (value[0] != '0' && value[0] != '1')) {
        return 0;
    }

    if (len == 1) {
        return 1;
    }

    if (len == 2 || value[1] != '.') {
        return 0;
    }

    for (i = 2; i < len; i++) {
        if (value[i] < '0' || value[i] > '9'
            || (value[0] == '1' && value[i] != '0'))
        {
            return 0;
        }
    }

    return 1;
}


const char *
vo_api_field_name(unsigned k)
{
    return k < VO_API_FIELDS ? vo_api_fields[k].name : "";
}


const char *
vo_api_field_expect(unsigned k)
{
    switch (k < VO_API_FIELDS ? vo_api_fields[k].kind : VO_API_TEXT) {

    case VO_API_JSON:
        return "JSON";

    case VO_API_WORD:
        return "uploading, processing, ready or failed";

    case VO_API_FRACTION:
        return "a number from 0 to 1";

    default:
        return "text";
    }
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
