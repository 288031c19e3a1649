/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The admin endpoints' HMAC headers, read without nginx (the glue,
 * ngx_http_vidorigin_admin.c, computes the HMAC and decides):
 *
 *   X-Vidorigin-Date: <unix seconds>
 *   X-Vidorigin-Signature: <lowercase hex HMAC-SHA256>
 */

#ifndef VO_ADMIN_H
#define VO_ADMIN_H

#include "vo_core.h"


#define VO_ADMIN_DATE_MAX   19          /* digits */


/*
 * X-Vidorigin-Date: 1 to 19 decimal digits, no sign, no blank, at most
 * INT64_MAX, within skew seconds of now either way.  VO_OK with *t, or
 * VO_FORBIDDEN with *err.
 */
vo_status_t vo_admin_date(const u_char *p, size_t len, uint64_t now,
    uint64_t skew, uint64_t *t, const char **err);

/*
 * X-Vidorigin-Signature against mac (maclen bytes, at most 64): VO_OK
 * when sig is exactly mac's lowercase hex, VO_FORBIDDEN otherwise; the
 * time taken depends on the lengths only, never on the bytes.
 */
vo_status_t vo_admin_signature(const u_char *sig, size_t len,
    const u_char *mac, size_t maclen);


#endif /* VO_ADMIN_H */
