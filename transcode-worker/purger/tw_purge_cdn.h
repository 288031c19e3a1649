/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The two CDN APIs (tw_purge_cdn.c): what a batch of purges becomes on
 * the wire, for the purger's loop; what an answer means is
 * tw_purge_answer.h.
 */

#ifndef TW_PURGE_CDN_H
#define TW_PURGE_CDN_H

#include "purger/tw_purge.h"


/* what a Cloudflare request carries: one kind per request */
#define TW_CLOUDFLARE_PREFIXES   0
#define TW_CLOUDFLARE_FILES      1          /* exact object paths */
#define TW_CLOUDFLARE_HOSTS      2          /* "/": the whole host */

/*
 * check() validates a CDN's settings and credentials (-1 logged).
 * request() makes send's body for its batch (once, at the first attempt)
 * and a signed easy handle for one attempt in send->curl, its private
 * pointer the cdn, its callbacks tw_purge_answer.c's; -1 logged.
 * cloudflare_kind() is what a purge is for Cloudflare (a request takes
 * one kind).
 */
int tw_purge_cdn_check(tw_purger_t *p, tw_cdn_t *cdn);
int tw_purge_cdn_request(tw_purger_t *p, tw_cdn_t *cdn, tw_send_t *send);
int tw_purge_cloudflare_kind(const tw_purge_t *purge);


#endif /* TW_PURGE_CDN_H */
