/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#define _GNU_SOURCE

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "common/tw_listen.h"
#include "common/tw_log.h"


static int tw_listen_unix(const char *addr, char **unix_path);


int
tw_listen(const char *addr, int listen_any, const char *risk,
    char **unix_path)
{
    int                  fd, one;
    char                 host[64], *end;
    long                 port;
    const char          *colon;
    struct sockaddr_in   sin;

    one = 1;
    fd = -1;

    if (strncmp(addr, "unix:", 5) == 0) {
        return tw_listen_unix(addr, unix_path);
    }

    colon = strrchr(addr, ':');
    if (colon == NULL || colon == addr
        || (size_t) (colon - addr) >= sizeof(host))
    {
        goto invalid;
    }

    memcpy(host, addr, colon - addr);
    host[colon - addr] = '\0';

    port = strtol(colon + 1, &end, 10);
    if (*end || colon[1] == '\0' || port < 0 || port > 65535) {
        goto invalid;
    }

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t) port);

    if (strcmp(host, "*") == 0) {
        sin.sin_addr.s_addr = htonl(INADDR_ANY);

    } else if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
        goto invalid;
    }

    /* the worker has no authentication: every address is a choice */
    if (sin.sin_addr.s_addr == htonl(INADDR_ANY)) {
        if (!listen_any) {
            tw_log(TW_LOG_ERR, "refusing to listen on every address "
                   "(\"%s\"): the worker has no authentication; use "
                   "127.0.0.1:PORT, or set listen-any on", addr);
            return -1;
        }

        tw_log(TW_LOG_WARN, "listening on every address (\"%s\", "
               "listen-any on): %s", addr, risk);
    }

    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd == -1
        || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0
        || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0
        || listen(fd, 511) != 0)
    {
        goto failed;
    }

    return fd;

failed:

    tw_log(TW_LOG_ERR, "listen on \"%s\" failed: %s", addr, strerror(errno));

    if (fd != -1) {
        close(fd);
    }

    return -1;

invalid:

    tw_log(TW_LOG_ERR, "invalid listen address \"%s\": unix:/path or "
           "127.0.0.1:PORT", addr);

    return -1;
}


/*
 * The socket is bound in a fresh directory only we can enter, given its
 * mode there (nobody else can swap the name for a symlink meanwhile),
 * then renamed onto its path: never a chmod by path on the final name.
 */
static int
tw_listen_unix(const char *addr, char **unix_path)
{
    int                  fd, rc;
    char                *slash, dir[sizeof(((struct sockaddr_un *) 0)
                                           ->sun_path)];
    struct stat          st;
    struct sockaddr_un   sun;

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;

    /* room for the private directory's "/.vo-XXXXXX/s" */
    if (addr[5] != '/' || strlen(addr + 5) + 14 >= sizeof(sun.sun_path)) {
        tw_log(TW_LOG_ERR, "invalid listen address \"%s\": unix:/path "
               "(absolute, at most %d bytes)", addr,
               (int) sizeof(sun.sun_path) - 15);
        return -1;
    }

    /* a file other than a socket left by a process that did not stop
     * cleanly is not ours to replace */
    if (lstat(addr + 5, &st) == 0 && !S_ISSOCK(st.st_mode)) {
        tw_log(TW_LOG_ERR, "listen on \"%s\" failed: exists and is not "
               "a socket", addr);
        return -1;
    }

    /* "/run/vo/w.sock" -> "/run/vo/.vo-XXXXXX" */
    strcpy(dir, addr + 5);
    slash = strrchr(dir, '/');
    strcpy(slash + 1, ".vo-XXXXXX");

    if (mkdtemp(dir) == NULL) {
        tw_log(TW_LOG_ERR, "listen on \"%s\" failed: mkdtemp: %s", addr,
               strerror(errno));
        return -1;
    }

    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/s", dir);

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    rc = fd == -1
         || bind(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0
         || chmod(sun.sun_path, 0666) != 0
         || rename(sun.sun_path, addr + 5) != 0
         || listen(fd, 511) != 0;

    if (rc) {
        tw_log(TW_LOG_ERR, "listen on \"%s\" failed: %s", addr,
               strerror(errno));
        unlink(sun.sun_path);
    }

    rmdir(dir);

    if (rc) {
        if (fd != -1) {
            close(fd);
        }

        return -1;
    }

    *unix_path = strdup(addr + 5);

    return fd;
}
