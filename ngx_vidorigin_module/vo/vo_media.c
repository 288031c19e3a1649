/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The media description: parser, writer and lookups (the format is in
 * docs/media-description.md).  The parser reads only the shape and the
 * types; every rule about values is vo_media_check()'s, in
 * vo_media_check.c, so the packager and the parser enforce one set.
 */

#include <string.h>

#include "vo_media.h"
#include "vo_json.h"


/* longest key any table below knows, plus room to tell longer ones */
#define VO_KEY_MAX           32


typedef enum {
    VO_FIELD_U32 = 1,
    VO_FIELD_U64,
    VO_FIELD_STR,
    VO_FIELD_VERSION,
    VO_FIELD_ENCODER,
    VO_FIELD_FORMATS,
    VO_FIELD_VIDEO,
    VO_FIELD_AUDIO
} vo_field_type_t;


/* one known key of a JSON object: where its value goes in the struct */
typedef struct {
    const char         *key;
    vo_field_type_t     type;
    size_t              offset;
    size_t              size;        /* VO_FIELD_STR: the char array */
    const char         *err;
} vo_field_t;


#define vo_field(t, f, type, err)                                            \
    { #f, type, offsetof(t, f), sizeof(((t *) 0)->f), err }


/* every field is required: a missing one gives the same reason as a bad
 * one, which names the field */

static const vo_field_t  vo_media_fields[] = {
    { "version", VO_FIELD_VERSION, offsetof(vo_media_t, version), 0,
      "invalid or missing \"version\"" },
    vo_field(vo_media_t, id, VO_FIELD_STR,
             "invalid or missing \"id\""),
    vo_field(vo_media_t, source, VO_FIELD_STR,
             "invalid or missing \"source\""),
    vo_field(vo_media_t, duration_ms, VO_FIELD_U64,
             "invalid or missing \"duration_ms\""),
    vo_field(vo_media_t, segment_ms, VO_FIELD_U32,
             "invalid or missing \"segment_ms\""),
    vo_field(vo_media_t, segment_count, VO_FIELD_U32,
             "invalid or missing \"segment_count\""),
    vo_field(vo_media_t, fps_num, VO_FIELD_U32,
             "invalid or missing \"fps_num\""),
    vo_field(vo_media_t, fps_den, VO_FIELD_U32,
             "invalid or missing \"fps_den\""),
    vo_field(vo_media_t, video_timescale, VO_FIELD_U32,
             "invalid or missing \"video_timescale\""),
    { "encoder", VO_FIELD_ENCODER, 0, 0,
      "invalid or missing \"encoder\"" },
    { "formats", VO_FIELD_FORMATS, 0, 0,
      "invalid or missing \"formats\"" },
    { "video", VO_FIELD_VIDEO, 0, 0,
      "invalid or missing \"video\"" },
    { "audio", VO_FIELD_AUDIO, 0, 0,
      "invalid or missing \"audio\"" },
    { NULL, 0, 0, 0, NULL }
};


static const vo_field_t  vo_encoder_fields[] = {
    { "preset", VO_FIELD_STR, offsetof(vo_media_t, preset),
      sizeof(((vo_media_t *) 0)->preset),
      "invalid or missing \"encoder.preset\"" },
    { "threads", VO_FIELD_U32, offsetof(vo_media_t, threads), 0,
      "invalid or missing \"encoder.threads\"" },
    { NULL, 0, 0, 0, NULL }
};


static const vo_field_t  vo_video_fields[] = {
    vo_field(vo_video_t, name, VO_FIELD_STR,
             "invalid or missing video \"name\""),
    vo_field(vo_video_t, codec, VO_FIELD_STR,
             "invalid or missing video \"codec\""),
    vo_field(vo_video_t, width, VO_FIELD_U32,
             "invalid or missing video \"width\""),
    vo_field(vo_video_t, height, VO_FIELD_U32,
             "invalid or missing video \"height\""),
    vo_field(vo_video_t, bandwidth, VO_FIELD_U32,
             "invalid or missing video \"bandwidth\""),
    vo_field(vo_video_t, average_bandwidth, VO_FIELD_U32,
             "invalid or missing video \"average_bandwidth\""),
    vo_field(vo_video_t, maxrate, VO_FIELD_U32,
             "invalid or missing video \"maxrate\""),
    vo_field(vo_video_t, crf, VO_FIELD_U32,
             "invalid or missing video \"crf\""),
    { NULL, 0, 0, 0, NULL }
};


static const vo_field_t  vo_audio_fields[] = {
    vo_field(vo_audio_t, name, VO_FIELD_STR,
             "invalid or missing audio \"name\""),
    vo_field(vo_audio_t, codec, VO_FIELD_STR,
             "invalid or missing audio \"codec\""),
    vo_field(vo_audio_t, lang, VO_FIELD_STR,
             "invalid or missing audio \"lang\""),
    vo_field(vo_audio_t, bandwidth, VO_FIELD_U32,
             "invalid or missing audio \"bandwidth\""),
    vo_field(vo_audio_t, bitrate, VO_FIELD_U32,
             "invalid or missing audio \"bitrate\""),
    vo_field(vo_audio_t, sample_rate, VO_FIELD_U32,
             "invalid or missing audio \"sample_rate\""),
    vo_field(vo_audio_t, channels, VO_FIELD_U32,
             "invalid or missing audio \"channels\""),
    { NULL, 0, 0, 0, NULL }
};


static vo_status_t vo_media_object(vo_json_t *j, const vo_field_t *fields,
    u_char *base, vo_media_t *m, const char **err);
static vo_status_t vo_media_value(vo_json_t *j, const vo_field_t *f,
    u_char *base, vo_media_t *m, const char **err);
static vo_status_t vo_media_formats(vo_json_t *j, vo_media_t *m);
static vo_status_t vo_media_tracks(vo_json_t *j, const vo_field_t *f,
    vo_media_t *m, const char **err);


vo_status_t
vo_media_parse(const u_char *data, size_t len, vo_media_t *m,
    const char **err)
{
    const char  *dummy;
    vo_json_t    j;

    if (err == NULL) {
        err = &dummy;
    }

    *err = NULL;

    /* a flat, zeroed struct: unused entries compare equal and the module
     * can copy it to shared memory as it is */
    memset(m, 0, sizeof(vo_media_t));

    if (len > VO_MEDIA_FILE_MAX) {
        *err = "media description too large";
        return VO_BAD_DATA;
    }

    vo_json_init(&j, data, len);

    if (vo_media_object(&j, vo_media_fields, (u_char *) m, m, err)
        != VO_OK)
    {
        goto failed;
    }

    if (vo_json_finish(&j) != VO_OK) {
        goto failed;
    }

    return vo_media_check(m, err);

failed:

    if (*err == NULL) {
        *err = j.err ? j.err : "invalid media description";
    }

    return VO_BAD_DATA;
}


/*
 * Reads one object whose members are described by fields into base.
 * Unknown keys are skipped (newer packagers may add some); known keys
 * may appear once and must all appear.
 */
static vo_status_t
vo_media_object(vo_json_t *j, const vo_field_t *fields, u_char *base,
    vo_media_t *m, const char **err)
{
    u_char             buf[VO_KEY_MAX];
    uint32_t           seen;
    vo_str_t           key;
    vo_status_t        rc;
    const vo_field_t  *f;

    if (vo_json_object_begin(j) != VO_OK) {
        return VO_BAD_DATA;
    }

    seen = 0;

    while ((rc = vo_json_object_next(j, &key, buf, sizeof(buf))) == VO_OK) {

        for (f = fields; f->key; f++) {
            if (key.data && strlen(f->key) == key.len
                && memcmp(f->key, key.data, key.len) == 0)
            {
                break;
            }
        }

        if (f->key == NULL) {
            if (vo_json_skip(j) != VO_OK) {
                return VO_BAD_DATA;
            }

            continue;
        }

        /* a second value for a key is ambiguous: which one did the
         * writer mean?  Refuse rather than guess. */
        if (seen & (1u << (f - fields))) {
            *err = "duplicate key in media description";
            return VO_BAD_DATA;
        }

        seen |= 1u << (f - fields);

        if (vo_media_value(j, f, base, m, err) != VO_OK) {
            /* a broken document says so; a well-formed one with a bad
             * value names the field */
            if (*err == NULL) {
                *err = (j->err && !j->type_error) ? j->err : f->err;
            }

            return VO_BAD_DATA;
        }
    }

    if (rc != VO_NOT_FOUND) {
        return VO_BAD_DATA;
    }

    for (f = fields; f->key; f++) {
        if (!(seen & (1u << (f - fields)))) {
            *err = f->err;
            return VO_BAD_DATA;
        }
    }

    return VO_OK;
}


static vo_status_t
vo_media_value(vo_json_t *j, const vo_field_t *f, u_char *base,
    vo_media_t *m, const char **err)
{
    size_t    len;
    uint32_t  u32;
    uint64_t  v;

    switch (f->type) {

    case VO_FIELD_U32:
    case VO_FIELD_VERSION:
        if (vo_json_uint(j, &v) != VO_OK || v > UINT32_MAX) {
            return VO_BAD_DATA;
        }

        u32 = (uint32_t) v;
        memcpy(base + f->offset, &u32, sizeof(uint32_t));

        /* the rest of another version may be shaped differently: say
         * what is wrong instead of tripping over a later field */
        if (f->type == VO_FIELD_VERSION && v != VO_MEDIA_VERSION) {
            *err = "unsupported media description version";
            return VO_BAD_DATA;
        }

        return VO_OK;

    case VO_FIELD_U64:
        if (vo_json_uint(j, &v) != VO_OK) {
            return VO_BAD_DATA;
        }

        memcpy(base + f->offset, &v, sizeof(uint64_t));
        return VO_OK;

    case VO_FIELD_STR:
        if (vo_json_string(j, base + f->offset, f->size, &len) != VO_OK) {
            return VO_BAD_DATA;
        }

        /* "\u0000" would cut the C string short and hide the rest */
        if (memchr(base + f->offset, '\0', len) != NULL) {
            return VO_BAD_DATA;
        }

        return VO_OK;

    case VO_FIELD_ENCODER:
        return vo_media_object(j, vo_encoder_fields, (u_char *) m, m, err);

    case VO_FIELD_FORMATS:
        return vo_media_formats(j, m);

    case VO_FIELD_VIDEO:
    case VO_FIELD_AUDIO:
        return vo_media_tracks(j, f, m, err);
    }

    return VO_BAD_DATA;
}


static vo_status_t
vo_media_formats(vo_json_t *j, vo_media_t *m)
{
    u_char       buf[8];
    size_t       len;
    unsigned     bit;
    vo_status_t  rc;

    if (vo_json_array_begin(j) != VO_OK) {
        return VO_BAD_DATA;
    }

    while ((rc = vo_json_array_next(j)) == VO_OK) {

        if (vo_json_string(j, buf, sizeof(buf), &len) != VO_OK) {
            return VO_BAD_DATA;
        }

        if (len == 4 && memcmp(buf, "fmp4", 4) == 0) {
            bit = VO_FORMAT_FMP4;

        } else if (len == 2 && memcmp(buf, "ts", 2) == 0) {
            bit = VO_FORMAT_TS;

        } else {
            return VO_BAD_DATA;
        }

        if (m->formats & bit) {
            return VO_BAD_DATA;
        }

        m->formats |= bit;
    }

    return rc == VO_NOT_FOUND ? VO_OK : VO_BAD_DATA;
}


static vo_status_t
vo_media_tracks(vo_json_t *j, const vo_field_t *f, vo_media_t *m,
    const char **err)
{
    u_char       *base;
    uint32_t     *n, max;
    vo_status_t   rc;

    if (vo_json_array_begin(j) != VO_OK) {
        return VO_BAD_DATA;
    }

    if (f->type == VO_FIELD_VIDEO) {
        n = &m->nvideo;
        max = VO_MAX_VIDEO;

    } else {
        n = &m->naudio;
        max = VO_MAX_AUDIO;
    }

    while ((rc = vo_json_array_next(j)) == VO_OK) {

        if (*n == max) {
            *err = f->type == VO_FIELD_VIDEO ? "too many video renditions"
                                             : "too many audio tracks";
            return VO_BAD_DATA;
        }

        if (f->type == VO_FIELD_VIDEO) {
            base = (u_char *) &m->video[*n];
            rc = vo_media_object(j, vo_video_fields, base, m, err);

        } else {
            base = (u_char *) &m->audio[*n];
            rc = vo_media_object(j, vo_audio_fields, base, m, err);
        }

        if (rc != VO_OK) {
            return VO_BAD_DATA;
        }

        (*n)++;
    }

    return rc == VO_NOT_FOUND ? VO_OK : VO_BAD_DATA;
}


vo_status_t
vo_media_write(const vo_media_t *m, vo_buf_t *b)
{
    uint32_t           i;
    const vo_audio_t  *a;
    const vo_video_t  *v;

    /* what is written must parse back: refuse to store a broken one */
    if (vo_media_check(m, NULL) != VO_OK) {
        return VO_BAD_DATA;
    }

    vo_buf_printf(b, "{\n  \"version\": %u,\n  \"id\": ", m->version);
    vo_json_put_cstring(b, m->id);
    vo_buf_str(b, ",\n  \"source\": ");
    vo_json_put_cstring(b, m->source);
    vo_buf_printf(b, ",\n  \"duration_ms\": %llu,\n"
                  "  \"segment_ms\": %u,\n"
                  "  \"segment_count\": %u,\n"
                  "  \"fps_num\": %u,\n"
                  "  \"fps_den\": %u,\n"
                  "  \"video_timescale\": %u,\n"
                  "  \"encoder\": { \"preset\": ",
                  (unsigned long long) m->duration_ms, m->segment_ms,
                  m->segment_count, m->fps_num, m->fps_den,
                  m->video_timescale);
    vo_json_put_cstring(b, m->preset);
    vo_buf_printf(b, ", \"threads\": %u },\n  \"formats\": [", m->threads);

    if (m->formats & VO_FORMAT_FMP4) {
        vo_buf_str(b, "\"fmp4\"");
    }

    if (m->formats == (VO_FORMAT_FMP4 | VO_FORMAT_TS)) {
        vo_buf_str(b, ", ");
    }

    if (m->formats & VO_FORMAT_TS) {
        vo_buf_str(b, "\"ts\"");
    }

    vo_buf_str(b, "],\n  \"video\": [");

    for (i = 0; i < m->nvideo; i++) {
        v = &m->video[i];

        vo_buf_str(b, i ? ",\n    { \"name\": " : "\n    { \"name\": ");
        vo_json_put_cstring(b, v->name);
        vo_buf_str(b, ", \"codec\": ");
        vo_json_put_cstring(b, v->codec);
        vo_buf_printf(b, ", \"width\": %u, \"height\": %u,\n"
                      "      \"bandwidth\": %u, \"average_bandwidth\": %u,\n"
                      "      \"maxrate\": %u, \"crf\": %u }",
                      v->width, v->height, v->bandwidth,
                      v->average_bandwidth, v->maxrate, v->crf);
    }

    vo_buf_str(b, "\n  ],\n  \"audio\": [");

    for (i = 0; i < m->naudio; i++) {
        a = &m->audio[i];

        vo_buf_str(b, i ? ",\n    { \"name\": " : "\n    { \"name\": ");
        vo_json_put_cstring(b, a->name);
        vo_buf_str(b, ", \"codec\": ");
        vo_json_put_cstring(b, a->codec);
        vo_buf_str(b, ", \"lang\": ");
        vo_json_put_cstring(b, a->lang);
        vo_buf_printf(b, ",\n      \"bandwidth\": %u, \"bitrate\": %u,\n"
                      "      \"sample_rate\": %u, \"channels\": %u }",
                      a->bandwidth, a->bitrate, a->sample_rate,
                      a->channels);
    }

    vo_buf_str(b, m->naudio ? "\n  ]\n}\n" : "]\n}\n");

    return vo_buf_failed(b) ? VO_ERROR : VO_OK;
}


const vo_video_t *
vo_media_video(const vo_media_t *m, vo_str_t *name)
{
    uint32_t  i;

    for (i = 0; i < m->nvideo; i++) {
        if (strlen(m->video[i].name) == name->len
            && memcmp(m->video[i].name, name->data, name->len) == 0)
        {
            return &m->video[i];
        }
    }

    return NULL;
}


const vo_audio_t *
vo_media_audio(const vo_media_t *m, vo_str_t *name)
{
    uint32_t  i;

    for (i = 0; i < m->naudio; i++) {
        if (strlen(m->audio[i].name) == name->len
            && memcmp(m->audio[i].name, name->data, name->len) == 0)
        {
            return &m->audio[i];
        }
    }

    return NULL;
}
