/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Purge prefixes and journal lines (see vo_purge.h).
 */

#include <string.h>

#include "vo_purge.h"
#include "vo_json.h"


static u_char *vo_purge_u64(u_char *out, uint64_t v);
static const u_char *vo_purge_parse_u64(const u_char *p, const u_char *end,
    uint64_t *v);


vo_status_t
vo_purge_prefix_check(const u_char *p, size_t len, const char **err)
{
    u_char   c;
    size_t   i, start;

    if (len == 0 || p[0] != '/') {
        *err = "prefix must start with \"/\"";
        return VO_BAD_REQUEST;
    }

    if (len > VO_PURGE_PREFIX_MAX) {
        *err = "prefix too long";
        return VO_BAD_REQUEST;
    }

    start = 1;

    for (i = 1; i <= len; i++) {

        if (i == len || p[i] == '/') {

            /* the component p[start, i) */

            if (i == start && i != len) {
                *err = "empty path component in prefix";
                return VO_BAD_REQUEST;
            }

            if ((i - start == 1 && p[start] == '.')
                || (i - start == 2 && p[start] == '.' && p[start + 1] == '.'))
            {
                *err = "dot path component in prefix";
                return VO_BAD_REQUEST;
            }

            start = i + 1;
            continue;
        }

        c = p[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '-' || c == '_' || c == '.' || c == '~'))
        {
            *err = "invalid character in prefix";
            return VO_BAD_REQUEST;
        }
    }

    return VO_OK;
}


size_t
vo_purge_parent(const u_char *p, size_t len)
{
    if (len <= 1) {
        return 0;
    }

    /* "/a/b/" -> look before the final '/'; "/a/b" -> from the end */

    len--;

    while (len > 0 && p[len - 1] != '/') {
        len--;
    }

    return len;
}


void
vo_purge_ancestors(const u_char *path, size_t len, vo_purge_visit_pt cb,
    void *data)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (path[i] == '/' && cb(data, path, i + 1) != 0) {
            return;
        }
    }

    if (len && path[len - 1] != '/') {
        (void) cb(data, path, len);
    }
}


size_t
vo_purge_line(const vo_purge_entry_t *e, u_char *out)
{
    u_char  *p;

    p = vo_purge_u64(out, e->generation);
    *p++ = ' ';
    p = vo_purge_u64(p, e->time_ms);
    *p++ = ' ';
    memcpy(p, e->prefix.data, e->prefix.len);
    p += e->prefix.len;
    *p++ = '\n';

    return p - out;
}


vo_status_t
vo_purge_parse_line(const u_char *p, size_t len, vo_purge_entry_t *e,
    const char **err)
{
    const u_char  *end;

    end = p + len;

    p = vo_purge_parse_u64(p, end, &e->generation);

    if (p == NULL || p == end || *p != ' ' || e->generation == 0) {
        *err = "bad generation";
        return VO_BAD_DATA;
    }

    p = vo_purge_parse_u64(p + 1, end, &e->time_ms);

    if (p == NULL || p == end || *p != ' ') {
        *err = "bad time";
        return VO_BAD_DATA;
    }

    p++;

    e->prefix.data = p;
    e->prefix.len = end - p;

    if (vo_purge_prefix_check(e->prefix.data, e->prefix.len, err) != VO_OK) {
        return VO_BAD_DATA;
    }

    return VO_OK;
}


static u_char *
vo_purge_u64(u_char *out, uint64_t v)
{
    u_char   tmp[20];
    size_t   n;

    n = 0;

    do {
        tmp[n++] = (u_char) ('0' + v % 10);
        v /= 10;
    } while (v);

    while (n) {
        *out++ = tmp[--n];
    }

    return out;
}


/* 1 to 19 decimal digits (docs/cdn-purge.md: the purger reads no
 * more); NULL if none or too many */
static const u_char *
vo_purge_parse_u64(const u_char *p, const u_char *end, uint64_t *v)
{
    const u_char  *start;

    start = p;
    *v = 0;

    while (p < end && *p >= '0' && *p <= '9') {

        if (p - start == VO_PURGE_DIGITS_MAX) {
            return NULL;
        }

        *v = *v * 10 + (uint64_t) (*p - '0');
        p++;
    }

    return (p == start) ? NULL : p;
}


void
vo_purge_answer(vo_buf_t *b, const vo_str_t *requested,
    const vo_str_t *purged, uint64_t generation)
{
    vo_buf_str(b, "{\"requested\":");
    vo_json_put_string(b, requested->data, requested->len);
    vo_buf_str(b, ",\"purged\":");
    vo_json_put_string(b, purged->data, purged->len);
    vo_buf_printf(b, ",\"generation\":%llu,\"broadened\":%s}\n",
                  (unsigned long long) generation,
                  purged->len != requested->len ? "true" : "false");
}
