/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Purge by prefix: what a purge prefix may be, and the journal line that
 * records it.
 *
 * A purge is a generation: a number that only grows.  Each purged prefix
 * keeps the generation of its last purge, and the cache key of an answer
 * carries the largest generation among its path's ancestors (every
 * prefix that ends in '/': "/", "/v/", "/v/demo/", ...) and the path
 * itself.  Purging "/v/demo/" gives it a new generation, so every key
 * under it changes at once, whatever the number of cached entries; keys
 * elsewhere do not change.  Old entries are never read again and leave
 * the cache by its own eviction.
 *
 * The journal keeps every purge, one line each, appended:
 *
 *     <generation> <unix time in ms> <prefix>\n
 *
 * It rebuilds the generations when nginx starts (a cache on disk outlives
 * a restart, so generations must too) and feeds the CDN fan-out
 * ("transcode-worker purger").
 */

#ifndef VO_PURGE_H
#define VO_PURGE_H

#include "vo_core.h"


#define VO_PURGE_PREFIX_MAX   1024

/* digits of a generation or a time in the journal (no uint64_t wraps) */
#define VO_PURGE_DIGITS_MAX   19

/* longest journal line, '\n' included */
#define VO_PURGE_LINE_MAX     (20 + 1 + 20 + 1 + VO_PURGE_PREFIX_MAX + 1)


typedef struct {
    uint64_t        generation;
    uint64_t        time_ms;
    vo_str_t        prefix;          /* points into the parsed line */
} vo_purge_entry_t;


/*
 * A prefix is an absolute URL path of at most VO_PURGE_PREFIX_MAX bytes
 * made of A-Z a-z 0-9 - _ . ~ and '/', without an empty, "." or ".."
 * component: the bytes a canonical playback URL has, so that it means
 * one thing to the origin and to the CDNs.  One ending in '/' covers
 * everything below it; any other is one exact path.  VO_OK or
 * VO_BAD_REQUEST with *err set.
 */
vo_status_t vo_purge_prefix_check(const u_char *p, size_t len,
    const char **err);

/*
 * The prefix that covers prefix and more: "/v/demo/720p/3.m4s" ->
 * "/v/demo/720p/", "/v/demo/" -> "/v/", "/v/" -> "/"; returns its
 * length (0 for "/", which has none).  Used when a prefix cannot be kept
 * on its own: purging more is safe, purging less is not.
 */
size_t vo_purge_parent(const u_char *p, size_t len);

/*
 * Calls cb for each prefix that a cached answer at path depends on, from
 * "/" down to the path itself: every ancestor ending in '/', then the
 * path (when it does not end in '/').  path must start with '/'.
 * A non-zero return from cb stops the walk.
 */
typedef int (*vo_purge_visit_pt)(void *data, const u_char *p, size_t len);

void vo_purge_ancestors(const u_char *path, size_t len,
    vo_purge_visit_pt cb, void *data);

/* writes the journal line of e into out (at least VO_PURGE_LINE_MAX
 * bytes); returns its length.  Generation and time must have at most
 * VO_PURGE_DIGITS_MAX digits to be read back (a generation grows by one
 * a purge) */
size_t vo_purge_line(const vo_purge_entry_t *e, u_char *out);

/*
 * Parses one line (without its '\n').  VO_OK, or VO_BAD_DATA with *err
 * set: a field missing or not a number, a generation of 0, an invalid
 * prefix, anything after it.
 */
vo_status_t vo_purge_parse_line(const u_char *p, size_t len,
    vo_purge_entry_t *e, const char **err);

/*
 * The answer to a purge, one line of JSON:
 * {"requested":R,"purged":P,"generation":G,"broadened":B}\n, where P is
 * the prefix purged (R or a parent of it, when the zone had no room for
 * R).  Failures show in vo_buf_failed(b).
 */
void vo_purge_answer(vo_buf_t *b, const vo_str_t *requested,
    const vo_str_t *purged, uint64_t generation);


#endif /* VO_PURGE_H */
