/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Signed playback URLs for viewers sent straight to the origin (the long
 * tail): "?exp={unix seconds}&sig={hex HMAC-SHA256}" on every URL of one
 * video.  The signature covers the video id and the expiry, so the one
 * token of a manifest also opens every playlist and segment under
 * /v/{id}/ (the manifests carry it on to their relative URLs).
 *
 *     sig = hex(HMAC-SHA256(secret, "vidorigin-v1\n" id "\n" exp))
 */

#ifndef VO_SIGN_H
#define VO_SIGN_H

#include "vo_core.h"


#define VO_SIGN_HEX          64          /* hex digits of a signature */
#define VO_SIGN_SECRET_MIN   16          /* bytes */

/* the query, without '?': "exp=1764700000&sig=..." */
#define VO_SIGN_QUERY_MAX    (sizeof("exp=&sig=") - 1 + 20 + VO_SIGN_HEX)


/* Writes the signature of (id, expires) as VO_SIGN_HEX lower-case hex
 * digits (no NUL).  VO_ERROR when libcrypto fails. */
vo_status_t vo_sign(const vo_str_t *secret, const vo_str_t *id,
    uint64_t expires, u_char *hex);

/* Writes the query of (id, expires) into buf (at least VO_SIGN_QUERY_MAX
 * bytes) and sets *len.  */
vo_status_t vo_sign_query(const vo_str_t *secret, const vo_str_t *id,
    uint64_t expires, u_char *buf, size_t *len);

/*
 * Checks the exp and sig arguments of a request for video id at time now
 * against nsecrets secrets (the current one, then those still accepted
 * while keys rotate): VO_OK when the signature is one of theirs, exp is
 * not past and not more than max_ttl seconds ahead (0: no limit);
 * VO_FORBIDDEN when either argument is missing (len 0), malformed, wrong,
 * expired or too far ahead, with *err saying which.  Every secret's
 * signature is computed and compared, in the same time wherever the
 * digits differ.  VO_ERROR when libcrypto fails.
 */
vo_status_t vo_sign_check(const vo_str_t *secrets, size_t nsecrets,
    const vo_str_t *id, const vo_str_t *exp, const vo_str_t *sig,
    uint64_t now, uint64_t max_ttl, const char **err);


#endif /* VO_SIGN_H */
