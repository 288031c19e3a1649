/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The store interface (tw_store.h): the local directory here, and the
 * dispatch of every operation to tw_store_s3.c for an s3 store.
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "common/tw_log.h"
#include "store/tw_store.h"
#include "store/tw_store_s3.h"


static int tw_atomic_write(const char *path, const void *data, size_t len,
    int src_fd);
static int tw_write_all(int fd, const void *data, size_t len);
static int tw_fsync_dir(const char *dir);
static int tw_remove_tree(const char *path);


static unsigned long  tw_tmp_seq;


int
tw_store_path(const tw_store_t *st, const char *key, char *buf, size_t size)
{
    int  n;

    /* keys come from vo_request_key() or the packager, never from a
     * client, but refuse anything that could escape the root anyway */
    if (key[0] == '/' || strstr(key, "..") != NULL) {
        tw_log(TW_LOG_ERR, "store key \"%s\" refused", key);
        return -1;
    }

    if (st->kind != TW_STORE_LOCAL) {
        tw_log(TW_LOG_ERR, "no local path for \"%s\" in an s3 store", key);
        return -1;
    }

    n = snprintf(buf, size, "%s/%s", st->root, key);
    if (n < 0 || (size_t) n >= size) {
        tw_log(TW_LOG_ERR, "store path too long for key \"%s\"", key);
        return -1;
    }

    return 0;
}


int
tw_mkdir_p(const char *path)
{
    char    buf[PATH_MAX];
    char   *p;
    size_t  len;

    len = strlen(path);
    if (len == 0 || len >= sizeof(buf)) {
        tw_log(TW_LOG_ERR, "bad directory \"%s\"", path);
        return -1;
    }

    memcpy(buf, path, len + 1);

    for (p = buf + 1; ; p++) {
        if (*p != '/' && *p != '\0') {
            continue;
        }

        if (p[-1] != '/') {
            *p = '\0';
            if (mkdir(buf, 0755) == -1 && errno != EEXIST) {
                tw_log(TW_LOG_ERR, "mkdir(\"%s\") failed: %s", buf,
                       strerror(errno));
                return -1;
            }
            *p = '/';
        }

        if (p == buf + len) {
            break;
        }
    }

    return 0;
}


static int
tw_write_all(int fd, const void *data, size_t len)
{
    const char  *p;
    ssize_t      n;

    p = data;

    while (len) {
        n = write(fd, p, len);
        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += n;
        len -= n;
    }

    return 0;
}


static int
tw_fsync_dir(const char *dir)
{
    int  fd, rc;

    fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd == -1) {
        return -1;
    }

    rc = fsync(fd);
    close(fd);

    return rc;
}


/* writes data (or the whole of src_fd when data is NULL) to path via a
 * temporary file in the same directory */
static int
tw_atomic_write(const char *path, const void *data, size_t len, int src_fd)
{
    int          fd, rc;
    char         tmp[PATH_MAX], dir[PATH_MAX], buf[65536];
    char        *slash;
    ssize_t      n;
    const char  *name, *what;

    fd = -1;
    rc = -1;
    tmp[0] = '\0';
    what = "write";

    if (strlen(path) >= sizeof(dir)) {
        tw_log(TW_LOG_ERR, "path too long: \"%s\"", path);
        return -1;
    }

    strcpy(dir, path);
    slash = strrchr(dir, '/');
    if (slash == NULL) {
        strcpy(dir, ".");
        name = path;

    } else {
        *slash = '\0';
        name = slash + 1;
    }

    if (tw_mkdir_p(dir) != 0) {
        return -1;
    }

    /* pid and a per-process sequence: unique across the daemon's
     * threads and across processes sharing the store */
    n = snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%ld.%lu", dir, name,
                 (long) getpid(),
                 __atomic_add_fetch(&tw_tmp_seq, 1, __ATOMIC_RELAXED));
    if (n < 0 || (size_t) n >= sizeof(tmp)) {
        tw_log(TW_LOG_ERR, "path too long: \"%s\"", path);
        return -1;
    }

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd == -1) {
        what = "open";
        tmp[0] = '\0';
        goto end;
    }

    if (data != NULL || src_fd == -1) {
        if (tw_write_all(fd, data, len) != 0) {
            goto end;
        }

    } else {
        for ( ;; ) {
            n = read(src_fd, buf, sizeof(buf));
            if (n == 0) {
                break;
            }
            if (n == -1) {
                if (errno == EINTR) {
                    continue;
                }
                what = "read source for";
                goto end;
            }
            if (tw_write_all(fd, buf, n) != 0) {
                goto end;
            }
        }
    }

    what = "fsync";
    if (fsync(fd) != 0) {
        goto end;
    }

    what = "close";
    n = close(fd);
    fd = -1;
    if (n != 0) {
        goto end;
    }

    what = "rename";
    if (rename(tmp, path) != 0) {
        goto end;
    }

    tmp[0] = '\0';

    what = "fsync directory of";
    if (tw_fsync_dir(dir) != 0) {
        goto end;
    }

    rc = 0;

end:

    if (rc != 0) {
        tw_log(TW_LOG_ERR, "%s \"%s\" failed: %s", what, path,
               strerror(errno));
    }

    if (fd != -1) {
        close(fd);
    }

    if (tmp[0] != '\0') {
        unlink(tmp);
    }

    return rc;
}


int
tw_store_put(const tw_store_t *st, const char *key, const void *data,
    size_t len, tw_store_meta_t *meta)
{
    char  path[PATH_MAX];

    if (meta) {
        meta->etag[0] = '\0';
        meta->last_modified[0] = '\0';
    }

    if (st->kind == TW_STORE_S3) {
        return tw_store_s3_put(st, key, data, len, meta);
    }

    if (tw_store_path(st, key, path, sizeof(path)) != 0) {
        return -1;
    }

    return tw_atomic_write(path, data, len, -1);
}


int
tw_store_copy(const tw_store_t *st, const char *key, const char *src)
{
    int   fd, rc;
    char  path[PATH_MAX];

    if (st->kind == TW_STORE_S3) {
        return tw_store_s3_copy(st, key, src);
    }

    if (tw_store_path(st, key, path, sizeof(path)) != 0) {
        return -1;
    }

    fd = open(src, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        tw_log(TW_LOG_ERR, "open \"%s\" failed: %s", src, strerror(errno));
        return -1;
    }

    rc = tw_atomic_write(path, NULL, 0, fd);
    close(fd);

    return rc;
}


int
tw_store_get(const tw_store_t *st, const char *key, size_t max,
    uint8_t **data, size_t *len, tw_store_meta_t *meta)
{
    int          fd, rc;
    char         path[PATH_MAX];
    uint8_t     *buf;
    size_t       have;
    ssize_t      n;
    struct stat  sb;

    *data = NULL;
    *len = 0;

    if (meta) {
        meta->etag[0] = '\0';
        meta->last_modified[0] = '\0';
    }

    if (st->kind == TW_STORE_S3) {
        return tw_store_s3_get(st, key, max, data, len, meta);
    }

    if (tw_store_path(st, key, path, sizeof(path)) != 0) {
        return -1;
    }

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        if (errno == ENOENT) {
            return 1;
        }
        tw_log(TW_LOG_ERR, "open \"%s\" failed: %s", path, strerror(errno));
        return -1;
    }

    rc = -1;
    buf = NULL;

    if (fstat(fd, &sb) != 0 || (size_t) sb.st_size > max) {
        tw_log(TW_LOG_ERR, "\"%s\" is unreadable or larger than %zu bytes",
               path, max);
        goto end;
    }

    buf = malloc(sb.st_size + 1);
    if (buf == NULL) {
        tw_log(TW_LOG_ERR, "out of memory reading \"%s\"", path);
        goto end;
    }

    have = 0;
    while (have < (size_t) sb.st_size) {
        n = read(fd, buf + have, sb.st_size - have);
        if (n == -1 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            tw_log(TW_LOG_ERR, "read \"%s\" failed: %s", path,
                   n == 0 ? "short read" : strerror(errno));
            goto end;
        }
        have += n;
    }

    buf[have] = '\0';
    *data = buf;
    *len = have;
    buf = NULL;
    rc = 0;

end:

    free(buf);
    close(fd);

    return rc;
}


int
tw_store_exists(const tw_store_t *st, const char *key)
{
    char         path[PATH_MAX];
    struct stat  sb;

    if (st->kind == TW_STORE_S3) {
        return tw_store_s3_exists(st, key);
    }

    if (tw_store_path(st, key, path, sizeof(path)) != 0) {
        return 0;
    }

    return stat(path, &sb) == 0;
}


int
tw_store_exists_tree(const tw_store_t *st, const char *key)
{
    if (st->kind == TW_STORE_S3) {
        return tw_store_s3_exists_tree(st, key);
    }

    return tw_store_exists(st, key);
}


int
tw_store_same(const tw_store_t *st, const char *key, const char *path)
{
    int      same;
    char     obj[PATH_MAX];
    FILE    *a, *b;
    size_t   na, nb;
    uint8_t  ba[65536], bb[65536];

    if (st->kind == TW_STORE_S3) {
        return tw_store_s3_same(st, key, path);
    }

    if (tw_store_path(st, key, obj, sizeof(obj)) != 0) {
        return 0;
    }

    a = fopen(obj, "rb");
    b = fopen(path, "rb");
    same = (a != NULL && b != NULL);

    while (same) {
        na = fread(ba, 1, sizeof(ba), a);
        nb = fread(bb, 1, sizeof(bb), b);

        if (na != nb || memcmp(ba, bb, na) != 0 || ferror(a) || ferror(b)) {
            same = 0;
        }

        if (na == 0) {
            break;
        }
    }

    if (a) {
        fclose(a);
    }

    if (b) {
        fclose(b);
    }

    return same;
}


int
tw_store_remove(const tw_store_t *st, const char *key)
{
    char  path[PATH_MAX], dir[PATH_MAX], *slash;

    if (st->kind == TW_STORE_S3) {
        return tw_store_s3_remove(st, key);
    }

    if (tw_store_path(st, key, path, sizeof(path)) != 0) {
        return -1;
    }

    if (unlink(path) != 0) {
        if (errno == ENOENT) {
            return 0;
        }
        tw_log(TW_LOG_ERR, "unlink \"%s\" failed: %s", path,
               strerror(errno));
        return -1;
    }

    strcpy(dir, path);
    slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        (void) tw_fsync_dir(dir);
    }

    return 0;
}


static int
tw_remove_tree(const char *path)
{
    DIR            *d;
    char            sub[PATH_MAX];
    struct dirent  *de;
    struct stat     st;
    int             rc;

    if (lstat(path, &st) != 0) {
        return errno == ENOENT ? 0 : -1;
    }

    if (!S_ISDIR(st.st_mode)) {
        return unlink(path);
    }

    d = opendir(path);
    if (d == NULL) {
        return -1;
    }

    rc = 0;

    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }

        if ((size_t) snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name)
            >= sizeof(sub)
            || tw_remove_tree(sub) != 0)
        {
            rc = -1;
        }
    }

    closedir(d);

    if (rc == 0 && rmdir(path) != 0) {
        rc = -1;
    }

    return rc;
}


int
tw_store_remove_tree(const tw_store_t *st, const char *key)
{
    char  path[PATH_MAX];

    if (st->kind == TW_STORE_S3) {
        return tw_store_s3_remove_tree(st, key);
    }

    if (tw_store_path(st, key, path, sizeof(path)) != 0) {
        return -1;
    }

    if (tw_remove_tree(path) != 0) {
        tw_log(TW_LOG_ERR, "removing \"%s\" failed: %s", path,
               strerror(errno));
        return -1;
    }

    return 0;
}


int
tw_write_out(const char *path, const void *data, size_t len)
{
    if (strcmp(path, "-") == 0) {
        if (tw_write_all(STDOUT_FILENO, data, len) != 0) {
            tw_log(TW_LOG_ERR, "write to stdout failed: %s",
                   strerror(errno));
            return -1;
        }
        return 0;
    }

    return tw_atomic_write(path, data, len, -1);
}


void
tw_store_clean_temp(const tw_store_t *st, const char *key, int max_age)
{
    DIR            *d;
    char            path[PATH_MAX], prefix[PATH_MAX], *slash;
    size_t          plen;
    time_t          now;
    struct stat     sb;
    struct dirent  *de;

    if (st->kind != TW_STORE_LOCAL
        || tw_store_path(st, key, path, sizeof(path)) != 0)
    {
        return;
    }

    slash = strrchr(path, '/');
    if (slash == NULL) {
        return;
    }

    *slash = '\0';
    plen = (size_t) snprintf(prefix, sizeof(prefix), ".%s.tmp.", slash + 1);
    if (plen >= sizeof(prefix)) {
        return;
    }

    d = opendir(path);
    if (d == NULL) {
        return;
    }

    now = time(NULL);

    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, prefix, plen) != 0
            || fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0
            || !S_ISREG(sb.st_mode) || now - sb.st_mtime < max_age)
        {
            continue;
        }

        if (unlinkat(dirfd(d), de->d_name, 0) == 0) {
            tw_log(TW_LOG_INFO, "removed stale temporary file \"%s/%s\"",
                   path, de->d_name);
        }
    }

    closedir(d);
}


int
tw_store_source(const tw_store_t *st, const char *key, tw_source_t **src)
{
    char  path[PATH_MAX];

    if (st->kind == TW_STORE_S3) {
        return tw_store_s3_source(st, key, src);
    }

    if (tw_store_path(st, key, path, sizeof(path)) != 0) {
        return AVERROR(EINVAL);
    }

    return tw_source_open(src, path, NULL, NULL);
}
