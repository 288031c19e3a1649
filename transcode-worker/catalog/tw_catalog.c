/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The catalog's metadata: options, the --meta file (read with the core's
 * strict JSON reader, vo_json), the checks, and the values as stored.
 * The JSON-text fields are stored in one canonical form (thumbnails,
 * tags) or as given (ads, checked to parse), so that nginx embeds them
 * in its answers without parsing them again.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vo_json.h"
#include "vo_utf8.h"
#include "catalog/tw_catalog.h"
#include "catalog/tw_catalog_text.h"
#include "common/tw_log.h"


#define TW_META_KEY_MAX  32


typedef struct {
    const char     *where;         /* "--meta \"file\"", "--tag", ... */
    vo_buf_t        buf;
    vo_arena_t     *arena;
} tw_meta_out_t;


static int tw_meta_text(tw_meta_t *m, tw_meta_field_t f, const u_char *s,
    size_t len, const char *where);
static int tw_meta_parse(tw_meta_t *m, const u_char *data, size_t len,
    const char *where);
static int tw_meta_parse_field(tw_meta_t *m, tw_meta_field_t f,
    vo_json_t *j, u_char *buf, const char *where);
static int tw_meta_parse_thumbnails(tw_meta_out_t *o, vo_json_t *j,
    u_char *buf);
static int tw_meta_parse_tags(tw_meta_out_t *o, vo_json_t *j, u_char *buf);
static int tw_meta_flags(tw_meta_t *m, const tw_meta_args_t *a);
static int tw_meta_thumbnail_flag(tw_meta_out_t *o, const char *arg,
    int first);
static void tw_meta_thumbnail(vo_buf_t *b, const u_char *url, size_t len,
    uint64_t width, uint64_t height, int first);
static int tw_meta_keep(tw_meta_t *m, tw_meta_field_t f, tw_meta_out_t *o);
static int tw_meta_check(const tw_meta_t *m);
static int tw_meta_read(const char *file, u_char **data, size_t *len);


const char *const  tw_meta_names[TW_META_NFIELDS] = {
    "title", "description", "creator", "language", "thumbnails", "ads",
    "tags"
};


int
tw_meta_option(tw_meta_args_t *a, const char *name, const char *value)
{
    int  i;

    for (i = 0; i < TW_META_NTEXT; i++) {
        if (strcmp(name, tw_meta_names[i]) == 0) {
            a->text[i] = value;
            a->fields = 1;
            return 1;
        }
    }

    if (strcmp(name, "tag") == 0 || strcmp(name, "thumbnail") == 0) {
        if ((name[1] == 'a' ? a->ntags : a->nthumbnails)
            == TW_META_REPEAT_MAX)
        {
            tw_log(TW_LOG_ERR, "more than %d --%s", TW_META_REPEAT_MAX,
                   name);
            return -1;
        }

        if (name[1] == 'a') {
            a->tags[a->ntags++] = value;

        } else {
            a->thumbnails[a->nthumbnails++] = value;
        }

        a->fields = 1;
        return 1;
    }

    if (strcmp(name, "meta") == 0) {
        a->file = value;
        a->fields = 1;
        return 1;
    }

    if (strcmp(name, "redis") == 0) {
        a->redis = value;
        return 1;
    }

    if (strcmp(name, "config") == 0) {
        a->config = value;
        return 1;
    }

    return 0;
}


void
tw_meta_args_free(tw_meta_args_t *a)
{
    free(a->redis_buf);
    a->redis_buf = NULL;
}


void
tw_meta_free(tw_meta_t *m)
{
    int  i;

    for (i = 0; i < TW_META_NFIELDS; i++) {
        free(m->value[i]);
        m->value[i] = NULL;
    }
}


int
tw_meta_build(tw_meta_t *m, const tw_meta_args_t *a)
{
    int      rc;
    char     where[300];
    size_t   len;
    u_char  *data;

    memset(m, 0, sizeof(tw_meta_t));

    if (a->file) {
        if (tw_meta_read(a->file, &data, &len) != 0) {
            return -1;
        }

        snprintf(where, sizeof(where), "--meta \"%s\"", a->file);
        rc = tw_meta_parse(m, data, len, where);
        free(data);

        if (rc != 0) {
            return -1;
        }
    }

    if (tw_meta_flags(m, a) != 0) {
        return -1;
    }

    return tw_meta_check(m);
}


int
tw_meta_json(tw_meta_t *m, const u_char *data, size_t len, const char *where)
{
    memset(m, 0, sizeof(tw_meta_t));

    if (tw_meta_parse(m, data, len, where) != 0) {
        return -1;
    }

    return tw_meta_check(m);
}


/* a file or a pipe ("--meta /dev/stdin"), at most TW_META_FILE_MAX */
static int
tw_meta_read(const char *file, u_char **data, size_t *len)
{
    FILE    *f;
    size_t   n;

    f = fopen(file, "rb");
    if (f == NULL) {
        tw_log(TW_LOG_ERR, "cannot open --meta \"%s\": %s", file,
               strerror(errno));
        return -1;
    }

    *data = malloc(TW_META_FILE_MAX + 1);
    if (*data == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        fclose(f);
        return -1;
    }

    n = fread(*data, 1, TW_META_FILE_MAX + 1, f);

    if (ferror(f) || n > TW_META_FILE_MAX) {
        tw_log(TW_LOG_ERR, "cannot read --meta \"%s\": %s", file,
               ferror(f) ? strerror(errno) : "larger than 256 KiB");
        fclose(f);
        free(*data);
        return -1;
    }

    fclose(f);
    *len = n;

    return 0;
}


static int
tw_meta_parse(tw_meta_t *m, const u_char *data, size_t len, const char *where)
{
    int           i, rc;
    u_char        key[TW_META_KEY_MAX], *buf;
    unsigned      seen;
    vo_str_t      k;
    vo_json_t     j;
    vo_status_t   st;

    buf = malloc(TW_META_FIELD_MAX + 1);
    if (buf == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    rc = -1;
    seen = 0;

    vo_json_init(&j, data, len);

    if (vo_json_object_begin(&j) != VO_OK) {
        tw_log(TW_LOG_ERR, "%s: not a JSON object (%s)", where, j.err);
        goto end;
    }

    while ((st = vo_json_object_next(&j, &k, key, sizeof(key))) == VO_OK) {

        for (i = 0; i < TW_META_NFIELDS; i++) {
            if (k.len == strlen(tw_meta_names[i])
                && memcmp(k.data, tw_meta_names[i], k.len) == 0)
            {
                break;
            }
        }

        if (i == TW_META_NFIELDS && k.len == 7
            && memcmp(k.data, "updated", 7) == 0)
        {
            /* "catalog get" prints it: its output is a valid --meta,
             * but the time of the write is the writer's */
            if (vo_json_skip(&j) != VO_OK) {
                break;
            }
            continue;
        }

        if (i == TW_META_NFIELDS) {
            tw_log(TW_LOG_ERR, "%s: unknown key \"%.*s\" (known: title, "
                   "description, creator, language, thumbnails, ads, tags)",
                   where, k.data ? (int) k.len : 3,
                   k.data ? (const char *) k.data : "...");
            goto end;
        }

        if (seen & (1u << i)) {
            tw_log(TW_LOG_ERR, "%s: duplicate key \"%s\"", where,
                   tw_meta_names[i]);
            goto end;
        }

        seen |= 1u << i;

        if (tw_meta_parse_field(m, i, &j, buf, where) != 0) {
            goto end;
        }
    }

    if (st != VO_NOT_FOUND || vo_json_finish(&j) != VO_OK) {
        tw_log(TW_LOG_ERR, "%s: invalid JSON at byte %zu: %s", where,
               (size_t) (j.pos - data), j.err ? j.err : "?");
        goto end;
    }

    rc = 0;

end:

    free(buf);

    return rc;
}


static int
tw_meta_parse_field(tw_meta_t *m, tw_meta_field_t f, vo_json_t *j,
    u_char *buf, const char *where)
{
    int             rc;
    size_t          len;
    const u_char   *start, *p;
    tw_meta_out_t   o;

    if (f < TW_META_NTEXT) {
        if (vo_json_string(j, buf, TW_META_FIELD_MAX + 1, &len) != VO_OK) {
            if (j->type_error) {
                tw_log(TW_LOG_ERR, "%s: \"%s\" must be a string of at most "
                       "%d bytes", where, tw_meta_names[f],
                       TW_META_FIELD_MAX);
            } else {
                tw_log(TW_LOG_ERR, "%s: invalid JSON in \"%s\": %s", where,
                       tw_meta_names[f], j->err);
            }
            return -1;
        }

        return tw_meta_text(m, f, buf, len, where);
    }

    if (f == TW_META_ADS) {
        /* opaque: kept as written, once it parses */
        for (start = j->pos;
             start < j->end && strchr(" \t\r\n", *start) && *start;
             start++)
        {
            /* void */
        }

        if (start == j->end || (*start != '[' && *start != '{')) {
            tw_log(TW_LOG_ERR, "%s: \"ads\" must be a JSON array or "
                   "object", where);
            return -1;
        }

        if (vo_json_skip(j) != VO_OK) {
            tw_log(TW_LOG_ERR, "%s: invalid JSON in \"ads\": %s", where,
                   j->err);
            return -1;
        }

        p = j->pos;

        if ((size_t) (p - start) > TW_META_FIELD_MAX) {
            tw_log(TW_LOG_ERR, "%s: \"ads\" is %zu bytes: at most %d", where,
                   (size_t) (p - start), TW_META_FIELD_MAX);
            return -1;
        }

        m->value[f] = strndup((const char *) start, p - start);
        if (m->value[f] == NULL) {
            tw_log(TW_LOG_ERR, "out of memory");
            return -1;
        }

        return 0;
    }

    memset(&o, 0, sizeof(tw_meta_out_t));
    o.where = where;
    o.arena = vo_arena_create();

    if (o.arena == NULL
        || vo_buf_init(&o.buf, vo_arena_alloc(o.arena), 1024) != VO_OK)
    {
        tw_log(TW_LOG_ERR, "out of memory");
        rc = -1;
        goto end;
    }

    rc = (f == TW_META_THUMBNAILS) ? tw_meta_parse_thumbnails(&o, j, buf)
                                   : tw_meta_parse_tags(&o, j, buf);

    if (rc == 0) {
        rc = tw_meta_keep(m, f, &o);
    }

end:

    if (o.arena) {
        vo_arena_free(o.arena);
    }

    return rc;
}


/* [{"url": "...", "width": W, "height": H}, ...], nothing else */
static int
tw_meta_parse_thumbnails(tw_meta_out_t *o, vo_json_t *j, u_char *buf)
{
    int           first;
    u_char        key[TW_META_KEY_MAX];
    size_t        len, url_len;
    u_char       *url;
    uint64_t      v, w, h;
    unsigned      seen;
    vo_str_t      k;
    vo_status_t   st;

    url = NULL;

    if (vo_json_array_begin(j) != VO_OK) {
        goto invalid;
    }

    vo_buf_str(&o->buf, "[");
    first = 1;

    while ((st = vo_json_array_next(j)) == VO_OK) {
        if (vo_json_object_begin(j) != VO_OK) {
            goto invalid;
        }

        seen = 0;
        w = h = 0;
        url_len = 0;

        while ((st = vo_json_object_next(j, &k, key, sizeof(key)))
               == VO_OK)
        {
            if (k.len == 3 && memcmp(k.data, "url", 3) == 0
                && !(seen & 1))
            {
                if (vo_json_string(j, buf, TW_META_FIELD_MAX + 1, &len)
                    != VO_OK || len == 0 || memchr(buf, '\0', len))
                {
                    goto invalid;
                }

                free(url);
                url = malloc(len);
                if (url == NULL) {
                    tw_log(TW_LOG_ERR, "out of memory");
                    return -1;
                }

                memcpy(url, buf, len);
                url_len = len;
                seen |= 1;

            } else if (k.len == 5 && memcmp(k.data, "width", 5) == 0
                       && !(seen & 2))
            {
                if (vo_json_uint(j, &v) != VO_OK || v == 0 || v > 65535) {
                    goto invalid;
                }
                w = v;
                seen |= 2;

            } else if (k.len == 6 && memcmp(k.data, "height", 6) == 0
                       && !(seen & 4))
            {
                if (vo_json_uint(j, &v) != VO_OK || v == 0 || v > 65535) {
                    goto invalid;
                }
                h = v;
                seen |= 4;

            } else {
                goto invalid;
            }
        }

        if (st != VO_NOT_FOUND || seen != 7) {
            goto invalid;
        }

        tw_meta_thumbnail(&o->buf, url, url_len, w, h, first);
        first = 0;
        free(url);
        url = NULL;
    }

    if (st != VO_NOT_FOUND) {
        goto invalid;
    }

    vo_buf_str(&o->buf, "]");

    return 0;

invalid:

    /* a url read before the element was refused */
    free(url);

    tw_log(TW_LOG_ERR, "%s: \"thumbnails\" must be an array of "
           "{\"url\": non-empty string, \"width\": 1-65535, \"height\": "
           "1-65535} and nothing else%s%s", o->where, j->err ? ": " : "",
           j->err ? j->err : "");

    return -1;
}


/* ["...", ...]: non-empty strings */
static int
tw_meta_parse_tags(tw_meta_out_t *o, vo_json_t *j, u_char *buf)
{
    size_t        len;
    vo_status_t   st;

    if (vo_json_array_begin(j) != VO_OK) {
        goto invalid;
    }

    vo_buf_str(&o->buf, "[");

    while ((st = vo_json_array_next(j)) == VO_OK) {
        if (vo_json_string(j, buf, TW_META_FIELD_MAX + 1, &len) != VO_OK
            || len == 0 || memchr(buf, '\0', len))
        {
            goto invalid;
        }

        if (vo_buf_len(&o->buf) > 1) {
            vo_buf_str(&o->buf, ",");
        }

        vo_json_put_string(&o->buf, buf, len);
    }

    if (st != VO_NOT_FOUND) {
        goto invalid;
    }

    vo_buf_str(&o->buf, "]");

    return 0;

invalid:

    tw_log(TW_LOG_ERR, "%s: \"tags\" must be an array of non-empty "
           "strings%s%s", o->where, j->err ? ": " : "",
           j->err ? j->err : "");

    return -1;
}


static void
tw_meta_thumbnail(vo_buf_t *b, const u_char *url, size_t len,
    uint64_t width, uint64_t height, int first)
{
    vo_buf_str(b, first ? "{\"url\":" : ",{\"url\":");
    vo_json_put_string(b, url, len);
    vo_buf_printf(b, ",\"width\":%llu,\"height\":%llu}",
                  (unsigned long long) width, (unsigned long long) height);
}


static int
tw_meta_keep(tw_meta_t *m, tw_meta_field_t f, tw_meta_out_t *o)
{
    if (vo_buf_failed(&o->buf)) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    free(m->value[f]);
    m->value[f] = strndup((const char *) o->buf.start, vo_buf_len(&o->buf));

    if (m->value[f] == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    return 0;
}


static int
tw_meta_text(tw_meta_t *m, tw_meta_field_t f, const u_char *s, size_t len,
    const char *where)
{
    if (memchr(s, '\0', len) || !vo_utf8_valid(s, len)) {
        tw_log(TW_LOG_ERR, "%s: \"%s\" is not valid UTF-8 text", where,
               tw_meta_names[f]);
        return -1;
    }

    free(m->value[f]);
    m->value[f] = strndup((const char *) s, len);

    if (m->value[f] == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    return 0;
}


/* the flags over the file's values: a --tag or --thumbnail replaces the
 * file's whole list */
static int
tw_meta_flags(tw_meta_t *m, const tw_meta_args_t *a)
{
    int             rc;
    char            where[32];
    uint32_t        i;
    const char     *s;
    tw_meta_out_t   o;

    for (i = 0; i < TW_META_NTEXT; i++) {
        s = a->text[i];
        snprintf(where, sizeof(where), "--%s", tw_meta_names[i]);

        if (s && tw_meta_text(m, i, (const u_char *) s, strlen(s), where)
                 != 0)
        {
            return -1;
        }
    }

    if (a->ntags == 0 && a->nthumbnails == 0) {
        return 0;
    }

    memset(&o, 0, sizeof(tw_meta_out_t));
    rc = -1;

    o.arena = vo_arena_create();
    if (o.arena == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return -1;
    }

    if (a->ntags) {
        if (vo_buf_init(&o.buf, vo_arena_alloc(o.arena), 1024) != VO_OK) {
            goto end;
        }

        vo_buf_str(&o.buf, "[");

        for (i = 0; i < a->ntags; i++) {
            s = a->tags[i];

            if (s[0] == '\0' || !vo_utf8_valid((const u_char *) s,
                                               strlen(s)))
            {
                tw_log(TW_LOG_ERR, "--tag \"%s\": a tag is non-empty UTF-8 "
                       "text", s);
                goto end;
            }

            vo_buf_str(&o.buf, i ? "," : "");
            vo_json_put_string(&o.buf, (const u_char *) s, strlen(s));
        }

        vo_buf_str(&o.buf, "]");

        if (tw_meta_keep(m, TW_META_TAGS, &o) != 0) {
            goto end;
        }
    }

    if (a->nthumbnails) {
        if (vo_buf_init(&o.buf, vo_arena_alloc(o.arena), 1024) != VO_OK) {
            goto end;
        }

        vo_buf_str(&o.buf, "[");

        for (i = 0; i < a->nthumbnails; i++) {
            if (tw_meta_thumbnail_flag(&o, a->thumbnails[i], i == 0) != 0) {
                goto end;
            }
        }

        vo_buf_str(&o.buf, "]");

        if (tw_meta_keep(m, TW_META_THUMBNAILS, &o) != 0) {
            goto end;
        }
    }

    rc = 0;

end:

    vo_arena_free(o.arena);

    return rc;
}


/* URL:WxH, the URL itself holding colons */
static int
tw_meta_thumbnail_flag(tw_meta_out_t *o, const char *arg, int first)
{
    char           *end;
    const char     *colon, *x;
    unsigned long   w, h;

    colon = strrchr(arg, ':');
    x = colon ? strchr(colon, 'x') : NULL;

    if (colon == NULL || colon == arg || x == NULL
        || colon[1] < '0' || colon[1] > '9' || x[1] < '0' || x[1] > '9')
    {
        goto invalid;
    }

    w = strtoul(colon + 1, &end, 10);
    if (end != x || w == 0 || w > 65535) {
        goto invalid;
    }

    h = strtoul(x + 1, &end, 10);
    if (*end || h == 0 || h > 65535) {
        goto invalid;
    }

    if (!vo_utf8_valid((const u_char *) arg, colon - arg)) {
        goto invalid;
    }

    tw_meta_thumbnail(&o->buf, (const u_char *) arg, colon - arg, w, h,
                      first);

    return 0;

invalid:

    tw_log(TW_LOG_ERR, "invalid --thumbnail \"%s\": URL:WIDTHxHEIGHT, e.g. "
           "https://img.example.com/demo.jpg:1280x720", arg);

    return -1;
}


static int
tw_meta_check(const tw_meta_t *m)
{
    int     i;
    size_t  len, max;

    for (i = 0; i < TW_META_NFIELDS; i++) {
        if (m->value[i] == NULL) {
            continue;
        }

        len = strlen(m->value[i]);
        max = (i == TW_META_TITLE) ? TW_META_TITLE_MAX : TW_META_FIELD_MAX;

        if (len > max) {
            tw_log(TW_LOG_ERR, "%s is %zu bytes: at most %zu",
                   tw_meta_names[i], len, max);
            return -1;
        }
    }

    if (m->value[TW_META_LANGUAGE]
        && !tw_language_valid(m->value[TW_META_LANGUAGE]))
    {
        tw_log(TW_LOG_ERR, "invalid language \"%s\": a BCP 47 tag, e.g. "
               "\"en\", \"pt-BR\", \"zh-Hant-TW\"",
               m->value[TW_META_LANGUAGE]);
        return -1;
    }

    return 0;
}
