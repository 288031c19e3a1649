/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The HTTP side of "serve": one libmicrohttpd daemon per listen address
 * of the configuration.
 */

#ifndef TW_HTTP_H
#define TW_HTTP_H

#include "serve/tw_server.h"


/* binds and starts every daemon, and sets sv->resume; -1 (logged) when
 * one cannot start (those started are stopped by tw_http_stop()) */
int tw_http_start(tw_server_t *sv);
/* stops accepting: requests in progress and idle connections go on */
void tw_http_quiesce(tw_server_t *sv);
/* stops the daemons; no request may be suspended any more */
void tw_http_stop(tw_server_t *sv);


#endif /* TW_HTTP_H */
