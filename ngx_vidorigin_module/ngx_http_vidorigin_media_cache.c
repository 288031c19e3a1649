/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Shared-memory cache of parsed media descriptions.
 *
 * Every playback request needs the video's description (to validate the
 * rendition and segment number, or to write a manifest).  It is parsed
 * once and kept in a slab zone shared by all workers: a red-black tree
 * with an LRU queue that gives up the least recently used entries when
 * the zone is full.  An entry is the description of one id in one store:
 * it is found by the crc32 of the store's tag (ngx_http_vidorigin.h) and
 * the id, then by both compared whole.  An entry is trusted for `valid`
 * seconds; after that the next request stats media.json and re-parses it
 * only if its mtime, size or inode changed.  A purge (of any prefix)
 * makes every entry due for that check.
 *
 * vo_media_t holds no pointers, so a reader copies it out under the lock
 * with one memcpy and never keeps a reference into the zone.
 */

#include "ngx_http_vidorigin_media_cache.h"
#include "ngx_http_vidorigin_purge.h"
#include "vo_path.h"


typedef struct {
    ngx_rbtree_node_t       node;         /* key: crc32 of store and id */
    u_char                  store[NGX_HTTP_VIDORIGIN_TAG_LEN];
    ngx_queue_t             queue;        /* LRU, most recent at the head */
    time_t                  checked;      /* last stat of media.json */
    uint64_t                purge;        /* last purge when checked */
    time_t                  mtime;
    off_t                   size;
    ngx_file_uniq_t         uniq;
    ngx_uint_t              stale;        /* fetched stale (S3 store) */
    vo_media_t              media;        /* media.id is the full key */
} ngx_http_vidorigin_media_node_t;


typedef struct {
    ngx_rbtree_t            rbtree;
    ngx_rbtree_node_t       sentinel;
    ngx_queue_t             lru;
} ngx_http_vidorigin_media_sh_t;


typedef struct {
    ngx_http_vidorigin_media_sh_t  *sh;
    ngx_slab_pool_t                *shpool;
} ngx_http_vidorigin_media_ctx_t;


/* what an entry is looked up by: the request's store and an id */
typedef struct {
    u_char                  store[NGX_HTTP_VIDORIGIN_TAG_LEN];
    vo_str_t               *id;
    uint32_t                hash;
} ngx_http_vidorigin_media_key_t;


static ngx_int_t ngx_http_vidorigin_media_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_vidorigin_media_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_http_vidorigin_media_node_t *ngx_http_vidorigin_media_lookup(
    ngx_http_vidorigin_media_ctx_t *ctx, ngx_http_vidorigin_media_key_t *k);
static ngx_int_t ngx_http_vidorigin_media_cached(
    ngx_http_vidorigin_media_ctx_t *ctx, ngx_http_vidorigin_media_key_t *k,
    time_t now, time_t valid, uint64_t purge, ngx_http_vidorigin_media_t *out,
    ngx_http_vidorigin_media_node_t *known);
static ngx_int_t ngx_http_vidorigin_media_open(ngx_http_request_t *r,
    vo_str_t *id, ngx_str_t *path, ngx_fd_t *fd);
static ngx_int_t ngx_http_vidorigin_media_renew(
    ngx_http_vidorigin_media_ctx_t *ctx, ngx_http_vidorigin_media_key_t *k,
    ngx_http_vidorigin_media_node_t *known, time_t now, uint64_t purge,
    ngx_http_vidorigin_media_t *out);
static ngx_int_t ngx_http_vidorigin_media_read(ngx_http_request_t *r,
    ngx_fd_t fd, ngx_str_t *path, off_t size, vo_media_t *m);
static void ngx_http_vidorigin_media_store(ngx_http_vidorigin_media_ctx_t *ctx,
    ngx_http_vidorigin_media_key_t *k, ngx_http_vidorigin_media_node_t *from,
    vo_media_t *m);
static void ngx_http_vidorigin_media_forget(
    ngx_http_vidorigin_media_ctx_t *ctx, ngx_http_vidorigin_media_key_t *k);
static void ngx_http_vidorigin_media_key(ngx_http_request_t *r, vo_str_t *id,
    ngx_http_vidorigin_media_key_t *k);
static ngx_int_t ngx_http_vidorigin_media_cmp(u_char *store, u_char *id,
    size_t len, ngx_http_vidorigin_media_node_t *node);


ngx_shm_zone_t *
ngx_http_vidorigin_media_zone(ngx_conf_t *cf, ngx_str_t *name, size_t size)
{
    ngx_shm_zone_t                  *zone;
    ngx_http_vidorigin_media_ctx_t  *ctx;

    ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_media_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    zone = ngx_shared_memory_add(cf, name, size, &ngx_http_vidorigin_module);
    if (zone == NULL) {
        return NULL;
    }

    if (zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "duplicate zone \"%V\"", name);
        return NULL;
    }

    zone->init = ngx_http_vidorigin_media_init_zone;
    zone->data = ctx;

    return zone;
}


static ngx_int_t
ngx_http_vidorigin_media_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_vidorigin_media_ctx_t  *octx = data;

    size_t                           len;
    ngx_http_vidorigin_media_ctx_t  *ctx;

    ctx = shm_zone->data;

    if (octx) {
        /* reload: the zone and its entries survive */
        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;
        return NGX_OK;
    }

    ctx->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        ctx->sh = ctx->shpool->data;
        return NGX_OK;
    }

    ctx->sh = ngx_slab_alloc(ctx->shpool,
                             sizeof(ngx_http_vidorigin_media_sh_t));
    if (ctx->sh == NULL) {
        return NGX_ERROR;
    }

    ctx->shpool->data = ctx->sh;

    ngx_rbtree_init(&ctx->sh->rbtree, &ctx->sh->sentinel,
                    ngx_http_vidorigin_media_insert);
    ngx_queue_init(&ctx->sh->lru);

    len = sizeof(" in vidorigin media zone \"\"") + shm_zone->shm.name.len;

    ctx->shpool->log_ctx = ngx_slab_alloc(ctx->shpool, len);
    if (ctx->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(ctx->shpool->log_ctx, " in vidorigin media zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone is normal: entries are evicted, not an error to log */
    ctx->shpool->log_nomem = 0;

    return NGX_OK;
}


static void
ngx_http_vidorigin_media_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t               **p;
    ngx_http_vidorigin_media_node_t  *n, *t;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else { /* node->key == temp->key */
            n = (ngx_http_vidorigin_media_node_t *) node;
            t = (ngx_http_vidorigin_media_node_t *) temp;

            p = (ngx_http_vidorigin_media_cmp(n->store, (u_char *) n->media.id,
                                              ngx_strlen(n->media.id), t)
                 < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


ngx_int_t
ngx_http_vidorigin_media_get(ngx_http_request_t *r, vo_str_t *id,
    ngx_http_vidorigin_media_t *out)
{
    time_t                            now;
    uint64_t                          purge;
    ngx_fd_t                          fd;
    ngx_int_t                         rc, known;
    ngx_str_t                         path;
    ngx_file_info_t                   fi;
    ngx_http_vidorigin_media_ctx_t   *ctx;
    ngx_http_vidorigin_main_conf_t   *vmcf;
    ngx_http_vidorigin_media_key_t    k;
    ngx_http_vidorigin_media_node_t   from;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
    ctx = vmcf->media_zone->data;

    ngx_http_vidorigin_media_key(r, id, &k);
    now = ngx_time();
    purge = ngx_http_vidorigin_purge_last(r);
    out->stale = 0;

    known = ngx_http_vidorigin_media_cached(ctx, &k, now,
                                            vmcf->media_valid, purge, out,
                                            &from);
    if (known == NGX_OK) {
        return NGX_OK;
    }

    rc = ngx_http_vidorigin_media_open(r, id, &path, &fd);

    if (rc != NGX_OK) {
        if (known == NGX_AGAIN) {
            ngx_shmtx_lock(&ctx->shpool->mutex);
            ngx_http_vidorigin_media_forget(ctx, &k);
            ngx_shmtx_unlock(&ctx->shpool->mutex);
        }

        return rc;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_errno,
                      ngx_fd_info_n " \"%V\" failed", &path);
        (void) ngx_close_file(fd);
        return NGX_ERROR;
    }

    if (known == NGX_AGAIN
        && ngx_file_uniq(&fi) == from.uniq
        && ngx_file_mtime(&fi) == from.mtime
        && ngx_file_size(&fi) == from.size
        && ngx_http_vidorigin_media_renew(ctx, &k, &from, now, purge, out)
           == NGX_OK)
    {
        /* unchanged since the last parse: only the check time renewed */
        (void) ngx_close_file(fd);
        return NGX_OK;
    }

    rc = ngx_http_vidorigin_media_read(r, fd, &path, ngx_file_size(&fi),
                                       &out->media);

    (void) ngx_close_file(fd);

    if (rc == NGX_OK
        && (ngx_strlen(out->media.id) != id->len
            || ngx_strncmp(out->media.id, id->data, id->len) != 0))
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "vidorigin: invalid media description \"%V\": "
                      "id \"%s\" does not match its directory",
                      &path, out->media.id);
        rc = NGX_ERROR;
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    if (rc == NGX_OK) {
        from.checked = now;
        from.purge = purge;
        from.mtime = ngx_file_mtime(&fi);
        from.size = ngx_file_size(&fi);
        from.uniq = ngx_file_uniq(&fi);
        from.stale = 0;

        ngx_http_vidorigin_media_store(ctx, &k, &from, &out->media);

    } else {
        ngx_http_vidorigin_media_forget(ctx, &k);
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    out->mtime = ngx_file_mtime(&fi);
    out->checked = now;
    out->stale = 0;

    return rc;
}


/*
 * The entry of id: NGX_OK when it was checked less than valid seconds
 * ago and since the last purge (copied to *out); NGX_AGAIN when it is
 * due for a check (*known: what media.json was when last parsed);
 * NGX_DECLINED when there is none.
 */
static ngx_int_t
ngx_http_vidorigin_media_cached(ngx_http_vidorigin_media_ctx_t *ctx,
    ngx_http_vidorigin_media_key_t *k, time_t now, time_t valid, uint64_t purge,
    ngx_http_vidorigin_media_t *out, ngx_http_vidorigin_media_node_t *known)
{
    ngx_int_t                         rc;
    ngx_http_vidorigin_media_node_t  *node;

    rc = NGX_DECLINED;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    node = ngx_http_vidorigin_media_lookup(ctx, k);

    if (node != NULL) {
        if (now - node->checked < valid && node->purge == purge) {
            ngx_memcpy(&out->media, &node->media, sizeof(vo_media_t));
            out->mtime = node->mtime;
            out->checked = node->checked;

            ngx_queue_remove(&node->queue);
            ngx_queue_insert_head(&ctx->sh->lru, &node->queue);

            rc = NGX_OK;

        } else {
            known->size = node->size;
            known->mtime = node->mtime;
            known->uniq = node->uniq;

            rc = NGX_AGAIN;
        }
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return rc;
}


/* "{store}/{id}/media.json" opened: NGX_OK, NGX_DECLINED when there is
 * none (the video is not ready), NGX_ERROR (logged) */
static ngx_int_t
ngx_http_vidorigin_media_open(ngx_http_request_t *r, vo_str_t *id,
    ngx_str_t *path, ngx_fd_t *fd)
{
    u_char                         *p;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    path->len = vlcf->store.len + 1 + id->len + sizeof("/media.json") - 1;
    path->data = ngx_pnalloc(r->pool, path->len + 1);
    if (path->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(path->data, vlcf->store.data, vlcf->store.len);
    *p++ = '/';
    p = ngx_cpymem(p, id->data, id->len);
    ngx_memcpy(p, "/media.json", sizeof("/media.json"));

    *fd = ngx_open_file(path->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (*fd != NGX_INVALID_FILE) {
        return NGX_OK;
    }

    if (ngx_errno != NGX_ENOENT && ngx_errno != NGX_ENOTDIR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_errno,
                      ngx_open_file_n " \"%V\" failed", path);
        return NGX_ERROR;
    }

    return NGX_DECLINED;
}


/* media.json is as when parsed (*known): the entry counts as checked
 * now, unless it was evicted or replaced meanwhile (NGX_DECLINED) */
static ngx_int_t
ngx_http_vidorigin_media_renew(ngx_http_vidorigin_media_ctx_t *ctx,
    ngx_http_vidorigin_media_key_t *k, ngx_http_vidorigin_media_node_t *known,
    time_t now, uint64_t purge, ngx_http_vidorigin_media_t *out)
{
    ngx_int_t                         rc;
    ngx_http_vidorigin_media_node_t  *node;

    rc = NGX_DECLINED;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    node = ngx_http_vidorigin_media_lookup(ctx, k);

    if (node != NULL && node->uniq == known->uniq
        && node->mtime == known->mtime)
    {
        node->checked = now;
        node->purge = purge;
        ngx_memcpy(&out->media, &node->media, sizeof(vo_media_t));
        out->mtime = node->mtime;
        out->checked = now;

        rc = NGX_OK;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return rc;
}


ngx_int_t
ngx_http_vidorigin_media_fresh(ngx_http_request_t *r, vo_str_t *id,
    ngx_http_vidorigin_media_t *out, ngx_uint_t *due)
{
    time_t                            now;
    ngx_int_t                         rc;
    ngx_http_vidorigin_media_ctx_t   *ctx;
    ngx_http_vidorigin_main_conf_t   *vmcf;
    ngx_http_vidorigin_media_key_t    k;
    ngx_http_vidorigin_media_node_t  *node;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
    ctx = vmcf->media_zone->data;

    ngx_http_vidorigin_media_key(r, id, &k);
    now = ngx_time();
    rc = NGX_DECLINED;
    *due = 0;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    node = ngx_http_vidorigin_media_lookup(ctx, &k);

    if (node != NULL && node->purge == ngx_http_vidorigin_purge_last(r)) {

        if (now - node->checked >= vmcf->media_valid) {
            /* this request refreshes it; others keep using it meanwhile */
            node->checked = now;
            *due = 1;
        }

        ngx_memcpy(&out->media, &node->media, sizeof(vo_media_t));
        out->mtime = node->mtime;
        out->checked = node->checked;
        out->stale = node->stale;

        ngx_queue_remove(&node->queue);
        ngx_queue_insert_head(&ctx->sh->lru, &node->queue);

        rc = NGX_OK;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return rc;
}


ngx_int_t
ngx_http_vidorigin_media_parse(ngx_http_request_t *r, vo_str_t *id,
    u_char *body, size_t len, time_t mtime, ngx_uint_t stale,
    ngx_http_vidorigin_media_t *out)
{
    const char                       *err;
    ngx_http_vidorigin_media_ctx_t   *ctx;
    ngx_http_vidorigin_main_conf_t   *vmcf;
    ngx_http_vidorigin_media_key_t    k;
    ngx_http_vidorigin_media_node_t   from;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
    ctx = vmcf->media_zone->data;

    err = "";

    if (len == 0 || len > VO_MEDIA_FILE_MAX) {
        err = "size out of range";

    } else if (vo_media_parse(body, len, &out->media, &err) == VO_OK) {

        if (ngx_strlen(out->media.id) == id->len
            && ngx_strncmp(out->media.id, id->data, id->len) == 0)
        {
            err = NULL;

        } else {
            err = "id does not match its directory";
        }
    }

    ngx_http_vidorigin_media_key(r, id, &k);

    if (err != NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "vidorigin: invalid media description of \"%*s\" "
                      "from the store: %s", id->len, id->data, err);

        ngx_shmtx_lock(&ctx->shpool->mutex);
        ngx_http_vidorigin_media_forget(ctx, &k);
        ngx_shmtx_unlock(&ctx->shpool->mutex);

        return NGX_ERROR;
    }

    from.checked = ngx_time();
    from.purge = ngx_http_vidorigin_purge_last(r);
    from.mtime = (mtime > 0) ? mtime : from.checked;
    from.size = len;
    from.uniq = 0;
    from.stale = stale;

    ngx_shmtx_lock(&ctx->shpool->mutex);
    ngx_http_vidorigin_media_store(ctx, &k, &from, &out->media);
    ngx_shmtx_unlock(&ctx->shpool->mutex);

    out->mtime = from.mtime;
    out->checked = from.checked;
    out->stale = stale;

    return NGX_OK;
}


void
ngx_http_vidorigin_media_forget_id(ngx_http_request_t *r, vo_str_t *id)
{
    ngx_http_vidorigin_media_ctx_t  *ctx;
    ngx_http_vidorigin_main_conf_t  *vmcf;
    ngx_http_vidorigin_media_key_t   k;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
    ctx = vmcf->media_zone->data;

    ngx_http_vidorigin_media_key(r, id, &k);

    ngx_shmtx_lock(&ctx->shpool->mutex);
    ngx_http_vidorigin_media_forget(ctx, &k);
    ngx_shmtx_unlock(&ctx->shpool->mutex);
}


/* the key of id in the store of r's location */
static void
ngx_http_vidorigin_media_key(ngx_http_request_t *r, vo_str_t *id,
    ngx_http_vidorigin_media_key_t *k)
{
    uint32_t                        crc;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    vlcf = ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    if (vlcf->store_tag.len) {
        ngx_memcpy(k->store, vlcf->store_tag.data,
                   NGX_HTTP_VIDORIGIN_TAG_LEN);

    } else {
        /* no store: all zeros, which no tag (hex digits) is */
        ngx_memzero(k->store, NGX_HTTP_VIDORIGIN_TAG_LEN);
    }

    k->id = id;

    ngx_crc32_init(crc);
    ngx_crc32_update(&crc, k->store, NGX_HTTP_VIDORIGIN_TAG_LEN);
    ngx_crc32_update(&crc, (u_char *) id->data, id->len);
    ngx_crc32_final(crc);

    k->hash = crc;
}


/* (store, id) against an entry's, in the tree's order: <0, 0, >0 */
static ngx_int_t
ngx_http_vidorigin_media_cmp(u_char *store, u_char *id, size_t len,
    ngx_http_vidorigin_media_node_t *node)
{
    ngx_int_t  rc;

    rc = ngx_memcmp(store, node->store, NGX_HTTP_VIDORIGIN_TAG_LEN);

    if (rc != 0) {
        return rc;
    }

    /* ids are NUL-terminated in the node */

    rc = ngx_strncmp(id, node->media.id, len);

    if (rc == 0 && node->media.id[len] != '\0') {
        rc = -1;
    }

    return rc;
}


static ngx_http_vidorigin_media_node_t *
ngx_http_vidorigin_media_lookup(ngx_http_vidorigin_media_ctx_t *ctx,
    ngx_http_vidorigin_media_key_t *k)
{
    ngx_int_t                         rc;
    ngx_rbtree_node_t                *node, *sentinel;
    ngx_http_vidorigin_media_node_t  *mn;

    node = ctx->sh->rbtree.root;
    sentinel = ctx->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (k->hash < node->key) {
            node = node->left;
            continue;
        }

        if (k->hash > node->key) {
            node = node->right;
            continue;
        }

        /* k->hash == node->key: the whole key decides */

        mn = (ngx_http_vidorigin_media_node_t *) node;

        rc = ngx_http_vidorigin_media_cmp(k->store, (u_char *) k->id->data,
                                          k->id->len, mn);

        if (rc == 0) {
            return mn;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


static ngx_int_t
ngx_http_vidorigin_media_read(ngx_http_request_t *r, ngx_fd_t fd,
    ngx_str_t *path, off_t size, vo_media_t *m)
{
    u_char       *buf;
    ssize_t       n;
    const char   *err;
    vo_status_t   rc;

    if (size <= 0 || size > VO_MEDIA_FILE_MAX) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "vidorigin: invalid media description \"%V\": "
                      "size %O", path, size);
        return NGX_ERROR;
    }

    buf = ngx_pnalloc(r->pool, size);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    n = ngx_read_fd(fd, buf, size);

    if (n == -1) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_errno,
                      ngx_read_fd_n " \"%V\" failed", path);
        return NGX_ERROR;
    }

    if (n != size) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "vidorigin: invalid media description \"%V\": "
                      "read %z of %O bytes", path, n, size);
        return NGX_ERROR;
    }

    err = "";
    rc = vo_media_parse(buf, size, m, &err);

    if (rc != VO_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "vidorigin: invalid media description \"%V\": %s",
                      path, err);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* called with the zone locked */
static void
ngx_http_vidorigin_media_store(ngx_http_vidorigin_media_ctx_t *ctx,
    ngx_http_vidorigin_media_key_t *k, ngx_http_vidorigin_media_node_t *from,
    vo_media_t *m)
{
    ngx_uint_t                        i;
    ngx_queue_t                      *q;
    ngx_http_vidorigin_media_node_t  *node;

    node = ngx_http_vidorigin_media_lookup(ctx, k);

    if (node == NULL) {

        /* make room by dropping the least recently used entries */

        for (i = 0; i < 8; i++) {
            node = ngx_slab_alloc_locked(ctx->shpool,
                                 sizeof(ngx_http_vidorigin_media_node_t));
            if (node != NULL || ngx_queue_empty(&ctx->sh->lru)) {
                break;
            }

            q = ngx_queue_last(&ctx->sh->lru);
            node = ngx_queue_data(q, ngx_http_vidorigin_media_node_t, queue);

            ngx_queue_remove(q);
            ngx_rbtree_delete(&ctx->sh->rbtree, &node->node);
            ngx_slab_free_locked(ctx->shpool, node);
            node = NULL;
        }

        if (node == NULL) {
            /* the zone is too small for even one entry: serve uncached */
            return;
        }

        node->node.key = k->hash;
        ngx_memcpy(node->store, k->store, NGX_HTTP_VIDORIGIN_TAG_LEN);
        ngx_memcpy(&node->media, m, sizeof(vo_media_t));
        ngx_rbtree_insert(&ctx->sh->rbtree, &node->node);

    } else {
        ngx_queue_remove(&node->queue);
        ngx_memcpy(&node->media, m, sizeof(vo_media_t));
    }

    ngx_queue_insert_head(&ctx->sh->lru, &node->queue);

    node->checked = from->checked;
    node->purge = from->purge;
    node->mtime = from->mtime;
    node->size = from->size;
    node->uniq = from->uniq;
    node->stale = from->stale;
}


/* called with the zone locked */
static void
ngx_http_vidorigin_media_forget(ngx_http_vidorigin_media_ctx_t *ctx,
    ngx_http_vidorigin_media_key_t *k)
{
    ngx_http_vidorigin_media_node_t  *node;

    node = ngx_http_vidorigin_media_lookup(ctx, k);

    if (node != NULL) {
        ngx_queue_remove(&node->queue);
        ngx_rbtree_delete(&ctx->sh->rbtree, &node->node);
        ngx_slab_free_locked(ctx->shpool, node);
    }
}
