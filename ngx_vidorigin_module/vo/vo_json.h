/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * A small strict JSON reader (RFC 8259), internal to the vo_ core.
 *
 * It is a pull parser over a byte range: the caller walks the document
 * with the calls below, in the order the values appear, and values it
 * does not want are passed over with vo_json_skip(), which still checks
 * their syntax.  It allocates nothing, never reads outside the range,
 * bounds nesting to VO_JSON_DEPTH_MAX, and accepts only valid UTF-8.
 *
 * Every call returns VO_OK, or VO_BAD_DATA with j->err set to a static
 * reason; after a failure the reader must not be used again.  The
 * container calls return VO_NOT_FOUND at the closing bracket.
 */

#ifndef VO_JSON_H
#define VO_JSON_H

#include "vo_core.h"


#define VO_JSON_DEPTH_MAX  16


typedef struct {
    const u_char   *pos;
    const u_char   *end;
    unsigned        depth;
    /* set by *_begin(), cleared by the first *_next(): whether the next
     * member or element needs a ',' before it */
    unsigned        first;
    const char     *err;
    /* err is about a value's type or range ("expected a string"), the
     * document itself being well-formed so far: the caller may prefer
     * its own reason, one that names the field */
    unsigned        type_error:1;
} vo_json_t;


void vo_json_init(vo_json_t *j, const u_char *data, size_t len);

/* '{' and the following members.  object_next() reads the member's key
 * (decoded into buf, at most size bytes, not NUL terminated) and its ':';
 * the caller then reads the value.  A key longer than size comes back
 * with key->data NULL and key->len 0: no field the caller knows has it. */
vo_status_t vo_json_object_begin(vo_json_t *j);
vo_status_t vo_json_object_next(vo_json_t *j, vo_str_t *key, u_char *buf,
    size_t size);

/* '[' and the following elements; array_next() returns VO_OK when an
 * element follows (the caller reads it), VO_NOT_FOUND after ']'. */
vo_status_t vo_json_array_begin(vo_json_t *j);
vo_status_t vo_json_array_next(vo_json_t *j);

/* A string value decoded into buf and NUL terminated; longer than
 * size - 1 bytes is an error.  *len is the decoded length, which may
 * include NUL bytes from "\u0000": callers that keep C strings check. */
vo_status_t vo_json_string(vo_json_t *j, u_char *buf, size_t size,
    size_t *len);

/* A non-negative integer: no sign, fraction or exponent ("1.0" and "1e3"
 * are refused), at most UINT64_MAX. */
vo_status_t vo_json_uint(vo_json_t *j, uint64_t *value);

/* Any value, syntax checked, contents ignored. */
vo_status_t vo_json_skip(vo_json_t *j);

/* Only whitespace may follow the document. */
vo_status_t vo_json_finish(vo_json_t *j);

/* Whether data is exactly one JSON value (any type), valid UTF-8. */
int vo_json_valid(const u_char *data, size_t len);

/* Writes data as a JSON string: quotes, '"' '\\' and control characters
 * escaped, each byte that is not part of a valid UTF-8 sequence written
 * as U+FFFD, so the output is always valid JSON in UTF-8. */
void vo_json_put_string(vo_buf_t *b, const u_char *data, size_t len);
/* the same for a NUL-terminated string */
void vo_json_put_cstring(vo_buf_t *b, const char *s);


#endif /* VO_JSON_H */
