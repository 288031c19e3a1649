/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Strict JSON pull reader, see vo_json.h.  Every read of *j->pos is
 * preceded by a check against j->end: the input is a file from the
 * object store, and a truncated or hostile one must fail, not overrun.
 */

#include <string.h>

#include "vo_json.h"
#include "vo_utf8.h"


static void vo_json_ws(vo_json_t *j);
static vo_status_t vo_json_fail(vo_json_t *j, const char *err);
static vo_status_t vo_json_type_fail(vo_json_t *j, const char *err);
static vo_status_t vo_json_expect(vo_json_t *j, u_char c, const char *err);
static vo_status_t vo_json_scan_string(vo_json_t *j, u_char *buf,
    size_t size, size_t *len, int *overflow);
static vo_status_t vo_json_hex4(vo_json_t *j, uint32_t *cp);
static vo_status_t vo_json_utf8(vo_json_t *j, const u_char **pp);
static size_t vo_json_encode(uint32_t cp, u_char *out);
static vo_status_t vo_json_number(vo_json_t *j);
static vo_status_t vo_json_literal(vo_json_t *j, const char *lit,
    size_t len);


void
vo_json_init(vo_json_t *j, const u_char *data, size_t len)
{
    static const u_char  empty[1] = { '\0' };

    /* NULL + 0 is undefined behaviour in C; an empty buffer may come as
     * NULL from a caller */
    if (data == NULL) {
        data = empty;
        len = 0;
    }

    j->pos = data;
    j->end = data + len;
    j->depth = 0;
    j->first = 0;
    j->err = NULL;
    j->type_error = 0;
}


static void
vo_json_ws(vo_json_t *j)
{
    while (j->pos < j->end
           && (*j->pos == ' ' || *j->pos == '\t' || *j->pos == '\n'
               || *j->pos == '\r'))
    {
        j->pos++;
    }
}


static vo_status_t
vo_json_fail(vo_json_t *j, const char *err)
{
    /* keep the first reason: it is the one closest to the problem */
    if (j->err == NULL) {
        j->err = err;
    }

    return VO_BAD_DATA;
}


static vo_status_t
vo_json_type_fail(vo_json_t *j, const char *err)
{
    if (j->err == NULL) {
        j->err = err;
        j->type_error = 1;
    }

    return VO_BAD_DATA;
}


/* skips whitespace, then consumes c */
static vo_status_t
vo_json_expect(vo_json_t *j, u_char c, const char *err)
{
    vo_json_ws(j);

    if (j->pos == j->end) {
        return vo_json_fail(j, "json: unexpected end of data");
    }

    if (*j->pos != c) {
        return vo_json_fail(j, err);
    }

    j->pos++;

    return VO_OK;
}


vo_status_t
vo_json_object_begin(vo_json_t *j)
{
    vo_json_ws(j);

    /* another value where this one was expected: a type error */
    if (j->pos < j->end && *j->pos != '{') {
        return vo_json_type_fail(j, "json: expected an object");
    }

    if (vo_json_expect(j, '{', "json: expected an object") != VO_OK) {
        return VO_BAD_DATA;
    }

    if (j->depth >= VO_JSON_DEPTH_MAX) {
        return vo_json_fail(j, "json: nesting too deep");
    }

    j->depth++;
    j->first = 1;

    return VO_OK;
}


vo_status_t
vo_json_object_next(vo_json_t *j, vo_str_t *key, u_char *buf, size_t size)
{
    int     overflow;
    size_t  len;

    vo_json_ws(j);

    if (j->pos == j->end) {
        return vo_json_fail(j, "json: unexpected end of data");
    }

    if (*j->pos == '}') {
        j->pos++;
        j->depth--;
        j->first = 0;
        return VO_NOT_FOUND;
    }

    if (!j->first) {
        if (*j->pos != ',') {
            return vo_json_fail(j, "json: expected ',' or '}'");
        }

        j->pos++;
    }

    j->first = 0;

    if (vo_json_expect(j, '"', "json: expected a key") != VO_OK) {
        return VO_BAD_DATA;
    }

    if (vo_json_scan_string(j, buf, size, &len, &overflow) != VO_OK) {
        return VO_BAD_DATA;
    }

    if (overflow) {
        key->data = NULL;
        key->len = 0;

    } else {
        key->data = buf;
        key->len = len;
    }

    return vo_json_expect(j, ':', "json: expected ':'");
}


vo_status_t
vo_json_array_begin(vo_json_t *j)
{
    vo_json_ws(j);

    /* another value where this one was expected: a type error */
    if (j->pos < j->end && *j->pos != '[') {
        return vo_json_type_fail(j, "json: expected an array");
    }

    if (vo_json_expect(j, '[', "json: expected an array") != VO_OK) {
        return VO_BAD_DATA;
    }

    if (j->depth >= VO_JSON_DEPTH_MAX) {
        return vo_json_fail(j, "json: nesting too deep");
    }

    j->depth++;
    j->first = 1;

    return VO_OK;
}


vo_status_t
vo_json_array_next(vo_json_t *j)
{
    vo_json_ws(j);

    if (j->pos == j->end) {
        return vo_json_fail(j, "json: unexpected end of data");
    }

    if (*j->pos == ']') {
        j->pos++;
        j->depth--;
        j->first = 0;
        return VO_NOT_FOUND;
    }

    if (!j->first) {
        if (*j->pos != ',') {
            return vo_json_fail(j, "json: expected ',' or ']'");
        }

        j->pos++;

        /* "[1,]": a value must follow the comma */
        vo_json_ws(j);

        if (j->pos < j->end && *j->pos == ']') {
            return vo_json_fail(j, "json: trailing comma");
        }
    }

    j->first = 0;

    return VO_OK;
}


vo_status_t
vo_json_string(vo_json_t *j, u_char *buf, size_t size, size_t *len)
{
    int  overflow;

    if (size == 0) {
        return vo_json_fail(j, "json: no room for a string");
    }

    vo_json_ws(j);

    if (j->pos < j->end && *j->pos != '"') {
        return vo_json_type_fail(j, "json: expected a string");
    }

    if (vo_json_expect(j, '"', "json: expected a string") != VO_OK) {
        return VO_BAD_DATA;
    }

    /* one byte is kept for the terminating NUL */
    if (vo_json_scan_string(j, buf, size - 1, len, &overflow) != VO_OK) {
        return VO_BAD_DATA;
    }

    if (overflow) {
        return vo_json_type_fail(j, "json: string too long");
    }

    buf[*len] = '\0';

    return VO_OK;
}


/*
 * Reads the rest of a string whose opening quote is consumed.  Decoded
 * bytes go to buf while they fit; past that the string is still checked
 * to its end and *overflow is set.
 */
static vo_status_t
vo_json_scan_string(vo_json_t *j, u_char *buf, size_t size, size_t *len,
    int *overflow)
{
    u_char         c, tmp[4];
    size_t         n, k;
    uint32_t       cp, lo;
    const u_char  *p, *start;

    *len = 0;
    *overflow = 0;
    n = 0;

    for ( ;; ) {

        if (j->pos == j->end) {
            return vo_json_fail(j, "json: unterminated string");
        }

        c = *j->pos;

        if (c == '"') {
            j->pos++;
            *len = n;
            return VO_OK;
        }

        if (c < 0x20) {
            return vo_json_fail(j, "json: control character in string");
        }

        if (c == '\\') {
            j->pos++;

            if (j->pos == j->end) {
                return vo_json_fail(j, "json: unterminated string");
            }

            c = *j->pos++;

            switch (c) {
            case '"':  tmp[0] = '"';  k = 1; break;
            case '\\': tmp[0] = '\\'; k = 1; break;
            case '/':  tmp[0] = '/';  k = 1; break;
            case 'b':  tmp[0] = '\b'; k = 1; break;
            case 'f':  tmp[0] = '\f'; k = 1; break;
            case 'n':  tmp[0] = '\n'; k = 1; break;
            case 'r':  tmp[0] = '\r'; k = 1; break;
            case 't':  tmp[0] = '\t'; k = 1; break;

            case 'u':
                if (vo_json_hex4(j, &cp) != VO_OK) {
                    return VO_BAD_DATA;
                }

                if (cp >= 0xdc00 && cp <= 0xdfff) {
                    return vo_json_fail(j, "json: lone low surrogate");
                }

                if (cp >= 0xd800 && cp <= 0xdbff) {
                    /* a high surrogate is only valid as the first half
                     * of a "\uD83D\uDE00" pair */
                    if (j->end - j->pos < 2
                        || j->pos[0] != '\\' || j->pos[1] != 'u')
                    {
                        return vo_json_fail(j, "json: lone high surrogate");
                    }

                    j->pos += 2;

                    if (vo_json_hex4(j, &lo) != VO_OK) {
                        return VO_BAD_DATA;
                    }

                    if (lo < 0xdc00 || lo > 0xdfff) {
                        return vo_json_fail(j, "json: lone high surrogate");
                    }

                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                }

                k = vo_json_encode(cp, tmp);
                break;

            default:
                return vo_json_fail(j, "json: invalid escape");
            }

        } else if (c < 0x80) {
            tmp[0] = c;
            k = 1;
            j->pos++;

        } else {
            start = j->pos;
            p = j->pos;

            if (vo_json_utf8(j, &p) != VO_OK) {
                return VO_BAD_DATA;
            }

            k = (size_t) (p - start);
            memcpy(tmp, start, k);
            j->pos = p;
        }

        if (!*overflow && size - n >= k) {
            memcpy(buf + n, tmp, k);
            n += k;

        } else {
            *overflow = 1;
        }
    }
}


static vo_status_t
vo_json_hex4(vo_json_t *j, uint32_t *cp)
{
    int       i;
    u_char    c;
    uint32_t  v;

    if (j->end - j->pos < 4) {
        return vo_json_fail(j, "json: truncated \\u escape");
    }

    v = 0;

    for (i = 0; i < 4; i++) {
        c = j->pos[i];

        if (c >= '0' && c <= '9') {
            v = v * 16 + (uint32_t) (c - '0');

        } else if (c >= 'a' && c <= 'f') {
            v = v * 16 + (uint32_t) (c - 'a' + 10);

        } else if (c >= 'A' && c <= 'F') {
            v = v * 16 + (uint32_t) (c - 'A' + 10);

        } else {
            return vo_json_fail(j, "json: invalid \\u escape");
        }
    }

    j->pos += 4;
    *cp = v;

    return VO_OK;
}


/* one UTF-8 sequence at *pp (first byte >= 0x80), *pp moved past it */
static vo_status_t
vo_json_utf8(vo_json_t *j, const u_char **pp)
{
    int     truncated;
    size_t  n;

    n = vo_utf8_len(*pp, j->end, &truncated);

    if (n == 0) {
        return vo_json_fail(j, truncated ? "json: truncated utf-8"
                                         : "json: invalid utf-8");
    }

    *pp += n;

    return VO_OK;
}


static size_t
vo_json_encode(uint32_t cp, u_char *out)
{
    if (cp < 0x80) {
        out[0] = (u_char) cp;
        return 1;
    }

    if (cp < 0x800) {
        out[0] = (u_char) (0xc0 | (cp >> 6));
        out[1] = (u_char) (0x80 | (cp & 0x3f));
        return 2;
    }

    if (cp < 0x10000) {
        out[0] = (u_char) (0xe0 | (cp >> 12));
        out[1] = (u_char) (0x80 | ((cp >> 6) & 0x3f));
        out[2] = (u_char) (0x80 | (cp & 0x3f));
        return 3;
    }

    out[0] = (u_char) (0xf0 | (cp >> 18));
    out[1] = (u_char) (0x80 | ((cp >> 12) & 0x3f));
    out[2] = (u_char) (0x80 | ((cp >> 6) & 0x3f));
    out[3] = (u_char) (0x80 | (cp & 0x3f));
    return 4;
}


vo_status_t
vo_json_uint(vo_json_t *j, uint64_t *value)
{
    u_char    c;
    uint64_t  v;

    vo_json_ws(j);

    if (j->pos == j->end) {
        return vo_json_fail(j, "json: unexpected end of data");
    }

    c = *j->pos;

    if (c < '0' || c > '9') {
        return vo_json_type_fail(j, "json: expected a non-negative integer");
    }

    v = 0;

    if (c == '0') {
        j->pos++;

    } else {
        while (j->pos < j->end && *j->pos >= '0' && *j->pos <= '9') {
            c = (u_char) (*j->pos - '0');

            if (v > (UINT64_MAX - c) / 10) {
                return vo_json_type_fail(j, "json: integer too large");
            }

            v = v * 10 + c;
            j->pos++;
        }
    }

    if (j->pos < j->end && *j->pos >= '0' && *j->pos <= '9') {
        return vo_json_fail(j, "json: invalid number");
    }

    /* "1.0" and "1e3" are numbers, but not integers */
    if (j->pos < j->end
        && (*j->pos == '.' || *j->pos == 'e' || *j->pos == 'E'))
    {
        return vo_json_type_fail(j, "json: expected an integer");
    }

    *value = v;

    return VO_OK;
}


/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static vo_status_t
vo_json_number(vo_json_t *j)
{
    const u_char  *p, *e, *d;

    p = j->pos;
    e = j->end;

    if (p < e && *p == '-') {
        p++;
    }

    if (p == e || *p < '0' || *p > '9') {
        return vo_json_fail(j, p == j->pos ? "json: expected a value"
                                           : "json: invalid number");
    }

    if (*p == '0') {
        p++;

    } else {
        while (p < e && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    if (p < e && *p == '.') {
        d = ++p;

        while (p < e && *p >= '0' && *p <= '9') {
            p++;
        }

        if (p == d) {
            return vo_json_fail(j, "json: invalid number");
        }
    }

    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;

        if (p < e && (*p == '+' || *p == '-')) {
            p++;
        }

        d = p;

        while (p < e && *p >= '0' && *p <= '9') {
            p++;
        }

        if (p == d) {
            return vo_json_fail(j, "json: invalid number");
        }
    }

    if (p < e && *p >= '0' && *p <= '9') {
        /* "01" */
        return vo_json_fail(j, "json: invalid number");
    }

    j->pos = p;

    return VO_OK;
}


static vo_status_t
vo_json_literal(vo_json_t *j, const char *lit, size_t len)
{
    if ((size_t) (j->end - j->pos) < len || memcmp(j->pos, lit, len) != 0) {
        return vo_json_fail(j, "json: invalid literal");
    }

    j->pos += len;

    return VO_OK;
}


vo_status_t
vo_json_skip(vo_json_t *j)
{
    int          overflow;
    size_t       len;
    vo_str_t     key;
    vo_status_t  rc;

    vo_json_ws(j);

    if (j->pos == j->end) {
        return vo_json_fail(j, "json: unexpected end of data");
    }

    switch (*j->pos) {

    case '{':
        if (vo_json_object_begin(j) != VO_OK) {
            return VO_BAD_DATA;
        }

        /* recursion is bounded by VO_JSON_DEPTH_MAX, checked in begin */
        while ((rc = vo_json_object_next(j, &key, NULL, 0)) == VO_OK) {
            if (vo_json_skip(j) != VO_OK) {
                return VO_BAD_DATA;
            }
        }

        return rc == VO_NOT_FOUND ? VO_OK : VO_BAD_DATA;

    case '[':
        if (vo_json_array_begin(j) != VO_OK) {
            return VO_BAD_DATA;
        }

        while ((rc = vo_json_array_next(j)) == VO_OK) {
            if (vo_json_skip(j) != VO_OK) {
                return VO_BAD_DATA;
            }
        }

        return rc == VO_NOT_FOUND ? VO_OK : VO_BAD_DATA;

    case '"':
        j->pos++;
        return vo_json_scan_string(j, NULL, 0, &len, &overflow);

    case 't':
        return vo_json_literal(j, "true", 4);

    case 'f':
        return vo_json_literal(j, "false", 5);

    case 'n':
        return vo_json_literal(j, "null", 4);

    default:
        return vo_json_number(j);
    }
}


vo_status_t
vo_json_finish(vo_json_t *j)
{
    vo_json_ws(j);

    if (j->pos != j->end) {
        return vo_json_fail(j, "json: trailing garbage");
    }

    return VO_OK;
}


int
vo_json_valid(const u_char *data, size_t len)
{
    vo_json_t  j;

    vo_json_init(&j, data, len);

    return vo_json_skip(&j) == VO_OK && vo_json_finish(&j) == VO_OK;
}


void
vo_json_put_string(vo_buf_t *b, const u_char *data, size_t len)
{
    int            truncated;
    u_char         c, esc[6];
    size_t         n;
    const u_char  *p, *end, *run;

    static const char  hex[] = "0123456789abcdef";

    p = data;
    end = data + len;
    run = p;

    vo_buf_str(b, "\"");

    while (p < end) {
        c = *p;

        if (c >= 0x80) {
            n = vo_utf8_len(p, end, &truncated);

            if (n) {
                p += n;
                continue;
            }

            vo_buf_append(b, run, p - run);
            vo_buf_str(b, "\\ufffd");
            run = ++p;
            continue;
        }

        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
            p++;
            continue;
        }

        vo_buf_append(b, run, p - run);

        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = c;
            vo_buf_append(b, esc, 2);

        } else {
            esc[0] = '\\';
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xf];
            vo_buf_append(b, esc, 6);
        }

        run = ++p;
    }

    vo_buf_append(b, run, p - run);
    vo_buf_str(b, "\"");
}


void
vo_json_put_cstring(vo_buf_t *b, const char *s)
{
    vo_json_put_string(b, (const u_char *) s, strlen(s));
}
