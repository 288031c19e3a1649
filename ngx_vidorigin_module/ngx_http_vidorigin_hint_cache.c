/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The hint cache (ngx_http_vidorigin_hint_cache.h): a table of slots in
 * a slab zone, kept across reloads, under the zone's mutex.  Hints change
 * when "transcode-worker placer" runs, every few minutes: a few seconds
 * of them in shared memory spare Redis a read per playback start.
 */

#include "ngx_http_vidorigin_hint_cache.h"
#include "vo_api.h"


/* one (video, region) hint, in shared memory */
typedef struct {
    uint32_t            hash;             /* 0: empty */
    u_char              id[VO_ID_MAX];
    u_char              id_len;
    u_char              region[2];
    u_char              placement;
    time_t              expires;          /* of the hint */
    time_t              fetched;
} ngx_http_vidorigin_hint_slot_t;

typedef struct {
    ngx_uint_t          nslots;
    ngx_http_vidorigin_hint_slot_t  slots[1];
} ngx_http_vidorigin_hint_table_t;


/* the API module's main configuration */
typedef struct {
    ngx_shm_zone_t     *zone;
    time_t              valid;
} ngx_http_vidorigin_hint_cache_conf_t;


static ngx_http_vidorigin_hint_slot_t *ngx_http_vidorigin_hint_slot(
    ngx_http_vidorigin_hint_cache_conf_t *hcf, vo_str_t *id,
    ngx_str_t *region, uint32_t *hash);
static ngx_int_t ngx_http_vidorigin_hint_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);


void *
ngx_http_vidorigin_hint_cache_create_conf(ngx_conf_t *cf)
{
    ngx_http_vidorigin_hint_cache_conf_t  *hcf;

    hcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_hint_cache_conf_t));
    if (hcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     hcf->zone = NULL;
     */

    hcf->valid = NGX_CONF_UNSET;

    return hcf;
}


char *
ngx_http_vidorigin_hint_cache_init_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_vidorigin_hint_cache_conf_t *hcf = conf;

    ngx_conf_init_value(hcf->valid, 5);

    return NGX_CONF_OK;
}


/* vidorigin_hint_cache zone=NAME:SIZE [valid=TIME]; */
char *
ngx_http_vidorigin_hint_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_vidorigin_hint_cache_conf_t *hcf = conf;

    u_char      *colon;
    ssize_t      size;
    ngx_str_t   *value, name, s;
    ngx_uint_t   i;

    if (hcf->zone) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name.len = 0;
    size = 0;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            name.data = value[i].data + 5;
            colon = (u_char *) ngx_strchr(name.data, ':');

            if (colon == NULL) {
                goto invalid;
            }

            name.len = colon - name.data;
            s.data = colon + 1;
            s.len = value[i].data + value[i].len - s.data;
            size = ngx_parse_size(&s);

            if (name.len == 0 || size < (ssize_t) (8 * ngx_pagesize)) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "valid=", 6) == 0) {
            s.data = value[i].data + 6;
            s.len = value[i].len - 6;
            hcf->valid = ngx_parse_time(&s, 1);

            if (hcf->valid == (time_t) NGX_ERROR || hcf->valid < 1) {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    if (name.len == 0) {
        return "needs zone=NAME:SIZE";
    }

    hcf->zone = ngx_shared_memory_add(cf, &name, size,
                                      &ngx_http_vidorigin_api_module);
    if (hcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    hcf->zone->init = ngx_http_vidorigin_hint_init_zone;
    hcf->zone->data = NULL;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\" "
                       "(zone=NAME:SIZE of at least 8 pages, valid=TIME)",
                       &value[i]);
    return NGX_CONF_ERROR;
}


static ngx_int_t
ngx_http_vidorigin_hint_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    size_t                            n;
    ngx_slab_pool_t                  *shpool;
    ngx_http_vidorigin_hint_table_t  *t;

    if (data) {
        /* a reload: the table of the old cycle goes on */
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    /* most of the zone: the slab allocator keeps a page descriptor per
     * page (under 1%) and its own header */
    n = (shm_zone->shm.size / 100 * 95 - 2 * ngx_pagesize)
        / sizeof(ngx_http_vidorigin_hint_slot_t);

    t = ngx_slab_calloc(shpool, sizeof(ngx_http_vidorigin_hint_table_t)
                                + (n - 1)
                                  * sizeof(ngx_http_vidorigin_hint_slot_t));
    if (t == NULL) {
        return NGX_ERROR;
    }

    t->nslots = n;
    shpool->data = t;
    shm_zone->data = t;

    return NGX_OK;
}


ngx_int_t
ngx_http_vidorigin_hint_get(ngx_http_request_t *r, vo_str_t *id,
    ngx_str_t *region, ngx_uint_t fresh_only, ngx_uint_t *placement)
{
    time_t                                 now;
    uint32_t                               hash;
    ngx_int_t                              rc;
    ngx_slab_pool_t                       *shpool;
    ngx_http_vidorigin_hint_slot_t        *s;
    ngx_http_vidorigin_hint_cache_conf_t  *hcf;

    hcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_api_module);

    *placement = VO_API_PLACE_NONE;

    if (hcf->zone == NULL) {
        return NGX_DECLINED;
    }

    now = ngx_time();
    s = ngx_http_vidorigin_hint_slot(hcf, id, region, &hash);
    shpool = (ngx_slab_pool_t *) hcf->zone->shm.addr;
    rc = NGX_DECLINED;

    ngx_shmtx_lock(&shpool->mutex);

    if (s->hash == hash && s->id_len == id->len
        && ngx_memcmp(s->id, id->data, id->len) == 0
        && s->region[0] == region->data[0]
        && s->region[1] == region->data[1]
        && (!fresh_only || now - s->fetched < hcf->valid))
    {
        rc = NGX_OK;

        if (s->placement != VO_API_PLACE_NONE && s->expires > now) {
            *placement = s->placement;
        }
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return rc;
}


void
ngx_http_vidorigin_hint_put(ngx_http_request_t *r, vo_str_t *id,
    ngx_str_t *region, ngx_uint_t placement, time_t expires)
{
    uint32_t                               hash;
    ngx_slab_pool_t                       *shpool;
    ngx_http_vidorigin_hint_slot_t        *s;
    ngx_http_vidorigin_hint_cache_conf_t  *hcf;

    hcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_api_module);

    if (hcf->zone == NULL) {
        return;
    }

    s = ngx_http_vidorigin_hint_slot(hcf, id, region, &hash);
    shpool = (ngx_slab_pool_t *) hcf->zone->shm.addr;

    ngx_shmtx_lock(&shpool->mutex);

    s->hash = hash;
    s->id_len = (u_char) id->len;
    ngx_memcpy(s->id, id->data, id->len);
    s->region[0] = region->data[0];
    s->region[1] = region->data[1];
    s->placement = (u_char) placement;
    s->expires = expires;
    s->fetched = ngx_time();

    ngx_shmtx_unlock(&shpool->mutex);
}


/*
 * The slot of (id, region), and their hash as kept in the slot (never 0:
 * 0 is empty).  The slot is chosen before the hash is made odd, or only
 * odd slots would ever be used and ids whose hashes differ in the last
 * bit only would share one.
 */
static ngx_http_vidorigin_hint_slot_t *
ngx_http_vidorigin_hint_slot(ngx_http_vidorigin_hint_cache_conf_t *hcf,
    vo_str_t *id, ngx_str_t *region, uint32_t *hash)
{
    uint32_t                          h;
    ngx_http_vidorigin_hint_table_t  *t;

    h = ngx_crc32_short((u_char *) id->data, id->len)
        ^ (region->data[0] << 8 | region->data[1]);

    *hash = h | 1;

    t = hcf->zone->data;

    return &t->slots[h % t->nslots];
}
