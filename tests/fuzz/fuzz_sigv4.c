/*
 * Copyright (C) vidorigin authors
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * libFuzzer target: SigV4 canonicalisation (vo_sigv4*.c), which the
 * module's S3 fetches and the worker's S3 client and CloudFront purges
 * sign: keys come from request paths, queries from callers.  Input:
 * a flags byte, then lines "method", "path", and any number of
 * "qNAME=VALUE" (query), "hNAME:VALUE" (header), "pPIECE" (path piece)
 * and "bBUCKET".  Beyond "no crash, no sanitizer report":
 *   - vo_sigv4_uri_encode() writes only A-Z a-z 0-9 - _ . ~ (and '/'
 *     when kept) and %XX, and decodes back to its input;
 *   - vo_sigv4_trim() leaves no blank at either end, no two in a row,
 *     no tab, and is idempotent;
 *   - the canonical request does not depend on the order of the query
 *     parameters, nor of headers with distinct names; it fits a buffer
 *     of exactly its length and, one byte short, says VO_NO_SPACE with
 *     that length;
 *   - an Authorization is written when the canonical request is, and a
 *     presigned query ends in X-Amz-Signature=<64 hex>;
 *   - vo_sigv4_http_sign() never needs more than vo_sigv4_http_size()
 *     and its path decodes to "/" bucket and the pieces.
 */

#include "fuzz_util.h"
#include "vo_sigv4.h"
#include "vo_sigv4_canon.h"
#include "vo_sigv4_http.h"


#define FUZZ_PAIRS   12
#define FUZZ_OUT     (256 * 1024)

static u_char  out1[FUZZ_OUT], out2[FUZZ_OUT];

static const vo_sigv4_creds_t  creds = {
    vo_string("AKIDEXAMPLE"),
    vo_string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    vo_string(""),
    vo_string("us-east-1"),
    vo_string("s3")
};

static const vo_sigv4_creds_t  token_creds = {
    vo_string("AKIDEXAMPLE"),
    vo_string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    vo_string("session-token"),
    vo_string("auto"),
    vo_string("s3")
};


static int
fuzz_hex(u_char c)
{
    return (c >= '0' && c <= '9') ? c - '0'
           : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}


/* s encoded in out (len bytes) decodes to s, from the allowed bytes */
static void
fuzz_check_encoded(const u_char *s, size_t slen, const u_char *out,
    size_t len, int keep_slash)
{
    size_t  i, n;
    u_char  c;

    for (i = 0, n = 0; i < len; n++) {
        fuzz_assert(n < slen);
        c = out[i];

        if (c == '%') {
            fuzz_assert(i + 2 < len);
            fuzz_assert(fuzz_hex(out[i + 1]) >= 0
                        && fuzz_hex(out[i + 2]) >= 0);
            c = (u_char) (fuzz_hex(out[i + 1]) << 4 | fuzz_hex(out[i + 2]));
            /* only what must be encoded is (keep_slash 2: a '/' may be
             * either, a bucket's is encoded, a piece's kept) */
            fuzz_assert(!vo_sigv4_unreserved(c)
                        && (c != '/' || keep_slash != 1));
            i += 3;

        } else {
            fuzz_assert(vo_sigv4_unreserved(c) || (c == '/' && keep_slash));
            i++;
        }

        fuzz_assert(c == s[n]);
    }

    fuzz_assert(n == slen);
}


static void
fuzz_encode(vo_str_t s)
{
    size_t  len, tlen, t2len;
    int     keep;

    for (keep = 0; keep <= 1; keep++) {
        fuzz_assert(vo_sigv4_uri_encode(s.data, s.len, keep, out1,
                                        sizeof(out1), &len)
                    == VO_OK);
        fuzz_assert(len <= 3 * s.len);
        fuzz_check_encoded(s.data, s.len, out1, len, keep);

        if (len) {
            fuzz_assert(vo_sigv4_uri_encode(s.data, s.len, keep, out2,
                                            len - 1, &tlen)
                        == VO_NO_SPACE);
            fuzz_assert(tlen == len);
        }
    }

    fuzz_assert(vo_sigv4_trim(s.data, s.len, out1, sizeof(out1), &tlen)
                == VO_OK);
    fuzz_assert(tlen <= s.len);

    if (tlen) {
        fuzz_assert(out1[0] != ' ' && out1[tlen - 1] != ' ');
        fuzz_assert(memchr(out1, '\t', tlen) == NULL);

        for (len = 0; len + 1 < tlen; len++) {
            fuzz_assert(!(out1[len] == ' ' && out1[len + 1] == ' '));
        }
    }

    fuzz_assert(vo_sigv4_trim(out1, tlen, out2, sizeof(out2), &t2len)
                == VO_OK);
    fuzz_assert(t2len == tlen && memcmp(out1, out2, tlen) == 0);
}


static int
fuzz_distinct(const vo_sigv4_pair_t *h, size_t n)
{
    size_t  i, j, k;

    for (i = 0; i < n; i++) {
        for (j = i + 1; j < n; j++) {
            if (h[i].name.len != h[j].name.len) {
                continue;
            }

            for (k = 0; k < h[i].name.len; k++) {
                if (vo_sigv4_lower(h[i].name.data[k])
                    != vo_sigv4_lower(h[j].name.data[k]))
                {
                    break;
                }
            }

            if (k == h[i].name.len) {
                return 0;
            }
        }
    }

    return 1;
}


static void
fuzz_reverse(vo_sigv4_pair_t *dst, const vo_sigv4_pair_t *src, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        dst[i] = src[n - 1 - i];
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    u_char               flags;
    size_t               nq, nh, np, i, len, len2, need;
    vo_str_t             line, method, path, bucket, piece[FUZZ_PAIRS];
    vo_status_t          rc, rc2;
    const char          *err;
    const uint8_t       *p, *end, *sep;
    vo_sigv4_pair_t      q[FUZZ_PAIRS], h[FUZZ_PAIRS + 4];
    vo_sigv4_pair_t      rq[FUZZ_PAIRS], rh[FUZZ_PAIRS + 4];
    vo_sigv4_http_t      http;
    vo_sigv4_signed_t    sg;
    vo_sigv4_request_t   req;
    const vo_sigv4_creds_t  *cr;

    if (size == 0) {
        return 0;
    }

    flags = data[0];
    p = data + 1;
    end = data + size;

    method = fuzz_field(&p, end, '\n');
    path = fuzz_field(&p, end, '\n');
    bucket.data = (const u_char *) "";
    bucket.len = 0;
    nq = nh = np = 0;

    while (p < end) {
        line = fuzz_field(&p, end, '\n');

        if (line.len == 0) {
            continue;
        }

        fuzz_encode(line);

        switch (line.data[0]) {

        case 'q':
        case 'h':
            sep = memchr(line.data + 1, line.data[0] == 'q' ? '=' : ':',
                         line.len - 1);

            if (line.data[0] == 'q' && nq < FUZZ_PAIRS) {
                q[nq].name.data = line.data + 1;
                q[nq].name.len = (sep ? (size_t) (sep - line.data)
                                      : line.len) - 1;
                q[nq].value.data = sep ? sep + 1 : line.data + line.len;
                q[nq].value.len = sep ? (size_t) (line.data + line.len
                                                  - sep - 1) : 0;
                nq++;

            } else if (line.data[0] == 'h' && nh < FUZZ_PAIRS) {
                h[nh].name.data = line.data + 1;
                h[nh].name.len = (sep ? (size_t) (sep - line.data)
                                      : line.len) - 1;
                h[nh].value.data = sep ? sep + 1 : line.data + line.len;
                h[nh].value.len = sep ? (size_t) (line.data + line.len
                                                  - sep - 1) : 0;
                nh++;
            }

            break;

        case 'p':
            if (np < FUZZ_PAIRS) {
                piece[np].data = line.data + 1;
                piece[np].len = line.len - 1;
                np++;
            }
            break;

        case 'b':
            bucket.data = line.data + 1;
            bucket.len = line.len - 1;
            break;
        }
    }

    cr = (flags & 2) ? &token_creds : &creds;

    /* the request signed: the fuzzed headers and the required ones */
    memset(&req, 0, sizeof(vo_sigv4_request_t));
    req.method = method;
    req.path = path;
    req.path_encoded = flags & 1;
    req.query = q;
    req.nquery = nq;
    req.payload_hash.data = (const u_char *) VO_SIGV4_UNSIGNED_PAYLOAD;
    req.payload_hash.len = sizeof(VO_SIGV4_UNSIGNED_PAYLOAD) - 1;
    req.timestamp.data = (const u_char *) "20261208T000000Z";
    req.timestamp.len = 16;

    h[nh].name.data = (const u_char *) "host";
    h[nh].name.len = 4;
    h[nh].value.data = (const u_char *) "bucket.s3.amazonaws.com";
    h[nh].value.len = 23;
    h[nh + 1].name.data = (const u_char *) "x-amz-date";
    h[nh + 1].name.len = 10;
    h[nh + 1].value = req.timestamp;
    h[nh + 2].name.data = (const u_char *) "x-amz-content-sha256";
    h[nh + 2].name.len = 20;
    h[nh + 2].value = req.payload_hash;
    req.headers = h;
    req.nheaders = nh + 3;

    if (flags & 2) {
        /* the token's header, which its creds require */
        h[nh + 3].name.data = (const u_char *) "x-amz-security-token";
        h[nh + 3].name.len = 20;
        h[nh + 3].value = token_creds.session_token;
        req.nheaders++;
    }

    err = NULL;
    rc = vo_sigv4_canonical_request(cr, &req, 0, out1, sizeof(out1), &len,
                                    &err);

    fuzz_assert(rc == VO_OK || (rc == VO_BAD_REQUEST && err != NULL));

    if (rc == VO_OK) {
        fuzz_assert(len <= sizeof(out1));
        fuzz_assert(len > method.len && memcmp(out1, method.data, method.len)
                                        == 0);

        /* exactly its length fits; one byte short does not */
        fuzz_assert(vo_sigv4_canonical_request(cr, &req, 0, out2, len, &len2,
                                               &err) == VO_OK);
        fuzz_assert(len2 == len && memcmp(out1, out2, len) == 0);
        fuzz_assert(vo_sigv4_canonical_request(cr, &req, 0, out2, len - 1,
                                               &len2, &err) == VO_NO_SPACE);
        fuzz_assert(len2 == len);

        /* the query in another order; the headers too, when distinct */
        fuzz_reverse(rq, q, nq);
        req.query = rq;

        if (fuzz_distinct(h, req.nheaders)) {
            fuzz_reverse(rh, h, req.nheaders);
            req.headers = rh;
        }

        fuzz_assert(vo_sigv4_canonical_request(cr, &req, 0, out2,
                                               sizeof(out2), &len2, &err)
                    == VO_OK);
        fuzz_assert(len2 == len && memcmp(out1, out2, len) == 0);

        fuzz_assert(vo_sigv4_authorization(cr, NULL, &req, out2,
                                           sizeof(out2), &len2, &err)
                    == VO_OK);
        fuzz_assert(len2 > 28 && memcmp(out2, "AWS4-HMAC-SHA256 Credential=",
                                        28) == 0);

        req.query = q;
        req.headers = h;
    }

    /* presigned: host alone, the fuzzed query */
    req.headers = &h[nh];
    req.nheaders = 1;

    rc = vo_sigv4_presign(cr, NULL, &req, 3600, out1, sizeof(out1), &len,
                          &err);

    fuzz_assert(rc == VO_OK || (rc == VO_BAD_REQUEST && err != NULL));

    if (rc == VO_OK) {
        fuzz_assert(len > 16 + 64);
        fuzz_assert(memcmp(out1 + len - 64 - 16, "X-Amz-Signature=", 16)
                    == 0);

        for (i = len - 64; i < len; i++) {
            fuzz_assert((out1[i] >= '0' && out1[i] <= '9')
                        || (out1[i] >= 'a' && out1[i] <= 'f'));
        }
    }

    /* the request builder, with the fuzzed bucket and pieces */
    memset(&http, 0, sizeof(vo_sigv4_http_t));
    http.method = method;
    http.host.data = (const u_char *) "127.0.0.1:9000";
    http.host.len = 14;
    http.bucket = bucket;
    http.path = piece;
    http.npath = np;
    http.query = q;
    http.nquery = nq;
    http.headers = h;
    http.nheaders = nh < VO_SIGV4_HTTP_MAX_HEADERS ? nh : 0;
    http.payload_hash = req.payload_hash;
    http.time = 1796688000;

    rc = vo_sigv4_http_sign(cr, NULL, &http, out1, sizeof(out1), &sg, &err);

    fuzz_assert(rc == VO_OK || (rc == VO_BAD_REQUEST && err != NULL));

    need = vo_sigv4_http_size(cr, &http);

    if (rc == VO_OK) {
        fuzz_assert(need <= sizeof(out2));
        fuzz_assert(vo_sigv4_http_sign(cr, NULL, &http, out2, need, &sg,
                                       &err) == VO_OK);

        /* the path: "/" bucket, then the pieces */
        fuzz_assert(sg.target.data == sg.path.data
                    && sg.target.len >= sg.path.len);

        len = 0;

        if (bucket.len) {
            out1[len++] = '/';
            memcpy(out1 + len, bucket.data, bucket.len);
            len += bucket.len;
        }

        for (i = 0; i < np; i++) {
            memcpy(out1 + len, piece[i].data, piece[i].len);
            len += piece[i].len;
        }

        if (len == 0) {
            out1[len++] = '/';
        }

        fuzz_check_encoded(out1, len, sg.path.data, sg.path.len, 2);
    }

    rc2 = vo_sigv4_http_sign(cr, NULL, &http, out2, need, &sg, &err);
    fuzz_assert(rc2 == rc);

    return 0;
}
