/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * tus 1.0.0 at /uploads/{id}: core (HEAD, PATCH, OPTIONS) and the
 * extensions creation, creation-with-upload, termination, checksum
 * (sha1, sha256) and expiration.
 *
 *   POST   /uploads/{id}?exp=E&sig=S   creation, once per URL: the URL of
 *          POST /admin/uploads, S = vo_sign(secret, "c:" id, E)
 *   HEAD, PATCH, DELETE /uploads/{id}?exp=D&sig=T   the upload (its
 *          Location), T = vo_sign(secret, "u:" id, D), D its deadline
 *
 * A request goes through three calls: tw_tus_begin() with the headers
 * (every check that needs no body: the answer of a refusal is decided
 * there and sent once the body is read and dropped), tw_tus_data() for
 * each piece of the body (written to the spool file at its offset),
 * tw_tus_end() once it is whole.  tw_tus_close() runs last, whether
 * the request ended or was cut off: the bytes of a PATCH cut off are
 * kept (fsync()ed, then acknowledged in Redis) unless it carried a
 * checksum, which they cannot match.
 */

#ifndef TW_UPLOAD_TUS_H
#define TW_UPLOAD_TUS_H

#include <stddef.h>

#include "ingest/tw_upload_types.h"


void tw_tus_begin(tw_up_req_t *r, const char *id);
void tw_tus_data(tw_up_req_t *r, const char *data, size_t len);
int tw_tus_end(tw_up_req_t *r);
void tw_tus_close(tw_up_req_t *r);

/* the upload's URL ("{public-url}/{id}?exp=..&sig=..") into buf: for
 * creation (create 1) or the upload itself; 0, or -1 */
int tw_tus_url(const tw_upload_srv_t *srv, const char *id, int create,
    uint64_t expires, char *buf, size_t size);


#endif /* TW_UPLOAD_TUS_H */
