/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The media descriptions "serve" answers from: parsed once, kept per id,
 * revalidated by a stat on every request in a local store; in an s3 one,
 * fetched again (a GET on the HTTP thread, bounded by the s3 timeouts)
 * once TW_MCACHE_S3_TTL has passed, absent ones included.
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
static int tw_media_get_s3(tw_server_t *sv, const vo_str_t *id,
    vo_media_t *m);


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


static int
tw_media_get_s3(tw_server_t *sv, const vo_str_t *id, vo_media_t *m)
{
    int                 rc;
    char                key[VO_ID_MAX + 32];
    size_t              len;
    double              now;
    uint8_t            *buf;
    const char         *err;
    tw_mcache_entry_t  *e;

    e = tw_mcache_entry(sv, id);
    now = tw_clock();

    pthread_mutex_lock(&sv->mcache_mutex);

    if (strlen(e->id) == id->len && memcmp(e->id, id->data, id->len) == 0
        && now - e->fetched < TW_MCACHE_S3_TTL)
    {
        rc = e->missing;
        if (!rc) {
            *m = e->media;
        }
        pthread_mutex_unlock(&sv->mcache_mutex);
        return rc;
    }

    pthread_mutex_unlock(&sv->mcache_mutex);

    if (vo_media_key((vo_str_t *) id, key, sizeof(key)) == 0) {
        return 1;
    }

    rc = tw_store_read(&sv->conf.store, key, VO_MEDIA_FILE_MAX, &buf, &len);
    if (rc < 0) {
        return -2;
    }

    if (rc == 0 && vo_media_parse(buf, len, m, &err) != VO_OK) {
        tw_log(TW_LOG_ERR, "media description \"%s\" invalid: %s", key, err);
        free(buf);
        return -1;
    }

    free(buf);

    pthread_mutex_lock(&sv->mcache_mutex);
    memcpy(e->id, id->data, id->len);
    e->id[id->len] = '\0';
    e->fetched = now;
    e->missing = (rc == 1);
    if (rc == 0) {
        e->media = *m;
    }
    pthread_mutex_unlock(&sv->mcache_mutex);

    return rc;
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
