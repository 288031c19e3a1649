/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Per-worker cache of generated manifests.
 *
 * A manifest is a pure function of the media description, so a worker
 * keeps the bytes it generated, keyed by the store's tag
 * (ngx_http_vidorigin.h) and the path below the prefix, and
 * serves them again without touching the shared zone or formatting text.
 * An entry expires when the description it was made from is due for its
 * next check (checked + valid), so a change to media.json is seen exactly
 * as soon as without this cache, and at the next purge of any prefix
 * (cheaper than working out which manifests the prefix covers: they are
 * made again from the shared zone in microseconds).
 *
 * The table is direct-mapped (a new entry replaces whatever shares its
 * slot) and bounded in bytes; it lives in the worker's heap from
 * init_process to exit_process.  Lookups copy the bytes into the request
 * pool, so an entry replaced while a response is being sent is never
 * referenced.
 */

#include "ngx_http_vidorigin_manifest_cache.h"
#include "ngx_http_vidorigin_purge.h"


#define NGX_HTTP_VIDORIGIN_MC_SLOTS    1024
#define NGX_HTTP_VIDORIGIN_MC_ENTRY    (64 * 1024)        /* largest kept */
#define NGX_HTTP_VIDORIGIN_MC_TOTAL    (8 * 1024 * 1024)  /* per worker */


typedef struct {
    uint32_t                        hash;
    u_char                          store[NGX_HTTP_VIDORIGIN_TAG_LEN];
    time_t                          expires;
    uint64_t                        purge;    /* last purge when made */
    u_char                         *mem;      /* key, then body; or NULL */
    ngx_http_vidorigin_manifest_t   m;        /* points into mem */
} ngx_http_vidorigin_mc_slot_t;


struct ngx_http_vidorigin_mc_s {
    size_t                          total;
    ngx_http_vidorigin_mc_slot_t    slots[NGX_HTTP_VIDORIGIN_MC_SLOTS];
};


static ngx_http_vidorigin_mc_slot_t *ngx_http_vidorigin_mc_slot(
    ngx_http_request_t *r, ngx_http_vidorigin_mc_t *mc, ngx_str_t *key,
    u_char *store, uint32_t *hash);
static void ngx_http_vidorigin_mc_drop(ngx_http_vidorigin_mc_t *mc,
    ngx_http_vidorigin_mc_slot_t *s);


ngx_int_t
ngx_http_vidorigin_mc_init(ngx_cycle_t *cycle,
    ngx_http_vidorigin_main_conf_t *vmcf)
{
    vmcf->mc = ngx_calloc(sizeof(ngx_http_vidorigin_mc_t), cycle->log);
    if (vmcf->mc == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_http_vidorigin_mc_free(ngx_http_vidorigin_main_conf_t *vmcf)
{
    ngx_uint_t  i;

    if (vmcf->mc == NULL) {
        return;
    }

    for (i = 0; i < NGX_HTTP_VIDORIGIN_MC_SLOTS; i++) {
        ngx_http_vidorigin_mc_drop(vmcf->mc, &vmcf->mc->slots[i]);
    }

    ngx_free(vmcf->mc);
    vmcf->mc = NULL;
}


ngx_int_t
ngx_http_vidorigin_mc_get(ngx_http_request_t *r, ngx_str_t *key,
    ngx_http_vidorigin_manifest_t *out)
{
    u_char                          *p;
    u_char                           store[NGX_HTTP_VIDORIGIN_TAG_LEN];
    uint32_t                         hash;
    ngx_http_vidorigin_mc_t         *mc;
    ngx_http_vidorigin_mc_slot_t    *s;
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
    mc = vmcf->mc;

    if (mc == NULL) {
        return NGX_DECLINED;
    }

    s = ngx_http_vidorigin_mc_slot(r, mc, key, store, &hash);

    if (s->mem == NULL
        || s->hash != hash
        || ngx_memcmp(s->store, store, NGX_HTTP_VIDORIGIN_TAG_LEN) != 0
        || s->m.key.len != key->len
        || ngx_memcmp(s->m.key.data, key->data, key->len) != 0)
    {
        return NGX_DECLINED;
    }

    if (ngx_time() >= s->expires
        || s->purge != ngx_http_vidorigin_purge_last(r))
    {
        ngx_http_vidorigin_mc_drop(mc, s);
        return NGX_DECLINED;
    }

    p = ngx_pnalloc(r->pool, s->m.body.len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    *out = s->m;
    out->body.data = p;
    ngx_memcpy(p, s->m.body.data, s->m.body.len);

    return NGX_OK;
}


void
ngx_http_vidorigin_mc_put(ngx_http_request_t *r, ngx_str_t *key,
    ngx_http_vidorigin_manifest_t *m, time_t expires)
{
    u_char                          *mem;
    u_char                           store[NGX_HTTP_VIDORIGIN_TAG_LEN];
    size_t                           size;
    uint32_t                         hash;
    ngx_http_vidorigin_mc_t         *mc;
    ngx_http_vidorigin_mc_slot_t    *s;
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
    mc = vmcf->mc;

    if (mc == NULL || m->body.len > NGX_HTTP_VIDORIGIN_MC_ENTRY
        || expires <= ngx_time())
    {
        return;
    }

    s = ngx_http_vidorigin_mc_slot(r, mc, key, store, &hash);

    ngx_http_vidorigin_mc_drop(mc, s);

    size = key->len + m->body.len;

    if (mc->total + size > NGX_HTTP_VIDORIGIN_MC_TOTAL) {
        return;
    }

    /* a failed allocation only means this manifest is not kept */

    mem = ngx_alloc(size, r->connection->log);
    if (mem == NULL) {
        return;
    }

    s->hash = hash;
    ngx_memcpy(s->store, store, NGX_HTTP_VIDORIGIN_TAG_LEN);
    s->expires = expires;
    s->purge = ngx_http_vidorigin_purge_last(r);
    s->mem = mem;
    s->m = *m;

    s->m.key.data = mem;
    s->m.key.len = key->len;
    ngx_memcpy(mem, key->data, key->len);

    s->m.body.data = mem + key->len;
    ngx_memcpy(s->m.body.data, m->body.data, m->body.len);

    mc->total += size;
}


/* the slot of (the store of r's location, key), the store's tag (all
 * zeros without a store) and the hash of both */
static ngx_http_vidorigin_mc_slot_t *
ngx_http_vidorigin_mc_slot(ngx_http_request_t *r, ngx_http_vidorigin_mc_t *mc,
    ngx_str_t *key, u_char *store, uint32_t *hash)
{
    uint32_t                        crc;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    if (vlcf->store_tag.len) {
        ngx_memcpy(store, vlcf->store_tag.data, NGX_HTTP_VIDORIGIN_TAG_LEN);

    } else {
        ngx_memzero(store, NGX_HTTP_VIDORIGIN_TAG_LEN);
    }

    ngx_crc32_init(crc);
    ngx_crc32_update(&crc, store, NGX_HTTP_VIDORIGIN_TAG_LEN);
    ngx_crc32_update(&crc, key->data, key->len);
    ngx_crc32_final(crc);

    *hash = crc;

    return &mc->slots[crc % NGX_HTTP_VIDORIGIN_MC_SLOTS];
}


static void
ngx_http_vidorigin_mc_drop(ngx_http_vidorigin_mc_t *mc,
    ngx_http_vidorigin_mc_slot_t *s)
{
    if (s->mem == NULL) {
        return;
    }

    mc->total -= s->m.key.len + s->m.body.len;
    ngx_free(s->mem);
    s->mem = NULL;
}
