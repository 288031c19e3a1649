/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * The upload server's answers (libmicrohttpd): a status, a body, the
 * headers of the request's kind.  Every answer of a tus URL carries
 * Tus-Resumable and the CORS headers that let a page of another origin
 * use it (Access-Control-Allow-Origin, -Expose-Headers for the tus
 * headers and Location); every answer is Cache-Control: no-store.
 */

#ifndef TW_UPLOAD_REPLY_H
#define TW_UPLOAD_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/tw_upload_types.h"


/*
 * Queues the answer of r: status, body (len bytes, copied; NULL: none)
 * of type ctype, then the headers of hdr, pairs of name and value ended
 * by a NULL name.  libmicrohttpd's MHD_YES or MHD_NO.
 */
int tw_up_reply(tw_up_req_t *r, unsigned status, const char *ctype,
    const char *body, size_t len, const char *const *hdr);
/* a text/plain answer: text and a newline */
int tw_up_text(tw_up_req_t *r, unsigned status, const char *text);

/* t as an HTTP date (IMF-fixdate) into buf of at least 32 bytes */
void tw_up_http_date(uint64_t t, char *buf);

/* a request header's value, or NULL */
const char *tw_up_header(tw_up_req_t *r, const char *name);


#endif /* TW_UPLOAD_REPLY_H */
