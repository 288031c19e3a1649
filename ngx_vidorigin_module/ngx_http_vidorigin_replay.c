/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Used admin signatures (see ngx_http_vidorigin_replay.h).  A flat table
 * of slots, scanned whole under the zone's lock: admin requests are few,
 * 16384 slots are 640 KiB read in well under a millisecond, and a table
 * without probe chains stays right whatever expires when.
 */

#include "ngx_http_vidorigin_replay.h"


#define NGX_HTTP_VIDORIGIN_REPLAY_MAC  32


typedef struct {
    u_char                  mac[NGX_HTTP_VIDORIGIN_REPLAY_MAC];
    time_t                  until;        /* 0: free */
} ngx_http_vidorigin_seen_t;


typedef struct {
    ngx_uint_t                  nslots;
    ngx_http_vidorigin_seen_t  *slots;    /* in the zone */
    ngx_slab_pool_t            *shpool;
} ngx_http_vidorigin_replay_t;


static ngx_int_t ngx_http_vidorigin_replay_init(ngx_shm_zone_t *shm_zone,
    void *data);


static ngx_str_t  ngx_http_vidorigin_replay_name =
    ngx_string("vidorigin_admin_seen");


ngx_shm_zone_t *
ngx_http_vidorigin_replay_zone(ngx_conf_t *cf, ngx_uint_t slots)
{
    size_t                        size;
    ngx_shm_zone_t               *zone;
    ngx_http_vidorigin_replay_t  *rp;

    /* the table, the slab pool's page records, some pages of room */

    size = slots * sizeof(ngx_http_vidorigin_seen_t);
    size += size / 64 + 16 * ngx_pagesize;

    zone = ngx_shared_memory_add(cf, &ngx_http_vidorigin_replay_name, size,
                                 &ngx_http_vidorigin_module);
    if (zone == NULL) {
        return NULL;
    }

    if (zone->data) {
        return zone;                  /* another location made it */
    }

    rp = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_replay_t));
    if (rp == NULL) {
        return NULL;
    }

    rp->nslots = slots;

    zone->init = ngx_http_vidorigin_replay_init;
    zone->data = rp;

    return zone;
}


static ngx_int_t
ngx_http_vidorigin_replay_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_vidorigin_replay_t  *orp = data;

    ngx_http_vidorigin_replay_t  *rp;

    rp = shm_zone->data;
    rp->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (orp && orp->nslots == rp->nslots) {
        rp->slots = orp->slots;       /* reload: what was used stays */
        return NGX_OK;
    }

    if (shm_zone->shm.exists) {
        rp->slots = rp->shpool->data;
        return NGX_OK;
    }

    rp->slots = ngx_slab_calloc(rp->shpool,
                         rp->nslots * sizeof(ngx_http_vidorigin_seen_t));
    if (rp->slots == NULL) {
        return NGX_ERROR;
    }

    rp->shpool->data = rp->slots;

    return NGX_OK;
}


ngx_int_t
ngx_http_vidorigin_replay_use(ngx_shm_zone_t *zone, const u_char *mac,
    size_t len, time_t until)
{
    time_t                        now;
    ngx_uint_t                    i;
    ngx_http_vidorigin_seen_t    *s, *free;
    ngx_http_vidorigin_replay_t  *rp;

    rp = zone->data;
    now = ngx_time();
    free = NULL;

    if (len > NGX_HTTP_VIDORIGIN_REPLAY_MAC) {
        len = NGX_HTTP_VIDORIGIN_REPLAY_MAC;
    }

    ngx_shmtx_lock(&rp->shpool->mutex);

    for (i = 0; i < rp->nslots; i++) {
        s = &rp->slots[i];

        if (s->until < now) {
            if (free == NULL) {
                free = s;
            }

            continue;
        }

        if (ngx_memcmp(s->mac, mac, len) == 0) {
            ngx_shmtx_unlock(&rp->shpool->mutex);
            return NGX_DECLINED;
        }
    }

    if (free == NULL) {
        ngx_shmtx_unlock(&rp->shpool->mutex);
        return NGX_BUSY;
    }

    ngx_memzero(free->mac, NGX_HTTP_VIDORIGIN_REPLAY_MAC);
    ngx_memcpy(free->mac, mac, len);
    free->until = until;

    ngx_shmtx_unlock(&rp->shpool->mutex);

    return NGX_OK;
}
