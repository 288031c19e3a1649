/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * Purge by prefix with generations (the design is in vo/vo_purge.h).
 *
 * The generations live in a shared zone (a red-black tree of purged
 * prefixes keyed by crc32), so a purge made by one worker is seen by the
 * next request of every worker, and the zone survives "nginx -s reload".
 * The journal file rebuilds it when nginx starts: a disk cache outlives
 * a restart, and an entry purged before it must stay unreachable after.
 *
 * $vidorigin_cache_key is "<generation>:<store>:<uri>", the generation
 * being the largest among the URI's ancestors and the store the tag of
 * the playback location's store (ngx_http_vidorigin.h; the location that
 * handed the request on to this one, or this one; empty without a
 * store); put it in proxy_cache_key.  Until the first purge the zone is
 * empty and the lookup takes no lock.
 *
 * A prefix is kept for the lifetime (vidorigin_purge lifetime=, by
 * default the longest inactive= of the http{} cache paths, plus a
 * minute): an entry cached before the purge is no longer in any cache
 * by then (it is never asked for again under its old key, so its
 * cache's inactive= removes it), so forgetting the prefix cannot bring
 * it back.  When the zone has no room for a new prefix, the prefixes
 * past their lifetime are freed; only when there is still none is its
 * parent purged instead (up to "/", which is always there): more is
 * purged, never less, and the status says so.  A restart starts every
 * prefix's lifetime anew (nginx's cache loader gives every entry it
 * finds a new inactive= period).
 *
 * The journal's lines are in generation order (the start and the purger
 * rely on it) and a generation is given once: a purge holds the
 * journal's own lock (a POSIX record lock, which the kernel drops if the
 * worker dies) while it takes the next generation in the zone and writes
 * its line; the zone's mutex, which every request's $vidorigin_cache_key
 * takes, is held only to take the generation and, once the line is
 * kept, to apply it.  A slow journal delays purges, not requests.  A
 * line not written, or a worker that dies before applying its purge,
 * leaves a generation unused (applied at the next start if its line was
 * written), never used twice.
 */

#include "ngx_http_vidorigin_purge.h"
#include "ngx_http_vidorigin_fetch.h"
#include "vo_purge.h"


typedef struct {
    ngx_rbtree_node_t       node;         /* key: crc32 of the prefix */
    uint64_t                generation;
    time_t                  purged;       /* its lifetime starts here */
    u_short                 len;
    u_char                  data[1];
} ngx_http_vidorigin_purge_node_t;


typedef struct {
    ngx_rbtree_t            rbtree;
    ngx_rbtree_node_t       sentinel;
    ngx_atomic_t            generation;   /* the last one given */
    ngx_atomic_t            prefixes;     /* nodes in the tree */
    ngx_atomic_t            purges;       /* since the zone was made */
    ngx_atomic_t            broadened;    /* purges widened for room */
    ngx_atomic_t            expired;      /* prefixes freed */
    ngx_http_vidorigin_purge_node_t  *root;

    /* the last purge broadened: what was asked, how much was purged */
    time_t                  last_broadened;
    u_short                 last_requested_len;
    u_short                 last_purged_len;
    u_char                  last_requested[VO_PURGE_PREFIX_MAX];
} ngx_http_vidorigin_purge_sh_t;


struct ngx_http_vidorigin_purge_s {
    ngx_http_vidorigin_purge_sh_t  *sh;
    ngx_slab_pool_t                *shpool;
    ngx_str_t                       journal;
    ngx_open_file_t                *file;     /* the journal, appended to */
    ngx_str_t                       cdn_status;
    time_t                          lifetime; /* of a prefix; 0: forever */
};


typedef struct {
    ngx_http_vidorigin_purge_t     *purge;
    uint64_t                        max;
} ngx_http_vidorigin_purge_walk_t;


static ngx_int_t ngx_http_vidorigin_purge_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_vidorigin_purge_load(ngx_http_vidorigin_purge_t *pz,
    ngx_log_t *log);
static void ngx_http_vidorigin_purge_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_http_vidorigin_purge_node_t *ngx_http_vidorigin_purge_lookup(
    ngx_http_vidorigin_purge_t *pz, const u_char *p, size_t len);
static ngx_http_vidorigin_purge_node_t *ngx_http_vidorigin_purge_node(
    ngx_http_vidorigin_purge_t *pz, const u_char *p, size_t *len);
static ngx_uint_t ngx_http_vidorigin_purge_expire(
    ngx_http_vidorigin_purge_t *pz);
static ngx_int_t ngx_http_vidorigin_purge_write(ngx_http_request_t *r,
    ngx_http_vidorigin_purge_t *pz, vo_purge_entry_t *e);
static int ngx_http_vidorigin_purge_visit(void *data, const u_char *p,
    size_t len);
static ngx_int_t ngx_http_vidorigin_cache_key_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_str_t  ngx_http_vidorigin_cache_key_var =
    ngx_string("vidorigin_cache_key");


ngx_http_vidorigin_purge_t *
ngx_http_vidorigin_purge_zone(ngx_conf_t *cf, ngx_str_t *name, size_t size,
    ngx_str_t *journal, ngx_str_t *cdn_status, time_t lifetime)
{
    ngx_shm_zone_t              *zone;
    ngx_http_vidorigin_purge_t  *pz;

    pz = ngx_pcalloc(cf->pool, sizeof(ngx_http_vidorigin_purge_t));
    if (pz == NULL) {
        return NULL;
    }

    pz->journal = *journal;
    pz->cdn_status = *cdn_status;
    pz->lifetime = lifetime;

    if (ngx_conf_full_name(cf->cycle, &pz->journal, 0) != NGX_OK) {
        return NULL;
    }

    /*
     * Opened by the master like an access log (appending, created if
     * needed, reopened and given to the worker user on "nginx -s
     * reopen"): workers need no write permission on its directory.
     */

    pz->file = ngx_conf_open_file(cf->cycle, &pz->journal);
    if (pz->file == NULL) {
        return NULL;
    }

    if (pz->cdn_status.len
        && ngx_conf_full_name(cf->cycle, &pz->cdn_status, 0) != NGX_OK)
    {
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

    zone->init = ngx_http_vidorigin_purge_init_zone;
    zone->data = pz;

    return pz;
}


ngx_int_t
ngx_http_vidorigin_purge_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &ngx_http_vidorigin_cache_key_var,
                                NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_vidorigin_cache_key_variable;

    return NGX_OK;
}


static ngx_int_t
ngx_http_vidorigin_purge_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_vidorigin_purge_t  *opz = data;

    size_t                       len;
    ngx_http_vidorigin_purge_t  *pz;

    pz = shm_zone->data;

    if (opz) {
        /* reload: the generations survive with the zone */
        pz->sh = opz->sh;
        pz->shpool = opz->shpool;
        return NGX_OK;
    }

    pz->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        pz->sh = pz->shpool->data;
        return NGX_OK;
    }

    pz->sh = ngx_slab_alloc(pz->shpool,
                            sizeof(ngx_http_vidorigin_purge_sh_t));
    if (pz->sh == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(pz->sh, sizeof(ngx_http_vidorigin_purge_sh_t));
    pz->shpool->data = pz->sh;

    ngx_rbtree_init(&pz->sh->rbtree, &pz->sh->sentinel,
                    ngx_http_vidorigin_purge_insert);

    len = sizeof(" in vidorigin purge zone \"\"") + shm_zone->shm.name.len;

    pz->shpool->log_ctx = ngx_slab_alloc(pz->shpool, len);
    if (pz->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(pz->shpool->log_ctx, " in vidorigin purge zone \"%V\"%Z",
                &shm_zone->shm.name);

    pz->shpool->log_nomem = 0;

    /* "/" first, so that every purge has somewhere to go */

    len = 1;
    pz->sh->root = ngx_http_vidorigin_purge_node(pz, (u_char *) "/", &len);
    if (pz->sh->root == NULL) {
        return NGX_ERROR;
    }

    ngx_http_vidorigin_purge_load(pz, shm_zone->shm.log);

    return NGX_OK;
}


/* the journal, at start: every line's prefix gets its generation */
static void
ngx_http_vidorigin_purge_load(ngx_http_vidorigin_purge_t *pz, ngx_log_t *log)
{
    u_char                           *buf, *p, *last, *nl;
    size_t                            len;
    ssize_t                           n;
    ngx_fd_t                          fd;
    ngx_uint_t                        lines, bad;
    const char                       *err;
    ngx_file_info_t                   fi;
    vo_purge_entry_t                  e;
    ngx_http_vidorigin_purge_sh_t    *sh;
    ngx_http_vidorigin_purge_node_t  *node;

    sh = pz->sh;

    fd = ngx_open_file(pz->journal.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        if (ngx_errno != NGX_ENOENT) {
            ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                          ngx_open_file_n " \"%V\" failed: every cached "
                          "entry is purged instead", &pz->journal);
            sh->generation = 1;
            sh->root->generation = 1;
        }

        return;
    }

    buf = NULL;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR
        || (buf = ngx_alloc(ngx_file_size(&fi) + 1, log)) == NULL)
    {
        goto failed;
    }

    n = ngx_read_fd(fd, buf, ngx_file_size(&fi));

    if (n != (ssize_t) ngx_file_size(&fi)) {
        goto failed;
    }

    lines = 0;
    bad = 0;
    last = buf + n;

    for (p = buf; p < last; p = nl + 1) {

        nl = ngx_strlchr(p, last, '\n');

        if (nl == NULL) {
            /* a line being written when nginx stopped: never applied */
            break;
        }

        if (vo_purge_parse_line(p, nl - p, &e, &err) != VO_OK
            || e.generation <= sh->generation)
        {
            if (bad++ == 0) {
                ngx_log_error(NGX_LOG_WARN, log, 0,
                              "vidorigin: purge journal \"%V\": line %ui "
                              "skipped: %s", &pz->journal, lines + 1,
                              e.generation <= sh->generation
                              ? "generation out of order" : err);
            }

            lines++;
            continue;
        }

        len = e.prefix.len;
        node = ngx_http_vidorigin_purge_node(pz, e.prefix.data, &len);

        node->generation = e.generation;
        node->purged = ngx_time();
        sh->generation = e.generation;
        lines++;
    }

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "vidorigin: purge journal \"%V\": %ui purges, %ui skipped, "
                  "generation %uA", &pz->journal, lines - bad, bad,
                  sh->generation);

    ngx_free(buf);
    (void) ngx_close_file(fd);
    return;

failed:

    ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                  "vidorigin: purge journal \"%V\" unreadable: every "
                  "cached entry is purged instead", &pz->journal);

    sh->generation++;
    sh->root->generation = sh->generation;

    if (buf) {
        ngx_free(buf);
    }

    (void) ngx_close_file(fd);
}


static void
ngx_http_vidorigin_purge_insert(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t                **p;
    ngx_http_vidorigin_purge_node_t   *n, *t;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else {
            n = (ngx_http_vidorigin_purge_node_t *) node;
            t = (ngx_http_vidorigin_purge_node_t *) temp;

            p = (ngx_memn2cmp(n->data, t->data, n->len, t->len) < 0)
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


/* called with the zone locked */
static ngx_http_vidorigin_purge_node_t *
ngx_http_vidorigin_purge_lookup(ngx_http_vidorigin_purge_t *pz,
    const u_char *p, size_t len)
{
    uint32_t                          hash;
    ngx_int_t                         rc;
    ngx_rbtree_node_t                *node, *sentinel;
    ngx_http_vidorigin_purge_node_t  *pn;

    hash = ngx_crc32_short((u_char *) p, len);

    node = pz->sh->rbtree.root;
    sentinel = pz->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash != node->key) {
            node = (hash < node->key) ? node->left : node->right;
            continue;
        }

        pn = (ngx_http_vidorigin_purge_node_t *) node;
        rc = ngx_memn2cmp((u_char *) p, pn->data, len, pn->len);

        if (rc == 0) {
            return pn;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


/*
 * The node of prefix p (made if needed), called with the zone locked (or
 * at start).  When there is no room, the node of the closest ancestor
 * that has one or gets one; *len becomes that prefix's length.  Only
 * NULL when even "/" cannot be made (at zone creation).
 */
static ngx_http_vidorigin_purge_node_t *
ngx_http_vidorigin_purge_node(ngx_http_vidorigin_purge_t *pz,
    const u_char *p, size_t *len)
{
    ngx_uint_t                        swept;
    ngx_http_vidorigin_purge_node_t  *node;

    swept = 0;

    for ( ;; ) {
        node = ngx_http_vidorigin_purge_lookup(pz, p, *len);

        if (node != NULL) {
            return node;
        }

        node = ngx_slab_alloc_locked(pz->shpool,
                      offsetof(ngx_http_vidorigin_purge_node_t, data) + *len);

        if (node != NULL) {
            break;
        }

        /* room made by the prefixes past their lifetime, once */

        if (!swept) {
            swept = 1;

            if (ngx_http_vidorigin_purge_expire(pz)) {
                continue;
            }
        }

        if (*len <= 1) {
            return NULL;
        }

        *len = vo_purge_parent(p, *len);
    }

    node->node.key = ngx_crc32_short((u_char *) p, *len);
    node->generation = 0;
    node->purged = ngx_time();
    node->len = (u_short) *len;
    ngx_memcpy(node->data, p, *len);

    ngx_rbtree_insert(&pz->sh->rbtree, &node->node);
    pz->sh->prefixes++;

    return node;
}


/*
 * Frees the prefixes whose lifetime is over, "/" excepted (called with
 * the zone locked); how many.  An entry cached under such a prefix
 * before its purge is gone from the caches by now, so the generation
 * its keys fall back to (an ancestor's) finds nothing old.
 */
static ngx_uint_t
ngx_http_vidorigin_purge_expire(ngx_http_vidorigin_purge_t *pz)
{
    time_t                            before;
    ngx_uint_t                        n;
    ngx_rbtree_t                     *tree;
    ngx_rbtree_node_t                *node, *next;
    ngx_http_vidorigin_purge_node_t  *pn;

    if (pz->lifetime == 0 || pz->sh->rbtree.root == pz->sh->rbtree.sentinel) {
        return 0;
    }

    tree = &pz->sh->rbtree;
    before = ngx_time() - pz->lifetime;
    n = 0;

    for (node = ngx_rbtree_min(tree->root, tree->sentinel);
         node != NULL;
         node = next)
    {
        next = ngx_rbtree_next(tree, node);
        pn = (ngx_http_vidorigin_purge_node_t *) node;

        if (pn == pz->sh->root || pn->purged >= before) {
            continue;
        }

        ngx_rbtree_delete(tree, node);
        ngx_slab_free_locked(pz->shpool, pn);
        n++;
    }

    pz->sh->prefixes -= n;
    pz->sh->expired += n;

    return n;
}


uint64_t
ngx_http_vidorigin_purge_generation(ngx_http_request_t *r, u_char *path,
    size_t len)
{
    ngx_http_vidorigin_purge_t       *pz;
    ngx_http_vidorigin_purge_walk_t   walk;
    ngx_http_vidorigin_main_conf_t   *vmcf;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
    pz = vmcf->purge;

    if (pz == NULL || pz->sh->generation == 0) {
        return 0;
    }

    if (len == 0 || path[0] != '/') {
        return pz->sh->generation;
    }

    walk.purge = pz;
    walk.max = 0;

    ngx_shmtx_lock(&pz->shpool->mutex);
    vo_purge_ancestors(path, len, ngx_http_vidorigin_purge_visit, &walk);
    ngx_shmtx_unlock(&pz->shpool->mutex);

    return walk.max;
}


uint64_t
ngx_http_vidorigin_purge_last(ngx_http_request_t *r)
{
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);

    return vmcf->purge ? vmcf->purge->sh->generation : 0;
}


static int
ngx_http_vidorigin_purge_visit(void *data, const u_char *p, size_t len)
{
    ngx_http_vidorigin_purge_walk_t  *walk = data;

    ngx_http_vidorigin_purge_node_t  *node;

    node = ngx_http_vidorigin_purge_lookup(walk->purge, p, len);

    if (node != NULL && node->generation > walk->max) {
        walk->max = node->generation;
    }

    return 0;
}


static ngx_int_t
ngx_http_vidorigin_cache_key_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                         *p;
    uint64_t                        gen;
    ngx_http_vidorigin_fetch_t     *f;
    ngx_http_vidorigin_loc_conf_t  *vlcf;

    gen = ngx_http_vidorigin_purge_generation(r, r->uri.data, r->uri.len);

    /* the store is the playback location's, also in the location it
     * handed the request to (just in time, S3) */

    f = ngx_http_vidorigin_fetch_get(r);
    vlcf = f ? f->vlcf
             : ngx_http_get_module_loc_conf(r, ngx_http_vidorigin_module);

    p = ngx_pnalloc(r->pool, NGX_INT64_LEN + 1 + NGX_HTTP_VIDORIGIN_TAG_LEN
                             + 1 + r->uri.len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;
    v->len = ngx_sprintf(p, "%uL:%V:%V", gen, &vlcf->store_tag, &r->uri)
             - p;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


ngx_int_t
ngx_http_vidorigin_purge(ngx_http_request_t *r, ngx_str_t *prefix,
    ngx_http_vidorigin_purge_result_t *res)
{
    u_char                            line[VO_PURGE_PREFIX_MAX];
    size_t                            len;
    ngx_fd_t                          fd;
    ngx_err_t                         err;
    ngx_time_t                       *tp;
    vo_purge_entry_t                  e;
    ngx_http_vidorigin_purge_t       *pz;
    ngx_http_vidorigin_purge_sh_t    *sh;
    ngx_http_vidorigin_purge_node_t  *node;
    ngx_http_vidorigin_main_conf_t   *vmcf;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
    pz = vmcf->purge;
    sh = pz->sh;
    fd = pz->file->fd;

    /* the journal's lock: one purge at a time takes a generation and
     * writes its line, so that the lines are in order */

    while ((err = ngx_lock_fd(fd)) == NGX_EINTR) { /* void */ }

    if (err) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, err,
                      ngx_lock_fd_n " on purge journal \"%V\" failed",
                      &pz->journal);
        return NGX_ERROR;
    }

    /* the generation is taken (given once) and the node made */

    ngx_shmtx_lock(&pz->shpool->mutex);

    len = prefix->len;
    node = ngx_http_vidorigin_purge_node(pz, prefix->data, &len);
    node->purged = ngx_time();

    e.generation = ++sh->generation;
    ngx_memcpy(line, node->data, node->len);
    e.prefix.data = line;
    e.prefix.len = node->len;

    ngx_shmtx_unlock(&pz->shpool->mutex);

    /* the journal first: a purge it does not keep is not made */

    tp = ngx_timeofday();
    e.time_ms = (uint64_t) tp->sec * 1000 + tp->msec;

    if (ngx_http_vidorigin_purge_write(r, pz, &e) != NGX_OK) {
        (void) ngx_unlock_fd(fd);
        return NGX_ERROR;
    }

    (void) ngx_unlock_fd(fd);

    /* applied: found again (a slow write may have outlived the node),
     * never lowered (a later purge of it may have been applied first) */

    ngx_shmtx_lock(&pz->shpool->mutex);

    node = ngx_http_vidorigin_purge_node(pz, prefix->data, &len);

    if (node->generation < e.generation) {
        node->generation = e.generation;
    }

    node->purged = ngx_time();
    sh->purges++;

    if (len != prefix->len) {
        sh->broadened++;
        sh->last_broadened = ngx_time();
        sh->last_requested_len = (u_short) prefix->len;
        sh->last_purged_len = (u_short) len;
        ngx_memcpy(sh->last_requested, prefix->data, prefix->len);
    }

    ngx_shmtx_unlock(&pz->shpool->mutex);

    res->generation = e.generation;
    res->purged.len = len;
    res->purged.data = prefix->data;

    if (len != prefix->len) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "vidorigin: purge zone full: \"%V\" purged as "
                      "\"%V\"", prefix, &res->purged);
    }

    return NGX_OK;
}


/* e's line appended to the journal (its lock held); a torn line cut off */
static ngx_int_t
ngx_http_vidorigin_purge_write(ngx_http_request_t *r,
    ngx_http_vidorigin_purge_t *pz, vo_purge_entry_t *e)
{
    u_char            line[VO_PURGE_LINE_MAX];
    size_t            n;
    ssize_t           written;
    ngx_err_t         err;
    ngx_file_info_t   fi;

    n = vo_purge_line(e, line);

    written = ngx_write_fd(pz->file->fd, line, n);
    err = ngx_errno;

    if (written == (ssize_t) n) {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_ERR, r->connection->log, written == -1 ? err : 0,
                  "vidorigin: write to purge journal \"%V\" failed: "
                  "generation %uL not used", &pz->journal, e->generation);

    /* a torn line would glue onto the next one: cut it off */

    if (written > 0 && ngx_fd_info(pz->file->fd, &fi) != NGX_FILE_ERROR) {
        (void) ftruncate(pz->file->fd, ngx_file_size(&fi) - written);
    }

    return NGX_ERROR;
}


void
ngx_http_vidorigin_purge_stats(ngx_http_request_t *r,
    ngx_http_vidorigin_purge_stats_t *st)
{
    ngx_http_vidorigin_purge_t      *pz;
    ngx_http_vidorigin_main_conf_t  *vmcf;

    vmcf = ngx_http_get_module_main_conf(r, ngx_http_vidorigin_module);
    pz = vmcf->purge;

    st->generation = pz->sh->generation;
    st->prefixes = pz->sh->prefixes;
    st->purges = pz->sh->purges;
    st->broadened = pz->sh->broadened;
    st->expired = pz->sh->expired;
    st->lifetime = pz->lifetime;
    st->cdn_status = pz->cdn_status;
    st->last_broadened = 0;
    ngx_str_null(&st->last_requested);
    ngx_str_null(&st->last_purged);

    if (pz->sh->broadened == 0) {
        return;
    }

    st->last_requested.data = ngx_pnalloc(r->pool, VO_PURGE_PREFIX_MAX);
    if (st->last_requested.data == NULL) {
        return;
    }

    ngx_shmtx_lock(&pz->shpool->mutex);

    st->last_broadened = pz->sh->last_broadened;
    st->last_requested.len = pz->sh->last_requested_len;
    ngx_memcpy(st->last_requested.data, pz->sh->last_requested,
               pz->sh->last_requested_len);
    st->last_purged.data = st->last_requested.data;
    st->last_purged.len = pz->sh->last_purged_len;

    ngx_shmtx_unlock(&pz->shpool->mutex);
}


void
ngx_http_vidorigin_purge_set_lifetime(ngx_http_vidorigin_purge_t *pz,
    time_t lifetime)
{
    if (pz->lifetime == NGX_CONF_UNSET) {
        pz->lifetime = lifetime;
    }
}


/*
 * The lifetime of a prefix when vidorigin_purge has no lifetime=: the
 * longest inactive= of the proxy, fastcgi, uwsgi and scgi cache paths
 * (the caches that $vidorigin_cache_key can key), plus a minute for the
 * cache manager to remove what is past it; 0 (kept forever) without any.
 */
time_t
ngx_http_vidorigin_purge_cache_lifetime(ngx_conf_t *cf)
{
    time_t                   max;
    ngx_uint_t               i, m, k;
    ngx_list_part_t         *part;
    ngx_shm_zone_t          *zone;
    ngx_module_t            *caching[4];
    ngx_http_file_cache_t   *cache;
    static const char       *names[] = {
        "ngx_http_proxy_module", "ngx_http_fastcgi_module",
        "ngx_http_uwsgi_module", "ngx_http_scgi_module"
    };

    /* the modules whose shared zones are file caches (a zone's tag is
     * the module that made it; found by name, so that none is needed) */

    k = 0;

    for (m = 0; cf->cycle->modules[m]; m++) {
        for (i = 0; i < 4; i++) {
            if (ngx_strcmp(cf->cycle->modules[m]->name, names[i]) == 0) {
                caching[k++] = cf->cycle->modules[m];
                break;
            }
        }
    }

    max = -1;
    part = &cf->cycle->shared_memory.part;
    zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            zone = part->elts;
            i = 0;
        }

        for (m = 0; m < k; m++) {
            if (zone[i].tag == caching[m] && zone[i].data) {
                cache = zone[i].data;

                if (cache->inactive > max) {
                    max = cache->inactive;
                }
            }
        }
    }

    return max < 0 ? 0 : max + 60;
}
