/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The listening socket of a worker daemon (serve, upload): "unix:/path"
 * or "ipv4:port".  Every address ("*:port", "0.0.0.0:port") only with
 * listen_any: the daemons have no authentication of their own (or only
 * of some requests), so that is a choice, warned about with risk.
 */

#ifndef TW_LISTEN_H
#define TW_LISTEN_H


/* a listening socket (close-on-exec), or -1 logged; *unix_path is set
 * (malloc()ed: the caller unlinks and frees it) for a unix socket */
int tw_listen(const char *addr, int listen_any, const char *risk,
    char **unix_path);


#endif /* TW_LISTEN_H */
