/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * What the placer reads: the view counts (vo:views:{id}:{YYYYMMDDHH},
 * field region, value count) and the hints written before (vo:hint:{id},
 * field region, value "{cdn|origin} {score} {expires}"), by SCAN with a
 * bounded COUNT and one pipeline of HGETALL per SCAN batch, into the
 * table of the run.  A key or field that does not parse is skipped and
 * counted (vidorigin_placer_skipped_total), never fatal: nginx's side
 * may be newer than this one.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "common/tw_rconn.h"

#include "common/tw_log.h"
#include "placer/tw_placer_redis.h"
#include "placer/tw_placer_scan.h"


#define TW_VIEWS_PREFIX  "vo:views:"
#define TW_HINT_PREFIX   "vo:hint:"


typedef int (*tw_scan_key_pt)(tw_placer_t *p, const char *key, size_t len,
    redisReply *fields);


static int tw_placer_scan_match(tw_placer_t *p, const char *match,
    tw_scan_key_pt handle);
static int tw_placer_views(tw_placer_t *p, const char *key, size_t len,
    redisReply *fields);
static int tw_placer_hints(tw_placer_t *p, const char *key, size_t len,
    redisReply *fields);
static int64_t tw_placer_hour(const char *s, size_t len);
static int tw_region_valid(const char *s, size_t len);
static tw_video_t *tw_table_video(tw_table_t *t, const char *id,
    size_t len);
static int tw_video_region(tw_placer_t *p, tw_video_t *v,
    const char *name, size_t len, tw_region_t **region);
static uint64_t tw_table_hash(const char *s, size_t len);


int
tw_placer_scan(tw_placer_t *p)
{
    int  rc;

    rc = tw_placer_scan_match(p, TW_VIEWS_PREFIX "*", tw_placer_views);

    if (rc == 0) {
        rc = tw_placer_scan_match(p, TW_HINT_PREFIX "*", tw_placer_hints);
    }

    return rc;
}


static int
tw_placer_scan_match(tw_placer_t *p, const char *match,
    tw_scan_key_pt handle)
{
    int               rc;
    size_t            i;
    redisReply       *scan, *keys, *reply, *error;
    tw_rconn_t       *c;
    tw_redis_scan_t   cursor;

    c = p->redis;
    memset(&cursor, 0, sizeof(tw_redis_scan_t));

    do {
        if (*p->stop) {
            return 1;
        }

        /* every master of a cluster in turn */
        scan = tw_redis_scan(c, &cursor, match, p->conf.scan_count);

        if (scan == NULL || scan->type != REDIS_REPLY_ARRAY
            || scan->elements != 2
            || scan->element[0]->type != REDIS_REPLY_STRING
            || scan->element[0]->len >= sizeof(cursor.cursor)
            || scan->element[1]->type != REDIS_REPLY_ARRAY)
        {
            return tw_placer_redis_fail(p, "SCAN", scan);
        }

        keys = scan->element[1];

        for (i = 0; i < keys->elements; i++) {
            tw_redis_append(c, "HGETALL %b", keys->element[i]->str,
                               (size_t) keys->element[i]->len);
        }

        rc = 0;
        error = NULL;

        /* every reply is read, whatever happens, before the connection
         * may be dropped */
        for (i = 0; i < keys->elements; i++) {
            if (tw_redis_reply(c, (void **) &reply) != REDIS_OK) {
                freeReplyObject(scan);
                if (error) {
                    freeReplyObject(error);
                }
                return tw_placer_redis_fail(p, "HGETALL", NULL);
            }

            /* a stray key of another type under the pattern is
             * skipped, not a failure of every run */
            if (reply->type == REDIS_REPLY_ERROR
                && strncmp(reply->str, "WRONGTYPE", 9) == 0)
            {
                tw_log(TW_LOG_DEBUG, "key \"%s\" skipped: not a hash",
                       keys->element[i]->str);
                p->skipped++;
                freeReplyObject(reply);
                continue;
            }

            if (reply->type != REDIS_REPLY_ARRAY && error == NULL) {
                error = reply;
                continue;
            }

            if (rc == 0 && reply->type == REDIS_REPLY_ARRAY) {
                rc = handle(p, keys->element[i]->str, keys->element[i]->len,
                            reply);
            }

            freeReplyObject(reply);
        }

        freeReplyObject(scan);

        if (error) {
            return tw_placer_redis_fail(p, "HGETALL", error);
        }

        if (rc != 0) {
            return rc;
        }

    } while (!cursor.done);

    return 0;
}


/* vo:views:{id}:{YYYYMMDDHH}: the hour's counts per region */
static int
tw_placer_views(tw_placer_t *p, const char *key, size_t len,
    redisReply *fields)
{
    int            rc;
    char          *end;
    size_t         i, plen, idlen;
    uint32_t       k;
    int64_t        hour, age;
    uint64_t       views;
    tw_count_t    *cnt;
    tw_video_t    *v;
    tw_region_t   *r;
    redisReply    *f, *val;

    plen = sizeof(TW_VIEWS_PREFIX) - 1;

    if (len < plen + 12 || key[len - 11] != ':') {
        goto skip;
    }

    idlen = len - plen - 11;
    hour = tw_placer_hour(key + len - 10, 10);

    if (hour < 0 || !vo_id_valid((const u_char *) key + plen, idlen)) {
        goto skip;
    }

    /* the age of an hour is counted from its end */
    age = p->now - (hour + 3600);
    if (age < 0) {
        age = 0;
    }

    v = tw_table_video(&p->table, key + plen, idlen);
    if (v == NULL) {
        return -1;
    }

    for (i = 0; i + 1 < fields->elements; i += 2) {
        f = fields->element[i];
        val = fields->element[i + 1];

        if (f->type != REDIS_REPLY_STRING || val->type != REDIS_REPLY_STRING
            || !tw_region_valid(f->str, f->len)
            || val->str[0] < '0' || val->str[0] > '9')
        {
            p->skipped++;
            continue;
        }

        views = strtoull(val->str, &end, 10);
        if (*end) {
            p->skipped++;
            continue;
        }

        rc = tw_video_region(p, v, f->str, f->len, &r);
        if (rc < 0) {
            return -1;
        }

        if (rc > 0) {
            continue;
        }

        r->seen = 1;

        if (age >= (int64_t) (p->conf.window_ms / 1000) || views == 0) {
            continue;
        }

        /* SCAN may return a key twice: an hour is counted once */
        for (k = 0; k < r->ncounts && r->counts[k].hour != hour; k++) {
            /* void */
        }

        if (k < r->ncounts) {
            r->counts[k].views = views;
            continue;
        }

        if (r->ncounts == r->acounts) {
            cnt = realloc(r->counts, (r->acounts ? r->acounts * 2 : 8)
                                     * sizeof(tw_count_t));
            if (cnt == NULL) {
                tw_log(TW_LOG_ERR, "out of memory");
                return -1;
            }
            r->counts = cnt;
            r->acounts = r->acounts ? r->acounts * 2 : 8;
        }

        r->counts[r->ncounts].hour = hour;
        r->counts[r->ncounts].views = views;
        r->ncounts++;
    }

    return 0;

skip:

    tw_log(TW_LOG_DEBUG, "views key \"%.*s\" skipped: not "
           "vo:views:{id}:{YYYYMMDDHH}", (int) len, key);
    p->skipped++;

    return 0;
}


/* vo:hint:{id}: the decisions written before */
static int
tw_placer_hints(tw_placer_t *p, const char *key, size_t len,
    redisReply *fields)
{
    int            rc;
    char          *end;
    size_t         i, plen;
    int64_t        expires;
    uint64_t       whole, frac;
    const char    *s;
    tw_video_t    *v;
    tw_region_t   *r;
    redisReply    *f, *val;

    plen = sizeof(TW_HINT_PREFIX) - 1;

    if (!vo_id_valid((const u_char *) key + plen, len - plen)) {
        p->skipped++;
        return 0;
    }

    v = tw_table_video(&p->table, key + plen, len - plen);
    if (v == NULL) {
        return -1;
    }

    for (i = 0; i + 1 < fields->elements; i += 2) {
        f = fields->element[i];
        val = fields->element[i + 1];

        if (f->type != REDIS_REPLY_STRING || val->type != REDIS_REPLY_STRING
            || !tw_region_valid(f->str, f->len))
        {
            p->skipped++;
            continue;
        }

        rc = tw_video_region(p, v, f->str, f->len, &r);
        if (rc < 0) {
            return -1;
        }

        if (rc > 0) {
            continue;
        }

        /* "{cdn|origin} {score} {expires}": anything else is removed
         * (TW_HINT_BAD) when the video is written */
        r->prev = TW_HINT_BAD;
        s = val->str;

        if (strncmp(s, "cdn ", 4) == 0) {
            s += 4;
        } else if (strncmp(s, "origin ", 7) == 0) {
            s += 7;
        } else {
            continue;
        }

        if (*s < '0' || *s > '9') {
            continue;
        }

        whole = strtoull(s, &end, 10);
        if (end[0] != '.' || strspn(end + 1, "0123456789") != 3
            || end[4] != ' ')
        {
            continue;
        }

        frac = strtoull(end + 1, NULL, 10);
        s = end + 5;

        if (*s < '0' || *s > '9') {
            continue;
        }

        expires = strtoll(s, &end, 10);
        if (*end) {
            continue;
        }

        r->prev = (val->str[0] == 'c') ? TW_HINT_CDN : TW_HINT_ORIGIN;
        r->prev_score = whole * 1000 + frac;
        r->prev_expires = expires;
    }

    return 0;
}


/* YYYYMMDDHH, UTC: the unix time of the hour's start, or -1 */
static int64_t
tw_placer_hour(const char *s, size_t len)
{
    int        i, d[10];
    time_t     t;
    struct tm  tm;

    if (len != 10) {
        return -1;
    }

    for (i = 0; i < 10; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        d[i] = s[i] - '0';
    }

    memset(&tm, 0, sizeof(struct tm));
    tm.tm_year = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3] - 1900;
    tm.tm_mon = d[4] * 10 + d[5] - 1;
    tm.tm_mday = d[6] * 10 + d[7];
    tm.tm_hour = d[8] * 10 + d[9];

    if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11
        || tm.tm_mday < 1 || tm.tm_hour > 23)
    {
        return -1;
    }

    t = timegm(&tm);

    /* timegm() normalizes "20250231": such a day is not one */
    if (t == (time_t) -1 || tm.tm_mday != d[6] * 10 + d[7]) {
        return -1;
    }

    return (int64_t) t;
}


/* the layout says ISO 3166 alpha-2 or ZZ; any short token nginx may be
 * configured to give (its default region) passes, as long as it is safe
 * unquoted in a hint field and in the log */
static int
tw_region_valid(const char *s, size_t len)
{
    return len > 0 && len <= TW_REGION_MAX
           && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789_-") == len;
}


static uint64_t
tw_table_hash(const char *s, size_t len)
{
    size_t    i;
    uint64_t  h;

    /* FNV-1a */
    h = 14695981039346656037ULL;

    for (i = 0; i < len; i++) {
        h = (h ^ (u_char) s[i]) * 1099511628211ULL;
    }

    return h;
}


static tw_video_t *
tw_table_video(tw_table_t *t, const char *id, size_t len)
{
    size_t        i, k, size;
    tw_video_t  **slots, *v;

    if (t->n * 2 >= t->size) {
        size = t->size ? t->size * 2 : 1024;
        slots = calloc(size, sizeof(tw_video_t *));
        if (slots == NULL) {
            tw_log(TW_LOG_ERR, "out of memory");
            return NULL;
        }

        for (i = 0; i < t->size; i++) {
            if (t->slots[i] == NULL) {
                continue;
            }

            k = tw_table_hash(t->slots[i]->id, strlen(t->slots[i]->id))
                & (size - 1);
            while (slots[k]) {
                k = (k + 1) & (size - 1);
            }
            slots[k] = t->slots[i];
        }

        free(t->slots);
        t->slots = slots;
        t->size = size;
    }

    for (k = tw_table_hash(id, len) & (t->size - 1); t->slots[k];
         k = (k + 1) & (t->size - 1))
    {
        v = t->slots[k];
        if (strlen(v->id) == len && memcmp(v->id, id, len) == 0) {
            return v;
        }
    }

    v = calloc(1, sizeof(tw_video_t));
    if (v == NULL) {
        tw_log(TW_LOG_ERR, "out of memory");
        return NULL;
    }

    memcpy(v->id, id, len);
    t->slots[k] = v;
    t->n++;

    return v;
}


/* 0 and *region; 1 past max-pairs (counted as skipped, warned once per
 * run); -1 out of memory (logged) */
static int
tw_video_region(tw_placer_t *p, tw_video_t *v, const char *name,
    size_t len, tw_region_t **region)
{
    uint32_t      i;
    tw_region_t  *r;

    for (i = 0; i < v->nregions; i++) {
        if (strlen(v->regions[i].name) == len
            && memcmp(v->regions[i].name, name, len) == 0)
        {
            *region = &v->regions[i];
            return 0;
        }
    }

    if (p->table.pairs >= p->conf.max_pairs) {
        if (p->table.pairs++ == p->conf.max_pairs) {
            tw_log(TW_LOG_WARN, "more than %u (video, region) pairs: the "
                   "others are left out of this run (max-pairs)",
                   p->conf.max_pairs);
        }
        p->skipped++;
        return 1;
    }

    if (v->nregions == v->aregions) {
        r = realloc(v->regions, (v->aregions ? v->aregions * 2 : 4)
                                * sizeof(tw_region_t));
        if (r == NULL) {
            tw_log(TW_LOG_ERR, "out of memory");
            return -1;
        }
        v->regions = r;
        v->aregions = v->aregions ? v->aregions * 2 : 4;
    }

    r = &v->regions[v->nregions++];
    memset(r, 0, sizeof(tw_region_t));
    memcpy(r->name, name, len);
    p->table.pairs++;
    *region = r;

    return 0;
}


void
tw_table_free(tw_table_t *t)
{
    size_t       i;
    uint32_t     k;
    tw_video_t  *v;

    for (i = 0; i < t->size; i++) {
        v = t->slots[i];
        if (v == NULL) {
            continue;
        }

        for (k = 0; k < v->nregions; k++) {
            free(v->regions[k].counts);
        }

        free(v->regions);
        free(v);
    }

    free(t->slots);
    memset(t, 0, sizeof(tw_table_t));
}
