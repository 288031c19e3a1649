/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The media descriptions "serve" answers from: parsed once, kept per id,
 * revalidated by a stat on every request in a local store; in an s3 one,
 * fetched again once TW_MCACHE_S3_TTL has passed, absent ones included,
 * by TW_MFETCH_THREADS fetch threads: the HTTP threads never wait on S3.
 * The requests for an id that is being fetched wait (suspended) on its
 * one fetch, and are answered together.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "common/tw_clock.h"
#include "common/tw_log.h"
#include "serve/tw_mcache.h"


#define TW_MCACHE_S3_TTL    1.0      /* seconds an s3 description is
                                        trusted */


static tw_mcache_entry_t *tw_mcache_entry(tw_server_t *sv,
    const vo_str_t *id);
static int tw_mcache_fresh(tw_server_t *sv, const vo_str_t *id,
    vo_media_t *m);
static int tw_media_get_s3(tw_server_t *sv, const vo_str_t *id,
    vo_media_t *m);
static void tw_media_answer(tw_server_t *sv, tw_ctx_t *ctx, int rc,
    const vo_media_t *m);
static int tw_media_read_s3(tw_server_t *sv, const char *id, vo_media_t *m);
static void *tw_mfetch_main(void *data);


static tw_mcache_entry_t *
tw_mcache_entry(tw_server_t *sv, const vo_str_t *id)
{
    size_t    i;
    uint32_t  h;

    for (h = 2166136261u, i = 0; i < id->len; i++) {
        h = (h ^ id->data[i]) * 16777619u;
    }

    return &sv->mcache[h % TW_MCACHE_SIZE];
}


/* the cached description of id, if fresh: 0 or 1; TW_MEDIA_FETCH when
 * it must be fetched.  With the mutex held. */
static int
tw_mcache_fresh(tw_server_t *sv, const vo_str_t *id, vo_media_t *m)
{
    tw_mcache_entry_t  *e;

    e = tw_mcache_entry(sv, id);

    if (strlen(e->id) == id->len && memcmp(e->id, id->data, id->len) == 0
        && tw_clock() - e->fetched < TW_MCACHE_S3_TTL)
    {
        if (!e->missing) {
            *m = e->media;
        }
        return e->missing;
    }

    return TW_MEDIA_FETCH;
}


static int
tw_media_get_s3(tw_server_t *sv, const vo_str_t *id, vo_media_t *m)
{
    int  rc;

    pthread_mutex_lock(&sv->mcache_mutex);
    rc = tw_mcache_fresh(sv, id, m);
    pthread_mutex_unlock(&sv->mcache_mutex);

    return rc;
}


void
tw_media_fetch(tw_server_t *sv, tw_ctx_t *ctx, const vo_str_t *id)
{
    int           rc;
    vo_media_t    m;
    tw_mfetch_t  *f;

    pthread_mutex_lock(&sv->mcache_mutex);

    /* fetched meanwhile */
    rc = tw_mcache_fresh(sv, id, &m);
    if (rc != TW_MEDIA_FETCH) {
        pthread_mutex_unlock(&sv->mcache_mutex);
        tw_media_answer(sv, ctx, rc, &m);
        return;
    }

    for (f = sv->mfetches; f; f = f->next) {
        if (strlen(f->id) == id->len && memcmp(f->id, id->data, id->len) == 0)
        {
            break;
        }
    }

    if (f == NULL && !sv->mfetch_quit && sv->nmfetchers
        && sv->nmfetches < TW_MFETCH_MAX)
    {
        f = calloc(1, sizeof(tw_mfetch_t));
        if (f) {
            memcpy(f->id, id->data, id->len);
            f->next = sv->mfetches;
            sv->mfetches = f;
            sv->nmfetches++;
            pthread_cond_signal(&sv->mfetch_cond);
        }
    }

    if (f == NULL) {
        pthread_mutex_unlock(&sv->mcache_mutex);
        tw_media_answer(sv, ctx, TW_MEDIA_BUSY, NULL);
        return;
    }

    ctx->fetch = f;
    ctx->mnext = f->waiters;
    f->waiters = ctx;

    pthread_mutex_unlock(&sv->mcache_mutex);
}


void
tw_media_detach(tw_server_t *sv, tw_ctx_t *ctx)
{
    tw_ctx_t  **pp;

    pthread_mutex_lock(&sv->mcache_mutex);

    if (ctx->fetch) {
        for (pp = &ctx->fetch->waiters; *pp; pp = &(*pp)->mnext) {
            if (*pp == ctx) {
                *pp = ctx->mnext;
                break;
            }
        }
        ctx->fetch = NULL;
    }

    pthread_mutex_unlock(&sv->mcache_mutex);

    free(ctx->media);
    ctx->media = NULL;
}


/* ctx gets rc (and m when 0) and is resumed; not under the mutex */
static void
tw_media_answer(tw_server_t *sv, tw_ctx_t *ctx, int rc, const vo_media_t *m)
{
    if (rc == 0) {
        ctx->media = malloc(sizeof(vo_media_t));
        if (ctx->media == NULL) {
            rc = -1;
        } else {
            *ctx->media = *m;
        }
    }

    ctx->mrc = rc;
    ctx->mfetched = 1;
    ctx->mready = 1;
    sv->resume(ctx);
}


/* media.json of id from the store (the thread waits on S3): 0, 1, -1 or
 * -2 as tw_media_get() */
static int
tw_media_read_s3(tw_server_t *sv, const char *id, vo_media_t *m)
{
    int          rc;
    char         key[VO_ID_MAX + 32];
    size_t       len;
    uint8_t     *buf;
    vo_str_t     s;
    const char  *err;

    s.data = (const u_char *) id;
    s.len = strlen(id);

    if (vo_media_key(&s, key, sizeof(key)) == 0) {
        return 1;
    }

    rc = tw_store_read(&sv->conf.store, key, VO_MEDIA_FILE_MAX, &buf, &len);
    if (rc < 0) {
        tw_log(TW_LOG_ERR, "media description \"%s\" unreadable from the "
               "store", key);
        return -2;
    }

    if (rc == 0 && vo_media_parse(buf, len, m, &err) != VO_OK) {
        tw_log(TW_LOG_ERR, "media description \"%s\" invalid: %s", key, err);
        rc = -1;
    }

    free(buf);

    return rc;
}


/*
 * A fetch thread: takes a pending fetch, reads media.json, caches what
 * it found (a description, or its absence; a failure is not cached: the
 * next request tries again) and answers every request waiting for it.
 */
static void *
tw_mfetch_main(void *data)
{
    int                 rc;
    double              now;
    vo_str_t            id;
    vo_media_t          m;
    tw_ctx_t           *w, *next;
    tw_mfetch_t        *f, **pp;
    tw_server_t        *sv = data;
    tw_mcache_entry_t  *e;

    pthread_mutex_lock(&sv->mcache_mutex);

    for ( ;; ) {
        for (f = sv->mfetches; f && f->running; f = f->next) {
            /* void */
        }

        if (f == NULL) {
            if (sv->mfetch_quit) {
                break;
            }
            pthread_cond_wait(&sv->mfetch_cond, &sv->mcache_mutex);
            continue;
        }

        f->running = 1;
        pthread_mutex_unlock(&sv->mcache_mutex);

        rc = sv->mfetch_quit ? TW_MEDIA_BUSY : tw_media_read_s3(sv, f->id, &m);
        now = tw_clock();

        id.data = (const u_char *) f->id;
        id.len = strlen(f->id);

        pthread_mutex_lock(&sv->mcache_mutex);

        if (rc == 0 || rc == 1) {
            e = tw_mcache_entry(sv, &id);
            strcpy(e->id, f->id);
            e->fetched = now;
            e->missing = (rc == 1);
            if (rc == 0) {
                e->media = m;
            }
        }

        for (pp = &sv->mfetches; *pp != f; pp = &(*pp)->next) {
            /* void */
        }
        *pp = f->next;
        sv->nmfetches--;

        for (w = f->waiters; w; w = w->mnext) {
            w->fetch = NULL;
        }

        pthread_mutex_unlock(&sv->mcache_mutex);

        /* next read first: a resumed request may be freed at once */
        for (w = f->waiters; w; w = next) {
            next = w->mnext;
            tw_media_answer(sv, w, rc, &m);
        }

        free(f);

        pthread_mutex_lock(&sv->mcache_mutex);
    }

    pthread_mutex_unlock(&sv->mcache_mutex);

    return NULL;
}


int
tw_mcache_start(tw_server_t *sv)
{
    if (tw_store_is_local(&sv->conf.store)) {
        return 0;
    }

    while (sv->nmfetchers < TW_MFETCH_THREADS) {
        if (pthread_create(&sv->mfetch_tid[sv->nmfetchers], NULL,
                           tw_mfetch_main, sv) != 0)
        {
            tw_log(TW_LOG_ERR, "cannot start a media description fetch "
                   "thread");
            return -1;
        }
        sv->nmfetchers++;
    }

    return 0;
}


void
tw_mcache_stop(tw_server_t *sv)
{
    uint32_t  i;

    pthread_mutex_lock(&sv->mcache_mutex);
    sv->mfetch_quit = 1;
    pthread_cond_broadcast(&sv->mfetch_cond);
    pthread_mutex_unlock(&sv->mcache_mutex);

    for (i = 0; i < sv->nmfetchers; i++) {
        pthread_join(sv->mfetch_tid[i], NULL);
    }

    sv->nmfetchers = 0;
}


/*
 * The media description of id, from a small cache (one entry per hash
 * bucket) validated by the file's inode, size and mtime on every call:
 * a re-packaged video (media.json renamed into place) is seen at once.
 * 0, 1 when the video is not packaged, -1 (logged) when the file is
 * unreadable or invalid.
 */
int
tw_media_get(tw_server_t *sv, const vo_str_t *id, vo_media_t *m)
{
    int                 fd, rc;
    char                path[PATH_MAX];
    size_t              have;
    ssize_t             n;
    uint8_t            *buf;
    const char         *err;
    struct stat         st;
    tw_mcache_entry_t  *e;

    if (!tw_store_is_local(&sv->conf.store)) {
        return tw_media_get_s3(sv, id, m);
    }

    snprintf(path, sizeof(path), "%s/%.*s/media.json", sv->conf.store.root,
             (int) id->len, id->data);

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        if (errno == ENOENT) {
            return 1;
        }
        tw_log(TW_LOG_ERR, "open \"%s\" failed: %s", path, strerror(errno));
        return -1;
    }

    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }

    e = tw_mcache_entry(sv, id);

    pthread_mutex_lock(&sv->mcache_mutex);

    if (strlen(e->id) == id->len && memcmp(e->id, id->data, id->len) == 0
        && e->ino == (uint64_t) st.st_ino && e->size == (uint64_t) st.st_size
        && e->mtime_ns == (int64_t) st.st_mtim.tv_sec * 1000000000
                          + st.st_mtim.tv_nsec)
    {
        *m = e->media;
        pthread_mutex_unlock(&sv->mcache_mutex);
        close(fd);
        return 0;
    }

    pthread_mutex_unlock(&sv->mcache_mutex);

    rc = -1;
    buf = NULL;

    if (st.st_size > VO_MEDIA_FILE_MAX) {
        tw_log(TW_LOG_ERR, "\"%s\" larger than %d bytes", path,
               VO_MEDIA_FILE_MAX);
        goto end;
    }

    buf = malloc(st.st_size + 1);
    if (buf == NULL) {
        goto end;
    }

    for (have = 0; have < (size_t) st.st_size; have += n) {
        n = read(fd, buf + have, st.st_size - have);
        if (n <= 0) {
            tw_log(TW_LOG_ERR, "read \"%s\" failed: %s", path,
                   n == 0 ? "short read" : strerror(errno));
            goto end;
        }
    }

    if (vo_media_parse(buf, have, m, &err) != VO_OK) {
        tw_log(TW_LOG_ERR, "media description \"%s\" invalid: %s", path,
               err);
        goto end;
    }

    pthread_mutex_lock(&sv->mcache_mutex);
    memcpy(e->id, id->data, id->len);
    e->id[id->len] = '\0';
    e->ino = st.st_ino;
    e->size = st.st_size;
    e->mtime_ns = (int64_t) st.st_mtim.tv_sec * 1000000000
                  + st.st_mtim.tv_nsec;
    e->media = *m;
    pthread_mutex_unlock(&sv->mcache_mutex);

    rc = 0;

end:

    free(buf);
    close(fd);

    return rc;
}
