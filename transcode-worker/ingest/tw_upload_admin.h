/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The upload server's admin calls, behind nginx, which authenticates
 * them ("vidorigin_admin_auth on"); the server's socket is internal.
 *
 *   POST /admin/uploads   optional JSON body of catalog fields: 201
 *                         {"id", "upload_url", "expires"}
 *   POST /admin/ingest    source=KEY or s3://BUCKET/KEY (query or form
 *                         body), optional id=ID: 202 {"id", "source"}
 */

#ifndef TW_UPLOAD_ADMIN_H
#define TW_UPLOAD_ADMIN_H

#include <stddef.h>

#include "ingest/tw_upload_types.h"


#define TW_UP_ADMIN_BODY   (256 * 1024)


/* 1 when url is an admin call (r->method must be POST: 405 otherwise) */
int tw_admin_match(tw_up_req_t *r, const char *url);
/* a piece of the body, kept (at most TW_UP_ADMIN_BODY: 413) */
void tw_admin_data(tw_up_req_t *r, const char *data, size_t len);
/* the answer once the body is read */
int tw_admin_end(tw_up_req_t *r, const char *url);


#endif /* TW_UPLOAD_ADMIN_H */
