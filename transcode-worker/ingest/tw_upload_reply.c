/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "ingest/tw_upload_reply.h"


#define TW_TUS_EXTENSIONS                                                    \
    "creation,creation-with-upload,termination,checksum,expiration"


static const char  tw_up_allow_headers[] =
    "Authorization, Content-Type, Tus-Resumable, Upload-Length, "
    "Upload-Metadata, Upload-Offset, Upload-Checksum, Upload-Defer-Length, "
    "Upload-Concat, X-Requested-With, X-HTTP-Method-Override";

static const char  tw_up_expose_headers[] =
    "Location, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, "
    "Tus-Checksum-Algorithm, Upload-Offset, Upload-Length, "
    "Upload-Expires, Upload-Metadata";


int
tw_up_reply(tw_up_req_t *r, unsigned status, const char *ctype,
    const char *body, size_t len, const char *const *hdr)
{
    int                   rc;
    char                  max[24];
    struct MHD_Response  *resp;

    resp = MHD_create_response_from_buffer(body ? len : 0,
                                           (void *) (body ? body : ""),
                                           MHD_RESPMEM_MUST_COPY);
    if (resp == NULL) {
        return MHD_NO;
    }

    MHD_add_response_header(resp, "Cache-Control", "no-store");

    if (ctype) {
        MHD_add_response_header(resp, "Content-Type", ctype);
    }

    if (r->tus) {
        MHD_add_response_header(resp, "Tus-Resumable", "1.0.0");
        MHD_add_response_header(resp, "Access-Control-Allow-Origin",
                                r->srv->conf.cors_origin);
        MHD_add_response_header(resp, "Access-Control-Expose-Headers",
                                tw_up_expose_headers);

        if (strcmp(r->srv->conf.cors_origin, "*") != 0) {
            MHD_add_response_header(resp, "Vary", "Origin");
        }

        /* what OPTIONS tells, and a 412 too */
        if (r->method == TW_UP_OPTIONS || status == 412) {
            snprintf(max, sizeof(max), "%zu", r->srv->conf.max_size);
            MHD_add_response_header(resp, "Tus-Version", "1.0.0");
            MHD_add_response_header(resp, "Tus-Extension",
                                    TW_TUS_EXTENSIONS);
            MHD_add_response_header(resp, "Tus-Max-Size", max);
            MHD_add_response_header(resp, "Tus-Checksum-Algorithm",
                                    "sha1,sha256");
        }

        if (r->method == TW_UP_OPTIONS) {
            MHD_add_response_header(resp, "Access-Control-Allow-Methods",
                                    "POST, HEAD, PATCH, DELETE, OPTIONS");
            MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                    tw_up_allow_headers);
            MHD_add_response_header(resp, "Access-Control-Max-Age",
                                    "86400");
        }
    }

    while (hdr && hdr[0]) {
        MHD_add_response_header(resp, hdr[0], hdr[1]);
        hdr += 2;
    }

    rc = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);

    return rc;
}


int
tw_up_text(tw_up_req_t *r, unsigned status, const char *text)
{
    char    buf[512];
    size_t  n;

    n = (size_t) snprintf(buf, sizeof(buf), "%s\n", text);
    if (n >= sizeof(buf)) {
        n = sizeof(buf) - 1;
    }

    return tw_up_reply(r, status, "text/plain", buf, n, NULL);
}


void
tw_up_http_date(uint64_t t, char *buf)
{
    time_t     tt;
    struct tm  tm;

    tt = (time_t) t;
    gmtime_r(&tt, &tm);
    strftime(buf, 32, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}


const char *
tw_up_header(tw_up_req_t *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}
