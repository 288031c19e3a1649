/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * vo_ core: the nginx-independent part of vidorigin.  It never includes
 * nginx or FFmpeg headers; the nginx module and the transcode worker both
 * link it, and the unit tests and fuzzers run it alone.
 *
 * Conventions:
 *   - functions return a vo_status_t; failures may also set *err to a
 *     static, lowercase reason string (never allocated, never freed);
 *   - memory comes from a vo_alloc_t supplied by the caller (an nginx pool
 *     in the module, an arena in the worker and tests) and is owned by it;
 *   - nothing here logs: the caller logs once, with the reason.
 */

#ifndef VO_CORE_H
#define VO_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>


typedef enum {
    VO_OK = 0,
    VO_ERROR = -1,          /* internal error (allocation failed, ...) */
    VO_BAD_REQUEST = -2,    /* malformed client input: 400 */
    VO_NOT_FOUND = -3,      /* well-formed, but no such thing: 404 */
    VO_BAD_DATA = -4,       /* stored data (media description) invalid */
    VO_RANGE = -5,          /* segment number outside the video: 404 */
    VO_NO_SPACE = -6,       /* the caller's output buffer is too small */
    VO_FORBIDDEN = -7       /* a signed URL's signature is wrong: 403 */
} vo_status_t;


typedef struct {
    size_t          len;
    const u_char   *data;
} vo_str_t;

#define vo_string(s)  { sizeof(s) - 1, (const u_char *) (s) }


/*
 * Allocator: alloc() returns memory that lives as long as the allocator's
 * owner (the request pool, the arena); there is no free.  NULL on failure.
 */
typedef struct {
    void         *(*alloc)(void *data, size_t size);
    void           *data;
} vo_alloc_t;


/*
 * Growable output buffer.  Text is appended at pos; when it does not fit,
 * a buffer twice as large is taken from the allocator and the bytes are
 * copied (the old one stays with the allocator's owner).  After any
 * failed append the buffer is marked failed and later appends do nothing,
 * so callers check once, with vo_buf_failed(), at the end.
 */
typedef struct {
    u_char         *start;
    u_char         *pos;
    u_char         *end;
    vo_alloc_t     *alloc;
    int             failed;
} vo_buf_t;


vo_status_t vo_buf_init(vo_buf_t *b, vo_alloc_t *alloc, size_t size);
void vo_buf_append(vo_buf_t *b, const void *data, size_t len);
void vo_buf_str(vo_buf_t *b, const char *s);
/* printf subset: %s %d %u %lld %llu %c %% (checked by the compiler; a
 * vo_str_t goes through vo_buf_append).  %s must not carry untrusted text
 * into XML or playlists unescaped. */
void vo_buf_printf(vo_buf_t *b, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
#define vo_buf_len(b)     ((size_t) ((b)->pos - (b)->start))
#define vo_buf_failed(b)  ((b)->failed)

/* Fixed-point decimal: writes value / 10^decimals with exactly decimals
 * digits after the point ("6.000"), no floating point (deterministic). */
void vo_buf_fixed(vo_buf_t *b, uint64_t value, unsigned decimals);

/* malloc-backed allocator for tests and the worker: every block is kept
 * on a list and released together by vo_arena_free(). */
typedef struct vo_arena_s  vo_arena_t;

vo_arena_t *vo_arena_create(void);
void vo_arena_free(vo_arena_t *a);
vo_alloc_t *vo_arena_alloc(vo_arena_t *a);


#endif /* VO_CORE_H */
