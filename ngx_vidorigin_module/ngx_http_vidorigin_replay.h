/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The admin signatures already used, in a shared zone (every worker
 * sees them; a reload keeps them), each kept until its date leaves the
 * window in which it would be accepted.  replay_zone adds the zone, of
 * room for slots signatures (configuration time; the same zone however
 * many locations ask); NULL on error (logged).  replay_use records a
 * first use of mac (len bytes, at most 32) valid until the time until:
 * NGX_OK; NGX_DECLINED when it was used already (a replay); NGX_BUSY
 * when every slot holds a signature still in its window (the request is
 * refused: accepting it would let it be replayed).
 */

#ifndef NGX_HTTP_VIDORIGIN_REPLAY_H
#define NGX_HTTP_VIDORIGIN_REPLAY_H

#include "ngx_http_vidorigin.h"


#define NGX_HTTP_VIDORIGIN_REPLAY_SLOTS  16384


ngx_shm_zone_t *ngx_http_vidorigin_replay_zone(ngx_conf_t *cf,
    ngx_uint_t slots);
ngx_int_t ngx_http_vidorigin_replay_use(ngx_shm_zone_t *zone,
    const u_char *mac, size_t len, time_t until);


#endif /* NGX_HTTP_VIDORIGIN_REPLAY_H */
