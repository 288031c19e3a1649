/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libFuzzer target: what the worker's "serve" makes of a request URL
 * (serve/tw_route.c, the part of tw_http.c without libmicrohttpd), as a
 * C string: libmicrohttpd hands the handler the decoded path.  Beyond
 * "no crash, no sanitizer report":
 *   - /healthz and /metrics are those exact strings;
 *   - a refusal as a bad request has a reason;
 *   - an object route is "/v/" and a segment or init path that is its
 *     own store key: the file opened below the store root is the one the
 *     URL names, with no "..", no "//", no leading '/' and no '\\';
 *   - in the sample's description (with the request's id), the object
 *     is either found, with one of the four content types and the same
 *     key, or not found: never an internal error.
 */

#include "fuzz_util.h"
#include "vo_media.h"
#include "serve/tw_route.h"


static vo_media_t  demo;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    FILE        *f;
    size_t       n;
    static char  buf[65536];
    const char  *err;

    (void) argc;
    (void) argv;

    f = fopen("tests/core/data/demo.json", "rb");
    fuzz_assert(f != NULL);
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);

    fuzz_assert(vo_media_parse((u_char *) buf, n, &demo, &err) == VO_OK);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char          *url, key[512], key2[512];
    size_t         len, klen;
    unsigned       status;
    vo_media_t     m;
    tw_route_t     route;
    const char    *err, *ctype;
    vo_request_t   req;
    vo_str_t       all;

    all.data = data;
    all.len = size;
    url = fuzz_cstr(all);
    len = strlen(url);

    err = NULL;
    route = tw_route(url, &req, &err);

    switch (route) {

    case TW_ROUTE_HEALTHZ:
        fuzz_assert(strcmp(url, "/healthz") == 0);
        break;

    case TW_ROUTE_METRICS:
        fuzz_assert(strcmp(url, "/metrics") == 0);
        break;

    case TW_ROUTE_BAD_REQUEST:
        fuzz_assert(err != NULL && len >= 3 && memcmp(url, "/v/", 3) == 0);
        break;

    case TW_ROUTE_NOT_FOUND:
        break;

    case TW_ROUTE_OBJECT:
        fuzz_assert(memcmp(url, "/v/", 3) == 0);
        fuzz_assert(!vo_req_is_manifest(req.kind));

        klen = vo_request_key(&req, key, sizeof(key));
        fuzz_assert(klen == len - 3 && memcmp(key, url + 3, klen) == 0);
        fuzz_assert(key[0] != '/' && strstr(key, "..") == NULL
                    && strstr(key, "//") == NULL
                    && strchr(key, '\\') == NULL);

        /* the sample, under the request's id */
        m = demo;
        fuzz_assert(req.id.len < sizeof(m.id));
        memcpy(m.id, req.id.data, req.id.len);
        m.id[req.id.len] = '\0';

        err = NULL;
        ctype = NULL;
        status = tw_route_object(&m, &req, key2, sizeof(key2), &ctype, &err);

        fuzz_assert(status == 0 || status == 404);

        if (status == 0) {
            fuzz_assert(strcmp(key2, key) == 0);
            fuzz_assert(ctype != NULL
                        && (strcmp(ctype, "video/mp2t") == 0
                            || strcmp(ctype, "video/iso.segment") == 0
                            || strcmp(ctype, "video/mp4") == 0
                            || strcmp(ctype, "audio/mp4") == 0));
        }

        break;

    default:
        fuzz_assert(!"unknown route");
    }

    free(url);

    return 0;
}
