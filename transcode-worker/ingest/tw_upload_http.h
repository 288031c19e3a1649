/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The HTTP side of "upload" (libmicrohttpd, a thread per connection:
 * each request may wait on its disk and on Redis, never on another):
 *
 *   /uploads/{id}      tus (tw_upload_tus.h)
 *   /admin/uploads     (tw_upload_admin.h)
 *   /admin/ingest
 *   GET /healthz       "ok"
 */

#ifndef TW_UPLOAD_HTTP_H
#define TW_UPLOAD_HTTP_H

#include "ingest/tw_upload_types.h"


/* binds and starts the daemon: 0, or -1 logged */
int tw_upload_http_start(tw_upload_srv_t *srv);
void tw_upload_http_stop(tw_upload_srv_t *srv);


#endif /* TW_UPLOAD_HTTP_H */
